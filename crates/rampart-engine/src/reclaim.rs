//! Start-up recovery of what a crash can leave behind: blobs written but never referenced (or
//! dereferenced but not yet deleted), and buckets left marked as being deleted.

use std::time::SystemTime;

use rampart_store::{Expect, StoreError, Txn};

use crate::records::{BucketState, decode, encode};
use crate::{BucketRecord, Engine, EngineError, keys};

pub(crate) async fn orphaned_blobs(
    engine: &Engine,
    cutoff: SystemTime,
) -> Result<usize, EngineError> {
    let mut reclaimed = 0;
    for id in engine.blobs.list_created_before(cutoff).await? {
        if engine.meta.get(&keys::blob_ref(&id)).await?.is_none() {
            match engine.blobs.delete(&id).await {
                Ok(()) => reclaimed += 1,
                // The store refuses to delete a locked blob. An unreferenced blob under a lock
                // points at a bug or a crash between locking and committing, not at a reason to
                // refuse to start: keep it, say so, and let a later sweep retry.
                Err(StoreError::Locked { id, reason }) => {
                    tracing::warn!(blob = %id, %reason, "kept an orphaned blob: it is locked");
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(reclaimed)
}

impl Engine {
    /// Finishes what a crash interrupted in multipart uploads: an upload left Completing is
    /// returned to Active (the client may complete it again), one left Aborting is removed.
    /// Run before accepting requests.
    pub async fn recover_interrupted_uploads(&self) -> Result<usize, EngineError> {
        use crate::multipart::{UploadRecord, UploadState};
        let mut recovered = 0;
        for (key, record) in self.scan_all(b"u/").await? {
            let mut upload: UploadRecord = decode(&record.value)?;
            match upload.state {
                UploadState::Active => continue,
                UploadState::Aborting => {
                    let Some(bucket) = upload_bucket(&key) else {
                        continue;
                    };
                    self.remove_upload(&bucket, &upload, record.version).await?;
                }
                UploadState::Completing => {
                    upload.state = UploadState::Active;
                    let txn = Txn::new()
                        .check(key.clone(), Expect::Version(record.version))
                        .put(key, encode(&upload)?);
                    match self.meta.commit(txn).await {
                        Ok(_) | Err(StoreError::Conflict { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            recovered += 1;
        }
        Ok(recovered)
    }

    /// Returns buckets that a crash left in the middle of DeleteBucket to service. Run before
    /// accepting requests.
    pub async fn recover_interrupted_bucket_deletes(&self) -> Result<usize, EngineError> {
        let mut recovered = 0;
        for (key, record) in self.scan_all(keys::BUCKETS).await? {
            let mut bucket: BucketRecord = decode(&record.value)?;
            if bucket.state != BucketState::Deleting {
                continue;
            }
            bucket.state = BucketState::Active;
            let txn = Txn::new()
                .check(key.clone(), Expect::Version(record.version))
                .put(key.clone(), encode(&bucket)?);
            match self.meta.commit(txn).await {
                Ok(_) => recovered += 1,
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            tracing::info!(bucket = ?keys::bucket_name_of(&key), "recovered a bucket from an interrupted DeleteBucket");
        }
        Ok(recovered)
    }
}

/// The bucket of an upload record's key, `u/<bucket>/<key>\0<id>`.
fn upload_bucket(key: &[u8]) -> Option<rampart_types::BucketName> {
    let rest = key.strip_prefix(b"u/")?;
    let end = rest.iter().position(|b| *b == b'/')?;
    rampart_types::BucketName::parse(std::str::from_utf8(&rest[..end]).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rampart_store::memory::{MemoryBlobStore, MemoryMetaStore};
    use rampart_store::{BlobLock, BlobStore, MetaStore};
    use rampart_types::{AccountId, BucketName, CanonicalUserId, Owner};

    use super::*;
    use crate::{EngineConfig, Timestamp};

    #[tokio::test]
    async fn a_bucket_left_deleting_by_a_crash_is_usable_again() {
        let meta = Arc::new(MemoryMetaStore::new());
        let engine = Engine::new(
            meta.clone(),
            Arc::new(MemoryBlobStore::new()),
            EngineConfig {
                region: "us-east-1".into(),
                ..Default::default()
            },
        );
        let name = BucketName::parse("crashed").unwrap();
        // What DeleteBucket's first commit leaves when the process dies right after it.
        let record = BucketRecord {
            name: name.clone(),
            owner: Owner {
                account_id: AccountId::parse("123456789012").unwrap(),
                canonical_id: CanonicalUserId::parse(&"b".repeat(64)).unwrap(),
                display_name: "t".into(),
            },
            created: Timestamp::now(),
            region: "us-east-1".into(),
            state: BucketState::Deleting,
            versioning: Default::default(),
            mfa_delete: false,
            object_lock: None,
            logging: None,
        };
        meta.commit(Txn::new().put(keys::bucket(&name), encode(&record).unwrap()))
            .await
            .unwrap();
        assert!(matches!(
            engine.active_bucket(&name).await,
            Err(EngineError::OperationAborted)
        ));
        assert_eq!(
            engine.recover_interrupted_bucket_deletes().await.unwrap(),
            1
        );
        assert!(engine.active_bucket(&name).await.is_ok());
        assert_eq!(
            engine.recover_interrupted_bucket_deletes().await.unwrap(),
            0
        );
    }

    #[tokio::test]
    async fn a_locked_orphan_is_kept_and_does_not_fail_the_sweep() {
        let blobs = Arc::new(MemoryBlobStore::new());
        let engine = Engine::new(
            Arc::new(MemoryMetaStore::new()),
            blobs.clone(),
            EngineConfig::default(),
        );
        let body = |b: &'static [u8]| -> rampart_store::ByteStream {
            Box::pin(futures::stream::iter([Ok(bytes::Bytes::from_static(b))]))
        };
        let locked = blobs.put(body(b"locked")).await.unwrap();
        let free = blobs.put(body(b"free")).await.unwrap();
        let hold = BlobLock {
            retention: None,
            legal_hold: true,
        };
        blobs.set_lock(&locked.id, hold, false).await.unwrap();
        let cutoff = SystemTime::now() + std::time::Duration::from_secs(60);
        assert_eq!(orphaned_blobs(&engine, cutoff).await.unwrap(), 1);
        assert_eq!(
            blobs.list_created_before(cutoff).await.unwrap(),
            vec![locked.id.clone()]
        );
        assert!(blobs.get(&free.id, 0..0).await.is_err());
    }
}
