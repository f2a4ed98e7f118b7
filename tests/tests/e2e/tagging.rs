//! Object tagging and GetObjectAttributes through the Rust SDK.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    CompletedMultipartUpload, CompletedPart, ObjectAttributes, Tag, Tagging, TaggingDirective,
};
use rampart_e2e::raw::RawRequest;
use rampart_e2e::{Server, pattern};

use crate::common::{assert_error, create_bucket, put};

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

async fn tags_of(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<(String, String)> {
    s3.get_object_tagging()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

#[tokio::test]
async fn put_get_delete_object_tags() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "tags").await;
    put(&s3, &bucket, "k", b"x").await;
    assert!(tags_of(&s3, &bucket, "k").await.is_empty());
    s3.put_object_tagging()
        .bucket(&bucket)
        .key("k")
        .tagging(tagging(&[("env", "prod"), ("owner", "data team")]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&s3, &bucket, "k").await,
        [
            ("env".into(), "prod".into()),
            ("owner".into(), "data team".into())
        ]
    );
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(got.tag_count(), Some(2));
    // Replacing tags leaves the data and ETag alone.
    assert_eq!(got.e_tag().unwrap().len(), 34);
    s3.delete_object_tagging()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    assert!(tags_of(&s3, &bucket, "k").await.is_empty());
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(got.tag_count(), None);
    assert_error(
        s3.get_object_tagging()
            .bucket(&bucket)
            .key("missing")
            .send()
            .await,
        "NoSuchKey",
        404,
    );
}

#[tokio::test]
async fn tag_limits() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "limits").await;
    put(&s3, &bucket, "k", b"x").await;
    let eleven: Vec<(String, String)> = (0..11).map(|i| (format!("k{i}"), "v".into())).collect();
    let eleven: Vec<(&str, &str)> = eleven
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(257);
    for bad in [
        eleven,
        vec![(long_key.as_str(), "v")],
        vec![("k", long_value.as_str())],
        vec![("dup", "1"), ("dup", "2")],
        vec![("aws:reserved", "1")],
    ] {
        assert_error(
            s3.put_object_tagging()
                .bucket(&bucket)
                .key("k")
                .tagging(tagging(&bad))
                .send()
                .await,
            "InvalidTag",
            400,
        );
    }
    // The same limits on PUT with x-amz-tagging.
    let many = (0..11)
        .map(|i| format!("k{i}=v"))
        .collect::<Vec<_>>()
        .join("&");
    assert_error(
        s3.put_object()
            .bucket(&bucket)
            .key("k2")
            .tagging(many)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "InvalidTag",
        400,
    );
    // PutObjectTagging needs Content-MD5 or a checksum.
    let resp = RawRequest::new("PUT", &format!("/{bucket}/k"))
        .query("tagging")
        .body("<Tagging><TagSet></TagSet></Tagging>")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.error_code().as_deref(), Some("InvalidRequest"));
}

#[tokio::test]
async fn tags_on_put_and_copy() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "tagcopy").await;
    s3.put_object()
        .bucket(&bucket)
        .key("src")
        .tagging("a=1&b=two%20words")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&s3, &bucket, "src").await,
        [("a".into(), "1".into()), ("b".into(), "two words".into())]
    );
    s3.copy_object()
        .bucket(&bucket)
        .key("copied")
        .copy_source(format!("{bucket}/src"))
        .send()
        .await
        .unwrap();
    assert_eq!(tags_of(&s3, &bucket, "copied").await.len(), 2);
    s3.copy_object()
        .bucket(&bucket)
        .key("replaced")
        .copy_source(format!("{bucket}/src"))
        .tagging_directive(TaggingDirective::Replace)
        .tagging("c=3")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&s3, &bucket, "replaced").await,
        [("c".into(), "3".into())]
    );
}

#[tokio::test]
async fn object_attributes() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "attrs").await;
    let data = pattern(123_456, 1);
    let etag = put(&s3, &bucket, "single", &data).await;
    let attrs = s3
        .get_object_attributes()
        .bucket(&bucket)
        .key("single")
        .object_attributes(ObjectAttributes::Etag)
        .object_attributes(ObjectAttributes::ObjectSize)
        .object_attributes(ObjectAttributes::StorageClass)
        .object_attributes(ObjectAttributes::Checksum)
        .send()
        .await
        .unwrap();
    assert_eq!(attrs.e_tag(), Some(etag.trim_matches('"')));
    assert_eq!(attrs.object_size(), Some(123_456));
    assert_eq!(attrs.storage_class().map(|s| s.as_str()), Some("STANDARD"));
    assert!(attrs.checksum().unwrap().checksum_crc32().is_some());
    assert!(attrs.last_modified().is_some());
    assert!(attrs.object_parts().is_none());

    // A multipart object lists its parts, paged.
    let id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("multi")
        .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_owned();
    let mut parts = Vec::new();
    for n in 1..=3 {
        let body = pattern(if n < 3 { 5 << 20 } else { 10 }, n as u64);
        let out = s3
            .upload_part()
            .bucket(&bucket)
            .key("multi")
            .upload_id(&id)
            .part_number(n)
            .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
            .body(ByteStream::from(body))
            .send()
            .await
            .unwrap();
        parts.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(out.e_tag().unwrap())
                .checksum_sha256(out.checksum_sha256().unwrap())
                .build(),
        );
    }
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key("multi")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let attrs = s3
        .get_object_attributes()
        .bucket(&bucket)
        .key("multi")
        .object_attributes(ObjectAttributes::ObjectParts)
        .object_attributes(ObjectAttributes::Checksum)
        .max_parts(2)
        .send()
        .await
        .unwrap();
    let object_parts = attrs.object_parts().unwrap();
    assert_eq!(object_parts.total_parts_count(), Some(3));
    assert_eq!(object_parts.parts().len(), 2);
    assert_eq!(object_parts.is_truncated(), Some(true));
    assert!(object_parts.parts()[0].checksum_sha256().is_some());
    assert!(
        attrs
            .checksum()
            .unwrap()
            .checksum_sha256()
            .unwrap()
            .ends_with("-3")
    );
    let rest = s3
        .get_object_attributes()
        .bucket(&bucket)
        .key("multi")
        .object_attributes(ObjectAttributes::ObjectParts)
        .part_number_marker("2")
        .send()
        .await
        .unwrap();
    let parts = rest.object_parts().unwrap().parts();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].part_number(), Some(3));
    assert_eq!(parts[0].size(), Some(10));
    assert_error(
        s3.get_object_attributes()
            .bucket(&bucket)
            .key("nope")
            .object_attributes(ObjectAttributes::Etag)
            .send()
            .await,
        "NoSuchKey",
        404,
    );
}

#[tokio::test]
async fn tags_acls_and_attributes_of_a_named_version() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "tagversion").await;
    s3.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let put_version = |body: &'static [u8]| {
        s3.put_object()
            .bucket(&bucket)
            .key("k")
            .body(ByteStream::from_static(body))
            .send()
    };
    let v1 = put_version(b"first").await.unwrap();
    let v2 = put_version(b"second, longer").await.unwrap();
    let (v1_id, v2_id) = (v1.version_id().unwrap(), v2.version_id().unwrap());

    // Tagging the older version leaves the latest alone, and answers with the version id.
    let put = s3
        .put_object_tagging()
        .bucket(&bucket)
        .key("k")
        .version_id(v1_id)
        .tagging(tagging(&[("era", "old")]))
        .send()
        .await
        .unwrap();
    assert_eq!(put.version_id(), Some(v1_id));
    let tags_of_version = |id: &str| {
        s3.get_object_tagging()
            .bucket(&bucket)
            .key("k")
            .version_id(id)
            .send()
    };
    let old = tags_of_version(v1_id).await.unwrap();
    assert_eq!(old.version_id(), Some(v1_id));
    assert_eq!(old.tag_set().len(), 1);
    assert!(tags_of_version(v2_id).await.unwrap().tag_set().is_empty());
    assert!(tags_of(&s3, &bucket, "k").await.is_empty());
    s3.delete_object_tagging()
        .bucket(&bucket)
        .key("k")
        .version_id(v1_id)
        .send()
        .await
        .unwrap();
    assert!(tags_of_version(v1_id).await.unwrap().tag_set().is_empty());
    assert_error(
        tags_of_version("0000000000000000ffffffffffffffff").await,
        "NoSuchVersion",
        404,
    );

    // Attributes and ACL of a named version.
    let attributes = s3
        .get_object_attributes()
        .bucket(&bucket)
        .key("k")
        .version_id(v1_id)
        .object_attributes(ObjectAttributes::ObjectSize)
        .object_attributes(ObjectAttributes::Etag)
        .send()
        .await
        .unwrap();
    assert_eq!(attributes.object_size(), Some(5));
    assert_eq!(attributes.version_id(), Some(v1_id));
    assert_eq!(
        attributes.e_tag().map(|e| e.trim_matches('"')),
        v1.e_tag().map(|e| e.trim_matches('"'))
    );
    let acl = s3
        .get_object_acl()
        .bucket(&bucket)
        .key("k")
        .version_id(v1_id)
        .send()
        .await
        .unwrap();
    assert_eq!(acl.grants().len(), 1, "{acl:?}");
}
