//! The audit trail: a CloudTrail-style event for every S3, IAM, STS and KMS call
//! (management events always, S3 data events when enabled), written as JSON lines to rotated
//! files by one writer task off the request path.

use std::sync::Arc;

use rampart_audit::RequestFacts;
use rampart_audit::cloudtrail::{AuditLog, event_json};
use rampart_audit::metrics::Metrics;
use rampart_engine::BucketRecord;
use tokio::sync::mpsc;

use super::FactsSink;

/// Events waiting for the writer before new ones are dropped (and counted).
const QUEUE_CAPACITY: usize = 100_000;

pub struct AuditSink {
    queue: mpsc::Sender<serde_json::Value>,
    data_events: bool,
    dropped: std::sync::atomic::AtomicU64,
}

impl FactsSink for AuditSink {
    fn accept(&self, facts: &RequestFacts, _bucket: Option<&BucketRecord>) {
        if facts.data_event && !self.data_events {
            return;
        }
        let event = event_json(facts, &event_id());
        if self.queue.try_send(event).is_err() {
            let n = self
                .dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if n.is_power_of_two() {
                tracing::error!(dropped = n + 1, "audit queue full: events dropped");
            }
        }
    }
}

/// Starts the writer over `log`; returns the sink for the recorder.
pub fn start(log: Arc<AuditLog>, data_events: bool, metrics: Arc<Metrics>) -> Arc<AuditSink> {
    let (tx, rx) = mpsc::channel::<serde_json::Value>(QUEUE_CAPACITY);
    let spawned = std::thread::Builder::new()
        .name("audit-writer".into())
        .spawn(move || {
            super::drain_batches(
                rx,
                |events| {
                    let n = events.len() as u64;
                    let written = log.write(&events).and_then(|()| log.rotate_if_due());
                    match written {
                        Ok(rotated) => {
                            metrics.audit_events(n);
                            if let Some(path) = rotated {
                                tracing::info!(file = %path.display(), "audit log rotated");
                            }
                        }
                        Err(e) => tracing::error!(error = %e, "cannot write audit events"),
                    }
                },
                || {},
            );
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the audit writer");
    }
    Arc::new(AuditSink {
        queue: tx,
        data_events,
        dropped: Default::default(),
    })
}

/// A random UUID (version 4), as CloudTrail's `eventID` is.
fn event_id() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the operating system's random source failed");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
