//! CopyObject: metadata directives, source conditions, copy-to-self rules.

use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::MetadataDirective;
use rampart_e2e::raw::RawRequest;
use rampart_e2e::{Server, md5_hex, pattern};

use crate::common::{assert_error, create_bucket, get, put};

async fn put_with_meta(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, data: Vec<u8>) {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .content_type("text/csv")
        .metadata("origin", "source")
        .body(ByteStream::from(data))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn copy_keeps_bytes_and_metadata() {
    let server = Server::start();
    let s3 = server.client();
    let src = create_bucket(&s3, "src").await;
    let dst = create_bucket(&s3, "dst").await;
    for (key, size) in [("small", 10_000usize), ("large", 2_000_000)] {
        let data = pattern(size, 9);
        put_with_meta(&s3, &src, key, data.clone()).await;
        let out = s3
            .copy_object()
            .bucket(&dst)
            .key(format!("copy of {key}"))
            .copy_source(format!("{src}/{key}"))
            .send()
            .await
            .unwrap();
        let result = out.copy_object_result().unwrap();
        assert_eq!(
            result.e_tag(),
            Some(format!("\"{}\"", md5_hex(&data)).as_str())
        );
        assert!(result.last_modified().is_some());
        assert_eq!(get(&s3, &dst, &format!("copy of {key}")).await, data);
        let head = s3
            .head_object()
            .bucket(&dst)
            .key(format!("copy of {key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(head.content_type(), Some("text/csv"));
        assert_eq!(
            head.metadata().unwrap().get("origin").map(String::as_str),
            Some("source")
        );
    }
    // The source is untouched, and a later change to it does not reach the copy.
    put(&s3, &src, "small", b"changed").await;
    assert_eq!(get(&s3, &dst, "copy of small").await, pattern(10_000, 9));
}

#[tokio::test]
async fn replace_directive_sets_new_metadata() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "repl").await;
    put_with_meta(&s3, &bucket, "k", b"abc".to_vec()).await;
    s3.copy_object()
        .bucket(&bucket)
        .key("k2")
        .copy_source(format!("{bucket}/k"))
        .metadata_directive(MetadataDirective::Replace)
        .content_type("application/json")
        .metadata("origin", "replaced")
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("k2")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("application/json"));
    assert_eq!(
        head.metadata().unwrap().get("origin").map(String::as_str),
        Some("replaced")
    );
    let resp = RawRequest::new("PUT", &format!("/{bucket}/k3"))
        .header("x-amz-copy-source", &format!("/{bucket}/k"))
        .header("x-amz-metadata-directive", "MERGE")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code().as_deref(), Some("InvalidArgument"));
}

#[tokio::test]
async fn copy_to_self_needs_a_change() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "self").await;
    let data = pattern(150_000, 4);
    put_with_meta(&s3, &bucket, "k", data.clone()).await;
    assert_error(
        s3.copy_object()
            .bucket(&bucket)
            .key("k")
            .copy_source(format!("{bucket}/k"))
            .send()
            .await,
        "InvalidRequest",
        400,
    );
    // With REPLACE it is how metadata is edited in place; the bytes stay.
    s3.copy_object()
        .bucket(&bucket)
        .key("k")
        .copy_source(format!("{bucket}/k"))
        .metadata_directive(MetadataDirective::Replace)
        .metadata("edited", "yes")
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.metadata().unwrap().get("edited").map(String::as_str),
        Some("yes")
    );
    assert_eq!(get(&s3, &bucket, "k").await, data);
    // Small (inline) objects too.
    put(&s3, &bucket, "tiny", b"tiny").await;
    s3.copy_object()
        .bucket(&bucket)
        .key("tiny")
        .copy_source(format!("{bucket}/tiny"))
        .metadata_directive(MetadataDirective::Replace)
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, "tiny").await, b"tiny");
    // A storage-class change is a change too.
    s3.copy_object()
        .bucket(&bucket)
        .key("tiny")
        .copy_source(format!("{bucket}/tiny"))
        .storage_class(aws_sdk_s3::types::StorageClass::OnezoneIa)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn source_conditions() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "srcc").await;
    let etag = put(&s3, &bucket, "k", b"conditional source").await;
    let modified = s3
        .head_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap()
        .last_modified()
        .unwrap()
        .secs();
    let copy = |key: &str| {
        s3.copy_object()
            .bucket(&bucket)
            .key(key)
            .copy_source(format!("{bucket}/k"))
    };
    copy("ok1")
        .copy_source_if_match(&etag)
        .send()
        .await
        .unwrap();
    copy("ok2")
        .copy_source_if_none_match("\"x\"")
        .send()
        .await
        .unwrap();
    copy("ok3")
        .copy_source_if_unmodified_since(DateTime::from_secs(modified))
        .send()
        .await
        .unwrap();
    assert_error(
        copy("no1").copy_source_if_match("\"x\"").send().await,
        "PreconditionFailed",
        412,
    );
    // Where GET would answer 304, a copy answers 412.
    assert_error(
        copy("no2").copy_source_if_none_match(&etag).send().await,
        "PreconditionFailed",
        412,
    );
    assert_error(
        copy("no3")
            .copy_source_if_modified_since(DateTime::from_secs(modified))
            .send()
            .await,
        "PreconditionFailed",
        412,
    );
    assert_error(
        copy("no4")
            .copy_source_if_unmodified_since(DateTime::from_secs(modified - 100))
            .send()
            .await,
        "PreconditionFailed",
        412,
    );
    assert_error(
        s3.get_object().bucket(&bucket).key("no1").send().await,
        "NoSuchKey",
        404,
    );
}

#[tokio::test]
async fn copy_errors() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "cerr").await;
    assert_error(
        s3.copy_object()
            .bucket(&bucket)
            .key("x")
            .copy_source(format!("{bucket}/missing"))
            .send()
            .await,
        "NoSuchKey",
        404,
    );
    assert_error(
        s3.copy_object()
            .bucket(&bucket)
            .key("x")
            .copy_source("no-such-bucket-anywhere/k")
            .send()
            .await,
        "NoSuchBucket",
        404,
    );
    for source in ["justabucket", "/", ""] {
        let resp = RawRequest::new("PUT", &format!("/{bucket}/x"))
            .header("x-amz-copy-source", source)
            .sign(server.port, None)
            .send(server.port)
            .await;
        assert_eq!(resp.status, 400, "{source:?}: {}", resp.text());
        assert_eq!(resp.error_code().as_deref(), Some("InvalidArgument"));
    }
    // Keys that need encoding in the copy source.
    put(&s3, &bucket, "a b/ü+1", b"encoded").await;
    s3.copy_object()
        .bucket(&bucket)
        .key("decoded")
        .copy_source(format!("{bucket}/a%20b/%C3%BC%2B1"))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, "decoded").await, b"encoded");
}
