//! Multipart uploads.

use axum::response::Response;

use crate::error::ApiError;
use crate::service::RequestCtx;

pub async fn create_multipart_upload(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The CreateMultipartUpload operation is not implemented.",
    ))
}

pub async fn upload_part(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The UploadPart operation is not implemented.",
    ))
}

pub async fn upload_part_copy(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The UploadPartCopy operation is not implemented.",
    ))
}

pub async fn complete_multipart_upload(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The CompleteMultipartUpload operation is not implemented.",
    ))
}

pub async fn abort_multipart_upload(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The AbortMultipartUpload operation is not implemented.",
    ))
}

pub async fn list_parts(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The ListParts operation is not implemented.",
    ))
}

pub async fn list_multipart_uploads(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The ListMultipartUploads operation is not implemented.",
    ))
}
