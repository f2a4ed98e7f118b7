//! Block Public Access settings, per bucket (a bucket configuration document) and per account
//! (an account configuration record); S3 applies the most restrictive of the two.

use rampart_store::StoreError;
use rampart_types::{AccountId, BucketName};
use serde::{Deserialize, Serialize};

use crate::records::{decode, encode};
use crate::{BucketConfigKind, Engine, EngineError, keys};

/// The four settings of `PublicAccessBlockConfiguration`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Every setting on: what S3 gives every new bucket since April 2023.
    pub const ALL: Self = Self {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    /// The effective settings: a setting applies if the account or the bucket enables it.
    pub fn most_restrictive(self, other: Self) -> Self {
        Self {
            block_public_acls: self.block_public_acls || other.block_public_acls,
            ignore_public_acls: self.ignore_public_acls || other.ignore_public_acls,
            block_public_policy: self.block_public_policy || other.block_public_policy,
            restrict_public_buckets: self.restrict_public_buckets || other.restrict_public_buckets,
        }
    }

    /// The encoded document, for [`Engine::create_bucket_with_configs`].
    pub fn encoded(&self) -> Result<bytes::Bytes, EngineError> {
        encode(self)
    }
}

const ACCOUNT_KIND: &str = "publicAccessBlock";

impl Engine {
    /// The account's own Block Public Access settings, if it has any.
    pub async fn account_public_access_block(
        &self,
        account: &AccountId,
    ) -> Result<Option<PublicAccessBlock>, EngineError> {
        let key = keys::account_config(account.as_str(), ACCOUNT_KIND);
        match self.meta.get(&key).await? {
            Some(record) => Ok(Some(decode(&record.value)?)),
            None => Ok(None),
        }
    }

    /// Sets (or with `None` removes) the account's Block Public Access settings.
    pub async fn set_account_public_access_block(
        &self,
        account: &AccountId,
        value: Option<&PublicAccessBlock>,
    ) -> Result<(), EngineError> {
        let key = keys::account_config(account.as_str(), ACCOUNT_KIND);
        let txn = rampart_store::Txn::new();
        let txn = match value {
            Some(v) => txn.put(key, encode(v)?),
            None => txn.delete(key),
        };
        match self.meta.commit(txn).await {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict { .. }) => Err(EngineError::OperationAborted),
            Err(e) => Err(e.into()),
        }
    }

    /// The settings in force for a bucket of `owner`: the most restrictive of the bucket's and
    /// the account's (absent ones block nothing).
    pub async fn effective_public_access_block(
        &self,
        bucket: &BucketName,
        owner: &AccountId,
    ) -> Result<PublicAccessBlock, EngineError> {
        let bucket_settings = match self
            .bucket_config_raw(bucket, BucketConfigKind::PublicAccessBlock)
            .await?
        {
            Some(raw) => decode(&raw)?,
            None => PublicAccessBlock::default(),
        };
        let account = self
            .account_public_access_block(owner)
            .await?
            .unwrap_or_default();
        Ok(bucket_settings.most_restrictive(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stricter_setting_wins() {
        let account = PublicAccessBlock {
            block_public_policy: true,
            ..Default::default()
        };
        let bucket = PublicAccessBlock {
            ignore_public_acls: true,
            ..Default::default()
        };
        let effective = bucket.most_restrictive(account);
        assert!(effective.block_public_policy && effective.ignore_public_acls);
        assert!(!effective.block_public_acls && !effective.restrict_public_buckets);
        assert_eq!(
            PublicAccessBlock::default().most_restrictive(PublicAccessBlock::ALL),
            PublicAccessBlock::ALL
        );
    }
}
