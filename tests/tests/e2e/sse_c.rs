//! SSE-C end to end over HTTPS: customer keys on every object operation, the errors for a
//! missing, wrong or malformed key, copies and multipart uploads with keys, `BlockedEncryptionTypes`
//! (new buckets block SSE-C), the refusal of keys over plain HTTP, and no plaintext on disk.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BlockedEncryptionTypes, CompletedMultipartUpload, CompletedPart, EncryptionType,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rampart_e2e::tls::{TLS13, client_config};
use rampart_e2e::{Server, ServerOptions, md5_base64, md5_hex, pattern};

use crate::common::{assert_error, body_bytes, create_bucket, error_of};
use crate::post_object::Post;
use crate::sse::{files_containing, rand_seed};

const MIB: usize = 1024 * 1024;

/// An SSE-C key as the SDK takes it: base64 key and base64 MD5.
struct Key {
    b64: String,
    md5: String,
}

fn key(byte: u8) -> Key {
    let raw = [byte; 32];
    Key {
        b64: BASE64.encode(raw),
        md5: md5_base64(&raw),
    }
}

/// An HTTPS server whose new buckets accept SSE-C (or block it, as S3 does by default).
fn server(block_by_default: bool) -> Server {
    Server::start_with(ServerOptions {
        tls: true,
        config_toml: Some(format!(
            "[encryption]\nblock_sse_c_by_default = {block_by_default}\n"
        )),
        ..Default::default()
    })
}

fn blocked_types(block: bool) -> ServerSideEncryptionConfiguration {
    ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .blocked_encryption_types(
                    BlockedEncryptionTypes::builder()
                        .encryption_type(if block {
                            EncryptionType::SseC
                        } else {
                            EncryptionType::None
                        })
                        .build(),
                )
                .build(),
        )
        .build()
        .unwrap()
}

async fn put_sse_c(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    name: &str,
    data: &[u8],
    k: &Key,
) -> aws_sdk_s3::operation::put_object::PutObjectOutput {
    s3.put_object()
        .bucket(bucket)
        .key(name)
        .body(ByteStream::from(data.to_vec()))
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&k.b64)
        .sse_customer_key_md5(&k.md5)
        .send()
        .await
        .expect("SSE-C put")
}

async fn get_sse_c(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    name: &str,
    k: &Key,
    range: Option<&str>,
) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(name)
        .set_range(range.map(str::to_owned))
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&k.b64)
        .sse_customer_key_md5(&k.md5)
        .send()
        .await
        .expect("SSE-C get");
    assert_eq!(out.sse_customer_algorithm(), Some("AES256"));
    assert_eq!(out.sse_customer_key_md5(), Some(k.md5.as_str()));
    assert_eq!(out.server_side_encryption(), None);
    body_bytes(out.body).await
}

#[tokio::test]
async fn sse_c_objects_need_their_key_for_every_read() {
    let server = server(false);
    let s3 = server.client();
    let bucket = create_bucket(&s3, "ssec-rw").await;
    let (right, wrong) = (key(1), key(2));
    let data = pattern(3 * 65_536 + 17, 5);
    let out = put_sse_c(&s3, &bucket, "obj", &data, &right).await;
    assert_eq!(out.sse_customer_algorithm(), Some("AES256"));
    assert_eq!(out.sse_customer_key_md5(), Some(right.md5.as_str()));
    assert_eq!(out.server_side_encryption(), None);
    assert_ne!(
        out.e_tag().unwrap().trim_matches('"'),
        md5_hex(&data),
        "an SSE-C ETag is not the MD5 of the data"
    );

    assert_eq!(get_sse_c(&s3, &bucket, "obj", &right, None).await, data);
    let span = 65_530..2 * 65_536 + 9;
    assert_eq!(
        get_sse_c(
            &s3,
            &bucket,
            "obj",
            &right,
            Some(&format!("bytes={}-{}", span.start, span.end - 1))
        )
        .await,
        &data[span]
    );

    // No key: 400 InvalidRequest. A wrong key: 403 AccessDenied. Both on GET and HEAD.
    assert_error(
        s3.get_object().bucket(&bucket).key("obj").send().await,
        "InvalidRequest",
        400,
    );
    assert_error(
        s3.get_object()
            .bucket(&bucket)
            .key("obj")
            .sse_customer_algorithm("AES256")
            .sse_customer_key(&wrong.b64)
            .sse_customer_key_md5(&wrong.md5)
            .send()
            .await,
        "AccessDenied",
        403,
    );
    let head = s3.head_object().bucket(&bucket).key("obj").send().await;
    assert_eq!(error_of(&head.unwrap_err()).1, 400);
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("obj")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&wrong.b64)
        .sse_customer_key_md5(&wrong.md5)
        .send()
        .await;
    assert_eq!(error_of(&head.unwrap_err()).1, 403);
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("obj")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&right.b64)
        .sse_customer_key_md5(&right.md5)
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(data.len() as i64));
    assert_eq!(head.sse_customer_key_md5(), Some(right.md5.as_str()));

    // A key whose MD5 does not match, or that is not 256 bits: 400 InvalidArgument.
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("bad")
            .body(ByteStream::from_static(b"x"))
            .sse_customer_algorithm("AES256")
            .sse_customer_key(&right.b64)
            .sse_customer_key_md5(&wrong.md5)
            .send()
            .await,
        "InvalidArgument",
        400,
    );
    let short = [7u8; 16];
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("bad")
            .body(ByteStream::from_static(b"x"))
            .sse_customer_algorithm("AES256")
            .sse_customer_key(BASE64.encode(short))
            .sse_customer_key_md5(md5_base64(&short))
            .send()
            .await,
        "InvalidArgument",
        400,
    );
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("bad")
            .body(ByteStream::from_static(b"x"))
            .sse_customer_algorithm("AES128")
            .sse_customer_key(&right.b64)
            .sse_customer_key_md5(&right.md5)
            .send()
            .await,
        "InvalidEncryptionAlgorithmError",
        400,
    );
    // SSE-C and SSE-S3 at once.
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("bad")
            .body(ByteStream::from_static(b"x"))
            .server_side_encryption(ServerSideEncryption::Aes256)
            .sse_customer_algorithm("AES256")
            .sse_customer_key(&right.b64)
            .sse_customer_key_md5(&right.md5)
            .send()
            .await,
        "InvalidArgument",
        400,
    );
    // Keys on an object that is not SSE-C encrypted.
    s3.put_object()
        .bucket(&bucket)
        .key("plain")
        .body(ByteStream::from_static(b"plain"))
        .send()
        .await
        .unwrap();
    assert_error(
        s3.get_object()
            .bucket(&bucket)
            .key("plain")
            .sse_customer_algorithm("AES256")
            .sse_customer_key(&right.b64)
            .sse_customer_key_md5(&right.md5)
            .send()
            .await,
        "InvalidRequest",
        400,
    );
    // Small (inline) objects too.
    put_sse_c(&s3, &bucket, "tiny", b"tiny", &right).await;
    assert_eq!(get_sse_c(&s3, &bucket, "tiny", &right, None).await, b"tiny");
    assert_error(
        s3.get_object().bucket(&bucket).key("tiny").send().await,
        "InvalidRequest",
        400,
    );
}

#[tokio::test]
async fn sse_c_copies_need_the_source_key() {
    let server = server(false);
    let s3 = server.client();
    let bucket = create_bucket(&s3, "ssec-copy").await;
    let (source_key, dest_key) = (key(3), key(4));
    let data = pattern(200_000, 9);
    put_sse_c(&s3, &bucket, "src", &data, &source_key).await;

    assert_error(
        s3.copy_object()
            .bucket(&bucket)
            .key("dst")
            .copy_source(format!("{bucket}/src"))
            .send()
            .await,
        "InvalidRequest",
        400,
    );
    assert_error(
        s3.copy_object()
            .bucket(&bucket)
            .key("dst")
            .copy_source(format!("{bucket}/src"))
            .copy_source_sse_customer_algorithm("AES256")
            .copy_source_sse_customer_key(&dest_key.b64)
            .copy_source_sse_customer_key_md5(&dest_key.md5)
            .send()
            .await,
        "AccessDenied",
        403,
    );
    // Re-encrypted under a new customer key.
    let out = s3
        .copy_object()
        .bucket(&bucket)
        .key("dst")
        .copy_source(format!("{bucket}/src"))
        .copy_source_sse_customer_algorithm("AES256")
        .copy_source_sse_customer_key(&source_key.b64)
        .copy_source_sse_customer_key_md5(&source_key.md5)
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&dest_key.b64)
        .sse_customer_key_md5(&dest_key.md5)
        .send()
        .await
        .unwrap();
    assert_eq!(out.sse_customer_key_md5(), Some(dest_key.md5.as_str()));
    assert_eq!(get_sse_c(&s3, &bucket, "dst", &dest_key, None).await, data);
    assert_error(
        s3.get_object()
            .bucket(&bucket)
            .key("dst")
            .sse_customer_algorithm("AES256")
            .sse_customer_key(&source_key.b64)
            .sse_customer_key_md5(&source_key.md5)
            .send()
            .await,
        "AccessDenied",
        403,
    );
    // Copied out of SSE-C into the bucket's default (SSE-S3).
    let out = s3
        .copy_object()
        .bucket(&bucket)
        .key("decrypted")
        .copy_source(format!("{bucket}/src"))
        .copy_source_sse_customer_algorithm("AES256")
        .copy_source_sse_customer_key(&source_key.b64)
        .copy_source_sse_customer_key_md5(&source_key.md5)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.server_side_encryption(),
        Some(&ServerSideEncryption::Aes256)
    );
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("decrypted")
        .send()
        .await
        .unwrap();
    assert_eq!(body_bytes(got.body).await, data);
}

#[tokio::test]
async fn sse_c_multipart_uploads_take_the_key_on_every_part() {
    let server = server(false);
    let s3 = server.client();
    let bucket = create_bucket(&s3, "ssec-mpu").await;
    let (k, wrong) = (key(5), key(6));
    let source_key = key(7);
    let source = pattern(300_000, 2);
    put_sse_c(&s3, &bucket, "source", &source, &source_key).await;

    let created = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("mpu")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&k.b64)
        .sse_customer_key_md5(&k.md5)
        .send()
        .await
        .unwrap();
    assert_eq!(created.sse_customer_key_md5(), Some(k.md5.as_str()));
    let upload = created.upload_id.unwrap();
    let part1 = pattern(5 * MIB, 11);
    let upload_part = |number: i32, data: Vec<u8>, with: Option<&Key>| {
        let mut req = s3
            .upload_part()
            .bucket(&bucket)
            .key("mpu")
            .upload_id(&upload)
            .part_number(number)
            .body(ByteStream::from(data));
        if let Some(with) = with {
            req = req
                .sse_customer_algorithm("AES256")
                .sse_customer_key(&with.b64)
                .sse_customer_key_md5(&with.md5);
        }
        req.send()
    };
    assert_error(
        upload_part(1, part1.clone(), None).await,
        "InvalidRequest",
        400,
    );
    assert_error(
        upload_part(1, part1.clone(), Some(&wrong)).await,
        "AccessDenied",
        403,
    );
    let p1 = upload_part(1, part1.clone(), Some(&k)).await.unwrap();
    assert_eq!(p1.sse_customer_key_md5(), Some(k.md5.as_str()));
    // Part 2 copied from an SSE-C source: the upload's key and the source's key.
    let p2 = s3
        .upload_part_copy()
        .bucket(&bucket)
        .key("mpu")
        .upload_id(&upload)
        .part_number(2)
        .copy_source(format!("{bucket}/source"))
        .copy_source_range("bytes=1000-200999")
        .copy_source_sse_customer_algorithm("AES256")
        .copy_source_sse_customer_key(&source_key.b64)
        .copy_source_sse_customer_key_md5(&source_key.md5)
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&k.b64)
        .sse_customer_key_md5(&k.md5)
        .send()
        .await
        .unwrap();
    let parts = vec![
        CompletedPart::builder()
            .part_number(1)
            .e_tag(p1.e_tag().unwrap())
            .build(),
        CompletedPart::builder()
            .part_number(2)
            .e_tag(p2.copy_part_result().unwrap().e_tag().unwrap())
            .build(),
    ];
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key("mpu")
        .upload_id(&upload)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut expected = part1;
    expected.extend_from_slice(&source[1000..201_000]);
    let got = get_sse_c(&s3, &bucket, "mpu", &k, None).await;
    assert_eq!(got.len(), expected.len());
    assert_eq!(md5_hex(&got), md5_hex(&expected));
    let across = 5 * MIB - 100..5 * MIB + 100;
    assert_eq!(
        get_sse_c(
            &s3,
            &bucket,
            "mpu",
            &k,
            Some(&format!("bytes={}-{}", across.start, across.end - 1))
        )
        .await,
        &expected[across]
    );
    assert_error(
        s3.get_object().bucket(&bucket).key("mpu").send().await,
        "InvalidRequest",
        400,
    );
}

#[tokio::test]
async fn blocked_encryption_types_refuse_sse_c_writes_and_keep_reads() {
    let server = server(true);
    let s3 = server.client();
    let bucket = create_bucket(&s3, "ssec-block").await;
    let k = key(8);

    // New buckets block SSE-C, and say so.
    let config = s3
        .get_bucket_encryption()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let rule = &config
        .server_side_encryption_configuration()
        .unwrap()
        .rules()[0];
    assert_eq!(
        rule.blocked_encryption_types().unwrap().encryption_type(),
        &[EncryptionType::SseC]
    );
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .unwrap()
            .sse_algorithm(),
        &ServerSideEncryption::Aes256
    );
    let blocked = s3
        .put_object()
        .bucket(&bucket)
        .key("k")
        .body(ByteStream::from_static(b"data"))
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&k.b64)
        .sse_customer_key_md5(&k.md5)
        .send()
        .await;
    assert_error(blocked, "AccessDenied", 403);
    assert_error(
        s3.create_multipart_upload()
            .bucket(&bucket)
            .key("k")
            .sse_customer_algorithm("AES256")
            .sse_customer_key(&k.b64)
            .sse_customer_key_md5(&k.md5)
            .send()
            .await,
        "AccessDenied",
        403,
    );

    // Unblocked with NONE: SSE-C writes work; the default algorithm is kept.
    s3.put_bucket_encryption()
        .bucket(&bucket)
        .server_side_encryption_configuration(blocked_types(false))
        .send()
        .await
        .unwrap();
    put_sse_c(&s3, &bucket, "k", b"data", &k).await;
    let post = Post::new(&bucket, "posted", b"form data")
        .field("x-amz-server-side-encryption-customer-algorithm", "AES256")
        .field("x-amz-server-side-encryption-customer-key", &k.b64)
        .field("x-amz-server-side-encryption-customer-key-MD5", &k.md5);
    let posted = post
        .request()
        .send_tls(server.port, client_config(&server.cert_path(), &[&TLS13]))
        .await
        .expect("a TLS handshake");
    assert_eq!(posted.status, 204, "{}", posted.text());
    assert_eq!(
        get_sse_c(&s3, &bucket, "posted", &k, None).await,
        b"form data"
    );
    let rule_of = |out: aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionOutput| {
        out.server_side_encryption_configuration.unwrap().rules()[0].clone()
    };
    let rule = rule_of(
        s3.get_bucket_encryption()
            .bucket(&bucket)
            .send()
            .await
            .unwrap(),
    );
    assert!(rule.blocked_encryption_types().is_none());
    assert!(rule.apply_server_side_encryption_by_default().is_some());

    // A default re-put without BlockedEncryptionTypes keeps SSE-C allowed; blocking again
    // refuses new writes (PUT, copy, POST) but existing SSE-C objects stay readable.
    s3.put_bucket_encryption()
        .bucket(&bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(ServerSideEncryption::Aes256)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    put_sse_c(&s3, &bucket, "k2", b"more", &k).await;
    s3.put_bucket_encryption()
        .bucket(&bucket)
        .server_side_encryption_configuration(blocked_types(true))
        .send()
        .await
        .unwrap();
    assert_eq!(get_sse_c(&s3, &bucket, "k", &k, None).await, b"data");
    assert_error(
        s3.copy_object()
            .bucket(&bucket)
            .key("copy")
            .copy_source(format!("{bucket}/k"))
            .copy_source_sse_customer_algorithm("AES256")
            .copy_source_sse_customer_key(&k.b64)
            .copy_source_sse_customer_key_md5(&k.md5)
            .sse_customer_algorithm("AES256")
            .sse_customer_key(&k.b64)
            .sse_customer_key_md5(&k.md5)
            .send()
            .await,
        "AccessDenied",
        403,
    );
    // A browser form (POST Object) asking for SSE-C is refused too.
    let post = Post::new(&bucket, "posted", b"form data")
        .field("x-amz-server-side-encryption-customer-algorithm", "AES256")
        .field("x-amz-server-side-encryption-customer-key", &k.b64)
        .field("x-amz-server-side-encryption-customer-key-MD5", &k.md5);
    post.request()
        .send_tls(server.port, client_config(&server.cert_path(), &[&TLS13]))
        .await
        .expect("a TLS handshake")
        .assert_error(403, "AccessDenied");
    // Copying the SSE-C object out to SSE-S3 is not an SSE-C write.
    s3.copy_object()
        .bucket(&bucket)
        .key("copy")
        .copy_source(format!("{bucket}/k"))
        .copy_source_sse_customer_algorithm("AES256")
        .copy_source_sse_customer_key(&k.b64)
        .copy_source_sse_customer_key_md5(&k.md5)
        .send()
        .await
        .unwrap();

    // DeleteBucketEncryption returns to the server's default: blocked.
    s3.delete_bucket_encryption()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let rule = rule_of(
        s3.get_bucket_encryption()
            .bucket(&bucket)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(
        rule.blocked_encryption_types().unwrap().encryption_type(),
        &[EncryptionType::SseC]
    );
}

#[tokio::test]
async fn sse_c_keys_are_refused_over_plain_http() {
    let server = server(false);
    let bucket = create_bucket(&server.client(), "ssec-http").await;
    let k = key(9);
    let plain = server.plain_client();
    assert_error(
        plain
            .put_object()
            .bucket(&bucket)
            .key("k")
            .body(ByteStream::from_static(b"data"))
            .sse_customer_algorithm("AES256")
            .sse_customer_key(&k.b64)
            .sse_customer_key_md5(&k.md5)
            .send()
            .await,
        "InvalidRequest",
        400,
    );
    put_sse_c(&server.client(), &bucket, "k", b"data", &k).await;
    assert_error(
        plain
            .get_object()
            .bucket(&bucket)
            .key("k")
            .sse_customer_algorithm("AES256")
            .sse_customer_key(&k.b64)
            .sse_customer_key_md5(&k.md5)
            .send()
            .await,
        "InvalidRequest",
        400,
    );

    // The loopback development setting lets a local client use plain HTTP.
    let dev = Server::start_with(ServerOptions {
        config_toml: Some(
            "[encryption]\nblock_sse_c_by_default = false\n[tls]\nallow_plain_http_from_loopback = true\n"
                .into(),
        ),
        ..Default::default()
    });
    let s3 = dev.client();
    let bucket = create_bucket(&s3, "ssec-dev").await;
    put_sse_c(&s3, &bucket, "k", b"data", &k).await;
    assert_eq!(get_sse_c(&s3, &bucket, "k", &k, None).await, b"data");
}

#[tokio::test]
async fn sse_c_with_boto3_and_the_aws_cli() {
    let server = server(false);
    let bucket = create_bucket(&server.client(), "ssec-py").await;
    let script = r#"
import sys, boto3, botocore
endpoint, cert, bucket = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, verify=cert)
key = b"k" * 32
s3.put_object(Bucket=bucket, Key="py", Body=b"boto3 data", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
got = s3.get_object(Bucket=bucket, Key="py", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
assert got["Body"].read() == b"boto3 data"
assert got["SSECustomerAlgorithm"] == "AES256"
try:
    s3.get_object(Bucket=bucket, Key="py", SSECustomerAlgorithm="AES256", SSECustomerKey=b"x" * 32)
    raise SystemExit("a wrong key was accepted")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403
try:
    s3.get_object(Bucket=bucket, Key="py")
    raise SystemExit("a read without the key was accepted")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidRequest", e.response
print("ok")
"#;
    let out = server.python(&[
        "-c",
        script,
        &server.endpoint,
        server.cert_path().to_str().unwrap(),
        &bucket,
    ]);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ok"),
        "boto3 SSE-C: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The CLI takes the key as text and sends its base64 and MD5 itself.
    let key_text = "0123456789abcdef0123456789abcdef";
    let file = server.data_dir().join("cli-upload.bin");
    let data = pattern(100_000, 4);
    std::fs::write(&file, &data).unwrap();
    let cert = server.cert_path();
    let cert = cert.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut full = vec!["--ca-bundle", cert];
        full.extend_from_slice(args);
        server.aws(&full)
    };
    let put = run(&[
        "s3api",
        "put-object",
        "--bucket",
        &bucket,
        "--key",
        "cli",
        "--body",
        file.to_str().unwrap(),
        "--sse-customer-algorithm",
        "AES256",
        "--sse-customer-key",
        key_text,
    ]);
    assert!(put.status.success(), "aws put-object: {put:?}");
    let target = server.data_dir().join("cli-download.bin");
    let get = run(&[
        "s3api",
        "get-object",
        "--bucket",
        &bucket,
        "--key",
        "cli",
        "--sse-customer-algorithm",
        "AES256",
        "--sse-customer-key",
        key_text,
        target.to_str().unwrap(),
    ]);
    assert!(get.status.success(), "aws get-object: {get:?}");
    assert_eq!(std::fs::read(&target).unwrap(), data);
}

#[tokio::test]
async fn sse_c_plaintext_never_reaches_the_disk() {
    let marker = format!("SSEC-MARKER-{:016x}", rand_seed()).into_bytes();
    let server = server(false);
    let s3 = server.client();
    let bucket = create_bucket(&s3, "ssec-scan").await;
    let k = key(10);
    let mut body = pattern(2 * MIB, 3);
    for at in [0, 70_000, MIB, 2 * MIB - marker.len()] {
        body[at..at + marker.len()].copy_from_slice(&marker);
    }
    put_sse_c(&s3, &bucket, "inline", &marker, &k).await;
    put_sse_c(&s3, &bucket, "blob", &body, &k).await;
    let found = files_containing(server.data_dir(), &marker);
    assert!(found.is_empty(), "plaintext found in {found:?}");
    // Nor the key, in any form a careless server might keep it.
    for form in [vec![10u8; 32], k.b64.clone().into_bytes()] {
        let found = files_containing(server.data_dir(), &form);
        assert!(found.is_empty(), "the customer key was stored in {found:?}");
    }
}
