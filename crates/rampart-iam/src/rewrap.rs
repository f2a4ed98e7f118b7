//! Master-key rotation, the identity store's part: re-sealing every stored secret (access keys,
//! STS sessions, virtual MFA devices' seeds) that the retiring master key sealed under the next
//! one.

use rampart_crypto::OpenedWith;
use rampart_store::{Expect, Txn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::records::{self, KeyRecord, MfaRecord, SessionRecord};
use crate::store::scan_all;
use crate::{IamError, IdentityStore};

/// What one pass of [`IdentityStore::rewrap_secrets`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecretsRewrapped {
    /// Sealed secrets seen.
    pub secrets: u64,
    /// Of those, the ones re-sealed under the next key.
    pub rewrapped: u64,
}

/// A stored record that carries a sealed secret.
trait Sealed: Serialize + DeserializeOwned {
    fn id(&self) -> &str;
    fn sealed(&mut self) -> &mut Vec<u8>;
}

impl Sealed for KeyRecord {
    fn id(&self) -> &str {
        &self.id
    }
    fn sealed(&mut self) -> &mut Vec<u8> {
        &mut self.sealed_secret
    }
}

impl Sealed for SessionRecord {
    fn id(&self) -> &str {
        &self.id
    }
    fn sealed(&mut self) -> &mut Vec<u8> {
        &mut self.sealed_secret
    }
}

impl Sealed for MfaRecord {
    fn id(&self) -> &str {
        &self.serial
    }
    fn sealed(&mut self) -> &mut Vec<u8> {
        &mut self.sealed_seed
    }
}

impl IdentityStore {
    /// Re-seals, under the master key's current key, every stored secret still sealed by the
    /// key a rotation is retiring. Holds the writer lock, so no identity change interleaves.
    pub async fn rewrap_secrets(&self) -> Result<SecretsRewrapped, IamError> {
        let _writer = self.lock_writer().await;
        let mut report = SecretsRewrapped::default();
        let resealed_keys = self
            .rewrap_family::<KeyRecord>(b"iam/key/", &mut report)
            .await?;
        self.rewrap_family::<SessionRecord>(b"iam/session/", &mut report)
            .await?;
        let resealed_seeds = self
            .rewrap_family::<MfaRecord>(b"iam/mfa/", &mut report)
            .await?;
        // The snapshot keeps each key's sealed secret to write it back on status changes.
        let mut snapshot = self.snapshot.write().unwrap_or_else(|p| p.into_inner());
        for (id, sealed) in resealed_keys {
            if let Some(entry) = snapshot.keys.get_mut(&id) {
                entry.sealed_secret = sealed;
            }
        }
        // So does each MFA device, to write back its last used step; keyed by serial here.
        for (serial, sealed) in resealed_seeds {
            let device = snapshot
                .accounts
                .values_mut()
                .flat_map(|a| a.mfa_devices.values_mut())
                .find(|d| d.record.serial == serial);
            if let Some(device) = device {
                device.record.sealed_seed = sealed;
            }
        }
        Ok(report)
    }

    /// Re-seals one family of records; returns the new sealed secrets by id.
    async fn rewrap_family<T: Sealed>(
        &self,
        prefix: &[u8],
        report: &mut SecretsRewrapped,
    ) -> Result<Vec<(String, Vec<u8>)>, IamError> {
        let mut resealed = Vec::new();
        for (key, record) in scan_all(&*self.meta, prefix).await? {
            let mut value: T = records::decode(&key, &record.value)?;
            report.secrets += 1;
            let id = value.id().to_owned();
            let (secret, opened) = self
                .master_key
                .open_reporting(id.as_bytes(), value.sealed())
                .map_err(|e| IamError::Corrupt(format!("the secret of {id} does not open: {e}")))?;
            if opened == OpenedWith::Current {
                continue;
            }
            let sealed = self.master_key.seal(id.as_bytes(), &secret);
            *value.sealed() = sealed.clone();
            let txn = Txn::new()
                .check(key.clone(), Expect::Version(record.version))
                .put(key.clone(), records::encode(&value)?);
            self.meta.commit(txn).await?;
            report.rewrapped += 1;
            resealed.push((id, sealed));
        }
        Ok(resealed)
    }
}
