//! "Is this bucket policy public?": Amazon S3 User Guide, "Blocking public access to your
//! Amazon S3 storage", section "The meaning of 'public'" → "Bucket policies".
//!
//! Each row names the rule it checks. Rows marked "AWS example" are the documents the
//! guide itself gives.

use rampart_policy::{Policy, PolicyKind};

/// A 2012-10-17 bucket policy with these statements.
fn doc(stmts: &[&str]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        stmts.join(",")
    )
}

/// An Allow of s3:GetObject on the bucket's objects to `principal`, with `condition`
/// (a JSON object, or "" for none).
fn allow(principal: &str, condition: &str) -> String {
    let cond = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    format!(
        r#"{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"{cond}}}"#
    )
}

/// `allow("*", condition)`.
fn star(condition: &str) -> String {
    allow(r#""*""#, condition)
}

const PUBLIC: bool = true;
const PRIVATE: bool = false;

#[test]
fn meaning_of_public_table() {
    // (AWS rule checked, policy document, expected is_public)
    let cases: Vec<(&str, String, bool)> = vec![
        // ---- AWS's own examples ----
        (
            "AWS example: public — Federated graph.facebook.com principal",
            r#"{"Statement":{"Principal":{"Federated":"graph.facebook.com"},"Resource":"*","Action":"s3:PutObject","Effect":"Allow"}}"#.into(),
            PUBLIC,
        ),
        (
            "AWS example: public — Principal \"*\", no condition",
            r#"{"Statement":{"Principal":"*","Resource":"*","Action":"s3:PutObject","Effect":"Allow"}}"#.into(),
            PUBLIC,
        ),
        (
            "AWS example: public — aws:SourceVpc with StringLike \"vpc-*\" is not a fixed value",
            r#"{"Statement":{"Principal":"*","Resource":"*","Action":"s3:PutObject","Effect":"Allow","Condition":{"StringLike":{"aws:SourceVpc":"vpc-*"}}}}"#.into(),
            PUBLIC,
        ),
        (
            "AWS example: non-public — aws:SourceVpc set to a fixed value with StringEquals",
            r#"{"Statement":{"Principal":"*","Resource":"*","Action":"s3:PutObject","Effect":"Allow","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}}}"#.into(),
            PRIVATE,
        ),
        (
            "AWS example (mixed grants): CloudTrail service + account 2 + \"*\" unconditioned → public because of the third",
            doc(&[
                &allow(r#"{"Service":"cloudtrail.amazonaws.com"}"#, ""),
                &allow(r#"{"AWS":"arn:aws:iam::222222222222:root"}"#, ""),
                &star(""),
            ]),
            PUBLIC,
        ),
        (
            "AWS example (mixed grants): remove the third statement → not public",
            doc(&[
                &allow(r#"{"Service":"cloudtrail.amazonaws.com"}"#, ""),
                &allow(r#"{"AWS":"arn:aws:iam::222222222222:root"}"#, ""),
            ]),
            PRIVATE,
        ),
        // ---- fixed principals: "An AWS principal, user, role, or service principal" ----
        (
            "fixed principal: an account id",
            doc(&[&allow(r#"{"AWS":"111122223333"}"#, "")]),
            PRIVATE,
        ),
        (
            "fixed principal: a user ARN",
            doc(&[&allow(r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#, "")]),
            PRIVATE,
        ),
        (
            "fixed principal: a role ARN",
            doc(&[&allow(r#"{"AWS":["arn:aws:iam::111122223333:role/r"]}"#, "")]),
            PRIVATE,
        ),
        (
            "fixed principal: a canonical user (an account)",
            doc(&[&allow(
                r#"{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}"#,
                "",
            )]),
            PRIVATE,
        ),
        (
            "fixed principal: a service principal",
            doc(&[&allow(r#"{"Service":"logging.s3.amazonaws.com"}"#, "")]),
            PRIVATE,
        ),
        (
            "{\"AWS\":\"*\"} is everyone, same as \"*\"",
            doc(&[&allow(r#"{"AWS":"*"}"#, "")]),
            PUBLIC,
        ),
        (
            "a list holding \"*\" next to a fixed account still grants to everyone",
            doc(&[&allow(r#"{"AWS":["111122223333","*"]}"#, "")]),
            PUBLIC,
        ),
        // ---- Deny never grants ----
        (
            "Deny to \"*\" grants nothing: not public",
            doc(&[r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#]),
            PRIVATE,
        ),
        (
            "Deny with NotPrincipal grants nothing: not public",
            doc(&[r#"{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#]),
            PRIVATE,
        ),
        // ---- "*" with unrelated conditions ----
        (
            "aws:SecureTransport is not a listed key: still public",
            doc(&[&star(r#"{"Bool":{"aws:SecureTransport":"true"}}"#)]),
            PUBLIC,
        ),
        (
            "s3:prefix is not a listed key: still public",
            doc(&[&star(r#"{"StringEquals":{"s3:prefix":"home/"}}"#)]),
            PUBLIC,
        ),
        // ---- aws:SourceIp: "A set of CIDRs"; "broader than /8 for IPv4 and /32 for IPv6" is public ----
        (
            "aws:SourceIp with a /24: non-public",
            doc(&[&star(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#)]),
            PRIVATE,
        ),
        (
            "aws:SourceIp with a /8: not broader than /8, non-public",
            doc(&[&star(r#"{"IpAddress":{"aws:SourceIp":"44.0.0.0/8"}}"#)]),
            PRIVATE,
        ),
        (
            "aws:SourceIp 0.0.0.0/1 (the doc's example of a very broad range): public",
            doc(&[&star(r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}"#)]),
            PUBLIC,
        ),
        (
            "aws:SourceIp: one /7 among narrow ranges makes the set very broad: public",
            doc(&[&star(r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","8.0.0.0/7"]}}"#)]),
            PUBLIC,
        ),
        (
            "aws:SourceIp IPv6 /32: non-public",
            doc(&[&star(r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#)]),
            PRIVATE,
        ),
        (
            "aws:SourceIp IPv6 /31 (broader than /32): public",
            doc(&[&star(r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/31"}}"#)]),
            PUBLIC,
        ),
        (
            "aws:SourceIp RFC1918 range 10.0.0.0/8: non-public",
            doc(&[&star(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#)]),
            PRIVATE,
        ),
        (
            "NotIpAddress admits every other address: public",
            doc(&[&star(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#)]),
            PUBLIC,
        ),
        // ---- the other listed keys with fixed values ----
        (
            "aws:SourceArn fixed with ArnEquals: non-public",
            doc(&[&star(r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"}}"#)]),
            PRIVATE,
        ),
        (
            "aws:SourceArn with ArnLike and a wildcard: not a fixed value, public",
            doc(&[&star(r#"{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/*"}}"#)]),
            PUBLIC,
        ),
        (
            "aws:SourceArn with ArnLike and no wildcard: a fixed value, non-public",
            doc(&[&star(r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}}"#)]),
            PRIVATE,
        ),
        (
            "aws:SourceVpce fixed: non-public",
            doc(&[&star(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}"#)]),
            PRIVATE,
        ),
        (
            "aws:SourceOwner fixed: non-public",
            doc(&[&star(r#"{"StringEquals":{"aws:SourceOwner":"111122223333"}}"#)]),
            PRIVATE,
        ),
        (
            "aws:SourceAccount fixed, written as a JSON number: non-public",
            doc(&[&star(r#"{"StringEquals":{"aws:SourceAccount":111122223333}}"#)]),
            PRIVATE,
        ),
        (
            "aws:PrincipalOrgID (the doc's example of pinning the principal) fixed: non-public",
            doc(&[&star(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#)]),
            PRIVATE,
        ),
        (
            "aws:PrincipalAccount fixed: non-public",
            doc(&[&star(r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#)]),
            PRIVATE,
        ),
        (
            "s3:x-amz-server-side-encryption-aws-kms-key-id fixed: non-public",
            doc(&[&star(r#"{"StringEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}"#)]),
            PRIVATE,
        ),
        (
            "s3:DataAccessPointAccount fixed: non-public",
            doc(&[&star(r#"{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}"#)]),
            PRIVATE,
        ),
        (
            "condition keys are case-insensitive: AWS:SOURCEVPC fixed is non-public",
            doc(&[&star(r#"{"StringEquals":{"AWS:SOURCEVPC":"vpc-91237329"}}"#)]),
            PRIVATE,
        ),
        (
            "StringEqualsIgnoreCase with a fixed value pins the key: non-public",
            doc(&[&star(r#"{"StringEqualsIgnoreCase":{"aws:SourceVpc":"VPC-91237329"}}"#)]),
            PRIVATE,
        ),
        (
            "one value of the list has a wildcard: the values are not all fixed, public",
            doc(&[&star(r#"{"StringEquals":{"aws:SourceVpc":["vpc-1","vpc-*"]}}"#)]),
            PUBLIC,
        ),
        (
            "a policy variable is not a fixed value: public",
            doc(&[&star(r#"{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}"#)]),
            PUBLIC,
        ),
        (
            "StringNotEquals admits every other value: public",
            doc(&[&star(r#"{"StringNotEquals":{"aws:SourceVpc":"vpc-91237329"}}"#)]),
            PUBLIC,
        ),
        (
            "…IfExists is true when the key is absent (anonymous requests): public",
            doc(&[&star(r#"{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-91237329"}}"#)]),
            PUBLIC,
        ),
        (
            "ForAllValues: is true when the key is absent: public",
            doc(&[&star(r#"{"ForAllValues:StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}"#)]),
            PUBLIC,
        ),
        (
            "a fixed key next to an unrelated one (conditions are ANDed): non-public",
            doc(&[&star(r#"{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}"#)]),
            PRIVATE,
        ),
        // ---- aws:userid, "outside the pattern AROLEID:*" ----
        (
            "aws:userid fixed to a user id: non-public",
            doc(&[&star(r#"{"StringEquals":{"aws:userid":"AIDAJQABLZS4A3QDU576Q"}}"#)]),
            PRIVATE,
        ),
        (
            "aws:userid with the pattern AROLEID:*: public",
            doc(&[&star(r#"{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}"#)]),
            PUBLIC,
        ),
        // ---- s3:DataAccessPointArn: wildcard allowed in the access point name only ----
        (
            "s3:DataAccessPointArn …:accesspoint/* with a fixed account (the doc's example): non-public",
            doc(&[&star(r#"{"StringLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}"#)]),
            PRIVATE,
        ),
        (
            "s3:DataAccessPointArn with a wildcard account id: public",
            doc(&[&star(r#"{"StringLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:*:accesspoint/*"}}"#)]),
            PUBLIC,
        ),
        // ---- whole-policy rule: one public statement is enough ----
        (
            "a restricted \"*\" statement next to an unrestricted one: public",
            doc(&[
                &star(r#"{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}"#),
                &star(r#"{"Bool":{"aws:SecureTransport":"true"}}"#),
            ]),
            PUBLIC,
        ),
    ];

    assert!(cases.len() >= 30);
    let mut failures = Vec::new();
    for (rule, text, expected) in &cases {
        let policy = Policy::parse(text, PolicyKind::Resource)
            .unwrap_or_else(|e| panic!("{rule}: policy did not parse: {e}\n{text}"));
        if policy.is_public() != *expected {
            failures.push(format!("{rule}: expected public={expected}\n  {text}"));
        }
        assert_eq!(
            policy.public_statements().is_empty(),
            !policy.is_public(),
            "{rule}: public_statements disagrees with is_public"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn public_statements_names_the_offending_sids() {
    let text = doc(&[
        r#"{"Sid":"Logs","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}"#,
        r#"{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}"#,
        r#"{"Sid":"Vpc","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}"#,
    ]);
    let policy = Policy::parse(&text, PolicyKind::Resource).unwrap();
    assert!(policy.is_public());
    assert_eq!(
        policy.public_statements(),
        vec![Some("Everyone".to_owned()), None]
    );
}

#[test]
fn not_principal_with_allow_never_reaches_the_check() {
    // AWS rejects NotPrincipal with Allow, so only Deny statements carry it (and a Deny
    // never makes a policy public). `is_public` would still count such an Allow as a
    // grant to everyone-but-the-listed.
    let text = doc(&[
        r#"{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
    ]);
    assert!(Policy::parse(&text, PolicyKind::Resource).is_err());
}

#[test]
fn policy_variables_are_literal_text_in_2008_documents() {
    // Without "Version": "2012-10-17", `${…}` is literal text, hence a fixed value.
    let text = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceAccount":"${x}"}}}}"#;
    let policy = Policy::parse(text, PolicyKind::Resource).unwrap();
    assert!(!policy.is_public());
}

#[test]
fn identity_policies_have_no_principal_and_are_never_public() {
    let text =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
    let policy = Policy::parse(text, PolicyKind::Identity).unwrap();
    assert!(!policy.is_public());
    assert!(policy.public_statements().is_empty());
}
