//! CreateMultipartUpload, UploadPart, UploadPartCopy, AbortMultipartUpload.

use bytes::Bytes;
use rampart_store::{ByteStream, Expect, RecordVersion, StoreError, Txn};
use rampart_types::{BucketName, ByteRange, ETag, ObjectKey, Owner};

use super::{
    MAX_PART_NUMBER, MIN_PART_NUMBER, PartRecord, UploadRecord, UploadState, new_upload_id,
};
use crate::body::BodySpec;
use crate::checksum::{ChecksumAlgorithm, ChecksumType, ExpectedChecksum};
use crate::object::CopySource;
use crate::records::{DataRef, decode, encode};
use crate::sse::{KeyAccess, SseCustomerKey};
use crate::tagging::TagSet;
use crate::{ContentHeaders, Engine, EngineError, ReadConditions, Timestamp, keys, limits};

/// Attempts before a part commit that keeps losing races gives up.
const MAX_PART_ATTEMPTS: usize = 64;

pub struct CreateMultipartInput {
    pub bucket: BucketName,
    pub key: ObjectKey,
    pub headers: ContentHeaders,
    pub user_metadata: Vec<(String, String)>,
    pub storage_class: Option<String>,
    pub tags: TagSet,
    /// `x-amz-checksum-algorithm` and `x-amz-checksum-type`.
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    pub checksum_type: Option<ChecksumType>,
    pub owner: Owner,
    pub initiator: super::Initiator,
    pub acl: Option<crate::acl::Acl>,
    /// The encryption the request names; `None` takes the bucket's default.
    pub encryption: Option<crate::sse::EncryptionRequest>,
    /// The KMS as the caller may use it (for SSE-KMS, requested or the bucket's default).
    pub kms: Option<std::sync::Arc<dyn crate::key_provider::KeyProvider>>,
    /// Object Lock settings for the completed object.
    pub lock: crate::object_lock::ObjectLock,
}

pub struct UploadPartInput {
    pub bucket: BucketName,
    pub key: ObjectKey,
    pub upload_id: String,
    pub part_number: u32,
    pub body: ByteStream,
    pub declared_len: Option<u64>,
    pub content_md5: Option<[u8; 16]>,
    pub checksum: Option<ExpectedChecksum>,
    /// The upload's SSE-C key (every part must bring it) and the KMS as the caller may use it.
    pub keys: KeyAccess,
}

pub struct UploadPartCopyInput {
    pub bucket: BucketName,
    pub key: ObjectKey,
    pub upload_id: String,
    pub part_number: u32,
    pub source: CopySource,
    pub source_conditions: ReadConditions,
    /// `x-amz-copy-source-range`; the whole source when absent.
    pub source_range: Option<ByteRange>,
    /// The upload's SSE-C key and the KMS as the caller may use it.
    pub keys: KeyAccess,
    /// The source's SSE-C key (`x-amz-copy-source-server-side-encryption-customer-*`).
    pub source_customer_key: Option<SseCustomerKey>,
}

#[derive(Clone, Debug)]
pub struct UploadPartOutput {
    pub etag: ETag,
    pub last_modified: Timestamp,
    /// The part's checksum in the upload's algorithm, and the client's (verified) if sent.
    pub checksum: (ChecksumAlgorithm, Vec<u8>),
    pub client_checksum: Option<(ChecksumAlgorithm, Vec<u8>)>,
    /// The upload's encryption, which every part gets.
    pub encryption: Option<crate::sse::ServerSideEncryption>,
}

fn check_part_number(number: u32) -> Result<(), EngineError> {
    if (MIN_PART_NUMBER..=MAX_PART_NUMBER).contains(&number) {
        return Ok(());
    }
    Err(EngineError::InvalidArgument {
        name: "partNumber",
        value: number.to_string(),
        message: "Part number must be an integer between 1 and 10000, inclusive".into(),
    })
}

/// The checksum type S3 picks for an algorithm when none is named, and the combinations it
/// refuses.
fn resolve_checksum(
    algorithm: Option<ChecksumAlgorithm>,
    kind: Option<ChecksumType>,
) -> Result<Option<(ChecksumAlgorithm, ChecksumType)>, EngineError> {
    let Some(algorithm) = algorithm else {
        return match kind {
            None => Ok(None),
            Some(_) => Err(EngineError::InvalidRequest(
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.".into(),
            )),
        };
    };
    let kind = kind.unwrap_or(if algorithm.supports_composite() {
        ChecksumType::Composite
    } else {
        ChecksumType::FullObject
    });
    let supported = match kind {
        ChecksumType::Composite => algorithm.supports_composite(),
        ChecksumType::FullObject => algorithm.supports_full_object(),
    };
    if !supported {
        return Err(EngineError::InvalidRequest(format!(
            "The {} checksum type cannot be used with the {} checksum algorithm.",
            kind.name(),
            algorithm.name().to_lowercase()
        )));
    }
    Ok(Some((algorithm, kind)))
}

impl Engine {
    pub async fn create_multipart_upload(
        &self,
        input: CreateMultipartInput,
    ) -> Result<UploadRecord, EngineError> {
        crate::object::check_user_metadata(&input.user_metadata)?;
        let (bucket, _) = self.active_bucket(&input.bucket).await?;
        crate::lock_config::new_version_lock(&bucket, input.lock)?;
        let checksum = resolve_checksum(input.checksum_algorithm, input.checksum_type)?;
        let encryption = self
            .write_encryption(
                &input.bucket,
                input.key.as_str(),
                input.encryption.as_ref(),
                input.kms.as_ref(),
            )
            .await?
            .map(|e| e.record);
        let upload = UploadRecord {
            upload_id: new_upload_id(),
            key: input.key.as_str().to_owned(),
            initiated: Timestamp::now(),
            owner: input.owner,
            initiator: Some(input.initiator),
            headers: input.headers,
            user_metadata: input.user_metadata,
            storage_class: input.storage_class.unwrap_or_else(|| "STANDARD".to_owned()),
            tags: input.tags,
            checksum,
            acl: input.acl,
            encryption,
            lock: input.lock,
            state: UploadState::Active,
        };
        let key = keys::upload(&input.bucket, &upload.key, &upload.upload_id);
        let encoded = encode(&upload)?;
        for _ in 0..MAX_PART_ATTEMPTS {
            let (_, bucket_version) = self.active_bucket(&input.bucket).await?;
            let txn = Txn::new()
                .check(keys::bucket(&input.bucket), Expect::Version(bucket_version))
                .check(key.clone(), Expect::Absent)
                .put(key.clone(), encoded.clone());
            match self.meta.commit(txn).await {
                Ok(_) => return Ok(upload),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }

    pub async fn upload_part(
        &self,
        input: UploadPartInput,
    ) -> Result<UploadPartOutput, EngineError> {
        check_part_number(input.part_number)?;
        if let Some(len) = input.declared_len
            && len > limits::MAX_PUT_OBJECT_SIZE
        {
            return Err(EngineError::EntityTooLarge {
                max: limits::MAX_PUT_OBJECT_SIZE,
            });
        }
        let (upload, upload_version) = self
            .active_upload(&input.bucket, input.key.as_str(), &input.upload_id)
            .await?;
        let kek = self
            .read_kek(upload.encryption.as_ref(), &input.keys)
            .await?;
        let (algorithm, _) = upload.object_checksum();
        if let (Some((expected, _)), Some(sent)) = (upload.checksum, &input.checksum)
            && sent.algorithm != expected
        {
            return Err(EngineError::InvalidRequest(format!(
                "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
                expected.name().to_lowercase(),
                sent.algorithm.name().to_lowercase()
            )));
        }
        let ingested = self
            .ingest(
                input.body,
                BodySpec {
                    max_size: limits::MAX_PUT_OBJECT_SIZE,
                    declared_len: input.declared_len,
                    content_md5: input.content_md5,
                    checksum: input.checksum,
                    store_algorithm: algorithm,
                    force_blob: true,
                    encryption: kek.clone(),
                },
            )
            .await?;
        let client_checksum = ingested.digests.client.clone();
        let part = self
            .commit_part(
                &input.bucket,
                &upload,
                upload_version,
                input.part_number,
                ingested,
            )
            .await?;
        Ok(UploadPartOutput {
            etag: part.etag,
            last_modified: part.last_modified,
            checksum: (algorithm, part.checksum),
            client_checksum,
            encryption: upload.encryption.clone(),
        })
    }

    pub async fn upload_part_copy(
        &self,
        input: UploadPartCopyInput,
    ) -> Result<UploadPartOutput, EngineError> {
        check_part_number(input.part_number)?;
        let (upload, upload_version) = self
            .active_upload(&input.bucket, input.key.as_str(), &input.upload_id)
            .await?;
        let kek = self
            .read_kek(upload.encryption.as_ref(), &input.keys)
            .await?;
        self.bucket(&input.source.bucket).await?;
        let (source, source_version, source_record_key) =
            self.load_copy_source(&input.source).await?;
        let source_keys = KeyAccess {
            customer: input.source_customer_key.clone(),
            kms: input.keys.kms.clone(),
        };
        let source_kek = self
            .read_kek(source.encryption.as_ref(), &source_keys)
            .await?;
        input
            .source_conditions
            .evaluate_for_copy(&source.etag, source.last_modified)?;
        let span = match input.source_range {
            None => 0..source.size,
            Some(range) => {
                let span = range.resolve(source.size)?;
                // S3 takes only `bytes=first-last` here, inside the object.
                if !matches!(range, ByteRange::Closed { last, .. } if last < source.size) {
                    return Err(EngineError::InvalidArgument {
                        name: "x-amz-copy-source-range",
                        value: String::new(),
                        message: "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy".into(),
                    });
                }
                span
            }
        };
        if span.end - span.start > limits::MAX_PUT_OBJECT_SIZE {
            return Err(EngineError::EntityTooLarge {
                max: limits::MAX_PUT_OBJECT_SIZE,
            });
        }
        let (algorithm, _) = upload.object_checksum();
        let body = self
            .open_validated(
                crate::object::StoredObject {
                    bucket: &input.source.bucket,
                    key: &input.source.key,
                    version: source_version,
                    record: &source,
                    record_key: source_record_key.clone(),
                },
                None,
                span.clone(),
                source_kek.as_ref(),
            )
            .await?
            .ok_or(EngineError::ConditionalRequestConflict)?;
        let ingested = self
            .ingest(
                body,
                BodySpec {
                    max_size: limits::MAX_PUT_OBJECT_SIZE,
                    declared_len: Some(span.end - span.start),
                    content_md5: None,
                    checksum: None,
                    store_algorithm: algorithm,
                    force_blob: true,
                    encryption: kek.clone(),
                },
            )
            .await?;
        let part = self
            .commit_part(
                &input.bucket,
                &upload,
                upload_version,
                input.part_number,
                ingested,
            )
            .await?;
        Ok(UploadPartOutput {
            etag: part.etag,
            last_modified: part.last_modified,
            checksum: (algorithm, part.checksum),
            client_checksum: None,
            encryption: upload.encryption.clone(),
        })
    }

    /// Records an ingested blob as part `number`, replacing an earlier upload of that number,
    /// unless the upload was completed or aborted meanwhile (then the blob is discarded).
    async fn commit_part(
        &self,
        bucket: &BucketName,
        upload: &UploadRecord,
        upload_version: RecordVersion,
        number: u32,
        ingested: crate::body::Ingested,
    ) -> Result<PartRecord, EngineError> {
        let DataRef::Blob(blob) = ingested.data else {
            return Err(EngineError::Internal(
                "a part was not stored as a blob".into(),
            ));
        };
        let digests = ingested.digests;
        let md5 = crate::sse::etag_digest(&digests.md5, upload.encryption.as_ref());
        let part = PartRecord {
            number,
            size: digests.size,
            etag: ETag::from_md5(&md5),
            md5,
            checksum: digests.stored.1,
            last_modified: Timestamp::now(),
            blob: blob.clone(),
            sealed: ingested.sealed,
        };
        let encoded = encode(&part)?;
        let upload_key = keys::upload(bucket, &upload.key, &upload.upload_id);
        let part_key = keys::part(&upload.upload_id, number);
        for _ in 0..MAX_PART_ATTEMPTS {
            let existing = self.meta.get(&part_key).await?;
            let mut txn = Txn::new()
                .check(upload_key.clone(), Expect::Version(upload_version))
                .check(
                    part_key.clone(),
                    existing
                        .as_ref()
                        .map_or(Expect::Absent, |r| Expect::Version(r.version)),
                )
                .put(part_key.clone(), encoded.clone())
                .put(keys::blob_ref(&blob), Bytes::new());
            let replaced = match &existing {
                Some(r) => {
                    let old: PartRecord = decode(&r.value)?;
                    txn = txn.delete(keys::blob_ref(&old.blob));
                    Some(old.blob)
                }
                None => None,
            };
            match self.meta.commit(txn).await {
                Ok(_) => {
                    if let Some(old) = replaced {
                        self.readers.delete(&old).await;
                    }
                    return Ok(part);
                }
                Err(StoreError::Conflict { .. }) => {
                    // Either another upload of this part number won (retry, replacing it) or
                    // the upload is being completed or aborted (the part is too late).
                    let current = self.meta.get(&upload_key).await?;
                    if current.map(|r| r.version) != Some(upload_version) {
                        self.readers.delete(&blob).await;
                        return Err(EngineError::NoSuchUpload);
                    }
                }
                Err(e) => {
                    self.readers.delete(&blob).await;
                    return Err(e.into());
                }
            }
        }
        self.readers.delete(&blob).await;
        Err(EngineError::OperationAborted)
    }

    pub async fn abort_multipart_upload(
        &self,
        bucket: &BucketName,
        key: &str,
        upload_id: &str,
    ) -> Result<(), EngineError> {
        let (upload, version) = self.active_upload(bucket, key, upload_id).await?;
        self.remove_upload(bucket, &upload, version).await
    }

    /// Marks an upload (so no part can commit any more), then removes it and its parts. Used
    /// by AbortMultipartUpload and by DeleteBucket.
    pub(crate) async fn remove_upload(
        &self,
        bucket: &BucketName,
        upload: &UploadRecord,
        version: RecordVersion,
    ) -> Result<(), EngineError> {
        let upload_key = keys::upload(bucket, &upload.key, &upload.upload_id);
        let mut marked_record = upload.clone();
        marked_record.state = UploadState::Aborting;
        let marked = self
            .meta
            .commit(
                Txn::new()
                    .check(upload_key.clone(), Expect::Version(version))
                    .put(upload_key.clone(), encode(&marked_record)?),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => EngineError::NoSuchUpload,
                other => other.into(),
            })?;
        let parts = self.upload_parts(&upload.upload_id).await?;
        let mut txn = Txn::new()
            .check(upload_key.clone(), Expect::Version(marked))
            .delete(upload_key);
        let mut blobs = Vec::with_capacity(parts.len());
        for part in parts {
            txn = txn
                .delete(keys::part(&upload.upload_id, part.number))
                .delete(keys::blob_ref(&part.blob));
            blobs.push(part.blob);
        }
        self.meta.commit(txn).await?;
        self.delete_blobs(blobs).await;
        Ok(())
    }

    /// Every part of an upload, in part-number order.
    pub(crate) async fn upload_parts(
        &self,
        upload_id: &str,
    ) -> Result<Vec<PartRecord>, EngineError> {
        self.scan_all(&keys::parts_prefix(upload_id))
            .await?
            .into_iter()
            .map(|(_, record)| decode(&record.value))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_combinations() {
        use ChecksumAlgorithm as A;
        use ChecksumType as T;
        assert_eq!(resolve_checksum(None, None).unwrap(), None);
        assert_eq!(
            resolve_checksum(Some(A::Crc32), None).unwrap(),
            Some((A::Crc32, T::Composite))
        );
        assert_eq!(
            resolve_checksum(Some(A::Crc64Nvme), None).unwrap(),
            Some((A::Crc64Nvme, T::FullObject))
        );
        assert_eq!(
            resolve_checksum(Some(A::Crc32c), Some(T::FullObject)).unwrap(),
            Some((A::Crc32c, T::FullObject))
        );
        assert!(resolve_checksum(Some(A::Crc64Nvme), Some(T::Composite)).is_err());
        assert!(resolve_checksum(Some(A::Sha256), Some(T::FullObject)).is_err());
        assert!(resolve_checksum(None, Some(T::FullObject)).is_err());
        assert!(check_part_number(0).is_err());
        assert!(check_part_number(10_001).is_err());
        assert!(check_part_number(10_000).is_ok());
    }
}
