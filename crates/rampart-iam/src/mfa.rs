//! Virtual MFA devices: creation (the seed shown once), assignment to a user or to the
//! account's root with two consecutive codes, deactivation, deletion, resynchronization,
//! listing, and the verification of one code for other operations (STS, S3's `x-amz-mfa`).
//!
//! A device is `iam/mfa/<account id>/<lowercased name>`; its seed is sealed by the master key
//! with the serial number as associated data. Each accepted code's time step is stored before
//! the code is accepted, and no step at or before it is accepted again: a code works once, and
//! a restart cannot reopen it.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use rampart_crypto::totp;
use rampart_store::{Expect, Txn};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::records::{self, MfaOwnerRecord, MfaRecord};
use crate::snapshot::Snapshot;
use crate::validate::{self, fold};
use crate::{IamError, IdentityStore};

/// Longest virtual MFA device name (AWS: 226).
const NAME_MAX: usize = 226;
/// Steps either side of now that ResyncMFADevice searches for the device's two codes.
const RESYNC_WINDOW: u64 = 10;

/// Who an MFA device is assigned to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaOwner {
    /// The account's root user.
    Root,
    /// An IAM user, by name.
    User(String),
}

/// A virtual MFA device as IAM shows it (never its seed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaDevice {
    /// `arn:aws:iam::<account>:mfa/<path><name>`
    pub serial: String,
    pub name: String,
    pub path: String,
    pub created: SystemTime,
    /// The owner and when it was enabled; `None` while unassigned.
    pub assigned: Option<(MfaOwner, SystemTime)>,
}

/// Which devices ListVirtualMFADevices shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignmentStatus {
    Assigned,
    Unassigned,
    Any,
}

/// A seed in memory: zeroized on drop, never printed.
#[derive(Clone)]
pub(crate) struct Seed(pub Zeroizing<Vec<u8>>);

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed([REDACTED])")
    }
}

/// A device in the snapshot.
#[derive(Clone, Debug)]
pub(crate) struct MfaEntry {
    pub record: MfaRecord,
    pub seed: Seed,
}

pub(crate) fn seal_seed(
    master_key: &rampart_crypto::MasterKey,
    serial: &str,
    seed: &[u8],
) -> Vec<u8> {
    master_key.seal(serial.as_bytes(), seed)
}

pub(crate) fn open_seed(
    master_key: &rampart_crypto::MasterKey,
    record: &MfaRecord,
) -> Result<Seed, IamError> {
    master_key
        .open(record.serial.as_bytes(), &record.sealed_seed)
        .map(|plain| Seed(Zeroizing::new(plain.to_vec())))
        .map_err(|e| {
            IamError::Corrupt(format!(
                "the seed of MFA device {} cannot be opened with this master key: {e}",
                record.serial
            ))
        })
}

fn no_such_device(serial: &str) -> IamError {
    IamError::NoSuchEntity(format!("MFA device with serial number {serial} not found."))
}

/// IAM's refusal of a wrong, out-of-window or spent code (one message for every case).
fn invalid_code() -> IamError {
    IamError::InvalidAuthenticationCode("Authentication code for device is not valid.".to_owned())
}

/// The device name of a serial in `account`: `arn:aws:iam::<account>:mfa/<path><name>`.
fn serial_name<'a>(account: &AccountId, serial: &'a str) -> Option<&'a str> {
    let rest = serial.strip_prefix(&format!("arn:aws:iam::{account}:mfa/"))?;
    let name = rest.rsplit('/').next()?;
    (!name.is_empty()).then_some(name)
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn owner_record(
    snap: &Snapshot,
    account: &AccountId,
    owner: &MfaOwner,
) -> Result<MfaOwnerRecord, IamError> {
    match owner {
        MfaOwner::Root => Ok(MfaOwnerRecord::Root),
        MfaOwner::User(name) => {
            snap.user(account, name)?;
            Ok(MfaOwnerRecord::User(fold(name)))
        }
    }
}

/// The first step `s` in `candidates` for which `code1` is `s`'s code and `code2` is `s + 1`'s.
fn consecutive(
    seed: &[u8],
    candidates: impl Iterator<Item = u64>,
    code1: &str,
    code2: &str,
) -> Option<u64> {
    let mut found = None;
    for s in candidates {
        // No early exit: every candidate costs the same.
        let both = totp::code_matches(seed, s, code1) & totp::code_matches(seed, s + 1, code2);
        if both && found.is_none() {
            found = Some(s);
        }
    }
    found
}

fn check_code_shape(code: &str, field: &str) -> Result<(), IamError> {
    if code.len() != totp::DIGITS as usize {
        return Err(validate::constraint(
            code,
            field,
            "Member must have length greater than or equal to 6",
        ));
    }
    if !totp::is_code_shaped(code) {
        return Err(validate::constraint(
            code,
            field,
            r"Member must satisfy regular expression pattern: [\d]+",
        ));
    }
    Ok(())
}

impl Snapshot {
    fn device(&self, account: &AccountId, serial: &str) -> Result<&MfaEntry, IamError> {
        let name = serial_name(account, serial).ok_or_else(|| no_such_device(serial))?;
        self.account(account)?
            .mfa_devices
            .get(&fold(name))
            .filter(|d| d.record.serial == serial)
            .ok_or_else(|| no_such_device(serial))
    }

    fn mfa_device(&self, entry: &MfaEntry) -> MfaDevice {
        let r = &entry.record;
        let assigned = r.owner.as_ref().map(|owner| {
            let owner = match owner {
                MfaOwnerRecord::Root => MfaOwner::Root,
                MfaOwnerRecord::User(folded) => MfaOwner::User(
                    self.accounts
                        .get(&r.account)
                        .and_then(|a| a.users.get(folded))
                        .map_or_else(|| folded.clone(), |u| u.user.name.clone()),
                ),
            };
            (owner, r.enabled.unwrap_or(r.created))
        });
        MfaDevice {
            serial: r.serial.clone(),
            name: r.name.clone(),
            path: r.path.clone(),
            created: r.created,
            assigned,
        }
    }

    /// Whether a user (by folded name) has an MFA device assigned.
    pub(crate) fn user_has_mfa(&self, account: &AccountId, folded: &str) -> bool {
        self.accounts.get(account).is_some_and(|a| {
            a.mfa_devices
                .values()
                .any(|d| d.record.owner == Some(MfaOwnerRecord::User(folded.to_owned())))
        })
    }
}

impl IdentityStore {
    /// Creates an unassigned virtual MFA device; returns it and its seed in Base32 — the only
    /// time the seed leaves the store.
    pub async fn create_virtual_mfa_device(
        &self,
        account: &AccountId,
        path: &str,
        name: &str,
    ) -> Result<(MfaDevice, Zeroizing<String>), IamError> {
        validate::name(name, "virtualMFADeviceName", NAME_MAX)?;
        let path = validate::path(path)?;
        let writer = self.lock_writer().await;
        let now = self.now();
        let serial = format!("arn:aws:iam::{account}:mfa{path}{name}");
        let mut seed = Zeroizing::new(vec![0u8; totp::SEED_LEN]);
        getrandom::fill(&mut seed)
            .map_err(|e| IamError::Corrupt(format!("no randomness for an MFA seed: {e}")))?;
        let folded = fold(name);
        let record = MfaRecord {
            account: account.clone(),
            name: name.to_owned(),
            path,
            sealed_seed: seal_seed(&self.master_key, &serial, &seed),
            serial,
            created: now,
            owner: None,
            enabled: None,
            last_step: None,
        };
        let (device, txn) = {
            let snap = self.read();
            if snap.account(account)?.mfa_devices.contains_key(&folded) {
                return Err(IamError::EntityAlreadyExists(
                    "MFADevice entity at the same path and name already exists.".to_owned(),
                ));
            }
            let key = records::mfa_key(account, &folded);
            let txn = Txn::new()
                .check(key.clone(), Expect::Absent)
                .check(records::account_key(account), Expect::Present)
                .put(key, records::encode(&record)?);
            let entry = MfaEntry {
                record: record.clone(),
                seed: Seed(seed.clone()),
            };
            (snap.mfa_device(&entry), txn)
        };
        let base32 = Zeroizing::new(totp::base32_encode(&seed));
        let entry = MfaEntry {
            record,
            seed: Seed(seed),
        };
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.mfa_devices.insert(folded, entry);
            }
        })
        .await?;
        Ok((device, base32))
    }

    /// Stores `record` (a changed device) and puts it in the snapshot.
    async fn update_device(
        &self,
        writer: crate::store::WriterGuard,
        mut extra: Txn,
        entry: MfaEntry,
    ) -> Result<(), IamError> {
        let folded = fold(&entry.record.name);
        let key = records::mfa_key(&entry.record.account, &folded);
        extra = extra
            .check(key.clone(), Expect::Present)
            .put(key, records::encode(&entry.record)?);
        let account = entry.record.account.clone();
        self.commit_then(writer, extra, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.mfa_devices.insert(folded, entry);
            }
        })
        .await
    }

    /// EnableMFADevice: assigns an unassigned device to `owner`, given two consecutive codes
    /// (the earlier of the current step or the one before).
    pub async fn enable_mfa_device(
        &self,
        account: &AccountId,
        owner: &MfaOwner,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> Result<(), IamError> {
        check_code_shape(code1, "authenticationCode1")?;
        check_code_shape(code2, "authenticationCode2")?;
        let writer = self.lock_writer().await;
        let step = totp::step_at(unix_secs((self.clock)()));
        let (entry, txn) = {
            let snap = self.read();
            let owner = owner_record(&snap, account, owner)?;
            let entry = snap.device(account, serial)?;
            if entry.record.owner.is_some() {
                return Err(IamError::EntityAlreadyExists(
                    "MFA Device is already in use.".to_owned(),
                ));
            }
            let last = entry.record.last_step;
            let found = consecutive(&entry.seed.0, step.saturating_sub(1)..=step, code1, code2)
                .filter(|s| last.is_none_or(|l| *s > l))
                .ok_or_else(invalid_code)?;
            let mut entry = entry.clone();
            entry.record.owner = Some(owner.clone());
            entry.record.enabled = Some(self.now());
            entry.record.last_step = Some(found + 1);
            let txn = match &owner {
                MfaOwnerRecord::User(folded) => {
                    Txn::new().check(records::user_key(account, folded), Expect::Present)
                }
                MfaOwnerRecord::Root => Txn::new(),
            };
            (entry, txn)
        };
        self.update_device(writer, txn, entry).await
    }

    /// ResyncMFADevice: re-anchors an assigned device whose clock drifted, given two
    /// consecutive codes within a wider window than verification allows.
    pub async fn resync_mfa_device(
        &self,
        account: &AccountId,
        owner: &MfaOwner,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> Result<(), IamError> {
        check_code_shape(code1, "authenticationCode1")?;
        check_code_shape(code2, "authenticationCode2")?;
        let writer = self.lock_writer().await;
        let step = totp::step_at(unix_secs((self.clock)()));
        let entry = {
            let snap = self.read();
            let owner = owner_record(&snap, account, owner)?;
            let entry = snap.device(account, serial)?;
            if entry.record.owner.as_ref() != Some(&owner) {
                return Err(no_such_device(serial));
            }
            let last = entry.record.last_step;
            let window = step.saturating_sub(RESYNC_WINDOW)..=step + RESYNC_WINDOW;
            let found = consecutive(&entry.seed.0, window, code1, code2)
                .filter(|s| last.is_none_or(|l| *s > l))
                .ok_or_else(invalid_code)?;
            let mut entry = entry.clone();
            entry.record.last_step = Some(found + 1);
            entry
        };
        self.update_device(writer, Txn::new(), entry).await
    }

    /// DeactivateMFADevice: unassigns a device from `owner`; it can then be deleted or
    /// enabled again. The last step used is kept, so its codes stay spent.
    pub async fn deactivate_mfa_device(
        &self,
        account: &AccountId,
        owner: &MfaOwner,
        serial: &str,
    ) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let entry = {
            let snap = self.read();
            let owner = owner_record(&snap, account, owner)?;
            let entry = snap.device(account, serial)?;
            if entry.record.owner.as_ref() != Some(&owner) {
                return Err(no_such_device(serial));
            }
            let mut entry = entry.clone();
            entry.record.owner = None;
            entry.record.enabled = None;
            entry
        };
        self.update_device(writer, Txn::new(), entry).await
    }

    /// DeleteVirtualMFADevice: only an unassigned device.
    pub async fn delete_virtual_mfa_device(
        &self,
        account: &AccountId,
        serial: &str,
    ) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let folded = {
            let snap = self.read();
            let entry = snap.device(account, serial)?;
            if entry.record.owner.is_some() {
                return Err(IamError::DeleteConflict(
                    "MFA Device is still in use.".to_owned(),
                ));
            }
            fold(&entry.record.name)
        };
        let txn = Txn::new().delete(records::mfa_key(account, &folded));
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.mfa_devices.remove(&folded);
            }
        })
        .await
    }

    /// The devices assigned to `owner`, by name.
    pub fn list_mfa_devices(
        &self,
        account: &AccountId,
        owner: &MfaOwner,
    ) -> Result<Vec<MfaDevice>, IamError> {
        let snap = self.read();
        let owner = owner_record(&snap, account, owner)?;
        Ok(snap
            .account(account)?
            .mfa_devices
            .values()
            .filter(|d| d.record.owner.as_ref() == Some(&owner))
            .map(|d| snap.mfa_device(d))
            .collect())
    }

    /// The account's virtual devices with `status`, by name.
    pub fn list_virtual_mfa_devices(
        &self,
        account: &AccountId,
        status: AssignmentStatus,
    ) -> Result<Vec<MfaDevice>, IamError> {
        let snap = self.read();
        Ok(snap
            .account(account)?
            .mfa_devices
            .values()
            .filter(|d| match status {
                AssignmentStatus::Any => true,
                AssignmentStatus::Assigned => d.record.owner.is_some(),
                AssignmentStatus::Unassigned => d.record.owner.is_none(),
            })
            .map(|d| snap.mfa_device(d))
            .collect())
    }

    /// One device by serial number.
    pub fn get_mfa_device(&self, account: &AccountId, serial: &str) -> Result<MfaDevice, IamError> {
        let snap = self.read();
        let entry = snap.device(account, serial)?;
        Ok(snap.mfa_device(entry))
    }

    /// Verifies one code of the device `serial`, which must be enabled and assigned to
    /// `owner` in `account`: the code of the current step, the one before or the one after,
    /// each accepted at most once (the accepted step is stored before this returns).
    ///
    /// Every refusal is `InvalidAuthenticationCode` with the same message, whether the device
    /// is unknown, someone else's, or the code wrong or spent.
    pub async fn verify_mfa_code(
        &self,
        account: &AccountId,
        owner: &MfaOwner,
        serial: &str,
        code: &str,
    ) -> Result<(), IamError> {
        let refused = invalid_code;
        if !totp::is_code_shaped(code) {
            return Err(refused());
        }
        let writer = self.lock_writer().await;
        let step = totp::step_at(unix_secs((self.clock)()));
        let entry = {
            let snap = self.read();
            let Ok(owner) = owner_record(&snap, account, owner) else {
                return Err(refused());
            };
            let Ok(entry) = snap.device(account, serial) else {
                return Err(refused());
            };
            if entry.record.owner.as_ref() != Some(&owner) {
                return Err(refused());
            }
            let last = entry.record.last_step;
            let mut found = None;
            for s in step.saturating_sub(1)..=step + 1 {
                let fresh = last.is_none_or(|l| s > l);
                if totp::code_matches(&entry.seed.0, s, code) && fresh && found.is_none() {
                    found = Some(s);
                }
            }
            let Some(found) = found else {
                return Err(refused());
            };
            let mut entry = entry.clone();
            entry.record.last_step = Some(found);
            entry
        };
        self.update_device(writer, Txn::new(), entry).await
    }
}
