//! Rampart's embedded storage backends.
//!
//! - [`FsBlobStore`]: blobs as files under `<data>/blobs/xx/yy/<id>`, uploads in `<data>/tmp/`,
//!   a blob's Object Lock in `<id>.lock` beside it.
//! - [`RedbMetaStore`] and [`SledMetaStore`]: [`MetaStore`] on redb and on sled, each with group
//!   commit (concurrent commits share one sync; see `group_commit`).
//!
//! The binary selects a metadata backend by name with [`MetaBackend`] and [`open_meta`].

mod backend;
mod fs_blob;
mod fs_lock;
mod group_commit;
mod record;
mod redb_meta;
mod sled_meta;

pub use backend::{MetaBackend, open_blobs, open_meta};
pub use fs_blob::FsBlobStore;
pub use redb_meta::RedbMetaStore;
pub use sled_meta::SledMetaStore;

#[doc(no_inline)]
pub use rampart_store::{BlobStore, MetaStore};
