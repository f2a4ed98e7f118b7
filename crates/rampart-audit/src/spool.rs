//! Durable spooling of records awaiting delivery, so that neither a restart nor a crash loses a
//! record that was acknowledged.
//!
//! Layout under the spool's directory (`<data>/spool/<name>/`): one directory per stream (a
//! stream is one destination, such as a target bucket and prefix), named by the stream's bytes
//! in hex (or, for a long name, by its SHA-256, with the name itself kept in a `stream` file),
//! holding
//! - at most one open segment, `open-<created ms>.log`, to which lines are appended and synced;
//! - sealed segments, `sealed-<created ms>-<seq>-<lines>.log`, immutable and ready for delivery.
//!
//! Sealing is a rename, so a sealed segment is always whole. Only the open segment can be torn by
//! a crash; opening the spool cuts it back to its last complete line and seals it, because every
//! complete line in it was acknowledged to a caller.
//!
//! Synchronous `std::fs`: callers run it on a blocking thread.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::error::AuditError;

type Result<T> = std::result::Result<T, AuditError>;

/// Streams whose hex-encoded name would exceed this many bytes are named by their hash instead,
/// keeping directory names well under the usual 255-byte file-name limit.
const MAX_HEX_STREAM_BYTES: usize = 100;
/// The file that records a hash-named stream's name.
const STREAM_NAME_FILE: &str = "stream";
const HASHED_PREFIX: &str = "sha256-";
const OPEN_PREFIX: &str = "open-";
const SEALED_PREFIX: &str = "sealed-";
const SEGMENT_SUFFIX: &str = ".log";

/// A sealed segment: immutable, waiting for delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedSegment {
    pub stream: String,
    pub path: PathBuf,
    /// When the segment's first line was appended.
    pub created: SystemTime,
    pub lines: u64,
    /// Orders segments created in the same millisecond.
    seq: u64,
}

/// What the open segment of a stream holds, for a caller deciding when to seal it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    pub created: SystemTime,
    pub lines: u64,
    pub bytes: u64,
}

struct OpenSegment {
    file: File,
    path: PathBuf,
    created_ms: u64,
    lines: u64,
    bytes: u64,
}

#[derive(Default)]
struct StreamState {
    open: Option<OpenSegment>,
}

/// A directory of durable, append-only record segments.
pub struct Spool {
    dir: PathBuf,
    /// One lock per stream, so that one stream's fsync does not hold up another's append.
    streams: Mutex<HashMap<String, Arc<Mutex<StreamState>>>>,
    next_seq: Mutex<u64>,
}

impl Spool {
    /// Opens (creating it if needed) the spool in `dir`, recovering what a crash left: each open
    /// segment is cut back to its last complete line and sealed, or removed if it holds none.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(AuditError::io("creating spool directory", &dir))?;
        let mut max_seq = 0;
        let mut leftovers = Vec::new();
        for (stream, stream_dir) in stream_dirs(&dir)? {
            for entry in read_dir(&stream_dir)? {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(seg) = parse_sealed(&stream, &stream_dir, &name) {
                    max_seq = max_seq.max(seg.seq);
                } else if let Some(created_ms) = parse_open(&name) {
                    leftovers.push((stream.clone(), stream_dir.join(&name), created_ms));
                }
            }
        }
        let spool = Self {
            dir,
            streams: Mutex::new(HashMap::new()),
            next_seq: Mutex::new(max_seq + 1),
        };
        for (stream, path, created_ms) in leftovers {
            spool.recover_open(&stream, &path, created_ms)?;
        }
        Ok(spool)
    }

    /// Appends `lines` (each without its line break) to the open segment of `stream`, and
    /// returns once they are on disk. Callers batch: one call is one fsync.
    pub fn append(&self, stream: &str, lines: &[String]) -> Result<()> {
        if lines.iter().any(|l| l.contains('\n')) {
            return Err(AuditError::LineBreakInRecord);
        }
        let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        self.append_text(stream, &text, lines.len(), true)
    }

    /// Appends `text`, whole lines each ending in `\n`, to the open segment of `stream`
    /// without waiting for the disk: they survive the process dying (they are in the kernel's
    /// cache), and [`Spool::sync`] makes them survive the machine dying too. For writers that
    /// sync on a timer rather than per batch.
    pub fn append_unsynced(&self, stream: &str, text: &str) -> Result<()> {
        if !text.is_empty() && !text.ends_with('\n') {
            return Err(AuditError::LineBreakInRecord);
        }
        let lines = text.bytes().filter(|b| *b == b'\n').count();
        self.append_text(stream, text, lines, false)
    }

    /// Makes every open segment's appended lines durable.
    pub fn sync(&self) -> Result<()> {
        let states: Vec<_> = lock(&self.streams).values().cloned().collect();
        for state in states {
            let state = lock(&state);
            if let Some(seg) = &state.open {
                seg.file
                    .sync_data()
                    .map_err(AuditError::io("syncing spool segment", &seg.path))?;
            }
        }
        Ok(())
    }

    fn append_text(&self, stream: &str, text: &str, lines: usize, sync: bool) -> Result<()> {
        if lines == 0 {
            return Ok(());
        }
        let buf = text.as_bytes();
        let state = self.stream_state(stream);
        let mut state = lock(&state);
        if state.open.is_none() {
            state.open = Some(self.create_open(stream)?);
        }
        let seg = state.open.as_mut().expect("just created");
        let written = seg
            .file
            .write_all(buf)
            .and_then(|()| if sync { seg.file.sync_data() } else { Ok(()) });
        if let Err(e) = written {
            // Cut off whatever part of the batch reached the file, so that the next append does
            // not follow a torn line; if even that fails, leave the segment to recovery.
            let err = AuditError::io("appending to spool segment", &seg.path)(e);
            if seg.file.set_len(seg.bytes).is_err() {
                state.open = None;
            }
            return Err(err);
        }
        seg.bytes += buf.len() as u64;
        seg.lines += lines as u64;
        Ok(())
    }

    /// The streams this spool has written to since it was opened (those with open segments
    /// among them); what a restart left is already sealed.
    pub fn streams(&self) -> Vec<String> {
        lock(&self.streams).keys().cloned().collect()
    }

    /// What the open segment of `stream` holds, if it has one.
    pub fn pending(&self, stream: &str) -> Option<Pending> {
        let state = self.stream_state(stream);
        let state = lock(&state);
        state.open.as_ref().map(|seg| Pending {
            created: ms_to_time(seg.created_ms),
            lines: seg.lines,
            bytes: seg.bytes,
        })
    }

    /// Closes the open segment of `stream` into a sealed one, ready for delivery; `None` when
    /// it holds nothing.
    pub fn seal(&self, stream: &str) -> Result<Option<SealedSegment>> {
        let state = self.stream_state(stream);
        let mut state = lock(&state);
        let Some(seg) = state.open.take() else {
            return Ok(None);
        };
        if seg.lines == 0 {
            // Nothing acknowledged: keep the empty file open rather than seal nothing.
            state.open = Some(seg);
            return Ok(None);
        }
        // Lines appended unsynced become durable before the segment is sealed.
        seg.file
            .sync_data()
            .map_err(AuditError::io("syncing spool segment", &seg.path))?;
        drop(seg.file);
        self.seal_file(stream, &seg.path, seg.created_ms, seg.lines)
            .map(Some)
    }

    /// Every sealed segment, oldest first, those left from before a restart included.
    pub fn sealed(&self) -> Result<Vec<SealedSegment>> {
        let mut out = Vec::new();
        for (stream, stream_dir) in stream_dirs(&self.dir)? {
            for entry in read_dir(&stream_dir)? {
                let name = entry.file_name().to_string_lossy().into_owned();
                out.extend(parse_sealed(&stream, &stream_dir, &name));
            }
        }
        out.sort_by_key(|s| (s.created, s.seq));
        Ok(out)
    }

    /// A sealed segment's bytes: its lines, each ending in `\n`.
    pub fn read(&self, segment: &SealedSegment) -> Result<Vec<u8>> {
        self.check_ours(segment)?;
        fs::read(&segment.path).map_err(AuditError::io("reading spool segment", &segment.path))
    }

    /// Forgets a delivered segment. Removing one already gone is not an error, so that a
    /// delivery retried after a crash can finish.
    pub fn remove(&self, segment: &SealedSegment) -> Result<()> {
        self.check_ours(segment)?;
        match fs::remove_file(&segment.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(AuditError::io("removing spool segment", &segment.path)(e)),
        }
        let parent = segment.path.parent().unwrap_or(&self.dir);
        sync_dir(parent)
    }

    fn check_ours(&self, segment: &SealedSegment) -> Result<()> {
        let parent = segment.path.parent();
        let name = segment.path.file_name().map(|n| n.to_string_lossy());
        let ours = parent.is_some_and(|p| *p == self.stream_dir(&segment.stream))
            && name.is_some_and(|n| n.starts_with(SEALED_PREFIX) && n.ends_with(SEGMENT_SUFFIX));
        if ours {
            Ok(())
        } else {
            Err(AuditError::ForeignSegment(segment.path.clone()))
        }
    }

    fn stream_state(&self, stream: &str) -> Arc<Mutex<StreamState>> {
        lock(&self.streams)
            .entry(stream.to_owned())
            .or_default()
            .clone()
    }

    fn stream_dir(&self, stream: &str) -> PathBuf {
        if stream.len() * 2 <= MAX_HEX_STREAM_BYTES {
            self.dir.join(hex::encode(stream))
        } else {
            let digest = Sha256::digest(stream.as_bytes());
            self.dir
                .join(format!("{HASHED_PREFIX}{}", hex::encode(digest)))
        }
    }

    fn create_open(&self, stream: &str) -> Result<OpenSegment> {
        let stream_dir = self.stream_dir(stream);
        if !stream_dir.exists() {
            fs::create_dir_all(&stream_dir).map_err(AuditError::io(
                "creating spool stream directory",
                &stream_dir,
            ))?;
            sync_dir(&self.dir)?;
        }
        // A hash-named stream is unreadable without its name file; write it whenever it is
        // missing (a crash may have come between the directory and the file), atomically, so
        // that a torn write never names the wrong stream.
        let hashed = stream_dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(HASHED_PREFIX));
        let name_path = stream_dir.join(STREAM_NAME_FILE);
        if hashed && !name_path.exists() {
            let tmp = stream_dir.join(format!("{STREAM_NAME_FILE}.tmp"));
            write_synced(&tmp, stream.as_bytes())?;
            fs::rename(&tmp, &name_path)
                .map_err(AuditError::io("naming spool stream directory", &name_path))?;
            sync_dir(&stream_dir)?;
        }
        // The name carries the creation time; should a file of that name exist (a segment
        // abandoned after a failed write in this same millisecond), take the next millisecond
        // rather than append to lines we did not count.
        let mut created_ms = now_ms();
        let (file, path) = loop {
            let path = stream_dir.join(format!("{OPEN_PREFIX}{created_ms}{SEGMENT_SUFFIX}"));
            match OpenOptions::new().create_new(true).append(true).open(&path) {
                Ok(file) => break (file, path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => created_ms += 1,
                Err(e) => return Err(AuditError::io("creating spool segment", &path)(e)),
            }
        };
        sync_dir(&stream_dir)?;
        Ok(OpenSegment {
            file,
            path,
            created_ms,
            lines: 0,
            bytes: 0,
        })
    }

    /// Cuts an open segment left by a crash back to its last complete line and seals it.
    fn recover_open(&self, stream: &str, path: &Path, created_ms: u64) -> Result<()> {
        let data = fs::read(path).map_err(AuditError::io("reading spool segment", path))?;
        let complete = data.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        if complete == 0 {
            fs::remove_file(path).map_err(AuditError::io("removing empty spool segment", path))?;
            return sync_dir(path.parent().unwrap_or(&self.dir));
        }
        if complete < data.len() {
            tracing::warn!(
                path = %path.display(),
                dropped_bytes = data.len() - complete,
                "dropping a torn last line from a spool segment"
            );
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(AuditError::io("opening spool segment", path))?;
            file.set_len(complete as u64)
                .and_then(|()| file.sync_all())
                .map_err(AuditError::io("truncating spool segment", path))?;
        }
        let lines = data[..complete].iter().filter(|b| **b == b'\n').count() as u64;
        self.seal_file(stream, path, created_ms, lines)?;
        Ok(())
    }

    fn seal_file(
        &self,
        stream: &str,
        open_path: &Path,
        created_ms: u64,
        lines: u64,
    ) -> Result<SealedSegment> {
        let seq = {
            let mut next = lock(&self.next_seq);
            let seq = *next;
            *next += 1;
            seq
        };
        let stream_dir = self.stream_dir(stream);
        let path = stream_dir.join(format!(
            "{SEALED_PREFIX}{created_ms:020}-{seq:020}-{lines}{SEGMENT_SUFFIX}"
        ));
        fs::rename(open_path, &path).map_err(AuditError::io("sealing spool segment", &path))?;
        sync_dir(&stream_dir)?;
        Ok(SealedSegment {
            stream: stream.to_owned(),
            path,
            created: ms_to_time(created_ms),
            lines,
            seq,
        })
    }
}

/// The stream directories under `dir`, with the stream each holds; entries that are not a
/// stream's are skipped.
fn stream_dirs(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in read_dir(dir)? {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let stream = if name.starts_with(HASHED_PREFIX) {
            fs::read(path.join(STREAM_NAME_FILE))
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
        } else {
            hex::decode(&name)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
        };
        match stream {
            Some(stream) => out.push((stream, path)),
            None => tracing::warn!(path = %path.display(), "not a spool stream; skipped"),
        }
    }
    Ok(out)
}

fn read_dir(dir: &Path) -> Result<Vec<fs::DirEntry>> {
    fs::read_dir(dir)
        .and_then(|it| it.collect::<std::io::Result<Vec<_>>>())
        .map_err(AuditError::io("listing spool directory", dir))
}

fn parse_open(name: &str) -> Option<u64> {
    name.strip_prefix(OPEN_PREFIX)?
        .strip_suffix(SEGMENT_SUFFIX)?
        .parse()
        .ok()
}

fn parse_sealed(stream: &str, stream_dir: &Path, name: &str) -> Option<SealedSegment> {
    let body = name
        .strip_prefix(SEALED_PREFIX)?
        .strip_suffix(SEGMENT_SUFFIX)?;
    let mut parts = body.split('-');
    let created_ms = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    let lines = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some(SealedSegment {
        stream: stream.to_owned(),
        path: stream_dir.join(name),
        created: ms_to_time(created_ms),
        lines,
        seq,
    })
}

fn write_synced(path: &Path, data: &[u8]) -> Result<()> {
    let mut file = File::create(path).map_err(AuditError::io("creating", path))?;
    file.write_all(data)
        .and_then(|()| file.sync_all())
        .map_err(AuditError::io("writing", path))
}

/// Makes a directory's entries (a created, renamed or removed file) durable.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(AuditError::io("syncing directory", dir))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn ms_to_time(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// A poisoned lock only means another thread panicked mid-append; the files stay consistent
/// (a torn batch is cut off or left to recovery), so the state is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests;
