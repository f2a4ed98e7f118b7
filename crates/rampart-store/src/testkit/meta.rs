//! Conformance checks for [`MetaStore`]. Each takes a fresh, empty store and panics on failure.

use std::sync::Arc;

use bytes::Bytes;

use super::pattern;
use crate::{Expect, MetaStore, Record, RecordVersion, ScanRange, StoreError, Txn};

type Store = Arc<dyn MetaStore>;

async fn put(store: &Store, key: &[u8], value: &[u8]) -> RecordVersion {
    store
        .commit(Txn::new().put(key, Bytes::copy_from_slice(value)))
        .await
        .expect("unconditional put")
}

async fn value_of(store: &Store, key: &[u8]) -> Option<Bytes> {
    store.get(key).await.expect("get").map(|r| r.value)
}

async fn scan_all(store: &Store, range: &ScanRange) -> Vec<(Vec<u8>, Record)> {
    store.scan(range, usize::MAX).await.expect("scan")
}

fn keys(records: &[(Vec<u8>, Record)]) -> Vec<Vec<u8>> {
    records.iter().map(|(k, _)| k.clone()).collect()
}

fn everything() -> ScanRange {
    ScanRange {
        start: Vec::new(),
        end: None,
    }
}

/// Asserts that `result` is a conflict naming `key`.
fn assert_conflict(result: crate::Result<RecordVersion>, key: &[u8]) {
    match result {
        Err(StoreError::Conflict { key: k }) => assert_eq!(k, key, "conflict names the wrong key"),
        other => panic!("expected a conflict on {key:?}, got {other:?}"),
    }
}

pub async fn get_put_delete(store: Store) {
    assert_eq!(store.get(b"k").await.expect("get"), None);
    let v1 = put(&store, b"k", b"one").await;
    assert!(v1 > 0, "zero is never a valid version");
    let rec = store.get(b"k").await.expect("get").expect("present");
    assert_eq!(
        rec,
        Record {
            value: Bytes::from_static(b"one"),
            version: v1
        }
    );

    let v2 = put(&store, b"k", b"two").await;
    assert!(v2 > v1);
    assert_eq!(value_of(&store, b"k").await.as_deref(), Some(&b"two"[..]));
    assert_eq!(
        value_of(&store, b"other").await,
        None,
        "a neighbour stays absent"
    );

    store
        .commit(Txn::new().delete(b"k".to_vec()))
        .await
        .expect("delete");
    assert_eq!(store.get(b"k").await.expect("get"), None);
}

pub async fn delete_absent_is_not_an_error(store: Store) {
    store
        .commit(Txn::new().delete(b"never".to_vec()))
        .await
        .expect("deleting an absent key succeeds");
    assert_eq!(store.get(b"never").await.expect("get"), None);
}

pub async fn versions_strictly_increase(store: Store) {
    let mut last = 0;
    for i in 0..20u32 {
        // Alternate keys so that the counter is global, not per key.
        let key = if i % 2 == 0 { &b"a"[..] } else { &b"b"[..] };
        let v = put(&store, key, &i.to_be_bytes()).await;
        assert!(v > last, "commit {i}: version {v} after {last}");
        assert_eq!(
            store.get(key).await.expect("get").expect("present").version,
            v
        );
        last = v;
    }
    // A multi-record commit stamps every record it writes with its one version.
    let v = store
        .commit(Txn::new().put(b"x".to_vec(), "1").put(b"y".to_vec(), "2"))
        .await
        .expect("commit");
    assert!(v > last);
    for key in [&b"x"[..], b"y"] {
        assert_eq!(
            store.get(key).await.expect("get").expect("present").version,
            v
        );
    }
    // A commit that only deletes still consumes a version.
    let d = store
        .commit(Txn::new().delete(b"x".to_vec()))
        .await
        .expect("delete");
    assert!(d > v);
    assert!(put(&store, b"z", b"").await > d);
}

pub async fn recreated_key_gets_a_new_version(store: Store) {
    let v1 = put(&store, b"k", b"v").await;
    store
        .commit(Txn::new().delete(b"k".to_vec()))
        .await
        .expect("delete");
    let v2 = put(&store, b"k", b"v").await;
    assert!(
        v2 > v1,
        "re-created key must not return to an old version (ABA)"
    );
    // A writer holding the old version must fail.
    assert_conflict(
        store
            .commit(
                Txn::new()
                    .check(b"k".to_vec(), Expect::Version(v1))
                    .put(b"k".to_vec(), "x"),
            )
            .await,
        b"k",
    );
}

pub async fn expect_absent(store: Store) {
    let v = store
        .commit(
            Txn::new()
                .check(b"k".to_vec(), Expect::Absent)
                .put(b"k".to_vec(), "a"),
        )
        .await
        .expect("Absent holds on a new key");
    assert_conflict(
        store
            .commit(
                Txn::new()
                    .check(b"k".to_vec(), Expect::Absent)
                    .put(b"k".to_vec(), "b"),
            )
            .await,
        b"k",
    );
    let rec = store.get(b"k").await.expect("get").expect("present");
    assert_eq!(
        rec,
        Record {
            value: Bytes::from_static(b"a"),
            version: v
        }
    );
    // After a delete the key is absent again.
    store
        .commit(Txn::new().delete(b"k".to_vec()))
        .await
        .expect("delete");
    store
        .commit(
            Txn::new()
                .check(b"k".to_vec(), Expect::Absent)
                .put(b"k".to_vec(), "c"),
        )
        .await
        .expect("Absent holds after a delete");
}

pub async fn expect_present(store: Store) {
    assert_conflict(
        store
            .commit(
                Txn::new()
                    .check(b"k".to_vec(), Expect::Present)
                    .put(b"k".to_vec(), "a"),
            )
            .await,
        b"k",
    );
    assert_eq!(store.get(b"k").await.expect("get"), None);
    put(&store, b"k", b"a").await;
    let v = store
        .commit(
            Txn::new()
                .check(b"k".to_vec(), Expect::Present)
                .put(b"k".to_vec(), "b"),
        )
        .await
        .expect("Present holds");
    let rec = store.get(b"k").await.expect("get").expect("present");
    assert_eq!(
        rec,
        Record {
            value: Bytes::from_static(b"b"),
            version: v
        }
    );
}

pub async fn expect_version(store: Store) {
    // No version matches an absent key.
    assert_conflict(
        store
            .commit(
                Txn::new()
                    .check(b"k".to_vec(), Expect::Version(1))
                    .put(b"k".to_vec(), "a"),
            )
            .await,
        b"k",
    );
    let v1 = put(&store, b"k", b"a").await;
    let v2 = store
        .commit(
            Txn::new()
                .check(b"k".to_vec(), Expect::Version(v1))
                .put(b"k".to_vec(), "b"),
        )
        .await
        .expect("the current version holds");
    for stale in [v1, v2 + 1, 0] {
        assert_conflict(
            store
                .commit(
                    Txn::new()
                        .check(b"k".to_vec(), Expect::Version(stale))
                        .put(b"k".to_vec(), "c"),
                )
                .await,
            b"k",
        );
    }
    let rec = store.get(b"k").await.expect("get").expect("present");
    assert_eq!(
        rec,
        Record {
            value: Bytes::from_static(b"b"),
            version: v2
        }
    );
}

pub async fn failed_commit_changes_nothing(store: Store) {
    let va = put(&store, b"a", b"1").await;
    let vb = put(&store, b"b", b"2").await;
    let before = scan_all(&store, &everything()).await;
    // The first check holds, the second fails: none of the ops may apply.
    let txn = Txn::new()
        .check(b"a".to_vec(), Expect::Version(va))
        .check(b"b".to_vec(), Expect::Absent)
        .put(b"a".to_vec(), "changed")
        .put(b"c".to_vec(), "new")
        .delete(b"b".to_vec());
    assert_conflict(store.commit(txn).await, b"b");
    assert_eq!(scan_all(&store, &everything()).await, before);
    // A failed commit does not advance the visible state's versions either: the next commit's
    // version is still greater than every existing one.
    let next = put(&store, b"d", b"").await;
    assert!(next > va.max(vb));
}

pub async fn multi_op_atomicity(store: Store) {
    put(&store, b"gone", b"x").await;
    let keys: Vec<Vec<u8>> = (0..50u32)
        .map(|i| format!("m/{i:03}").into_bytes())
        .collect();
    let mut txn = Txn::new()
        .check(b"gone".to_vec(), Expect::Present)
        .delete(b"gone".to_vec());
    for (i, k) in keys.iter().enumerate() {
        txn = txn
            .check(k.clone(), Expect::Absent)
            .put(k.clone(), format!("v{i}"));
    }
    let v = store.commit(txn).await.expect("commit");
    assert_eq!(store.get(b"gone").await.expect("get"), None);
    let all = scan_all(&store, &ScanRange::prefix(b"m/")).await;
    assert_eq!(super::meta::keys(&all), keys);
    for (i, (_, rec)) in all.iter().enumerate() {
        assert_eq!(rec.version, v);
        assert_eq!(rec.value, Bytes::from(format!("v{i}")));
    }
    // A concurrent reader sees all of a commit or none of it.
    let reader = {
        let store = store.clone();
        tokio::spawn(async move {
            for _ in 0..200 {
                let page = scan_all(&store, &ScanRange::prefix(b"m/")).await;
                let versions: Vec<_> = page.iter().map(|(_, r)| r.version).collect();
                assert!(
                    versions.windows(2).all(|w| w[0] == w[1]),
                    "a scan saw a half-applied commit"
                );
                tokio::task::yield_now().await;
            }
        })
    };
    for round in 0..10u32 {
        let mut txn = Txn::new();
        for k in &keys {
            txn = txn.put(k.clone(), round.to_be_bytes().to_vec());
        }
        store.commit(txn).await.expect("commit");
    }
    reader.await.expect("reader task");
}

pub async fn put_then_delete_same_key(store: Store) {
    put(&store, b"k", b"old").await;
    store
        .commit(Txn::new().put(b"k".to_vec(), "new").delete(b"k".to_vec()))
        .await
        .expect("commit");
    assert_eq!(
        store.get(b"k").await.expect("get"),
        None,
        "the delete came last"
    );
    store
        .commit(Txn::new().put(b"n".to_vec(), "1").delete(b"n".to_vec()))
        .await
        .expect("commit");
    assert_eq!(store.get(b"n").await.expect("get"), None);
}

pub async fn delete_then_put_same_key(store: Store) {
    put(&store, b"k", b"old").await;
    let v = store
        .commit(
            Txn::new()
                .delete(b"k".to_vec())
                .put(b"k".to_vec(), "new")
                .put(b"k".to_vec(), "newer"),
        )
        .await
        .expect("commit");
    let rec = store
        .get(b"k")
        .await
        .expect("get")
        .expect("the put came last");
    assert_eq!(
        rec,
        Record {
            value: Bytes::from_static(b"newer"),
            version: v
        }
    );
}

pub async fn checks_only_txn(store: Store) {
    let v = put(&store, b"k", b"v").await;
    store
        .commit(Txn::new().check(b"k".to_vec(), Expect::Version(v)))
        .await
        .expect("a txn of checks alone commits");
    assert_conflict(
        store
            .commit(Txn::new().check(b"k".to_vec(), Expect::Absent))
            .await,
        b"k",
    );
    assert_eq!(
        store
            .get(b"k")
            .await
            .expect("get")
            .expect("present")
            .version,
        v
    );
}

/// Many tasks increment one counter with compare-and-swap retries: no update may be lost.
pub async fn concurrent_read_modify_write(store: Store) {
    const TASKS: u64 = 16;
    const INCREMENTS: u64 = 15;
    put(&store, b"counter", &0u64.to_be_bytes()).await;
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut conflicts = 0u64;
            for _ in 0..INCREMENTS {
                loop {
                    let rec = store.get(b"counter").await.expect("get").expect("present");
                    let n = u64::from_be_bytes(rec.value[..].try_into().expect("8 bytes"));
                    let txn = Txn::new()
                        .check(b"counter".to_vec(), Expect::Version(rec.version))
                        .put(b"counter".to_vec(), (n + 1).to_be_bytes().to_vec())
                        .put(format!("log/{t:02}/{n:06}").into_bytes(), "");
                    match store.commit(txn).await {
                        Ok(_) => break,
                        Err(StoreError::Conflict { key }) => {
                            assert_eq!(key, b"counter");
                            conflicts += 1;
                        }
                        Err(e) => panic!("commit failed: {e}"),
                    }
                }
            }
            conflicts
        }));
    }
    for h in handles {
        h.await.expect("task");
    }
    let rec = store.get(b"counter").await.expect("get").expect("present");
    assert_eq!(
        u64::from_be_bytes(rec.value[..].try_into().expect("8 bytes")),
        TASKS * INCREMENTS
    );
    // Every increment logged a distinct counter value, so each value was taken exactly once.
    let log = scan_all(&store, &ScanRange::prefix(b"log/")).await;
    let mut seen: Vec<Vec<u8>> = log.iter().map(|(k, _)| k[7..].to_vec()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len() as u64, TASKS * INCREMENTS);
}

pub async fn concurrent_create_single_winner(store: Store) {
    let mut handles = Vec::new();
    for t in 0..16u32 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            store
                .commit(
                    Txn::new()
                        .check(b"once".to_vec(), Expect::Absent)
                        .put(b"once".to_vec(), t.to_string()),
                )
                .await
        }));
    }
    let mut winners = Vec::new();
    for h in handles {
        match h.await.expect("task") {
            Ok(v) => winners.push(v),
            Err(StoreError::Conflict { key }) => assert_eq!(key, b"once"),
            Err(e) => panic!("commit failed: {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one creator wins");
    assert_eq!(
        store
            .get(b"once")
            .await
            .expect("get")
            .expect("present")
            .version,
        winners[0]
    );
}

/// Keys whose byte order differs from naive string or signed-byte order.
fn tricky_keys() -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\x00".to_vec(),
        b"\x00\x00".to_vec(),
        b"\x00\xff".to_vec(),
        b"a".to_vec(),
        b"a\x00".to_vec(),
        b"a\x00b".to_vec(),
        b"a\x7f".to_vec(),
        b"a\x80".to_vec(),
        b"a\xff".to_vec(),
        b"a\xff\xff".to_vec(),
        b"ab".to_vec(),
        b"b".to_vec(),
        "\u{e9}".as_bytes().to_vec(),      // é: C3 A9
        "\u{ff}".as_bytes().to_vec(),      // ÿ: C3 BF
        "\u{20ac}".as_bytes().to_vec(),    // €: E2 82 AC
        "\u{1f600}".as_bytes().to_vec(),   // 😀: F0 9F 98 80
        "z\u{10ffff}".as_bytes().to_vec(), // the highest code point
        b"\x7f".to_vec(),
        b"\xff".to_vec(),
        b"\xff\x00".to_vec(),
        b"\xff\xff".to_vec(),
        b"\xff\xff\xff".to_vec(),
    ];
    keys.sort();
    keys
}

async fn put_keys(store: &Store, keys: &[Vec<u8>]) {
    // In several commits and in reverse order, so that insertion order cannot fake sorting.
    for chunk in keys.rchunks(5) {
        let mut txn = Txn::new();
        for k in chunk.iter().rev() {
            txn = txn.put(k.clone(), Bytes::copy_from_slice(k));
        }
        store.commit(txn).await.expect("commit");
    }
}

pub async fn scan_orders_by_raw_bytes(store: Store) {
    let keys = tricky_keys();
    put_keys(&store, &keys).await;
    let all = scan_all(&store, &everything()).await;
    assert_eq!(super::meta::keys(&all), keys);
    for (k, rec) in &all {
        assert_eq!(&rec.value[..], &k[..], "each key maps to its own value");
    }
}

pub async fn scan_prefix_ranges(store: Store) {
    let keys = tricky_keys();
    put_keys(&store, &keys).await;
    for prefix in [
        &b""[..],
        b"a",
        b"a\x00",
        b"a\xff",
        b"\x00",
        b"\xff",
        b"\xff\xff",
        b"\xc3",
        b"q",
    ] {
        let want: Vec<Vec<u8>> = keys
            .iter()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        let got = super::meta::keys(&scan_all(&store, &ScanRange::prefix(prefix)).await);
        assert_eq!(got, want, "prefix {prefix:?}");
    }
}

pub async fn scan_limits(store: Store) {
    let keys = tricky_keys();
    put_keys(&store, &keys).await;
    assert!(store.scan(&everything(), 0).await.expect("scan").is_empty());
    for limit in [1, 2, 7, keys.len(), keys.len() + 1] {
        let got = super::meta::keys(&store.scan(&everything(), limit).await.expect("scan"));
        assert_eq!(got, keys[..limit.min(keys.len())].to_vec(), "limit {limit}");
    }
    let got = store.scan(&ScanRange::prefix(b"a"), 3).await.expect("scan");
    assert_eq!(
        super::meta::keys(&got),
        vec![b"a".to_vec(), b"a\x00".to_vec(), b"a\x00b".to_vec()]
    );
}

pub async fn scan_pagination_reproduces_full_scan(store: Store) {
    let keys = tricky_keys();
    put_keys(&store, &keys).await;
    for range in [
        everything(),
        ScanRange::prefix(b"a"),
        ScanRange::prefix(b"\xff"),
    ] {
        let full = scan_all(&store, &range).await;
        for page_size in [1, 2, 3, 10] {
            let mut paged = Vec::new();
            let mut next = range.clone();
            loop {
                let page = store.scan(&next, page_size).await.expect("scan");
                assert!(page.len() <= page_size);
                let Some((last, _)) = page.last() else { break };
                next = range.resume_after(last);
                let done = page.len() < page_size;
                paged.extend(page);
                if done {
                    break;
                }
            }
            assert_eq!(paged, full, "page size {page_size} over {range:?}");
        }
    }
}

pub async fn scan_empty_ranges(store: Store) {
    assert!(
        scan_all(&store, &everything()).await.is_empty(),
        "an empty store scans empty"
    );
    put_keys(&store, &tricky_keys()).await;
    let empty = [
        ScanRange {
            start: b"a".to_vec(),
            end: Some(b"a".to_vec()),
        },
        ScanRange {
            start: b"b".to_vec(),
            end: Some(b"a".to_vec()),
        },
        ScanRange {
            start: b"\xff\xff\xff\x00".to_vec(),
            end: None,
        },
        ScanRange {
            start: b"c".to_vec(),
            end: Some(b"d".to_vec()),
        },
        ScanRange::prefix(b"nothing"),
    ];
    for range in empty {
        assert!(scan_all(&store, &range).await.is_empty(), "{range:?}");
    }
}

pub async fn scan_end_is_exclusive(store: Store) {
    put_keys(&store, &tricky_keys()).await;
    let range = ScanRange {
        start: b"a\x00".to_vec(),
        end: Some(b"a\xff".to_vec()),
    };
    assert_eq!(
        super::meta::keys(&scan_all(&store, &range).await),
        vec![
            b"a\x00".to_vec(),
            b"a\x00b".to_vec(),
            b"ab".to_vec(),
            b"a\x7f".to_vec(),
            b"a\x80".to_vec()
        ]
    );
    let range = ScanRange {
        start: b"".to_vec(),
        end: Some(b"\x00".to_vec()),
    };
    assert_eq!(
        super::meta::keys(&scan_all(&store, &range).await),
        vec![b"".to_vec()]
    );
}

pub async fn scan_carries_versions(store: Store) {
    let v1 = put(&store, b"s/1", b"a").await;
    let v2 = put(&store, b"s/2", b"b").await;
    let all = scan_all(&store, &ScanRange::prefix(b"s/")).await;
    assert_eq!(
        all,
        vec![
            (
                b"s/1".to_vec(),
                Record {
                    value: Bytes::from_static(b"a"),
                    version: v1
                }
            ),
            (
                b"s/2".to_vec(),
                Record {
                    value: Bytes::from_static(b"b"),
                    version: v2
                }
            ),
        ]
    );
}

pub async fn empty_and_large_values(store: Store) {
    let big = Bytes::from(pattern(7, 1 << 20));
    store
        .commit(
            Txn::new()
                .put(b"empty".to_vec(), Bytes::new())
                .put(b"big".to_vec(), big.clone()),
        )
        .await
        .expect("commit");
    assert_eq!(
        value_of(&store, b"empty").await,
        Some(Bytes::new()),
        "empty is not absent"
    );
    assert_eq!(value_of(&store, b"big").await, Some(big.clone()));
    let all = scan_all(&store, &everything()).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].1.value, big);
    assert!(all[1].1.value.is_empty());
    // Values with bytes that look like a version prefix survive too.
    put(&store, b"short", &[0, 0, 0, 0, 0, 0, 0, 1]).await;
    assert_eq!(
        value_of(&store, b"short").await.as_deref(),
        Some(&[0u8, 0, 0, 0, 0, 0, 0, 1][..])
    );
}

pub async fn read_after_write_from_another_task(store: Store) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(u32, RecordVersion)>(1);
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..50u32 {
                let v = put(&store, format!("raw/{i:03}").as_bytes(), &i.to_be_bytes()).await;
                tx.send((i, v)).await.expect("reader alive");
            }
        })
    };
    let reader = tokio::spawn(async move {
        while let Some((i, v)) = rx.recv().await {
            let rec = store
                .get(format!("raw/{i:03}").as_bytes())
                .await
                .expect("get")
                .expect("a committed write is visible to every later read");
            assert_eq!(rec.version, v);
            let n = store
                .scan(&ScanRange::prefix(b"raw/"), usize::MAX)
                .await
                .expect("scan")
                .len();
            // The writer may already be one commit ahead.
            assert!(n as u32 > i, "scan missed a committed record");
        }
    });
    writer.await.expect("writer");
    reader.await.expect("reader");
}
