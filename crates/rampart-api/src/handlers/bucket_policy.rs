//! Bucket policies: PutBucketPolicy (validated by the policy engine), GetBucketPolicy and
//! DeleteBucketPolicy. The authorizer reads them through `authz::BucketPolicies`.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use rampart_engine::BucketConfigKind;
use rampart_policy::{Policy, PolicyKind, limits};

use crate::body::read_body_limited;
use crate::error::{ApiError, S3ErrorCode};
use crate::response;
use crate::service::RequestCtx;

/// Read a little past the limit so that an oversized policy is told so, not cut off.
const MAX_POLICY_BODY: usize = limits::BUCKET_POLICY + 1;

pub async fn put_bucket_policy(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let body = read_body_limited(ctx.take_body(None), MAX_POLICY_BODY)
        .await
        .map_err(|e| match e.code {
            S3ErrorCode::MaxMessageLengthExceeded | S3ErrorCode::EntityTooLarge => {
                ApiError::new(S3ErrorCode::PolicyTooLarge)
            }
            _ => e,
        })?;
    if let Some(expected) = crate::headers::content_md5(&ctx.headers)?
        && rampart_engine::Md5::digest(&body) != expected
    {
        return Err(ApiError::new(S3ErrorCode::BadDigest));
    }
    if body.len() > limits::BUCKET_POLICY {
        return Err(ApiError::new(S3ErrorCode::PolicyTooLarge));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::new(S3ErrorCode::MalformedPolicy))?
        .to_owned();
    if !text.trim_start().starts_with('{') {
        return Err(ApiError::new(S3ErrorCode::MalformedPolicy));
    }
    let policy = Policy::parse(&text, PolicyKind::Resource)
        .map_err(|e| ApiError::with_message(S3ErrorCode::MalformedPolicy, e.message))?;
    check_resources_in_bucket(&policy, bucket.as_str())?;
    super::public_access::check_policy_allowed(&ctx.state.engine, ctx, policy.is_public()).await?;
    ctx.state
        .engine
        .put_bucket_config(bucket, BucketConfigKind::Policy, &text)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}

pub async fn get_bucket_policy(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let text: Option<String> = ctx
        .state
        .engine
        .bucket_config(bucket, BucketConfigKind::Policy)
        .await?;
    let text = text.ok_or_else(|| {
        ApiError::new(S3ErrorCode::NoSuchBucketPolicy).field("BucketName", bucket.as_str())
    })?;
    let mut response = Response::new(Body::from(text));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

pub async fn delete_bucket_policy(ctx: &RequestCtx) -> Result<Response, ApiError> {
    ctx.state
        .engine
        .delete_bucket_config(ctx.bucket()?, BucketConfigKind::Policy)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}

/// "Policy has invalid resource": every Resource of a bucket policy must name this bucket or
/// objects in it.
fn check_resources_in_bucket(policy: &Policy, bucket: &str) -> Result<(), ApiError> {
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let objects_prefix = format!("{bucket_arn}/");
    for resource in policy.resource_patterns() {
        let fixed = resource
            .find(['*', '?'])
            .map_or(resource, |at| &resource[..at]);
        let wildcard = fixed.len() < resource.len();
        let names_bucket = resource == bucket_arn
            || resource.starts_with(&objects_prefix)
            || (wildcard && (bucket_arn.starts_with(fixed) || fixed.starts_with(&objects_prefix)));
        if !names_bucket {
            return Err(ApiError::with_message(
                S3ErrorCode::MalformedPolicy,
                "Policy has invalid resource",
            ));
        }
    }
    Ok(())
}
