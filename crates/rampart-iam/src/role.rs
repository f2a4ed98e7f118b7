//! IAM roles and their trust policies.

use std::collections::BTreeMap;
use std::sync::Arc;

use rampart_policy::{NamedPolicy, PolicyKind, PolicyType, limits};
use rampart_store::{Expect, Txn};
use rampart_types::AccountId;

use crate::ids::{self, IdKind};
use crate::records;
use crate::snapshot::{RoleState, parse_policy, trust_policy_name};
use crate::validate::{self, constraint, fold};
use crate::{IamError, IdentityStore, Role, Tag};

/// A role's maximum session duration unless set, and its bounds (seconds).
pub(crate) const DEFAULT_MAX_SESSION: u32 = 3600;
pub(crate) const MAX_SESSION_MIN: u32 = 3600;
pub(crate) const MAX_SESSION_MAX: u32 = 43200;

/// Adds the write of `state` to `txn`.
pub(crate) fn put_role(txn: Txn, account: &AccountId, state: &RoleState) -> Result<Txn, IamError> {
    let key = records::role_key(account, &fold(&state.role.name));
    Ok(txn.put(key, records::encode(&state.to_record())?))
}

/// Validates and parses a role's trust policy.
fn parse_trust(role_name: &str, document: &str) -> Result<NamedPolicy, IamError> {
    if validate::policy_size(document) > limits::TRUST {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ACLSizePerRole: {}",
            limits::TRUST
        )));
    }
    parse_policy(
        document,
        PolicyKind::Trust,
        trust_policy_name(role_name),
        PolicyType::Resource,
    )
}

fn max_session(value: Option<u32>) -> Result<u32, IamError> {
    match value {
        None => Ok(DEFAULT_MAX_SESSION),
        Some(v) if v < MAX_SESSION_MIN => Err(constraint(
            &v.to_string(),
            "maxSessionDuration",
            &format!("Member must have value greater than or equal to {MAX_SESSION_MIN}"),
        )),
        Some(v) if v > MAX_SESSION_MAX => Err(constraint(
            &v.to_string(),
            "maxSessionDuration",
            &format!("Member must have value less than or equal to {MAX_SESSION_MAX}"),
        )),
        Some(v) => Ok(v),
    }
}

impl IdentityStore {
    /// Creates a role with its trust policy (the document is kept as given).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_role(
        &self,
        account: &AccountId,
        name: &str,
        path: &str,
        trust_policy: &str,
        description: Option<String>,
        max_session_duration: Option<u32>,
        tags: Vec<Tag>,
    ) -> Result<Role, IamError> {
        validate::name(name, "roleName", validate::ROLE_NAME_MAX)?;
        let path = validate::path(path)?;
        validate::description(description.as_deref(), validate::ROLE_DESCRIPTION_MAX)?;
        let max_session_duration = max_session(max_session_duration)?;
        validate::tags(&tags)?;
        let trust = parse_trust(name, trust_policy)?;
        let writer = self.lock_writer().await;
        let (state, txn) = {
            let snap = self.read();
            if snap.account(account)?.roles.contains_key(&fold(name)) {
                return Err(IamError::EntityAlreadyExists(format!(
                    "Role with name {name} already exists."
                )));
            }
            let role = Role {
                account: account.clone(),
                name: name.to_owned(),
                arn: ids::iam_arn(account, "role", &path, name),
                path,
                role_id: snap.unused_entity_id(account, IdKind::Role),
                created: self.now(),
                trust_policy: trust_policy.to_owned(),
                description,
                max_session_duration,
                tags,
            };
            let state = RoleState {
                role: Arc::new(role),
                trust,
                inline: BTreeMap::new(),
                attached: Vec::new(),
            };
            let txn = Txn::new()
                .check(records::account_key(account), Expect::Present)
                .check(records::role_key(account, &fold(name)), Expect::Absent);
            (state.clone(), put_role(txn, account, &state)?)
        };
        let role = (*state.role).clone();
        let (account, folded) = (account.clone(), fold(name));
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.roles.insert(folded, state);
            }
        })
        .await?;
        Ok(role)
    }

    pub fn get_role(&self, account: &AccountId, name: &str) -> Result<Role, IamError> {
        Ok((*self.read().role(account, name)?.role).clone())
    }

    /// The roles whose path starts with `path_prefix`, sorted by name.
    pub fn list_roles(&self, account: &AccountId, path_prefix: &str) -> Vec<Role> {
        self.read()
            .accounts
            .get(account)
            .map_or_else(Vec::new, |a| {
                a.roles
                    .values()
                    .filter(|r| validate::under_prefix(&r.role.path, path_prefix))
                    .map(|r| (*r.role).clone())
                    .collect()
            })
    }

    /// Deletes a role that has no policies left; its sessions stop resolving.
    pub async fn delete_role(&self, account: &AccountId, name: &str) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let folded = fold(name);
        let sessions = {
            let snap = self.read();
            let state = snap.role(account, name)?;
            if !state.attached.is_empty() {
                return Err(IamError::DeleteConflict(
                    "Cannot delete entity, must detach all policies first.".to_owned(),
                ));
            }
            if !state.inline.is_empty() {
                return Err(IamError::DeleteConflict(
                    "Cannot delete entity, must delete policies first.".to_owned(),
                ));
            }
            snap.sessions_of_role(account, &state.role.role_id)
        };
        let mut txn = Txn::new().delete(records::role_key(account, &folded));
        for id in &sessions {
            txn = txn.delete(records::session_key(id));
        }
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.roles.remove(&folded);
            }
            for id in &sessions {
                snap.sessions.remove(id);
            }
        })
        .await
    }

    /// Replaces a role's trust policy.
    pub async fn update_assume_role_policy(
        &self,
        account: &AccountId,
        name: &str,
        trust_policy: &str,
    ) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let (state, txn) = {
            let snap = self.read();
            let current = snap.role(account, name)?;
            let trust = parse_trust(&current.role.name, trust_policy)?;
            let role = Role {
                trust_policy: trust_policy.to_owned(),
                ..(*current.role).clone()
            };
            let state = RoleState {
                role: Arc::new(role),
                trust,
                ..current.clone()
            };
            let txn = Txn::new().check(records::role_key(account, &fold(name)), Expect::Present);
            (state.clone(), put_role(txn, account, &state)?)
        };
        let (account, folded) = (account.clone(), fold(name));
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.roles.insert(folded, state);
            }
        })
        .await
    }

    /// A role's trust policy, parsed, as the resource policy of `sts:AssumeRole`.
    pub fn role_trust_policy(
        &self,
        account: &AccountId,
        role_name: &str,
    ) -> Result<NamedPolicy, IamError> {
        Ok(self.read().role(account, role_name)?.trust.clone())
    }
}
