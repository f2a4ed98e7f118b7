//! S3 general-purpose bucket naming rules.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A bucket name that satisfies S3's naming rules for general-purpose buckets.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BucketName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid bucket name {name:?}: {reason}")]
pub struct InvalidBucketName {
    pub name: String,
    pub reason: &'static str,
}

const RESERVED_PREFIXES: &[&str] = &["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES: &[&str] = &["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

impl BucketName {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 63;

    pub fn parse(name: &str) -> Result<Self, InvalidBucketName> {
        let fail = |reason| {
            Err(InvalidBucketName {
                name: name.to_owned(),
                reason,
            })
        };
        if name.len() < Self::MIN_LEN || name.len() > Self::MAX_LEN {
            return fail("bucket names must be between 3 and 63 characters long");
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            return fail(
                "bucket names can consist only of lowercase letters, numbers, periods and hyphens",
            );
        }
        let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let bytes = name.as_bytes();
        if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
            return fail("bucket names must begin and end with a letter or number");
        }
        if name.contains("..") {
            return fail("bucket names must not contain two adjacent periods");
        }
        if looks_like_ipv4(name) {
            return fail("bucket names must not be formatted as an IP address");
        }
        if RESERVED_PREFIXES.iter().any(|p| name.starts_with(p)) {
            return fail("bucket names must not start with a reserved prefix");
        }
        if RESERVED_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            return fail("bucket names must not end with a reserved suffix");
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn looks_like_ipv4(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

impl fmt::Display for BucketName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for BucketName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BucketName {
    type Error = InvalidBucketName;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<BucketName> for String {
    fn from(b: BucketName) -> String {
        b.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_documented_valid_names() {
        for name in [
            "docexamplebucket1",
            "log-delivery-march-2020",
            "my-hosted-content",
            "docexamplewebsite.com",
            "www.docexamplewebsite.com",
            "my.example.s3.bucket",
            "abc",
            "a-b",
            "1.2.3",
            "1.2.3.4.5",
            &"a".repeat(63),
        ] {
            assert!(BucketName::parse(name).is_ok(), "{name} should be valid");
        }
    }

    #[test]
    fn rejects_documented_invalid_names() {
        for name in [
            "doc_example_bucket",
            "DocExampleBucket",
            "doc-example-bucket-",
            "-doc-example-bucket",
            "ab",
            &"a".repeat(64),
            "my..bucket",
            "192.168.5.4",
            "xn--bucket",
            "sthree-bucket",
            "amzn-s3-demo-bucket",
            "bucket-s3alias",
            "bucket--ol-s3",
            "bucket.mrap",
            "bucket--x-s3",
            "bucket--table-s3",
            "_rampart",
            "bucket/key",
            "",
            "bücket",
        ] {
            assert!(
                BucketName::parse(name).is_err(),
                "{name:?} should be invalid"
            );
        }
    }

    #[test]
    fn serde_round_trip_validates() {
        let b = BucketName::parse("photos").unwrap();
        assert_eq!(String::from(b.clone()), "photos");
        assert!(BucketName::try_from("UPPER".to_string()).is_err());
    }
}
