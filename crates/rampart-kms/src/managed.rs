//! AWS-managed keys (`alias/aws/<service>`): created the first time the service needs one.

use rampart_store::{Expect, StoreError, Txn};
use rampart_types::AccountId;

use crate::error::{KmsError, Result};
use crate::records::{self, AliasRecord};
use crate::{DAY, DEFAULT_ROTATION_PERIOD_DAYS, Key, KeyManager, Kms};

/// How many times creation retries after losing a race to create the same key.
const MAX_ATTEMPTS: usize = 4;

impl Kms {
    /// The AWS-managed key of `service` (e.g. `"s3"`) in `account`, behind the alias
    /// `alias/aws/<service>`; created, with yearly rotation, on first use.
    pub async fn aws_managed_key(&self, account: &AccountId, service: &str) -> Result<Key> {
        let name = format!("alias/aws/{service}");
        for _ in 0..MAX_ATTEMPTS {
            if let Some(alias) = self.alias_record(account, &name).await? {
                match self.load_live(account, &alias.target).await {
                    Err(KmsError::NotFound(_)) => {}
                    other => return other.map(|(rec, _)| self.to_key(&rec)),
                }
            }
            let upper = service.to_ascii_uppercase();
            let policy =
                crate::policy_text::aws_managed_key_policy(account, service, self.region());
            let mut rec = self.new_record(
                account,
                format!(
                    "Default key that protects my {upper} objects when no other key is defined"
                ),
                policy,
                KeyManager::Aws,
                Vec::new(),
            );
            rec.rotation_enabled = true;
            rec.rotation_period_days = Some(DEFAULT_ROTATION_PERIOD_DAYS);
            rec.next_rotation = Some(rec.created + DAY * DEFAULT_ROTATION_PERIOD_DAYS);
            let alias = AliasRecord {
                name: name.clone(),
                target: rec.id.clone(),
                created: rec.created,
                updated: rec.created,
            };
            let alias_key = records::alias_key(account, &name);
            let key_key = records::key_key(account, &rec.id);
            // The alias may exist pointing at a purged key: replace it only if unchanged.
            let alias_check = match self.meta.get(&alias_key).await? {
                Some(r) => Expect::Version(r.version),
                None => Expect::Absent,
            };
            let txn = Txn::new()
                .check(alias_key.clone(), alias_check)
                .check(key_key.clone(), Expect::Absent)
                .put(key_key, records::encode(&rec)?)
                .put(alias_key, records::encode(&alias)?);
            match self.meta.commit(txn).await {
                Ok(_) => return Ok(self.to_key(&rec)),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(KmsError::Store(StoreError::Conflict { key: Vec::new() }))
    }
}
