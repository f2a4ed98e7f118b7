//! Verifying a parsed request against the caller's secret, clock and region.

use std::time::{Duration, SystemTime};

use crate::auth::{AuthMethod, ParsedAuth, UNSIGNED_PAYLOAD, payload_hash_value};
use crate::canonical::CanonicalRequest;
use crate::datetime::{abs_diff, format_iso8601};
use crate::error::SigV4Error;
use crate::request::RequestParts;
use crate::signing::{
    CredentialScope, SigningKey, parse_signature_hex, signatures_equal, string_to_sign,
};

/// How far a header-signed request's time may be from the server's, and how far in the
/// future a presigned URL may start: S3's 15 minutes.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// A verified request: what the caller needs to decode a signed aws-chunked body.
#[derive(Debug, Clone)]
pub struct VerifiedAuth {
    pub signing_key: SigningKey,
    /// The request signature: the first chunk's "previous signature".
    pub seed_signature: [u8; 32],
    pub amz_date: String,
    pub scope: CredentialScope,
}

/// Verifies `auth` (from [`crate::parse_auth`] on the same `req`) with the access key's
/// secret, the server clock and the region this server answers for. The service in the
/// scope is not checked: the server dispatches on it.
pub fn verify(
    req: &RequestParts<'_>,
    auth: &ParsedAuth,
    secret_access_key: &str,
    now: SystemTime,
    expected_region: &str,
) -> Result<VerifiedAuth, SigV4Error> {
    verify_with_body_hash(req, auth, secret_access_key, now, expected_region, None)
}

/// [`verify`] for a request whose body has been read: `body_sha256_hex` is the lowercase hex
/// SHA-256 of the body, the payload line of a request in [`PayloadMode::HashOfBody`] mode
/// (which `verify` alone rejects as unsigned).
///
/// [`PayloadMode::HashOfBody`]: crate::PayloadMode::HashOfBody
pub fn verify_with_body_hash(
    req: &RequestParts<'_>,
    auth: &ParsedAuth,
    secret_access_key: &str,
    now: SystemTime,
    expected_region: &str,
    body_sha256_hex: Option<&str>,
) -> Result<VerifiedAuth, SigV4Error> {
    let presigned = matches!(auth.method, AuthMethod::Presigned { .. });
    if auth.scope.region != expected_region {
        return Err(wrong_region(&auth.scope.region, expected_region, presigned));
    }
    check_time(auth, now)?;
    if presigned {
        check_all_amz_headers_signed(req, &auth.signed_headers)?;
    }

    // The payload line is what the client sent; presigned URLs without it sign none.
    let payload_hash = match (payload_hash_value(req, presigned)?, auth.payload) {
        (Some(v), _) => String::from_utf8_lossy(&v).into_owned(),
        (None, crate::PayloadMode::HashOfBody) => body_sha256_hex
            .ok_or(SigV4Error::MissingContentSha256)?
            .to_owned(),
        (None, _) => UNSIGNED_PAYLOAD.to_owned(),
    };
    let canonical = CanonicalRequest::new(req, &auth.signed_headers, &payload_hash, presigned);
    let sts = string_to_sign(&auth.amz_date, &auth.scope, canonical.as_bytes());
    let signing_key = SigningKey::derive(secret_access_key, &auth.scope);
    let calculated = signing_key.sign(sts.as_bytes());

    // A provided signature that is not 64 hex digits simply does not match.
    let provided = parse_signature_hex(&auth.signature).unwrap_or([0; 32]);
    let well_formed = auth.signature.len() == 64;
    if !(signatures_equal(&calculated, &provided) && well_formed) {
        return Err(SigV4Error::SignatureDoesNotMatch {
            access_key_id: auth.access_key_id.clone(),
            signature_provided: auth.signature.clone(),
            string_to_sign: sts,
            canonical_request: canonical.to_string_lossy(),
        });
    }
    Ok(VerifiedAuth {
        signing_key,
        seed_signature: calculated,
        amz_date: auth.amz_date.clone(),
        scope: auth.scope.clone(),
    })
}

fn wrong_region(got: &str, expected: &str, presigned: bool) -> SigV4Error {
    let detail = format!("the region '{got}' is wrong; expecting '{expected}'");
    let region = Some(expected.to_owned());
    if presigned {
        SigV4Error::AuthorizationQueryParametersError {
            message: format!("Error parsing the X-Amz-Credential parameter; {detail}"),
            region,
        }
    } else {
        SigV4Error::AuthorizationHeaderMalformed {
            message: format!("The authorization header is malformed; {detail}"),
            region,
        }
    }
}

fn check_time(auth: &ParsedAuth, now: SystemTime) -> Result<(), SigV4Error> {
    match auth.method {
        AuthMethod::Header => {
            if abs_diff(now, auth.request_time) > MAX_CLOCK_SKEW {
                return Err(SigV4Error::RequestTimeTooSkewed {
                    request_time: auth.amz_date.clone(),
                    server_time: format_iso8601(now),
                    max_allowed_skew_ms: 900_000,
                });
            }
        }
        AuthMethod::Presigned { expires_secs } => {
            if auth.request_time > now && abs_diff(auth.request_time, now) > MAX_CLOCK_SKEW {
                return Err(SigV4Error::RequestNotYetValid {
                    request_time: auth.amz_date.clone(),
                    server_time: format_iso8601(now),
                });
            }
            let expiry = auth
                .request_time
                .checked_add(Duration::from_secs(expires_secs));
            if expiry.is_none_or(|e| now > e) {
                return Err(SigV4Error::RequestExpired {
                    x_amz_expires: expires_secs,
                    expires: expiry.map_or_else(String::new, format_iso8601),
                    server_time: format_iso8601(now),
                });
            }
        }
    }
    Ok(())
}

/// A presigned URL must sign every `x-amz-*` header it is sent with, or anyone holding the
/// URL could add, say, `x-amz-acl` or `x-amz-copy-source`. `x-amz-content-sha256` is
/// exempt: its value is the canonical request's payload line, so it is covered anyway.
fn check_all_amz_headers_signed(
    req: &RequestParts<'_>,
    signed: &[String],
) -> Result<(), SigV4Error> {
    let mut unsigned: Vec<String> = req
        .headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .filter(|name| name.starts_with("x-amz-") && name != "x-amz-content-sha256")
        .filter(|name| !signed.iter().any(|s| s == name))
        .collect();
    if unsigned.is_empty() {
        return Ok(());
    }
    unsigned.sort_unstable();
    unsigned.dedup();
    Err(SigV4Error::HeadersNotSigned { headers: unsigned })
}
