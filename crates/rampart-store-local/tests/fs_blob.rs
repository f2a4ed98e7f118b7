//! Filesystem-specific behaviour of `FsBlobStore` beyond the conformance suite.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::StreamExt;
use rampart_store::testkit::blob::{chunked, read_all};
use rampart_store::testkit::pattern;
use rampart_store::{BlobId, BlobStore, StoreError};
use rampart_store_local::FsBlobStore;

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layout_and_reopen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FsBlobStore::open(dir.path()).expect("open");
    let data = pattern(9, 300_000);
    let info = store.put(chunked(&data, 10_000)).await.expect("put");
    let id = info.id.as_str();
    let path = dir
        .path()
        .join("blobs")
        .join(&id[..2])
        .join(&id[2..4])
        .join(id);
    assert_eq!(store.blob_path(&info.id), path);
    assert_eq!(std::fs::read(&path).expect("blob file"), data);
    assert!(
        entries(store.tmp_dir()).is_empty(),
        "tmp/ is empty after a put"
    );
    drop(store);

    let store = FsBlobStore::open(dir.path()).expect("reopen");
    let got = read_all(store.get(&info.id, 0..info.size).await.expect("get")).await;
    assert!(got == data);
}

#[tokio::test]
async fn open_empties_tmp() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(FsBlobStore::open(dir.path()).expect("open"));
    let tmp = dir.path().join("tmp");
    std::fs::write(tmp.join(BlobId::generate().as_str()), b"half a blob").expect("write");
    std::fs::create_dir_all(tmp.join("stray/dir")).expect("mkdir");
    let store = FsBlobStore::open(dir.path()).expect("reopen");
    assert!(entries(&tmp).is_empty());
    assert!(
        store
            .list_created_before(SystemTime::now() + Duration::from_secs(60))
            .await
            .expect("list")
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_and_dropped_puts_leave_tmp_empty() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = std::sync::Arc::new(FsBlobStore::open(dir.path()).expect("open"));

    let items: Vec<std::io::Result<Bytes>> = vec![
        Ok(Bytes::from(pattern(1, 3 << 20))),
        Err(std::io::Error::other("client went away")),
    ];
    assert!(matches!(
        store.put(Box::pin(futures::stream::iter(items))).await,
        Err(StoreError::Input(_))
    ));
    assert!(entries(store.tmp_dir()).is_empty());

    let (mut tx, rx) = futures::channel::mpsc::channel::<std::io::Result<Bytes>>(0);
    let put = {
        let store = store.clone();
        tokio::spawn(async move { store.put(Box::pin(rx)).await })
    };
    for i in 0..6 {
        futures::SinkExt::send(&mut tx, Ok(Bytes::from(pattern(i, 1 << 20))))
            .await
            .expect("send");
    }
    put.abort();
    let _ = put.await;
    assert!(
        entries(store.tmp_dir()).is_empty(),
        "the guard removed the temporary file"
    );
    assert!(
        entries(&dir.path().join("blobs")).is_empty(),
        "no blob directory was even needed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_come_in_bounded_pieces() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FsBlobStore::open(dir.path()).expect("open");
    let data = pattern(5, (5 << 20) + 17);
    let info = store.put(chunked(&data, 1 << 20)).await.expect("put");
    let mut stream = store.get(&info.id, 5..info.size - 5).await.expect("get");
    let mut got = Vec::new();
    while let Some(piece) = stream.next().await {
        let piece = piece.expect("read");
        assert!(
            !piece.is_empty() && piece.len() <= FsBlobStore::READ_PIECE,
            "piece of {} bytes",
            piece.len()
        );
        got.extend_from_slice(&piece);
    }
    assert!(got == data[5..data.len() - 5]);
}

#[tokio::test]
async fn listing_ignores_foreign_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FsBlobStore::open(dir.path()).expect("open");
    let info = store.put(chunked(b"x", 1)).await.expect("put");
    let blobs = dir.path().join("blobs");
    std::fs::write(blobs.join("README"), b"not a blob").expect("write");
    let yy = store
        .blob_path(&info.id)
        .parent()
        .expect("parent")
        .to_path_buf();
    std::fs::write(yy.join("not-a-blob-id"), b"junk").expect("write");
    let listed = store
        .list_created_before(SystemTime::now() + Duration::from_secs(60))
        .await
        .expect("list");
    assert_eq!(listed, vec![info.id]);
}
