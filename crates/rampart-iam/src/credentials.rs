//! Access key ids and secret keys. Secrets are zeroized on drop, compared in constant time and
//! never printed by `Debug`.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccessKeyId(String);

impl AccessKeyId {
    /// AWS access key ids are 16–128 characters of `[A-Z0-9]`; we accept `\w` as IAM does.
    pub fn parse(s: &str) -> Option<Self> {
        (16..=128)
            .contains(&s.len())
            .then_some(())
            .filter(|_| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .map(|_| Self(s.to_owned()))
    }

    /// A new AWS-style id: `AKIA` followed by 16 characters of `[A-Z2-7]`.
    pub fn generate() -> Self {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw).expect("the operating system's random source failed");
        let tail: String = raw
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
            .collect();
        Self(format!("AKIA{tail}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison, so response timing does not reveal valid key ids.
    pub fn matches(&self, candidate: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(candidate.as_bytes()))
    }
}

impl fmt::Debug for AccessKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for AccessKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone)]
pub struct SecretAccessKey(Zeroizing<String>);

impl SecretAccessKey {
    /// Secret keys are printable ASCII without spaces, at least 16 characters (AWS uses 40).
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() >= 16 && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic()))
            .then(|| Self(Zeroizing::new(s.to_owned())))
    }

    /// A new 40-character secret from 240 random bits.
    pub fn generate() -> Self {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut raw = Zeroizing::new([0u8; 40]);
        getrandom::fill(raw.as_mut()).expect("the operating system's random source failed");
        let secret: String = raw
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b % 64)]))
            .collect();
        Self(Zeroizing::new(secret))
    }

    /// The secret itself, for signing and for the one-time display at first start.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn redacted(&self) -> &'static str {
        "[REDACTED]"
    }
}

impl fmt::Debug for SecretAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_aws_shapes() {
        let id = AccessKeyId::generate();
        assert_eq!(id.as_str().len(), 20);
        assert!(id.as_str().starts_with("AKIA"));
        assert!(AccessKeyId::parse(id.as_str()).is_some());
        let secret = SecretAccessKey::generate();
        assert_eq!(secret.expose().len(), 40);
        assert!(SecretAccessKey::parse(secret.expose()).is_some());
        assert_ne!(SecretAccessKey::generate().expose(), secret.expose());
    }

    #[test]
    fn secrets_never_print() {
        let secret = SecretAccessKey::parse("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").unwrap();
        assert_eq!(format!("{secret:?}"), "[REDACTED]");
    }

    #[test]
    fn rejects_malformed() {
        assert!(AccessKeyId::parse("short").is_none());
        assert!(AccessKeyId::parse("AKIA IOSFODNN7EXAMPLE").is_none());
        assert!(SecretAccessKey::parse("has space in the secret key").is_none());
        assert!(SecretAccessKey::parse("tooshort").is_none());
    }
}
