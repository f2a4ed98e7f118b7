//! Bucket CORS configuration and preflight requests.

use axum::response::Response;

use crate::error::ApiError;
use crate::service::RequestCtx;

pub async fn get_bucket_cors(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The GetBucketCors operation is not implemented.",
    ))
}

pub async fn put_bucket_cors(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The PutBucketCors operation is not implemented.",
    ))
}

pub async fn delete_bucket_cors(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The DeleteBucketCors operation is not implemented.",
    ))
}

pub async fn preflight(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The OPTIONS (CORS preflight) operation is not implemented.",
    ))
}
