//! Aliases: friendly names for keys, one account's namespace.

use rampart_store::{Expect, StoreError, Txn};
use rampart_types::AccountId;

use crate::error::{KmsError, Result};
use crate::ids::{self, RESERVED_ALIAS_PREFIX};
use crate::records::{self, AliasRecord};
use crate::{Alias, Key, KeyState, Kms, Page};

impl Kms {
    fn alias_not_found(&self, account: &AccountId, name: &str) -> KmsError {
        KmsError::NotFound(format!(
            "Alias {} is not found.",
            self.alias_arn(account, name)
        ))
    }

    fn to_alias(&self, account: &AccountId, rec: &AliasRecord) -> Alias {
        Alias {
            name: rec.name.clone(),
            arn: self.alias_arn(account, &rec.name),
            target_key_id: rec.target.clone(),
            created: rec.created,
            updated: rec.updated,
        }
    }

    fn check_target(key: &Key, account: &AccountId) -> Result<()> {
        if key.account != *account {
            return Err(KmsError::NotFound(format!(
                "Key '{}' does not exist",
                key.arn
            )));
        }
        if key.state == KeyState::PendingDeletion {
            return Err(KmsError::InvalidState(format!(
                "{} is pending deletion.",
                key.arn
            )));
        }
        Ok(())
    }

    /// CreateAlias `name` for `target`, a key of `account`.
    pub async fn create_alias(&self, account: &AccountId, name: &str, target: &Key) -> Result<()> {
        ids::check_alias_name(name)?;
        Self::check_target(target, account)?;
        let now = self.now();
        let rec = AliasRecord {
            name: name.to_owned(),
            target: target.id.clone(),
            created: now,
            updated: now,
        };
        let key = records::alias_key(account, name);
        let txn = Txn::new()
            .check(key.clone(), Expect::Absent)
            .put(key, records::encode(&rec)?);
        match self.meta.commit(txn).await {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict { .. }) => Err(KmsError::AlreadyExists(format!(
                "An alias with the name {} already exists",
                self.alias_arn(account, name)
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// UpdateAlias: point `name` at another key of the account.
    pub async fn update_alias(&self, account: &AccountId, name: &str, target: &Key) -> Result<()> {
        ids::check_alias_name(name)?;
        Self::check_target(target, account)?;
        let key = records::alias_key(account, name);
        let Some(found) = self.meta.get(&key).await? else {
            return Err(self.alias_not_found(account, name));
        };
        let mut rec: AliasRecord = records::decode(&key, &found.value)?;
        rec.target = target.id.clone();
        rec.updated = self.now();
        let txn = Txn::new()
            .check(key.clone(), Expect::Version(found.version))
            .put(key, records::encode(&rec)?);
        match self.meta.commit(txn).await {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict { .. }) => Err(self.alias_not_found(account, name)),
            Err(e) => Err(e.into()),
        }
    }

    /// DeleteAlias.
    pub async fn delete_alias(&self, account: &AccountId, name: &str) -> Result<()> {
        if name.starts_with(RESERVED_ALIAS_PREFIX) {
            ids::check_alias_name(name)?;
        }
        let key = records::alias_key(account, name);
        let txn = Txn::new().check(key.clone(), Expect::Present).delete(key);
        match self.meta.commit(txn).await {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict { .. }) => Err(self.alias_not_found(account, name)),
            Err(e) => Err(e.into()),
        }
    }

    /// The alias `name` of `account`, if it exists.
    pub async fn get_alias(&self, account: &AccountId, name: &str) -> Result<Option<Alias>> {
        Ok(self
            .alias_record(account, name)
            .await?
            .map(|r| self.to_alias(account, &r)))
    }

    /// ListAliases: the account's aliases in name order (those of one key when `key_id` is
    /// given), `limit` per page, after `marker` (the last name of the previous page).
    pub async fn list_aliases(
        &self,
        account: &AccountId,
        key_id: Option<&str>,
        limit: usize,
        marker: Option<&str>,
    ) -> Result<Page<Alias>> {
        let mut all: Vec<AliasRecord> = self
            .alias_records(account)
            .await?
            .into_iter()
            .filter(|a| key_id.is_none_or(|k| a.target == k))
            .filter(|a| marker.is_none_or(|m| a.name.as_str() > m))
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        let truncated = all.len() > limit;
        all.truncate(limit);
        let next_marker = if truncated {
            all.last().map(|a| a.name.clone())
        } else {
            None
        };
        Ok(Page {
            items: all.iter().map(|r| self.to_alias(account, r)).collect(),
            next_marker,
        })
    }
}
