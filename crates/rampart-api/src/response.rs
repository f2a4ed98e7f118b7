//! Building responses.

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode, header};

use crate::error::ApiError;

pub fn xml(status: StatusCode, document: Bytes) -> Response {
    let mut r = Response::new(Body::from(document));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    r
}

pub fn empty(status: StatusCode) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

/// Sets a header from a string; values that cannot be HTTP header values are an internal error
/// (they come from stored records that were validated on the way in).
pub fn set(r: &mut Response, name: &'static str, value: &str) -> Result<(), ApiError> {
    let value = HeaderValue::from_str(value)
        .map_err(|_| ApiError::internal(format!("invalid value for header {name}")))?;
    r.headers_mut().insert(HeaderName::from_static(name), value);
    Ok(())
}
