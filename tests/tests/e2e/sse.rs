//! Server-side encryption with server-managed keys (SSE-S3) end to end: the request header and
//! its echo, bucket default encryption, multipart and copies, ranges across segments, no
//! plaintext anywhere on disk, and damaged blobs never served.

use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    CompletedMultipartUpload, CompletedPart, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use rampart_e2e::{Server, ServerOptions, pattern};

use crate::common::{assert_error, body_bytes, create_bucket};

const MIB: usize = 1024 * 1024;

async fn get_range(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, range: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .range(range)
        .send()
        .await
        .unwrap();
    body_bytes(out.body).await
}

async fn put_bytes(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    data: &[u8],
) -> Option<ServerSideEncryption> {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .unwrap()
        .server_side_encryption
}

/// A two-part object (5 MiB + `tail` bytes) uploaded with multipart.
pub(crate) async fn multipart_object(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    data: &[u8],
) {
    let created = s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .server_side_encryption(ServerSideEncryption::Aes256)
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.server_side_encryption,
        Some(ServerSideEncryption::Aes256)
    );
    let upload = created.upload_id.unwrap();
    let mut parts = Vec::new();
    for (i, chunk) in [&data[..5 * MIB], &data[5 * MIB..]].iter().enumerate() {
        let number = i as i32 + 1;
        let out = s3
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(&upload)
            .part_number(number)
            .body(ByteStream::from(chunk.to_vec()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.server_side_encryption,
            Some(ServerSideEncryption::Aes256)
        );
        parts.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(out.e_tag.unwrap())
                .build(),
        );
    }
    let done = s3
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(&upload)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        done.server_side_encryption,
        Some(ServerSideEncryption::Aes256)
    );
}

#[tokio::test]
async fn sse_s3_objects_round_trip_and_report_their_encryption() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "sse").await;

    // Every new bucket encrypts by default, as on S3.
    let data = pattern(MIB + 12_345, 7);
    assert_eq!(
        put_bytes(&s3, &bucket, "big", &data).await,
        Some(ServerSideEncryption::Aes256)
    );
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("big")
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.server_side_encryption,
        Some(ServerSideEncryption::Aes256)
    );
    assert_eq!(head.content_length, Some(data.len() as i64));
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("big")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.server_side_encryption,
        Some(ServerSideEncryption::Aes256)
    );
    assert!(body_bytes(got.body).await == data);
    // Ranges inside one segment, across a segment boundary, and the last byte.
    for (first, last) in [
        (10, 20),
        (65_530, 65_545),
        (0, 65_535),
        (data.len() - 1, data.len() - 1),
    ] {
        assert!(
            get_range(&s3, &bucket, "big", &format!("bytes={first}-{last}")).await
                == data[first..=last],
            "{first}-{last}"
        );
    }
    // A small object (kept inline) and an empty one.
    put_bytes(&s3, &bucket, "small", b"tiny secret").await;
    assert_eq!(
        get_range(&s3, &bucket, "small", "bytes=5-10").await,
        b"secret"
    );
    put_bytes(&s3, &bucket, "empty", b"").await;
    let empty = s3
        .get_object()
        .bucket(&bucket)
        .key("empty")
        .send()
        .await
        .unwrap();
    assert!(body_bytes(empty.body).await.is_empty());

    // The header itself, and what it may say.
    let named = s3
        .put_object()
        .bucket(&bucket)
        .key("named")
        .server_side_encryption(ServerSideEncryption::Aes256)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        named.server_side_encryption,
        Some(ServerSideEncryption::Aes256)
    );
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("bad")
            .server_side_encryption(ServerSideEncryption::from("AES257"))
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "InvalidArgument",
        400,
    );

    // Multipart: every part sealed under its own key, read back across the part boundary.
    let data = pattern(5 * MIB + 300_000, 9);
    multipart_object(&s3, &bucket, "parts", &data).await;
    let around = 5 * MIB - 70_000;
    assert!(
        get_range(
            &s3,
            &bucket,
            "parts",
            &format!("bytes={around}-{}", around + 140_000)
        )
        .await
            == data[around..=around + 140_000]
    );
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("parts")
        .send()
        .await
        .unwrap();
    assert!(body_bytes(got.body).await == data);

    // A copy is re-encrypted under the destination's setting; its bytes are the source's.
    let copied = s3
        .copy_object()
        .bucket(&bucket)
        .key("copy")
        .copy_source(format!("{bucket}/parts"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        copied.server_side_encryption,
        Some(ServerSideEncryption::Aes256)
    );
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("copy")
        .send()
        .await
        .unwrap();
    assert!(body_bytes(got.body).await == data);
}

fn encryption_config(algorithm: &str, bucket_key: bool) -> ServerSideEncryptionConfiguration {
    ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::from(algorithm))
                        .build()
                        .unwrap(),
                )
                .bucket_key_enabled(bucket_key)
                .build(),
        )
        .build()
        .unwrap()
}

async fn bucket_default(s3: &aws_sdk_s3::Client, bucket: &str) -> (String, Option<bool>) {
    let out = s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let rule = &out.server_side_encryption_configuration.unwrap().rules[0];
    (
        rule.apply_server_side_encryption_by_default
            .as_ref()
            .unwrap()
            .sse_algorithm
            .as_str()
            .to_owned(),
        rule.bucket_key_enabled,
    )
}

#[tokio::test]
async fn bucket_encryption_configuration_round_trips() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "sse-config").await;
    assert_eq!(
        bucket_default(&s3, &bucket).await,
        ("AES256".into(), Some(false))
    );
    s3.put_bucket_encryption()
        .bucket(&bucket)
        .server_side_encryption_configuration(encryption_config("AES256", true))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bucket_default(&s3, &bucket).await,
        ("AES256".into(), Some(true))
    );
    s3.delete_bucket_encryption()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bucket_default(&s3, &bucket).await,
        ("AES256".into(), Some(false))
    );
    assert_error(
        s3.put_bucket_encryption()
            .bucket(&bucket)
            .server_side_encryption_configuration(encryption_config("DES", false))
            .send()
            .await,
        "MalformedXML",
        400,
    );

    // With the server's default off, a bucket without a configuration stores plain blobs and
    // says so; a configuration turns encryption back on for it.
    let plain = Server::start_with(ServerOptions {
        config_toml: Some(
            "[encryption]\nby_default = false\nblock_sse_c_by_default = false\n".into(),
        ),
        ..ServerOptions::default()
    });
    let s3 = plain.client();
    let bucket = create_bucket(&s3, "sse-off").await;
    assert_error(
        s3.get_bucket_encryption().bucket(&bucket).send().await,
        "ServerSideEncryptionConfigurationNotFoundError",
        404,
    );
    assert_eq!(put_bytes(&s3, &bucket, "plain", b"p").await, None);
    s3.put_bucket_encryption()
        .bucket(&bucket)
        .server_side_encryption_configuration(encryption_config("AES256", false))
        .send()
        .await
        .unwrap();
    assert_eq!(
        put_bytes(&s3, &bucket, "sealed", b"s").await,
        Some(ServerSideEncryption::Aes256)
    );

    // Encryption off but SSE-C blocked (the default): the configuration is the block alone.
    let blocking = Server::start_with(ServerOptions {
        config_toml: Some("[encryption]\nby_default = false\n".into()),
        ..ServerOptions::default()
    });
    let s3 = blocking.client();
    let bucket = create_bucket(&s3, "sse-off-blocked").await;
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
    assert!(rule.apply_server_side_encryption_by_default().is_none());
    assert!(rule.blocked_encryption_types().is_some());
    assert_eq!(put_bytes(&s3, &bucket, "plain", b"p").await, None);
}

#[tokio::test]
async fn a_bucket_policy_can_require_encryption_headers() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "sse-policy").await;
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*"),
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}
        }]
    });
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("unnamed")
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "AccessDenied",
        403,
    );
    s3.put_object()
        .bucket(&bucket)
        .key("named")
        .server_side_encryption(ServerSideEncryption::Aes256)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

pub(crate) fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|path| {
            std::fs::read(path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        })
        .collect()
}

/// Bodies with `marker` in them, in every shape an object takes on disk.
async fn write_marked_objects(s3: &aws_sdk_s3::Client, bucket: &str, marker: &[u8]) {
    let mut body = pattern(2 * MIB, 3);
    for at in [0, 70_000, MIB, 2 * MIB - marker.len()] {
        body[at..at + marker.len()].copy_from_slice(marker);
    }
    put_bytes(s3, bucket, "inline", marker).await;
    put_bytes(s3, bucket, "blob", &body).await;
    let mut large = pattern(5 * MIB + 1000, 4);
    large[5 * MIB - 10..5 * MIB - 10 + marker.len()].copy_from_slice(marker);
    large[100..100 + marker.len()].copy_from_slice(marker);
    multipart_object(s3, bucket, "multipart", &large).await;
    s3.copy_object()
        .bucket(bucket)
        .key("copied")
        .copy_source(format!("{bucket}/blob"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn no_plaintext_reaches_the_disk() {
    let marker = format!("MARKER-{:016x}", rand_seed()).into_bytes();
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "sse-scan").await;
    write_marked_objects(&s3, &bucket, &marker).await;
    let found = files_containing(server.data_dir(), &marker);
    assert!(found.is_empty(), "plaintext found in {found:?}");
    // The scan finds the marker when encryption is off, so its silence above means something.
    let plain = Server::start_with(ServerOptions {
        config_toml: Some("[encryption]\nby_default = false\n".into()),
        ..ServerOptions::default()
    });
    let s3 = plain.client();
    let bucket = create_bucket(&s3, "sse-scan-off").await;
    write_marked_objects(&s3, &bucket, &marker).await;
    assert!(!files_containing(plain.data_dir(), &marker).is_empty());
}

pub(crate) fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id())
}

/// The one blob file of the server (its only object larger than the inline limit).
fn only_blob(server: &Server) -> PathBuf {
    let blobs: Vec<PathBuf> = files_under(&server.data_dir().join("data").join("blobs"));
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    blobs.into_iter().next().unwrap()
}

/// Whether reading the whole object fails (an error status, or a body cut short by an error).
async fn read_fails(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, expected: &[u8]) -> bool {
    match s3.get_object().bucket(bucket).key(key).send().await {
        Err(_) => true,
        Ok(out) => match out.body.collect().await {
            Err(_) => true,
            Ok(bytes) => {
                assert!(bytes.into_bytes() == expected, "altered bytes were served");
                false
            }
        },
    }
}

#[tokio::test]
async fn damaged_blobs_fail_instead_of_serving_altered_bytes() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "sse-tamper").await;
    let data = pattern(MIB, 5);
    put_bytes(&s3, &bucket, "victim", &data).await;
    let path = only_blob(&server);
    let original = std::fs::read(&path).unwrap();
    let segment = 65_536 + 16;

    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut flipped = original.clone();
    flipped[100] ^= 0x01;
    cases.push(("a flipped bit in the first segment", flipped));
    let mut flipped = original.clone();
    flipped[5 * segment + 7] ^= 0x80;
    cases.push(("a flipped bit in a later segment", flipped));
    let mut swapped = original.clone();
    let (a, b) = swapped.split_at_mut(2 * segment);
    a[segment..].swap_with_slice(&mut b[..segment]);
    cases.push(("two segments swapped", swapped));
    cases.push((
        "the last segment dropped",
        original[..original.len() - segment].to_vec(),
    ));
    cases.push((
        "truncated mid-segment",
        original[..original.len() / 2].to_vec(),
    ));
    for (what, damaged) in cases {
        std::fs::write(&path, &damaged).unwrap();
        assert!(
            read_fails(&s3, &bucket, "victim", &data).await,
            "{what}: served"
        );
    }
    // Damage in the first segment is found before the response starts: an S3 error.
    let mut flipped = original.clone();
    flipped[3] ^= 0x04;
    std::fs::write(&path, &flipped).unwrap();
    assert_error(
        s3.get_object().bucket(&bucket).key("victim").send().await,
        "InternalError",
        500,
    );
    // Restored, the object reads whole again: nothing was cached or marked.
    std::fs::write(&path, &original).unwrap();
    assert!(!read_fails(&s3, &bucket, "victim", &data).await);
    // Other objects were never affected; the server still serves.
    put_bytes(&s3, &bucket, "after", b"fine").await;
}
