//! Master-key rotation, the engine's part: re-wrapping every SSE-S3 data key the retiring key
//! wrapped under the next one, without touching object data.
//!
//! SSE-S3 data keys live in three places: an object record (single-PUT data), a manifest (each
//! part of a completed multipart object) and a part record (an upload in progress). Keys
//! wrapped by a customer key or a KMS key never open under the master key and are left alone.

use rampart_crypto::OpenedWith;
use rampart_store::{BlobId, Expect, ScanRange, StoreError, Txn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::multipart::PartRecord;
use crate::records::{DataRef, PartRef, decode, encode};
use crate::sse::{LABEL_SSE_S3, SealedKey, wrap_context};
use crate::{Engine, EngineError, ObjectRecord};

const PAGE: usize = 500;
/// Attempts at re-wrapping one record that concurrent writers keep changing.
const MAX_ATTEMPTS: usize = 8;

/// What one pass of [`Engine::rewrap_sse_s3_keys`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RewrapReport {
    /// Data keys seen that the master key wraps.
    pub sse_s3_keys: u64,
    /// Of those, the ones that were under the retiring key and are now under the next one.
    pub rewrapped: u64,
}

impl RewrapReport {
    fn add(&mut self, other: RewrapReport) {
        self.sse_s3_keys += other.sse_s3_keys;
        self.rewrapped += other.rewrapped;
    }
}

impl Engine {
    /// Re-wraps, under the master key's current key, every SSE-S3 data key still wrapped by
    /// the key a rotation is retiring. Safe to run while serving: each record is rewritten
    /// only if unchanged since it was read. Run it until a pass re-wraps nothing.
    pub async fn rewrap_sse_s3_keys(&self) -> Result<RewrapReport, EngineError> {
        let mut report = RewrapReport::default();
        report.add(self.rewrap_family(b"o/", rewrap_object).await?);
        report.add(self.rewrap_family(b"m/", rewrap_manifest).await?);
        report.add(self.rewrap_family(b"p/", rewrap_part).await?);
        Ok(report)
    }

    async fn rewrap_family<T: Serialize + DeserializeOwned>(
        &self,
        prefix: &[u8],
        rewrap: fn(&Engine, &mut T) -> Result<RewrapReport, EngineError>,
    ) -> Result<RewrapReport, EngineError> {
        let range = ScanRange::prefix(prefix);
        let mut next = range.clone();
        let mut report = RewrapReport::default();
        loop {
            let page = self.meta.scan(&next, PAGE).await?;
            let full = page.len() == PAGE;
            if let Some((last, _)) = page.last() {
                next = range.resume_after(last);
            }
            for (key, record) in page {
                report.add(self.rewrap_record(&key, record, rewrap).await?);
            }
            if !full {
                return Ok(report);
            }
        }
    }

    async fn rewrap_record<T: Serialize + DeserializeOwned>(
        &self,
        key: &[u8],
        mut record: rampart_store::Record,
        rewrap: fn(&Engine, &mut T) -> Result<RewrapReport, EngineError>,
    ) -> Result<RewrapReport, EngineError> {
        for _ in 0..MAX_ATTEMPTS {
            let mut value: T = decode(&record.value)?;
            let report = rewrap(self, &mut value)?;
            if report.rewrapped == 0 {
                return Ok(report);
            }
            let txn = Txn::new()
                .check(key.to_vec(), Expect::Version(record.version))
                .put(key.to_vec(), encode(&value)?);
            match self.meta.commit(txn).await {
                Ok(_) => return Ok(report),
                Err(StoreError::Conflict { .. }) => match self.meta.get(key).await? {
                    Some(current) => record = current,
                    // Deleted meanwhile: nothing left to re-wrap.
                    None => return Ok(RewrapReport::default()),
                },
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }

    /// Re-wraps one data key if the retiring master key wraps it.
    fn rewrap_sealed(
        &self,
        sealed: &mut SealedKey,
        id: &BlobId,
    ) -> Result<RewrapReport, EngineError> {
        let Some(master) = self.config.sse.master_key.as_deref() else {
            return Ok(RewrapReport::default());
        };
        let context = wrap_context(LABEL_SSE_S3, id);
        let Ok((key, opened)) = master.open_reporting(&context, &sealed.wrapped) else {
            // Not an SSE-S3 key (or damaged: reads report that, rotation does not).
            return Ok(RewrapReport::default());
        };
        if opened == OpenedWith::Current {
            return Ok(RewrapReport {
                sse_s3_keys: 1,
                rewrapped: 0,
            });
        }
        sealed.wrapped = master.seal(&context, &key);
        Ok(RewrapReport {
            sse_s3_keys: 1,
            rewrapped: 1,
        })
    }
}

fn rewrap_object(engine: &Engine, record: &mut ObjectRecord) -> Result<RewrapReport, EngineError> {
    let id = match &record.data {
        DataRef::Inline(id) | DataRef::Blob(id) => id.clone(),
        DataRef::Parts { .. } => return Ok(RewrapReport::default()),
    };
    match record.sealed.as_mut() {
        Some(sealed) => engine.rewrap_sealed(sealed, &id),
        None => Ok(RewrapReport::default()),
    }
}

// The record type is `Vec<PartRef>`: `rewrap_family` hands each record over as `&mut T`.
#[allow(clippy::ptr_arg)]
fn rewrap_manifest(engine: &Engine, parts: &mut Vec<PartRef>) -> Result<RewrapReport, EngineError> {
    let mut report = RewrapReport::default();
    for part in parts.iter_mut() {
        let blob = part.blob.clone();
        if let Some(sealed) = part.sealed.as_mut() {
            report.add(engine.rewrap_sealed(sealed, &blob)?);
        }
    }
    Ok(report)
}

fn rewrap_part(engine: &Engine, part: &mut PartRecord) -> Result<RewrapReport, EngineError> {
    let blob = part.blob.clone();
    match part.sealed.as_mut() {
        Some(sealed) => engine.rewrap_sealed(sealed, &blob),
        None => Ok(RewrapReport::default()),
    }
}
