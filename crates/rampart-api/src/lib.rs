//! The HTTP face of Rampart: S3's REST protocol over axum/hyper.
//!
//! `service::handle` is the single entry point. Each request is routed to an
//! [`router::Endpoint`], authenticated (`auth`), authorized (`authz`, always, before any side
//! effect), handled by one of `handlers/*`, and answered in S3's wire format; errors become
//! S3's XML error documents in `error`.

mod admin;
mod auth;
pub mod authz;
pub mod body;
pub mod error;
mod error_code;
mod handlers;
mod headers;
mod iam;
mod ids;
pub mod kms;
pub mod mfa_header;
mod post_policy;
mod probes;
pub mod query;
mod query_api;
mod query_service;
pub mod recording;
mod response;
pub mod router;
mod service;
mod sigv4_errors;
mod sts;
pub mod xml;

use std::sync::Arc;
use std::time::Duration;

use rampart_engine::Engine;
use rampart_iam::IdentityStore;

pub use admin::{MasterKeyFile, MasterKeyHandle};
pub use error::{ApiError, S3ErrorCode};

#[derive(Clone, Debug)]
pub struct ApiConfig {
    pub region: String,
    /// Enables virtual-hosted-style requests for `<bucket>.<domain>`.
    pub domain: Option<String>,
    /// A request body that sends nothing for this long fails with `RequestTimeout`.
    pub body_idle_timeout: Duration,
    /// The largest request header section accepted (S3: 8 KiB).
    pub max_header_bytes: usize,
    /// Accept SSE-C keys over plain HTTP from loopback clients (S3 refuses them without TLS).
    pub allow_plain_http_from_loopback: bool,
    /// Serve `/_rampart/metrics` on the S3 listener (off when an operator listener serves it).
    pub metrics_on_s3_listener: bool,
}

impl ApiConfig {
    pub const DEFAULT_BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
    pub const DEFAULT_MAX_HEADER_BYTES: usize = 8 * 1024;
}

/// Everything a request handler can reach.
pub struct AppState {
    pub engine: Engine,
    pub identities: Arc<IdentityStore>,
    pub config: ApiConfig,
    /// Parsed bucket policies, re-validated against the store on every request.
    pub bucket_policies: authz::BucketPolicies,
    /// The master key and its file, for rotation (`None`: not rotatable here).
    pub master_key: Option<admin::MasterKeyHandle>,
    /// The built-in KMS (the `kms` service, and SSE-KMS through `kms::key_provider_for`).
    pub kms: Arc<rampart_kms::Kms>,
    /// Where finished requests are recorded: metrics, access logs, the audit trail.
    pub recorder: Arc<recording::Recorder>,
}

/// The remote address of the connection a request came on (for `aws:SourceIp`), put into
/// the request's extensions by the listener.
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// Put into a request's extensions by the listener when its connection is TLS: requests
/// without it arrived in plain text (`aws:SecureTransport` false).
#[derive(Clone, Copy, Debug)]
pub struct TlsInfo {
    /// The negotiated version as `s3:TlsVersion` has it: "1.2" or "1.3".
    pub version: &'static str,
    /// The negotiated cipher suite, named as OpenSSL names it (as S3's access logs do).
    pub cipher_suite: Option<&'static str>,
}

/// The router serving S3 (and the health probe) for `state`.
pub use probes::ops_router;

pub fn router(state: Arc<AppState>) -> axum::Router {
    axum::Router::new()
        .fallback(service::handle)
        .with_state(state)
}
