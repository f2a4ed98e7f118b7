//! The stored form of a record: the version as an 8-byte big-endian prefix, then the value.

use bytes::Bytes;
use rampart_store::{Record, RecordVersion, Result, StoreError};

const VERSION_LEN: usize = 8;

pub(crate) fn encode(version: RecordVersion, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(VERSION_LEN + value.len());
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(value);
    out
}

/// Splits a stored record into its version and value.
pub(crate) fn decode(stored: &[u8]) -> Result<(RecordVersion, &[u8])> {
    let Some((prefix, value)) = stored.split_first_chunk::<VERSION_LEN>() else {
        return Err(StoreError::Corrupt(format!(
            "a stored record of {} bytes is shorter than its version prefix",
            stored.len()
        )));
    };
    match u64::from_be_bytes(*prefix) {
        0 => Err(StoreError::Corrupt("a stored record has version 0".into())),
        version => Ok((version, value)),
    }
}

/// Copies a stored record's value out of a backend's buffer.
pub(crate) fn to_record(stored: &[u8]) -> Result<Record> {
    let (version, value) = decode(stored)?;
    Ok(Record {
        value: Bytes::copy_from_slice(value),
        version,
    })
}

/// Decodes the commit counter kept beside the records.
pub(crate) fn decode_counter(stored: &[u8]) -> Result<RecordVersion> {
    let bytes: [u8; 8] = stored
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("a commit counter of {} bytes", stored.len())))?;
    Ok(u64::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let stored = encode(42, b"value");
        assert_eq!(decode(&stored).ok(), Some((42, &b"value"[..])));
        assert_eq!(decode(&encode(1, b"")).ok(), Some((1, &b""[..])));
        assert!(matches!(decode(b"short"), Err(StoreError::Corrupt(_))));
        assert!(matches!(
            decode(&encode(0, b"x")),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(decode_counter(&7u64.to_be_bytes()).ok(), Some(7));
        assert!(decode_counter(b"123").is_err());
    }
}
