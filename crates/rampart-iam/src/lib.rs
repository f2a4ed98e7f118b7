//! Who a request comes from.
//!
//! Every account has a 12-digit id, a 64-hex canonical user id and a display name, as AWS shows
//! them in `Owner` elements. The bootstrap credentials are the root user of the first account.
//! Accounts are stored through `MetaStore`; secrets supplied at start-up are held only in memory.

mod account;
mod credentials;
mod error;
mod principal;

pub use account::Account;
pub use credentials::{AccessKeyId, SecretAccessKey};
pub use error::IamError;
pub use principal::Principal;

use std::sync::Arc;

use rampart_store::{Expect, MetaStore, Txn};

/// Metadata key of the first account's record; written once, on first start.
const FIRST_ACCOUNT_KEY: &[u8] = b"sys/first-account";

/// The identities the server knows and the credentials that authenticate them.
pub struct IdentityStore {
    root_account: Account,
    root_key: (AccessKeyId, SecretAccessKey),
}

/// What a verified access key resolves to.
pub struct ResolvedKey<'a> {
    pub secret: &'a SecretAccessKey,
    pub principal: Principal,
}

impl IdentityStore {
    /// Loads the first account, creating it on the first start, and binds the bootstrap
    /// credentials to its root user.
    pub async fn open(
        meta: Arc<dyn MetaStore>,
        first_account_name: &str,
        root_key: (AccessKeyId, SecretAccessKey),
    ) -> Result<Self, IamError> {
        let root_account = match meta.get(FIRST_ACCOUNT_KEY).await? {
            Some(record) => Account::decode(&record.value)?,
            None => {
                let account = Account::generate(first_account_name);
                let txn = Txn::new()
                    .check(FIRST_ACCOUNT_KEY, Expect::Absent)
                    .put(FIRST_ACCOUNT_KEY, account.encode()?);
                match meta.commit(txn).await {
                    Ok(_) => account,
                    // Another node created it first: use theirs.
                    Err(rampart_store::StoreError::Conflict { .. }) => {
                        let record = meta
                            .get(FIRST_ACCOUNT_KEY)
                            .await?
                            .ok_or(IamError::Corrupt("first account vanished".into()))?;
                        Account::decode(&record.value)?
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        Ok(Self {
            root_account,
            root_key,
        })
    }

    pub fn root_account(&self) -> &Account {
        &self.root_account
    }

    /// The secret and principal behind an access key id, if the key exists.
    pub fn resolve_access_key(&self, access_key_id: &str) -> Option<ResolvedKey<'_>> {
        let (id, secret) = &self.root_key;
        id.matches(access_key_id).then(|| ResolvedKey {
            secret,
            principal: Principal::AccountRoot {
                account: self.root_account.clone(),
                access_key_id: id.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_store::memory::MemoryMetaStore;

    fn key() -> (AccessKeyId, SecretAccessKey) {
        (
            AccessKeyId::parse("AKIAIOSFODNN7EXAMPLE").unwrap(),
            SecretAccessKey::parse("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").unwrap(),
        )
    }

    #[tokio::test]
    async fn first_account_is_created_once_and_reloaded() {
        let meta: Arc<dyn MetaStore> = Arc::new(MemoryMetaStore::new());
        let first = IdentityStore::open(meta.clone(), "team", key())
            .await
            .unwrap();
        let again = IdentityStore::open(meta, "ignored", key()).await.unwrap();
        assert_eq!(first.root_account(), again.root_account());
        assert_eq!(again.root_account().display_name, "team");
    }

    #[tokio::test]
    async fn resolves_only_the_bootstrap_key() {
        let meta: Arc<dyn MetaStore> = Arc::new(MemoryMetaStore::new());
        let store = IdentityStore::open(meta, "team", key()).await.unwrap();
        let resolved = store.resolve_access_key("AKIAIOSFODNN7EXAMPLE").unwrap();
        assert_eq!(
            resolved.secret.expose(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        );
        assert!(matches!(resolved.principal, Principal::AccountRoot { .. }));
        assert!(store.resolve_access_key("AKIAIOSFODNN7EXAMPLF").is_none());
        assert!(store.resolve_access_key("").is_none());
    }
}
