//! Long-term access keys of users and of account roots.

use rampart_store::{Expect, Txn};
use rampart_types::AccountId;

use crate::ids::{self, IdKind};
use crate::load::seal_secret;
use crate::records::{self, KeyRecord};
use crate::snapshot::{KeyEntry, Snapshot};
use crate::validate::fold;
use crate::{AccessKey, AccessKeyId, IamError, IdentityStore, KeyStatus, SecretAccessKey};

/// Access keys a user, or an account's root, may have (active or inactive).
pub(crate) const KEYS_PER_USER: usize = 2;

/// A new key id of `kind` that no key or session uses.
pub(crate) fn unused_key_id(snap: &Snapshot, kind: IdKind) -> AccessKeyId {
    loop {
        let id = ids::generate(kind);
        if !snap.key_id_taken(&id) {
            return AccessKeyId::parse(&id).expect("generated key ids are well formed");
        }
    }
}

fn no_such_key(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("The Access Key with id {id} cannot be found."))
}

impl Snapshot {
    /// The folded owner of `user`'s keys, checking that the user exists (`None`: root).
    fn key_owner(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Option<String>, IamError> {
        self.account(account)?;
        match user {
            None => Ok(None),
            Some(name) => {
                self.user(account, name)?;
                Ok(Some(fold(name)))
            }
        }
    }

    /// The key `key_id` of `user` (`None`: root) in `account`.
    fn owned_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        key_id: &str,
    ) -> Result<&KeyEntry, IamError> {
        let owner = self.key_owner(account, user)?;
        self.keys
            .get(key_id)
            .filter(|k| &k.account == account && k.user == owner)
            .ok_or_else(|| no_such_key(key_id))
    }

    fn access_key(&self, entry: &KeyEntry) -> AccessKey {
        let user_name = entry.user.as_ref().map(|folded| {
            self.accounts
                .get(&entry.account)
                .and_then(|a| a.users.get(folded))
                .map_or_else(|| folded.clone(), |u| u.user.name.clone())
        });
        AccessKey {
            id: entry.id.clone(),
            user_name,
            status: entry.status,
            created: entry.created,
        }
    }
}

fn key_record(entry: &KeyEntry) -> KeyRecord {
    KeyRecord {
        id: entry.id.as_str().to_owned(),
        account: entry.account.clone(),
        user: entry.user.clone(),
        status: entry.status,
        created: entry.created,
        sealed_secret: entry.sealed_secret.clone(),
    }
}

fn refuse_bootstrap(entry: &KeyEntry) -> Result<(), IamError> {
    if entry.bootstrap {
        return Err(IamError::InvalidInput(format!(
            "The access key {} is the server's bootstrap key; it is set in the server's configuration and cannot be changed through IAM.",
            entry.id
        )));
    }
    Ok(())
}

impl IdentityStore {
    /// Creates an access key for `user`, or for the account's root (`None`). At most two per
    /// user; the secret is returned only now.
    pub async fn create_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<(AccessKey, SecretAccessKey), IamError> {
        let writer = self.lock_writer().await;
        let now = self.now();
        let (key, entry, txn) = {
            let snap = self.read();
            let owner = snap.key_owner(account, user)?;
            if snap.keys_of(account, owner.as_deref()).len() >= KEYS_PER_USER {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}"
                )));
            }
            let id = unused_key_id(&snap, IdKind::AccessKey);
            let secret = SecretAccessKey::generate();
            let sealed_secret = seal_secret(&self.master_key, id.as_str(), &secret);
            let entry = KeyEntry {
                id,
                account: account.clone(),
                user: owner.clone(),
                status: KeyStatus::Active,
                created: now,
                secret,
                bootstrap: false,
                sealed_secret,
            };
            let key = records::access_key_key(entry.id.as_str());
            let mut txn = Txn::new()
                .check(key.clone(), Expect::Absent)
                .put(key, records::encode(&key_record(&entry))?);
            txn = match &owner {
                Some(folded) => txn.check(records::user_key(account, folded), Expect::Present),
                None => txn.check(records::account_key(account), Expect::Present),
            };
            (snap.access_key(&entry), entry, txn)
        };
        let secret = entry.secret.clone();
        self.commit_then(writer, txn, move |snap| {
            snap.keys.insert(entry.id.as_str().to_owned(), entry);
        })
        .await?;
        Ok((key, secret))
    }

    /// The access keys of `user`, or of the account's root (`None`), oldest first.
    pub fn list_access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<Vec<AccessKey>, IamError> {
        let snap = self.read();
        let owner = snap.key_owner(account, user)?;
        Ok(snap
            .keys_of(account, owner.as_deref())
            .into_iter()
            .map(|k| snap.access_key(k))
            .collect())
    }

    /// Activates or deactivates a key; an inactive key no longer authenticates.
    pub async fn update_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        key_id: &str,
        status: KeyStatus,
    ) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let (entry, txn) = {
            let snap = self.read();
            let entry = snap.owned_key(account, user, key_id)?;
            refuse_bootstrap(entry)?;
            let entry = KeyEntry {
                status,
                ..entry.clone()
            };
            let key = records::access_key_key(key_id);
            let txn = Txn::new()
                .check(key.clone(), Expect::Present)
                .put(key, records::encode(&key_record(&entry))?);
            (entry, txn)
        };
        self.commit_then(writer, txn, move |snap| {
            snap.keys.insert(entry.id.as_str().to_owned(), entry);
        })
        .await
    }

    /// Deletes a key.
    pub async fn delete_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        key_id: &str,
    ) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        {
            let snap = self.read();
            refuse_bootstrap(snap.owned_key(account, user, key_id)?)?;
        }
        let txn = Txn::new().delete(records::access_key_key(key_id));
        let key_id = key_id.to_owned();
        self.commit_then(writer, txn, move |snap| {
            snap.keys.remove(&key_id);
        })
        .await
    }
}
