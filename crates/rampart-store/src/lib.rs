//! The storage contract of Rampart.
//!
//! Two traits carry every byte and every record the server keeps:
//! - [`MetaStore`]: ordered key-value records with range scans and atomic, conditional
//!   multi-record commits. Nothing in it needs an embedded engine, so a SQL database can
//!   implement it for multi-node deployments.
//! - [`BlobStore`]: immutable blobs written once from a byte stream, read by range as a stream,
//!   each with an Object Lock ([`BlobLock`]) that the store itself enforces on delete.
//!
//! Backends are injected as `Arc<dyn MetaStore>` / `Arc<dyn BlobStore>`. Every backend runs
//! [`testkit`] (feature `testkit`) from its own tests.

mod blob;
mod error;
mod lock;
pub mod memory;
mod meta;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use blob::{BlobId, BlobInfo, BlobStore, ByteStream};
pub use error::StoreError;
pub use lock::{BlobLock, BlobRetention, BlobRetentionMode, check_delete, check_lock_change};
pub use meta::{Expect, MetaStore, Op, Record, RecordVersion, ScanRange, Txn, key_successor};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
