//! Every embedded backend passes the conformance suite.

use std::sync::Arc;

use rampart_store::{BlobStore, MetaStore};
use rampart_store_local::{FsBlobStore, MetaBackend, open_meta};
use tempfile::TempDir;

async fn fresh_meta(backend: MetaBackend) -> (Arc<dyn MetaStore>, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_meta(backend, dir.path().join("meta")).expect("open");
    (store, dir)
}

async fn fresh_blobs() -> (Arc<dyn BlobStore>, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    (Arc::new(FsBlobStore::open(dir.path()).expect("open")), dir)
}

rampart_store::meta_conformance_tests!(redb, fresh_meta(MetaBackend::Redb));
rampart_store::meta_conformance_tests!(sled, fresh_meta(MetaBackend::Sled));
rampart_store::blob_conformance_tests!(fs, fresh_blobs());
