//! Block Public Access: the bucket's settings (Put/Get/DeletePublicAccessBlock), the account's
//! (S3 Control's Put/Get/DeletePublicAccessBlock with `x-amz-account-id`), and
//! GetBucketPolicyStatus. The settings take effect in PutBucketPolicy (BlockPublicPolicy) and
//! in `authz::BucketPolicies::applicable` (RestrictPublicBuckets).

use axum::response::Response;
use http::StatusCode;
use rampart_engine::{BucketConfigKind, Engine, PublicAccessBlock};
use rampart_types::AccountId;

use super::bucket_tagging::read_config_body;
use crate::error::{ApiError, S3ErrorCode};
use crate::response;
use crate::service::RequestCtx;
use crate::xml::public_access::{PolicyStatusXml, PublicAccessBlockXml};
use crate::xml::{S3_NAMESPACE, from_body, to_document};

/// The document is four booleans; anything much larger is not one.
const MAX_PUBLIC_ACCESS_BLOCK_BODY: usize = 8 * 1024;

fn not_configured() -> ApiError {
    ApiError::new(S3ErrorCode::NoSuchPublicAccessBlockConfiguration)
}

async fn read_settings(ctx: &RequestCtx) -> Result<PublicAccessBlock, ApiError> {
    let body = read_config_body(ctx, MAX_PUBLIC_ACCESS_BLOCK_BODY).await?;
    Ok(from_body::<PublicAccessBlockXml>(&body)?.into())
}

pub async fn put_public_access_block(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let settings = read_settings(ctx).await?;
    ctx.state
        .engine
        .put_bucket_config(
            ctx.bucket()?,
            BucketConfigKind::PublicAccessBlock,
            &settings,
        )
        .await?;
    Ok(response::empty(StatusCode::OK))
}

pub async fn get_public_access_block(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let settings: PublicAccessBlock = ctx
        .state
        .engine
        .bucket_config(bucket, BucketConfigKind::PublicAccessBlock)
        .await?
        .ok_or_else(|| not_configured().field("BucketName", bucket.as_str()))?;
    let doc = to_document(&PublicAccessBlockXml::bucket(&settings))?;
    Ok(response::xml(StatusCode::OK, doc))
}

pub async fn delete_public_access_block(ctx: &RequestCtx) -> Result<Response, ApiError> {
    ctx.state
        .engine
        .delete_bucket_config(ctx.bucket()?, BucketConfigKind::PublicAccessBlock)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}

pub async fn get_bucket_policy_status(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let (_, public) = ctx
        .state
        .bucket_policies
        .get(&ctx.state.engine, bucket)
        .await?
        .ok_or_else(|| {
            ApiError::new(S3ErrorCode::NoSuchBucketPolicy).field("BucketName", bucket.as_str())
        })?;
    let doc = to_document(&PolicyStatusXml {
        xmlns: S3_NAMESPACE,
        is_public: public,
    })?;
    Ok(response::xml(StatusCode::OK, doc))
}

/// The account an S3 Control request names in `x-amz-account-id`: it must be the caller's
/// own (an account's settings are its own business).
fn named_account(ctx: &RequestCtx) -> Result<AccountId, ApiError> {
    let raw = crate::headers::get(&ctx.headers, "x-amz-account-id")?.unwrap_or_default();
    let named = AccountId::parse(raw).ok_or_else(|| {
        ApiError::invalid_argument("Invalid account id.", "x-amz-account-id", raw)
    })?;
    match ctx.principal.account() {
        Some(account) if account.id == named => Ok(named),
        _ => Err(ApiError::new(S3ErrorCode::AccessDenied)),
    }
}

pub async fn put_account_public_access_block(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let account = named_account(ctx)?;
    let settings = read_settings(ctx).await?;
    ctx.state
        .engine
        .set_account_public_access_block(&account, Some(&settings))
        .await?;
    Ok(response::empty(StatusCode::OK))
}

pub async fn get_account_public_access_block(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let account = named_account(ctx)?;
    let settings = ctx
        .state
        .engine
        .account_public_access_block(&account)
        .await?
        .ok_or_else(not_configured)?;
    let doc = to_document(&PublicAccessBlockXml::account(&settings))?;
    Ok(response::xml(StatusCode::OK, doc))
}

pub async fn delete_account_public_access_block(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let account = named_account(ctx)?;
    ctx.state
        .engine
        .set_account_public_access_block(&account, None)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}

/// BlockPublicPolicy: a public policy may not be put on a bucket whose effective settings
/// block public policies ("Amazon S3 rejects calls to PUT Bucket policy if the specified bucket
/// policy allows public access").
pub async fn check_policy_allowed(
    engine: &Engine,
    ctx: &RequestCtx,
    public: bool,
) -> Result<(), ApiError> {
    if !public {
        return Ok(());
    }
    let record = ctx
        .bucket_record
        .as_ref()
        .ok_or_else(|| ApiError::internal("bucket record not loaded"))?;
    let settings = engine
        .effective_public_access_block(ctx.bucket()?, &record.owner.account_id)
        .await?;
    if settings.block_public_policy {
        return Err(ApiError::with_message(
            S3ErrorCode::AccessDenied,
            "Access Denied: the bucket policy allows public access, and Block Public Access (BlockPublicPolicy) is on for this bucket or its account.",
        ));
    }
    Ok(())
}
