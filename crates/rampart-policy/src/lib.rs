//! The IAM policy language: parse, validate and evaluate identity, resource (bucket),
//! trust and session policies.
//!
//! Pure and synchronous: no I/O, no async, no HTTP types. A policy is parsed once into a
//! compiled form (lowercased actions, pre-split wildcard patterns, parsed numbers,
//! dates, CIDRs and ARNs) and evaluated many times.
//!
//! Fail closed: unknown operators, actions, services and malformed ARNs are rejected at
//! parse time; at evaluation a condition that cannot be evaluated never lets an Allow
//! match and does make a Deny match.

mod catalog;
mod condition;
mod context;
mod decision;
mod evaluate;
mod grammar;
mod json;
mod matching;
mod parse;
mod principal;
mod public;
mod variables;

use std::sync::Arc;

pub use catalog::{
    IAM_ACTIONS, KMS_ACTIONS, S3_ACTIONS, STS_ACTIONS, TRUST_ACTIONS, is_known_action,
};
pub use context::{ContextKeys, PrincipalInfo, PrincipalType, RequestContext};
pub use decision::{Decision, MatchedStatement, Outcome};
pub use evaluate::{evaluate, evaluate_key_policy};

/// What a policy document is attached to; decides which elements it may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Attached to a user, group or role. No Principal.
    Identity,
    /// A bucket (or other resource) policy. Principal or NotPrincipal required.
    Resource,
    /// A role trust policy. Principal required; actions limited to
    /// `sts:AssumeRole*` / `sts:TagSession` / `sts:SetSourceIdentity` / `sts:SetContext`.
    Trust,
    /// A session policy passed to AssumeRole / GetFederationToken. No Principal.
    Session,
}

/// A parsed and validated policy document.
#[derive(Clone, Debug)]
pub struct Policy {
    text: Arc<str>,
    kind: PolicyKind,
    compiled: Arc<grammar::Compiled>,
}

impl Policy {
    /// Parses and validates `text` as a policy of `kind`. Errors carry AWS's message.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let compiled = parse::parse(text, kind)?;
        Ok(Policy {
            text: text.into(),
            kind,
            compiled: Arc::new(compiled),
        })
    }

    /// The original document.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The number of statements in the document.
    pub fn statement_count(&self) -> usize {
        self.compiled.statements.len()
    }

    /// Does any statement read a context key whose name starts with `prefix` (compared
    /// case-insensitively), as a condition key or through a policy variable? Lets a
    /// caller skip gathering costly keys (e.g. `s3:ExistingObjectTag/`) nobody reads.
    pub fn mentions_condition_key(&self, prefix: &str) -> bool {
        let prefix = prefix.to_ascii_lowercase();
        self.compiled.statements.iter().any(|st| {
            st.conditions.iter().any(|c| {
                c.key.starts_with(&prefix)
                    || c.values.var_keys().iter().any(|k| k.starts_with(&prefix))
            }) || st
                .resource
                .iter()
                .flat_map(|r| r.patterns.iter())
                .flat_map(|p| p.var_keys())
                .any(|k| k.starts_with(&prefix))
        })
    }

    /// Every Resource and NotResource value, as written in the document (a caller can
    /// check, e.g., that a bucket policy only names its own bucket).
    pub fn resource_patterns(&self) -> impl Iterator<Item = &str> {
        self.compiled
            .statements
            .iter()
            .flat_map(|st| st.resource.iter())
            .flat_map(|r| r.raw.iter().map(String::as_str))
    }

    pub(crate) fn compiled(&self) -> &grammar::Compiled {
        &self.compiled
    }
}

/// Why a policy document was rejected, in AWS's words (IAM `MalformedPolicyDocument`,
/// S3 `MalformedPolicy`).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{message}")]
pub struct PolicyError {
    pub message: String,
}

/// Document size limits. IAM counts characters excluding whitespace; callers check the
/// limit for their kind.
pub mod limits {
    pub const USER_INLINE: usize = 2048;
    pub const GROUP_INLINE: usize = 5120;
    pub const ROLE_INLINE: usize = 10240;
    pub const MANAGED: usize = 6144;
    pub const BUCKET_POLICY: usize = 20480;
    pub const TRUST: usize = 2048;
    pub const SESSION: usize = 2048;
}

/// Which kind of policy a statement came from, for decisions and messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyType {
    Identity,
    Resource,
    Session,
}

/// A parsed policy with the name a denial uses for it.
#[derive(Clone, Debug)]
pub struct NamedPolicy {
    /// `arn:aws:iam::1:policy/ReadOnly`, `user/alice inline policy Foo`,
    /// `bucket policy of my-bucket`, `trust policy of role R`, `session policy`.
    pub name: String,
    pub kind: PolicyType,
    pub policy: Arc<Policy>,
}

/// Every policy that bears on one request.
#[derive(Clone, Debug, Default)]
pub struct PolicySet<'a> {
    /// All identity policies of the principal (user and its groups, or the role).
    pub identity: &'a [NamedPolicy],
    /// The bucket policy, the role trust policy, ….
    pub resource: Option<&'a NamedPolicy>,
    /// `Some` when the principal is a session carrying session policies: the result is
    /// intersected with them.
    pub session: Option<&'a [NamedPolicy]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn policy_is_send_and_sync() {
        assert_send_sync::<super::Policy>();
        assert_send_sync::<super::NamedPolicy>();
    }
}
