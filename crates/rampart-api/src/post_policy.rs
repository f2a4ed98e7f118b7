//! POST policies: the signed JSON document that says what a browser upload may contain
//! ("POST Policy" in the Amazon S3 API Reference), and the form fields it is checked against.
//!
//! A policy has an `expiration` and a list of `conditions`: `{"field": "value"}` (exact match),
//! `["eq", "$field", "value"]`, `["starts-with", "$field", "prefix"]` and
//! `["content-length-range", min, max]`. Every condition must hold, and every form field
//! (except `x-amz-signature`, `file`, `policy` and `x-ignore-*`) must be named by one.
//! Field and condition names are case-insensitive; values are compared exactly.

use std::ops::RangeInclusive;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{ApiError, S3ErrorCode};

/// Fields no condition needs to cover (`x-ignore-*` too).
const EXEMPT_FIELDS: &[&str] = &["x-amz-signature", "file", "policy"];
const IGNORED_PREFIX: &str = "x-ignore-";
/// The variable S3 replaces with the uploaded file's name, in every field.
const FILENAME_VARIABLE: &str = "${filename}";

/// The form's fields before the file, in order, names as sent; lookups ignore case.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// Adds a field; a repeated name (in any case) joins its values with commas, as S3 does.
    pub fn push(&mut self, name: String, value: String) {
        match self
            .0
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => self.0.push((name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Replaces `${filename}` in every value with the file's name.
    pub fn expand_filename(&mut self, filename: &str) {
        for (_, value) in &mut self.0 {
            if value.contains(FILENAME_VARIABLE) {
                *value = value.replace(FILENAME_VARIABLE, filename);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MatchOp {
    Eq,
    StartsWith,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Condition {
    Match {
        op: MatchOp,
        /// The field name, lowercased; `None` when the policy forgot the `$` (never holds).
        field: Option<String>,
        value: String,
        /// The condition as S3 prints it in errors.
        display: String,
    },
    ContentLengthRange {
        /// `None` for bounds that are not numbers (never holds).
        range: Option<(u64, u64)>,
        display: String,
    },
}

/// A decoded, well-formed POST policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostPolicy {
    pub expiration: OffsetDateTime,
    conditions: Vec<Condition>,
}

fn invalid_policy(detail: impl std::fmt::Display) -> ApiError {
    ApiError::with_message(
        S3ErrorCode::InvalidPolicyDocument,
        format!("Invalid Policy: {detail}"),
    )
}

fn invalid_json() -> ApiError {
    invalid_policy("Invalid JSON.")
}

fn denied(detail: impl std::fmt::Display) -> ApiError {
    ApiError::with_message(
        S3ErrorCode::AccessDenied,
        format!("Invalid according to Policy: {detail}"),
    )
}

/// `["eq", "$key", "value"]`: JSON strings joined as S3 prints them.
fn display(items: &[Value]) -> String {
    let parts: Vec<String> = items.iter().map(Value::to_string).collect();
    format!("[{}]", parts.join(", "))
}

impl PostPolicy {
    /// Decodes the `policy` field (base64 JSON), as S3 reports a malformed one.
    pub fn parse(base64: &str) -> Result<Self, ApiError> {
        let raw = BASE64
            .decode(base64.trim())
            .map_err(|_| invalid_policy("invalid Base64 encoding."))?;
        let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(&raw) else {
            return Err(invalid_json());
        };
        // The member names are case-sensitive; anything else is refused.
        if let Some(other) = doc
            .keys()
            .find(|k| *k != "expiration" && *k != "conditions")
        {
            return Err(invalid_policy(format!(
                "Unexpected: '{}'",
                other.to_lowercase()
            )));
        }
        let expiration = match doc.get("expiration") {
            None => return Err(invalid_policy("Policy missing expiration.")),
            Some(value) => parse_expiration(value)?,
        };
        let conditions = match doc.get("conditions") {
            None => return Err(invalid_policy("Policy missing conditions.")),
            Some(Value::Array(items)) => items
                .iter()
                .map(parse_condition)
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(invalid_policy(
                    "Invalid 'conditions' value: must be a List.",
                ));
            }
        };
        Ok(Self {
            expiration,
            conditions,
        })
    }

    pub fn check_expiration(&self, now: OffsetDateTime) -> Result<(), ApiError> {
        if now > self.expiration {
            return Err(denied("Policy expired."));
        }
        Ok(())
    }

    /// Checks every condition against the form (and `bucket` against the bucket posted to),
    /// then that no field goes uncovered. Returns the allowed file sizes, if the policy limits
    /// them (several ranges intersect).
    pub fn check(
        &self,
        fields: &FormFields,
        bucket: &str,
    ) -> Result<Option<RangeInclusive<u64>>, ApiError> {
        let mut range: Option<(u64, u64)> = None;
        for condition in &self.conditions {
            match condition {
                Condition::Match {
                    op,
                    field,
                    value,
                    display,
                } => {
                    let holds = field.as_deref().is_some_and(|name| {
                        if name == "bucket" {
                            // The bucket is the one posted to; a `bucket` field must agree.
                            matches(*op, name, bucket, value)
                                && fields
                                    .get(name)
                                    .is_none_or(|v| matches(*op, name, v, value))
                        } else {
                            fields
                                .get(name)
                                .is_some_and(|actual| matches(*op, name, actual, value))
                        }
                    });
                    if !holds {
                        return Err(denied(format!("Policy Condition failed: {display}")));
                    }
                }
                Condition::ContentLengthRange {
                    range: bounds,
                    display,
                } => {
                    let Some((min, max)) = bounds else {
                        return Err(denied(format!("Policy Condition failed: {display}")));
                    };
                    range = Some(match range {
                        None => (*min, *max),
                        Some((lo, hi)) => (lo.max(*min), hi.min(*max)),
                    });
                }
            }
        }
        let extra: Vec<&str> = fields
            .iter()
            .map(|(name, _)| name)
            .filter(|name| !self.covers(name))
            .collect();
        if !extra.is_empty() {
            return Err(denied(format!("Extra input fields: {}", extra.join(", "))));
        }
        Ok(range.map(|(min, max)| min..=max))
    }

    fn covers(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        if EXEMPT_FIELDS.contains(&lower.as_str()) || lower.starts_with(IGNORED_PREFIX) {
            return true;
        }
        self.conditions
            .iter()
            .any(|c| matches!(c, Condition::Match { field: Some(f), .. } if *f == lower))
    }
}

fn matches(op: MatchOp, field: &str, actual: &str, expected: &str) -> bool {
    match op {
        MatchOp::Eq => actual == expected,
        // A Content-Type list passes only if every type in it does.
        MatchOp::StartsWith if field == "content-type" => actual
            .split(',')
            .all(|t| t.trim_start().starts_with(expected)),
        MatchOp::StartsWith => actual.starts_with(expected),
    }
}

/// ISO 8601 in UTC (`2015-12-30T12:00:00.000Z`, milliseconds optional); S3 refuses offsets.
fn parse_expiration(value: &Value) -> Result<OffsetDateTime, ApiError> {
    let invalid = || {
        let shown = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        invalid_policy(format!("Invalid 'expiration' value: '{shown}'"))
    };
    let text = value.as_str().ok_or_else(invalid)?;
    // RFC 3339 also allows a space for the `T`; ISO 8601 (and S3) does not.
    if !text.ends_with('Z') || text.as_bytes().get(10) != Some(&b'T') {
        return Err(invalid());
    }
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| invalid())
}

fn parse_condition(value: &Value) -> Result<Condition, ApiError> {
    match value {
        Value::Object(map) => {
            let mut entries = map.iter();
            let (Some((name, expected)), None) = (entries.next(), entries.next()) else {
                return Err(invalid_policy(
                    "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.",
                ));
            };
            let expected = match expected {
                Value::String(s) => s,
                Value::Null => return Err(invalid_json()),
                _ => {
                    return Err(invalid_policy(
                        "Invalid Simple-Condition: value must be a string.",
                    ));
                }
            };
            // S3 reports a failed simple condition as the `eq` it stands for.
            let items = [
                Value::from("eq"),
                Value::from(format!("${name}")),
                Value::from(expected.as_str()),
            ];
            Ok(Condition::Match {
                op: MatchOp::Eq,
                field: Some(name.to_ascii_lowercase()),
                value: expected.clone(),
                display: display(&items),
            })
        }
        Value::Array(items) => parse_list_condition(items),
        _ => Err(invalid_policy(
            "Invalid condition test: must be a List or Object.",
        )),
    }
}

fn parse_list_condition(items: &[Value]) -> Result<Condition, ApiError> {
    let Some(Value::String(op_name)) = items.first() else {
        return Err(invalid_policy(
            "Invalid Condition: missing operation identifier.",
        ));
    };
    let op_lower = op_name.to_ascii_lowercase();
    let op = match op_lower.as_str() {
        "eq" => Some(MatchOp::Eq),
        "starts-with" => Some(MatchOp::StartsWith),
        "content-length-range" => None,
        _ => {
            return Err(invalid_policy(format!(
                "Invalid Condition: unknown operation '{op_name}'."
            )));
        }
    };
    if items.len() != 3 {
        return Err(invalid_policy(format!(
            "Invalid {op_lower}: wrong number of arguments."
        )));
    }
    let shown = display(items);
    let Some(op) = op else {
        return Ok(Condition::ContentLengthRange {
            range: length_bound(&items[1])?.zip(length_bound(&items[2])?),
            display: shown,
        });
    };
    let (Value::String(field), Value::String(value)) = (&items[1], &items[2]) else {
        return Err(invalid_json());
    };
    Ok(Condition::Match {
        op,
        field: field.strip_prefix('$').map(str::to_ascii_lowercase),
        value: value.clone(),
        display: shown,
    })
}

/// A content-length-range bound: an integer or a string of one. Other strings make the
/// condition fail (`Ok(None)`); fractions, negatives and other types are malformed.
fn length_bound(value: &Value) -> Result<Option<u64>, ApiError> {
    match value {
        Value::Number(n) if n.is_u64() => Ok(n.as_u64()),
        Value::Number(n) if n.is_i64() => Err(invalid_policy(
            "Invalid content-length-range: bounds must not be negative.",
        )),
        Value::String(s) => Ok(s.trim().parse::<u64>().ok()),
        _ => Err(invalid_json()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        BASE64.encode(json)
    }

    fn policy(conditions: &str) -> PostPolicy {
        PostPolicy::parse(&encode(&format!(
            r#"{{"expiration": "2030-01-01T00:00:00Z", "conditions": [{conditions}]}}"#
        )))
        .unwrap()
    }

    fn form(pairs: &[(&str, &str)]) -> FormFields {
        let mut f = FormFields::default();
        for (n, v) in pairs {
            f.push((*n).into(), (*v).into());
        }
        f
    }

    fn err_of(r: Result<impl std::fmt::Debug, ApiError>) -> (S3ErrorCode, String) {
        let e = r.unwrap_err();
        (e.code, e.message)
    }

    #[test]
    fn aws_documentation_example_policy() {
        // The policy of "Example: Browser-Based Upload using HTTP POST (Using AWS Signature
        // Version 4)", with CRLF line ends, and that page's form.
        let json = "{ \"expiration\": \"2015-12-30T12:00:00.000Z\",\r\n  \"conditions\": [\r\n    {\"bucket\": \"sigv4examplebucket\"},\r\n    [\"starts-with\", \"$key\", \"user/user1/\"],\r\n    {\"acl\": \"public-read\"},\r\n    {\"success_action_redirect\": \"http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html\"},\r\n    [\"starts-with\", \"$Content-Type\", \"image/\"],\r\n    {\"x-amz-meta-uuid\": \"14365123651274\"},\r\n    {\"x-amz-server-side-encryption\": \"AES256\"},\r\n    [\"starts-with\", \"$x-amz-meta-tag\", \"\"],\r\n\r\n    {\"x-amz-credential\": \"AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request\"},\r\n    {\"x-amz-algorithm\": \"AWS4-HMAC-SHA256\"},\r\n    {\"x-amz-date\": \"20151229T000000Z\" }\r\n  ]\r\n}";
        let p = PostPolicy::parse(&encode(json)).unwrap();
        assert_eq!(p.expiration.unix_timestamp(), 1_451_476_800);
        let mut f = form(&[
            ("key", "user/user1/${filename}"),
            ("acl", "public-read"),
            (
                "success_action_redirect",
                "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html",
            ),
            ("Content-Type", "image/jpeg"),
            ("x-amz-meta-uuid", "14365123651274"),
            ("x-amz-server-side-encryption", "AES256"),
            (
                "X-Amz-Credential",
                "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
            ),
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Date", "20151229T000000Z"),
            ("x-amz-meta-tag", ""),
            ("Policy", "…"),
            ("X-Amz-Signature", "…"),
        ]);
        f.expand_filename("photo.jpg");
        assert_eq!(f.get("KEY"), Some("user/user1/photo.jpg"));
        assert_eq!(p.check(&f, "sigv4examplebucket").unwrap(), None);
        let (code, msg) = err_of(p.check(&f, "otherbucket"));
        assert_eq!(code, S3ErrorCode::AccessDenied);
        assert_eq!(
            msg,
            r#"Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "sigv4examplebucket"]"#
        );
    }

    #[test]
    fn expiration() {
        let p = policy("");
        let before = OffsetDateTime::parse("2029-12-31T23:59:59Z", &Rfc3339).unwrap();
        assert!(p.check_expiration(before).is_ok());
        assert!(p.check_expiration(p.expiration).is_ok());
        let (code, msg) = err_of(p.check_expiration(p.expiration + time::Duration::SECOND));
        assert_eq!(code, S3ErrorCode::AccessDenied);
        assert_eq!(msg, "Invalid according to Policy: Policy expired.");
        for bad in [
            r#""2030-01-01T00:00:00+02:00""#,
            r#""2030-01-01 00:00:00Z""#,
            r#""tomorrow""#,
            "12345",
        ] {
            let doc = format!(r#"{{"expiration": {bad}, "conditions": []}}"#);
            let (code, msg) = err_of(PostPolicy::parse(&encode(&doc)));
            assert_eq!(code, S3ErrorCode::InvalidPolicyDocument, "{bad}");
            assert!(
                msg.starts_with("Invalid Policy: Invalid 'expiration' value"),
                "{msg}"
            );
        }
        let millis = r#"{"expiration": "2030-01-01T00:00:00.123Z", "conditions": []}"#;
        assert!(PostPolicy::parse(&encode(millis)).is_ok());
    }

    #[test]
    fn malformed_documents() {
        for (doc, expected) in [
            ("not json", "Invalid Policy: Invalid JSON."),
            ("[]", "Invalid Policy: Invalid JSON."),
            (
                r#"{"conditions": []}"#,
                "Invalid Policy: Policy missing expiration.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z"}"#,
                "Invalid Policy: Policy missing conditions.",
            ),
            (
                r#"{"EXPIRATION": "2030-01-01T00:00:00Z", "conditions": []}"#,
                "Invalid Policy: Unexpected: 'expiration'",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": {}}"#,
                "Invalid Policy: Invalid 'conditions' value: must be a List.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{}]}"#,
                "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"a": "1", "b": "2"}]}"#,
                "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"a": 1}]}"#,
                "Invalid Policy: Invalid Simple-Condition: value must be a string.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"a": null}]}"#,
                "Invalid Policy: Invalid JSON.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [7]}"#,
                "Invalid Policy: Invalid condition test: must be a List or Object.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [[]]}"#,
                "Invalid Policy: Invalid Condition: missing operation identifier.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["in", "$key", "a"]]}"#,
                "Invalid Policy: Invalid Condition: unknown operation 'in'.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 0]]}"#,
                "Invalid Policy: Invalid content-length-range: wrong number of arguments.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "$key", "a", "b"]]}"#,
                "Invalid Policy: Invalid eq: wrong number of arguments.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "$key", 5]]}"#,
                "Invalid Policy: Invalid JSON.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 0, 512.0]]}"#,
                "Invalid Policy: Invalid JSON.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", -1, 0]]}"#,
                "Invalid Policy: Invalid content-length-range: bounds must not be negative.",
            ),
        ] {
            let (code, msg) = err_of(PostPolicy::parse(&encode(doc)));
            assert_eq!(
                (code, msg.as_str()),
                (S3ErrorCode::InvalidPolicyDocument, expected),
                "{doc}"
            );
        }
        let (_, msg) = err_of(PostPolicy::parse("%%%"));
        assert_eq!(msg, "Invalid Policy: invalid Base64 encoding.");
    }

    #[test]
    fn eq_and_starts_with() {
        let p = policy(
            r#"["eq", "$key", "a/b.txt"], ["starts-with", "$x-amz-meta-tag", "blue"], ["starts-with", "$success_action_redirect", ""]"#,
        );
        let ok = form(&[
            ("key", "a/b.txt"),
            ("x-amz-meta-tag", "blueberry"),
            ("success_action_redirect", "http://anything"),
        ]);
        assert!(p.check(&ok, "b").is_ok());
        for (field, value) in [
            ("key", "a/b.TXT"),
            ("x-amz-meta-tag", "Blueberry"),
            ("x-amz-meta-tag", "red"),
        ] {
            let mut f = form(&[
                ("key", "a/b.txt"),
                ("x-amz-meta-tag", "blueberry"),
                ("success_action_redirect", ""),
            ]);
            f.0.iter_mut().find(|(n, _)| n == field).unwrap().1 = value.into();
            let (code, msg) = err_of(p.check(&f, "b"));
            assert_eq!(code, S3ErrorCode::AccessDenied);
            assert!(msg.contains("Policy Condition failed: ["), "{msg}");
        }
        // A condition on an absent field fails, even `starts-with ""`.
        let (_, msg) = err_of(p.check(
            &form(&[("key", "a/b.txt"), ("x-amz-meta-tag", "blue")]),
            "b",
        ));
        assert_eq!(
            msg,
            r#"Invalid according to Policy: Policy Condition failed: ["starts-with", "$success_action_redirect", ""]"#
        );
        // Without the `$` the condition never holds.
        let p = policy(r#"["eq", "key", "a"]"#);
        assert!(p.check(&form(&[("key", "a")]), "b").is_err());
    }

    #[test]
    fn content_type_lists() {
        let p = policy(r#"["starts-with", "$Content-Type", "image/"]"#);
        let check = |v: &str| p.check(&form(&[("content-type", v)]), "b").is_ok();
        assert!(check("image/jpeg"));
        assert!(check("image/jpg,image/png, image/gif"));
        assert!(!check("image/jpg,text/plain"));
        // Other fields are plain strings, commas and all.
        let p = policy(r#"["starts-with", "$x-amz-meta-a", "x"]"#);
        assert!(p.check(&form(&[("x-amz-meta-a", "x1,y2")]), "b").is_ok());
    }

    #[test]
    fn names_are_case_insensitive_values_are_not() {
        let p = policy(
            r#"{"bUcKeT": "b"}, ["StArTs-WiTh", "$KeY", "foo"], {"X-AMZ-META-Color": "Red"}"#,
        );
        let f = form(&[("kEy", "foo.txt"), ("x-amz-meta-color", "Red")]);
        assert!(p.check(&f, "b").is_ok());
        let f = form(&[("kEy", "foo.txt"), ("x-amz-meta-color", "red")]);
        assert!(p.check(&f, "b").is_err());
        // A `bucket` field must agree with the bucket posted to.
        let f = form(&[("key", "foo"), ("x-amz-meta-color", "Red"), ("Bucket", "c")]);
        assert!(p.check(&f, "b").is_err());
        let f = form(&[("key", "foo"), ("x-amz-meta-color", "Red"), ("Bucket", "b")]);
        assert!(p.check(&f, "b").is_ok());
    }

    #[test]
    fn extra_fields_and_exemptions() {
        let p = policy(r#"["starts-with", "$key", ""]"#);
        let f = form(&[
            ("key", "k"),
            ("Policy", "p"),
            ("X-Amz-Signature", "s"),
            ("x-ignore-anything", "1"),
            ("X-Ignore-Other", "2"),
        ]);
        assert!(p.check(&f, "b").is_ok());
        let f = form(&[("key", "k"), ("Content-Disposition", "x"), ("dzuuid", "y")]);
        let (code, msg) = err_of(p.check(&f, "b"));
        assert_eq!(code, S3ErrorCode::AccessDenied);
        assert_eq!(
            msg,
            "Invalid according to Policy: Extra input fields: Content-Disposition, dzuuid"
        );
    }

    #[test]
    fn content_length_ranges() {
        let empty = form(&[]);
        assert_eq!(
            policy(r#"["content-length-range", 5, 10]"#)
                .check(&empty, "b")
                .unwrap(),
            Some(5..=10)
        );
        assert_eq!(
            policy(r#"["content-length-range", "5", "10"]"#)
                .check(&empty, "b")
                .unwrap(),
            Some(5..=10)
        );
        assert_eq!(
            policy(r#"["Content-Length-Range", 0, 100], ["content-length-range", 10, 1000]"#)
                .check(&empty, "b")
                .unwrap(),
            Some(10..=100)
        );
        let (code, msg) =
            err_of(policy(r#"["content-length-range", "test", "10"]"#).check(&empty, "b"));
        assert_eq!(code, S3ErrorCode::AccessDenied);
        assert_eq!(
            msg,
            r#"Invalid according to Policy: Policy Condition failed: ["content-length-range", "test", "10"]"#
        );
    }

    #[test]
    fn form_fields() {
        let mut f = form(&[("x-amz-meta-tag", "Ninja"), ("X-Amz-Meta-Tag", "Stallman")]);
        assert_eq!(f.get("x-amz-meta-TAG"), Some("Ninja,Stallman"));
        assert_eq!(f.iter().count(), 1);
        f.push("key".into(), "up/${filename}/${filename}".into());
        f.expand_filename("a.txt");
        assert_eq!(f.get("key"), Some("up/a.txt/a.txt"));
        assert!(f.has("KEY") && !f.has("file"));
    }
}
