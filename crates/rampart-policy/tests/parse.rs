//! Parser tests: every rejection reason with AWS's message, and the accepted forms.
//!
//! Messages follow IAM's MalformedPolicyDocument / S3's MalformedPolicy wording.

use rampart_policy::{Policy, PolicyKind};

const I: PolicyKind = PolicyKind::Identity;
const R: PolicyKind = PolicyKind::Resource;
const T: PolicyKind = PolicyKind::Trust;
const S: PolicyKind = PolicyKind::Session;

/// `{"Version":"2012-10-17","Statement":[<stmt>]}`
fn doc(stmt: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{stmt}]}}"#)
}

const OK_ID: &str = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#;

#[test]
fn rejections() {
    // (AWS rule checked, document, kind, expected message)
    let cases: Vec<(&str, String, PolicyKind, &str)> = vec![
        (
            "the document must be JSON",
            "{".into(),
            I,
            "Syntax errors in policy.",
        ),
        (
            "the document must be a JSON object",
            "[]".into(),
            I,
            "Syntax errors in policy.",
        ),
        (
            "an empty document has no Statement",
            "{}".into(),
            I,
            "Missing required field Statement",
        ),
        (
            "JSON keys must be unique (top level)",
            r#"{"Version":"2012-10-17","Version":"2012-10-17","Statement":[]}"#.into(),
            I,
            "Syntax errors in policy.",
        ),
        (
            "JSON keys must be unique (statement)",
            doc(r#"{"Effect":"Allow","Effect":"Deny","Action":"s3:GetObject","Resource":"*"}"#),
            I,
            "Syntax errors in policy.",
        ),
        (
            "JSON keys must be unique (condition block)",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"a","s3:prefix":"b"}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "condition key names are case-insensitive, so these are duplicates",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"a","S3:Prefix":"b"}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "Version must be 2012-10-17 or 2008-10-17",
            r#"{"Version":"2012-10-18","Statement":[]}"#.into(),
            I,
            "The policy must contain a valid version string",
        ),
        (
            "Version must be a string",
            r#"{"Version":2012,"Statement":[]}"#.into(),
            I,
            "The policy must contain a valid version string",
        ),
        (
            "unknown top-level element",
            r#"{"Version":"2012-10-17","Foo":1,"Statement":[]}"#.into(),
            I,
            "Unknown field Foo",
        ),
        (
            "Id must be a string",
            r#"{"Version":"2012-10-17","Id":5,"Statement":[]}"#.into(),
            I,
            "Syntax errors in policy.",
        ),
        (
            "Statement must not be an empty list",
            r#"{"Version":"2012-10-17","Statement":[]}"#.into(),
            I,
            "Syntax errors in policy.",
        ),
        (
            "Statement must be an object or a list",
            r#"{"Version":"2012-10-17","Statement":"x"}"#.into(),
            I,
            "Syntax errors in policy.",
        ),
        (
            "each statement must be an object",
            doc("1"),
            I,
            "Syntax errors in policy.",
        ),
        (
            "unknown statement element",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Foo":"x"}"#),
            I,
            "Unknown field Foo",
        ),
        (
            "element names are case-sensitive",
            doc(r#"{"effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#),
            I,
            "Unknown field effect",
        ),
        (
            "Effect is required",
            doc(r#"{"Action":"s3:GetObject","Resource":"*"}"#),
            I,
            "Missing required field Effect",
        ),
        (
            "Effect is Allow or Deny",
            doc(r#"{"Effect":"Permit","Action":"s3:GetObject","Resource":"*"}"#),
            I,
            "Invalid effect: Permit",
        ),
        (
            "Effect values are case-sensitive",
            doc(r#"{"Effect":"allow","Action":"s3:GetObject","Resource":"*"}"#),
            I,
            "Invalid effect: allow",
        ),
        (
            "Action and NotAction cannot be used together",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","NotAction":"s3:PutObject","Resource":"*"}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "a statement needs Action or NotAction",
            doc(r#"{"Effect":"Allow","Resource":"*"}"#),
            I,
            "Policy statement must contain actions.",
        ),
        (
            "Action must be a string or list of strings",
            doc(r#"{"Effect":"Allow","Action":5,"Resource":"*"}"#),
            I,
            "Syntax errors in policy.",
        ),
        (
            "Action must not be an empty list",
            doc(r#"{"Effect":"Allow","Action":[],"Resource":"*"}"#),
            I,
            "Syntax errors in policy.",
        ),
        (
            "an action must be in the catalog",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObjectz","Resource":"*"}"#),
            I,
            "Policy has invalid action",
        ),
        (
            "a service outside the catalog is unknown",
            doc(r#"{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}"#),
            I,
            "Policy has invalid action",
        ),
        (
            "an action needs a service prefix",
            doc(r#"{"Effect":"Allow","Action":"GetObject","Resource":"*"}"#),
            I,
            "Policy has invalid action",
        ),
        (
            "a wildcard action must match a catalog action",
            doc(r#"{"Effect":"Allow","Action":"s3:Frobnicate*","Resource":"*"}"#),
            I,
            "Policy has invalid action",
        ),
        (
            "the service prefix cannot be a wildcard",
            doc(r#"{"Effect":"Allow","Action":"*:GetObject","Resource":"*"}"#),
            I,
            "Policy has invalid action",
        ),
        (
            "Resource and NotResource cannot be used together",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","NotResource":"*"}"#),
            I,
            "Syntax errors in policy.",
        ),
        (
            "an identity statement needs Resource or NotResource",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject"}"#),
            I,
            "Policy statement must contain resources.",
        ),
        (
            "Resource must be * or an ARN",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"bucket/key"}"#),
            I,
            "Policy has invalid resource",
        ),
        (
            "an ARN has six components",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:bucket"}"#),
            I,
            "Policy has invalid resource",
        ),
        (
            "an ARN needs a resource part",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::"}"#),
            I,
            "Policy has invalid resource",
        ),
        (
            "an ARN needs a service",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws::::b"}"#),
            I,
            "Policy has invalid resource",
        ),
        (
            "a policy variable must be closed",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username"}"#,
            ),
            I,
            "Policy has invalid resource",
        ),
        (
            "Resource must not be an empty list",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":[]}"#),
            I,
            "Syntax errors in policy.",
        ),
        (
            "Resource list items must be strings",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":["*",1]}"#),
            I,
            "Syntax errors in policy.",
        ),
        (
            "you cannot use Principal in an identity-based policy",
            doc(r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#),
            I,
            "Policy document should not specify a principal.",
        ),
        (
            "nor NotPrincipal",
            doc(
                r#"{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}"#,
            ),
            I,
            "Policy document should not specify a principal.",
        ),
        (
            "nor in a session policy",
            doc(r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#),
            S,
            "Policy document should not specify a principal.",
        ),
        (
            "you must use the Principal element in resource-based policies",
            doc(OK_ID),
            R,
            "Missing required field Principal",
        ),
        (
            "trust policies need a Principal",
            doc(r#"{"Effect":"Allow","Action":"sts:AssumeRole"}"#),
            T,
            "Missing required field Principal",
        ),
        (
            "Principal and NotPrincipal cannot be used together",
            doc(
                r#"{"Effect":"Deny","Principal":"*","NotPrincipal":"*","Action":"s3:GetObject","Resource":"*"}"#,
            ),
            R,
            "Syntax errors in policy.",
        ),
        (
            "NotPrincipal must be used with Deny",
            doc(
                r#"{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}"#,
            ),
            R,
            "Syntax errors in policy.",
        ),
        (
            "NotPrincipal cannot be used in a role trust policy",
            doc(
                r#"{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}"#,
            ),
            T,
            "Syntax errors in policy.",
        ),
        (
            "wildcards other than a lone * are not allowed in Principal",
            doc(
                r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"s3:GetObject","Resource":"*"}"#,
            ),
            R,
            "Invalid principal in policy",
        ),
        (
            "an account id has 12 digits",
            doc(
                r#"{"Effect":"Allow","Principal":{"AWS":"12345"},"Action":"s3:GetObject","Resource":"*"}"#,
            ),
            R,
            "Invalid principal in policy",
        ),
        (
            "IAM groups are not principals",
            doc(
                r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/G"},"Action":"s3:GetObject","Resource":"*"}"#,
            ),
            R,
            "Invalid principal in policy",
        ),
        (
            "a principal string other than * is invalid",
            doc(
                r#"{"Effect":"Allow","Principal":"111122223333","Action":"s3:GetObject","Resource":"*"}"#,
            ),
            R,
            "Invalid principal in policy",
        ),
        (
            "unknown principal type",
            doc(
                r#"{"Effect":"Allow","Principal":{"Foo":"x"},"Action":"s3:GetObject","Resource":"*"}"#,
            ),
            R,
            "Invalid principal in policy",
        ),
        (
            "a canonical user id is 64 hex digits",
            doc(
                r#"{"Effect":"Allow","Principal":{"CanonicalUser":"abc"},"Action":"s3:GetObject","Resource":"*"}"#,
            ),
            R,
            "Invalid principal in policy",
        ),
        (
            "Principal must not be an empty object",
            doc(r#"{"Effect":"Allow","Principal":{},"Action":"s3:GetObject","Resource":"*"}"#),
            R,
            "Syntax errors in policy.",
        ),
        (
            "trust policy principal errors name the value",
            doc(
                r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"sts:AssumeRole"}"#,
            ),
            T,
            "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111122223333:user/*\"",
        ),
        (
            "trust policy actions are limited to role assumption",
            doc(r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject"}"#),
            T,
            "Policy has invalid action",
        ),
        (
            "a trust policy has no Resource",
            doc(
                r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}"#,
            ),
            T,
            "Has prohibited field Resource",
        ),
        (
            "unknown condition operator",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualz":{"s3:prefix":"a"}}}"#,
            ),
            I,
            "Invalid Condition type : StringEqualz",
        ),
        (
            "operator names are case-sensitive",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"stringequals":{"s3:prefix":"a"}}}"#,
            ),
            I,
            "Invalid Condition type : stringequals",
        ),
        (
            "Null takes no IfExists",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NullIfExists":{"s3:prefix":"true"}}}"#,
            ),
            I,
            "Invalid Condition type : NullIfExists",
        ),
        (
            "Null takes no set qualifier",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForAnyValue:Null":{"s3:prefix":"true"}}}"#,
            ),
            I,
            "Invalid Condition type : ForAnyValue:Null",
        ),
        (
            "unknown set qualifier",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"s3:prefix":"a"}}}"#,
            ),
            I,
            "Invalid Condition type : ForSomeValues:StringEquals",
        ),
        (
            "a condition key needs a prefix",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"prefix":"a"}}}"#,
            ),
            I,
            "Policy has an invalid condition key",
        ),
        (
            "a condition key has no tabs or other whitespace but spaces",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:pre\tfix":"a"}}}"#,
            ),
            I,
            "Policy has an invalid condition key",
        ),
        (
            "Condition must be an object",
            doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":[]}"#),
            I,
            "Syntax errors in policy.",
        ),
        (
            "an operator block must be an object",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":"a"}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "condition values must not be an empty list",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":[]}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "condition values are scalars",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":{"a":1}}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "condition values are not null",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":null}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "Numeric values must be numbers",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "Date values must be dates",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"soon"}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "Bool values are true or false",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "IP values are addresses or CIDR blocks",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "Binary values are base-64",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"BinaryEquals":{"s3:x":"***"}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "ARN values have six components",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3"}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "Null values are true or false",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Null":{"s3:prefix":"maybe"}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "a malformed variable in a condition value",
            doc(
                r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${aws:username"}}}"#,
            ),
            I,
            "Syntax errors in policy.",
        ),
        (
            "IAM Sids are alphanumeric",
            doc(r#"{"Sid":"my sid","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#),
            I,
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
        ),
        (
            "Sids are unique within a policy",
            doc(
                r#"{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#,
            ),
            I,
            "Statement IDs (SID) in a single policy must be unique.",
        ),
        (
            "Sid must be a string",
            doc(r#"{"Sid":1,"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#),
            I,
            "Syntax errors in policy.",
        ),
    ];
    let mut failures = Vec::new();
    for (rule, text, kind, want) in &cases {
        match Policy::parse(text, *kind) {
            Ok(_) => failures.push(format!("{rule}: accepted {text}")),
            Err(e) if e.message != *want => {
                failures.push(format!("{rule}: got {:?}, want {want:?}", e.message))
            }
            Err(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {}:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn accepted_forms() {
    // (form checked, document, kind)
    let cases: Vec<(&str, String, PolicyKind)> = vec![
        ("a single statement object", r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#.into(), I),
        ("no Version: 2008-10-17 semantics", r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#.into(), I),
        ("Version 2008-10-17 and an Id", r#"{"Version":"2008-10-17","Id":"x","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#.into(), I),
        ("2008-10-17: ${…} is literal text, even unterminated", r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${x"}}"#.into(), I),
        ("action lists, any case", doc(r#"{"Effect":"Allow","Action":["S3:getobject","s3:List*","iam:*","sts:AssumeRole","kms:Decrypt"],"Resource":"*"}"#), I),
        ("? in an action", doc(r#"{"Effect":"Allow","Action":"s3:GetObjec?","Resource":"*"}"#), I),
        ("a lone * action", doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#), I),
        ("NotAction and NotResource", doc(r#"{"Effect":"Deny","NotAction":"s3:GetObject","NotResource":"arn:aws:s3:::b/*"}"#), I),
        ("resources with wildcards and variables", doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/${aws:username}/*","arn:aws:s3:::b?/*","arn:aws:iam::*:user/*"]}"#), I),
        ("a resource part with colons", doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a:b:c"}"#), I),
        ("empty Condition object", doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{}}"#), I),
        ("every operator family", doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a*"},"NumericLessThanEquals":{"s3:max-keys":["10",20]},"DateGreaterThan":{"aws:CurrentTime":["2020-01-01","1577836800","2020-01-01T00:00:00Z"]},"Bool":{"aws:SecureTransport":true},"BinaryEquals":{"s3:x":"AAAA"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"},"Null":{"s3:prefix":"false"},"ForAllValues:StringEqualsIfExists":{"aws:TagKeys":["a"]}}}"#), I),
        ("a bucket policy with every principal form", doc(r#"{"Sid":"Any sid: S3 allows spaces","Effect":"Allow","Principal":{"AWS":["*","111122223333","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/p/alice","arn:aws:iam::111122223333:role/R","arn:aws:sts::111122223333:assumed-role/R/s","arn:aws:sts::111122223333:federated-user/f"],"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be","Service":"logging.s3.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#), R),
        ("Principal *", doc(r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#), R),
        ("NotPrincipal with Deny", doc(r#"{"Effect":"Deny","NotPrincipal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"]},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#), R),
        ("a trust policy", doc(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"sts:ExternalId":"x"}}}"#), T),
        ("a web identity trust policy", doc(r#"{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"accounts.google.com:aud":"x"}}}"#), T),
        ("sts:* in a trust policy matches the assume actions", doc(r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:*"}"#), T),
        ("a session policy", doc(OK_ID), S),
        ("a tag key with a space in a condition key", doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/Cost Center":"x"}}}"#), I),
    ];
    for (form, text, kind) in &cases {
        if let Err(e) = Policy::parse(text, *kind) {
            panic!("{form}: rejected with {:?}\n{text}", e.message);
        }
    }
}

#[test]
fn text_and_kind_are_kept() {
    let text = doc(OK_ID);
    let p = Policy::parse(&text, I).unwrap();
    assert_eq!(p.text(), text);
    assert_eq!(p.kind(), I);
    assert_eq!(p.statement_count(), 1);
}

#[test]
fn mentions_condition_key_and_resource_patterns() {
    let p = Policy::parse(
        &doc(
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"],"Condition":{"StringEquals":{"s3:ExistingObjectTag/team":"red"}}},{"Effect":"Deny","Action":"s3:GetObject","NotResource":"arn:aws:s3:::b/${aws:PrincipalTag/home}/*"}"#,
        ),
        I,
    )
    .unwrap();
    assert!(p.mentions_condition_key("s3:ExistingObjectTag/"));
    assert!(p.mentions_condition_key("S3:EXISTINGOBJECTTAG/TEAM"));
    assert!(
        p.mentions_condition_key("aws:PrincipalTag/"),
        "variables count too"
    );
    assert!(!p.mentions_condition_key("aws:SourceIp"));
    let rs: Vec<&str> = p.resource_patterns().collect();
    assert_eq!(
        rs,
        [
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b",
            "arn:aws:s3:::b/${aws:PrincipalTag/home}/*"
        ]
    );
    let v = Policy::parse(
        &doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringLike":{"s3:prefix":"${s3:ExistingObjectTag/x}*"}}}"#),
        I,
    )
    .unwrap();
    assert!(v.mentions_condition_key("s3:ExistingObjectTag/"));
}

#[test]
fn context_keys_extend_replaces() {
    let mut a = rampart_policy::ContextKeys::new();
    a.set("aws:SourceIp", "1.2.3.4");
    a.set("s3:prefix", "a");
    let mut b = rampart_policy::ContextKeys::new();
    b.set("S3:Prefix", "b");
    b.set_many("aws:TagKeys", vec!["x".into(), "y".into()]);
    a.extend(b);
    assert_eq!(a.get("s3:prefix").unwrap(), ["b"]);
    assert_eq!(a.get("aws:tagkeys").unwrap(), ["x", "y"]);
    assert_eq!(a.get("aws:sourceip").unwrap(), ["1.2.3.4"]);
    assert_eq!(a.len(), 3);
    assert!(a.remove("AWS:SOURCEIP"));
    assert!(a.get("aws:SourceIp").is_none());
}
