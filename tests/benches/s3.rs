//! S3 server benchmark: starts the release `rampart` binary (target/release/rampart, or
//! `RAMPART_BIN`) on an ephemeral port and drives it over raw HTTP/1.1 keep-alive connections
//! signed with `rampart_sigv4`. See docs/PERFORMANCE.md, "S3 server benchmark".
//!
//! ```text
//! cargo build --release -p rampart && cargo bench -p rampart-e2e --bench s3 -- [options]
//! ```
//!
//! Options: see `USAGE` below, or pass `-- --help`.

#[path = "s3/checksum.rs"]
mod checksum;
#[path = "s3/client.rs"]
mod client;
#[path = "s3/large.rs"]
mod large;
#[path = "s3/multipart.rs"]
mod multipart;
#[path = "s3/procfs.rs"]
mod procfs;
#[path = "s3/report.rs"]
mod report;
#[path = "s3/small.rs"]
mod small;

use std::path::PathBuf;

use client::{Body, Conn, EMPTY_SHA256, Keep};
use rampart_e2e::{Server, ServerOptions};

const USAGE: &str = "\
cargo build --release -p rampart && cargo bench -p rampart-e2e --bench s3 -- [options]
  --quick               small sizes and short phases (a smoke run of every scenario)
  --only a,b            scenarios: large, small, list, memory, multipart, complete1000,
                        checksum (default: all)
  --size-mib N          large-object size, also of the checksum PUTs (default 512)
  --part-mib N          multipart: part size of the 64-part upload (default 16, >= 5)
  --complete-parts N    complete1000: parts of 5 MiB in the upload whose completion is timed
                        (default 1000; fewer if the disk lacks room)
  --chunk-kib N         checksum: aws-chunked chunk size, a divisor of 1024 (default 64, the
                        AWS SDK for Rust's minimum)
  --reps N              samples per figure (default 3)
  --secs S              length of each small-object phase (default 5)
  --keys N              keys for the listing scenario (default 100000)
  --mem-mib N           object size of the memory scenario (default 2048)
  --server-log FILTER   the server's RUST_LOG (default \"info\", as the harness and config)
  --meta redb|sled      metadata backend (default: the server's default)
  --perf DIR            record a cpu-clock profile of the server for each phase into DIR
  --perf-graph          with --perf: DWARF call graphs (for `perf report --children`)
  --no-encryption       serve without encryption at rest (to compare with SSE-S3, the default)
  --recording           access logging on the benchmark buckets and the audit trail (the
                        default runs with both off)
  --audit-data-events   with --recording: S3 object-level events in the audit trail too";

const SCENARIOS: [&str; 7] = [
    "large",
    "small",
    "list",
    "memory",
    "multipart",
    "complete1000",
    "checksum",
];

pub struct Opts {
    pub only: Vec<String>,
    pub size_mib: u64,
    pub reps: usize,
    pub secs: f64,
    pub keys: usize,
    pub mem_mib: u64,
    pub part_mib: u64,
    pub complete_parts: u32,
    pub chunk_kib: usize,
    pub server_log: String,
    pub meta: Option<String>,
    pub perf: Option<PathBuf>,
    pub perf_graph: bool,
    /// Serve without encryption at rest (`[encryption] by_default = false`), to measure SSE-S3.
    pub plain: bool,
    /// Record requests: server access logging on the benchmark buckets and the audit trail
    /// with data events. Without it, the audit trail is off too (the baseline).
    pub recording: bool,
    /// With `recording`: S3 data events in the audit trail too.
    pub data_events: bool,
}

impl Opts {
    fn parse() -> Self {
        let mut o = Self {
            only: Vec::new(),
            size_mib: 512,
            reps: 3,
            secs: 5.0,
            keys: 100_000,
            mem_mib: 2048,
            part_mib: 16,
            complete_parts: 1000,
            chunk_kib: 64,
            server_log: "info".into(),
            meta: None,
            perf: None,
            perf_graph: false,
            plain: false,
            recording: false,
            data_events: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .unwrap_or_else(|| panic!("{name} needs a value"))
            };
            match arg.as_str() {
                // `cargo bench` passes --bench to harness-less benches.
                "--bench" => {}
                "--help" | "-h" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                "--quick" => {
                    o.size_mib = 64;
                    o.secs = 1.0;
                    o.keys = 10_000;
                    o.mem_mib = 256;
                    o.part_mib = 5;
                    o.complete_parts = 100;
                }
                "--only" => o.only = value("--only").split(',').map(str::to_owned).collect(),
                "--size-mib" => o.size_mib = value("--size-mib").parse().expect("a number"),
                "--reps" => o.reps = value("--reps").parse().expect("a number"),
                "--secs" => o.secs = value("--secs").parse().expect("a number"),
                "--keys" => o.keys = value("--keys").parse().expect("a number"),
                "--mem-mib" => o.mem_mib = value("--mem-mib").parse().expect("a number"),
                "--part-mib" => o.part_mib = value("--part-mib").parse().expect("a number"),
                "--complete-parts" => {
                    o.complete_parts = value("--complete-parts").parse().expect("a number");
                }
                "--chunk-kib" => o.chunk_kib = value("--chunk-kib").parse().expect("a number"),
                "--server-log" => o.server_log = value("--server-log"),
                "--meta" => o.meta = Some(value("--meta")),
                "--perf" => o.perf = Some(PathBuf::from(value("--perf"))),
                "--perf-graph" => o.perf_graph = true,
                "--no-encryption" => o.plain = true,
                "--recording" => o.recording = true,
                "--audit-data-events" => o.data_events = true,
                other => panic!("unknown argument {other:?}\n{USAGE}"),
            }
        }
        for s in &o.only {
            assert!(
                SCENARIOS.contains(&s.as_str()),
                "unknown scenario {s:?}\n{USAGE}"
            );
        }
        o
    }

    fn wants(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == scenario)
    }

    pub fn start_server(&self) -> Server {
        let mut toml = String::new();
        if self.plain {
            toml.push_str("[encryption]\nby_default = false\n");
        }
        if self.recording {
            toml.push_str(&format!(
                "[audit]\ndata_events = {}\n[access_log]\nflush_secs = 60\n",
                self.data_events
            ));
        } else {
            toml.push_str("[audit]\nenabled = false\n");
        }
        Server::start_with(ServerOptions {
            meta: self.meta.clone(),
            env: vec![("RUST_LOG".into(), self.server_log.clone())],
            config_toml: Some(toml),
            ..ServerOptions::default()
        })
    }

    /// With `--recording`: turns server access logging on for `bucket`, into a bucket of its
    /// own that lets the logging service write.
    pub fn enable_access_logging(&self, server: &Server, bucket: &str) {
        if !self.recording {
            return;
        }
        let target = format!("{bucket}-logs");
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"logging.s3.amazonaws.com"}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::{target}/*"}}]}}"#
        );
        let status =
            format!(r#"{{"LoggingEnabled":{{"TargetBucket":"{target}","TargetPrefix":"log/"}}}}"#);
        for args in [
            vec!["s3api", "create-bucket", "--bucket", &target],
            vec![
                "s3api",
                "put-bucket-policy",
                "--bucket",
                &target,
                "--policy",
                &policy,
            ],
            vec![
                "s3api",
                "put-bucket-logging",
                "--bucket",
                bucket,
                "--bucket-logging-status",
                &status,
            ],
        ] {
            let out = server.aws(&args);
            assert!(
                out.status.success(),
                "aws {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

pub async fn connect(port: u16, n: usize) -> Vec<Conn> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        conns.push(Conn::connect(port).await.expect("connect to the server"));
    }
    conns
}

pub async fn create_bucket(conn: &mut Conn, bucket: &str) {
    let r = conn
        .send(
            "PUT",
            &format!("/{bucket}"),
            "",
            EMPTY_SHA256,
            Body::Empty,
            Keep::Body,
        )
        .await
        .expect("CreateBucket");
    assert_eq!(r.status, 200, "CreateBucket: {}", r.text());
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let opts = Opts::parse();
    println!(
        "rampart S3 benchmark: server {}, load average {}",
        rampart_e2e::binary().display(),
        load_average()
    );
    // One thread for the whole client: it cannot take more than one of the two cores.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        if opts.wants("large") {
            large::throughput(&opts).await;
            println!("load average {}", load_average());
        }
        if opts.wants("small") {
            small::small_objects(&opts).await;
            println!("load average {}", load_average());
        }
        if opts.wants("list") {
            small::listing(&opts).await;
            println!("load average {}", load_average());
        }
        if opts.wants("memory") {
            large::memory(&opts).await;
            println!("load average {}", load_average());
        }
        if opts.wants("multipart") {
            multipart::multipart(&opts).await;
            println!("load average {}", load_average());
        }
        if opts.wants("complete1000") {
            multipart::complete_many(&opts).await;
            println!("load average {}", load_average());
        }
        if opts.wants("checksum") {
            checksum::checksums_put(&opts).await;
            println!("load average {}", load_average());
        }
    });
}
