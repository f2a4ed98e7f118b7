//! Who a request comes from.

use std::sync::Arc;
use std::time::SystemTime;

use rampart_policy::{PrincipalInfo, PrincipalType};

use crate::{AccessKeyId, Account, Role, Tag, User};

/// The temporary-credential side of a principal that authenticated with an STS key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub issued_at: SystemTime,
    pub expires_at: SystemTime,
    pub mfa_authenticated: bool,
    pub source_identity: Option<String>,
}

/// The authenticated identity behind a request.
#[derive(Clone, Debug)]
pub enum Principal {
    /// An unsigned request.
    Anonymous,
    /// The root user of an account; `session` is set for GetSessionToken credentials.
    AccountRoot {
        account: Account,
        access_key_id: AccessKeyId,
        session: Option<SessionInfo>,
    },
    /// An IAM user; `session` is set for GetSessionToken credentials.
    User {
        account: Account,
        user: Arc<User>,
        access_key_id: AccessKeyId,
        session: Option<SessionInfo>,
    },
    /// A session of a role (AssumeRole).
    AssumedRole {
        account: Account,
        role: Arc<Role>,
        session_name: String,
        access_key_id: AccessKeyId,
        session: SessionInfo,
    },
}

impl Principal {
    pub fn account(&self) -> Option<&Account> {
        match self {
            Self::Anonymous => None,
            Self::AccountRoot { account, .. }
            | Self::User { account, .. }
            | Self::AssumedRole { account, .. } => Some(account),
        }
    }

    /// How the principal appears in logs: its ARN, or `anonymous`.
    pub fn log_name(&self) -> String {
        match self {
            Self::Anonymous => "anonymous".to_owned(),
            _ => self.arn(),
        }
    }

    /// The principal's ARN (`*` for anonymous). A GetSessionToken session has its user's (or
    /// root's) ARN; an AssumeRole session `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub fn arn(&self) -> String {
        match self {
            Self::Anonymous => "*".to_owned(),
            Self::AccountRoot { account, .. } => crate::ids::root_arn(&account.id),
            Self::User { user, .. } => user.arn.clone(),
            Self::AssumedRole {
                account,
                role,
                session_name,
                ..
            } => crate::ids::assumed_role_arn(&account.id, &role.name, session_name),
        }
    }

    /// `aws:userid`: `AIDA…` for a user, `AROA…:<session>` for a role session, the account id
    /// for root, `anonymous` for anonymous.
    pub fn user_id(&self) -> String {
        match self {
            Self::Anonymous => "anonymous".to_owned(),
            Self::AccountRoot { account, .. } => account.id.to_string(),
            Self::User { user, .. } => user.user_id.clone(),
            Self::AssumedRole {
                role, session_name, ..
            } => format!("{}:{session_name}", role.role_id),
        }
    }

    /// The principal as the policy evaluator sees it.
    pub fn info(&self) -> PrincipalInfo {
        let (kind, role_arn, username) = match self {
            Self::Anonymous => return PrincipalInfo::anonymous(),
            Self::AccountRoot { .. } => (PrincipalType::Account, None, None),
            Self::User { user, .. } => (PrincipalType::User, None, Some(user.name.clone())),
            Self::AssumedRole { role, .. } => {
                (PrincipalType::AssumedRole, Some(role.arn.clone()), None)
            }
        };
        let account = self.account().expect("only anonymous has no account");
        PrincipalInfo {
            kind,
            arn: self.arn(),
            account: Some(account.id.to_string()),
            canonical_id: Some(account.canonical_id.to_string()),
            role_arn,
            user_id: Some(self.user_id()),
            username,
        }
    }

    /// The access key the request was signed with.
    pub fn access_key_id(&self) -> Option<&AccessKeyId> {
        match self {
            Self::Anonymous => None,
            Self::AccountRoot { access_key_id, .. }
            | Self::User { access_key_id, .. }
            | Self::AssumedRole { access_key_id, .. } => Some(access_key_id),
        }
    }

    /// The principal's tags (`aws:PrincipalTag/…`): a user's, or a role session's role's.
    pub fn tags(&self) -> &[Tag] {
        match self {
            Self::User { user, .. } => &user.tags,
            Self::AssumedRole { role, .. } => &role.tags,
            Self::Anonymous | Self::AccountRoot { .. } => &[],
        }
    }

    /// The session behind temporary credentials, if the principal used some.
    pub fn session(&self) -> Option<&SessionInfo> {
        match self {
            Self::Anonymous => None,
            Self::AccountRoot { session, .. } | Self::User { session, .. } => session.as_ref(),
            Self::AssumedRole { session, .. } => Some(session),
        }
    }
}
