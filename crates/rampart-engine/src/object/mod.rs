//! Object operations. Every write follows one protocol: take the body in (inline bytes or a
//! new blob), commit the record with a compare-and-swap on the current record and the bucket,
//! and only then reclaim the data of the record it replaced.

mod copy;
mod delete;
mod get;
mod put;
mod tags;
mod update;

use bytes::Bytes;
use rampart_store::{BlobId, Expect, StoreError, Txn};
use rampart_types::{BucketName, ETag};

pub use copy::{CopyObjectInput, CopySource, MetadataDirective, TaggingDirective};
pub use delete::DeleteObjectOutcome;
pub(crate) use get::StoredObject;
pub use get::{GetObjectOutput, HeadObjectOutput, PartRead, ReadRequest};
pub use put::{PutObjectInput, PutObjectOutput};

use crate::records::{DataRef, PartRef, decode, encode};
use crate::{Engine, EngineError, ObjectRecord, WriteCondition, keys, limits};

/// Attempts before a write that keeps losing compare-and-swap races gives up. Each retry means
/// another writer committed, so the system as a whole made progress.
pub(crate) const MAX_COMMIT_ATTEMPTS: usize = 64;

/// Checks S3's limit on user metadata: keys and values together, in UTF-8 bytes.
pub(crate) fn check_user_metadata(meta: &[(String, String)]) -> Result<(), EngineError> {
    let size: usize = meta.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > limits::MAX_USER_METADATA_BYTES {
        return Err(EngineError::MetadataTooLarge {
            size,
            limit: limits::MAX_USER_METADATA_BYTES,
        });
    }
    Ok(())
}

impl Engine {
    pub(crate) async fn load_object(
        &self,
        bucket: &BucketName,
        key: &str,
    ) -> Result<Option<(ObjectRecord, u64)>, EngineError> {
        match self.meta.get(&keys::object(bucket, key)).await? {
            Some(r) => Ok(Some((decode(&r.value)?, r.version))),
            None => Ok(None),
        }
    }

    /// Commits `record` as the current object at `key`, as the bucket's versioning state has
    /// it: the version it replaces becomes noncurrent, or its data is reclaimed. Returns the
    /// record as committed (with its version id). On failure the caller still owns `record`'s
    /// data and must discard it.
    pub(crate) async fn commit_object(
        &self,
        bucket: &BucketName,
        key: &str,
        record: &ObjectRecord,
        inline: Option<Bytes>,
        condition: &WriteCondition,
    ) -> Result<ObjectRecord, EngineError> {
        let object_key = keys::object(bucket, key);
        for _ in 0..MAX_COMMIT_ATTEMPTS {
            let (bucket_record, bucket_version) = self.active_bucket(bucket).await?;
            let versioning = bucket_record.versioning;
            let current = self.load_object(bucket, key).await?;
            condition.check(current.as_ref().map(|(r, _)| &r.etag))?;
            let mut record = record.clone();
            record.lock = crate::lock_config::new_version_lock(&bucket_record, record.lock)?;
            let current_record = current.as_ref().map(|(r, _)| r);
            self.stamp_version(&mut record, bucket, key, versioning, current_record)
                .await?;
            let mut txn = Txn::new()
                .check(keys::bucket(bucket), Expect::Version(bucket_version))
                .check(
                    object_key.clone(),
                    match &current {
                        Some((_, version)) => Expect::Version(*version),
                        None => Expect::Absent,
                    },
                )
                .put(object_key.clone(), encode(&record)?);
            // A metadata-only replacement (copy to self in an unversioned bucket) keeps the
            // same data: leave its references alone.
            if current_record.map(|c| &c.data) != Some(&record.data) {
                txn = reference_data(txn, &record.data, inline.clone());
            }
            let (txn, freed) = self
                .supersede(
                    txn,
                    bucket,
                    key,
                    versioning,
                    current_record,
                    Some(&record.data),
                )
                .await?;
            match self.meta.commit(txn).await {
                Ok(_) => {
                    if !record.lock.is_empty() {
                        self.mirror_lock(&record, false).await;
                    }
                    self.delete_blobs(freed).await;
                    return Ok(record);
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }

    /// Deletes the blob of data that was never referenced (a failed write). Inline data lives
    /// in its record's commit and needs nothing here.
    pub(crate) async fn discard_unreferenced(&self, data: &DataRef) {
        if let DataRef::Blob(id) = data {
            self.readers.delete(id).await;
        }
    }

    /// Deletes blobs no record references any more, once their readers are done. A failure
    /// leaves an orphan that the start-up sweep reclaims, so it is logged, not returned.
    pub(crate) async fn delete_blobs(&self, ids: Vec<BlobId>) {
        for id in ids {
            self.readers.delete(&id).await;
        }
    }

    /// Adds the writes that make `data` unreferenced, and returns the blobs to delete once
    /// they commit.
    pub(crate) async fn dereference_data(
        &self,
        txn: Txn,
        data: &DataRef,
    ) -> Result<(Txn, Vec<BlobId>), EngineError> {
        Ok(match data {
            DataRef::Inline(id) => (txn.delete(keys::inline_data(id)), Vec::new()),
            DataRef::Blob(id) => (txn.delete(keys::blob_ref(id)), vec![id.clone()]),
            DataRef::Parts { manifest, .. } => {
                let parts = self.manifest(manifest).await?;
                let mut txn = txn.delete(keys::manifest(manifest));
                let mut blobs = Vec::with_capacity(parts.len());
                for part in parts {
                    txn = txn.delete(keys::blob_ref(&part.blob));
                    blobs.push(part.blob);
                }
                (txn, blobs)
            }
        })
    }

    /// The part list of a multipart object.
    pub(crate) async fn manifest(&self, id: &BlobId) -> Result<Vec<PartRef>, EngineError> {
        let record = self
            .meta
            .get(&keys::manifest(id))
            .await?
            .ok_or_else(|| EngineError::Internal(format!("manifest {id} is missing")))?;
        decode(&record.value)
    }
}

/// Adds the writes that make new single-PUT data referenced: its inline bytes, or its blob's
/// reference mark. (A multipart object's parts are marked as they are uploaded.)
pub(crate) fn reference_data(txn: Txn, data: &DataRef, inline: Option<Bytes>) -> Txn {
    match data {
        DataRef::Inline(id) => txn.put(keys::inline_data(id), inline.unwrap_or_default()),
        DataRef::Blob(id) => txn.put(keys::blob_ref(id), Bytes::new()),
        DataRef::Parts { .. } => txn,
    }
}

/// The checksum of a single-PUT object: always full-object.
pub(crate) fn full_object_checksum(
    (algorithm, value): &(crate::checksum::ChecksumAlgorithm, Vec<u8>),
) -> crate::ObjectChecksum {
    crate::ObjectChecksum {
        algorithm: *algorithm,
        value: value.clone(),
        kind: crate::checksum::ChecksumType::FullObject,
    }
}

/// An object's ETag: the MD5 of its data, except under SSE-C and SSE-KMS, where S3's ETag is
/// not the MD5 (it would disclose a digest of the plaintext to anyone who may list).
pub(crate) fn etag_of(
    md5: &[u8; 16],
    encryption: Option<&crate::sse::ServerSideEncryption>,
) -> ETag {
    ETag::from_md5(&crate::sse::etag_digest(md5, encryption))
}
