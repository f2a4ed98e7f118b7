//! The stored form of identities: record keys under `iam/` and MessagePack records with named
//! fields (so fields can be added).
//!
//! | key | record |
//! |---|---|
//! | `iam/acct/<account id>` | [`AccountRecord`] |
//! | `iam/acctname/<lowercased name>` | the account id (unique account names) |
//! | `iam/user/<account id>/<lowercased name>` | [`UserRecord`] (inline policies, attachments, groups) |
//! | `iam/group/<account id>/<lowercased name>` | [`GroupRecord`] |
//! | `iam/role/<account id>/<lowercased name>` | [`RoleRecord`] |
//! | `iam/policy/<account id>/<lowercased name>` | [`PolicyRecord`] (every version) |
//! | `iam/key/<AKIA…>` | [`KeyRecord`] (secret sealed) |
//! | `iam/session/<ASIA…>` | [`SessionRecord`] (secret sealed, token as SHA-256) |
//! | `iam/mfa/<account id>/<lowercased name>` | [`MfaRecord`] (virtual MFA device, seed sealed) |
//!
//! The first account's record also stays at `sys/first-account`, where earlier versions kept it.

use std::time::SystemTime;

use rampart_types::AccountId;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Account, Group, IamError, KeyStatus, Role, User};

pub(crate) const PREFIX: &[u8] = b"iam/";
pub(crate) const FIRST_ACCOUNT_KEY: &[u8] = b"sys/first-account";

pub(crate) fn account_key(id: &AccountId) -> Vec<u8> {
    format!("iam/acct/{id}").into_bytes()
}

pub(crate) fn account_name_key(folded_name: &str) -> Vec<u8> {
    format!("iam/acctname/{folded_name}").into_bytes()
}

pub(crate) fn user_key(account: &AccountId, folded_name: &str) -> Vec<u8> {
    format!("iam/user/{account}/{folded_name}").into_bytes()
}

pub(crate) fn group_key(account: &AccountId, folded_name: &str) -> Vec<u8> {
    format!("iam/group/{account}/{folded_name}").into_bytes()
}

pub(crate) fn role_key(account: &AccountId, folded_name: &str) -> Vec<u8> {
    format!("iam/role/{account}/{folded_name}").into_bytes()
}

pub(crate) fn policy_key(account: &AccountId, folded_name: &str) -> Vec<u8> {
    format!("iam/policy/{account}/{folded_name}").into_bytes()
}

pub(crate) fn access_key_key(id: &str) -> Vec<u8> {
    format!("iam/key/{id}").into_bytes()
}

pub(crate) fn session_key(id: &str) -> Vec<u8> {
    format!("iam/session/{id}").into_bytes()
}

pub(crate) fn mfa_key(account: &AccountId, folded_name: &str) -> Vec<u8> {
    format!("iam/mfa/{account}/{folded_name}").into_bytes()
}

pub(crate) fn encode<T: Serialize>(record: &T) -> Result<Vec<u8>, IamError> {
    rmp_serde::to_vec_named(record).map_err(|e| IamError::Corrupt(e.to_string()))
}

pub(crate) fn decode<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T, IamError> {
    rmp_serde::from_slice(bytes)
        .map_err(|e| IamError::Corrupt(format!("{}: {e}", String::from_utf8_lossy(key))))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct AccountRecord {
    pub account: Account,
    pub created: SystemTime,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct InlineRecord {
    pub name: String,
    pub document: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct UserRecord {
    pub user: User,
    pub inline: Vec<InlineRecord>,
    /// Attached managed policies' ARNs, in attachment order.
    pub attached: Vec<String>,
    /// The groups the user belongs to, by folded name.
    pub groups: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct GroupRecord {
    pub group: Group,
    pub inline: Vec<InlineRecord>,
    pub attached: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct RoleRecord {
    pub role: Role,
    pub inline: Vec<InlineRecord>,
    pub attached: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct VersionRecord {
    pub number: u32,
    pub document: String,
    pub created: SystemTime,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct PolicyRecord {
    pub account: AccountId,
    pub name: String,
    pub path: String,
    pub policy_id: String,
    pub description: Option<String>,
    pub created: SystemTime,
    pub updated: SystemTime,
    pub default_version: u32,
    pub next_version: u32,
    pub versions: Vec<VersionRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct KeyRecord {
    pub id: String,
    pub account: AccountId,
    /// The owning user's folded name; `None` for the account's root user.
    pub user: Option<String>,
    pub status: KeyStatus,
    pub created: SystemTime,
    /// `MasterKey::seal(aad = id, secret)`.
    #[serde(with = "bytes_field")]
    pub sealed_secret: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum SubjectRecord {
    Root,
    User {
        name: String,
        user_id: String,
    },
    Role {
        name: String,
        role_id: String,
        session_name: String,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
    pub id: String,
    pub account: AccountId,
    pub subject: SubjectRecord,
    #[serde(with = "bytes_field")]
    pub sealed_secret: Vec<u8>,
    #[serde(with = "bytes_field")]
    pub token_sha256: Vec<u8>,
    pub issued_at: SystemTime,
    pub expires_at: SystemTime,
    pub mfa_authenticated: bool,
    pub source_identity: Option<String>,
    pub session_policy: Option<String>,
}

/// Who a virtual MFA device is assigned to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum MfaOwnerRecord {
    Root,
    /// A user, by folded name.
    User(String),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct MfaRecord {
    pub account: AccountId,
    pub name: String,
    pub path: String,
    /// `arn:aws:iam::<account>:mfa/<path><name>`
    pub serial: String,
    /// `MasterKey::seal(aad = serial, seed)`.
    #[serde(with = "bytes_field")]
    pub sealed_seed: Vec<u8>,
    pub created: SystemTime,
    pub owner: Option<MfaOwnerRecord>,
    pub enabled: Option<SystemTime>,
    /// The last time step whose code was accepted; no step up to it is accepted again.
    pub last_step: Option<u64>,
}

/// Byte strings as MessagePack `bin`, not as arrays of integers.
mod bytes_field {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Vec<u8>, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(out)
            }
        }
        d.deserialize_byte_buf(Visitor)
    }
}
