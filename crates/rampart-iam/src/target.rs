//! The identity an inline policy or attachment belongs to: a user, a group or a role.

use rampart_policy::limits;
use rampart_store::{Expect, Txn};
use rampart_types::AccountId;

use crate::group::put_group;
use crate::role::put_role;
use crate::snapshot::{GroupState, InlineMap, RoleState, Snapshot, UserState};
use crate::user::put_user;
use crate::validate::fold;
use crate::{IamError, PolicyTarget, records};

/// A copy of a target's state, to change and write back.
#[derive(Clone, Debug)]
pub(crate) enum TargetState {
    User(UserState),
    Group(GroupState),
    Role(RoleState),
}

impl TargetState {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Group(_) => "group",
            Self::Role(_) => "role",
        }
    }

    /// The target's name as created.
    pub fn name(&self) -> &str {
        match self {
            Self::User(s) => &s.user.name,
            Self::Group(s) => &s.group.name,
            Self::Role(s) => &s.role.name,
        }
    }

    pub fn inline(&self) -> &InlineMap {
        match self {
            Self::User(s) => &s.inline,
            Self::Group(s) => &s.inline,
            Self::Role(s) => &s.inline,
        }
    }

    pub fn inline_mut(&mut self) -> &mut InlineMap {
        match self {
            Self::User(s) => &mut s.inline,
            Self::Group(s) => &mut s.inline,
            Self::Role(s) => &mut s.inline,
        }
    }

    pub fn attached(&self) -> &Vec<String> {
        match self {
            Self::User(s) => &s.attached,
            Self::Group(s) => &s.attached,
            Self::Role(s) => &s.attached,
        }
    }

    pub fn attached_mut(&mut self) -> &mut Vec<String> {
        match self {
            Self::User(s) => &mut s.attached,
            Self::Group(s) => &mut s.attached,
            Self::Role(s) => &mut s.attached,
        }
    }

    /// The aggregate size limit of the target's inline policies.
    pub fn inline_limit(&self) -> usize {
        match self {
            Self::User(_) => limits::USER_INLINE,
            Self::Group(_) => limits::GROUP_INLINE,
            Self::Role(_) => limits::ROLE_INLINE,
        }
    }

    /// IAM's name for the attachment quota (`PoliciesPerUser`, …).
    pub fn attachment_quota_name(&self) -> &'static str {
        match self {
            Self::User(_) => "PoliciesPerUser",
            Self::Group(_) => "PoliciesPerGroup",
            Self::Role(_) => "PoliciesPerRole",
        }
    }

    /// `txn` plus a check that the target still exists and the write of its new state.
    pub fn write(&self, txn: Txn, account: &AccountId) -> Result<Txn, IamError> {
        let folded = fold(self.name());
        match self {
            Self::User(s) => put_user(
                txn.check(records::user_key(account, &folded), Expect::Present),
                account,
                s,
            ),
            Self::Group(s) => put_group(
                txn.check(records::group_key(account, &folded), Expect::Present),
                account,
                s,
            ),
            Self::Role(s) => put_role(
                txn.check(records::role_key(account, &folded), Expect::Present),
                account,
                s,
            ),
        }
    }

    /// Puts the new state into the snapshot.
    pub fn install(self, snap: &mut Snapshot, account: &AccountId) {
        let Some(acct) = snap.accounts.get_mut(account) else {
            return;
        };
        let folded = fold(self.name());
        match self {
            Self::User(s) => {
                acct.users.insert(folded, s);
            }
            Self::Group(s) => {
                acct.groups.insert(folded, s);
            }
            Self::Role(s) => {
                acct.roles.insert(folded, s);
            }
        }
    }
}

impl Snapshot {
    /// A copy of the target's state; NoSuchEntity if it does not exist.
    pub(crate) fn target(
        &self,
        account: &AccountId,
        target: &PolicyTarget,
    ) -> Result<TargetState, IamError> {
        Ok(match target {
            PolicyTarget::User(n) => TargetState::User(self.user(account, n)?.clone()),
            PolicyTarget::Group(n) => TargetState::Group(self.group(account, n)?.clone()),
            PolicyTarget::Role(n) => TargetState::Role(self.role(account, n)?.clone()),
        })
    }
}
