/// Every variant maps one to one to an IAM (or STS) error code; the message is AWS's wording.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error("{0}")]
    NoSuchEntity(String),
    #[error("{0}")]
    EntityAlreadyExists(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    DeleteConflict(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    ValidationError(String),
    /// A wrong or spent MFA code.
    #[error("{0}")]
    InvalidAuthenticationCode(String),
    #[error(transparent)]
    Store(#[from] rampart_store::StoreError),
    #[error("corrupt identity record: {0}")]
    Corrupt(String),
}

impl IamError {
    /// The IAM error code (`NoSuchEntity`, …); `ServiceFailure` for store and data errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSuchEntity(_) => "NoSuchEntity",
            Self::EntityAlreadyExists(_) => "EntityAlreadyExists",
            Self::MalformedPolicyDocument(_) => "MalformedPolicyDocument",
            Self::LimitExceeded(_) => "LimitExceeded",
            Self::DeleteConflict(_) => "DeleteConflict",
            Self::InvalidInput(_) => "InvalidInput",
            Self::ValidationError(_) => "ValidationError",
            Self::InvalidAuthenticationCode(_) => "InvalidAuthenticationCode",
            Self::Store(_) | Self::Corrupt(_) => "ServiceFailure",
        }
    }
}
