//! `FsBlobStore`'s Object Lock beyond the conformance suite: the lock sidecar on disk.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rampart_store::testkit::blob::{chunked, read_all};
use rampart_store::{BlobId, BlobLock, BlobRetention, BlobRetentionMode, BlobStore, StoreError};
use rampart_store_local::FsBlobStore;

fn compliance_for_an_hour() -> BlobLock {
    BlobLock {
        retention: Some(BlobRetention {
            mode: BlobRetentionMode::Compliance,
            retain_until: SystemTime::now() + Duration::from_secs(3600),
        }),
        legal_hold: true,
    }
}

fn sidecar(store: &FsBlobStore, id: &BlobId) -> PathBuf {
    let mut path = store.blob_path(id).into_os_string();
    path.push(".lock");
    path.into()
}

fn later() -> SystemTime {
    SystemTime::now() + Duration::from_secs(60)
}

fn tmp_is_empty(store: &FsBlobStore) -> bool {
    std::fs::read_dir(store.tmp_dir())
        .expect("read tmp")
        .next()
        .is_none()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_survives_reopen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FsBlobStore::open(dir.path()).expect("open");
    let info = store.put(chunked(b"kept", 4)).await.expect("put");
    let lock = compliance_for_an_hour();
    store.set_lock(&info.id, lock, false).await.expect("lock");
    assert!(sidecar(&store, &info.id).exists());
    assert!(tmp_is_empty(&store), "the temporary lock file was renamed");
    drop(store);

    let store = FsBlobStore::open(dir.path()).expect("reopen");
    assert_eq!(store.lock(&info.id).await.expect("lock"), lock);
    assert!(matches!(
        store.delete(&info.id).await,
        Err(StoreError::Locked { .. })
    ));
    assert!(matches!(
        store.set_lock(&info.id, BlobLock::default(), true).await,
        Err(StoreError::Locked { .. })
    ));
    let got = read_all(store.get(&info.id, 0..4).await.expect("get")).await;
    assert_eq!(got, b"kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sidecars_are_not_listed_and_go_with_their_blob() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FsBlobStore::open(dir.path()).expect("open");
    let locked = store.put(chunked(b"locked", 6)).await.expect("put");
    let held = BlobLock {
        retention: None,
        legal_hold: true,
    };
    store.set_lock(&locked.id, held, false).await.expect("hold");
    let listed = store.list_created_before(later()).await.expect("list");
    assert_eq!(listed, vec![locked.id.clone()], "the sidecar is no blob");

    // Clearing the lock removes the sidecar: an unlocked blob has none.
    store
        .set_lock(&locked.id, BlobLock::default(), false)
        .await
        .expect("release");
    assert!(!sidecar(&store, &locked.id).exists());

    // A lock that is no longer in force is removed with its blob.
    let expired = BlobLock {
        retention: Some(BlobRetention {
            mode: BlobRetentionMode::Governance,
            retain_until: SystemTime::now() - Duration::from_secs(1),
        }),
        legal_hold: false,
    };
    store
        .set_lock(&locked.id, expired, false)
        .await
        .expect("set");
    assert!(sidecar(&store, &locked.id).exists());
    store.delete(&locked.id).await.expect("delete");
    assert!(!sidecar(&store, &locked.id).exists());
    assert!(!store.blob_path(&locked.id).exists());
    assert!(store.list_created_before(later()).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_sidecar_without_its_blob_does_not_block_delete() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FsBlobStore::open(dir.path()).expect("open");
    let info = store.put(chunked(b"x", 1)).await.expect("put");
    store
        .set_lock(&info.id, compliance_for_an_hour(), false)
        .await
        .expect("lock");
    // The blob vanishes behind the store's back (an operator, a damaged disk).
    std::fs::remove_file(store.blob_path(&info.id)).expect("remove");
    store
        .delete(&info.id)
        .await
        .expect("deleting a missing blob is not an error");
    assert!(!sidecar(&store, &info.id).exists());
}

#[tokio::test]
async fn a_damaged_sidecar_refuses_delete() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FsBlobStore::open(dir.path()).expect("open");
    let info = store.put(chunked(b"x", 1)).await.expect("put");
    std::fs::write(sidecar(&store, &info.id), b"{not json").expect("write");
    assert!(matches!(
        store.delete(&info.id).await,
        Err(StoreError::Corrupt(_))
    ));
    assert!(store.blob_path(&info.id).exists(), "failing safe: kept");
}

/// A delete racing a set_lock must end in one of two states: the blob deleted and set_lock
/// reporting it missing, or the blob locked and the delete refused. Never a blob deleted after
/// set_lock reported it locked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn set_lock_and_delete_do_not_interleave() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(FsBlobStore::open(dir.path()).expect("open"));
    let held = BlobLock {
        retention: None,
        legal_hold: true,
    };
    for _ in 0..200 {
        let info = store.put(chunked(b"race", 4)).await.expect("put");
        let locking = {
            let (store, id) = (store.clone(), info.id.clone());
            tokio::spawn(async move { store.set_lock(&id, held, false).await })
        };
        let deleting = {
            let (store, id) = (store.clone(), info.id.clone());
            tokio::spawn(async move { store.delete(&id).await })
        };
        let locked = locking.await.expect("task");
        let deleted = deleting.await.expect("task");
        let exists = store.blob_path(&info.id).exists();
        match (locked, deleted) {
            (Ok(()), Err(StoreError::Locked { .. })) => assert!(exists),
            (Err(StoreError::BlobNotFound(_)), Ok(())) => {
                assert!(!exists);
                assert!(!sidecar(&store, &info.id).exists());
            }
            (l, d) => panic!("set_lock {l:?}, delete {d:?}, blob exists: {exists}"),
        }
        if exists {
            store
                .set_lock(&info.id, BlobLock::default(), false)
                .await
                .expect("release");
            store.delete(&info.id).await.expect("delete");
        }
    }
}
