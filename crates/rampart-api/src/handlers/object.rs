//! PutObject, GetObject, HeadObject, DeleteObject.

use axum::body::Body;
use axum::response::Response;
use futures::TryStreamExt;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use rampart_engine::checksum::ChecksumAlgorithm;
use rampart_engine::{ObjectRecord, PartRead, PutObjectInput, ReadRequest};
use rampart_types::ByteRange;

use crate::error::{ApiError, S3ErrorCode};
use crate::handlers::acl::object_acl_from_headers;
use crate::handlers::sse_headers::{
    Echo, key_access, requested_encryption, set_encryption_headers,
};
use crate::headers;
use crate::response;
use crate::service::RequestCtx;

/// Storage classes whose objects are readable at once; archival classes need a restore
/// workflow this server does not have.
const STORAGE_CLASSES: &[&str] = &[
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
];
const ARCHIVAL_STORAGE_CLASSES: &[&str] = &["GLACIER", "DEEP_ARCHIVE"];

/// Headers whose features are not built yet: refusing them beats silently ignoring a request
/// to change how an object is served.
const UNSUPPORTED_WRITE_HEADERS: &[(&str, &str)] =
    &[("x-amz-website-redirect-location", "Website redirects")];

pub(crate) fn reject_unsupported_write_headers(headers: &HeaderMap) -> Result<(), ApiError> {
    for (name, feature) in UNSUPPORTED_WRITE_HEADERS {
        if headers.contains_key(*name) {
            return Err(ApiError::not_implemented(format!(
                "{feature} is not implemented; the request was not applied."
            ))
            .field("Header", *name));
        }
    }
    Ok(())
}

pub(crate) fn storage_class(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(class) = headers::get(headers, "x-amz-storage-class")? else {
        return Ok(None);
    };
    if STORAGE_CLASSES.contains(&class) {
        Ok(Some(class.to_owned()))
    } else if ARCHIVAL_STORAGE_CLASSES.contains(&class) {
        Err(
            ApiError::not_implemented(format!("The {class} storage class is not implemented."))
                .field("Header", "x-amz-storage-class"),
        )
    } else {
        Err(ApiError::new(S3ErrorCode::InvalidStorageClass).field("StorageClassRequested", class))
    }
}

pub async fn put_object(ctx: &RequestCtx) -> Result<Response, ApiError> {
    reject_unsupported_write_headers(&ctx.headers)?;
    let acl = object_acl_from_headers(ctx, &ctx.headers, &ctx.owner()?).await?;
    let chunked = ctx.body_is_chunked();
    let declared_len = headers::declared_length(&ctx.headers, chunked)?;
    let (checksum, trailer) = headers::checksum(&ctx.headers)?;
    let lock = super::object_lock::requested_lock(ctx, &ctx.headers).await?;
    super::object_lock::require_integrity_check(ctx, &lock)?;
    let input = PutObjectInput {
        bucket: ctx.bucket()?.clone(),
        key: ctx.key()?.clone(),
        declared_len: Some(declared_len),
        content_md5: headers::content_md5(&ctx.headers)?,
        checksum,
        headers: headers::content_headers(&ctx.headers)?,
        user_metadata: headers::user_metadata(&ctx.headers),
        storage_class: storage_class(&ctx.headers)?,
        tags: headers::object_tags(&ctx.headers)?,
        condition: headers::write_condition(&ctx.headers)?,
        owner: acl.owner,
        acl: acl.acl,
        encryption: requested_encryption(ctx, &ctx.headers)?,
        kms: super::sse_headers::kms_for(ctx),
        body: ctx.take_body(trailer),
        lock,
    };
    let output = ctx.state.engine.put_object(input).await?;
    let mut r = response::empty(StatusCode::OK);
    response::set(&mut r, "etag", &output.etag.quoted())?;
    set_encryption_headers(&mut r, output.encryption.as_ref(), Echo::Write)?;
    set_version_header(ctx, &mut r, output.version_id.as_deref())?;
    if let Some((algorithm, value)) = &output.checksum {
        set_checksum(&mut r, *algorithm, value)?;
    }
    Ok(r)
}

fn set_checksum(
    r: &mut Response,
    algorithm: ChecksumAlgorithm,
    raw: &[u8],
) -> Result<(), ApiError> {
    response::set(
        r,
        algorithm.header_name(),
        &ChecksumAlgorithm::encode_value(raw),
    )
}

fn read_request(ctx: &RequestCtx) -> Result<ReadRequest, ApiError> {
    let part_number = match ctx.query.get("partNumber") {
        None => None,
        Some(v) => Some(
            v.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    ApiError::invalid_argument(
                        "Part number must be an integer between 1 and 10000, inclusive",
                        "partNumber",
                        v,
                    )
                })?,
        ),
    };
    let range = headers::get(&ctx.headers, "range")?.and_then(ByteRange::parse_header);
    Ok(ReadRequest {
        bucket: ctx.bucket()?.clone(),
        key: ctx.key()?.as_str().to_owned(),
        range,
        part_number,
        conditions: headers::read_conditions(&ctx.headers, "")?,
        keys: key_access(ctx)?,
        version_id: ctx.version_id().map(str::to_owned),
    })
}

/// Details S3 adds for the failures of a read: the Range it could not satisfy, the part number.
fn with_read_detail(e: ApiError, ctx: &RequestCtx) -> ApiError {
    let e = with_range_detail(e, ctx);
    if e.code != S3ErrorCode::InvalidPartNumber {
        return e;
    }
    let requested = ctx.query.get("partNumber").unwrap_or("").to_owned();
    let mut e = e;
    for field in &mut e.fields {
        if field.0 == "PartNumberRequested" {
            field.1 = requested.clone();
        }
    }
    e
}

/// With `x-amz-checksum-mode: ENABLED`, the stored checksum of what is returned: the whole
/// object's, or the part's for a `partNumber` read; none for a byte range (S3 has none).
fn checksum_headers(
    ctx: &RequestCtx,
    r: &mut Response,
    record: &ObjectRecord,
    range: Option<&std::ops::Range<u64>>,
    part: Option<&PartRead>,
) -> Result<(), ApiError> {
    let enabled = headers::get(&ctx.headers, "x-amz-checksum-mode")?
        .is_some_and(|v| v.eq_ignore_ascii_case("ENABLED"));
    if !enabled {
        return Ok(());
    }
    match (part, range) {
        (Some(part), _) => {
            let value = match (&part.checksum, part.parts_count) {
                (Some(raw), _) => Some(ChecksumAlgorithm::encode_value(raw)),
                // A single-PUT object read as part 1 is the whole object.
                (None, None) => record.checksum_header().map(|(_, v, _)| v),
                (None, Some(_)) => None,
            };
            if let (Some(value), Some(c)) = (value, &record.checksum) {
                response::set(r, c.algorithm.header_name(), &value)?;
            }
        }
        (None, Some(_)) => {}
        (None, None) => {
            if let Some((algorithm, value, kind)) = record.checksum_header() {
                response::set(r, algorithm.header_name(), &value)?;
                response::set(r, "x-amz-checksum-type", kind.name())?;
            }
        }
    }
    Ok(())
}

/// S3 reports the Range header it could not satisfy.
fn with_range_detail(e: ApiError, ctx: &RequestCtx) -> ApiError {
    if e.code != S3ErrorCode::InvalidRange {
        return e;
    }
    let requested = headers::get(&ctx.headers, "range")
        .ok()
        .flatten()
        .unwrap_or("");
    let mut e = e;
    for field in &mut e.fields {
        if field.0 == "RangeRequested" {
            field.1 = requested.to_owned();
        }
    }
    e
}

/// `response-*` query parameters override these response headers on GET/HEAD.
const RESPONSE_OVERRIDES: &[(&str, &str)] = &[
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
    ("response-content-language", "content-language"),
    ("response-content-type", "content-type"),
    ("response-expires", "expires"),
];

fn object_headers(
    ctx: &RequestCtx,
    r: &mut Response,
    record: &ObjectRecord,
    range: Option<&std::ops::Range<u64>>,
) -> Result<(), ApiError> {
    let h = &record.headers;
    let length = range.map_or(record.size, |r| r.end - r.start);
    response::set(r, "content-length", &length.to_string())?;
    response::set(
        r,
        "content-type",
        h.content_type.as_deref().unwrap_or("binary/octet-stream"),
    )?;
    response::set(r, "etag", &record.etag.quoted())?;
    set_encryption_headers(r, record.encryption.as_ref(), Echo::Read)?;
    set_version_header(ctx, r, record.version_id.as_deref())?;
    response::set(
        r,
        "last-modified",
        &httpdate::fmt_http_date(record.last_modified.to_system_time()),
    )?;
    response::set(r, "accept-ranges", "bytes")?;
    if let Some(range) = range {
        response::set(
            r,
            "content-range",
            &format!(
                "bytes {}-{}/{}",
                range.start,
                range.end.saturating_sub(1),
                record.size
            ),
        )?;
    }
    for (name, value) in [
        ("content-encoding", &h.content_encoding),
        ("content-disposition", &h.content_disposition),
        ("content-language", &h.content_language),
        ("cache-control", &h.cache_control),
        ("expires", &h.expires),
    ] {
        if let Some(value) = value {
            response::set(r, name, value)?;
        }
    }
    if record.storage_class != "STANDARD" {
        response::set(r, "x-amz-storage-class", &record.storage_class)?;
    }
    if !record.tags.is_empty() {
        response::set(r, "x-amz-tagging-count", &record.tags.len().to_string())?;
    }
    for (key, value) in &record.user_metadata {
        let name =
            HeaderName::from_bytes(format!("{}{key}", headers::USER_METADATA_PREFIX).as_bytes());
        let value = HeaderValue::from_bytes(value.as_bytes());
        if let (Ok(name), Ok(value)) = (name, value) {
            r.headers_mut().append(name, value);
        }
    }
    for (param, header) in RESPONSE_OVERRIDES {
        if let Some(value) = ctx.query.get(param) {
            let value = HeaderValue::from_str(value).map_err(|_| {
                ApiError::invalid_argument(format!("Invalid value for {param}"), param, value)
            })?;
            r.headers_mut()
                .insert(HeaderName::from_static(header), value);
        }
    }
    Ok(())
}

/// `x-amz-mp-parts-count` on a `partNumber` read of a multipart object.
fn part_headers(r: &mut Response, part: Option<&PartRead>) -> Result<(), ApiError> {
    if let Some(count) = part.and_then(|p| p.parts_count) {
        response::set(r, "x-amz-mp-parts-count", &count.to_string())?;
    }
    Ok(())
}

fn status_for(range: Option<&std::ops::Range<u64>>) -> StatusCode {
    if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    }
}

pub async fn get_object(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let req = read_request(ctx)?;
    let output = ctx
        .state
        .engine
        .get_object(&req)
        .await
        .map_err(|e| with_read_detail(e.into(), ctx))?;
    let mut r = Response::new(Body::from_stream(output.body.map_err(|e| {
        // The response has started; all that is left is to cut the connection.
        tracing::warn!(error = %e, "object read failed mid-response");
        e
    })));
    *r.status_mut() = status_for(output.range.as_ref());
    object_headers(ctx, &mut r, &output.record, output.range.as_ref())?;
    part_headers(&mut r, output.part.as_ref())?;
    checksum_headers(
        ctx,
        &mut r,
        &output.record,
        output.range.as_ref(),
        output.part.as_ref(),
    )?;
    super::object_lock::set_lock_headers(ctx, &mut r, &output.record.lock).await?;
    Ok(r)
}

pub async fn head_object(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let req = read_request(ctx)?;
    let output = ctx
        .state
        .engine
        .head_object(&req)
        .await
        .map_err(|e| with_read_detail(e.into(), ctx))?;
    let mut r = response::empty(status_for(output.range.as_ref()));
    object_headers(ctx, &mut r, &output.record, output.range.as_ref())?;
    part_headers(&mut r, output.part.as_ref())?;
    checksum_headers(
        ctx,
        &mut r,
        &output.record,
        output.range.as_ref(),
        output.part.as_ref(),
    )?;
    super::object_lock::set_lock_headers(ctx, &mut r, &output.record.lock).await?;
    Ok(r)
}

pub async fn delete_object(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let mfa_delete = ctx.bucket_record.as_ref().is_some_and(|b| b.mfa_delete);
    if mfa_delete
        && ctx.version_id().is_some()
        && super::versioning::request_mfa(ctx).await?.is_none()
    {
        return Err(super::versioning::mfa_required());
    }
    let outcome = ctx
        .state
        .engine
        .delete_object(
            ctx.bucket()?,
            ctx.key()?.as_str(),
            ctx.version_id(),
            &delete_marker_owner(ctx)?,
            super::object_lock::bypass_governance(ctx).await?,
        )
        .await?;
    let mut r = response::empty(StatusCode::NO_CONTENT);
    if outcome.delete_marker {
        response::set(&mut r, "x-amz-delete-marker", "true")?;
    }
    if let Some(version) = &outcome.version_id {
        response::set(&mut r, "x-amz-version-id", version)?;
    }
    Ok(r)
}

/// `x-amz-version-id`: the object's version id, or `null` for the null version of a bucket
/// that has versioning (enabled or suspended); nothing in a bucket never versioned.
pub(crate) fn set_version_header(
    ctx: &RequestCtx,
    r: &mut Response,
    version_id: Option<&str>,
) -> Result<(), ApiError> {
    let versioned = ctx
        .bucket_record
        .as_ref()
        .is_some_and(|b| b.versioning != rampart_engine::versioning::Versioning::Unversioned);
    match version_id {
        Some(id) => response::set(r, "x-amz-version-id", id),
        None if versioned => response::set(r, "x-amz-version-id", "null"),
        None => Ok(()),
    }
}

/// Who owns a delete marker: the requester, or for an anonymous request the bucket owner.
pub(crate) fn delete_marker_owner(ctx: &RequestCtx) -> Result<rampart_types::Owner, ApiError> {
    match (ctx.owner(), &ctx.bucket_record) {
        (Ok(owner), _) => Ok(owner),
        (Err(_), Some(bucket)) => Ok(bucket.owner.clone()),
        (Err(e), None) => Err(e),
    }
}
