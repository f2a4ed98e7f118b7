//! One file per resource; `handle` dispatches on the routed endpoint.

mod acl;
mod attributes;
mod bucket;
mod bucket_policy;
mod bucket_tagging;
mod copy;
pub(crate) mod cors;
mod delete_objects;
mod encryption;
mod list;
mod logging;
mod multipart;
mod object;
mod object_lock;
mod ownership;
mod post_object;
mod public_access;
mod service;
pub(crate) mod sse_headers;
mod tagging;
mod versioning;

pub(crate) use list::encoder as list_encoder;

use axum::response::Response;

use crate::error::ApiError;
use crate::router::Endpoint;
use crate::service::RequestCtx;

pub async fn handle(ctx: &RequestCtx) -> Result<Response, ApiError> {
    match ctx.endpoint {
        Endpoint::ListBuckets => service::list_buckets(ctx).await,
        Endpoint::CreateBucket => bucket::create_bucket(ctx).await,
        Endpoint::HeadBucket => bucket::head_bucket(ctx).await,
        Endpoint::DeleteBucket => bucket::delete_bucket(ctx).await,
        Endpoint::GetBucketLocation => bucket::get_bucket_location(ctx).await,
        Endpoint::ListObjects => list::list_objects_v1(ctx).await,
        Endpoint::ListObjectsV2 => list::list_objects_v2(ctx).await,
        Endpoint::DeleteObjects => delete_objects::delete_objects(ctx).await,
        Endpoint::PutObject => object::put_object(ctx).await,
        Endpoint::CopyObject => copy::copy_object(ctx).await,
        Endpoint::GetObject => object::get_object(ctx).await,
        Endpoint::HeadObject => object::head_object(ctx).await,
        Endpoint::DeleteObject => object::delete_object(ctx).await,
        Endpoint::CreateMultipartUpload => multipart::create_multipart_upload(ctx).await,
        Endpoint::UploadPart => multipart::upload_part(ctx).await,
        Endpoint::UploadPartCopy => multipart::upload_part_copy(ctx).await,
        Endpoint::CompleteMultipartUpload => multipart::complete_multipart_upload(ctx).await,
        Endpoint::AbortMultipartUpload => multipart::abort_multipart_upload(ctx).await,
        Endpoint::ListParts => multipart::list_parts(ctx).await,
        Endpoint::ListMultipartUploads => multipart::list_multipart_uploads(ctx).await,
        Endpoint::GetObjectAttributes => attributes::get_object_attributes(ctx).await,
        Endpoint::GetObjectTagging => tagging::get_object_tagging(ctx).await,
        Endpoint::PutObjectTagging => tagging::put_object_tagging(ctx).await,
        Endpoint::DeleteObjectTagging => tagging::delete_object_tagging(ctx).await,
        Endpoint::GetBucketTagging => bucket_tagging::get_bucket_tagging(ctx).await,
        Endpoint::GetBucketVersioning => versioning::get_bucket_versioning(ctx).await,
        Endpoint::PutBucketVersioning => versioning::put_bucket_versioning(ctx).await,
        Endpoint::ListObjectVersions => versioning::list_object_versions(ctx).await,
        Endpoint::GetBucketLogging => logging::get_bucket_logging(ctx).await,
        Endpoint::PutBucketLogging => logging::put_bucket_logging(ctx).await,
        Endpoint::GetObjectLockConfiguration => {
            object_lock::get_object_lock_configuration(ctx).await
        }
        Endpoint::PutObjectLockConfiguration => {
            object_lock::put_object_lock_configuration(ctx).await
        }
        Endpoint::GetObjectRetention => object_lock::get_object_retention(ctx).await,
        Endpoint::PutObjectRetention => object_lock::put_object_retention(ctx).await,
        Endpoint::GetObjectLegalHold => object_lock::get_object_legal_hold(ctx).await,
        Endpoint::PutObjectLegalHold => object_lock::put_object_legal_hold(ctx).await,
        Endpoint::PutBucketTagging => bucket_tagging::put_bucket_tagging(ctx).await,
        Endpoint::DeleteBucketTagging => bucket_tagging::delete_bucket_tagging(ctx).await,
        Endpoint::GetBucketCors => cors::get_bucket_cors(ctx).await,
        Endpoint::PutBucketCors => cors::put_bucket_cors(ctx).await,
        Endpoint::DeleteBucketCors => cors::delete_bucket_cors(ctx).await,
        Endpoint::GetBucketPolicy => bucket_policy::get_bucket_policy(ctx).await,
        Endpoint::PutBucketPolicy => bucket_policy::put_bucket_policy(ctx).await,
        Endpoint::DeleteBucketPolicy => bucket_policy::delete_bucket_policy(ctx).await,
        Endpoint::GetBucketPolicyStatus => public_access::get_bucket_policy_status(ctx).await,
        Endpoint::GetPublicAccessBlock => public_access::get_public_access_block(ctx).await,
        Endpoint::PutPublicAccessBlock => public_access::put_public_access_block(ctx).await,
        Endpoint::DeletePublicAccessBlock => public_access::delete_public_access_block(ctx).await,
        Endpoint::GetObjectAcl => acl::get_object_acl(ctx).await,
        Endpoint::PutObjectAcl => acl::put_object_acl(ctx).await,
        Endpoint::GetBucketAcl => acl::get_bucket_acl(ctx).await,
        Endpoint::PutBucketAcl => acl::put_bucket_acl(ctx).await,
        Endpoint::GetBucketOwnershipControls => ownership::get_bucket_ownership_controls(ctx).await,
        Endpoint::GetBucketEncryption => encryption::get_bucket_encryption(ctx).await,
        Endpoint::PutBucketEncryption => encryption::put_bucket_encryption(ctx).await,
        Endpoint::DeleteBucketEncryption => encryption::delete_bucket_encryption(ctx).await,
        Endpoint::PutBucketOwnershipControls => ownership::put_bucket_ownership_controls(ctx).await,
        Endpoint::DeleteBucketOwnershipControls => {
            ownership::delete_bucket_ownership_controls(ctx).await
        }
        Endpoint::GetAccountPublicAccessBlock => {
            public_access::get_account_public_access_block(ctx).await
        }
        Endpoint::PutAccountPublicAccessBlock => {
            public_access::put_account_public_access_block(ctx).await
        }
        Endpoint::DeleteAccountPublicAccessBlock => {
            public_access::delete_account_public_access_block(ctx).await
        }
        Endpoint::PostObject => post_object::post_object(ctx).await,
        Endpoint::CorsPreflight => cors::preflight(ctx).await,
        Endpoint::Health
        | Endpoint::Ready
        | Endpoint::Metrics
        | Endpoint::QueryApi
        | Endpoint::NotImplemented(_) => Err(ApiError::internal(format!(
            "{} reached the handlers",
            ctx.endpoint.name()
        ))),
    }
}

/// Continuation tokens are opaque to clients; ours carry the last name returned.
pub(crate) mod token {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

    use crate::error::ApiError;

    pub fn encode(last: &str) -> String {
        B64.encode(last.as_bytes())
    }

    pub fn decode(token: &str, name: &str) -> Result<String, ApiError> {
        B64.decode(token.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .ok_or_else(|| {
                ApiError::invalid_argument(
                    "The continuation token provided is incorrect",
                    name,
                    token,
                )
            })
    }
}

/// Parses an integer query parameter, with S3's error for a bad value.
pub(crate) fn int_param(ctx: &RequestCtx, name: &str, default: usize) -> Result<usize, ApiError> {
    match ctx.query.get(name) {
        None => Ok(default),
        Some(v) => {
            let n: i64 = v.trim().parse().map_err(|_| {
                ApiError::invalid_argument(
                    format!("Provided {name} not an integer or within integer range"),
                    name,
                    v,
                )
            })?;
            usize::try_from(n).map_err(|_| {
                ApiError::invalid_argument(
                    format!("Argument {name} must be an integer between 0 and 2147483647"),
                    name,
                    v,
                )
            })
        }
    }
}
