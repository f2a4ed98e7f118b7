//! Request ids as S3 shapes them: `x-amz-request-id` (16 uppercase hex characters) and
//! `x-amz-id-2` (an opaque base64 host id); and the audit trail's event ids (UUIDs, as
//! CloudTrail's `eventID`).

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

/// Random bytes from the operating system (ids need uniqueness, not secrecy).
pub(crate) fn fill(buf: &mut [u8]) {
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

/// A random UUID (version 4), as CloudTrail's `eventID` is. The random bytes come from the
/// operating system 4 KiB at a time, not with a system call per event.
pub(crate) fn event_id() -> String {
    thread_local! {
        static POOL: std::cell::RefCell<([u8; 4096], usize)> =
            const { std::cell::RefCell::new(([0; 4096], 4096)) };
    }
    let mut b = [0u8; 16];
    POOL.with_borrow_mut(|(pool, used)| {
        if *used + b.len() > pool.len() {
            fill(pool);
            *used = 0;
        }
        b.copy_from_slice(&pool[*used..*used + 16]);
        *used += 16;
    });
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(char::from(HEX[usize::from(byte >> 4)]));
        id.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    id
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

    #[test]
    fn event_ids_are_distinct_version_4_uuids() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| super::event_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let groups: Vec<&str> = id.split('-').collect();
            let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            assert_eq!(lengths, [8, 4, 4, 4, 12], "{id}");
            assert!(groups[2].starts_with('4'), "{id}");
            assert!(matches!(&groups[3][..1], "8" | "9" | "a" | "b"), "{id}");
            assert!(id.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit()));
        }
    }
}
