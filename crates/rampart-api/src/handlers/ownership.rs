//! Object Ownership: Put/Get/DeleteBucketOwnershipControls. The setting decides who owns new
//! objects and whether ACLs apply (`rampart_engine::acl::ObjectOwnership`).

use axum::response::Response;
use http::StatusCode;
use rampart_engine::BucketConfigKind;
use rampart_engine::acl::ObjectOwnership;

use super::bucket_tagging::read_config_body;
use crate::error::{ApiError, S3ErrorCode};
use crate::response;
use crate::service::RequestCtx;
use crate::xml::ownership::OwnershipControlsXml;
use crate::xml::{from_body, to_document};

/// One rule with one short value; anything much larger is not one.
const MAX_OWNERSHIP_CONTROLS_BODY: usize = 8 * 1024;

pub async fn put_bucket_ownership_controls(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_config_body(ctx, MAX_OWNERSHIP_CONTROLS_BODY).await?;
    let ownership = from_body::<OwnershipControlsXml>(&body)?.ownership()?;
    ctx.state
        .engine
        .put_bucket_config(
            ctx.bucket()?,
            BucketConfigKind::OwnershipControls,
            &ownership,
        )
        .await?;
    Ok(response::empty(StatusCode::OK))
}

pub async fn get_bucket_ownership_controls(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let ownership: ObjectOwnership = ctx
        .state
        .engine
        .bucket_config(bucket, BucketConfigKind::OwnershipControls)
        .await?
        .ok_or_else(|| {
            ApiError::new(S3ErrorCode::OwnershipControlsNotFoundError)
                .field("BucketName", bucket.as_str())
        })?;
    let doc = to_document(&OwnershipControlsXml::new(ownership))?;
    Ok(response::xml(StatusCode::OK, doc))
}

pub async fn delete_bucket_ownership_controls(ctx: &RequestCtx) -> Result<Response, ApiError> {
    ctx.state
        .engine
        .delete_bucket_config(ctx.bucket()?, BucketConfigKind::OwnershipControls)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}
