//! Client signing then server verification, over many shapes of request, and every
//! tampering of a signed part failing with SignatureDoesNotMatch.

mod common;

use std::time::Duration;

use common::*;
use rampart_sigv4::*;

const AKID: &str = "AKIDROUNDTRIP";
const SECRET: &str = "s3cr3t/with+odd=chars";
const NOW: &str = "20240229T235959Z";

fn params(time: &str) -> SigningParams<'static> {
    SigningParams {
        access_key_id: AKID,
        secret_access_key: SECRET,
        session_token: None,
        region: "eu-west-3",
        service: "s3",
        time: t(time),
    }
}

fn sign(r: &OwnedRequest, payload: &str, p: &SigningParams<'_>) -> OwnedRequest {
    let h = r.header_refs();
    let signed = sign_request(&r.parts(&h), payload, p).unwrap();
    let mut out = r.clone();
    for (name, value) in &signed.headers {
        out = out.header(name, value);
    }
    out
}

fn check(r: &OwnedRequest, secret: &str) -> Result<VerifiedAuth, SigV4Error> {
    let h = r.header_refs();
    let p = r.parts(&h);
    let auth = parse_auth(&p)?.expect("signed");
    verify(&p, &auth, secret, t(NOW), "eu-west-3")
}

fn is_mismatch(r: Result<VerifiedAuth, SigV4Error>) -> bool {
    matches!(r, Err(SigV4Error::SignatureDoesNotMatch { .. }))
}

const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "HEAD"];
const PATHS: &[&str] = &[
    "/",
    "/bucket",
    "/bucket/key.txt",
    "/bucket/a%20b",
    "/bucket/a+b",
    "/bucket/a%2Bb",
    "/bucket/%E2%9C%93/%F0%9F%98%80",
    "/bucket/a=b&c",
    "/bucket/dir/sub/~tilde_-.",
    "/bucket/a%2Fb",
    "/bucket/../x/./y",
    "/bucket//double//",
    "/bucket/%25percent",
    "/bucket/semi;colon:at@bang!$'()*,",
];
const QUERIES: &[&str] = &[
    "",
    "acl",
    "uploads=",
    "prefix=a%20b",
    "prefix=a+b",
    "list-type=2&prefix=photos%2F2024%2F&delimiter=%2F&max-keys=10",
    "k=&k=v&k=a&k",
    "versionId=abc~def.-_",
    "a=%E2%9C%93&%E2%9C%93=b",
    "x=1=2",
    "partNumber=3&uploadId=VXBsb2FkSWQ%3D",
    "response-content-disposition=attachment%3B%20filename%3D%22r%C3%A9sum%C3%A9.pdf%22",
];

fn base(method: &str, path: &str, query: &str) -> OwnedRequest {
    let target = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    OwnedRequest::new(method, &target)
        .header("host", "bucket.s3.eu-west-3.example.com:9000")
        .header("x-amz-meta-note", "  spaced    out   value ")
        .header("x-amz-meta-utf8", "r\u{e9}sum\u{e9} \u{2713}")
        .header("x-amz-meta-multi", "one")
        .header("x-amz-meta-multi", "two")
        .header("range", "bytes=0-99")
}

#[test]
fn header_signing_round_trips_and_tampering_fails() {
    let mut cases = 0;
    for (i, method) in METHODS.iter().enumerate() {
        for (j, path) in PATHS.iter().enumerate() {
            for (k, query) in QUERIES.iter().enumerate() {
                let payload = match (i + j + k) % 3 {
                    0 => sha256_hex(format!("body {i} {j} {k}").as_bytes()),
                    1 => UNSIGNED_PAYLOAD.to_owned(),
                    _ => STREAMING_SIGNED.to_owned(),
                };
                let r = sign(&base(method, path, query), &payload, &params(NOW));
                check(&r, SECRET).unwrap_or_else(|e| panic!("{method} {path}?{query}: {e:?}"));
                assert!(is_mismatch(check(&r, "another secret")));
                cases += 1;

                // Only vary a few tamperings per request: enough to cover every part.
                let mut m = r.clone();
                m.method = if *method == "GET" {
                    "HEAD".into()
                } else {
                    "GET".into()
                };
                assert!(is_mismatch(check(&m, SECRET)), "method");

                let mut m = r.clone();
                m.path.push('x');
                assert!(is_mismatch(check(&m, SECRET)), "path {path}");

                if !query.is_empty() {
                    let mut m = r.clone();
                    m.query.push_str("&extra=1");
                    assert!(is_mismatch(check(&m, SECRET)), "query {query}");
                }

                let mut m = r.clone();
                m.set_header("range", "bytes=0-100");
                assert!(is_mismatch(check(&m, SECRET)), "header");
            }
        }
    }
    assert_eq!(cases, METHODS.len() * PATHS.len() * QUERIES.len());
}

#[test]
fn each_signed_part_is_covered() {
    let r = sign(
        &base("PUT", "/bucket/key", "partNumber=1&uploadId=abc"),
        EMPTY_SHA256_HEX,
        &params(NOW),
    );
    check(&r, SECRET).unwrap();
    let tamper = |f: &dyn Fn(&mut OwnedRequest)| {
        let mut m = r.clone();
        f(&mut m);
        check(&m, SECRET)
    };
    assert!(is_mismatch(tamper(&|m| m.method = "POST".into())));
    assert!(is_mismatch(tamper(&|m| m.path = "/bucket/key2".into())));
    assert!(is_mismatch(tamper(&|m| m.path = "/bucket/Key".into())));
    assert!(is_mismatch(tamper(
        &|m| m.query = "partNumber=2&uploadId=abc".into()
    )));
    assert!(is_mismatch(tamper(&|m| m.query = "partNumber=1".into())));
    assert!(is_mismatch(tamper(
        &|m| m.set_header("host", "other.example.com")
    )));
    assert!(is_mismatch(tamper(
        &|m| m.set_header("x-amz-meta-note", "changed")
    )));
    assert!(is_mismatch(
        tamper(&|m| m.remove_header("x-amz-meta-multi"))
    ));
    assert!(is_mismatch(tamper(&|m| m
        .headers
        .push(("x-amz-meta-multi".into(), b"three".to_vec())))));
    // Another time in the same day and within the skew: still a different signature.
    assert!(is_mismatch(tamper(
        &|m| m.set_header("x-amz-date", "20240229T235958Z")
    )));
    // A different (valid) payload hash.
    assert!(is_mismatch(tamper(
        &|m| m.set_header("x-amz-content-sha256", UNSIGNED_PAYLOAD)
    )));
    // Cosmetic differences a proxy may introduce do not matter.
    check(
        &{
            let mut m = r.clone();
            m.set_header("x-amz-meta-note", "spaced out value");
            m
        },
        SECRET,
    )
    .unwrap();
    check(
        &{
            let mut m = r.clone();
            m.query = "uploadId=abc&partNumber=1".into();
            m
        },
        SECRET,
    )
    .unwrap();
    // Unsigned headers may come and go.
    check(
        &{
            let mut m = r.clone();
            m.headers.push(("user-agent".into(), b"curl".to_vec()));
            m
        },
        SECRET,
    )
    .unwrap();
}

#[test]
fn verified_auth_feeds_chunk_signing() {
    let r = sign(
        &base("PUT", "/bucket/key", ""),
        STREAMING_SIGNED,
        &params(NOW),
    );
    let verified = check(&r, SECRET).unwrap();
    let h = r.header_refs();
    let signed = sign_request(
        &base("PUT", "/bucket/key", "").parts(&h[..6]),
        STREAMING_SIGNED,
        &params(NOW),
    )
    .unwrap();
    assert_eq!(hex::encode(verified.seed_signature), signed.signature);
    assert_eq!(
        verified.signing_key.as_bytes(),
        signed.signing_key.as_bytes()
    );
    assert_eq!(verified.amz_date, NOW);
    assert_eq!(
        verified.scope,
        CredentialScope::new("20240229", "eu-west-3", "s3")
    );
}

#[test]
fn session_token_is_signed_and_reported() {
    let p = SigningParams {
        session_token: Some("FwoGZXIvYXdzEP//token+/="),
        ..params(NOW)
    };
    let r = sign(&base("GET", "/bucket/key", ""), EMPTY_SHA256_HEX, &p);
    let h = r.header_refs();
    let parts = r.parts(&h);
    let auth = parse_auth(&parts).unwrap().unwrap();
    assert_eq!(
        auth.security_token.as_deref(),
        Some("FwoGZXIvYXdzEP//token+/=")
    );
    assert!(
        auth.signed_headers
            .iter()
            .any(|h| h == "x-amz-security-token")
    );
    check(&r, SECRET).unwrap();
    let mut m = r.clone();
    m.set_header("x-amz-security-token", "other");
    assert!(is_mismatch(check(&m, SECRET)));
}

/// In S3 a `+` in the query is a literal plus (`%2B` in the canonical query), and a space
/// is `%20`. SDKs always send `%20` for a space and `%2B` for a plus; a hand-written URL
/// with a raw `+` is signed by our client (and botocore) as a plus.
#[test]
fn plus_in_query_is_a_literal_plus() {
    assert_eq!(canonical_query("prefix=a+b", None), "prefix=a%2Bb");
    assert_eq!(canonical_query("prefix=a%2Bb", None), "prefix=a%2Bb");
    assert_eq!(canonical_query("prefix=a%20b", None), "prefix=a%20b");
    for query in [
        "prefix=a+b",
        "prefix=a%2Bb",
        "prefix=a%20b",
        "prefix=a%20b+c%2B",
    ] {
        let r = sign(
            &base("GET", "/bucket", query),
            EMPTY_SHA256_HEX,
            &params(NOW),
        );
        check(&r, SECRET).unwrap();
    }
    // A client that signed `+` as a space does not verify: the plus would otherwise mean
    // two things to the signature and to the handler.
    let r = sign(
        &base("GET", "/bucket", "prefix=a%20b"),
        EMPTY_SHA256_HEX,
        &params(NOW),
    );
    let mut m = r.clone();
    m.query = "prefix=a+b".into();
    assert!(is_mismatch(check(&m, SECRET)));
    // Encoded and raw forms of the same characters are equivalent.
    let r = sign(
        &base("GET", "/bucket", "prefix=%7Ea%2Fb"),
        EMPTY_SHA256_HEX,
        &params(NOW),
    );
    let mut m = r.clone();
    m.query = "prefix=~a/b".into();
    check(&m, SECRET).unwrap();
}

#[test]
fn date_header_instead_of_x_amz_date() {
    // Clients may sign the HTTP Date header instead of x-amz-date; the string to sign
    // then carries the same instant in ISO 8601 basic form.
    let r = OwnedRequest::new("GET", "/bucket/key")
        .header("host", "s3.example.com")
        .header("date", "Thu, 29 Feb 2024 23:59:59 GMT")
        .header("x-amz-content-sha256", UNSIGNED_PAYLOAD);
    let h = r.header_refs();
    let parts = r.parts(&h);
    let signed = normalize_signed_headers("date;host;x-amz-content-sha256").unwrap();
    let scope = CredentialScope::new("20240229", "eu-west-3", "s3");
    let creq = CanonicalRequest::new(&parts, &signed, UNSIGNED_PAYLOAD, false);
    let sts = string_to_sign(NOW, &scope, creq.as_bytes());
    let sig = hex::encode(SigningKey::derive(SECRET, &scope).sign(sts.as_bytes()));
    let r = r.header(
        "authorization",
        &format!("AWS4-HMAC-SHA256 Credential={AKID}/{scope}, SignedHeaders=date;host;x-amz-content-sha256, Signature={sig}"),
    );
    let h = r.header_refs();
    let parts = r.parts(&h);
    let auth = parse_auth(&parts).unwrap().unwrap();
    assert_eq!(auth.amz_date, NOW);
    assert_eq!(auth.request_time, t(NOW));
    verify(&parts, &auth, SECRET, t(NOW), "eu-west-3").unwrap();
}

#[test]
fn presigned_round_trips_and_tampering_fails() {
    for path in PATHS {
        for query in QUERIES {
            let r = base("GET", path, query);
            let h = r.header_refs();
            let host_only = &h[..1];
            let url = presign_url(&r.parts(host_only), 3600, &params(NOW)).unwrap();
            let mut signed = OwnedRequest::new("GET", path)
                .header("host", "bucket.s3.eu-west-3.example.com:9000");
            signed.query = url.raw_query.clone();
            check(&signed, SECRET).unwrap_or_else(|e| panic!("{path}?{query}: {e:?}"));
            assert!(is_mismatch(check(&signed, "nope")));

            let mut m = signed.clone();
            m.path.push('x');
            assert!(is_mismatch(check(&m, SECRET)));
            let mut m = signed.clone();
            m.query = m
                .query
                .replacen("X-Amz-Expires=3600", "X-Amz-Expires=3601", 1);
            assert!(is_mismatch(check(&m, SECRET)));
            let mut m = signed.clone();
            m.set_header("host", "evil.example.com");
            assert!(is_mismatch(check(&m, SECRET)));
            let mut m = signed.clone();
            m.method = "DELETE".into();
            assert!(is_mismatch(check(&m, SECRET)));
            if !query.is_empty() {
                let mut m = signed.clone();
                m.query = format!("z=1&{}", m.query);
                assert!(is_mismatch(check(&m, SECRET)));
            }
        }
    }
}

#[test]
fn presigned_with_signed_headers_and_token() {
    let p = SigningParams {
        session_token: Some("tok/en+=="),
        ..params(NOW)
    };
    let r = OwnedRequest::new("PUT", "/bucket/key")
        .header("host", "s3.example.com")
        .header("x-amz-acl", "private")
        .header("content-type", "text/plain");
    let h = r.header_refs();
    let url = presign_url(&r.parts(&h), 60, &p).unwrap();
    let mut signed = r.clone();
    signed.query = url.raw_query.clone();
    let h = signed.header_refs();
    let auth = parse_auth(&signed.parts(&h)).unwrap().unwrap();
    assert_eq!(auth.security_token.as_deref(), Some("tok/en+=="));
    assert_eq!(auth.signed_headers, ["content-type", "host", "x-amz-acl"]);
    assert_eq!(auth.method, AuthMethod::Presigned { expires_secs: 60 });
    check(&signed, SECRET).unwrap();

    let mut m = signed.clone();
    m.set_header("x-amz-acl", "public-read");
    assert!(is_mismatch(check(&m, SECRET)));
    // An x-amz-* header the URL did not sign is refused outright.
    let mut m = signed.clone();
    m.headers.push(("x-amz-tagging".into(), b"a=b".to_vec()));
    assert_eq!(
        check(&m, SECRET).unwrap_err(),
        SigV4Error::HeadersNotSigned {
            headers: vec!["x-amz-tagging".into()]
        }
    );
    // …except x-amz-content-sha256, whose value the canonical request covers.
    let mut m = signed.clone();
    m.headers.push((
        "x-amz-content-sha256".into(),
        UNSIGNED_PAYLOAD.as_bytes().to_vec(),
    ));
    check(&m, SECRET).unwrap();
    let mut m = signed.clone();
    m.headers.push((
        "x-amz-content-sha256".into(),
        EMPTY_SHA256_HEX.as_bytes().to_vec(),
    ));
    assert!(is_mismatch(check(&m, SECRET)));
    // The URL works until it expires.
    let h = signed.header_refs();
    let parts = signed.parts(&h);
    let auth = parse_auth(&parts).unwrap().unwrap();
    assert!(
        verify(
            &parts,
            &auth,
            SECRET,
            t(NOW) + Duration::from_secs(60),
            "eu-west-3"
        )
        .is_ok()
    );
    assert!(matches!(
        verify(
            &parts,
            &auth,
            SECRET,
            t(NOW) + Duration::from_secs(61),
            "eu-west-3"
        ),
        Err(SigV4Error::RequestExpired { .. })
    ));
}

#[test]
fn signer_rejects_impossible_requests() {
    let r = OwnedRequest::new("GET", "/").header("x-amz-meta-a", "b");
    let h = r.header_refs();
    assert!(
        sign_request(&r.parts(&h), UNSIGNED_PAYLOAD, &params(NOW)).is_err(),
        "no host"
    );
    assert!(
        presign_url(&r.parts(&h), 60, &params(NOW)).is_err(),
        "no host"
    );
    let r = OwnedRequest::new("GET", "/").header("host", "h");
    let h = r.header_refs();
    assert!(presign_url(&r.parts(&h), 0, &params(NOW)).is_err());
    assert!(presign_url(&r.parts(&h), 604_801, &params(NOW)).is_err());
    assert!(presign_url(&r.parts(&h), 604_800, &params(NOW)).is_ok());
}
