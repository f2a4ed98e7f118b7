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
            push_event_line(facts, &event_id(), line)
        });
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

/// A random UUID (version 4), as CloudTrail's `eventID` is. The random bytes come from the
/// operating system 4 KiB at a time, not with a system call per event.
fn event_id() -> String {
    thread_local! {
        static POOL: std::cell::RefCell<([u8; 4096], usize)> =
            const { std::cell::RefCell::new(([0; 4096], 4096)) };
    }
    let mut b = [0u8; 16];
    POOL.with_borrow_mut(|(pool, used)| {
        if *used + b.len() > pool.len() {
            getrandom::fill(pool).expect("the operating system's random source failed");
            *used = 0;
        }
        b.copy_from_slice(&pool[*used..*used + 16]);
        *used += 16;
    });
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(char::from(HEX[usize::from(byte >> 4)]));
        id.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    id
}

#[cfg(test)]
mod tests {
    #[test]
    fn event_ids_are_distinct_version_4_uuids() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| super::event_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let groups: Vec<&str> = id.split('-').collect();
            let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            assert_eq!(lengths, [8, 4, 4, 4, 12], "{id}");
            assert!(groups[2].starts_with('4'), "{id}");
            assert!(matches!(&groups[3][..1], "8" | "9" | "a" | "b"), "{id}");
            assert!(id.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit()));
        }
    }
}
