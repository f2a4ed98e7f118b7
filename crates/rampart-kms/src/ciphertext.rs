//! The ciphertext blob format Encrypt and GenerateDataKey return and Decrypt opens.
//!
//! ```text
//! version (1 byte, 0x01)
//! account id length (1 byte) | account id (ASCII)
//! key id length (1 byte)     | key id (ASCII)
//! key material version (u32, big-endian)
//! salt (16 bytes) | nonce (12 bytes)
//! AES-256-GCM ciphertext | tag (16 bytes)
//! ```
//!
//! The blob names its key and material version, so Decrypt needs no key id and picks the
//! right material after rotation. Each blob is sealed under its own key,
//! HMAC-SHA256(material, label ‖ salt), so no material ever sees nonce reuse. The associated
//! data is the whole header followed by the encryption context, sorted by key and
//! length-prefixed: a blob opened with another context, or with any header byte changed,
//! fails.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{KmsError, Result};

/// An encryption context: string pairs, canonical in key order.
pub type EncryptionContext = BTreeMap<String, String>;

const FORMAT_V1: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const DERIVE_LABEL: &[u8] = b"rampart-kms ciphertext v1";
/// AWS's limit on a CiphertextBlob.
pub const MAX_CIPHERTEXT_LEN: usize = 6144;

/// What a blob's header says: whose key, which material.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobHeader {
    pub account: String,
    pub key_id: String,
    pub material_version: u32,
}

fn derive(material: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac =
        <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(material).expect("HMAC takes any key");
    mac.update(DERIVE_LABEL);
    mac.update(salt);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

fn aad(header: &[u8], context: &EncryptionContext) -> Vec<u8> {
    let mut out = header.to_vec();
    for (k, v) in context {
        out.extend_from_slice(&(k.len() as u32).to_be_bytes());
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(&(v.len() as u32).to_be_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    out
}

fn header_bytes(h: &BlobHeader) -> Vec<u8> {
    let mut out = vec![FORMAT_V1, h.account.len() as u8];
    out.extend_from_slice(h.account.as_bytes());
    out.push(h.key_id.len() as u8);
    out.extend_from_slice(h.key_id.as_bytes());
    out.extend_from_slice(&h.material_version.to_be_bytes());
    out
}

/// Seals `plaintext` under `material` (version `header.material_version` of `header.key_id`).
pub fn seal(
    header: &BlobHeader,
    material: &[u8],
    plaintext: &[u8],
    context: &EncryptionContext,
) -> Vec<u8> {
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut salt).expect("the operating system's random source failed");
    getrandom::fill(&mut nonce).expect("the operating system's random source failed");
    let mut out = header_bytes(header);
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    let key = derive(material, &salt);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_ref()));
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad(&out, context),
            },
        )
        .expect("AES-GCM sealing cannot fail for in-memory sizes");
    out.extend_from_slice(&sealed);
    out
}

/// Reads a blob's header without opening it (to find the key to authorize and use).
pub fn parse_header(blob: &[u8]) -> Result<(BlobHeader, usize)> {
    let bad = || KmsError::InvalidCiphertext;
    if blob.len() > MAX_CIPHERTEXT_LEN || blob.first() != Some(&FORMAT_V1) {
        return Err(bad());
    }
    let mut at = 1;
    let mut field = |blob: &[u8]| -> Result<String> {
        let len = *blob.get(at).ok_or_else(bad)? as usize;
        let bytes = blob.get(at + 1..at + 1 + len).ok_or_else(bad)?;
        at += 1 + len;
        String::from_utf8(bytes.to_vec()).map_err(|_| bad())
    };
    let account = field(blob)?;
    let key_id = field(blob)?;
    let version = blob.get(at..at + 4).ok_or_else(bad)?;
    let material_version = u32::from_be_bytes(version.try_into().map_err(|_| bad())?);
    at += 4;
    if blob.len() < at + SALT_LEN + NONCE_LEN + TAG_LEN {
        return Err(bad());
    }
    Ok((
        BlobHeader {
            account,
            key_id,
            material_version,
        },
        at,
    ))
}

/// Opens a blob whose header named `material`'s key and version.
pub fn open(
    blob: &[u8],
    material: &[u8],
    context: &EncryptionContext,
) -> Result<Zeroizing<Vec<u8>>> {
    let (_, at) = parse_header(blob)?;
    let salt = &blob[at..at + SALT_LEN];
    let nonce = &blob[at + SALT_LEN..at + SALT_LEN + NONCE_LEN];
    let body = at + SALT_LEN + NONCE_LEN;
    let key = derive(material, salt);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_ref()));
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: &blob[body..],
                aad: &aad(&blob[..body], context),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| KmsError::InvalidCiphertext)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> BlobHeader {
        BlobHeader {
            account: "111122223333".into(),
            key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
            material_version: 3,
        }
    }

    fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn round_trip_and_header() {
        let m = [7u8; 32];
        let c = ctx(&[("b", "2"), ("a", "1")]);
        let blob = seal(&header(), &m, b"secret", &c);
        assert_eq!(parse_header(&blob).unwrap().0, header());
        assert_eq!(&open(&blob, &m, &c).unwrap()[..], b"secret");
        // Context order does not matter: it is canonical.
        let same = ctx(&[("a", "1"), ("b", "2")]);
        assert_eq!(&open(&blob, &m, &same).unwrap()[..], b"secret");
        assert!(!blob.windows(6).any(|w| w == b"secret"));
    }

    #[test]
    fn wrong_context_material_or_bytes_fail() {
        let m = [7u8; 32];
        let c = ctx(&[("purpose", "test")]);
        let blob = seal(&header(), &m, b"secret", &c);
        for other in [
            ctx(&[]),
            ctx(&[("purpose", "other")]),
            ctx(&[("purpose", "test"), ("x", "")]),
        ] {
            assert!(matches!(
                open(&blob, &m, &other),
                Err(KmsError::InvalidCiphertext)
            ));
        }
        assert!(open(&blob, &[8u8; 32], &c).is_err());
        for i in 0..blob.len() {
            let mut bad = blob.clone();
            bad[i] ^= 1;
            assert!(open(&bad, &m, &c).is_err(), "byte {i}");
        }
        assert!(open(&blob[..blob.len() - 1], &m, &c).is_err());
        assert!(parse_header(b"").is_err());
        assert!(parse_header(&[1, 200]).is_err());
    }

    #[test]
    fn length_prefixes_keep_contexts_apart() {
        let m = [1u8; 32];
        let blob = seal(&header(), &m, b"x", &ctx(&[("ab", "c")]));
        assert!(open(&blob, &m, &ctx(&[("a", "bc")])).is_err());
    }
}
