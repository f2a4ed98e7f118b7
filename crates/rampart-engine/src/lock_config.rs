//! A bucket's Object Lock configuration, and the blob store's copy of each version's lock.

use std::time::SystemTime;

use rampart_store::{BlobId, BlobLock};
use rampart_types::BucketName;

use crate::object_lock::{ObjectLock, ObjectLockConfig};
use crate::records::DataRef;
use crate::versioning::Versioning;
use crate::{BucketRecord, Engine, EngineError, ObjectRecord};

impl Engine {
    /// GetObjectLockConfiguration.
    pub async fn object_lock_configuration(
        &self,
        bucket: &BucketName,
    ) -> Result<ObjectLockConfig, EngineError> {
        self.bucket(bucket)
            .await?
            .object_lock
            .ok_or(EngineError::ObjectLockConfigurationNotFound)
    }

    /// PutObjectLockConfiguration: enables Object Lock on a bucket whose versioning is enabled
    /// (for good), and replaces its default retention.
    pub async fn set_object_lock_configuration(
        &self,
        bucket: &BucketName,
        config: ObjectLockConfig,
    ) -> Result<(), EngineError> {
        if let Some(default) = &config.default_retention {
            default.validate()?;
        }
        self.update_bucket_record(bucket, |record| {
            if record.object_lock.is_none() && record.versioning != Versioning::Enabled {
                return Err(EngineError::InvalidBucketState(
                    "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
                ));
            }
            let changed = record.object_lock != Some(config);
            record.object_lock = Some(config);
            Ok(changed)
        })
        .await
    }

    /// The blobs that hold a version's data.
    pub(crate) async fn blobs_of(&self, data: &DataRef) -> Result<Vec<BlobId>, EngineError> {
        Ok(match data {
            // Inline data lives in its metadata record; only objects written before the bucket
            // had Object Lock are inline (every later one is written as a blob).
            DataRef::Inline(_) => Vec::new(),
            DataRef::Blob(id) => vec![id.clone()],
            DataRef::Parts { manifest, .. } => self
                .manifest(manifest)
                .await?
                .into_iter()
                .map(|p| p.blob)
                .collect(),
        })
    }

    /// Mirrors a committed version's lock onto its blobs, so the blob store refuses to delete
    /// them while it holds. The record, committed first, is what the engine enforces; a
    /// failure here leaves that enforcement in place and is logged.
    pub(crate) async fn mirror_lock(&self, record: &ObjectRecord, bypass_governance: bool) {
        let lock = record.lock.blob_lock();
        let blobs = match self.blobs_of(&record.data).await {
            Ok(blobs) => blobs,
            Err(e) => {
                tracing::error!(error = %e, "cannot list a locked version's blobs");
                return;
            }
        };
        for id in blobs {
            if let Err(e) = self.blobs.set_lock(&id, lock, bypass_governance).await {
                tracing::error!(blob = %id, error = %e, "cannot mirror an Object Lock onto a blob");
            }
        }
    }

    /// Lifts the blob store's copy of a deleted version's lock (which the engine has found
    /// deletable: expired, released, or bypassed) so its blobs can go.
    pub(crate) async fn release_lock(&self, lock: &ObjectLock, blobs: &[BlobId], bypass: bool) {
        if lock.is_empty() {
            return;
        }
        for id in blobs {
            if let Err(e) = self.blobs.set_lock(id, BlobLock::default(), bypass).await {
                tracing::warn!(blob = %id, error = %e, "cannot lift a blob's Object Lock");
            }
        }
    }
}

/// The lock of a new version of a key in `bucket`: what the request named, with the bucket's
/// default retention when it named none. Lock settings need a bucket with Object Lock.
pub(crate) fn new_version_lock(
    bucket: &BucketRecord,
    requested: ObjectLock,
) -> Result<ObjectLock, EngineError> {
    match &bucket.object_lock {
        Some(config) => Ok(config.lock_for_new_version(requested, SystemTime::now())),
        None if requested.is_empty() => Ok(requested),
        None => Err(EngineError::ObjectLockNotEnabled),
    }
}
