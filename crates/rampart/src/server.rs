//! Wiring: open the stores, build the engine and API, listen, serve until a signal.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rampart_api::PeerAddr;
use rampart_api::{ApiConfig, AppState};
use rampart_engine::{Engine, EngineConfig};
use rampart_iam::IdentityStore;
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::{credentials, master_key};

/// Connections get this long to finish their requests after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// hyper answers 431 itself past this many headers; keep it above what our own 8 KiB check
/// (an S3 error document) catches first.
const MAX_HEADERS: usize = 256;

/// Logs go to stderr through a background writer thread: a blocking `write(2)` per request
/// line cost 15-20% of small-GET throughput (docs/PERFORMANCE.md). Lines are never dropped; a
/// full buffer makes the logging request wait. Keep the guard until exit: dropping it flushes.
pub fn init_tracing(filter: &str) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_from_env("RUST_LOG")
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    guard
}

pub async fn run(config: Config) -> Result<(), String> {
    let started = SystemTime::now();
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
    let engine = Engine::new(
        meta.clone(),
        blobs,
        EngineConfig {
            region: config.region.clone(),
            sse: rampart_engine::sse::SseConfig {
                master_key: Some(master_key.clone()),
                encrypt_by_default: config.encrypt_by_default,
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

    let state = Arc::new(AppState {
        engine: engine.clone(),
        identities: Arc::new(identities),
        config: ApiConfig {
            region: config.region.clone(),
            domain: config.domain.clone(),
            body_idle_timeout: config.body_idle_timeout,
            max_header_bytes: config.max_header_bytes,
        },
        bucket_policies: Default::default(),
    });
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let endpoint = format!("http://{local}");
    if let Some(path) = &bootstrap.generated_at {
        // Printed, never logged: logs are collected and kept; this is shown once.
        println!(
            "{}",
            credentials::first_start_notice(&bootstrap.key, path, &endpoint)
        );
    }
    println!("rampart listening on {endpoint}");
    tracing::info!(%endpoint, region = %config.region, "listening");

    tokio::spawn(async move {
        match engine.reclaim_orphaned_blobs(started).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reclaimed = n, "reclaimed blobs orphaned by a crash"),
            Err(e) => tracing::warn!(error = %e, "orphaned-blob sweep failed"),
        }
    });

    serve(
        listener,
        rampart_api::router(state),
        config.header_read_timeout,
    )
    .await;
    tracing::info!("stopped");
    Ok(())
}

async fn serve(listener: TcpListener, router: axum::Router, header_read_timeout: Duration) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_headers(MAX_HEADERS);
    let graceful = GracefulShutdown::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        // The peer's address becomes `aws:SourceIp` for every request on this connection.
        let service = TowerToHyperService::new(router.clone().map_request(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(PeerAddr(peer));
                request
            },
        ));
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("connections still open after the grace period; closing them");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
