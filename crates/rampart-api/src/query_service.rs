//! Requests signed for IAM or STS: read the form body, hand it to `iam` or `sts`, and word
//! credential refusals the way those services do.

use std::sync::Arc;

use axum::response::Response;
use rampart_iam::Principal;
use rampart_store::ByteStream;

use crate::authz::RequestInfo;
use crate::body::read_body_limited;
use crate::error::{ApiError, S3ErrorCode};
use crate::query_api::{Params, QueryApiError, QueryErrorCode, Service, error_response};
use crate::{AppState, iam, sts};

/// The largest form accepted: a 10 KiB role policy, URL-encoded, with room to spare.
const MAX_QUERY_BODY: usize = 256 * 1024;

fn service_of(name: &str) -> Service {
    if name == "sts" {
        Service::Sts
    } else {
        Service::Iam
    }
}

pub async fn serve(
    state: &Arc<AppState>,
    service: &str,
    principal: &Principal,
    info: &RequestInfo,
    raw_query: &str,
    body: ByteStream,
    request_id: &str,
) -> Response {
    let service = service_of(service);
    let body = match read_body_limited(body, MAX_QUERY_BODY).await {
        Ok(body) => body,
        Err(e) => return error_response(service, &from_api_error(&e), request_id),
    };
    let params = match Params::parse(&body, raw_query) {
        Ok(params) => params,
        Err(e) => return error_response(service, &e, request_id),
    };
    match service {
        Service::Iam => iam::handle(state, principal, info, request_id, params).await,
        Service::Sts => sts::handle(state, principal, info, request_id, params).await,
    }
}

/// A refused credential, in IAM's or STS's words.
pub fn auth_error(service: &str, err: &ApiError, request_id: &str) -> Response {
    error_response(service_of(service), &from_api_error(err), request_id)
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
