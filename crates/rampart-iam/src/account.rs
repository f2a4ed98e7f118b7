use rampart_types::{AccountId, CanonicalUserId, Owner};

use rampart_store::{Expect, Txn};

use crate::ids::IdKind;
use crate::keys;
use crate::load::seal_secret;
use crate::records::{self, AccountRecord, KeyRecord};
use crate::snapshot::{AccountState, KeyEntry};
use crate::validate::{self, fold};
use crate::{AccessKeyId, IdentityStore, KeyStatus, SecretAccessKey};
use serde::{Deserialize, Serialize};

use crate::IamError;

/// An account: the unit that owns buckets and objects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub canonical_id: CanonicalUserId,
    pub display_name: String,
}

impl Account {
    /// A new account with a random 12-digit id and a random 256-bit canonical id.
    pub fn generate(display_name: &str) -> Self {
        let mut raw = [0u8; 40];
        getrandom::fill(&mut raw).expect("the operating system's random source failed");
        let digits: String = raw[..12]
            .iter()
            .enumerate()
            // A leading zero would read as an 11-digit number to many tools.
            .map(|(i, b)| char::from(b'0' + if i == 0 { 1 + b % 9 } else { b % 10 }))
            .collect();
        let id = AccountId::parse(&digits).expect("12 generated digits form an account id");
        let canonical_id = CanonicalUserId::parse(&hex::encode(&raw[8..40]))
            .expect("64 lowercase hex characters form a canonical id");
        Self {
            id,
            canonical_id,
            display_name: display_name.to_owned(),
        }
    }

    pub fn owner(&self) -> Owner {
        Owner {
            account_id: self.id.clone(),
            canonical_id: self.canonical_id.clone(),
            display_name: self.display_name.clone(),
        }
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, IamError> {
        rmp_serde::to_vec_named(self).map_err(|e| IamError::Corrupt(e.to_string()))
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, IamError> {
        rmp_serde::from_slice(bytes).map_err(|e| IamError::Corrupt(e.to_string()))
    }
}

impl IdentityStore {
    /// Creates an account with a root access key; the secret is returned only now.
    pub async fn create_account(
        &self,
        name: &str,
    ) -> Result<(Account, AccessKeyId, SecretAccessKey), IamError> {
        validate::account_name(name)?;
        let writer = self.lock_writer().await;
        let now = self.now();
        let (account, key_id) = {
            let snap = self.read();
            if snap.account_names.contains_key(&fold(name)) {
                return Err(IamError::EntityAlreadyExists(format!(
                    "An account named {name} already exists."
                )));
            }
            let account = loop {
                let candidate = Account::generate(name);
                if !snap.accounts.contains_key(&candidate.id)
                    && !snap.canonical.contains_key(&candidate.canonical_id)
                {
                    break candidate;
                }
            };
            (account, keys::unused_key_id(&snap, IdKind::AccessKey))
        };
        let secret = SecretAccessKey::generate();
        let sealed = seal_secret(&self.master_key, key_id.as_str(), &secret);
        let key = KeyRecord {
            id: key_id.as_str().to_owned(),
            account: account.id.clone(),
            user: None,
            status: KeyStatus::Active,
            created: now,
            sealed_secret: sealed.clone(),
        };
        let txn = Txn::new()
            .check(records::account_key(&account.id), Expect::Absent)
            .check(records::account_name_key(&fold(name)), Expect::Absent)
            .check(records::access_key_key(key_id.as_str()), Expect::Absent)
            .put(
                records::account_key(&account.id),
                records::encode(&AccountRecord {
                    account: account.clone(),
                    created: now,
                })?,
            )
            .put(
                records::account_name_key(&fold(name)),
                account.id.as_str().as_bytes().to_vec(),
            )
            .put(
                records::access_key_key(key_id.as_str()),
                records::encode(&key)?,
            );
        let state = AccountState::new(account.clone(), now);
        let entry = KeyEntry {
            id: key_id.clone(),
            account: account.id.clone(),
            user: None,
            status: KeyStatus::Active,
            created: now,
            secret: secret.clone(),
            bootstrap: false,
            sealed_secret: sealed,
        };
        self.commit_then(writer, txn, move |snap| {
            snap.insert_account(state);
            snap.keys.insert(key.id, entry);
        })
        .await?;
        Ok((account, key_id, secret))
    }

    /// Every account, by id.
    pub fn list_accounts(&self) -> Vec<Account> {
        self.read()
            .accounts
            .values()
            .map(|a| a.account.clone())
            .collect()
    }

    pub fn account(&self, id: &AccountId) -> Option<Account> {
        self.read().accounts.get(id).map(|a| a.account.clone())
    }

    pub fn account_by_canonical_id(&self, id: &CanonicalUserId) -> Option<Account> {
        let snap = self.read();
        let account_id = snap.canonical.get(id)?;
        snap.accounts.get(account_id).map(|a| a.account.clone())
    }

    /// Deletes an account (not the first) with all its identities, keys and sessions. The
    /// caller checks that it owns no buckets.
    pub async fn delete_account(&self, id: &AccountId) -> Result<(), IamError> {
        if *id == self.first_account.id {
            return Err(IamError::DeleteConflict(
                "The first account, whose root user holds the bootstrap credentials, cannot be deleted."
                    .to_owned(),
            ));
        }
        let writer = self.lock_writer().await;
        let txn = {
            let snap = self.read();
            let state = snap.account(id)?;
            let mut txn = Txn::new()
                .check(records::account_key(id), Expect::Present)
                .delete(records::account_key(id))
                .delete(records::account_name_key(&fold(
                    &state.account.display_name,
                )));
            for name in state.users.keys() {
                txn = txn.delete(records::user_key(id, name));
            }
            for name in state.groups.keys() {
                txn = txn.delete(records::group_key(id, name));
            }
            for name in state.roles.keys() {
                txn = txn.delete(records::role_key(id, name));
            }
            for name in state.policies.keys() {
                txn = txn.delete(records::policy_key(id, name));
            }
            for name in state.mfa_devices.keys() {
                txn = txn.delete(records::mfa_key(id, name));
            }
            for key in snap.keys.values().filter(|k| &k.account == id) {
                txn = txn.delete(records::access_key_key(key.id.as_str()));
            }
            for session in snap.sessions.values().filter(|s| &s.account == id) {
                txn = txn.delete(records::session_key(session.id.as_str()));
            }
            txn
        };
        let id = id.clone();
        self.commit_then(writer, txn, move |snap| {
            if let Some(state) = snap.accounts.remove(&id) {
                snap.account_names
                    .remove(&fold(&state.account.display_name));
                snap.canonical.remove(&state.account.canonical_id);
            }
            snap.keys.retain(|_, k| k.account != id);
            snap.sessions.retain(|_, s| s.account != id);
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_well_formed_and_distinct() {
        let a = Account::generate("a");
        let b = Account::generate("b");
        assert_ne!(a.id, b.id);
        assert_ne!(a.canonical_id, b.canonical_id);
        assert_ne!(a.id.as_str().as_bytes()[0], b'0');
        assert_eq!(Account::decode(&a.encode().unwrap()).unwrap(), a);
    }
}
