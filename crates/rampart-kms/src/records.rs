//! The stored form of keys and aliases: MessagePack records with named fields.
//!
//! | key | record |
//! |---|---|
//! | `kms/key/<account id>/<key id>` | [`KeyRecord`] (key material sealed by the master key) |
//! | `kms/alias/<account id>/<alias name>` | [`AliasRecord`] |

use std::time::SystemTime;

use rampart_types::AccountId;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{KmsError, Result};
use crate::{KeyManager, KeyState, RotationType};

pub(crate) fn key_key(account: &AccountId, id: &str) -> Vec<u8> {
    format!("kms/key/{account}/{id}").into_bytes()
}

pub(crate) fn keys_prefix(account: &AccountId) -> Vec<u8> {
    format!("kms/key/{account}/").into_bytes()
}

pub(crate) fn alias_key(account: &AccountId, name: &str) -> Vec<u8> {
    format!("kms/alias/{account}/{name}").into_bytes()
}

pub(crate) fn aliases_prefix(account: &AccountId) -> Vec<u8> {
    format!("kms/alias/{account}/").into_bytes()
}

pub(crate) fn encode<T: Serialize>(record: &T) -> Result<Vec<u8>> {
    rmp_serde::to_vec_named(record).map_err(|e| KmsError::Corrupt(e.to_string()))
}

pub(crate) fn decode<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T> {
    rmp_serde::from_slice(bytes)
        .map_err(|e| KmsError::Corrupt(format!("{}: {e}", String::from_utf8_lossy(key))))
}

/// One version of a key's material: 32 random bytes, sealed by the master key with the key
/// id and version as associated data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct MaterialRecord {
    pub version: u32,
    pub sealed: Vec<u8>,
    pub created: SystemTime,
    /// How this version came to be; `None` for the key's first material.
    pub rotation: Option<RotationType>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct KeyRecord {
    pub id: String,
    pub account: AccountId,
    pub description: String,
    pub created: SystemTime,
    pub state: KeyState,
    pub deletion_date: Option<SystemTime>,
    pub pending_window_days: Option<u32>,
    pub manager: KeyManager,
    pub policy: String,
    pub rotation_enabled: bool,
    pub rotation_period_days: Option<u32>,
    pub next_rotation: Option<SystemTime>,
    pub on_demand_rotations: u32,
    pub tags: Vec<(String, String)>,
    /// Oldest first; the last one encrypts.
    pub materials: Vec<MaterialRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct AliasRecord {
    pub name: String,
    pub target: String,
    pub created: SystemTime,
    pub updated: SystemTime,
}
