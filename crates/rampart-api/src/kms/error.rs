//! KMS's JSON errors: `{"__type": "...", "message": "..."}` with KMS's status codes.

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use rampart_kms::KmsError;

use crate::authz::Denied;
use crate::error::{ApiError, S3ErrorCode};

/// The JSON protocol's content type.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// An error as KMS reports it.
#[derive(Clone, Debug)]
pub struct KmsApiError {
    /// The `__type`, e.g. `NotFoundException`.
    pub kind: &'static str,
    pub message: Option<String>,
    pub status: StatusCode,
}

impl KmsApiError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: Some(message.into()),
            status: StatusCode::BAD_REQUEST,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    /// A request body that is not the JSON the operation takes.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("NotFoundException", message)
    }

    /// An internal failure: the detail goes to the log, never to the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "KMS internal error");
        Self {
            kind: "KMSInternalException",
            message: Some("An internal error occurred.".into()),
            status: StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The response: status, the JSON protocol's content type and the error document.
    pub fn into_response(self) -> Response {
        let recorded = crate::recording::RecordedError {
            code: self.kind.to_string(),
            message: self.message.clone().unwrap_or_default(),
        };
        let mut doc = serde_json::Map::new();
        doc.insert("__type".into(), self.kind.into());
        if let Some(m) = self.message {
            doc.insert("message".into(), m.into());
        }
        let body = serde_json::Value::Object(doc).to_string();
        let mut r = Response::builder()
            .status(self.status)
            .header(http::header::CONTENT_TYPE, CONTENT_TYPE)
            .body(Body::from(body))
            .expect("static response parts are valid");
        r.extensions_mut().insert(recorded);
        r
    }
}

impl From<KmsError> for KmsApiError {
    fn from(e: KmsError) -> Self {
        let (kind, message) = match e {
            KmsError::NotFound(m) => ("NotFoundException", Some(m)),
            KmsError::Disabled(m) => ("DisabledException", Some(m)),
            KmsError::InvalidState(m) => ("KMSInvalidStateException", Some(m)),
            KmsError::InvalidCiphertext => ("InvalidCiphertextException", None),
            KmsError::IncorrectKey(m) => ("IncorrectKeyException", Some(m)),
            KmsError::AlreadyExists(m) => ("AlreadyExistsException", Some(m)),
            KmsError::InvalidAliasName(m) => ("InvalidAliasNameException", Some(m)),
            KmsError::Validation(m) => ("ValidationException", Some(m)),
            KmsError::Unsupported(m) => ("UnsupportedOperationException", Some(m)),
            KmsError::MalformedPolicy(m) => ("MalformedPolicyDocumentException", Some(m)),
            KmsError::LimitExceeded(m) => ("LimitExceededException", Some(m)),
            KmsError::InvalidMarker(m) => ("InvalidMarkerException", Some(m)),
            e @ (KmsError::Store(_) | KmsError::Corrupt(_)) => return Self::internal(e),
        };
        Self {
            kind,
            message,
            status: StatusCode::BAD_REQUEST,
        }
    }
}

impl From<Denied> for KmsApiError {
    /// KMS names the resource of a denial unquoted.
    fn from(d: Denied) -> Self {
        const MARK: &str = "on resource: \"";
        let mut message = d.message;
        if let Some(start) = message.find(MARK) {
            let rest = start + MARK.len();
            if let Some(end) = message[rest..].find('"') {
                message.replace_range(rest + end..rest + end + 1, "");
                message.replace_range(start + MARK.len() - 1..rest, "");
            }
        }
        Self::new("AccessDeniedException", message)
    }
}

/// A refused credential, in KMS's words.
pub fn auth_error(err: &ApiError) -> KmsApiError {
    match err.code {
        S3ErrorCode::InvalidAccessKeyId | S3ErrorCode::InvalidToken => KmsApiError::new(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        S3ErrorCode::ExpiredToken => KmsApiError::new(
            "ExpiredTokenException",
            "The security token included in the request is expired",
        ),
        S3ErrorCode::SignatureDoesNotMatch | S3ErrorCode::XAmzContentSHA256Mismatch => {
            KmsApiError::new(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            )
        }
        S3ErrorCode::RequestTimeTooSkewed => KmsApiError::new(
            "InvalidSignatureException",
            "Signature expired: the request time is too far from the server's time.",
        ),
        S3ErrorCode::InternalError => KmsApiError::internal(err.detail.clone().unwrap_or_default()),
        _ => KmsApiError::new("IncompleteSignatureException", err.message.clone()),
    }
}
