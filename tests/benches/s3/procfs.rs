//! What /proc says about the server and about the benchmark itself: CPU time, resident memory,
//! and the server's process id.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

/// The pid of the `rampart serve` process using `data_dir` (the harness keeps the `Child`
/// private, so it is found by its command line).
pub fn server_pid(data_dir: &Path) -> u32 {
    let wanted = data_dir.join("data");
    let wanted = wanted.to_string_lossy();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.iter().any(|a| a == "serve") && args.iter().any(|a| *a == wanted) {
            found.push(pid);
        }
    }
    assert_eq!(
        found.len(),
        1,
        "expected one server process for {wanted}, found {found:?}"
    );
    found[0]
}

/// User + system CPU seconds of a process (`self` for this one).
pub fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name is in parentheses and may contain spaces: count fields after it.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / TICKS_PER_SEC
}

/// A `VmXxx:` line of /proc/<pid>/status, in KiB.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// CPU seconds used by the server and by this benchmark over an interval.
pub struct CpuMeter {
    server: String,
    server0: f64,
    client0: f64,
}

impl CpuMeter {
    pub fn start(server_pid: u32) -> Self {
        let server = server_pid.to_string();
        Self {
            server0: cpu_secs(&server),
            client0: cpu_secs("self"),
            server,
        }
    }

    /// (server, client) CPU seconds since `start`.
    pub fn stop(&self) -> (f64, f64) {
        (
            cpu_secs(&self.server) - self.server0,
            cpu_secs("self") - self.client0,
        )
    }
}

/// Samples a process's VmRSS every few milliseconds on a thread of its own, recording the
/// highest value and its timeline (to see which phase of a request the memory belongs to).
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<(f64, u64)>>>,
}

impl RssSampler {
    pub fn start(pid: u32, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let t0 = std::time::Instant::now();
            let mut samples = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                samples.push((t0.elapsed().as_secs_f64(), status_kib(pid, "VmRSS")));
                std::thread::sleep(every);
            }
            samples
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// The samples: (seconds since start, VmRSS KiB).
    pub fn stop(mut self) -> Vec<(f64, u64)> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

/// `perf record` attached to the server for the duration of one phase, when asked for
/// (`--perf DIR`): a cpu-clock profile (hardware counters are not available in this VM), flat,
/// or with DWARF call graphs (`--perf-graph`: heavier, so at a lower rate).
pub struct Perf(Option<Child>);

impl Perf {
    pub fn start(opts: &crate::Opts, name: &str, pid: u32) -> Self {
        let Some(dir) = opts.perf.as_deref() else {
            return Self(None);
        };
        std::fs::create_dir_all(dir).expect("create the perf output directory");
        let out = dir.join(format!("{name}.data"));
        let mode: &[&str] = if opts.perf_graph {
            &["-F", "499", "--call-graph", "dwarf,32768"]
        } else {
            &["-F", "1999"]
        };
        let child = Command::new("perf")
            .args(["record", "-q", "-e", "cpu-clock"])
            .args(mode)
            .arg("-p")
            .arg(pid.to_string())
            .arg("-o")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match child {
            Ok(child) => {
                // perf needs a moment to attach before the phase starts.
                std::thread::sleep(Duration::from_millis(500));
                println!("  (perf recording to {})", out.display());
                Self(Some(child))
            }
            Err(e) => {
                eprintln!("cannot run perf ({e}); continuing without a profile");
                Self(None)
            }
        }
    }

    pub fn stop(mut self) {
        if let Some(mut child) = self.0.take() {
            // SIGINT makes perf write its file and exit.
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}
