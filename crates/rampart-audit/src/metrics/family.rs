//! A metric family: its name, help, type, label names, and one cell per label set, encoded in
//! Prometheus' text exposition format 0.0.4.
//!
//! Written by hand rather than with a client crate: the format is small, and the hot path (a
//! map lookup under a read lock, then atomic adds) stays visible and allocation-free.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

/// The `# TYPE` of a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// What one series holds, and how it prints itself.
pub(crate) trait Cell: Default + Send + Sync {
    const KIND: Kind;
    /// Appends this series' sample line(s); `labels` is the already-escaped `a="x",b="y"`
    /// (empty when the family has no labels).
    fn encode(&self, name: &str, labels: &str, out: &mut String);
}

/// A monotonically increasing count.
#[derive(Default, Debug)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    pub(crate) fn add(&self, n: u64) {
        // Relaxed: each counter is independent; readers only need an eventually exact total.
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Cell for Counter {
    const KIND: Kind = Kind::Counter;
    fn encode(&self, name: &str, labels: &str, out: &mut String) {
        sample(out, name, "", labels, None, &self.get().to_string());
    }
}

/// A value that goes up and down, stored as an `f64`'s bits so that it can hold both integer
/// levels (connections, bytes) and fractions (seconds of lag).
#[derive(Default, Debug)]
pub(crate) struct Gauge(AtomicU64);

impl Gauge {
    pub(crate) fn set(&self, v: f64) {
        self.0.store(v.to_bits(), Ordering::Relaxed);
    }

    pub(crate) fn add(&self, delta: f64) {
        // A compare-and-swap loop: there is no atomic float add. Only connection open/close
        // uses it, not the per-request path.
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + delta).to_bits())
            });
    }

    pub(crate) fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

impl Cell for Gauge {
    const KIND: Kind = Kind::Gauge;
    fn encode(&self, name: &str, labels: &str, out: &mut String) {
        sample(out, name, "", labels, None, &format_float(self.get()));
    }
}

/// Request latency bucket bounds, in milliseconds (the unit `RequestFacts` measures in, so that
/// comparisons are exact integers). From a small GET on a local disk (about a millisecond) to a
/// multi-gigabyte transfer on a slow link (a minute); anything longer lands in `+Inf`.
pub(crate) const LATENCY_BUCKETS_MS: [u64; 14] = [
    1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
];

const SLOTS: usize = LATENCY_BUCKETS_MS.len() + 1;

/// A latency histogram over [`LATENCY_BUCKETS_MS`].
#[derive(Debug)]
pub(crate) struct Histogram {
    /// Per-bucket (not cumulative) counts; the last slot is "above every bound". Cumulating at
    /// render time keeps `_count` equal to the `+Inf` bucket even while observations race.
    slots: [AtomicU64; SLOTS],
    /// Exact: the inputs are whole milliseconds.
    sum_ms: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            slots: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_ms: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    pub(crate) fn observe_ms(&self, ms: u64) {
        let slot = LATENCY_BUCKETS_MS.partition_point(|&bound| bound < ms);
        self.slots[slot].fetch_add(1, Ordering::Relaxed);
        self.sum_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

impl Cell for Histogram {
    const KIND: Kind = Kind::Histogram;
    fn encode(&self, name: &str, labels: &str, out: &mut String) {
        let mut cumulative = 0u64;
        for (i, slot) in self.slots.iter().enumerate() {
            cumulative += slot.load(Ordering::Relaxed);
            let le = match LATENCY_BUCKETS_MS.get(i) {
                Some(&ms) => format_float(ms as f64 / 1000.0),
                None => "+Inf".to_owned(),
            };
            sample(
                out,
                name,
                "_bucket",
                labels,
                Some(&le),
                &cumulative.to_string(),
            );
        }
        let sum = self.sum_ms.load(Ordering::Relaxed) as f64 / 1000.0;
        sample(out, name, "_sum", labels, None, &format_float(sum));
        sample(out, name, "_count", labels, None, &cumulative.to_string());
    }
}

/// Writes one sample line: `name suffix {labels[,le="…"]} value`.
fn sample(out: &mut String, name: &str, suffix: &str, labels: &str, le: Option<&str>, v: &str) {
    out.push_str(name);
    out.push_str(suffix);
    if !labels.is_empty() || le.is_some() {
        out.push('{');
        out.push_str(labels);
        if let Some(le) = le {
            if !labels.is_empty() {
                out.push(',');
            }
            let _ = write!(out, "le=\"{le}\"");
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(v);
    out.push('\n');
}

/// Prometheus spells the non-finite values `NaN`, `+Inf`, `-Inf`; Rust's `Display` otherwise
/// gives the shortest exact form (`1`, `0.001`, `2.5`), which Prometheus parses.
pub(crate) fn format_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v == f64::INFINITY {
        "+Inf".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        v.to_string()
    }
}

/// Label values in the format's escaping: backslash, double quote and line feed.
pub(crate) fn escape_label_value(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// `# HELP` text escapes only backslash and line feed.
fn escape_help(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A series' label values, in the family's label-name order: the map key.
///
/// Looked up through [`LabelKey`] so that a caller's `&[&str]` finds an existing series without
/// building an owned key; only the first observation of a label set allocates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct LabelValues(Box<[Box<str>]>);

/// The view both the owned key and a borrowed lookup share; `Hash` and `Eq` are defined on it
/// alone, which is what makes `Borrow` sound.
trait LabelKey {
    fn len(&self) -> usize;
    fn at(&self, i: usize) -> &str;
}

impl LabelKey for LabelValues {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn at(&self, i: usize) -> &str {
        &self.0[i]
    }
}

struct Lookup<'a>(&'a [&'a str]);

impl LabelKey for Lookup<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn at(&self, i: usize) -> &str {
        self.0[i]
    }
}

impl Hash for dyn LabelKey + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for i in 0..self.len() {
            self.at(i).hash(state);
        }
    }
}

impl PartialEq for dyn LabelKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (0..self.len()).all(|i| self.at(i) == other.at(i))
    }
}

impl Eq for dyn LabelKey + '_ {}

impl Hash for LabelValues {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self as &dyn LabelKey).hash(state);
    }
}

impl<'a> Borrow<dyn LabelKey + 'a> for LabelValues {
    fn borrow(&self) -> &(dyn LabelKey + 'a) {
        self
    }
}

/// One metric family and its series.
pub(crate) struct Family<C> {
    name: &'static str,
    help: &'static str,
    label_names: &'static [&'static str],
    series: RwLock<HashMap<LabelValues, C>>,
}

impl<C: Cell> Family<C> {
    pub(crate) fn new(
        name: &'static str,
        help: &'static str,
        label_names: &'static [&'static str],
    ) -> Self {
        let family = Self {
            name,
            help,
            label_names,
            series: RwLock::new(HashMap::new()),
        };
        // A family without labels has exactly one series, present (at zero) from the start, so
        // that it is scraped before its first event.
        if label_names.is_empty() {
            family.with(&[], |_| ());
        }
        family
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Runs `f` on the series for `values` (one per label name, in order), creating it at zero
    /// on first use. The cell is used under the read lock: atomics need nothing more.
    pub(crate) fn with<R>(&self, values: &[&str], f: impl FnOnce(&C) -> R) -> R {
        debug_assert_eq!(values.len(), self.label_names.len(), "{}", self.name);
        {
            // A poisoned lock only means another thread panicked mid-update of an atomic or an
            // insert; the map is still usable, and metrics must never take the server down.
            let map = self.series.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(cell) = map.get(&Lookup(values) as &dyn LabelKey) {
                return f(cell);
            }
        }
        let mut map = self.series.write().unwrap_or_else(PoisonError::into_inner);
        let key = LabelValues(values.iter().map(|v| Box::from(*v)).collect());
        f(map.entry(key).or_default())
    }

    /// Drops the series for `values`, if it exists (a deleted bucket's gauges).
    pub(crate) fn remove(&self, values: &[&str]) {
        let mut map = self.series.write().unwrap_or_else(PoisonError::into_inner);
        map.remove(&Lookup(values) as &dyn LabelKey);
    }

    /// Appends `# HELP`, `# TYPE` and every series, sorted by label values so that output is
    /// stable between scrapes and in tests.
    pub(crate) fn encode(&self, out: &mut String) {
        let _ = write!(out, "# HELP {} ", self.name);
        escape_help(self.help, out);
        let _ = writeln!(out, "\n# TYPE {} {}", self.name, C::KIND.as_str());
        let map = self.series.read().unwrap_or_else(PoisonError::into_inner);
        let mut series: Vec<_> = map.iter().collect();
        series.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut labels = String::new();
        for (values, cell) in series {
            labels.clear();
            for (i, (name, value)) in self.label_names.iter().zip(values.0.iter()).enumerate() {
                if i > 0 {
                    labels.push(',');
                }
                labels.push_str(name);
                labels.push_str("=\"");
                escape_label_value(value, &mut labels);
                labels.push('"');
            }
            cell.encode(self.name, &labels, out);
        }
    }
}

/// Families of different cell types, rendered side by side.
pub(crate) trait Encode: Send + Sync {
    fn name(&self) -> &'static str;
    fn encode(&self, out: &mut String);
}

impl<C: Cell> Encode for Family<C> {
    fn name(&self) -> &'static str {
        Family::name(self)
    }
    fn encode(&self, out: &mut String) {
        Family::encode(self, out);
    }
}
