//! Entity tags as S3 computes and compares them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An S3 entity tag, stored without quotes: the hex MD5 of the content for a single PUT, or
/// `<hex md5 of the part MD5s>-<part count>` for a multipart object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ETag(String);

impl ETag {
    pub fn from_md5(digest: &[u8; 16]) -> Self {
        Self(hex::encode(digest))
    }

    pub fn from_multipart(digest_of_digests: &[u8; 16], parts: usize) -> Self {
        Self(format!("{}-{parts}", hex::encode(digest_of_digests)))
    }

    /// Parses a stored, unquoted ETag.
    pub fn from_raw(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The ETag as S3 sends it in headers and XML: wrapped in double quotes.
    pub fn quoted(&self) -> String {
        format!("\"{}\"", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether an `If-Match` / `If-None-Match` header value matches this ETag. The header may
    /// list several tags separated by commas, each quoted or not, or be `*`; weak tags (`W/"…"`)
    /// compare by their opaque value, as S3 does.
    pub fn matches_header(&self, header: &str) -> bool {
        header.split(',').map(str::trim).any(|candidate| {
            if candidate == "*" {
                return true;
            }
            let candidate = candidate.strip_prefix("W/").unwrap_or(candidate);
            let candidate = candidate
                .strip_prefix('"')
                .and_then(|c| c.strip_suffix('"'))
                .unwrap_or(candidate);
            candidate == self.0
        })
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_matching() {
        let e = ETag::from_md5(&[0xab; 16]);
        assert_eq!(e.quoted(), format!("\"{}\"", "ab".repeat(16)));
        assert!(e.matches_header(&e.quoted()));
        assert!(e.matches_header(e.as_str()));
        assert!(e.matches_header("*"));
        assert!(e.matches_header(&format!("\"nope\", {}", e.quoted())));
        assert!(e.matches_header(&format!("W/{}", e.quoted())));
        assert!(!e.matches_header("\"0000\""));
        assert!(!e.matches_header(""));
    }

    #[test]
    fn multipart_form() {
        let e = ETag::from_multipart(&[0; 16], 3);
        assert!(e.as_str().ends_with("-3"));
    }
}
