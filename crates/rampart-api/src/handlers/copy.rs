//! CopyObject.

use axum::response::Response;
use http::StatusCode;
use rampart_engine::sse::KeyAccess;
use rampart_engine::{CopyObjectInput, CopySource, MetadataDirective, TaggingDirective};
use rampart_types::BucketName;

use crate::authz::{self, s3_actions::ResourceKind};
use crate::error::{ApiError, S3ErrorCode};
use crate::handlers::acl::object_acl_from_headers;
use crate::handlers::object::{reject_unsupported_write_headers, storage_class};
use crate::handlers::sse_headers::{
    CustomerKeyHeaders, Echo, customer_key, kms_for, requested_encryption, set_encryption_headers,
};
use crate::headers;
use crate::response;
use crate::router::Endpoint;
use crate::service::RequestCtx;
use crate::xml::object::CopyObjectResult;
use crate::xml::{timestamp, to_document};

fn bad_copy_source(value: &str) -> ApiError {
    ApiError::invalid_argument(
        "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
        "x-amz-copy-source",
        value,
    )
}

/// Parses `x-amz-copy-source`: `[/]bucket/key[?versionId=…]`, percent-encoded.
pub(crate) fn parse_copy_source(value: &str) -> Result<CopySource, ApiError> {
    let (path, version) = match value.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (value, None),
    };
    let version_id = match version {
        Some(query) => Some(
            query
                .split('&')
                .find_map(|p| p.strip_prefix("versionId="))
                .filter(|v| !v.is_empty())
                .ok_or_else(|| bad_copy_source(value))?
                .to_owned(),
        ),
        None => None,
    };
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| bad_copy_source(value))?;
    let decoded = decoded.strip_prefix('/').unwrap_or(&decoded);
    let (bucket, key) = decoded
        .split_once('/')
        .ok_or_else(|| bad_copy_source(value))?;
    if key.is_empty() {
        return Err(bad_copy_source(value));
    }
    let bucket = BucketName::parse(bucket).map_err(|_| {
        ApiError::with_message(
            S3ErrorCode::InvalidBucketName,
            "The specified bucket is not valid.",
        )
        .field("BucketName", bucket)
    })?;
    Ok(CopySource {
        bucket,
        key: key.to_owned(),
        version_id,
    })
}

/// Reading a copy source is its own authorization decision: s3:GetObject (or
/// s3:GetObjectVersion for a `?versionId=` source) on the source object, under the source
/// bucket's owner and policy (CopyObject and UploadPartCopy).
pub(crate) async fn authorize_copy_source(
    ctx: &RequestCtx,
    source: &CopySource,
) -> Result<(), ApiError> {
    let source_bucket = ctx
        .state
        .engine
        .bucket(&source.bucket)
        .await
        .map_err(|e| ApiError::from(e).field("BucketName", source.bucket.as_str()))?;
    let policy = ctx
        .state
        .bucket_policies
        .applicable(
            &ctx.state.engine,
            &source.bucket,
            &source_bucket.owner.account_id,
            &ctx.principal,
        )
        .await?;
    let action: &[&str] = if source.version_id.is_some() {
        &["s3:GetObjectVersion"]
    } else {
        &["s3:GetObject"]
    };
    authz::authorize_s3_actions(
        &ctx.state,
        &ctx.principal,
        &ctx.info,
        &authz::S3Access {
            endpoint: Endpoint::GetObject,
            bucket: Some(&source.bucket),
            key: Some(&source.key),
            bucket_owner: Some(&source_bucket.owner),
            bucket_policy: policy.as_deref(),
            headers: &ctx.headers,
            query: &crate::query::Query::default(),
        },
        action,
        ResourceKind::Object,
        None,
    )
    .await
}

fn metadata_directive(ctx: &RequestCtx) -> Result<MetadataDirective, ApiError> {
    match headers::get(&ctx.headers, "x-amz-metadata-directive")? {
        None | Some("COPY") => Ok(MetadataDirective::Copy),
        Some("REPLACE") => Ok(MetadataDirective::Replace {
            headers: headers::content_headers(&ctx.headers)?,
            user_metadata: headers::user_metadata(&ctx.headers),
        }),
        Some(other) => Err(ApiError::invalid_argument(
            "Unknown metadata directive.",
            "x-amz-metadata-directive",
            other,
        )),
    }
}

pub async fn copy_object(ctx: &RequestCtx) -> Result<Response, ApiError> {
    reject_unsupported_write_headers(&ctx.headers)?;
    let acl = object_acl_from_headers(ctx, &ctx.headers, &ctx.owner()?).await?;
    let tagging = match headers::get(&ctx.headers, "x-amz-tagging-directive")? {
        None | Some("COPY") => TaggingDirective::Copy,
        Some("REPLACE") => TaggingDirective::Replace(headers::object_tags(&ctx.headers)?),
        Some(other) => {
            return Err(ApiError::invalid_argument(
                "Unknown tagging directive.",
                "x-amz-tagging-directive",
                other,
            ));
        }
    };
    let raw_source = headers::get(&ctx.headers, "x-amz-copy-source")?.unwrap_or("");
    let source = parse_copy_source(raw_source)?;
    authorize_copy_source(ctx, &source).await?;
    let lock = super::object_lock::requested_lock(ctx, &ctx.headers).await?;

    let input = CopyObjectInput {
        source_conditions: headers::read_conditions(&ctx.headers, "x-amz-copy-source-")?,
        bucket: ctx.bucket()?.clone(),
        key: ctx.key()?.clone(),
        metadata: metadata_directive(ctx)?,
        tagging,
        storage_class: storage_class(&ctx.headers)?,
        condition: headers::write_condition(&ctx.headers)?,
        owner: acl.owner,
        acl: acl.acl,
        encryption: requested_encryption(ctx, &ctx.headers)?,
        keys: KeyAccess {
            customer: customer_key(ctx, &ctx.headers, CustomerKeyHeaders::CopySource)?,
            kms: kms_for(ctx),
        },
        source: source.clone(),
        lock,
    };
    let output = ctx.state.engine.copy_object(input).await.map_err(|e| {
        let e = ApiError::from(e);
        if e.code == S3ErrorCode::NoSuchKey {
            e.field("Key", source.key.clone())
        } else {
            e
        }
    })?;
    let doc = CopyObjectResult::new(timestamp(output.last_modified), output.etag.quoted());
    let mut r = response::xml(StatusCode::OK, to_document(&doc)?);
    set_encryption_headers(&mut r, output.encryption.as_ref(), Echo::Write)?;
    crate::handlers::object::set_version_header(ctx, &mut r, output.version_id.as_deref())?;
    if let Some(id) = &source.version_id {
        response::set(&mut r, "x-amz-copy-source-version-id", id)?;
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_forms() {
        let s = parse_copy_source("/bk1/a%20b/c%2Bd").unwrap();
        assert_eq!((s.bucket.as_str(), s.key.as_str()), ("bk1", "a b/c+d"));
        let s = parse_copy_source("bk1/k?versionId=null").unwrap();
        assert_eq!(
            (s.key.as_str(), s.version_id.as_deref()),
            ("k", Some("null"))
        );
        let s = parse_copy_source("bk1/k?versionId=0001abc").unwrap();
        assert_eq!(s.version_id.as_deref(), Some("0001abc"));
        for bad in [
            "",
            "bk1",
            "bk1/",
            "/bk1",
            "bk1/k?versionId=",
            "bk1/k?other=1",
        ] {
            assert!(parse_copy_source(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_copy_source("UPPER/k").unwrap_err().code,
            S3ErrorCode::InvalidBucketName
        );
    }
}
