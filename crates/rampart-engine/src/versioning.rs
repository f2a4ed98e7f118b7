//! Versioning: the bucket's state, version ids, and where versions live.
//!
//! The current version of a key stays where every reader looks for it, `o/<bucket>/<key>`
//! (so GET, HEAD and ListObjects cost the same with 10,000 versions as with one). Every other
//! version — noncurrent objects and all delete markers — is a [`VersionEntry`] at
//! `v/<bucket>/<key>\0<inverted sequence>`, so one key's versions scan newest first and right
//! after the key's own position in the bucket's order. A key whose latest version is a delete
//! marker has no `o/` record; its newest `v/` entry is that marker. `n/<bucket>/<key>` names the
//! `v/` entry of the key's `null` version when that version is noncurrent, so a write in a
//! suspended bucket finds the `null` version it replaces without a scan.

use rampart_store::{Expect, ScanRange, Txn};
use rampart_types::{BucketName, Owner};
use serde::{Deserialize, Serialize};

use crate::records::{decode, encode};
use crate::{Engine, EngineError, ObjectRecord, Timestamp};

/// A bucket's versioning state. A bucket never returns to `Unversioned`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Versioning {
    #[default]
    Unversioned,
    Enabled,
    Suspended,
}

impl Versioning {
    /// The `Status` GetBucketVersioning reports (`None` before versioning was ever set).
    pub fn status(self) -> Option<&'static str> {
        match self {
            Self::Unversioned => None,
            Self::Enabled => Some("Enabled"),
            Self::Suspended => Some("Suspended"),
        }
    }
}

/// The version id S3 shows for the `null` version.
pub const NULL_VERSION_ID: &str = "null";

/// A version that is not the current object: a noncurrent object or a delete marker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VersionEntry {
    Object(Box<ObjectRecord>),
    DeleteMarker(DeleteMarker),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteMarker {
    /// `None`: the `null` version.
    pub version_id: Option<String>,
    pub seq: u64,
    pub last_modified: Timestamp,
    pub owner: Owner,
}

impl VersionEntry {
    pub fn version_id(&self) -> Option<&str> {
        match self {
            Self::Object(o) => o.version_id.as_deref(),
            Self::DeleteMarker(m) => m.version_id.as_deref(),
        }
    }

    pub(crate) fn seq(&self) -> u64 {
        match self {
            Self::Object(o) => o.order_seq(),
            Self::DeleteMarker(m) => m.seq,
        }
    }
}

/// A new write's sequence: after every earlier write of the key and, as far as the clock
/// allows, the current time in microseconds.
pub(crate) fn next_seq(after: u64) -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    now.max(after.saturating_add(1))
}

/// A version id for sequence `seq`: opaque to clients, unique (random tail), and naming its
/// own `v/` position.
pub(crate) fn new_version_id(seq: u64) -> String {
    let mut tail = [0u8; 8];
    getrandom::fill(&mut tail).expect("the operating system's random source failed");
    format!("{seq:016x}{}", hex_lower(&tail))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The sequence a (non-null) version id names.
pub(crate) fn seq_of_version_id(id: &str) -> Option<u64> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(&id[..16], 16).ok()
}

pub(crate) fn versions_prefix(bucket: &BucketName) -> Vec<u8> {
    [b"v/", bucket.as_str().as_bytes(), b"/"].concat()
}

pub(crate) fn key_versions_prefix(bucket: &BucketName, key: &str) -> Vec<u8> {
    [versions_prefix(bucket).as_slice(), key.as_bytes(), b"\0"].concat()
}

pub(crate) fn version_key(bucket: &BucketName, key: &str, seq: u64) -> Vec<u8> {
    let mut k = key_versions_prefix(bucket, key);
    k.extend_from_slice(format!("{:016x}", u64::MAX - seq).as_bytes());
    k
}

pub(crate) fn null_version_key(bucket: &BucketName, key: &str) -> Vec<u8> {
    [b"n/", bucket.as_str().as_bytes(), b"/", key.as_bytes()].concat()
}

/// The object key a `v/` record key belongs to.
pub(crate) fn object_key_of_version(bucket: &BucketName, record_key: &[u8]) -> Option<String> {
    let rest = record_key.strip_prefix(versions_prefix(bucket).as_slice())?;
    let split = rest.len().checked_sub(17)?;
    (rest[split] == 0)
        .then(|| String::from_utf8(rest[..split].to_vec()).ok())
        .flatten()
}

impl Engine {
    /// The versioning state of `bucket`.
    pub async fn bucket_versioning(&self, bucket: &BucketName) -> Result<Versioning, EngineError> {
        Ok(self.bucket(bucket).await?.versioning)
    }

    /// PutBucketVersioning: `Enabled` or `Suspended` (a bucket never returns to
    /// unversioned), and MFA Delete on or off. `None` leaves a setting as it is. The caller
    /// has checked the MFA the change needs.
    pub async fn set_bucket_versioning(
        &self,
        bucket: &BucketName,
        state: Option<Versioning>,
        mfa_delete: Option<bool>,
    ) -> Result<(), EngineError> {
        if state == Some(Versioning::Unversioned) {
            return Err(EngineError::MalformedXml);
        }
        self.update_bucket_record(bucket, |record| {
            let new_state = state.unwrap_or(record.versioning);
            if record.object_lock.is_some() && new_state != Versioning::Enabled {
                return Err(EngineError::InvalidBucketState(
                    "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
                ));
            }
            let new_mfa = mfa_delete.unwrap_or(record.mfa_delete);
            if record.versioning == new_state && record.mfa_delete == new_mfa {
                return Ok(false);
            }
            record.versioning = new_state;
            record.mfa_delete = new_mfa;
            Ok(true)
        })
        .await
    }

    /// The newest noncurrent entry of `key` (with its store version), if any.
    pub(crate) async fn newest_version_entry(
        &self,
        bucket: &BucketName,
        key: &str,
    ) -> Result<Option<(Vec<u8>, VersionEntry, u64)>, EngineError> {
        let range = ScanRange::prefix(&key_versions_prefix(bucket, key));
        match self.meta.scan(&range, 1).await?.into_iter().next() {
            Some((k, r)) => Ok(Some((k, decode(&r.value)?, r.version))),
            None => Ok(None),
        }
    }

    /// The `v/` entry of a version id (`null` through its index), with its record key and
    /// store version.
    pub(crate) async fn version_entry(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: &str,
    ) -> Result<Option<(Vec<u8>, VersionEntry, u64)>, EngineError> {
        let record_key = if version_id == NULL_VERSION_ID {
            match self.meta.get(&null_version_key(bucket, key)).await? {
                Some(r) => r.value.to_vec(),
                None => return Ok(None),
            }
        } else {
            match seq_of_version_id(version_id) {
                Some(seq) => version_key(bucket, key, seq),
                None => return Ok(None),
            }
        };
        let Some(r) = self.meta.get(&record_key).await? else {
            return Ok(None);
        };
        let entry: VersionEntry = decode(&r.value)?;
        if entry.version_id().unwrap_or(NULL_VERSION_ID) != version_id {
            return Ok(None);
        }
        Ok(Some((record_key, entry, r.version)))
    }

    /// Adds to `txn` the writes that make `entry` a noncurrent version of `key`.
    pub(crate) fn keep_as_noncurrent(
        txn: Txn,
        bucket: &BucketName,
        key: &str,
        entry: &VersionEntry,
    ) -> Result<Txn, EngineError> {
        let record_key = version_key(bucket, key, entry.seq());
        let mut txn = txn
            .check(record_key.clone(), Expect::Absent)
            .put(record_key.clone(), encode(entry)?);
        if entry.version_id().is_none() {
            txn = txn.put(null_version_key(bucket, key), record_key);
        }
        Ok(txn)
    }
}

impl Engine {
    /// Stamps `record` as the next version of `key` in a bucket in state `versioning`: its
    /// sequence, and a version id when versioning is enabled (else it is the `null` version).
    pub(crate) async fn stamp_version(
        &self,
        record: &mut ObjectRecord,
        bucket: &BucketName,
        key: &str,
        versioning: Versioning,
        current: Option<&ObjectRecord>,
    ) -> Result<(), EngineError> {
        let mut after = current.map_or(0, ObjectRecord::order_seq);
        if versioning != Versioning::Unversioned
            && let Some((_, newest, _)) = self.newest_version_entry(bucket, key).await?
        {
            after = after.max(newest.seq());
        }
        record.seq = next_seq(after);
        record.version_id = (versioning == Versioning::Enabled).then(|| new_version_id(record.seq));
        Ok(())
    }

    /// Adds to `txn` what happens to the versions a new latest version of `key` replaces, and
    /// returns the blobs to delete once it commits:
    /// - unversioned: the current object's data is released;
    /// - enabled: the current object becomes a noncurrent version;
    /// - suspended (the new version is `null`): a `null` version, current or noncurrent, is
    ///   released; a current object with a version id becomes noncurrent.
    ///
    /// `new_data` is the data of the new latest version (`None` for a delete marker).
    pub(crate) async fn supersede(
        &self,
        mut txn: Txn,
        bucket: &BucketName,
        key: &str,
        versioning: Versioning,
        current: Option<&ObjectRecord>,
        new_data: Option<&crate::records::DataRef>,
    ) -> Result<(Txn, Vec<rampart_store::BlobId>), EngineError> {
        let mut freed = Vec::new();
        let release_current = match (versioning, current) {
            (_, None) => false,
            (Versioning::Unversioned, Some(_)) => true,
            (Versioning::Suspended, Some(c)) if c.version_id.is_none() => true,
            (_, Some(_)) => false,
        };
        if let Some(current) = current {
            if release_current {
                current
                    .lock
                    .check_delete(std::time::SystemTime::now(), false)?;
                if new_data != Some(&current.data) {
                    let (t, blobs) = self.dereference_data(txn, &current.data).await?;
                    txn = t;
                    freed.extend(blobs);
                }
            } else {
                if new_data == Some(&current.data) {
                    // Two versions must never share data: deleting one would free the other's.
                    return Err(EngineError::ConditionalRequestConflict);
                }
                txn = Self::keep_as_noncurrent(
                    txn,
                    bucket,
                    key,
                    &VersionEntry::Object(Box::new(current.clone())),
                )?;
            }
        }
        if versioning == Versioning::Suspended
            && let Some((record_key, entry, version)) =
                self.version_entry(bucket, key, NULL_VERSION_ID).await?
        {
            txn = txn
                .check(record_key.clone(), Expect::Version(version))
                .delete(record_key)
                .delete(null_version_key(bucket, key));
            if let VersionEntry::Object(old) = entry {
                old.lock.check_delete(std::time::SystemTime::now(), false)?;
                let (t, blobs) = self.dereference_data(txn, &old.data).await?;
                txn = t;
                freed.extend(blobs);
            }
        }
        Ok((txn, freed))
    }
}
