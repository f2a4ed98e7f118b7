//! `BlobStore` on a local filesystem: one file per blob at `<data>/blobs/xx/yy/<id>`.
//!
//! A put streams into `<data>/tmp/<id>`, fsyncs the file, renames it into place and fsyncs the
//! destination directory: after a crash a blob is either whole under its final name or absent
//! (a leftover in `tmp/` is removed by the next `open`). Directories `xx/` and `yy/` are made
//! durable (their parent fsynced) before the first blob is renamed into them by this process.
//!
//! A blob's Object Lock lives in a sidecar file next to it; see `fs_lock`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use rampart_store::{BlobId, BlobInfo, BlobLock, BlobStore, ByteStream, Result, StoreError};
use tokio::task::JoinHandle;

use crate::fs_lock::{LockFiles, LockStripes};

/// Incoming chunks are gathered into buffers of this size before each blocking write, so that a
/// body arriving in 8–16 KiB pieces costs one thread hop per MiB, not one per piece.
const WRITE_BUF: usize = 1 << 20;
/// Reads are served in pieces of this size: large enough to stream at disk speed, small enough
/// that memory stays bounded whatever the blob's size.
const READ_BUF: usize = 1 << 20;
/// Writeback is started for every this many bytes written, so the page cache never holds a
/// large dirty backlog and the final fsync has little left to do (it took 250+ ms for 512 MiB
/// without this, about 20% of a single-stream PUT; see docs/PERFORMANCE.md).
const WRITEBACK_EVERY: u64 = 8 << 20;

pub struct FsBlobStore {
    blobs: PathBuf,
    tmp: PathBuf,
    /// Which fan-out directories this process has made durable: `xx` (256) then `xxyy` (65536).
    durable_dirs: Arc<Vec<AtomicBool>>,
    /// Serialise deletes and lock changes of the same blob (see `fs_lock`).
    lock_stripes: Arc<LockStripes>,
}

impl FsBlobStore {
    /// Opens the blob store under `data_dir`, creating `blobs/` and `tmp/` as needed, and
    /// empties `tmp/` (uploads interrupted by a crash). Only one process may use a data
    /// directory at a time.
    pub fn open(data_dir: impl AsRef<Path>) -> Result<Self> {
        let data_dir = data_dir.as_ref();
        let blobs = data_dir.join("blobs");
        let tmp = data_dir.join("tmp");
        fs::create_dir_all(&blobs)?;
        fs::create_dir_all(&tmp)?;
        for entry in fs::read_dir(&tmp)? {
            let path = entry?.path();
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            match removed {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        // Make `blobs/` and `tmp/` themselves durable.
        sync_dir(data_dir)?;
        let durable_dirs = (0..256 + 65536).map(|_| AtomicBool::new(false)).collect();
        Ok(Self {
            blobs,
            tmp,
            durable_dirs: Arc::new(durable_dirs),
            lock_stripes: Arc::new(LockStripes::new()),
        })
    }

    /// Where the blob `id` lives (whether or not it exists).
    /// The largest piece a read stream yields (memory per open read is about two of these).
    pub const READ_PIECE: usize = READ_BUF;

    pub fn blob_path(&self, id: &BlobId) -> PathBuf {
        let s = id.as_str();
        self.blobs.join(&s[..2]).join(&s[2..4]).join(s)
    }

    fn lock_files(&self, id: &BlobId) -> LockFiles {
        LockFiles::new(id, self.blob_path(id), &self.tmp)
    }

    /// Runs `op` on the blocking pool with `id`'s lock stripe held.
    async fn with_stripe<T: Send + 'static>(
        &self,
        id: &BlobId,
        op: impl FnOnce(&LockFiles) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let files = self.lock_files(id);
        let stripes = self.lock_stripes.clone();
        blocking(move || {
            let _held = stripes.hold(&files.id);
            op(&files)
        })
        .await
    }

    /// The directory of uploads in flight.
    pub fn tmp_dir(&self) -> &Path {
        &self.tmp
    }

    /// Writes the temporary file, syncs it and moves it into place. `guard` owns whichever
    /// path must be removed if this future is dropped or fails before the end.
    async fn write_blob(
        &self,
        id: &BlobId,
        mut data: ByteStream,
        guard: &mut RemoveOnDrop,
    ) -> Result<u64> {
        let tmp_path = self.tmp.join(id.as_str());
        // Created inline (a quick metadata operation), so the guard covers the file from the
        // moment it exists; `create_new` because ids are random and never reused.
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp_path)?;
        guard.set(tmp_path.clone());

        let mut writer = Writer::new(file);
        let mut buf = Vec::with_capacity(WRITE_BUF);
        let mut size = 0u64;
        while let Some(chunk) = data.next().await {
            let chunk = chunk.map_err(StoreError::Input)?;
            size += chunk.len() as u64;
            buf.extend_from_slice(&chunk);
            if buf.len() >= WRITE_BUF {
                buf = writer.submit(buf).await?;
            }
        }
        if !buf.is_empty() {
            writer.submit(buf).await?;
        }
        let file = writer.finish().await?;
        blocking(move || Ok(file.sync_all()?)).await?;

        let dir = self.ensure_durable_dirs(id).await?;
        let final_path = dir.join(id.as_str());
        // Inline for the same reason as the create: from here on the guard owns the final name,
        // so a put dropped during the directory sync below leaves no blob either.
        fs::rename(&tmp_path, &final_path)?;
        guard.set(final_path);
        blocking(move || Ok(sync_dir(&dir)?)).await?;
        Ok(size)
    }

    /// Creates `blobs/xx/yy/` if needed and returns it once its name is durable.
    async fn ensure_durable_dirs(&self, id: &BlobId) -> Result<PathBuf> {
        let s = id.as_str();
        let xx = self.blobs.join(&s[..2]);
        let yy = xx.join(&s[2..4]);
        // Blob ids are lowercase hex, so these parse.
        let xx_index =
            usize::from_str_radix(&s[..2], 16).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let yy_index = 256
            + usize::from_str_radix(&s[..4], 16).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let flags = self.durable_dirs.clone();
        if flags[xx_index].load(Ordering::Acquire) && flags[yy_index].load(Ordering::Acquire) {
            return Ok(yy);
        }
        let blobs = self.blobs.clone();
        let dir = yy.clone();
        blocking(move || {
            // Each directory's parent is synced once per process, even if the directory already
            // existed: it may have been created by a run that crashed before syncing it.
            if !flags[xx_index].load(Ordering::Acquire) {
                create_dir_if_missing(&xx)?;
                sync_dir(&blobs)?;
                flags[xx_index].store(true, Ordering::Release);
            }
            if !flags[yy_index].load(Ordering::Acquire) {
                create_dir_if_missing(&dir)?;
                sync_dir(&xx)?;
                flags[yy_index].store(true, Ordering::Release);
            }
            Ok(())
        })
        .await?;
        Ok(yy)
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, data: ByteStream) -> Result<BlobInfo> {
        let id = BlobId::generate();
        let mut guard = RemoveOnDrop(None);
        let size = self.write_blob(&id, data, &mut guard).await?;
        guard.disarm();
        Ok(BlobInfo { id, size })
    }

    async fn get(&self, id: &BlobId, range: Range<u64>) -> Result<ByteStream> {
        let path = self.blob_path(id);
        let missing = id.clone();
        let start = range.start;
        // Checked against the file's size below before any byte is read.
        let len = range.end.saturating_sub(range.start);
        // Opened before returning, so a missing blob is reported here and a later delete cannot
        // cut the stream short (the open descriptor keeps the data).
        let file = blocking(move || {
            let mut file = match File::open(&path) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(StoreError::BlobNotFound(missing));
                }
                Err(e) => return Err(e.into()),
            };
            let size = file.metadata()?.len();
            if range.start > range.end || range.end > size {
                return Err(StoreError::Io(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("range {range:?} is not within a blob of {size} bytes"),
                )));
            }
            file.seek(SeekFrom::Start(start))?;
            Ok(file)
        })
        .await?;
        Ok(read_stream(file, len))
    }

    async fn delete(&self, id: &BlobId) -> Result<()> {
        // Not synced: a delete lost in a crash leaves an orphan, which start-up reclaims.
        self.with_stripe(id, |files| files.delete()).await
    }

    async fn set_lock(&self, id: &BlobId, lock: BlobLock, bypass_governance: bool) -> Result<()> {
        self.with_stripe(id, move |files| files.set(lock, bypass_governance))
            .await
    }

    async fn lock(&self, id: &BlobId) -> Result<BlobLock> {
        self.with_stripe(id, |files| files.get()).await
    }

    async fn list_created_before(&self, before: SystemTime) -> Result<Vec<BlobId>> {
        let blobs = self.blobs.clone();
        blocking(move || list_before(&blobs, before)).await
    }
}

/// Streams `remaining` bytes from `file`'s current position. The next piece is read on the
/// blocking pool while the current one is being sent, so disk and socket overlap; at most two
/// pieces are in memory per stream.
fn read_stream(file: File, remaining: u64) -> ByteStream {
    type Pending = Option<JoinHandle<io::Result<(File, Vec<u8>)>>>;
    fn start(file: File, remaining: u64) -> (Pending, u64) {
        if remaining == 0 {
            return (None, 0);
        }
        // At most READ_BUF, so the conversion cannot truncate.
        let n = remaining.min(READ_BUF as u64) as usize;
        let handle = tokio::task::spawn_blocking(move || {
            let mut piece = Vec::with_capacity(n);
            // `take` + `read_to_end` fills spare capacity without zeroing it first.
            let read = (&file).take(n as u64).read_to_end(&mut piece)?;
            if read != n {
                // A blob shorter than its recorded size is damaged.
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "blob is truncated",
                ));
            }
            Ok((file, piece))
        });
        (Some(handle), remaining - n as u64)
    }
    let first = start(file, remaining);
    let stream = futures::stream::try_unfold(first, |(pending, remaining)| async move {
        let Some(handle) = pending else {
            return Ok(None);
        };
        let (file, piece) = handle.await.map_err(io::Error::other)??;
        let next = start(file, remaining);
        Ok(Some((Bytes::from(piece), next)))
    });
    Box::pin(stream)
}

/// The file handed back by a finished write, with the buffer it wrote (for reuse).
type FileAndBuf = (File, Vec<u8>);

/// Writes buffers on the blocking pool, one at a time, while the caller fills the next: at most
/// two buffers exist per put, whatever the blob's size.
struct Writer {
    file: Option<File>,
    in_flight: Option<JoinHandle<io::Result<FileAndBuf>>>,
    /// Bytes submitted so far, and the offset up to which writeback has been started.
    written: u64,
    flushed_to: u64,
}

impl Writer {
    fn new(file: File) -> Self {
        Self {
            file: Some(file),
            in_flight: None,
            written: 0,
            flushed_to: 0,
        }
    }

    /// Waits for the previous write, if any, and returns the file and that write's buffer.
    async fn settle(&mut self) -> io::Result<FileAndBuf> {
        if let Some(write) = self.in_flight.take() {
            return write.await.map_err(io::Error::other)?;
        }
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("blob writer used after an error"))?;
        Ok((file, Vec::with_capacity(WRITE_BUF)))
    }

    /// Starts writing `buf` and returns an empty buffer to fill next.
    async fn submit(&mut self, buf: Vec<u8>) -> io::Result<Vec<u8>> {
        let (mut file, mut spare) = self.settle().await?;
        self.written += buf.len() as u64;
        let writeback = (self.written - self.flushed_to >= WRITEBACK_EVERY)
            .then(|| (self.flushed_to, self.written - self.flushed_to));
        if writeback.is_some() {
            self.flushed_to = self.written;
        }
        self.in_flight = Some(tokio::task::spawn_blocking(move || {
            file.write_all(&buf)?;
            if let Some((offset, len)) = writeback {
                start_writeback(&file, offset, len);
            }
            Ok((file, buf))
        }));
        spare.clear();
        Ok(spare)
    }

    async fn finish(mut self) -> io::Result<File> {
        Ok(self.settle().await?.0)
    }
}

/// Asks the kernel to start writing a range to disk without waiting for it (durability still
/// comes from the final fsync). A hint: failure changes nothing but speed.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: the descriptor is open for as long as `file` is borrowed, and the call only
    // reads its arguments.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}

/// Removes the path it holds when dropped, unless disarmed: the temporary file while a put
/// streams, the final file while its directory is being synced.
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn set(&mut self, path: PathBuf) {
        self.0 = Some(path);
    }

    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            // Best effort: a leftover in tmp/ is removed by the next open, a leftover blob is an
            // orphan that start-up reclaims.
            let _ = fs::remove_file(path);
        }
    }
}

/// Runs blocking filesystem work on tokio's blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => Err(StoreError::Io(io::Error::other(e))),
    }
}

fn create_dir_if_missing(path: &Path) -> io::Result<()> {
    match fs::create_dir(path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// Makes the entries of directory `path` durable.
fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Every blob under `blobs` whose file was last modified (written) before `before`. Lock
/// sidecars (`<id>.lock`) are not blob ids, so `BlobId::parse` skips them like any foreign file.
fn list_before(blobs: &Path, before: SystemTime) -> Result<Vec<BlobId>> {
    let mut out = Vec::new();
    for xx in read_dir_tolerant(blobs)? {
        for yy in read_dir_tolerant(&xx)? {
            for file in read_dir_tolerant(&yy)? {
                let Some(id) = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(BlobId::parse)
                else {
                    continue;
                };
                match fs::metadata(&file).and_then(|m| m.modified()) {
                    Ok(modified) if modified < before => out.push(id),
                    Ok(_) => {}
                    // Deleted while we walked.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    Ok(out)
}

/// The entries of a directory; none if it is not a directory or vanished meanwhile.
fn read_dir_tolerant(dir: &Path) -> io::Result<Vec<PathBuf>> {
    match fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.map(|e| e.path())).collect(),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}
