//! Crash safety: a child process writes blobs and commits records referencing them, printing
//! each acknowledged write; the parent SIGKILLs it at a random moment, reopens the stores, and
//! checks that every acknowledged record and blob is present and intact, that every blob on disk
//! is whole, and that `tmp/` was emptied.
//!
//! The child is this very test binary, re-executed with `RAMPART_CRASH_WRITER` set, running the
//! `crash_writer` test (which does nothing in a normal run). A process kill loses what sits in
//! the process (unflushed buffers, queued commits) but not the kernel's page cache, so this
//! checks the ordering of writes, renames and commits, not the fsyncs themselves; power loss
//! cannot be simulated here (see docs/PERFORMANCE.md for the fsync reasoning).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use rampart_store::testkit::blob::{chunked, read_all};
use rampart_store::testkit::pattern;
use rampart_store::{BlobId, BlobStore, Expect, MetaStore, ScanRange, Txn};
use rampart_store_local::{FsBlobStore, MetaBackend, open_meta};

const ROLE: &str = "RAMPART_CRASH_WRITER";
const TASKS: u64 = 8;
const ITERATIONS: u64 = 5;

/// A self-describing blob: its seed and length, then `pattern(seed)`, so any blob found on disk
/// can be checked for completeness without knowing whether it was acknowledged.
fn blob_content(seed: u64) -> Vec<u8> {
    let len = 16 + (pattern(seed ^ 0xA5A5, 8)[0] as usize) * 1024 + (seed % 977) as usize;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&seed.to_le_bytes());
    out.extend_from_slice(&(len as u64).to_le_bytes());
    out.extend_from_slice(&pattern(seed, len - 16));
    out
}

fn blob_is_whole(data: &[u8]) -> bool {
    data.len() >= 16 && {
        let seed = u64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
        blob_content(seed) == data
    }
}

fn object_key(iteration: u64, task: u64, i: u64) -> Vec<u8> {
    format!("obj/{iteration:02}/{task:02}/{i:08}").into_bytes()
}

/// A record every write of a task overwrites with its latest `i`.
fn last_key(iteration: u64, task: u64) -> Vec<u8> {
    format!("last/{iteration:02}/{task:02}").into_bytes()
}

/// The record's value: the blob it references and padding to a realistic record size.
fn object_value(blob: &BlobId, seed: u64) -> Bytes {
    Bytes::from(format!("{blob} {seed} {}", "p".repeat(200)))
}

#[test]
fn crash_writer() {
    let Ok(spec) = std::env::var(ROLE) else {
        return; // Not the child: nothing to do.
    };
    let mut parts = spec.splitn(3, '|');
    let (Some(backend), Some(iteration), Some(dir)) = (parts.next(), parts.next(), parts.next())
    else {
        panic!("bad {ROLE}: {spec}");
    };
    let backend: MetaBackend = backend.parse().expect("backend");
    let iteration: u64 = iteration.parse().expect("iteration");
    let dir = Path::new(dir).to_path_buf();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let meta = open_meta(backend, dir.join("meta")).expect("open meta");
        let blobs: Arc<dyn BlobStore> = Arc::new(FsBlobStore::open(&dir).expect("open blobs"));
        let mut tasks = Vec::new();
        for task in 0..TASKS {
            let (meta, blobs) = (meta.clone(), blobs.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0.. {
                    let seed = (iteration << 48) | (task << 32) | i;
                    let info = blobs
                        .put(chunked(&blob_content(seed), 16 * 1024))
                        .await
                        .expect("put");
                    let key = object_key(iteration, task, i);
                    let txn = Txn::new()
                        .check(key.clone(), Expect::Absent)
                        .put(key, object_value(&info.id, seed))
                        .put(last_key(iteration, task), i.to_be_bytes().to_vec());
                    let version = meta.commit(txn).await.expect("commit");
                    // One write of one short line: atomic on a pipe, so a kill never splits it.
                    let line = format!("ACK {task} {i} {version} {}\n", info.id);
                    std::io::Write::write_all(&mut std::io::stdout().lock(), line.as_bytes())
                        .expect("stdout");
                }
            }));
        }
        for t in tasks {
            t.await.expect("writer task");
        }
    });
}

struct Ack {
    task: u64,
    i: u64,
    version: u64,
    blob: BlobId,
}

fn parse_ack(line: &[u8]) -> Option<Ack> {
    let line = std::str::from_utf8(line.strip_suffix(b"\n")?).ok()?;
    let mut f = line.strip_prefix("ACK ")?.split(' ');
    let ack = Ack {
        task: f.next()?.parse().ok()?,
        i: f.next()?.parse().ok()?,
        version: f.next()?.parse().ok()?,
        blob: BlobId::parse(f.next()?)?,
    };
    f.next().is_none().then_some(ack)
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("random");
    u64::from_le_bytes(b)
}

/// Runs the child until a random moment after its first acknowledgement, kills it, and returns
/// every acknowledgement it printed.
fn run_and_kill(backend: MetaBackend, iteration: u64, dir: &Path) -> Vec<Ack> {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args(["--exact", "crash_writer", "--nocapture", "--test-threads=1"])
        .env(ROLE, format!("{backend}|{iteration}|{}", dir.display()))
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn the writer");
    let stdout = child.stdout.take().expect("piped stdout");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if lines_tx.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let mut acks = Vec::new();
    // Wait for the first acknowledgement, then let the writer run a random while.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acks.is_empty() {
        let line = lines_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the writer acknowledged nothing");
        acks.extend(parse_ack(&line));
    }
    std::thread::sleep(Duration::from_millis(30 + random_u64() % 600));
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    reader.join().expect("reader thread");
    acks.extend(lines_rx.try_iter().filter_map(|l| parse_ack(&l)));
    acks
}

async fn verify(meta: &Arc<dyn MetaStore>, blobs: &FsBlobStore, iteration: u64, acks: &[Ack]) {
    let mut last_acked: HashMap<u64, u64> = HashMap::new();
    for ack in acks {
        let key = object_key(iteration, ack.task, ack.i);
        let rec = meta.get(&key).await.expect("get").unwrap_or_else(|| {
            panic!("acknowledged record {} lost", String::from_utf8_lossy(&key))
        });
        assert_eq!(rec.version, ack.version, "acknowledged version");
        let seed = (iteration << 48) | (ack.task << 32) | ack.i;
        assert_eq!(rec.value, object_value(&ack.blob, seed));
        let data = read_all(
            blobs
                .get(&ack.blob, 0..blob_content(seed).len() as u64)
                .await
                .expect("acknowledged blob"),
        )
        .await;
        assert!(
            blob_is_whole(&data),
            "acknowledged blob {} damaged",
            ack.blob
        );
        let last = last_acked.entry(ack.task).or_default();
        *last = (*last).max(ack.i);
    }
    for (task, last) in last_acked {
        let rec = meta
            .get(&last_key(iteration, task))
            .await
            .expect("get")
            .expect("counter");
        let stored = u64::from_be_bytes(rec.value[..].try_into().expect("8 bytes"));
        assert!(
            stored >= last,
            "task {task}: overwritten record went back from {last} to {stored}"
        );
    }
    // Every committed record, acknowledged or not, references a whole blob.
    let records = meta
        .scan(&ScanRange::prefix(b"obj/"), usize::MAX)
        .await
        .expect("scan");
    for (_, rec) in &records {
        let text = String::from_utf8_lossy(&rec.value);
        let id = BlobId::parse(text.split(' ').next().unwrap_or("")).expect("blob id in record");
        assert!(
            blobs.get(&id, 0..0).await.is_ok(),
            "a committed record references a missing blob {id}"
        );
    }
    // No half-written blob is visible: every file in blobs/ is whole.
    let far = SystemTime::now() + Duration::from_secs(3600);
    for id in blobs.list_created_before(far).await.expect("list") {
        let data = std::fs::read(blobs.blob_path(&id)).expect("read blob");
        assert!(
            blob_is_whole(&data),
            "blob {id} on disk is not whole ({} bytes)",
            data.len()
        );
    }
}

fn crash_loop(backend: MetaBackend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut history: Vec<(u64, Vec<Ack>)> = Vec::new();
    for iteration in 0..ITERATIONS {
        let acks = run_and_kill(backend, iteration, dir.path());
        let tmp = dir.path().join("tmp");
        let leftovers = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
        runtime.block_on(async {
            let meta = open_meta(backend, dir.path().join("meta")).expect("reopen meta after a kill");
            let blobs = FsBlobStore::open(dir.path()).expect("reopen blobs after a kill");
            assert_eq!(std::fs::read_dir(&tmp).expect("tmp").count(), 0, "open empties tmp/");
            history.push((iteration, acks));
            // Earlier iterations' acknowledgements must survive later crashes too.
            for (it, acks) in &history {
                verify(&meta, &blobs, *it, acks).await;
            }
            let blob_count = blobs.list_created_before(SystemTime::now() + Duration::from_secs(3600)).await.expect("list").len();
            println!(
                "{backend} iteration {iteration}: {} acknowledged writes verified, {leftovers} temp files \
                 removed on open, {blob_count} whole blobs on disk",
                history[history.len() - 1].1.len()
            );
        });
    }
}

#[test]
fn redb_survives_sigkill() {
    crash_loop(MetaBackend::Redb);
}

#[test]
fn sled_survives_sigkill() {
    crash_loop(MetaBackend::Sled);
}
