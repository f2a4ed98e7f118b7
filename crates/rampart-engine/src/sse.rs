//! Server-side encryption at rest: which key wraps each blob's data key — the server's master
//! key (SSE-S3), the customer's key (SSE-C) or a key the KMS makes per object (SSE-KMS) — and
//! the bucket's default encryption and blocked types.

use std::sync::Arc;

use rampart_crypto::segment::{DEFAULT_SEGMENT_SIZE, DataKey, Decryptor, Encryptor, Layout};
use rampart_crypto::{CustomerKey, KeyFingerprint, MasterKey};
use rampart_store::BlobId;
use rampart_types::BucketName;
use serde::{Deserialize, Serialize};

use crate::bucket_config::BucketConfigKind;
use crate::key_provider::{EncryptionContext, KeyProvider};
use crate::records::decode;
use crate::{Engine, EngineError};

/// How an object (or a multipart upload and its parts) is encrypted at rest, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerSideEncryption {
    /// SSE-S3: data keys wrapped by the server's master key.
    Aes256,
    /// SSE-C: data keys wrapped by the customer's key, which is never stored; its salted
    /// fingerprint recognises it.
    Customer {
        /// The base64 MD5 of the key, echoed as `x-amz-server-side-encryption-customer-key-MD5`.
        key_md5: String,
        salt: Vec<u8>,
        mac: Vec<u8>,
    },
    /// SSE-KMS: data keys wrapped by a key the KMS made for this object; only the KMS can
    /// open `ciphertext_blob`.
    Kms {
        key_arn: String,
        ciphertext_blob: Vec<u8>,
        context: EncryptionContext,
        bucket_key_enabled: bool,
    },
}

impl ServerSideEncryption {
    /// The `x-amz-server-side-encryption` value; SSE-C objects report theirs in the
    /// `-customer-algorithm` header instead.
    pub fn header_value(&self) -> Option<&'static str> {
        match self {
            Self::Aes256 => Some("AES256"),
            Self::Customer { .. } => None,
            Self::Kms { .. } => Some("aws:kms"),
        }
    }

    /// The MD5 of the customer key, for an SSE-C object.
    pub fn customer_key_md5(&self) -> Option<&str> {
        match self {
            Self::Customer { key_md5, .. } => Some(key_md5),
            _ => None,
        }
    }
}

/// A customer key as a request brings it: the key and its base64 MD5 (already checked).
#[derive(Clone, Debug)]
pub struct SseCustomerKey {
    pub key: CustomerKey,
    pub key_md5: String,
}

/// The encryption a write asks for.
#[derive(Clone, Debug)]
pub enum EncryptionRequest {
    /// `x-amz-server-side-encryption: AES256`.
    S3,
    /// The SSE-C headers.
    Customer(SseCustomerKey),
    /// `x-amz-server-side-encryption: aws:kms`, with the key (else the bucket's default key,
    /// else the account's `aws/s3` key), the caller's encryption context and the bucket-key
    /// switch.
    Kms {
        key_id: Option<String>,
        context: EncryptionContext,
        bucket_key_enabled: Option<bool>,
    },
}

impl EncryptionRequest {
    fn type_name(&self) -> &'static str {
        match self {
            Self::S3 => "SSE-S3",
            Self::Customer(_) => "SSE-C",
            Self::Kms { .. } => "SSE-KMS",
        }
    }
}

/// What a request brings to open encrypted data: its SSE-C key, and the KMS as its caller may
/// use it.
#[derive(Clone, Default)]
pub struct KeyAccess {
    pub customer: Option<SseCustomerKey>,
    pub kms: Option<Arc<dyn KeyProvider>>,
}

impl std::fmt::Debug for KeyAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyAccess")
            .field("customer", &self.customer)
            .field("kms", &self.kms.is_some())
            .finish()
    }
}

/// The default algorithm of a bucket's encryption configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DefaultAlgorithm {
    Aes256,
    AwsKms,
}

/// A bucket's encryption configuration (`ServerSideEncryptionConfiguration`): the default
/// applied to writes that name none, and the encryption types its writes may not use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketEncryption {
    /// `ApplyServerSideEncryptionByDefault`; `None` when the rule only blocks types.
    pub algorithm: Option<DefaultAlgorithm>,
    /// `KMSMasterKeyID` for `aws:kms`: a key id, ARN or alias; `None` uses `aws/s3`.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    pub bucket_key_enabled: bool,
    /// `BlockedEncryptionTypes` holds `SSE-C`.
    #[serde(default)]
    pub block_sse_c: bool,
}

/// Encryption settings of the whole server.
#[derive(Clone, Debug, Default)]
pub struct SseConfig {
    /// Wraps every SSE-S3 data key; without it nothing can be encrypted.
    pub master_key: Option<Arc<MasterKey>>,
    /// Buckets without an encryption configuration encrypt with SSE-S3 (S3's behaviour since
    /// 2023); off, they store plain blobs and GetBucketEncryption finds no configuration.
    pub encrypt_by_default: bool,
    /// Buckets without an encryption configuration refuse SSE-C writes (S3's behaviour for
    /// buckets made since April 2026).
    pub block_sse_c_by_default: bool,
}

/// How one blob (or one inline object's bytes) is sealed: the segment size it was written with
/// and its data key, wrapped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedKey {
    pub segment_size: u32,
    pub wrapped: Vec<u8>,
}

/// The key that wraps the data key of every blob of one object (the master key, the
/// customer's key, or the KMS data key), with the label of its mode.
#[derive(Clone)]
pub(crate) struct Kek {
    key: Arc<MasterKey>,
    label: &'static str,
}

/// An object's encryption as it is about to be written: what to record, and the key that
/// wraps its data keys.
pub(crate) struct WriteEncryption {
    pub record: ServerSideEncryption,
    pub kek: Kek,
}

/// What the wrapped key is bound to: the data's id, so a wrapped key cannot be moved to other
/// data.
pub(crate) fn wrap_context(label: &str, id: &BlobId) -> Vec<u8> {
    let mut context = label.as_bytes().to_vec();
    context.extend_from_slice(id.as_str().as_bytes());
    context
}

impl Kek {
    fn new(key: MasterKey, label: &'static str) -> Self {
        Self {
            key: Arc::new(key),
            label,
        }
    }

    /// Wraps the data key of the data stored as `id`.
    pub(crate) fn wrap(&self, key: &DataKey, id: &BlobId) -> SealedKey {
        SealedKey {
            segment_size: DEFAULT_SEGMENT_SIZE,
            wrapped: self.key.seal(&wrap_context(self.label, id), key.as_bytes()),
        }
    }

    fn unwrap(&self, sealed: &SealedKey, id: &BlobId) -> Result<DataKey, EngineError> {
        let raw = self
            .key
            .open(&wrap_context(self.label, id), &sealed.wrapped)
            .map_err(|e| EngineError::DataCorrupted(format!("data key of {id}: {e}")))?;
        DataKey::from_bytes(&raw).map_err(|e| EngineError::DataCorrupted(e.to_string()))
    }

    /// A decryptor for plaintext `span` of data `id` of `plain_len` bytes, and the sealed
    /// bytes to feed it.
    pub(crate) fn open(
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
        let key = self.unwrap(sealed, id)?;
        let decryptor = Decryptor::new(&key, layout, &plan).map_err(corrupt)?;
        Ok((decryptor, plan.sealed))
    }
}

/// The label of each mode's wraps: a data key wrapped for one mode never opens as another's.
pub(crate) const LABEL_SSE_S3: &str = "rampart-sse-s3/";
const LABEL_SSE_C: &str = "rampart-sse-c/";
const LABEL_SSE_KMS: &str = "rampart-sse-kms/";

/// The key S3 uses when SSE-KMS names none.
pub const AWS_MANAGED_S3_KEY: &str = "alias/aws/s3";

impl Engine {
    fn master_kek(&self) -> Result<Kek, EngineError> {
        let key = self
            .config
            .sse
            .master_key
            .clone()
            .ok_or_else(|| EngineError::Internal("encryption needs a master key".into()))?;
        Ok(Kek {
            key,
            label: LABEL_SSE_S3,
        })
    }

    /// The bucket's encryption configuration: its own, or the server's defaults when it has
    /// none (SSE-S3 when the server encrypts by default, SSE-C blocked when the server blocks
    /// it by default).
    pub async fn bucket_encryption(
        &self,
        bucket: &BucketName,
    ) -> Result<Option<BucketEncryption>, EngineError> {
        if let Some(raw) = self
            .bucket_config_raw(bucket, BucketConfigKind::Encryption)
            .await?
        {
            return Ok(Some(decode(&raw)?));
        }
        let sse = &self.config.sse;
        Ok(
            (sse.encrypt_by_default || sse.block_sse_c_by_default).then(|| BucketEncryption {
                algorithm: sse.encrypt_by_default.then_some(DefaultAlgorithm::Aes256),
                kms_key_id: None,
                bucket_key_enabled: false,
                block_sse_c: sse.block_sse_c_by_default,
            }),
        )
    }

    /// What a write of `bucket/key` is encrypted with: the request's choice, else the
    /// bucket's default. Refuses a type the bucket blocks; for SSE-KMS, has the KMS make the
    /// object's key, as the caller.
    pub(crate) async fn write_encryption(
        &self,
        bucket: &BucketName,
        key: &str,
        requested: Option<&EncryptionRequest>,
        kms: Option<&Arc<dyn KeyProvider>>,
    ) -> Result<Option<WriteEncryption>, EngineError> {
        let config = self.bucket_encryption(bucket).await?;
        let config_bucket_key = config.as_ref().is_some_and(|c| c.bucket_key_enabled);
        let request = match (requested, &config) {
            (Some(EncryptionRequest::Customer(_)), Some(c)) if c.block_sse_c => {
                return Err(EngineError::EncryptionTypeBlocked("SSE-C"));
            }
            (Some(request), _) => request.clone(),
            (None, None) => return Ok(None),
            (None, Some(c)) => match c.algorithm {
                None => return Ok(None),
                Some(DefaultAlgorithm::Aes256) => EncryptionRequest::S3,
                Some(DefaultAlgorithm::AwsKms) => EncryptionRequest::Kms {
                    key_id: c.kms_key_id.clone(),
                    context: Vec::new(),
                    bucket_key_enabled: None,
                },
            },
        };
        tracing::debug!(encryption = request.type_name(), "encrypting a write");
        let encryption = match request {
            EncryptionRequest::S3 => WriteEncryption {
                record: ServerSideEncryption::Aes256,
                kek: self.master_kek()?,
            },
            EncryptionRequest::Customer(customer) => {
                let fingerprint = customer.key.fingerprint();
                WriteEncryption {
                    record: ServerSideEncryption::Customer {
                        key_md5: customer.key_md5,
                        salt: fingerprint.salt.to_vec(),
                        mac: fingerprint.mac.to_vec(),
                    },
                    kek: Kek::new(customer.key.wrapping_key(), LABEL_SSE_C),
                }
            }
            EncryptionRequest::Kms {
                key_id,
                mut context,
                bucket_key_enabled,
            } => {
                let provider = kms.ok_or_else(|| {
                    EngineError::Internal("an SSE-KMS write came without a KMS".into())
                })?;
                let bucket_key_enabled = bucket_key_enabled.unwrap_or(config_bucket_key);
                if !context.iter().any(|(k, _)| k == S3_ARN_CONTEXT_KEY) {
                    // S3 binds the data key to the object (or, with a bucket key, the bucket).
                    let arn = if bucket_key_enabled {
                        format!("arn:aws:s3:::{bucket}")
                    } else {
                        format!("arn:aws:s3:::{bucket}/{key}")
                    };
                    context.push((S3_ARN_CONTEXT_KEY.to_string(), arn));
                }
                context.sort();
                let key_id = key_id.as_deref().unwrap_or(AWS_MANAGED_S3_KEY);
                let data_key = provider.generate_data_key(key_id, &context).await?;
                let kek = MasterKey::from_bytes(&data_key.plaintext).map_err(|e| {
                    EngineError::Internal(format!("the KMS returned an unusable data key: {e}"))
                })?;
                WriteEncryption {
                    record: ServerSideEncryption::Kms {
                        key_arn: data_key.key_arn,
                        ciphertext_blob: data_key.ciphertext_blob,
                        context,
                        bucket_key_enabled,
                    },
                    kek: Kek::new(kek, LABEL_SSE_KMS),
                }
            }
        };
        Ok(Some(encryption))
    }

    /// Checks the SSE-C parameters a request brings against data recorded as `sse`: the
    /// customer key when the data needs one, none when it does not.
    pub(crate) fn check_customer_key(
        sse: Option<&ServerSideEncryption>,
        keys: &KeyAccess,
    ) -> Result<(), EngineError> {
        match (sse, &keys.customer) {
            (Some(ServerSideEncryption::Customer { salt, mac, .. }), Some(given)) => {
                let fingerprint = KeyFingerprint {
                    salt: salt.as_slice().try_into().map_err(|_| {
                        EngineError::DataCorrupted("a stored key fingerprint is damaged".into())
                    })?,
                    mac: mac.as_slice().try_into().map_err(|_| {
                        EngineError::DataCorrupted("a stored key fingerprint is damaged".into())
                    })?,
                };
                if given.key.matches(&fingerprint) {
                    Ok(())
                } else {
                    Err(EngineError::SseCustomerKeyMismatch)
                }
            }
            (Some(ServerSideEncryption::Customer { .. }), None) => {
                Err(EngineError::SseCustomerKeyRequired)
            }
            (_, Some(_)) => Err(EngineError::SseParametersNotApplicable),
            (_, None) => Ok(()),
        }
    }

    /// The key that opens data recorded as `sse`, from what the request brings (asking the
    /// KMS, as the caller, for an SSE-KMS object).
    pub(crate) async fn read_kek(
        &self,
        sse: Option<&ServerSideEncryption>,
        keys: &KeyAccess,
    ) -> Result<Option<Kek>, EngineError> {
        Self::check_customer_key(sse, keys)?;
        match sse {
            None => Ok(None),
            Some(ServerSideEncryption::Aes256) => Ok(Some(self.master_kek()?)),
            Some(ServerSideEncryption::Customer { .. }) => {
                let customer = keys
                    .customer
                    .as_ref()
                    .ok_or(EngineError::SseCustomerKeyRequired)?;
                Ok(Some(Kek::new(customer.key.wrapping_key(), LABEL_SSE_C)))
            }
            Some(ServerSideEncryption::Kms {
                key_arn,
                ciphertext_blob,
                context,
                ..
            }) => {
                let provider = keys.kms.as_ref().ok_or_else(|| {
                    EngineError::Internal("an SSE-KMS read came without a KMS".into())
                })?;
                let plaintext = provider.decrypt(key_arn, ciphertext_blob, context).await?;
                let kek = MasterKey::from_bytes(&plaintext)
                    .map_err(|e| EngineError::DataCorrupted(format!("KMS data key: {e}")))?;
                Ok(Some(Kek::new(kek, LABEL_SSE_KMS)))
            }
        }
    }
}

/// The encryption-context key S3 sets to the object's (or bucket's) ARN.
pub const S3_ARN_CONTEXT_KEY: &str = "aws:s3:arn";

/// Starts sealing one blob under a fresh data key, when the write is encrypted.
pub(crate) fn start_sealing(
    kek: Option<&Kek>,
) -> Result<Option<(Encryptor, DataKey)>, EngineError> {
    match kek {
        None => Ok(None),
        Some(_) => Encryptor::new(DEFAULT_SEGMENT_SIZE)
            .map(Some)
            .map_err(|e| EngineError::Internal(e.to_string())),
    }
}

/// The digest an ETag shows for data with MD5 `md5`: the MD5 itself for plain and SSE-S3
/// data, an unrelated random value for SSE-C and SSE-KMS data (as S3 does).
pub(crate) fn etag_digest(md5: &[u8; 16], encryption: Option<&ServerSideEncryption>) -> [u8; 16] {
    match encryption {
        Some(ServerSideEncryption::Customer { .. } | ServerSideEncryption::Kms { .. }) => {
            let mut opaque = [0u8; 16];
            getrandom::fill(&mut opaque).expect("the operating system's random source failed");
            opaque
        }
        _ => *md5,
    }
}
