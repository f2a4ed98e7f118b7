//! Rampart's built-in KMS: symmetric keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT) per account,
//! aliases, automatic and on-demand rotation, and the data keys SSE-KMS uses.
//!
//! Key material is 32 random bytes per version, sealed by the server's master key with the key
//! id and version as associated data; the plaintext never reaches the store. Ciphertext blobs
//! name their key and material version ([`ciphertext`]), so a rotated key still opens what
//! its older versions sealed.
//!
//! This crate decides nothing about who may do what: the caller authorizes each operation
//! against [`Key::policy`] (the key policy) first. It knows no HTTP either.

mod aliases;
pub mod ciphertext;
mod data;
mod error;
pub mod ids;
mod keys;
mod managed;

pub mod policy_text;
mod records;
mod rewrap;
mod rotation;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rampart_crypto::MasterKey;
use rampart_store::MetaStore;
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};

pub use ciphertext::EncryptionContext;
pub use data::{MAX_DATA_KEY_BYTES, MAX_ENCRYPT_PLAINTEXT};
pub use error::{KmsError, Result};
pub use ids::KeyRef;
pub use keys::{CreateKeyInput, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, check_key_policy};
pub use rewrap::MaterialRewrapped;
pub use zeroize::Zeroizing;

/// One day, the unit of deletion windows and rotation periods.
pub const DAY: Duration = Duration::from_secs(86_400);
/// ScheduleKeyDeletion's window: 7 to 30 days, 30 by default.
pub const MIN_PENDING_WINDOW_DAYS: u32 = 7;
pub const MAX_PENDING_WINDOW_DAYS: u32 = 30;
pub const DEFAULT_PENDING_WINDOW_DAYS: u32 = 30;
/// EnableKeyRotation's period: 90 to 2560 days, 365 by default.
pub const MIN_ROTATION_PERIOD_DAYS: u32 = 90;
pub const MAX_ROTATION_PERIOD_DAYS: u32 = 2560;
pub const DEFAULT_ROTATION_PERIOD_DAYS: u32 = 365;
/// RotateKeyOnDemand may run this many times per key.
pub const MAX_ON_DEMAND_ROTATIONS: u32 = 10;
/// The longest key policy AWS accepts, in bytes.
pub const MAX_KEY_POLICY_LEN: usize = 32_768;
/// The longest description AWS accepts.
pub const MAX_DESCRIPTION_LEN: usize = 8192;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyState {
    Enabled,
    Disabled,
    PendingDeletion,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "Enabled",
            Self::Disabled => "Disabled",
            Self::PendingDeletion => "PendingDeletion",
        }
    }
}

/// Who manages a key: the account (`CUSTOMER`) or the service that created it (`AWS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyManager {
    Customer,
    Aws,
}

impl KeyManager {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "CUSTOMER",
            Self::Aws => "AWS",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RotationType {
    Automatic,
    OnDemand,
}

impl RotationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Automatic => "AUTOMATIC",
            Self::OnDemand => "ON_DEMAND",
        }
    }
}

/// A completed rotation (ListKeyRotations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRotation {
    pub rotation_date: SystemTime,
    pub rotation_type: RotationType,
    /// The material version it created.
    pub material_version: u32,
}

/// A key as DescribeKey shows it (never its material).
#[derive(Clone, Debug)]
pub struct Key {
    pub account: AccountId,
    pub id: String,
    pub arn: String,
    pub description: String,
    pub created: SystemTime,
    pub state: KeyState,
    pub deletion_date: Option<SystemTime>,
    pub pending_window_days: Option<u32>,
    pub manager: KeyManager,
    /// The key policy document.
    pub policy: String,
    pub rotation_enabled: bool,
    pub rotation_period_days: Option<u32>,
    pub next_rotation: Option<SystemTime>,
    /// The version new ciphertexts use.
    pub current_material_version: u32,
    pub rotations: Vec<KeyRotation>,
}

/// An alias as ListAliases shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alias {
    pub name: String,
    pub arn: String,
    pub target_key_id: String,
    pub created: SystemTime,
    pub updated: SystemTime,
}

/// One page of a listing; `next_marker` is set when more follow.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_marker: Option<String>,
}

/// The clock the KMS reads; tests move it to pass deletion dates and rotation periods.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The built-in KMS over a metadata store.
pub struct Kms {
    meta: Arc<dyn MetaStore>,
    master_key: Arc<MasterKey>,
    region: String,
    clock: Clock,
}

impl Kms {
    pub fn new(meta: Arc<dyn MetaStore>, master_key: Arc<MasterKey>, region: &str) -> Kms {
        Kms {
            meta,
            master_key,
            region: region.to_owned(),
            clock: Arc::new(SystemTime::now),
        }
    }

    /// The same KMS reading `clock` for the current time.
    pub fn with_clock(mut self, clock: Clock) -> Kms {
        self.clock = clock;
        self
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub(crate) fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// Parses a `KeyId` parameter as the caller `caller` wrote it.
    pub fn parse_key_ref(&self, caller: &AccountId, s: &str) -> Result<KeyRef> {
        ids::parse_key_ref(&self.region, caller, s)
    }

    pub fn key_arn(&self, account: &AccountId, key_id: &str) -> String {
        ids::key_arn(&self.region, account, key_id)
    }

    pub fn alias_arn(&self, account: &AccountId, alias: &str) -> String {
        ids::alias_arn(&self.region, account, alias)
    }
}
