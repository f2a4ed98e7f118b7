//! IAM groups and their members.

use std::collections::BTreeMap;
use std::sync::Arc;

use rampart_store::{Expect, Txn};
use rampart_types::AccountId;

use crate::ids::{self, IdKind};
use crate::records;
use crate::snapshot::{GroupState, Snapshot};
use crate::user::put_user;
use crate::validate::{self, fold};
use crate::{Group, IamError, IdentityStore, User};

/// Groups a user may belong to.
pub(crate) const GROUPS_PER_USER: usize = 10;

/// Adds the write of `state` to `txn`.
pub(crate) fn put_group(
    txn: Txn,
    account: &AccountId,
    state: &GroupState,
) -> Result<Txn, IamError> {
    let key = records::group_key(account, &fold(&state.group.name));
    Ok(txn.put(key, records::encode(&state.to_record())?))
}

impl Snapshot {
    /// The members of the group `folded` (a folded name), sorted by name.
    fn members(&self, account: &AccountId, folded: &str) -> Vec<User> {
        self.accounts.get(account).map_or_else(Vec::new, |a| {
            a.users
                .values()
                .filter(|u| u.groups.contains(folded))
                .map(|u| (*u.user).clone())
                .collect()
        })
    }
}

impl IdentityStore {
    /// Creates a group. Names are unique in the account regardless of case.
    pub async fn create_group(
        &self,
        account: &AccountId,
        name: &str,
        path: &str,
    ) -> Result<Group, IamError> {
        validate::name(name, "groupName", validate::GROUP_NAME_MAX)?;
        let path = validate::path(path)?;
        let writer = self.lock_writer().await;
        let (state, txn) = {
            let snap = self.read();
            if snap.account(account)?.groups.contains_key(&fold(name)) {
                return Err(IamError::EntityAlreadyExists(format!(
                    "Group with name {name} already exists."
                )));
            }
            let group = Group {
                account: account.clone(),
                name: name.to_owned(),
                arn: ids::iam_arn(account, "group", &path, name),
                path,
                group_id: snap.unused_entity_id(account, IdKind::Group),
                created: self.now(),
            };
            let state = GroupState {
                group: Arc::new(group),
                inline: BTreeMap::new(),
                attached: Vec::new(),
            };
            let txn = Txn::new()
                .check(records::account_key(account), Expect::Present)
                .check(records::group_key(account, &fold(name)), Expect::Absent);
            (state.clone(), put_group(txn, account, &state)?)
        };
        let group = (*state.group).clone();
        let (account, folded) = (account.clone(), fold(name));
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.groups.insert(folded, state);
            }
        })
        .await?;
        Ok(group)
    }

    /// A group and its members (sorted by name).
    pub fn get_group(
        &self,
        account: &AccountId,
        name: &str,
    ) -> Result<(Group, Vec<User>), IamError> {
        let snap = self.read();
        let state = snap.group(account, name)?;
        Ok(((*state.group).clone(), snap.members(account, &fold(name))))
    }

    /// The groups whose path starts with `path_prefix`, sorted by name.
    pub fn list_groups(&self, account: &AccountId, path_prefix: &str) -> Vec<Group> {
        self.read()
            .accounts
            .get(account)
            .map_or_else(Vec::new, |a| {
                a.groups
                    .values()
                    .filter(|g| validate::under_prefix(&g.group.path, path_prefix))
                    .map(|g| (*g.group).clone())
                    .collect()
            })
    }

    /// Deletes a group that has no members and no policies left (as IAM).
    pub async fn delete_group(&self, account: &AccountId, name: &str) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let folded = fold(name);
        {
            let snap = self.read();
            let state = snap.group(account, name)?;
            let conflict = if !snap.members(account, &folded).is_empty() {
                Some("Cannot delete entity, must remove users from group first.")
            } else if !state.inline.is_empty() {
                Some("Cannot delete entity, must delete policies first.")
            } else if !state.attached.is_empty() {
                Some("Cannot delete entity, must detach all policies first.")
            } else {
                None
            };
            if let Some(message) = conflict {
                return Err(IamError::DeleteConflict(message.to_owned()));
            }
        }
        let txn = Txn::new().delete(records::group_key(account, &folded));
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.groups.remove(&folded);
            }
        })
        .await
    }

    /// Adds a user to a group (nothing to do if it is a member already).
    pub async fn add_user_to_group(
        &self,
        account: &AccountId,
        group: &str,
        user: &str,
    ) -> Result<(), IamError> {
        self.change_membership(account, group, user, true).await
    }

    /// Removes a user from a group.
    pub async fn remove_user_from_group(
        &self,
        account: &AccountId,
        group: &str,
        user: &str,
    ) -> Result<(), IamError> {
        self.change_membership(account, group, user, false).await
    }

    async fn change_membership(
        &self,
        account: &AccountId,
        group: &str,
        user: &str,
        add: bool,
    ) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let group_folded = fold(group);
        let (state, txn) = {
            let snap = self.read();
            snap.group(account, group)?;
            let mut state = snap.user(account, user)?.clone();
            if add {
                if state.groups.contains(&group_folded) {
                    return Ok(());
                }
                if state.groups.len() >= GROUPS_PER_USER {
                    return Err(IamError::LimitExceeded(format!(
                        "Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"
                    )));
                }
                state.groups.insert(group_folded.clone());
            } else if !state.groups.remove(&group_folded) {
                return Err(IamError::NoSuchEntity(format!(
                    "The user with name {user} cannot be found in group {group}."
                )));
            }
            let txn = Txn::new()
                .check(records::group_key(account, &group_folded), Expect::Present)
                .check(records::user_key(account, &fold(user)), Expect::Present);
            let txn = put_user(txn, account, &state)?;
            (state, txn)
        };
        let (account, folded) = (account.clone(), fold(user));
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.users.insert(folded, state);
            }
        })
        .await
    }

    /// The groups a user belongs to, sorted by name.
    pub fn list_groups_for_user(
        &self,
        account: &AccountId,
        user: &str,
    ) -> Result<Vec<Group>, IamError> {
        let snap = self.read();
        let state = snap.user(account, user)?;
        let acct = snap.account(account)?;
        Ok(state
            .groups
            .iter()
            .filter_map(|g| acct.groups.get(g))
            .map(|g| (*g.group).clone())
            .collect())
    }
}
