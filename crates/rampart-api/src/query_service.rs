//! Requests signed for IAM, STS or KMS: read the body (a form, or KMS's JSON), hand it to
//! `iam`, `sts` or `kms`, and word credential refusals the way those services do.

use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::request::Parts;
use sha2::{Digest, Sha256};

use crate::auth::Authenticated;
use crate::auth::authenticate_with_body;
use crate::body::{BodyCheck, read_body_limited, verified_stream};
use crate::error::{ApiError, S3ErrorCode};
use crate::query_api::{Params, QueryApiError, QueryErrorCode, Service, error_response};
use crate::{AppState, iam, kms, recording, sts};

/// The largest form accepted: a 10 KiB role policy, URL-encoded, with room to spare.
const MAX_QUERY_BODY: usize = 256 * 1024;

fn service_of(name: &str) -> Service {
    if name == "sts" {
        Service::Sts
    } else {
        Service::Iam
    }
}

/// Serves `POST /` (or `GET /?Action=…`): the body is read first, because IAM and STS sign
/// the hash of the body without sending it; then the caller is authenticated, and the
/// request goes to the service its signature names.
pub async fn handle(
    state: &Arc<AppState>,
    parts: &Parts,
    body: Body,
    request_id: &str,
    seen: &mut crate::recording::Seen,
) -> Result<Response, ApiError> {
    let stream = verified_stream(
        body,
        BodyCheck::None,
        None,
        state.config.body_idle_timeout,
        false,
    );
    let body = read_body_limited(stream, MAX_QUERY_BODY).await?;
    let body_hash = hex::encode(Sha256::digest(&body));
    let authenticated = match authenticate_with_body(state, parts, Some(&body_hash)) {
        Ok(authenticated) => authenticated,
        Err(failure) => {
            return match failure.service.as_deref() {
                Some("kms") => Ok(kms::auth_error(&failure.error).into_response()),
                Some(service @ ("iam" | "sts")) => {
                    Ok(auth_error(service_of(service), &failure.error, request_id))
                }
                _ => Err(*failure.error),
            };
        }
    };
    let kms_target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("TrentService."));
    // An unsigned KMS request is KMS's to refuse (MissingAuthenticationTokenException).
    let for_kms = match authenticated.service.as_deref() {
        Some(service) => service == "kms",
        None => kms_target,
    };
    seen.principal = Some(authenticated.principal.clone());
    seen.auth = Some(authenticated.auth_type);
    if for_kms {
        seen.service = Some(rampart_audit::Service::Kms);
        seen.operation = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .and_then(|t| t.strip_prefix("TrentService."))
            .map(str::to_owned);
        if let Some(e) = kms_body_error(&authenticated, &body) {
            return Ok(e.into_response());
        }
        tracing::Span::current().record("principal", authenticated.principal.log_name());
        let info = crate::service::request_info(&state.config.region, parts, &authenticated);
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok());
        let response = kms::handle(state, &authenticated.principal, &info, target, &body).await;
        if !state.recorder.wants_call_details() {
            return Ok(response);
        }
        seen.request_parameters = recording::parameters::kms_parameters(&body);
        let operation = seen.operation.clone().unwrap_or_default();
        return Ok(with_elements(response, seen, |body| {
            recording::parameters::kms_elements(&operation, body)
        })
        .await);
    }
    let service = match authenticated.service.as_deref() {
        Some(service @ ("iam" | "sts")) => service_of(service),
        // A POST to the service root is not an S3 operation, signed or not.
        _ => return Err(ApiError::new(S3ErrorCode::MethodNotAllowed)),
    };
    match &authenticated.body_check {
        BodyCheck::None => {}
        BodyCheck::Sha256(expected) if expected[..] == Sha256::digest(&body)[..] => {}
        BodyCheck::Sha256(_) => {
            let e = ApiError::new(S3ErrorCode::XAmzContentSHA256Mismatch);
            return Ok(auth_error(service, &e, request_id));
        }
        BodyCheck::Chunked(_) => {
            let e = QueryApiError::new(
                QueryErrorCode::InvalidQueryParameter,
                "aws-chunked bodies are not accepted by this service.",
            );
            return Ok(error_response(service, &e, request_id));
        }
    }
    let principal = authenticated.principal.clone();
    tracing::Span::current().record("principal", principal.log_name());
    let info = crate::service::request_info(&state.config.region, parts, &authenticated);
    let params = match Params::parse(&body, parts.uri.query().unwrap_or("")) {
        Ok(params) => params,
        Err(e) => return Ok(error_response(service, &e, request_id)),
    };
    seen.service = Some(match service {
        Service::Iam => rampart_audit::Service::Iam,
        Service::Sts => rampart_audit::Service::Sts,
    });
    seen.operation = params.get("Action").map(str::to_owned);
    let details = state.recorder.wants_call_details();
    if details {
        seen.request_parameters = Some(recording::parameters::query_parameters(params.iter()));
    }
    let response = match service {
        Service::Iam => iam::handle(state, &principal, &info, request_id, params).await,
        Service::Sts => sts::handle(state, &principal, &info, request_id, params).await,
    };
    if !details {
        return Ok(response);
    }
    Ok(with_elements(response, seen, recording::parameters::query_elements).await)
}

/// The largest answer whose result the audit trail records (IAM, STS and KMS answers are a
/// few KiB, a full IAM listing some hundreds; a longer one is recorded without its result).
const MAX_RECORDED_RESULT: usize = 4 << 20;

/// Notes a successful answer's result for the audit trail (`elements` reads it from the body)
/// and hands the answer on unchanged.
async fn with_elements(
    response: Response,
    seen: &mut crate::recording::Seen,
    elements: impl FnOnce(&[u8]) -> Option<serde_json::Value>,
) -> Response {
    // Only a whole answer already in memory is read (every IAM, STS and KMS answer is).
    let size = http_body::Body::size_hint(response.body()).exact();
    if !response.status().is_success() || size.is_none_or(|n| n > MAX_RECORDED_RESULT as u64) {
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_RECORDED_RESULT).await {
        Ok(bytes) => {
            seen.response_elements = elements(&bytes);
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read an answer to record its result");
            Response::from_parts(parts, Body::empty())
        }
    }
}

/// A KMS request whose body does not match its signature, or comes aws-chunked.
fn kms_body_error(authenticated: &Authenticated, body: &[u8]) -> Option<kms::KmsApiError> {
    match &authenticated.body_check {
        BodyCheck::None => None,
        BodyCheck::Sha256(expected) if expected[..] == Sha256::digest(body)[..] => None,
        BodyCheck::Sha256(_) => Some(kms::auth_error(&ApiError::new(
            S3ErrorCode::XAmzContentSHA256Mismatch,
        ))),
        BodyCheck::Chunked(_) => Some(kms::KmsApiError::serialization(
            "aws-chunked bodies are not accepted by this service.",
        )),
    }
}

/// A refused credential, in IAM's or STS's words.
fn auth_error(service: Service, err: &ApiError, request_id: &str) -> Response {
    error_response(service, &from_api_error(err), request_id)
}

fn from_api_error(err: &ApiError) -> QueryApiError {
    use QueryErrorCode as C;
    match err.code {
        S3ErrorCode::InvalidAccessKeyId | S3ErrorCode::InvalidToken => QueryApiError::new(
            C::InvalidClientTokenId,
            "The security token included in the request is invalid.",
        ),
        S3ErrorCode::ExpiredToken => QueryApiError::new(
            C::ExpiredToken,
            "The security token included in the request is expired",
        ),
        S3ErrorCode::SignatureDoesNotMatch => QueryApiError::new(
            C::SignatureDoesNotMatch,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ),
        S3ErrorCode::RequestTimeTooSkewed => QueryApiError::new(
            C::SignatureDoesNotMatch,
            "Signature expired: the request time is too far from the server's time.",
        ),
        S3ErrorCode::InternalError => {
            QueryApiError::internal(err.detail.clone().unwrap_or_default())
        }
        _ => QueryApiError::new(C::InvalidInput, err.message.clone()),
    }
}
