//! The metadata store: ordered records, range scans, atomic conditional commits.

use async_trait::async_trait;
use bytes::Bytes;

use crate::Result;

/// A record's version: the sequence number of the commit that last wrote it. Versions grow
/// monotonically across the whole store, so a key that is deleted and re-created never returns
/// to an earlier version (no ABA). Zero is never a valid version.
pub type RecordVersion = u64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub value: Bytes,
    pub version: RecordVersion,
}

/// A precondition on one key, checked atomically with a commit's writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The key holds no record.
    Absent,
    /// The key holds some record.
    Present,
    /// The key holds a record at exactly this version.
    Version(RecordVersion),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Put {
        key: Vec<u8>,
        value: Bytes,
    },
    /// Deleting a key that holds no record is not an error.
    Delete {
        key: Vec<u8>,
    },
}

/// An atomic unit of writes: either every check holds and every op is applied, durably, or the
/// commit fails with [`crate::StoreError::Conflict`] and nothing changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Txn {
    pub checks: Vec<(Vec<u8>, Expect)>,
    pub ops: Vec<Op>,
}

impl Txn {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn check(mut self, key: impl Into<Vec<u8>>, expect: Expect) -> Self {
        self.checks.push((key.into(), expect));
        self
    }

    pub fn put(mut self, key: impl Into<Vec<u8>>, value: impl Into<Bytes>) -> Self {
        self.ops.push(Op::Put {
            key: key.into(),
            value: value.into(),
        });
        self
    }

    pub fn delete(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.ops.push(Op::Delete { key: key.into() });
        self
    }
}

/// The keys `start <= key < end` (no upper bound when `end` is `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanRange {
    pub start: Vec<u8>,
    pub end: Option<Vec<u8>>,
}

impl ScanRange {
    /// Every key that starts with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        Self {
            start: prefix.to_vec(),
            end: prefix_end(prefix),
        }
    }

    /// Continues a scan after `last`, the final key a previous page returned.
    pub fn resume_after(&self, last: &[u8]) -> Self {
        Self {
            start: key_successor(last),
            end: self.end.clone(),
        }
    }
}

/// The smallest key strictly greater than `key`.
pub fn key_successor(key: &[u8]) -> Vec<u8> {
    let mut next = Vec::with_capacity(key.len() + 1);
    next.extend_from_slice(key);
    next.push(0);
    next
}

/// The smallest key greater than every key starting with `prefix`; `None` if there is none
/// (an empty prefix, or one made only of 0xFF bytes).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Ordered key-value records. Implementations must be linearizable: once `commit` returns, every
/// later `get` and `scan`, from any task, sees its writes; reads should see only durable commits
/// (redb does; sled may show a batch a moment before its sync completes). One `scan` call is a
/// consistent snapshot: it never shows part of a commit.
///
/// If a `commit` future is dropped before it resolves, the transaction may or may not have been
/// applied; callers treat the outcome as unknown.
#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    async fn get(&self, key: &[u8]) -> Result<Option<Record>>;

    /// Up to `limit` records of `range` in ascending byte order of their keys.
    async fn scan(&self, range: &ScanRange, limit: usize) -> Result<Vec<(Vec<u8>, Record)>>;

    /// Applies `txn` atomically and durably (it survives a crash or power loss once this
    /// returns) and returns the commit's version, which every record it wrote now carries.
    async fn commit(&self, txn: Txn) -> Result<RecordVersion>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
        assert_eq!(prefix_end(b""), None);
        assert_eq!(key_successor(b"ab"), b"ab\0".to_vec());
        let r = ScanRange::prefix(b"o/");
        assert_eq!(r.resume_after(b"o/x").start, b"o/x\0".to_vec());
    }
}
