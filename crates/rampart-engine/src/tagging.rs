//! Tag sets as S3 validates them, for objects and buckets.

use serde::{Deserialize, Serialize};

use crate::EngineError;

/// Objects carry at most 10 tags; buckets at most 50.
pub const MAX_OBJECT_TAGS: usize = 10;
pub const MAX_BUCKET_TAGS: usize = 50;
/// Limits in Unicode characters, as S3 counts them.
pub const MAX_TAG_KEY_CHARS: usize = 128;
pub const MAX_TAG_VALUE_CHARS: usize = 256;

/// A validated tag set, in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagSet(Vec<(String, String)>);

impl TagSet {
    /// Validates tags for an object (`max` = [`MAX_OBJECT_TAGS`]) or a bucket.
    pub fn new(tags: Vec<(String, String)>, max: usize) -> Result<Self, EngineError> {
        let invalid = |m: String| Err(EngineError::InvalidTag(m));
        if tags.len() > max {
            return invalid(format!("Object tags cannot be greater than {max}"));
        }
        for (i, (key, value)) in tags.iter().enumerate() {
            if key.is_empty() || key.chars().count() > MAX_TAG_KEY_CHARS {
                return invalid(format!(
                    "The TagKey you have provided is too long, max {MAX_TAG_KEY_CHARS}"
                ));
            }
            if value.chars().count() > MAX_TAG_VALUE_CHARS {
                return invalid(format!(
                    "The TagValue you have provided is too long, max {MAX_TAG_VALUE_CHARS}"
                ));
            }
            if key.to_ascii_lowercase().starts_with("aws:") {
                return invalid("Your TagKey cannot be prefixed with aws:".into());
            }
            if !key.chars().all(allowed) {
                return invalid("The TagKey you have provided is invalid".into());
            }
            if !value.chars().all(allowed) {
                return invalid("The TagValue you have provided is invalid".into());
            }
            if tags[..i].iter().any(|(k, _)| k == key) {
                return invalid("Cannot provide multiple Tags with the same key".into());
            }
        }
        Ok(Self(tags))
    }

    /// Parses `x-amz-tagging`: URL query encoding, `k1=v1&k2=v2`.
    pub fn from_query(encoded: &str, max: usize) -> Result<Self, EngineError> {
        let mut tags = Vec::new();
        for pair in encoded.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_decode(&s.replace('+', " "))
                    .ok_or_else(|| EngineError::InvalidTag("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.".into()))
            };
            tags.push((decode(k)?, decode(v)?));
        }
        Self::new(tags, max)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn tags(&self) -> &[(String, String)] {
        &self.0
    }
}

/// S3 allows letters, digits and white space in any language, and `_ . : / = + - @`.
fn allowed(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    fn rejected(t: Vec<(String, String)>, max: usize) -> String {
        match TagSet::new(t, max) {
            Err(EngineError::InvalidTag(m)) => m,
            other => panic!("expected InvalidTag, got {other:?}"),
        }
    }

    #[test]
    fn limits() {
        let ten: Vec<_> = (0..10).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        assert!(TagSet::new(ten.clone(), MAX_OBJECT_TAGS).is_ok());
        let mut eleven = ten;
        eleven.push(("k10".into(), "v".into()));
        assert!(rejected(eleven.clone(), MAX_OBJECT_TAGS).contains("greater than 10"));
        assert!(TagSet::new(eleven, MAX_BUCKET_TAGS).is_ok());
        assert!(TagSet::new(tags(&[(&"k".repeat(128), &"v".repeat(256))]), 10).is_ok());
        assert!(rejected(tags(&[(&"k".repeat(129), "v")]), 10).contains("TagKey"));
        assert!(rejected(tags(&[("k", &"v".repeat(257))]), 10).contains("TagValue"));
        // Characters, not bytes.
        assert!(TagSet::new(tags(&[(&"é".repeat(128), &"ü".repeat(256))]), 10).is_ok());
    }

    #[test]
    fn content_rules() {
        assert!(rejected(tags(&[("a", "1"), ("a", "2")]), 10).contains("same key"));
        assert!(rejected(tags(&[("aws:x", "1")]), 10).contains("aws:"));
        assert!(rejected(tags(&[("", "1")]), 10).contains("TagKey"));
        assert!(rejected(tags(&[("a*b", "1")]), 10).contains("TagKey"));
        assert!(rejected(tags(&[("a", "x<y")]), 10).contains("TagValue"));
        assert!(TagSet::new(tags(&[("Proj Name_1.2:/=+-@", "")]), 10).is_ok());
    }

    #[test]
    fn header_form() {
        let t = TagSet::from_query("Key1=Value1&Key%202=a+b%2Fc&empty=", 10).unwrap();
        assert_eq!(
            t.tags(),
            &tags(&[("Key1", "Value1"), ("Key 2", "a b/c"), ("empty", "")])[..]
        );
        assert!(TagSet::from_query("", 10).unwrap().is_empty());
        assert!(TagSet::from_query("a=1&a=2", 10).is_err());
        assert!(TagSet::from_query("a=%ZZ", 10).is_err());
    }
}
