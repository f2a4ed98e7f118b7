//! What SSE-KMS needs from a key management service, as the engine sees it.
//!
//! The engine never names a KMS. A request that reads or writes SSE-KMS data brings a
//! [`KeyProvider`] already bound to its caller: the provider decides whether that caller may use
//! the key (key policy, IAM policies) and returns the data key. The built-in KMS is one
//! implementation; an external one (Vault transit, a KMIP server) is another, and S3 code does
//! not change.

use async_trait::async_trait;
use zeroize::Zeroizing;

/// The encryption context S3 binds to an object's data key: `aws:s3:arn` plus what the writer
/// supplied in `x-amz-server-side-encryption-context`, sorted by key.
pub type EncryptionContext = Vec<(String, String)>;

/// A fresh data key from a KMS.
pub struct KmsDataKey {
    /// The ARN of the KMS key that made it (what S3 reports in
    /// `x-amz-server-side-encryption-aws-kms-key-id`).
    pub key_arn: String,
    /// 32 bytes.
    pub plaintext: Zeroizing<Vec<u8>>,
    /// The same key, encrypted by the KMS key; stored with the object, useless without the KMS.
    pub ciphertext_blob: Vec<u8>,
}

/// Why a KMS refused, in the terms S3 reports them.
#[derive(Debug, thiserror::Error)]
pub enum KmsUseError {
    /// The key id, ARN or alias names no key the caller can see (`KMS.NotFoundException`).
    #[error("{0}")]
    NotFound(String),
    /// The key is disabled (`KMS.DisabledException`).
    #[error("{0}")]
    Disabled(String),
    /// The key is pending deletion (`KMS.KMSInvalidStateException`).
    #[error("{0}")]
    InvalidState(String),
    /// Neither the key policy nor the caller's policies allow the use (`AccessDenied`).
    #[error("{0}")]
    AccessDenied(String),
    /// The stored ciphertext or its context does not open (`KMS.InvalidCiphertextException`).
    #[error("{0}")]
    InvalidCiphertext(String),
    /// Anything else; reported as an internal error.
    #[error("{0}")]
    Internal(String),
}

/// A KMS as one request's caller may use it.
#[async_trait]
pub trait KeyProvider: Send + Sync {
    /// `GenerateDataKey` (AES_256) under `key_id`: a key id, key ARN, `alias/name` or alias
    /// ARN. Checks `kms:GenerateDataKey` for the caller.
    async fn generate_data_key(
        &self,
        key_id: &str,
        context: &EncryptionContext,
    ) -> Result<KmsDataKey, KmsUseError>;

    /// `Decrypt` of a blob made by [`KeyProvider::generate_data_key`] under `key_arn`, with
    /// the same context. Checks `kms:Decrypt` for the caller.
    async fn decrypt(
        &self,
        key_arn: &str,
        ciphertext_blob: &[u8],
        context: &EncryptionContext,
    ) -> Result<Zeroizing<Vec<u8>>, KmsUseError>;

    /// The ARN of the key `key_id` names, if it exists and the caller may see it (to check a
    /// bucket's default `KMSMasterKeyID` and report the full ARN).
    async fn key_arn(&self, key_id: &str) -> Result<String, KmsUseError>;
}
