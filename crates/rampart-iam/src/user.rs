//! IAM users.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rampart_store::{Expect, Txn};
use rampart_types::AccountId;

use crate::ids::{self, IdKind};
use crate::records;
use crate::snapshot::{Snapshot, UserState};
use crate::validate::{self, fold};
use crate::{IamError, IdentityStore, Tag, User};

impl Snapshot {
    /// A unique id of `kind` for a new entity in `account`.
    pub(crate) fn unused_entity_id(&self, account: &AccountId, kind: IdKind) -> String {
        loop {
            let id = ids::generate(kind);
            let taken = self.accounts.get(account).is_some_and(|a| match kind {
                IdKind::User => a.users.values().any(|u| u.user.user_id == id),
                IdKind::Group => a.groups.values().any(|g| g.group.group_id == id),
                IdKind::Role => a.roles.values().any(|r| r.role.role_id == id),
                IdKind::Policy => a.policies.values().any(|p| p.policy_id == id),
                IdKind::AccessKey | IdKind::SessionKey => false,
            });
            if !taken {
                return id;
            }
        }
    }
}

/// Adds the write of `state` to `txn`.
pub(crate) fn put_user(txn: Txn, account: &AccountId, state: &UserState) -> Result<Txn, IamError> {
    let key = records::user_key(account, &fold(&state.user.name));
    Ok(txn.put(key, records::encode(&state.to_record())?))
}

/// The users of `account` under `path_prefix`, sorted by name.
pub(crate) fn users_under(snap: &Snapshot, account: &AccountId, path_prefix: &str) -> Vec<User> {
    snap.accounts.get(account).map_or_else(Vec::new, |a| {
        a.users
            .values()
            .filter(|u| validate::under_prefix(&u.user.path, path_prefix))
            .map(|u| (*u.user).clone())
            .collect()
    })
}

impl IdentityStore {
    /// Creates a user. Names are unique in the account regardless of case.
    pub async fn create_user(
        &self,
        account: &AccountId,
        name: &str,
        path: &str,
        tags: Vec<Tag>,
    ) -> Result<User, IamError> {
        validate::name(name, "userName", validate::USER_NAME_MAX)?;
        let path = validate::path(path)?;
        validate::tags(&tags)?;
        let writer = self.lock_writer().await;
        let (state, txn) = {
            let snap = self.read();
            let acct = snap.account(account)?;
            if acct.users.contains_key(&fold(name)) {
                return Err(IamError::EntityAlreadyExists(format!(
                    "User with name {name} already exists."
                )));
            }
            let user = User {
                account: account.clone(),
                name: name.to_owned(),
                arn: ids::iam_arn(account, "user", &path, name),
                path,
                user_id: snap.unused_entity_id(account, IdKind::User),
                created: self.now(),
                tags,
            };
            let state = UserState {
                user: Arc::new(user),
                inline: BTreeMap::new(),
                attached: Vec::new(),
                groups: BTreeSet::new(),
            };
            let txn = Txn::new()
                .check(records::account_key(account), Expect::Present)
                .check(records::user_key(account, &fold(name)), Expect::Absent);
            (state.clone(), put_user(txn, account, &state)?)
        };
        let user = (*state.user).clone();
        let (account, folded) = (account.clone(), fold(name));
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.users.insert(folded, state);
            }
        })
        .await?;
        Ok(user)
    }

    pub fn get_user(&self, account: &AccountId, name: &str) -> Result<User, IamError> {
        Ok((*self.read().user(account, name)?.user).clone())
    }

    /// The users whose path starts with `path_prefix` (`""` or `"/"`: all), sorted by name.
    pub fn list_users(&self, account: &AccountId, path_prefix: &str) -> Vec<User> {
        users_under(&self.read(), account, path_prefix)
    }

    /// Deletes a user that has no access keys, policies or group memberships left (as IAM).
    pub async fn delete_user(&self, account: &AccountId, name: &str) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let (folded, sessions) = {
            let snap = self.read();
            let state = snap.user(account, name)?;
            let folded = fold(name);
            let conflict = if !snap.keys_of(account, Some(&folded)).is_empty() {
                Some("Cannot delete entity, must delete access keys first.")
            } else if !state.inline.is_empty() {
                Some("Cannot delete entity, must delete policies first.")
            } else if !state.attached.is_empty() {
                Some("Cannot delete entity, must detach all policies first.")
            } else if !state.groups.is_empty() {
                Some("Cannot delete entity, must remove users from group first.")
            } else if snap.user_has_mfa(account, &folded) {
                Some("Cannot delete entity, must delete MFA device first.")
            } else {
                None
            };
            if let Some(message) = conflict {
                return Err(IamError::DeleteConflict(message.to_owned()));
            }
            let sessions = snap.sessions_of_user(account, &state.user.user_id);
            (folded, sessions)
        };
        let mut txn = Txn::new().delete(records::user_key(account, &folded));
        for id in &sessions {
            txn = txn.delete(records::session_key(id));
        }
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.users.remove(&folded);
            }
            for id in &sessions {
                snap.sessions.remove(id);
            }
        })
        .await
    }
}
