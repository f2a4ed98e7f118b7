//! Master-key rotation, the KMS's part: re-sealing every key-material version the retiring
//! master key sealed under the next one. Ciphertexts made by the KMS do not change: they are
//! sealed by the key material, not by the master key.

use rampart_crypto::OpenedWith;
use rampart_store::{Expect, ScanRange, StoreError, Txn};

use crate::records::{self, KeyRecord};
use crate::{Kms, KmsError, Result};

const PAGE: usize = 500;
/// Attempts at re-sealing one key that concurrent changes keep rewriting.
const MAX_ATTEMPTS: usize = 8;

/// What one pass of [`Kms::rewrap_key_material`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaterialRewrapped {
    /// Material versions seen.
    pub versions: u64,
    /// Of those, the ones re-sealed under the next master key.
    pub rewrapped: u64,
}

impl Kms {
    /// Re-seals, under the master key's current key, every material version still sealed by
    /// the key a rotation is retiring. Each key record is rewritten only if unchanged since
    /// it was read.
    pub async fn rewrap_key_material(&self) -> Result<MaterialRewrapped> {
        let range = ScanRange::prefix(b"kms/key/");
        let mut next = range.clone();
        let mut report = MaterialRewrapped::default();
        loop {
            let page = self.meta.scan(&next, PAGE).await?;
            let full = page.len() == PAGE;
            if let Some((last, _)) = page.last() {
                next = range.resume_after(last);
            }
            for (key, record) in page {
                let (versions, rewrapped) = self.rewrap_one(&key, record).await?;
                report.versions += versions;
                report.rewrapped += rewrapped;
            }
            if !full {
                return Ok(report);
            }
        }
    }

    async fn rewrap_one(
        &self,
        key: &[u8],
        mut record: rampart_store::Record,
    ) -> Result<(u64, u64)> {
        for _ in 0..MAX_ATTEMPTS {
            let mut rec: KeyRecord = records::decode(key, &record.value)?;
            let mut rewrapped = 0;
            for material in rec.materials.iter_mut() {
                let aad = Self::material_aad(&rec.account, &rec.id, material.version);
                let (plain, opened) = self
                    .master_key
                    .open_reporting(&aad, &material.sealed)
                    .map_err(|e| {
                        KmsError::Corrupt(format!(
                            "material {} of key {}: {e}",
                            material.version, rec.id
                        ))
                    })?;
                if opened == OpenedWith::Previous {
                    material.sealed = self.master_key.seal(&aad, &plain);
                    rewrapped += 1;
                }
            }
            let versions = rec.materials.len() as u64;
            if rewrapped == 0 {
                return Ok((versions, 0));
            }
            let txn = Txn::new()
                .check(key.to_vec(), Expect::Version(record.version))
                .put(key.to_vec(), records::encode(&rec)?);
            match self.meta.commit(txn).await {
                Ok(_) => return Ok((versions, rewrapped)),
                Err(StoreError::Conflict { .. }) => match self.meta.get(key).await? {
                    Some(current) => record = current,
                    None => return Ok((0, 0)),
                },
                Err(e) => return Err(e.into()),
            }
        }
        Err(KmsError::Corrupt(format!(
            "key record {} kept changing during a master-key rotation",
            String::from_utf8_lossy(key)
        )))
    }
}
