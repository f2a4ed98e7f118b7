//! Browser uploads (POST Object).

use axum::response::Response;

use crate::error::ApiError;
use crate::service::RequestCtx;

pub async fn post_object(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The PostObject operation is not implemented.",
    ))
}
