//! Object operations: PUT/GET/HEAD/DELETE, metadata, ranges, conditions, digests and limits.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::primitives::{ByteStream, DateTime};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use md5::Digest;
use rampart_e2e::raw::RawRequest;
use rampart_e2e::{Server, md5_hex, pattern};

use crate::common::{assert_error, body_bytes, create_bucket, get, put};

#[tokio::test]
async fn round_trips_bytes_etag_and_sizes() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "rt").await;
    // Around the inline threshold (64 KiB) and well past it.
    for (i, size) in [0usize, 1, 65_535, 65_536, 65_537, 3 << 20]
        .into_iter()
        .enumerate()
    {
        let data = pattern(size, i as u64);
        let key = format!("obj-{size}");
        let etag = put(&s3, &bucket, &key, &data).await;
        assert_eq!(etag, format!("\"{}\"", md5_hex(&data)), "size {size}");
        assert_eq!(get(&s3, &bucket, &key).await, data, "size {size}");
        let head = s3
            .head_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_length(), Some(size as i64));
        assert_eq!(head.e_tag(), Some(etag.as_str()));
        assert_eq!(head.accept_ranges(), Some("bytes"));
    }
}

#[tokio::test]
async fn overwrite_replaces_whole_object() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "ow").await;
    put(&s3, &bucket, "k", &pattern(200_000, 1)).await;
    put(&s3, &bucket, "k", b"small now").await;
    assert_eq!(get(&s3, &bucket, "k").await, b"small now");
    put(&s3, &bucket, "k", &pattern(300_000, 2)).await;
    assert_eq!(get(&s3, &bucket, "k").await, pattern(300_000, 2));
}

#[tokio::test]
async fn metadata_and_content_headers_round_trip() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "meta").await;
    s3.put_object()
        .bucket(&bucket)
        .key("doc.txt")
        .body(ByteStream::from_static(b"hello"))
        .content_type("text/plain; charset=utf-8")
        .content_encoding("identity")
        .content_disposition("attachment; filename=\"doc.txt\"")
        .content_language("en-GB")
        .cache_control("max-age=60")
        .expires(DateTime::from_secs(2_000_000_000))
        .metadata("Color", "blue")
        .metadata("count", "3")
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("doc.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("text/plain; charset=utf-8"));
    assert_eq!(head.content_encoding(), Some("identity"));
    assert_eq!(
        head.content_disposition(),
        Some("attachment; filename=\"doc.txt\"")
    );
    assert_eq!(head.content_language(), Some("en-GB"));
    assert_eq!(head.cache_control(), Some("max-age=60"));
    assert_eq!(head.expires_string(), Some("Wed, 18 May 2033 03:33:20 GMT"));
    let meta = head.metadata().unwrap();
    assert_eq!(meta.get("color").map(String::as_str), Some("blue"));
    assert_eq!(meta.get("count").map(String::as_str), Some("3"));
    assert!(head.last_modified().is_some());
    // Without a Content-Type, S3 answers binary/octet-stream.
    let resp = RawRequest::new("PUT", &format!("/{bucket}/untyped"))
        .body("x")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 200);
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("untyped")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("binary/octet-stream"));
}

#[tokio::test]
async fn response_overrides_on_get() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "ovr").await;
    put(&s3, &bucket, "k", b"data").await;
    let out = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .response_content_type("application/json")
        .response_content_disposition("inline")
        .response_cache_control("no-cache")
        .response_content_language("fr")
        .response_content_encoding("gzip")
        .response_expires(DateTime::from_secs(1_900_000_000))
        .send()
        .await
        .unwrap();
    assert_eq!(out.content_type(), Some("application/json"));
    assert_eq!(out.content_disposition(), Some("inline"));
    assert_eq!(out.cache_control(), Some("no-cache"));
    assert_eq!(out.content_language(), Some("fr"));
    assert_eq!(out.content_encoding(), Some("gzip"));
    assert!(out.expires_string().is_some());
}

#[tokio::test]
async fn content_md5_is_verified() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "md5").await;
    let data = pattern(100_000, 7);
    let good = B64.encode(md5::Md5::digest(&data));
    s3.put_object()
        .bucket(&bucket)
        .key("ok")
        .content_md5(&good)
        .body(data.clone().into())
        .send()
        .await
        .unwrap();
    let wrong = B64.encode(md5::Md5::digest(b"other"));
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("bad")
            .content_md5(wrong)
            .body(data.clone().into())
            .send()
            .await,
        "BadDigest",
        400,
    );
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("bad")
            .content_md5("not-base64!")
            .body(data.into())
            .send()
            .await,
        "InvalidDigest",
        400,
    );
    // Nothing was stored under the rejected key.
    assert_error(
        s3.get_object().bucket(&bucket).key("bad").send().await,
        "NoSuchKey",
        404,
    );
}

#[tokio::test]
async fn ranges() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "rng").await;
    let data = pattern(200_000, 3);
    put(&s3, &bucket, "big", &data).await;
    put(&s3, &bucket, "small", &data[..1000]).await;
    for key in ["big", "small"] {
        let len = if key == "big" { data.len() } else { 1000 };
        let obj = &data[..len];
        for (range, expected, content_range) in [
            ("bytes=0-9", &obj[0..10], format!("bytes 0-9/{len}")),
            (
                "bytes=100-",
                &obj[100..],
                format!("bytes 100-{}/{len}", len - 1),
            ),
            (
                "bytes=-25",
                &obj[len - 25..],
                format!("bytes {}-{}/{len}", len - 25, len - 1),
            ),
            (
                &format!("bytes=500-{}", len + 100) as &str,
                &obj[500..],
                format!("bytes 500-{}/{len}", len - 1),
            ),
        ] {
            let out = s3
                .get_object()
                .bucket(&bucket)
                .key(key)
                .range(range)
                .send()
                .await
                .unwrap();
            assert_eq!(
                out.content_range(),
                Some(content_range.as_str()),
                "{key} {range}"
            );
            assert_eq!(out.content_length(), Some(expected.len() as i64));
            assert_eq!(body_bytes(out.body).await, expected, "{key} {range}");
        }
        let resp = RawRequest::new("GET", &format!("/{bucket}/{key}"))
            .header("range", "bytes=0-0")
            .sign(server.port, None)
            .send(server.port)
            .await;
        assert_eq!(resp.status, 206);
        assert_eq!(resp.body, &obj[..1]);
        assert_error(
            s3.get_object()
                .bucket(&bucket)
                .key(key)
                .range(format!("bytes={len}-"))
                .send()
                .await,
            "InvalidRange",
            416,
        );
    }
    let resp = RawRequest::new("GET", &format!("/{bucket}/small"))
        .header("range", "bytes=5000-6000")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 416);
    assert_eq!(
        resp.element("RangeRequested").as_deref(),
        Some("bytes=5000-6000")
    );
    assert_eq!(resp.element("ActualObjectSize").as_deref(), Some("1000"));
    // Several ranges, or a malformed one, are ignored: the whole object, 200.
    for ignored in ["bytes=0-1,5-6", "bytes=9-2", "pages=1-2"] {
        let resp = RawRequest::new("GET", &format!("/{bucket}/small"))
            .header("range", ignored)
            .sign(server.port, None)
            .send(server.port)
            .await;
        assert_eq!(resp.status, 200, "{ignored}");
        assert_eq!(resp.body.len(), 1000, "{ignored}");
    }
    // HEAD honours Range too.
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("big")
        .range("bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(10));
    assert_eq!(head.content_range(), Some("bytes 10-19/200000"));
}

#[tokio::test]
async fn conditional_get_and_head() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "cond").await;
    let etag = put(&s3, &bucket, "k", b"conditional").await;
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    let modified = head.last_modified().unwrap().secs();
    let before = DateTime::from_secs(modified - 3600);
    let after = DateTime::from_secs(modified + 1);

    // Matching preconditions pass.
    s3.get_object()
        .bucket(&bucket)
        .key("k")
        .if_match(&etag)
        .send()
        .await
        .unwrap();
    s3.get_object()
        .bucket(&bucket)
        .key("k")
        .if_none_match("\"other\"")
        .send()
        .await
        .unwrap();
    s3.get_object()
        .bucket(&bucket)
        .key("k")
        .if_modified_since(before)
        .send()
        .await
        .unwrap();
    s3.get_object()
        .bucket(&bucket)
        .key("k")
        .if_unmodified_since(after)
        .send()
        .await
        .unwrap();

    assert_error(
        s3.get_object()
            .bucket(&bucket)
            .key("k")
            .if_match("\"nope\"")
            .send()
            .await,
        "PreconditionFailed",
        412,
    );
    assert_error(
        s3.get_object()
            .bucket(&bucket)
            .key("k")
            .if_unmodified_since(before)
            .send()
            .await,
        "PreconditionFailed",
        412,
    );
    for (name, value) in [
        ("if-none-match", etag.clone()),
        ("if-modified-since", httpdate_of(modified)),
    ] {
        let resp = RawRequest::new("GET", &format!("/{bucket}/k"))
            .header(name, &value)
            .sign(server.port, None)
            .send(server.port)
            .await;
        assert_eq!(resp.status, 304, "{name}");
        assert!(resp.body.is_empty());
        assert_eq!(resp.header("etag"), Some(etag.as_str()));
    }
    // If-Match true wins over If-Unmodified-Since false (RFC 9110 and S3).
    s3.get_object()
        .bucket(&bucket)
        .key("k")
        .if_match(&etag)
        .if_unmodified_since(before)
        .send()
        .await
        .unwrap();
    // The 412 body names the condition.
    let resp = RawRequest::new("GET", &format!("/{bucket}/k"))
        .header("if-match", "\"nope\"")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.element("Condition").as_deref(), Some("If-Match"));
    // HEAD: same statuses, no bodies.
    let err = s3
        .head_object()
        .bucket(&bucket)
        .key("k")
        .if_none_match(&etag)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 304);
}

fn httpdate_of(secs: i64) -> String {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(secs as u64);
    DateTime::from(t)
        .fmt(aws_sdk_s3::primitives::DateTimeFormat::HttpDate)
        .unwrap()
}

#[tokio::test]
async fn conditional_put() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "cput").await;
    s3.put_object()
        .bucket(&bucket)
        .key("once")
        .if_none_match("*")
        .body(ByteStream::from_static(b"first"))
        .send()
        .await
        .unwrap();
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("once")
            .if_none_match("*")
            .body(ByteStream::from_static(b"second"))
            .send()
            .await,
        "PreconditionFailed",
        412,
    );
    assert_eq!(get(&s3, &bucket, "once").await, b"first");
    let etag = format!("\"{}\"", md5_hex(b"first"));
    s3.put_object()
        .bucket(&bucket)
        .key("once")
        .if_match(&etag)
        .body(ByteStream::from_static(b"third"))
        .send()
        .await
        .unwrap();
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("once")
            .if_match(&etag)
            .body(ByteStream::from_static(b"fourth"))
            .send()
            .await,
        "PreconditionFailed",
        412,
    );
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("absent")
            .if_match(&etag)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "NoSuchKey",
        404,
    );
    assert_eq!(get(&s3, &bucket, "once").await, b"third");

    // Of many concurrent create-only PUTs, exactly one wins.
    let mut tasks = Vec::new();
    for i in 0..12 {
        let s3 = s3.clone();
        let bucket = bucket.clone();
        tasks.push(tokio::spawn(async move {
            s3.put_object()
                .bucket(&bucket)
                .key("race")
                .if_none_match("*")
                .body(pattern(100_000, i).into())
                .send()
                .await
                .is_ok()
        }));
    }
    let mut winners = 0;
    for t in tasks {
        winners += usize::from(t.await.unwrap());
    }
    assert_eq!(winners, 1);
}

#[tokio::test]
async fn delete_is_idempotent() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "del").await;
    put(&s3, &bucket, "k", b"x").await;
    s3.delete_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    assert_error(
        s3.get_object().bucket(&bucket).key("k").send().await,
        "NoSuchKey",
        404,
    );
    // Deleting what is not there is still 204.
    s3.delete_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    let resp = RawRequest::new("DELETE", &format!("/{bucket}/never"))
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 204);
}

#[tokio::test]
async fn missing_keys_name_the_key() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "nokey").await;
    let resp = RawRequest::new("GET", &format!("/{bucket}/no/such%20key"))
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.error_code().as_deref(), Some("NoSuchKey"));
    assert_eq!(resp.element("Key").as_deref(), Some("no/such key"));
    let err = s3
        .head_object()
        .bucket(&bucket)
        .key("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 404);
}

#[tokio::test]
async fn limits() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "lim").await;
    let key_1024 = "k".repeat(1024);
    put(&s3, &bucket, &key_1024, b"x").await;
    assert_eq!(get(&s3, &bucket, &key_1024).await, b"x");
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("k".repeat(1025))
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "KeyTooLongError",
        400,
    );
    // 2 KiB of user metadata (names and values together) is the limit.
    let ok = s3
        .put_object()
        .bucket(&bucket)
        .key("meta-ok")
        .metadata("a", "v".repeat(2047))
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert!(ok.is_ok(), "{ok:?}");
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("meta-big")
            .metadata("a", "v".repeat(2048))
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "MetadataTooLarge",
        400,
    );
    // A single PUT is at most 5 GiB: refused from the declared length, before any body.
    let resp = RawRequest::new("PUT", &format!("/{bucket}/huge"))
        .header(
            "content-length",
            &(5u64 * 1024 * 1024 * 1024 + 1).to_string(),
        )
        .sign(server.port, Some("UNSIGNED-PAYLOAD"))
        .send(server.port)
        .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code().as_deref(), Some("EntityTooLarge"));
}

#[tokio::test]
async fn unusual_keys_are_plain_keys() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "keys").await;
    let keys = [
        "../../etc/passwd",
        "a//b",
        "/leading-slash",
        "trailing/",
        "with space",
        "plus+sign",
        "percent%20literal",
        "question?mark",
        "hash#tag",
        "ünïcødé/日本語/😀",
        "tab\tand\u{7f}",
        "&<>\"'",
    ];
    for (i, key) in keys.iter().enumerate() {
        put(&s3, &bucket, key, key.as_bytes()).await;
        assert_eq!(
            get(&s3, &bucket, key).await,
            key.as_bytes(),
            "{key:?} ({i})"
        );
    }
    let listed: Vec<String> = s3
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap()
        .contents()
        .iter()
        .map(|o| o.key().unwrap().to_owned())
        .collect();
    let mut expected: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    expected.sort();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn storage_class_and_unsupported_headers() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "sc").await;
    s3.put_object()
        .bucket(&bucket)
        .key("ia")
        .storage_class(aws_sdk_s3::types::StorageClass::StandardIa)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("ia")
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.storage_class(),
        Some(&aws_sdk_s3::types::StorageClass::StandardIa)
    );
    let resp = RawRequest::new("PUT", &format!("/{bucket}/bad-class"))
        .header("x-amz-storage-class", "FLOPPY")
        .body("x")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.error_code().as_deref(), Some("InvalidStorageClass"));
    // ACLs are disabled on buckets (BucketOwnerEnforced).
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("acl")
            .acl(aws_sdk_s3::types::ObjectCannedAcl::PublicRead)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "AccessControlListNotSupported",
        400,
    );
    // `private` too: on a bucket with ACLs disabled only bucket-owner-full-control (or no ACL)
    // is accepted, as S3 answers the many clients that send `private` by default.
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("acl-private")
            .acl(aws_sdk_s3::types::ObjectCannedAcl::Private)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "AccessControlListNotSupported",
        400,
    );
    s3.put_object()
        .bucket(&bucket)
        .key("acl-ok")
        .acl(aws_sdk_s3::types::ObjectCannedAcl::BucketOwnerFullControl)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn version_ids_on_an_unversioned_bucket() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "vid").await;
    put(&s3, &bucket, "k", b"x").await;
    let out = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .version_id("null")
        .send()
        .await
        .unwrap();
    assert_eq!(body_bytes(out.body).await, b"x");
    assert_error(
        s3.get_object()
            .bucket(&bucket)
            .key("k")
            .version_id("3HL4kqtJlcpXroDTDmJ")
            .send()
            .await,
        "InvalidArgument",
        400,
    );
}
