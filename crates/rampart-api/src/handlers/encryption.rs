//! Put/Get/DeleteBucketEncryption: a bucket's default encryption and the encryption types
//! its writes may not use (`BlockedEncryptionTypes`).

use axum::response::Response;
use http::StatusCode;
use rampart_engine::BucketConfigKind;
use rampart_engine::sse::{BucketEncryption, DefaultAlgorithm};

use super::bucket_tagging::read_config_body;
use crate::error::{ApiError, S3ErrorCode};
use crate::response;
use crate::service::RequestCtx;
use crate::xml::encryption::{EncryptionConfigurationXml, EncryptionRuleXml};
use crate::xml::{from_body, to_document};

/// One rule of a few short values.
const MAX_ENCRYPTION_BODY: usize = 16 * 1024;
const SSE_C: &str = "SSE-C";
const NONE: &str = "NONE";

pub async fn put_bucket_encryption(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let body = read_config_body(ctx, MAX_ENCRYPTION_BODY).await?;
    let config: EncryptionConfigurationXml = from_body(&body)?;
    let [rule] = config.rules.as_slice() else {
        return Err(ApiError::new(S3ErrorCode::MalformedXML));
    };
    if rule.default.is_none() && rule.blocked.is_none() {
        return Err(ApiError::new(S3ErrorCode::MalformedXML));
    }
    // What the rule leaves out keeps its current value: re-putting a default never unblocks
    // SSE-C by omission.
    let current = ctx.state.engine.bucket_encryption(bucket).await?;
    let mut config = current.unwrap_or(BucketEncryption {
        algorithm: None,
        kms_key_id: None,
        bucket_key_enabled: false,
        block_sse_c: false,
    });
    if rule.default.is_some() {
        let (algorithm, kms_key_id) = default_algorithm(rule)?;
        config.algorithm = Some(algorithm);
        config.kms_key_id = kms_key_id;
    }
    config.bucket_key_enabled = rule.bucket_key_enabled.unwrap_or(false);
    if let Some(blocked) = &rule.blocked {
        config.block_sse_c = blocked_sse_c(&blocked.types)?;
    }
    ctx.state
        .engine
        .put_bucket_config(bucket, BucketConfigKind::Encryption, &config)
        .await?;
    Ok(response::empty(StatusCode::OK))
}

fn default_algorithm(
    rule: &EncryptionRuleXml,
) -> Result<(DefaultAlgorithm, Option<String>), ApiError> {
    let Some(default) = &rule.default else {
        return Err(ApiError::new(S3ErrorCode::MalformedXML));
    };
    let key_id = default
        .kms_key_id
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    match default.algorithm.trim() {
        "AES256" if key_id.is_some() => Err(ApiError::with_message(
            S3ErrorCode::InvalidArgument,
            "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse",
        )),
        "AES256" => Ok((DefaultAlgorithm::Aes256, None)),
        "aws:kms" => Ok((DefaultAlgorithm::AwsKms, key_id.map(str::to_owned))),
        "aws:kms:dsse" => Err(ApiError::not_implemented(
            "Dual-layer server-side encryption (aws:kms:dsse) is not implemented; the request was not applied.",
        )),
        _ => Err(ApiError::new(S3ErrorCode::MalformedXML)),
    }
}

/// `BlockedEncryptionTypes`: `SSE-C` blocks SSE-C writes, `NONE` blocks nothing.
fn blocked_sse_c(types: &[String]) -> Result<bool, ApiError> {
    let mut block = false;
    for kind in types {
        match kind.trim() {
            SSE_C => block = true,
            NONE => {}
            other => {
                return Err(ApiError::invalid_argument(
                    "The BlockedEncryptionTypes value is not valid; valid values are SSE-C and NONE",
                    "EncryptionType",
                    other,
                ));
            }
        }
    }
    if block && types.iter().any(|t| t.trim() == NONE) {
        return Err(ApiError::invalid_argument(
            "NONE cannot be combined with another blocked encryption type",
            "EncryptionType",
            NONE,
        ));
    }
    Ok(block)
}

pub async fn get_bucket_encryption(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let not_found = || {
        ApiError::new(S3ErrorCode::ServerSideEncryptionConfigurationNotFoundError)
            .field("BucketName", bucket.as_str())
    };
    let config = ctx
        .state
        .engine
        .bucket_encryption(bucket)
        .await?
        .ok_or_else(not_found)?;
    if config.algorithm.is_none() && !config.block_sse_c {
        return Err(not_found());
    }
    let doc = EncryptionConfigurationXml::from_config(&config);
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}

/// Returns the bucket to the server's defaults (SSE-S3 and SSE-C blocked, unless the operator
/// changed either).
pub async fn delete_bucket_encryption(ctx: &RequestCtx) -> Result<Response, ApiError> {
    ctx.state
        .engine
        .delete_bucket_config(ctx.bucket()?, BucketConfigKind::Encryption)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}
