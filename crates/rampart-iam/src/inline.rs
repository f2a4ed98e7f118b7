//! Inline policies of users, groups and roles.

use rampart_policy::{PolicyKind, PolicyType};
use rampart_store::Txn;
use rampart_types::AccountId;

use crate::snapshot::{inline_policy_name, parse_policy};
use crate::validate::{self, policy_size};
use crate::{IamError, IdentityStore, PolicyTarget};

fn no_such_inline(kind: &str, policy_name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The {kind} policy with name {policy_name} cannot be found."
    ))
}

impl IdentityStore {
    /// Adds or replaces an inline policy. The sum of a target's inline policies (characters
    /// without whitespace) is limited: 2,048 for a user, 5,120 for a group, 10,240 for a role.
    pub async fn put_inline_policy(
        &self,
        account: &AccountId,
        target: &PolicyTarget,
        policy_name: &str,
        document: &str,
    ) -> Result<(), IamError> {
        validate::name(policy_name, "policyName", validate::POLICY_NAME_MAX)?;
        let writer = self.lock_writer().await;
        let (state, txn) = {
            let snap = self.read();
            let mut state = snap.target(account, target)?;
            let others: usize = state
                .inline()
                .iter()
                .filter(|(name, _)| name.as_str() != policy_name)
                .map(|(_, p)| policy_size(p.policy.text()))
                .sum();
            let limit = state.inline_limit();
            if others + policy_size(document) > limit {
                return Err(IamError::LimitExceeded(format!(
                    "Maximum policy size of {limit} bytes exceeded for {} {}",
                    state.kind(),
                    state.name()
                )));
            }
            let named = parse_policy(
                document,
                PolicyKind::Identity,
                inline_policy_name(state.kind(), state.name(), policy_name),
                PolicyType::Identity,
            )?;
            state.inline_mut().insert(policy_name.to_owned(), named);
            let txn = state.write(Txn::new(), account)?;
            (state, txn)
        };
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| state.install(snap, &account))
            .await
    }

    /// An inline policy's document, as it was put.
    pub fn get_inline_policy(
        &self,
        account: &AccountId,
        target: &PolicyTarget,
        policy_name: &str,
    ) -> Result<String, IamError> {
        let snap = self.read();
        let state = snap.target(account, target)?;
        state
            .inline()
            .get(policy_name)
            .map(|p| p.policy.text().to_owned())
            .ok_or_else(|| no_such_inline(state.kind(), policy_name))
    }

    /// The names of a target's inline policies, sorted.
    pub fn list_inline_policies(
        &self,
        account: &AccountId,
        target: &PolicyTarget,
    ) -> Result<Vec<String>, IamError> {
        let snap = self.read();
        Ok(snap
            .target(account, target)?
            .inline()
            .keys()
            .cloned()
            .collect())
    }

    pub async fn delete_inline_policy(
        &self,
        account: &AccountId,
        target: &PolicyTarget,
        policy_name: &str,
    ) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let (state, txn) = {
            let snap = self.read();
            let mut state = snap.target(account, target)?;
            if state.inline_mut().remove(policy_name).is_none() {
                return Err(no_such_inline(state.kind(), policy_name));
            }
            let txn = state.write(Txn::new(), account)?;
            (state, txn)
        };
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| state.install(snap, &account))
            .await
    }
}
