use crate::{AccessKeyId, Account};

/// The authenticated identity behind a request.
#[derive(Clone, Debug)]
pub enum Principal {
    /// An unsigned request.
    Anonymous,
    /// The root user of an account.
    AccountRoot {
        account: Account,
        access_key_id: AccessKeyId,
    },
}

impl Principal {
    pub fn account(&self) -> Option<&Account> {
        match self {
            Self::Anonymous => None,
            Self::AccountRoot { account, .. } => Some(account),
        }
    }

    /// How the principal appears in logs: an ARN, or `anonymous`.
    pub fn log_name(&self) -> String {
        match self {
            Self::Anonymous => "anonymous".to_owned(),
            Self::AccountRoot { account, .. } => format!("arn:aws:iam::{}:root", account.id),
        }
    }
}
