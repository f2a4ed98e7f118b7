use std::time::Duration;

use gated::GatedMeta;

use super::*;
use crate::assert_iam_err;

/// A MetaStore whose commits wait until the test opens a gate.
mod gated {
    use std::sync::Arc;

    use async_trait::async_trait;
    use rampart_store::memory::MemoryMetaStore;
    use rampart_store::{MetaStore, Record, RecordVersion, Result, ScanRange, Txn};

    pub struct GatedMeta {
        pub inner: MemoryMetaStore,
        pub open: tokio::sync::watch::Sender<bool>,
    }

    impl GatedMeta {
        pub fn new() -> Arc<Self> {
            Arc::new(Self {
                inner: MemoryMetaStore::new(),
                open: tokio::sync::watch::channel(true).0,
            })
        }
    }

    #[async_trait]
    impl MetaStore for GatedMeta {
        async fn get(&self, key: &[u8]) -> Result<Option<Record>> {
            self.inner.get(key).await
        }

        async fn scan(&self, range: &ScanRange, limit: usize) -> Result<Vec<(Vec<u8>, Record)>> {
            self.inner.scan(range, limit).await
        }

        async fn commit(&self, txn: Txn) -> Result<RecordVersion> {
            let mut open = self.open.subscribe();
            open.wait_for(|o| *o)
                .await
                .expect("the gate lives as long as the store");
            self.inner.commit(txn).await
        }
    }
}

#[tokio::test]
async fn an_abandoned_change_still_reaches_the_snapshot() {
    let meta = GatedMeta::new();
    let master = Arc::new(rampart_crypto::MasterKey::generate());
    let store = IdentityStore::open(meta.clone(), master, "team", boot_key())
        .await
        .unwrap();
    let acct = store.root_account().id.clone();
    store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    let (key, _) = store.create_access_key(&acct, Some("alice")).await.unwrap();

    // The caller gives up while the commit waits.
    meta.open.send_replace(false);
    let abandoned = tokio::time::timeout(
        Duration::from_millis(50),
        store.delete_access_key(&acct, Some("alice"), key.id.as_str()),
    )
    .await;
    assert!(abandoned.is_err());
    assert!(store.resolve_access_key(key.id.as_str()).is_some());
    meta.open.send_replace(true);
    // The next change waits for the abandoned one, which has been applied.
    store.create_group(&acct, "g", "/").await.unwrap();
    assert!(store.resolve_access_key(key.id.as_str()).is_none());
}

#[tokio::test]
async fn concurrent_creations_of_one_name_make_one_user() {
    let env = Env::new().await;
    let store = Arc::new(env.store);
    let acct = store.root_account().id.clone();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (store, acct) = (store.clone(), acct.clone());
        let name = if i % 2 == 0 { "alice" } else { "ALICE" };
        tasks.push(tokio::spawn(async move {
            store.create_user(&acct, name, "/", vec![]).await
        }));
    }
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            other => assert_iam_err!(other, EntityAlreadyExists),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(store.list_users(&acct, "").len(), 1);
}
