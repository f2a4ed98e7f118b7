//! Bucket tagging: PutBucketTagging, GetBucketTagging, DeleteBucketTagging, with S3's errors.

use aws_sdk_s3::types::{Tag, Tagging};
use base64::Engine as _;
use md5::Digest;
use rampart_e2e::Server;
use rampart_e2e::raw::RawRequest;

use crate::common::{assert_error, create_bucket};

fn tagging(pairs: &[(&str, &str)]) -> Tagging {
    Tagging::builder()
        .set_tag_set(Some(
            pairs
                .iter()
                .map(|(k, v)| Tag::builder().key(*k).value(*v).build().unwrap())
                .collect(),
        ))
        .build()
        .unwrap()
}

async fn tags_of(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<(String, String)> {
    s3.get_bucket_tagging()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

#[tokio::test]
async fn put_get_replace_delete() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "btag").await;
    assert_error(
        s3.get_bucket_tagging().bucket(&bucket).send().await,
        "NoSuchTagSet",
        404,
    );
    s3.put_bucket_tagging()
        .bucket(&bucket)
        .tagging(tagging(&[
            ("env", "prod"),
            ("team", "storage"),
            ("empty", ""),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&s3, &bucket).await,
        [
            ("env".to_owned(), "prod".to_owned()),
            ("team".to_owned(), "storage".to_owned()),
            ("empty".to_owned(), String::new()),
        ]
    );
    // A PUT replaces the whole set.
    s3.put_bucket_tagging()
        .bucket(&bucket)
        .tagging(tagging(&[("Proj Name_1.2:/=+-@", "é ü")]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&s3, &bucket).await,
        [("Proj Name_1.2:/=+-@".to_owned(), "é ü".to_owned())]
    );
    s3.delete_bucket_tagging()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_error(
        s3.get_bucket_tagging().bucket(&bucket).send().await,
        "NoSuchTagSet",
        404,
    );
    // Deleting tags that are not there succeeds, and an empty set leaves none.
    s3.delete_bucket_tagging()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    s3.put_bucket_tagging()
        .bucket(&bucket)
        .tagging(tagging(&[]))
        .send()
        .await
        .unwrap();
    assert_error(
        s3.get_bucket_tagging().bucket(&bucket).send().await,
        "NoSuchTagSet",
        404,
    );
    let raw = RawRequest::new("GET", &format!("/{bucket}"))
        .query("tagging")
        .sign(server.port, None)
        .send(server.port)
        .await;
    raw.assert_error(404, "NoSuchTagSet");
    assert_eq!(
        raw.element("Message").as_deref(),
        Some("The TagSet does not exist")
    );
    assert_eq!(raw.element("BucketName"), Some(bucket.clone()));
    assert_error(
        s3.get_bucket_tagging()
            .bucket("no-such-bucket-for-tags")
            .send()
            .await,
        "NoSuchBucket",
        404,
    );
}

#[tokio::test]
async fn invalid_tag_sets() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "btagbad").await;
    let fifty: Vec<(String, String)> = (0..50).map(|i| (format!("k{i}"), "v".into())).collect();
    let pairs: Vec<(&str, &str)> = fifty
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    s3.put_bucket_tagging()
        .bucket(&bucket)
        .tagging(tagging(&pairs))
        .send()
        .await
        .unwrap();
    let mut too_many = pairs.clone();
    too_many.push(("k50", "v"));
    let err = s3
        .put_bucket_tagging()
        .bucket(&bucket)
        .tagging(tagging(&too_many))
        .send()
        .await;
    assert_error(err, "BadRequest", 400);
    for bad in [
        vec![("dup", "1"), ("dup", "2")],
        vec![("aws:reserved", "1")],
        vec![("bad*key", "1")],
        vec![("k", "bad<value>")],
    ] {
        assert_error(
            s3.put_bucket_tagging()
                .bucket(&bucket)
                .tagging(tagging(&bad))
                .send()
                .await,
            "InvalidTag",
            400,
        );
    }
    // The refused sets left the first one in place.
    assert_eq!(tags_of(&s3, &bucket).await.len(), 50);
}

#[tokio::test]
async fn put_needs_an_integrity_check() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "btagmd5").await;
    let body = "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>";
    let put = |md5: Option<String>, body: &str| {
        let mut req = RawRequest::new("PUT", &format!("/{bucket}"))
            .query("tagging")
            .body(body.to_owned());
        if let Some(md5) = md5 {
            req = req.header("content-md5", &md5);
        }
        req.sign(server.port, None)
    };
    let md5 = |b: &str| base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(b));
    let resp = put(None, body).send(server.port).await;
    resp.assert_error(400, "InvalidRequest");
    assert!(resp.text().contains("Content-MD5"), "{}", resp.text());
    put(Some(md5("other")), body)
        .send(server.port)
        .await
        .assert_error(400, "BadDigest");
    let bad = "<Tagging><TagSet><Tag><Value>1</Value></Tag></TagSet></Tagging>";
    put(Some(md5(bad)), bad)
        .send(server.port)
        .await
        .assert_error(400, "MalformedXML");
    let resp = put(Some(md5(body)), body).send(server.port).await;
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(
        tags_of(&s3, &bucket).await,
        [("a".to_owned(), "1".to_owned())]
    );
}

#[tokio::test]
async fn deleting_the_bucket_deletes_its_tags() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "btaggone").await;
    s3.put_bucket_tagging()
        .bucket(&bucket)
        .tagging(tagging(&[("k", "v")]))
        .send()
        .await
        .unwrap();
    s3.delete_bucket().bucket(&bucket).send().await.unwrap();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    assert_error(
        s3.get_bucket_tagging().bucket(&bucket).send().await,
        "NoSuchTagSet",
        404,
    );
}
