//! `rampart admin …` and `rampart policy explain …`: clients of the server's admin API
//! (`/_rampart/admin/`), signing with SigV4 from the credentials in the environment
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::SystemTime;

use clap::{Args, Subcommand};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::Value;

#[derive(Args, Debug)]
pub struct Connection {
    /// The server's URL.
    #[arg(
        long,
        env = "RAMPART_ENDPOINT",
        default_value = "http://127.0.0.1:9000"
    )]
    endpoint: String,
    /// The region the server answers for.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
}

#[derive(Args, Debug)]
pub struct AdminArgs {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Accounts: each has its own root user, IAM namespace and buckets.
    #[command(subcommand)]
    Account(AccountCommand),
    /// An account's Block Public Access settings (the most restrictive of these and a
    /// bucket's own apply to the bucket).
    #[command(subcommand)]
    PublicAccessBlock(PublicAccessBlockCommand),
    /// Replaces the master key: re-wraps every SSE-S3 data key and stored secret under a new
    /// key, without rewriting object data. Safe to run while serving, and to run again if
    /// interrupted.
    RotateMasterKey,
}

#[derive(Subcommand, Debug)]
enum PublicAccessBlockCommand {
    /// Prints the account's settings.
    Get { account_id: String },
    /// Sets the account's settings: the flags given are on, the others off.
    Put {
        account_id: String,
        #[arg(long)]
        block_public_acls: bool,
        #[arg(long)]
        ignore_public_acls: bool,
        #[arg(long)]
        block_public_policy: bool,
        #[arg(long)]
        restrict_public_buckets: bool,
    },
    /// Removes the account's settings (its buckets' own settings still apply).
    Delete { account_id: String },
}

#[derive(Subcommand, Debug)]
enum AccountCommand {
    /// Creates an account; prints its id and its root user's access key (shown once).
    Create { name: String },
    /// Lists every account.
    List,
    /// Deletes an account that owns no buckets, with its users, roles and keys.
    Delete { account_id: String },
}

#[derive(Args, Debug)]
pub struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Subcommand, Debug)]
enum PolicyCommand {
    /// Asks the server what it would decide for a request, and which statements decide it.
    Explain(ExplainArgs),
}

#[derive(Args, Debug)]
struct ExplainArgs {
    #[command(flatten)]
    connection: Connection,
    /// The caller: `arn:aws:iam::<account>:root`, `…:user/<name>`, `…:role/<name>`, or `*`
    /// for an anonymous request.
    #[arg(long)]
    principal: String,
    /// The IAM action, e.g. `s3:GetObject`.
    #[arg(long)]
    action: String,
    /// The resource ARN, e.g. `arn:aws:s3:::bucket/key`.
    #[arg(long)]
    resource: String,
    /// A condition key and value, `KEY=VALUE`; repeat a key for a multi-valued key.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// A session policy (JSON file) to intersect with, as for a role session.
    #[arg(long, value_name = "FILE")]
    session_policy: Option<PathBuf>,
    /// Exit with status 1 when the decision is a deny.
    #[arg(long)]
    exit_code: bool,
}

pub fn run_admin(args: AdminArgs) -> Result<(), String> {
    let (method, path, body) = match args.command {
        AdminCommand::Account(AccountCommand::Create { name }) => (
            "POST",
            "/_rampart/admin/accounts".to_owned(),
            serde_json::json!({ "name": name }).to_string(),
        ),
        AdminCommand::Account(AccountCommand::List) => {
            ("GET", "/_rampart/admin/accounts".to_owned(), String::new())
        }
        AdminCommand::Account(AccountCommand::Delete { account_id }) => (
            "DELETE",
            format!("/_rampart/admin/accounts/{account_id}"),
            String::new(),
        ),
        AdminCommand::PublicAccessBlock(PublicAccessBlockCommand::Get { account_id }) => (
            "GET",
            format!("/_rampart/admin/accounts/{account_id}/public-access-block"),
            String::new(),
        ),
        AdminCommand::PublicAccessBlock(PublicAccessBlockCommand::Put {
            account_id,
            block_public_acls,
            ignore_public_acls,
            block_public_policy,
            restrict_public_buckets,
        }) => (
            "PUT",
            format!("/_rampart/admin/accounts/{account_id}/public-access-block"),
            serde_json::json!({
                "block_public_acls": block_public_acls,
                "ignore_public_acls": ignore_public_acls,
                "block_public_policy": block_public_policy,
                "restrict_public_buckets": restrict_public_buckets,
            })
            .to_string(),
        ),
        AdminCommand::RotateMasterKey => (
            "POST",
            "/_rampart/admin/master-key/rotate".to_owned(),
            String::new(),
        ),
        AdminCommand::PublicAccessBlock(PublicAccessBlockCommand::Delete { account_id }) => (
            "DELETE",
            format!("/_rampart/admin/accounts/{account_id}/public-access-block"),
            String::new(),
        ),
    };
    let answer = call(&args.connection, method, &path, body)?;
    if !answer.is_null() {
        println!("{}", pretty(&answer));
    }
    Ok(())
}

/// Returns whether the decision was an allow.
pub fn run_policy(args: PolicyArgs) -> Result<bool, String> {
    let PolicyCommand::Explain(args) = args.command;
    let mut context: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in &args.context {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("--context {pair}: expected KEY=VALUE"))?;
        context
            .entry(key.to_owned())
            .or_default()
            .push(value.to_owned());
    }
    let context: BTreeMap<String, Value> = context
        .into_iter()
        .map(|(k, mut v)| {
            let value = if v.len() == 1 {
                Value::String(v.remove(0))
            } else {
                Value::from(v)
            };
            (k, value)
        })
        .collect();
    let session_policy = args
        .session_policy
        .as_ref()
        .map(|path| std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display())))
        .transpose()?;
    let body = serde_json::json!({
        "principal": args.principal,
        "action": args.action,
        "resource": args.resource,
        "context": context,
        "session_policy": session_policy,
    });
    let answer = call(
        &args.connection,
        "POST",
        "/_rampart/admin/policy/explain",
        body.to_string(),
    )?;
    println!("{}", pretty(&answer));
    let allowed = answer.get("allowed").and_then(Value::as_bool) == Some(true);
    Ok(allowed || !args.exit_code)
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// One signed request to the admin API; the JSON answer, or the server's error as a message.
fn call(connection: &Connection, method: &str, path: &str, body: String) -> Result<Value, String> {
    let access_key = std::env::var("AWS_ACCESS_KEY_ID")
        .map_err(|_| "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the administrator's root credentials)")?;
    let secret_key = std::env::var("AWS_SECRET_ACCESS_KEY")
        .map_err(|_| "set AWS_SECRET_ACCESS_KEY as well as AWS_ACCESS_KEY_ID")?;
    let session_token = std::env::var("AWS_SESSION_TOKEN").ok();
    let url: hyper::Uri = connection
        .endpoint
        .parse()
        .map_err(|e| format!("bad --endpoint {}: {e}", connection.endpoint))?;
    if url.scheme_str() != Some("http") {
        return Err("only http:// endpoints are supported by this client".to_owned());
    }
    let authority = url
        .authority()
        .ok_or("the endpoint needs a host")?
        .to_string();
    let port = url.port_u16().unwrap_or(80);
    let host = url.host().ok_or("the endpoint needs a host")?.to_owned();

    let headers: Vec<(&str, &[u8])> = vec![("host", authority.as_bytes())];
    let request = rampart_sigv4::RequestParts {
        method,
        raw_path: path,
        raw_query: "",
        headers: &headers,
    };
    let signed = rampart_sigv4::sign_request(
        &request,
        &rampart_sigv4::sha256_hex(body.as_bytes()),
        &rampart_sigv4::SigningParams {
            access_key_id: &access_key,
            secret_access_key: &secret_key,
            session_token: session_token.as_deref(),
            region: &connection.region,
            service: "s3",
            time: SystemTime::now(),
        },
    )
    .map_err(|e| format!("cannot sign the request: {e}"))?;
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", &authority)
        .header("content-type", "application/json");
    for (name, value) in &signed.headers {
        builder = builder.header(name, value);
    }
    let request = builder
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (status, bytes) = runtime.block_on(async move {
        let stream = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| format!("cannot connect to {authority}: {e}"))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok::<_, String>((status, bytes))
    })?;
    let value: Value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).map_err(|_| {
            format!(
                "the server answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            )
        })?
    };
    if status.is_success() {
        return Ok(value);
    }
    let message = value
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("(no message)");
    let code = value
        .pointer("/error/code")
        .and_then(Value::as_str)
        .unwrap_or("Error");
    Err(format!("{code} ({status}): {message}"))
}
