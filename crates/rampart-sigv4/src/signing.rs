//! The SigV4 primitives: CredentialScope, SigningKey derivation, HMAC and SHA-256, and the
//! string-to-sign formats for requests, chunks and trailers.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The algorithm name in the `Authorization` header, `X-Amz-Algorithm` and StringToSign.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The last element of every credential scope.
pub const TERMINATOR: &str = "aws4_request";
/// The algorithm line of a chunk's StringToSign.
pub const CHUNK_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";
/// The algorithm line of the trailer's StringToSign.
pub const TRAILER_ALGORITHM: &str = "AWS4-HMAC-SHA256-TRAILER";
/// Hex SHA-256 of the empty string.
pub const EMPTY_SHA256_HEX: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The scope a signature is valid for: `date/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialScope {
    /// `YYYYMMDD`.
    pub date: String,
    pub region: String,
    pub service: String,
}

impl CredentialScope {
    pub fn new(
        date: impl Into<String>,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> Self {
        Self {
            date: date.into(),
            region: region.into(),
            service: service.into(),
        }
    }
}

impl fmt::Display for CredentialScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{TERMINATOR}",
            self.date, self.region, self.service
        )
    }
}

/// The key derived from a secret for one scope. Zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey([u8; 32]);

impl SigningKey {
    /// `HMAC("AWS4" + secret, date) → region → service → "aws4_request"`.
    pub fn derive(secret_access_key: &str, scope: &CredentialScope) -> Self {
        let mut k_secret = Zeroizing::new(Vec::with_capacity(4 + secret_access_key.len()));
        k_secret.extend_from_slice(b"AWS4");
        k_secret.extend_from_slice(secret_access_key.as_bytes());
        let k_date = Zeroizing::new(hmac_sha256(&k_secret, scope.date.as_bytes()));
        let k_region = Zeroizing::new(hmac_sha256(&*k_date, scope.region.as_bytes()));
        let k_service = Zeroizing::new(hmac_sha256(&*k_region, scope.service.as_bytes()));
        Self(hmac_sha256(&*k_service, TERMINATOR.as_bytes()))
    }

    /// A key from its raw bytes (for callers that cache derived keys).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw key; handle with care.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `HMAC-SHA256(key, data)`: the signature of a StringToSign.
    pub fn sign(&self, data: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.0, data)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// `HMAC-SHA256(key, data)`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this never fails; an all-zero MAC would only
    // ever make a signature mismatch, never match.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `SHA256(data)`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Lowercase hex `SHA256(data)`: the `x-amz-content-sha256` of a signed payload.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(sha256(data))
}

/// `AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex(sha256(canonical_request))>`.
pub fn string_to_sign(amz_date: &str, scope: &CredentialScope, canonical_request: &[u8]) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request)
    )
}

/// The StringToSign of one aws-chunked chunk.
pub fn chunk_string_to_sign(
    amz_date: &str,
    scope: &CredentialScope,
    previous_signature: &[u8; 32],
    chunk_sha256: &[u8; 32],
) -> String {
    format!(
        "{CHUNK_ALGORITHM}\n{amz_date}\n{scope}\n{}\n{EMPTY_SHA256_HEX}\n{}",
        hex::encode(previous_signature),
        hex::encode(chunk_sha256)
    )
}

/// The StringToSign of the trailer block; `canonical_trailers` is `name:value\n` per
/// trailer, sorted by name.
pub fn trailer_string_to_sign(
    amz_date: &str,
    scope: &CredentialScope,
    previous_signature: &[u8; 32],
    canonical_trailers: &[u8],
) -> String {
    format!(
        "{TRAILER_ALGORITHM}\n{amz_date}\n{scope}\n{}\n{}",
        hex::encode(previous_signature),
        sha256_hex(canonical_trailers)
    )
}

/// Decodes a 64-hex-digit signature (either case).
pub fn parse_signature_hex(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// Constant-time equality of two signatures.
pub fn signatures_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_key_matches_aws_example() {
        // From AWS's "Examples of how to derive a signing key for Signature Version 4".
        let scope = CredentialScope::new("20120215", "us-east-1", "iam");
        let key = SigningKey::derive("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", &scope);
        assert_eq!(
            hex::encode(key.as_bytes()),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }

    #[test]
    fn signature_hex_parsing() {
        assert!(parse_signature_hex(EMPTY_SHA256_HEX).is_some());
        assert!(parse_signature_hex(&EMPTY_SHA256_HEX.to_uppercase()).is_some());
        assert!(parse_signature_hex("abc").is_none());
        assert!(parse_signature_hex(&"g".repeat(64)).is_none());
        assert!(parse_signature_hex(&"a".repeat(66)).is_none());
    }

    #[test]
    fn empty_hash_constant() {
        assert_eq!(sha256_hex(b""), EMPTY_SHA256_HEX);
    }
}
