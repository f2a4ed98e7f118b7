//! `MetaStore` on redb: a copy-on-write B-tree in one file, with group commit.

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use rampart_store::{MetaStore, Record, RecordVersion, Result, ScanRange, StoreError, Txn};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

use crate::group_commit::{Engine, GroupCommit, Writes};
use crate::record;

/// Every record, keyed by its raw key; values carry the version prefix (see `record`).
const RECORDS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("records");
/// Bookkeeping beside the records: the commit counter.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const LAST_VERSION: &str = "last_version";

/// Maps any redb error to the store's: I/O stays I/O, detected corruption is `Corrupt`.
pub(crate) fn redb_error(e: impl Into<redb::Error>) -> StoreError {
    match e.into() {
        redb::Error::Io(io) => StoreError::Io(io),
        redb::Error::Corrupted(what) => StoreError::Corrupt(what),
        other => StoreError::Backend(format!("redb: {other}")),
    }
}

pub struct RedbMetaStore {
    db: Arc<Database>,
    commits: GroupCommit,
}

impl RedbMetaStore {
    /// Opens (or creates) the database file at `path`. After a crash, redb verifies its
    /// checksums and rebuilds its allocator state here, which takes time proportional to the
    /// file's size.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let db = Arc::new(Database::create(path.as_ref()).map_err(redb_error)?);
        // Create both tables up front, so readers never meet a missing table.
        let txn = db.begin_write().map_err(redb_error)?;
        let last_version = {
            txn.open_table(RECORDS).map_err(redb_error)?;
            let meta = txn.open_table(META).map_err(redb_error)?;
            match meta.get(LAST_VERSION).map_err(redb_error)? {
                Some(stored) => record::decode_counter(stored.value())?,
                None => 0,
            }
        };
        txn.commit().map_err(redb_error)?;
        let engine = RedbEngine { db: db.clone() };
        let commits = GroupCommit::start("rampart-redb-commit", engine, last_version)?;
        Ok(Self { db, commits })
    }

    fn records(&self) -> Result<redb::ReadOnlyTable<&'static [u8], &'static [u8]>> {
        let txn = self.db.begin_read().map_err(redb_error)?;
        txn.open_table(RECORDS).map_err(redb_error)
    }
}

// Reads run inline on the calling task: a read transaction is an MVCC snapshot that never waits
// for the writer, and a point lookup or a page of a scan is short (mostly cached pages).
#[async_trait]
impl MetaStore for RedbMetaStore {
    async fn get(&self, key: &[u8]) -> Result<Option<Record>> {
        match self.records()?.get(key).map_err(redb_error)? {
            Some(stored) => Ok(Some(record::to_record(stored.value())?)),
            None => Ok(None),
        }
    }

    async fn scan(&self, range: &ScanRange, limit: usize) -> Result<Vec<(Vec<u8>, Record)>> {
        if limit == 0 || range.end.as_ref().is_some_and(|end| *end <= range.start) {
            return Ok(Vec::new());
        }
        let end = match &range.end {
            Some(end) => Bound::Excluded(end.as_slice()),
            None => Bound::Unbounded,
        };
        let table = self.records()?;
        let bounds: (Bound<&[u8]>, Bound<&[u8]>) = (Bound::Included(range.start.as_slice()), end);
        let mut out = Vec::new();
        for entry in table
            .range::<&[u8]>(bounds)
            .map_err(redb_error)?
            .take(limit)
        {
            let (key, stored) = entry.map_err(redb_error)?;
            out.push((key.value().to_vec(), record::to_record(stored.value())?));
        }
        Ok(out)
    }

    async fn commit(&self, txn: Txn) -> Result<RecordVersion> {
        self.commits.commit(txn).await
    }
}

struct RedbEngine {
    db: Arc<Database>,
}

impl Engine for RedbEngine {
    fn stored_version(&self, key: &[u8]) -> Result<Option<RecordVersion>> {
        // Only this thread writes, so a fresh snapshot shows every batch applied so far.
        let txn = self.db.begin_read().map_err(redb_error)?;
        let table = txn.open_table(RECORDS).map_err(redb_error)?;
        match table.get(key).map_err(redb_error)? {
            Some(stored) => Ok(Some(record::decode(stored.value())?.0)),
            None => Ok(None),
        }
    }

    fn apply(&mut self, writes: Writes, last_version: RecordVersion) -> Result<()> {
        let mut txn = self.db.begin_write().map_err(redb_error)?;
        // The default, stated because the contract depends on it: commit() returns only after
        // the data and the new root are fsynced.
        txn.set_durability(Durability::Immediate)
            .map_err(redb_error)?;
        {
            let mut records = txn.open_table(RECORDS).map_err(redb_error)?;
            for (key, value) in &writes {
                match value {
                    Some(value) => records.insert(key.as_slice(), value.as_slice()),
                    None => records.remove(key.as_slice()),
                }
                .map_err(redb_error)?;
            }
            let mut meta = txn.open_table(META).map_err(redb_error)?;
            meta.insert(LAST_VERSION, last_version.to_be_bytes().as_slice())
                .map_err(redb_error)?;
        }
        // An error before this point drops `txn`, which aborts it: nothing of the batch lands.
        txn.commit().map_err(redb_error)
    }
}
