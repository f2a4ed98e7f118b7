//! The CanonicalRequest:
//! `method \n canonical URI \n canonical query \n canonical headers \n signed headers \n payload`.

use crate::request::RequestParts;
use crate::uri::{canonical_query, canonical_uri};

/// The presigned-URL parameter left out of its own canonical query.
pub(crate) const X_AMZ_SIGNATURE: &str = "X-Amz-Signature";

/// A canonical request, kept as bytes: header values may hold non-UTF-8 octets and the
/// hash must cover exactly what the client hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest(Vec<u8>);

impl CanonicalRequest {
    /// Builds the canonical request of `req`.
    ///
    /// `signed_headers` are the header names the client signed, lowercase and sorted (as
    /// [`normalize_signed_headers`] returns them); `payload_hash` is the last line as the
    /// client sent it (hex, or `UNSIGNED-PAYLOAD` / a `STREAMING-…` token); `presigned`
    /// leaves `X-Amz-Signature` out of the query.
    pub fn new(
        req: &RequestParts<'_>,
        signed_headers: &[String],
        payload_hash: &str,
        presigned: bool,
    ) -> Self {
        let mut out = Vec::with_capacity(256 + req.raw_path.len() + req.raw_query.len());
        out.extend_from_slice(req.method.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(canonical_uri(req.raw_path).as_bytes());
        out.push(b'\n');
        let exclude = presigned.then_some(X_AMZ_SIGNATURE);
        out.extend_from_slice(canonical_query(req.raw_query, exclude).as_bytes());
        out.push(b'\n');
        for name in signed_headers {
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
            for (i, value) in req.header_values(name).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_trimmed(&mut out, value);
            }
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(signed_headers.join(";").as_bytes());
        out.push(b'\n');
        out.extend_from_slice(payload_hash.as_bytes());
        Self(out)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The canonical request as text, for error bodies and debugging.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

/// Appends `value` without leading/trailing spaces or tabs, with each inner run of spaces
/// collapsed to one (AWS "Trimall"; like S3, only spaces are collapsed).
fn push_trimmed(out: &mut Vec<u8>, value: &[u8]) {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !is_ows(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    let mut previous_space = false;
    for &b in value.get(start..end).unwrap_or_default() {
        if b == b' ' {
            if !previous_space {
                out.push(b);
            }
            previous_space = true;
        } else {
            out.push(b);
            previous_space = false;
        }
    }
}

/// Lowercases, sorts and de-duplicates a `SignedHeaders` list (`host;range;x-amz-date`).
/// `None` when the list is empty or has an empty or non-token name.
pub fn normalize_signed_headers(list: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for name in list.split(';') {
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(is_token_char) {
            return None;
        }
        names.push(name.to_ascii_lowercase());
    }
    names.sort_unstable();
    names.dedup();
    Some(names)
}

/// An HTTP `tchar` (RFC 9110): what a header name may contain.
pub(crate) fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trimmed(v: &str) -> String {
        let mut out = Vec::new();
        push_trimmed(&mut out, v.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn trimall() {
        assert_eq!(trimmed("  a   b  c "), "a b c");
        assert_eq!(trimmed("\ta b\t"), "a b");
        assert_eq!(trimmed("\"a   b   c\""), "\"a b c\"");
        assert_eq!(trimmed("   "), "");
        assert_eq!(trimmed(""), "");
        assert_eq!(trimmed("a\tb"), "a\tb");
    }

    #[test]
    fn signed_header_lists() {
        assert_eq!(
            normalize_signed_headers("x-amz-date;Host;range").unwrap(),
            ["host", "range", "x-amz-date"]
        );
        assert_eq!(normalize_signed_headers("host;host").unwrap(), ["host"]);
        assert!(normalize_signed_headers("").is_none());
        assert!(normalize_signed_headers("host;;range").is_none());
        assert!(normalize_signed_headers("host;ra nge").is_none());
        assert!(normalize_signed_headers("host;a:b").is_none());
    }

    #[test]
    fn canonical_request_shape() {
        let headers: &[(&str, &[u8])] = &[
            ("host", b"examplebucket.s3.amazonaws.com"),
            ("range", b"bytes=0-9"),
            (
                "x-amz-content-sha256",
                crate::signing::EMPTY_SHA256_HEX.as_bytes(),
            ),
            ("x-amz-date", b"20130524T000000Z"),
        ];
        let req = RequestParts {
            method: "GET",
            raw_path: "/test.txt",
            raw_query: "",
            headers,
        };
        let signed =
            normalize_signed_headers("host;range;x-amz-content-sha256;x-amz-date").unwrap();
        let creq = CanonicalRequest::new(&req, &signed, crate::signing::EMPTY_SHA256_HEX, false);
        assert_eq!(
            creq.to_string_lossy(),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
             x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
