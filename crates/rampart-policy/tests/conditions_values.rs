//! Table-driven tests of the String, Numeric, Date, Bool and Binary condition operators.
//!
//! Each row quotes (or paraphrases) the statement of the AWS IAM User Guide page
//! "IAM JSON policy elements: Condition operators" (or "Conditions with multiple context
//! keys or values") that it checks. A row is evaluated twice: as the condition of an
//! Allow (allowed ⇔ the condition holds) and of a Deny next to an allow-all (denied ⇔
//! the condition holds or cannot be evaluated).

mod common;
use common::cond::{Expect::*, NOW, Row, row, run_rows};

const ROWS: &[Row] = &[
    // ---- String -------------------------------------------------------------------
    row(
        "StringEquals: exact matching, case sensitive",
        r#"{"StringEquals":{"s3:prefix":"home/"}}"#,
        &[("s3:prefix", &["home/"])],
        T,
    ),
    row(
        "StringEquals: exact matching, case sensitive (case differs)",
        r#"{"StringEquals":{"s3:prefix":"HOME/"}}"#,
        &[("s3:prefix", &["home/"])],
        F,
    ),
    row(
        "multiple values for one key are evaluated with a logical OR",
        r#"{"StringEquals":{"s3:prefix":["a/","home/"]}}"#,
        &[("s3:prefix", &["home/"])],
        T,
    ),
    row(
        "key not present in the request context: the values don't match and the condition is false",
        r#"{"StringEquals":{"s3:prefix":"home/"}}"#,
        &[],
        F,
    ),
    row(
        "StringNotEquals: negated matching",
        r#"{"StringNotEquals":{"s3:prefix":"home/"}}"#,
        &[("s3:prefix", &["tmp/"])],
        T,
    ),
    row(
        "StringNotEquals: negated matching (equal value)",
        r#"{"StringNotEquals":{"s3:prefix":"home/"}}"#,
        &[("s3:prefix", &["home/"])],
        F,
    ),
    row(
        "condition requires the key to be not matched and the key is not present: the condition is true",
        r#"{"StringNotEquals":{"s3:prefix":"home/"}}"#,
        &[],
        T,
    ),
    row(
        "a negated operator with multiple values is a logical NOR (one equal)",
        r#"{"StringNotEquals":{"s3:prefix":["a/","b/"]}}"#,
        &[("s3:prefix", &["b/"])],
        F,
    ),
    row(
        "a negated operator with multiple values is a logical NOR (none equal)",
        r#"{"StringNotEquals":{"s3:prefix":["a/","b/"]}}"#,
        &[("s3:prefix", &["c/"])],
        T,
    ),
    row(
        "StringEqualsIgnoreCase: exact matching, ignoring case",
        r#"{"StringEqualsIgnoreCase":{"s3:prefix":"HOME/"}}"#,
        &[("s3:prefix", &["home/"])],
        T,
    ),
    row(
        "StringNotEqualsIgnoreCase: negated matching, ignoring case",
        r#"{"StringNotEqualsIgnoreCase":{"s3:prefix":"HOME/"}}"#,
        &[("s3:prefix", &["home/"])],
        F,
    ),
    row(
        "StringNotEqualsIgnoreCase: negated matching, ignoring case (different)",
        r#"{"StringNotEqualsIgnoreCase":{"s3:prefix":"HOME/"}}"#,
        &[("s3:prefix", &["tmp/"])],
        T,
    ),
    row(
        "StringLike: the value can include a multi-character match wildcard (*)",
        r#"{"StringLike":{"s3:prefix":"home/*"}}"#,
        &[("s3:prefix", &["home/x/y"])],
        T,
    ),
    row(
        "StringLike: single-character match wildcard (?)",
        r#"{"StringLike":{"s3:prefix":"home/?"}}"#,
        &[("s3:prefix", &["home/ab"])],
        F,
    ),
    row(
        "StringLike: single-character match wildcard (?) matches one",
        r#"{"StringLike":{"s3:prefix":"home/??"}}"#,
        &[("s3:prefix", &["home/ab"])],
        T,
    ),
    row(
        "StringLike: you must specify wildcards to achieve partial string matches",
        r#"{"StringLike":{"s3:prefix":"home"}}"#,
        &[("s3:prefix", &["home/"])],
        F,
    ),
    row(
        "StringLike is case sensitive",
        r#"{"StringLike":{"s3:prefix":"Home/*"}}"#,
        &[("s3:prefix", &["home/x"])],
        F,
    ),
    row(
        "StringNotLike: negated case-sensitive matching with wildcards",
        r#"{"StringNotLike":{"s3:prefix":"tmp/*"}}"#,
        &[("s3:prefix", &["home/x"])],
        T,
    ),
    row(
        "StringNotLike: negated matching (matches)",
        r#"{"StringNotLike":{"s3:prefix":"tmp/*"}}"#,
        &[("s3:prefix", &["tmp/x"])],
        F,
    ),
    row(
        "StringNotLike with the key not present: the condition is true",
        r#"{"StringNotLike":{"s3:prefix":"tmp/*"}}"#,
        &[],
        T,
    ),
    row(
        "a request key with several values matches if any value matches",
        r#"{"StringEquals":{"aws:TagKeys":"b"}}"#,
        &[("aws:TagKeys", &["a", "b"])],
        T,
    ),
    row(
        "condition key names are not case sensitive",
        r#"{"StringEquals":{"S3:PREFIX":"home/"}}"#,
        &[("s3:prefix", &["home/"])],
        T,
    ),
    row(
        "condition key names are not case sensitive (request side)",
        r#"{"StringEquals":{"s3:prefix":"home/"}}"#,
        &[("S3:Prefix", &["home/"])],
        T,
    ),
    row(
        "a JSON number as a string condition value is its text",
        r#"{"StringEquals":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["10"])],
        T,
    ),
    // ---- Numeric ------------------------------------------------------------------
    row(
        "NumericEquals: matching",
        r#"{"NumericEquals":{"s3:max-keys":"10"}}"#,
        &[("s3:max-keys", &["10"])],
        T,
    ),
    row(
        "NumericEquals compares numbers, not text",
        r#"{"NumericEquals":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["10.0"])],
        T,
    ),
    row(
        "NumericEquals: integers compare exactly",
        r#"{"NumericEquals":{"s3:max-keys":9007199254740993}}"#,
        &[("s3:max-keys", &["9007199254740992"])],
        F,
    ),
    row(
        "NumericNotEquals: negated matching",
        r#"{"NumericNotEquals":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["11"])],
        T,
    ),
    row(
        "NumericNotEquals: negated matching (equal)",
        r#"{"NumericNotEquals":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["10"])],
        F,
    ),
    row(
        "NumericLessThan: less than matching",
        r#"{"NumericLessThan":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["9"])],
        T,
    ),
    row(
        "NumericLessThan: less than matching (equal)",
        r#"{"NumericLessThan":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["10"])],
        F,
    ),
    row(
        "NumericLessThanEquals: less than or equals matching",
        r#"{"NumericLessThanEquals":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["10"])],
        T,
    ),
    row(
        "NumericLessThanEquals (greater)",
        r#"{"NumericLessThanEquals":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["11"])],
        F,
    ),
    row(
        "NumericGreaterThan: greater than matching",
        r#"{"NumericGreaterThan":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["11"])],
        T,
    ),
    row(
        "NumericGreaterThan (equal)",
        r#"{"NumericGreaterThan":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["10"])],
        F,
    ),
    row(
        "NumericGreaterThanEquals: greater than or equals matching",
        r#"{"NumericGreaterThanEquals":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["10"])],
        T,
    ),
    row(
        "NumericGreaterThanEquals with decimals",
        r#"{"NumericGreaterThanEquals":{"s3:max-keys":"1.5"}}"#,
        &[("s3:max-keys", &["1.4"])],
        F,
    ),
    row(
        "a request value that is not a number cannot be evaluated",
        r#"{"NumericLessThan":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["abc"])],
        U,
    ),
    row(
        "a request value that is not a number cannot be evaluated (negated)",
        r#"{"NumericNotEquals":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["abc"])],
        U,
    ),
    row(
        "Numeric key not present: the condition is false",
        r#"{"NumericLessThan":{"s3:max-keys":10}}"#,
        &[],
        F,
    ),
    // ---- Date ---------------------------------------------------------------------
    row(
        "DateEquals: matching a specific date",
        r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}"#,
        NOW,
        T,
    ),
    row(
        "DateNotEquals: negated matching",
        r#"{"DateNotEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}"#,
        NOW,
        F,
    ),
    row(
        "DateNotEquals: negated matching (other date)",
        r#"{"DateNotEquals":{"aws:CurrentTime":"2024-06-02T12:00:00Z"}}"#,
        NOW,
        T,
    ),
    row(
        "DateLessThan: matching before a specific date and time",
        r#"{"DateLessThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}"#,
        NOW,
        T,
    ),
    row(
        "DateLessThan (after)",
        r#"{"DateLessThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}"#,
        NOW,
        F,
    ),
    row(
        "DateLessThanEquals: at or before",
        r#"{"DateLessThanEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}"#,
        NOW,
        T,
    ),
    row(
        "DateGreaterThan: a date without time (W3C ISO 8601)",
        r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01"}}"#,
        NOW,
        T,
    ),
    row(
        "DateGreaterThan (later date)",
        r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-06-02"}}"#,
        NOW,
        F,
    ),
    row(
        "DateGreaterThanEquals with an epoch (UNIX) time value",
        r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"1717243200"}}"#,
        NOW,
        T,
    ),
    row(
        "aws:EpochTime request values are epoch seconds",
        r#"{"DateLessThan":{"aws:EpochTime":"2024-06-01T12:00:01Z"}}"#,
        &[("aws:EpochTime", &["1717243200"])],
        T,
    ),
    row(
        "ISO 8601 with an offset is the same instant",
        r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T14:00:00+02:00"}}"#,
        NOW,
        T,
    ),
    row(
        "ISO 8601 with fractional seconds",
        r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00.000Z"}}"#,
        NOW,
        T,
    ),
    row(
        "a request date that cannot be parsed cannot be evaluated",
        r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01"}}"#,
        &[("aws:CurrentTime", &["yesterday"])],
        U,
    ),
    row(
        "DateNotEquals with the key not present: the condition is true",
        r#"{"DateNotEquals":{"aws:TokenIssueTime":"2024-01-01"}}"#,
        &[],
        T,
    ),
    row(
        "DateLessThan with the key not present: the condition is false",
        r#"{"DateLessThan":{"aws:TokenIssueTime":"2024-01-01"}}"#,
        &[],
        F,
    ),
    // ---- Bool ---------------------------------------------------------------------
    row(
        "Bool: boolean matching",
        r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
        &[("aws:SecureTransport", &["true"])],
        T,
    ),
    row(
        "Bool: boolean matching (false)",
        r#"{"Bool":{"aws:SecureTransport":"false"}}"#,
        &[("aws:SecureTransport", &["true"])],
        F,
    ),
    row(
        "Bool: a JSON boolean value, case-insensitive request value",
        r#"{"Bool":{"aws:SecureTransport":true}}"#,
        &[("aws:SecureTransport", &["TRUE"])],
        T,
    ),
    row(
        "Bool: a request value that is not a boolean cannot be evaluated",
        r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
        &[("aws:SecureTransport", &["yes"])],
        U,
    ),
    row(
        "Bool with the key not present: the condition is false",
        r#"{"Bool":{"aws:SecureTransport":"false"}}"#,
        &[],
        F,
    ),
    row(
        "BoolIfExists: key not present evaluates to true",
        r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
        &[],
        T,
    ),
    row(
        "BoolIfExists: key present is compared",
        r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
        &[("aws:MultiFactorAuthPresent", &["true"])],
        F,
    ),
    // ---- Binary -------------------------------------------------------------------
    row(
        "BinaryEquals: byte-for-byte, base-64 encoded",
        r#"{"BinaryEquals":{"s3:x-binary":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#,
        &[("s3:x-binary", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])],
        T,
    ),
    row(
        "BinaryEquals: different bytes",
        r#"{"BinaryEquals":{"s3:x-binary":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#,
        &[("s3:x-binary", &["AAAA"])],
        F,
    ),
    row(
        "BinaryEquals: a request value that is not base-64 cannot be evaluated",
        r#"{"BinaryEquals":{"s3:x-binary":"AAAA"}}"#,
        &[("s3:x-binary", &["***"])],
        U,
    ),
];

#[test]
fn value_operators() {
    assert!(ROWS.len() >= 60, "{}", ROWS.len());
    run_rows(ROWS);
}
