//! Multipart uploads. An upload's parts are blobs, written and marked referenced as they
//! arrive; completion commits one object record pointing at them (a manifest), without copying
//! a byte. Complete and Abort first mark the upload (a commit every concurrent part upload's
//! compare-and-swap sees), so no part can land after the part list is read.

mod complete;
mod list;
mod upload;

use rampart_store::{BlobId, RecordVersion};
use rampart_types::{ETag, Owner};
use serde::{Deserialize, Serialize};

pub use complete::{CompleteMultipartInput, CompletedPart};
pub use list::{ListPartsPage, ListUploadsPage, ListUploadsParams, UploadListEntry};
pub use upload::{CreateMultipartInput, UploadPartCopyInput, UploadPartInput, UploadPartOutput};

use crate::checksum::{ChecksumAlgorithm, ChecksumType};
use crate::records::decode;
use crate::tagging::TagSet;
use crate::{ContentHeaders, Engine, EngineError, Timestamp, keys};
use rampart_types::BucketName;

/// Part numbers S3 accepts.
pub const MIN_PART_NUMBER: u32 = 1;
pub const MAX_PART_NUMBER: u32 = 10_000;
/// Every part but the last must be at least this large (checked at completion).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// ListParts and ListMultipartUploads return at most this many entries per page.
pub const MAX_LIST_ENTRIES: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadState {
    Active,
    /// CompleteMultipartUpload is assembling the object.
    Completing,
    /// AbortMultipartUpload is removing the parts.
    Aborting,
}

/// A multipart upload in progress, with everything given at CreateMultipartUpload that the
/// completed object will carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    pub upload_id: String,
    pub key: String,
    pub initiated: Timestamp,
    pub owner: Owner,
    /// Who created the upload (absent in records written before it was kept: the owner).
    #[serde(default)]
    pub initiator: Option<Initiator>,
    pub headers: ContentHeaders,
    pub user_metadata: Vec<(String, String)>,
    pub storage_class: String,
    pub tags: TagSet,
    /// The checksum the client asked for at creation, if any.
    pub checksum: Option<(ChecksumAlgorithm, ChecksumType)>,
    /// The completed object's ACL, given at creation.
    #[serde(default)]
    pub acl: Option<crate::acl::Acl>,
    /// The encryption of every part and of the completed object.
    #[serde(default)]
    pub encryption: Option<crate::sse::ServerSideEncryption>,
    /// The Object Lock settings given at creation (the bucket's default retention is applied
    /// at completion, when the version is made).
    #[serde(default)]
    pub lock: crate::object_lock::ObjectLock,
    pub state: UploadState,
}

/// Who created a multipart upload, as ListParts and ListMultipartUploads show it: an
/// account's canonical id for its root, the ARN for an IAM user or role session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Initiator {
    pub id: String,
    pub display_name: String,
}

impl UploadRecord {
    /// The checksum every part gets and the completed object is built from: the client's
    /// choice, or CRC64NVME full-object (S3's default for uploads that name none).
    pub fn object_checksum(&self) -> (ChecksumAlgorithm, ChecksumType) {
        self.checksum
            .unwrap_or((ChecksumAlgorithm::Crc64Nvme, ChecksumType::FullObject))
    }
}

/// One uploaded part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRecord {
    pub number: u32,
    pub size: u64,
    pub etag: ETag,
    pub md5: [u8; 16],
    /// The part's checksum in the upload's object checksum algorithm.
    pub checksum: Vec<u8>,
    pub last_modified: Timestamp,
    pub blob: BlobId,
    #[serde(default)]
    pub sealed: Option<crate::sse::SealedKey>,
}

/// Upload ids sort by creation time (a hex microsecond timestamp first), then are random:
/// S3 lists the uploads of one key in the order they were initiated.
fn new_upload_id() -> String {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or_default();
    format!("{micros:016x}{}", BlobId::generate())
}

/// Upload ids are ours: anything else names no upload (and must not reach a key).
fn valid_upload_id(id: &str) -> bool {
    id.len() == 16 + BlobId::LEN && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Engine {
    /// The upload, if it exists and is not being completed or aborted.
    pub(crate) async fn active_upload(
        &self,
        bucket: &BucketName,
        key: &str,
        upload_id: &str,
    ) -> Result<(UploadRecord, RecordVersion), EngineError> {
        if !valid_upload_id(upload_id) {
            return Err(EngineError::NoSuchUpload);
        }
        let record = self
            .meta
            .get(&keys::upload(bucket, key, upload_id))
            .await?
            .ok_or(EngineError::NoSuchUpload)?;
        let upload: UploadRecord = decode(&record.value)?;
        if upload.state != UploadState::Active {
            return Err(EngineError::NoSuchUpload);
        }
        Ok((upload, record.version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_ids_sort_by_time_and_validate() {
        let a = new_upload_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_upload_id();
        assert!(a < b);
        assert!(valid_upload_id(&a));
        assert!(!valid_upload_id("../../x"));
        assert!(!valid_upload_id(""));
        assert!(!valid_upload_id(&a[1..]));
    }
}
