//! CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.

use axum::response::Response;
use http::StatusCode;
use rampart_engine::acl::{Acl, AclTarget, ObjectOwnership, check_acl_allowed};

use super::acl::acl_request_from_headers;
use rampart_engine::{BucketConfigKind, CreateBucketOutcome, Engine, PublicAccessBlock};

use crate::body::read_body_limited;
use crate::error::{ApiError, S3ErrorCode};
use crate::headers;
use crate::response;
use crate::service::RequestCtx;
use crate::xml::bucket::{CreateBucketConfiguration, LocationConstraint};
use crate::xml::{from_body, to_document};

/// CreateBucketConfiguration is a few hundred bytes; anything far larger is not one.
const MAX_CREATE_BUCKET_BODY: usize = 64 * 1024;

pub async fn create_bucket(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?.clone();
    let ownership = match headers::get(&ctx.headers, "x-amz-object-ownership")? {
        None => ObjectOwnership::BucketOwnerEnforced,
        Some(raw) => ObjectOwnership::parse(raw.trim()).ok_or_else(|| {
            ApiError::invalid_argument(
                "Invalid x-amz-object-ownership header",
                "x-amz-object-ownership",
                raw,
            )
        })?,
    };
    let acl_request = acl_request_from_headers(&ctx.headers)?;
    let owner = ctx.owner()?;
    if check_acl_allowed(ownership, acl_request.as_ref(), &owner, AclTarget::Bucket).is_err() {
        return Err(ApiError::new(
            S3ErrorCode::InvalidBucketAclWithObjectOwnership,
        ));
    }
    let acl = match &acl_request {
        Some(request) if ownership.acls_enabled() => {
            Some(request.resolve(&owner, &owner, AclTarget::Bucket)?)
        }
        _ => None,
    };
    // A new bucket blocks public ACLs (BlockPublicAcls is among the defaults below).
    if acl.as_ref().is_some_and(Acl::is_public) {
        return Err(ApiError::with_message(
            S3ErrorCode::AccessDenied,
            "Access Denied: a new bucket blocks public ACLs (Block Public Access is on by default).",
        ));
    }

    let object_lock = object_lock_requested(ctx).await?;

    let body = read_body_limited(ctx.take_body(None), MAX_CREATE_BUCKET_BODY).await?;
    let region = ctx.state.engine.region().to_owned();
    if !body.iter().all(u8::is_ascii_whitespace) {
        let config: CreateBucketConfiguration = from_body(&body)?;
        match config.location_constraint.as_deref().map(str::trim) {
            None | Some("") => {}
            // On us-east-1, naming the region explicitly is itself an error.
            Some(lc) if lc == region && region == "us-east-1" => {
                return Err(ApiError::new(S3ErrorCode::InvalidLocationConstraint)
                    .field("LocationConstraint", lc));
            }
            Some(lc) if lc == region => {}
            Some(lc) => {
                return Err(ApiError::with_message(
                    S3ErrorCode::IllegalLocationConstraintException,
                    format!(
                        "The {lc} location constraint is incompatible for the region specific endpoint this request was sent to."
                    ),
                ));
            }
        }
    } else if region != "us-east-1" {
        // Outside us-east-1, S3 requires the constraint to name the endpoint's region.
        return Err(ApiError::with_message(
            S3ErrorCode::IllegalLocationConstraintException,
            "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
        ));
    }

    // Every new bucket blocks public access, as on S3 since April 2023; the owner may lift it
    // with PutPublicAccessBlock / DeletePublicAccessBlock.
    // Every new bucket has ACLs disabled (BucketOwnerEnforced) unless the request chooses
    // otherwise, as on S3 since April 2023.
    let mut defaults = vec![
        (
            BucketConfigKind::PublicAccessBlock,
            PublicAccessBlock::ALL.encoded()?,
        ),
        (
            BucketConfigKind::OwnershipControls,
            Engine::encode_bucket_config(&ownership)?,
        ),
    ];
    if let Some(acl) = &acl {
        defaults.push((BucketConfigKind::Acl, Engine::encode_bucket_config(acl)?));
    }
    match ctx
        .state
        .engine
        .create_bucket_with_configs(&bucket, &owner, &defaults, object_lock)
        .await?
    {
        CreateBucketOutcome::Created | CreateBucketOutcome::AlreadyOwnedLegacyOk => {}
    }
    let mut r = response::empty(StatusCode::OK);
    response::set(&mut r, "location", &format!("/{bucket}"))?;
    Ok(r)
}

/// `x-amz-bucket-object-lock-enabled: true`: the new bucket has Object Lock, and so
/// versioning, which takes s3:PutBucketObjectLockConfiguration and s3:PutBucketVersioning
/// besides s3:CreateBucket.
async fn object_lock_requested(ctx: &RequestCtx) -> Result<bool, ApiError> {
    let requested = match crate::headers::get(&ctx.headers, "x-amz-bucket-object-lock-enabled")? {
        None => false,
        Some(v) if v.trim().eq_ignore_ascii_case("true") => true,
        Some(v) if v.trim().eq_ignore_ascii_case("false") => false,
        Some(v) => {
            return Err(ApiError::invalid_argument(
                "Invalid value for x-amz-bucket-object-lock-enabled",
                "x-amz-bucket-object-lock-enabled",
                v,
            ));
        }
    };
    if requested {
        crate::authz::authorize_s3_actions(
            &ctx.state,
            &ctx.principal,
            &ctx.info,
            &ctx.s3_access(ctx.endpoint),
            &[
                "s3:PutBucketObjectLockConfiguration",
                "s3:PutBucketVersioning",
            ],
            crate::authz::s3_actions::ResourceKind::Bucket,
            None,
        )
        .await?;
    }
    Ok(requested)
}

pub async fn head_bucket(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let record = ctx
        .bucket_record
        .as_ref()
        .ok_or_else(|| ApiError::internal("bucket record not loaded"))?;
    let mut r = response::empty(StatusCode::OK);
    response::set(&mut r, "x-amz-bucket-region", &record.region)?;
    response::set(&mut r, "x-amz-access-point-alias", "false")?;
    Ok(r)
}

pub async fn delete_bucket(ctx: &RequestCtx) -> Result<Response, ApiError> {
    ctx.state.engine.delete_bucket(ctx.bucket()?).await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}

pub async fn get_bucket_location(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let record = ctx
        .bucket_record
        .as_ref()
        .ok_or_else(|| ApiError::internal("bucket record not loaded"))?;
    let doc = to_document(&LocationConstraint::for_region(&record.region))?;
    Ok(response::xml(StatusCode::OK, doc))
}
