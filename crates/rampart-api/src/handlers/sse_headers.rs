//! The object encryption headers: what a write asks for (SSE-S3, SSE-C, SSE-KMS), the keys a
//! request brings to open encrypted data, and their echo on responses, as S3 words each error.

use std::sync::Arc;

use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::HeaderMap;
use rampart_crypto::CustomerKey;
use rampart_engine::key_provider::{EncryptionContext, KeyProvider};
use rampart_engine::sse::{EncryptionRequest, KeyAccess, ServerSideEncryption, SseCustomerKey};

use crate::error::{ApiError, S3ErrorCode};
use crate::headers;
use crate::response;
use crate::service::RequestCtx;

const SSE: &str = "x-amz-server-side-encryption";
const KMS_KEY_ID: &str = "x-amz-server-side-encryption-aws-kms-key-id";
const CONTEXT: &str = "x-amz-server-side-encryption-context";
const BUCKET_KEY: &str = "x-amz-server-side-encryption-bucket-key-enabled";
const CUSTOMER_ALGORITHM: &str = "x-amz-server-side-encryption-customer-algorithm";
const CUSTOMER_KEY_MD5: &str = "x-amz-server-side-encryption-customer-key-md5";

/// The header family an SSE-C key arrives in.
#[derive(Clone, Copy)]
pub(crate) enum CustomerKeyHeaders {
    /// `x-amz-server-side-encryption-customer-*`: the object written or read.
    Object,
    /// `x-amz-copy-source-server-side-encryption-customer-*`: the source of a copy.
    CopySource,
}

impl CustomerKeyHeaders {
    fn names(self) -> [&'static str; 3] {
        match self {
            Self::Object => [
                "x-amz-server-side-encryption-customer-algorithm",
                "x-amz-server-side-encryption-customer-key",
                "x-amz-server-side-encryption-customer-key-MD5",
            ],
            Self::CopySource => [
                "x-amz-copy-source-server-side-encryption-customer-algorithm",
                "x-amz-copy-source-server-side-encryption-customer-key",
                "x-amz-copy-source-server-side-encryption-customer-key-MD5",
            ],
        }
    }
}

/// Whether a request may carry an SSE-C key: over TLS, or from loopback when the operator
/// allows plain HTTP there for development.
fn may_carry_secrets(ctx: &RequestCtx) -> bool {
    ctx.info.secure_transport
        || (ctx.state.config.allow_plain_http_from_loopback
            && ctx.info.source_ip.is_some_and(|ip| ip.is_loopback()))
}

/// The SSE-C key in `family`'s headers, checked as S3 checks it.
pub(crate) fn customer_key(
    ctx: &RequestCtx,
    headers: &HeaderMap,
    family: CustomerKeyHeaders,
) -> Result<Option<SseCustomerKey>, ApiError> {
    let [algorithm_name, key_name, md5_name] = family.names();
    let algorithm = headers::get(headers, algorithm_name)?;
    let key = headers::get(headers, key_name)?;
    let md5 = headers::get(headers, md5_name)?;
    if algorithm.is_none() && key.is_none() && md5.is_none() {
        return Ok(None);
    }
    if !may_carry_secrets(ctx) {
        return Err(ApiError::with_message(
            S3ErrorCode::InvalidRequest,
            "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.",
        ));
    }
    let Some(algorithm) = algorithm else {
        return Err(ApiError::invalid_argument(
            "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.",
            algorithm_name,
            "null",
        ));
    };
    if algorithm != "AES256" {
        return Err(ApiError::new(S3ErrorCode::InvalidEncryptionAlgorithmError)
            .field("ArgumentName", algorithm_name)
            .field("ArgumentValue", algorithm));
    }
    let Some(key) = key else {
        return Err(ApiError::invalid_argument(
            "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.",
            key_name,
            "null",
        ));
    };
    let invalid_key = || {
        ApiError::with_message(
            S3ErrorCode::InvalidArgument,
            "The secret key was invalid for the specified algorithm.",
        )
        .field("ArgumentName", key_name)
    };
    let raw = rampart_crypto::Zeroizing::new(BASE64.decode(key).map_err(|_| invalid_key())?);
    let customer = CustomerKey::from_bytes(&raw).map_err(|_| invalid_key())?;
    let Some(md5) = md5 else {
        return Err(ApiError::invalid_argument(
            "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.",
            md5_name,
            "null",
        ));
    };
    let computed = BASE64.encode(rampart_engine::Md5::digest(&raw));
    if md5 != computed {
        return Err(ApiError::with_message(
            S3ErrorCode::InvalidArgument,
            "The calculated MD5 hash of the key did not match the hash that was provided.",
        )
        .field("ArgumentName", md5_name));
    }
    Ok(Some(SseCustomerKey {
        key: customer,
        key_md5: computed,
    }))
}

/// The KMS as this request's caller may use it.
pub(crate) fn kms_for(ctx: &RequestCtx) -> Option<Arc<dyn KeyProvider>> {
    Some(crate::kms::key_provider_for(
        &ctx.state,
        &ctx.principal,
        &ctx.info,
    ))
}

/// What the request brings to open the object it names.
pub(crate) fn key_access(ctx: &RequestCtx) -> Result<KeyAccess, ApiError> {
    Ok(KeyAccess {
        customer: customer_key(ctx, &ctx.headers, CustomerKeyHeaders::Object)?,
        kms: kms_for(ctx),
    })
}

/// The encryption an object write asks for in `headers` (the request's, or a POST form's
/// fields).
pub(crate) fn requested_encryption(
    ctx: &RequestCtx,
    headers: &HeaderMap,
) -> Result<Option<EncryptionRequest>, ApiError> {
    let sse = headers::get(headers, SSE)?;
    let customer = customer_key(ctx, headers, CustomerKeyHeaders::Object)?;
    let kms_only = [KMS_KEY_ID, CONTEXT, BUCKET_KEY]
        .into_iter()
        .find(|name| headers.contains_key(*name));
    if let Some(customer) = customer {
        if sse.is_some() || kms_only.is_some() {
            return Err(ApiError::with_message(
                S3ErrorCode::InvalidArgument,
                "Server Side Encryption with Customer provided key is incompatible with the encryption method specified",
            ));
        }
        return Ok(Some(EncryptionRequest::Customer(customer)));
    }
    match sse {
        None => match kms_only {
            Some(name) if name != BUCKET_KEY => Err(ApiError::invalid_argument(
                "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms",
                SSE,
                "null",
            )),
            _ => Ok(None),
        },
        Some("AES256") => match kms_only {
            Some(name) if name != BUCKET_KEY => Err(ApiError::invalid_argument(
                "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms",
                SSE,
                "AES256",
            )),
            _ => Ok(Some(EncryptionRequest::S3)),
        },
        Some("aws:kms") => Ok(Some(EncryptionRequest::Kms {
                key_id: headers::get(headers, KMS_KEY_ID)?
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned),
                context: encryption_context(headers)?,
                bucket_key_enabled: bucket_key_enabled(headers)?,
        })),
        Some("aws:kms:dsse") => Err(ApiError::not_implemented(
            "Dual-layer server-side encryption (aws:kms:dsse) is not implemented; the request was not applied.",
        )
        .field("Header", SSE)),
        Some(other) => Err(ApiError::invalid_argument(
            "The encryption method specified is not supported",
            SSE,
            other,
        )),
    }
}

/// `x-amz-server-side-encryption-context`: base64 of a JSON object of strings.
fn encryption_context(headers: &HeaderMap) -> Result<EncryptionContext, ApiError> {
    let Some(value) = headers::get(headers, CONTEXT)? else {
        return Ok(Vec::new());
    };
    let invalid = || {
        ApiError::invalid_argument(
            "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map",
            CONTEXT,
            value,
        )
    };
    let json = BASE64.decode(value).map_err(|_| invalid())?;
    let map: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&json).map_err(|_| invalid())?;
    Ok(map.into_iter().collect())
}

fn bucket_key_enabled(headers: &HeaderMap) -> Result<Option<bool>, ApiError> {
    match headers::get(headers, BUCKET_KEY)? {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(ApiError::invalid_argument(
            "The x-amz-server-side-encryption-bucket-key-enabled header must be true or false",
            BUCKET_KEY,
            v,
        )),
    }
}

/// Which response the encryption headers go on: writes also echo the KMS encryption context.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Echo {
    Write,
    Read,
}

/// Echoes how the object is encrypted, as S3 does on every object response.
pub(crate) fn set_encryption_headers(
    r: &mut Response,
    encryption: Option<&ServerSideEncryption>,
    echo: Echo,
) -> Result<(), ApiError> {
    let Some(encryption) = encryption else {
        return Ok(());
    };
    if let Some(value) = encryption.header_value() {
        response::set(r, SSE, value)?;
    }
    match encryption {
        ServerSideEncryption::Aes256 => {}
        ServerSideEncryption::Customer { key_md5, .. } => {
            response::set(r, CUSTOMER_ALGORITHM, "AES256")?;
            response::set(r, CUSTOMER_KEY_MD5, key_md5)?;
        }
        ServerSideEncryption::Kms {
            key_arn,
            context,
            bucket_key_enabled,
            ..
        } => {
            response::set(r, KMS_KEY_ID, key_arn)?;
            if *bucket_key_enabled {
                response::set(r, BUCKET_KEY, "true")?;
            }
            if echo == Echo::Write {
                let map: serde_json::Map<String, serde_json::Value> = context
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect();
                let json = serde_json::to_vec(&map)
                    .map_err(|e| ApiError::internal(format!("encryption context: {e}")))?;
                response::set(r, CONTEXT, &BASE64.encode(json))?;
            }
        }
    }
    Ok(())
}
