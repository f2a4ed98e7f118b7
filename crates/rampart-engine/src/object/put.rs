use rampart_store::ByteStream;
use rampart_types::{BucketName, ETag, ObjectKey, Owner};

use crate::body::BodySpec;
use crate::checksum::{ChecksumAlgorithm, ExpectedChecksum};
use crate::object::{check_user_metadata, etag_of, full_object_checksum};
use crate::{ContentHeaders, Engine, EngineError, ObjectRecord, Timestamp, WriteCondition, limits};

pub struct PutObjectInput {
    pub bucket: BucketName,
    pub key: ObjectKey,
    pub body: ByteStream,
    /// The body length the client declared (Content-Length, or x-amz-decoded-content-length
    /// for aws-chunked bodies). The body must be exactly this long.
    pub declared_len: Option<u64>,
    pub content_md5: Option<[u8; 16]>,
    pub checksum: Option<ExpectedChecksum>,
    pub headers: ContentHeaders,
    pub user_metadata: Vec<(String, String)>,
    pub storage_class: Option<String>,
    pub tags: crate::tagging::TagSet,
    pub condition: WriteCondition,
    pub owner: Owner,
    /// The ACL to store (`None`: private to the owner).
    pub acl: Option<crate::acl::Acl>,
    /// The encryption the request names; `None` takes the bucket's default.
    pub encryption: Option<crate::sse::EncryptionRequest>,
    /// The KMS as the caller may use it (for SSE-KMS, requested or the bucket's default).
    pub kms: Option<std::sync::Arc<dyn crate::key_provider::KeyProvider>>,
    /// The Object Lock settings the request names (the bucket's default retention applies
    /// when it names none).
    pub lock: crate::object_lock::ObjectLock,
}

#[derive(Clone, Debug)]
pub struct PutObjectOutput {
    pub etag: ETag,
    pub last_modified: Timestamp,
    /// The flexible checksum the client sent, verified against the data.
    pub checksum: Option<(ChecksumAlgorithm, Vec<u8>)>,
    /// How the new object is encrypted at rest.
    pub encryption: Option<crate::sse::ServerSideEncryption>,
    /// The new version's id (`None`: the `null` version).
    pub version_id: Option<String>,
    /// The new version's Object Lock settings, the bucket's default retention included.
    pub lock: crate::object_lock::ObjectLock,
}

impl Engine {
    pub async fn put_object(&self, input: PutObjectInput) -> Result<PutObjectOutput, EngineError> {
        check_user_metadata(&input.user_metadata)?;
        if let Some(len) = input.declared_len
            && len > limits::MAX_PUT_OBJECT_SIZE
        {
            return Err(EngineError::EntityTooLarge {
                max: limits::MAX_PUT_OBJECT_SIZE,
            });
        }
        // Fail fast, before reading a body, when the bucket is missing or the condition
        // already fails; both are checked again atomically at commit.
        let (bucket, _) = self.active_bucket(&input.bucket).await?;
        crate::lock_config::new_version_lock(&bucket, input.lock)?;
        if input.condition != WriteCondition::None {
            let current = self.load_object(&input.bucket, input.key.as_str()).await?;
            input
                .condition
                .check(current.as_ref().map(|(r, _)| &r.etag))?;
        }
        let encryption = self
            .write_encryption(
                &input.bucket,
                input.key.as_str(),
                input.encryption.as_ref(),
                input.kms.as_ref(),
            )
            .await?;
        let (encryption, kek) = match encryption {
            Some(e) => (Some(e.record), Some(e.kek)),
            None => (None, None),
        };
        let ingested = self
            .ingest(
                input.body,
                BodySpec {
                    max_size: limits::MAX_PUT_OBJECT_SIZE,
                    declared_len: input.declared_len,
                    content_md5: input.content_md5,
                    store_algorithm: input
                        .checksum
                        .as_ref()
                        .map_or(ChecksumAlgorithm::Crc64Nvme, |c| c.algorithm),
                    checksum: input.checksum,
                    // The blob store guards locked data only in blobs.
                    force_blob: bucket.object_lock.is_some(),
                    encryption: kek,
                },
            )
            .await?;
        let record = ObjectRecord {
            size: ingested.digests.size,
            etag: etag_of(&ingested.digests.md5, encryption.as_ref()),
            last_modified: Timestamp::now(),
            owner: input.owner,
            acl: input.acl,
            headers: input.headers,
            user_metadata: input.user_metadata,
            storage_class: input.storage_class.unwrap_or_else(|| "STANDARD".to_owned()),
            tags: input.tags,
            checksum: Some(full_object_checksum(&ingested.digests.stored)),
            encryption: encryption.clone(),
            data: ingested.data,
            sealed: ingested.sealed,
            version_id: None,
            seq: 0,
            lock: input.lock,
        };
        let committed = self
            .commit_object(
                &input.bucket,
                input.key.as_str(),
                &record,
                ingested.inline,
                &input.condition,
            )
            .await;
        let record = match committed {
            Ok(record) => record,
            Err(e) => {
                self.discard_unreferenced(&record.data).await;
                return Err(e);
            }
        };
        Ok(PutObjectOutput {
            etag: record.etag,
            last_modified: record.last_modified,
            checksum: ingested.digests.client,
            encryption: record.encryption,
            version_id: record.version_id,
            lock: record.lock,
        })
    }
}
