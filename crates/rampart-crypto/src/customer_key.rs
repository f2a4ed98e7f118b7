//! SSE-C: keys the customer sends with each request.
//!
//! The server never stores a customer key. It stores a salted fingerprint (HMAC-SHA256 keyed
//! by the customer key over a random salt) to tell, before any data is read, whether a later
//! request brought the same key; the data keys themselves are wrapped by the customer key, so
//! without it the data cannot be opened at all.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::{CryptoError, MasterKey};

const KEY_LEN: usize = 32;
/// Length of the random salt stored with a fingerprint.
pub const FINGERPRINT_SALT_LEN: usize = 16;
/// Separates fingerprints from any other use of the key.
const FINGERPRINT_LABEL: &[u8] = b"rampart-sse-c-fingerprint-v1";

/// A customer-provided AES-256 key, zeroized on drop and never printed.
#[derive(Clone)]
pub struct CustomerKey(Zeroizing<[u8; KEY_LEN]>);

/// What is stored to recognise a customer key: a random salt and HMAC-SHA256(key, label ‖ salt).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFingerprint {
    pub salt: [u8; FINGERPRINT_SALT_LEN],
    pub mac: [u8; 32],
}

impl CustomerKey {
    /// The key from its raw 32 bytes (S3 accepts only 256-bit keys).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| CryptoError::KeyLength(bytes.len()))?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// A fresh fingerprint under a new random salt.
    pub fn fingerprint(&self) -> KeyFingerprint {
        let mut salt = [0u8; FINGERPRINT_SALT_LEN];
        getrandom::fill(&mut salt).expect("the operating system's random source failed");
        KeyFingerprint {
            mac: self.mac(&salt),
            salt,
        }
    }

    /// Whether this is the key `fingerprint` was made from (constant time).
    pub fn matches(&self, fingerprint: &KeyFingerprint) -> bool {
        self.mac(&fingerprint.salt).ct_eq(&fingerprint.mac).into()
    }

    /// The key as a wrapping key for the data keys of the object it encrypts.
    pub fn wrapping_key(&self) -> MasterKey {
        MasterKey::from_array(self.0.clone())
    }

    fn mac(&self, salt: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_ref())
            .expect("HMAC takes a key of any length");
        mac.update(FINGERPRINT_LABEL);
        mac.update(salt);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for CustomerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomerKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> CustomerKey {
        CustomerKey::from_bytes(&[byte; 32]).unwrap()
    }

    #[test]
    fn only_256_bit_keys_are_accepted() {
        for len in [0, 16, 24, 31, 33, 64] {
            assert_eq!(
                CustomerKey::from_bytes(&vec![7; len]).unwrap_err(),
                CryptoError::KeyLength(len)
            );
        }
    }

    #[test]
    fn a_fingerprint_recognises_its_key_and_no_other() {
        let fingerprint = key(1).fingerprint();
        assert!(key(1).matches(&fingerprint));
        assert!(!key(2).matches(&fingerprint));
        let mut one_bit_off = [1u8; 32];
        one_bit_off[31] ^= 1;
        assert!(
            !CustomerKey::from_bytes(&one_bit_off)
                .unwrap()
                .matches(&fingerprint)
        );
    }

    #[test]
    fn fingerprints_are_salted() {
        let (a, b) = (key(1).fingerprint(), key(1).fingerprint());
        assert_ne!(a.salt, b.salt);
        assert_ne!(
            a.mac, b.mac,
            "the same key must not give the same stored value twice"
        );
        let mut moved = a.clone();
        moved.salt = b.salt;
        assert!(!key(1).matches(&moved));
    }

    #[test]
    fn the_fingerprint_is_not_the_key() {
        let fingerprint = key(9).fingerprint();
        assert_ne!(&fingerprint.mac[..], &[9u8; 32][..]);
    }

    #[test]
    fn a_wrapping_key_opens_only_what_it_sealed() {
        let sealed = key(3).wrapping_key().seal(b"ctx", b"data key");
        assert_eq!(
            &key(3).wrapping_key().open(b"ctx", &sealed).unwrap()[..],
            b"data key"
        );
        assert!(key(4).wrapping_key().open(b"ctx", &sealed).is_err());
    }

    #[test]
    fn debug_never_shows_the_key() {
        assert_eq!(format!("{:?}", key(5)), "CustomerKey([REDACTED])");
    }
}
