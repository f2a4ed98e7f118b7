//! Small objects (4 KiB PUT, GET, HEAD with 16 keep-alive clients) and ListObjectsV2 paging.

use std::time::{Duration, Instant};

use futures::future::join_all;

use crate::client::{Body, Conn, EMPTY_SHA256, Keep, elements, query_encode};
use crate::procfs::{CpuMeter, Perf, server_pid};
use crate::report::{Row, median, print_table};
use crate::{Opts, connect, create_bucket};

const SMALL: usize = 4096;
const CLIENTS: usize = 16;
const BUCKET: &str = "bench-small";
const LIST_BUCKET: &str = "bench-list";
/// Concurrent PUTs that fill the listing bucket.
const FILL_CLIENTS: usize = 32;
const PAGE: usize = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Put,
    Get,
    Head,
}

/// One phase: every connection repeats `op` on its own keys until `secs` have passed.
/// Returns the operations done by each connection and every request's latency.
async fn phase(
    conns: &mut [Conn],
    op: Op,
    rep: usize,
    keys_per_conn: &[usize],
    body: &[u8],
    body_hash: &str,
    secs: f64,
) -> (Vec<usize>, Vec<Duration>) {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let results = join_all(conns.iter_mut().enumerate().map(|(w, c)| async move {
        let mut latencies = Vec::with_capacity(8192);
        let mut i = 0usize;
        while Instant::now() < deadline {
            let t = Instant::now();
            let (method, hash, payload, k) = match op {
                Op::Put => ("PUT", body_hash, Body::Bytes(body), i),
                Op::Get => (
                    "GET",
                    EMPTY_SHA256,
                    Body::Empty,
                    i % keys_per_conn[w].max(1),
                ),
                Op::Head => (
                    "HEAD",
                    EMPTY_SHA256,
                    Body::Empty,
                    i % keys_per_conn[w].max(1),
                ),
            };
            let path = format!("/{BUCKET}/r{rep}/c{w:02}/{k:08}");
            let r = c
                .send(method, &path, "", hash, payload, Keep::Count)
                .await
                .expect("request");
            latencies.push(t.elapsed());
            assert_eq!(r.status, 200, "{}", r.text());
            if op != Op::Put {
                assert_eq!(r.content_length, Some(SMALL as u64));
                let expected = if op == Op::Get { SMALL as u64 } else { 0 };
                assert_eq!(r.body_len, expected);
            }
            i += 1;
        }
        (i, latencies)
    }))
    .await;
    let counts = results.iter().map(|r| r.0).collect();
    let latencies = results.into_iter().flat_map(|r| r.1).collect();
    (counts, latencies)
}

pub async fn small_objects(opts: &Opts) {
    println!(
        "\n== 4 KiB objects: {CLIENTS} keep-alive clients, phases of {} s, {} samples",
        opts.secs, opts.reps
    );
    let server = opts.start_server();
    let pid = server_pid(server.data_dir());
    let mut conns = connect(server.port, CLIENTS).await;
    create_bucket(&mut conns[0], BUCKET).await;
    opts.enable_access_logging(&server, BUCKET);
    let body = rampart_e2e::pattern(SMALL, 2);
    // Signed like an SDK over plain HTTP: the SHA-256 of the body (the same body every time).
    let hash = rampart_sigv4::sha256_hex(&body);
    let mut rows = [
        Row::new("4 KiB PUT (signed SHA-256), 16 clients", "ops/s"),
        Row::new("4 KiB GET, 16 clients", "ops/s"),
        Row::new("4 KiB HEAD, 16 clients", "ops/s"),
    ];
    for rep in 0..opts.reps {
        let mut written = vec![0; CLIENTS];
        for (row, op, tag) in [
            (0, Op::Put, "small-put"),
            (1, Op::Get, "small-get"),
            (2, Op::Head, "small-head"),
        ] {
            let perf = Perf::start(opts, &format!("{tag}-{rep}"), pid);
            let cpu = CpuMeter::start(pid);
            let t0 = Instant::now();
            let (counts, latencies) =
                phase(&mut conns, op, rep, &written, &body, &hash, opts.secs).await;
            let wall = t0.elapsed();
            let cpu = cpu.stop();
            perf.stop();
            let ops: usize = counts.iter().sum();
            rows[row].push(ops as f64 / wall.as_secs_f64(), cpu, wall);
            rows[row].push_latency(latencies);
            if op == Op::Put {
                written = counts;
            }
        }
    }
    print_table("4 KiB objects, 16 clients", &rows);
}

fn list_key(i: usize) -> String {
    // Realistic shape: a few levels of date-like prefixes, ~35 bytes.
    format!(
        "logs/2026/{:02}/{:02}/event-{i:07}.json",
        i % 12 + 1,
        i % 28 + 1
    )
}

/// ListObjectsV2 over `--keys` keys: the time to page through all of them (1000 per page,
/// one client) and the latency of each page.
pub async fn listing(opts: &Opts) {
    let n = opts.keys;
    println!(
        "\n== ListObjectsV2 over {n} keys, pages of {PAGE}, {} samples",
        opts.reps
    );
    let server = opts.start_server();
    let pid = server_pid(server.data_dir());
    let mut conns = connect(server.port, FILL_CLIENTS).await;
    create_bucket(&mut conns[0], LIST_BUCKET).await;

    let mut fill = Row::new(format!("fill: 0-byte PUT, {FILL_CLIENTS} clients"), "ops/s");
    let cpu = CpuMeter::start(pid);
    let t0 = Instant::now();
    join_all(conns.iter_mut().enumerate().map(|(w, c)| async move {
        for i in (w..n).step_by(FILL_CLIENTS) {
            let path = format!("/{LIST_BUCKET}/{}", list_key(i));
            let r = c
                .send("PUT", &path, "", EMPTY_SHA256, Body::Empty, Keep::Body)
                .await
                .expect("PUT");
            assert_eq!(r.status, 200, "{}", r.text());
        }
    }))
    .await;
    let wall = t0.elapsed();
    fill.push(n as f64 / wall.as_secs_f64(), cpu.stop(), wall);
    conns.truncate(1);
    let conn = &mut conns[0];

    let mut walk = Row::new(format!("list all {n} keys, 1 client"), "keys/s");
    let mut page_ms = Row::new(format!("one {PAGE}-key page (median of the walk)"), "ms");
    for rep in 0..opts.reps {
        let perf = Perf::start(opts, &format!("list-{rep}"), pid);
        let cpu = CpuMeter::start(pid);
        let t0 = Instant::now();
        let mut token: Option<String> = None;
        let mut seen = 0usize;
        let mut latencies = Vec::new();
        loop {
            let mut query = String::new();
            if let Some(t) = &token {
                query.push_str("continuation-token=");
                query.push_str(&query_encode(t));
                query.push('&');
            }
            query.push_str(&format!("list-type=2&max-keys={PAGE}"));
            let t = Instant::now();
            let r = conn
                .send(
                    "GET",
                    &format!("/{LIST_BUCKET}"),
                    &query,
                    EMPTY_SHA256,
                    Body::Empty,
                    Keep::Body,
                )
                .await
                .expect("ListObjectsV2");
            latencies.push(t.elapsed());
            assert_eq!(r.status, 200, "{}", r.text());
            let xml = r.text();
            seen += elements(&xml, "Key").len();
            token = elements(&xml, "NextContinuationToken")
                .first()
                .map(|s| s.to_string());
            if token.is_none() {
                break;
            }
        }
        let wall = t0.elapsed();
        let cpu = cpu.stop();
        perf.stop();
        assert_eq!(seen, n, "the walk must return every key once");
        walk.push(n as f64 / wall.as_secs_f64(), cpu, wall);
        let ms: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        page_ms.push(median(&ms), cpu, wall);
        page_ms.push_latency(latencies);
    }
    print_table(&format!("ListObjectsV2, {n} keys"), &[fill, walk, page_ms]);
}
