//! Object keys: any UTF-8 string of 1 to 1024 bytes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// S3's limit on the UTF-8 length of an object key.
pub const MAX_KEY_BYTES: usize = 1024;

/// An object key. Keys are opaque to Rampart: `../`, `//`, and any unicode are allowed, and
/// keys never name a file on disk.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ObjectKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidObjectKey {
    #[error("object keys must not be empty")]
    Empty,
    #[error("object key is {0} bytes; the limit is 1024")]
    TooLong(usize),
}

impl ObjectKey {
    pub fn parse(key: impl Into<String>) -> Result<Self, InvalidObjectKey> {
        let key = key.into();
        if key.is_empty() {
            return Err(InvalidObjectKey::Empty);
        }
        if key.len() > MAX_KEY_BYTES {
            return Err(InvalidObjectKey::TooLong(key.len()));
        }
        Ok(Self(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ObjectKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ObjectKey {
    type Error = InvalidObjectKey;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<ObjectKey> for String {
    fn from(k: ObjectKey) -> String {
        k.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(ObjectKey::parse(""), Err(InvalidObjectKey::Empty));
        assert!(ObjectKey::parse("a".repeat(1024)).is_ok());
        assert_eq!(
            ObjectKey::parse("a".repeat(1025)),
            Err(InvalidObjectKey::TooLong(1025))
        );
        // The limit counts UTF-8 bytes, not characters.
        assert!(ObjectKey::parse("é".repeat(512)).is_ok());
        assert!(ObjectKey::parse("é".repeat(513)).is_err());
    }

    #[test]
    fn path_like_keys_are_plain_keys() {
        for k in [
            "../../etc/passwd",
            "a//b",
            "/leading",
            "dir/",
            "日本語/キー",
            " ",
        ] {
            assert_eq!(ObjectKey::parse(k).unwrap().as_str(), k);
        }
    }
}
