//! ListObjectVersions: every version of every key in key order, newest first within a key,
//! merged from the current objects (`o/`) and the other versions (`v/`), rolled up into common
//! prefixes at a delimiter.

use std::collections::VecDeque;

use rampart_store::{Record, ScanRange};
use rampart_types::BucketName;

use crate::records::decode;
use crate::versioning::{
    DeleteMarker, NULL_VERSION_ID, VersionEntry, key_versions_prefix, object_key_of_version,
    seq_of_version_id, version_key, versions_prefix,
};
use crate::{Engine, EngineError, ObjectRecord, keys};

#[derive(Clone, Debug, Default)]
pub struct ListVersionsParams {
    pub prefix: String,
    pub delimiter: Option<String>,
    pub key_marker: Option<String>,
    pub version_id_marker: Option<String>,
    pub max_keys: usize,
}

#[derive(Clone, Debug)]
pub enum VersionListEntry {
    Version {
        key: String,
        record: Box<ObjectRecord>,
        is_latest: bool,
    },
    DeleteMarker {
        key: String,
        marker: DeleteMarker,
        is_latest: bool,
    },
    CommonPrefix(String),
}

#[derive(Clone, Debug, Default)]
pub struct ListVersionsPage {
    pub entries: Vec<VersionListEntry>,
    pub is_truncated: bool,
    pub next_key_marker: Option<String>,
    pub next_version_id_marker: Option<String>,
}

/// UTF-8 never contains 0xFF: every key under a common prefix sorts below `prefix + 0xFF`.
const PAST_PREFIX: u8 = 0xFF;
const BATCH: usize = 256;

/// One family of records, read a batch at a time.
struct Cursor {
    range: ScanRange,
    buffered: VecDeque<(Vec<u8>, Record)>,
    done: bool,
}

impl Cursor {
    fn new(range: ScanRange) -> Self {
        Self {
            range,
            buffered: VecDeque::new(),
            done: false,
        }
    }

    async fn peek(&mut self, engine: &Engine) -> Result<Option<&(Vec<u8>, Record)>, EngineError> {
        if self.buffered.is_empty() && !self.done {
            let batch = engine.meta.scan(&self.range, BATCH).await?;
            self.done = batch.len() < BATCH;
            if let Some((last, _)) = batch.last() {
                self.range = self.range.resume_after(last);
            }
            self.buffered.extend(batch);
        }
        Ok(self.buffered.front())
    }

    fn skip_to(&mut self, start: Vec<u8>) {
        self.buffered.retain(|(k, _)| *k >= start);
        if self.buffered.is_empty() && start > self.range.start {
            self.range.start = start;
        }
    }
}

impl Engine {
    pub async fn list_object_versions(
        &self,
        bucket: &BucketName,
        params: &ListVersionsParams,
    ) -> Result<ListVersionsPage, EngineError> {
        self.bucket(bucket).await?;
        let mut page = ListVersionsPage::default();
        if params.max_keys == 0 {
            return Ok(page);
        }
        let prefix = params.prefix.as_str();
        let delimiter = params.delimiter.as_deref().filter(|d| !d.is_empty());
        let o_base = keys::objects_prefix(bucket);
        let v_base = versions_prefix(bucket);
        let o_full = ScanRange::prefix(&[o_base.as_slice(), prefix.as_bytes()].concat());
        let v_full = ScanRange::prefix(&[v_base.as_slice(), prefix.as_bytes()].concat());
        let marker = params.key_marker.as_deref().filter(|m| !m.is_empty());
        let mut objects = Cursor::new(match marker {
            Some(k) => o_full.resume_after(&keys::object(bucket, k)),
            None => o_full.clone(),
        });
        let v_start = match (marker, params.version_id_marker.as_deref()) {
            (None, _) => v_full.clone(),
            (Some(k), None) => ScanRange {
                start: ScanRange::prefix(&key_versions_prefix(bucket, k))
                    .end
                    .unwrap_or_default(),
                end: v_full.end.clone(),
            },
            (Some(k), Some(v)) => {
                let after = if v == NULL_VERSION_ID {
                    match self
                        .meta
                        .get(&crate::versioning::null_version_key(bucket, k))
                        .await?
                    {
                        Some(r) => Some(r.value.to_vec()),
                        None => None,
                    }
                } else {
                    seq_of_version_id(v).map(|seq| version_key(bucket, k, seq))
                };
                match after {
                    Some(after) => v_full.resume_after(&after),
                    // The marker is the key's current version: its other versions follow.
                    None => ScanRange {
                        start: key_versions_prefix(bucket, k),
                        end: v_full.end.clone(),
                    },
                }
            }
        };
        let mut versions = Cursor::new(ScanRange {
            start: v_start.start.max(v_full.start.clone()),
            end: v_full.end.clone(),
        });
        // The key whose latest version was already listed (on this page or, when resuming
        // inside a key, an earlier one).
        let mut latest_listed: Option<String> = params
            .version_id_marker
            .as_ref()
            .and(marker.map(str::to_owned));

        loop {
            let o_key = match objects.peek(self).await? {
                Some((k, _)) => Some(key_of(&k[o_base.len()..])?),
                None => None,
            };
            let v_key = match versions.peek(self).await? {
                Some((k, _)) => Some(
                    object_key_of_version(bucket, k)
                        .ok_or_else(|| EngineError::Internal("a malformed version key".into()))?,
                ),
                None => None,
            };
            let (key, from_objects) = match (o_key, v_key) {
                (None, None) => break,
                (Some(o), None) => (o, true),
                (None, Some(v)) => (v, false),
                (Some(o), Some(v)) => {
                    if o <= v {
                        (o, true)
                    } else {
                        (v, false)
                    }
                }
            };
            let rolled_up = delimiter.and_then(|d| {
                let rest = key.get(prefix.len()..)?;
                rest.find(d)
                    .map(|i| key[..prefix.len() + i + d.len()].to_owned())
            });
            if page.entries.len() == params.max_keys {
                page.is_truncated = true;
                break;
            }
            if let Some(common) = rolled_up {
                if marker.is_none_or(|m| common.as_str() > m) {
                    page.entries
                        .push(VersionListEntry::CommonPrefix(common.clone()));
                }
                let mut past_o = [o_base.as_slice(), common.as_bytes()].concat();
                past_o.push(PAST_PREFIX);
                let mut past_v = [v_base.as_slice(), common.as_bytes()].concat();
                past_v.push(PAST_PREFIX);
                objects.skip_to(past_o);
                versions.skip_to(past_v);
                continue;
            }
            let is_latest = latest_listed.as_deref() != Some(key.as_str());
            latest_listed = Some(key.clone());
            let (_, record) = if from_objects {
                objects.buffered.pop_front()
            } else {
                versions.buffered.pop_front()
            }
            .ok_or_else(|| EngineError::Internal("a listed record vanished".into()))?;
            page.entries.push(if from_objects {
                VersionListEntry::Version {
                    key,
                    record: Box::new(decode(&record.value)?),
                    is_latest,
                }
            } else {
                match decode::<VersionEntry>(&record.value)? {
                    VersionEntry::Object(o) => VersionListEntry::Version {
                        key,
                        record: o,
                        is_latest,
                    },
                    VersionEntry::DeleteMarker(m) => VersionListEntry::DeleteMarker {
                        key,
                        marker: m,
                        is_latest,
                    },
                }
            });
        }
        if page.is_truncated {
            match page.entries.last() {
                Some(VersionListEntry::Version { key, record, .. }) => {
                    page.next_key_marker = Some(key.clone());
                    page.next_version_id_marker = Some(
                        record
                            .version_id
                            .clone()
                            .unwrap_or_else(|| NULL_VERSION_ID.to_owned()),
                    );
                }
                Some(VersionListEntry::DeleteMarker { key, marker, .. }) => {
                    page.next_key_marker = Some(key.clone());
                    page.next_version_id_marker = Some(
                        marker
                            .version_id
                            .clone()
                            .unwrap_or_else(|| NULL_VERSION_ID.to_owned()),
                    );
                }
                Some(VersionListEntry::CommonPrefix(p)) => page.next_key_marker = Some(p.clone()),
                None => {}
            }
        }
        Ok(page)
    }
}

fn key_of(raw: &[u8]) -> Result<String, EngineError> {
    String::from_utf8(raw.to_vec())
        .map_err(|_| EngineError::Internal("a stored object key is not UTF-8".into()))
}
