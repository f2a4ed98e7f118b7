//! Managed policies (customer-managed and AWS-managed), their versions and attachments.

use std::collections::BTreeMap;

use rampart_policy::{NamedPolicy, PolicyKind, PolicyType, limits};
use rampart_store::{Expect, Txn};
use rampart_types::AccountId;

use crate::ids::{self, IdKind, PolicyArn};
use crate::records;
use crate::snapshot::{PolicyState, Snapshot, VersionState, parse_policy};
use crate::validate::{self, constraint, fold};
use crate::{IamError, IdentityStore, ManagedPolicy, PolicyScope, PolicyTarget, PolicyVersion};

/// Versions a managed policy may have.
pub(crate) const VERSIONS_PER_POLICY: usize = 5;
/// Managed policies attached to one user, group or role.
pub(crate) const ATTACHMENTS_PER_IDENTITY: usize = 10;

fn no_such_policy(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
}

fn no_such_version(arn: &str, version_id: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "Policy {arn} version {version_id} does not exist or is not attachable."
    ))
}

fn aws_managed_is_read_only(arn: &str) -> IamError {
    IamError::InvalidInput(format!(
        "Policy {arn} is an AWS managed policy; it can be attached but not changed."
    ))
}

/// A version id as IAM accepts it.
fn version_number(arn: &str, version_id: &str) -> Result<u32, IamError> {
    let well_formed = version_id.strip_prefix('v').is_some_and(|rest| {
        let digits = rest.split('.').next().unwrap_or_default();
        !digits.is_empty() && !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
    });
    if !well_formed {
        return Err(constraint(
            version_id,
            "versionId",
            r"Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
        ));
    }
    ids::parse_version_id(version_id).ok_or_else(|| no_such_version(arn, version_id))
}

/// Checks a managed policy document's size and parses it.
fn parse_managed(arn: &str, document: &str) -> Result<NamedPolicy, IamError> {
    if validate::policy_size(document) > limits::MANAGED {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for PolicySize: {}",
            limits::MANAGED
        )));
    }
    parse_policy(
        document,
        PolicyKind::Identity,
        arn.to_owned(),
        PolicyType::Identity,
    )
}

impl Snapshot {
    /// The managed policy `arn` as `account` sees it: an AWS-managed policy, or one of its own.
    pub(crate) fn policy(&self, account: &AccountId, arn: &str) -> Result<&PolicyState, IamError> {
        let state = match ids::parse_policy_arn(arn) {
            Some(PolicyArn::Aws { name }) => self.aws_policies.get(&fold(name)),
            Some(PolicyArn::Local {
                account: owner,
                name,
            }) if owner == account.as_str() => self
                .accounts
                .get(account)
                .and_then(|a| a.policies.get(&fold(name))),
            Some(PolicyArn::Local { .. }) => None,
            None => return Err(IamError::InvalidInput(format!("ARN {arn} is not valid."))),
        };
        state
            .filter(|s| s.arn == arn)
            .ok_or_else(|| no_such_policy(arn))
    }

    /// The identities of `account` that `arn` is attached to.
    pub(crate) fn attachment_count(&self, account: &AccountId, arn: &str) -> u32 {
        let Some(a) = self.accounts.get(account) else {
            return 0;
        };
        let has = |attached: &Vec<String>| attached.iter().any(|x| x == arn);
        let n = a.users.values().filter(|u| has(&u.attached)).count()
            + a.groups.values().filter(|g| has(&g.attached)).count()
            + a.roles.values().filter(|r| has(&r.attached)).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    pub(crate) fn managed(&self, account: &AccountId, state: &PolicyState) -> ManagedPolicy {
        state.to_managed(self.attachment_count(account, &state.arn))
    }

    /// The default version of an attached policy, for evaluation.
    pub(crate) fn attached_policy(&self, account: &AccountId, arn: &str) -> Option<&NamedPolicy> {
        self.policy(account, arn)
            .ok()
            .map(PolicyState::default_policy)
    }
}

fn version_of(state: &PolicyState, number: u32, v: &VersionState) -> PolicyVersion {
    PolicyVersion {
        document: v.text().to_owned(),
        version_id: ids::version_id(number),
        is_default: number == state.default_version,
        created: v.created,
    }
}

impl IdentityStore {
    /// Creates a customer-managed policy with its first version, `v1`, as the default.
    pub async fn create_policy(
        &self,
        account: &AccountId,
        name: &str,
        path: &str,
        document: &str,
        description: Option<String>,
    ) -> Result<ManagedPolicy, IamError> {
        validate::name(name, "policyName", validate::POLICY_NAME_MAX)?;
        let path = validate::path(path)?;
        validate::description(description.as_deref(), validate::DESCRIPTION_MAX)?;
        let arn = ids::iam_arn(account, "policy", &path, name);
        let named = parse_managed(&arn, document)?;
        let writer = self.lock_writer().await;
        let now = self.now();
        let (state, txn) = {
            let snap = self.read();
            if snap.account(account)?.policies.contains_key(&fold(name)) {
                return Err(IamError::EntityAlreadyExists(format!(
                    "A policy called {name} already exists. Duplicate names are not allowed."
                )));
            }
            let state = PolicyState {
                arn,
                name: name.to_owned(),
                path,
                policy_id: snap.unused_entity_id(account, IdKind::Policy),
                description,
                created: now,
                updated: now,
                default_version: 1,
                next_version: 2,
                versions: BTreeMap::from([(
                    1,
                    VersionState {
                        policy: named,
                        created: now,
                        display: None,
                    },
                )]),
            };
            let key = records::policy_key(account, &fold(name));
            let txn = Txn::new()
                .check(records::account_key(account), Expect::Present)
                .check(key.clone(), Expect::Absent)
                .put(key, records::encode(&state.to_record(account))?);
            (state, txn)
        };
        let managed = state.to_managed(0);
        let (account, folded) = (account.clone(), fold(name));
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.policies.insert(folded, state);
            }
        })
        .await?;
        Ok(managed)
    }

    pub fn get_policy(&self, account: &AccountId, arn: &str) -> Result<ManagedPolicy, IamError> {
        let snap = self.read();
        let state = snap.policy(account, arn)?;
        Ok(snap.managed(account, state))
    }

    /// Managed policies visible to `account`, sorted by name.
    pub fn list_policies(
        &self,
        account: &AccountId,
        scope: PolicyScope,
        only_attached: bool,
        path_prefix: &str,
    ) -> Vec<ManagedPolicy> {
        let snap = self.read();
        let aws = snap
            .aws_policies
            .values()
            .filter(|_| scope != PolicyScope::Local);
        let local = snap
            .accounts
            .get(account)
            .into_iter()
            .flat_map(|a| a.policies.values())
            .filter(|_| scope != PolicyScope::Aws);
        let mut out: Vec<ManagedPolicy> = aws
            .chain(local)
            .filter(|p| validate::under_prefix(&p.path, path_prefix))
            .map(|p| snap.managed(account, p))
            .filter(|p| !only_attached || p.attachment_count > 0)
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.arn.cmp(&b.arn)));
        out
    }

    /// Deletes a customer-managed policy that is attached nowhere and has only its default
    /// version left.
    pub async fn delete_policy(&self, account: &AccountId, arn: &str) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let folded = {
            let snap = self.read();
            let state = snap.policy(account, arn)?;
            if ids::parse_policy_arn(arn).is_some_and(|p| matches!(p, PolicyArn::Aws { .. })) {
                return Err(aws_managed_is_read_only(arn));
            }
            if snap.attachment_count(account, arn) > 0 {
                return Err(IamError::DeleteConflict(
                    "Cannot delete a policy attached to entities.".to_owned(),
                ));
            }
            if state.versions.len() > 1 {
                return Err(IamError::DeleteConflict(
                    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."
                        .to_owned(),
                ));
            }
            fold(&state.name)
        };
        let txn = Txn::new().delete(records::policy_key(account, &folded));
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.policies.remove(&folded);
            }
        })
        .await
    }

    /// Runs `change` on a copy of a customer-managed policy, then stores it.
    async fn change_policy<T>(
        &self,
        account: &AccountId,
        arn: &str,
        change: impl FnOnce(&mut PolicyState) -> Result<T, IamError>,
    ) -> Result<T, IamError> {
        let writer = self.lock_writer().await;
        let (state, out, txn) = {
            let snap = self.read();
            let current = snap.policy(account, arn)?;
            if ids::parse_policy_arn(arn).is_some_and(|p| matches!(p, PolicyArn::Aws { .. })) {
                return Err(aws_managed_is_read_only(arn));
            }
            let mut state = current.clone();
            let out = change(&mut state)?;
            let key = records::policy_key(account, &fold(&state.name));
            let txn = Txn::new()
                .check(key.clone(), Expect::Present)
                .put(key, records::encode(&state.to_record(account))?);
            (state, out, txn)
        };
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| {
            if let Some(a) = snap.accounts.get_mut(&account) {
                a.policies.insert(fold(&state.name), state);
            }
        })
        .await?;
        Ok(out)
    }

    /// Adds a version (ids `v1`, `v2`, … are never reused); at most five versions.
    pub async fn create_policy_version(
        &self,
        account: &AccountId,
        arn: &str,
        document: &str,
        set_as_default: bool,
    ) -> Result<PolicyVersion, IamError> {
        let now = self.now();
        self.change_policy(account, arn, |state| {
            if state.versions.len() >= VERSIONS_PER_POLICY {
                return Err(IamError::LimitExceeded(format!(
                    "A managed policy can have up to {VERSIONS_PER_POLICY} versions. Before you create a new version, you must delete an existing version."
                )));
            }
            let policy = parse_managed(&state.arn, document)?;
            let number = state.next_version;
            state.next_version += 1;
            state.versions.insert(
                number,
                VersionState {
                    policy,
                    created: now,
                    display: None,
                },
            );
            if set_as_default {
                state.default_version = number;
                state.updated = now;
            }
            Ok(version_of(state, number, &state.versions[&number]))
        })
        .await
    }

    pub fn get_policy_version(
        &self,
        account: &AccountId,
        arn: &str,
        version_id: &str,
    ) -> Result<PolicyVersion, IamError> {
        let number = version_number(arn, version_id)?;
        let snap = self.read();
        let state = snap.policy(account, arn)?;
        state
            .versions
            .get(&number)
            .map(|v| version_of(state, number, v))
            .ok_or_else(|| no_such_version(arn, version_id))
    }

    /// A policy's versions, newest first.
    pub fn list_policy_versions(
        &self,
        account: &AccountId,
        arn: &str,
    ) -> Result<Vec<PolicyVersion>, IamError> {
        let snap = self.read();
        let state = snap.policy(account, arn)?;
        Ok(state
            .versions
            .iter()
            .rev()
            .map(|(n, v)| version_of(state, *n, v))
            .collect())
    }

    /// Deletes a version other than the default one.
    pub async fn delete_policy_version(
        &self,
        account: &AccountId,
        arn: &str,
        version_id: &str,
    ) -> Result<(), IamError> {
        let number = version_number(arn, version_id)?;
        self.change_policy(account, arn, |state| {
            if !state.versions.contains_key(&number) {
                return Err(no_such_version(arn, version_id));
            }
            if number == state.default_version {
                return Err(IamError::DeleteConflict(
                    "Cannot delete the default version of a policy.".to_owned(),
                ));
            }
            state.versions.remove(&number);
            Ok(())
        })
        .await
    }

    /// Makes a version the default: the one in effect wherever the policy is attached.
    pub async fn set_default_policy_version(
        &self,
        account: &AccountId,
        arn: &str,
        version_id: &str,
    ) -> Result<(), IamError> {
        let number = version_number(arn, version_id)?;
        let now = self.now();
        self.change_policy(account, arn, |state| {
            if !state.versions.contains_key(&number) {
                return Err(no_such_version(arn, version_id));
            }
            if state.default_version != number {
                state.default_version = number;
                state.updated = now;
            }
            Ok(())
        })
        .await
    }

    /// Attaches a managed policy (nothing to do if attached already); at most ten per identity.
    pub async fn attach_policy(
        &self,
        account: &AccountId,
        target: &PolicyTarget,
        arn: &str,
    ) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let (state, txn) = {
            let snap = self.read();
            let policy = snap.policy(account, arn)?;
            let mut state = snap.target(account, target)?;
            if state.attached().iter().any(|a| a == &policy.arn) {
                return Ok(());
            }
            if state.attached().len() >= ATTACHMENTS_PER_IDENTITY {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for {}: {ATTACHMENTS_PER_IDENTITY}",
                    state.attachment_quota_name()
                )));
            }
            state.attached_mut().push(policy.arn.clone());
            let mut txn = Txn::new();
            if let Some(PolicyArn::Local { name, .. }) = ids::parse_policy_arn(arn) {
                txn = txn.check(records::policy_key(account, &fold(name)), Expect::Present);
            }
            let txn = state.write(txn, account)?;
            (state, txn)
        };
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| state.install(snap, &account))
            .await
    }

    /// Detaches a managed policy.
    pub async fn detach_policy(
        &self,
        account: &AccountId,
        target: &PolicyTarget,
        arn: &str,
    ) -> Result<(), IamError> {
        let writer = self.lock_writer().await;
        let (state, txn) = {
            let snap = self.read();
            let mut state = snap.target(account, target)?;
            let before = state.attached().len();
            state.attached_mut().retain(|a| a != arn);
            if state.attached().len() == before {
                snap.policy(account, arn)?;
                return Err(IamError::NoSuchEntity(format!(
                    "Policy {arn} was not found."
                )));
            }
            let txn = state.write(Txn::new(), account)?;
            (state, txn)
        };
        let account = account.clone();
        self.commit_then(writer, txn, move |snap| state.install(snap, &account))
            .await
    }

    /// The managed policies attached to a target whose path starts with `path_prefix`, sorted
    /// by name.
    pub fn list_attached_policies(
        &self,
        account: &AccountId,
        target: &PolicyTarget,
        path_prefix: &str,
    ) -> Result<Vec<ManagedPolicy>, IamError> {
        let snap = self.read();
        let state = snap.target(account, target)?;
        let mut out: Vec<ManagedPolicy> = state
            .attached()
            .iter()
            .filter_map(|arn| snap.policy(account, arn).ok())
            .filter(|p| validate::under_prefix(&p.path, path_prefix))
            .map(|p| snap.managed(account, p))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.arn.cmp(&b.arn)));
        Ok(out)
    }
}
