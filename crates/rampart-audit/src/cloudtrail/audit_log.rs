//! The local audit log: CloudTrail events as JSON lines in `<dir>/audit.log`, rotated by size
//! and by age into `audit-<UTC timestamp>-<seq>.log`, keeping the newest few.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::error::AuditError;

type Result<T> = std::result::Result<T, AuditError>;

const CURRENT: &str = "audit.log";
const ROTATED_PREFIX: &str = "audit-";
const ROTATED_SUFFIX: &str = ".log";

/// 100 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);
pub const DEFAULT_KEEP: usize = 30;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLogConfig {
    /// Rotate once the current file holds this many bytes.
    pub max_bytes: u64,
    /// Rotate once the current file's first event is this old.
    pub max_age: Duration,
    /// How many rotated files to keep; older ones are deleted.
    pub keep: usize,
    /// fsync after every write (durable, slower) rather than leave it to the OS.
    pub sync: bool,
}

impl Default for AuditLogConfig {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_age: DEFAULT_MAX_AGE,
            keep: DEFAULT_KEEP,
            sync: false,
        }
    }
}

struct Current {
    file: File,
    bytes: u64,
    /// When the file received its first event since it was (re)started; `None` while empty, so
    /// that an idle log is never rotated into empty files.
    started: Option<SystemTime>,
    next_seq: u64,
}

/// JSON-lines audit log with rotation. Thread-safe: `&self` methods share one lock.
pub struct AuditLog {
    dir: PathBuf,
    config: AuditLogConfig,
    current: Mutex<Current>,
}

impl AuditLog {
    pub fn open(dir: impl Into<PathBuf>, config: AuditLogConfig) -> Result<Self> {
        if config.max_bytes == 0 {
            return Err(AuditError::Config("audit log max_bytes must be positive"));
        }
        if config.max_age.is_zero() {
            return Err(AuditError::Config("audit log max_age must be positive"));
        }
        if config.keep == 0 {
            return Err(AuditError::Config("audit log must keep at least one file"));
        }
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(AuditError::io("creating audit log directory", &dir))?;
        let path = dir.join(CURRENT);
        let file = open_append(&path)?;
        let meta = file
            .metadata()
            .map_err(AuditError::io("reading audit log metadata", &path))?;
        let bytes = meta.len();
        // A file left from before a restart: its age counts from its creation where the
        // filesystem records it, else from its last change (never later than its first event
        // was written, so rotation is at worst a little late).
        let started = (bytes > 0).then(|| {
            meta.created()
                .or_else(|_| meta.modified())
                .unwrap_or_else(|_| SystemTime::now())
        });
        let next_seq = rotated_files(&dir)?
            .iter()
            .filter_map(|p| rotated_seq(p))
            .max()
            .map_or(1, |s| s + 1);
        Ok(Self {
            dir,
            config,
            current: Mutex::new(Current {
                file,
                bytes,
                started,
                next_seq,
            }),
        })
    }

    /// The file events are written to now.
    pub fn current_path(&self) -> PathBuf {
        self.dir.join(CURRENT)
    }

    /// Appends `events`, one compact JSON line each, in one write. Rotation is the caller's to
    /// trigger, with [`AuditLog::rotate_if_due`], so that it learns each rotated file's name.
    pub fn write(&self, events: &[Value]) -> Result<()> {
        let mut text = String::with_capacity(events.len() * 1024);
        for event in events {
            // A serde_json Value serializes on one line: strings escape their line breaks.
            text.push_str(&serde_json::to_string(event)?);
            text.push('\n');
        }
        self.write_text(&text)
    }

    /// Appends `text`: whole event lines, each ending in `\n`, in one write.
    pub fn write_text(&self, text: &str) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        if !text.ends_with('\n') {
            return Err(AuditError::LineBreakInRecord);
        }
        let buf = text.as_bytes();
        let path = self.current_path();
        let mut cur = lock(&self.current);
        cur.file
            .write_all(buf)
            .and_then(|()| cur.file.flush())
            .map_err(AuditError::io("writing audit log", &path))?;
        if self.config.sync {
            cur.file
                .sync_data()
                .map_err(AuditError::io("syncing audit log", &path))?;
        }
        cur.bytes += buf.len() as u64;
        cur.started.get_or_insert_with(SystemTime::now);
        Ok(())
    }

    /// Rotates the current file if it has reached `max_bytes` or `max_age`; returns the rotated
    /// file's path.
    pub fn rotate_if_due(&self) -> Result<Option<PathBuf>> {
        self.rotate_at(SystemTime::now())
    }

    fn rotate_at(&self, now: SystemTime) -> Result<Option<PathBuf>> {
        let mut cur = lock(&self.current);
        let old = cur
            .started
            .is_some_and(|s| now.duration_since(s).unwrap_or_default() >= self.config.max_age);
        if cur.bytes == 0 || (cur.bytes < self.config.max_bytes && !old) {
            return Ok(None);
        }
        let path = self.current_path();
        cur.file
            .sync_all()
            .map_err(AuditError::io("syncing audit log", &path))?;
        let stamp = OffsetDateTime::from(now)
            .format(format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap_or_default();
        let rotated = self.dir.join(format!(
            "{ROTATED_PREFIX}{stamp}-{:06}{ROTATED_SUFFIX}",
            cur.next_seq
        ));
        fs::rename(&path, &rotated).map_err(AuditError::io("rotating audit log", &rotated))?;
        cur.next_seq += 1;
        cur.file = open_append(&path)?;
        cur.bytes = 0;
        cur.started = None;
        sync_dir(&self.dir)?;
        drop(cur);
        self.prune()?;
        Ok(Some(rotated))
    }

    /// Deletes all but the newest `keep` rotated files.
    fn prune(&self) -> Result<()> {
        let mut files = rotated_files(&self.dir)?;
        // Names sort by time, then by sequence (both fixed width).
        files.sort();
        let excess = files.len().saturating_sub(self.config.keep);
        for old in &files[..excess] {
            fs::remove_file(old).map_err(AuditError::io("removing old audit log", old))?;
        }
        Ok(())
    }
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(AuditError::io("opening audit log", path))
}

fn rotated_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).map_err(AuditError::io("listing audit log directory", dir))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(AuditError::io("listing audit log directory", dir))?;
        let path = entry.path();
        if rotated_seq(&path).is_some() {
            out.push(path);
        }
    }
    Ok(out)
}

/// The sequence number of a rotated file's name, `None` for any other file.
fn rotated_seq(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    let body = name
        .strip_prefix(ROTATED_PREFIX)?
        .strip_suffix(ROTATED_SUFFIX)?;
    let (_, seq) = body.rsplit_once('-')?;
    seq.parse().ok()
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(AuditError::io("syncing directory", dir))
}

/// A poisoned lock means a writer panicked; the file is append-only, so it is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(max_bytes: u64, keep: usize) -> AuditLogConfig {
        AuditLogConfig {
            max_bytes,
            max_age: Duration::from_secs(3600),
            keep,
            sync: true,
        }
    }

    #[test]
    fn writes_json_lines() {
        let tmp = tempfile::tempdir().unwrap();
        let log = AuditLog::open(tmp.path(), config(1 << 20, 3)).unwrap();
        log.write(&[json!({"a": 1}), json!({"b": "x\ny"})]).unwrap();
        log.write(&[json!({"c": true})]).unwrap();
        let text = fs::read_to_string(log.current_path()).unwrap();
        assert_eq!(text, "{\"a\":1}\n{\"b\":\"x\\ny\"}\n{\"c\":true}\n");
        assert_eq!(log.rotate_if_due().unwrap(), None);
    }

    #[test]
    fn rotates_by_size_and_keeps_newest() {
        let tmp = tempfile::tempdir().unwrap();
        let log = AuditLog::open(tmp.path(), config(10, 2)).unwrap();
        let mut rotated = Vec::new();
        for i in 0..4 {
            log.write(&[json!({ "event": i })]).unwrap();
            let path = log.rotate_if_due().unwrap().expect("over max_bytes");
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            assert!(name.starts_with("audit-") && name.ends_with(&format!("-{:06}.log", i + 1)));
            assert_eq!(
                fs::read_to_string(&path).unwrap(),
                format!("{{\"event\":{i}}}\n")
            );
            rotated.push(path);
        }
        // Empty now: nothing to rotate.
        assert_eq!(log.rotate_if_due().unwrap(), None);
        let mut left = rotated_files(tmp.path()).unwrap();
        left.sort();
        assert_eq!(left, rotated[2..].to_vec());

        // Sequence numbers continue after a restart.
        drop(log);
        let log = AuditLog::open(tmp.path(), config(10, 2)).unwrap();
        log.write(&[json!({ "event": 9 })]).unwrap();
        let path = log.rotate_if_due().unwrap().unwrap();
        assert_eq!(rotated_seq(&path), Some(5));
    }

    #[test]
    fn rotates_by_age() {
        let tmp = tempfile::tempdir().unwrap();
        let log = AuditLog::open(tmp.path(), config(1 << 20, 5)).unwrap();
        log.write(&[json!({"a": 1})]).unwrap();
        let now = SystemTime::now();
        assert_eq!(log.rotate_at(now).unwrap(), None);
        let later = now + Duration::from_secs(3601);
        let path = log.rotate_at(later).unwrap().unwrap();
        let stamp = OffsetDateTime::from(later)
            .format(format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap();
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            format!("audit-{stamp}-000001.log")
        );
        assert_eq!(fs::read(log.current_path()).unwrap(), b"");
    }

    #[test]
    fn rejects_unworkable_config() {
        let tmp = tempfile::tempdir().unwrap();
        for bad in [config(0, 1), config(1, 0)] {
            assert!(matches!(
                AuditLog::open(tmp.path(), bad),
                Err(AuditError::Config(_))
            ));
        }
    }

    #[test]
    fn concurrent_writers_interleave_whole_lines() {
        let tmp = tempfile::tempdir().unwrap();
        let log = std::sync::Arc::new(AuditLog::open(tmp.path(), config(1 << 30, 2)).unwrap());
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        log.write(&[json!({"t": t, "i": i, "pad": "x".repeat(300)})])
                            .unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let text = fs::read_to_string(log.current_path()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 200);
        for line in lines {
            serde_json::from_str::<Value>(line).unwrap();
        }
    }
}
