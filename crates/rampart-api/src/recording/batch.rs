//! Where the request path leaves formatted record lines for a writer thread. A record costs the
//! request path one formatting into a per-thread scratch line and one copy into a shared
//! buffer under a short lock: no allocation, no channel, and no thread to wake except for the
//! first record of a batch.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rampart_audit::metrics::Metrics;

/// Bytes waiting for the writer before new records are dropped (and counted): the request
/// path never waits for the disk.
const MAX_PENDING_BYTES: usize = 64 << 20;

/// How long the writer lets records gather after the first of a batch arrives: each batch is
/// one write per stream, so this bounds writes to 100 a second under any load, and a record
/// reaches the kernel (where it survives the process dying) at most this long after its
/// response.
const GATHER: Duration = Duration::from_millis(10);

/// How often written records are made durable against the machine dying (an fsync). A device
/// flush costs more CPU here than formatting hundreds of records, and while one runs the
/// virtual disk stalls the server's other I/O, so it is taken at most this often.
const SYNC_EVERY: Duration = Duration::from_millis(200);

/// The lines of one stream waiting for the writer, each ending in `\n`.
#[derive(Default)]
pub(crate) struct StreamLines {
    pub stream: Arc<str>,
    pub text: String,
    pub lines: usize,
}

/// Everything waiting for the writer: a few streams at most (one per logged bucket).
#[derive(Default)]
pub(crate) struct Batch {
    pub streams: Vec<StreamLines>,
    bytes: usize,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// Empties the batch, keeping each stream's buffer for reuse.
    fn clear(&mut self) {
        for s in &mut self.streams {
            s.text.clear();
            s.lines = 0;
        }
        // A buffer grown by a burst is not kept.
        self.streams.retain(|s| s.text.capacity() <= 1 << 20);
        self.bytes = 0;
    }
}

struct Shared {
    batch: Mutex<Batch>,
    arrived: Condvar,
    closed: AtomicBool,
    dropped: AtomicU64,
    what: &'static str,
    metrics: Arc<Metrics>,
}

/// The request path's end of a writer thread.
pub(crate) struct LineBatcher {
    shared: Arc<Shared>,
    writer: Option<std::thread::JoinHandle<()>>,
}

thread_local! {
    /// Each worker thread formats its records here, so that a record allocates nothing.
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
}

impl LineBatcher {
    /// Starts a writer thread named `name` that hands each batch to `write` and calls `sync`
    /// at most every [`SYNC_EVERY`] (and before idling with written records unsynced).
    /// Dropping the batcher waits for the writer to write and sync what was pushed.
    pub(crate) fn start(
        name: &str,
        what: &'static str,
        metrics: Arc<Metrics>,
        write: impl FnMut(&Batch) + Send + 'static,
        sync: impl FnMut() + Send + 'static,
    ) -> Self {
        let shared = Arc::new(Shared {
            batch: Mutex::default(),
            arrived: Condvar::new(),
            closed: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
            what,
            metrics,
        });
        let writer = shared.clone();
        let spawned = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || run_writer(&writer, write, sync));
        let writer = match spawned {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::error!(error = %e, "cannot start the {what} writer");
                None
            }
        };
        Self { shared, writer }
    }

    /// Appends one line to `stream`: `format` writes it (without its line break) into a
    /// scratch buffer. A full batch drops the line, logged at each power of two.
    pub(crate) fn push(&self, stream: &Arc<str>, format: impl FnOnce(&mut String)) {
        SCRATCH.with_borrow_mut(|line| {
            line.clear();
            format(line);
            line.push('\n');
            let mut batch = lock(&self.shared.batch);
            if batch.bytes + line.len() > MAX_PENDING_BYTES {
                drop(batch);
                let n = self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                self.shared
                    .metrics
                    .records_dropped(&self.shared.what.replace(' ', "_"));
                if n.is_power_of_two() {
                    tracing::error!(
                        dropped = n + 1,
                        "{} writer behind: records dropped",
                        self.shared.what
                    );
                }
                return;
            }
            let was_empty = batch.is_empty();
            batch.bytes += line.len();
            let slot = match batch.streams.iter().position(|s| *s.stream == **stream) {
                Some(i) => i,
                None => {
                    batch.streams.push(StreamLines {
                        stream: stream.clone(),
                        ..Default::default()
                    });
                    batch.streams.len() - 1
                }
            };
            let entry = &mut batch.streams[slot];
            entry.text.push_str(line);
            entry.lines += 1;
            drop(batch);
            if was_empty {
                self.shared.arrived.notify_one();
            }
        });
    }
}

impl Drop for LineBatcher {
    fn drop(&mut self) {
        // Set under the lock, so that the writer cannot miss it between its check and its wait.
        let batch = lock(&self.shared.batch);
        self.shared.closed.store(true, Ordering::Release);
        drop(batch);
        self.shared.arrived.notify_all();
        // A server shutting down writes and syncs its last records before it exits.
        if let Some(writer) = self.writer.take()
            && writer.join().is_err()
        {
            tracing::error!("the {} writer panicked", self.shared.what);
        }
    }
}

/// The writer thread: waits for a first record, lets more gather for [`GATHER`], swaps the
/// batch out (the request path fills a fresh one meanwhile) and writes it. Ends once the
/// batcher is dropped and everything pushed is written and synced.
fn run_writer(shared: &Shared, mut write: impl FnMut(&Batch), mut sync: impl FnMut()) {
    let mut spare = Batch::default();
    let mut last_sync = Instant::now();
    let mut dirty = false;
    loop {
        let closed = {
            let mut batch = lock(&shared.batch);
            loop {
                let closed = shared.closed.load(Ordering::Acquire);
                if !batch.is_empty() || closed {
                    break closed;
                }
                if !dirty {
                    batch = shared
                        .arrived
                        .wait(batch)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    continue;
                }
                // Idle with records written but not synced: sync once the interval is up.
                let wait = SYNC_EVERY.saturating_sub(last_sync.elapsed());
                if wait.is_zero() {
                    break false;
                }
                batch = match shared.arrived.wait_timeout(batch, wait) {
                    Ok((guard, _)) => guard,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
        };
        if !closed {
            std::thread::sleep(GATHER);
        }
        std::mem::swap(&mut *lock(&shared.batch), &mut spare);
        if !spare.is_empty() {
            write(&spare);
            spare.clear();
            dirty = true;
        }
        if dirty && (closed || last_sync.elapsed() >= SYNC_EVERY) {
            sync();
            last_sync = Instant::now();
            dirty = false;
        }
        if closed {
            break;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    /// What the test writer reports: a stream's lines (stream, text, count), or `None` for a
    /// sync.
    type Written = Option<(String, String, usize)>;

    /// A batcher whose writer reports each batch's streams and each sync on a channel.
    fn recording_batcher() -> (LineBatcher, mpsc::Receiver<Written>) {
        let (tx, rx) = mpsc::channel();
        let sync_tx = tx.clone();
        let batcher = LineBatcher::start(
            "test-writer",
            "test",
            Arc::new(Metrics::new()),
            move |batch| {
                for s in &batch.streams {
                    if s.lines > 0 {
                        let _ = tx.send(Some((s.stream.to_string(), s.text.clone(), s.lines)));
                    }
                }
            },
            move || {
                let _ = sync_tx.send(None);
            },
        );
        (batcher, rx)
    }

    #[test]
    fn every_line_is_written_once_in_order_and_synced_at_the_end() {
        let (batcher, rx) = recording_batcher();
        let batcher = Arc::new(batcher);
        let streams: Vec<Arc<str>> = vec!["a".into(), "b".into()];
        std::thread::scope(|scope| {
            for t in 0..4 {
                let batcher = batcher.clone();
                let streams = streams.clone();
                scope.spawn(move || {
                    for i in 0..500 {
                        let stream = &streams[i % 2];
                        batcher.push(stream, |line| line.push_str(&format!("t{t} {i}")));
                    }
                });
            }
        });
        // Dropping waits for the writer: everything is written and synced by then.
        drop(Arc::into_inner(batcher).expect("the only reference"));
        let mut seen: std::collections::HashMap<String, Vec<String>> = Default::default();
        let mut last_was_sync = false;
        // Nothing is waited for here: it all arrived before the drop returned.
        for event in rx.try_iter() {
            last_was_sync = event.is_none();
            if let Some((stream, text, lines)) = event {
                assert_eq!(text.lines().count(), lines);
                assert!(text.ends_with('\n'));
                seen.entry(stream)
                    .or_default()
                    .extend(text.lines().map(str::to_owned));
            }
        }
        assert!(last_was_sync, "the writer syncs before it ends");
        for (stream, lines) in &seen {
            assert_eq!(lines.len(), 1000, "{stream}");
            // Each thread's lines stay in the order it pushed them.
            for t in 0..4 {
                let mine: Vec<usize> = lines
                    .iter()
                    .filter_map(|l| l.strip_prefix(&format!("t{t} ")))
                    .map(|n| n.parse().unwrap())
                    .collect();
                assert_eq!(mine.len(), 250);
                assert!(mine.windows(2).all(|w| w[0] < w[1]));
                let parity = usize::from(stream == "b");
                assert!(mine.iter().all(|n| n % 2 == parity));
            }
        }
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn an_idle_writer_syncs_what_it_wrote() {
        let (batcher, rx) = recording_batcher();
        batcher.push(&"s".into(), |line| line.push_str("one"));
        let written = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(written, Some(("s".into(), "one\n".into(), 1)));
        // No more records: the sync comes within the sync interval, not at the end.
        let synced = rx.recv_timeout(SYNC_EVERY * 5).unwrap();
        assert_eq!(synced, None);
        drop(batcher);
    }

    #[test]
    fn a_writer_that_falls_behind_drops_and_counts() {
        let metrics = Arc::new(Metrics::new());
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (entered_tx, entered_rx) = mpsc::channel::<()>();
        let batcher = LineBatcher::start(
            "stuck-writer",
            "stuck writer",
            metrics.clone(),
            move |_| {
                // Each batch blocks the writer until the test lets it go.
                let _ = entered_tx.send(());
                let _ = release_rx.recv();
            },
            || {},
        );
        let stream: Arc<str> = "s".into();
        batcher.push(&stream, |line| line.push_str("first"));
        entered_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the writer takes the first batch");
        let big = "x".repeat(64 << 10);
        for _ in 0..(MAX_PENDING_BYTES / big.len() + 64) {
            batcher.push(&stream, |line| line.push_str(&big));
        }
        let text = metrics.render();
        let dropped = text
            .lines()
            .find_map(|l| l.strip_prefix("rampart_records_dropped_total{writer=\"stuck_writer\"} "))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        assert!(dropped >= 60, "{text}");
        drop(release_tx);
        drop(batcher);
    }
}
