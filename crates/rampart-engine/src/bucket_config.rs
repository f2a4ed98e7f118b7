//! Per-bucket configuration documents (tagging, CORS, and later policy, encryption, …), each
//! stored as its own record so changing one never contends with object writes.

use rampart_store::{Expect, ScanRange, StoreError, Txn};
use rampart_types::BucketName;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::records::{decode, encode};
use crate::{Engine, EngineError, keys};

/// Which configuration document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BucketConfigKind {
    Tagging,
    Cors,
    /// The bucket policy: its JSON text, as the client sent it.
    Policy,
    /// Block Public Access settings ([`crate::PublicAccessBlock`]).
    PublicAccessBlock,
    /// Object Ownership ([`crate::acl::ObjectOwnership`]); absent means ObjectWriter.
    OwnershipControls,
    /// The bucket's ACL ([`crate::acl::Acl`]); absent means private to the bucket owner.
    Acl,
    /// Default encryption ([`crate::sse::BucketEncryption`]); absent means the server's
    /// default.
    Encryption,
}

impl BucketConfigKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Tagging => "tagging",
            Self::Cors => "cors",
            Self::Policy => "policy",
            Self::PublicAccessBlock => "publicAccessBlock",
            Self::OwnershipControls => "ownershipControls",
            Self::Acl => "acl",
            Self::Encryption => "encryption",
        }
    }
}

/// Attempts before a configuration write that keeps losing races gives up.
const MAX_CONFIG_ATTEMPTS: usize = 16;

impl Engine {
    /// The bucket's configuration of `kind`, if one is set. Fails with NoSuchBucket if the
    /// bucket does not exist.
    pub async fn bucket_config<T: DeserializeOwned>(
        &self,
        bucket: &BucketName,
        kind: BucketConfigKind,
    ) -> Result<Option<T>, EngineError> {
        self.bucket(bucket).await?;
        match self
            .meta
            .get(&keys::bucket_config(bucket, kind.name()))
            .await?
        {
            Some(record) => Ok(Some(decode(&record.value)?)),
            None => Ok(None),
        }
    }

    /// The encoded configuration of `kind`, without checking that the bucket exists: for
    /// callers that just looked the bucket up and cache the decoded form by these bytes.
    pub async fn bucket_config_raw(
        &self,
        bucket: &BucketName,
        kind: BucketConfigKind,
    ) -> Result<Option<bytes::Bytes>, EngineError> {
        Ok(self
            .meta
            .get(&keys::bucket_config(bucket, kind.name()))
            .await?
            .map(|record| record.value))
    }

    /// Decodes what [`Engine::bucket_config_raw`] returned.
    pub fn decode_bucket_config<T: DeserializeOwned>(raw: &[u8]) -> Result<T, EngineError> {
        decode(raw)
    }

    /// Encodes a configuration document, for [`Engine::create_bucket_with_configs`].
    pub fn encode_bucket_config<T: Serialize>(value: &T) -> Result<bytes::Bytes, EngineError> {
        encode(value)
    }

    /// The bucket's Object Ownership: a bucket without the setting behaves as ObjectWriter
    /// (buckets created here always get one; `DeleteBucketOwnershipControls` removes it).
    pub async fn bucket_ownership(
        &self,
        bucket: &BucketName,
    ) -> Result<crate::acl::ObjectOwnership, EngineError> {
        match self
            .bucket_config_raw(bucket, BucketConfigKind::OwnershipControls)
            .await?
        {
            Some(raw) => decode(&raw),
            None => Ok(crate::acl::ObjectOwnership::ObjectWriter),
        }
    }

    /// The bucket's ACL: a bucket without one is private to its owner.
    pub async fn bucket_acl(
        &self,
        bucket: &BucketName,
        owner: &rampart_types::Owner,
    ) -> Result<crate::acl::Acl, EngineError> {
        match self
            .bucket_config_raw(bucket, BucketConfigKind::Acl)
            .await?
        {
            Some(raw) => decode(&raw),
            None => Ok(crate::acl::Acl::private(owner)),
        }
    }

    /// Sets (replaces) the bucket's configuration of `kind`.
    pub async fn put_bucket_config<T: Serialize>(
        &self,
        bucket: &BucketName,
        kind: BucketConfigKind,
        value: &T,
    ) -> Result<(), EngineError> {
        let encoded = encode(value)?;
        self.write_bucket_config(bucket, kind, Some(encoded)).await
    }

    /// Removes the bucket's configuration of `kind`; removing an absent one succeeds.
    pub async fn delete_bucket_config(
        &self,
        bucket: &BucketName,
        kind: BucketConfigKind,
    ) -> Result<(), EngineError> {
        self.write_bucket_config(bucket, kind, None).await
    }

    async fn write_bucket_config(
        &self,
        bucket: &BucketName,
        kind: BucketConfigKind,
        value: Option<bytes::Bytes>,
    ) -> Result<(), EngineError> {
        let key = keys::bucket_config(bucket, kind.name());
        for _ in 0..MAX_CONFIG_ATTEMPTS {
            // Checked against the bucket's version, so no configuration survives a delete.
            let (_, version) = self.active_bucket(bucket).await?;
            let txn = Txn::new().check(keys::bucket(bucket), Expect::Version(version));
            let txn = match &value {
                Some(v) => txn.put(key.clone(), v.clone()),
                None => txn.delete(key.clone()),
            };
            match self.meta.commit(txn).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }

    /// The keys of every configuration record of a bucket (removed with the bucket).
    pub(crate) async fn bucket_config_keys(
        &self,
        bucket: &BucketName,
    ) -> Result<Vec<Vec<u8>>, EngineError> {
        let records = self
            .meta
            .scan(
                &ScanRange::prefix(&keys::bucket_configs_prefix(bucket)),
                1000,
            )
            .await?;
        Ok(records.into_iter().map(|(k, _)| k).collect())
    }
}
