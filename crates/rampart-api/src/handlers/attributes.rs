//! GetObjectAttributes.

use axum::response::Response;
use http::StatusCode;

use crate::error::{ApiError, S3ErrorCode};
use crate::headers;
use crate::response;
use crate::service::RequestCtx;
use crate::xml::attributes::{
    AttributesPartXml, ChecksumXml, GetObjectAttributesResponse, ObjectPartsXml,
};
use crate::xml::multipart::ChecksumFields;
use crate::xml::to_document;

const ATTRIBUTES: &[&str] = &[
    "ETag",
    "Checksum",
    "ObjectParts",
    "StorageClass",
    "ObjectSize",
];
const MAX_PARTS: usize = 1000;

fn parse_int(ctx: &RequestCtx, name: &str) -> Result<Option<usize>, ApiError> {
    match headers::get(&ctx.headers, name)? {
        None => Ok(None),
        Some(v) => {
            v.trim().parse::<usize>().map(Some).map_err(|_| {
                ApiError::invalid_argument(format!("Invalid value for {name}"), name, v)
            })
        }
    }
}

pub async fn get_object_attributes(ctx: &RequestCtx) -> Result<Response, ApiError> {
    // A list header: one comma-separated value, or the header repeated (the SDKs do both).
    let requested: Vec<&str> = ctx
        .headers
        .get_all("x-amz-object-attributes")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect();
    if requested.is_empty() {
        return Err(ApiError::with_message(
            S3ErrorCode::InvalidRequest,
            "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty",
        ));
    }
    if let Some(bad) = requested.iter().find(|a| !ATTRIBUTES.contains(a)) {
        return Err(ApiError::invalid_argument(
            "Invalid attribute name specified.",
            "x-amz-object-attributes",
            *bad,
        ));
    }
    let wants = |a: &str| requested.contains(&a);
    let max_parts = parse_int(ctx, "x-amz-max-parts")?
        .unwrap_or(MAX_PARTS)
        .min(MAX_PARTS);
    let marker = parse_int(ctx, "x-amz-part-number-marker")?.unwrap_or(0);

    let head = ctx
        .state
        .engine
        .head_object(&rampart_engine::ReadRequest {
            bucket: ctx.bucket()?.clone(),
            key: ctx.key()?.as_str().to_owned(),
            range: None,
            part_number: None,
            conditions: headers::read_conditions(&ctx.headers, "")?,
            keys: super::sse_headers::key_access(ctx)?,
            version_id: ctx.version_id().map(str::to_owned),
        })
        .await?;
    let record = head.record;
    let mut doc = GetObjectAttributesResponse::new();
    if wants("ETag") {
        doc.etag = Some(record.etag.as_str().to_owned());
    }
    if wants("Checksum")
        && let Some((algorithm, value, kind)) = record.checksum_header()
    {
        let mut checksum = ChecksumXml {
            checksum_type: Some(kind.name()),
            ..Default::default()
        };
        checksum.set_checksum(ChecksumFields::of(algorithm, value));
        doc.checksum = Some(checksum);
    }
    if wants("ObjectParts")
        && let Some(parts) = ctx.state.engine.object_parts(&record).await?
    {
        let algorithm = record.checksum.as_ref().map(|c| c.algorithm);
        let page: Vec<_> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u32 + 1, p))
            .filter(|(n, _)| *n as usize > marker)
            .take(max_parts + 1)
            .collect();
        let is_truncated = page.len() > max_parts;
        let shown = &page[..page.len().min(max_parts)];
        doc.object_parts = Some(ObjectPartsXml {
            total_parts_count: parts.len() as u32,
            part_number_marker: u32::try_from(marker).unwrap_or(u32::MAX),
            next_part_number_marker: is_truncated
                .then(|| shown.last().map(|(n, _)| *n))
                .flatten(),
            max_parts,
            is_truncated,
            parts: shown
                .iter()
                .map(|(number, p)| {
                    let mut part = AttributesPartXml {
                        part_number: *number,
                        size: p.size,
                        ..Default::default()
                    };
                    if let (Some(a), Some(raw)) = (algorithm, &p.checksum) {
                        part.set_checksum(ChecksumFields::of_raw(a, raw));
                    }
                    part
                })
                .collect(),
        });
    }
    if wants("StorageClass") {
        doc.storage_class = Some(record.storage_class.clone());
    }
    if wants("ObjectSize") {
        doc.object_size = Some(record.size);
    }
    let mut r = response::xml(StatusCode::OK, to_document(&doc)?);
    response::set(
        &mut r,
        "last-modified",
        &httpdate::fmt_http_date(record.last_modified.to_system_time()),
    )?;
    super::object::set_version_header(ctx, &mut r, record.version_id.as_deref())?;
    Ok(r)
}
