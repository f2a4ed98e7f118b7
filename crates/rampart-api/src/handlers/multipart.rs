//! Multipart uploads: create, upload parts (or copy them), complete, abort, list.

use axum::response::Response;
use http::StatusCode;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rampart_engine::checksum::{ChecksumAlgorithm, ChecksumType};
use rampart_engine::multipart::{
    CompleteMultipartInput, CompletedPart, CreateMultipartInput, Initiator, ListUploadsParams,
    UploadListEntry, UploadPartCopyInput, UploadPartInput, UploadPartOutput, UploadRecord,
};
use rampart_iam::Principal;
use rampart_types::ByteRange;

use crate::body::read_body_limited;
use crate::error::{ApiError, S3ErrorCode};
use crate::handlers::acl::object_acl_from_headers;
use crate::handlers::copy::{authorize_copy_source, parse_copy_source};
use crate::handlers::object::{reject_unsupported_write_headers, storage_class};
use crate::handlers::sse_headers::{
    CustomerKeyHeaders, Echo, customer_key, key_access, kms_for, requested_encryption,
    set_encryption_headers,
};
use crate::handlers::{int_param, list_encoder};
use crate::headers;
use crate::response;
use crate::service::RequestCtx;
use crate::xml::multipart::{
    ChecksumFields, CompleteMultipartUpload, CompleteMultipartUploadResult, CopyPartResult,
    InitiateMultipartUploadResult, ListMultipartUploadsResult, ListPartsResult, PartXml, PrefixXml,
    UploadXml, checksum_names,
};
use crate::xml::{OwnerXml, S3_NAMESPACE, from_body, timestamp, to_document};

/// 10,000 parts of about 150 bytes of XML each, with room to spare.
const MAX_COMPLETE_BODY: usize = 4 * 1024 * 1024;

fn upload_id(ctx: &RequestCtx) -> Result<String, ApiError> {
    Ok(ctx.query.get("uploadId").unwrap_or("").to_owned())
}

fn part_number(ctx: &RequestCtx) -> Result<u32, ApiError> {
    let raw = ctx.query.get("partNumber").unwrap_or("");
    raw.trim().parse::<u32>().map_err(|_| {
        ApiError::invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive",
            "partNumber",
            raw,
        )
    })
}

fn checksum_setting(
    ctx: &RequestCtx,
) -> Result<(Option<ChecksumAlgorithm>, Option<ChecksumType>), ApiError> {
    // The modeled header, or the SDKs' request-checksum header naming the same algorithm.
    let named = match headers::get(&ctx.headers, "x-amz-checksum-algorithm")? {
        Some(name) => Some(name),
        None => headers::get(&ctx.headers, "x-amz-sdk-checksum-algorithm")?,
    };
    let algorithm = match named {
        None => None,
        Some(name) => Some(ChecksumAlgorithm::from_name(name).ok_or_else(|| {
            ApiError::with_message(
                S3ErrorCode::InvalidRequest,
                "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
            )
        })?),
    };
    let kind = match headers::get(&ctx.headers, "x-amz-checksum-type")? {
        None => None,
        Some(name) => Some(ChecksumType::from_name(name).ok_or_else(|| {
            ApiError::with_message(
                S3ErrorCode::InvalidRequest,
                "Value for x-amz-checksum-type header is invalid.",
            )
        })?),
    };
    Ok((algorithm, kind))
}

/// "If the initiator is an AWS account, this element provides the same information as the
/// Owner element. If the initiator is an IAM User, this element provides the user ARN and
/// display name" (a role session likewise, by its session ARN).
fn initiator_of(principal: &Principal) -> Result<Initiator, ApiError> {
    match principal {
        Principal::Anonymous => Err(ApiError::new(S3ErrorCode::AccessDenied)),
        Principal::AccountRoot { account, .. } => {
            let owner = account.owner();
            Ok(Initiator {
                id: owner.canonical_id.as_str().to_owned(),
                display_name: owner.display_name,
            })
        }
        Principal::User { user, .. } => Ok(Initiator {
            id: user.arn.clone(),
            display_name: user.name.clone(),
        }),
        Principal::AssumedRole {
            role, session_name, ..
        } => Ok(Initiator {
            id: principal.arn(),
            display_name: format!("{}/{session_name}", role.name),
        }),
    }
}

/// The initiator of `upload` as the listings show it.
fn initiator_xml(upload: &UploadRecord) -> OwnerXml {
    match &upload.initiator {
        Some(initiator) => OwnerXml {
            id: initiator.id.clone(),
            display_name: initiator.display_name.clone(),
        },
        None => OwnerXml::from(&upload.owner),
    }
}

pub async fn create_multipart_upload(ctx: &RequestCtx) -> Result<Response, ApiError> {
    reject_unsupported_write_headers(&ctx.headers)?;
    let acl = object_acl_from_headers(ctx, &ctx.headers, &ctx.owner()?).await?;
    let (checksum_algorithm, checksum_type) = checksum_setting(ctx)?;
    let lock = super::object_lock::requested_lock(ctx, &ctx.headers).await?;
    let upload = ctx
        .state
        .engine
        .create_multipart_upload(CreateMultipartInput {
            bucket: ctx.bucket()?.clone(),
            key: ctx.key()?.clone(),
            headers: headers::content_headers(&ctx.headers)?,
            user_metadata: headers::user_metadata(&ctx.headers),
            storage_class: storage_class(&ctx.headers)?,
            tags: headers::object_tags(&ctx.headers)?,
            checksum_algorithm,
            checksum_type,
            owner: acl.owner,
            initiator: initiator_of(&ctx.principal)?,
            acl: acl.acl,
            encryption: requested_encryption(ctx, &ctx.headers)?,
            kms: kms_for(ctx),
            lock,
        })
        .await?;
    let doc = InitiateMultipartUploadResult::new(
        ctx.bucket()?.to_string(),
        upload.key.clone(),
        upload.upload_id.clone(),
    );
    let mut r = response::xml(StatusCode::OK, to_document(&doc)?);
    set_encryption_headers(&mut r, upload.encryption.as_ref(), Echo::Write)?;
    if let Some((algorithm, kind)) = upload.checksum {
        response::set(&mut r, "x-amz-checksum-algorithm", algorithm.name())?;
        response::set(&mut r, "x-amz-checksum-type", kind.name())?;
    }
    Ok(r)
}

/// The part's checksum header: the client's (verified) or, when it sent none, the one the
/// part is stored with.
fn part_checksum_header(r: &mut Response, out: &UploadPartOutput) -> Result<(), ApiError> {
    let (algorithm, raw) = out.client_checksum.as_ref().unwrap_or(&out.checksum);
    response::set(
        r,
        algorithm.header_name(),
        &ChecksumAlgorithm::encode_value(raw),
    )
}

pub async fn upload_part(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let chunked = ctx.body_is_chunked();
    let declared_len = headers::declared_length(&ctx.headers, chunked)?;
    let (checksum, trailer) = headers::checksum(&ctx.headers)?;
    let input = UploadPartInput {
        bucket: ctx.bucket()?.clone(),
        key: ctx.key()?.clone(),
        upload_id: upload_id(ctx)?,
        part_number: part_number(ctx)?,
        declared_len: Some(declared_len),
        content_md5: headers::content_md5(&ctx.headers)?,
        checksum,
        keys: key_access(ctx)?,
        body: ctx.take_body(trailer),
    };
    let out = ctx.state.engine.upload_part(input).await?;
    let mut r = response::empty(StatusCode::OK);
    response::set(&mut r, "etag", &out.etag.quoted())?;
    set_encryption_headers(&mut r, out.encryption.as_ref(), Echo::Read)?;
    part_checksum_header(&mut r, &out)?;
    Ok(r)
}

pub async fn upload_part_copy(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let raw_source = headers::get(&ctx.headers, "x-amz-copy-source")?.unwrap_or("");
    let source = parse_copy_source(raw_source)?;
    authorize_copy_source(ctx, &source).await?;
    let source_range = match headers::get(&ctx.headers, "x-amz-copy-source-range")? {
        None => None,
        Some(v) => Some(
            ByteRange::parse_header(v)
                .filter(|r| matches!(r, ByteRange::Closed { .. }))
                .ok_or_else(|| {
                    ApiError::invalid_argument(
                        "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                        "x-amz-copy-source-range",
                        v,
                    )
                })?,
        ),
    };
    let out = ctx
        .state
        .engine
        .upload_part_copy(UploadPartCopyInput {
            bucket: ctx.bucket()?.clone(),
            key: ctx.key()?.clone(),
            upload_id: upload_id(ctx)?,
            part_number: part_number(ctx)?,
            source_conditions: headers::read_conditions(&ctx.headers, "x-amz-copy-source-")?,
            source_range,
            keys: key_access(ctx)?,
            source_customer_key: customer_key(ctx, &ctx.headers, CustomerKeyHeaders::CopySource)?,
            source: source.clone(),
        })
        .await
        .map_err(|e| {
            let e = ApiError::from(e);
            if e.code == S3ErrorCode::NoSuchKey {
                e.field("Key", source.key.clone())
            } else {
                e
            }
        })?;
    let (algorithm, raw) = &out.checksum;
    let doc = CopyPartResult::new(
        timestamp(out.last_modified),
        out.etag.quoted(),
        ChecksumFields::of_raw(*algorithm, raw),
    );
    let mut r = response::xml(StatusCode::OK, to_document(&doc)?);
    set_encryption_headers(&mut r, out.encryption.as_ref(), Echo::Read)?;
    Ok(r)
}

/// Characters S3 leaves unencoded in the `Location` of a completed upload.
const LOCATION_KEY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

fn location(ctx: &RequestCtx) -> Result<String, ApiError> {
    let host = headers::get(&ctx.headers, "host")?.unwrap_or("localhost");
    let key = utf8_percent_encode(ctx.key()?.as_str(), LOCATION_KEY);
    let scheme = if ctx.info.secure_transport {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{host}/{}/{key}", ctx.bucket()?))
}

pub async fn complete_multipart_upload(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_body_limited(ctx.take_body(None), MAX_COMPLETE_BODY).await?;
    let request: CompleteMultipartUpload = from_body(&body)?;
    let mut parts = Vec::with_capacity(request.parts.len());
    for part in request.parts {
        let checksum = match part.checksum().get() {
            None => None,
            Some((algorithm, value)) => Some((
                algorithm,
                algorithm
                    .decode_value(value)
                    .ok_or(S3ErrorCode::InvalidPart)?,
            )),
        };
        parts.push(CompletedPart {
            number: part.part_number,
            etag: part.etag,
            checksum,
        });
    }
    // A whole-object checksum sent with the request; a composite one carries `-N`.
    let mut object_checksum = None;
    for algorithm in ChecksumAlgorithm::ALL {
        if let Some(value) = headers::get(&ctx.headers, algorithm.header_name())? {
            let base = value.split('-').next().unwrap_or(value);
            let raw = algorithm.decode_value(base).ok_or_else(|| {
                ApiError::with_message(
                    S3ErrorCode::InvalidRequest,
                    format!("Value for {} header is invalid.", algorithm.header_name()),
                )
            })?;
            object_checksum = Some((algorithm, raw));
        }
    }
    let (_, checksum_type) = checksum_setting(ctx)?;
    let object_size = match headers::get(&ctx.headers, "x-amz-mp-object-size")? {
        None => None,
        Some(v) => Some(v.trim().parse::<u64>().map_err(|_| {
            ApiError::invalid_argument("Invalid x-amz-mp-object-size", "x-amz-mp-object-size", v)
        })?),
    };
    let output = ctx
        .state
        .engine
        .complete_multipart_upload(CompleteMultipartInput {
            bucket: ctx.bucket()?.clone(),
            key: ctx.key()?.as_str().to_owned(),
            upload_id: upload_id(ctx)?,
            parts,
            object_checksum,
            checksum_type,
            object_size,
            condition: headers::write_condition(&ctx.headers)?,
        })
        .await?;
    let mut doc = CompleteMultipartUploadResult::new(
        location(ctx)?,
        ctx.bucket()?.to_string(),
        ctx.key()?.as_str().to_owned(),
        output.etag.quoted(),
    );
    // The record just committed carries the object's checksum.
    let record = ctx
        .state
        .engine
        .object_version(ctx.bucket()?, ctx.key()?.as_str(), None)
        .await
        .ok()
        .filter(|r| r.etag == output.etag);
    if let Some((algorithm, value, kind)) = record.as_ref().and_then(|r| r.checksum_header()) {
        doc.set_checksum(ChecksumFields::of(algorithm, value));
        doc.checksum_type = Some(kind.name());
    }
    let mut r = response::xml(StatusCode::OK, to_document(&doc)?);
    set_encryption_headers(&mut r, output.encryption.as_ref(), Echo::Read)?;
    super::object::set_version_header(ctx, &mut r, output.version_id.as_deref())?;
    Ok(r)
}

pub async fn abort_multipart_upload(ctx: &RequestCtx) -> Result<Response, ApiError> {
    ctx.state
        .engine
        .abort_multipart_upload(ctx.bucket()?, ctx.key()?.as_str(), &upload_id(ctx)?)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}

pub async fn list_parts(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let max_parts = int_param(ctx, "max-parts", 1000)?;
    let marker = u32::try_from(int_param(ctx, "part-number-marker", 0)?).unwrap_or(u32::MAX);
    let page = ctx
        .state
        .engine
        .list_parts(
            ctx.bucket()?,
            ctx.key()?.as_str(),
            &upload_id(ctx)?,
            marker,
            max_parts,
        )
        .await?;
    let (algorithm, kind) = page.upload.object_checksum();
    let (checksum_algorithm, checksum_type) = checksum_names(page.upload.checksum);
    let owner = OwnerXml::from(&page.upload.owner);
    let doc = ListPartsResult {
        xmlns: S3_NAMESPACE,
        bucket: ctx.bucket()?.to_string(),
        key: page.upload.key.clone(),
        upload_id: page.upload.upload_id.clone(),
        part_number_marker: marker,
        next_part_number_marker: page.next_marker,
        max_parts: max_parts.min(1000),
        is_truncated: page.is_truncated,
        parts: page
            .parts
            .iter()
            .map(|p| {
                let mut part = PartXml::new(
                    p.number,
                    timestamp(p.last_modified),
                    p.etag.quoted(),
                    p.size,
                );
                // Parts show their checksum when the upload named an algorithm.
                if page.upload.checksum.is_some() {
                    part.set_checksum(ChecksumFields::of_raw(algorithm, &p.checksum));
                }
                part
            })
            .collect(),
        initiator: initiator_xml(&page.upload),
        owner,
        storage_class: page.upload.storage_class.clone(),
        checksum_algorithm,
        checksum_type: checksum_type.or(page.upload.checksum.map(|_| kind.name())),
    };
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}

pub async fn list_multipart_uploads(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let enc = list_encoder(ctx)?;
    let max_uploads = int_param(ctx, "max-uploads", 1000)?.min(1000);
    let params = ListUploadsParams {
        prefix: ctx.query.get("prefix").unwrap_or("").to_owned(),
        delimiter: ctx
            .query
            .get("delimiter")
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        key_marker: ctx.query.get("key-marker").map(str::to_owned),
        upload_id_marker: ctx.query.get("upload-id-marker").map(str::to_owned),
        max_uploads,
    };
    let page = ctx
        .state
        .engine
        .list_multipart_uploads(ctx.bucket()?, &params)
        .await?;
    let mut uploads = Vec::new();
    let mut common_prefixes = Vec::new();
    for entry in page.entries {
        match entry {
            UploadListEntry::Upload(u) => {
                let (checksum_algorithm, checksum_type) = checksum_names(u.checksum);
                uploads.push(UploadXml {
                    key: enc.apply(&u.key),
                    upload_id: u.upload_id.clone(),
                    initiator: initiator_xml(&u),
                    owner: OwnerXml::from(&u.owner),
                    storage_class: u.storage_class.clone(),
                    initiated: timestamp(u.initiated),
                    checksum_algorithm,
                    checksum_type,
                });
            }
            UploadListEntry::CommonPrefix(p) => common_prefixes.push(PrefixXml {
                prefix: enc.apply(&p),
            }),
        }
    }
    let doc = ListMultipartUploadsResult {
        xmlns: S3_NAMESPACE,
        bucket: ctx.bucket()?.to_string(),
        key_marker: enc.apply(params.key_marker.as_deref().unwrap_or("")),
        upload_id_marker: params.upload_id_marker.clone().unwrap_or_default(),
        next_key_marker: page.next_key_marker.map(|k| enc.apply(&k)),
        next_upload_id_marker: page.next_upload_id_marker,
        delimiter: params.delimiter.as_deref().map(|d| enc.apply(d)),
        prefix: enc.apply(&params.prefix),
        max_uploads,
        is_truncated: page.is_truncated,
        encoding_type: enc.encoding_type(),
        uploads,
        common_prefixes,
    };
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}
