//! S3's flexible checksums: CRC32, CRC32C, CRC64NVME, SHA-1 and SHA-256 of object data,
//! computed as the body streams and compared with the value the client sent (as a header, or
//! as an aws-chunked trailer that only arrives after the data).

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha1::Digest as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChecksumAlgorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl ChecksumAlgorithm {
    pub const ALL: [Self; 5] = [
        Self::Crc32,
        Self::Crc32c,
        Self::Crc64Nvme,
        Self::Sha1,
        Self::Sha256,
    ];

    /// The algorithm's name as S3 writes it (`x-amz-checksum-algorithm`, XML).
    pub fn name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The header (or trailer) carrying this checksum, lowercase.
    pub fn header_name(self) -> &'static str {
        match self {
            Self::Crc32 => "x-amz-checksum-crc32",
            Self::Crc32c => "x-amz-checksum-crc32c",
            Self::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Self::Sha1 => "x-amz-checksum-sha1",
            Self::Sha256 => "x-amz-checksum-sha256",
        }
    }

    pub fn from_header_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.header_name().eq_ignore_ascii_case(name.trim()))
    }

    pub fn digest_len(self) -> usize {
        match self {
            Self::Crc32 | Self::Crc32c => 4,
            Self::Crc64Nvme => 8,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }

    /// Decodes a base64 checksum value, checking its length for the algorithm.
    pub fn decode_value(self, value: &str) -> Option<Vec<u8>> {
        let raw = BASE64.decode(value.trim()).ok()?;
        (raw.len() == self.digest_len()).then_some(raw)
    }

    pub fn encode_value(raw: &[u8]) -> String {
        BASE64.encode(raw)
    }
}

/// How a multipart object's checksum covers it: one checksum of the whole object (CRCs, by
/// combining the parts'), or a checksum of the parts' checksums (`…-N`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChecksumType {
    FullObject,
    Composite,
}

impl ChecksumType {
    pub fn name(self) -> &'static str {
        match self {
            Self::FullObject => "FULL_OBJECT",
            Self::Composite => "COMPOSITE",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim() {
            "FULL_OBJECT" => Some(Self::FullObject),
            "COMPOSITE" => Some(Self::Composite),
            _ => None,
        }
    }
}

/// An incremental checksum of one algorithm.
pub enum ChecksumHasher {
    Crc(crc_fast::Digest, ChecksumAlgorithm),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl ChecksumHasher {
    pub fn new(algorithm: ChecksumAlgorithm) -> Self {
        use crc_fast::CrcAlgorithm as C;
        match algorithm {
            ChecksumAlgorithm::Crc32 => {
                Self::Crc(crc_fast::Digest::new(C::Crc32IsoHdlc), algorithm)
            }
            ChecksumAlgorithm::Crc32c => Self::Crc(crc_fast::Digest::new(C::Crc32Iscsi), algorithm),
            ChecksumAlgorithm::Crc64Nvme => {
                Self::Crc(crc_fast::Digest::new(C::Crc64Nvme), algorithm)
            }
            ChecksumAlgorithm::Sha1 => Self::Sha1(sha1::Sha1::new()),
            ChecksumAlgorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Crc(d, _) => d.update(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
        }
    }

    /// The checksum's raw bytes, big-endian for CRCs as S3 encodes them.
    pub fn finalize(self) -> Vec<u8> {
        match self {
            Self::Crc(d, ChecksumAlgorithm::Crc64Nvme) => d.finalize().to_be_bytes().to_vec(),
            Self::Crc(d, _) => {
                // A 32-bit CRC is returned in the low half of the u64.
                let crc = u32::try_from(d.finalize() & 0xFFFF_FFFF).unwrap_or_default();
                crc.to_be_bytes().to_vec()
            }
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

impl ChecksumAlgorithm {
    /// Whether S3 can compute a full-object checksum for a multipart upload with this algorithm
    /// (CRCs combine; SHA digests do not).
    pub fn supports_full_object(self) -> bool {
        matches!(self, Self::Crc32 | Self::Crc32c | Self::Crc64Nvme)
    }

    /// Whether S3 can compute a composite (checksum-of-checksums) value with this algorithm;
    /// CRC64NVME is full-object only.
    pub fn supports_composite(self) -> bool {
        !matches!(self, Self::Crc64Nvme)
    }

    fn reflected_crc(self) -> Option<&'static crate::crc_combine::ReflectedCrc> {
        match self {
            Self::Crc32 => Some(&crate::crc_combine::CRC32),
            Self::Crc32c => Some(&crate::crc_combine::CRC32C),
            Self::Crc64Nvme => Some(&crate::crc_combine::CRC64NVME),
            Self::Sha1 | Self::Sha256 => None,
        }
    }

    /// The CRC of `a ++ b` from the CRCs of `a` and `b` and the length of `b`, without the data:
    /// how a multipart upload's full-object checksum is built from its parts. `None` for SHA
    /// digests or malformed values.
    pub fn combine(self, crc_a: &[u8], crc_b: &[u8], len_b: u64) -> Option<Vec<u8>> {
        let crc = self.reflected_crc()?;
        let value = |raw: &[u8]| -> Option<u64> {
            (raw.len() == self.digest_len())
                .then(|| raw.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
        };
        let combined = crc.combine(value(crc_a)?, value(crc_b)?, len_b);
        let bytes = combined.to_be_bytes();
        Some(bytes[8 - self.digest_len()..].to_vec())
    }
}

/// A checksum value that arrives in an aws-chunked trailer, after the data it covers. The body
/// decoder fills it before the body stream ends; the engine reads it at end of stream.
#[derive(Clone, Debug, Default)]
pub struct TrailerSlot(Arc<Mutex<Option<String>>>);

impl TrailerSlot {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fill(&self, value: String) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(value);
        }
    }

    pub fn take(&self) -> Option<String> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Where the client's checksum value comes from.
#[derive(Clone, Debug)]
pub enum ExpectedValue {
    /// Sent as a header, decoded already.
    Header(Vec<u8>),
    /// Announced by `x-amz-trailer`; the value comes at the end of the body.
    Trailer(TrailerSlot),
}

#[derive(Clone, Debug)]
pub struct ExpectedChecksum {
    pub algorithm: ChecksumAlgorithm,
    pub value: ExpectedValue,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(alg: ChecksumAlgorithm, data: &[u8]) -> String {
        let mut h = ChecksumHasher::new(alg);
        h.update(data);
        ChecksumAlgorithm::encode_value(&h.finalize())
    }

    #[test]
    fn known_values() {
        // Values S3 returns for the ASCII string "Hello world" (AWS documentation and SDK tests).
        assert_eq!(b64(ChecksumAlgorithm::Crc32, b"Hello world"), "i9aeUg==");
        assert_eq!(b64(ChecksumAlgorithm::Crc32c, b"Hello world"), "crUfeA==");
        assert_eq!(
            b64(ChecksumAlgorithm::Crc64Nvme, b"Hello world"),
            "OOJZ0D8xKts="
        );
        assert_eq!(
            b64(ChecksumAlgorithm::Sha1, b"Hello world"),
            "e1AsOh9IyGCa4hLN+2Od7jlnP14="
        );
        assert_eq!(
            b64(ChecksumAlgorithm::Sha256, b"Hello world"),
            "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="
        );
        // The empty input.
        assert_eq!(b64(ChecksumAlgorithm::Crc32, b""), "AAAAAA==");
    }

    #[test]
    fn names_round_trip() {
        for alg in ChecksumAlgorithm::ALL {
            assert_eq!(ChecksumAlgorithm::from_name(alg.name()), Some(alg));
            assert_eq!(
                ChecksumAlgorithm::from_header_name(alg.header_name()),
                Some(alg)
            );
            assert_eq!(
                ChecksumAlgorithm::from_name(&alg.name().to_lowercase()),
                Some(alg)
            );
        }
        assert_eq!(ChecksumAlgorithm::from_name("MD5"), None);
    }

    #[test]
    fn crcs_combine_like_concatenation() {
        let a = b"The quick brown fox ";
        let b = b"jumps over the lazy dog, twice over and again.";
        let raw = |alg, data: &[u8]| {
            let mut h = ChecksumHasher::new(alg);
            h.update(data);
            h.finalize()
        };
        for alg in [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32c,
            ChecksumAlgorithm::Crc64Nvme,
        ] {
            let whole = raw(alg, &[&a[..], &b[..]].concat());
            let combined = alg
                .combine(&raw(alg, a), &raw(alg, b), b.len() as u64)
                .unwrap();
            assert_eq!(combined, whole, "{alg:?}");
            // Combining with an empty part changes nothing.
            assert_eq!(alg.combine(&whole, &raw(alg, b""), 0).unwrap(), whole);
        }
        assert!(
            ChecksumAlgorithm::Sha256
                .combine(&[0; 32], &[0; 32], 1)
                .is_none()
        );
    }

    #[test]
    fn value_lengths_are_checked() {
        assert!(ChecksumAlgorithm::Crc32.decode_value("i9aeUg==").is_some());
        assert!(
            ChecksumAlgorithm::Crc64Nvme
                .decode_value("i9aeUg==")
                .is_none()
        );
        assert!(
            ChecksumAlgorithm::Crc32
                .decode_value("not base64!")
                .is_none()
        );
    }
}
