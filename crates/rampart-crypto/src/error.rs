#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// Key material of the wrong length.
    #[error("a key is 32 bytes, got {0}")]
    KeyLength(usize),
    /// A sealed value whose format version this build does not know.
    #[error("unknown sealed-data format version {0}")]
    UnknownVersion(u8),
    /// A sealed value too short to hold the header and the authentication tag.
    #[error("sealed data is truncated")]
    Truncated,
    /// A segment size of zero or beyond what a blob may declare.
    #[error("segment size {0} is out of range")]
    SegmentSize(u32),
    /// A read range outside the blob's plaintext.
    #[error("the range lies outside the sealed blob")]
    Range,
    /// Authentication failed: wrong key, wrong associated data, or damaged data.
    #[error("sealed data failed authentication")]
    Authentication,
}
