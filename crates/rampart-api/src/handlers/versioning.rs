//! Bucket versioning: Put/GetBucketVersioning and ListObjectVersions.

use axum::response::Response;
use http::StatusCode;
use rampart_engine::versioning::{NULL_VERSION_ID, Versioning};
use rampart_engine::{ListVersionsParams, VersionListEntry};

use super::bucket_tagging::read_config_body;
use super::int_param;
use super::list::encoder;
use crate::error::{ApiError, S3ErrorCode};
use crate::mfa_header::MfaPresent;
use crate::response;
use crate::service::MfaCheck;
use crate::service::RequestCtx;
use crate::xml::list::CommonPrefixXml;
use crate::xml::versioning::{
    DeleteMarkerXml, ListVersionsResultXml, VersionEntryXml, VersionXml, VersioningConfigurationXml,
};
use crate::xml::{OwnerXml, S3_NAMESPACE, from_body, timestamp, to_document};

const MAX_VERSIONING_BODY: usize = 4 * 1024;

pub async fn get_bucket_versioning(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let record = ctx.state.engine.bucket(ctx.bucket()?).await?;
    let doc = VersioningConfigurationXml::new(record.versioning.status(), record.mfa_delete);
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}

/// The valid `x-amz-mfa` of this request (checked once, on arrival, against the bucket
/// owner's root's devices); a refused one is reported here.
pub(crate) async fn request_mfa(ctx: &RequestCtx) -> Result<Option<&MfaPresent>, ApiError> {
    match &ctx.mfa {
        MfaCheck::Absent => Ok(None),
        MfaCheck::Valid(present) => Ok(Some(present)),
        MfaCheck::Refused { code, message } => Err(ApiError::with_message(*code, message.clone())),
    }
}

/// S3's refusal of a request that MFA Delete protects and that came without a valid MFA.
pub(crate) fn mfa_required() -> ApiError {
    ApiError::with_message(
        S3ErrorCode::AccessDenied,
        "Mfa Authentication must be used for this request",
    )
}

pub async fn put_bucket_versioning(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_config_body(ctx, MAX_VERSIONING_BODY).await?;
    let config: VersioningConfigurationXml = from_body(&body)?;
    let mfa_delete = match config.mfa_delete.as_deref().map(str::trim) {
        None => None,
        Some("Disabled") => Some(false),
        Some("Enabled") => Some(true),
        Some(_) => return Err(ApiError::new(S3ErrorCode::MalformedXML)),
    };
    let state = match config.status.as_deref().map(str::trim) {
        Some("Enabled") => Some(Versioning::Enabled),
        Some("Suspended") => Some(Versioning::Suspended),
        None => None,
        Some(_) => return Err(ApiError::new(S3ErrorCode::MalformedXML)),
    };
    let bucket = ctx
        .bucket_record
        .as_ref()
        .ok_or_else(|| ApiError::new(S3ErrorCode::NoSuchBucket))?;
    let changes_mfa_delete = mfa_delete.is_some_and(|on| on != bucket.mfa_delete);
    // Turning MFA Delete on or off is the bucket owner's root's alone, with its device; with
    // MFA Delete on, every change of the versioning state needs the device too.
    if changes_mfa_delete && !is_bucket_owner_root(ctx, &bucket.owner.account_id) {
        return Err(ApiError::with_message(
            S3ErrorCode::AccessDenied,
            "MFA Delete can only be configured by the bucket owner's root user",
        ));
    }
    if (changes_mfa_delete || bucket.mfa_delete) && request_mfa(ctx).await?.is_none() {
        return Err(mfa_required());
    }
    ctx.state
        .engine
        .set_bucket_versioning(ctx.bucket()?, state, mfa_delete)
        .await?;
    Ok(response::empty(StatusCode::OK))
}

fn is_bucket_owner_root(ctx: &RequestCtx, owner: &rampart_types::AccountId) -> bool {
    matches!(&ctx.principal, rampart_iam::Principal::AccountRoot { account, .. } if &account.id == owner)
}

pub async fn list_object_versions(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let enc = encoder(ctx)?;
    let limit = rampart_engine::limits::MAX_LIST_KEYS;
    let max_keys = int_param(ctx, "max-keys", limit)?.min(limit);
    let key_marker = ctx.query.get("key-marker").map(str::to_owned);
    let version_id_marker = ctx
        .query
        .get("version-id-marker")
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    if version_id_marker.is_some() && key_marker.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::invalid_argument(
            "A version-id marker cannot be specified without a key marker.",
            "version-id-marker",
            version_id_marker.unwrap_or_default(),
        ));
    }
    let params = ListVersionsParams {
        prefix: ctx.query.get("prefix").unwrap_or("").to_owned(),
        delimiter: ctx
            .query
            .get("delimiter")
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        key_marker: key_marker.clone(),
        version_id_marker: version_id_marker.clone(),
        max_keys,
    };
    let page = ctx
        .state
        .engine
        .list_object_versions(bucket, &params)
        .await?;
    let version_of = |id: &Option<String>| id.clone().unwrap_or_else(|| NULL_VERSION_ID.to_owned());
    let entries = page
        .entries
        .iter()
        .map(|entry| match entry {
            VersionListEntry::Version {
                key,
                record,
                is_latest,
            } => VersionEntryXml::Version(VersionXml {
                key: enc.apply(key),
                version_id: version_of(&record.version_id),
                is_latest: *is_latest,
                last_modified: timestamp(record.last_modified),
                etag: record.etag.quoted(),
                size: record.size,
                owner: OwnerXml::from(&record.owner),
                storage_class: record.storage_class.clone(),
            }),
            VersionListEntry::DeleteMarker {
                key,
                marker,
                is_latest,
            } => VersionEntryXml::DeleteMarker(DeleteMarkerXml {
                key: enc.apply(key),
                version_id: version_of(&marker.version_id),
                is_latest: *is_latest,
                last_modified: timestamp(marker.last_modified),
                owner: OwnerXml::from(&marker.owner),
            }),
            VersionListEntry::CommonPrefix(prefix) => {
                VersionEntryXml::CommonPrefixes(CommonPrefixXml {
                    prefix: enc.apply(prefix),
                })
            }
        })
        .collect();
    let doc = ListVersionsResultXml {
        xmlns: S3_NAMESPACE,
        name: bucket.to_string(),
        prefix: enc.apply(&params.prefix),
        key_marker: enc.apply(key_marker.as_deref().unwrap_or("")),
        version_id_marker: version_id_marker.unwrap_or_default(),
        next_key_marker: page.next_key_marker.as_deref().map(|k| enc.apply(k)),
        next_version_id_marker: page.next_version_id_marker,
        max_keys,
        delimiter: params.delimiter.as_deref().map(|d| enc.apply(d)),
        is_truncated: page.is_truncated,
        encoding_type: enc.encoding_type(),
        entries,
    };
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}
