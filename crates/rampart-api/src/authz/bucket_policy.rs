//! Bucket policies as the authorizer sees them: parsed once, and re-read from the metadata store
//! on every request so that a change made through any node applies to the next request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;
use rampart_engine::{BucketConfigKind, Engine};
use rampart_iam::Principal;
use rampart_policy::{NamedPolicy, Policy, PolicyKind, PolicyType};
use rampart_types::{AccountId, BucketName};

use crate::error::ApiError;

/// Per bucket: the stored bytes, the parsed policy, and whether it is public.
type Parsed = HashMap<BucketName, (Bytes, Arc<NamedPolicy>, bool)>;

/// Parsed bucket policies, keyed by bucket and validated against the stored bytes. Every
/// request reads this map, so it is a read-write lock written only when a policy changes.
#[derive(Default)]
pub struct BucketPolicies {
    parsed: RwLock<Parsed>,
}

impl BucketPolicies {
    /// The bucket's policy as it applies to `principal`: none if the bucket has none, and none
    /// for principals outside the owner's account when the policy is public and Block Public
    /// Access restricts public buckets ("public and cross-account access within any public
    /// bucket policy, including non-public delegation to specific accounts, is blocked").
    pub async fn applicable(
        &self,
        engine: &Engine,
        bucket: &BucketName,
        owner: &AccountId,
        principal: &Principal,
    ) -> Result<Option<Arc<NamedPolicy>>, ApiError> {
        let Some((policy, public)) = self.get(engine, bucket).await? else {
            return Ok(None);
        };
        let insider = principal.account().is_some_and(|a| a.id == *owner);
        if public && !insider {
            let settings = engine.effective_public_access_block(bucket, owner).await?;
            if settings.restrict_public_buckets {
                return Ok(None);
            }
        }
        Ok(Some(policy))
    }

    /// The bucket's policy and whether it is public, if it has one.
    pub async fn get(
        &self,
        engine: &Engine,
        bucket: &BucketName,
    ) -> Result<Option<(Arc<NamedPolicy>, bool)>, ApiError> {
        let Some(raw) = engine
            .bucket_config_raw(bucket, BucketConfigKind::Policy)
            .await?
        else {
            if self.read().contains_key(bucket) {
                self.write().remove(bucket);
            }
            return Ok(None);
        };
        if let Some((bytes, policy, public)) = self.read().get(bucket)
            && *bytes == raw
        {
            return Ok(Some((policy.clone(), *public)));
        }
        let text: String = Engine::decode_bucket_config(&raw)?;
        // A stored policy was validated when it was put; one that no longer parses (a stricter
        // parser after an upgrade) must deny rather than be ignored.
        let policy = Policy::parse(&text, PolicyKind::Resource).map_err(|e| {
            ApiError::internal(format!("stored policy of {bucket} does not parse: {e}"))
        })?;
        let public = policy.is_public();
        let named = Arc::new(NamedPolicy {
            name: format!("bucket policy of {bucket}"),
            kind: PolicyType::Resource,
            policy: Arc::new(policy),
        });
        self.write()
            .insert(bucket.clone(), (raw, named.clone(), public));
        Ok(Some((named, public)))
    }

    fn read(&self) -> RwLockReadGuard<'_, Parsed> {
        self.parsed.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Parsed> {
        self.parsed.write().unwrap_or_else(|e| e.into_inner())
    }
}
