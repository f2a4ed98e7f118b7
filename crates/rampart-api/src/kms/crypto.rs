//! Encrypt, Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext and ReEncrypt.

use rampart_kms::{EncryptionContext, Key};
use rampart_policy::ContextKeys;
use serde_json::json;

use super::shapes::blob;
use super::{Ctx, KeyParam, KmsApiError, Outcome};
use crate::authz::kms::kms_context_keys;

const ALGORITHM: &str = "SYMMETRIC_DEFAULT";
const ALGORITHMS: &[&str] = &[
    "SYMMETRIC_DEFAULT",
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "SM2PKE",
];

fn check_algorithm(cx: &Ctx<'_>, member: &str) -> Result<(), KmsApiError> {
    match cx.input.str(member)? {
        None | Some(ALGORITHM) => Ok(()),
        Some(a) if ALGORITHMS.contains(&a) => Err(KmsApiError::new(
            "InvalidKeyUsageException",
            format!("The encryption algorithm {a} is not supported by a symmetric encryption key."),
        )),
        Some(a) => Err(KmsApiError::validation(format!(
            "1 validation error detected: Value '{a}' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            ALGORITHMS.join(", ")
        ))),
    }
}

/// The condition keys of a cryptographic operation.
fn crypto_keys(cx: &Ctx<'_>, context: &EncryptionContext, reference: Option<&str>) -> ContextKeys {
    let mut keys = kms_context_keys(cx.principal, Some(context));
    keys.set("kms:EncryptionAlgorithm", ALGORITHM);
    if let Some(alias) = reference.filter(|r| r.starts_with("alias/") || r.contains(":alias/")) {
        let name = alias.rsplit_once(':').map_or(alias, |(_, n)| n);
        keys.set("kms:RequestAlias", name);
    }
    keys
}

pub async fn encrypt(cx: &Ctx<'_>) -> Outcome {
    let reference = cx.input.required_str("KeyId")?;
    let plaintext = rampart_kms::Zeroizing::new(cx.input.required_blob("Plaintext")?);
    let context = cx.input.context("EncryptionContext")?;
    check_algorithm(cx, "EncryptionAlgorithm")?;
    let key = cx.key(reference, KeyParam::Any).await?;
    cx.authorize(
        "kms:Encrypt",
        &key,
        crypto_keys(cx, &context, Some(reference)),
    )?;
    let ciphertext = cx.kms().encrypt(&key, &plaintext, &context).await?;
    Ok(Some(json!({
        "CiphertextBlob": blob(&ciphertext),
        "KeyId": key.arn,
        "EncryptionAlgorithm": ALGORITHM,
    })))
}

/// `KeySpec` (AES_256, AES_128) or `NumberOfBytes` (1–1024): exactly one.
fn data_key_len(cx: &Ctx<'_>) -> Result<usize, KmsApiError> {
    let spec = cx.input.str("KeySpec")?;
    let bytes = cx.input.int("NumberOfBytes")?;
    match (spec, bytes) {
        (Some("AES_256"), None) => Ok(32),
        (Some("AES_128"), None) => Ok(16),
        (Some(s), None) => Err(KmsApiError::validation(format!(
            "1 validation error detected: Value '{s}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
        ))),
        (None, Some(n)) if (1..=rampart_kms::MAX_DATA_KEY_BYTES as i64).contains(&n) => {
            Ok(n as usize)
        }
        (None, Some(n)) => Err(KmsApiError::validation(format!(
            "1 validation error detected: Value '{n}' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to {}",
            rampart_kms::MAX_DATA_KEY_BYTES
        ))),
        _ => Err(KmsApiError::validation(
            "Please specify either number of bytes or key spec.",
        )),
    }
}

pub async fn generate_data_key(cx: &Ctx<'_>, with_plaintext: bool) -> Outcome {
    let reference = cx.input.required_str("KeyId")?;
    let context = cx.input.context("EncryptionContext")?;
    let len = data_key_len(cx)?;
    let key = cx.key(reference, KeyParam::Any).await?;
    let action = if with_plaintext {
        "kms:GenerateDataKey"
    } else {
        "kms:GenerateDataKeyWithoutPlaintext"
    };
    cx.authorize(action, &key, crypto_keys(cx, &context, Some(reference)))?;
    let (plaintext, ciphertext) = cx.kms().generate_data_key(&key, len, &context).await?;
    let mut out = json!({
        "CiphertextBlob": blob(&ciphertext),
        "KeyId": key.arn,
    });
    if with_plaintext {
        out["Plaintext"] = blob(&plaintext);
    }
    Ok(Some(out))
}

/// The key a ciphertext blob was made under, checked against the request's own `KeyId`
/// member `member` when it has one.
async fn blob_key(cx: &Ctx<'_>, ciphertext: &[u8], member: &str) -> Result<Key, KmsApiError> {
    let (account, id) = cx.kms().ciphertext_key(ciphertext)?;
    let key = cx
        .key(&cx.kms().key_arn(&account, &id), KeyParam::AnyAccount)
        .await?;
    if let Some(reference) = cx.input.str(member)? {
        let named = cx.key(reference, KeyParam::Any).await?;
        if named.arn != key.arn {
            return Err(KmsApiError::new(
                "IncorrectKeyException",
                "The key ID in the request does not identify a CMK that can perform this operation.",
            ));
        }
    }
    Ok(key)
}

pub async fn decrypt(cx: &Ctx<'_>) -> Outcome {
    let ciphertext = cx.input.required_blob("CiphertextBlob")?;
    let context = cx.input.context("EncryptionContext")?;
    check_algorithm(cx, "EncryptionAlgorithm")?;
    let key = blob_key(cx, &ciphertext, "KeyId").await?;
    cx.authorize(
        "kms:Decrypt",
        &key,
        crypto_keys(cx, &context, cx.input.str("KeyId")?),
    )?;
    let plaintext = cx.kms().decrypt(&key, &ciphertext, &context).await?;
    Ok(Some(json!({
        "KeyId": key.arn,
        "Plaintext": blob(&plaintext),
        "EncryptionAlgorithm": ALGORITHM,
    })))
}

pub async fn re_encrypt(cx: &Ctx<'_>) -> Outcome {
    let ciphertext = cx.input.required_blob("CiphertextBlob")?;
    let source_context = cx.input.context("SourceEncryptionContext")?;
    let destination_context = cx.input.context("DestinationEncryptionContext")?;
    let destination_ref = cx.input.required_str("DestinationKeyId")?;
    check_algorithm(cx, "SourceEncryptionAlgorithm")?;
    check_algorithm(cx, "DestinationEncryptionAlgorithm")?;
    let source = blob_key(cx, &ciphertext, "SourceKeyId").await?;
    let destination = cx.key(destination_ref, KeyParam::Any).await?;
    cx.authorize(
        "kms:ReEncryptFrom",
        &source,
        crypto_keys(cx, &source_context, cx.input.str("SourceKeyId")?),
    )?;
    cx.authorize(
        "kms:ReEncryptTo",
        &destination,
        crypto_keys(cx, &destination_context, Some(destination_ref)),
    )?;
    let plaintext = cx
        .kms()
        .decrypt(&source, &ciphertext, &source_context)
        .await?;
    let out = cx
        .kms()
        .encrypt(&destination, &plaintext, &destination_context)
        .await?;
    Ok(Some(json!({
        "CiphertextBlob": blob(&out),
        "SourceKeyId": source.arn,
        "KeyId": destination.arn,
        "SourceEncryptionAlgorithm": ALGORITHM,
        "DestinationEncryptionAlgorithm": ALGORITHM,
    })))
}
