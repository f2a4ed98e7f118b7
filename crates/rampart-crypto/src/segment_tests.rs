use proptest::prelude::*;

use super::*;

/// The key of the known-answer vectors: bytes 0, 1, …, 31.
fn kat_key() -> DataKey {
    DataKey::from_bytes(&(0u8..32).collect::<Vec<_>>()).unwrap()
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn seal_with(key: &DataKey, plain: &[u8], segment_size: u32, chunk: usize) -> Vec<u8> {
    let mut encryptor = Encryptor::with_key(key, segment_size).unwrap();
    let mut sealed = Vec::new();
    for piece in plain.chunks(chunk.max(1)) {
        sealed.extend(encryptor.update(piece).concat());
    }
    sealed.extend(encryptor.finish());
    sealed
}

fn open_range(
    key: &DataKey,
    sealed: &[u8],
    layout: Layout,
    range: Range<u64>,
    chunk: usize,
) -> Result<Vec<u8>, CryptoError> {
    let plan = layout.plan(range)?;
    let bytes = sealed
        .get(plan.sealed.start as usize..plan.sealed.end as usize)
        .ok_or(CryptoError::Truncated)?;
    open_bytes(key, bytes, layout, &plan, chunk)
}

fn open_bytes(
    key: &DataKey,
    bytes: &[u8],
    layout: Layout,
    plan: &ReadPlan,
    chunk: usize,
) -> Result<Vec<u8>, CryptoError> {
    let mut decryptor = Decryptor::new(key, layout, plan)?;
    let mut plain = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        plain.extend(decryptor.update(piece)?.concat());
    }
    decryptor.finish()?;
    Ok(plain)
}

fn open_all(
    key: &DataKey,
    sealed: &[u8],
    plain_len: u64,
    segment_size: u32,
) -> Result<Vec<u8>, CryptoError> {
    let layout = Layout::new(segment_size, plain_len).unwrap();
    let plan = layout.plan(0..plain_len).unwrap();
    // The whole blob, whatever its length: truncation and extension must be caught.
    let plan = ReadPlan {
        segments: 0..layout.segment_count(),
        sealed: 0..sealed.len() as u64,
        ..plan
    };
    open_bytes(key, sealed, layout, &plan, 7)
}

// Vectors computed independently from the format's description (Python `cryptography`'s
// AESGCM with the nonce and associated data built as the module documents).
#[test]
fn known_answers() {
    let key = kat_key();
    let cases: &[(Vec<u8>, &str)] = &[
        (Vec::new(), "2dc3a6065a1c073a5b41ce117b5762ed"),
        (b"abc".to_vec(), "74b4dc44fa3e99263db17caacd4e906d62e09c"),
        (
            pattern(32),
            "0ebdb7ddb12985ba00a1a33e14219f96412adf5894263b0099d13f816e2bb869\
             865a63fe7d48cb14b96678e326fa77f85ae5eaa212951f7e98e93783b375f63a",
        ),
        (
            pattern(40),
            "0ebdb7ddb12985ba00a1a33e14219f96412adf5894263b0099d13f816e2bb869\
             211a766e2588ca85fc4a8480a22a19921c5addba381c7fc88c3865a05738ce83\
             035e9dea9eb2e5371d5f1f5b9135e73d82633c0670b9df77",
        ),
    ];
    for (plain, expected) in cases {
        for chunk in [1, 3, 16, 17, 1000] {
            let sealed = seal_with(&key, plain, 16, chunk);
            assert_eq!(hex::encode(&sealed), *expected, "{} bytes", plain.len());
        }
        let expected = hex::decode(expected).unwrap();
        assert_eq!(
            open_all(&key, &expected, plain.len() as u64, 16).unwrap(),
            *plain
        );
    }
}

#[test]
fn layout_arithmetic() {
    let cases = [
        // (segment size, plaintext length, segments, sealed length)
        (16, 0, 1, 16),
        (16, 1, 1, 17),
        (16, 16, 1, 32),
        (16, 17, 2, 49),
        (16, 32, 2, 64),
        (
            65536,
            5 * 1024 * 1024 * 1024,
            81920,
            5 * 1024 * 1024 * 1024 + 81920 * 16,
        ),
    ];
    for (size, len, segments, sealed) in cases {
        let layout = Layout::new(size, len).unwrap();
        assert_eq!(layout.segment_count(), segments, "{size}/{len}");
        assert_eq!(layout.sealed_len(), sealed, "{size}/{len}");
    }
    assert_eq!(Layout::new(0, 1), Err(CryptoError::SegmentSize(0)));
    assert!(Layout::new(MAX_SEGMENT_SIZE + 1, 1).is_err());
}

#[test]
fn a_one_byte_range_of_a_large_blob_opens_one_segment() {
    let size = 5 * 1024 * 1024 * 1024u64;
    let layout = Layout::new(DEFAULT_SEGMENT_SIZE, size).unwrap();
    let at = 3 * 1024 * 1024 * 1024 + 12345;
    let plan = layout.plan(at..at + 1).unwrap();
    assert_eq!(plan.segments.end - plan.segments.start, 1);
    assert_eq!(
        plan.sealed.end - plan.sealed.start,
        u64::from(DEFAULT_SEGMENT_SIZE) + SEGMENT_OVERHEAD as u64
    );
    assert_eq!((plan.skip, plan.take), (12345, 1));
    // The final segment is shorter.
    let plan = layout.plan(size - 1..size).unwrap();
    assert_eq!(plan.sealed.end, layout.sealed_len());
    assert_eq!(layout.plan(0..size + 1), Err(CryptoError::Range));
}

#[test]
fn every_range_of_small_blobs_round_trips() {
    let key = kat_key();
    for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 50] {
        let plain = pattern(len);
        let sealed = seal_with(&key, &plain, 16, 5);
        let layout = Layout::new(16, len as u64).unwrap();
        assert_eq!(sealed.len() as u64, layout.sealed_len());
        for start in 0..=len {
            for end in start..=len {
                for chunk in [1, 16, 64] {
                    let got = open_range(&key, &sealed, layout, start as u64..end as u64, chunk)
                        .unwrap_or_else(|e| panic!("{len}: {start}..{end}: {e}"));
                    assert_eq!(got, &plain[start..end], "{len}: {start}..{end}");
                }
            }
        }
    }
}

#[test]
fn every_flipped_bit_fails() {
    let key = kat_key();
    let plain = pattern(40);
    let sealed = seal_with(&key, &plain, 16, 40);
    for byte in 0..sealed.len() {
        for bit in 0..8 {
            let mut damaged = sealed.clone();
            damaged[byte] ^= 1 << bit;
            assert!(
                open_all(&key, &damaged, 40, 16).is_err(),
                "a flipped bit {bit} of byte {byte} went unnoticed"
            );
        }
    }
}

#[test]
fn reordered_dropped_duplicated_or_appended_segments_fail() {
    let key = kat_key();
    let plain = pattern(48);
    let sealed = seal_with(&key, &plain, 16, 48);
    let segments: Vec<&[u8]> = sealed.chunks(32).collect();
    assert_eq!(segments.len(), 3);
    let swapped = [segments[1], segments[0], segments[2]].concat();
    assert!(open_all(&key, &swapped, 48, 16).is_err(), "swapped");
    let duplicated = [segments[0], segments[0], segments[2]].concat();
    assert!(open_all(&key, &duplicated, 48, 16).is_err(), "duplicated");
    // Cut at a segment boundary, read as the shorter blob it now seems to be.
    let cut = [segments[0], segments[1]].concat();
    assert!(open_all(&key, &cut, 32, 16).is_err(), "cut and relabelled");
    assert_eq!(open_all(&key, &cut, 48, 16), Err(CryptoError::Truncated));
    // Every truncation, read with the true length.
    for len in 0..sealed.len() {
        assert!(
            open_all(&key, &sealed[..len], 48, 16).is_err(),
            "truncated to {len}"
        );
    }
    let mut appended = sealed.clone();
    appended.extend_from_slice(segments[2]);
    assert!(open_all(&key, &appended, 48, 16).is_err(), "appended");
    appended.truncate(sealed.len() + 1);
    assert!(
        open_all(&key, &appended, 48, 16).is_err(),
        "one byte appended"
    );
}

#[test]
fn segments_from_another_blob_or_key_fail() {
    let key = kat_key();
    let (mut other, other_key) = Encryptor::new(16).unwrap();
    let plain = pattern(48);
    let mut foreign = other.update(&plain).concat();
    foreign.extend(other.finish());
    let sealed = seal_with(&key, &plain, 16, 48);
    // Same plaintext, same layout, another key: nothing splices across.
    let spliced = [&sealed[..32], &foreign[32..64], &sealed[64..]].concat();
    assert!(open_all(&key, &spliced, 48, 16).is_err());
    assert!(open_all(&other_key, &sealed, 48, 16).is_err());
    assert_eq!(open_all(&other_key, &foreign, 48, 16).unwrap(), plain);
    // A blob read under another segment size fails too.
    assert!(open_all(&key, &sealed, 48, 32).is_err());
}

#[test]
fn new_keys_are_distinct_and_redacted() {
    let (_, a) = Encryptor::new(DEFAULT_SEGMENT_SIZE).unwrap();
    let (_, b) = Encryptor::new(DEFAULT_SEGMENT_SIZE).unwrap();
    assert_ne!(a.as_bytes(), b.as_bytes());
    assert_eq!(format!("{a:?}"), "DataKey([REDACTED])");
    assert_eq!(
        DataKey::from_bytes(&[0; 31]).unwrap_err(),
        CryptoError::KeyLength(31)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_blobs_and_ranges_round_trip(
        len in 0usize..300,
        segment_size in 1u32..64,
        write_chunk in 1usize..100,
        read_chunk in 1usize..100,
        a in 0usize..301,
        b in 0usize..301,
    ) {
        let key = kat_key();
        let plain = pattern(len);
        let sealed = seal_with(&key, &plain, segment_size, write_chunk);
        let layout = Layout::new(segment_size, len as u64).unwrap();
        prop_assert_eq!(sealed.len() as u64, layout.sealed_len());
        let (start, end) = (a.min(b).min(len), a.max(b).min(len));
        let got = open_range(&key, &sealed, layout, start as u64..end as u64, read_chunk).unwrap();
        prop_assert_eq!(got, &plain[start..end]);
    }
}

/// Opens `sealed` through `update_owned`, cut into chunks of the given lengths (cycled).
fn open_owned(
    key: &DataKey,
    sealed: &[u8],
    layout: Layout,
    plan: &ReadPlan,
    chunks: &[usize],
) -> Result<Vec<u8>, CryptoError> {
    let mut decryptor = Decryptor::new(key, layout, plan)?;
    let mut plain = Vec::new();
    let mut rest = sealed;
    for &n in chunks.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(n.max(1).min(rest.len()));
        rest = tail;
        let mut opened = Vec::new();
        decryptor.update_owned(bytes::BytesMut::from(chunk), &mut opened)?;
        plain.extend(opened.iter().flat_map(|piece| piece.iter()));
    }
    decryptor.finish()?;
    Ok(plain)
}

#[test]
fn whole_segments_are_opened_where_they_lie() {
    let key = kat_key();
    let plain = pattern(100);
    let sealed = seal_with(&key, &plain, 16, 100);
    let layout = Layout::new(16, 100).unwrap();
    let plan = layout.plan(0..100).unwrap();
    let mut decryptor = Decryptor::new(&key, layout, &plan).unwrap();
    let buf = bytes::BytesMut::from(&sealed[..]);
    let base = buf.as_ptr() as usize;
    let mut opened = Vec::new();
    decryptor.update_owned(buf, &mut opened).unwrap();
    decryptor.finish().unwrap();
    assert_eq!(opened.len(), 7);
    for (i, piece) in opened.iter().enumerate() {
        // Segment i's plaintext starts where its ciphertext did: nothing was copied.
        assert_eq!(piece.as_ptr() as usize - base, i * 32);
    }
    assert_eq!(opened.concat(), plain);
}

#[test]
fn owned_chunks_reject_every_flipped_bit_and_hand_out_only_sound_segments() {
    let key = kat_key();
    let plain = pattern(40);
    let sealed = seal_with(&key, &plain, 16, 40);
    let layout = Layout::new(16, 40).unwrap();
    let plan = layout.plan(0..40).unwrap();
    for byte in 0..sealed.len() {
        for bit in 0..8 {
            let mut damaged = sealed.clone();
            damaged[byte] ^= 1 << bit;
            let damaged_segment = byte / 32;
            let mut decryptor = Decryptor::new(&key, layout, &plan).unwrap();
            let mut opened = Vec::new();
            let result = decryptor.update_owned(bytes::BytesMut::from(&damaged[..]), &mut opened);
            assert_eq!(
                result,
                Err(CryptoError::Authentication),
                "bit {bit} of {byte}"
            );
            // Only the segments before the damaged one came out, and unaltered.
            assert_eq!(opened.len(), damaged_segment);
            assert_eq!(opened.concat(), plain[..damaged_segment * 16]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn owned_chunks_open_as_slices_do(
        len in 0usize..600,
        segment_size in 1u32..80,
        chunks in proptest::collection::vec(1usize..250, 1..6),
        a in 0usize..601,
        b in 0usize..601,
    ) {
        let key = kat_key();
        let plain = pattern(len);
        let sealed = seal_with(&key, &plain, segment_size, 97);
        let layout = Layout::new(segment_size, len as u64).unwrap();
        let (start, end) = (a.min(b).min(len), a.max(b).min(len));
        let plan = layout.plan(start as u64..end as u64).unwrap();
        let bytes = &sealed[plan.sealed.start as usize..plan.sealed.end as usize];
        let by_slices = open_bytes(&key, bytes, layout, &plan, chunks[0]).unwrap();
        let owned = open_owned(&key, bytes, layout, &plan, &chunks).unwrap();
        prop_assert_eq!(&owned, &plain[start..end]);
        prop_assert_eq!(owned, by_slices);
        // One byte short, or one too many, fails.
        if !bytes.is_empty() {
            prop_assert!(open_owned(&key, &bytes[..bytes.len() - 1], layout, &plan, &chunks).is_err());
        }
        let longer = [bytes, &[0u8][..]].concat();
        prop_assert!(open_owned(&key, &longer, layout, &plan, &chunks).is_err());
    }
}
