//! Request ids as S3 shapes them: `x-amz-request-id` (16 uppercase hex characters) and
//! `x-amz-id-2` (an opaque base64 host id).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

pub fn request_id() -> String {
    let mut raw = [0u8; 8];
    fill(&mut raw);
    hex::encode_upper(raw)
}

pub fn host_id() -> String {
    let mut raw = [0u8; 48];
    fill(&mut raw);
    BASE64.encode(raw)
}

fn fill(buf: &mut [u8]) {
    if getrandom::fill(buf).is_err() {
        // Ids need uniqueness, not secrecy: fall back to the clock if the OS source fails.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shapes() {
        let id = super::request_id();
        assert_eq!(id.len(), 16);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        );
        assert_ne!(id, super::request_id());
        assert_eq!(super::host_id().len(), 64);
    }
}
