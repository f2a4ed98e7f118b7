//! ListParts and ListMultipartUploads.

use rampart_store::ScanRange;
use rampart_types::BucketName;

use super::{MAX_LIST_ENTRIES, PartRecord, UploadRecord};
use crate::records::decode;
use crate::{Engine, EngineError, keys};

pub struct ListPartsPage {
    pub upload: UploadRecord,
    pub parts: Vec<PartRecord>,
    pub is_truncated: bool,
    /// The last part number returned, when more remain.
    pub next_marker: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct ListUploadsParams {
    pub prefix: String,
    pub delimiter: Option<String>,
    pub key_marker: Option<String>,
    pub upload_id_marker: Option<String>,
    pub max_uploads: usize,
}

#[derive(Clone, Debug)]
pub enum UploadListEntry {
    Upload(Box<UploadRecord>),
    CommonPrefix(String),
}

#[derive(Clone, Debug, Default)]
pub struct ListUploadsPage {
    pub entries: Vec<UploadListEntry>,
    pub is_truncated: bool,
    pub next_key_marker: Option<String>,
    pub next_upload_id_marker: Option<String>,
}

/// Keys sort below `key + 0xFF`: UTF-8 never contains 0xFF.
const PAST_PREFIX: u8 = 0xFF;

impl Engine {
    pub async fn list_parts(
        &self,
        bucket: &BucketName,
        key: &str,
        upload_id: &str,
        part_number_marker: u32,
        max_parts: usize,
    ) -> Result<ListPartsPage, EngineError> {
        self.bucket(bucket).await?;
        let (upload, _) = self.active_upload(bucket, key, upload_id).await?;
        let max = max_parts.min(MAX_LIST_ENTRIES);
        let all = ScanRange::prefix(&keys::parts_prefix(upload_id));
        let range = if part_number_marker > 0 {
            all.resume_after(&keys::part(upload_id, part_number_marker))
        } else {
            all
        };
        // One more than asked for tells whether the list is truncated.
        let page = self.meta.scan(&range, max + 1).await?;
        let is_truncated = page.len() > max;
        let parts = page
            .iter()
            .take(max)
            .map(|(_, r)| decode::<PartRecord>(&r.value))
            .collect::<Result<Vec<_>, _>>()?;
        let next_marker = is_truncated
            .then(|| parts.last().map(|p| p.number))
            .flatten();
        Ok(ListPartsPage {
            upload,
            parts,
            is_truncated,
            next_marker,
        })
    }

    pub async fn list_multipart_uploads(
        &self,
        bucket: &BucketName,
        params: &ListUploadsParams,
    ) -> Result<ListUploadsPage, EngineError> {
        self.bucket(bucket).await?;
        let mut page = ListUploadsPage::default();
        let max = params.max_uploads.min(MAX_LIST_ENTRIES);
        if max == 0 {
            return Ok(page);
        }
        let base = keys::uploads_prefix(bucket);
        let prefix = params.prefix.as_str();
        let delimiter = params.delimiter.as_deref().filter(|d| !d.is_empty());
        let full = ScanRange::prefix(&[base.as_slice(), prefix.as_bytes()].concat());
        let key_marker = params.key_marker.as_deref().filter(|m| !m.is_empty());
        let mut range = match (key_marker, params.upload_id_marker.as_deref()) {
            // After that upload of the marker key.
            (Some(k), Some(id)) if !id.is_empty() => {
                full.resume_after(&keys::upload(bucket, k, id))
            }
            // After every upload of the marker key.
            (Some(k), _) => ScanRange {
                start: [base.as_slice(), k.as_bytes(), b"\x01"].concat(),
                end: full.end.clone(),
            },
            (None, _) => full.clone(),
        };
        if range.start < full.start {
            range.start = full.start.clone();
        }
        'scan: loop {
            let batch = self.meta.scan(&range, 256).await?;
            let Some((last, _)) = batch.last() else {
                break;
            };
            let mut next = full.resume_after(last);
            for (_, record) in &batch {
                let upload: UploadRecord = decode(&record.value)?;
                let rolled_up = delimiter.and_then(|d| {
                    let rest = upload.key.get(prefix.len()..)?;
                    rest.find(d)
                        .map(|i| upload.key[..prefix.len() + i + d.len()].to_owned())
                });
                if let Some(common) = rolled_up {
                    if key_marker.is_none_or(|m| common.as_str() > m) {
                        if page.entries.len() == max {
                            page.is_truncated = true;
                            break 'scan;
                        }
                        page.next_key_marker = Some(common.clone());
                        page.next_upload_id_marker = None;
                        page.entries
                            .push(UploadListEntry::CommonPrefix(common.clone()));
                    }
                    let mut skip = [base.as_slice(), common.as_bytes()].concat();
                    skip.push(PAST_PREFIX);
                    next = ScanRange {
                        start: skip,
                        end: full.end.clone(),
                    };
                    break;
                }
                if page.entries.len() == max {
                    page.is_truncated = true;
                    break 'scan;
                }
                page.next_key_marker = Some(upload.key.clone());
                page.next_upload_id_marker = Some(upload.upload_id.clone());
                page.entries.push(UploadListEntry::Upload(Box::new(upload)));
            }
            range = next;
        }
        if !page.is_truncated {
            page.next_key_marker = None;
            page.next_upload_id_marker = None;
        }
        Ok(page)
    }
}
