//! Storage figures for metrics: bytes and objects per bucket, uploads in progress. Computed by
//! scanning the metadata (there are no running counters to drift), so callers sample them
//! periodically, not per request.

use rampart_types::BucketName;

use crate::records::decode;
use crate::versioning::{VersionEntry, versions_prefix};
use crate::{Engine, EngineError, ObjectRecord, keys};

/// What one bucket holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketUsage {
    pub bucket: String,
    /// Bytes of every stored version, current and noncurrent.
    pub bytes: u64,
    /// Current objects (what ListObjects counts).
    pub objects: u64,
}

impl Engine {
    /// Every bucket's usage.
    pub async fn storage_usage(&self) -> Result<Vec<BucketUsage>, EngineError> {
        let mut usage = Vec::new();
        for (key, _) in self.scan_all(keys::BUCKETS).await? {
            let Some(name) = keys::bucket_name_of(&key).and_then(|n| BucketName::parse(n).ok())
            else {
                continue;
            };
            let mut bucket = BucketUsage {
                bucket: name.to_string(),
                ..Default::default()
            };
            for (_, record) in self.scan_all(&keys::objects_prefix(&name)).await? {
                let object: ObjectRecord = decode(&record.value)?;
                bucket.bytes += object.size;
                bucket.objects += 1;
            }
            for (_, record) in self.scan_all(&versions_prefix(&name)).await? {
                if let VersionEntry::Object(object) = decode(&record.value)? {
                    bucket.bytes += object.size;
                }
            }
            usage.push(bucket);
        }
        Ok(usage)
    }

    /// Multipart uploads in progress, in every bucket.
    pub async fn uploads_in_progress(&self) -> Result<u64, EngineError> {
        Ok(self.scan_all(b"u/").await?.len() as u64)
    }
}
