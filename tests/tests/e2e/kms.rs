//! The built-in KMS end to end: `aws kms … --endpoint-url`, a boto3 scenario covering every
//! operation and the key-policy/IAM decision, and raw requests for the protocol's errors.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rampart_e2e::raw::{RawRequest, RawResponse};
use rampart_e2e::{ACCESS_KEY, SECRET_KEY, Server};
use serde_json::Value;

use crate::iam::{cli_error, json_ok};

/// `aws kms ARGS… --output json` as the root user.
fn kms(server: &Server, args: &[&str]) -> std::process::Output {
    let mut all = vec!["kms"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--output", "json"]);
    server.aws(&all)
}

fn kms_ok(server: &Server, args: &[&str]) -> Value {
    json_ok(&kms(server, args), &format!("aws kms {}", args.join(" ")))
}

fn kms_err(server: &Server, args: &[&str]) -> String {
    cli_error(&kms(server, args), &format!("aws kms {}", args.join(" ")))
}

fn decode(v: &Value) -> Vec<u8> {
    BASE64
        .decode(v.as_str().expect("a base64 string"))
        .expect("valid base64")
}

#[tokio::test]
async fn aws_cli_round_trips() {
    let server = Server::start();
    let dir = server.data_dir().join("kms-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        format!("fileb://{}", path.display())
    };

    let created = kms_ok(&server, &["create-key", "--description", "cli key"]);
    let id = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let arn = created["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
    assert_eq!(created["KeyMetadata"]["KeyState"], "Enabled", "{created}");
    let described = kms_ok(&server, &["describe-key", "--key-id", &arn]);
    assert_eq!(described["KeyMetadata"]["Description"], "cli key");
    let keys = kms_ok(&server, &["list-keys"]);
    assert!(keys["Keys"].to_string().contains(&id), "{keys}");

    kms_ok(
        &server,
        &[
            "create-alias",
            "--alias-name",
            "alias/cli",
            "--target-key-id",
            &id,
        ],
    );
    let aliases = kms_ok(&server, &["list-aliases", "--key-id", &id]);
    assert_eq!(aliases["Aliases"][0]["AliasName"], "alias/cli", "{aliases}");

    // Encrypt and decrypt, with and without a context.
    let plain = file("plain", b"hello from the cli");
    let enc = kms_ok(
        &server,
        &["encrypt", "--key-id", "alias/cli", "--plaintext", &plain],
    );
    assert_eq!(enc["KeyId"], arn.as_str());
    let blob = file("blob", &decode(&enc["CiphertextBlob"]));
    let dec = kms_ok(&server, &["decrypt", "--ciphertext-blob", &blob]);
    assert_eq!(decode(&dec["Plaintext"]), b"hello from the cli");
    let ctx = "purpose=cli";
    let enc = kms_ok(
        &server,
        &[
            "encrypt",
            "--key-id",
            &id,
            "--plaintext",
            &plain,
            "--encryption-context",
            ctx,
        ],
    );
    let blob_ctx = file("blob-ctx", &decode(&enc["CiphertextBlob"]));
    let dec = kms_ok(
        &server,
        &[
            "decrypt",
            "--ciphertext-blob",
            &blob_ctx,
            "--encryption-context",
            ctx,
        ],
    );
    assert_eq!(decode(&dec["Plaintext"]), b"hello from the cli");
    assert_eq!(
        kms_err(
            &server,
            &[
                "decrypt",
                "--ciphertext-blob",
                &blob_ctx,
                "--encryption-context",
                "purpose=other"
            ]
        ),
        "InvalidCiphertextException"
    );

    // A data key decrypts to the same plaintext.
    let dk = kms_ok(
        &server,
        &[
            "generate-data-key",
            "--key-id",
            &id,
            "--key-spec",
            "AES_256",
        ],
    );
    let dk_blob = file("dk", &decode(&dk["CiphertextBlob"]));
    let dec = kms_ok(&server, &["decrypt", "--ciphertext-blob", &dk_blob]);
    assert_eq!(decode(&dec["Plaintext"]), decode(&dk["Plaintext"]));
    assert_eq!(decode(&dk["Plaintext"]).len(), 32);

    // States.
    kms_ok(&server, &["disable-key", "--key-id", &id]);
    assert_eq!(
        kms_err(
            &server,
            &["encrypt", "--key-id", &id, "--plaintext", &plain]
        ),
        "DisabledException"
    );
    kms_ok(&server, &["enable-key", "--key-id", &id]);
    let sched = kms_ok(
        &server,
        &[
            "schedule-key-deletion",
            "--key-id",
            &id,
            "--pending-window-in-days",
            "7",
        ],
    );
    assert_eq!(sched["KeyState"], "PendingDeletion", "{sched}");
    assert_eq!(
        kms_err(&server, &["decrypt", "--ciphertext-blob", &blob]),
        "KMSInvalidStateException"
    );
    kms_ok(&server, &["cancel-key-deletion", "--key-id", &id]);
    let d = kms_ok(&server, &["describe-key", "--key-id", &id]);
    assert_eq!(d["KeyMetadata"]["KeyState"], "Disabled");
    kms_ok(&server, &["enable-key", "--key-id", &id]);

    // Rotation.
    kms_ok(&server, &["enable-key-rotation", "--key-id", &id]);
    let status = kms_ok(&server, &["get-key-rotation-status", "--key-id", &id]);
    assert_eq!(status["KeyRotationEnabled"], true, "{status}");
    assert_eq!(status["RotationPeriodInDays"], 365, "{status}");
    kms_ok(&server, &["rotate-key-on-demand", "--key-id", &id]);
    let rotations = kms_ok(&server, &["list-key-rotations", "--key-id", &id]);
    assert_eq!(rotations["Rotations"][0]["RotationType"], "ON_DEMAND");
    let dec = kms_ok(&server, &["decrypt", "--ciphertext-blob", &blob]);
    assert_eq!(decode(&dec["Plaintext"]), b"hello from the cli");
    kms_ok(&server, &["disable-key-rotation", "--key-id", &id]);

    let policy = kms_ok(
        &server,
        &[
            "get-key-policy",
            "--key-id",
            &id,
            "--policy-name",
            "default",
        ],
    );
    assert!(
        policy["Policy"].as_str().unwrap().contains(":root"),
        "{policy}"
    );

    let second = kms_ok(&server, &["create-key"]);
    let second = second["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    kms_ok(
        &server,
        &[
            "update-alias",
            "--alias-name",
            "alias/cli",
            "--target-key-id",
            &second,
        ],
    );
    let d = kms_ok(&server, &["describe-key", "--key-id", "alias/cli"]);
    assert_eq!(d["KeyMetadata"]["KeyId"], second.as_str());
    kms_ok(&server, &["delete-alias", "--alias-name", "alias/cli"]);
    assert_eq!(
        kms_err(&server, &["describe-key", "--key-id", "alias/cli"]),
        "NotFoundException"
    );
    assert_eq!(
        kms_err(
            &server,
            &[
                "describe-key",
                "--key-id",
                "1234abcd-12ab-34cd-56ef-1234567890ab"
            ]
        ),
        "NotFoundException"
    );
}

#[tokio::test]
async fn boto3_kms_scenario() {
    let server = Server::start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kms.py");
    let output = server.python(&[script, &server.endpoint]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "tests/scripts/kms.py failed ({}):\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("kms: ok"), "{stdout}");
}

/// One KMS JSON request signed for `kms` with these credentials.
async fn kms_raw(server: &Server, secret: &str, target: &str, body: &str) -> RawResponse {
    let host = format!("127.0.0.1:{}", server.port);
    let content_type = "application/x-amz-json-1.1";
    let headers: Vec<(&str, &[u8])> = vec![
        ("host", host.as_bytes()),
        ("content-type", content_type.as_bytes()),
        ("x-amz-target", target.as_bytes()),
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
            access_key_id: ACCESS_KEY,
            secret_access_key: secret,
            session_token: None,
            region: "us-east-1",
            service: "kms",
            time: std::time::SystemTime::now(),
        },
    )
    .expect("sign the request");
    let mut request = RawRequest::new("POST", "/")
        .header("host", &host)
        .header("content-type", content_type)
        .header("x-amz-target", target)
        .body(body.as_bytes().to_vec());
    for (name, value) in &signed.headers {
        request = request.header(name, value);
    }
    request.send(server.port).await
}

#[track_caller]
fn assert_kms_error(resp: &RawResponse, kind: &str) {
    let text = resp.text();
    assert_eq!(resp.status, 400, "{text}");
    assert_eq!(
        resp.header("content-type"),
        Some("application/x-amz-json-1.1"),
        "{text}"
    );
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(v["__type"], kind, "{text}");
}

#[tokio::test]
async fn protocol_errors() {
    let server = Server::start();
    let ok = kms_raw(&server, SECRET_KEY, "TrentService.ListKeys", "{}").await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(ok.text().contains("\"Keys\""), "{}", ok.text());

    let bad_json = kms_raw(&server, SECRET_KEY, "TrentService.CreateKey", "{not json").await;
    assert_kms_error(&bad_json, "SerializationException");
    let wrong_secret = kms_raw(&server, "not-the-secret", "TrentService.ListKeys", "{}").await;
    assert_kms_error(&wrong_secret, "InvalidSignatureException");
    let unknown_op = kms_raw(&server, SECRET_KEY, "TrentService.Frobnicate", "{}").await;
    assert_kms_error(&unknown_op, "UnknownOperationException");
    let missing = kms_raw(
        &server,
        SECRET_KEY,
        "TrentService.DescribeKey",
        r#"{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}"#,
    )
    .await;
    assert_kms_error(&missing, "NotFoundException");
    assert!(
        missing.text().contains("does not exist"),
        "{}",
        missing.text()
    );

    let unsigned = RawRequest::new("POST", "/")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "TrentService.ListKeys")
        .body(b"{}".to_vec())
        .send(server.port)
        .await;
    assert_kms_error(&unsigned, "MissingAuthenticationTokenException");

    // The CLI with an unknown access key gets KMS's word for it.
    let out = server.aws_as(
        "AKIAUNKNOWNUNKNOWN00",
        SECRET_KEY,
        None,
        &["kms", "list-keys"],
    );
    assert_eq!(
        cli_error(&out, "aws kms list-keys (unknown key)"),
        "UnrecognizedClientException"
    );
}
