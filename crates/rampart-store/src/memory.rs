//! In-memory backends for fast unit tests: a `BTreeMap` behind a mutex. Nothing is durable.

use std::collections::BTreeMap;
use std::ops::{Bound, Range};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use crate::{
    BlobId, BlobInfo, BlobLock, BlobStore, ByteStream, Expect, MetaStore, Op, Record,
    RecordVersion, Result, ScanRange, StoreError, Txn, check_delete, check_lock_change,
};

/// Reads are served in slices of this size, so a consumer sees a multi-chunk stream as it would
/// from a disk-backed store.
const READ_CHUNK: usize = 64 * 1024;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave the maps half-updated (every mutation is a
    // single insert/remove after all checks), so a poisoned lock is still consistent.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Default)]
struct MetaState {
    records: BTreeMap<Vec<u8>, Record>,
    /// The version of the last commit; the next commit gets `last_version + 1`.
    last_version: RecordVersion,
}

/// Ordered records in a `BTreeMap`; one global commit counter gives every commit its version.
#[derive(Default)]
pub struct MemoryMetaStore {
    state: Mutex<MetaState>,
}

impl MemoryMetaStore {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Whether `expect` holds for `current`.
pub(crate) fn expect_holds(expect: &Expect, current: Option<RecordVersion>) -> bool {
    match (expect, current) {
        (Expect::Absent, None) => true,
        (Expect::Present, Some(_)) => true,
        (Expect::Version(want), Some(have)) => *want == have,
        _ => false,
    }
}

/// The `(start, end)` bounds of `range` for a `BTreeMap::range` call, or `None` if the range is
/// empty (`BTreeMap::range` panics when start > end).
type KeyBounds<'a> = (Bound<&'a [u8]>, Bound<&'a [u8]>);

fn bounds(range: &ScanRange) -> Option<KeyBounds<'_>> {
    match &range.end {
        Some(end) if end.as_slice() <= range.start.as_slice() => None,
        Some(end) => Some((Bound::Included(&range.start), Bound::Excluded(end))),
        None => Some((Bound::Included(&range.start), Bound::Unbounded)),
    }
}

#[async_trait]
impl MetaStore for MemoryMetaStore {
    async fn get(&self, key: &[u8]) -> Result<Option<Record>> {
        Ok(lock(&self.state).records.get(key).cloned())
    }

    async fn scan(&self, range: &ScanRange, limit: usize) -> Result<Vec<(Vec<u8>, Record)>> {
        let state = lock(&self.state);
        let Some(bounds) = bounds(range) else {
            return Ok(Vec::new());
        };
        Ok(state
            .records
            .range::<[u8], _>(bounds)
            .take(limit)
            .map(|(k, r)| (k.clone(), r.clone()))
            .collect())
    }

    async fn commit(&self, txn: Txn) -> Result<RecordVersion> {
        let mut state = lock(&self.state);
        for (key, expect) in &txn.checks {
            let current = state.records.get(key).map(|r| r.version);
            if !expect_holds(expect, current) {
                return Err(StoreError::Conflict { key: key.clone() });
            }
        }
        state.last_version += 1;
        let version = state.last_version;
        for op in txn.ops {
            match op {
                Op::Put { key, value } => {
                    state.records.insert(key, Record { value, version });
                }
                Op::Delete { key } => {
                    state.records.remove(&key);
                }
            }
        }
        Ok(version)
    }
}

struct StoredBlob {
    data: Bytes,
    created: SystemTime,
    lock: BlobLock,
}

/// Blobs held whole in memory.
#[derive(Default)]
pub struct MemoryBlobStore {
    blobs: Mutex<BTreeMap<BlobId, StoredBlob>>,
}

impl MemoryBlobStore {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Checks that `range` is a valid range within a blob of `size` bytes.
pub(crate) fn check_range(range: &Range<u64>, size: u64) -> Result<()> {
    if range.start > range.end || range.end > size {
        return Err(StoreError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("range {range:?} is not within a blob of {size} bytes"),
        )));
    }
    Ok(())
}

#[async_trait]
impl BlobStore for MemoryBlobStore {
    async fn put(&self, mut data: ByteStream) -> Result<BlobInfo> {
        // Nothing is stored until the stream has ended cleanly, so an error or a dropped future
        // leaves no trace.
        let mut buf = BytesMut::new();
        while let Some(chunk) = data.next().await {
            buf.extend_from_slice(&chunk.map_err(StoreError::Input)?);
        }
        let data = buf.freeze();
        let id = BlobId::generate();
        let size = data.len() as u64;
        let blob = StoredBlob {
            data,
            created: SystemTime::now(),
            lock: BlobLock::default(),
        };
        lock(&self.blobs).insert(id.clone(), blob);
        Ok(BlobInfo { id, size })
    }

    async fn get(&self, id: &BlobId, range: Range<u64>) -> Result<ByteStream> {
        // Cloning `Bytes` shares the buffer, so a later delete does not affect this stream.
        let data = lock(&self.blobs)
            .get(id)
            .map(|b| b.data.clone())
            .ok_or_else(|| StoreError::BlobNotFound(id.clone()))?;
        check_range(&range, data.len() as u64)?;
        // Within the blob's length, so these conversions cannot truncate.
        let mut rest = data.slice(range.start as usize..range.end as usize);
        let mut chunks = Vec::with_capacity(rest.len().div_ceil(READ_CHUNK));
        while !rest.is_empty() {
            chunks.push(Ok(rest.split_to(READ_CHUNK.min(rest.len()))));
        }
        Ok(Box::pin(futures::stream::iter(chunks)))
    }

    async fn delete(&self, id: &BlobId) -> Result<()> {
        // Checked and removed under one guard, so no set_lock can slip in between.
        let mut blobs = lock(&self.blobs);
        if let Some(blob) = blobs.get(id) {
            check_delete(&blob.lock, SystemTime::now()).map_err(|reason| StoreError::Locked {
                id: id.clone(),
                reason,
            })?;
        }
        blobs.remove(id);
        Ok(())
    }

    async fn set_lock(&self, id: &BlobId, new: BlobLock, bypass_governance: bool) -> Result<()> {
        let mut blobs = lock(&self.blobs);
        let blob = blobs
            .get_mut(id)
            .ok_or_else(|| StoreError::BlobNotFound(id.clone()))?;
        check_lock_change(&blob.lock, &new, bypass_governance, SystemTime::now()).map_err(
            |reason| StoreError::Locked {
                id: id.clone(),
                reason,
            },
        )?;
        blob.lock = new;
        Ok(())
    }

    async fn lock(&self, id: &BlobId) -> Result<BlobLock> {
        lock(&self.blobs)
            .get(id)
            .map(|b| b.lock)
            .ok_or_else(|| StoreError::BlobNotFound(id.clone()))
    }

    async fn list_created_before(&self, before: SystemTime) -> Result<Vec<BlobId>> {
        Ok(lock(&self.blobs)
            .iter()
            .filter(|(_, b)| b.created < before)
            .map(|(id, _)| id.clone())
            .collect())
    }
}
