//! Object tagging: GetObjectTagging, PutObjectTagging, DeleteObjectTagging.

use axum::response::Response;
use http::StatusCode;
use rampart_engine::tagging::{MAX_OBJECT_TAGS, TagSet};

use crate::body::read_checked_body;
use crate::error::ApiError;
use crate::handlers::object::set_version_header;
use crate::response;
use crate::service::RequestCtx;
use crate::xml::tagging::Tagging;
use crate::xml::{from_body, to_document};

/// A `<Tagging>` document of 10 tags is well under this.
const MAX_TAGGING_BODY: usize = 64 * 1024;

pub async fn get_object_tagging(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let tags = ctx
        .state
        .engine
        .object_version(ctx.bucket()?, ctx.key()?.as_str(), ctx.version_id())
        .await?;
    let doc = Tagging::from_pairs(tags.tags.tags());
    let mut r = response::xml(StatusCode::OK, to_document(&doc)?);
    set_version_header(ctx, &mut r, tags.version_id.as_deref())?;
    Ok(r)
}

pub async fn put_object_tagging(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_checked_body(ctx, MAX_TAGGING_BODY).await?;
    let tagging: Tagging = from_body(&body)?;
    let tags = TagSet::new(tagging.into_pairs(), MAX_OBJECT_TAGS)?;
    // The tags in the body are the request's `s3:RequestObjectTag/…` keys: decide again with
    // them before anything is written.
    let mut keys = rampart_policy::ContextKeys::new();
    crate::authz::s3_keys::request_tag_set(&mut keys, tags.tags());
    ctx.authorize(ctx.endpoint, Some(keys)).await?;
    let version = ctx
        .state
        .engine
        .set_object_tags(ctx.bucket()?, ctx.key()?.as_str(), ctx.version_id(), tags)
        .await?;
    let mut r = response::empty(StatusCode::OK);
    set_version_header(ctx, &mut r, version.as_deref())?;
    Ok(r)
}

pub async fn delete_object_tagging(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let version = ctx
        .state
        .engine
        .set_object_tags(
            ctx.bucket()?,
            ctx.key()?.as_str(),
            ctx.version_id(),
            TagSet::default(),
        )
        .await?;
    let mut r = response::empty(StatusCode::NO_CONTENT);
    set_version_header(ctx, &mut r, version.as_deref())?;
    Ok(r)
}
