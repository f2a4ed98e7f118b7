//! Large objects: PUT (unsigned and signed payloads) and GET throughput with 1 and 4 clients,
//! and the server's peak memory during one very large PUT or GET.

use std::time::{Duration, Instant};

use futures::future::join_all;
use sha2::{Digest, Sha256};

use crate::client::{Body, Conn, Keep, UNSIGNED_PAYLOAD};
use crate::procfs::{CpuMeter, Perf, RssSampler, server_pid, status_kib};
use crate::report::{Row, median, print_table};
use crate::{Opts, connect, create_bucket};

/// Bodies are this block (deterministic pseudo-random bytes) repeated.
const BLOCK: usize = 1 << 20;
const BUCKET: &str = "bench-large";
const MB: f64 = 1e6;

/// The hex SHA-256 of `block` repeated to `len` bytes: what a client signing its payload sends
/// as `x-amz-content-sha256` (computed before the clock starts).
fn sha256_repeat(block: &[u8], len: u64) -> String {
    let mut h = Sha256::new();
    let mut left = len;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        h.update(&block[..n]);
        left -= n as u64;
    }
    hex::encode(h.finalize())
}

/// PUTs `len` bytes to `key` on each connection at once (connection i writes `key-i`).
/// Returns, per request, the wait between its last byte sent and its response: the server's
/// fsyncs and commit, which no longer overlap with the transfer.
async fn put_all(
    conns: &mut [Conn],
    key: &str,
    block: &[u8],
    len: u64,
    hash: &str,
) -> Vec<Duration> {
    join_all(conns.iter_mut().enumerate().map(|(i, c)| async move {
        let r = c
            .send(
                "PUT",
                &format!("/{BUCKET}/{key}-{i}"),
                "",
                hash,
                Body::Repeat { block, len },
                Keep::Body,
            )
            .await
            .expect("PUT");
        assert_eq!(r.status, 200, "PUT: {}", r.text());
        r.sent_at.elapsed()
    }))
    .await
}

/// DELETEs `key-i` on each connection (untimed: each timed PUT then creates a new object
/// instead of replacing, and reclaiming, an old one).
async fn delete_all(conns: &mut [Conn], key: &str) {
    join_all(conns.iter_mut().enumerate().map(|(i, c)| async move {
        let r = c
            .send(
                "DELETE",
                &format!("/{BUCKET}/{key}-{i}"),
                "",
                crate::client::EMPTY_SHA256,
                Body::Empty,
                Keep::Body,
            )
            .await
            .expect("DELETE");
        assert_eq!(r.status, 204, "DELETE: {}", r.text());
    }))
    .await;
}

/// GETs `key-i` on each connection at once, discarding the bytes and checking their count.
async fn get_all(conns: &mut [Conn], key: &str, len: u64) {
    join_all(conns.iter_mut().enumerate().map(|(i, c)| async move {
        let r = c
            .send(
                "GET",
                &format!("/{BUCKET}/{key}-{i}"),
                "",
                crate::client::EMPTY_SHA256,
                Body::Empty,
                Keep::Count,
            )
            .await
            .expect("GET");
        assert_eq!(r.status, 200, "GET status");
        assert_eq!(
            (r.body_len, r.content_length),
            (len, Some(len)),
            "GET length"
        );
    }))
    .await;
}

pub async fn throughput(opts: &Opts) {
    let len = opts.size_mib << 20;
    println!(
        "\n== large objects: {} MiB, {} samples per figure",
        opts.size_mib, opts.reps
    );
    let server = opts.start_server();
    let pid = server_pid(server.data_dir());
    let block = rampart_e2e::pattern(BLOCK, 1);
    let signed = sha256_repeat(&block, len);
    let mut rows = Vec::new();
    for clients in [1usize, 4] {
        let mut conns = connect(server.port, clients).await;
        if clients == 1 {
            create_bucket(&mut conns[0], BUCKET).await;
        }
        // Warm-up: creates the keys and the blob directories they use.
        put_all(&mut conns, "obj", &block, BLOCK as u64, UNSIGNED_PAYLOAD).await;
        let total = (clients as u64 * len) as f64;
        for (label, tag, hash) in [
            ("PUT UNSIGNED-PAYLOAD", "put-unsigned", UNSIGNED_PAYLOAD),
            ("PUT signed SHA-256 payload", "put-signed", signed.as_str()),
        ] {
            let mut row = Row::new(format!("{label}, {clients} client(s)"), "MB/s");
            let mut tail = Row::new("  of which: wait after the last byte", "ms");
            let perf = Perf::start(opts, &format!("{tag}-{clients}"), pid);
            for _ in 0..opts.reps {
                delete_all(&mut conns, "obj").await;
                let cpu = CpuMeter::start(pid);
                let t0 = Instant::now();
                let waits = put_all(&mut conns, "obj", &block, len, hash).await;
                let wall = t0.elapsed();
                let cpu = cpu.stop();
                row.push(total / wall.as_secs_f64() / MB, cpu, wall);
                let waits: Vec<f64> = waits.iter().map(|d| d.as_secs_f64() * 1e3).collect();
                tail.push(median(&waits), cpu, wall);
            }
            perf.stop();
            rows.push(row);
            rows.push(tail);
        }
        let mut row = Row::new(format!("GET, {clients} client(s)"), "MB/s");
        let perf = Perf::start(opts, &format!("get-{clients}"), pid);
        for _ in 0..opts.reps {
            let cpu = CpuMeter::start(pid);
            let t0 = Instant::now();
            get_all(&mut conns, "obj", len).await;
            let wall = t0.elapsed();
            row.push(total / wall.as_secs_f64() / MB, cpu.stop(), wall);
        }
        perf.stop();
        rows.push(row);
    }
    print_table(&format!("Large objects, {} MiB each", opts.size_mib), &rows);
    println!(
        "\nserver VmHWM after all large-object phases (up to 4 concurrent transfers): {:.1} MiB",
        status_kib(pid, "VmHWM") as f64 / 1024.0
    );
}

/// One transfer in a fresh server process, with its memory watched.
struct MemoryResult {
    label: &'static str,
    idle_hwm_kib: u64,
    peak_hwm_kib: u64,
    max_sampled_rss_kib: u64,
    rss_after_kib: u64,
    mb_per_s: f64,
    timeline: Vec<(f64, u64)>,
}

async fn watched<T, F: std::future::Future<Output = T>>(
    label: &'static str,
    pid: u32,
    len: u64,
    transfer: F,
) -> MemoryResult {
    let idle_hwm_kib = status_kib(pid, "VmHWM");
    let sampler = RssSampler::start(pid, Duration::from_millis(20));
    let t0 = Instant::now();
    transfer.await;
    let wall = t0.elapsed().as_secs_f64();
    let timeline = sampler.stop();
    MemoryResult {
        label,
        idle_hwm_kib,
        peak_hwm_kib: status_kib(pid, "VmHWM"),
        max_sampled_rss_kib: timeline.iter().map(|s| s.1).max().unwrap_or(0),
        rss_after_kib: status_kib(pid, "VmRSS"),
        mb_per_s: len as f64 / wall / MB,
        timeline,
    }
}

/// Peak RSS (VmHWM) of the server during one `--mem-mib` PUT (unsigned, then signed) and one
/// GET, each in a fresh server process on the same data directory.
pub async fn memory(opts: &Opts) {
    let len = opts.mem_mib << 20;
    println!(
        "\n== memory: one {} MiB object, each transfer in a fresh server process",
        opts.mem_mib
    );
    let block = rampart_e2e::pattern(BLOCK, 3);
    let signed = sha256_repeat(&block, len);
    let mut server = opts.start_server();
    let mut results = Vec::new();

    let mut conns = connect(server.port, 1).await;
    create_bucket(&mut conns[0], BUCKET).await;
    let pid = server_pid(server.data_dir());
    results.push(
        watched(
            "PUT UNSIGNED-PAYLOAD",
            pid,
            len,
            put_all(&mut conns, "mem", &block, len, UNSIGNED_PAYLOAD),
        )
        .await,
    );
    drop(conns);

    server.restart();
    let pid = server_pid(server.data_dir());
    let mut conns = connect(server.port, 1).await;
    results.push(
        watched(
            "PUT signed SHA-256 payload",
            pid,
            len,
            put_all(&mut conns, "mem-signed", &block, len, &signed),
        )
        .await,
    );
    drop(conns);

    server.restart();
    let pid = server_pid(server.data_dir());
    let mut conns = connect(server.port, 1).await;
    results.push(watched("GET", pid, len, get_all(&mut conns, "mem", len)).await);

    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "\n### Server memory, one {} MiB object per fresh process\n",
        opts.mem_mib
    );
    println!("| transfer | VmHWM before | VmHWM peak | max sampled VmRSS | VmRSS after | MB/s |");
    println!("|---|---|---|---|---|---|");
    for r in &results {
        println!(
            "| {} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.0} |",
            r.label,
            mib(r.idle_hwm_kib),
            mib(r.peak_hwm_kib),
            mib(r.max_sampled_rss_kib),
            mib(r.rss_after_kib),
            r.mb_per_s
        );
    }
    for r in &results {
        // A coarse timeline: where in the transfer the memory grew.
        let step = (r.timeline.len() / 10).max(1);
        let points: Vec<String> = r
            .timeline
            .iter()
            .step_by(step)
            .map(|(t, kib)| format!("{t:.1}s:{:.0}", mib(*kib)))
            .collect();
        println!("  {} VmRSS MiB over time: {}", r.label, points.join(" "));
    }
}
