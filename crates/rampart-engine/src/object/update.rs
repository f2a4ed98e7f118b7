//! Changing what a version carries besides its data: tags, ACL, retention, legal hold. The
//! version is the latest or the one a `versionId` names, wherever its record lives.

use std::time::SystemTime;

use rampart_store::{Expect, StoreError, Txn};
use rampart_types::BucketName;

use crate::object::MAX_COMMIT_ATTEMPTS;
use crate::object_lock::{ObjectLock, Retention, check_retention_change, ms_of_system_time};
use crate::records::encode;
use crate::tagging::TagSet;
use crate::versioning::VersionEntry;
use crate::{Engine, EngineError, ObjectRecord, keys};

impl Engine {
    /// Applies `change` to a version's record and commits it with a compare-and-swap on the
    /// record, retrying when a concurrent writer wins. Returns the record as committed.
    pub(crate) async fn update_version(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: Option<&str>,
        change: impl Fn(&mut ObjectRecord) -> Result<(), EngineError>,
    ) -> Result<ObjectRecord, EngineError> {
        for _ in 0..MAX_COMMIT_ATTEMPTS {
            let (_, bucket_version) = self.active_bucket(bucket).await?;
            let (mut record, version, noncurrent_key) =
                self.load_version(bucket, key, version_id).await?;
            change(&mut record)?;
            let (record_key, value) = match noncurrent_key {
                None => (keys::object(bucket, key), encode(&record)?),
                Some(k) => (k, encode(&VersionEntry::Object(Box::new(record.clone())))?),
            };
            let txn = Txn::new()
                .check(keys::bucket(bucket), Expect::Version(bucket_version))
                .check(record_key.clone(), Expect::Version(version))
                .put(record_key, value);
            match self.meta.commit(txn).await {
                Ok(_) => return Ok(record),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }

    /// A version's record (the latest, or the one `version_id` names).
    pub async fn object_version(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<ObjectRecord, EngineError> {
        self.bucket(bucket).await?;
        Ok(self.load_version(bucket, key, version_id).await?.0)
    }

    /// Replaces a version's tags (an empty set deletes them). Returns the version's id.
    pub async fn set_object_tags(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: Option<&str>,
        tags: TagSet,
    ) -> Result<Option<String>, EngineError> {
        let record = self
            .update_version(bucket, key, version_id, |record| {
                record.tags = tags.clone();
                Ok(())
            })
            .await?;
        Ok(record.version_id)
    }

    /// Replaces a version's ACL; `make` builds it from the version's record (whose owner the
    /// ACL names), so a concurrent overwrite is never given an ACL meant for its predecessor.
    pub async fn set_object_acl(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: Option<&str>,
        make: impl Fn(&ObjectRecord) -> Result<Option<crate::acl::Acl>, EngineError>,
    ) -> Result<Option<String>, EngineError> {
        let record = self
            .update_version(bucket, key, version_id, |record| {
                record.acl = make(record)?;
                Ok(())
            })
            .await?;
        Ok(record.version_id)
    }

    /// A version's Object Lock settings, in a bucket with Object Lock.
    pub async fn object_lock_of(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<ObjectLock, EngineError> {
        if self.bucket(bucket).await?.object_lock.is_none() {
            return Err(EngineError::ObjectLockNotEnabled);
        }
        Ok(self.load_version(bucket, key, version_id).await?.0.lock)
    }

    /// PutObjectRetention: sets, extends, shortens or (`None`) removes a version's retention,
    /// as far as the lock it has allows. Returns the version's id.
    pub async fn set_object_retention(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: Option<&str>,
        retention: Option<Retention>,
        bypass_governance: bool,
    ) -> Result<Option<String>, EngineError> {
        if self.bucket(bucket).await?.object_lock.is_none() {
            return Err(EngineError::ObjectLockNotEnabled);
        }
        let now = SystemTime::now();
        if let Some(r) = &retention
            && r.retain_until_ms <= ms_of_system_time(now)
        {
            return Err(EngineError::InvalidArgument {
                name: "RetainUntilDate",
                value: r.retain_until_ms.to_string(),
                message: "The retain until date must be in the future!".into(),
            });
        }
        let record = self
            .update_version(bucket, key, version_id, |record| {
                check_retention_change(
                    record.lock.retention.as_ref(),
                    retention.as_ref(),
                    bypass_governance,
                    now,
                )?;
                record.lock.retention = retention;
                Ok(())
            })
            .await?;
        self.mirror_lock(&record, bypass_governance).await;
        Ok(record.version_id)
    }

    /// PutObjectLegalHold: places or removes a version's legal hold. Returns the version's id.
    pub async fn set_object_legal_hold(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: Option<&str>,
        on: bool,
    ) -> Result<Option<String>, EngineError> {
        if self.bucket(bucket).await?.object_lock.is_none() {
            return Err(EngineError::ObjectLockNotEnabled);
        }
        let record = self
            .update_version(bucket, key, version_id, |record| {
                record.lock.legal_hold = Some(on);
                Ok(())
            })
            .await?;
        self.mirror_lock(&record, false).await;
        Ok(record.version_id)
    }
}
