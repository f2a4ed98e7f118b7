//! S3's semantics, free of any protocol: buckets, objects, listing, conditional and ranged
//! reads, over the [`rampart_store`] traits.
//!
//! The engine owns every invariant that makes the store look like S3: a 200 means the object's
//! bytes and record are durable; a reader sees an old or a new object whole; concurrent writers
//! to a key end with exactly one of them; buckets are only deleted empty.

pub mod acl;
mod body;
mod bucket;
mod bucket_config;
pub mod checksum;
mod conditions;
pub mod cors;
mod crc_combine;
mod error;
pub mod hash;
pub mod key_provider;
mod keys;
mod list;
mod list_versions;
mod lock_config;
pub mod logging;
pub mod multipart;
mod object;
pub mod object_lock;
mod public_access;
mod readers;
mod reclaim;
mod records;
pub mod sse;
mod sse_rewrap;
mod sse_stream;
mod stats;
pub mod tagging;
mod time;
pub mod versioning;

use std::sync::Arc;

use rampart_store::{BlobStore, MetaStore};

pub use bucket::{BucketSummary, CreateBucketOutcome, ListBucketsPage, ListBucketsParams};
pub use bucket_config::BucketConfigKind;
pub use conditions::{ReadConditions, WriteCondition};
pub use error::EngineError;
pub use hash::Md5;
pub use list::{ListEntry, ListObjectsPage, ListObjectsParams};
pub use list_versions::{ListVersionsPage, ListVersionsParams, VersionListEntry};
pub use object::{
    CopyObjectInput, CopySource, DeleteObjectOutcome, GetObjectOutput, HeadObjectOutput,
    MetadataDirective, PartRead, PutObjectInput, PutObjectOutput, ReadRequest, TaggingDirective,
};
pub use public_access::PublicAccessBlock;
pub use records::{BucketRecord, ContentHeaders, ObjectChecksum, ObjectRecord, PartRef};
pub use sse_rewrap::RewrapReport;
pub use stats::BucketUsage;
pub use time::Timestamp;

/// Limits that S3 documents and the engine enforces.
pub mod limits {
    /// The largest object a single PUT may upload (5 GiB).
    pub const MAX_PUT_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024;
    /// The largest object CopyObject may copy in one request (5 GiB).
    pub const MAX_COPY_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024;
    /// User-defined metadata: the UTF-8 bytes of every key and value together.
    pub const MAX_USER_METADATA_BYTES: usize = 2 * 1024;
    /// ListObjects and ListObjectsV2 return at most this many entries per page.
    pub const MAX_LIST_KEYS: usize = 1000;
    /// ListBuckets returns at most this many buckets per page.
    pub const MAX_LIST_BUCKETS: usize = 10_000;
    /// Objects up to this size are kept in the metadata store rather than as blob files: one
    /// durable commit instead of a file write, an fsync and a directory fsync.
    pub const INLINE_OBJECT_MAX: usize = 64 * 1024;
}

#[derive(Clone, Debug, Default)]
pub struct EngineConfig {
    /// The region every bucket lives in (this server serves one region).
    pub region: String,
    pub sse: sse::SseConfig,
}

/// The S3 engine. Cheap to clone; share one per server.
#[derive(Clone)]
pub struct Engine {
    meta: Arc<dyn MetaStore>,
    blobs: Arc<dyn BlobStore>,
    readers: Arc<readers::ReaderRegistry>,
    config: Arc<EngineConfig>,
}

impl Engine {
    pub fn new(meta: Arc<dyn MetaStore>, blobs: Arc<dyn BlobStore>, config: EngineConfig) -> Self {
        Self {
            meta,
            readers: readers::ReaderRegistry::new(blobs.clone()),
            blobs,
            config: Arc::new(config),
        }
    }

    pub fn region(&self) -> &str {
        &self.config.region
    }

    /// Every record under `prefix`, read page by page: for collections that are small or read
    /// whole anyway (an upload's parts, a bucket's uploads, start-up recovery).
    pub(crate) async fn scan_all(
        &self,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, rampart_store::Record)>, EngineError> {
        let all = rampart_store::ScanRange::prefix(prefix);
        let mut range = all.clone();
        let mut records = Vec::new();
        loop {
            let page = self.meta.scan(&range, 1000).await?;
            let Some((last, _)) = page.last() else {
                return Ok(records);
            };
            range = all.resume_after(last);
            records.extend(page);
        }
    }

    /// Deletes blobs that a crash left without a referencing record. Only blobs created before
    /// `cutoff` (the server's start) are considered, so uploads in flight are never touched.
    pub async fn reclaim_orphaned_blobs(
        &self,
        cutoff: std::time::SystemTime,
    ) -> Result<usize, EngineError> {
        reclaim::orphaned_blobs(self, cutoff).await
    }
}
