//! Harness for the end-to-end tests: starts the real `rampart` binary on an ephemeral port with
//! a temporary data directory and hands out clients for it.

pub mod raw;
pub mod tls;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use aws_sdk_s3::config::{Credentials, Region};

pub const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const REGION: &str = "us-east-1";
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The `rampart` binary this workspace built. `cargo test --workspace` builds it (the
/// `rampart` crate has integration tests); `RAMPART_BIN` overrides.
pub fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("RAMPART_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test binary knows its path");
    // target/<profile>/deps/<test-binary> → target/<profile>/rampart
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binaries live in target/<profile>/deps");
    let bin = profile_dir.join("rampart");
    assert!(
        bin.exists(),
        "the rampart binary is missing at {}: run `cargo build -p rampart` (or `cargo test --workspace`, which builds it), or set RAMPART_BIN",
        bin.display()
    );
    bin
}

#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub region: String,
    pub domain: Option<String>,
    pub meta: Option<String>,
    pub env: Vec<(String, String)>,
    /// Use generated root credentials instead of the fixed test pair.
    pub generated_credentials: bool,
    /// Contents of a config file passed with `--config`.
    pub config_toml: Option<String>,
    /// Serve HTTPS with a certificate from `rampart dev-cert`, and plain HTTP on a second
    /// port: `endpoint`/`port` are the HTTPS listener, `http_port` the plain one.
    pub tls: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            region: REGION.to_owned(),
            domain: None,
            meta: None,
            env: Vec::new(),
            generated_credentials: false,
            config_toml: None,
            tls: false,
        }
    }
}

/// A running server. Killed (SIGKILL) when dropped; its data directory is removed then too.
pub struct Server {
    child: Option<Child>,
    pub endpoint: String,
    pub port: u16,
    /// With `tls`: the plain-HTTP listener beside the HTTPS one.
    pub http_port: Option<u16>,
    pub options: ServerOptions,
    data: tempfile::TempDir,
    /// Everything the server printed to stdout before it was ready.
    pub banner: String,
    run: usize,
}

impl Server {
    pub fn start() -> Self {
        Self::start_with(ServerOptions::default())
    }

    pub fn start_with(options: ServerOptions) -> Self {
        let data = tempfile::Builder::new()
            .prefix("rampart-e2e-")
            .tempdir()
            .expect("a temporary data directory");
        let mut server = Self {
            child: None,
            endpoint: String::new(),
            port: 0,
            http_port: None,
            options,
            data,
            banner: String::new(),
            run: 0,
        };
        if server.options.tls {
            let out = Command::new(binary())
                .arg("dev-cert")
                .arg("--out")
                .arg(server.tls_dir())
                .output()
                .expect("run rampart dev-cert");
            assert!(out.status.success(), "rampart dev-cert: {out:?}");
        }
        server.launch(0, 0);
        server
    }

    fn tls_dir(&self) -> PathBuf {
        self.data.path().join("tls")
    }

    /// The certificate a `tls` server serves (self-signed: clients trust this file).
    pub fn cert_path(&self) -> PathBuf {
        self.tls_dir().join("cert.pem")
    }

    /// The private key of [`Server::cert_path`].
    pub fn key_path(&self) -> PathBuf {
        self.tls_dir().join("key.pem")
    }

    /// The plain-HTTP endpoint of a `tls` server.
    pub fn http_endpoint(&self) -> String {
        format!(
            "http://127.0.0.1:{}",
            self.http_port.expect("a tls server has a plain-HTTP port")
        )
    }

    /// The server process's id, for sending it signals.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server is running").id()
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    fn stderr_path(&self) -> PathBuf {
        self.data.path().join(format!("server-{}.log", self.run))
    }

    fn launch(&mut self, port: u16, http_port: u16) {
        self.run += 1;
        let stderr = std::fs::File::create(self.stderr_path()).expect("server log file");
        let mut cmd = Command::new(binary());
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(self.data.path().join("data"))
            .arg("--region")
            .arg(&self.options.region)
            .env_remove("RAMPART_CONFIG")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        if !self.options.generated_credentials {
            cmd.env("RAMPART_ROOT_ACCESS_KEY", ACCESS_KEY)
                .env("RAMPART_ROOT_SECRET_KEY", SECRET_KEY);
        } else {
            cmd.env_remove("RAMPART_ROOT_ACCESS_KEY")
                .env_remove("RAMPART_ROOT_SECRET_KEY");
        }
        if let Some(domain) = &self.options.domain {
            cmd.arg("--domain").arg(domain);
        }
        if let Some(toml) = &self.options.config_toml {
            let path = self.data.path().join("rampart.toml");
            std::fs::write(&path, toml).expect("write the config file");
            cmd.arg("--config").arg(path);
        }
        if self.options.tls {
            cmd.arg("--tls-cert")
                .arg(self.cert_path())
                .arg("--tls-key")
                .arg(self.key_path())
                .arg("--http-listen")
                .arg(format!("127.0.0.1:{http_port}"));
        }
        if let Some(meta) = &self.options.meta {
            cmd.arg("--storage-meta").arg(meta);
        }
        for (k, v) in &self.options.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the rampart binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut banner = String::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                banner.push_str(&line);
                banner.push('\n');
                if let Some(url) = line.strip_prefix("rampart listening on ") {
                    let _ = tx.send(Ok((url.trim().to_owned(), banner.clone())));
                }
            }
            let _ = tx.send(Err(banner));
        });
        let port_of = |url: &str| -> u16 {
            url.rsplit(':')
                .next()
                .and_then(|p| p.parse().ok())
                .expect("a port in the listening line")
        };
        // A TLS server prints its HTTPS line, then its plain-HTTP one.
        let started = rx.recv_timeout(START_TIMEOUT).and_then(|first| {
            if !self.options.tls || first.is_err() {
                return Ok((first, None));
            }
            rx.recv_timeout(START_TIMEOUT)
                .map(|second| (first, Some(second)))
        });
        match started {
            Ok((Ok((url, banner)), plain)) => {
                self.port = port_of(&url);
                self.endpoint = url;
                self.banner = banner;
                match plain {
                    Some(Ok((url, banner))) if url.starts_with("http://") => {
                        self.http_port = Some(port_of(&url));
                        self.banner = banner;
                    }
                    None => {}
                    other => {
                        let _ = child.kill();
                        panic!("no plain-HTTP listening line ({other:?})");
                    }
                }
                self.child = Some(child);
            }
            other => {
                let _ = child.kill();
                panic!(
                    "rampart did not start ({other:?}); its log:\n{}",
                    std::fs::read_to_string(self.stderr_path()).unwrap_or_default()
                );
            }
        }
    }

    /// SIGKILL: no shutdown, no flushing. What survives this is what was durable.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same data directory and port.
    pub fn restart(&mut self) {
        self.kill();
        let port = self.port;
        let http_port = self.http_port.unwrap_or(0);
        self.launch(port, http_port);
    }

    /// The server's log (stderr) of its current run.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.stderr_path()).unwrap_or_default()
    }

    pub fn client(&self) -> aws_sdk_s3::Client {
        self.client_with(ACCESS_KEY, SECRET_KEY, |b| b)
    }

    /// A client with other credentials or settings.
    pub fn client_with(
        &self,
        access_key: &str,
        secret_key: &str,
        customize: impl FnOnce(aws_sdk_s3::config::Builder) -> aws_sdk_s3::config::Builder,
    ) -> aws_sdk_s3::Client {
        self.client_at(&self.endpoint, access_key, secret_key, customize)
    }

    /// The root's client for the plain-HTTP listener of a `tls` server.
    pub fn plain_client(&self) -> aws_sdk_s3::Client {
        self.client_at(&self.http_endpoint(), ACCESS_KEY, SECRET_KEY, |b| b)
    }

    fn client_at(
        &self,
        endpoint: &str,
        access_key: &str,
        secret_key: &str,
        customize: impl FnOnce(aws_sdk_s3::config::Builder) -> aws_sdk_s3::config::Builder,
    ) -> aws_sdk_s3::Client {
        let http = if endpoint.starts_with("https://") {
            tls::sdk_https_client(&self.cert_path())
        } else {
            aws_smithy_http_client::Builder::new().build_http()
        };
        let config = aws_sdk_s3::Config::builder()
            .endpoint_url(endpoint)
            .region(Region::new(self.options.region.clone()))
            .credentials_provider(Credentials::new(access_key, secret_key, None, None, "e2e"))
            .force_path_style(true)
            .http_client(http);
        aws_sdk_s3::Client::from_conf(customize(config).build())
    }

    /// Replaces the contents of the config file `aws` runs with (`AWS_CONFIG_FILE`; by
    /// default a bare `[default]` profile).
    pub fn set_aws_config(&self, contents: &str) {
        std::fs::write(self.data.path().join("aws-config"), contents).expect("aws config file");
    }

    /// Runs `python3 ARGS…` (a script and its arguments, or `-c CODE …`) as the root user of
    /// this server, with no AWS config or credentials file in the way; fails the test with a
    /// clear message if python3 is missing. The scripts use boto3, which `.ci/run` installs.
    pub fn python<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> std::process::Output {
        Command::new("python3")
            .args(args)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_DEFAULT_REGION", &self.options.region)
            .env("AWS_CONFIG_FILE", self.data.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.data.path().join("no-credentials"),
            )
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run python3 ({e}); these tests need python3 with boto3 (pip install boto3; `.ci/run` installs it)"
                )
            })
    }

    /// Runs the `aws` CLI against this server; fails the test with a clear message if the CLI
    /// is not installed.
    pub fn aws(&self, args: &[&str]) -> std::process::Output {
        self.aws_with_env(args, &[])
    }

    /// [`Server::aws`] with extra environment variables.
    pub fn aws_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let config = self.data.path().join("aws-config");
        if !config.exists() {
            std::fs::write(&config, "[default]\n").expect("aws config file");
        }
        let output = Command::new("aws")
            .arg("--endpoint-url")
            .arg(&self.endpoint)
            .args(args)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_DEFAULT_REGION", &self.options.region)
            .env("AWS_CONFIG_FILE", &config)
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.data.path().join("no-credentials"),
            )
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .envs(env.iter().copied())
            .output();
        match output {
            Ok(o) => o,
            Err(e) => panic!(
                "cannot run the `aws` CLI ({e}); it is required by these tests: `.ci/run` installs it (pip install awscli)"
            ),
        }
    }
}

/// Runs an external command-line client, failing the test with a clear message (saying how to
/// install it) if it is not installed. Tests never skip for a missing client.
#[track_caller]
pub fn run_tool(cmd: &mut Command, tool: &str, install: &str) -> std::process::Output {
    match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{tool}` is not installed; these tests require it. Install it with `{install}` \
             (`.ci/run` does this)"
        ),
        Err(e) => panic!("cannot run `{tool}`: {e}"),
    }
}

impl Server {
    /// Runs `rclone` with a remote named `rampart:` pointing at this server (configured
    /// through environment variables; no user config file is read).
    #[track_caller]
    pub fn rclone(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new("rclone");
        cmd.args(args)
            .env("RCLONE_CONFIG", self.data.path().join("rclone.conf"))
            .env("RCLONE_CONFIG_RAMPART_TYPE", "s3")
            .env("RCLONE_CONFIG_RAMPART_PROVIDER", "Other")
            .env("RCLONE_CONFIG_RAMPART_ENDPOINT", &self.endpoint)
            .env("RCLONE_CONFIG_RAMPART_ACCESS_KEY_ID", ACCESS_KEY)
            .env("RCLONE_CONFIG_RAMPART_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("RCLONE_CONFIG_RAMPART_REGION", &self.options.region)
            .env("RCLONE_CONFIG_RAMPART_FORCE_PATH_STYLE", "true")
            // rclone sends `x-amz-acl: private` by default, which S3 (and Rampart) refuse on
            // buckets with ACLs disabled (BucketOwnerEnforced, the default for new buckets):
            // users of such buckets configure this ACL, on AWS as here.
            .env("RCLONE_CONFIG_RAMPART_ACL", "bucket-owner-full-control")
            // rclone's AWS SDK fails to start if a CA bundle is set; the server is plain HTTP.
            .env_remove("AWS_CA_BUNDLE")
            .stdin(Stdio::null());
        run_tool(&mut cmd, "rclone", "apt-get install -y rclone")
    }

    /// Runs `s3cmd` with a config file (in the data directory) pointing at this server,
    /// path-style, plain HTTP, SigV4.
    #[track_caller]
    pub fn s3cmd(&self, args: &[&str]) -> std::process::Output {
        let config = self.data.path().join("s3cmd.cfg");
        if !config.exists() {
            let host = self.endpoint.trim_start_matches("http://");
            let contents = format!(
                "[default]\naccess_key = {ACCESS_KEY}\nsecret_key = {SECRET_KEY}\n\
                 host_base = {host}\nhost_bucket = {host}\nbucket_location = {}\n\
                 use_https = False\nsignature_v2 = False\n",
                self.options.region
            );
            std::fs::write(&config, contents).expect("s3cmd config file");
        }
        let mut cmd = Command::new("s3cmd");
        cmd.arg("--config")
            .arg(&config)
            .args(args)
            .env("HOME", self.data.path())
            .stdin(Stdio::null());
        run_tool(&mut cmd, "s3cmd", "apt-get install -y s3cmd")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Deterministic pseudo-random bytes, so failures reproduce.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

pub fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(data))
}

/// The `Content-MD5` header value of `data`.
pub fn md5_base64(data: &[u8]) -> String {
    use base64::Engine as _;
    use md5::Digest;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(data))
}

/// A bucket name unique to this process and call site.
pub fn bucket_name(tag: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Clients for the identity side: the `rampart` CLI, the `aws` CLI with other credentials, an
/// S3 client with session credentials, and raw IAM/STS Query requests.
impl Server {
    /// Runs the `rampart` binary's client commands (`admin …`, `policy explain …`) against this
    /// server as the first account's root (the endpoint comes from `RAMPART_ENDPOINT`).
    pub fn rampart(&self, args: &[&str]) -> std::process::Output {
        self.rampart_as(ACCESS_KEY, SECRET_KEY, args)
    }

    /// [`Server::rampart`] with other credentials.
    pub fn rampart_as(
        &self,
        access_key: &str,
        secret_key: &str,
        args: &[&str],
    ) -> std::process::Output {
        Command::new(binary())
            .args(args)
            .env("RAMPART_ENDPOINT", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", access_key)
            .env("AWS_SECRET_ACCESS_KEY", secret_key)
            .env("AWS_REGION", &self.options.region)
            .env_remove("AWS_SESSION_TOKEN")
            .stdin(Stdio::null())
            .output()
            .expect("run the rampart binary")
    }

    /// Runs the `aws` CLI with these credentials (and session token) instead of the root's.
    pub fn aws_as(
        &self,
        access_key: &str,
        secret_key: &str,
        token: Option<&str>,
        args: &[&str],
    ) -> std::process::Output {
        let mut env = vec![
            ("AWS_ACCESS_KEY_ID", access_key),
            ("AWS_SECRET_ACCESS_KEY", secret_key),
        ];
        if let Some(token) = token {
            env.push(("AWS_SESSION_TOKEN", token));
        }
        self.aws_with_env(args, &env)
    }

    /// An S3 client with temporary (STS) credentials.
    pub fn client_with_token(
        &self,
        access_key: &str,
        secret_key: &str,
        token: &str,
    ) -> aws_sdk_s3::Client {
        let credentials =
            Credentials::new(access_key, secret_key, Some(token.to_owned()), None, "e2e");
        self.client_with(access_key, secret_key, |b| {
            b.credentials_provider(credentials)
        })
    }

    /// One IAM or STS Query-protocol request (`service` is "iam" or "sts"): a form-encoded
    /// POST to `/`, SigV4-signed for that service, answered with its raw status and XML.
    pub async fn query_api(
        &self,
        service: &str,
        credentials: (&str, &str, Option<&str>),
        params: &[(&str, &str)],
    ) -> raw::RawResponse {
        // The API version, as every SDK sends it, unless the caller gave one.
        let version = if service == "sts" {
            "2011-06-15"
        } else {
            "2010-05-08"
        };
        let mut all = params.to_vec();
        if !params.iter().any(|(k, _)| *k == "Version") {
            all.push(("Version", version));
        }
        let body = form_encode(&all);
        let host = format!("127.0.0.1:{}", self.port);
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let headers: Vec<(&str, &[u8])> = vec![
            ("host", host.as_bytes()),
            ("content-type", content_type.as_bytes()),
        ];
        let parts = rampart_sigv4::RequestParts {
            method: "POST",
            raw_path: "/",
            raw_query: "",
            headers: &headers,
        };
        let signed = rampart_sigv4::sign_request(
            &parts,
            &rampart_sigv4::sha256_hex(body.as_bytes()),
            &rampart_sigv4::SigningParams {
                access_key_id: credentials.0,
                secret_access_key: credentials.1,
                session_token: credentials.2,
                region: &self.options.region,
                service,
                time: std::time::SystemTime::now(),
            },
        )
        .expect("sign the request");
        let mut request = raw::RawRequest::new("POST", "/")
            .header("host", &host)
            .header("content-type", content_type)
            .body(body.into_bytes());
        for (name, value) in &signed.headers {
            request = request.header(name, value);
        }
        request.send(self.port).await
    }
}

/// `application/x-www-form-urlencoded`, as the AWS SDKs encode Query-protocol bodies.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    fn encode(out: &mut String, s: &str) {
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(&mut out, k);
        out.push('=');
        encode(&mut out, v);
    }
    out
}
