//! GetObjectAttributes.

use axum::response::Response;

use crate::error::ApiError;
use crate::service::RequestCtx;

pub async fn get_object_attributes(_ctx: &RequestCtx) -> Result<Response, ApiError> {
    Err(ApiError::not_implemented(
        "The GetObjectAttributes operation is not implemented.",
    ))
}
