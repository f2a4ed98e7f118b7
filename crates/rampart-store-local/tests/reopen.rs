//! Both metadata backends keep records and the commit counter across a close and reopen.

use bytes::Bytes;
use rampart_store::{Expect, Record, ScanRange, Txn};
use rampart_store_local::{MetaBackend, open_meta};

async fn survives_reopen(backend: MetaBackend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("meta");
    let store = open_meta(backend, &path).expect("open");
    let v1 = store
        .commit(Txn::new().put(b"a".to_vec(), "1").put(b"b".to_vec(), "2"))
        .await
        .expect("commit");
    let v2 = store
        .commit(Txn::new().put(b"gone".to_vec(), "x"))
        .await
        .expect("commit");
    let v3 = store
        .commit(Txn::new().delete(b"gone".to_vec()))
        .await
        .expect("commit");
    assert!(v1 < v2 && v2 < v3);
    drop(store);

    let store = open_meta(backend, &path).expect("reopen");
    let all = store
        .scan(&ScanRange::prefix(b""), 100)
        .await
        .expect("scan");
    assert_eq!(
        all,
        vec![
            (
                b"a".to_vec(),
                Record {
                    value: Bytes::from_static(b"1"),
                    version: v1
                }
            ),
            (
                b"b".to_vec(),
                Record {
                    value: Bytes::from_static(b"2"),
                    version: v1
                }
            ),
        ]
    );
    // The counter survived even though the last commit only deleted: no version is reused.
    let v4 = store
        .commit(
            Txn::new()
                .check(b"gone".to_vec(), Expect::Absent)
                .put(b"gone".to_vec(), "y"),
        )
        .await
        .expect("commit");
    assert!(v4 > v3, "{v4} after {v3}");
}

#[tokio::test]
async fn redb_survives_reopen() {
    survives_reopen(MetaBackend::Redb).await;
}

#[tokio::test]
async fn sled_survives_reopen() {
    survives_reopen(MetaBackend::Sled).await;
}

#[tokio::test]
async fn a_second_open_of_a_live_store_fails_cleanly() {
    for backend in [MetaBackend::Redb, MetaBackend::Sled] {
        let dir = tempfile::tempdir().expect("temp dir");
        let _store = open_meta(backend, dir.path()).expect("open");
        assert!(
            open_meta(backend, dir.path()).is_err(),
            "{backend}: the engine's lock holds"
        );
    }
}
