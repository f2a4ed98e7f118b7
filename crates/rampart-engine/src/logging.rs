//! Server access logging: where a bucket's access log records go (PutBucketLogging).

use rampart_types::BucketName;
use serde::{Deserialize, Serialize};

use crate::{Engine, EngineError};

/// A bucket's logging target, as BucketLoggingStatus's `LoggingEnabled` gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketLogging {
    pub target_bucket: BucketName,
    pub target_prefix: String,
    /// Grants given on every delivered log object (buckets with ACLs enabled only).
    pub target_grants: Vec<crate::acl::Grant>,
    pub key_format: LogKeyFormat,
}

/// How delivered log objects are named.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogKeyFormat {
    /// `[TargetPrefix][YYYY]-[MM]-[DD]-[hh]-[mm]-[ss]-[UniqueString]`
    #[default]
    SimplePrefix,
    /// `[TargetPrefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/[YYYY]/[MM]/[DD]/` and
    /// then the simple name, dated by the records' event time or by the delivery time.
    PartitionedPrefix { event_time: bool },
}

/// Why a logging target is refused (400 InvalidTargetBucketForLogging).
fn invalid_target(message: &'static str) -> EngineError {
    EngineError::InvalidTargetBucketForLogging(message)
}

impl Engine {
    /// PutBucketLogging: sets (or with `None`, removes) where `bucket`'s access log records
    /// are delivered. The target must exist, belong to the same account, be another bucket,
    /// and not have Object Lock (a log bucket must be able to expire its records).
    pub async fn set_bucket_logging(
        &self,
        bucket: &BucketName,
        logging: Option<BucketLogging>,
    ) -> Result<(), EngineError> {
        if let Some(target) = &logging {
            if &target.target_bucket == bucket {
                return Err(invalid_target(
                    "The target bucket for logging must not be the bucket being logged.",
                ));
            }
            let source = self.bucket(bucket).await?;
            let record = match self.bucket(&target.target_bucket).await {
                Ok(record) => record,
                Err(EngineError::NoSuchBucket) => {
                    return Err(invalid_target(
                        "The target bucket for logging does not exist",
                    ));
                }
                Err(e) => return Err(e),
            };
            if record.owner.account_id != source.owner.account_id {
                return Err(invalid_target(
                    "The owner for the bucket to be logged and the target bucket must be the same.",
                ));
            }
            if record.region != source.region {
                return Err(invalid_target(
                    "The target bucket for logging must be in the same region as the bucket being logged.",
                ));
            }
            if record.object_lock.is_some() {
                return Err(invalid_target(
                    "A bucket with Object Lock cannot be a target bucket for logging.",
                ));
            }
        }
        self.update_bucket_record(bucket, |record| {
            let changed = record.logging != logging;
            record.logging = logging.clone();
            Ok(changed)
        })
        .await
    }
}
