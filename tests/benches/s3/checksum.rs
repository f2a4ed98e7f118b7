//! Flexible checksums on a large single-stream PUT: no checksum (the server still computes and
//! stores a CRC64NVME), CRC64NVME and SHA-256 as aws-chunked trailers
//! (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`, what the AWS SDKs send by default), and CRC32 as a
//! header. The variants are interleaved within each repetition, so every ratio compares PUTs
//! made a few seconds apart.

use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

use crate::client::{Body, Conn, EMPTY_SHA256, Keep, UNSIGNED_PAYLOAD};
use crate::procfs::{CpuMeter, Perf, server_pid};
use crate::report::{Row, median, print_table};
use crate::{Opts, connect, create_bucket};

const BUCKET: &str = "bench-checksum";
const BLOCK: usize = 1 << 20;
const MB: f64 = 1e6;
const STREAMING_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    None,
    Crc64Trailer,
    Crc32Header,
    Sha256Trailer,
}

impl Variant {
    const ALL: [Self; 4] = [
        Self::None,
        Self::Crc64Trailer,
        Self::Crc32Header,
        Self::Sha256Trailer,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::None => "PUT UNSIGNED-PAYLOAD, no checksum",
            Self::Crc64Trailer => "PUT CRC64NVME trailer (aws-chunked)",
            Self::Crc32Header => "PUT UNSIGNED-PAYLOAD, CRC32 header",
            Self::Sha256Trailer => "PUT SHA256 trailer (aws-chunked)",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Self::None => "put-none",
            Self::Crc64Trailer => "put-crc64nvme-trailer",
            Self::Crc32Header => "put-crc32-header",
            Self::Sha256Trailer => "put-sha256-trailer",
        }
    }

    /// The checksum header (or trailer) name.
    fn header(self) -> &'static str {
        match self {
            Self::None | Self::Crc64Trailer => "x-amz-checksum-crc64nvme",
            Self::Crc32Header => "x-amz-checksum-crc32",
            Self::Sha256Trailer => "x-amz-checksum-sha256",
        }
    }
}

/// The body's checksums (base64, as S3 sends them), computed before the clock starts.
struct Checksums {
    crc64nvme: String,
    crc32: String,
    sha256: String,
}

/// Feeds `block` repeated to `len` bytes to `update`; returns the single-core rate in GB/s.
fn feed(block: &[u8], len: u64, mut update: impl FnMut(&[u8])) -> f64 {
    let t0 = Instant::now();
    let mut left = len;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        update(&block[..n]);
        left -= n as u64;
    }
    len as f64 / t0.elapsed().as_secs_f64() / 1e9
}

/// The checksums of `block` repeated to `len` bytes; with `report`, prints how fast one core
/// of this machine computes each (and MD5, the ETag, with the `md-5` crate; the server uses
/// OpenSSL's assembly MD5), as a reference for what each costs the server.
fn checksums(block: &[u8], len: u64, report: bool) -> Checksums {
    use crc_fast::{CrcAlgorithm, Digest as Crc};
    let mut crc64 = Crc::new(CrcAlgorithm::Crc64Nvme);
    let mut crc32 = Crc::new(CrcAlgorithm::Crc32IsoHdlc);
    let mut sha = Sha256::new();
    let mut md5 = md5::Md5::new();
    let rates = [
        ("CRC64NVME", feed(block, len, |b| crc64.update(b))),
        ("CRC32", feed(block, len, |b| crc32.update(b))),
        ("SHA-256", feed(block, len, |b| sha.update(b))),
        ("MD5 (md-5 crate)", feed(block, len, |b| md5.update(b))),
    ];
    if report {
        let rates: Vec<String> = rates
            .iter()
            .map(|(name, gbs)| format!("{name} {gbs:.2} GB/s"))
            .collect();
        println!("  one core of this machine: {}", rates.join(", "));
    }
    let crc32 = u32::try_from(crc32.finalize() & 0xFFFF_FFFF).unwrap_or_default();
    Checksums {
        crc64nvme: BASE64.encode(crc64.finalize().to_be_bytes()),
        crc32: BASE64.encode(crc32.to_be_bytes()),
        sha256: BASE64.encode(sha.finalize()),
    }
}

/// Unsigned aws-chunked framing of `data` in chunks of `chunk` bytes (no final chunk).
fn frame(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + (data.len() / chunk + 1) * 12);
    for piece in data.chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// An aws-chunked body of `block` repeated to `len` bytes, as a few pieces sent in order:
/// the framed block (the same bytes for every whole block, as `chunk` divides it), the framed
/// remainder, then the final chunk with its trailer.
struct Framed {
    whole: Vec<u8>,
    whole_times: u64,
    rest: Vec<u8>,
    end: Vec<u8>,
}

impl Framed {
    fn new(block: &[u8], len: u64, chunk: usize, trailer: (&str, &str)) -> Self {
        assert!(
            block.len().is_multiple_of(chunk),
            "--chunk-kib must divide 1024"
        );
        let rest = (len % block.len() as u64) as usize;
        Self {
            whole: frame(block, chunk),
            whole_times: len / block.len() as u64,
            rest: frame(&block[..rest], chunk),
            end: format!("0\r\n{}:{}\r\n\r\n", trailer.0, trailer.1).into_bytes(),
        }
    }

    fn segments(&self) -> [(&[u8], u64); 3] {
        [
            (&self.whole, self.whole_times),
            (&self.rest, 1),
            (&self.end, 1),
        ]
    }
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

/// HEAD with `x-amz-checksum-mode: ENABLED`: the object stores the CRC64NVME `expected`
/// (computed by the server, as the PUT sent no checksum).
async fn stored_checksum(conn: &mut Conn, key: &str, expected: &str) {
    let r = conn
        .send_with(
            "HEAD",
            &format!("/{BUCKET}/{key}"),
            "",
            EMPTY_SHA256,
            &[("x-amz-checksum-mode", "ENABLED")],
            Body::Empty,
            Keep::Body,
        )
        .await
        .expect("HEAD");
    assert_eq!(r.status, 200, "HEAD");
    let stored = r.header("x-amz-checksum-crc64nvme");
    println!("  stored with the PUT without a checksum: x-amz-checksum-crc64nvme {stored:?}");
    assert_eq!(stored, Some(expected), "the CRC64NVME stored by the server");
}

/// One PUT of `len` bytes in `variant`; checks the checksum the server answers with (and
/// prints it, when `warm_up`).
#[allow(clippy::too_many_arguments)]
async fn put(
    conn: &mut Conn,
    variant: Variant,
    key: &str,
    block: &[u8],
    len: u64,
    sums: &Checksums,
    framed: (&Framed, &Framed),
    warm_up: bool,
) -> std::time::Duration {
    let decoded = len.to_string();
    let path = format!("/{BUCKET}/{key}");
    let expected = match variant {
        Variant::None | Variant::Crc64Trailer => &sums.crc64nvme,
        Variant::Crc32Header => &sums.crc32,
        Variant::Sha256Trailer => &sums.sha256,
    };
    let crc32 = [("x-amz-checksum-crc32", sums.crc32.as_str())];
    let trailer = |name: &'static str| {
        [
            ("content-encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", decoded.as_str()),
            ("x-amz-trailer", name),
        ]
    };
    let (crc64_headers, sha_headers) = (
        trailer("x-amz-checksum-crc64nvme"),
        trailer("x-amz-checksum-sha256"),
    );
    let (crc64_body, sha_body) = (framed.0.segments(), framed.1.segments());
    let repeat = Body::Repeat { block, len };
    let (hash, headers, body): (&str, &[(&str, &str)], Body<'_>) = match variant {
        Variant::None => (UNSIGNED_PAYLOAD, &[], repeat),
        Variant::Crc32Header => (UNSIGNED_PAYLOAD, &crc32, repeat),
        Variant::Crc64Trailer => (
            STREAMING_TRAILER,
            &crc64_headers,
            Body::Segments(&crc64_body),
        ),
        Variant::Sha256Trailer => (STREAMING_TRAILER, &sha_headers, Body::Segments(&sha_body)),
    };
    let r = conn
        .send_with("PUT", &path, "", hash, headers, body, Keep::Body)
        .await
        .expect("PUT");
    assert_eq!(r.status, 200, "{}: {}", variant.label(), r.text());
    // With no checksum sent, S3 (and we) answer with the CRC64NVME computed server-side.
    if let Some(answered) = r.header(variant.header()) {
        assert_eq!(answered, expected, "{}: checksum answered", variant.label());
    }
    if warm_up {
        println!(
            "  {}: the server answered {}: {}",
            variant.label(),
            variant.header(),
            r.header(variant.header()).unwrap_or("(none)")
        );
    }
    r.sent_at.elapsed()
}

/// `--size-mib` PUTs with 1 client in each variant, interleaved, `--reps` rounds.
pub async fn checksums_put(opts: &Opts) {
    let len = opts.size_mib << 20;
    let chunk = opts.chunk_kib << 10;
    println!(
        "\n== checksums: {} MiB PUT, 1 client, aws-chunked chunks of {} KiB, {} rounds",
        opts.size_mib, opts.chunk_kib, opts.reps
    );
    let block = rampart_e2e::pattern(BLOCK, 7);
    let sums = checksums(&block, len, true);
    let crc64 = Framed::new(
        &block,
        len,
        chunk,
        ("x-amz-checksum-crc64nvme", &sums.crc64nvme),
    );
    let sha = Framed::new(&block, len, chunk, ("x-amz-checksum-sha256", &sums.sha256));
    let server = opts.start_server();
    let pid = server_pid(server.data_dir());
    let mut conns = connect(server.port, 1).await;
    let conn = &mut conns[0];
    create_bucket(conn, BUCKET).await;
    // Warm-up: every variant once, small.
    let small = 4 * BLOCK as u64;
    let small_sums = checksums(&block, small, false);
    let c = Framed::new(
        &block,
        small,
        chunk,
        ("x-amz-checksum-crc64nvme", &small_sums.crc64nvme),
    );
    let s = Framed::new(
        &block,
        small,
        chunk,
        ("x-amz-checksum-sha256", &small_sums.sha256),
    );
    for v in Variant::ALL {
        put(
            conn,
            v,
            "warm-up",
            &block,
            small,
            &small_sums,
            (&c, &s),
            true,
        )
        .await;
        if v == Variant::None {
            stored_checksum(conn, "warm-up", &small_sums.crc64nvme).await;
        }
    }
    let mut rows: Vec<(Row, Row)> = Variant::ALL
        .iter()
        .map(|v| {
            (
                Row::new(format!("{}, 1 client", v.label()), "MB/s"),
                Row::new("  of which: wait after the last byte", "ms"),
            )
        })
        .collect();
    let mut ratios: Vec<Row> = Variant::ALL[1..]
        .iter()
        .map(|v| Row::new(format!("{} / no checksum", v.label()), "%"))
        .collect();
    for rep in 0..opts.reps {
        let mut rates = Vec::new();
        for (i, v) in Variant::ALL.into_iter().enumerate() {
            let key = format!("obj-{}", v.tag());
            if rep > 0 {
                delete(conn, &key).await;
            }
            let perf = Perf::start(opts, &format!("{}-{rep}", v.tag()), pid);
            let cpu = CpuMeter::start(pid);
            let t0 = Instant::now();
            let tail = put(conn, v, &key, &block, len, &sums, (&crc64, &sha), false).await;
            let wall = t0.elapsed();
            let cpu = cpu.stop();
            perf.stop();
            let rate = len as f64 / wall.as_secs_f64() / MB;
            rows[i].0.push(rate, cpu, wall);
            rows[i].1.push(tail.as_secs_f64() * 1e3, cpu, wall);
            rates.push(rate);
        }
        for (i, row) in ratios.iter_mut().enumerate() {
            let ratio = 100.0 * rates[i + 1] / rates[0];
            println!("  {:<44} {ratio:>12.1} %", row.name);
            row.samples.push(ratio);
        }
    }
    let mut table: Vec<Row> = rows.into_iter().flat_map(|(a, b)| [a, b]).collect();
    table.extend(ratios);
    print_table(
        &format!("Checksums, {} MiB PUT, 1 client", opts.size_mib),
        &table,
    );
    let crc = median(&table[table.len() - 3].samples);
    println!(
        "\nCRC64NVME trailer PUT at {crc:.0}% of the PUT without a checksum (requirement: ≥ 80%): {}",
        if crc >= 80.0 {
            "holds"
        } else {
            "does not hold"
        }
    );
}
