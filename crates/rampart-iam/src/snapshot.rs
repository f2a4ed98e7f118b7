//! The in-memory mirror of every `iam/` record, with policies parsed once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::SystemTime;

use rampart_policy::{NamedPolicy, Policy, PolicyKind, PolicyType};
use rampart_types::{AccountId, CanonicalUserId};

use crate::records::{
    GroupRecord, InlineRecord, PolicyRecord, RoleRecord, SubjectRecord, UserRecord, VersionRecord,
};
use crate::validate::fold;
use crate::{
    AccessKeyId, Account, Group, IamError, KeyStatus, ManagedPolicy, Role, SecretAccessKey,
    SessionInfo, User, ids,
};

/// Everything the store knows, as of its last commit.
#[derive(Default)]
pub(crate) struct Snapshot {
    pub accounts: BTreeMap<AccountId, AccountState>,
    /// Folded account name → id.
    pub account_names: HashMap<String, AccountId>,
    pub canonical: HashMap<CanonicalUserId, AccountId>,
    /// Long-term keys (`AKIA…`), the bootstrap key included.
    pub keys: HashMap<String, KeyEntry>,
    /// Temporary keys (`ASIA…`).
    pub sessions: HashMap<String, SessionEntry>,
    /// AWS-managed policies by folded name (the same for every account).
    pub aws_policies: Arc<BTreeMap<String, PolicyState>>,
}

#[derive(Clone, Debug)]
pub(crate) struct AccountState {
    pub account: Account,
    pub created: SystemTime,
    /// By folded name.
    pub users: BTreeMap<String, UserState>,
    pub groups: BTreeMap<String, GroupState>,
    pub roles: BTreeMap<String, RoleState>,
    pub policies: BTreeMap<String, PolicyState>,
    /// Virtual MFA devices, by folded name.
    pub mfa_devices: BTreeMap<String, crate::mfa::MfaEntry>,
}

impl AccountState {
    pub fn new(account: Account, created: SystemTime) -> Self {
        Self {
            account,
            created,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            roles: BTreeMap::new(),
            policies: BTreeMap::new(),
            mfa_devices: BTreeMap::new(),
        }
    }
}

/// Inline policies by name, parsed.
pub(crate) type InlineMap = BTreeMap<String, NamedPolicy>;

#[derive(Clone, Debug)]
pub(crate) struct UserState {
    pub user: Arc<User>,
    pub inline: InlineMap,
    pub attached: Vec<String>,
    pub groups: BTreeSet<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct GroupState {
    pub group: Arc<Group>,
    pub inline: InlineMap,
    pub attached: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct RoleState {
    pub role: Arc<Role>,
    pub trust: NamedPolicy,
    pub inline: InlineMap,
    pub attached: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct PolicyState {
    pub arn: String,
    pub name: String,
    pub path: String,
    pub policy_id: String,
    pub description: Option<String>,
    pub created: SystemTime,
    pub updated: SystemTime,
    pub default_version: u32,
    pub next_version: u32,
    pub versions: BTreeMap<u32, VersionState>,
}

#[derive(Clone, Debug)]
pub(crate) struct VersionState {
    pub policy: NamedPolicy,
    pub created: SystemTime,
    /// The document to show when it differs from the one evaluated (AWS-managed policies whose
    /// actions of other services the parser does not take).
    pub display: Option<&'static str>,
}

impl VersionState {
    /// The document as IAM shows it.
    pub fn text(&self) -> &str {
        self.display.unwrap_or_else(|| self.policy.policy.text())
    }
}

impl PolicyState {
    /// The default version, as the evaluator sees it.
    pub fn default_policy(&self) -> &NamedPolicy {
        &self.versions[&self.default_version].policy
    }

    pub fn to_managed(&self, attachment_count: u32) -> ManagedPolicy {
        ManagedPolicy {
            arn: self.arn.clone(),
            name: self.name.clone(),
            path: self.path.clone(),
            policy_id: self.policy_id.clone(),
            default_version_id: ids::version_id(self.default_version),
            attachment_count,
            description: self.description.clone(),
            created: self.created,
            updated: self.updated,
            is_attachable: true,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct KeyEntry {
    pub id: AccessKeyId,
    pub account: AccountId,
    /// The owning user's folded name; `None` for root.
    pub user: Option<String>,
    pub status: KeyStatus,
    pub created: SystemTime,
    pub secret: SecretAccessKey,
    /// The bootstrap key: given at start-up, never stored.
    pub bootstrap: bool,
    /// The sealed secret as stored (kept so records can be rewritten without resealing).
    pub sealed_secret: Vec<u8>,
}

#[derive(Clone, Debug)]
pub(crate) struct SessionEntry {
    pub id: AccessKeyId,
    pub account: AccountId,
    pub subject: SubjectRecord,
    pub secret: SecretAccessKey,
    pub token_sha256: [u8; 32],
    pub info: SessionInfo,
    pub session_policy: Option<NamedPolicy>,
}

/// Parses a document for the store: a rejected document is `MalformedPolicyDocument`.
pub(crate) fn parse_policy(
    text: &str,
    kind: PolicyKind,
    name: String,
    policy_type: PolicyType,
) -> Result<NamedPolicy, IamError> {
    let policy =
        Policy::parse(text, kind).map_err(|e| IamError::MalformedPolicyDocument(e.message))?;
    Ok(NamedPolicy {
        name,
        kind: policy_type,
        policy: Arc::new(policy),
    })
}

/// Parses a stored document: one that no longer parses is corrupt data.
fn reparse(
    text: &str,
    kind: PolicyKind,
    name: String,
    policy_type: PolicyType,
) -> Result<NamedPolicy, IamError> {
    parse_policy(text, kind, name.clone(), policy_type)
        .map_err(|e| IamError::Corrupt(format!("stored {name} no longer parses: {e}")))
}

/// How denial messages name an inline policy.
pub(crate) fn inline_policy_name(kind: &str, owner: &str, policy_name: &str) -> String {
    format!("inline policy {policy_name} of {kind} {owner}")
}

pub(crate) fn trust_policy_name(role: &str) -> String {
    format!("trust policy of role {role}")
}

pub(crate) const SESSION_POLICY_NAME: &str = "session policy";

fn inline_to_records(inline: &InlineMap) -> Vec<InlineRecord> {
    inline
        .iter()
        .map(|(name, p)| InlineRecord {
            name: name.clone(),
            document: p.policy.text().to_owned(),
        })
        .collect()
}

fn inline_from_records(
    records: &[InlineRecord],
    kind: &str,
    owner: &str,
) -> Result<InlineMap, IamError> {
    records
        .iter()
        .map(|r| {
            let named = reparse(
                &r.document,
                PolicyKind::Identity,
                inline_policy_name(kind, owner, &r.name),
                PolicyType::Identity,
            )?;
            Ok((r.name.clone(), named))
        })
        .collect()
}

impl UserState {
    pub fn to_record(&self) -> UserRecord {
        UserRecord {
            user: (*self.user).clone(),
            inline: inline_to_records(&self.inline),
            attached: self.attached.clone(),
            groups: self.groups.iter().cloned().collect(),
        }
    }

    pub fn from_record(r: UserRecord) -> Result<Self, IamError> {
        Ok(Self {
            inline: inline_from_records(&r.inline, "user", &r.user.name)?,
            attached: r.attached,
            groups: r.groups.into_iter().collect(),
            user: Arc::new(r.user),
        })
    }
}

impl GroupState {
    pub fn to_record(&self) -> GroupRecord {
        GroupRecord {
            group: (*self.group).clone(),
            inline: inline_to_records(&self.inline),
            attached: self.attached.clone(),
        }
    }

    pub fn from_record(r: GroupRecord) -> Result<Self, IamError> {
        Ok(Self {
            inline: inline_from_records(&r.inline, "group", &r.group.name)?,
            attached: r.attached,
            group: Arc::new(r.group),
        })
    }
}

impl RoleState {
    pub fn to_record(&self) -> RoleRecord {
        RoleRecord {
            role: (*self.role).clone(),
            inline: inline_to_records(&self.inline),
            attached: self.attached.clone(),
        }
    }

    pub fn from_record(r: RoleRecord) -> Result<Self, IamError> {
        let trust = reparse(
            &r.role.trust_policy,
            PolicyKind::Trust,
            trust_policy_name(&r.role.name),
            PolicyType::Resource,
        )?;
        Ok(Self {
            inline: inline_from_records(&r.inline, "role", &r.role.name)?,
            attached: r.attached,
            trust,
            role: Arc::new(r.role),
        })
    }
}

impl PolicyState {
    pub fn to_record(&self, account: &AccountId) -> PolicyRecord {
        PolicyRecord {
            account: account.clone(),
            name: self.name.clone(),
            path: self.path.clone(),
            policy_id: self.policy_id.clone(),
            description: self.description.clone(),
            created: self.created,
            updated: self.updated,
            default_version: self.default_version,
            next_version: self.next_version,
            versions: self
                .versions
                .iter()
                .map(|(n, v)| VersionRecord {
                    number: *n,
                    document: v.text().to_owned(),
                    created: v.created,
                })
                .collect(),
        }
    }

    pub fn from_record(r: PolicyRecord) -> Result<Self, IamError> {
        let arn = ids::iam_arn(&r.account, "policy", &r.path, &r.name);
        let versions = r
            .versions
            .iter()
            .map(|v| {
                let policy = reparse(
                    &v.document,
                    PolicyKind::Identity,
                    arn.clone(),
                    PolicyType::Identity,
                )?;
                Ok((
                    v.number,
                    VersionState {
                        policy,
                        created: v.created,
                        display: None,
                    },
                ))
            })
            .collect::<Result<BTreeMap<_, _>, IamError>>()?;
        if !versions.contains_key(&r.default_version) {
            return Err(IamError::Corrupt(format!(
                "policy {arn} has no default version"
            )));
        }
        Ok(Self {
            arn,
            name: r.name,
            path: r.path,
            policy_id: r.policy_id,
            description: r.description,
            created: r.created,
            updated: r.updated,
            default_version: r.default_version,
            next_version: r.next_version,
            versions,
        })
    }
}

/// Lookups with IAM's NoSuchEntity messages.
impl Snapshot {
    pub fn account(&self, id: &AccountId) -> Result<&AccountState, IamError> {
        self.accounts
            .get(id)
            .ok_or_else(|| IamError::NoSuchEntity(format!("The account {id} cannot be found.")))
    }

    pub fn user(&self, account: &AccountId, name: &str) -> Result<&UserState, IamError> {
        self.account(account)?
            .users
            .get(&fold(name))
            .ok_or_else(|| no_such_user(name))
    }

    pub fn group(&self, account: &AccountId, name: &str) -> Result<&GroupState, IamError> {
        self.account(account)?
            .groups
            .get(&fold(name))
            .ok_or_else(|| no_such_group(name))
    }

    pub fn role(&self, account: &AccountId, name: &str) -> Result<&RoleState, IamError> {
        self.account(account)?
            .roles
            .get(&fold(name))
            .ok_or_else(|| no_such_role(name))
    }

    /// Keys of `user` (folded name; `None`: root) in `account`, oldest first.
    pub fn keys_of(&self, account: &AccountId, user: Option<&str>) -> Vec<&KeyEntry> {
        let mut keys: Vec<&KeyEntry> = self
            .keys
            .values()
            .filter(|k| &k.account == account && k.user.as_deref() == user)
            .collect();
        keys.sort_by(|a, b| (a.created, a.id.as_str()).cmp(&(b.created, b.id.as_str())));
        keys
    }

    /// Whether `id` is taken by any access key, long-term or temporary.
    pub fn key_id_taken(&self, id: &str) -> bool {
        self.keys.contains_key(id) || self.sessions.contains_key(id)
    }
}

pub(crate) fn no_such_user(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
}

pub(crate) fn no_such_group(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The group with name {name} cannot be found."))
}

pub(crate) fn no_such_role(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The role with name {name} cannot be found."))
}

#[cfg(test)]
impl Snapshot {
    /// Everything the snapshot holds, secrets included, in a canonical order: two snapshots
    /// with equal descriptions hold the same state.
    pub fn describe(&self) -> String {
        use std::fmt::Write;
        let mut out = format!("{:#?}\n", self.accounts);
        let mut names: Vec<_> = self.account_names.iter().collect();
        names.sort();
        let mut canonical: Vec<_> = self.canonical.iter().collect();
        canonical.sort();
        writeln!(out, "{names:?}\n{canonical:?}").unwrap();
        let mut keys: Vec<_> = self.keys.values().collect();
        keys.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        for k in keys {
            writeln!(out, "{k:?} secret={}", k.secret.expose()).unwrap();
        }
        let mut sessions: Vec<_> = self.sessions.values().collect();
        sessions.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        for s in sessions {
            writeln!(out, "{s:?} secret={}", s.secret.expose()).unwrap();
        }
        out
    }
}
