//! Measures `FsBlobStore` throughput: durable sequential puts fed in small chunks (as an HTTP
//! body arrives) and streamed gets.
//!
//! `cargo run --release -p rampart-store-local --example blob_bench -- [dir] [MiB]`

use std::time::Instant;

use bytes::Bytes;
use futures::StreamExt;
use rampart_store::{BlobStore, ByteStream};
use rampart_store_local::FsBlobStore;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// `total` bytes in `chunk`-sized pieces, all sharing one buffer so generation costs nothing.
fn body(total: usize, chunk: usize) -> ByteStream {
    let piece = Bytes::from(
        (0..chunk)
            .map(|i| (i * 31 % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let n = total / chunk;
    Box::pin(futures::stream::iter(
        (0..n).map(move |_| Ok(piece.clone())),
    ))
}

fn rate(bytes: usize, start: Instant) -> String {
    let secs = start.elapsed().as_secs_f64();
    format!(
        "{:.2} GB/s ({:.0} MiB in {secs:.2} s)",
        bytes as f64 / secs / 1e9,
        bytes as f64 / (1 << 20) as f64
    )
}

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let root = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let mib: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1024);
    let total = mib << 20;
    let dir = tempfile::tempdir_in(root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = std::sync::Arc::new(FsBlobStore::open(dir.path())?);
        for chunk in [16 << 10, 1 << 20] {
            let start = Instant::now();
            let info = store.put(body(total, chunk)).await?;
            println!(
                "put, one stream of {} KiB chunks, fsynced: {}",
                chunk >> 10,
                rate(total, start)
            );
            let start = Instant::now();
            let mut stream = store.get(&info.id, 0..info.size).await?;
            let mut n = 0;
            while let Some(piece) = stream.next().await {
                n += piece?.len();
            }
            println!("get, whole blob (page cache): {}", rate(n, start));
            store.delete(&info.id).await?;
        }
        let start = Instant::now();
        let mut puts = Vec::new();
        for _ in 0..4 {
            let store = store.clone();
            puts.push(tokio::spawn(async move {
                store.put(body(total / 4, 16 << 10)).await
            }));
        }
        for p in puts {
            p.await??;
        }
        println!(
            "put, 4 concurrent streams of 16 KiB chunks: {}",
            rate(total, start)
        );
        let start = Instant::now();
        let n = 2000;
        for _ in 0..n {
            store.put(body(4096, 4096)).await?;
        }
        let secs = start.elapsed().as_secs_f64();
        println!("put, 4 KiB blobs one at a time: {:.0}/s", n as f64 / secs);
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    let status = std::fs::read_to_string("/proc/self/status")?;
    if let Some(hwm) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!(
            "peak resident memory: {}",
            hwm.trim_start_matches("VmHWM:").trim()
        );
    }
    Ok(())
}
