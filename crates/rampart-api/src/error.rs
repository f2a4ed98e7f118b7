//! The one place where errors become S3 error responses: code, status, message and the extra
//! elements S3 adds (BucketName, Key, Condition, Region, …).

use std::fmt;

use http::{HeaderValue, StatusCode};
use rampart_engine::EngineError;

pub use crate::error_code::S3ErrorCode;

/// An S3 error response in the making. Internal details go to the log, never to the client.
#[derive(Debug)]
pub struct ApiError {
    pub code: S3ErrorCode,
    pub message: String,
    /// Extra elements of the `<Error>` document, in order.
    pub fields: Vec<(&'static str, String)>,
    /// Extra response headers (e.g. `x-amz-bucket-region`).
    pub headers: Vec<(&'static str, HeaderValue)>,
    /// What went wrong inside, for the log only.
    pub detail: Option<String>,
    /// A 304 Not Modified stands in the error path but is not an error response.
    pub not_modified: bool,
    /// For a refusal by authorization: which layer, policy and statement decided.
    pub denial: Option<Box<rampart_audit::Denial>>,
}

impl ApiError {
    /// Names what refused the request, for the audit trail.
    pub fn denied_by(mut self, reason: rampart_audit::Denial) -> Self {
        self.denial = Some(Box::new(reason));
        self
    }

    pub fn new(code: S3ErrorCode) -> Self {
        Self {
            code,
            message: code.default_message().to_owned(),
            fields: Vec::new(),
            headers: Vec::new(),
            detail: None,
            not_modified: false,
            denial: None,
        }
    }

    pub fn with_message(code: S3ErrorCode, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::new(code)
        }
    }

    pub fn field(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    pub fn has_field(&self, name: &str) -> bool {
        self.fields.iter().any(|(n, _)| *n == name)
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self {
            detail: Some(detail.into()),
            ..Self::new(S3ErrorCode::InternalError)
        }
    }

    pub fn invalid_argument(
        message: impl Into<String>,
        name: &str,
        value: impl Into<String>,
    ) -> Self {
        Self::with_message(S3ErrorCode::InvalidArgument, message)
            .field("ArgumentName", name)
            .field("ArgumentValue", value)
    }

    /// 501 for a header or operation that S3 has and this server does not (yet).
    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::with_message(S3ErrorCode::NotImplemented, message)
    }

    pub fn status(&self) -> StatusCode {
        if self.not_modified {
            StatusCode::NOT_MODIFIED
        } else {
            self.code.status()
        }
    }

    /// Recovers an API error carried through a body stream as an `io::Error`.
    pub fn from_io(e: std::io::Error) -> Self {
        if e.get_ref()
            .is_some_and(|i| i.downcast_ref::<ApiError>().is_some())
        {
            if let Some(Ok(api)) = e.into_inner().map(|i| i.downcast::<ApiError>()) {
                return *api;
            }
            return Self::internal("lost a body error");
        }
        // The connection failed mid-body: the client went away or sent less than it declared.
        Self {
            detail: Some(format!("request body: {e}")),
            ..Self::new(S3ErrorCode::IncompleteBody)
        }
    }

    pub fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl From<S3ErrorCode> for ApiError {
    fn from(code: S3ErrorCode) -> Self {
        Self::new(code)
    }
}

impl From<rampart_engine::acl::AclError> for ApiError {
    fn from(e: rampart_engine::acl::AclError) -> Self {
        use S3ErrorCode as C;
        use rampart_engine::acl::AclError as A;
        match e {
            A::InvalidArgument {
                message,
                argument_name,
                argument_value,
            } => ApiError::invalid_argument(message, &argument_name, argument_value),
            A::InvalidRequest(message) => ApiError::with_message(C::InvalidRequest, message),
            A::AccessControlListNotSupported => C::AccessControlListNotSupported.into(),
            A::UnresolvableGrantByEmailAddress => C::UnresolvableGrantByEmailAddress.into(),
            A::MalformedAcl => C::MalformedACLError.into(),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        use S3ErrorCode as C;
        match e {
            EngineError::NoSuchBucket => C::NoSuchBucket.into(),
            EngineError::BucketAlreadyOwnedByYou => C::BucketAlreadyOwnedByYou.into(),
            EngineError::BucketAlreadyExists => C::BucketAlreadyExists.into(),
            EngineError::BucketNotEmpty => C::BucketNotEmpty.into(),
            EngineError::NoSuchKey => C::NoSuchKey.into(),
            EngineError::NoSuchUpload => C::NoSuchUpload.into(),
            EngineError::InvalidPart => C::InvalidPart.into(),
            EngineError::InvalidPartOrder => C::InvalidPartOrder.into(),
            EngineError::EntityTooSmall { size, min, part } => ApiError::new(C::EntityTooSmall)
                .field("ProposedSize", size.to_string())
                .field("MinSizeAllowed", min.to_string())
                .field("PartNumber", part.to_string()),
            EngineError::MalformedXml => C::MalformedXML.into(),
            EngineError::InvalidPartNumber { parts } => ApiError::new(C::InvalidPartNumber)
                .field("PartNumberRequested", "")
                .field("ActualPartCount", parts.to_string()),
            EngineError::PreconditionFailed { condition } => {
                ApiError::new(C::PreconditionFailed).field("Condition", condition)
            }
            EngineError::NotModified {
                etag,
                last_modified,
            } => {
                let mut e = ApiError::new(C::PreconditionFailed)
                    .header("etag", &etag.quoted())
                    .header(
                        "last-modified",
                        &httpdate::fmt_http_date(last_modified.to_system_time()),
                    );
                e.not_modified = true;
                e
            }
            EngineError::InvalidRange(r) => ApiError::new(C::InvalidRange)
                .field("RangeRequested", "")
                .field("ActualObjectSize", r.size.to_string()),
            EngineError::BadDigest { algorithm } => {
                if algorithm == "Content-MD5" {
                    C::BadDigest.into()
                } else {
                    ApiError::with_message(
                        C::BadDigest,
                        format!(
                            "The {algorithm} you specified did not match the calculated checksum."
                        ),
                    )
                }
            }
            EngineError::EntityTooLarge { max } => {
                ApiError::new(C::EntityTooLarge).field("MaxSizeAllowed", max.to_string())
            }
            EngineError::IncompleteBody { declared, received } => ApiError::new(C::IncompleteBody)
                .field("NumberBytesExpected", declared.to_string())
                .field("NumberBytesProvided", received.to_string()),
            EngineError::MetadataTooLarge { size, limit } => ApiError::new(C::MetadataTooLarge)
                .field("MaxSizeAllowed", limit.to_string())
                .field("Size", size.to_string()),
            EngineError::InvalidTag(message) => ApiError::with_message(C::InvalidTag, message),
            EngineError::InvalidRequest(message) => {
                ApiError::with_message(C::InvalidRequest, message)
            }
            EngineError::InvalidArgument {
                name,
                value,
                message,
            } => ApiError::invalid_argument(message, name, value),
            EngineError::ConditionalRequestConflict => C::ConditionalRequestConflict.into(),
            EngineError::OperationAborted => C::OperationAborted.into(),
            EngineError::Body(io) => ApiError::from_io(io),
            // The blob store's own Object Lock check caught what the engine's should have.
            EngineError::Store(store @ rampart_store::StoreError::Locked { .. }) => ApiError {
                detail: Some(format!("storage: {store}")),
                ..ApiError::with_message(C::AccessDenied, OBJECT_LOCKED_MESSAGE)
            },
            EngineError::Store(store) => ApiError::internal(format!("storage: {store}")),
            EngineError::Internal(detail) => ApiError::internal(detail),
            EngineError::NoSuchKeyDeleteMarker { version_id } => ApiError::new(C::NoSuchKey)
                .header("x-amz-delete-marker", "true")
                .header("x-amz-version-id", &version_id),
            EngineError::VersionIsDeleteMarker {
                version_id,
                last_modified,
            } => ApiError::new(C::MethodNotAllowed)
                .field("ResourceType", "DeleteMarker")
                .header("x-amz-delete-marker", "true")
                .header("x-amz-version-id", &version_id)
                .header(
                    "last-modified",
                    &httpdate::fmt_http_date(last_modified.to_system_time()),
                ),
            EngineError::NoSuchVersion => ApiError::new(C::NoSuchVersion),
            EngineError::SseCustomerKeyRequired => ApiError::with_message(
                C::InvalidRequest,
                "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.",
            ),
            EngineError::SseParametersNotApplicable => ApiError::with_message(
                C::InvalidRequest,
                "The encryption parameters are not applicable to this object.",
            ),
            EngineError::SseCustomerKeyMismatch => ApiError {
                detail: Some("the SSE-C key does not match the object's".into()),
                ..ApiError::new(C::AccessDenied)
            },
            EngineError::EncryptionTypeBlocked(kind) => ApiError {
                detail: Some(format!(
                    "{kind} writes are blocked by the bucket's encryption configuration"
                )),
                ..ApiError::new(C::AccessDenied)
            },
            EngineError::Kms(e) => kms_error(e),
            EngineError::ObjectLocked => {
                ApiError::with_message(C::AccessDenied, OBJECT_LOCKED_MESSAGE).denied_by(
                    rampart_audit::Denial {
                        layer: "object-lock".into(),
                        policy: None,
                        statement: None,
                        kind: "explicit".into(),
                    },
                )
            }
            EngineError::ObjectLockNotEnabled => ApiError::with_message(
                C::InvalidRequest,
                "Bucket is missing Object Lock Configuration",
            ),
            EngineError::ObjectLockConfigurationNotFound => {
                C::ObjectLockConfigurationNotFoundError.into()
            }
            EngineError::NoSuchObjectLockConfiguration => C::NoSuchObjectLockConfiguration.into(),
            EngineError::InvalidTargetBucketForLogging(message) => {
                ApiError::with_message(C::InvalidTargetBucketForLogging, message)
            }
            EngineError::InvalidBucketState(message) => {
                ApiError::with_message(C::InvalidBucketState, message)
            }
            EngineError::DataCorrupted(detail) => {
                ApiError::internal(format!("stored data failed authentication: {detail}"))
            }
        }
    }
}

/// S3's refusal of a delete, or a weakening of a lock, that Object Lock forbids.
const OBJECT_LOCKED_MESSAGE: &str = "Access Denied because object protected by object lock.";

/// A KMS refusal as S3 reports it when it uses a key on the caller's behalf.
fn kms_error(e: rampart_engine::key_provider::KmsUseError) -> ApiError {
    use rampart_engine::key_provider::KmsUseError as K;
    match e {
        K::NotFound(m) => ApiError::with_message(S3ErrorCode::KmsNotFound, m),
        K::Disabled(m) => ApiError::with_message(S3ErrorCode::KmsDisabled, m),
        K::InvalidState(m) => ApiError::with_message(S3ErrorCode::KmsInvalidState, m),
        K::InvalidCiphertext(m) => ApiError::with_message(S3ErrorCode::KmsInvalidCiphertext, m),
        K::AccessDenied(m) => ApiError {
            detail: Some(m),
            ..ApiError::new(S3ErrorCode::AccessDenied)
        },
        K::Internal(m) => ApiError::internal(format!("KMS: {m}")),
    }
}
