//! Measures the metadata backends to choose the default (docs/PERFORMANCE.md, "Metadata backend").
//!
//! `cargo run --release -p rampart-store-local --example meta_bench -- [sled|redb|both] [dir]`
//!
//! Per backend, in a fresh directory under `dir` (default: the system temp dir):
//! committed small txns/s with 1 and 16 writers (2 records of ~300 bytes each), the bulk load of
//! 100k records, random gets/s, a paged scan of the 100k records, and the on-disk size after the
//! load and after overwriting every record 5 times. Then the engine's own commit path without
//! our group commit (one insert + flush/commit per writer), to show whether it coalesces syncs.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rampart_store::{MetaStore, ScanRange, StoreError, Txn};
use rampart_store_local::{MetaBackend, open_meta};

const RECORDS: u64 = 100_000;
const VALUE_LEN: usize = 300;
const RUN: Duration = Duration::from_secs(4);
const LOAD_TXN: u64 = 500;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn value(seed: u64) -> Bytes {
    let mut v = format!("{seed:020}").into_bytes();
    v.resize(VALUE_LEN, b'v');
    Bytes::from(v)
}

fn object_key(i: u64) -> Vec<u8> {
    // Realistic keys: a bucket, a path, and the record's number spread over the keyspace.
    format!(
        "o/photos/2024/{:016x}/IMG_{i}.jpg",
        i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    )
    .into_bytes()
}

/// Disk blocks actually allocated under `path` (what `du` reports), and apparent bytes.
fn disk_usage(path: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let mut stack = vec![path.to_path_buf()];
    let (mut allocated, mut apparent) = (0, 0);
    while let Some(p) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&p) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else {
            allocated += meta.blocks() * 512;
            apparent += meta.len();
        }
    }
    (allocated, apparent)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// Each of `writers` tasks commits an object record + a ref record per txn for `RUN`.
async fn commit_rate(store: &Arc<dyn MetaStore>, writers: u64, tag: &str) -> Res<f64> {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (store, stop, done) = (store.clone(), stop.clone(), done.clone());
        let tag = tag.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let key = format!("w/{tag}/{w:02}/{i:010}");
                let txn = Txn::new()
                    .put(format!("{key}/obj").into_bytes(), value(i))
                    .put(format!("{key}/ref").into_bytes(), value(i + 1));
                store.commit(txn).await?;
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            Ok::<_, StoreError>(())
        }));
    }
    let start = Instant::now();
    tokio::time::sleep(RUN).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

async fn load(store: &Arc<dyn MetaStore>, round: u64) -> Res<f64> {
    let start = Instant::now();
    for chunk in 0..RECORDS / LOAD_TXN {
        let mut txn = Txn::new();
        for i in chunk * LOAD_TXN..(chunk + 1) * LOAD_TXN {
            txn = txn.put(object_key(i), value(i * 10 + round));
        }
        store.commit(txn).await?;
    }
    Ok(RECORDS as f64 / start.elapsed().as_secs_f64())
}

async fn random_gets(store: &Arc<dyn MetaStore>, tasks: u64) -> Res<f64> {
    const GETS: u64 = 200_000;
    let start = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut x = 0x2545_F491_4F6C_DD1Du64 ^ t;
            for _ in 0..GETS / tasks {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let rec = store.get(&object_key(x % RECORDS)).await?;
                if rec.is_none() {
                    return Err(StoreError::Corrupt("a loaded record is missing".into()));
                }
            }
            Ok(())
        }));
    }
    for h in handles {
        h.await??;
    }
    Ok(GETS as f64 / start.elapsed().as_secs_f64())
}

async fn scan_all(store: &Arc<dyn MetaStore>) -> Res<f64> {
    let range = ScanRange::prefix(b"o/");
    let start = Instant::now();
    let (mut next, mut n) = (range.clone(), 0u64);
    loop {
        let page = store.scan(&next, 1000).await?;
        n += page.len() as u64;
        match page.last() {
            Some((last, _)) if page.len() == 1000 => next = range.resume_after(last),
            _ => break,
        }
    }
    if n != RECORDS {
        return Err(format!("scanned {n} records, expected {RECORDS}").into());
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// The engine's own durable commit, one per writer thread, without our batching.
fn native_rate(backend: MetaBackend, dir: &Path, threads: u64) -> Res<f64> {
    enum Native {
        Sled(sled::Db),
        Redb(redb::Database),
    }
    const T: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("t");
    let db = Arc::new(match backend {
        MetaBackend::Sled => Native::Sled(
            sled::Config::new()
                .path(dir.join(format!("native-{threads}")))
                .open()?,
        ),
        MetaBackend::Redb => Native::Redb(redb::Database::create(
            dir.join(format!("native-{threads}.redb")),
        )?),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for t in 0..threads {
        let (db, stop, done) = (db.clone(), stop.clone(), done.clone());
        handles.push(std::thread::spawn(move || -> Result<(), String> {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let key = format!("{t:02}/{i:010}").into_bytes();
                match &*db {
                    Native::Sled(db) => {
                        db.insert(key, value(i).to_vec())
                            .map_err(|e| e.to_string())?;
                        db.flush().map_err(|e| e.to_string())?;
                    }
                    Native::Redb(db) => {
                        let txn = db.begin_write().map_err(|e| e.to_string())?;
                        txn.open_table(T)
                            .map_err(|e| e.to_string())?
                            .insert(key.as_slice(), &value(i)[..])
                            .map_err(|e| e.to_string())?;
                        txn.commit().map_err(|e| e.to_string())?;
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            Ok(())
        }));
    }
    let start = Instant::now();
    std::thread::sleep(RUN);
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().map_err(|_| "writer thread panicked")??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

async fn bench(backend: MetaBackend, root: &Path) -> Res<()> {
    let dir = tempfile::tempdir_in(root)?;
    let meta_dir = dir.path().join("meta");
    let store = open_meta(backend, &meta_dir)?;
    let c1 = commit_rate(&store, 1, "a").await?;
    let c16 = commit_rate(&store, 16, "b").await?;
    drop(store);
    // A fresh store for the size figures, so that they hold only the 100k records.
    std::fs::remove_dir_all(&meta_dir)?;
    let store = open_meta(backend, &meta_dir)?;
    let load_rate = load(&store, 0).await?;
    let (size_100k, apparent_100k) = disk_usage(&meta_dir);
    let get1 = random_gets(&store, 1).await?;
    let get2 = random_gets(&store, 2).await?;
    let scan = scan_all(&store).await?;
    let start = Instant::now();
    for round in 1..=5 {
        load(&store, round).await?;
    }
    let overwrite_rate = 5.0 * RECORDS as f64 / start.elapsed().as_secs_f64();
    let (size_5x, apparent_5x) = disk_usage(&meta_dir);
    drop(store);
    let (size_closed, _) = disk_usage(&meta_dir);
    let native1 = native_rate(backend, dir.path(), 1)?;
    let native16 = native_rate(backend, dir.path(), 16)?;
    let logical = RECORDS * (object_key(RECORDS).len() as u64 + VALUE_LEN as u64);

    println!("## {backend}");
    println!("| measure | {backend} |\n|---|---|");
    println!("| commits/s, 1 writer (2 × 300 B records per txn) | {c1:.0} |");
    println!("| commits/s, 16 writers | {c16:.0} |");
    println!("| bulk load, records/s (txns of {LOAD_TXN}) | {load_rate:.0} |");
    println!("| random gets/s, 1 task | {get1:.0} |");
    println!("| random gets/s, 2 tasks | {get2:.0} |");
    println!("| scan of {RECORDS} records, records/s (pages of 1000) | {scan:.0} |");
    println!("| overwrite, records/s (txns of {LOAD_TXN}) | {overwrite_rate:.0} |");
    println!("| logical data (keys + values) | {} |", mib(logical));
    println!(
        "| on disk after {RECORDS} records (allocated / apparent) | {} / {} ({:.1}×) |",
        mib(size_100k),
        mib(apparent_100k),
        size_100k as f64 / logical as f64
    );
    println!(
        "| on disk after 5 overwrites (allocated / apparent) | {} / {} ({:.1}×) |",
        mib(size_5x),
        mib(apparent_5x),
        size_5x as f64 / logical as f64
    );
    println!(
        "| on disk after 5 overwrites, once closed | {} |",
        mib(size_closed)
    );
    println!("| engine's own durable commits/s, 1 thread (no group commit) | {native1:.0} |");
    println!("| engine's own durable commits/s, 16 threads (no group commit) | {native16:.0} |");
    Ok(())
}

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "both".into());
    let root = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let backends = match which.as_str() {
        "both" => vec![MetaBackend::Redb, MetaBackend::Sled],
        one => vec![one.parse::<MetaBackend>()?],
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    for backend in backends {
        runtime.block_on(bench(backend, &root))?;
    }
    let status = std::fs::read_to_string("/proc/self/status")?;
    if let Some(hwm) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!(
            "peak resident memory of this process: {}",
            hwm.trim_start_matches("VmHWM:").trim()
        );
    }
    Ok(())
}
