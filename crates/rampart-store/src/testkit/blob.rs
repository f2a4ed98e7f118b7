//! Conformance checks for [`BlobStore`]. Each takes a fresh, empty store and panics on failure.

use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::StreamExt;

use super::pattern;
use crate::{
    BlobId, BlobInfo, BlobLock, BlobRetention, BlobRetentionMode, BlobStore, ByteStream, StoreError,
};

type Store = Arc<dyn BlobStore>;

/// Far enough ahead that every blob written so far is "created before" it.
fn later() -> SystemTime {
    SystemTime::now() + Duration::from_secs(3600)
}

/// A stream of `data` cut into chunks of `chunk` bytes.
pub fn chunked(data: &[u8], chunk: usize) -> ByteStream {
    let chunks: Vec<std::io::Result<Bytes>> = data
        .chunks(chunk.max(1))
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Box::pin(futures::stream::iter(chunks))
}

async fn put_bytes(store: &Store, data: &[u8], chunk: usize) -> BlobInfo {
    let info = store.put(chunked(data, chunk)).await.expect("put");
    assert_eq!(info.size, data.len() as u64);
    info
}

/// Reads a whole stream into memory.
pub async fn read_all(mut stream: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.expect("read"));
    }
    out
}

async fn get_range(store: &Store, id: &BlobId, range: Range<u64>) -> Vec<u8> {
    read_all(store.get(id, range).await.expect("get")).await
}

async fn listed(store: &Store) -> Vec<BlobId> {
    let mut ids = store.list_created_before(later()).await.expect("list");
    ids.sort();
    ids
}

pub async fn put_get_empty(store: Store) {
    let info = put_bytes(&store, b"", 1).await;
    assert_eq!(info.size, 0);
    assert!(get_range(&store, &info.id, 0..0).await.is_empty());
    // A stream that yields no chunk at all, and one that yields only empty chunks.
    let info = store
        .put(Box::pin(futures::stream::empty()))
        .await
        .expect("put");
    assert_eq!(info.size, 0);
    let empties: Vec<std::io::Result<Bytes>> = vec![Ok(Bytes::new()), Ok(Bytes::new())];
    let info2 = store
        .put(Box::pin(futures::stream::iter(empties)))
        .await
        .expect("put");
    assert_eq!(info2.size, 0);
    assert_ne!(info.id, info2.id, "ids are generated, never reused");
    assert!(get_range(&store, &info2.id, 0..0).await.is_empty());
}

pub async fn put_get_small(store: Store) {
    let info = put_bytes(&store, b"hello, blob", 4).await;
    assert_eq!(get_range(&store, &info.id, 0..11).await, b"hello, blob");
    let one = put_bytes(&store, b"x", 1).await;
    assert_eq!(get_range(&store, &one.id, 0..1).await, b"x");
}

pub async fn put_get_many_small_chunks(store: Store) {
    // 6 MiB + a little, from 4 KiB chunks (like an HTTP body), so buffering is exercised.
    let data = pattern(1, 6 * 1024 * 1024 + 123);
    let info = put_bytes(&store, &data, 4096).await;
    let got = get_range(&store, &info.id, 0..info.size).await;
    assert!(got == data, "content differs after a round trip");
}

pub async fn put_get_few_large_chunks(store: Store) {
    let data = pattern(2, 5 * 1024 * 1024 + 7);
    let info = put_bytes(&store, &data, 3 * 1024 * 1024).await;
    assert!(get_range(&store, &info.id, 0..info.size).await == data);
    // Odd chunk sizes straddle any internal buffer boundary.
    let info = put_bytes(&store, &data[..2 * 1024 * 1024], 65_537).await;
    assert!(get_range(&store, &info.id, 0..info.size).await == data[..2 * 1024 * 1024]);
}

pub async fn ranges(store: Store) {
    let len = 1024 * 1024 + 300 * 1024 + 3;
    let data = pattern(3, len);
    let info = put_bytes(&store, &data, 100_000).await;
    let n = len as u64;
    let cases: Vec<Range<u64>> = vec![
        0..n,
        0..1,
        0..100,
        1..n,
        n - 1..n,
        n - 100..n,
        12_345..12_346,
        100..300_000,
        262_143..262_145,
        262_144..524_288,
        500_000..1_300_000,
        n..n,
        0..0,
        777..777,
    ];
    for r in cases {
        let got = get_range(&store, &info.id, r.clone()).await;
        assert!(got == data[r.start as usize..r.end as usize], "range {r:?}");
    }
}

pub async fn invalid_ranges_are_errors(store: Store) {
    let info = put_bytes(&store, b"0123456789", 3).await;
    for r in [0..11, 10..11, 11..11, 5..20] {
        assert!(
            store.get(&info.id, r.clone()).await.is_err(),
            "range {r:?} is past the end"
        );
    }
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = 5..2;
    assert!(
        store.get(&info.id, reversed).await.is_err(),
        "a reversed range is an error"
    );
}

pub async fn get_missing_is_blob_not_found(store: Store) {
    let id = BlobId::generate();
    match store.get(&id, 0..0).await {
        Err(StoreError::BlobNotFound(missing)) => assert_eq!(missing, id),
        Err(e) => panic!("expected BlobNotFound, got {e}"),
        Ok(_) => panic!("expected BlobNotFound, got a stream"),
    }
}

pub async fn delete_is_idempotent(store: Store) {
    let info = put_bytes(&store, b"bye", 3).await;
    store.delete(&info.id).await.expect("delete");
    store
        .delete(&info.id)
        .await
        .expect("deleting twice is not an error");
    store
        .delete(&BlobId::generate())
        .await
        .expect("deleting a never-written id");
    assert!(matches!(
        store.get(&info.id, 0..0).await,
        Err(StoreError::BlobNotFound(_))
    ));
    assert!(listed(&store).await.is_empty());
}

pub async fn delete_during_get_does_not_cut_the_stream(store: Store) {
    let data = pattern(4, 3 * 1024 * 1024);
    let info = put_bytes(&store, &data, 1 << 20).await;
    let mut stream = store.get(&info.id, 0..info.size).await.expect("get");
    let first = stream.next().await.expect("a first chunk").expect("read");
    store.delete(&info.id).await.expect("delete");
    assert!(matches!(
        store.get(&info.id, 0..0).await,
        Err(StoreError::BlobNotFound(_))
    ));
    let mut got = first.to_vec();
    got.extend(read_all(stream).await);
    assert!(got == data, "the open stream delivers the whole blob");

    // Also when the delete comes before the first read.
    let info = put_bytes(&store, &data, 1 << 20).await;
    let stream = store.get(&info.id, 1000..info.size).await.expect("get");
    store.delete(&info.id).await.expect("delete");
    assert!(read_all(stream).await == data[1000..]);
}

/// The error a failing input stream carries, to check that it comes back unchanged.
#[derive(Debug)]
pub struct DigestMismatch;

impl std::fmt::Display for DigestMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("digest mismatch")
    }
}

impl std::error::Error for DigestMismatch {}

pub async fn failing_stream_is_input_error_and_leaves_nothing(store: Store) {
    let kept = put_bytes(&store, b"kept", 4).await;
    for good_chunks in [0usize, 1, 40] {
        let mut items: Vec<std::io::Result<Bytes>> = (0..good_chunks)
            .map(|i| Ok(Bytes::from(pattern(i as u64, 64 * 1024))))
            .collect();
        items.push(Err(std::io::Error::other(DigestMismatch)));
        // Anything after the error must not be consumed into a blob either.
        items.push(Ok(Bytes::from_static(b"after")));
        match store.put(Box::pin(futures::stream::iter(items))).await {
            Err(StoreError::Input(e)) => {
                assert!(
                    e.get_ref()
                        .and_then(|inner| inner.downcast_ref::<DigestMismatch>())
                        .is_some(),
                    "the caller's own error comes back: {e:?}"
                );
            }
            Err(e) => panic!("expected StoreError::Input, got {e}"),
            Ok(info) => panic!("a failing stream produced blob {info:?}"),
        }
        assert_eq!(
            listed(&store).await,
            vec![kept.id.clone()],
            "no blob left behind"
        );
    }
}

pub async fn dropped_put_leaves_nothing(store: Store) {
    let before = listed(&store).await;
    // A bounded channel: the second send completes only once the put has taken the first chunk,
    // so the put is known to be mid-stream when it is aborted.
    let (tx, rx) = futures::channel::mpsc::channel::<std::io::Result<Bytes>>(0);
    let put = {
        let store = store.clone();
        tokio::spawn(async move { store.put(Box::pin(rx)).await })
    };
    let mut tx = tx;
    for i in 0..8u64 {
        futures::SinkExt::send(&mut tx, Ok(Bytes::from(pattern(i, 512 * 1024))))
            .await
            .expect("the put is reading");
    }
    put.abort();
    assert!(put.await.expect_err("aborted").is_cancelled());
    drop(tx);
    assert_eq!(listed(&store).await, before, "a dropped put leaves no blob");
}

pub async fn list_created_before_respects_time(store: Store) {
    assert!(listed(&store).await.is_empty());
    let a = put_bytes(&store, b"a", 1).await;
    // File timestamps may come from a coarse clock: leave a clear gap on both sides.
    tokio::time::sleep(Duration::from_millis(60)).await;
    let between = SystemTime::now();
    tokio::time::sleep(Duration::from_millis(60)).await;
    let b = put_bytes(&store, b"b", 1).await;

    let early = store.list_created_before(between).await.expect("list");
    assert_eq!(early, vec![a.id.clone()]);
    let mut both = vec![a.id.clone(), b.id.clone()];
    both.sort();
    assert_eq!(listed(&store).await, both);
    let none = store
        .list_created_before(SystemTime::UNIX_EPOCH)
        .await
        .expect("list");
    assert!(none.is_empty());
    store.delete(&a.id).await.expect("delete");
    assert_eq!(listed(&store).await, vec![b.id]);
}

pub async fn concurrent_puts(store: Store) {
    let mut handles = Vec::new();
    for i in 0..8u64 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let data = pattern(100 + i, 300_000 + i as usize * 1000);
            let info = put_bytes(&store, &data, 8192).await;
            (info, data)
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        let (info, data) = h.await.expect("task");
        assert!(get_range(&store, &info.id, 0..info.size).await == data);
        ids.push(info.id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 8, "distinct ids");
    assert_eq!(listed(&store).await, ids);
}

// --- Object Lock ---

fn hold() -> BlobLock {
    BlobLock {
        retention: None,
        legal_hold: true,
    }
}

fn retained(mode: BlobRetentionMode, until: SystemTime) -> BlobLock {
    BlobLock {
        retention: Some(BlobRetention {
            mode,
            retain_until: until,
        }),
        legal_hold: false,
    }
}

fn in_an_hour() -> SystemTime {
    SystemTime::now() + Duration::from_secs(3600)
}

#[track_caller]
fn assert_locked(result: crate::Result<()>, id: &BlobId, what: &str) {
    match result {
        Err(StoreError::Locked { id: locked, .. }) => assert_eq!(&locked, id, "{what}"),
        Err(e) => panic!("{what}: expected StoreError::Locked, got {e}"),
        Ok(()) => panic!("{what}: expected StoreError::Locked, got Ok"),
    }
}

/// The blob is still there, whole.
async fn assert_intact(store: &Store, id: &BlobId, data: &[u8]) {
    assert_eq!(get_range(store, id, 0..data.len() as u64).await, data);
    assert!(listed(store).await.contains(id));
}

pub async fn unlocked_blob_has_the_default_lock(store: Store) {
    let info = put_bytes(&store, b"free", 4).await;
    assert_eq!(
        store.lock(&info.id).await.expect("lock"),
        BlobLock::default()
    );
}

pub async fn lock_of_missing_blob_is_blob_not_found(store: Store) {
    let id = BlobId::generate();
    assert!(matches!(store.lock(&id).await, Err(StoreError::BlobNotFound(m)) if m == id));
    assert!(matches!(
        store.set_lock(&id, hold(), false).await,
        Err(StoreError::BlobNotFound(m)) if m == id
    ));
    // Nor does a lock outlive its blob: once deleted, the id is missing again.
    let info = put_bytes(&store, b"gone", 4).await;
    store.set_lock(&info.id, hold(), false).await.expect("hold");
    store
        .set_lock(&info.id, BlobLock::default(), false)
        .await
        .expect("release");
    store.delete(&info.id).await.expect("delete");
    assert!(matches!(
        store.lock(&info.id).await,
        Err(StoreError::BlobNotFound(_))
    ));
    assert!(matches!(
        store.set_lock(&info.id, hold(), false).await,
        Err(StoreError::BlobNotFound(_))
    ));
}

pub async fn legal_hold_refuses_delete_until_cleared(store: Store) {
    let info = put_bytes(&store, b"evidence", 3).await;
    store.set_lock(&info.id, hold(), false).await.expect("hold");
    assert_eq!(store.lock(&info.id).await.expect("lock"), hold());
    assert_locked(
        store.delete(&info.id).await,
        &info.id,
        "delete under a legal hold",
    );
    assert_intact(&store, &info.id, b"evidence").await;

    store
        .set_lock(&info.id, BlobLock::default(), false)
        .await
        .expect("clearing a legal hold is always allowed");
    assert_eq!(
        store.lock(&info.id).await.expect("lock"),
        BlobLock::default()
    );
    store
        .delete(&info.id)
        .await
        .expect("delete after the hold is cleared");
    assert!(matches!(
        store.get(&info.id, 0..0).await,
        Err(StoreError::BlobNotFound(_))
    ));
    assert!(listed(&store).await.is_empty());
}

pub async fn retention_refuses_delete(store: Store) {
    for mode in [BlobRetentionMode::Governance, BlobRetentionMode::Compliance] {
        let info = put_bytes(&store, b"retained", 3).await;
        let lock = retained(mode, in_an_hour());
        store.set_lock(&info.id, lock, false).await.expect("retain");
        assert_eq!(store.lock(&info.id).await.expect("lock"), lock);
        assert_locked(
            store.delete(&info.id).await,
            &info.id,
            &format!("delete under {mode:?} retention"),
        );
        assert_intact(&store, &info.id, b"retained").await;
    }
}

pub async fn delete_allowed_once_retention_expires(store: Store) {
    let info = put_bytes(&store, b"short", 5).await;
    let lock = retained(
        BlobRetentionMode::Compliance,
        SystemTime::now() + Duration::from_secs(1),
    );
    store.set_lock(&info.id, lock, false).await.expect("retain");
    assert_locked(
        store.delete(&info.id).await,
        &info.id,
        "delete before expiry",
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // The expired retention is still recorded, but no longer in force.
    assert_eq!(store.lock(&info.id).await.expect("lock"), lock);
    store.delete(&info.id).await.expect("delete after expiry");
    assert!(matches!(
        store.lock(&info.id).await,
        Err(StoreError::BlobNotFound(_))
    ));
    assert!(listed(&store).await.is_empty());
}

pub async fn compliance_cannot_be_weakened(store: Store) {
    let info = put_bytes(&store, b"compliant", 3).await;
    let until = in_an_hour();
    let lock = retained(BlobRetentionMode::Compliance, until);
    store.set_lock(&info.id, lock, false).await.expect("retain");
    let weaker = [
        BlobLock::default(),
        hold(),
        retained(
            BlobRetentionMode::Compliance,
            until - Duration::from_secs(60),
        ),
        retained(BlobRetentionMode::Governance, until),
        retained(
            BlobRetentionMode::Governance,
            until + Duration::from_secs(60),
        ),
    ];
    for new in weaker {
        for bypass in [false, true] {
            assert_locked(
                store.set_lock(&info.id, new, bypass).await,
                &info.id,
                &format!("{new:?} with bypass {bypass}"),
            );
            assert_eq!(store.lock(&info.id).await.expect("lock"), lock, "unchanged");
        }
    }
    let extended = retained(
        BlobRetentionMode::Compliance,
        until + Duration::from_secs(60),
    );
    store
        .set_lock(&info.id, extended, false)
        .await
        .expect("extending compliance");
    assert_eq!(store.lock(&info.id).await.expect("lock"), extended);
    // A legal hold on top is allowed, and so is clearing it again.
    let mut with_hold = extended;
    with_hold.legal_hold = true;
    store
        .set_lock(&info.id, with_hold, false)
        .await
        .expect("hold");
    store
        .set_lock(&info.id, extended, false)
        .await
        .expect("unhold");
    assert_locked(store.delete(&info.id).await, &info.id, "delete");
    assert_intact(&store, &info.id, b"compliant").await;
}

pub async fn governance_weakened_only_with_bypass(store: Store) {
    let info = put_bytes(&store, b"governed", 3).await;
    let until = in_an_hour();
    let lock = retained(BlobRetentionMode::Governance, until);
    store.set_lock(&info.id, lock, false).await.expect("retain");
    let shorter = retained(
        BlobRetentionMode::Governance,
        until - Duration::from_secs(60),
    );
    for new in [shorter, BlobLock::default()] {
        assert_locked(
            store.set_lock(&info.id, new, false).await,
            &info.id,
            &format!("{new:?} without bypass"),
        );
        assert_eq!(store.lock(&info.id).await.expect("lock"), lock, "unchanged");
    }
    let extended = retained(
        BlobRetentionMode::Governance,
        until + Duration::from_secs(60),
    );
    store
        .set_lock(&info.id, extended, false)
        .await
        .expect("extending governance");
    store
        .set_lock(&info.id, shorter, true)
        .await
        .expect("shortening with bypass");
    assert_eq!(store.lock(&info.id).await.expect("lock"), shorter);
    assert_locked(store.delete(&info.id).await, &info.id, "still in force");
    store
        .set_lock(&info.id, BlobLock::default(), true)
        .await
        .expect("removing with bypass");
    store.delete(&info.id).await.expect("delete once removed");
    assert!(listed(&store).await.is_empty());

    // Governance may always be upgraded to compliance, which then holds.
    let info = put_bytes(&store, b"upgraded", 3).await;
    store.set_lock(&info.id, lock, false).await.expect("retain");
    let upgraded = retained(BlobRetentionMode::Compliance, until);
    store
        .set_lock(&info.id, upgraded, false)
        .await
        .expect("upgrade");
    assert_locked(
        store.set_lock(&info.id, BlobLock::default(), true).await,
        &info.id,
        "bypass does not reach compliance",
    );
}

pub async fn locks_are_per_blob(store: Store) {
    let locked = put_bytes(&store, b"locked", 3).await;
    let free = put_bytes(&store, b"free", 3).await;
    store
        .set_lock(&locked.id, hold(), false)
        .await
        .expect("hold");
    assert_eq!(
        store.lock(&free.id).await.expect("lock"),
        BlobLock::default()
    );
    store
        .delete(&free.id)
        .await
        .expect("an unlocked neighbour deletes");
    assert_eq!(listed(&store).await, vec![locked.id.clone()]);
    assert_intact(&store, &locked.id, b"locked").await;
}
