//! Bucket lifecycle: create, look up, list, delete (only when empty).

use std::time::Duration;

use rampart_store::{Expect, Record, RecordVersion, ScanRange, StoreError, Txn};
use rampart_types::{AccountId, BucketName, Owner};

use crate::records::{BucketState, decode, encode};
use crate::{BucketRecord, Engine, EngineError, Timestamp, keys};

/// How long a write waits for a concurrent DeleteBucket to finish before giving up with
/// OperationAborted.
const BUCKET_DELETE_WAIT: Duration = Duration::from_secs(2);
const BUCKET_DELETE_POLL: Duration = Duration::from_millis(10);

#[derive(Debug, PartialEq, Eq)]
pub enum CreateBucketOutcome {
    Created,
    /// us-east-1's legacy behaviour: re-creating a bucket you own there answers 200.
    AlreadyOwnedLegacyOk,
}

#[derive(Clone, Debug, Default)]
pub struct ListBucketsParams {
    pub prefix: Option<String>,
    /// Resume after this bucket name (decoded from a continuation token).
    pub start_after: Option<String>,
    pub max_buckets: Option<usize>,
    pub region: Option<String>,
}

#[derive(Clone, Debug)]
pub struct BucketSummary {
    pub name: BucketName,
    pub created: Timestamp,
    pub region: String,
}

#[derive(Clone, Debug)]
pub struct ListBucketsPage {
    pub buckets: Vec<BucketSummary>,
    /// The last bucket returned when more remain.
    pub next_after: Option<String>,
}

impl Engine {
    pub async fn create_bucket(
        &self,
        name: &BucketName,
        owner: &Owner,
    ) -> Result<CreateBucketOutcome, EngineError> {
        self.create_bucket_with_configs(name, owner, &[], false)
            .await
    }

    /// Creates a bucket together with its initial configuration documents (S3's defaults for
    /// new buckets, such as Block Public Access), in one commit: no bucket exists without them.
    /// With `object_lock`, the bucket has Object Lock (and so versioning) from the start.
    pub async fn create_bucket_with_configs(
        &self,
        name: &BucketName,
        owner: &Owner,
        configs: &[(crate::BucketConfigKind, bytes::Bytes)],
        object_lock: bool,
    ) -> Result<CreateBucketOutcome, EngineError> {
        let key = keys::bucket(name);
        let record = BucketRecord {
            name: name.clone(),
            owner: owner.clone(),
            created: Timestamp::now(),
            region: self.config.region.clone(),
            state: BucketState::Active,
            versioning: if object_lock {
                crate::versioning::Versioning::Enabled
            } else {
                crate::versioning::Versioning::Unversioned
            },
            mfa_delete: false,
            object_lock: object_lock.then(crate::object_lock::ObjectLockConfig::default),
            logging: None,
        };
        let mut txn = Txn::new()
            .check(key.clone(), Expect::Absent)
            .put(key, encode(&record)?);
        for (kind, value) in configs {
            txn = txn.put(keys::bucket_config(name, kind.name()), value.clone());
        }
        match self.meta.commit(txn).await {
            Ok(_) => Ok(CreateBucketOutcome::Created),
            Err(StoreError::Conflict { .. }) => {
                let existing = self.bucket(name).await?;
                if existing.owner.account_id != owner.account_id {
                    Err(EngineError::BucketAlreadyExists)
                } else if self.config.region == "us-east-1" {
                    Ok(CreateBucketOutcome::AlreadyOwnedLegacyOk)
                } else {
                    Err(EngineError::BucketAlreadyOwnedByYou)
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The bucket's record, if it exists (a bucket being deleted still exists).
    pub async fn bucket(&self, name: &BucketName) -> Result<BucketRecord, EngineError> {
        let record = self
            .meta
            .get(&keys::bucket(name))
            .await?
            .ok_or(EngineError::NoSuchBucket)?;
        decode(&record.value)
    }

    /// Changes a bucket's record with a compare-and-swap, retrying when another change wins.
    /// `change` edits the record and says whether it changed anything (nothing is written
    /// if not); its error aborts the update.
    pub(crate) async fn update_bucket_record(
        &self,
        bucket: &BucketName,
        change: impl Fn(&mut BucketRecord) -> Result<bool, EngineError>,
    ) -> Result<(), EngineError> {
        for _ in 0..crate::object::MAX_COMMIT_ATTEMPTS {
            let (mut record, version) = self.active_bucket(bucket).await?;
            if !change(&mut record)? {
                return Ok(());
            }
            let txn = Txn::new()
                .check(keys::bucket(bucket), Expect::Version(version))
                .put(keys::bucket(bucket), encode(&record)?);
            match self.meta.commit(txn).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }

    /// The bucket's record and version, waiting out a concurrent DeleteBucket: writes into a
    /// bucket check this version at commit, so they cannot land in a bucket being deleted.
    pub(crate) async fn active_bucket(
        &self,
        name: &BucketName,
    ) -> Result<(BucketRecord, RecordVersion), EngineError> {
        let deadline = tokio::time::Instant::now() + BUCKET_DELETE_WAIT;
        loop {
            let record = self
                .meta
                .get(&keys::bucket(name))
                .await?
                .ok_or(EngineError::NoSuchBucket)?;
            let bucket: BucketRecord = decode(&record.value)?;
            if bucket.state == BucketState::Active {
                return Ok((bucket, record.version));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(EngineError::OperationAborted);
            }
            tokio::time::sleep(BUCKET_DELETE_POLL).await;
        }
    }

    pub async fn list_buckets(
        &self,
        owner: &AccountId,
        params: &ListBucketsParams,
    ) -> Result<ListBucketsPage, EngineError> {
        let max = params
            .max_buckets
            .unwrap_or(crate::limits::MAX_LIST_BUCKETS)
            .min(crate::limits::MAX_LIST_BUCKETS);
        let prefix = params.prefix.as_deref().unwrap_or("");
        let full = ScanRange::prefix(&[keys::BUCKETS, prefix.as_bytes()].concat());
        let mut range = match &params.start_after {
            Some(after) if after.as_str() >= prefix => {
                full.resume_after(&keys::bucket_key_for_name(after))
            }
            _ => full.clone(),
        };
        let mut buckets = Vec::new();
        loop {
            let page = self.meta.scan(&range, 1000).await?;
            let Some((last, _)) = page.last() else {
                return Ok(ListBucketsPage {
                    buckets,
                    next_after: None,
                });
            };
            range = full.resume_after(last);
            for (_, Record { value, .. }) in &page {
                let bucket: BucketRecord = decode(value)?;
                if &bucket.owner.account_id != owner
                    || params.region.as_ref().is_some_and(|r| r != &bucket.region)
                {
                    continue;
                }
                if buckets.len() == max {
                    let next_after = buckets
                        .last()
                        .map(|b: &BucketSummary| b.name.as_str().to_owned());
                    return Ok(ListBucketsPage {
                        buckets,
                        next_after,
                    });
                }
                buckets.push(BucketSummary {
                    name: bucket.name,
                    created: bucket.created,
                    region: bucket.region,
                });
            }
        }
    }

    /// Deletes an empty bucket. The bucket is first marked Deleting (which fails any write
    /// that read it before), then checked for objects, so no object can slip in between the
    /// check and the delete.
    pub async fn delete_bucket(&self, name: &BucketName) -> Result<(), EngineError> {
        let key = keys::bucket(name);
        let (mut bucket, version) = self.active_bucket(name).await?;
        bucket.state = BucketState::Deleting;
        let marked = self
            .meta
            .commit(
                Txn::new()
                    .check(key.clone(), Expect::Version(version))
                    .put(key.clone(), encode(&bucket)?),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => EngineError::OperationAborted,
                other => other.into(),
            })?;
        // Noncurrent versions and delete markers keep a bucket alive too, as on S3.
        let has_objects = !self
            .meta
            .scan(&ScanRange::prefix(&keys::objects_prefix(name)), 1)
            .await?
            .is_empty()
            || !self
                .meta
                .scan(
                    &ScanRange::prefix(&crate::versioning::versions_prefix(name)),
                    1,
                )
                .await?
                .is_empty();
        if has_objects {
            bucket.state = BucketState::Active;
            self.meta
                .commit(
                    Txn::new()
                        .check(key.clone(), Expect::Version(marked))
                        .put(key, encode(&bucket)?),
                )
                .await?;
            return Err(EngineError::BucketNotEmpty);
        }
        // In-progress multipart uploads do not keep a bucket alive (S3 removes them with it);
        // no new one can start while the bucket is marked.
        for (upload, version) in self.bucket_uploads(name).await? {
            self.remove_upload(name, &upload, version).await?;
        }
        let mut txn = Txn::new()
            .check(key.clone(), Expect::Version(marked))
            .delete(key);
        for config in self.bucket_config_keys(name).await? {
            txn = txn.delete(config);
        }
        self.meta.commit(txn).await?;
        Ok(())
    }
}

impl Engine {
    /// Every multipart upload of a bucket, with its record version.
    pub(crate) async fn bucket_uploads(
        &self,
        bucket: &BucketName,
    ) -> Result<Vec<(crate::multipart::UploadRecord, RecordVersion)>, EngineError> {
        self.scan_all(&keys::uploads_prefix(bucket))
            .await?
            .into_iter()
            .map(|(_, record)| Ok((decode(&record.value)?, record.version)))
            .collect()
    }
}
