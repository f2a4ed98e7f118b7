//! Why the KMS refused, one variant per AWS KMS exception it can raise.

use rampart_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum KmsError {
    /// `NotFoundException`.
    #[error("{0}")]
    NotFound(String),
    /// `DisabledException`.
    #[error("{0}")]
    Disabled(String),
    /// `KMSInvalidStateException` (pending deletion, or not pending deletion).
    #[error("{0}")]
    InvalidState(String),
    /// `InvalidCiphertextException`: the blob is malformed, tampered with, or its context
    /// differs. Deliberately says nothing more.
    #[error("invalid ciphertext")]
    InvalidCiphertext,
    /// `IncorrectKeyException`: Decrypt named a key other than the one the blob was made under.
    #[error("{0}")]
    IncorrectKey(String),
    /// `AlreadyExistsException`.
    #[error("{0}")]
    AlreadyExists(String),
    /// `InvalidAliasNameException`.
    #[error("{0}")]
    InvalidAliasName(String),
    /// `ValidationException`.
    #[error("{0}")]
    Validation(String),
    /// `UnsupportedOperationException`: a key spec, usage or origin this KMS does not offer.
    #[error("{0}")]
    Unsupported(String),
    /// `MalformedPolicyDocumentException`.
    #[error("{0}")]
    MalformedPolicy(String),
    /// `LimitExceededException`.
    #[error("{0}")]
    LimitExceeded(String),
    /// `InvalidMarkerException`.
    #[error("{0}")]
    InvalidMarker(String),
    #[error("metadata store: {0}")]
    Store(#[from] StoreError),
    /// A stored record or sealed key material that does not decode or open.
    #[error("corrupt KMS record: {0}")]
    Corrupt(String),
}

pub type Result<T, E = KmsError> = std::result::Result<T, E>;
