//! aws-chunked decoding: every way of feeding the bytes gives the same result, and every
//! corruption, truncation or oversize is refused.

mod common;

use bytes::{Bytes, BytesMut};
use common::*;
use rampart_sigv4::*;

const AMZ_DATE: &str = "20130524T000000Z";

fn signed(with_trailer: bool) -> ChunkedMode {
    let scope = CredentialScope::new("20130524", "us-east-1", "s3");
    ChunkedMode::Signed {
        signing_key: SigningKey::derive(S3_DOC_SECRET, &scope),
        seed_signature: sha256(b"seed"),
        amz_date: AMZ_DATE.into(),
        scope,
        with_trailer,
    }
}

fn modes() -> Vec<(&'static str, ChunkedMode)> {
    vec![
        ("signed", signed(false)),
        ("signed+trailer", signed(true)),
        (
            "unsigned+trailer",
            ChunkedMode::Unsigned { with_trailer: true },
        ),
        (
            "unsigned",
            ChunkedMode::Unsigned {
                with_trailer: false,
            },
        ),
    ]
}

fn has_trailer(mode: &ChunkedMode) -> bool {
    matches!(
        mode,
        ChunkedMode::Signed {
            with_trailer: true,
            ..
        } | ChunkedMode::Unsigned { with_trailer: true }
    )
}

const TRAILERS: &[(&str, &str)] = &[
    ("x-amz-checksum-crc32", "NSRBwg=="),
    ("x-amz-checksum-sha256", "abc+/="),
];

/// The result of decoding a whole body: data, trailers (if any), and whether `End` came.
#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    data: Vec<u8>,
    trailers: Option<Vec<(String, String)>>,
    events: usize,
}

/// Feeds `body` in pieces whose sizes come from `splits` (cycled), draining events after
/// each piece, then finishes. Checks the event protocol on the way.
fn decode_with(
    mode: &ChunkedMode,
    body: &[u8],
    splits: &mut dyn FnMut() -> usize,
) -> Result<Decoded, SigV4Error> {
    let mut decoder = ChunkedDecoder::new(mode.clone());
    let mut buf = BytesMut::new();
    let mut out = Decoded {
        data: Vec::new(),
        trailers: None,
        events: 0,
    };
    let mut ended = false;
    let mut on_event = |event: ChunkEvent, out: &mut Decoded| {
        assert!(!ended, "event after End");
        out.events += 1;
        match event {
            ChunkEvent::Data(d) => {
                assert!(!d.is_empty(), "empty Data event");
                assert!(out.trailers.is_none(), "Data after Trailers");
                out.data.extend_from_slice(&d);
            }
            ChunkEvent::Trailers(t) => {
                assert!(out.trailers.is_none(), "Trailers twice");
                out.trailers = Some(t);
            }
            ChunkEvent::End => ended = true,
        }
    };
    let mut rest = body;
    while !rest.is_empty() {
        let n = splits().clamp(1, rest.len());
        buf.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        while let Some(event) = decoder.decode(&mut buf)? {
            on_event(event, &mut out);
        }
    }
    while let Some(event) = decoder.finish(&mut buf)? {
        on_event(event, &mut out);
    }
    assert!(decoder.is_done() && ended);
    assert_eq!(decoder.decoded_len(), out.data.len() as u64);
    assert_eq!(
        out.trailers.is_some(),
        has_trailer(mode),
        "Trailers only in trailer modes"
    );
    // Event counts differ with the feeding for unsigned bodies; compare only content.
    out.events = 0;
    Ok(out)
}

fn decode_all(mode: &ChunkedMode, body: &[u8]) -> Result<Decoded, SigV4Error> {
    decode_with(mode, body, &mut || usize::MAX)
}

fn expected_trailers(
    mode: &ChunkedMode,
    trailers: &[(&str, &str)],
) -> Option<Vec<(String, String)>> {
    has_trailer(mode).then(|| {
        trailers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    })
}

#[test]
fn every_feeding_gives_the_same_result() {
    let mut rng = Rng::new(7);
    for (name, mode) in modes() {
        for (len, chunk) in [
            (0, 64),
            (1, 64),
            (63, 64),
            (64, 64),
            (65, 64),
            (1000, 100),
            (5000, 8192),
            (70_000, 65_536),
        ] {
            let data = rng.bytes(len);
            let body = encode_aws_chunked(&mode, &data, chunk, TRAILERS);
            let expected = Decoded {
                data: data.clone(),
                trailers: expected_trailers(&mode, TRAILERS),
                events: 0,
            };
            assert_eq!(
                decode_all(&mode, &body).unwrap(),
                expected,
                "{name} {len} at once"
            );
            if len <= 5000 {
                assert_eq!(
                    decode_with(&mode, &body, &mut || 1).unwrap(),
                    expected,
                    "{name} {len} byte by byte"
                );
            }
            for _ in 0..5 {
                let max = rng.below(300) + 1;
                let mut r = Rng::new(rng.next_u64());
                let got = decode_with(&mode, &body, &mut || r.below(max) + 1).unwrap();
                assert_eq!(got, expected, "{name} {len} random splits");
            }
        }
    }
}

#[test]
fn data_is_split_off_without_copying() {
    // A signed chunk is handed out as a view of the caller's buffer.
    let mode = signed(false);
    let body = encode_aws_chunked(&mode, b"hello world", 0, &[]);
    let mut buf = BytesMut::from(&body[..]);
    let start = buf.as_ptr() as usize;
    let mut decoder = ChunkedDecoder::new(mode);
    let Some(ChunkEvent::Data(data)) = decoder.decode(&mut buf).unwrap() else {
        panic!("expected data")
    };
    assert_eq!(&data[..], b"hello world");
    let offset = data.as_ptr() as usize - start;
    assert_eq!(
        offset,
        body.windows(2).position(|w| w == b"\r\n").unwrap() + 2
    );
    assert_eq!(decoder.decode(&mut buf).unwrap(), Some(ChunkEvent::End));
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
}

#[test]
fn trailers_without_values_and_empty_trailer_section() {
    for (_, mode) in modes().into_iter().filter(|(_, m)| has_trailer(m)) {
        let body = encode_aws_chunked(&mode, b"abc", 0, &[]);
        assert_eq!(decode_all(&mode, &body).unwrap().trailers, Some(vec![]));
        let body = encode_aws_chunked(&mode, b"abc", 0, &[("X-Amz-Checksum-CRC32C", " sOO8/Q== ")]);
        assert_eq!(
            decode_all(&mode, &body).unwrap().trailers,
            Some(vec![("x-amz-checksum-crc32c".into(), "sOO8/Q==".into())])
        );
    }
    // The layout of AWS's trailer example (an empty line after the final chunk) for the
    // unsigned mode too; and an unsigned body that ends right after it has no trailers.
    let mode = ChunkedMode::Unsigned { with_trailer: true };
    let got = decode_all(
        &mode,
        b"3\r\nabc\r\n0\r\n\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
    )
    .unwrap();
    assert_eq!(
        got.trailers,
        Some(vec![("x-amz-checksum-crc32".into(), "AAAAAA==".into())])
    );
    assert_eq!(
        decode_all(&mode, b"3\r\nabc\r\n0\r\n\r\n")
            .unwrap()
            .trailers,
        Some(vec![])
    );
    // Ending right after the final chunk is a truncation, though.
    assert_eq!(
        decode_all(&mode, b"0\r\n").unwrap_err(),
        SigV4Error::IncompleteBody
    );
}

#[test]
fn lenient_where_clients_differ() {
    let mode = signed(false);
    let sig = |data: &[u8]| {
        let body = encode_aws_chunked(&mode, data, 0, &[]);
        let line = body.split(|&b| b == b'\n').next().unwrap().to_vec();
        String::from_utf8(line)
            .unwrap()
            .trim_end()
            .split('=')
            .nth(1)
            .unwrap()
            .to_owned()
    };
    let first = sig(b"abc");
    let ChunkedMode::Signed {
        signing_key,
        amz_date,
        scope,
        ..
    } = &mode
    else {
        unreachable!()
    };
    let prev: [u8; 32] = hex::decode(&first).unwrap().try_into().unwrap();
    let last = hex::encode(
        signing_key.sign(chunk_string_to_sign(amz_date, scope, &prev, &sha256(b"")).as_bytes()),
    );
    // Spaces around ';' and '=', uppercase hex sizes, leading zeros.
    for (size, sep) in [("3", ";"), ("03", " ; "), ("0003", ";\t")] {
        let body = format!(
            "{size}{sep}chunk-signature = {first}\r\nabc\r\n0 ;chunk-signature={last}\r\n\r\n"
        );
        assert_eq!(
            decode_all(&mode, body.as_bytes()).unwrap().data,
            b"abc",
            "{body:?}"
        );
    }
    let unsigned = ChunkedMode::Unsigned { with_trailer: true };
    assert_eq!(
        decode_all(&unsigned, b"A\r\n0123456789\r\n0\r\n\r\n")
            .unwrap()
            .data,
        b"0123456789"
    );
    assert_eq!(
        decode_all(&unsigned, b"a \r\n0123456789\r\n0\r\n\r\n")
            .unwrap()
            .data,
        b"0123456789"
    );
}

#[test]
fn tampering_is_detected() {
    let mut rng = Rng::new(11);
    for (name, mode) in modes()
        .into_iter()
        .filter(|(_, m)| matches!(m, ChunkedMode::Signed { .. }))
    {
        let data = rng.bytes(3000);
        let body = encode_aws_chunked(&mode, &data, 1024, TRAILERS);
        // Flip one data byte in each chunk: the chunk signature fails.
        for pos in [100, 1200, 2300, 3000 + 3 * 100] {
            let mut bad = body.clone();
            let data_pos = body.windows(2).position(|w| w == b"\r\n").unwrap() + 2 + pos % 1000;
            bad[data_pos] ^= 1;
            assert_eq!(
                decode_all(&mode, &bad).unwrap_err(),
                SigV4Error::ChunkSignatureDoesNotMatch,
                "{name}"
            );
        }
        // A changed chunk signature.
        let text = body.clone();
        let at = text
            .windows(16)
            .position(|w| w == b"chunk-signature=")
            .unwrap()
            + 16;
        let mut bad = body.clone();
        bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            decode_all(&mode, &bad).unwrap_err(),
            SigV4Error::ChunkSignatureDoesNotMatch
        );
        // Swapped chunks (each one valid on its own, out of order).
        let a = encode_aws_chunked(&mode, b"AAAA", 2, &[]);
        let swapped: Vec<u8> = [&a[..], &a[..]].concat();
        assert!(decode_all(&mode, &swapped).is_err());
        if has_trailer(&mode) {
            let mut bad = body.clone();
            let at = bad.windows(8).position(|w| w == b"NSRBwg==").unwrap();
            bad[at] = b'M';
            assert_eq!(
                decode_all(&mode, &bad).unwrap_err(),
                SigV4Error::TrailerSignatureDoesNotMatch
            );
            // A trailer signature that is missing, garbled or followed by more trailers.
            let sig_at = body
                .windows(24)
                .position(|w| w == b"x-amz-trailer-signature:")
                .unwrap();
            let mut bad = body[..sig_at].to_vec();
            bad.extend_from_slice(b"\r\n");
            assert_eq!(
                decode_all(&mode, &bad).unwrap_err(),
                SigV4Error::TrailerSignatureDoesNotMatch
            );
            let mut bad = body[..sig_at].to_vec();
            bad.extend_from_slice(b"x-amz-trailer-signature:xyz\r\n\r\n");
            assert_eq!(
                decode_all(&mode, &bad).unwrap_err(),
                SigV4Error::TrailerSignatureDoesNotMatch
            );
            let mut bad = body[..body.len() - 2].to_vec();
            bad.extend_from_slice(b"x-amz-meta-late:1\r\n\r\n");
            assert!(matches!(
                decode_all(&mode, &bad),
                Err(SigV4Error::MalformedChunkedEncoding { .. })
            ));
        }
    }
}

#[test]
fn wrong_key_or_seed_fails() {
    let body = encode_aws_chunked(&signed(false), b"data", 0, &[]);
    let ChunkedMode::Signed {
        signing_key,
        amz_date,
        scope,
        ..
    } = signed(false)
    else {
        unreachable!()
    };
    let other_seed = ChunkedMode::Signed {
        signing_key,
        seed_signature: sha256(b"other"),
        amz_date,
        scope,
        with_trailer: false,
    };
    assert_eq!(
        decode_all(&other_seed, &body).unwrap_err(),
        SigV4Error::ChunkSignatureDoesNotMatch
    );
}

/// Every strict prefix of a body fails, except dropping the closing CRLF (and, when a
/// signed trailer ends the body, the CRLF of that authenticated last line too). Unsigned
/// trailers are not authenticated: a cut between two trailer lines looks like a body that
/// omits the closing CRLF, and yields the first trailer only (the server then finds the
/// declared checksum missing).
#[test]
fn truncated_bodies_fail() {
    for (name, mode) in modes() {
        let body = encode_aws_chunked(&mode, b"0123456789abcdef", 5, TRAILERS);
        let mut lenient = vec![(body.len() - 2, TRAILERS)];
        if matches!(
            mode,
            ChunkedMode::Signed {
                with_trailer: true,
                ..
            }
        ) {
            lenient.push((body.len() - 4, TRAILERS));
        }
        if matches!(mode, ChunkedMode::Unsigned { with_trailer: true }) {
            let first = body.windows(4).position(|w| w == b"==\r\n").unwrap() + 4;
            lenient.push((first, &TRAILERS[..1]));
        }
        for cut in 0..body.len() {
            let result = decode_all(&mode, &body[..cut]);
            if let Some((_, trailers)) = lenient.iter().find(|(at, _)| *at == cut) {
                let got = result.unwrap_or_else(|e| panic!("{name} cut {cut}: {e:?}"));
                assert_eq!(got.data, b"0123456789abcdef");
                assert_eq!(got.trailers, expected_trailers(&mode, trailers));
            } else {
                assert!(result.is_err(), "{name}: prefix of {cut} bytes accepted");
            }
        }
        // Truncated mid-data: the error is IncompleteBody.
        assert_eq!(
            decode_all(&mode, &body[..body.len() / 2]).unwrap_err(),
            SigV4Error::IncompleteBody
        );
    }
}

#[test]
fn data_after_the_end_fails() {
    for (name, mode) in modes() {
        let mut body = encode_aws_chunked(&mode, b"abc", 0, TRAILERS);
        body.extend_from_slice(b"x");
        assert!(
            matches!(
                decode_all(&mode, &body),
                Err(SigV4Error::MalformedChunkedEncoding { .. })
            ),
            "{name}"
        );
        let mut body = encode_aws_chunked(&mode, b"abc", 0, TRAILERS);
        body.extend_from_slice(&body.clone());
        assert!(decode_all(&mode, &body).is_err(), "{name}: two bodies");
    }
}

#[test]
fn malformed_framing() {
    let unsigned = ChunkedMode::Unsigned { with_trailer: true };
    for body in [
        &b"zz\r\nabc\r\n0\r\n\r\n"[..],
        b"\r\nabc\r\n0\r\n\r\n",
        b"-3\r\nabc\r\n0\r\n\r\n",
        b"0x3\r\nabc\r\n0\r\n\r\n",
        b"+3\r\nabc\r\n0\r\n\r\n",
        b"3\r\nabcX\r\n0\r\n\r\n",
        b"3\r\nabc\n0\r\n\r\n",
        b"3\nabc\r\n0\r\n\r\n",
        b"3;chunk-signature=00\r\nabc\r\n0\r\n\r\n",
        b"3;foo=bar\r\nabc\r\n0\r\n\r\n",
        b"3\r\nabc\r\n0\r\nno-colon\r\n\r\n",
        b"3\r\nabc\r\n0\r\n:empty-name\r\n\r\n",
        b"3\r\nabc\r\n0\r\nbad name:x\r\n\r\n",
        b"3\r\nabc\r\n0\r\nx-amz-trailer-signature:00\r\n\r\n",
        b"\xff\r\nabc\r\n0\r\n\r\n",
    ] {
        assert!(
            matches!(
                decode_all(&unsigned, body),
                Err(SigV4Error::MalformedChunkedEncoding { .. })
            ),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    let signed = signed(false);
    let zero_sig = "0".repeat(64);
    for body in [
        "3\r\nabc\r\n".to_owned(),
        format!("3;chunk-signature={}\r\nabc\r\n", "0".repeat(63)),
        format!("3;chunk-signature={}0\r\nabc\r\n", zero_sig),
        format!("3;chunk-signature={}\r\nabc\r\n", "g".repeat(64)),
        format!("3;chunk-sig={zero_sig}\r\nabc\r\n"),
        format!("3;chunk-signature:{zero_sig}\r\nabc\r\n"),
        format!("3;chunk-signature={zero_sig};x=y\r\nabc\r\n"),
        format!("11111111111111111;chunk-signature={zero_sig}\r\n"),
    ] {
        assert!(
            matches!(
                decode_all(&signed, body.as_bytes()),
                Err(SigV4Error::MalformedChunkedEncoding { .. })
            ),
            "{body:?}"
        );
    }
    // A size line that never ends is refused once it exceeds the limit, not buffered.
    let mut decoder = ChunkedDecoder::new(unsigned.clone());
    let mut buf = BytesMut::from(&vec![b'1'; MAX_LINE_LEN + 10][..]);
    assert!(matches!(
        decoder.decode(&mut buf),
        Err(SigV4Error::MalformedChunkedEncoding { .. })
    ));
    // So is a trailer section that never ends.
    let mut body = b"0\r\n".to_vec();
    for i in 0..2000 {
        body.extend_from_slice(format!("x-amz-meta-{i}:{}\r\n", "v".repeat(20)).as_bytes());
    }
    assert!(matches!(
        decode_all(&unsigned, &body),
        Err(SigV4Error::MalformedChunkedEncoding { .. })
    ));
}

#[test]
fn oversized_chunks_are_refused() {
    let zero_sig = "0".repeat(64);
    let over = DEFAULT_MAX_SIGNED_CHUNK_SIZE + 1;
    let body = format!("{over:x};chunk-signature={zero_sig}\r\n");
    let mut decoder = ChunkedDecoder::new(signed(false));
    let mut buf = BytesMut::from(body.as_bytes());
    assert_eq!(
        decoder.decode(&mut buf).unwrap_err(),
        SigV4Error::ChunkTooLarge {
            size: over,
            limit: DEFAULT_MAX_SIGNED_CHUNK_SIZE
        }
    );
    // The error sticks.
    assert!(decoder.decode(&mut BytesMut::new()).is_err());
    assert!(decoder.finish(&mut BytesMut::new()).is_err());

    let mut decoder = ChunkedDecoder::new(ChunkedMode::Unsigned { with_trailer: true });
    let mut buf = BytesMut::from(&b"ffffffffffffffff\r\n"[..]);
    assert!(matches!(
        decoder.decode(&mut buf),
        Err(SigV4Error::ChunkTooLarge { .. })
    ));

    // A configurable cap.
    let body = encode_aws_chunked(&signed(false), &[7; 100], 100, &[]);
    let mut decoder = ChunkedDecoder::new(signed(false)).with_max_chunk_size(99);
    let mut buf = BytesMut::from(&body[..]);
    assert!(matches!(
        decoder.decode(&mut buf),
        Err(SigV4Error::ChunkTooLarge {
            size: 100,
            limit: 99
        })
    ));
    // Exactly at the default limit is accepted (and held until complete).
    let size = DEFAULT_MAX_SIGNED_CHUNK_SIZE as usize;
    let body = encode_aws_chunked(&signed(false), &vec![1; size], size, &[]);
    let got = decode_all(&signed(false), &body).unwrap();
    assert_eq!(got.data.len(), size);
}

#[test]
fn unsigned_chunks_stream_before_they_complete() {
    let mut decoder = ChunkedDecoder::new(ChunkedMode::Unsigned { with_trailer: true });
    let mut buf = BytesMut::from(&b"100000\r\nabc"[..]);
    assert_eq!(
        decoder.decode(&mut buf).unwrap(),
        Some(ChunkEvent::Data(Bytes::from_static(b"abc")))
    );
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    assert_eq!(decoder.decoded_len(), 3);
    assert_eq!(
        decoder.finish(&mut buf).unwrap_err(),
        SigV4Error::IncompleteBody
    );
    // …while a signed chunk waits until it is complete and verified.
    let body = encode_aws_chunked(&signed(false), &[5; 1000], 0, &[]);
    let mut decoder = ChunkedDecoder::new(signed(false));
    let mut buf = BytesMut::from(&body[..body.len() - 200]);
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    assert_eq!(decoder.decoded_len(), 0);
}

#[test]
fn for_payload_maps_modes() {
    let verified = VerifiedAuth {
        signing_key: SigningKey::from_bytes([1; 32]),
        seed_signature: [2; 32],
        amz_date: AMZ_DATE.into(),
        scope: CredentialScope::new("20130524", "us-east-1", "s3"),
    };
    assert!(ChunkedMode::for_payload(PayloadMode::Unsigned, &verified).is_none());
    assert!(ChunkedMode::for_payload(PayloadMode::Sha256([0; 32]), &verified).is_none());
    assert!(matches!(
        ChunkedMode::for_payload(PayloadMode::StreamingSigned, &verified),
        Some(ChunkedMode::Signed { with_trailer: false, seed_signature, .. }) if seed_signature == [2; 32]
    ));
    assert!(matches!(
        ChunkedMode::for_payload(PayloadMode::StreamingSignedTrailer, &verified),
        Some(ChunkedMode::Signed {
            with_trailer: true,
            ..
        })
    ));
    assert!(matches!(
        ChunkedMode::for_payload(PayloadMode::StreamingUnsignedTrailer, &verified),
        Some(ChunkedMode::Unsigned { with_trailer: true })
    ));
    assert!(PayloadMode::StreamingUnsignedTrailer.is_streaming());
    assert!(!PayloadMode::Unsigned.is_streaming());
}
