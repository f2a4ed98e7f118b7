//! The audit trail: a CloudTrail-style event for every S3, IAM, STS and KMS call
//! (management events always, S3 data events when enabled), written as JSON lines to rotated
//! files by one writer thread off the request path.

use std::sync::Arc;

use rampart_audit::RequestFacts;
use rampart_audit::cloudtrail::{AuditLog, push_event_line};
use rampart_audit::metrics::Metrics;
use rampart_audit::spool::Spool;
use rampart_engine::BucketRecord;

use super::FactsSink;
use super::trail_delivery::TRAIL_STREAM;

pub struct AuditSink {
    lines: super::batch::LineBatcher,
    stream: Arc<str>,
    data_events: bool,
}

impl FactsSink for AuditSink {
    fn accept(&self, facts: &RequestFacts, _bucket: Option<&BucketRecord>) {
        if facts.data_event && !self.data_events {
            return;
        }
        self.lines.push(&self.stream, |line| {
            push_event_line(facts, &crate::ids::event_id(), line)
        });
    }

    fn wants_call_details(&self) -> bool {
        true
    }
}

/// Starts the writer over `log`; returns the sink for the recorder. With `trail_spool`, each
/// event is also spooled for delivery to a bucket (see [`super::trail_delivery`]).
pub fn start(
    log: Arc<AuditLog>,
    data_events: bool,
    metrics: Arc<Metrics>,
    trail_spool: Option<Arc<Spool>>,
) -> Arc<AuditSink> {
    let sync_spool = trail_spool.clone();
    let lines = super::batch::LineBatcher::start(
        "audit-writer",
        "audit",
        metrics.clone(),
        move |batch| {
            for stream in &batch.streams {
                if let Some(spool) = &trail_spool
                    && let Err(e) = spool.append_unsynced(TRAIL_STREAM, &stream.text)
                {
                    tracing::error!(error = %e, "cannot spool audit events for delivery");
                }
                let written = log
                    .write_text(&stream.text)
                    .and_then(|()| log.rotate_if_due());
                match written {
                    Ok(rotated) => {
                        metrics.audit_events(stream.lines as u64);
                        if let Some(path) = rotated {
                            tracing::info!(file = %path.display(), "audit log rotated");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "cannot write audit events"),
                }
            }
        },
        move || {
            if let Some(spool) = &sync_spool
                && let Err(e) = spool.sync()
            {
                tracing::error!(error = %e, "cannot sync the audit trail spool");
            }
        },
    );
    Arc::new(AuditSink {
        lines,
        stream: "audit".into(),
        data_events,
    })
}
