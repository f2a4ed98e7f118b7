//! Wiring: open the stores, build the engine and API, listen, serve until a signal.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::SystemTime;

use rampart_api::{ApiConfig, AppState};
use rampart_engine::{Engine, EngineConfig};
use rampart_iam::IdentityStore;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::listener::{self, Listener};
use crate::{credentials, master_key, tls};

/// Logs go to stderr through a background writer thread: a blocking `write(2)` per request
/// line cost 15-20% of small-GET throughput (docs/PERFORMANCE.md). Lines are never dropped; a
/// full buffer makes the logging request wait. Keep the guard until exit: dropping it flushes.
pub fn init_tracing(
    filter: &str,
    format: crate::config::LogFormat,
) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        crate::config::LogFormat::Pretty => {
            builder.with_ansi(std::io::stderr().is_terminal()).init()
        }
        // One JSON object per event, carrying the request span (request id, operation,
        // bucket, principal) so a log pipeline can join an event to its request.
        crate::config::LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    guard
}

pub async fn run(config: Config) -> Result<(), String> {
    let started = SystemTime::now();
    // Before anything touches the data directory: a bad certificate is a typo to fix, not a
    // reason to have generated credentials.
    let acceptor = match &config.tls {
        Some(files) => {
            let certs = tls::ReloadableCert::load(files.clone())?;
            #[cfg(unix)]
            tls::reload_on_sighup(certs.clone())?;
            Some(tokio_rustls::TlsAcceptor::from(tls::server_config(certs)?))
        }
        None => None,
    };
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create data dir {}: {e}", config.data_dir.display()))?;
    let meta_dir = config.data_dir.join("meta");
    let backend = config.meta_backend;
    let meta =
        tokio::task::spawn_blocking(move || rampart_store_local::open_meta(backend, meta_dir))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot open the metadata store: {e}"))?;
    let blobs = rampart_store_local::open_blobs(&config.data_dir)
        .map_err(|e| format!("cannot open the blob store: {e}"))?;
    tracing::info!(data_dir = %config.data_dir.display(), meta = %backend, "storage opened");

    let master_key_path = config
        .master_key_file
        .clone()
        .unwrap_or_else(|| master_key::default_path(&config.data_dir));
    let master_key = Arc::new(master_key::load_or_create(&master_key_path)?);
    let master_key_handle = master_key.clone();
    let engine = Engine::new(
        meta.clone(),
        blobs,
        EngineConfig {
            region: config.region.clone(),
            sse: rampart_engine::sse::SseConfig {
                master_key: Some(master_key.clone()),
                encrypt_by_default: config.encrypt_by_default,
                block_sse_c_by_default: config.block_sse_c_by_default,
            },
        },
    );
    let recovered = engine
        .recover_interrupted_bucket_deletes()
        .await
        .map_err(|e| format!("recovery failed: {e}"))?;
    if recovered > 0 {
        tracing::warn!(recovered, "recovered buckets from interrupted deletes");
    }
    let recovered = engine
        .recover_interrupted_uploads()
        .await
        .map_err(|e| format!("recovery failed: {e}"))?;
    if recovered > 0 {
        tracing::warn!(
            recovered,
            "recovered multipart uploads from an interrupted complete or abort"
        );
    }

    let kms = Arc::new(rampart_kms::Kms::new(
        meta.clone(),
        master_key.clone(),
        &config.region,
    ));

    let bootstrap = credentials::load_or_create(&config.data_dir, config.root_key.clone())?;
    let identities = IdentityStore::open(
        meta,
        master_key,
        &config.account_name,
        bootstrap.key.clone(),
    )
    .await
    .map_err(|e| format!("cannot open identities: {e}"))?;
    identities.set_min_session_duration(config.sts_min_duration);
    tracing::info!(
        account = %identities.root_account().id,
        access_key_id = %bootstrap.key.0,
        "root credentials ready"
    );

    let recorder = crate::recording::start(&config, &engine)?;
    let metrics = recorder.metrics.clone();
    let state = Arc::new(AppState {
        engine: engine.clone(),
        identities: Arc::new(identities),
        config: ApiConfig {
            region: config.region.clone(),
            domain: config.domain.clone(),
            body_idle_timeout: config.body_idle_timeout,
            max_header_bytes: config.max_header_bytes,
            allow_plain_http_from_loopback: config.allow_plain_http_from_loopback,
            metrics_on_s3_listener: config.metrics_listen.is_none(),
        },
        bucket_policies: Default::default(),
        master_key: Some(rampart_api::MasterKeyHandle {
            key: master_key_handle,
            file: Arc::new(master_key::KeyFile::new(master_key_path)),
        }),
        kms,
        recorder,
    });
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let (primary, endpoint) = bind(config.listen, scheme).await?;
    let plain = match config.http_listen {
        Some(addr) => Some(bind(addr, "http").await?),
        None => None,
    };
    if let Some(addr) = config.metrics_listen {
        let (tcp, endpoint) = bind(addr, "http").await?;
        // Printed before the S3 endpoint: what reads the banner stops at that line.
        println!("rampart metrics listening on {endpoint}");
        tracing::info!(%endpoint, "metrics listening");
        let ops = rampart_api::ops_router(state.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(tcp, ops).await {
                tracing::error!(error = %e, "the metrics listener failed");
            }
        });
    }
    if let Some(path) = &bootstrap.generated_at {
        // Printed, never logged: logs are collected and kept; this is shown once.
        println!(
            "{}",
            credentials::first_start_notice(&bootstrap.key, path, &endpoint)
        );
    }
    println!("rampart listening on {endpoint}");
    tracing::info!(%endpoint, region = %config.region, "listening");
    if let Some((_, endpoint)) = &plain {
        println!("rampart listening on {endpoint}");
        tracing::info!(%endpoint, "listening");
    }

    tokio::spawn(async move {
        match engine.reclaim_orphaned_blobs(started).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reclaimed = n, "reclaimed blobs orphaned by a crash"),
            Err(e) => tracing::warn!(error = %e, "orphaned-blob sweep failed"),
        }
    });

    listener::serve(
        Listener {
            tcp: primary,
            tls: acceptor,
        },
        plain.map(|(tcp, _)| Listener { tcp, tls: None }),
        rampart_api::router(state),
        config.header_read_timeout,
        metrics,
    )
    .await;
    tracing::info!("stopped");
    Ok(())
}

/// A listening socket on `addr`, and the endpoint URL it serves (with the port chosen if
/// `addr` asked for port 0).
async fn bind(addr: std::net::SocketAddr, scheme: &str) -> Result<(TcpListener, String), String> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    Ok((listener, format!("{scheme}://{local}")))
}
