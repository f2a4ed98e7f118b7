use rampart_store::StoreError;
use rampart_types::RangeNotSatisfiable;

use crate::Timestamp;

/// Everything the engine can refuse, in S3's terms. The API layer maps each to S3's code,
/// status and message.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the specified bucket does not exist")]
    NoSuchBucket,
    #[error("the bucket already exists and you own it")]
    BucketAlreadyOwnedByYou,
    #[error("the bucket name is taken by another account")]
    BucketAlreadyExists,
    #[error("the bucket is not empty")]
    BucketNotEmpty,
    #[error("the specified key does not exist")]
    NoSuchKey,
    /// The key's latest version is a delete marker (404 with `x-amz-delete-marker`).
    #[error("the specified key does not exist (its latest version is a delete marker)")]
    NoSuchKeyDeleteMarker { version_id: String },
    /// A GET or HEAD named a delete marker's version id (405).
    #[error("the specified version is a delete marker")]
    VersionIsDeleteMarker {
        version_id: String,
        last_modified: crate::Timestamp,
    },
    #[error("the specified version does not exist")]
    NoSuchVersion,
    #[error("the specified multipart upload does not exist")]
    NoSuchUpload,
    /// A part named at completion was not uploaded, or its ETag or checksum differs.
    #[error("one or more of the specified parts could not be found")]
    InvalidPart,
    #[error("the list of parts was not in ascending order")]
    InvalidPartOrder,
    /// A part other than the last is under the minimum part size.
    #[error("part {part} is {size} bytes; parts other than the last must be at least {min}")]
    EntityTooSmall { size: u64, min: u64, part: u32 },
    #[error("the XML was not well-formed or did not validate")]
    MalformedXml,
    /// A precondition header did not hold (412); `condition` names the header.
    #[error("precondition failed: {condition}")]
    PreconditionFailed { condition: &'static str },
    /// GET/HEAD conditions say the client's copy is current (304).
    #[error("not modified")]
    NotModified {
        etag: rampart_types::ETag,
        last_modified: Timestamp,
    },
    #[error(transparent)]
    InvalidRange(#[from] RangeNotSatisfiable),
    /// `partNumber` past the object's parts (416).
    #[error("the requested part number is not satisfiable; the object has {parts} parts")]
    InvalidPartNumber { parts: u32 },
    /// The body's MD5 differs from Content-MD5, or a flexible checksum differs.
    #[error("the {algorithm} you specified did not match the calculated value")]
    BadDigest { algorithm: &'static str },
    #[error("the object exceeds the maximum allowed size of {max} bytes")]
    EntityTooLarge { max: u64 },
    /// The body ended before (or ran past) the length the client declared.
    #[error("the body was {received} bytes; the request declared {declared}")]
    IncompleteBody { declared: u64, received: u64 },
    #[error("user metadata is {size} bytes; the limit is {limit}")]
    MetadataTooLarge { size: usize, limit: usize },
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidTag(String),
    #[error("invalid argument {name}: {message}")]
    InvalidArgument {
        name: &'static str,
        value: String,
        message: String,
    },
    /// Another conditional write to the same key won the race (409).
    #[error("a conflicting operation is in progress on this object")]
    ConditionalRequestConflict,
    /// A bucket-level operation raced with this one (409).
    #[error("a conflicting conditional operation is currently in progress against this resource")]
    OperationAborted,
    /// The request body stream failed; the error is the caller's own (a signature failure, a
    /// disconnect, a timeout) and the API layer knows what it means.
    #[error("the request body failed: {0}")]
    Body(#[source] std::io::Error),
    #[error("storage failure: {0}")]
    Store(#[source] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
    /// An SSE-C object read (or an SSE-C upload's part written) without the customer key.
    #[error(
        "the object was stored using a form of server side encryption; the correct parameters must be provided to retrieve the object"
    )]
    SseCustomerKeyRequired,
    /// SSE-C parameters on a request for data that is not SSE-C encrypted.
    #[error("the encryption parameters are not applicable to this object")]
    SseParametersNotApplicable,
    /// The customer key given is not the one the data was written with (403).
    #[error("the customer key does not match the key the object was encrypted with")]
    SseCustomerKeyMismatch,
    /// The bucket's encryption configuration blocks writes with this encryption type (403).
    #[error("writes with {0} are blocked by the bucket's encryption configuration")]
    EncryptionTypeBlocked(&'static str),
    /// The KMS refused to make or open a data key.
    #[error("KMS: {0}")]
    Kms(#[from] crate::key_provider::KmsUseError),
    /// The version is under a legal hold or a retention that this request may not bypass
    /// (403 AccessDenied).
    #[error("the object is protected by Object Lock")]
    ObjectLocked,
    /// An Object Lock operation or setting on a bucket without Object Lock (400).
    #[error("the bucket has no Object Lock configuration")]
    ObjectLockNotEnabled,
    /// GetObjectLockConfiguration on a bucket without Object Lock (404).
    #[error("the bucket has no Object Lock configuration")]
    ObjectLockConfigurationNotFound,
    /// The version has no retention (or has never had a legal hold) to report (404).
    #[error("the object has no Object Lock configuration")]
    NoSuchObjectLockConfiguration,
    /// The bucket's state forbids the change (409), with S3's explanation.
    #[error("{0}")]
    InvalidBucketState(&'static str),
    /// PutBucketLogging named a target that cannot take the logs (400).
    #[error("{0}")]
    InvalidTargetBucketForLogging(&'static str),
    /// Stored data failed authentication (damaged or tampered with): never served.
    #[error("stored data failed authentication: {0}")]
    DataCorrupted(String),
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Input(io) => Self::from_body_error(io),
            other => Self::Store(other),
        }
    }
}

impl EngineError {
    /// Recovers an engine error that travelled through a body stream as an `io::Error` (a
    /// digest mismatch detected at the end of the stream), or wraps the caller's own error.
    pub(crate) fn from_body_error(io: std::io::Error) -> Self {
        if io
            .get_ref()
            .is_some_and(|inner| inner.downcast_ref::<EngineError>().is_some())
        {
            if let Some(inner) = io.into_inner()
                && let Ok(engine) = inner.downcast::<EngineError>()
            {
                return *engine;
            }
            return Self::Internal("lost a body error".into());
        }
        Self::Body(io)
    }

    /// Wraps an engine error so it can travel through a body stream.
    pub(crate) fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}
