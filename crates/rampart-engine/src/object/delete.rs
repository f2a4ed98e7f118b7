use rampart_store::{Expect, StoreError, Txn};
use rampart_types::{BucketName, Owner};

use crate::object::MAX_COMMIT_ATTEMPTS;
use crate::records::encode;
use crate::versioning::{
    DeleteMarker, NULL_VERSION_ID, VersionEntry, Versioning, new_version_id, next_seq,
    null_version_key, seq_of_version_id,
};
use crate::{Engine, EngineError, Timestamp, keys};

/// What a DeleteObject did, for `x-amz-delete-marker` and `x-amz-version-id`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeleteObjectOutcome {
    /// A delete marker was created, or the version deleted was one.
    pub delete_marker: bool,
    /// The marker created, or the version deleted (`None` in an unversioned bucket).
    pub version_id: Option<String>,
}

impl Engine {
    /// DeleteObject. Without `version_id`: in an unversioned bucket the object goes; in a
    /// versioned one a delete marker becomes the latest version. With `version_id`: that
    /// version goes for good, and if it was the latest, the next one becomes current.
    /// Deleting what does not exist succeeds, as in S3. A version under Object Lock is not
    /// deleted; `bypass_governance` (a request that asked for it, by a caller holding
    /// s3:BypassGovernanceRetention) lets a GOVERNANCE retention be passed over.
    pub async fn delete_object(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: Option<&str>,
        owner: &Owner,
        bypass_governance: bool,
    ) -> Result<DeleteObjectOutcome, EngineError> {
        if let Some(id) = version_id
            && id != NULL_VERSION_ID
            && seq_of_version_id(id).is_none()
        {
            return Err(EngineError::InvalidArgument {
                name: "versionId",
                value: id.to_owned(),
                message: "Invalid version id specified".into(),
            });
        }
        for _ in 0..MAX_COMMIT_ATTEMPTS {
            let attempt = match version_id {
                None => self.delete_latest(bucket, key, owner).await,
                Some(id) => {
                    self.delete_version(bucket, key, id, bypass_governance)
                        .await
                }
            };
            match attempt {
                Err(EngineError::Store(StoreError::Conflict { .. })) => continue,
                other => return other,
            }
        }
        Err(EngineError::OperationAborted)
    }

    async fn delete_latest(
        &self,
        bucket: &BucketName,
        key: &str,
        owner: &Owner,
    ) -> Result<DeleteObjectOutcome, EngineError> {
        let object_key = keys::object(bucket, key);
        let (bucket_record, bucket_version) = self.active_bucket(bucket).await?;
        let versioning = bucket_record.versioning;
        let current = self.load_object(bucket, key).await?;
        let mut txn = Txn::new()
            .check(keys::bucket(bucket), Expect::Version(bucket_version))
            .check(
                object_key.clone(),
                current
                    .as_ref()
                    .map_or(Expect::Absent, |(_, v)| Expect::Version(*v)),
            );
        if versioning == Versioning::Unversioned && current.is_none() {
            return Ok(DeleteObjectOutcome::default());
        }
        if current.is_some() {
            txn = txn.delete(object_key);
        }
        let current_record = current.as_ref().map(|(r, _)| r);
        let (mut txn, freed) = self
            .supersede(txn, bucket, key, versioning, current_record, None)
            .await?;
        let mut outcome = DeleteObjectOutcome::default();
        if versioning != Versioning::Unversioned {
            let mut after = current_record.map_or(0, |c| c.order_seq());
            if let Some((_, newest, _)) = self.newest_version_entry(bucket, key).await? {
                after = after.max(newest.seq());
            }
            let seq = next_seq(after);
            let marker = DeleteMarker {
                version_id: (versioning == Versioning::Enabled).then(|| new_version_id(seq)),
                seq,
                last_modified: Timestamp::now(),
                owner: owner.clone(),
            };
            outcome = DeleteObjectOutcome {
                delete_marker: true,
                version_id: Some(
                    marker
                        .version_id
                        .clone()
                        .unwrap_or_else(|| NULL_VERSION_ID.to_owned()),
                ),
            };
            txn = Self::keep_as_noncurrent(txn, bucket, key, &VersionEntry::DeleteMarker(marker))?;
        }
        self.meta.commit(txn).await?;
        self.delete_blobs(freed).await;
        Ok(outcome)
    }

    async fn delete_version(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: &str,
        bypass_governance: bool,
    ) -> Result<DeleteObjectOutcome, EngineError> {
        let now = std::time::SystemTime::now();
        let object_key = keys::object(bucket, key);
        let (_, bucket_version) = self.active_bucket(bucket).await?;
        let mut txn = Txn::new().check(keys::bucket(bucket), Expect::Version(bucket_version));
        let current = self.load_object(bucket, key).await?;
        let mut outcome = DeleteObjectOutcome {
            delete_marker: false,
            version_id: Some(version_id.to_owned()),
        };
        let mut freed = Vec::new();
        let mut lock = crate::object_lock::ObjectLock::default();
        let removes_latest;
        match &current {
            Some((record, version))
                if record.version_id.as_deref().unwrap_or(NULL_VERSION_ID) == version_id =>
            {
                record.lock.check_delete(now, bypass_governance)?;
                lock = record.lock;
                txn = txn
                    .check(object_key.clone(), Expect::Version(*version))
                    .delete(object_key.clone());
                let (t, blobs) = self.dereference_data(txn, &record.data).await?;
                txn = t;
                freed = blobs;
                removes_latest = true;
            }
            _ => {
                let Some((record_key, entry, version)) =
                    self.version_entry(bucket, key, version_id).await?
                else {
                    return Ok(outcome);
                };
                let newest = self.newest_version_entry(bucket, key).await?;
                removes_latest =
                    current.is_none() && newest.is_some_and(|(k, _, _)| k == record_key);
                txn = txn
                    .check(
                        object_key.clone(),
                        current
                            .as_ref()
                            .map_or(Expect::Absent, |(_, v)| Expect::Version(*v)),
                    )
                    .check(record_key.clone(), Expect::Version(version))
                    .delete(record_key.clone());
                if entry.version_id().is_none() {
                    txn = txn.delete(null_version_key(bucket, key));
                }
                match entry {
                    VersionEntry::Object(old) => {
                        old.lock.check_delete(now, bypass_governance)?;
                        lock = old.lock;
                        let (t, blobs) = self.dereference_data(txn, &old.data).await?;
                        txn = t;
                        freed = blobs;
                    }
                    VersionEntry::DeleteMarker(_) => outcome.delete_marker = true,
                }
            }
        }
        if removes_latest {
            txn = self.promote_next(txn, bucket, key, version_id).await?;
        }
        self.meta.commit(txn).await?;
        self.release_lock(&lock, &freed, bypass_governance).await;
        self.delete_blobs(freed).await;
        Ok(outcome)
    }

    /// With the latest version of `key` (`removed`) going, makes the next newest version
    /// current: an object moves back to `o/`; a delete marker stays where it is (the key then
    /// reads as deleted).
    async fn promote_next(
        &self,
        txn: Txn,
        bucket: &BucketName,
        key: &str,
        removed: &str,
    ) -> Result<Txn, EngineError> {
        let range =
            rampart_store::ScanRange::prefix(&crate::versioning::key_versions_prefix(bucket, key));
        for (record_key, record) in self.meta.scan(&range, 2).await? {
            let entry: VersionEntry = crate::records::decode(&record.value)?;
            if entry.version_id().unwrap_or(NULL_VERSION_ID) == removed {
                continue;
            }
            let VersionEntry::Object(next) = entry else {
                return Ok(txn);
            };
            let mut txn = txn
                .check(record_key.clone(), Expect::Version(record.version))
                .delete(record_key)
                .put(keys::object(bucket, key), encode(&next)?);
            if next.version_id.is_none() {
                txn = txn.delete(null_version_key(bucket, key));
            }
            return Ok(txn);
        }
        Ok(txn)
    }
}
