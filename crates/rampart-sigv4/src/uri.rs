//! AWS `UriEncode` and the canonical URI and query string, S3 flavour.
//!
//! S3 differs from the other services: the path is decoded once and re-encoded (never
//! double-encoded) and dot segments are kept as they are, because `a/../b` is a valid key.

use percent_encoding::percent_decode;

/// Appends `UriEncode(bytes)` to `out`: unreserved characters (`A-Za-z0-9-._~`) stay, every
/// other byte becomes `%XX` with uppercase hex; `/` stays only when `keep_slash`.
pub fn uri_encode_into(out: &mut String, bytes: &[u8], keep_slash: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// `UriEncode(bytes)`: unreserved characters (`A-Za-z0-9-._~`) stay, every other byte
/// becomes `%XX` (uppercase hex); `/` stays only when `keep_slash`.
pub fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    uri_encode_into(&mut out, bytes, keep_slash);
    out
}

/// Decodes `%XX` escapes once. A `%` not followed by two hex digits stays literal (it is
/// then re-encoded as `%25`), and `+` stays `+`: in S3 a plus is never a space.
pub fn percent_decode_bytes(raw: &str) -> Vec<u8> {
    percent_decode(raw.as_bytes()).collect()
}

/// The canonical URI of an S3 request: `raw_path` decoded once and re-encoded, `/` kept.
/// An empty path is `/`.
pub fn canonical_uri(raw_path: &str) -> String {
    if raw_path.is_empty() {
        return "/".to_owned();
    }
    uri_encode(&percent_decode_bytes(raw_path), true)
}

/// One decoded query parameter; `value` is `None` for a bare name (`?acl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryParam {
    pub name: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

/// Splits a raw query string (no `?`) into decoded parameters, in order. Empty segments
/// (`a=1&&b=2`) are skipped, as every SDK's encoder does.
pub fn parse_query(raw_query: &str) -> Vec<QueryParam> {
    raw_query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.split_once('=') {
            Some((name, value)) => QueryParam {
                name: percent_decode_bytes(name),
                value: Some(percent_decode_bytes(value)),
            },
            None => QueryParam {
                name: percent_decode_bytes(segment),
                value: None,
            },
        })
        .collect()
}

/// The canonical query string: each name and value decoded then `UriEncode`d (`/`
/// included), sorted by encoded name then encoded value, joined with `&`; a bare name
/// becomes `name=`. `exclude` names a parameter to leave out (`X-Amz-Signature` for
/// presigned URLs).
pub fn canonical_query(raw_query: &str, exclude: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = parse_query(raw_query)
        .into_iter()
        .filter(|p| exclude.is_none_or(|ex| p.name != ex.as_bytes()))
        .map(|p| {
            (
                uri_encode(&p.name, false),
                uri_encode(p.value.as_deref().unwrap_or_default(), false),
            )
        })
        .collect();
    // Sort on the (name, value) pair, not on "name=value": `Param` must precede `Param-3`.
    pairs.sort_unstable();
    let mut out = String::with_capacity(raw_query.len() + 16);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_aws() {
        assert_eq!(uri_encode(b"-._~AZaz09", false), "-._~AZaz09");
        assert_eq!(uri_encode(b"a b+c=d/e", false), "a%20b%2Bc%3Dd%2Fe");
        assert_eq!(uri_encode(b"a b/c", true), "a%20b/c");
        assert_eq!(uri_encode("ሴ".as_bytes(), true), "%E1%88%B4");
        assert_eq!(uri_encode(&[0x00, 0xff], true), "%00%FF");
    }

    #[test]
    fn canonical_uri_is_s3_style() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/test$file.text"), "/test%24file.text");
        assert_eq!(canonical_uri("/test%24file.text"), "/test%24file.text");
        // No double encoding, no dot-segment or slash normalization.
        assert_eq!(canonical_uri("/a%2Fb"), "/a/b");
        assert_eq!(canonical_uri("//a/./b/../c//"), "//a/./b/../c//");
        assert_eq!(canonical_uri("/a%20b+c"), "/a%20b%2Bc");
        assert_eq!(canonical_uri("/a%2bc%2B"), "/a%2Bc%2B");
        assert_eq!(canonical_uri("/bad%zz%4"), "/bad%25zz%254");
        assert_eq!(canonical_uri("/%e1%88%b4"), "/%E1%88%B4");
    }

    #[test]
    fn canonical_query_sorts_and_encodes() {
        assert_eq!(canonical_query("", None), "");
        assert_eq!(canonical_query("lifecycle", None), "lifecycle=");
        assert_eq!(
            canonical_query("prefix=J&max-keys=2", None),
            "max-keys=2&prefix=J"
        );
        assert_eq!(
            canonical_query("Param-3=Value3&Param=Value2&%E1%88%B4=Value1", None),
            "%E1%88%B4=Value1&Param=Value2&Param-3=Value3"
        );
        assert_eq!(canonical_query("a=2&a=1&a=", None), "a=&a=1&a=2");
        assert_eq!(canonical_query("k=a+b&s=a%20b", None), "k=a%2Bb&s=a%20b");
        assert_eq!(canonical_query("p=a/b&q=%7e", None), "p=a%2Fb&q=~");
        assert_eq!(canonical_query("a=1&&b=2&", None), "a=1&b=2");
        assert_eq!(canonical_query("x==y", None), "x=%3Dy");
        assert_eq!(
            canonical_query("X-Amz-Signature=abc&b=1", Some("X-Amz-Signature")),
            "b=1"
        );
    }
}
