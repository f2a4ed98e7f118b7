//! DeleteObjects: many keys in one request, quiet and verbose.

use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use base64::Engine as _;
use md5::Digest;
use rampart_e2e::Server;
use rampart_e2e::raw::RawRequest;

use crate::common::{assert_error, create_bucket, put};

fn ids(keys: &[&str]) -> Delete {
    Delete::builder()
        .set_objects(Some(
            keys.iter()
                .map(|k| ObjectIdentifier::builder().key(*k).build().unwrap())
                .collect(),
        ))
        .build()
        .unwrap()
}

#[tokio::test]
async fn verbose_and_quiet() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "multi").await;
    for key in ["a", "b", "c", "d"] {
        put(&s3, &bucket, key, key.as_bytes()).await;
    }
    let out = s3
        .delete_objects()
        .bucket(&bucket)
        .delete(ids(&["a", "b", "never-existed"]))
        .send()
        .await
        .unwrap();
    let mut deleted: Vec<_> = out.deleted().iter().map(|d| d.key().unwrap()).collect();
    deleted.sort();
    // Missing keys count as deleted, as in S3.
    assert_eq!(deleted, ["a", "b", "never-existed"]);
    assert!(out.errors().is_empty());
    let quiet = Delete::builder()
        .quiet(true)
        .objects(ObjectIdentifier::builder().key("c").build().unwrap())
        .build()
        .unwrap();
    let out = s3
        .delete_objects()
        .bucket(&bucket)
        .delete(quiet)
        .send()
        .await
        .unwrap();
    assert!(out.deleted().is_empty());
    let left: Vec<_> = s3
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap()
        .contents()
        .iter()
        .map(|o| o.key().unwrap().to_owned())
        .collect();
    assert_eq!(left, ["d"]);
}

#[tokio::test]
async fn per_key_errors() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "perkey").await;
    put(&s3, &bucket, "ok", b"x").await;
    let long = "k".repeat(1100);
    let delete = Delete::builder()
        .objects(ObjectIdentifier::builder().key("ok").build().unwrap())
        .objects(ObjectIdentifier::builder().key(&long).build().unwrap())
        .objects(
            ObjectIdentifier::builder()
                .key("ok")
                .version_id("not-a-version")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let out = s3
        .delete_objects()
        .bucket(&bucket)
        .delete(delete)
        .send()
        .await
        .unwrap();
    assert_eq!(out.deleted().len(), 1);
    let codes: Vec<_> = out.errors().iter().map(|e| e.code().unwrap()).collect();
    assert_eq!(codes, ["KeyTooLongError", "InvalidArgument"]);
}

#[tokio::test]
async fn request_rules() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "rules").await;
    let body = "<Delete><Object><Key>a</Key></Object></Delete>";
    // Content-MD5 (or a flexible checksum) is required.
    let resp = RawRequest::new("POST", &format!("/{bucket}"))
        .query("delete")
        .body(body)
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code().as_deref(), Some("InvalidRequest"));
    let md5 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(b));
    let resp = RawRequest::new("POST", &format!("/{bucket}"))
        .query("delete")
        .header("content-md5", &md5(b"something else"))
        .body(body)
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.error_code().as_deref(), Some("BadDigest"));
    // More than 1000 keys, or none, is MalformedXML.
    let mut many = String::from("<Delete>");
    for i in 0..1001 {
        many.push_str(&format!("<Object><Key>k{i}</Key></Object>"));
    }
    many.push_str("</Delete>");
    for doc in [many.as_str(), "<Delete></Delete>", "<Delete><Object>"] {
        let resp = RawRequest::new("POST", &format!("/{bucket}"))
            .query("delete")
            .header("content-md5", &md5(doc.as_bytes()))
            .body(doc)
            .sign(server.port, None)
            .send(server.port)
            .await;
        assert_eq!(resp.status, 400, "{}", &doc[..doc.len().min(40)]);
        assert_eq!(resp.error_code().as_deref(), Some("MalformedXML"));
    }
    assert_error(
        s3.delete_objects()
            .bucket("no-such-bucket-for-delete")
            .delete(ids(&["a"]))
            .send()
            .await,
        "NoSuchBucket",
        404,
    );
}

#[tokio::test]
async fn a_thousand_keys_at_once() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "thou").await;
    let keys: Vec<String> = (0..1000).map(|i| format!("k{i:04}")).collect();
    futures::future::join_all(keys.iter().map(|k| put(&s3, &bucket, k, b"x"))).await;
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let out = s3
        .delete_objects()
        .bucket(&bucket)
        .delete(ids(&refs))
        .send()
        .await
        .unwrap();
    assert_eq!(out.deleted().len(), 1000);
    let left = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(left.key_count(), Some(0));
    s3.delete_bucket().bucket(&bucket).send().await.unwrap();
}
