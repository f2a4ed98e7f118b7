//! The crate's one error type.
//!
//! Each variant's `Display` is the message S3 itself returns for that failure, so the
//! server can put `err.to_string()` straight into the `<Message>` element; the variant
//! (not the text) decides the S3 error code and HTTP status, in `rampart-api`.

/// S3's wording for a request that carries two authentication mechanisms.
pub const MSG_ONE_AUTH_MECHANISM: &str = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified";

/// S3's wording for a presigned URL that lacks one of the required parameters.
pub const MSG_MISSING_QUERY_PARAMS: &str = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";

/// Everything that can go wrong while authenticating a request or decoding its body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// The `Authorization` header is present but not a well-formed SigV4 header, or its
    /// credential scope is wrong. S3: 400 `AuthorizationHeaderMalformed`; when `region` is
    /// set S3 also returns it in a `<Region>` element (the region the client should use).
    #[error("{message}")]
    AuthorizationHeaderMalformed {
        message: String,
        region: Option<String>,
    },

    /// A presigned URL's `X-Amz-*` parameters are missing or malformed.
    /// S3: 400 `AuthorizationQueryParametersError` (`<Region>` when `region` is set).
    #[error("{message}")]
    AuthorizationQueryParametersError {
        message: String,
        region: Option<String>,
    },

    /// Both an `Authorization` header and query-string auth were sent.
    /// S3: 400 `InvalidArgument`.
    #[error("{}", MSG_ONE_AUTH_MECHANISM)]
    MultipleAuthMechanisms,

    /// An `Authorization` header whose scheme is neither SigV4 nor SigV2.
    /// S3: 400 `InvalidArgument`, `<ArgumentName>Authorization</ArgumentName>`,
    /// `<ArgumentValue>` = `value`.
    #[error("Unsupported Authorization Type")]
    UnsupportedAuthorizationType { value: String },

    /// Signature Version 2 (header `AWS AKID:sig` or query `AWSAccessKeyId`/`Signature`).
    /// S3: 400 `InvalidRequest`.
    #[error(
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
    )]
    UnsupportedSignatureVersion,

    /// SigV4a (`AWS4-ECDSA-P256-SHA256`, or a `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD*`
    /// payload): not implemented. Suggested: 400 `InvalidRequest` (same family as SigV2).
    #[error(
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
    )]
    SigV4aNotSupported,

    /// Header auth without `x-amz-content-sha256`. S3: 400 `InvalidRequest`.
    #[error("Missing required header for this request: x-amz-content-sha256")]
    MissingContentSha256,

    /// `x-amz-content-sha256` is neither a SHA-256 hex digest nor a known token.
    /// S3: 400 `InvalidArgument`, `<ArgumentName>x-amz-content-sha256</ArgumentName>`,
    /// `<ArgumentValue>` = `value`.
    #[error(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."
    )]
    InvalidContentSha256 { value: String },

    /// Header auth with neither a valid `x-amz-date` nor a valid `Date`.
    /// S3: 403 `AccessDenied`.
    #[error("AWS authentication requires a valid Date or x-amz-date header")]
    MissingDate,

    /// Header auth more than 15 minutes away from the server clock.
    /// S3: 403 `RequestTimeTooSkewed`, with `<RequestTime>`, `<ServerTime>` and
    /// `<MaxAllowedSkewMilliseconds>`.
    #[error("The difference between the request time and the current time is too large.")]
    RequestTimeTooSkewed {
        /// The signed request time, ISO 8601 basic (`20130524T000000Z`).
        request_time: String,
        /// Server time, ISO 8601 (`2013-05-24T00:20:00Z`).
        server_time: String,
        max_allowed_skew_ms: u64,
    },

    /// A presigned URL past its expiry. S3: 403 `AccessDenied`, with `<X-Amz-Expires>`,
    /// `<Expires>` and `<ServerTime>`.
    #[error("Request has expired")]
    RequestExpired {
        x_amz_expires: u64,
        /// Expiry instant, ISO 8601.
        expires: String,
        /// Server time, ISO 8601.
        server_time: String,
    },

    /// A presigned URL dated more than 15 minutes in the future. S3: 403 `AccessDenied`.
    #[error("Request is not valid yet")]
    RequestNotYetValid {
        /// The `X-Amz-Date` as sent.
        request_time: String,
        /// Server time, ISO 8601.
        server_time: String,
    },

    /// A presigned request carries `x-amz-*` headers it did not sign.
    /// S3: 403 `AccessDenied`, with `<HeadersNotSigned>` = the names joined by `, `.
    #[error("There were headers present in the request which were not signed")]
    HeadersNotSigned { headers: Vec<String> },

    /// The request signature is wrong. S3: 403 `SignatureDoesNotMatch`, with
    /// `<AWSAccessKeyId>`, `<StringToSign>`, `<SignatureProvided>`, `<CanonicalRequest>`
    /// (and their `…Bytes` forms: space-separated hex of the UTF-8 bytes).
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your key and signing method."
    )]
    SignatureDoesNotMatch {
        access_key_id: String,
        signature_provided: String,
        string_to_sign: String,
        canonical_request: String,
    },

    /// An aws-chunked chunk signature is wrong. S3: 403 `SignatureDoesNotMatch`.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your key and signing method."
    )]
    ChunkSignatureDoesNotMatch,

    /// The `x-amz-trailer-signature` of an aws-chunked body is wrong or missing.
    /// S3: 403 `SignatureDoesNotMatch`.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your key and signing method."
    )]
    TrailerSignatureDoesNotMatch,

    /// The aws-chunked framing is broken (bad size line, missing CRLF, data after the end,
    /// bad trailer line). Suggested: 400 `InvalidRequest`.
    #[error("The aws-chunked encoded body is malformed: {reason}")]
    MalformedChunkedEncoding { reason: String },

    /// A chunk larger than this server buffers. Suggested: 400 `InvalidRequest`.
    #[error("The aws-chunked chunk size {size} exceeds the maximum of {limit} bytes")]
    ChunkTooLarge { size: u64, limit: u64 },

    /// The body ended before the final chunk (or its trailers). S3: 400 `IncompleteBody`.
    #[error("The request body terminated unexpectedly")]
    IncompleteBody,

    /// A browser-upload (POST Object) form's `X-Amz-Algorithm`, `X-Amz-Credential` or
    /// `X-Amz-Date` field is malformed or names another region. S3: 400 `InvalidArgument`
    /// with `<ArgumentName>` = `field`, `<ArgumentValue>` = `value` (and `<Region>` when set).
    #[error("{message}")]
    InvalidPostField {
        field: &'static str,
        value: String,
        message: String,
        region: Option<String>,
    },

    /// A POST form's `x-amz-signature` does not sign its policy. S3: 403
    /// `SignatureDoesNotMatch` with `<AWSAccessKeyId>`, `<StringToSign>` (the policy as sent),
    /// `<SignatureProvided>` and `<StringToSignBytes>`; there is no canonical request.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your key and signing method."
    )]
    PostSignatureDoesNotMatch {
        access_key_id: String,
        signature_provided: String,
        string_to_sign: String,
    },
}

impl SigV4Error {
    pub(crate) fn header_malformed(detail: &str) -> Self {
        Self::AuthorizationHeaderMalformed {
            message: format!("The authorization header is malformed; {detail}"),
            region: None,
        }
    }

    pub(crate) fn query_error(message: impl Into<String>) -> Self {
        Self::AuthorizationQueryParametersError {
            message: message.into(),
            region: None,
        }
    }

    pub(crate) fn malformed_chunk(reason: impl Into<String>) -> Self {
        Self::MalformedChunkedEncoding {
            reason: reason.into(),
        }
    }
}
