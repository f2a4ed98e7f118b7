//! Configuration: each setting from a flag, else an environment variable, else the config
//! file, else its default. `config.example.toml` documents every key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use rampart_store_local::MetaBackend;
use serde::Deserialize;

use crate::tls::TlsFiles;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:9000";
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT_NAME: &str = "rampart";
pub const DEFAULT_LOG: &str = "info";

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "RAMPART_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:9000]; port 0 picks a free port.
    #[arg(long, env = "RAMPART_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Serve HTTPS on --listen with this PEM certificate chain (with --tls-key); SIGHUP
    /// re-reads both files.
    #[arg(long, env = "RAMPART_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key (PKCS#8, PKCS#1 or SEC1) of --tls-cert.
    #[arg(long, env = "RAMPART_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// With TLS: also serve plain HTTP on this address.
    #[arg(long, env = "RAMPART_HTTP_LISTEN", value_name = "ADDR")]
    pub http_listen: Option<SocketAddr>,
    /// Serve the metrics (and the health and readiness probes) on this address, plain HTTP,
    /// instead of on the S3 listener [default: on the S3 listener].
    #[arg(long, env = "RAMPART_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Directory for all data [default: ./data].
    #[arg(long, env = "RAMPART_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The region this server is [default: us-east-1].
    #[arg(long, env = "RAMPART_REGION")]
    pub region: Option<String>,
    /// Domain for virtual-hosted-style requests (`BUCKET.NAME`); path-style always works.
    #[arg(long, env = "RAMPART_DOMAIN", value_name = "NAME")]
    pub domain: Option<String>,
    /// Metadata engine: redb or sled [default: redb].
    #[arg(long, env = "RAMPART_STORAGE_META", value_name = "ENGINE")]
    pub storage_meta: Option<MetaBackend>,
    /// Log filter, in tracing's env-filter syntax [default: info].
    #[arg(long, env = "RAMPART_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// The server log's format: `pretty` (human-readable lines) or `json` (one object per
    /// event, with the request span's fields) [default: pretty].
    #[arg(long, env = "RAMPART_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// The server's master key (32 bytes; generated on first start if absent)
    /// [default: DATA_DIR/keys/master.key].
    #[arg(long, env = "RAMPART_MASTER_KEY_FILE", value_name = "PATH")]
    pub master_key_file: Option<PathBuf>,
    /// Whether buckets without an encryption configuration encrypt new objects with SSE-S3
    /// [default: true, as S3 does since 2023].
    #[arg(long, env = "RAMPART_ENCRYPT_BY_DEFAULT", value_name = "BOOL")]
    pub encrypt_by_default: Option<bool>,
    /// Whether buckets without an encryption configuration refuse SSE-C writes
    /// [default: true, as S3 does for buckets made since April 2026].
    #[arg(long, env = "RAMPART_BLOCK_SSE_C_BY_DEFAULT", value_name = "BOOL")]
    pub block_sse_c_by_default: Option<bool>,
    /// Accept over plain HTTP, from loopback clients only, what S3 accepts only over TLS
    /// (SSE-C keys): for local development [default: false].
    #[arg(
        long,
        env = "RAMPART_ALLOW_PLAIN_HTTP_FROM_LOOPBACK",
        value_name = "BOOL"
    )]
    pub allow_plain_http_from_loopback: Option<bool>,
    /// How often spooled server access log records are delivered to their target buckets, in
    /// seconds [default: 300].
    #[arg(long, env = "RAMPART_ACCESS_LOG_FLUSH_SECS", value_name = "SECS")]
    pub access_log_flush_secs: Option<u64>,
    /// How often bytes and objects per bucket are sampled for the metrics, in seconds
    /// [default: 60].
    #[arg(long, env = "RAMPART_METRICS_USAGE_SECS", value_name = "SECS")]
    pub metrics_usage_secs: Option<u64>,
    /// Record S3 object-level (data) events in the audit trail too, not only management
    /// events [default: false].
    #[arg(long, env = "RAMPART_AUDIT_DATA_EVENTS", value_name = "BOOL")]
    pub audit_data_events: Option<bool>,
    /// Deliver the audit trail to this bucket too, as CloudTrail delivers a trail (its policy
    /// must let `cloudtrail.amazonaws.com` s3:PutObject) [default: not delivered].
    #[arg(long, env = "RAMPART_AUDIT_BUCKET", value_name = "BUCKET")]
    pub audit_bucket: Option<String>,
    /// Shortest STS session accepted, in seconds [default: 900, as AWS].
    #[arg(long, env = "RAMPART_STS_MIN_DURATION_SECS", value_name = "SECS")]
    pub sts_min_duration_secs: Option<u64>,
    /// Root access key id of the first account (with RAMPART_ROOT_SECRET_KEY).
    #[arg(skip)]
    pub root_access_key: Option<String>,
    #[arg(skip)]
    pub root_secret_key: Option<String>,
}

/// The configuration file's shape.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    http_listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    region: Option<String>,
    domain: Option<String>,
    log: Option<String>,
    log_format: Option<LogFormat>,
    master_key_file: Option<PathBuf>,
    account_name: Option<String>,
    root_access_key: Option<String>,
    root_secret_key: Option<String>,
    #[serde(default)]
    storage: StorageFile,
    #[serde(default)]
    limits: LimitsFile,
    #[serde(default)]
    sts: StsFile,
    #[serde(default)]
    encryption: EncryptionFile,
    #[serde(default)]
    tls: TlsFile,
    #[serde(default)]
    access_log: AccessLogFile,
    #[serde(default)]
    metrics: MetricsFile,
    #[serde(default)]
    audit: AuditFile,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct MetricsFile {
    usage_sample_secs: Option<u64>,
    listen: Option<SocketAddr>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct AccessLogFile {
    flush_secs: Option<u64>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct AuditFile {
    enabled: Option<bool>,
    data_events: Option<bool>,
    dir: Option<PathBuf>,
    max_file_bytes: Option<u64>,
    max_file_age_secs: Option<u64>,
    keep_files: Option<usize>,
    bucket: Option<String>,
    bucket_prefix: Option<String>,
    delivery_secs: Option<u64>,
    trail_name: Option<String>,
}

/// How the server's own log is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

/// The audit trail's settings.
#[derive(Debug, Clone)]
pub struct AuditSettings {
    pub enabled: bool,
    pub data_events: bool,
    /// `None`: `<data_dir>/audit`.
    pub dir: Option<PathBuf>,
    pub max_file_bytes: u64,
    pub max_file_age: Duration,
    pub keep_files: usize,
    /// Delivery of the trail to a bucket, when one is named.
    pub delivery: Option<rampart_api::recording::trail_delivery::TrailDelivery>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct EncryptionFile {
    by_default: Option<bool>,
    block_sse_c_by_default: Option<bool>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    allow_plain_http_from_loopback: Option<bool>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct StsFile {
    min_session_duration_secs: Option<u64>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct StorageFile {
    meta: Option<MetaBackend>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    body_idle_timeout_secs: Option<u64>,
    header_read_timeout_secs: Option<u64>,
    max_header_bytes: Option<usize>,
}

#[derive(Debug)]
pub struct Config {
    pub listen: SocketAddr,
    /// HTTPS on `listen` when set.
    pub tls: Option<TlsFiles>,
    /// A plain-HTTP listener beside the HTTPS one.
    pub http_listen: Option<SocketAddr>,
    /// The operator listener (metrics and probes); the S3 listener then serves no metrics.
    pub metrics_listen: Option<SocketAddr>,
    pub data_dir: PathBuf,
    pub region: String,
    pub domain: Option<String>,
    pub meta_backend: MetaBackend,
    pub log: String,
    pub log_format: LogFormat,
    /// Where the master key is; `None`: `<data_dir>/keys/master.key`.
    pub master_key_file: Option<PathBuf>,
    pub account_name: String,
    /// Bootstrap credentials given explicitly (env or file); otherwise generated or loaded.
    pub root_key: Option<(String, String)>,
    pub body_idle_timeout: Duration,
    pub header_read_timeout: Duration,
    pub max_header_bytes: usize,
    pub sts_min_duration: Duration,
    pub encrypt_by_default: bool,
    pub block_sse_c_by_default: bool,
    pub allow_plain_http_from_loopback: bool,
    pub access_log_flush: Duration,
    /// How often the storage gauges of the metrics are refreshed.
    pub usage_sample: Duration,
    pub audit: AuditSettings,
}

/// AWS's shortest AssumeRole / GetSessionToken duration.
pub const DEFAULT_STS_MIN_DURATION_SECS: u64 = 900;

impl Config {
    pub fn load(mut args: ServeArgs) -> Result<Self, String> {
        // Secrets come from the environment, not flags: flags show up in `ps`.
        args.root_access_key = std::env::var("RAMPART_ROOT_ACCESS_KEY").ok();
        args.root_secret_key = std::env::var("RAMPART_ROOT_SECRET_KEY").ok();
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        Self::merge(args, file)
    }

    fn merge(args: ServeArgs, file: FileConfig) -> Result<Self, String> {
        let listen = match args.listen.or(file.listen) {
            Some(addr) => addr,
            None => DEFAULT_LISTEN
                .parse()
                .map_err(|e| format!("default listen address: {e}"))?,
        };
        let region = args
            .region
            .or(file.region)
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(format!("invalid region {region:?}"));
        }
        let root_key = match (
            args.root_access_key.or(file.root_access_key),
            args.root_secret_key.or(file.root_secret_key),
        ) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (None, None) => None,
            _ => {
                return Err(
                    "give both RAMPART_ROOT_ACCESS_KEY and RAMPART_ROOT_SECRET_KEY, or neither"
                        .to_owned(),
                );
            }
        };
        let tls = match (
            args.tls_cert.or(file.tls.cert),
            args.tls_key.or(file.tls.key),
        ) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => return Err("give both --tls-cert and --tls-key, or neither".to_owned()),
        };
        let http_listen = args.http_listen.or(file.http_listen);
        if http_listen.is_some() && tls.is_none() {
            return Err(
                "--http-listen adds a plain-HTTP listener beside HTTPS: it needs --tls-cert and --tls-key"
                    .to_owned(),
            );
        }
        let limits = file.limits;
        Ok(Self {
            listen,
            tls,
            http_listen,
            metrics_listen: args.metrics_listen.or(file.metrics.listen),
            data_dir: args
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            region,
            domain: args
                .domain
                .or(file.domain)
                .map(|d| d.trim_matches('.').to_ascii_lowercase())
                .filter(|d| !d.is_empty()),
            meta_backend: args
                .storage_meta
                .or(file.storage.meta)
                .unwrap_or(MetaBackend::DEFAULT),
            log: args
                .log
                .or(file.log)
                .unwrap_or_else(|| DEFAULT_LOG.to_owned()),
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            master_key_file: args.master_key_file.or(file.master_key_file),
            account_name: file
                .account_name
                .unwrap_or_else(|| DEFAULT_ACCOUNT_NAME.to_owned()),
            root_key,
            body_idle_timeout: Duration::from_secs(
                limits
                    .body_idle_timeout_secs
                    .unwrap_or(rampart_api::ApiConfig::DEFAULT_BODY_IDLE_TIMEOUT.as_secs()),
            ),
            header_read_timeout: Duration::from_secs(limits.header_read_timeout_secs.unwrap_or(30)),
            max_header_bytes: limits
                .max_header_bytes
                .unwrap_or(rampart_api::ApiConfig::DEFAULT_MAX_HEADER_BYTES),
            sts_min_duration: Duration::from_secs(
                args.sts_min_duration_secs
                    .or(file.sts.min_session_duration_secs)
                    .unwrap_or(DEFAULT_STS_MIN_DURATION_SECS)
                    .max(1),
            ),
            encrypt_by_default: args
                .encrypt_by_default
                .or(file.encryption.by_default)
                .unwrap_or(true),
            block_sse_c_by_default: args
                .block_sse_c_by_default
                .or(file.encryption.block_sse_c_by_default)
                .unwrap_or(true),
            allow_plain_http_from_loopback: args
                .allow_plain_http_from_loopback
                .or(file.tls.allow_plain_http_from_loopback)
                .unwrap_or(false),
            access_log_flush: Duration::from_secs(
                args.access_log_flush_secs
                    .or(file.access_log.flush_secs)
                    .unwrap_or(300)
                    .max(1),
            ),
            usage_sample: Duration::from_secs(
                args.metrics_usage_secs
                    .or(file.metrics.usage_sample_secs)
                    .unwrap_or(60)
                    .max(1),
            ),
            audit: AuditSettings {
                enabled: file.audit.enabled.unwrap_or(true),
                data_events: args
                    .audit_data_events
                    .or(file.audit.data_events)
                    .unwrap_or(false),
                dir: file.audit.dir.clone(),
                max_file_bytes: file.audit.max_file_bytes.unwrap_or(100 * 1024 * 1024),
                max_file_age: Duration::from_secs(file.audit.max_file_age_secs.unwrap_or(86_400)),
                keep_files: file.audit.keep_files.unwrap_or(30),
                delivery: trail_delivery(args.audit_bucket, &file.audit)?,
            },
        })
    }
}

/// The audit trail's delivery to a bucket, when one is named (CloudTrail delivers about every
/// five minutes; so does this by default).
fn trail_delivery(
    bucket: Option<String>,
    file: &AuditFile,
) -> Result<Option<rampart_api::recording::trail_delivery::TrailDelivery>, String> {
    let Some(bucket) = bucket.or_else(|| file.bucket.clone()) else {
        return Ok(None);
    };
    if file.enabled == Some(false) {
        return Err(format!(
            "the audit trail is to be delivered to {bucket:?} but is disabled ([audit] enabled = false)"
        ));
    }
    let bucket = rampart_types::BucketName::parse(&bucket)
        .map_err(|_| format!("invalid audit trail bucket name {bucket:?}"))?;
    Ok(Some(
        rampart_api::recording::trail_delivery::TrailDelivery {
            bucket,
            prefix: file
                .bucket_prefix
                .clone()
                .filter(|p| !p.trim_matches('/').is_empty()),
            trail_name: file
                .trail_name
                .clone()
                .unwrap_or_else(|| "rampart".to_owned()),
            every: Duration::from_secs(file.delivery_secs.unwrap_or(300).max(1)),
        },
    ))
}

fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("invalid config file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = Config::merge(ServeArgs::default(), FileConfig::default()).unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.region, "us-east-1");
        assert_eq!(c.meta_backend, MetaBackend::DEFAULT);
        assert!(c.root_key.is_none());
        assert!(c.domain.is_none());
    }

    #[test]
    fn flags_win_over_the_file() {
        let file: FileConfig = toml::from_str(
            "listen = \"0.0.0.0:9100\"\nregion = \"eu-west-1\"\ndomain = \"s3.example.com\"\n[storage]\nmeta = \"sled\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            region: Some("ap-south-1".into()),
            ..Default::default()
        };
        let c = Config::merge(args, file).unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:9100");
        assert_eq!(c.region, "ap-south-1");
        assert_eq!(c.domain.as_deref(), Some("s3.example.com"));
        assert_eq!(c.meta_backend, MetaBackend::Sled);
    }

    #[test]
    fn rejects_half_credentials_and_unknown_keys() {
        let file = FileConfig {
            root_access_key: Some("AKIAIOSFODNN7EXAMPLE".into()),
            ..Default::default()
        };
        assert!(Config::merge(ServeArgs::default(), file).is_err());
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }

    #[test]
    fn tls_needs_both_files_and_http_listen_needs_tls() {
        let file: FileConfig = toml::from_str(
            "http_listen = \"127.0.0.1:9080\"\n[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\n",
        )
        .unwrap();
        let c = Config::merge(ServeArgs::default(), file).unwrap();
        let tls = c.tls.unwrap();
        assert_eq!((tls.cert, tls.key), ("c.pem".into(), "k.pem".into()));
        assert_eq!(c.http_listen.unwrap().to_string(), "127.0.0.1:9080");

        let half = ServeArgs {
            tls_cert: Some("c.pem".into()),
            ..Default::default()
        };
        assert!(Config::merge(half, FileConfig::default()).is_err());
        let plain_only = ServeArgs {
            http_listen: Some("127.0.0.1:9080".parse().unwrap()),
            ..Default::default()
        };
        assert!(Config::merge(plain_only, FileConfig::default()).is_err());
    }

    #[test]
    fn metrics_listener() {
        let file: FileConfig = toml::from_str("[metrics]\nlisten = \"127.0.0.1:9100\"\n").unwrap();
        let c = Config::merge(ServeArgs::default(), file).unwrap();
        assert_eq!(c.metrics_listen.unwrap().to_string(), "127.0.0.1:9100");
        let flag = ServeArgs {
            metrics_listen: Some("0.0.0.0:9200".parse().unwrap()),
            ..Default::default()
        };
        let c = Config::merge(flag, FileConfig::default()).unwrap();
        assert_eq!(c.metrics_listen.unwrap().to_string(), "0.0.0.0:9200");
        assert!(
            Config::merge(ServeArgs::default(), FileConfig::default())
                .unwrap()
                .metrics_listen
                .is_none()
        );
    }

    #[test]
    fn audit_trail_delivery() {
        let file: FileConfig = toml::from_str(
            "[audit]\nbucket = \"trail\"\nbucket_prefix = \"/\"\ndelivery_secs = 0\n",
        )
        .unwrap();
        let c = Config::merge(ServeArgs::default(), file).unwrap();
        let delivery = c.audit.delivery.unwrap();
        assert_eq!(delivery.bucket.as_str(), "trail");
        assert_eq!(delivery.prefix, None, "a prefix of only slashes is none");
        assert_eq!(delivery.trail_name, "rampart");
        assert_eq!(delivery.every, Duration::from_secs(1));
        let bad_name: FileConfig = toml::from_str("[audit]\nbucket = \"Not_A_Bucket\"\n").unwrap();
        assert!(Config::merge(ServeArgs::default(), bad_name).is_err());
        let disabled: FileConfig =
            toml::from_str("[audit]\nenabled = false\nbucket = \"trail\"\n").unwrap();
        assert!(Config::merge(ServeArgs::default(), disabled).is_err());
        let by_flag = ServeArgs {
            audit_bucket: Some("flagged".into()),
            ..Default::default()
        };
        let c = Config::merge(by_flag, FileConfig::default()).unwrap();
        assert_eq!(c.audit.delivery.unwrap().bucket.as_str(), "flagged");
        assert!(
            Config::merge(ServeArgs::default(), FileConfig::default())
                .unwrap()
                .audit
                .delivery
                .is_none()
        );
    }

    #[test]
    fn the_example_config_parses() {
        let example = include_str!("../../../config.example.toml");
        let file: FileConfig = toml::from_str(example).unwrap();
        Config::merge(ServeArgs::default(), file).unwrap();
    }
}
