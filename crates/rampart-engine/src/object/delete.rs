use rampart_store::{Expect, StoreError, Txn};
use rampart_types::BucketName;

use crate::object::MAX_COMMIT_ATTEMPTS;
use crate::{Engine, EngineError, keys};

#[derive(Debug, PartialEq, Eq)]
pub enum DeleteObjectOutcome {
    Deleted,
    /// Nothing was there; S3 answers the same 204.
    NotFound,
}

impl Engine {
    /// Deletes the object at `key`. Deleting a key that does not exist succeeds, as in S3.
    pub async fn delete_object(
        &self,
        bucket: &BucketName,
        key: &str,
    ) -> Result<DeleteObjectOutcome, EngineError> {
        let object_key = keys::object(bucket, key);
        for _ in 0..MAX_COMMIT_ATTEMPTS {
            let (_, bucket_version) = self.active_bucket(bucket).await?;
            let Some((record, version)) = self.load_object(bucket, key).await? else {
                return Ok(DeleteObjectOutcome::NotFound);
            };
            let txn = Txn::new()
                .check(keys::bucket(bucket), Expect::Version(bucket_version))
                .check(object_key.clone(), Expect::Version(version))
                .delete(object_key.clone());
            let (txn, freed) = self.dereference_data(txn, &record.data).await?;
            match self.meta.commit(txn).await {
                Ok(_) => {
                    self.delete_blobs(freed).await;
                    return Ok(DeleteObjectOutcome::Deleted);
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }
}
