//! The wire: request ids, error documents, routing of what is not built, virtual-hosted
//! style, malformed bodies, size limits, stalled and vanished clients, awkward keys, and
//! concurrent writers of one key.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_e2e::raw::{RawRequest, RawResponse, read_response};
use rampart_e2e::{Server, ServerOptions, bucket_name, md5_hex, pattern};

fn status_and_code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> (u16, String) {
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    let code = err
        .as_service_error()
        .and_then(|e| e.code())
        .unwrap_or_default()
        .to_owned();
    (status, code)
}

async fn server_with_bucket(tag: &str) -> (Server, String) {
    server_with_bucket_opts(tag, ServerOptions::default()).await
}

async fn server_with_bucket_opts(tag: &str, options: ServerOptions) -> (Server, String) {
    let server = Server::start_with(options);
    let bucket = bucket_name(tag);
    server
        .client()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    (server, bucket)
}

async fn exists(server: &Server, bucket: &str, key: &str) -> bool {
    match server
        .client()
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
    {
        Ok(_) => true,
        Err(e) if status_and_code(&e).0 == 404 => false,
        Err(e) => panic!("HEAD {key}: {e:?}"),
    }
}

fn tmp_entries(server: &Server) -> Vec<String> {
    let tmp = server.data_dir().join("data").join("tmp");
    list_dir(&tmp)
}

fn list_dir(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Waits up to `limit` for the upload temp directory to empty, then asserts it is.
async fn assert_tmp_empties(server: &Server, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let left = tmp_entries(server);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "files left in data/tmp after an aborted upload: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn assert_ids(r: &RawResponse, what: &str) -> String {
    let id = r
        .header("x-amz-request-id")
        .unwrap_or_else(|| panic!("{what}: no x-amz-request-id in {:?}", r.headers));
    assert!(
        id.len() == 16
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
        "{what}: x-amz-request-id {id:?} is not 16 uppercase hex digits"
    );
    let id2 = r
        .header("x-amz-id-2")
        .unwrap_or_else(|| panic!("{what}: no x-amz-id-2 in {:?}", r.headers));
    assert!(!id2.is_empty(), "{what}: empty x-amz-id-2");
    id.to_owned()
}

// ---------------------------------------------------------------------------------------------
// Ids, error documents, health

#[tokio::test]
async fn every_response_carries_request_ids_and_errors_are_s3_xml() {
    let (server, bucket) = server_with_bucket("ids").await;
    let port = server.port;
    let mut ids = Vec::new();

    let ok = RawRequest::new("GET", "/")
        .sign(port, None)
        .send(port)
        .await;
    assert_eq!(ok.status, 200);
    ids.push(assert_ids(&ok, "ListBuckets"));

    let missing = RawRequest::new("GET", "/no-such-bucket-here/k")
        .sign(port, None)
        .send(port)
        .await;
    missing.assert_error(404, "NoSuchBucket");
    assert_eq!(
        missing.element("HostId").as_deref(),
        missing.header("x-amz-id-2")
    );
    ids.push(assert_ids(&missing, "NoSuchBucket"));

    let no_key = RawRequest::new("GET", &format!("/{bucket}/nope"))
        .sign(port, None)
        .send(port)
        .await;
    no_key.assert_error(404, "NoSuchKey");
    assert_eq!(no_key.element("Key").as_deref(), Some("nope"));
    ids.push(assert_ids(&no_key, "NoSuchKey"));

    let head = RawRequest::new("HEAD", &format!("/{bucket}/nope"))
        .sign(port, None)
        .send(port)
        .await;
    assert_eq!(head.status, 404);
    assert!(head.body.is_empty(), "HEAD responses carry no body");
    ids.push(assert_ids(&head, "HEAD 404"));

    let anonymous = RawRequest::new("GET", &format!("/{bucket}"))
        .send(port)
        .await;
    anonymous.assert_error(403, "AccessDenied");
    ids.push(assert_ids(&anonymous, "anonymous"));

    let health = RawRequest::new("GET", "/_rampart/health").send(port).await;
    assert_eq!(health.status, 200);
    ids.push(assert_ids(&health, "health"));

    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "request ids repeat: {ids:?}");
}

#[tokio::test]
async fn health_probe_answers_without_auth() {
    let server = Server::start();
    let r = RawRequest::new("GET", "/_rampart/health")
        .send(server.port)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

// ---------------------------------------------------------------------------------------------
// What is not built, and what never will be

#[tokio::test]
async fn known_but_unbuilt_operations_are_not_implemented() {
    let (server, bucket) = server_with_bucket("unbuilt").await;
    let s3 = server.client();
    let expect_501 = |what: &str, got: (u16, String)| {
        assert_eq!(got, (501, "NotImplemented".to_owned()), "{what}");
    };
    let e = s3
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_err();
    expect_501("GetBucketLifecycleConfiguration", status_and_code(&e));
    let e = s3
        .get_bucket_website()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_err();
    expect_501("GetBucketWebsite", status_and_code(&e));

    // The document itself, raw.
    let r = RawRequest::new("GET", &format!("/{bucket}"))
        .query("lifecycle")
        .sign(server.port, None)
        .send(server.port)
        .await;
    r.assert_error(501, "NotImplemented");
}

#[tokio::test]
async fn unknown_subresource_is_not_implemented() {
    let (server, bucket) = server_with_bucket("frob").await;
    for target in [format!("/{bucket}"), format!("/{bucket}/key")] {
        let r = RawRequest::new("GET", &target)
            .query("frobnicate")
            .sign(server.port, None)
            .send(server.port)
            .await;
        r.assert_error(501, "NotImplemented");
    }
}

#[tokio::test]
async fn unsupported_method_is_method_not_allowed() {
    let (server, bucket) = server_with_bucket("patch").await;
    for target in [format!("/{bucket}"), format!("/{bucket}/key")] {
        let r = RawRequest::new("PATCH", &target)
            .body("x")
            .sign(server.port, None)
            .send(server.port)
            .await;
        r.assert_error(405, "MethodNotAllowed");
    }
}

#[tokio::test]
async fn put_with_dsse_encryption_or_object_lock_on_a_plain_bucket_is_refused_and_creates_nothing()
{
    let (server, bucket) = server_with_bucket("refuse").await;
    let s3 = server.client();
    let e = s3
        .put_object()
        .bucket(&bucket)
        .key("sse")
        .server_side_encryption(ServerSideEncryption::AwsKmsDsse)
        .body(ByteStream::from_static(b"data"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_and_code(&e), (501, "NotImplemented".to_owned()));
    assert!(!exists(&server, &bucket, "sse").await);
    let e = s3
        .put_object()
        .bucket(&bucket)
        .key("locked")
        .object_lock_legal_hold_status(aws_sdk_s3::types::ObjectLockLegalHoldStatus::On)
        .body(ByteStream::from_static(b"data"))
        .send()
        .await
        .unwrap_err();
    // Lock settings need a bucket with Object Lock.
    assert_eq!(status_and_code(&e), (400, "InvalidRequest".to_owned()));
    assert!(!exists(&server, &bucket, "locked").await);
}

// ---------------------------------------------------------------------------------------------
// Virtual-hosted style

#[tokio::test]
async fn virtual_hosted_style_reaches_the_bucket_and_path_style_still_works() {
    let server = Server::start_with(ServerOptions {
        domain: Some("s3.test".into()),
        ..Default::default()
    });
    let port = server.port;
    let bucket = bucket_name("vhost");
    let host = format!("{bucket}.s3.test:{port}");

    let r = RawRequest::new("PUT", "/")
        .sign_host(&host, None)
        .send(port)
        .await;
    assert_eq!(r.status, 200, "CreateBucket: {}", r.text());

    let data = pattern(5000, 11);
    let r = RawRequest::new("PUT", "/dir/object.bin")
        .body(data.clone())
        .sign_host(&host, None)
        .send(port)
        .await;
    assert_eq!(r.status, 200, "PutObject: {}", r.text());

    let r = RawRequest::new("GET", "/dir/object.bin")
        .sign_host(&host, None)
        .send(port)
        .await;
    assert_eq!(r.status, 200, "GetObject: {}", r.text());
    assert!(r.body == data);

    let r = RawRequest::new("GET", "/")
        .query("list-type=2")
        .sign_host(&host, None)
        .send(port)
        .await;
    assert_eq!(r.status, 200, "ListObjectsV2: {}", r.text());
    assert_eq!(r.element("Name").as_deref(), Some(bucket.as_str()));
    assert_eq!(r.element("Key").as_deref(), Some("dir/object.bin"));

    // Path style, same server, same bucket.
    let r = RawRequest::new("GET", &format!("/{bucket}/dir/object.bin"))
        .sign(port, None)
        .send(port)
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body == data);
    let listed = server
        .client()
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["dir/object.bin"]);

    // The bare domain is the service endpoint.
    let r = RawRequest::new("GET", "/")
        .sign_host(&format!("s3.test:{port}"), None)
        .send(port)
        .await;
    assert_eq!(r.status, 200, "ListBuckets: {}", r.text());
    assert!(r.text().contains(&format!("<Name>{bucket}</Name>")));
}

// ---------------------------------------------------------------------------------------------
// Malformed bodies

#[tokio::test]
async fn unclosed_create_bucket_configuration_is_malformed_xml() {
    let server = Server::start();
    let bucket = bucket_name("badxml");
    let r = RawRequest::new("PUT", &format!("/{bucket}"))
        .body("<CreateBucketConfiguration><LocationConstraint>")
        .sign(server.port, None)
        .send(server.port)
        .await;
    r.assert_error(400, "MalformedXML");
    let e = server
        .client()
        .head_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_and_code(&e).0, 404, "the bucket must not exist");
}

#[tokio::test]
async fn garbage_delete_objects_body_is_malformed_xml() {
    let (server, bucket) = server_with_bucket("baddel").await;
    for body in [
        &b"this is not xml at all"[..],
        b"<Delete><Object><Key>k</Key></Object>",
    ] {
        use md5::Digest;
        let md5 = B64.encode(md5::Md5::digest(body));
        let r = RawRequest::new("POST", &format!("/{bucket}"))
            .query("delete")
            .header("content-md5", &md5)
            .body(body)
            .sign(server.port, None)
            .send(server.port)
            .await;
        r.assert_error(400, "MalformedXML");
    }
}

// ---------------------------------------------------------------------------------------------
// Size limits

#[tokio::test]
async fn oversized_header_section_is_rejected_before_metadata_rules() {
    let (server, bucket) = server_with_bucket("bighdr").await;
    // S3 caps the whole header section at 8 KiB; a 10 KiB header never reaches the
    // metadata check.
    let r = RawRequest::new("PUT", &format!("/{bucket}/big"))
        .header("x-amz-meta-big", &"v".repeat(10 * 1024))
        .body("data")
        .sign(server.port, None)
        .send(server.port)
        .await;
    r.assert_error(400, "RequestHeaderSectionTooLarge");
    assert!(!exists(&server, &bucket, "big").await);

    // Within the header limit but over the 2 KiB of user metadata.
    let r = RawRequest::new("PUT", &format!("/{bucket}/meta"))
        .header("x-amz-meta-big", &"v".repeat(3 * 1024))
        .body("data")
        .sign(server.port, None)
        .send(server.port)
        .await;
    r.assert_error(400, "MetadataTooLarge");
    assert!(!exists(&server, &bucket, "meta").await);
}

#[tokio::test]
async fn put_without_content_length_is_missing_content_length() {
    let (server, bucket) = server_with_bucket("nolen").await;
    let r = RawRequest::new("PUT", &format!("/{bucket}/nolen"))
        .body(pattern(1000, 12))
        .sign(server.port, None)
        .send_http_chunked(server.port)
        .await;
    r.assert_error(411, "MissingContentLength");
    assert!(!exists(&server, &bucket, "nolen").await);
}

#[tokio::test]
async fn put_declaring_over_5_gib_is_entity_too_large_without_reading_the_body() {
    let (server, bucket) = server_with_bucket("huge").await;
    let declared = 5 * 1024 * 1024 * 1024 + 1;
    let req = RawRequest::new("PUT", &format!("/{bucket}/huge"))
        .sign(server.port, Some(rampart_sigv4::UNSIGNED_PAYLOAD));
    let started = Instant::now();
    let mut stream = req.send_partial(server.port, declared, 0).await;
    let r = tokio::time::timeout(Duration::from_secs(10), read_response(&mut stream, false))
        .await
        .expect("the server answers without waiting for a 5 GiB body");
    r.assert_error(400, "EntityTooLarge");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!exists(&server, &bucket, "huge").await);
}

// ---------------------------------------------------------------------------------------------
// Stalled and vanished clients

#[tokio::test]
async fn stalled_upload_times_out_with_request_timeout_and_stores_nothing() {
    let (server, bucket) = server_with_bucket_opts(
        "stall",
        ServerOptions {
            config_toml: Some("[limits]\nbody_idle_timeout_secs = 2\n".into()),
            ..Default::default()
        },
    )
    .await;
    let body = pattern(1024 * 1024, 13);
    let req = RawRequest::new("PUT", &format!("/{bucket}/stalled"))
        .body(body)
        .sign(server.port, None);
    let started = Instant::now();
    let mut stream = req.send_partial(server.port, 1024 * 1024, 100 * 1024).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !tmp_entries(&server).is_empty(),
        "the upload in flight should be spooling to data/tmp"
    );
    let r = tokio::time::timeout(Duration::from_secs(10), read_response(&mut stream, false))
        .await
        .expect("the server gives up on a stalled body within a few seconds");
    let waited = started.elapsed();
    r.assert_error(400, "RequestTimeout");
    assert!(
        waited >= Duration::from_millis(1500),
        "answered after {waited:?}, before the idle timeout"
    );
    drop(stream);
    assert!(!exists(&server, &bucket, "stalled").await);
    assert_tmp_empties(&server, Duration::from_secs(3)).await;
}

#[tokio::test]
async fn disconnected_upload_stores_nothing_and_leaves_no_temp_file() {
    let (server, bucket) = server_with_bucket("gone").await;
    let body = pattern(4 * 1024 * 1024, 14);
    let req = RawRequest::new("PUT", &format!("/{bucket}/gone"))
        .body(body)
        .sign(server.port, None);
    let stream = req
        .send_partial(server.port, 4 * 1024 * 1024, 1024 * 1024)
        .await;
    // Let the server start writing the blob, then vanish.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !tmp_entries(&server).is_empty(),
        "the upload in flight should be spooling to data/tmp"
    );
    drop(stream);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!exists(&server, &bucket, "gone").await);
    assert_tmp_empties(&server, Duration::from_secs(3)).await;
    // The server is still serving.
    let r = RawRequest::new("GET", "/_rampart/health")
        .send(server.port)
        .await;
    assert_eq!(r.status, 200);
}

// ---------------------------------------------------------------------------------------------
// Keys

#[tokio::test]
async fn key_of_1024_bytes_works_and_1025_is_key_too_long() {
    let (server, bucket) = server_with_bucket("keylen").await;
    let s3 = server.client();
    // Multi-byte characters: the limit is in UTF-8 bytes.
    let long = format!("{}{}", "é".repeat(500), "k".repeat(24));
    assert_eq!(long.len(), 1024);
    s3.put_object()
        .bucket(&bucket)
        .key(&long)
        .body(ByteStream::from_static(b"long"))
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key(&long)
        .send()
        .await
        .unwrap();
    assert_eq!(&got.body.collect().await.unwrap().into_bytes()[..], b"long");

    let too_long = format!("{long}x");
    let e = s3
        .put_object()
        .bucket(&bucket)
        .key(&too_long)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_and_code(&e), (400, "KeyTooLongError".to_owned()));
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(listed.key_count(), Some(1));
}

#[tokio::test]
async fn awkward_keys_round_trip_and_list_back_verbatim() {
    let (server, bucket) = server_with_bucket("keys").await;
    let s3 = server.client();
    let keys = [
        "../up",
        "a/../b",
        "./here",
        "a//b",
        "/leading-slash",
        "with space",
        "plus+sign",
        "percent%20literal",
        "100%",
        "unicodé/ключ/キー/🦀",
        "question?mark=1",
        "hash#tag",
        "amp&er=sand",
        "trailing/",
        "tilde~and'quote",
    ];
    for key in keys {
        s3.put_object()
            .bucket(&bucket)
            .key(key)
            .body(ByteStream::from(key.as_bytes().to_vec()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PUT {key:?}: {e:?}"));
    }
    for key in keys {
        let got = s3
            .get_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {key:?}: {e:?}"));
        let body = got.body.collect().await.unwrap().into_bytes();
        assert_eq!(
            &body[..],
            key.as_bytes(),
            "GET {key:?} returned another object"
        );
    }
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    let mut got: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    let mut want = keys.to_vec();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    // Listing order is UTF-8 byte order.
    let listed_order: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(listed_order, want);
}

// ---------------------------------------------------------------------------------------------
// Concurrency on one key

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_puts_to_one_key_leave_exactly_one_whole_body() {
    let (server, bucket) = server_with_bucket("race").await;
    let s3 = server.client();
    let bodies: Arc<Vec<Vec<u8>>> =
        Arc::new((0..16).map(|i| pattern(256 * 1024, 1000 + i)).collect());
    let puts = (0..16).map(|i| {
        let s3 = s3.clone();
        let bucket = bucket.clone();
        let bodies = bodies.clone();
        tokio::spawn(async move {
            s3.put_object()
                .bucket(&bucket)
                .key("contended")
                .body(ByteStream::from(bodies[i].clone()))
                .send()
                .await
                .map(|o| o.e_tag().map(str::to_owned))
        })
    });
    for put in futures::future::join_all(puts).await {
        put.unwrap().expect("every concurrent PUT succeeds");
    }
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("contended")
        .send()
        .await
        .unwrap();
    let etag = got.e_tag().unwrap().to_owned();
    let body = got.body.collect().await.unwrap().into_bytes();
    let winner = bodies
        .iter()
        .position(|b| b[..] == body[..])
        .expect("the stored body is one of the uploaded bodies, whole");
    assert_eq!(etag, format!("\"{}\"", md5_hex(&bodies[winner])));
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(listed.key_count(), Some(1));
    assert_eq!(listed.contents()[0].size(), Some(256 * 1024));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_gets_during_overwrites_see_only_whole_versions() {
    let (server, bucket) = server_with_bucket("torn").await;
    let s3 = server.client();
    // Versions on both sides of the inline limit.
    let versions: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..6)
            .map(|i| pattern(if i % 2 == 0 { 300 * 1024 } else { 40 * 1024 }, 2000 + i))
            .collect(),
    );
    s3.put_object()
        .bucket(&bucket)
        .key("k")
        .body(ByteStream::from(versions[0].clone()))
        .send()
        .await
        .unwrap();
    let writers = (0..3).map(|w| {
        let (s3, bucket, versions) = (s3.clone(), bucket.clone(), versions.clone());
        tokio::spawn(async move {
            for round in 0..8 {
                let v = (w * 8 + round) % versions.len();
                s3.put_object()
                    .bucket(&bucket)
                    .key("k")
                    .body(ByteStream::from(versions[v].clone()))
                    .send()
                    .await
                    .expect("overwrite");
            }
        })
    });
    let readers = (0..4).map(|_| {
        let (s3, bucket, versions) = (s3.clone(), bucket.clone(), versions.clone());
        tokio::spawn(async move {
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..15 {
                let got = s3
                    .get_object()
                    .bucket(&bucket)
                    .key("k")
                    .send()
                    .await
                    .unwrap();
                let etag = got.e_tag().unwrap().to_owned();
                let length = got.content_length().unwrap();
                let body = got.body.collect().await.unwrap().into_bytes();
                let v = versions
                    .iter()
                    .position(|b| b[..] == body[..])
                    .unwrap_or_else(|| {
                        panic!("GET returned {} bytes that are no version", body.len())
                    });
                assert_eq!(etag, format!("\"{}\"", md5_hex(&versions[v])));
                assert_eq!(length as usize, versions[v].len());
                seen.insert(v);
            }
            seen
        })
    });
    let (writes, reads) = futures::join!(
        futures::future::join_all(writers),
        futures::future::join_all(readers)
    );
    for w in writes {
        w.unwrap();
    }
    for r in reads {
        r.unwrap();
    }
}
