//! The in-memory backends pass the conformance suite.

use std::sync::Arc;

use rampart_store::memory::{MemoryBlobStore, MemoryMetaStore};
use rampart_store::{BlobStore, MetaStore};

async fn fresh_meta() -> (Arc<dyn MetaStore>, ()) {
    (Arc::new(MemoryMetaStore::new()), ())
}

async fn fresh_blobs() -> (Arc<dyn BlobStore>, ()) {
    (Arc::new(MemoryBlobStore::new()), ())
}

rampart_store::meta_conformance_tests!(memory_meta, fresh_meta());
rampart_store::blob_conformance_tests!(memory_blob, fresh_blobs());
