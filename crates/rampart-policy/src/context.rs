//! The request side of an evaluation: who asks, for what, and the condition keys.

/// What kind of identity made the request (`aws:PrincipalType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalType {
    Anonymous,
    /// The account root user.
    Account,
    User,
    AssumedRole,
    FederatedUser,
    Service,
}

impl PrincipalType {
    /// The value of `aws:PrincipalType`; `None` for a service principal, which has none.
    pub fn as_context_value(self) -> Option<&'static str> {
        match self {
            PrincipalType::Anonymous => Some("Anonymous"),
            PrincipalType::Account => Some("Account"),
            PrincipalType::User => Some("User"),
            PrincipalType::AssumedRole => Some("AssumedRole"),
            PrincipalType::FederatedUser => Some("FederatedUser"),
            PrincipalType::Service => None,
        }
    }
}

/// The requester, as policies see it.
#[derive(Clone, Debug)]
pub struct PrincipalInfo {
    pub kind: PrincipalType,
    /// `arn:aws:iam::111122223333:root`, `arn:aws:iam::111122223333:user/path/alice`,
    /// `arn:aws:sts::111122223333:assumed-role/Role/session`, `*` for anonymous, or the
    /// service name (`logging.s3.amazonaws.com`) for a service.
    pub arn: String,
    /// 12 digits; `None` for anonymous and services.
    pub account: Option<String>,
    pub canonical_id: Option<String>,
    /// For an assumed-role session: `arn:aws:iam::111122223333:role/path/Role`.
    pub role_arn: Option<String>,
    /// `aws:userid`.
    pub user_id: Option<String>,
    /// `aws:username` (IAM users only).
    pub username: Option<String>,
}

impl PrincipalInfo {
    /// The anonymous requester.
    pub fn anonymous() -> PrincipalInfo {
        PrincipalInfo {
            kind: PrincipalType::Anonymous,
            arn: "*".to_owned(),
            account: None,
            canonical_id: None,
            role_arn: None,
            user_id: None,
            username: None,
        }
    }
}

/// Condition keys of a request: names compare case-insensitively, each key has one or
/// more values.
#[derive(Clone, Debug, Default)]
pub struct ContextKeys {
    entries: Vec<(String, Vec<String>)>,
}

impl ContextKeys {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key, replacing any earlier value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.set_many(key, vec![value.into()]);
    }

    /// Sets a multi-valued key (e.g. `aws:TagKeys`), replacing any earlier values.
    pub fn set_many(&mut self, key: &str, values: Vec<String>) {
        match self
            .entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some((_, v)) => *v = values,
            None => self.entries.push((key.to_owned(), values)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_slice())
    }

    /// Sets every key of `other`, replacing values this set already has for them.
    pub fn extend(&mut self, other: ContextKeys) {
        for (k, v) in other.entries {
            self.set_many(&k, v);
        }
    }

    /// Removes a key; returns whether it was present.
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        before != self.entries.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One authorization question.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub principal: PrincipalInfo,
    /// `s3:GetObject`
    pub action: String,
    /// The resource ARN, e.g. `arn:aws:s3:::bucket/key`.
    pub resource: String,
    /// The account that owns the resource; `None` when unknown or unowned.
    pub resource_account: Option<String>,
    /// `aws:*`, `s3:*`, `sts:*` condition keys, filled by the caller.
    pub keys: ContextKeys,
}
