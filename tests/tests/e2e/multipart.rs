//! Multipart uploads through the Rust SDK: the whole lifecycle and every rule S3 enforces.
//! (Their checksums are in `checksums.rs`.)

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use md5::Digest;
use rampart_e2e::raw::RawRequest;
use rampart_e2e::{Server, pattern};

use crate::common::{assert_error, body_bytes, create_bucket, get, put};

const MIB: usize = 1024 * 1024;

async fn create(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> String {
    s3.create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_owned()
}

async fn upload(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    id: &str,
    number: i32,
    data: &[u8],
) -> CompletedPart {
    let out = s3
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .part_number(number)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("part {number}: {e:?}"));
    CompletedPart::builder()
        .part_number(number)
        .e_tag(out.e_tag().unwrap())
        .build()
}

fn done(parts: Vec<CompletedPart>) -> CompletedMultipartUpload {
    CompletedMultipartUpload::builder()
        .set_parts(Some(parts))
        .build()
}

/// S3's multipart ETag for these part bodies.
fn multipart_etag(parts: &[&[u8]]) -> String {
    let mut concat = Vec::new();
    for p in parts {
        concat.extend_from_slice(&md5::Md5::digest(p));
    }
    format!(
        "\"{}-{}\"",
        hex::encode(md5::Md5::digest(&concat)),
        parts.len()
    )
}

#[tokio::test]
async fn upload_complete_and_read_back() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "mpu").await;
    let (p1, p2, p3) = (
        pattern(5 * MIB, 1),
        pattern(5 * MIB + 7, 2),
        pattern(1000, 3),
    );
    let id = create(&s3, &bucket, "big").await;
    let parts = vec![
        upload(&s3, &bucket, "big", &id, 1, &p1).await,
        upload(&s3, &bucket, "big", &id, 2, &p2).await,
        upload(&s3, &bucket, "big", &id, 3, &p3).await,
    ];
    let listed = s3
        .list_parts()
        .bucket(&bucket)
        .key("big")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.parts().len(), 3);
    assert_eq!(listed.parts()[1].size(), Some((5 * MIB + 7) as i64));
    let out = s3
        .complete_multipart_upload()
        .bucket(&bucket)
        .key("big")
        .upload_id(&id)
        .multipart_upload(done(parts))
        .send()
        .await
        .unwrap();
    assert_eq!(out.e_tag(), Some(multipart_etag(&[&p1, &p2, &p3]).as_str()));
    assert_eq!(out.key(), Some("big"));
    assert!(out.location().unwrap().ends_with(&format!("/{bucket}/big")));
    let whole = [p1.as_slice(), &p2, &p3].concat();
    assert_eq!(get(&s3, &bucket, "big").await, whole);
    // Ranges across part boundaries.
    let start = 5 * MIB - 10;
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("big")
        .range(format!("bytes={start}-{}", start + 19))
        .send()
        .await
        .unwrap();
    assert_eq!(body_bytes(got.body).await, &whole[start..start + 20]);
    // Parts by number: 206, the part's range, and the part count.
    let part2 = s3
        .get_object()
        .bucket(&bucket)
        .key("big")
        .part_number(2)
        .send()
        .await
        .unwrap();
    assert_eq!(part2.parts_count(), Some(3));
    assert_eq!(
        part2.content_range(),
        Some(format!("bytes {}-{}/{}", 5 * MIB, 10 * MIB + 6, whole.len()).as_str())
    );
    assert_eq!(body_bytes(part2.body).await, p2);
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("big")
        .part_number(3)
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(1000));
    assert_error(
        s3.get_object()
            .bucket(&bucket)
            .key("big")
            .part_number(4)
            .send()
            .await,
        "InvalidPartNumber",
        416,
    );
    // The upload is gone once completed.
    assert_error(
        s3.list_parts()
            .bucket(&bucket)
            .key("big")
            .upload_id(&id)
            .send()
            .await,
        "NoSuchUpload",
        404,
    );
}

#[tokio::test]
async fn single_put_objects_have_one_part() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "one").await;
    put(&s3, &bucket, "k", b"single").await;
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .part_number(1)
        .send()
        .await
        .unwrap();
    assert_eq!(got.parts_count(), None);
    assert_eq!(got.content_range(), Some("bytes 0-5/6"));
    assert_eq!(body_bytes(got.body).await, b"single");
    assert_error(
        s3.get_object()
            .bucket(&bucket)
            .key("k")
            .part_number(2)
            .send()
            .await,
        "InvalidPartNumber",
        416,
    );
    let resp = RawRequest::new("GET", &format!("/{bucket}/k"))
        .query("partNumber=1")
        .header("range", "bytes=0-1")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code().as_deref(), Some("InvalidRequest"));
}

#[tokio::test]
async fn completion_rules() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "rules").await;
    let id = create(&s3, &bucket, "k").await;
    let small1 = upload(&s3, &bucket, "k", &id, 1, &pattern(1000, 1)).await;
    let small2 = upload(&s3, &bucket, "k", &id, 2, &pattern(1000, 2)).await;
    let complete = |parts: Vec<CompletedPart>| {
        s3.complete_multipart_upload()
            .bucket(&bucket)
            .key("k")
            .upload_id(&id)
            .multipart_upload(done(parts))
            .send()
    };
    // Every part but the last must be at least 5 MiB.
    assert_error(
        complete(vec![small1.clone(), small2.clone()]).await,
        "EntityTooSmall",
        400,
    );
    assert_error(
        complete(vec![small2.clone(), small1.clone()]).await,
        "InvalidPartOrder",
        400,
    );
    let wrong_etag = CompletedPart::builder()
        .part_number(1)
        .e_tag("\"00000000000000000000000000000000\"")
        .build();
    assert_error(complete(vec![wrong_etag]).await, "InvalidPart", 400);
    let unknown = CompletedPart::builder()
        .part_number(9)
        .e_tag(small1.e_tag().unwrap())
        .build();
    assert_error(complete(vec![unknown]).await, "InvalidPart", 400);
    // After all those failures the upload is intact and completes with a valid list.
    complete(vec![small1.clone()]).await.unwrap();
    assert_eq!(get(&s3, &bucket, "k").await, pattern(1000, 1));

    // Part numbers outside 1..=10000, and unknown uploads.
    let id = create(&s3, &bucket, "k2").await;
    for bad in [0, 10_001] {
        assert_error(
            s3.upload_part()
                .bucket(&bucket)
                .key("k2")
                .upload_id(&id)
                .part_number(bad)
                .body(ByteStream::from_static(b"x"))
                .send()
                .await,
            "InvalidArgument",
            400,
        );
    }
    assert_error(
        s3.upload_part()
            .bucket(&bucket)
            .key("k2")
            .upload_id("not-an-upload")
            .part_number(1)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "NoSuchUpload",
        404,
    );
    // The upload id belongs to its key.
    assert_error(
        s3.upload_part()
            .bucket(&bucket)
            .key("other-key")
            .upload_id(&id)
            .part_number(1)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "NoSuchUpload",
        404,
    );
    let resp = RawRequest::new("POST", &format!("/{bucket}/k2"))
        .query(&format!("uploadId={id}"))
        .body("<CompleteMultipartUpload></CompleteMultipartUpload>")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.error_code().as_deref(), Some("MalformedXML"));
}

#[tokio::test]
async fn reuploads_replace_parts_and_unused_parts_are_dropped() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "redo").await;
    let id = create(&s3, &bucket, "k").await;
    upload(&s3, &bucket, "k", &id, 1, &pattern(5 * MIB, 1)).await;
    let p1 = upload(&s3, &bucket, "k", &id, 1, &pattern(5 * MIB, 11)).await;
    upload(&s3, &bucket, "k", &id, 2, &pattern(5 * MIB, 2)).await;
    let p3 = upload(&s3, &bucket, "k", &id, 3, &pattern(100, 3)).await;
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key("k")
        .upload_id(&id)
        .multipart_upload(done(vec![p1, p3]))
        .send()
        .await
        .unwrap();
    let expected = [pattern(5 * MIB, 11), pattern(100, 3)].concat();
    assert_eq!(get(&s3, &bucket, "k").await, expected);
    // Only the two parts the object uses remain on disk; overwriting it frees them too.
    assert_eq!(blob_files(&server), 2);
    put(&s3, &bucket, "k", b"small now").await;
    assert_eq!(blob_files(&server), 0);
}

fn blob_files(server: &Server) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
    }
    walk(&server.data_dir().join("data/blobs"))
}

#[tokio::test]
async fn abort_removes_the_upload_and_its_parts() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "abort").await;
    let id = create(&s3, &bucket, "k").await;
    upload(&s3, &bucket, "k", &id, 1, &pattern(100_000, 1)).await;
    s3.abort_multipart_upload()
        .bucket(&bucket)
        .key("k")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(blob_files(&server), 0);
    assert_error(
        s3.abort_multipart_upload()
            .bucket(&bucket)
            .key("k")
            .upload_id(&id)
            .send()
            .await,
        "NoSuchUpload",
        404,
    );
    assert_error(
        s3.upload_part()
            .bucket(&bucket)
            .key("k")
            .upload_id(&id)
            .part_number(2)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        "NoSuchUpload",
        404,
    );
    let uploads = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert!(uploads.uploads().is_empty());
    assert_error(
        s3.get_object().bucket(&bucket).key("k").send().await,
        "NoSuchKey",
        404,
    );
}

#[tokio::test]
async fn create_settings_apply_to_the_object() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "settings").await;
    let id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("doc")
        .content_type("text/csv")
        .cache_control("no-store")
        .metadata("origin", "mpu")
        .tagging("team=data&tier=gold")
        .storage_class(aws_sdk_s3::types::StorageClass::StandardIa)
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_owned();
    let part = upload(&s3, &bucket, "doc", &id, 1, b"a,b\n").await;
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key("doc")
        .upload_id(&id)
        .multipart_upload(done(vec![part]))
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("doc")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("text/csv"));
    assert_eq!(head.cache_control(), Some("no-store"));
    assert_eq!(
        head.metadata().unwrap().get("origin").map(String::as_str),
        Some("mpu")
    );
    assert_eq!(
        head.storage_class(),
        Some(&aws_sdk_s3::types::StorageClass::StandardIa)
    );
    let tags = s3
        .get_object_tagging()
        .bucket(&bucket)
        .key("doc")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tag_set().len(), 2);
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("doc")
        .send()
        .await
        .unwrap();
    assert_eq!(got.tag_count(), Some(2));
}

#[tokio::test]
async fn listing_uploads_and_parts() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "lists").await;
    let mut ids = Vec::new();
    for key in ["a/1", "a/2", "b", "b", "c/x/y"] {
        ids.push((key, create(&s3, &bucket, key).await));
    }
    let all = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let listed: Vec<_> = all
        .uploads()
        .iter()
        .map(|u| (u.key().unwrap(), u.upload_id().unwrap()))
        .collect();
    let expected: Vec<_> = ids.iter().map(|(k, i)| (*k, i.as_str())).collect();
    assert_eq!(listed, expected, "by key, then in the order initiated");
    let rolled = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let prefixes: Vec<_> = rolled
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!(prefixes, ["a/", "c/"]);
    assert_eq!(rolled.uploads().len(), 2);
    // Paging with key and upload-id markers covers every upload once.
    let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
    let mut seen = Vec::new();
    loop {
        let page = s3
            .list_multipart_uploads()
            .bucket(&bucket)
            .max_uploads(2)
            .set_key_marker(key_marker.clone())
            .set_upload_id_marker(id_marker.clone())
            .send()
            .await
            .unwrap();
        seen.extend(
            page.uploads()
                .iter()
                .map(|u| u.upload_id().unwrap().to_owned()),
        );
        if page.is_truncated() != Some(true) {
            break;
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        id_marker = page.next_upload_id_marker().map(str::to_owned);
    }
    assert_eq!(seen, ids.iter().map(|(_, i)| i.clone()).collect::<Vec<_>>());
    let prefixed = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .prefix("a/")
        .send()
        .await
        .unwrap();
    assert_eq!(prefixed.uploads().len(), 2);

    // ListParts pages with max-parts and part-number-marker.
    let (key, id) = &ids[2];
    for n in 1..=5 {
        upload(&s3, &bucket, key, id, n, &[n as u8; 10]).await;
    }
    let first = s3
        .list_parts()
        .bucket(&bucket)
        .key(*key)
        .upload_id(id)
        .max_parts(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.parts().len(), 2);
    assert_eq!(first.is_truncated(), Some(true));
    assert_eq!(first.next_part_number_marker(), Some("2"));
    let rest = s3
        .list_parts()
        .bucket(&bucket)
        .key(*key)
        .upload_id(id)
        .part_number_marker("2")
        .send()
        .await
        .unwrap();
    let numbers: Vec<_> = rest
        .parts()
        .iter()
        .map(|p| p.part_number().unwrap())
        .collect();
    assert_eq!(numbers, [3, 4, 5]);
    assert_eq!(rest.is_truncated(), Some(false));
    assert!(rest.owner().unwrap().id().is_some());
}

#[tokio::test]
async fn upload_part_copy() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "upc").await;
    let source = pattern(6 * MIB, 9);
    let etag = put(&s3, &bucket, "src", &source).await;
    let id = create(&s3, &bucket, "dst").await;
    let copy = |n: i32, range: Option<&str>| {
        s3.upload_part_copy()
            .bucket(&bucket)
            .key("dst")
            .upload_id(&id)
            .part_number(n)
            .copy_source(format!("{bucket}/src"))
            .set_copy_source_range(range.map(str::to_owned))
    };
    let whole = copy(1, None)
        .copy_source_if_match(&etag)
        .send()
        .await
        .unwrap();
    let ranged = copy(2, Some("bytes=100-199")).send().await.unwrap();
    assert_error(
        copy(3, None).copy_source_if_match("\"nope\"").send().await,
        "PreconditionFailed",
        412,
    );
    assert_error(
        copy(3, Some("bytes=100-")).send().await,
        "InvalidArgument",
        400,
    );
    assert_error(
        copy(3, Some(&format!("bytes=0-{}", source.len())))
            .send()
            .await,
        "InvalidArgument",
        400,
    );
    let parts = vec![
        CompletedPart::builder()
            .part_number(1)
            .e_tag(whole.copy_part_result().unwrap().e_tag().unwrap())
            .build(),
        CompletedPart::builder()
            .part_number(2)
            .e_tag(ranged.copy_part_result().unwrap().e_tag().unwrap())
            .build(),
    ];
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key("dst")
        .upload_id(&id)
        .multipart_upload(done(parts))
        .send()
        .await
        .unwrap();
    let expected = [source.as_slice(), &source[100..200]].concat();
    assert_eq!(get(&s3, &bucket, "dst").await, expected);
    // A multipart object is a valid copy source too, for CopyObject.
    s3.copy_object()
        .bucket(&bucket)
        .key("dst-copy")
        .copy_source(format!("{bucket}/dst"))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, "dst-copy").await, expected);
}

#[tokio::test]
async fn deleting_a_bucket_removes_its_uploads() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "gone").await;
    let id = create(&s3, &bucket, "k").await;
    upload(&s3, &bucket, "k", &id, 1, &pattern(100_000, 1)).await;
    s3.delete_bucket().bucket(&bucket).send().await.unwrap();
    assert_eq!(blob_files(&server), 0);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let uploads = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert!(uploads.uploads().is_empty());
}
