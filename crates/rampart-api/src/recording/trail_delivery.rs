//! Delivery of the audit trail to a bucket, as CloudTrail delivers a trail: every few minutes
//! the events spooled since the last delivery become one gzipped `{"Records":[…]}` object
//! under `[prefix/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`, written by the
//! `cloudtrail.amazonaws.com` service principal and only where the bucket's policy allows it
//! s3:PutObject (CloudTrail's documented policy, with `s3:x-amz-acl` =
//! `bucket-owner-full-control` and `aws:SourceArn` = the trail's ARN, is honoured).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rampart_audit::cloudtrail::{cloudtrail_file_of_lines, cloudtrail_object_key};
use rampart_audit::spool::{SealedSegment, Spool};
use rampart_engine::Engine;
use rampart_policy::ContextKeys;
use rampart_types::{BucketName, ObjectKey};

use crate::authz::BucketPolicies;

/// The service principal that delivers the trail, as bucket policies name it.
pub const CLOUDTRAIL_SERVICE: &str = "cloudtrail.amazonaws.com";

/// The spool stream the trail's events wait in for delivery.
pub const TRAIL_STREAM: &str = "cloudtrail";

/// Where and how often the trail is delivered.
#[derive(Clone, Debug)]
pub struct TrailDelivery {
    pub bucket: BucketName,
    /// The key prefix before `AWSLogs/`, if any.
    pub prefix: Option<String>,
    /// The trail's name, in its ARN (`arn:aws:cloudtrail:<region>:<account>:trail/<name>`),
    /// which a bucket policy can require as `aws:SourceArn`.
    pub trail_name: String,
    pub every: Duration,
}

/// Delivers the spooled trail every `delivery.every`. A delivery that fails (the bucket is
/// gone, or its policy does not let CloudTrail write) keeps its events and is retried at the
/// next round.
pub fn spawn(
    engine: Engine,
    policies: BucketPolicies,
    spool: Arc<Spool>,
    metrics: Arc<rampart_audit::metrics::Metrics>,
    delivery: TrailDelivery,
) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(delivery.every);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            deliver_due(&engine, &policies, &spool, &metrics, &delivery).await;
        }
    });
}

/// One delivery round: seals what is pending and delivers every sealed segment, oldest first.
pub async fn deliver_due(
    engine: &Engine,
    policies: &BucketPolicies,
    spool: &Arc<Spool>,
    metrics: &rampart_audit::metrics::Metrics,
    delivery: &TrailDelivery,
) {
    let sealing = spool.clone();
    let sealed = tokio::task::spawn_blocking(move || {
        sealing.seal(TRAIL_STREAM)?;
        sealing.sealed()
    })
    .await;
    let segments = match sealed {
        Ok(Ok(segments)) => segments,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot read the audit trail spool");
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "audit trail spool reader failed");
            return;
        }
    };
    for segment in segments.into_iter().filter(|s| s.stream == TRAIL_STREAM) {
        match deliver(engine, policies, spool, &segment, delivery).await {
            Ok(()) => {
                let spool = spool.clone();
                let removed = tokio::task::spawn_blocking(move || spool.remove(&segment)).await;
                if !matches!(removed, Ok(Ok(()))) {
                    tracing::error!("cannot remove a delivered audit trail segment");
                }
            }
            Err(reason) => {
                metrics.audit_delivery_failed();
                tracing::warn!(
                    bucket = %delivery.bucket,
                    %reason,
                    events = segment.lines,
                    "audit trail delivery failed; will retry"
                );
                // Later segments wait too: files arrive in order.
                break;
            }
        }
    }
}

async fn deliver(
    engine: &Engine,
    policies: &BucketPolicies,
    spool: &Arc<Spool>,
    segment: &SealedSegment,
    delivery: &TrailDelivery,
) -> Result<(), String> {
    let record = engine
        .bucket(&delivery.bucket)
        .await
        .map_err(|e| e.to_string())?;
    let account = record.owner.account_id.to_string();
    let key = cloudtrail_object_key(
        delivery.prefix.as_deref(),
        &account,
        &record.region,
        SystemTime::now(),
        &unique_string(),
    );
    let mut keys = ContextKeys::new();
    keys.set("aws:SourceAccount", account.clone());
    keys.set(
        "aws:SourceArn",
        format!(
            "arn:aws:cloudtrail:{}:{account}:trail/{}",
            record.region, delivery.trail_name
        ),
    );
    keys.set("s3:x-amz-acl", "bucket-owner-full-control");
    let allowed =
        super::delivery::service_may_put(engine, policies, &record, &key, CLOUDTRAIL_SERVICE, keys)
            .await;
    if !allowed {
        return Err(format!(
            "{CLOUDTRAIL_SERVICE} may not write s3:PutObject on {}/{key}",
            delivery.bucket
        ));
    }
    let body = {
        let spool = spool.clone();
        let segment = segment.clone();
        tokio::task::spawn_blocking(move || {
            spool
                .read(&segment)
                .map(|lines| cloudtrail_file_of_lines(&lines))
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?
    };
    let key = ObjectKey::parse(key).map_err(|_| "key too long".to_owned())?;
    let headers = rampart_engine::ContentHeaders {
        content_type: Some("application/json".into()),
        content_encoding: Some("gzip".into()),
        ..Default::default()
    };
    // bucket-owner-full-control: the bucket owner owns every delivered file.
    let owner = record.owner.clone();
    super::delivery::put_delivered(engine, &delivery.bucket, key, body, headers, owner, None)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// 16 alphanumeric characters, as CloudTrail's file names end.
fn unique_string() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut raw = [0u8; 16];
    crate::ids::fill(&mut raw);
    raw.iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}
