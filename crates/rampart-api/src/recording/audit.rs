//! The audit trail: a CloudTrail-style event for every S3, IAM, STS and KMS call
//! (management events always, S3 data events when enabled), written as JSON lines to rotated
//! files by one writer task off the request path.

use std::sync::Arc;

use rampart_audit::RequestFacts;
use rampart_audit::cloudtrail::{AuditLog, event_json};
use rampart_audit::metrics::Metrics;
use rampart_engine::BucketRecord;

use super::FactsSink;

pub struct AuditSink {
    queue: super::RecordQueue<serde_json::Value>,
    data_events: bool,
}

impl FactsSink for AuditSink {
    fn accept(&self, facts: &RequestFacts, _bucket: Option<&BucketRecord>) {
        if facts.data_event && !self.data_events {
            return;
        }
        self.queue.push(event_json(facts, &event_id()));
    }
}

/// Starts the writer over `log`; returns the sink for the recorder.
pub fn start(log: Arc<AuditLog>, data_events: bool, metrics: Arc<Metrics>) -> Arc<AuditSink> {
    let (queue, rx) = super::RecordQueue::new("audit");
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
    Arc::new(AuditSink { queue, data_events })
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
