//! The blob store: immutable byte sequences, written once from a stream.

use std::fmt;
use std::ops::Range;
use std::pin::Pin;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;
use serde::{Deserialize, Serialize};

use crate::{BlobLock, Result};

/// A stream of body bytes. Errors are `std::io::Error`s so that a caller can wrap its own error
/// type (a digest mismatch, a signature failure) and recover it with `get_ref().downcast_ref()`.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send + 'static>>;

/// A generated blob name: 32 lowercase hex characters (128 random bits). Never derived from an
/// object key, so no key can name a path on disk.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlobId(String);

impl BlobId {
    pub const LEN: usize = 32;

    pub fn generate() -> Self {
        let mut raw = [0u8; Self::LEN / 2];
        getrandom::fill(&mut raw).expect("the operating system's random source failed");
        Self(hex::encode(raw))
    }

    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == Self::LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for BlobId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("invalid blob id {s:?}"))
    }
}

impl From<BlobId> for String {
    fn from(b: BlobId) -> String {
        b.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobInfo {
    pub id: BlobId,
    pub size: u64,
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Writes the whole stream as a new blob and makes it durable (data and name survive a
    /// crash) before returning. If the stream yields an error, or the returned future is dropped
    /// before completion, nothing remains: no blob, no temporary file. A stream error comes back
    /// as [`crate::StoreError::Input`] carrying the stream's own error.
    async fn put(&self, data: ByteStream) -> Result<BlobInfo>;

    /// Streams `range` of the blob. The blob is opened before this returns, so a missing blob is
    /// reported here as [`crate::StoreError::BlobNotFound`], and deleting the blob while the
    /// stream is being read does not cut the stream short. `range` must lie within the blob; a
    /// range past its end is an error, never a short read.
    async fn get(&self, id: &BlobId, range: Range<u64>) -> Result<ByteStream>;

    /// Removes a blob and its lock. Refused with [`crate::StoreError::Locked`], deleting
    /// nothing, while the blob's lock is in force ([`BlobLock::in_force`]): the store enforces
    /// Object Lock itself so that a bug above it cannot destroy locked data. Removing a blob that
    /// does not exist is not an error.
    async fn delete(&self, id: &BlobId) -> Result<()>;

    /// Replaces the blob's lock, durably before returning. Refused with
    /// [`crate::StoreError::Locked`] (and nothing changes) when it would weaken a retention still
    /// in force (retain_until > now): a COMPLIANCE retention may never be shortened, removed, or
    /// changed to GOVERNANCE; a GOVERNANCE retention may be shortened or removed only with
    /// `bypass_governance`. Extending a retention, changing GOVERNANCE to COMPLIANCE, and setting
    /// or clearing the legal hold are always allowed. An expired retention may be replaced
    /// freely (see [`crate::check_lock_change`]). [`crate::StoreError::BlobNotFound`] for a
    /// missing blob.
    async fn set_lock(&self, id: &BlobId, lock: BlobLock, bypass_governance: bool) -> Result<()>;

    /// The blob's lock (`BlobLock::default()` when it has none).
    /// [`crate::StoreError::BlobNotFound`] for a missing blob.
    async fn lock(&self, id: &BlobId) -> Result<BlobLock>;

    /// Every blob created before `before`, for reclaiming blobs that a crash orphaned (written
    /// but never referenced by a committed record, or dereferenced but not yet deleted).
    async fn list_created_before(&self, before: SystemTime) -> Result<Vec<BlobId>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids() {
        let a = BlobId::generate();
        assert_eq!(a.as_str().len(), BlobId::LEN);
        assert_ne!(a, BlobId::generate());
        assert_eq!(BlobId::parse(a.as_str()), Some(a));
        assert!(BlobId::parse("../../etc/passwd").is_none());
        assert!(BlobId::parse(&"A".repeat(32)).is_none());
    }
}
