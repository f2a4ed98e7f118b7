//! The identities and policies IAM shows, as plain values (owned copies of the snapshot's).

use std::time::SystemTime;

use rampart_types::AccountId;
use serde::{Deserialize, Serialize};

use crate::AccessKeyId;

/// A tag on a user or a role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// An IAM user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub account: AccountId,
    pub name: String,
    pub path: String,
    /// `AIDA…`
    pub user_id: String,
    pub arn: String,
    pub created: SystemTime,
    pub tags: Vec<Tag>,
}

/// An IAM group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub account: AccountId,
    pub name: String,
    pub path: String,
    /// `AGPA…`
    pub group_id: String,
    pub arn: String,
    pub created: SystemTime,
}

/// An IAM role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub account: AccountId,
    pub name: String,
    pub path: String,
    /// `AROA…`
    pub role_id: String,
    pub arn: String,
    pub created: SystemTime,
    /// The trust policy (AssumeRolePolicyDocument) as given.
    pub trust_policy: String,
    pub description: Option<String>,
    /// Seconds; 3600 unless set (3600..=43200).
    pub max_session_duration: u32,
    pub tags: Vec<Tag>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    /// `Active` / `Inactive`, as IAM writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }
}

/// A long-term access key of a user or of an account's root user (`user_name: None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKey {
    pub id: AccessKeyId,
    pub user_name: Option<String>,
    pub status: KeyStatus,
    pub created: SystemTime,
}

/// A managed policy: customer-managed (`arn:aws:iam::<account>:policy/…`) or AWS-managed
/// (`arn:aws:iam::aws:policy/…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub path: String,
    /// `ANPA…`
    pub policy_id: String,
    /// `v1`, `v2`, …
    pub default_version_id: String,
    /// Identities of the asking account the policy is attached to.
    pub attachment_count: u32,
    pub description: Option<String>,
    pub created: SystemTime,
    pub updated: SystemTime,
    pub is_attachable: bool,
}

impl ManagedPolicy {
    /// Whether AWS manages the policy (it cannot be changed or deleted).
    pub fn is_aws_managed(&self) -> bool {
        self.arn.starts_with(crate::ids::AWS_POLICY_ARN_PREFIX)
    }
}

/// One version of a managed policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyVersion {
    pub document: String,
    pub version_id: String,
    pub is_default: bool,
    pub created: SystemTime,
}

/// The identity an inline policy or an attachment belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PolicyTarget {
    User(String),
    Group(String),
    Role(String),
}

/// Which managed policies `list_policies` returns (IAM's `Scope`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PolicyScope {
    #[default]
    All,
    /// AWS-managed only.
    Aws,
    /// Customer-managed only.
    Local,
}
