//! Bucket tagging.

use axum::response::Response;

use crate::error::ApiError;
use crate::service::RequestCtx;

pub async fn get_bucket_tagging(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The GetBucketTagging operation is not implemented.",
    ))
}

pub async fn put_bucket_tagging(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The PutBucketTagging operation is not implemented.",
    ))
}

pub async fn delete_bucket_tagging(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The DeleteBucketTagging operation is not implemented.",
    ))
}
