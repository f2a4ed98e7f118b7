//! Object tagging.

use axum::response::Response;

use crate::error::ApiError;
use crate::service::RequestCtx;

pub async fn get_object_tagging(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The GetObjectTagging operation is not implemented.",
    ))
}

pub async fn put_object_tagging(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The PutObjectTagging operation is not implemented.",
    ))
}

pub async fn delete_object_tagging(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The DeleteObjectTagging operation is not implemented.",
    ))
}
