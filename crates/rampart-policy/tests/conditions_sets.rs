//! Table-driven tests of the IP and ARN operators, `Null`, `…IfExists`, the set qualifiers and the combination rules.
//!
//! Each row quotes (or paraphrases) the statement of the AWS IAM User Guide page
//! "IAM JSON policy elements: Condition operators" (or "Conditions with multiple context
//! keys or values") that it checks. A row is evaluated twice: as the condition of an
//! Allow (allowed ⇔ the condition holds) and of a Deny next to an allow-all (denied ⇔
//! the condition holds or cannot be evaluated).

mod common;
use common::cond::{Expect::*, Row, row, run_rows};

const ROWS: &[Row] = &[
    // ---- IP address ---------------------------------------------------------------
    row(
        "IpAddress: the specified IP address or range (CIDR)",
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        &[("aws:SourceIp", &["203.0.113.7"])],
        T,
    ),
    row(
        "IpAddress: outside the range",
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        &[("aws:SourceIp", &["203.0.114.7"])],
        F,
    ),
    row(
        "IpAddress: a single address is a /32",
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}"#,
        &[("aws:SourceIp", &["203.0.113.7"])],
        T,
    ),
    row(
        "IpAddress: IPv6 ranges",
        r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#,
        &[("aws:SourceIp", &["2001:db8:1234:5678::1"])],
        T,
    ),
    row(
        "IpAddress: IPv6 outside the range",
        r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#,
        &[("aws:SourceIp", &["2001:db8:1234:5679::1"])],
        F,
    ),
    row(
        "IpAddress: an IPv4 request never matches an IPv6 range",
        r#"{"IpAddress":{"aws:SourceIp":"::/0"}}"#,
        &[("aws:SourceIp", &["203.0.113.7"])],
        F,
    ),
    row(
        "IpAddress: several ranges are ORed",
        r#"{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#,
        &[("aws:SourceIp", &["203.0.113.7"])],
        T,
    ),
    row(
        "IpAddress: /0 is every IPv4 address",
        r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#,
        &[("aws:SourceIp", &["198.51.100.1"])],
        T,
    ),
    row(
        "NotIpAddress: all IP addresses except the range",
        r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        &[("aws:SourceIp", &["198.51.100.1"])],
        T,
    ),
    row(
        "NotIpAddress: inside the range",
        r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        &[("aws:SourceIp", &["203.0.113.9"])],
        F,
    ),
    row(
        "NotIpAddress with the key not present: the condition is true",
        r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        &[],
        T,
    ),
    row(
        "IpAddress: a request value that is not an address cannot be evaluated",
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        &[("aws:SourceIp", &["not-an-ip"])],
        U,
    ),
    row(
        "NotIpAddress: a request value that is not an address cannot be evaluated",
        r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        &[("aws:SourceIp", &["not-an-ip"])],
        U,
    ),
    // ---- ARN ----------------------------------------------------------------------
    row(
        "ArnEquals: case-sensitive matching of the ARN",
        r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::111122223333:role/R"}}"#,
        &[("aws:SourceArn", &["arn:aws:iam::111122223333:role/R"])],
        T,
    ),
    row(
        "ArnEquals: case-sensitive (case differs)",
        r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::111122223333:role/R"}}"#,
        &[("aws:SourceArn", &["arn:aws:iam::111122223333:role/r"])],
        F,
    ),
    row(
        "ArnLike: each component can include wildcards",
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/Read*"}}"#,
        &[("aws:SourceArn", &["arn:aws:iam::111122223333:role/Readers"])],
        T,
    ),
    row(
        "ArnLike: each of the six components is checked separately",
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:*:*:b"}}"#,
        &[("aws:SourceArn", &["arn:aws:s3:::x:b"])],
        F,
    ),
    row(
        "ArnNotEquals: negated matching",
        r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:s3:::b"}}"#,
        &[("aws:SourceArn", &["arn:aws:s3:::c"])],
        T,
    ),
    row(
        "ArnNotLike: negated matching (matches)",
        r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::b*"}}"#,
        &[("aws:SourceArn", &["arn:aws:s3:::bucket"])],
        F,
    ),
    row(
        "ArnNotLike with the key not present: the condition is true",
        r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::b*"}}"#,
        &[],
        T,
    ),
    row(
        "ArnEquals: a request value that is not an ARN cannot be evaluated",
        r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::b"}}"#,
        &[("aws:SourceArn", &["hello"])],
        U,
    ),
    row(
        "ArnLike on aws:PrincipalArn, which the engine fills from the principal",
        r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}}"#,
        &[],
        T,
    ),
    // ---- Null ---------------------------------------------------------------------
    row(
        "Null true: the key is not present",
        r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
        &[],
        T,
    ),
    row(
        "Null true: the key is present",
        r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
        &[("aws:TokenIssueTime", &["2024-01-01T00:00:00Z"])],
        F,
    ),
    row(
        "Null false: the key exists and its value is not null",
        r#"{"Null":{"aws:TokenIssueTime":"false"}}"#,
        &[("aws:TokenIssueTime", &["2024-01-01T00:00:00Z"])],
        T,
    ),
    row(
        "Null false with the key not present",
        r#"{"Null":{"aws:TokenIssueTime":false}}"#,
        &[],
        F,
    ),
    // ---- …IfExists ----------------------------------------------------------------
    row(
        "…IfExists: if the key is not present, evaluates to true",
        r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}"#,
        &[],
        T,
    ),
    row(
        "…IfExists: if the key is present, evaluate as specified",
        r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}"#,
        &[("ec2:InstanceType", &["m5.large"])],
        F,
    ),
    row(
        "…IfExists: present and unparsable cannot be evaluated",
        r#"{"NumericLessThanIfExists":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["x"])],
        U,
    ),
    row(
        "IpAddressIfExists with the key not present",
        r#"{"IpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        &[],
        T,
    ),
    row(
        "ArnLikeIfExists with a matching key",
        r#"{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:s3:::b*"}}"#,
        &[("aws:SourceArn", &["arn:aws:s3:::bucket"])],
        T,
    ),
    row(
        "StringNotEqualsIfExists with the key present and equal",
        r#"{"StringNotEqualsIfExists":{"s3:prefix":"a"}}"#,
        &[("s3:prefix", &["a"])],
        F,
    ),
    // ---- Set qualifiers -----------------------------------------------------------
    row(
        "ForAnyValue: true if at least one request value matches at least one policy value",
        r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["b","c"]}}"#,
        &[("aws:TagKeys", &["a", "b"])],
        T,
    ),
    row(
        "ForAnyValue: no request value matches",
        r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["c"]}}"#,
        &[("aws:TagKeys", &["a", "b"])],
        F,
    ),
    row(
        "ForAnyValue: the key is missing, the condition evaluates to false",
        r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["c"]}}"#,
        &[],
        F,
    ),
    row(
        "ForAllValues: true if every request value matches at least one policy value",
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}"#,
        &[("aws:TagKeys", &["a", "b"])],
        T,
    ),
    row(
        "ForAllValues: one request value matches no policy value",
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#,
        &[("aws:TagKeys", &["a", "x"])],
        F,
    ),
    row(
        "ForAllValues: the key is missing, the condition evaluates to true",
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}"#,
        &[],
        T,
    ),
    row(
        "ForAllValues: an empty value set counts as missing",
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}"#,
        &[("aws:TagKeys", &[])],
        T,
    ),
    row(
        "ForAnyValue:StringLike with wildcards",
        r#"{"ForAnyValue:StringLike":{"aws:TagKeys":"env/*"}}"#,
        &[("aws:TagKeys", &["team", "env/prod"])],
        T,
    ),
    row(
        "ForAllValues:StringNotEquals: every request value differs from every policy value",
        r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["c"]}}"#,
        &[("aws:TagKeys", &["a", "b"])],
        T,
    ),
    row(
        "ForAllValues:StringNotEquals: one request value equals a policy value",
        r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["b"]}}"#,
        &[("aws:TagKeys", &["a", "b"])],
        F,
    ),
    row(
        "ForAnyValue:StringNotEquals: some request value differs",
        r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["c"]}}"#,
        &[("aws:TagKeys", &["a", "c"])],
        T,
    ),
    row(
        "ForAllValues with IfExists and no key",
        r#"{"ForAllValues:StringEqualsIfExists":{"aws:TagKeys":["a"]}}"#,
        &[],
        T,
    ),
    row(
        "ForAnyValue:StringEqualsIgnoreCase",
        r#"{"ForAnyValue:StringEqualsIgnoreCase":{"aws:TagKeys":["TEAM"]}}"#,
        &[("aws:TagKeys", &["team"])],
        T,
    ),
    row(
        "ForAllValues with a value that cannot be evaluated",
        r#"{"ForAllValues:NumericLessThan":{"s3:x-n":5}}"#,
        &[("s3:x-n", &["1", "abc"])],
        U,
    ),
    row(
        "ForAnyValue: a definite match wins over a value that cannot be evaluated",
        r#"{"ForAnyValue:NumericLessThan":{"s3:x-n":5}}"#,
        &[("s3:x-n", &["1", "abc"])],
        T,
    ),
    // ---- Several keys and operators -----------------------------------------------
    row(
        "multiple keys in one operator are evaluated with a logical AND (one fails)",
        r#"{"StringEquals":{"s3:prefix":"a","s3:delimiter":"/"}}"#,
        &[("s3:prefix", &["a"]), ("s3:delimiter", &["-"])],
        F,
    ),
    row(
        "multiple keys in one operator are evaluated with a logical AND (all hold)",
        r#"{"StringEquals":{"s3:prefix":"a","s3:delimiter":"/"}}"#,
        &[("s3:prefix", &["a"]), ("s3:delimiter", &["/"])],
        T,
    ),
    row(
        "multiple operators are evaluated with a logical AND (one fails)",
        r#"{"StringEquals":{"s3:prefix":"a"},"Bool":{"aws:SecureTransport":"true"}}"#,
        &[("s3:prefix", &["a"]), ("aws:SecureTransport", &["false"])],
        F,
    ),
    row(
        "multiple operators are evaluated with a logical AND (all hold)",
        r#"{"StringEquals":{"s3:prefix":"a"},"Bool":{"aws:SecureTransport":"true"}}"#,
        &[("s3:prefix", &["a"]), ("aws:SecureTransport", &["true"])],
        T,
    ),
    row(
        "AND with one definitely false condition is false even when another cannot be evaluated",
        r#"{"StringEquals":{"s3:prefix":"a"},"NumericLessThan":{"s3:max-keys":5}}"#,
        &[("s3:prefix", &["b"]), ("s3:max-keys", &["x"])],
        F,
    ),
    row(
        "AND of a true condition and one that cannot be evaluated",
        r#"{"StringEquals":{"s3:prefix":"a"},"NumericLessThan":{"s3:max-keys":5}}"#,
        &[("s3:prefix", &["a"]), ("s3:max-keys", &["x"])],
        U,
    ),
    // ---- Keys the engine derives from the principal --------------------------------
    row(
        "aws:username is filled from the principal",
        r#"{"StringEquals":{"aws:username":"alice"}}"#,
        &[],
        T,
    ),
    row(
        "aws:PrincipalType is User for an IAM user",
        r#"{"StringEquals":{"aws:PrincipalType":"User"}}"#,
        &[],
        T,
    ),
    row(
        "aws:PrincipalAccount is the principal's account",
        r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
        &[],
        T,
    ),
    row(
        "aws:userid is the principal's unique id",
        r#"{"StringEquals":{"aws:userid":"AIDAALICE"}}"#,
        &[],
        T,
    ),
    row(
        "a key the caller set wins over the derived one",
        r#"{"StringEquals":{"aws:username":"alice"}}"#,
        &[("aws:username", &["bob"])],
        F,
    ),
];

#[test]
fn set_and_presence_operators() {
    assert!(ROWS.len() >= 50, "{}", ROWS.len());
    run_rows(ROWS);
}
