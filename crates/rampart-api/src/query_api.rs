//! The AWS Query protocol that IAM and STS speak: form-encoded parameters in (`Action`,
//! `Version`, lists as `Name.member.N`), `<{Action}Response>` documents out, and errors as
//! `<ErrorResponse>` documents in the service's namespace.
//!
//! `params` parses requests, `writer` renders results and `error` carries IAM/STS error codes
//! and their statuses. The IAM and STS handlers (`crate::iam`, `crate::sts`) use nothing else
//! of the wire format.

mod error;
mod params;
mod writer;

pub use error::{QueryApiError, QueryErrorCode, error_response};
pub use params::Params;
pub use writer::{XmlWriter, answer};

/// Which Query service a request is for: decides the namespace, the API version and the
/// spelling of a few error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Iam,
    Sts,
}

impl Service {
    pub const fn namespace(self) -> &'static str {
        match self {
            Self::Iam => "https://iam.amazonaws.com/doc/2010-05-08/",
            Self::Sts => "https://sts.amazonaws.com/doc/2011-06-15/",
        }
    }

    /// The one API version the service answers.
    pub const fn version(self) -> &'static str {
        match self {
            Self::Iam => "2010-05-08",
            Self::Sts => "2011-06-15",
        }
    }
}
