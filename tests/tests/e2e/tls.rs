//! HTTPS: the listener with a `rampart dev-cert` certificate, real clients trusting it, the
//! connection facts policies see (aws:SecureTransport, s3:TlsVersion), certificate reload on
//! SIGHUP, and clients that do not speak TLS to the TLS port.

use std::process::{Command, Output};
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_smithy_types::byte_stream::ByteStream;
use rampart_e2e::raw::RawRequest;
use rampart_e2e::tls::{TLS12, TLS13, cert_der, client_config, connect, presented_cert};
use rampart_e2e::{Server, ServerOptions, binary, md5_hex, pattern};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::auth::presigned_raw;
use crate::common::{assert_error, body_bytes, create_bucket, get, put};
use crate::post_object::Post;

const MIB: usize = 1024 * 1024;

fn tls_server() -> Server {
    Server::start_with(ServerOptions {
        tls: true,
        ..Default::default()
    })
}

fn ok(output: &Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "`{what}` failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn policy(statements: serde_json::Value) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

#[tokio::test]
async fn tls_sdk_streams_an_object_over_https() {
    let server = tls_server();
    assert!(
        server.endpoint.starts_with("https://"),
        "{}",
        server.endpoint
    );
    assert!(
        server
            .banner
            .contains(&format!("rampart listening on {}", server.http_endpoint())),
        "{}",
        server.banner
    );
    let s3 = server.client();
    let bucket = create_bucket(&s3, "tls-sdk").await;
    let data = pattern(5 * MIB + 123, 7);
    let file = server.data_dir().join("upload.bin");
    std::fs::write(&file, &data).unwrap();
    s3.put_object()
        .bucket(&bucket)
        .key("big")
        .body(ByteStream::from_path(&file).await.unwrap())
        .send()
        .await
        .expect("streamed put over HTTPS");
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("big")
        .send()
        .await
        .expect("get over HTTPS");
    let body = body_bytes(got.body).await;
    assert_eq!(body.len(), data.len());
    assert_eq!(md5_hex(&body), md5_hex(&data));

    // URLs the server builds for the client name the scheme it came with.
    let upload = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("mp")
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap();
    let part = s3
        .upload_part()
        .bucket(&bucket)
        .key("mp")
        .upload_id(upload_id)
        .part_number(1)
        .body(ByteStream::from_static(b"one part"))
        .send()
        .await
        .unwrap();
    let done = s3
        .complete_multipart_upload()
        .bucket(&bucket)
        .key("mp")
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    CompletedPart::builder()
                        .part_number(1)
                        .e_tag(part.e_tag().unwrap())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        done.location(),
        Some(format!("{}/{bucket}/mp", server.endpoint).as_str())
    );
}

#[tokio::test]
async fn tls_boto3_and_aws_cli_trust_the_dev_cert() {
    let server = tls_server();
    let cert = server.cert_path();
    let cert = cert.to_str().unwrap();
    let bucket = rampart_e2e::bucket_name("tls-clients");
    let script = r#"
import sys, boto3
endpoint, bucket, cert = sys.argv[1], sys.argv[2], sys.argv[3]
s3 = boto3.client("s3", endpoint_url=endpoint, verify=cert)
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="from-boto3", Body=b"hello over tls")
print(s3.get_object(Bucket=bucket, Key="from-boto3")["Body"].read().decode())
"#;
    let output = server.python(&["-c", script, &server.endpoint, &bucket, cert]);
    assert_eq!(ok(&output, "boto3 over HTTPS").trim(), "hello over tls");

    let up = server.data_dir().join("cli-up.bin");
    let down = server.data_dir().join("cli-down.bin");
    let data = pattern(2 * MIB, 11);
    std::fs::write(&up, &data).unwrap();
    let url = format!("s3://{bucket}/from-cli");
    let (up, down) = (up.to_str().unwrap(), down.to_str().unwrap());
    ok(
        &server.aws(&["--ca-bundle", cert, "s3", "cp", up, &url]),
        "aws s3 cp up",
    );
    ok(
        &server.aws(&["--ca-bundle", cert, "s3", "cp", &url, down]),
        "aws s3 cp down",
    );
    assert_eq!(std::fs::read(down).unwrap(), data);
    // The certificate is really checked: without the bundle the CLI refuses the server.
    let refused = server.aws(&[
        "--ca-bundle",
        "/etc/ssl/certs/ca-certificates.crt",
        "s3",
        "ls",
    ]);
    assert!(!refused.status.success(), "{refused:?}");
}

#[tokio::test]
async fn tls_secure_transport_and_tls_version_reach_policies() {
    let server = tls_server();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "tls-conds").await;
    put(&s3, &bucket, "k", b"tls only").await;
    let object = format!("arn:aws:s3:::{bucket}/*");

    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(policy(serde_json::json!([{
            "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
            "Resource": object,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }])))
        .send()
        .await
        .unwrap();
    assert_error(
        server
            .plain_client()
            .get_object()
            .bucket(&bucket)
            .key("k")
            .send()
            .await,
        "AccessDenied",
        403,
    );
    assert_eq!(get(&s3, &bucket, "k").await, b"tls only");
    // A presigned URL is decided the same way: refused in plain text, served over TLS.
    let url = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).unwrap())
        .await
        .unwrap();
    // The host signed into the URL, whichever listener the request goes to.
    let presigned = presigned_raw(&url).header("host", &format!("127.0.0.1:{}", server.port));
    presigned
        .send(server.http_port.unwrap())
        .await
        .assert_error(403, "AccessDenied");
    let over_tls = presigned
        .send_tls(server.port, client_config(&server.cert_path(), &[&TLS13]))
        .await
        .expect("a TLS handshake");
    assert_eq!(
        (over_tls.status, over_tls.text().as_str()),
        (200, "tls only")
    );

    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(policy(serde_json::json!([{
            "Sid": "Tls13Only", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
            "Resource": object,
            "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.3"}}
        }])))
        .send()
        .await
        .unwrap();
    let request = RawRequest::new("GET", &format!("/{bucket}/k")).sign(server.port, None);
    let cert = server.cert_path();
    let over_12 = request
        .send_tls(server.port, client_config(&cert, &[&TLS12]))
        .await
        .expect("a TLS 1.2 handshake");
    over_12.assert_error(403, "AccessDenied");
    let over_13 = request
        .send_tls(server.port, client_config(&cert, &[&TLS13]))
        .await
        .expect("a TLS 1.3 handshake");
    assert_eq!((over_13.status, over_13.text().as_str()), (200, "tls only"));
    // Plain HTTP has no s3:TlsVersion at all, and a condition on an absent key does not
    // match (as on AWS): this policy alone does not refuse it.
    assert_eq!(
        server
            .plain_client()
            .get_object()
            .bucket(&bucket)
            .key("k")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}")),
        Ok(())
    );
}

#[tokio::test]
async fn tls_post_object_sees_secure_transport() {
    let server = tls_server();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "tls-post").await;
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(policy(serde_json::json!([{
            "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*"),
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }])))
        .send()
        .await
        .unwrap();
    let post = Post::new(&bucket, "posted", b"from a form").field("success_action_status", "201");
    post.send(server.http_port.unwrap())
        .await
        .assert_error(403, "AccessDenied");
    let r = post
        .request()
        .send_tls(server.port, client_config(&server.cert_path(), &[&TLS13]))
        .await
        .expect("a TLS handshake");
    assert_eq!(r.status, 201, "{}", r.text());
    let location = format!("{}/{bucket}/posted", server.endpoint);
    assert_eq!(r.element("Location").as_deref(), Some(location.as_str()));
    assert_eq!(get(&s3, &bucket, "posted").await, b"from a form");
}

/// Waits until `check` holds, or fails after a few seconds: signals are delivered
/// asynchronously.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn sighup(server: &Server) {
    let status = Command::new("kill")
        .arg("-HUP")
        .arg(server.pid().to_string())
        .status()
        .expect("run kill");
    assert!(status.success());
}

#[tokio::test]
async fn tls_sighup_reloads_the_certificate_and_survives_a_bad_one() {
    let server = tls_server();
    let served = server.cert_path();
    let first = cert_der(&served);
    assert_eq!(presented_cert(server.port, &served).await.unwrap(), first);
    // A connection made before the reload, to show it is left alone.
    let mut before = connect(server.port, client_config(&served, &[&TLS13]))
        .await
        .unwrap();

    let next_dir = server.data_dir().join("tls-next");
    ok(
        &Command::new(binary())
            .arg("dev-cert")
            .arg("--out")
            .arg(&next_dir)
            .output()
            .unwrap(),
        "rampart dev-cert",
    );
    let next = next_dir.join("cert.pem");
    std::fs::copy(&next, &served).unwrap();
    std::fs::copy(next_dir.join("key.pem"), server.key_path()).unwrap();
    sighup(&server);
    eventually("the new certificate", || async {
        presented_cert(server.port, &next).await.ok() == Some(cert_der(&next))
    })
    .await;
    assert_ne!(first, cert_der(&next));

    before
        .write_all(b"GET /_rampart/health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = before.read_to_end(&mut answer).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    // Garbage in place of the certificate: the reload fails, and the server keeps serving
    // the certificate it has.
    std::fs::write(&served, "not a certificate").unwrap();
    sighup(&server);
    eventually("the failed reload in the log", || async {
        server.log().contains("TLS certificate reload failed")
    })
    .await;
    assert_eq!(
        presented_cert(server.port, &next).await.unwrap(),
        cert_der(&next)
    );
    let s3 = server_client_trusting(&server, &next);
    s3.list_buckets().send().await.expect("still serving");
}

/// An SDK client for `server` that trusts `cert` (the server's own file may hold garbage).
fn server_client_trusting(server: &Server, cert: &std::path::Path) -> aws_sdk_s3::Client {
    let http = rampart_e2e::tls::sdk_https_client(cert);
    server.client_with(rampart_e2e::ACCESS_KEY, rampart_e2e::SECRET_KEY, |b| {
        b.http_client(http)
    })
}

#[tokio::test]
async fn tls_port_survives_plain_http_and_silent_clients() {
    let server = tls_server();
    // Connected, sending nothing: its handshake waits in its own task, not the accept loop.
    let _silent = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let mut plain = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), plain.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server left a plain-HTTP client hanging");
    assert!(!answer.starts_with(b"HTTP/"), "answered in plain text");

    let s3 = server.client();
    s3.list_buckets().send().await.expect("HTTPS still served");
}

#[tokio::test]
async fn tls_startup_names_a_missing_or_mismatched_file() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        ok(
            &Command::new(binary())
                .args(["dev-cert", "--out"])
                .arg(dir.path().join(sub))
                .output()
                .unwrap(),
            "rampart dev-cert",
        );
    }
    let serve = |cert: &std::path::Path, key: &std::path::Path| {
        Command::new(binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .arg("--tls-cert")
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .env_remove("RAMPART_CONFIG")
            .output()
            .unwrap()
    };
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let missing = a.join("nope.pem");
    for (cert, key, named) in [
        (missing.clone(), a.join("key.pem"), missing.clone()),
        (a.join("cert.pem"), missing.clone(), missing.clone()),
        (a.join("cert.pem"), b.join("key.pem"), b.join("key.pem")),
    ] {
        let out = serve(&cert, &key);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "started with {cert:?} {key:?}");
        assert!(
            stderr.contains(named.to_str().unwrap()),
            "the error does not name {named:?}: {stderr}"
        );
    }
    assert!(
        !dir.path().join("data").exists(),
        "a bad certificate must stop the server before it touches the data directory"
    );
}
