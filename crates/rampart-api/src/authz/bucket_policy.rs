//! Bucket policies as the authorizer sees them: parsed once, and re-read from the metadata store
//! on every request so that a change made through any node applies to the next request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;
use rampart_engine::{BucketConfigKind, Engine};
use rampart_policy::{NamedPolicy, Policy, PolicyKind, PolicyType};
use rampart_types::BucketName;

use crate::error::ApiError;

type Parsed = HashMap<BucketName, (Bytes, Arc<NamedPolicy>)>;

/// Parsed bucket policies, keyed by bucket and validated against the stored bytes. Every
/// request reads this map, so it is a read-write lock written only when a policy changes.
#[derive(Default)]
pub struct BucketPolicies {
    parsed: RwLock<Parsed>,
}

impl BucketPolicies {
    /// The bucket's policy, if it has one.
    pub async fn get(
        &self,
        engine: &Engine,
        bucket: &BucketName,
    ) -> Result<Option<Arc<NamedPolicy>>, ApiError> {
        let Some(raw) = engine
            .bucket_config_raw(bucket, BucketConfigKind::Policy)
            .await?
        else {
            if self.read().contains_key(bucket) {
                self.write().remove(bucket);
            }
            return Ok(None);
        };
        if let Some((bytes, policy)) = self.read().get(bucket)
            && *bytes == raw
        {
            return Ok(Some(policy.clone()));
        }
        let text: String = Engine::decode_bucket_config(&raw)?;
        // A stored policy was validated when it was put; one that no longer parses (a stricter
        // parser after an upgrade) must deny rather than be ignored.
        let policy = Policy::parse(&text, PolicyKind::Resource).map_err(|e| {
            ApiError::internal(format!("stored policy of {bucket} does not parse: {e}"))
        })?;
        let named = Arc::new(NamedPolicy {
            name: format!("bucket policy of {bucket}"),
            kind: PolicyType::Resource,
            policy: Arc::new(policy),
        });
        self.write().insert(bucket.clone(), (raw, named.clone()));
        Ok(Some(named))
    }

    fn read(&self) -> RwLockReadGuard<'_, Parsed> {
        self.parsed.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Parsed> {
        self.parsed.write().unwrap_or_else(|e| e.into_inner())
    }
}
