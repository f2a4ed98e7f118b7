//! Property tests with a deterministic generator: the parsers and the decoder never
//! panic on arbitrary input, and a corrupted signed body never decodes to other data.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use bytes::BytesMut;
use common::*;
use rampart_sigv4::*;

const FRAGMENTS: &[&str] = &[
    "AWS4-HMAC-SHA256",
    "AWS4-HMAC-SHA256 ",
    "AWS ",
    "AWS4-ECDSA-P256-SHA256 ",
    "Credential=",
    "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request",
    "AKID/20130524/us-east-1/s3/aws4_",
    "/",
    "//",
    ", ",
    ",",
    "SignedHeaders=",
    "host;range;x-amz-content-sha256;x-amz-date",
    "host",
    ";",
    "Signature=",
    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    "=",
    " ",
    "\t",
    "20130524T000000Z",
    "20130524",
    "99999999T999999Z",
    "%",
    "%2F",
    "%ZZ",
    "%FF%FE",
    "+",
    "&",
    "ሴ",
    "\u{0}",
    "UNSIGNED-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "604800",
    "-1",
    "18446744073709551616",
];

const METHODS: &[&str] = &["GET", "PUT", "", "get"];
const REGIONS: &[&str] = &["us-east-1", ""];

const QUERY_NAMES: &[&str] = &[
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
    "Signature",
    "AWSAccessKeyId",
    "prefix",
    "",
];

const HEADER_NAMES: &[&str] = &[
    "authorization",
    "x-amz-date",
    "date",
    "x-amz-content-sha256",
    "host",
    "x-amz-security-token",
    "range",
    "x-amz-meta-a",
    "Authorization",
];

fn fragment_string(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(8) {
        if rng.below(10) == 0 {
            let n = rng.below(6);
            out.extend(rng.bytes(n));
        } else {
            out.extend_from_slice(rng.pick(FRAGMENTS).as_bytes());
        }
    }
    out
}

fn text(rng: &mut Rng) -> String {
    String::from_utf8_lossy(&fragment_string(rng)).into_owned()
}

const NEAR_VALID_HEADERS: &[(&str, &str)] = &[
    ("host", "examplebucket.s3.amazonaws.com"),
    ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
    ("x-amz-date", "20130524T000000Z"),
    (
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    ),
];
const NEAR_VALID_QUERY: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

/// Replaces a random span of the query or of a header value with a fragment.
fn mutate(rng: &mut Rng, r: &mut OwnedRequest) {
    let fragment = rng.pick(FRAGMENTS).as_bytes().to_vec();
    let target: &mut Vec<u8> = if rng.below(3) == 0 || r.headers.is_empty() {
        let mut q = std::mem::take(&mut r.query).into_bytes();
        splice(rng, &mut q, &fragment);
        r.query = String::from_utf8_lossy(&q).into_owned();
        return;
    } else {
        let i = rng.below(r.headers.len());
        &mut r.headers[i].1
    };
    splice(rng, target, &fragment);
}

fn splice(rng: &mut Rng, v: &mut Vec<u8>, fragment: &[u8]) {
    let start = rng.below(v.len() + 1);
    let end = (start + rng.below(4)).min(v.len());
    v.splice(start..end, fragment.iter().copied());
}

#[test]
fn auth_parsing_never_panics() {
    let mut rng = Rng::new(42);
    let times = [
        UNIX_EPOCH,
        UNIX_EPOCH - Duration::from_secs(1 << 40),
        UNIX_EPOCH + Duration::from_secs(1 << 40),
        t("20130524T000000Z"),
    ];
    let mut parsed = 0;
    for _ in 0..30_000 {
        let method = *rng.pick(METHODS);
        let mut r = OwnedRequest::new(method, "/");
        r.path = text(&mut rng);
        if rng.below(2) == 0 {
            // Near-valid: a well-formed header or presigned request, lightly mutated.
            if rng.below(2) == 0 {
                r.headers = NEAR_VALID_HEADERS
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
                    .collect();
            } else {
                r.headers = vec![("host".into(), b"h".to_vec())];
                r.query = NEAR_VALID_QUERY.to_owned();
            }
            for _ in 0..rng.below(3) {
                mutate(&mut rng, &mut r);
            }
        } else {
            let mut query = Vec::new();
            for _ in 0..rng.below(8) {
                query.push(format!("{}={}", rng.pick(QUERY_NAMES), text(&mut rng)));
            }
            r.query = query.join(if rng.below(5) == 0 { "&&" } else { "&" });
            for _ in 0..rng.below(7) {
                r.headers.push((
                    rng.pick(HEADER_NAMES).to_string(),
                    fragment_string(&mut rng),
                ));
            }
        }
        let h = r.header_refs();
        let parts = r.parts(&h);
        if let Ok(Some(auth)) = parse_auth(&parts) {
            parsed += 1;
            for now in times {
                let region = *rng.pick(REGIONS);
                let _ = verify(&parts, &auth, "secret", now, region);
            }
        }
        let _ = canonical_uri(&r.path);
        let _ = canonical_query(&r.query, Some("X-Amz-Signature"));
    }
    assert!(parsed > 0, "the generator never reached verify");
}

/// Mutations of a valid signed request: removing, duplicating or changing any part is an
/// error, never a panic, and never a success with a different canonical request.
#[test]
fn mutated_valid_requests() {
    let mut rng = Rng::new(9);
    let base = OwnedRequest::new("PUT", "/bucket/key?partNumber=1&uploadId=x")
        .header("host", "h.example.com")
        .header("x-amz-meta-a", "b");
    let h = base.header_refs();
    let params = SigningParams {
        access_key_id: "AKID",
        secret_access_key: "secret",
        session_token: Some("token"),
        region: "us-east-1",
        service: "s3",
        time: t("20130524T000000Z"),
    };
    let signed = sign_request(&base.parts(&h), UNSIGNED_PAYLOAD, &params).unwrap();
    let mut valid = base.clone();
    for (n, v) in &signed.headers {
        valid = valid.header(n, v);
    }
    for _ in 0..5_000 {
        let mut r = valid.clone();
        let i = rng.below(r.headers.len());
        match rng.below(4) {
            0 => {
                r.headers.remove(i);
            }
            1 => {
                let dup = r.headers[i].clone();
                r.headers.push(dup);
            }
            2 => {
                let v = &mut r.headers[i].1;
                if !v.is_empty() {
                    let at = rng.below(v.len());
                    v[at] = rng.next_u64() as u8;
                }
            }
            _ => r.query = text(&mut rng),
        }
        let h = r.header_refs();
        let parts = r.parts(&h);
        if let Ok(Some(auth)) = parse_auth(&parts)
            && verify(&parts, &auth, "secret", t("20130524T000000Z"), "us-east-1").is_ok()
        {
            // Only a change the canonical request ignores can still verify.
            let creq = CanonicalRequest::new(&parts, &auth.signed_headers, UNSIGNED_PAYLOAD, false);
            assert_eq!(creq.to_string_lossy(), signed.canonical_request);
        }
    }
}

type Trailers = Option<Vec<(String, String)>>;

fn feed(mode: &ChunkedMode, body: &[u8], rng: &mut Rng) -> Result<(Vec<u8>, Trailers), SigV4Error> {
    let mut decoder = ChunkedDecoder::new(mode.clone());
    let mut buf = BytesMut::new();
    let mut data = Vec::new();
    let mut trailers = None;
    let mut rest = body;
    let max = rng.below(64) + 1;
    let mut handle = |e: ChunkEvent| match e {
        ChunkEvent::Data(d) => data.extend_from_slice(&d),
        ChunkEvent::Trailers(t) => trailers = Some(t),
        ChunkEvent::End => {}
    };
    while !rest.is_empty() {
        let n = (rng.below(max) + 1).min(rest.len());
        buf.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        while let Some(e) = decoder.decode(&mut buf)? {
            handle(e);
        }
    }
    while let Some(e) = decoder.finish(&mut buf)? {
        handle(e);
    }
    Ok((data, trailers))
}

fn modes() -> Vec<ChunkedMode> {
    let scope = CredentialScope::new("20130524", "us-east-1", "s3");
    let signed = |with_trailer| ChunkedMode::Signed {
        signing_key: SigningKey::derive("secret", &scope),
        seed_signature: [9; 32],
        amz_date: "20130524T000000Z".into(),
        scope: scope.clone(),
        with_trailer,
    };
    vec![
        signed(false),
        signed(true),
        ChunkedMode::Unsigned { with_trailer: true },
        ChunkedMode::Unsigned {
            with_trailer: false,
        },
    ]
}

#[test]
fn decoder_never_panics_on_random_bytes() {
    let mut rng = Rng::new(3);
    let alphabet = b"0123456789abcdefABCDEF;=\r\n: \t-xchunk-signature";
    for mode in modes() {
        for _ in 0..3_000 {
            let len = rng.below(200);
            let body: Vec<u8> = if rng.below(2) == 0 {
                rng.bytes(len)
            } else {
                (0..len).map(|_| *rng.pick(alphabet)).collect()
            };
            let _ = feed(&mode, &body, &mut rng);
        }
    }
}

#[test]
fn corrupted_signed_bodies_never_decode_to_other_data() {
    let mut rng = Rng::new(5);
    for mode in modes() {
        let is_signed = matches!(mode, ChunkedMode::Signed { .. });
        for _ in 0..1_500 {
            let n = rng.below(300);
            let data = rng.bytes(n);
            let trailers = [("x-amz-checksum-crc32", "AAAAAA==")];
            let body = encode_aws_chunked(&mode, &data, rng.below(100) + 1, &trailers);
            let mut bad = body.clone();
            match rng.below(4) {
                0 => {
                    let at = rng.below(bad.len());
                    bad[at] ^= 1 << rng.below(8);
                }
                1 => {
                    let at = rng.below(bad.len());
                    bad.remove(at);
                }
                2 => {
                    let at = rng.below(bad.len() + 1);
                    bad.insert(at, rng.next_u64() as u8);
                }
                _ => {
                    let at = rng.below(bad.len());
                    bad.truncate(at);
                }
            }
            if let Ok((got, got_trailers)) = feed(&mode, &bad, &mut rng)
                && is_signed
            {
                assert_eq!(got, data, "a corrupted signed body decoded to other data");
                if let Some(t) = got_trailers {
                    assert_eq!(
                        t,
                        [("x-amz-checksum-crc32".to_owned(), "AAAAAA==".to_owned())]
                    );
                }
            }
        }
    }
}
