//! Bucket tagging: PutBucketTagging, GetBucketTagging, DeleteBucketTagging.

use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use rampart_engine::BucketConfigKind;
use rampart_engine::tagging::{MAX_BUCKET_TAGS, TagSet};

use crate::body::read_checked_body;
use crate::error::{ApiError, S3ErrorCode};
use crate::response;
use crate::service::RequestCtx;
use crate::xml::tagging::Tagging;
use crate::xml::{from_body, to_document};

/// 50 tags of 128 + 256 characters, four UTF-8 bytes each at worst, with the markup.
const MAX_TAGGING_BODY: usize = 256 * 1024;

pub async fn put_bucket_tagging(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_config_body(ctx, MAX_TAGGING_BODY).await?;
    let pairs = from_body::<Tagging>(&body)?.into_pairs();
    // S3 counts a bucket's tags before it looks at them, with its own code and message.
    if pairs.len() > MAX_BUCKET_TAGS {
        return Err(ApiError::with_message(
            S3ErrorCode::BadRequest,
            format!("Bucket tag count cannot be greater than {MAX_BUCKET_TAGS}"),
        ));
    }
    let tags = TagSet::new(pairs, MAX_BUCKET_TAGS)?;
    let engine = &ctx.state.engine;
    let bucket = ctx.bucket()?;
    // An empty tag set leaves the bucket without one: GetBucketTagging then says NoSuchTagSet.
    if tags.is_empty() {
        engine
            .delete_bucket_config(bucket, BucketConfigKind::Tagging)
            .await?;
    } else {
        engine
            .put_bucket_config(bucket, BucketConfigKind::Tagging, &tags)
            .await?;
    }
    Ok(response::empty(StatusCode::NO_CONTENT))
}

pub async fn get_bucket_tagging(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let tags: Option<TagSet> = ctx
        .state
        .engine
        .bucket_config(bucket, BucketConfigKind::Tagging)
        .await?;
    let tags = tags.ok_or_else(|| {
        ApiError::new(S3ErrorCode::NoSuchTagSet).field("BucketName", bucket.as_str())
    })?;
    let doc = to_document(&Tagging::from_pairs(tags.tags()))?;
    Ok(response::xml(StatusCode::OK, doc))
}

pub async fn delete_bucket_tagging(ctx: &RequestCtx) -> Result<Response, ApiError> {
    ctx.state
        .engine
        .delete_bucket_config(ctx.bucket()?, BucketConfigKind::Tagging)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}

/// A configuration document: integrity-checked (S3 requires `Content-MD5` or a flexible
/// checksum on these PUTs) and not empty. Shared with the CORS handlers.
pub(super) async fn read_config_body(ctx: &RequestCtx, limit: usize) -> Result<Bytes, ApiError> {
    let body = read_checked_body(ctx, limit).await?;
    if body.is_empty() {
        return Err(ApiError::new(S3ErrorCode::MissingRequestBodyError));
    }
    Ok(body)
}
