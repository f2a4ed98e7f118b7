//! Records as stored in the metadata store. MessagePack with named fields, so a record written
//! by an older server still decodes after fields are added (new fields take `#[serde(default)]`).

use bytes::Bytes;
use rampart_store::BlobId;
use rampart_types::{BucketName, ETag, Owner};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::checksum::{ChecksumAlgorithm, ChecksumType};
use crate::{EngineError, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BucketState {
    Active,
    /// DeleteBucket is checking that the bucket is empty; writes wait or fail with
    /// OperationAborted until it finishes.
    Deleting,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketRecord {
    pub name: BucketName,
    pub owner: Owner,
    pub created: Timestamp,
    pub region: String,
    pub state: BucketState,
    #[serde(default)]
    pub versioning: crate::versioning::Versioning,
    /// MFA Delete: permanently deleting a version, and changing the versioning state, need a
    /// valid `x-amz-mfa` from the bucket owner's root.
    #[serde(default)]
    pub mfa_delete: bool,
    /// Object Lock, once enabled (for good: it also keeps versioning enabled).
    #[serde(default)]
    pub object_lock: Option<crate::object_lock::ObjectLockConfig>,
    /// Server access logging's target, when enabled.
    #[serde(default)]
    pub logging: Option<crate::logging::BucketLogging>,
}

/// The standard content headers that S3 stores with an object and returns on GET/HEAD.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentHeaders {
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub content_disposition: Option<String>,
    pub content_language: Option<String>,
    pub cache_control: Option<String>,
    /// Kept as the client sent it: S3 echoes `Expires` verbatim.
    pub expires: Option<String>,
}

/// Where an object's bytes live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataRef {
    /// In the metadata store under `d/<id>` (small objects).
    Inline(BlobId),
    /// A blob in the blob store.
    Blob(BlobId),
    /// A completed multipart upload: its parts' blobs, in order, listed by the manifest record
    /// `m/<manifest>`. The parts are referenced where they were uploaded, never copied.
    Parts { manifest: BlobId, count: u32 },
}

/// One part of a completed multipart object, in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRef {
    /// The number the part was uploaded under.
    pub number: u32,
    pub size: u64,
    pub etag: ETag,
    /// The part's checksum, in the object's checksum algorithm.
    pub checksum: Option<Vec<u8>>,
    pub blob: BlobId,
    /// The part blob's data key, when it is encrypted.
    #[serde(default)]
    pub sealed: Option<crate::sse::SealedKey>,
}

/// The checksum stored with an object and returned with `x-amz-checksum-mode: ENABLED`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectChecksum {
    pub algorithm: ChecksumAlgorithm,
    pub value: Vec<u8>,
    pub kind: ChecksumType,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRecord {
    pub size: u64,
    pub etag: ETag,
    pub last_modified: Timestamp,
    pub owner: Owner,
    pub headers: ContentHeaders,
    /// `x-amz-meta-*` pairs: names lowercased without the prefix, in the order received.
    pub user_metadata: Vec<(String, String)>,
    pub storage_class: String,
    #[serde(default)]
    pub tags: crate::tagging::TagSet,
    #[serde(default)]
    pub checksum: Option<ObjectChecksum>,
    /// The object's ACL; `None` is private to its owner (and every object of a bucket with
    /// ACLs disabled).
    #[serde(default)]
    pub acl: Option<crate::acl::Acl>,
    /// How the object is encrypted at rest (`None`: stored as sent).
    #[serde(default)]
    pub encryption: Option<crate::sse::ServerSideEncryption>,
    pub(crate) data: DataRef,
    /// The data key of single-PUT data (inline or one blob); a multipart object's parts
    /// carry their own.
    #[serde(default)]
    pub(crate) sealed: Option<crate::sse::SealedKey>,
    /// `None`: the `null` version (every object of a bucket that was never versioned).
    #[serde(default)]
    pub version_id: Option<String>,
    /// When the write committed (microseconds, strictly increasing per key): orders versions.
    /// 0 in records written before versioning existed.
    #[serde(default)]
    pub(crate) seq: u64,
    /// This version's Object Lock retention and legal hold.
    #[serde(default)]
    pub lock: crate::object_lock::ObjectLock,
}

impl ObjectRecord {
    /// The position of this version among the key's versions.
    pub(crate) fn order_seq(&self) -> u64 {
        if self.seq != 0 {
            self.seq
        } else {
            u64::try_from(self.last_modified.unix_seconds()).unwrap_or(0) * 1_000_000
        }
    }

    /// The number of parts of a multipart object; `None` for a single-PUT object.
    pub fn parts_count(&self) -> Option<u32> {
        match self.data {
            DataRef::Parts { count, .. } => Some(count),
            _ => None,
        }
    }

    /// The checksum as S3 shows it: base64, with `-<parts>` for a composite checksum.
    pub fn checksum_header(&self) -> Option<(ChecksumAlgorithm, String, ChecksumType)> {
        let c = self.checksum.as_ref()?;
        let mut value = ChecksumAlgorithm::encode_value(&c.value);
        if c.kind == ChecksumType::Composite
            && let Some(parts) = self.parts_count()
        {
            value.push_str(&format!("-{parts}"));
        }
        Some((c.algorithm, value, c.kind))
    }
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Bytes, EngineError> {
    rmp_serde::to_vec_named(value)
        .map(Bytes::from)
        .map_err(|e| EngineError::Internal(format!("cannot encode a record: {e}")))
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, EngineError> {
    rmp_serde::from_slice(bytes)
        .map_err(|e| EngineError::Internal(format!("cannot decode a stored record: {e}")))
}
