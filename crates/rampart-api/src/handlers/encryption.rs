//! Server-side encryption: the `x-amz-server-side-encryption` request header on object writes,
//! its echo on responses, and Put/Get/DeleteBucketEncryption (a bucket's default).

use axum::response::Response;
use http::{HeaderMap, StatusCode};
use rampart_engine::BucketConfigKind;
use rampart_engine::sse::{BucketEncryption, ServerSideEncryption};

use super::bucket_tagging::read_config_body;
use crate::error::{ApiError, S3ErrorCode};
use crate::headers;
use crate::response;
use crate::service::RequestCtx;
use crate::xml::encryption::EncryptionConfigurationXml;
use crate::xml::{from_body, to_document};

const HEADER: &str = "x-amz-server-side-encryption";
/// One rule of a few short values.
const MAX_ENCRYPTION_BODY: usize = 16 * 1024;

fn kms_not_built() -> ApiError {
    ApiError::not_implemented(
        "Server-side encryption with KMS keys is not implemented; the request was not applied.",
    )
}

/// The encryption an object write asks for with `x-amz-server-side-encryption`.
pub(crate) fn requested_encryption(
    headers: &HeaderMap,
) -> Result<Option<ServerSideEncryption>, ApiError> {
    match headers::get(headers, HEADER)? {
        None => Ok(None),
        Some("AES256") => Ok(Some(ServerSideEncryption::Aes256)),
        Some("aws:kms" | "aws:kms:dsse") => Err(kms_not_built().field("Header", HEADER)),
        Some(other) => Err(ApiError::invalid_argument(
            "The encryption method specified is not supported",
            HEADER,
            other,
        )),
    }
}

/// Echoes how the object is encrypted, as S3 does on every object response.
pub(crate) fn set_encryption_header(
    r: &mut Response,
    encryption: Option<ServerSideEncryption>,
) -> Result<(), ApiError> {
    match encryption {
        Some(sse) => response::set(r, HEADER, sse.header_value()),
        None => Ok(()),
    }
}

pub async fn put_bucket_encryption(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_config_body(ctx, MAX_ENCRYPTION_BODY).await?;
    let config: EncryptionConfigurationXml = from_body(&body)?;
    let [rule] = config.rules.as_slice() else {
        return Err(ApiError::new(S3ErrorCode::MalformedXML));
    };
    if rule.blocked.is_some() {
        return Err(ApiError::not_implemented(
            "BlockedEncryptionTypes is not implemented; the request was not applied.",
        ));
    }
    let default = rule
        .default
        .as_ref()
        .ok_or_else(|| ApiError::new(S3ErrorCode::MalformedXML))?;
    let algorithm = match default.algorithm.trim() {
        "AES256" => ServerSideEncryption::Aes256,
        "aws:kms" | "aws:kms:dsse" => return Err(kms_not_built()),
        _ => return Err(ApiError::new(S3ErrorCode::MalformedXML)),
    };
    if default.kms_key_id.is_some() {
        return Err(ApiError::with_message(
            S3ErrorCode::InvalidArgument,
            "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse",
        ));
    }
    let config = BucketEncryption {
        algorithm,
        bucket_key_enabled: rule.bucket_key_enabled.unwrap_or(false),
    };
    ctx.state
        .engine
        .put_bucket_config(ctx.bucket()?, BucketConfigKind::Encryption, &config)
        .await?;
    Ok(response::empty(StatusCode::OK))
}

pub async fn get_bucket_encryption(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let config = ctx
        .state
        .engine
        .bucket_encryption(bucket)
        .await?
        .ok_or_else(|| {
            ApiError::new(S3ErrorCode::ServerSideEncryptionConfigurationNotFoundError)
                .field("BucketName", bucket.as_str())
        })?;
    let doc =
        EncryptionConfigurationXml::new(config.algorithm.header_value(), config.bucket_key_enabled);
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}

/// Returns the bucket to the server's default (SSE-S3 unless the operator turned it off).
pub async fn delete_bucket_encryption(ctx: &RequestCtx) -> Result<Response, ApiError> {
    ctx.state
        .engine
        .delete_bucket_config(ctx.bucket()?, BucketConfigKind::Encryption)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}
