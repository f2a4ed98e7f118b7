//! Versioning end to end: version ids, reads of older versions, delete markers and their
//! removal, suspended buckets' `null` version, ListObjectVersions with pagination, and buckets
//! that keep their versions.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use rampart_e2e::Server;

use crate::common::{assert_error, body_bytes, create_bucket, error_of};

async fn set_versioning(s3: &aws_sdk_s3::Client, bucket: &str, status: BucketVersioningStatus) {
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .unwrap();
}

async fn put(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, body: &str) -> Option<String> {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.as_bytes().to_vec()))
        .send()
        .await
        .unwrap()
        .version_id
}

async fn get(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, version: Option<&str>) -> String {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_version_id(version.map(str::to_owned))
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key} {version:?}: {e:?}"));
    String::from_utf8(body_bytes(out.body).await).unwrap()
}

/// (key, version id, is latest, is a delete marker) in listing order.
async fn versions(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<(String, String, bool, bool)> {
    let out = s3
        .list_object_versions()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let mut all: Vec<(String, String, bool, bool, String)> = Vec::new();
    for v in out.versions() {
        all.push((
            v.key().unwrap().to_owned(),
            v.version_id().unwrap().to_owned(),
            v.is_latest().unwrap(),
            false,
            v.last_modified().unwrap().to_string(),
        ));
    }
    for m in out.delete_markers() {
        all.push((
            m.key().unwrap().to_owned(),
            m.version_id().unwrap().to_owned(),
            m.is_latest().unwrap(),
            true,
            m.last_modified().unwrap().to_string(),
        ));
    }
    // The SDK splits the two element kinds; version ids sort by age (newest greatest), so
    // sorting by key, then id descending, restores the server's order ("null" compares as
    // the oldest here, which it is in these tests' histories).
    let rank = |v: &str| {
        if v == "null" {
            String::new()
        } else {
            v.to_owned()
        }
    };
    all.sort_by(|a, b| a.0.cmp(&b.0).then(rank(&b.1).cmp(&rank(&a.1))));
    all.into_iter()
        .map(|(k, v, l, m, _)| (k, v, l, m))
        .collect()
}

#[tokio::test]
async fn versions_markers_and_restores() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "versioning").await;
    let got = s3
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert!(got.status().is_none(), "a new bucket was never versioned");
    // Before versioning: the null version.
    assert_eq!(put(&s3, &bucket, "k", "v0").await, None);
    set_versioning(&s3, &bucket, BucketVersioningStatus::Enabled).await;
    let got = s3
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), Some(&BucketVersioningStatus::Enabled));

    let v1 = put(&s3, &bucket, "k", "v1").await.expect("a version id");
    let v2 = put(&s3, &bucket, "k", "v2").await.expect("a version id");
    assert_ne!(v1, v2);
    assert_eq!(get(&s3, &bucket, "k", None).await, "v2");
    assert_eq!(get(&s3, &bucket, "k", Some(&v1)).await, "v1");
    assert_eq!(get(&s3, &bucket, "k", Some("null")).await, "v0");
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("k")
        .version_id(&v1)
        .send()
        .await
        .unwrap();
    assert_eq!(head.version_id(), Some(v1.as_str()));
    assert_eq!(head.content_length(), Some(2));

    // DELETE writes a delete marker; the key reads as missing, the marker's id as 405.
    let deleted = s3
        .delete_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.delete_marker(), Some(true));
    let marker = deleted.version_id().unwrap().to_owned();
    let missing = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&missing), ("NoSuchKey".to_owned(), 404));
    let raw = missing.raw_response().unwrap();
    assert_eq!(raw.headers().get("x-amz-delete-marker"), Some("true"));
    let on_marker = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .version_id(&marker)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&on_marker).1, 405);
    assert_eq!(get(&s3, &bucket, "k", Some(&v2)).await, "v2");
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(listed.key_count(), Some(0), "a deleted key does not list");
    assert_eq!(
        versions(&s3, &bucket).await,
        vec![
            ("k".to_owned(), marker.clone(), true, true),
            ("k".to_owned(), v2.clone(), false, false),
            ("k".to_owned(), v1.clone(), false, false),
            ("k".to_owned(), "null".to_owned(), false, false),
        ]
    );

    // Deleting the marker by id restores the newest version; deleting that version by id
    // makes the one before it current.
    let removed = s3
        .delete_object()
        .bucket(&bucket)
        .key("k")
        .version_id(&marker)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.delete_marker(), Some(true));
    assert_eq!(get(&s3, &bucket, "k", None).await, "v2");
    s3.delete_object()
        .bucket(&bucket)
        .key("k")
        .version_id(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, "k", None).await, "v1");
    assert_error(
        s3.get_object()
            .bucket(&bucket)
            .key("k")
            .version_id(&v2)
            .send()
            .await,
        "NoSuchVersion",
        404,
    );

    // Suspended: new writes are the null version, replacing the earlier null version.
    set_versioning(&s3, &bucket, BucketVersioningStatus::Suspended).await;
    assert_eq!(put(&s3, &bucket, "k", "s1").await.as_deref(), Some("null"));
    assert_eq!(put(&s3, &bucket, "k", "s2").await.as_deref(), Some("null"));
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(head.version_id(), Some("null"));
    assert_eq!(get(&s3, &bucket, "k", Some("null")).await, "s2");
    assert_eq!(get(&s3, &bucket, "k", Some(&v1)).await, "v1");
    assert_eq!(
        versions(&s3, &bucket).await,
        vec![
            ("k".to_owned(), v1.clone(), false, false),
            ("k".to_owned(), "null".to_owned(), true, false),
        ]
    );

    // A bucket with versions left is not empty.
    s3.delete_object()
        .bucket(&bucket)
        .key("k")
        .version_id("null")
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, "k", None).await, "v1");
    s3.delete_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    assert_error(
        s3.delete_bucket().bucket(&bucket).send().await,
        "BucketNotEmpty",
        409,
    );
    for (key, version, _, _) in versions(&s3, &bucket).await {
        s3.delete_object()
            .bucket(&bucket)
            .key(key)
            .version_id(version)
            .send()
            .await
            .unwrap();
    }
    assert!(versions(&s3, &bucket).await.is_empty());
    s3.delete_bucket().bucket(&bucket).send().await.unwrap();
}

#[tokio::test]
async fn list_object_versions_pages_through_many_versions() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "versions-pages").await;
    set_versioning(&s3, &bucket, BucketVersioningStatus::Enabled).await;
    let mut written = Vec::new();
    for key in ["a", "b/x", "b/y", "c"] {
        for i in 0..7 {
            written.push((
                key,
                put(&s3, &bucket, key, &format!("{key}{i}")).await.unwrap(),
            ));
        }
    }
    s3.delete_object()
        .bucket(&bucket)
        .key("c")
        .send()
        .await
        .unwrap();
    let mut seen = Vec::new();
    let (mut key_marker, mut version_marker) = (None::<String>, None::<String>);
    let mut pages = 0;
    loop {
        let out = s3
            .list_object_versions()
            .bucket(&bucket)
            .max_keys(5)
            .set_key_marker(key_marker.clone())
            .set_version_id_marker(version_marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        let n = out.versions().len() + out.delete_markers().len();
        assert!(n <= 5);
        for v in out.versions() {
            seen.push((
                v.key().unwrap().to_owned(),
                v.version_id().unwrap().to_owned(),
            ));
        }
        if out.is_truncated() != Some(true) {
            break;
        }
        key_marker = out.next_key_marker().map(str::to_owned);
        version_marker = out.next_version_id_marker().map(str::to_owned);
    }
    assert_eq!(pages, 6, "29 entries in pages of 5");
    // Every version once, keys in order, newest first within a key.
    let mut expected: Vec<(String, String)> = Vec::new();
    for key in ["a", "b/x", "b/y", "c"] {
        let mut of_key: Vec<String> = written
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
            .collect();
        of_key.reverse();
        expected.extend(of_key.into_iter().map(|v| (key.to_owned(), v)));
    }
    assert_eq!(seen, expected);

    // A delimiter rolls every version under a prefix into one common prefix.
    let out = s3
        .list_object_versions()
        .bucket(&bucket)
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let prefixes: Vec<&str> = out
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, vec!["b/"]);
    assert_eq!(out.versions().len(), 14);
    assert_eq!(out.delete_markers().len(), 1);
    assert!(out.delete_markers()[0].is_latest().unwrap());
}

#[tokio::test]
async fn multipart_uploads_and_copies_add_versions_without_touching_older_ones() {
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "versions-mpu").await;
    set_versioning(&s3, &bucket, BucketVersioningStatus::Enabled).await;
    let mut ids = Vec::new();
    for round in 0..2u8 {
        let upload = s3
            .create_multipart_upload()
            .bucket(&bucket)
            .key("big")
            .send()
            .await
            .unwrap()
            .upload_id
            .unwrap();
        let body = vec![b'a' + round; 5 * 1024 * 1024 + 10];
        let part = s3
            .upload_part()
            .bucket(&bucket)
            .key("big")
            .upload_id(&upload)
            .part_number(1)
            .body(ByteStream::from(body))
            .send()
            .await
            .unwrap();
        let done = s3
            .complete_multipart_upload()
            .bucket(&bucket)
            .key("big")
            .upload_id(&upload)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .parts(
                        CompletedPart::builder()
                            .part_number(1)
                            .e_tag(part.e_tag().unwrap())
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        ids.push(done.version_id().expect("a version id").to_owned());
    }
    // A copy onto the same key is a new version too.
    let copied = s3
        .copy_object()
        .bucket(&bucket)
        .key("big")
        .copy_source(format!("{bucket}/big"))
        .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
        .content_type("text/plain")
        .send()
        .await
        .unwrap();
    let copy_id = copied.version_id().expect("a version id").to_owned();
    for (id, byte) in [(&ids[0], b'a'), (&ids[1], b'b'), (&copy_id, b'b')] {
        let body = get(&s3, &bucket, "big", Some(id)).await;
        assert_eq!(body.len(), 5 * 1024 * 1024 + 10);
        assert!(body.bytes().all(|b| b == byte), "version {id}");
    }
    assert_eq!(versions(&s3, &bucket).await.len(), 3);
}

#[tokio::test]
async fn mfa_delete_with_boto3_over_https() {
    let server = Server::start_with(rampart_e2e::ServerOptions {
        tls: true,
        ..Default::default()
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/mfa_delete.py");
    let output = server.python(&[
        script,
        &server.endpoint,
        server.cert_path().to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("mfa-delete: ok"),
        "tests/scripts/mfa_delete.py failed ({}):\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn thousands_of_versions_of_one_key_page_in_order_and_reads_stay_direct() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "versions-2500").await;
    set_versioning(&s3, &bucket, BucketVersioningStatus::Enabled).await;
    // One after another: each version is newer than the one before.
    let mut ids = Vec::new();
    for i in 0..2500 {
        ids.push((i, put(&s3, &bucket, "hot", &i.to_string()).await.unwrap()));
    }
    assert_eq!(get(&s3, &bucket, "hot", None).await, "2499");
    assert_eq!(get(&s3, &bucket, "hot", Some(&ids[17].1)).await, "17");
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(listed.key_count(), Some(1));
    let mut seen = Vec::new();
    let (mut key_marker, mut version_marker) = (None::<String>, None::<String>);
    loop {
        let out = s3
            .list_object_versions()
            .bucket(&bucket)
            .set_key_marker(key_marker.clone())
            .set_version_id_marker(version_marker.clone())
            .send()
            .await
            .unwrap();
        for v in out.versions() {
            seen.push((v.version_id().unwrap().to_owned(), v.is_latest().unwrap()));
        }
        if out.is_truncated() != Some(true) {
            break;
        }
        key_marker = out.next_key_marker().map(str::to_owned);
        version_marker = out.next_version_id_marker().map(str::to_owned);
    }
    assert_eq!(seen.len(), 2500);
    let expected: Vec<(String, bool)> = ids
        .iter()
        .rev()
        .enumerate()
        .map(|(n, (_, id))| (id.clone(), n == 0))
        .collect();
    assert_eq!(seen, expected, "newest first, only the newest is latest");
}

/// kill -9 while versioned overwrites are in flight: after each restart every acknowledged
/// version is there, in order, whole; a cut-off write left nothing.
#[tokio::test]
async fn kill_during_versioned_overwrites_keeps_every_acknowledged_version() {
    let mut server = Server::start();
    let bucket = create_bucket(&server.client(), "versions-crash").await;
    set_versioning(&server.client(), &bucket, BucketVersioningStatus::Enabled).await;
    // (version id, md5) of every acknowledged write, oldest first.
    let mut acked: Vec<(String, String)> = Vec::new();
    for round in 0..4u64 {
        let s3 = server.client();
        let first = rampart_e2e::pattern(300_000, round * 2);
        let id = s3
            .put_object()
            .bucket(&bucket)
            .key("k")
            .body(ByteStream::from(first.clone()))
            .send()
            .await
            .unwrap()
            .version_id
            .unwrap();
        acked.push((id, rampart_e2e::md5_hex(&first)));
        let second = rampart_e2e::pattern(6 * 1024 * 1024, round * 2 + 1);
        let md5 = rampart_e2e::md5_hex(&second);
        let (s3b, bucketb) = (s3.clone(), bucket.clone());
        let overwrite = tokio::spawn(async move {
            s3b.put_object()
                .bucket(&bucketb)
                .key("k")
                .body(ByteStream::from(second))
                .send()
                .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(20 + 40 * round)).await;
        server.kill();
        if let Ok(Ok(out)) = overwrite.await {
            acked.push((out.version_id.unwrap(), md5));
        }
        server.restart();
        let s3 = server.client();
        let listed = s3
            .list_object_versions()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        let ids: Vec<String> = listed
            .versions()
            .iter()
            .map(|v| v.version_id().unwrap().to_owned())
            .collect();
        let newest_first: Vec<String> = acked.iter().rev().map(|(id, _)| id.clone()).collect();
        // An unacknowledged write that did complete may be listed on top; nothing else.
        let extra = ids.len() - newest_first.len();
        assert!(extra <= 1, "round {round}: {ids:?} vs {newest_first:?}");
        assert_eq!(ids[extra..], newest_first[..], "round {round}");
        for (id, md5) in &acked {
            let body = get_bytes(&s3, &bucket, "k", id).await;
            assert_eq!(
                &rampart_e2e::md5_hex(&body),
                md5,
                "round {round}, version {id}"
            );
        }
    }
}

async fn get_bytes(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, version: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .version_id(version)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key} {version}: {e:?}"));
    body_bytes(out.body).await
}

#[tokio::test]
async fn copies_read_the_version_their_source_names() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "versions-copy").await;
    set_versioning(&s3, &bucket, BucketVersioningStatus::Enabled).await;
    let old = put(&s3, &bucket, "src", "old").await.unwrap();
    put(&s3, &bucket, "src", "new").await.unwrap();
    let copied = s3
        .copy_object()
        .bucket(&bucket)
        .key("dst")
        .copy_source(format!("{bucket}/src?versionId={old}"))
        .send()
        .await
        .unwrap();
    assert_eq!(copied.copy_source_version_id(), Some(old.as_str()));
    assert_eq!(get(&s3, &bucket, "dst", None).await, "old");
    // Restoring an old version: copy it onto its own key.
    s3.copy_object()
        .bucket(&bucket)
        .key("src")
        .copy_source(format!("{bucket}/src?versionId={old}"))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, "src", None).await, "old");
    let marker = s3
        .delete_object()
        .bucket(&bucket)
        .key("src")
        .send()
        .await
        .unwrap()
        .version_id
        .unwrap();
    assert_error(
        s3.copy_object()
            .bucket(&bucket)
            .key("dst")
            .copy_source(format!("{bucket}/src?versionId={marker}"))
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
            .send()
            .await,
        "NoSuchKey",
        404,
    );
}
