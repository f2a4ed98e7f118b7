//! Object tagging: replace or read an object's tag set without touching its data.

use rampart_store::{Expect, StoreError, Txn};
use rampart_types::BucketName;

use crate::object::MAX_COMMIT_ATTEMPTS;
use crate::records::encode;
use crate::tagging::TagSet;
use crate::{Engine, EngineError, PartRef, keys};

impl Engine {
    pub async fn object_tags(&self, bucket: &BucketName, key: &str) -> Result<TagSet, EngineError> {
        self.bucket(bucket).await?;
        let (record, _) = self
            .load_object(bucket, key)
            .await?
            .ok_or(EngineError::NoSuchKey)?;
        Ok(record.tags)
    }

    /// Replaces an object's tags (an empty set deletes them).
    pub async fn set_object_tags(
        &self,
        bucket: &BucketName,
        key: &str,
        tags: TagSet,
    ) -> Result<(), EngineError> {
        let object_key = keys::object(bucket, key);
        for _ in 0..MAX_COMMIT_ATTEMPTS {
            let (_, bucket_version) = self.active_bucket(bucket).await?;
            let (mut record, version) = self
                .load_object(bucket, key)
                .await?
                .ok_or(EngineError::NoSuchKey)?;
            record.tags = tags.clone();
            let txn = Txn::new()
                .check(keys::bucket(bucket), Expect::Version(bucket_version))
                .check(object_key.clone(), Expect::Version(version))
                .put(object_key.clone(), encode(&record)?);
            match self.meta.commit(txn).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }

    /// The current record of an object (for its owner and ACL).
    pub async fn object_record(
        &self,
        bucket: &BucketName,
        key: &str,
    ) -> Result<crate::ObjectRecord, EngineError> {
        self.bucket(bucket).await?;
        Ok(self
            .load_object(bucket, key)
            .await?
            .ok_or(EngineError::NoSuchKey)?
            .0)
    }

    /// Replaces an object's ACL; `make` builds it from the current record (whose owner the
    /// ACL names), so a concurrent overwrite is never given an ACL meant for its predecessor.
    pub async fn set_object_acl(
        &self,
        bucket: &BucketName,
        key: &str,
        make: impl Fn(&crate::ObjectRecord) -> Result<Option<crate::acl::Acl>, EngineError>,
    ) -> Result<(), EngineError> {
        let object_key = keys::object(bucket, key);
        for _ in 0..MAX_COMMIT_ATTEMPTS {
            let (_, bucket_version) = self.active_bucket(bucket).await?;
            let (mut record, version) = self
                .load_object(bucket, key)
                .await?
                .ok_or(EngineError::NoSuchKey)?;
            record.acl = make(&record)?;
            let txn = Txn::new()
                .check(keys::bucket(bucket), Expect::Version(bucket_version))
                .check(object_key.clone(), Expect::Version(version))
                .put(object_key.clone(), encode(&record)?);
            match self.meta.commit(txn).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }

    /// The parts of a multipart object (GetObjectAttributes); `None` for a single-PUT object.
    pub async fn object_parts(
        &self,
        record: &crate::ObjectRecord,
    ) -> Result<Option<Vec<PartRef>>, EngineError> {
        match &record.data {
            crate::records::DataRef::Parts { manifest, .. } => {
                Ok(Some(self.manifest(manifest).await?))
            }
            _ => Ok(None),
        }
    }
}
