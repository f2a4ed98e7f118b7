//! Bucket versioning: Put/GetBucketVersioning and ListObjectVersions.

use axum::response::Response;
use http::StatusCode;
use rampart_engine::versioning::{NULL_VERSION_ID, Versioning};
use rampart_engine::{ListVersionsParams, VersionListEntry};

use super::bucket_tagging::read_config_body;
use super::int_param;
use super::list::encoder;
use crate::error::{ApiError, S3ErrorCode};
use crate::response;
use crate::service::RequestCtx;
use crate::xml::list::CommonPrefixXml;
use crate::xml::versioning::{
    DeleteMarkerXml, ListVersionsResultXml, VersionEntryXml, VersionXml, VersioningConfigurationXml,
};
use crate::xml::{OwnerXml, S3_NAMESPACE, from_body, timestamp, to_document};

const MAX_VERSIONING_BODY: usize = 4 * 1024;

pub async fn get_bucket_versioning(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let state = ctx.state.engine.bucket_versioning(ctx.bucket()?).await?;
    let doc = VersioningConfigurationXml::new(state.status());
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}

pub async fn put_bucket_versioning(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_config_body(ctx, MAX_VERSIONING_BODY).await?;
    let config: VersioningConfigurationXml = from_body(&body)?;
    if let Some(mfa_delete) = config.mfa_delete.as_deref().map(str::trim) {
        match mfa_delete {
            "Disabled" => {}
            "Enabled" => {
                return Err(ApiError::not_implemented(
                    "MFA Delete is not implemented yet; the request was not applied.",
                ));
            }
            _ => return Err(ApiError::new(S3ErrorCode::MalformedXML)),
        }
    }
    let state = match config.status.as_deref().map(str::trim) {
        Some("Enabled") => Versioning::Enabled,
        Some("Suspended") => Versioning::Suspended,
        // A body without Status changes nothing (S3 accepts it).
        None => return Ok(response::empty(StatusCode::OK)),
        Some(_) => return Err(ApiError::new(S3ErrorCode::MalformedXML)),
    };
    ctx.state
        .engine
        .set_bucket_versioning(ctx.bucket()?, state)
        .await?;
    Ok(response::empty(StatusCode::OK))
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
