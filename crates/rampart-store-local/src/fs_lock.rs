//! Object Lock for [`crate::FsBlobStore`]: each locked blob has a sidecar file next to it,
//! `<blob path>.lock`, holding its [`BlobLock`] as JSON (a few dozen bytes an operator can read
//! when asking why a blob will not go away).
//!
//! A blob without a lock has no sidecar, so deleting an unlocked blob costs one failed open more
//! than before. A sidecar is written like a blob (temporary file in `tmp/`, fsync, rename, fsync
//! the directory), so after a crash the old lock or the new one is in place, never a torn one.
//!
//! Every lock operation and every delete of one blob is serialised on one of [`STRIPES`]
//! mutexes, chosen by the blob id: otherwise a delete could find no sidecar, a `set_lock` could
//! then lock the blob and report success, and the delete would go on to remove a locked blob.
//! The mutex is held only on the blocking pool, around a few filesystem calls, and two deletes
//! wait for each other only when their ids share a stripe.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use rampart_store::{BlobId, BlobLock, Result, StoreError, check_delete, check_lock_change};

/// The number of mutexes blob ids are spread over (by their first byte).
pub(crate) const STRIPES: usize = 256;

/// The suffix of a sidecar's file name. A blob id is 32 hex characters and nothing else, so no
/// sidecar can ever be taken for a blob (`BlobId::parse` rejects it).
const SUFFIX: &str = ".lock";

/// The mutexes that serialise lock operations and deletes, one per stripe of blob ids.
pub(crate) struct LockStripes(Vec<Mutex<()>>);

impl LockStripes {
    pub(crate) fn new() -> Self {
        Self((0..STRIPES).map(|_| Mutex::new(())).collect())
    }

    /// Holds `id`'s stripe. Blocks: call only on the blocking pool.
    pub(crate) fn hold(&self, id: &BlobId) -> MutexGuard<'_, ()> {
        // Blob ids are lowercase hex, so the first two characters parse as one byte.
        let stripe = usize::from_str_radix(&id.as_str()[..2], 16).unwrap_or(0) % STRIPES;
        // The mutex guards no data, only an ordering: a panic while holding it leaves nothing
        // inconsistent.
        self.0[stripe]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The files one lock operation touches.
pub(crate) struct LockFiles {
    pub(crate) id: BlobId,
    pub(crate) blob: PathBuf,
    pub(crate) sidecar: PathBuf,
    /// Where a new sidecar is written before being renamed into place.
    pub(crate) tmp: PathBuf,
}

impl LockFiles {
    pub(crate) fn new(id: &BlobId, blob: PathBuf, tmp_dir: &Path) -> Self {
        let mut sidecar = blob.clone().into_os_string();
        sidecar.push(SUFFIX);
        Self {
            id: id.clone(),
            sidecar: sidecar.into(),
            tmp: tmp_dir.join(format!("{}{SUFFIX}", id.as_str())),
            blob,
        }
    }

    fn locked(&self, reason: String) -> StoreError {
        StoreError::Locked {
            id: self.id.clone(),
            reason,
        }
    }

    fn require_blob(&self) -> Result<()> {
        match fs::metadata(&self.blob) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(StoreError::BlobNotFound(self.id.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The stored lock, if the blob has a sidecar.
    fn read(&self) -> Result<Option<BlobLock>> {
        match fs::read(&self.sidecar) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                StoreError::Corrupt(format!("lock file {}: {e}", self.sidecar.display()))
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The blob's lock. Call with the blob's stripe held.
    pub(crate) fn get(&self) -> Result<BlobLock> {
        self.require_blob()?;
        Ok(self.read()?.unwrap_or_default())
    }

    /// Replaces the blob's lock if the rule allows it, durably. Call with the stripe held.
    pub(crate) fn set(&self, new: BlobLock, bypass_governance: bool) -> Result<()> {
        self.require_blob()?;
        let old = self.read()?.unwrap_or_default();
        check_lock_change(&old, &new, bypass_governance, SystemTime::now())
            .map_err(|reason| self.locked(reason))?;
        if old == new {
            return Ok(());
        }
        if new == BlobLock::default() {
            // No lock is stored as no sidecar, which keeps deleting the blob cheap.
            remove_if_exists(&self.sidecar)?;
            return sync_parent(&self.sidecar);
        }
        let json = serde_json::to_vec(&new).map_err(|e| {
            // Only a date before 1970 fails to serialise.
            StoreError::Io(io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))
        })?;
        let written = write_then_rename(&self.tmp, &self.sidecar, &json);
        if written.is_err() {
            // Best effort: tmp/ is emptied at the next open anyway.
            let _ = fs::remove_file(&self.tmp);
        }
        written
    }

    /// Removes the blob and its sidecar unless its lock is in force. Call with the stripe held.
    pub(crate) fn delete(&self) -> Result<()> {
        if let Some(lock) = self.read()? {
            if let Err(reason) = check_delete(&lock, SystemTime::now()) {
                match self.require_blob() {
                    Ok(()) => return Err(self.locked(reason)),
                    // A sidecar whose blob is gone (removed by hand, say) protects nothing,
                    // and deleting a missing blob is not an error: clear it away below.
                    Err(StoreError::BlobNotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            // The lock protects nothing any more. Removed before the blob so that a crash in
            // between leaves an unlocked blob (reclaimed as an orphan, or deleted again), never
            // a sidecar without its blob. Like a blob delete, not synced.
            remove_if_exists(&self.sidecar)?;
        }
        remove_if_exists(&self.blob)
    }
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// Writes `data` to `tmp`, syncs it, renames it to `dest` and syncs `dest`'s directory: after a
/// crash `dest` holds its old content or `data`, whole.
fn write_then_rename(tmp: &Path, dest: &Path, data: &[u8]) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(tmp)?;
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    fs::rename(tmp, dest)?;
    sync_parent(dest)
}

fn sync_parent(path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| StoreError::Io(io::Error::other("a lock file has no directory")))?;
    Ok(File::open(dir)?.sync_all()?)
}
