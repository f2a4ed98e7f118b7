//! `MetaStore` on sled: a log-structured B-tree in a directory, with group commit.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use rampart_store::{MetaStore, Record, RecordVersion, Result, ScanRange, StoreError, Txn};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionResult, TransactionError};

use crate::group_commit::{Engine, GroupCommit, Writes};
use crate::record;

const RECORDS: &str = "records";
const META: &str = "meta";
const LAST_VERSION: &[u8] = b"last_version";

pub(crate) fn sled_error(e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(io) => StoreError::Io(io),
        sled::Error::Corruption { at, .. } => {
            StoreError::Corrupt(format!("sled: corruption at {at:?}"))
        }
        other => StoreError::Backend(format!("sled: {other}")),
    }
}

pub struct SledMetaStore {
    records: sled::Tree,
    /// sled iterators are not snapshots: each step sees the latest state, so a scan could see
    /// half of a batch. Batches are applied under the write side of this lock and scans hold the
    /// read side (the sync happens after the lock is released, so scans never wait for a sync).
    scan_lock: Arc<RwLock<()>>,
    commits: GroupCommit,
}

impl SledMetaStore {
    /// Opens (or creates) the database directory at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let db = sled::Config::new()
            .path(path.as_ref())
            .open()
            .map_err(sled_error)?;
        let records = db.open_tree(RECORDS).map_err(sled_error)?;
        let meta = db.open_tree(META).map_err(sled_error)?;
        let last_version = match meta.get(LAST_VERSION).map_err(sled_error)? {
            Some(stored) => record::decode_counter(&stored)?,
            None => 0,
        };
        let scan_lock = Arc::new(RwLock::new(()));
        let dir = path.as_ref().to_path_buf();
        // sled created these names; make them durable once.
        File::open(&dir)?.sync_all()?;
        let engine = SledEngine {
            log: File::open(dir.join("db"))?,
            db,
            records: records.clone(),
            meta,
            scan_lock: scan_lock.clone(),
            dir,
            synced_blobs: HashSet::new(),
        };
        let commits = GroupCommit::start("rampart-sled-commit", engine, last_version)?;
        Ok(Self {
            records,
            scan_lock,
            commits,
        })
    }
}

// Reads run inline on the calling task: sled serves them from its page cache without waiting for
// the writer, and a point lookup or one page of a scan is short.
#[async_trait]
impl MetaStore for SledMetaStore {
    async fn get(&self, key: &[u8]) -> Result<Option<Record>> {
        match self.records.get(key).map_err(sled_error)? {
            Some(stored) => Ok(Some(record::to_record(&stored)?)),
            None => Ok(None),
        }
    }

    async fn scan(&self, range: &ScanRange, limit: usize) -> Result<Vec<(Vec<u8>, Record)>> {
        if limit == 0 || range.end.as_ref().is_some_and(|end| *end <= range.start) {
            return Ok(Vec::new());
        }
        // Holding the lock cannot corrupt anything, so a poisoned lock is still usable.
        let _consistent = self.scan_lock.read().unwrap_or_else(|p| p.into_inner());
        let iter = match &range.end {
            Some(end) => self.records.range(range.start.as_slice()..end.as_slice()),
            None => self.records.range(range.start.as_slice()..),
        };
        let mut out = Vec::new();
        for entry in iter.take(limit) {
            let (key, stored) = entry.map_err(sled_error)?;
            out.push((key.to_vec(), record::to_record(&stored)?));
        }
        Ok(out)
    }

    async fn commit(&self, txn: Txn) -> Result<RecordVersion> {
        self.commits.commit(txn).await
    }
}

struct SledEngine {
    db: sled::Db,
    /// sled's log file, `<dir>/db`.
    log: File,
    dir: PathBuf,
    /// The files of `<dir>/blobs/` already synced (sled writes each once and never changes it).
    synced_blobs: HashSet<OsString>,
    records: sled::Tree,
    meta: sled::Tree,
    scan_lock: Arc<RwLock<()>>,
}

impl Engine for SledEngine {
    fn stored_version(&self, key: &[u8]) -> Result<Option<RecordVersion>> {
        match self.records.get(key).map_err(sled_error)? {
            Some(stored) => Ok(Some(record::decode(&stored)?.0)),
            None => Ok(None),
        }
    }

    fn apply(&mut self, writes: Writes, last_version: RecordVersion) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (key, value) in writes {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        let counter = last_version.to_be_bytes();
        {
            let _exclusive = self.scan_lock.write().unwrap_or_else(|p| p.into_inner());
            // One transaction over both trees: the records and the counter land together, in
            // memory and in the log.
            let applied = (&self.records, &self.meta).transaction(
                |(records, meta)| -> ConflictableTransactionResult<(), ()> {
                    records.apply_batch(&batch)?;
                    meta.insert(LAST_VERSION, &counter)?;
                    Ok(())
                },
            );
            match applied {
                Ok(()) => {}
                Err(TransactionError::Storage(e)) => return Err(sled_error(e)),
                Err(TransactionError::Abort(())) => {
                    return Err(StoreError::Backend("sled aborted a batch".into()));
                }
            }
        }
        // One flush per batch writes sled's log out, but sled 0.34 ends it with
        // sync_file_range(2), which neither persists file metadata nor flushes the device's
        // write cache, and it never syncs the files it writes to `blobs/` (pages or values over
        // about 128 KiB). So after the flush we sync those ourselves: new blob files first
        // (the log refers to them), then the log file.
        self.db.flush().map_err(sled_error)?;
        self.sync_blob_files()?;
        self.log.sync_data()?;
        Ok(())
    }
}

impl SledEngine {
    fn sync_blob_files(&mut self) -> io::Result<()> {
        let blobs = self.dir.join("blobs");
        let entries = match fs::read_dir(&blobs) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut present = HashSet::new();
        let mut synced_any = false;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if !self.synced_blobs.contains(&name) {
                match File::open(entry.path()) {
                    Ok(file) => file.sync_all()?,
                    // Garbage-collected by sled meanwhile.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                }
                synced_any = true;
            }
            present.insert(name);
        }
        if synced_any {
            File::open(&blobs)?.sync_all()?;
        }
        self.synced_blobs = present;
        Ok(())
    }
}
