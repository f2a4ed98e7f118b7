//! Reading an object's tag set and part list without touching its data.

use rampart_types::BucketName;

use crate::tagging::TagSet;
use crate::{Engine, EngineError, PartRef};

impl Engine {
    /// A version's tags (the latest, or the one `version_id` names).
    pub async fn object_tags(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<TagSet, EngineError> {
        Ok(self.object_version(bucket, key, version_id).await?.tags)
    }

    /// The parts of a multipart object (GetObjectAttributes); `None` for a single-PUT object.
    pub async fn object_parts(
        &self,
        record: &crate::ObjectRecord,
    ) -> Result<Option<Vec<PartRef>>, EngineError> {
        match &record.data {
            crate::records::DataRef::Parts { manifest, .. } => {
                Ok(Some(self.manifest(manifest).await?))
            }
            _ => Ok(None),
        }
    }
}
