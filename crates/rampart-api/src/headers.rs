//! Reading S3's request headers into engine inputs.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::HeaderMap;
use rampart_engine::checksum::{ChecksumAlgorithm, ExpectedChecksum, ExpectedValue, TrailerSlot};
use rampart_engine::{ContentHeaders, ReadConditions, Timestamp, WriteCondition};

use crate::body::TrailerSink;
use crate::error::{ApiError, S3ErrorCode};

pub const USER_METADATA_PREFIX: &str = "x-amz-meta-";

/// A header as a string; S3 rejects non-ASCII bytes in the headers it interprets.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v.to_str().map(Some).map_err(|_| {
            ApiError::invalid_argument(
                format!("Header {name} contains invalid characters."),
                name,
                String::from_utf8_lossy(v.as_bytes()),
            )
        }),
    }
}

fn owned(headers: &HeaderMap, name: &str) -> Result<Option<String>, ApiError> {
    Ok(get(headers, name)?.map(str::to_owned))
}

pub fn content_headers(headers: &HeaderMap) -> Result<ContentHeaders, ApiError> {
    // `aws-chunked` describes the upload framing, not the object: S3 strips it.
    let content_encoding = get(headers, "content-encoding")?.and_then(|v| {
        let kept: Vec<&str> = v
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("aws-chunked"))
            .collect();
        (!kept.is_empty()).then(|| kept.join(","))
    });
    Ok(ContentHeaders {
        content_type: owned(headers, "content-type")?,
        content_encoding,
        content_disposition: owned(headers, "content-disposition")?,
        content_language: owned(headers, "content-language")?,
        cache_control: owned(headers, "cache-control")?,
        expires: owned(headers, "expires")?,
    })
}

/// `x-amz-meta-*` headers, names lowercased without the prefix. Values are kept as sent; SDKs
/// RFC 2047-encode non-ASCII values themselves.
pub fn user_metadata(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            let key = name.as_str().strip_prefix(USER_METADATA_PREFIX)?;
            Some((
                key.to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ))
        })
        .collect()
}

fn http_date(headers: &HeaderMap, name: &str) -> Result<Option<Timestamp>, ApiError> {
    // An unparsable date is ignored, as HTTP requires for conditional headers.
    Ok(get(headers, name)?
        .and_then(|v| httpdate::parse_http_date(v.trim()).ok())
        .map(Timestamp::from_system_time))
}

/// `If-*` on GET/HEAD (`prefix` = "") or `x-amz-copy-source-if-*` on a copy.
pub fn read_conditions(headers: &HeaderMap, prefix: &str) -> Result<ReadConditions, ApiError> {
    Ok(ReadConditions {
        if_match: owned(headers, &format!("{prefix}if-match"))?,
        if_none_match: owned(headers, &format!("{prefix}if-none-match"))?,
        if_modified_since: http_date(headers, &format!("{prefix}if-modified-since"))?,
        if_unmodified_since: http_date(headers, &format!("{prefix}if-unmodified-since"))?,
    })
}

/// Conditional writes: `If-None-Match: *` and `If-Match: <etag>`.
pub fn write_condition(headers: &HeaderMap) -> Result<WriteCondition, ApiError> {
    let if_match = get(headers, "if-match")?;
    let if_none_match = get(headers, "if-none-match")?;
    match (if_match, if_none_match) {
        (Some(_), Some(_)) => Err(ApiError::not_implemented(
            "A header you provided implies functionality that is not implemented",
        )
        .field("Header", "If-Match,If-None-Match")),
        (None, Some(v)) if v.trim() == "*" => Ok(WriteCondition::IfNoneMatchStar),
        (None, Some(_)) => Err(ApiError::not_implemented(
            "A header you provided implies functionality that is not implemented",
        )
        .field("Header", "If-None-Match")),
        (Some(v), None) => Ok(WriteCondition::IfMatch(v.to_owned())),
        (None, None) => Ok(WriteCondition::None),
    }
}

pub fn content_md5(headers: &HeaderMap) -> Result<Option<[u8; 16]>, ApiError> {
    let Some(value) = get(headers, "content-md5")? else {
        return Ok(None);
    };
    BASE64
        .decode(value.trim())
        .ok()
        .and_then(|raw| <[u8; 16]>::try_from(raw).ok())
        .map(Some)
        .ok_or_else(|| ApiError::new(S3ErrorCode::InvalidDigest).field("Content-MD5", value))
}

/// The flexible checksum a request carries: one `x-amz-checksum-*` header, or a trailer
/// announced by `x-amz-trailer`.
pub fn checksum(
    headers: &HeaderMap,
) -> Result<(Option<ExpectedChecksum>, Option<TrailerSink>), ApiError> {
    let mut found: Option<ExpectedChecksum> = None;
    for algorithm in ChecksumAlgorithm::ALL {
        let Some(value) = get(headers, algorithm.header_name())? else {
            continue;
        };
        if found.is_some() {
            return Err(ApiError::with_message(
                S3ErrorCode::InvalidRequest,
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
            ));
        }
        let raw = algorithm.decode_value(value).ok_or_else(|| {
            ApiError::with_message(
                S3ErrorCode::InvalidRequest,
                format!("Value for {} header is invalid.", algorithm.header_name()),
            )
        })?;
        found = Some(ExpectedChecksum {
            algorithm,
            value: ExpectedValue::Header(raw),
        });
    }
    let trailer = get(headers, "x-amz-trailer")?;
    match (found, trailer) {
        (Some(_), Some(_)) => Err(ApiError::with_message(
            S3ErrorCode::InvalidRequest,
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        )),
        (found, None) => Ok((found, None)),
        (None, Some(name)) => {
            let name = name.trim();
            let algorithm = ChecksumAlgorithm::from_header_name(name).ok_or_else(|| {
                ApiError::with_message(
                    S3ErrorCode::InvalidRequest,
                    format!(
                        "The value specified in the x-amz-trailer header is not supported: {name}"
                    ),
                )
            })?;
            let slot = TrailerSlot::new();
            Ok((
                Some(ExpectedChecksum {
                    algorithm,
                    value: ExpectedValue::Trailer(slot.clone()),
                }),
                Some(TrailerSink {
                    name: algorithm.header_name().to_owned(),
                    slot,
                }),
            ))
        }
    }
}

/// `x-amz-tagging`: the object's tags as URL query parameters.
pub fn object_tags(headers: &HeaderMap) -> Result<rampart_engine::tagging::TagSet, ApiError> {
    use rampart_engine::tagging::{MAX_OBJECT_TAGS, TagSet};
    match get(headers, "x-amz-tagging")? {
        None => Ok(TagSet::default()),
        Some(v) => Ok(TagSet::from_query(v, MAX_OBJECT_TAGS)?),
    }
}

/// The length of the object bytes the client declared: `x-amz-decoded-content-length` for
/// aws-chunked bodies, `Content-Length` otherwise. S3 requires one on every upload.
pub fn declared_length(headers: &HeaderMap, chunked: bool) -> Result<u64, ApiError> {
    let name = if chunked {
        "x-amz-decoded-content-length"
    } else {
        "content-length"
    };
    let value = get(headers, name)?.ok_or(S3ErrorCode::MissingContentLength)?;
    value.trim().parse::<u64>().map_err(|_| {
        ApiError::invalid_argument(format!("Invalid {name} header value."), name, value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn map(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn strips_aws_chunked_encoding() {
        let h = map(&[("content-encoding", "aws-chunked,gzip")]);
        assert_eq!(
            content_headers(&h).unwrap().content_encoding.as_deref(),
            Some("gzip")
        );
        let h = map(&[("content-encoding", "aws-chunked")]);
        assert_eq!(content_headers(&h).unwrap().content_encoding, None);
    }

    #[test]
    fn content_md5_forms() {
        assert_eq!(content_md5(&map(&[])).unwrap(), None);
        let ok = map(&[("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==")]);
        assert!(content_md5(&ok).unwrap().is_some());
        let bad = map(&[("content-md5", "nope")]);
        assert_eq!(
            content_md5(&bad).unwrap_err().code,
            S3ErrorCode::InvalidDigest
        );
        let short = map(&[("content-md5", "AAAA")]);
        assert_eq!(
            content_md5(&short).unwrap_err().code,
            S3ErrorCode::InvalidDigest
        );
    }

    #[test]
    fn write_conditions() {
        assert_eq!(
            write_condition(&map(&[("if-none-match", "*")])).unwrap(),
            WriteCondition::IfNoneMatchStar
        );
        assert_eq!(
            write_condition(&map(&[("if-none-match", "\"abc\"")]))
                .unwrap_err()
                .code,
            S3ErrorCode::NotImplemented
        );
        assert_eq!(
            write_condition(&map(&[("if-match", "\"abc\"")])).unwrap(),
            WriteCondition::IfMatch("\"abc\"".into())
        );
    }

    #[test]
    fn checksum_headers() {
        let (c, t) = checksum(&map(&[("x-amz-checksum-crc32", "i9aeUg==")])).unwrap();
        assert_eq!(c.unwrap().algorithm, ChecksumAlgorithm::Crc32);
        assert!(t.is_none());
        let (c, t) = checksum(&map(&[("x-amz-trailer", "x-amz-checksum-crc64nvme")])).unwrap();
        assert_eq!(c.unwrap().algorithm, ChecksumAlgorithm::Crc64Nvme);
        assert_eq!(t.unwrap().name, "x-amz-checksum-crc64nvme");
        for bad in [
            map(&[("x-amz-checksum-crc32", "bad!")]),
            map(&[
                ("x-amz-checksum-crc32", "i9aeUg=="),
                ("x-amz-checksum-sha1", "x"),
            ]),
            map(&[("x-amz-trailer", "x-amz-checksum-md5")]),
        ] {
            assert_eq!(
                checksum(&bad).err().unwrap().code,
                S3ErrorCode::InvalidRequest
            );
        }
    }

    #[test]
    fn user_metadata_is_lowercased_without_prefix() {
        let h = map(&[
            ("x-amz-meta-Color", "blue"),
            ("x-amz-metadata-directive", "COPY"),
        ]);
        assert_eq!(
            user_metadata(&h),
            vec![("color".to_owned(), "blue".to_owned())]
        );
    }
}
