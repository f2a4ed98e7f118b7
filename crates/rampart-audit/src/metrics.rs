//! Prometheus metrics: what the server counts, and their text exposition.
//!
//! Every finished request passes through [`Metrics::observe`]; the other gauges are set by
//! whoever knows the value (the connection acceptor, a periodic sampler of bucket usage, the
//! access log deliverer). [`Metrics::render`] produces the body of a `/metrics` scrape, to be
//! served with [`CONTENT_TYPE`].
//!
//! Label values come from bounded sets (services, operation names, status codes, policy layers,
//! failure reasons, bucket names), never from keys, ids or user input, so that the number of
//! series stays bounded.

mod family;
#[cfg(test)]
mod tests;

use family::{Counter, Encode, Family, Gauge, Histogram};

use crate::{RequestFacts, Service};

/// The `Content-Type` of [`Metrics::render`]'s output: Prometheus text format 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The operation label of a request that never became an operation (unroutable,
/// unauthenticated).
const UNKNOWN_OPERATION: &str = "Unknown";

/// The server's metrics. Cheap to share: wrap it in an `Arc` and call it from any thread.
pub struct Metrics {
    requests: Family<Counter>,
    duration: Family<Histogram>,
    bytes_received: Family<Counter>,
    bytes_sent: Family<Counter>,
    policy_denies: Family<Counter>,
    auth_failures: Family<Counter>,
    active_connections: Family<Gauge>,
    bucket_bytes: Family<Gauge>,
    bucket_objects: Family<Gauge>,
    multipart_uploads: Family<Gauge>,
    delivery_lag: Family<Gauge>,
    pending_records: Family<Gauge>,
    delivery_failures: Family<Counter>,
    audit_events: Family<Counter>,
    audit_delivery_failures: Family<Counter>,
    records_dropped: Family<Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self {
            requests: Family::new(
                "rampart_requests_total",
                "Requests handled, by service, operation and HTTP status code.",
                &["service", "operation", "status"],
            ),
            duration: Family::new(
                "rampart_request_duration_seconds",
                "Time from a request's arrival to its last response byte.",
                &["service", "operation"],
            ),
            bytes_received: Family::new(
                "rampart_bytes_received_total",
                "Request body bytes received.",
                &["service"],
            ),
            bytes_sent: Family::new(
                "rampart_bytes_sent_total",
                "Response body bytes sent.",
                &["service"],
            ),
            policy_denies: Family::new(
                "rampart_policy_denies_total",
                "Requests refused by authorization, by the layer that decided.",
                &["layer"],
            ),
            auth_failures: Family::new(
                "rampart_auth_failures_total",
                "Requests whose authentication failed, by reason.",
                &["reason"],
            ),
            active_connections: Family::new(
                "rampart_active_connections",
                "Client connections currently open.",
                &[],
            ),
            bucket_bytes: Family::new(
                "rampart_bucket_bytes",
                "Bytes stored in a bucket, all versions, as last sampled.",
                &["bucket"],
            ),
            bucket_objects: Family::new(
                "rampart_bucket_objects",
                "Object versions stored in a bucket, as last sampled.",
                &["bucket"],
            ),
            multipart_uploads: Family::new(
                "rampart_multipart_uploads_in_progress",
                "Multipart uploads started and neither completed nor aborted.",
                &[],
            ),
            delivery_lag: Family::new(
                "rampart_access_log_delivery_lag_seconds",
                "Age of the oldest access log record not yet delivered.",
                &[],
            ),
            pending_records: Family::new(
                "rampart_access_log_pending_records",
                "Access log records spooled and not yet delivered.",
                &[],
            ),
            delivery_failures: Family::new(
                "rampart_access_log_delivery_failures_total",
                "Failed attempts to deliver access logs, by target bucket.",
                &["target"],
            ),
            audit_events: Family::new("rampart_audit_events_total", "Audit events written.", &[]),
            records_dropped: Family::new(
                "rampart_records_dropped_total",
                "Access log records or audit events dropped because their writer fell behind.",
                &["writer"],
            ),
            audit_delivery_failures: Family::new(
                "rampart_audit_delivery_failures_total",
                "Audit trail deliveries to the trail bucket that failed (and will be retried).",
                &[],
            ),
        }
    }

    /// Records one finished request: its count, latency, bytes, and its denial if refused.
    pub fn observe(&self, facts: &RequestFacts) {
        let service = service_label(facts.service);
        let operation = facts.operation.as_deref().unwrap_or(UNKNOWN_OPERATION);
        let mut status_buf = [0u8; 5];
        let status = status_label(facts.http_status, &mut status_buf);

        self.requests
            .with(&[service, operation, status], |c| c.add(1));
        self.duration
            .with(&[service, operation], |h| h.observe_ms(facts.total_time_ms));
        // Touched even at zero, so that each service's byte series exists from its first
        // request and `rate()` has a starting point.
        self.bytes_received
            .with(&[service], |c| c.add(facts.bytes_received.unwrap_or(0)));
        self.bytes_sent
            .with(&[service], |c| c.add(facts.bytes_sent.unwrap_or(0)));
        if let Some(denial) = &facts.denial {
            self.policy_denies
                .with(&[denial.layer.as_str()], |c| c.add(1));
        }
    }

    /// Counts a failed authentication; `reason` is the S3 error code (`SignatureDoesNotMatch`,
    /// `InvalidAccessKeyId`, `RequestTimeTooSkewed`, `ExpiredToken`, …).
    pub fn auth_failure(&self, reason: &str) {
        self.auth_failures.with(&[reason], |c| c.add(1));
    }

    pub fn connection_opened(&self) {
        self.active_connections.with(&[], |g| g.add(1.0));
    }

    pub fn connection_closed(&self) {
        self.active_connections.with(&[], |g| g.add(-1.0));
    }

    /// Sets a bucket's sampled usage.
    pub fn set_bucket_usage(&self, bucket: &str, bytes: u64, objects: u64) {
        self.bucket_bytes.with(&[bucket], |g| g.set(bytes as f64));
        self.bucket_objects
            .with(&[bucket], |g| g.set(objects as f64));
    }

    /// Drops a deleted bucket's usage series, so that it does not linger at its last value.
    pub fn forget_bucket(&self, bucket: &str) {
        self.bucket_bytes.remove(&[bucket]);
        self.bucket_objects.remove(&[bucket]);
    }

    pub fn set_multipart_uploads_in_progress(&self, n: u64) {
        self.multipart_uploads.with(&[], |g| g.set(n as f64));
    }

    pub fn set_access_log_delivery_lag_seconds(&self, secs: f64) {
        self.delivery_lag.with(&[], |g| g.set(secs));
    }

    pub fn set_access_log_pending_records(&self, n: u64) {
        self.pending_records.with(&[], |g| g.set(n as f64));
    }

    /// Counts one failed delivery of access logs to `target_bucket`.
    pub fn access_log_delivery_failed(&self, target_bucket: &str) {
        self.delivery_failures.with(&[target_bucket], |c| c.add(1));
    }

    /// Counts `n` audit events written.
    pub fn audit_events(&self, n: u64) {
        self.audit_events.with(&[], |c| c.add(n));
    }

    /// Counts one failed delivery of the audit trail to its bucket.
    pub fn audit_delivery_failed(&self) {
        self.audit_delivery_failures.with(&[], |c| c.add(1));
    }

    /// Counts one record dropped by `writer` (`access_log`, `audit`), which fell behind.
    pub fn records_dropped(&self, writer: &str) {
        self.records_dropped.with(&[writer], |c| c.add(1));
    }

    /// Every family in Prometheus text format 0.0.4, families sorted by name and series by
    /// label values.
    pub fn render(&self) -> String {
        let mut families: [&dyn Encode; 16] = [
            &self.requests,
            &self.duration,
            &self.bytes_received,
            &self.bytes_sent,
            &self.policy_denies,
            &self.auth_failures,
            &self.active_connections,
            &self.bucket_bytes,
            &self.bucket_objects,
            &self.multipart_uploads,
            &self.delivery_lag,
            &self.pending_records,
            &self.delivery_failures,
            &self.audit_events,
            &self.audit_delivery_failures,
            &self.records_dropped,
        ];
        families.sort_unstable_by_key(|f| f.name());
        let mut out = String::with_capacity(4096);
        for family in families {
            family.encode(&mut out);
        }
        out
    }
}

/// Lower case, as Prometheus label values conventionally are.
fn service_label(service: Service) -> &'static str {
    match service {
        Service::S3 => "s3",
        Service::Iam => "iam",
        Service::Sts => "sts",
        Service::Kms => "kms",
    }
}

/// Formats a status code into `buf` without allocating: this runs on every request.
fn status_label(code: u16, buf: &mut [u8; 5]) -> &str {
    let mut n = code;
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[start..]).unwrap_or("0")
}
