//! SSE-KMS end to end: a boto3 scenario over HTTPS with keys made through the built-in KMS
//! (tests/scripts/sse_kms.py), and no plaintext on disk for SSE-KMS objects.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use rampart_e2e::{Server, ServerOptions, pattern};

use crate::common::{body_bytes, create_bucket};
use crate::sse::{files_containing, rand_seed};

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn sse_kms_with_boto3_over_https() {
    let server = Server::start_with(ServerOptions {
        tls: true,
        ..Default::default()
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/sse_kms.py");
    let output = server.python(&[
        script,
        &server.endpoint,
        server.cert_path().to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("sse-kms: ok"),
        "tests/scripts/sse_kms.py failed ({}):\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn sse_kms_plaintext_never_reaches_the_disk() {
    let marker = format!("KMS-MARKER-{:016x}", rand_seed()).into_bytes();
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "kms-scan").await;
    let mut body = pattern(2 * MIB, 3);
    for at in [0, 70_000, MIB, 2 * MIB - marker.len()] {
        body[at..at + marker.len()].copy_from_slice(&marker);
    }
    for (key, data) in [("inline", marker.clone()), ("blob", body.clone())] {
        let out = s3
            .put_object()
            .bucket(&bucket)
            .key(key)
            .body(ByteStream::from(data.clone()))
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.server_side_encryption(),
            Some(&ServerSideEncryption::AwsKms)
        );
        let got = s3
            .get_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        assert!(got.ssekms_key_id().unwrap().contains(":key/"));
        assert_eq!(body_bytes(got.body).await, data);
    }
    let found = files_containing(server.data_dir(), &marker);
    assert!(found.is_empty(), "plaintext found in {found:?}");
}
