//! ListObjects / ListObjectsV2: keys in UTF-8 byte order, rolled up into common prefixes at a
//! delimiter. A common prefix costs one seek, not a scan of every key under it.

use rampart_store::ScanRange;
use rampart_types::BucketName;

use crate::records::decode;
use crate::{Engine, EngineError, ObjectRecord, keys};

#[derive(Clone, Debug, Default)]
pub struct ListObjectsParams {
    pub prefix: String,
    /// `None` (or empty) lists flat.
    pub delimiter: Option<String>,
    /// List keys (and common prefixes) strictly after this one: `marker`, `start-after`, or a
    /// decoded continuation token.
    pub start_after: Option<String>,
    pub max_keys: usize,
}

#[derive(Clone, Debug)]
pub enum ListEntry {
    Object {
        key: String,
        record: Box<ObjectRecord>,
    },
    CommonPrefix(String),
}

#[derive(Clone, Debug, Default)]
pub struct ListObjectsPage {
    /// Objects and common prefixes in key order.
    pub entries: Vec<ListEntry>,
    pub is_truncated: bool,
}

impl ListObjectsPage {
    /// The key or common prefix a following page starts after.
    pub fn last_name(&self) -> Option<&str> {
        self.entries.last().map(|e| match e {
            ListEntry::Object { key, .. } => key.as_str(),
            ListEntry::CommonPrefix(p) => p.as_str(),
        })
    }
}

/// Every key under a common prefix sorts below `prefix + 0xFF`: UTF-8 never contains 0xFF.
const PAST_PREFIX: u8 = 0xFF;

impl Engine {
    pub async fn list_objects(
        &self,
        bucket: &BucketName,
        params: &ListObjectsParams,
    ) -> Result<ListObjectsPage, EngineError> {
        self.bucket(bucket).await?;
        let mut page = ListObjectsPage::default();
        if params.max_keys == 0 {
            return Ok(page);
        }
        let base = keys::objects_prefix(bucket);
        let prefix = params.prefix.as_str();
        let delimiter = params.delimiter.as_deref().filter(|d| !d.is_empty());
        let start_after = params.start_after.as_deref().filter(|s| !s.is_empty());
        let full = ScanRange::prefix(&[base.as_slice(), prefix.as_bytes()].concat());
        let mut range = match start_after {
            Some(after) if after >= prefix => {
                full.resume_after(&[base.as_slice(), after.as_bytes()].concat())
            }
            _ => full.clone(),
        };

        'scan: loop {
            let batch_size = (params.max_keys - page.entries.len() + 1).clamp(16, 1000);
            let batch = self.meta.scan(&range, batch_size).await?;
            let Some((last_scanned, _)) = batch.last() else {
                break;
            };
            let mut next = full.resume_after(last_scanned);
            for (raw_key, record) in &batch {
                let key = std::str::from_utf8(&raw_key[base.len()..]).map_err(|_| {
                    EngineError::Internal("a stored object key is not UTF-8".into())
                })?;
                let rolled_up = delimiter.and_then(|d| {
                    let rest = key.get(prefix.len()..)?;
                    rest.find(d).map(|i| &key[..prefix.len() + i + d.len()])
                });
                if let Some(common) = rolled_up {
                    // A prefix at or before the marker was returned by an earlier page.
                    if start_after.is_none_or(|after| common > after) {
                        if page.entries.len() == params.max_keys {
                            page.is_truncated = true;
                            break 'scan;
                        }
                        page.entries
                            .push(ListEntry::CommonPrefix(common.to_owned()));
                    }
                    let mut skip = [base.as_slice(), common.as_bytes()].concat();
                    skip.push(PAST_PREFIX);
                    next = ScanRange {
                        start: skip,
                        end: full.end.clone(),
                    };
                    break;
                }
                if page.entries.len() == params.max_keys {
                    page.is_truncated = true;
                    break 'scan;
                }
                page.entries.push(ListEntry::Object {
                    key: key.to_owned(),
                    record: Box::new(decode(&record.value)?),
                });
            }
            range = next;
        }
        Ok(page)
    }
}
