use rampart_types::{BucketName, ObjectKey, Owner};

use crate::body::BodySpec;
use crate::checksum::ChecksumAlgorithm;
use crate::object::{check_user_metadata, etag_of, full_object_checksum};
use crate::sse::{EncryptionRequest, KeyAccess, ServerSideEncryption};
use crate::{
    ContentHeaders, Engine, EngineError, ObjectRecord, PutObjectOutput, ReadConditions, Timestamp,
    WriteCondition, limits,
};

#[derive(Clone, Debug)]
pub struct CopySource {
    pub bucket: BucketName,
    pub key: String,
    /// `?versionId=` on `x-amz-copy-source`: that version instead of the latest.
    pub version_id: Option<String>,
}

impl Engine {
    /// The record a copy reads: the source's latest version or the one it names. A delete
    /// marker cannot be copied.
    pub(crate) async fn load_copy_source(
        &self,
        source: &CopySource,
    ) -> Result<(ObjectRecord, u64, Option<Vec<u8>>), EngineError> {
        self.load_version(&source.bucket, &source.key, source.version_id.as_deref())
            .await
            .map_err(|e| match e {
                EngineError::VersionIsDeleteMarker { .. } => EngineError::InvalidRequest(
                    "The source of a copy request may not specifically refer to a delete marker by version id."
                        .into(),
                ),
                EngineError::NoSuchKeyDeleteMarker { .. } => EngineError::NoSuchKey,
                other => other,
            })
    }
}

/// `x-amz-metadata-directive`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetadataDirective {
    /// Keep the source's content headers and user metadata.
    Copy,
    /// Use the ones given with the copy request.
    Replace {
        headers: ContentHeaders,
        user_metadata: Vec<(String, String)>,
    },
}

/// `x-amz-tagging-directive`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaggingDirective {
    /// Keep the source's tags.
    Copy,
    /// Use these tags (from `x-amz-tagging`).
    Replace(crate::tagging::TagSet),
}

pub struct CopyObjectInput {
    pub source: CopySource,
    pub source_conditions: ReadConditions,
    pub bucket: BucketName,
    pub key: ObjectKey,
    pub metadata: MetadataDirective,
    pub tagging: TaggingDirective,
    pub storage_class: Option<String>,
    pub condition: WriteCondition,
    pub owner: Owner,
    /// The new object's ACL (`None`: private to the owner); never copied from the source.
    pub acl: Option<crate::acl::Acl>,
    /// The encryption the request names; `None` takes the destination bucket's default
    /// (never the source's).
    pub encryption: Option<EncryptionRequest>,
    /// What opens the source (its SSE-C key from the `x-amz-copy-source-…-customer-*`
    /// headers) and the KMS as the caller may use it, for both sides.
    pub keys: KeyAccess,
    /// The copy's Object Lock settings; never the source's.
    pub lock: crate::object_lock::ObjectLock,
}

const COPY_TO_SELF_MESSAGE: &str = "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.";

impl Engine {
    pub async fn copy_object(
        &self,
        input: CopyObjectInput,
    ) -> Result<PutObjectOutput, EngineError> {
        self.bucket(&input.source.bucket).await?;
        let (bucket, _) = self.active_bucket(&input.bucket).await?;
        crate::lock_config::new_version_lock(&bucket, input.lock)?;
        let (source, source_version, source_record_key) =
            self.load_copy_source(&input.source).await?;
        let source_kek = self
            .read_kek(source.encryption.as_ref(), &input.keys)
            .await?;
        input
            .source_conditions
            .evaluate_for_copy(&source.etag, source.last_modified)?;
        if source.size > limits::MAX_COPY_OBJECT_SIZE {
            return Err(EngineError::InvalidRequest(format!(
                "The specified copy source is larger than the maximum allowable size for a copy source: {}",
                limits::MAX_COPY_OBJECT_SIZE
            )));
        }
        let to_self = input.source.bucket == input.bucket
            && input.source.key == input.key.as_str()
            && source_record_key.is_none();
        let storage_class = input
            .storage_class
            .clone()
            .unwrap_or_else(|| "STANDARD".to_owned());
        if to_self
            && input.metadata == MetadataDirective::Copy
            && storage_class == source.storage_class
            && input.encryption.is_none()
        {
            return Err(EngineError::InvalidRequest(COPY_TO_SELF_MESSAGE.to_owned()));
        }
        let (headers, user_metadata) = match input.metadata {
            MetadataDirective::Copy => (source.headers.clone(), source.user_metadata.clone()),
            MetadataDirective::Replace {
                headers,
                user_metadata,
            } => (headers, user_metadata),
        };
        check_user_metadata(&user_metadata)?;
        let tags = match input.tagging {
            TaggingDirective::Copy => source.tags.clone(),
            TaggingDirective::Replace(tags) => tags,
        };

        let encryption = self
            .write_encryption(
                &input.bucket,
                input.key.as_str(),
                input.encryption.as_ref(),
                input.keys.kms.as_ref(),
            )
            .await?;
        let (encryption, kek) = match encryption {
            Some(e) => (Some(e.record), Some(e.kek)),
            None => (None, None),
        };
        let same_keys = matches!(
            (&encryption, &source.encryption),
            (None, None)
                | (
                    Some(ServerSideEncryption::Aes256),
                    Some(ServerSideEncryption::Aes256)
                )
        );
        let unversioned = self.bucket_versioning(&input.bucket).await?
            == crate::versioning::Versioning::Unversioned;
        if to_self && same_keys && unversioned {
            // Only the metadata changes: the new record keeps the same bytes. The swap is
            // guarded by the source's ETag, so a concurrent overwrite is not clobbered.
            let record = ObjectRecord {
                last_modified: Timestamp::now(),
                headers,
                user_metadata,
                storage_class,
                tags,
                owner: input.owner,
                acl: input.acl,
                lock: input.lock,
                ..source.clone()
            };
            let unconditional = input.condition == WriteCondition::None;
            let guard = match input.condition {
                WriteCondition::None => WriteCondition::IfMatch(source.etag.quoted()),
                other => other,
            };
            let record = self
                .commit_object(&input.bucket, input.key.as_str(), &record, None, &guard)
                .await
                .map_err(|e| match e {
                    EngineError::PreconditionFailed { .. } | EngineError::NoSuchKey
                        if unconditional =>
                    {
                        EngineError::ConditionalRequestConflict
                    }
                    other => other,
                })?;
            return Ok(PutObjectOutput {
                etag: record.etag,
                last_modified: record.last_modified,
                checksum: None,
                encryption: record.encryption,
                version_id: record.version_id,
                lock: record.lock,
            });
        }

        let opened = self
            .open_validated(
                crate::object::StoredObject {
                    bucket: &input.source.bucket,
                    key: &input.source.key,
                    version: source_version,
                    record: &source,
                    record_key: source_record_key.clone(),
                },
                None,
                0..source.size,
                source_kek.as_ref(),
            )
            .await?;
        let Some(body) = opened else {
            // The source was replaced between reading its record and opening its data.
            return Err(EngineError::ConditionalRequestConflict);
        };
        let ingested = self
            .ingest(
                body,
                BodySpec {
                    max_size: limits::MAX_COPY_OBJECT_SIZE,
                    declared_len: Some(source.size),
                    content_md5: None,
                    checksum: None,
                    // A copy keeps the source's algorithm (S3 recomputes it over the copy).
                    store_algorithm: source
                        .checksum
                        .as_ref()
                        .map_or(ChecksumAlgorithm::Crc64Nvme, |c| c.algorithm),
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
            headers,
            user_metadata,
            storage_class,
            tags,
            checksum: Some(full_object_checksum(&ingested.digests.stored)),
            encryption,
            data: ingested.data,
            sealed: ingested.sealed,
            version_id: None,
            seq: 0,
            lock: input.lock,
        };
        let record = match self
            .commit_object(
                &input.bucket,
                input.key.as_str(),
                &record,
                ingested.inline,
                &input.condition,
            )
            .await
        {
            Ok(record) => record,
            Err(e) => {
                self.discard_unreferenced(&record.data).await;
                return Err(e);
            }
        };
        Ok(PutObjectOutput {
            etag: record.etag,
            last_modified: record.last_modified,
            checksum: None,
            encryption: record.encryption,
            version_id: record.version_id,
            lock: record.lock,
        })
    }
}
