//! Server access logging configuration: Put/GetBucketLogging.

use axum::response::Response;
use http::StatusCode;

use super::bucket_tagging::read_config_body;
use crate::error::ApiError;
use crate::response;
use crate::service::RequestCtx;
use crate::xml::logging::BucketLoggingStatusXml;
use crate::xml::{from_body, to_document};

/// A BucketLoggingStatus with a hundred target grants is well under this.
const MAX_LOGGING_BODY: usize = 64 * 1024;

pub async fn get_bucket_logging(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let record = ctx.state.engine.bucket(ctx.bucket()?).await?;
    let doc = BucketLoggingStatusXml::from(record.logging.as_ref());
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}

pub async fn put_bucket_logging(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_config_body(ctx, MAX_LOGGING_BODY).await?;
    let logging = from_body::<BucketLoggingStatusXml>(&body)?.into_logging()?;
    ctx.state
        .engine
        .set_bucket_logging(ctx.bucket()?, logging)
        .await?;
    Ok(response::empty(StatusCode::OK))
}
