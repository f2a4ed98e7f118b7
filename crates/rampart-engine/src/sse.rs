//! Server-side encryption at rest: sealing object data as it is taken in and opening it as it
//! is read ([`rampart_crypto::segment`]), each blob under its own data key wrapped by the
//! server's master key (SSE-S3); and the bucket's default encryption.

use std::sync::Arc;

use rampart_crypto::MasterKey;
use rampart_crypto::segment::{DEFAULT_SEGMENT_SIZE, DataKey, Decryptor, Encryptor, Layout};
use rampart_store::BlobId;
use rampart_types::BucketName;
use serde::{Deserialize, Serialize};

use crate::bucket_config::BucketConfigKind;
use crate::records::decode;
use crate::{Engine, EngineError};

/// How an object is encrypted, as S3 reports it (`x-amz-server-side-encryption`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerSideEncryption {
    /// SSE-S3: keys managed by the server.
    Aes256,
}

impl ServerSideEncryption {
    /// The `x-amz-server-side-encryption` value.
    pub fn header_value(self) -> &'static str {
        match self {
            Self::Aes256 => "AES256",
        }
    }
}

/// A bucket's default encryption (`ServerSideEncryptionConfiguration`), applied to writes that
/// name none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketEncryption {
    pub algorithm: ServerSideEncryption,
    pub bucket_key_enabled: bool,
}

/// Encryption settings of the whole server.
#[derive(Clone, Debug, Default)]
pub struct SseConfig {
    /// Wraps every SSE-S3 data key; without it nothing can be encrypted.
    pub master_key: Option<Arc<MasterKey>>,
    /// Buckets without an encryption configuration encrypt with SSE-S3 (S3's behaviour since
    /// 2023); off, they store plain blobs and GetBucketEncryption finds no configuration.
    pub encrypt_by_default: bool,
}

/// How one blob (or one inline object's bytes) is sealed: the segment size it was written with
/// and its data key, wrapped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedKey {
    pub segment_size: u32,
    pub wrapped: Vec<u8>,
}

/// What the wrapped key is bound to: the data's id, so a wrapped key cannot be moved to other
/// data.
fn wrap_context(id: &BlobId) -> Vec<u8> {
    let mut context = b"rampart-sse-s3/".to_vec();
    context.extend_from_slice(id.as_str().as_bytes());
    context
}

impl Engine {
    fn master_key(&self) -> Result<&MasterKey, EngineError> {
        self.config
            .sse
            .master_key
            .as_deref()
            .ok_or_else(|| EngineError::Internal("encryption needs a master key".into()))
    }

    /// The encryption a write gets: what it asked for, else the bucket's default.
    pub async fn resolve_encryption(
        &self,
        bucket: &BucketName,
        requested: Option<ServerSideEncryption>,
    ) -> Result<Option<ServerSideEncryption>, EngineError> {
        if requested.is_some() {
            return Ok(requested);
        }
        Ok(self
            .bucket_encryption(bucket)
            .await?
            .map(|config| config.algorithm))
    }

    /// The bucket's default encryption: its configuration, or SSE-S3 when it has none and
    /// the server encrypts by default.
    pub async fn bucket_encryption(
        &self,
        bucket: &BucketName,
    ) -> Result<Option<BucketEncryption>, EngineError> {
        match self
            .bucket_config_raw(bucket, BucketConfigKind::Encryption)
            .await?
        {
            Some(raw) => Ok(Some(decode(&raw)?)),
            None if self.config.sse.encrypt_by_default => Ok(Some(BucketEncryption {
                algorithm: ServerSideEncryption::Aes256,
                bucket_key_enabled: false,
            })),
            None => Ok(None),
        }
    }

    /// An encryptor under a fresh data key, when `sse` asks for one.
    pub(crate) fn start_sealing(
        &self,
        sse: Option<ServerSideEncryption>,
    ) -> Result<Option<(Encryptor, DataKey)>, EngineError> {
        match sse {
            None => Ok(None),
            Some(ServerSideEncryption::Aes256) => {
                self.master_key()?;
                let (encryptor, key) = Encryptor::new(DEFAULT_SEGMENT_SIZE)
                    .map_err(|e| EngineError::Internal(e.to_string()))?;
                Ok(Some((encryptor, key)))
            }
        }
    }

    /// Wraps the data key of the data stored as `id`.
    pub(crate) fn wrap_key(&self, key: &DataKey, id: &BlobId) -> Result<SealedKey, EngineError> {
        Ok(SealedKey {
            segment_size: DEFAULT_SEGMENT_SIZE,
            wrapped: self.master_key()?.seal(&wrap_context(id), key.as_bytes()),
        })
    }

    fn unwrap_key(&self, sealed: &SealedKey, id: &BlobId) -> Result<DataKey, EngineError> {
        let raw = self
            .master_key()?
            .open(&wrap_context(id), &sealed.wrapped)
            .map_err(|e| EngineError::DataCorrupted(format!("data key of {id}: {e}")))?;
        DataKey::from_bytes(&raw).map_err(|e| EngineError::DataCorrupted(e.to_string()))
    }

    /// A decryptor for plaintext `span` of data `id` of `plain_len` bytes, and the sealed
    /// bytes to feed it.
    pub(crate) fn open_sealed(
        &self,
        sealed: &SealedKey,
        id: &BlobId,
        plain_len: u64,
        span: std::ops::Range<u64>,
    ) -> Result<(Decryptor, std::ops::Range<u64>), EngineError> {
        let corrupt = |e: rampart_crypto::CryptoError| {
            EngineError::DataCorrupted(format!("sealed data {id}: {e}"))
        };
        let layout = Layout::new(sealed.segment_size, plain_len).map_err(corrupt)?;
        let plan = layout.plan(span).map_err(corrupt)?;
        let key = self.unwrap_key(sealed, id)?;
        let decryptor = Decryptor::new(&key, layout, &plan).map_err(corrupt)?;
        Ok((decryptor, plan.sealed))
    }
}
