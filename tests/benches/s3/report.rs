//! Samples, their ranges, and the printed table.

use std::time::Duration;

/// One measured figure: a sample per repetition, with the CPU each side used meanwhile.
pub struct Row {
    pub name: String,
    pub unit: &'static str,
    pub samples: Vec<f64>,
    /// Server CPU seconds per wall second (cores busy), per sample.
    pub server_cores: Vec<f64>,
    /// The benchmark's own CPU seconds per wall second, per sample.
    pub client_cores: Vec<f64>,
    /// Per-request latency percentiles in ms (p50, p99), per sample, where measured.
    pub latency: Vec<(f64, f64)>,
}

impl Row {
    pub fn new(name: impl Into<String>, unit: &'static str) -> Self {
        Self {
            name: name.into(),
            unit,
            samples: Vec::new(),
            server_cores: Vec::new(),
            client_cores: Vec::new(),
            latency: Vec::new(),
        }
    }

    /// Records one sample taken over `wall` with `cpu` = (server, client) CPU seconds.
    pub fn push(&mut self, value: f64, cpu: (f64, f64), wall: Duration) {
        let wall = wall.as_secs_f64().max(1e-9);
        self.samples.push(value);
        self.server_cores.push(cpu.0 / wall);
        self.client_cores.push(cpu.1 / wall);
        println!(
            "  {:<44} {:>12} {:<6} (server {:.2} cores, bench {:.2}, {:.2} s)",
            self.name,
            fmt_num(value),
            self.unit,
            cpu.0 / wall,
            cpu.1 / wall,
            wall
        );
    }

    /// Records the latency percentiles of the last sample, from per-request durations.
    pub fn push_latency(&mut self, mut durations: Vec<Duration>) {
        if durations.is_empty() {
            return;
        }
        durations.sort_unstable();
        let at = |q: f64| {
            let i = ((durations.len() - 1) as f64 * q).round() as usize;
            durations[i].as_secs_f64() * 1000.0
        };
        let (p50, p99) = (at(0.50), at(0.99));
        println!("  {:<44} p50 {p50:.3} ms, p99 {p99:.3} ms", "");
        self.latency.push((p50, p99));
    }
}

pub fn fmt_num(v: f64) -> String {
    if v >= 100.0 {
        group_thousands(v.round() as u64)
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn range(values: &[f64], fmt: impl Fn(f64) -> String) -> String {
    if values.is_empty() {
        return "-".into();
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if fmt(min) == fmt(max) {
        fmt(min)
    } else {
        format!("{}–{}", fmt(min), fmt(max))
    }
}

pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Prints the rows as a Markdown table: ranges are min–max over the samples.
pub fn print_table(title: &str, rows: &[Row]) {
    println!("\n### {title}\n");
    println!(
        "| measure | median | range (min–max) | n | server cores | server CPU per unit | bench cores | p50 / p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows {
        let latency = if row.latency.is_empty() {
            "-".to_owned()
        } else {
            let p50: Vec<f64> = row.latency.iter().map(|l| l.0).collect();
            let p99: Vec<f64> = row.latency.iter().map(|l| l.1).collect();
            let ms = |v: f64| format!("{v:.2}");
            format!("{} / {}", range(&p50, ms), range(&p99, ms))
        };
        let cores = |v: f64| format!("{v:.2}");
        println!(
            "| {} | {} {} | {} | {} | {} | {} | {} | {} |",
            row.name,
            fmt_num(median(&row.samples)),
            row.unit,
            range(&row.samples, fmt_num),
            row.samples.len(),
            range(&row.server_cores, cores),
            cpu_per_unit(row),
            range(&row.client_cores, cores),
            latency
        );
    }
}

/// Server CPU time per unit of work, per sample: CPU-seconds per GB for throughputs, CPU-µs
/// per operation (or key) for rates. Less sensitive to the machine's other load than the rates.
fn cpu_per_unit(row: &Row) -> String {
    let (scale, unit) = match row.unit {
        "MB/s" => (1e3, "CPU-s/GB"),
        "ops/s" => (1e6, "CPU-µs/op"),
        "keys/s" => (1e6, "CPU-µs/key"),
        _ => return "-".into(),
    };
    let per: Vec<f64> = row
        .samples
        .iter()
        .zip(&row.server_cores)
        .map(|(v, cores)| cores / v * scale)
        .collect();
    format!("{} {unit}", range(&per, fmt_num))
}
