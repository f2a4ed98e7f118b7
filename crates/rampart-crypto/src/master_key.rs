//! The master key and the sealed-secret format.
//!
//! A sealed value is `version (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes)`,
//! AES-256-GCM with a random 96-bit nonce. The associated data the caller gives (say, the
//! access key id a secret belongs to) is authenticated together with the version byte, so a
//! sealed value cannot be moved to another record or reinterpreted under another format.

use std::fmt;
use std::sync::RwLock;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use zeroize::Zeroizing;

use crate::CryptoError;

/// The format version of [`MasterKey::seal`]'s output.
const FORMAT_V1: u8 = 1;
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Bytes a sealed value adds to its plaintext: version, nonce and tag.
pub const SEALED_OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// The server's 256-bit master key. The key bytes are zeroized on drop and never printed.
///
/// During a rotation it holds two keys: new values are sealed under the next key, and values
/// sealed under either still open, so nothing becomes unreadable while they are re-sealed.
pub struct MasterKey {
    ring: RwLock<Ring>,
}

struct Ring {
    current: KeySlot,
    /// The key being rotated away from.
    previous: Option<KeySlot>,
}

struct KeySlot {
    bytes: Zeroizing<[u8; KEY_LEN]>,
    cipher: Aes256Gcm,
}

/// Which key of the ring opened a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenedWith {
    Current,
    /// The key a rotation is retiring: the value should be re-sealed.
    Previous,
}

impl KeySlot {
    fn new(bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(bytes.as_ref()));
        Self { bytes, cipher }
    }

    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the operating system's random source failed");
        let full_aad = full_aad(FORMAT_V1, aad);
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &full_aad,
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(FORMAT_V1);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (&version, rest) = sealed.split_first().ok_or(CryptoError::Truncated)?;
        if version != FORMAT_V1 {
            return Err(CryptoError::UnknownVersion(version));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Truncated);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let full_aad = full_aad(version, aad);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &full_aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Authentication)
    }
}

impl MasterKey {
    /// A new random key from the operating system's random source.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(bytes.as_mut()).expect("the operating system's random source failed");
        Self::from_array(bytes)
    }

    /// A key from its 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| CryptoError::KeyLength(bytes.len()))?;
        Ok(Self::from_array(Zeroizing::new(array)))
    }

    pub(crate) fn from_array(bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        Self {
            ring: RwLock::new(Ring {
                current: KeySlot::new(bytes),
                previous: None,
            }),
        }
    }

    fn ring(&self) -> std::sync::RwLockReadGuard<'_, Ring> {
        self.ring
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The raw current key, for writing it to the key file.
    pub fn to_bytes(&self) -> Zeroizing<[u8; KEY_LEN]> {
        self.ring().current.bytes.clone()
    }

    /// Encrypts and authenticates `plaintext` under the current key, binding it to `aad`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        self.ring().current.seal(aad, plaintext)
    }

    /// Decrypts a value [`seal`](Self::seal) produced with this key (or, during a rotation,
    /// the key being retired) and the same `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.open_reporting(aad, sealed).map(|(plain, _)| plain)
    }

    /// [`open`](Self::open), saying which key opened the value.
    pub fn open_reporting(
        &self,
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<(Zeroizing<Vec<u8>>, OpenedWith), CryptoError> {
        let ring = self.ring();
        match ring.current.open(aad, sealed) {
            Err(CryptoError::Authentication) => match &ring.previous {
                Some(previous) => previous
                    .open(aad, sealed)
                    .map(|plain| (plain, OpenedWith::Previous)),
                None => Err(CryptoError::Authentication),
            },
            other => other.map(|plain| (plain, OpenedWith::Current)),
        }
    }

    /// Starts rotating to `next`: from now on values are sealed under it, and values sealed
    /// under the current key still open. Starting the same rotation again changes nothing.
    pub fn begin_rotation(&self, next: &MasterKey) {
        let next_bytes = next.to_bytes();
        let mut ring = self
            .ring
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if ring.current.bytes[..] == next_bytes[..] {
            return;
        }
        let retired = std::mem::replace(&mut ring.current, KeySlot::new(next_bytes));
        ring.previous = Some(retired);
    }

    /// Ends a rotation: the retired key opens nothing any more.
    pub fn finish_rotation(&self) {
        self.ring
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .previous = None;
    }

    /// Whether a rotation is under way.
    pub fn is_rotating(&self) -> bool {
        self.ring().previous.is_some()
    }
}

fn full_aad(version: u8, aad: &[u8]) -> Vec<u8> {
    let mut full = Vec::with_capacity(1 + aad.len());
    full.push(version);
    full.extend_from_slice(aad);
    full
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AAD: &[u8] = b"AKIAIOSFODNN7EXAMPLE";
    const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn round_trip() {
        let key = MasterKey::generate();
        let sealed = key.seal(AAD, SECRET);
        assert_eq!(sealed.len(), SECRET.len() + SEALED_OVERHEAD);
        assert_eq!(sealed[0], FORMAT_V1);
        assert_eq!(key.open(AAD, &sealed).unwrap().as_slice(), SECRET);
        // An empty plaintext seals too.
        let empty = key.seal(AAD, b"");
        assert_eq!(key.open(AAD, &empty).unwrap().as_slice(), b"");
    }

    #[test]
    fn nonces_are_fresh() {
        let key = MasterKey::generate();
        assert_ne!(key.seal(AAD, SECRET), key.seal(AAD, SECRET));
    }

    #[test]
    fn ciphertext_hides_the_plaintext() {
        let key = MasterKey::generate();
        let sealed = key.seal(AAD, SECRET);
        assert!(!sealed.windows(8).any(|w| SECRET.windows(8).any(|s| s == w)));
    }

    #[test]
    fn wrong_aad_fails() {
        let key = MasterKey::generate();
        let sealed = key.seal(AAD, SECRET);
        assert_eq!(
            key.open(b"AKIAIOSFODNN7EXAMPLF", &sealed).unwrap_err(),
            CryptoError::Authentication
        );
        assert_eq!(
            key.open(b"", &sealed).unwrap_err(),
            CryptoError::Authentication
        );
    }

    #[test]
    fn flipped_bits_fail() {
        let key = MasterKey::generate();
        let sealed = key.seal(AAD, SECRET);
        for i in 1..sealed.len() {
            let mut damaged = sealed.clone();
            damaged[i] ^= 0x01;
            assert_eq!(
                key.open(AAD, &damaged).unwrap_err(),
                CryptoError::Authentication,
                "byte {i}"
            );
        }
        let mut damaged = sealed.clone();
        damaged[0] ^= 0x01;
        assert_eq!(
            key.open(AAD, &damaged).unwrap_err(),
            CryptoError::UnknownVersion(FORMAT_V1 ^ 0x01)
        );
    }

    #[test]
    fn a_rotation_seals_under_the_next_key_and_opens_both() {
        let key = MasterKey::generate();
        let old = key.seal(AAD, SECRET);
        let next = MasterKey::generate();
        key.begin_rotation(&next);
        key.begin_rotation(&next);
        assert!(key.is_rotating());
        assert_eq!(key.to_bytes()[..], next.to_bytes()[..]);
        let (plain, with) = key.open_reporting(AAD, &old).unwrap();
        assert_eq!((plain.as_slice(), with), (SECRET, OpenedWith::Previous));
        let new = key.seal(AAD, SECRET);
        assert_eq!(next.open(AAD, &new).unwrap().as_slice(), SECRET);
        assert_eq!(
            key.open_reporting(AAD, &new).unwrap().1,
            OpenedWith::Current
        );
        key.finish_rotation();
        assert!(!key.is_rotating());
        assert_eq!(
            key.open(AAD, &old).unwrap_err(),
            CryptoError::Authentication
        );
        assert_eq!(key.open(AAD, &new).unwrap().as_slice(), SECRET);
    }

    #[test]
    fn wrong_key_fails() {
        let sealed = MasterKey::generate().seal(AAD, SECRET);
        assert_eq!(
            MasterKey::generate().open(AAD, &sealed).unwrap_err(),
            CryptoError::Authentication
        );
    }

    #[test]
    fn truncated_fails() {
        let key = MasterKey::generate();
        let sealed = key.seal(AAD, SECRET);
        assert_eq!(key.open(AAD, &[]).unwrap_err(), CryptoError::Truncated);
        assert_eq!(
            key.open(AAD, &sealed[..SEALED_OVERHEAD - 1]).unwrap_err(),
            CryptoError::Truncated
        );
        for len in SEALED_OVERHEAD..sealed.len() {
            assert_eq!(
                key.open(AAD, &sealed[..len]).unwrap_err(),
                CryptoError::Authentication
            );
        }
    }

    #[test]
    fn bytes_round_trip() {
        let key = MasterKey::generate();
        let again = MasterKey::from_bytes(key.to_bytes().as_ref()).unwrap();
        let sealed = key.seal(AAD, SECRET);
        assert_eq!(again.open(AAD, &sealed).unwrap().as_slice(), SECRET);
        assert_eq!(
            MasterKey::from_bytes(&[0u8; 31]).unwrap_err(),
            CryptoError::KeyLength(31)
        );
        assert_eq!(format!("{key:?}"), "MasterKey([REDACTED])");
    }
}
