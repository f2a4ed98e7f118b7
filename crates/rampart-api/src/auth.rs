//! Authentication: who signed the request (SigV4, header or presigned), and how its body is to
//! be verified. Anonymous requests pass through as `Principal::Anonymous`.

use std::time::SystemTime;

use http::request::Parts;
use rampart_iam::{Principal, TokenProblem};
use rampart_sigv4::{ChunkedDecoder, ChunkedMode, ParsedAuth, PayloadMode, RequestParts};

use crate::AppState;
use crate::authz::AuthType;
use crate::body::BodyCheck;
use crate::error::{ApiError, S3ErrorCode};

pub struct Authenticated {
    pub principal: Principal,
    pub body_check: BodyCheck,
    /// The SigV4 service the request was signed for (`s3`, `iam`, `sts`); `None` if anonymous.
    pub service: Option<String>,
    pub auth_type: AuthType,
    /// Milliseconds between the signing time and now.
    pub signature_age_ms: Option<u64>,
}

/// A request whose credentials were refused, and the service they were meant for (IAM and STS
/// word their refusals differently from S3).
pub struct AuthFailure {
    pub error: Box<ApiError>,
    pub service: Option<String>,
}

impl From<ApiError> for AuthFailure {
    fn from(error: ApiError) -> Self {
        Self {
            error: Box::new(error),
            service: None,
        }
    }
}

pub fn authenticate(state: &AppState, parts: &Parts) -> Result<Authenticated, AuthFailure> {
    authenticate_with_body(state, parts, None)
}

/// [`authenticate`] for a request whose body was read first: `body_sha256_hex` verifies the
/// signature of IAM and STS requests, which sign the body's hash without sending it.
pub fn authenticate_with_body(
    state: &AppState,
    parts: &Parts,
    body_sha256_hex: Option<&str>,
) -> Result<Authenticated, AuthFailure> {
    let mut headers: Vec<(&str, &[u8])> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    // HTTP/2 carries the host in the :authority pseudo-header, which SigV4 signs as `host`.
    let authority = parts.uri.authority().map(|a| a.as_str().to_owned());
    if !parts.headers.contains_key(http::header::HOST)
        && let Some(authority) = &authority
    {
        headers.push(("host", authority.as_bytes()));
    }
    let request = RequestParts {
        method: parts.method.as_str(),
        raw_path: parts.uri.path(),
        raw_query: parts.uri.query().unwrap_or(""),
        headers: &headers,
    };
    let Some(auth) = rampart_sigv4::parse_auth(&request).map_err(ApiError::from)? else {
        return Ok(Authenticated {
            principal: Principal::Anonymous,
            body_check: anonymous_body_check(parts)?,
            service: None,
            auth_type: AuthType::None,
            signature_age_ms: None,
        });
    };
    let service = auth.scope.service.clone();
    let fail = |error: ApiError| AuthFailure {
        error: Box::new(error),
        service: Some(service.clone()),
    };
    let unknown_key = || {
        fail(
            ApiError::new(S3ErrorCode::InvalidAccessKeyId)
                .field("AWSAccessKeyId", auth.access_key_id.clone()),
        )
    };
    let resolved = state
        .identities
        .resolve_access_key(&auth.access_key_id)
        .ok_or_else(unknown_key)?;
    if !resolved.active {
        return Err(unknown_key());
    }
    let now = SystemTime::now();
    let verified = rampart_sigv4::verify_with_body_hash(
        &request,
        &auth,
        resolved.secret.expose(),
        now,
        &state.config.region,
        body_sha256_hex,
    )
    .map_err(|e| fail(ApiError::from(e).field_if_missing("AWSAccessKeyId", &auth.access_key_id)))?;
    // The signature proves the caller holds the secret; the token then proves the session is
    // the one that secret was issued for, and that it is still valid.
    resolved
        .check_token(auth.security_token.as_deref())
        .map_err(|problem| {
            fail(token_error(
                problem,
                &auth.access_key_id,
                auth.security_token.as_deref(),
            ))
        })?;
    let auth_type = match auth.method {
        rampart_sigv4::AuthMethod::Presigned { .. } => AuthType::QueryString,
        rampart_sigv4::AuthMethod::Header => AuthType::Header,
    };
    let signature_age_ms = now
        .duration_since(auth.request_time)
        .ok()
        .map(|age| u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
    let body_check = signed_body_check(&auth, verified);
    Ok(Authenticated {
        principal: resolved.principal,
        body_check,
        service: Some(service),
        auth_type,
        signature_age_ms,
    })
}

/// S3's answer to a session token that does not go with the access key (header, presigned
/// and POST authentication alike).
pub(crate) fn token_error(
    problem: TokenProblem,
    access_key_id: &str,
    presented: Option<&str>,
) -> ApiError {
    match problem {
        TokenProblem::Expired => {
            ApiError::new(S3ErrorCode::ExpiredToken).field("Token-0", presented.unwrap_or_default())
        }
        // Temporary credentials are known only with their token: S3 answers as for a key it
        // has never seen.
        TokenProblem::Missing => {
            ApiError::new(S3ErrorCode::InvalidAccessKeyId).field("AWSAccessKeyId", access_key_id)
        }
        TokenProblem::Invalid => ApiError::new(S3ErrorCode::InvalidToken),
    }
}

fn signed_body_check(auth: &ParsedAuth, verified: rampart_sigv4::VerifiedAuth) -> BodyCheck {
    let signed = |with_trailer| {
        BodyCheck::Chunked(Box::new(ChunkedDecoder::new(ChunkedMode::Signed {
            signing_key: verified.signing_key.clone(),
            seed_signature: verified.seed_signature,
            amz_date: verified.amz_date.clone(),
            scope: verified.scope.clone(),
            with_trailer,
        })))
    };
    match auth.payload {
        PayloadMode::Sha256(hash) => BodyCheck::Sha256(hash),
        // The body was hashed before verification, so the signature has covered it.
        PayloadMode::Unsigned | PayloadMode::HashOfBody => BodyCheck::None,
        PayloadMode::StreamingSigned => signed(false),
        PayloadMode::StreamingSignedTrailer => signed(true),
        PayloadMode::StreamingUnsignedTrailer => unsigned_trailer(),
    }
}

fn unsigned_trailer() -> BodyCheck {
    BodyCheck::Chunked(Box::new(ChunkedDecoder::new(ChunkedMode::Unsigned {
        with_trailer: true,
    })))
}

/// An unsigned request may still declare its payload hash or aws-chunked framing.
fn anonymous_body_check(parts: &Parts) -> Result<BodyCheck, ApiError> {
    let Some(value) = parts.headers.get("x-amz-content-sha256") else {
        return Ok(BodyCheck::None);
    };
    let value = value.to_str().unwrap_or_default();
    match value {
        "UNSIGNED-PAYLOAD" => Ok(BodyCheck::None),
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER" => Ok(unsigned_trailer()),
        hex_hash => {
            let mut hash = [0u8; 32];
            hex::decode_to_slice(hex_hash, &mut hash).map_err(|_| {
                ApiError::invalid_argument(
                    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, or a valid sha256 value.",
                    "x-amz-content-sha256",
                    hex_hash,
                )
            })?;
            Ok(BodyCheck::Sha256(hash))
        }
    }
}

impl ApiError {
    fn field_if_missing(self, name: &'static str, value: &str) -> Self {
        if self.code == S3ErrorCode::SignatureDoesNotMatch && !self.has_field(name) {
            self.field(name, value)
        } else {
            self
        }
    }
}
