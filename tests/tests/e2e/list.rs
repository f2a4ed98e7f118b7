//! ListObjects (V1) and ListObjectsV2: prefixes, delimiters, pagination, encoding.

use rampart_e2e::Server;
use rampart_e2e::raw::RawRequest;

use crate::common::{assert_error, create_bucket, put};

const KEYS: &[&str] = &[
    "a.txt",
    "b/1.txt",
    "b/2.txt",
    "b/c/3.txt",
    "b/c/4.txt",
    "b/d/5.txt",
    "e/6.txt",
    "f",
    "f/",
    "f/7.txt",
    "g h/8.txt",
    "z.txt",
];

async fn seeded(server: &Server) -> (aws_sdk_s3::Client, String) {
    let s3 = server.client();
    let bucket = create_bucket(&s3, "list").await;
    for key in KEYS {
        put(&s3, &bucket, key, key.as_bytes()).await;
    }
    (s3, bucket)
}

#[tokio::test]
async fn v2_flat_and_with_delimiter() {
    let server = Server::start();
    let (s3, bucket) = seeded(&server).await;
    let all = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    let keys: Vec<_> = all.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(keys, KEYS);
    assert_eq!(all.key_count(), Some(KEYS.len() as i32));
    assert_eq!(all.is_truncated(), Some(false));
    let first = &all.contents()[0];
    assert_eq!(first.size(), Some(5));
    assert_eq!(first.e_tag().unwrap().len(), 34);
    assert!(first.last_modified().is_some());
    assert!(first.owner().is_none(), "owners only with fetch-owner");

    let top = s3
        .list_objects_v2()
        .bucket(&bucket)
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = top.contents().iter().map(|o| o.key().unwrap()).collect();
    let prefixes: Vec<_> = top
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!(keys, ["a.txt", "f", "z.txt"]);
    assert_eq!(prefixes, ["b/", "e/", "f/", "g h/"]);
    assert_eq!(top.key_count(), Some(7));
    assert_eq!(top.delimiter(), Some("/"));

    let b = s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("b/")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = b.contents().iter().map(|o| o.key().unwrap()).collect();
    let prefixes: Vec<_> = b
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!(keys, ["b/1.txt", "b/2.txt"]);
    assert_eq!(prefixes, ["b/c/", "b/d/"]);
    assert_eq!(b.prefix(), Some("b/"));

    // A multi-character delimiter, and a prefix that matches nothing.
    let dotted = s3
        .list_objects_v2()
        .bucket(&bucket)
        .delimiter(".txt")
        .send()
        .await
        .unwrap();
    let prefixes: Vec<_> = dotted
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert!(prefixes.contains(&"a.txt") && prefixes.contains(&"b/c/3.txt"));
    let none = s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("nothing")
        .send()
        .await
        .unwrap();
    assert!(none.contents().is_empty());
    assert_eq!(none.key_count(), Some(0));
}

#[tokio::test]
async fn v2_pagination_covers_every_key_once() {
    let server = Server::start();
    let (s3, bucket) = seeded(&server).await;
    for delimiter in [None, Some("/")] {
        for page_size in [1, 2, 3, 5] {
            let mut names = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let page = s3
                    .list_objects_v2()
                    .bucket(&bucket)
                    .max_keys(page_size)
                    .set_delimiter(delimiter.map(str::to_owned))
                    .set_continuation_token(token.clone())
                    .send()
                    .await
                    .unwrap();
                assert!(page.key_count().unwrap() <= page_size);
                assert_eq!(page.continuation_token(), token.as_deref());
                names.extend(page.contents().iter().map(|o| o.key().unwrap().to_owned()));
                names.extend(
                    page.common_prefixes()
                        .iter()
                        .map(|p| p.prefix().unwrap().to_owned()),
                );
                if page.is_truncated() != Some(true) {
                    assert!(page.next_continuation_token().is_none());
                    break;
                }
                token = page.next_continuation_token().map(str::to_owned);
                assert!(token.is_some());
            }
            let expected: Vec<String> = match delimiter {
                None => KEYS.iter().map(|k| (*k).to_owned()).collect(),
                Some(_) => ["a.txt", "b/", "e/", "f", "f/", "g h/", "z.txt"]
                    .iter()
                    .map(|k| (*k).to_owned())
                    .collect(),
            };
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(
                sorted, expected,
                "page size {page_size}, delimiter {delimiter:?}"
            );
        }
    }
}

#[tokio::test]
async fn v2_start_after_and_fetch_owner() {
    let server = Server::start();
    let (s3, bucket) = seeded(&server).await;
    let page = s3
        .list_objects_v2()
        .bucket(&bucket)
        .start_after("b/c/4.txt")
        .fetch_owner(true)
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = page.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(keys, &KEYS[5..]);
    assert_eq!(page.start_after(), Some("b/c/4.txt"));
    let owner = page.contents()[0].owner().unwrap();
    assert_eq!(owner.id().unwrap().len(), 64);
    // A start-after inside a common prefix does not repeat that prefix.
    let page = s3
        .list_objects_v2()
        .bucket(&bucket)
        .delimiter("/")
        .start_after("b/1.txt")
        .send()
        .await
        .unwrap();
    let prefixes: Vec<_> = page
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!(prefixes, ["e/", "f/", "g h/"]);
}

#[tokio::test]
async fn v1_markers() {
    let server = Server::start();
    let (s3, bucket) = seeded(&server).await;
    let page = s3
        .list_objects()
        .bucket(&bucket)
        .max_keys(4)
        .send()
        .await
        .unwrap();
    assert_eq!(page.is_truncated(), Some(true));
    assert_eq!(page.contents().len(), 4);
    assert_eq!(page.max_keys(), Some(4));
    // Without a delimiter S3 gives no NextMarker: the last key is the marker.
    assert!(page.next_marker().is_none());
    assert!(
        page.contents()[0].owner().is_some(),
        "V1 always lists owners"
    );
    let rest = s3
        .list_objects()
        .bucket(&bucket)
        .marker(page.contents()[3].key().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.contents().len(), KEYS.len() - 4);
    assert_eq!(rest.marker(), Some("b/c/3.txt"));

    let page = s3
        .list_objects()
        .bucket(&bucket)
        .delimiter("/")
        .max_keys(3)
        .send()
        .await
        .unwrap();
    assert_eq!(page.is_truncated(), Some(true));
    assert_eq!(page.next_marker(), Some("e/"));
    let next = s3
        .list_objects()
        .bucket(&bucket)
        .delimiter("/")
        .marker("e/")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = next.contents().iter().map(|o| o.key().unwrap()).collect();
    let prefixes: Vec<_> = next
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!(keys, ["f", "z.txt"]);
    assert_eq!(prefixes, ["f/", "g h/"]);
}

#[tokio::test]
async fn url_encoding() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "enc").await;
    put(&s3, &bucket, "dir/a b+c&d.txt", b"x").await;
    let resp = RawRequest::new("GET", &format!("/{bucket}"))
        .query("delimiter=%2F&encoding-type=url&list-type=2&prefix=dir%2F")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.element("Key").as_deref(), Some("dir/a+b%2Bc%26d.txt"));
    assert_eq!(resp.element("EncodingType").as_deref(), Some("url"));
    assert_eq!(resp.element("Prefix").as_deref(), Some("dir/"));
    let resp = RawRequest::new("GET", &format!("/{bucket}"))
        .query("encoding-type=base64")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.error_code().as_deref(), Some("InvalidArgument"));
}

#[tokio::test]
async fn bad_parameters() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "badp").await;
    assert_error(
        s3.list_objects_v2()
            .bucket(&bucket)
            .continuation_token("!!!")
            .send()
            .await,
        "InvalidArgument",
        400,
    );
    for query in ["max-keys=abc", "max-keys=-1", "list-type=2&max-keys=-5"] {
        let resp = RawRequest::new("GET", &format!("/{bucket}"))
            .query(query)
            .sign(server.port, None)
            .send(server.port)
            .await;
        assert_eq!(resp.status, 400, "{query}");
        assert_eq!(
            resp.error_code().as_deref(),
            Some("InvalidArgument"),
            "{query}"
        );
    }
    // max-keys above 1000 is capped at 1000; 0 returns nothing.
    let page = s3
        .list_objects_v2()
        .bucket(&bucket)
        .max_keys(5000)
        .send()
        .await
        .unwrap();
    assert_eq!(page.max_keys(), Some(1000));
    put(&s3, &bucket, "k", b"x").await;
    let page = s3
        .list_objects_v2()
        .bucket(&bucket)
        .max_keys(0)
        .send()
        .await
        .unwrap();
    assert!(page.contents().is_empty());
}

#[tokio::test]
async fn listing_is_read_after_write() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "raw").await;
    for i in 0..30 {
        let key = format!("k{i:03}");
        put(&s3, &bucket, &key, b"x").await;
        let page = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
        assert_eq!(page.key_count(), Some(i + 1));
        if i % 3 == 0 {
            s3.delete_object()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await
                .unwrap();
            let page = s3
                .list_objects_v2()
                .bucket(&bucket)
                .prefix(&key)
                .send()
                .await
                .unwrap();
            assert_eq!(page.key_count(), Some(0));
            put(&s3, &bucket, &key, b"x").await;
        }
    }
}

#[tokio::test]
async fn more_than_one_page_of_keys() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "many").await;
    let mut tasks = Vec::new();
    for i in 0..1100 {
        let s3 = s3.clone();
        let bucket = bucket.clone();
        tasks.push(async move { put(&s3, &bucket, &format!("key-{i:05}"), b"").await });
    }
    futures::future::join_all(tasks).await;
    let first = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(first.key_count(), Some(1000));
    assert_eq!(first.is_truncated(), Some(true));
    let second = s3
        .list_objects_v2()
        .bucket(&bucket)
        .continuation_token(first.next_continuation_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.key_count(), Some(100));
    assert_eq!(second.contents()[0].key(), Some("key-01000"));
}
