//! The accept loop: TCP (and TLS) connections in, one hyper connection task each, until a
//! shutdown signal; then a grace period for requests in flight.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use rampart_api::{PeerAddr, TlsInfo};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tower::ServiceExt as _;

use crate::tls;

/// Connections get this long to finish their requests after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// hyper answers 431 itself past this many headers; keep it above what our own 8 KiB check
/// (an S3 error document) catches first.
const MAX_HEADERS: usize = 256;

/// One listening socket; with an acceptor, its connections speak TLS.
pub struct Listener {
    pub tcp: TcpListener,
    pub tls: Option<TlsAcceptor>,
}

/// Serves `primary` and, if given, `secondary` until a shutdown signal.
/// `header_read_timeout` also bounds a TLS handshake: both are what a client must send
/// before it has asked for anything.
pub async fn serve(
    primary: Listener,
    secondary: Option<Listener>,
    router: axum::Router,
    header_read_timeout: Duration,
    metrics: Arc<rampart_audit::metrics::Metrics>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_headers(MAX_HEADERS);
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (accepted, tls) = tokio::select! {
            accepted = primary.tcp.accept() => (accepted, primary.tls.clone()),
            accepted = accept_from(secondary.as_ref()) => {
                (accepted, secondary.as_ref().and_then(|l| l.tls.clone()))
            }
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors and the like: back off rather than spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        // Taken now, not in the task: a connection accepted before the signal must be
        // waited for even if its handshake finishes after it.
        let watcher = graceful.watcher();
        let builder = builder.clone();
        let router = router.clone();
        let open = OpenConnection::new(metrics.clone());
        tokio::spawn(async move {
            let _open = open;
            match tls {
                None => serve_connection(&builder, stream, peer, router, None, watcher).await,
                Some(acceptor) => {
                    let Some((stream, info)) =
                        handshake(&acceptor, stream, peer, header_read_timeout).await
                    else {
                        return;
                    };
                    serve_connection(&builder, stream, peer, router, Some(info), watcher).await;
                }
            }
        });
    }
    drop(primary);
    drop(secondary);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("connections still open after the grace period; closing them");
        }
    }
}

/// Counts a connection in `rampart_active_connections` for as long as it lives.
struct OpenConnection(Arc<rampart_audit::metrics::Metrics>);

impl OpenConnection {
    fn new(metrics: Arc<rampart_audit::metrics::Metrics>) -> Self {
        metrics.connection_opened();
        Self(metrics)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connection_closed();
    }
}

/// The TLS handshake, bounded by `timeout`; `None` (logged at debug) if it fails.
async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
    timeout: Duration,
) -> Option<(TlsStream<TcpStream>, TlsInfo)> {
    let stream = match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => stream,
        // Plain HTTP on the TLS port, a port scanner, an old client: their problem, not
        // the server's.
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "TLS handshake failed");
            return None;
        }
        Err(_) => {
            tracing::debug!(%peer, "TLS handshake timed out");
            return None;
        }
    };
    // Policies must see the version; a connection without one (which rustls does not
    // produce after a handshake) is not served rather than guessed at.
    let negotiated = stream.get_ref().1.protocol_version();
    let Some(version) = negotiated.and_then(tls::version_name) else {
        tracing::debug!(%peer, ?negotiated, "TLS version not one we offer");
        return None;
    };
    let cipher_suite = stream
        .get_ref()
        .1
        .negotiated_cipher_suite()
        .and_then(|s| tls::cipher_suite_name(s.suite()));
    Some((
        stream,
        TlsInfo {
            version,
            cipher_suite,
        },
    ))
}

async fn accept_from(listener: Option<&Listener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.tcp.accept().await,
        None => std::future::pending().await,
    }
}

async fn serve_connection<S>(
    builder: &auto::Builder<TokioExecutor>,
    stream: S,
    peer: SocketAddr,
    router: axum::Router,
    tls: Option<TlsInfo>,
    watcher: Watcher,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    // The peer's address becomes `aws:SourceIp`, and the TLS version `aws:SecureTransport`
    // and `s3:TlsVersion`, for every request on this connection.
    let service = TowerToHyperService::new(router.map_request(
        move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(PeerAddr(peer));
            if let Some(tls) = tls {
                request.extensions_mut().insert(tls);
            }
            request
        },
    ));
    let connection = builder
        .serve_connection(TokioIo::new(stream), service)
        .into_owned();
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
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
