//! ACLs: GetBucketAcl, PutBucketAcl, GetObjectAcl, PutObjectAcl, and the checks every request
//! that sets an ACL (CreateBucket, PutObject, CopyObject, CreateMultipartUpload, POST Object)
//! shares: ACLs must be enabled by the bucket's Object Ownership, and Block Public Access
//! (BlockPublicAcls) refuses public ones.

use axum::response::Response;
use http::{HeaderMap, StatusCode};
use rampart_engine::BucketConfigKind;
use rampart_engine::acl::{Acl, AclRequest, AclTarget, GrantHeaders, ObjectOwnership};
use rampart_types::Owner;

use crate::body::{read_body_limited, read_checked_body};
use crate::error::{ApiError, S3ErrorCode};
use crate::response;
use crate::service::RequestCtx;
use crate::xml::acl::{AccessControlPolicy, parse_policy};
use crate::xml::to_document;

/// An AccessControlPolicy holds at most 100 grants of a few hundred bytes each.
const MAX_ACL_BODY: usize = 64 * 1024;

/// The ACL a request's `x-amz-acl` or `x-amz-grant-*` headers ask for, if any.
pub(crate) fn acl_request_from_headers(
    headers: &HeaderMap,
) -> Result<Option<AclRequest>, ApiError> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let canned = get("x-amz-acl");
    let grants = GrantHeaders::from_lookup(get);
    Ok(AclRequest::from_headers(canned, grants)?)
}

/// BlockPublicAcls: "PUT Bucket acl and PUT Object acl calls fail if the specified ACL is
/// public", and so do PUT Object calls that carry one.
pub(crate) async fn check_public_acl(
    ctx: &RequestCtx,
    bucket_owner: &Owner,
    acl: &Acl,
) -> Result<(), ApiError> {
    if !acl.is_public() {
        return Ok(());
    }
    let settings = ctx
        .state
        .engine
        .effective_public_access_block(ctx.bucket()?, &bucket_owner.account_id)
        .await?;
    if settings.block_public_acls {
        return Err(ApiError::with_message(
            S3ErrorCode::AccessDenied,
            "Access Denied: the ACL is public, and Block Public Access (BlockPublicAcls) is on for this bucket or its account.",
        ));
    }
    Ok(())
}

/// What a write that may carry an ACL resolves to: who owns the new object, and the ACL to
/// store (`None`: private to its owner, or ACLs are disabled).
pub(crate) struct ObjectAclDecision {
    pub owner: Owner,
    pub acl: Option<Acl>,
}

/// The ownership and ACL checks of a write that creates an object, from its headers.
pub(crate) async fn object_acl_from_headers(
    ctx: &RequestCtx,
    headers: &HeaderMap,
    writer: &Owner,
) -> Result<ObjectAclDecision, ApiError> {
    let request = acl_request_from_headers(headers)?;
    object_acl_for_write(ctx, writer, request.as_ref()).await
}

/// The ownership and ACL checks of a write that creates an object: the request's ACL must be
/// allowed by the bucket's Object Ownership and by Block Public Access.
pub(crate) async fn object_acl_for_write(
    ctx: &RequestCtx,
    writer: &Owner,
    request: Option<&AclRequest>,
) -> Result<ObjectAclDecision, ApiError> {
    let bucket_owner = &bucket_record(ctx)?.owner;
    let ownership = ctx.state.engine.bucket_ownership(ctx.bucket()?).await?;
    rampart_engine::acl::check_acl_allowed(ownership, request, bucket_owner, AclTarget::Object)?;
    let canned = request.and_then(AclRequest::canned);
    let owner = rampart_engine::acl::object_owner(ownership, writer, bucket_owner, canned);
    let acl = match request {
        Some(request) if ownership.acls_enabled() => {
            let acl = request.resolve(&owner, bucket_owner, AclTarget::Object)?;
            check_public_acl(ctx, bucket_owner, &acl).await?;
            Some(acl)
        }
        _ => None,
    };
    Ok(ObjectAclDecision { owner, acl })
}

fn bucket_record(ctx: &RequestCtx) -> Result<&rampart_engine::BucketRecord, ApiError> {
    ctx.bucket_record
        .as_deref()
        .ok_or_else(|| ApiError::internal("bucket record not loaded"))
}

/// The ACL a PutBucketAcl/PutObjectAcl asks for: its headers, or else its body.
async fn requested_acl(ctx: &RequestCtx, owner: &Owner) -> Result<AclRequest, ApiError> {
    if let Some(request) = acl_request_from_headers(&ctx.headers)? {
        return Ok(request);
    }
    let checked = ctx.headers.contains_key("content-md5")
        || ctx
            .headers
            .keys()
            .any(|h| h.as_str().starts_with("x-amz-checksum-"));
    let body = if checked {
        read_checked_body(ctx, MAX_ACL_BODY).await?
    } else {
        read_body_limited(ctx.take_body(None), MAX_ACL_BODY).await?
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(S3ErrorCode::MalformedACLError));
    }
    Ok(AclRequest::Policy(parse_policy(&body, owner)?))
}

fn acl_response(acl: &Acl) -> Result<Response, ApiError> {
    let doc = to_document(&AccessControlPolicy::from(acl))?;
    Ok(response::xml(StatusCode::OK, doc))
}

pub async fn get_bucket_acl(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let owner = &bucket_record(ctx)?.owner;
    let acl = ctx.state.engine.bucket_acl(ctx.bucket()?, owner).await?;
    acl_response(&acl)
}

pub async fn put_bucket_acl(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let owner = bucket_record(ctx)?.owner.clone();
    let request = requested_acl(ctx, &owner).await?;
    let bucket = ctx.bucket()?;
    let ownership = ctx.state.engine.bucket_ownership(bucket).await?;
    let acl = bucket_acl_for(ctx, ownership, &request, &owner).await?;
    if let Some(acl) = acl {
        ctx.state
            .engine
            .put_bucket_config(bucket, BucketConfigKind::Acl, &acl)
            .await?;
    }
    Ok(response::empty(StatusCode::OK))
}

/// The bucket ACL `request` sets, checked against Object Ownership and Block Public Access;
/// `None` when ACLs are disabled (an ACL granting only the owner is accepted and changes
/// nothing).
pub(crate) async fn bucket_acl_for(
    ctx: &RequestCtx,
    ownership: ObjectOwnership,
    request: &AclRequest,
    owner: &Owner,
) -> Result<Option<Acl>, ApiError> {
    rampart_engine::acl::check_acl_allowed(ownership, Some(request), owner, AclTarget::Bucket)?;
    if !ownership.acls_enabled() {
        return Ok(None);
    }
    let acl = request.resolve(owner, owner, AclTarget::Bucket)?;
    check_public_acl(ctx, owner, &acl).await?;
    Ok(Some(acl))
}

pub async fn get_object_acl(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let record = ctx
        .state
        .engine
        .object_version(ctx.bucket()?, ctx.key()?.as_str(), ctx.version_id())
        .await?;
    let acl = record.acl.unwrap_or_else(|| Acl::private(&record.owner));
    let mut r = acl_response(&acl)?;
    super::object::set_version_header(ctx, &mut r, record.version_id.as_deref())?;
    Ok(r)
}

pub async fn put_object_acl(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket_owner = bucket_record(ctx)?.owner.clone();
    let bucket = ctx.bucket()?;
    let key = ctx.key()?.as_str();
    let engine = &ctx.state.engine;
    let request = requested_acl(ctx, &bucket_owner).await?;
    let ownership = engine.bucket_ownership(bucket).await?;
    rampart_engine::acl::check_acl_allowed(
        ownership,
        Some(&request),
        &bucket_owner,
        AclTarget::Object,
    )?;
    let record = engine.object_version(bucket, key, ctx.version_id()).await?;
    if !ownership.acls_enabled() {
        return Ok(response::empty(StatusCode::OK));
    }
    let acl = request.resolve(&record.owner, &bucket_owner, AclTarget::Object)?;
    check_public_acl(ctx, &bucket_owner, &acl).await?;
    // Resolved again against the record being replaced: an overwrite in between may have
    // changed the owner (resolving cannot fail now; it depends on the owner only by name).
    let version = engine
        .set_object_acl(bucket, key, ctx.version_id(), |current| {
            request
                .resolve(&current.owner, &bucket_owner, AclTarget::Object)
                .map(Some)
                .map_err(|e| rampart_engine::EngineError::Internal(e.to_string()))
        })
        .await?;
    let mut r = response::empty(StatusCode::OK);
    super::object::set_version_header(ctx, &mut r, version.as_deref())?;
    Ok(r)
}
