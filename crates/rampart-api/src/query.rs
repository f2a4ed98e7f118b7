//! The query string, decoded the way S3 decodes it.

use crate::error::{ApiError, S3ErrorCode};

/// Decoded query parameters in request order. A parameter without `=` has an empty value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut pairs = Vec::new();
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((decode(name)?, decode(value)?));
        }
        Ok(Self(pairs))
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// The first value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn pairs(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }
}

/// `+` is a space in query strings (HTML form encoding), unlike in paths.
fn decode(s: &str) -> Result<String, ApiError> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| {
            ApiError::with_message(S3ErrorCode::InvalidURI, "Couldn't parse the specified URI.")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        let q = Query::parse("prefix=a%2Fb+c&delete&max-keys=5&&x=%E2%9C%93").unwrap();
        assert_eq!(q.get("prefix"), Some("a/b c"));
        assert!(q.has("delete"));
        assert_eq!(q.get("delete"), Some(""));
        assert_eq!(q.get("max-keys"), Some("5"));
        assert_eq!(q.get("x"), Some("✓"));
        assert_eq!(q.get("nope"), None);
        assert!(Query::parse("a=%FF").is_err());
    }
}
