//! Object operations. Every write follows one protocol: take the body in (inline bytes or a
//! new blob), commit the record with a compare-and-swap on the current record and the bucket,
//! and only then reclaim the data of the record it replaced.

mod copy;
mod delete;
mod get;
mod put;

use bytes::Bytes;
use rampart_store::{Expect, StoreError, Txn};
use rampart_types::{BucketName, ETag};

pub use copy::{CopyObjectInput, CopySource, MetadataDirective, TaggingDirective};
pub use delete::DeleteObjectOutcome;
pub use get::{GetObjectOutput, HeadObjectOutput, ReadRequest};
pub use put::{PutObjectInput, PutObjectOutput};

use crate::records::{DataRef, decode, encode};
use crate::{Engine, EngineError, ObjectRecord, WriteCondition, keys, limits};

/// Attempts before a write that keeps losing compare-and-swap races gives up. Each retry means
/// another writer committed, so the system as a whole made progress.
const MAX_COMMIT_ATTEMPTS: usize = 64;

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

    /// Commits `record` as the current object at `key`, replacing whatever is there, and
    /// reclaims the data of the replaced record. On failure the caller still owns `record`'s
    /// data and must discard it.
    pub(crate) async fn commit_object(
        &self,
        bucket: &BucketName,
        key: &str,
        record: &ObjectRecord,
        inline: Option<Bytes>,
        condition: &WriteCondition,
    ) -> Result<(), EngineError> {
        let object_key = keys::object(bucket, key);
        let encoded = encode(record)?;
        for _ in 0..MAX_COMMIT_ATTEMPTS {
            let (_, bucket_version) = self.active_bucket(bucket).await?;
            let current = self.load_object(bucket, key).await?;
            condition.check(current.as_ref().map(|(r, _)| &r.etag))?;
            let mut txn = Txn::new()
                .check(keys::bucket(bucket), Expect::Version(bucket_version))
                .check(
                    object_key.clone(),
                    match &current {
                        Some((_, version)) => Expect::Version(*version),
                        None => Expect::Absent,
                    },
                )
                .put(object_key.clone(), encoded.clone());
            // A metadata-only replacement (copy to self) keeps the same data: leave its
            // references alone.
            let current_data = current.map(|(old, _)| old.data);
            let replaced = current_data.clone().filter(|old| old != &record.data);
            if current_data.as_ref() != Some(&record.data) {
                txn = reference_data(txn, &record.data, inline.clone());
            }
            if let Some(old) = &replaced {
                txn = dereference_data(txn, old);
            }
            match self.meta.commit(txn).await {
                Ok(_) => {
                    if let Some(old) = replaced {
                        self.discard_data(&old).await;
                    }
                    return Ok(());
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }

    /// Deletes the blob behind data that no record references (any more, or ever). Inline data
    /// lives in its record's commit and needs nothing here. A failure leaves an orphan that the
    /// start-up sweep reclaims, so it is logged, not returned.
    pub(crate) async fn discard_data(&self, data: &DataRef) {
        if let DataRef::Blob(id) = data
            && let Err(e) = self.blobs.delete(id).await
        {
            tracing::warn!(blob = %id, error = %e, "could not delete an unreferenced blob; the start-up sweep will reclaim it");
        }
    }
}

/// Adds the writes that make `data` referenced: its inline bytes, or its blob's reference mark.
pub(crate) fn reference_data(txn: Txn, data: &DataRef, inline: Option<Bytes>) -> Txn {
    match data {
        DataRef::Inline(id) => txn.put(keys::inline_data(id), inline.unwrap_or_default()),
        DataRef::Blob(id) => txn.put(keys::blob_ref(id), Bytes::new()),
    }
}

pub(crate) fn dereference_data(txn: Txn, data: &DataRef) -> Txn {
    match data {
        DataRef::Inline(id) => txn.delete(keys::inline_data(id)),
        DataRef::Blob(id) => txn.delete(keys::blob_ref(id)),
    }
}

pub(crate) fn etag_of(md5: &[u8; 16]) -> ETag {
    ETag::from_md5(md5)
}
