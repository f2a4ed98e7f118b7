//! Multipart uploads: a 1 GiB object uploaded as 64 parts of 16 MiB with 8 in flight, read
//! back whole and in 4 ranges; and the completion of an upload of 1000 parts, timed alone,
//! with the data directory's disk usage before and after (completion must not copy the parts).

use std::cell::Cell;
use std::path::Path;
use std::time::{Duration, Instant};

use futures::future::join_all;
use sha2::{Digest, Sha256};

use crate::client::{Body, Conn, EMPTY_SHA256, Keep, UNSIGNED_PAYLOAD, elements};
use crate::procfs::{CpuMeter, Perf, server_pid};
use crate::report::{Row, print_table};
use crate::{Opts, connect, create_bucket};

const BUCKET: &str = "bench-multipart";
const BLOCK: usize = 1 << 20;
const MIB: u64 = 1 << 20;
const MB: f64 = 1e6;
/// Parts in flight at once (one connection each).
const IN_FLIGHT: usize = 8;
/// S3's smallest part (all but the last): the parts of the many-parts upload.
const MIN_PART: u64 = 5 * MIB;

/// CreateMultipartUpload; returns the upload id.
async fn create(conn: &mut Conn, key: &str) -> String {
    let r = conn
        .send(
            "POST",
            &format!("/{BUCKET}/{key}"),
            "uploads",
            EMPTY_SHA256,
            Body::Empty,
            Keep::Body,
        )
        .await
        .expect("CreateMultipartUpload");
    assert_eq!(r.status, 200, "CreateMultipartUpload: {}", r.text());
    let text = r.text();
    let id = elements(&text, "UploadId");
    assert_eq!(id.len(), 1, "no UploadId in {text}");
    id[0].to_owned()
}

/// Uploads parts 1..=`parts` of `part_len` bytes each (UNSIGNED-PAYLOAD), every connection
/// taking the next part number as soon as its previous part is done. Returns the ETags in
/// part order and each part's latency.
async fn upload_parts(
    conns: &mut [Conn],
    key: &str,
    upload_id: &str,
    parts: u32,
    part_len: u64,
    block: &[u8],
) -> (Vec<String>, Vec<Duration>) {
    let next = Cell::new(1u32);
    let results = join_all(conns.iter_mut().map(|c| {
        let next = &next;
        async move {
            let mut done = Vec::new();
            loop {
                let number = next.get();
                if number > parts {
                    break;
                }
                next.set(number + 1);
                let t = Instant::now();
                let r = c
                    .send(
                        "PUT",
                        &format!("/{BUCKET}/{key}"),
                        &format!("partNumber={number}&uploadId={upload_id}"),
                        UNSIGNED_PAYLOAD,
                        Body::Repeat {
                            block,
                            len: part_len,
                        },
                        Keep::Body,
                    )
                    .await
                    .expect("UploadPart");
                assert_eq!(r.status, 200, "UploadPart {number}: {}", r.text());
                let etag = r.header("etag").expect("an ETag").to_owned();
                done.push((number, etag, t.elapsed()));
            }
            done
        }
    }))
    .await;
    let mut all: Vec<(u32, String, Duration)> = results.into_iter().flatten().collect();
    all.sort_by_key(|p| p.0);
    assert_eq!(all.len(), parts as usize);
    let latencies = all.iter().map(|p| p.2).collect();
    (all.into_iter().map(|p| p.1).collect(), latencies)
}

/// CompleteMultipartUpload with every part, in order; returns its latency.
async fn complete(conn: &mut Conn, key: &str, upload_id: &str, etags: &[String]) -> Duration {
    let mut xml = String::with_capacity(64 + etags.len() * 100);
    xml.push_str("<CompleteMultipartUpload>");
    for (i, etag) in etags.iter().enumerate() {
        xml.push_str(&format!(
            "<Part><PartNumber>{}</PartNumber><ETag>{etag}</ETag></Part>",
            i + 1
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    let hash = hex::encode(Sha256::digest(xml.as_bytes()));
    let t = Instant::now();
    let r = conn
        .send(
            "POST",
            &format!("/{BUCKET}/{key}"),
            &format!("uploadId={upload_id}"),
            &hash,
            Body::Bytes(xml.as_bytes()),
            Keep::Body,
        )
        .await
        .expect("CompleteMultipartUpload");
    let wall = t.elapsed();
    let text = r.text();
    assert!(
        r.status == 200 && !text.contains("<Error>"),
        "CompleteMultipartUpload: {} {text}",
        r.status
    );
    wall
}

/// HEAD: the object has `len` bytes and a multipart ETag of `parts` parts.
async fn verify(conn: &mut Conn, key: &str, len: u64, parts: u32) {
    let r = conn
        .send(
            "HEAD",
            &format!("/{BUCKET}/{key}"),
            "",
            EMPTY_SHA256,
            Body::Empty,
            Keep::Body,
        )
        .await
        .expect("HEAD");
    assert_eq!(r.status, 200, "HEAD after completion");
    assert_eq!(r.content_length, Some(len), "size of the completed object");
    let etag = r.header("etag").unwrap_or_default();
    assert!(
        etag.trim_matches('"').ends_with(&format!("-{parts}")),
        "multipart ETag expected, got {etag:?}"
    );
}

async fn delete(conn: &mut Conn, key: &str) {
    let r = conn
        .send(
            "DELETE",
            &format!("/{BUCKET}/{key}"),
            "",
            EMPTY_SHA256,
            Body::Empty,
            Keep::Body,
        )
        .await
        .expect("DELETE");
    assert_eq!(r.status, 204, "DELETE: {}", r.text());
}

/// GETs `len` bytes of `key` in `conns.len()` equal ranges at once (one whole GET with one
/// connection), discarding the bytes and checking their count.
async fn get_ranges(conns: &mut [Conn], key: &str, len: u64) {
    let n = conns.len() as u64;
    let piece = len.div_ceil(n);
    join_all(conns.iter_mut().enumerate().map(|(i, c)| async move {
        let start = i as u64 * piece;
        let end = (start + piece).min(len) - 1;
        let range = format!("bytes={start}-{end}");
        let headers: &[(&str, &str)] = if n == 1 { &[] } else { &[("range", &range)] };
        let r = c
            .send_with(
                "GET",
                &format!("/{BUCKET}/{key}"),
                "",
                EMPTY_SHA256,
                headers,
                Body::Empty,
                Keep::Count,
            )
            .await
            .expect("GET");
        assert_eq!(r.status, if n == 1 { 200 } else { 206 }, "GET status");
        assert_eq!(r.body_len, end + 1 - start, "GET length");
    }))
    .await;
}

/// 1 GiB (or `--size-mib` × 2) as 64 parts with 8 in flight: whole-upload MB/s, the Complete
/// latency, then GET with 1 client and 4 ranged clients.
pub async fn multipart(opts: &Opts) {
    let parts: u32 = 64;
    let part_len = opts.part_mib * MIB;
    let len = part_len * u64::from(parts);
    println!(
        "\n== multipart: {} MiB as {parts} parts of {} MiB, {IN_FLIGHT} in flight, {} samples",
        len >> 20,
        opts.part_mib,
        opts.reps
    );
    let server = opts.start_server();
    let pid = server_pid(server.data_dir());
    let block = rampart_e2e::pattern(BLOCK, 5);
    let mut conns = connect(server.port, IN_FLIGHT).await;
    create_bucket(&mut conns[0], BUCKET).await;
    let key = "mp-object";
    let mut upload = Row::new(
        format!(
            "multipart upload, {parts} × {} MiB, {IN_FLIGHT} in flight",
            opts.part_mib
        ),
        "MB/s",
    );
    let mut completion = Row::new(format!("  CompleteMultipartUpload, {parts} parts"), "ms");
    let perf = Perf::start(opts, "multipart-upload", pid);
    for rep in 0..opts.reps {
        if rep > 0 {
            delete(&mut conns[0], key).await;
        }
        let cpu = CpuMeter::start(pid);
        let t0 = Instant::now();
        let id = create(&mut conns[0], key).await;
        let (etags, latencies) = upload_parts(&mut conns, key, &id, parts, part_len, &block).await;
        let complete_cpu = CpuMeter::start(pid);
        let took = complete(&mut conns[0], key, &id, &etags).await;
        let wall = t0.elapsed();
        let (cpu, complete_cpu) = (cpu.stop(), complete_cpu.stop());
        upload.push(len as f64 / wall.as_secs_f64() / MB, cpu, wall);
        upload.push_latency(latencies);
        completion.push(took.as_secs_f64() * 1e3, complete_cpu, took);
        verify(&mut conns[0], key, len, parts).await;
    }
    perf.stop();
    let mut rows = vec![upload, completion];
    for clients in [1usize, 4] {
        let label = if clients == 1 {
            "GET, 1 client".to_owned()
        } else {
            format!("GET, {clients} clients, one range each")
        };
        let mut row = Row::new(label, "MB/s");
        let perf = Perf::start(opts, &format!("multipart-get-{clients}"), pid);
        for _ in 0..opts.reps {
            let cpu = CpuMeter::start(pid);
            let t0 = Instant::now();
            get_ranges(&mut conns[..clients], key, len).await;
            let wall = t0.elapsed();
            row.push(len as f64 / wall.as_secs_f64() / MB, cpu.stop(), wall);
        }
        perf.stop();
        rows.push(row);
    }
    print_table(
        &format!("Multipart upload, {} MiB in {parts} parts", len >> 20),
        &rows,
    );
}

/// Allocated bytes (st_blocks) and regular files under `dir`.
fn disk_usage(dir: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let (mut bytes, mut files) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                bytes += meta.blocks() * 512;
                files += 1;
            }
        }
    }
    (bytes, files)
}

/// Free bytes on the file system holding `dir` (`df`), if it can be read.
fn free_bytes(dir: &Path) -> Option<u64> {
    let out = std::process::Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)?
        .trim()
        .parse()
        .ok()
}

/// An upload of `--complete-parts` parts of 5 MiB (8 in flight), then CompleteMultipartUpload
/// timed alone, with the data directory's allocated bytes before and after it.
pub async fn complete_many(opts: &Opts) {
    let mut parts = opts.complete_parts;
    let server = opts.start_server();
    // Keep 4 GiB free for everyone else on the disk; fewer parts if that does not fit.
    let reserve = 4u64 << 30;
    if let Some(free) = free_bytes(server.data_dir()) {
        let fits = free.saturating_sub(reserve) / MIN_PART;
        if fits < u64::from(parts) {
            println!(
                "  only {} GiB free: {fits} parts instead of {parts}",
                free >> 30
            );
            parts = u32::try_from(fits).unwrap_or(u32::MAX).max(2);
        }
    }
    let len = MIN_PART * u64::from(parts);
    println!(
        "\n== complete{parts}: {parts} parts of 5 MiB ({:.2} GiB), {IN_FLIGHT} in flight, {} samples",
        len as f64 / (1u64 << 30) as f64,
        opts.reps
    );
    let pid = server_pid(server.data_dir());
    let block = rampart_e2e::pattern(BLOCK, 6);
    let mut conns = connect(server.port, IN_FLIGHT).await;
    create_bucket(&mut conns[0], BUCKET).await;
    let key = "many-parts";
    let mut upload = Row::new(
        format!("upload of {parts} parts × 5 MiB (parts only)"),
        "MB/s",
    );
    let mut completion = Row::new(format!("CompleteMultipartUpload, {parts} parts"), "ms");
    let mut growth = Row::new("  data dir growth across Complete", "MiB");
    for rep in 0..opts.reps {
        if rep > 0 {
            delete(&mut conns[0], key).await;
        }
        let id = create(&mut conns[0], key).await;
        let cpu = CpuMeter::start(pid);
        let t0 = Instant::now();
        let (etags, latencies) = upload_parts(&mut conns, key, &id, parts, MIN_PART, &block).await;
        let wall = t0.elapsed();
        upload.push(len as f64 / wall.as_secs_f64() / MB, cpu.stop(), wall);
        upload.push_latency(latencies);

        let before = disk_usage(server.data_dir());
        let perf = Perf::start(opts, &format!("complete{parts}-{rep}"), pid);
        let cpu = CpuMeter::start(pid);
        let took = complete(&mut conns[0], key, &id, &etags).await;
        let cpu = cpu.stop();
        perf.stop();
        let after = disk_usage(server.data_dir());
        completion.push(took.as_secs_f64() * 1e3, cpu, took);
        let delta = (after.0 as f64 - before.0 as f64) / MIB as f64;
        growth.push(delta, (0.0, 0.0), took);
        println!(
            "  data dir: {:.1} MiB in {} files before Complete, {:.1} MiB in {} files after \
             ({:.2} GiB of parts)",
            before.0 as f64 / MIB as f64,
            before.1,
            after.0 as f64 / MIB as f64,
            after.1,
            len as f64 / (1u64 << 30) as f64
        );
        verify(&mut conns[0], key, len, parts).await;
        // A copy of the parts would at least double the blob bytes.
        assert!(
            (after.0 as f64) < before.0 as f64 * 1.1,
            "completion grew the data directory from {} to {} bytes",
            before.0,
            after.0
        );
    }
    delete(&mut conns[0], key).await;
    print_table(
        &format!("Completing an upload of {parts} parts of 5 MiB"),
        &[upload, completion, growth],
    );
}
