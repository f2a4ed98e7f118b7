//! One-time passwords of virtual MFA devices: HOTP (RFC 4226) and TOTP (RFC 6238) with
//! HMAC-SHA1, 30-second steps and 6 digits — what authenticator apps compute — and the
//! Base32 (RFC 4648) form in which the seed is handed to them.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Length of one TOTP time step, in seconds (RFC 6238's default, and AWS's).
pub const STEP_SECS: u64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Bytes of a virtual device's seed (AWS's Base32 seeds are 64 characters: 40 bytes).
pub const SEED_LEN: usize = 40;

/// The HOTP value (RFC 4226 §5.3) of `counter` under `key`, truncated to `digits` digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// The time step that `unix_secs` falls in.
pub fn step_at(unix_secs: u64) -> u64 {
    unix_secs / STEP_SECS
}

/// The 6-digit code of time step `step`, zero-padded.
pub fn code(key: &[u8], step: u64) -> String {
    format!("{:06}", hotp(key, step, DIGITS))
}

/// Whether `candidate` is the code of `step` (constant time in the code's digits).
pub fn code_matches(key: &[u8], step: u64, candidate: &str) -> bool {
    let expected = code(key, step);
    expected.len() == candidate.len() && bool::from(expected.as_bytes().ct_eq(candidate.as_bytes()))
}

/// Whether `s` has the shape of a code: exactly six ASCII digits.
pub fn is_code_shaped(s: &str) -> bool {
    s.len() == DIGITS as usize && s.bytes().all(|b| b.is_ascii_digit())
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 Base32, upper case, without padding when the length is a multiple of 5 bytes
/// (seeds are), with `=` padding otherwise.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                let index = ((bits >> (35 - i * 5)) & 0x1f) as usize;
                out.push(char::from(BASE32_ALPHABET[index]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes RFC 4648 Base32 (case-insensitive, padding optional); `None` if malformed.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in text.bytes() {
        let value = match c.to_ascii_uppercase() {
            c @ b'A'..=b'Z' => c - b'A',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc4226_hotp_vectors() {
        // RFC 4226 Appendix D.
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, value) in expected.iter().enumerate() {
            assert_eq!(
                hotp(RFC_KEY, counter as u64, 6),
                *value,
                "counter {counter}"
            );
        }
    }

    #[test]
    fn rfc6238_totp_sha1_vectors() {
        // RFC 6238 Appendix B, SHA-1 rows (8 digits), and their 6-digit tails.
        let rows: [(u64, u32); 6] = [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ];
        for (time, value) in rows {
            assert_eq!(hotp(RFC_KEY, step_at(time), 8), value, "T = {time}");
            assert_eq!(
                code(RFC_KEY, step_at(time)),
                format!("{:06}", value % 1_000_000),
                "T = {time}"
            );
            assert!(code_matches(
                RFC_KEY,
                step_at(time),
                &format!("{:06}", value % 1_000_000)
            ));
        }
        assert!(!code_matches(RFC_KEY, step_at(59), "287083"));
        assert!(!code_matches(RFC_KEY, step_at(59), "28708"));
    }

    #[test]
    fn base32_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
            assert_eq!(
                base32_decode(&encoded.to_ascii_lowercase()).unwrap(),
                plain.as_bytes()
            );
        }
        assert!(base32_decode("MZ1W").is_none());
        let seed = [0xa5u8; SEED_LEN];
        assert_eq!(base32_encode(&seed).len(), 64);
        assert_eq!(base32_decode(&base32_encode(&seed)).unwrap(), seed);
    }

    #[test]
    fn code_shapes() {
        assert!(is_code_shaped("012345"));
        assert!(!is_code_shaped("12345"));
        assert!(!is_code_shaped("1234567"));
        assert!(!is_code_shaped("12a456"));
    }
}
