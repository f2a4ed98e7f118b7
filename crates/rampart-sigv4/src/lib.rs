//! AWS Signature Version 4 for S3, pure: no I/O, no async runtime, no HTTP-library types.
//! The caller supplies the request parts, the secret, the clock and the region.
//!
//! Server flow: [`parse_auth`] (no secret needed) → look up the access key → [`verify`] →
//! for an aws-chunked body, [`ChunkedMode::for_payload`] and a [`ChunkedDecoder`].
//! Client flow (tests): [`sign_request`], [`presign_url`], [`encode_aws_chunked`].
//! Browser uploads (POST Object): [`parse_post_auth`] → look up the key → [`verify_post_auth`].

mod auth;
mod canonical;
mod chunked;
mod chunked_encode;
mod client;
mod datetime;
mod error;
mod post_policy;
mod request;
mod signing;
mod uri;
mod verify;

pub use auth::{
    AuthMethod, MAX_PRESIGNED_EXPIRES_SECS, ParsedAuth, PayloadMode, STREAMING_SIGNED,
    STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER, UNSIGNED_PAYLOAD, parse_auth,
};
pub use canonical::{CanonicalRequest, normalize_signed_headers};
pub use chunked::{
    ChunkEvent, ChunkedDecoder, ChunkedMode, DEFAULT_MAX_SIGNED_CHUNK_SIZE, MAX_LINE_LEN,
    MAX_TRAILER_BYTES, MAX_TRAILERS, MAX_UNSIGNED_CHUNK_SIZE, canonical_trailers,
};
pub use chunked_encode::encode_aws_chunked;
pub use client::{PresignedUrl, SignedRequest, SigningParams, presign_url, sign_request};
pub use datetime::{format_amz_date, format_iso8601, parse_amz_date, parse_http_date};
pub use error::{MSG_MISSING_QUERY_PARAMS, MSG_ONE_AUTH_MECHANISM, SigV4Error};
pub use post_policy::{
    FIELD_ALGORITHM, FIELD_CREDENTIAL, FIELD_DATE, FIELD_SIGNATURE, ParsedPostAuth, PostAuthFields,
    parse_post_auth, sign_post_policy, verify_post_auth,
};
pub use request::RequestParts;
pub use signing::{
    ALGORITHM, CredentialScope, EMPTY_SHA256_HEX, SigningKey, chunk_string_to_sign, hmac_sha256,
    sha256, sha256_hex, string_to_sign, trailer_string_to_sign,
};
pub use uri::{canonical_query, canonical_uri, uri_encode};
pub use verify::{MAX_CLOCK_SKEW, VerifiedAuth, verify, verify_with_body_hash};
