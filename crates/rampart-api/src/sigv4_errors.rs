//! SigV4 failures as S3 reports them.

use rampart_sigv4::SigV4Error;

use crate::error::{ApiError, S3ErrorCode};

/// S3 shows signed strings byte by byte so clients can diff encodings.
fn hex_bytes(s: &str) -> String {
    s.bytes()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl From<SigV4Error> for ApiError {
    fn from(e: SigV4Error) -> Self {
        use S3ErrorCode as C;
        let message = e.to_string();
        match e {
            SigV4Error::AuthorizationHeaderMalformed { region, .. } => {
                let err = ApiError::with_message(C::AuthorizationHeaderMalformed, message);
                match region {
                    Some(r) => err.field("Region", r),
                    None => err,
                }
            }
            SigV4Error::AuthorizationQueryParametersError { region, .. } => {
                let err = ApiError::with_message(C::AuthorizationQueryParametersError, message);
                match region {
                    Some(r) => err.field("Region", r),
                    None => err,
                }
            }
            SigV4Error::MultipleAuthMechanisms => {
                ApiError::with_message(C::InvalidArgument, message)
                    .field("ArgumentName", "Authorization")
                    .field("ArgumentValue", "")
            }
            SigV4Error::UnsupportedAuthorizationType { value } => {
                ApiError::invalid_argument(message, "Authorization", value)
            }
            SigV4Error::UnsupportedSignatureVersion | SigV4Error::SigV4aNotSupported => {
                ApiError::with_message(C::InvalidRequest, message)
            }
            SigV4Error::MissingContentSha256 => ApiError::with_message(C::InvalidRequest, message),
            SigV4Error::InvalidContentSha256 { value } => {
                ApiError::invalid_argument(message, "x-amz-content-sha256", value)
            }
            SigV4Error::MissingDate => ApiError::with_message(C::AccessDenied, message),
            SigV4Error::RequestTimeTooSkewed {
                request_time,
                server_time,
                max_allowed_skew_ms,
            } => ApiError::with_message(C::RequestTimeTooSkewed, message)
                .field("RequestTime", request_time)
                .field("ServerTime", server_time)
                .field(
                    "MaxAllowedSkewMilliseconds",
                    max_allowed_skew_ms.to_string(),
                ),
            SigV4Error::RequestExpired {
                x_amz_expires,
                expires,
                server_time,
            } => ApiError::with_message(C::AccessDenied, message)
                .field("X-Amz-Expires", x_amz_expires.to_string())
                .field("Expires", expires)
                .field("ServerTime", server_time),
            SigV4Error::RequestNotYetValid {
                request_time,
                server_time,
            } => ApiError::with_message(C::AccessDenied, message)
                .field("RequestTime", request_time)
                .field("ServerTime", server_time),
            SigV4Error::HeadersNotSigned { headers } => {
                ApiError::with_message(C::AccessDenied, message)
                    .field("HeadersNotSigned", headers.join(", "))
            }
            SigV4Error::SignatureDoesNotMatch {
                access_key_id,
                signature_provided,
                string_to_sign,
                canonical_request,
            } => ApiError::with_message(C::SignatureDoesNotMatch, message)
                .field("AWSAccessKeyId", access_key_id)
                .field("StringToSign", string_to_sign.clone())
                .field("SignatureProvided", signature_provided)
                .field("StringToSignBytes", hex_bytes(&string_to_sign))
                .field("CanonicalRequest", canonical_request.clone())
                .field("CanonicalRequestBytes", hex_bytes(&canonical_request)),
            SigV4Error::ChunkSignatureDoesNotMatch | SigV4Error::TrailerSignatureDoesNotMatch => {
                ApiError::with_message(C::SignatureDoesNotMatch, message)
            }
            SigV4Error::MalformedChunkedEncoding { .. } | SigV4Error::ChunkTooLarge { .. } => {
                ApiError::with_message(C::InvalidRequest, message)
            }
            SigV4Error::IncompleteBody => ApiError::with_message(C::IncompleteBody, message),
            SigV4Error::InvalidPostField {
                field,
                value,
                region,
                ..
            } => {
                let err = ApiError::invalid_argument(message, field, value);
                match region {
                    Some(r) => err.field("Region", r),
                    None => err,
                }
            }
            SigV4Error::PostSignatureDoesNotMatch {
                access_key_id,
                signature_provided,
                string_to_sign,
            } => ApiError::with_message(C::SignatureDoesNotMatch, message)
                .field("AWSAccessKeyId", access_key_id)
                .field("StringToSign", string_to_sign.clone())
                .field("SignatureProvided", signature_provided)
                .field("StringToSignBytes", hex_bytes(&string_to_sign)),
        }
    }
}
