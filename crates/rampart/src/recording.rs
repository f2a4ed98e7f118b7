//! What the server records about the requests it serves: metrics, server access logs (spooled
//! under `<data>/spool/access-log/`, delivered to target buckets) and the audit trail
//! (`<data>/audit/audit.log` and its rotations, and, when it is delivered to a bucket, spooled
//! under `<data>/spool/audit/`).

use std::sync::Arc;

use rampart_api::recording::{Recorder, access_log, audit, trail_delivery};
use rampart_audit::cloudtrail::{AuditLog, AuditLogConfig};
use rampart_audit::metrics::Metrics;
use rampart_audit::spool::Spool;
use rampart_engine::Engine;

use crate::config::Config;

pub fn start(config: &Config, engine: &Engine) -> Result<Arc<Recorder>, String> {
    let metrics = Arc::new(Metrics::new());
    let spool_dir = config.data_dir.join("spool").join("access-log");
    let spool = Arc::new(Spool::open(&spool_dir).map_err(|e| {
        format!(
            "cannot open the access log spool {}: {e}",
            spool_dir.display()
        )
    })?);
    let mut recorder =
        Recorder::new(metrics.clone()).with_sink(access_log::start(spool.clone(), metrics.clone()));
    access_log::spawn_delivery(
        engine.clone(),
        Default::default(),
        spool,
        metrics.clone(),
        config.access_log_flush,
    );
    if config.audit.enabled {
        let dir = config
            .audit
            .dir
            .clone()
            .unwrap_or_else(|| config.data_dir.join("audit"));
        let log = AuditLog::open(
            &dir,
            AuditLogConfig {
                max_bytes: config.audit.max_file_bytes,
                max_age: config.audit.max_file_age,
                keep: config.audit.keep_files,
                sync: false,
            },
        )
        .map_err(|e| format!("cannot open the audit log in {}: {e}", dir.display()))?;
        let trail_spool = match &config.audit.delivery {
            Some(delivery) => {
                let dir = config.data_dir.join("spool").join("audit");
                let spool = Arc::new(Spool::open(&dir).map_err(|e| {
                    format!("cannot open the audit trail spool {}: {e}", dir.display())
                })?);
                trail_delivery::spawn(
                    engine.clone(),
                    Default::default(),
                    spool.clone(),
                    metrics.clone(),
                    delivery.clone(),
                );
                Some(spool)
            }
            None => None,
        };
        recorder = recorder.with_sink(audit::start(
            Arc::new(log),
            config.audit.data_events,
            metrics,
            trail_spool,
        ));
    }
    spawn_usage_sampler(
        engine.clone(),
        recorder.metrics.clone(),
        config.usage_sample,
    );
    Ok(Arc::new(recorder))
}

/// Refreshes the storage gauges (bytes and objects per bucket, uploads in progress) every
/// `every`: they come from a scan of the metadata, too costly for every request.
fn spawn_usage_sampler(engine: Engine, metrics: Arc<Metrics>, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut known: std::collections::HashSet<String> = Default::default();
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            match engine.storage_usage().await {
                Ok(usage) => {
                    let now: std::collections::HashSet<String> =
                        usage.iter().map(|u| u.bucket.clone()).collect();
                    for gone in known.difference(&now) {
                        metrics.forget_bucket(gone);
                    }
                    for u in &usage {
                        metrics.set_bucket_usage(&u.bucket, u.bytes, u.objects);
                    }
                    known = now;
                }
                Err(e) => tracing::warn!(error = %e, "cannot sample storage usage"),
            }
            match engine.uploads_in_progress().await {
                Ok(n) => metrics.set_multipart_uploads_in_progress(n),
                Err(e) => tracing::warn!(error = %e, "cannot count multipart uploads"),
            }
        }
    });
}
