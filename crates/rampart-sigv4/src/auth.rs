//! Parsing a request's credentials: the `Authorization` header or the presigned-URL query
//! parameters, the request time and the payload mode. No secret is needed here, so the
//! server can look up the access key before it verifies anything.

use std::time::SystemTime;

use crate::canonical::normalize_signed_headers;
use crate::datetime::{format_amz_date, parse_amz_date, parse_http_date};
use crate::error::{MSG_MISSING_QUERY_PARAMS, SigV4Error};
use crate::request::RequestParts;
use crate::signing::{ALGORITHM, CredentialScope, TERMINATOR};
use crate::uri::parse_query;

/// `x-amz-content-sha256` for a payload the signature does not cover.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// aws-chunked body with a signature per chunk.
pub const STREAMING_SIGNED: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
/// aws-chunked body with a signature per chunk and signed trailers.
pub const STREAMING_SIGNED_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
/// aws-chunked body without chunk signatures, with trailers.
pub const STREAMING_UNSIGNED_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
const STREAMING_SIGV4A: &str = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD";
const STREAMING_SIGV4A_TRAILER: &str = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER";
const SIGV4A_ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256";

/// The longest validity S3 allows a presigned URL: one week.
pub const MAX_PRESIGNED_EXPIRES_SECS: u64 = 604_800;

const X_AMZ_ALGORITHM: &str = "X-Amz-Algorithm";
const X_AMZ_CREDENTIAL: &str = "X-Amz-Credential";
const X_AMZ_DATE: &str = "X-Amz-Date";
const X_AMZ_EXPIRES: &str = "X-Amz-Expires";
const X_AMZ_SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
const X_AMZ_SIGNATURE: &str = "X-Amz-Signature";
const X_AMZ_SECURITY_TOKEN: &str = "X-Amz-Security-Token";

/// How the request carried its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `Authorization: AWS4-HMAC-SHA256 …`.
    Header,
    /// A presigned URL valid for `expires_secs` after its `X-Amz-Date`.
    Presigned { expires_secs: u64 },
}

/// What `x-amz-content-sha256` promised about the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadMode {
    /// The body's SHA-256; the server must check it once the body has arrived.
    Sha256([u8; 32]),
    /// `UNSIGNED-PAYLOAD` (and every presigned URL without the header).
    Unsigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: aws-chunked, every chunk signed.
    StreamingSigned,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: aws-chunked, unsigned chunks, trailers.
    StreamingUnsignedTrailer,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks and signed trailers.
    StreamingSignedTrailer,
    /// No `x-amz-content-sha256` on a request for a service other than S3 (IAM, STS): as
    /// those services define SigV4, the signature covers the SHA-256 of the body itself, so
    /// the server reads the (small) body first and verifies with its hash.
    HashOfBody,
}

impl PayloadMode {
    /// Parses an `x-amz-content-sha256` value.
    pub fn parse(value: &[u8]) -> Result<Self, SigV4Error> {
        match value {
            v if v == UNSIGNED_PAYLOAD.as_bytes() => Ok(Self::Unsigned),
            v if v == STREAMING_SIGNED.as_bytes() => Ok(Self::StreamingSigned),
            v if v == STREAMING_SIGNED_TRAILER.as_bytes() => Ok(Self::StreamingSignedTrailer),
            v if v == STREAMING_UNSIGNED_TRAILER.as_bytes() => Ok(Self::StreamingUnsignedTrailer),
            v if v == STREAMING_SIGV4A.as_bytes() || v == STREAMING_SIGV4A_TRAILER.as_bytes() => {
                Err(SigV4Error::SigV4aNotSupported)
            }
            v => {
                let mut digest = [0u8; 32];
                match hex::decode_to_slice(v, &mut digest) {
                    Ok(()) => Ok(Self::Sha256(digest)),
                    Err(_) => Err(SigV4Error::InvalidContentSha256 {
                        value: String::from_utf8_lossy(v).into_owned(),
                    }),
                }
            }
        }
    }

    /// Whether the body is aws-chunked encoded (to be decoded with `ChunkedDecoder`).
    pub fn is_streaming(&self) -> bool {
        matches!(
            self,
            Self::StreamingSigned | Self::StreamingSignedTrailer | Self::StreamingUnsignedTrailer
        )
    }
}

/// The credentials of a request, parsed but not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    pub access_key_id: String,
    pub scope: CredentialScope,
    /// Lowercase, sorted, without duplicates.
    pub signed_headers: Vec<String>,
    /// The signature as sent (lowercase hex from every known client).
    pub signature: String,
    /// The ISO 8601 basic timestamp that was signed (`x-amz-date`, the `Date` header
    /// reformatted, or `X-Amz-Date`).
    pub amz_date: String,
    pub request_time: SystemTime,
    pub method: AuthMethod,
    pub payload: PayloadMode,
    /// `x-amz-security-token` header, or `X-Amz-Security-Token` for presigned URLs.
    pub security_token: Option<String>,
}

/// Reads the credentials of `req`. `Ok(None)` means the request carries none at all: it is
/// anonymous. Checks everything that needs no secret, no clock and no region.
pub fn parse_auth(req: &RequestParts<'_>) -> Result<Option<ParsedAuth>, SigV4Error> {
    let mut authorization = req.header_values("authorization");
    let header = authorization.next();
    if authorization.next().is_some() {
        return Err(SigV4Error::header_malformed(
            "multiple Authorization headers",
        ));
    }
    let query = parse_query(req.raw_query);
    let has = |name: &str| query.iter().any(|p| p.name == name.as_bytes());
    let query_v4 = has(X_AMZ_ALGORITHM) || has(X_AMZ_CREDENTIAL) || has(X_AMZ_SIGNATURE);
    let query_v2 = has("Signature") || has("AWSAccessKeyId");

    let mechanisms = usize::from(header.is_some()) + usize::from(query_v4) + usize::from(query_v2);
    if mechanisms > 1 {
        return Err(SigV4Error::MultipleAuthMechanisms);
    }
    if let Some(value) = header {
        return parse_header_auth(req, value).map(Some);
    }
    if query_v4 {
        return parse_presigned(req, &QueryView(&query)).map(Some);
    }
    if query_v2 {
        return Err(SigV4Error::UnsupportedSignatureVersion);
    }
    Ok(None)
}

fn parse_header_auth(req: &RequestParts<'_>, value: &[u8]) -> Result<ParsedAuth, SigV4Error> {
    let unsupported = || SigV4Error::UnsupportedAuthorizationType {
        value: String::from_utf8_lossy(value).into_owned(),
    };
    let text = std::str::from_utf8(value)
        .map_err(|_| unsupported())?
        .trim();
    let (scheme, rest) = text.split_once([' ', '\t']).unwrap_or((text, ""));
    match scheme {
        ALGORITHM => {}
        "AWS" => return Err(SigV4Error::UnsupportedSignatureVersion),
        SIGV4A_ALGORITHM => return Err(SigV4Error::SigV4aNotSupported),
        _ => return Err(unsupported()),
    }

    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for component in rest.split(',') {
        let component = component.trim();
        if component.is_empty() {
            continue;
        }
        let Some((key, val)) = component.split_once('=') else {
            return Err(SigV4Error::header_malformed(&format!(
                "the authorization component \"{component}\" is malformed."
            )));
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => {
                return Err(SigV4Error::header_malformed(&format!(
                    "the authorization component \"{component}\" is malformed."
                )));
            }
        };
        if slot.replace(val.trim()).is_some() {
            return Err(SigV4Error::header_malformed(&format!(
                "the authorization component \"{component}\" is duplicated."
            )));
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(SigV4Error::header_malformed(
            "the authorization header requires three components: Credential, SignedHeaders, and Signature.",
        ));
    };

    let (access_key_id, scope) = parse_credential(credential).map_err(|e| match e {
        CredentialError::Malformed => SigV4Error::header_malformed(
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ),
        CredentialError::Terminator(t) => SigV4Error::header_malformed(&format!(
            "incorrect terminal \"{t}\". This endpoint uses \"{TERMINATOR}\"."
        )),
    })?;
    let signed_headers = normalize_signed_headers(signed_headers)
        .ok_or_else(|| SigV4Error::header_malformed("the SignedHeaders component is malformed."))?;
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(SigV4Error::header_malformed(
            "the SignedHeaders must include host.",
        ));
    }

    let (amz_date, request_time) = header_request_time(req)?;
    if amz_date.get(..8) != Some(scope.date.as_str()) {
        return Err(SigV4Error::header_malformed(
            "Invalid credential date. Date is not the same as X-Amz-Date.",
        ));
    }

    let payload = match payload_hash_value(req, false)? {
        Some(v) => PayloadMode::parse(&v)?,
        None if scope.service != "s3" => PayloadMode::HashOfBody,
        None => return Err(SigV4Error::MissingContentSha256),
    };
    let security_token = match req.single_header("x-amz-security-token") {
        Ok(v) => v.map(|v| String::from_utf8_lossy(v).trim().to_owned()),
        Err(()) => {
            return Err(SigV4Error::header_malformed(
                "multiple x-amz-security-token headers",
            ));
        }
    };

    Ok(ParsedAuth {
        access_key_id,
        scope,
        signed_headers,
        signature: signature.to_owned(),
        amz_date,
        request_time,
        method: AuthMethod::Header,
        payload,
        security_token,
    })
}

/// The signed timestamp of a header-auth request: `x-amz-date`, else `Date`.
fn header_request_time(req: &RequestParts<'_>) -> Result<(String, SystemTime), SigV4Error> {
    let text = |v: &[u8]| {
        std::str::from_utf8(v)
            .ok()
            .map(str::trim)
            .map(str::to_owned)
    };
    if let Some(v) = req.header("x-amz-date") {
        let amz = text(v).ok_or(SigV4Error::MissingDate)?;
        let time = parse_amz_date(&amz).ok_or(SigV4Error::MissingDate)?;
        return Ok((amz, time));
    }
    let date = req
        .header("date")
        .and_then(text)
        .ok_or(SigV4Error::MissingDate)?;
    let time = parse_http_date(&date).ok_or(SigV4Error::MissingDate)?;
    let amz = format_amz_date(time).ok_or(SigV4Error::MissingDate)?;
    Ok((amz, time))
}

/// Decoded query parameters, looked up by exact (case-sensitive) name as S3 does.
struct QueryView<'q>(&'q [crate::uri::QueryParam]);

impl QueryView<'_> {
    /// The single value of `name`, as UTF-8. Repeats and non-UTF-8 are errors.
    fn get(&self, name: &str) -> Result<Option<String>, SigV4Error> {
        let mut found = self.0.iter().filter(|p| p.name == name.as_bytes());
        let Some(first) = found.next() else {
            return Ok(None);
        };
        if found.next().is_some() {
            return Err(SigV4Error::query_error(format!("{name} is repeated.")));
        }
        let value = first.value.clone().unwrap_or_default();
        String::from_utf8(value)
            .map(Some)
            .map_err(|_| SigV4Error::query_error(format!("{name} is not valid UTF-8.")))
    }
}

fn parse_presigned(
    req: &RequestParts<'_>,
    query: &QueryView<'_>,
) -> Result<ParsedAuth, SigV4Error> {
    let algorithm = query.get(X_AMZ_ALGORITHM)?;
    let credential = query.get(X_AMZ_CREDENTIAL)?;
    let date = query.get(X_AMZ_DATE)?;
    let expires = query.get(X_AMZ_EXPIRES)?;
    let signed_headers = query.get(X_AMZ_SIGNED_HEADERS)?;
    let signature = query.get(X_AMZ_SIGNATURE)?;
    let (
        Some(algorithm),
        Some(credential),
        Some(date),
        Some(expires),
        Some(signed_headers),
        Some(signature),
    ) = (
        algorithm,
        credential,
        date,
        expires,
        signed_headers,
        signature,
    )
    else {
        return Err(SigV4Error::query_error(MSG_MISSING_QUERY_PARAMS));
    };

    match algorithm.as_str() {
        ALGORITHM => {}
        SIGV4A_ALGORITHM => return Err(SigV4Error::SigV4aNotSupported),
        _ => {
            return Err(SigV4Error::query_error(format!(
                "X-Amz-Algorithm only supports \"{ALGORITHM}\""
            )));
        }
    }
    let (access_key_id, scope) = parse_credential(&credential).map_err(|e| match e {
        CredentialError::Malformed => SigV4Error::query_error(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ),
        CredentialError::Terminator(t) => SigV4Error::query_error(format!(
            "Error parsing the X-Amz-Credential parameter; incorrect terminal \"{t}\". This endpoint uses \"{TERMINATOR}\"."
        )),
    })?;
    let request_time = parse_amz_date(&date).ok_or_else(|| {
        SigV4Error::query_error(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        )
    })?;
    let expires_secs = parse_expires(&expires)?;
    if date.get(..8) != Some(scope.date.as_str()) {
        return Err(SigV4Error::query_error(format!(
            "Invalid credential date \"{}\". This date is not the same as X-Amz-Date: \"{}\".",
            scope.date,
            date.get(..8).unwrap_or_default()
        )));
    }
    let signed_headers = normalize_signed_headers(&signed_headers)
        .ok_or_else(|| SigV4Error::query_error("X-Amz-SignedHeaders is malformed."))?;
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(SigV4Error::query_error(
            "X-Amz-SignedHeaders must include host.",
        ));
    }
    // Presigned URLs sign no body unless the client says otherwise.
    let payload = match payload_hash_value(req, true)? {
        Some(v) => PayloadMode::parse(&v)?,
        None => PayloadMode::Unsigned,
    };
    let security_token = query.get(X_AMZ_SECURITY_TOKEN)?;

    Ok(ParsedAuth {
        access_key_id,
        scope,
        signed_headers,
        signature,
        amz_date: date,
        request_time,
        method: AuthMethod::Presigned { expires_secs },
        payload,
        security_token,
    })
}

/// `X-Amz-Expires`: whole seconds, 1 to 604800.
fn parse_expires(value: &str) -> Result<u64, SigV4Error> {
    if let Some(rest) = value.strip_prefix('-')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(SigV4Error::query_error(
            "X-Amz-Expires must be non-negative",
        ));
    }
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SigV4Error::query_error("X-Amz-Expires should be a number"));
    }
    // All digits: only overflow can fail, and an overflowing value is over a week too.
    let secs = value.parse::<u64>().unwrap_or(u64::MAX);
    if secs > MAX_PRESIGNED_EXPIRES_SECS {
        return Err(SigV4Error::query_error(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ));
    }
    if secs == 0 {
        return Err(SigV4Error::query_error(
            "X-Amz-Expires must be greater than 0",
        ));
    }
    Ok(secs)
}

enum CredentialError {
    Malformed,
    Terminator(String),
}

/// `AKID/YYYYMMDD/region/service/aws4_request`.
fn parse_credential(credential: &str) -> Result<(String, CredentialScope), CredentialError> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [akid, date, region, service, terminator] = parts.as_slice() else {
        return Err(CredentialError::Malformed);
    };
    let valid_date = date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit());
    if akid.is_empty() || !valid_date || region.is_empty() || service.is_empty() {
        return Err(CredentialError::Malformed);
    }
    if *terminator != TERMINATOR {
        return Err(CredentialError::Terminator((*terminator).to_owned()));
    }
    Ok((
        (*akid).to_owned(),
        CredentialScope::new(*date, *region, *service),
    ))
}

/// The payload hash as the client sent it: the `x-amz-content-sha256` header, or for a
/// presigned URL its `X-Amz-Content-Sha256` query parameter first (some SDKs presign it,
/// and MinIO honours it too). A repeated value is an error.
pub(crate) fn payload_hash_value(
    req: &RequestParts<'_>,
    presigned: bool,
) -> Result<Option<Vec<u8>>, SigV4Error> {
    if presigned {
        let params = parse_query(req.raw_query);
        let mut found = params.iter().filter(|p| p.name == b"X-Amz-Content-Sha256");
        if let Some(first) = found.next() {
            let value = first.value.clone().unwrap_or_default();
            if found.next().is_some() {
                return Err(SigV4Error::InvalidContentSha256 {
                    value: String::from_utf8_lossy(&value).into_owned(),
                });
            }
            return Ok(Some(value));
        }
    }
    match req.single_header("x-amz-content-sha256") {
        Ok(v) => Ok(v.map(<[u8]>::to_vec)),
        Err(()) => Err(SigV4Error::InvalidContentSha256 {
            value: joined_header(req, "x-amz-content-sha256"),
        }),
    }
}

fn joined_header(req: &RequestParts<'_>, name: &'static str) -> String {
    req.header_values(name)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_parsing() {
        assert_eq!(parse_expires("1").unwrap(), 1);
        assert_eq!(parse_expires("604800").unwrap(), 604_800);
        assert_eq!(parse_expires("086400").unwrap(), 86_400);
        for bad in [
            "",
            "abc",
            "1.5",
            " 1",
            "+1",
            "-",
            "0x10",
            "604801",
            "99999999999999999999999",
        ] {
            assert!(parse_expires(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_expires("-5").unwrap_err().to_string(),
            "X-Amz-Expires must be non-negative"
        );
        assert_eq!(
            parse_expires("604801").unwrap_err().to_string(),
            "X-Amz-Expires must be less than a week (in seconds) that is 604800"
        );
    }

    #[test]
    fn credentials() {
        let (akid, scope) = parse_credential("AKID/20130524/us-east-1/s3/aws4_request")
            .ok()
            .unwrap();
        assert_eq!(akid, "AKID");
        assert_eq!(scope.to_string(), "20130524/us-east-1/s3/aws4_request");
        for bad in [
            "",
            "AKID",
            "AKID/20130524/us-east-1/s3",
            "/20130524/us-east-1/s3/aws4_request",
            "AKID/2013052/us-east-1/s3/aws4_request",
            "AKID/2013052x/us-east-1/s3/aws4_request",
            "AKID/20130524//s3/aws4_request",
            "AKID/20130524/us-east-1//aws4_request",
            "AKID/20130524/us-east-1/s3/aws4_request/x",
        ] {
            assert!(
                matches!(parse_credential(bad), Err(CredentialError::Malformed)),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_credential("AKID/20130524/us-east-1/s3/aws4_reques"),
            Err(CredentialError::Terminator(t)) if t == "aws4_reques"
        ));
    }

    #[test]
    fn payload_modes() {
        assert_eq!(
            PayloadMode::parse(b"UNSIGNED-PAYLOAD").unwrap(),
            PayloadMode::Unsigned
        );
        assert!(
            PayloadMode::parse(STREAMING_SIGNED.as_bytes())
                .unwrap()
                .is_streaming()
        );
        assert!(matches!(
            PayloadMode::parse(crate::signing::EMPTY_SHA256_HEX.as_bytes()),
            Ok(PayloadMode::Sha256(_))
        ));
        assert_eq!(
            PayloadMode::parse(STREAMING_SIGV4A_TRAILER.as_bytes()),
            Err(SigV4Error::SigV4aNotSupported)
        );
        assert!(matches!(
            PayloadMode::parse(b"unsigned-payload"),
            Err(SigV4Error::InvalidContentSha256 { .. })
        ));
        assert!(matches!(
            PayloadMode::parse(b""),
            Err(SigV4Error::InvalidContentSha256 { .. })
        ));
    }
}
