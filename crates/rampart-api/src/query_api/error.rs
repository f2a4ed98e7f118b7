//! IAM and STS error codes, their HTTP statuses, and the `<ErrorResponse>` document.

use std::fmt;

use axum::response::Response;
use http::StatusCode;
use rampart_iam::IamError;

use super::Service;
use super::writer::{XmlWriter, xml_response};

/// The error codes IAM and STS answer with (the names are AWS's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryErrorCode {
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    ExpiredToken,
    InvalidAction,
    InvalidAuthenticationCode,
    InvalidClientTokenId,
    InvalidInput,
    InvalidQueryParameter,
    LimitExceeded,
    MalformedPolicyDocument,
    MissingAction,
    MissingAuthenticationToken,
    MissingParameter,
    NoSuchEntity,
    /// An action the service has in AWS and this server does not serve (yet).
    NotImplemented,
    PackedPolicyTooLarge,
    /// IAM's `ServiceFailure`, STS's `InternalFailure`: details go only to the log.
    ServiceFailure,
    SignatureDoesNotMatch,
    ValidationError,
}

impl QueryErrorCode {
    pub fn as_str(self, service: Service) -> &'static str {
        match self {
            Self::AccessDenied => "AccessDenied",
            Self::DeleteConflict => "DeleteConflict",
            Self::EntityAlreadyExists => "EntityAlreadyExists",
            Self::ExpiredToken => "ExpiredToken",
            Self::InvalidAction => "InvalidAction",
            Self::InvalidAuthenticationCode => "InvalidAuthenticationCode",
            Self::InvalidClientTokenId => "InvalidClientTokenId",
            Self::InvalidInput => "InvalidInput",
            Self::InvalidQueryParameter => "InvalidQueryParameter",
            Self::LimitExceeded => "LimitExceeded",
            Self::MalformedPolicyDocument => "MalformedPolicyDocument",
            Self::MissingAction => "MissingAction",
            Self::MissingAuthenticationToken => "MissingAuthenticationToken",
            Self::MissingParameter => "MissingParameter",
            Self::NoSuchEntity => "NoSuchEntity",
            Self::NotImplemented => "NotImplemented",
            Self::PackedPolicyTooLarge => "PackedPolicyTooLarge",
            Self::ServiceFailure => match service {
                Service::Iam => "ServiceFailure",
                Service::Sts => "InternalFailure",
            },
            Self::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            Self::ValidationError => "ValidationError",
        }
    }

    pub fn status(self, _service: Service) -> StatusCode {
        match self {
            Self::NoSuchEntity => StatusCode::NOT_FOUND,
            Self::EntityAlreadyExists | Self::LimitExceeded | Self::DeleteConflict => {
                StatusCode::CONFLICT
            }
            Self::AccessDenied
            | Self::InvalidAuthenticationCode
            | Self::InvalidClientTokenId
            | Self::MissingAuthenticationToken
            | Self::SignatureDoesNotMatch
            // Raised only for expired request credentials, which every Query service refuses
            // with 403 (STS's 400 ExpiredTokenException is for web identity tokens passed as
            // parameters, which are not served).
            | Self::ExpiredToken => StatusCode::FORBIDDEN,
            Self::ServiceFailure => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotImplemented => StatusCode::NOT_IMPLEMENTED,
            Self::InvalidAction
            | Self::InvalidInput
            | Self::InvalidQueryParameter
            | Self::MalformedPolicyDocument
            | Self::MissingAction
            | Self::MissingParameter
            | Self::PackedPolicyTooLarge
            | Self::ValidationError => StatusCode::BAD_REQUEST,
        }
    }

    /// `<Type>`: `Receiver` for the server's own failures and gaps, `Sender` for the rest.
    fn fault(self) -> &'static str {
        match self {
            Self::ServiceFailure | Self::NotImplemented => "Receiver",
            _ => "Sender",
        }
    }
}

/// An IAM/STS error response in the making. `detail` is for the log only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryApiError {
    pub code: QueryErrorCode,
    pub message: String,
    pub detail: Option<String>,
}

impl QueryApiError {
    pub fn new(code: QueryErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(QueryErrorCode::ValidationError, message)
    }

    /// A required parameter that was not given, in IAM's words.
    pub fn missing(param: &str) -> Self {
        Self::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            super::params::member_name(param)
        ))
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(QueryErrorCode::AccessDenied, message)
    }

    /// An authorization refusal. IAM and STS name the resource unquoted, where S3 quotes it
    /// (`on resource: "arn:aws:s3:::b"`), so a quoted `resource` is unquoted.
    pub fn denied(message: &str, resource: &str) -> Self {
        let message = message.replacen(
            &format!("on resource: \"{resource}\""),
            &format!("on resource: {resource}"),
            1,
        );
        Self::access_denied(message)
    }

    /// An action this server does not serve: `NotImplemented` (501) when AWS has it (the
    /// policy catalog knows `{service}:{action}`), AWS's own `InvalidAction` otherwise.
    pub fn unknown_action(service: Service, action: &str) -> Self {
        let prefix = match service {
            Service::Iam => "iam",
            Service::Sts => "sts",
        };
        if rampart_policy::is_known_action(&format!("{prefix}:{action}")) {
            Self::new(
                QueryErrorCode::NotImplemented,
                format!("The {action} operation is not implemented by this server."),
            )
        } else {
            Self::invalid_action(action, service.version())
        }
    }

    /// An action the service does not have (or not in that API version).
    pub fn invalid_action(action: &str, version: &str) -> Self {
        Self::new(
            QueryErrorCode::InvalidAction,
            format!("Could not find operation {action} for version {version}"),
        )
    }

    /// A failure inside the server: the client sees a generic message, the log the detail.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self {
            detail: Some(detail.into()),
            ..Self::new(
                QueryErrorCode::ServiceFailure,
                "The request processing has failed because of an unknown error, exception or failure.",
            )
        }
    }
}

impl fmt::Display for QueryApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for QueryApiError {}

impl From<IamError> for QueryApiError {
    fn from(e: IamError) -> Self {
        use QueryErrorCode as C;
        match e {
            IamError::NoSuchEntity(m) => Self::new(C::NoSuchEntity, m),
            IamError::EntityAlreadyExists(m) => Self::new(C::EntityAlreadyExists, m),
            IamError::MalformedPolicyDocument(m) => Self::new(C::MalformedPolicyDocument, m),
            IamError::LimitExceeded(m) => Self::new(C::LimitExceeded, m),
            IamError::DeleteConflict(m) => Self::new(C::DeleteConflict, m),
            IamError::InvalidInput(m) => Self::new(C::InvalidInput, m),
            IamError::ValidationError(m) => Self::new(C::ValidationError, m),
            IamError::InvalidAuthenticationCode(m) => Self::new(C::InvalidAuthenticationCode, m),
            e @ (IamError::Store(_) | IamError::Corrupt(_)) => Self::internal(e.to_string()),
        }
    }
}

/// The `<ErrorResponse>` document and status for `err`; a server failure's detail is logged.
pub fn error_response(service: Service, err: &QueryApiError, request_id: &str) -> Response {
    if err.code == QueryErrorCode::ServiceFailure {
        tracing::error!(
            detail = err.detail.as_deref().unwrap_or(""),
            "{service:?} service failure"
        );
    }
    let mut r = xml_response(
        err.code.status(service),
        error_document(service, err, request_id),
        request_id,
    );
    r.extensions_mut().insert(crate::recording::RecordedError {
        code: err.code.as_str(service).to_owned(),
        message: err.message.clone(),
    });
    r
}

pub(super) fn error_document(service: Service, err: &QueryApiError, request_id: &str) -> String {
    let mut w = XmlWriter::new();
    w.raw_start_with_namespace("ErrorResponse", service.namespace());
    w.start("Error");
    w.text("Type", err.code.fault());
    w.text("Code", err.code.as_str(service));
    w.text("Message", &err.message);
    w.end("Error");
    w.text("RequestId", request_id);
    w.end("ErrorResponse");
    w.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_error_documents() {
        let err = QueryApiError::new(
            QueryErrorCode::NoSuchEntity,
            "The user with name <bob> cannot be found.",
        );
        assert_eq!(
            error_document(Service::Iam, &err, "req-1"),
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>\
             <Type>Sender</Type><Code>NoSuchEntity</Code>\
             <Message>The user with name &lt;bob&gt; cannot be found.</Message></Error>\
             <RequestId>req-1</RequestId></ErrorResponse>"
        );
        let err = QueryApiError::internal("disk on fire");
        assert_eq!(
            error_document(Service::Sts, &err, "r2"),
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
             <Type>Receiver</Type><Code>InternalFailure</Code>\
             <Message>The request processing has failed because of an unknown error, exception or failure.</Message>\
             </Error><RequestId>r2</RequestId></ErrorResponse>"
        );
    }

    #[test]
    fn statuses() {
        use QueryErrorCode as C;
        let iam = |c: C| c.status(Service::Iam).as_u16();
        assert_eq!(iam(C::NoSuchEntity), 404);
        for c in [C::EntityAlreadyExists, C::LimitExceeded, C::DeleteConflict] {
            assert_eq!(iam(c), 409);
        }
        for c in [
            C::MalformedPolicyDocument,
            C::InvalidInput,
            C::ValidationError,
            C::InvalidAction,
            C::MissingAction,
        ] {
            assert_eq!(iam(c), 400);
        }
        assert_eq!(iam(C::AccessDenied), 403);
        assert_eq!(iam(C::InvalidClientTokenId), 403);
        assert_eq!(iam(C::ExpiredToken), 403);
        assert_eq!(C::ExpiredToken.status(Service::Sts).as_u16(), 403);
        assert_eq!(iam(C::ServiceFailure), 500);
        assert_eq!(iam(C::NotImplemented), 501);
        assert_eq!(C::ServiceFailure.as_str(Service::Iam), "ServiceFailure");
    }

    #[test]
    fn iam_errors_map_one_to_one() {
        use QueryErrorCode as C;
        let cases = [
            (IamError::NoSuchEntity("a".into()), C::NoSuchEntity),
            (
                IamError::EntityAlreadyExists("a".into()),
                C::EntityAlreadyExists,
            ),
            (
                IamError::MalformedPolicyDocument("a".into()),
                C::MalformedPolicyDocument,
            ),
            (IamError::LimitExceeded("a".into()), C::LimitExceeded),
            (IamError::DeleteConflict("a".into()), C::DeleteConflict),
            (IamError::InvalidInput("a".into()), C::InvalidInput),
            (IamError::ValidationError("a".into()), C::ValidationError),
        ];
        for (e, code) in cases {
            let q = QueryApiError::from(e);
            assert_eq!(q.code, code);
            assert_eq!(q.message, "a");
        }
        let q = QueryApiError::from(IamError::Corrupt("secret detail".into()));
        assert_eq!(q.code, C::ServiceFailure);
        assert!(!q.message.contains("secret detail"));
        assert!(q.detail.unwrap().contains("secret detail"));
    }

    #[test]
    fn denials_name_the_resource_unquoted() {
        let e = QueryApiError::denied(
            "User: arn:aws:iam::1:user/a is not authorized to perform: iam:GetUser on resource: \"arn:aws:iam::1:user/b\" because no identity-based policy allows the iam:GetUser action",
            "arn:aws:iam::1:user/b",
        );
        assert_eq!(e.code, QueryErrorCode::AccessDenied);
        assert_eq!(
            e.message,
            "User: arn:aws:iam::1:user/a is not authorized to perform: iam:GetUser on resource: arn:aws:iam::1:user/b because no identity-based policy allows the iam:GetUser action"
        );
        let e = QueryApiError::denied("on resource: arn:x", "arn:x");
        assert_eq!(e.message, "on resource: arn:x");
    }

    #[test]
    fn invalid_action_wording() {
        let e = QueryApiError::invalid_action("Frobnicate", "2010-05-08");
        assert_eq!(e.code, QueryErrorCode::InvalidAction);
        assert_eq!(
            e.message,
            "Could not find operation Frobnicate for version 2010-05-08"
        );
    }
}
