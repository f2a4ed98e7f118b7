//! S3 server access logging: each request to a bucket with logging on becomes one record,
//! spooled durably (`<data>/spool/access-log/`) and delivered every few minutes as an object
//! in the target bucket, by the `logging.s3.amazonaws.com` service principal and only where
//! the target's bucket policy (or, on a bucket with ACLs, its LogDelivery grant) allows it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rampart_audit::RequestFacts;
use rampart_audit::access_log::{format_batch_deletion_into, format_record_into};
use rampart_audit::spool::{SealedSegment, Spool};
use rampart_engine::acl::{Grantee, KnownGroup, Permission};
use rampart_engine::logging::{BucketLogging, LogKeyFormat};
use rampart_engine::{BucketRecord, Engine};
use rampart_policy::ContextKeys;
use rampart_types::ObjectKey;
use serde::{Deserialize, Serialize};

use super::FactsSink;
use crate::authz::BucketPolicies;

/// The service principal that delivers access logs, as bucket policies name it.
pub const LOGGING_SERVICE: &str = "logging.s3.amazonaws.com";

/// One log destination: a source bucket's records for one target. Encoded as the spool's
/// stream name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Destination {
    source_bucket: String,
    source_account: String,
    region: String,
    target: BucketLogging,
}

/// The request path's end: formats a record for each request to a bucket with logging on and
/// leaves it for the spool writer.
pub struct AccessLogSink {
    lines: super::batch::LineBatcher,
    /// Each logged bucket's destination, encoded once (not per record) as its stream name.
    streams: std::sync::RwLock<std::collections::HashMap<String, (BucketLogging, Arc<str>)>>,
}

impl AccessLogSink {
    fn stream_of(&self, bucket: &BucketRecord, target: &BucketLogging) -> Option<Arc<str>> {
        let name = bucket.name.as_str();
        if let Ok(streams) = self.streams.read()
            && let Some((known, stream)) = streams.get(name)
            && known == target
        {
            return Some(stream.clone());
        }
        let destination = Destination {
            source_bucket: name.to_owned(),
            source_account: bucket.owner.account_id.to_string(),
            region: bucket.region.clone(),
            target: target.clone(),
        };
        let stream: Arc<str> = serde_json::to_string(&destination).ok()?.into();
        if let Ok(mut streams) = self.streams.write() {
            streams.insert(name.to_owned(), (target.clone(), stream.clone()));
        }
        Some(stream)
    }
}

impl FactsSink for AccessLogSink {
    fn accept(&self, facts: &RequestFacts, bucket: Option<&BucketRecord>) {
        let Some(bucket) = bucket else { return };
        let Some(target) = &bucket.logging else {
            return;
        };
        if facts.service != rampart_audit::Service::S3 {
            return;
        }
        let Some(stream) = self.stream_of(bucket, target) else {
            return;
        };
        self.lines
            .push(&stream, |line| format_record_into(facts, line));
        for deleted in &facts.batch_deletions {
            self.lines.push(&stream, |line| {
                format_batch_deletion_into(facts, deleted, line)
            });
        }
    }
}

/// Starts the spool writer; returns the sink for the recorder. The writer is a thread of its
/// own: while it writes or syncs one batch, the next gathers, and the request path never
/// waits for it.
pub fn start(
    spool: Arc<Spool>,
    metrics: Arc<rampart_audit::metrics::Metrics>,
) -> Arc<AccessLogSink> {
    let sync_spool = spool.clone();
    let lines = super::batch::LineBatcher::start(
        "access-log-spool",
        "access log",
        metrics,
        move |batch| {
            for stream in &batch.streams {
                if let Err(e) = spool.append_unsynced(&stream.stream, &stream.text) {
                    tracing::error!(error = %e, "cannot spool access log records");
                }
            }
        },
        move || {
            if let Err(e) = sync_spool.sync() {
                tracing::error!(error = %e, "cannot sync the access log spool");
            }
        },
    );
    Arc::new(AccessLogSink {
        lines,
        streams: Default::default(),
    })
}

/// Delivers spooled records every `every`: seals each destination's records and writes them
/// as one object to its target. A delivery that fails (the target is gone, or no longer lets
/// the logging service write) keeps its records and is retried at the next round.
pub fn spawn_delivery(
    engine: Engine,
    policies: BucketPolicies,
    spool: Arc<Spool>,
    metrics: Arc<rampart_audit::metrics::Metrics>,
    every: Duration,
) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            deliver_due(&engine, &policies, &spool, &metrics).await;
        }
    });
}

/// One delivery round: seals what is pending and delivers every sealed segment.
pub async fn deliver_due(
    engine: &Engine,
    policies: &BucketPolicies,
    spool: &Arc<Spool>,
    metrics: &rampart_audit::metrics::Metrics,
) {
    let spool_for_seal = spool.clone();
    let sealed = tokio::task::spawn_blocking(move || {
        for stream in spool_for_seal.streams() {
            spool_for_seal.seal(&stream)?;
        }
        spool_for_seal.sealed()
    })
    .await;
    let segments = match sealed {
        Ok(Ok(segments)) => segments,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot read the access log spool");
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "access log spool reader failed");
            return;
        }
    };
    let mut oldest: Option<SystemTime> = None;
    let mut pending = 0;
    for segment in segments {
        match deliver(engine, policies, spool, &segment).await {
            Ok(()) => {
                let spool = spool.clone();
                let removed = tokio::task::spawn_blocking(move || spool.remove(&segment)).await;
                if !matches!(removed, Ok(Ok(()))) {
                    tracing::error!("cannot remove a delivered access log segment");
                }
            }
            Err(failure) => {
                pending += segment.lines;
                oldest = Some(oldest.map_or(segment.created, |o| o.min(segment.created)));
                metrics.access_log_delivery_failed(&failure.target);
                tracing::warn!(
                    target_bucket = %failure.target,
                    reason = %failure.reason,
                    records = segment.lines,
                    "access log delivery failed; will retry"
                );
            }
        }
    }
    metrics.set_access_log_pending_records(pending);
    metrics.set_access_log_delivery_lag_seconds(
        oldest
            .and_then(|o| SystemTime::now().duration_since(o).ok())
            .map_or(0.0, |d| d.as_secs_f64()),
    );
}

struct DeliveryFailure {
    target: String,
    reason: String,
}

async fn deliver(
    engine: &Engine,
    policies: &BucketPolicies,
    spool: &Arc<Spool>,
    segment: &SealedSegment,
) -> Result<(), DeliveryFailure> {
    let fail = |target: &str, reason: String| DeliveryFailure {
        target: target.to_owned(),
        reason,
    };
    let destination: Destination = serde_json::from_str(&segment.stream)
        .map_err(|e| fail("?", format!("unreadable destination: {e}")))?;
    let target = &destination.target;
    let target_name = target.target_bucket.as_str();
    let record = engine
        .bucket(&target.target_bucket)
        .await
        .map_err(|e| fail(target_name, e.to_string()))?;
    let key = object_key(&destination, segment.created, SystemTime::now());
    if !may_deliver(engine, policies, &destination, &record, &key).await {
        return Err(fail(
            target_name,
            format!("{LOGGING_SERVICE} may not write s3:PutObject on {target_name}/{key}"),
        ));
    }
    let body = {
        let spool = spool.clone();
        let segment = segment.clone();
        tokio::task::spawn_blocking(move || spool.read(&segment))
            .await
            .map_err(|e| fail(target_name, e.to_string()))?
            .map_err(|e| fail(target_name, e.to_string()))?
    };
    let key = ObjectKey::parse(key).map_err(|_| fail(target_name, "key too long".into()))?;
    let owner = record.owner.clone();
    let acl = (!target.target_grants.is_empty()).then(|| rampart_engine::acl::Acl {
        owner: owner.clone(),
        grants: std::iter::once(rampart_engine::acl::Grant {
            grantee: Grantee::CanonicalUser {
                id: owner.canonical_id.clone(),
                display_name: None,
            },
            permission: Permission::FullControl,
        })
        .chain(target.target_grants.iter().cloned())
        .collect(),
    });
    let headers = rampart_engine::ContentHeaders {
        content_type: Some("text/plain".into()),
        ..Default::default()
    };
    super::delivery::put_delivered(
        engine,
        &target.target_bucket,
        key,
        body,
        headers,
        owner,
        acl,
    )
    .await
    .map_err(|e| fail(target_name, e.to_string()))?;
    Ok(())
}

/// Whether the logging service may write `key` into the target: its bucket policy allows
/// `logging.s3.amazonaws.com` s3:PutObject (with `aws:SourceAccount` and `aws:SourceArn` of
/// the logged bucket), or, on a bucket with ACLs enabled, its ACL grants the LogDelivery group
/// WRITE.
async fn may_deliver(
    engine: &Engine,
    policies: &BucketPolicies,
    destination: &Destination,
    target: &BucketRecord,
    key: &str,
) -> bool {
    let name = &destination.target.target_bucket;
    let mut keys = ContextKeys::new();
    keys.set("aws:SourceAccount", destination.source_account.clone());
    keys.set(
        "aws:SourceArn",
        format!("arn:aws:s3:::{}", destination.source_bucket),
    );
    let decision =
        super::delivery::policy_decision(engine, policies, target, key, LOGGING_SERVICE, keys)
            .await;
    if let Some(allowed) = decision {
        return allowed;
    }
    let acls = engine
        .bucket_ownership(name)
        .await
        .is_ok_and(|o| o.acls_enabled());
    if !acls {
        return false;
    }
    engine
        .bucket_acl(name, &target.owner)
        .await
        .is_ok_and(|acl| {
            acl.grants.iter().any(|g| {
                g.grantee == Grantee::Group(KnownGroup::LogDelivery)
                    && matches!(g.permission, Permission::Write | Permission::FullControl)
            })
        })
}

/// The delivered object's key: `TargetPrefix` + `YYYY-mm-DD-HH-MM-SS-UniqueString`, or with
/// PartitionedPrefix `TargetPrefix` + `SourceAccountId/SourceRegion/SourceBucket/YYYY/MM/DD/`
/// before it, dated by the records' time (EventTime) or the delivery's (DeliveryTime).
fn object_key(destination: &Destination, records_time: SystemTime, now: SystemTime) -> String {
    let unique = unique_string();
    let target = &destination.target;
    match target.key_format {
        LogKeyFormat::SimplePrefix => {
            format!("{}{}-{unique}", target.target_prefix, stamp(now, false))
        }
        LogKeyFormat::PartitionedPrefix { event_time } => {
            let partition_time = if event_time { records_time } else { now };
            format!(
                "{}{}/{}/{}/{}/{}-{unique}",
                target.target_prefix,
                destination.source_account,
                destination.region,
                destination.source_bucket,
                stamp(partition_time, true),
                stamp(now, false),
            )
        }
    }
}

fn stamp(t: SystemTime, as_path: bool) -> String {
    let dt = time::OffsetDateTime::from(t);
    if as_path {
        format!(
            "{:04}/{:02}/{:02}",
            dt.year(),
            u8::from(dt.month()),
            dt.day()
        )
    } else {
        format!(
            "{:04}-{:02}-{:02}-{:02}-{:02}-{:02}",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )
    }
}

/// 16 upper-case hex characters, as S3's log object names end.
fn unique_string() -> String {
    let mut raw = [0u8; 8];
    crate::ids::fill(&mut raw);
    hex::encode_upper(raw)
}

#[cfg(test)]
mod tests {
    use rampart_types::BucketName;

    use super::*;

    fn destination(format: LogKeyFormat) -> Destination {
        Destination {
            source_bucket: "photos".into(),
            source_account: "123456789012".into(),
            region: "us-east-1".into(),
            target: BucketLogging {
                target_bucket: BucketName::parse("logs").unwrap(),
                target_prefix: "app/".into(),
                target_grants: Vec::new(),
                key_format: format,
            },
        }
    }

    #[test]
    fn log_object_keys() {
        let records = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let now = records + Duration::from_secs(86_400);
        let simple = object_key(&destination(LogKeyFormat::SimplePrefix), records, now);
        assert!(simple.starts_with("app/2023-11-15-22-13-20-"), "{simple}");
        assert_eq!(simple.len(), "app/2023-11-15-22-13-20-".len() + 16);
        let event = object_key(
            &destination(LogKeyFormat::PartitionedPrefix { event_time: true }),
            records,
            now,
        );
        assert!(
            event.starts_with("app/123456789012/us-east-1/photos/2023/11/14/2023-11-15-22-13-20-"),
            "{event}"
        );
        let delivery = object_key(
            &destination(LogKeyFormat::PartitionedPrefix { event_time: false }),
            records,
            now,
        );
        assert!(
            delivery.starts_with("app/123456789012/us-east-1/photos/2023/11/15/"),
            "{delivery}"
        );
    }
}
