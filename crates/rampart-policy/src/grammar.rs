//! The compiled form of a policy document: what the parser produces and the evaluator reads.

use crate::Effect;
use crate::condition::Condition;
use crate::matching::Glob;
use crate::variables::PatternValue;

/// The policy language version. Only 2012-10-17 has policy variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    V2008_10_17,
    V2012_10_17,
}

#[derive(Clone, Debug)]
pub(crate) struct Compiled {
    #[allow(dead_code)] // kept for diagnostics (`Debug`)
    pub version: Version,
    pub statements: Vec<Statement>,
}

#[derive(Clone, Debug)]
pub(crate) struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalBlock>,
    pub action: ActionBlock,
    /// `None` only in trust policies, which have no Resource element.
    pub resource: Option<ResourceBlock>,
    pub conditions: Vec<Condition>,
}

/// Action or NotAction: lowercased patterns (actions match case-insensitively).
#[derive(Clone, Debug)]
pub(crate) struct ActionBlock {
    pub negated: bool,
    pub patterns: Vec<Glob>,
}

impl ActionBlock {
    /// `action` must already be lowercased.
    pub(crate) fn matches(&self, action: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(action)) != self.negated
    }
}

/// Resource or NotResource: case-sensitive patterns that may hold policy variables.
#[derive(Clone, Debug)]
pub(crate) struct ResourceBlock {
    pub negated: bool,
    pub patterns: Vec<PatternValue>,
    /// The values as written in the document.
    pub raw: Vec<String>,
}

/// Principal or NotPrincipal.
#[derive(Clone, Debug)]
pub(crate) struct PrincipalBlock {
    pub negated: bool,
    pub entries: Vec<PrincipalEntry>,
}

/// One principal named in a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous included.
    Any,
    /// A 12-digit account id or `arn:…:iam::<account>:root`: every principal of the account.
    Account(String),
    /// `arn:…:iam::<account>:user/…`
    User(String),
    /// `arn:…:iam::<account>:role/…`: the role's sessions.
    Role(String),
    /// `arn:…:sts::<account>:assumed-role/…` or `…:federated-user/…`: that session.
    Session(String),
    /// `{"CanonicalUser": "…"}`: the account with that canonical id.
    CanonicalUser(String),
    /// `{"Service": "…"}`
    Service(String),
    /// `{"Federated": "…"}`: matched against the request's `aws:FederatedProvider`.
    Federated(String),
}
