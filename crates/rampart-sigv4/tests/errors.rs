//! Every way authentication fails, with the error S3 would return.

mod common;

use std::time::Duration;

use common::*;
use rampart_sigv4::*;

const NOW: &str = "20130524T000000Z";
const SIG: &str = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

/// S3's documented GET Object request (valid as is).
fn doc_get() -> OwnedRequest {
    OwnedRequest::new("GET", "/test.txt")
        .header("host", "examplebucket.s3.amazonaws.com")
        .header("range", "bytes=0-9")
        .header("x-amz-content-sha256", EMPTY_SHA256_HEX)
        .header("x-amz-date", NOW)
        .header("authorization", &auth_header(&format!("Credential={S3_DOC_AKID}/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature={SIG}")))
}

fn auth_header(rest: &str) -> String {
    format!("AWS4-HMAC-SHA256 {rest}")
}

fn parse(r: &OwnedRequest) -> Result<Option<ParsedAuth>, SigV4Error> {
    let h = r.header_refs();
    parse_auth(&r.parts(&h))
}

fn parse_err(r: &OwnedRequest) -> SigV4Error {
    parse(r).expect_err("parse_auth must fail")
}

fn verify_at(
    r: &OwnedRequest,
    now: std::time::SystemTime,
    region: &str,
) -> Result<VerifiedAuth, SigV4Error> {
    let h = r.header_refs();
    let p = r.parts(&h);
    let auth = parse_auth(&p)?.expect("credentials");
    verify(&p, &auth, S3_DOC_SECRET, now, region)
}

fn with_auth(value: &str) -> OwnedRequest {
    let mut r = doc_get();
    r.set_header("authorization", value);
    r
}

fn malformed_message(e: SigV4Error) -> String {
    match e {
        SigV4Error::AuthorizationHeaderMalformed { message, .. } => message,
        other => panic!("expected AuthorizationHeaderMalformed, got {other:?}"),
    }
}

fn query_message(e: SigV4Error) -> String {
    match e {
        SigV4Error::AuthorizationQueryParametersError { message, .. } => message,
        other => panic!("expected AuthorizationQueryParametersError, got {other:?}"),
    }
}

#[test]
fn anonymous_requests_have_no_credentials() {
    let r = OwnedRequest::new("GET", "/bucket/key?versionId=1").header("host", "h");
    assert_eq!(parse(&r).unwrap(), None);
    // Unrelated X-Amz-* parameters do not make a request presigned.
    let r = OwnedRequest::new("GET", "/?X-Amz-Expires=5&x-amz-algorithm=x").header("host", "h");
    assert_eq!(parse(&r).unwrap(), None);
}

#[test]
fn the_documented_request_is_valid() {
    verify_at(&doc_get(), t(NOW), "us-east-1").unwrap();
}

#[test]
fn header_spacing_is_tolerated() {
    let cred = format!("Credential={S3_DOC_AKID}/20130524/us-east-1/s3/aws4_request");
    let sh = "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date";
    let sig = format!("Signature={SIG}");
    for value in [
        format!("AWS4-HMAC-SHA256 {cred},{sh},{sig}"),
        format!("AWS4-HMAC-SHA256 {cred}, {sh}, {sig}"),
        format!("AWS4-HMAC-SHA256   {cred} ,  {sh} ,{sig}  "),
        format!("AWS4-HMAC-SHA256\t{cred},\t{sh},{sig}"),
        format!("AWS4-HMAC-SHA256 {sig}, {sh}, {cred}"),
        format!("AWS4-HMAC-SHA256 {cred}, {sh}, {sig},"),
    ] {
        verify_at(&with_auth(&value), t(NOW), "us-east-1")
            .unwrap_or_else(|e| panic!("{value}: {e:?}"));
    }
}

#[test]
fn two_mechanisms_are_refused() {
    let mut r = doc_get();
    r.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256".into();
    assert_eq!(parse_err(&r), SigV4Error::MultipleAuthMechanisms);
    assert_eq!(parse_err(&r).to_string(), MSG_ONE_AUTH_MECHANISM);
    r.query = "Signature=abc".into();
    assert_eq!(parse_err(&r), SigV4Error::MultipleAuthMechanisms);
    let r = OwnedRequest::new(
        "GET",
        "/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&AWSAccessKeyId=A&Signature=s",
    )
    .header("host", "h");
    assert_eq!(parse_err(&r), SigV4Error::MultipleAuthMechanisms);
}

#[test]
fn sigv2_is_not_supported() {
    let r = with_auth("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=");
    assert_eq!(parse_err(&r), SigV4Error::UnsupportedSignatureVersion);
    assert_eq!(
        parse_err(&r).to_string(),
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
    );
    let r = OwnedRequest::new(
        "GET",
        "/k?AWSAccessKeyId=AKIA&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D",
    )
    .header("host", "h");
    assert_eq!(parse_err(&r), SigV4Error::UnsupportedSignatureVersion);
}

#[test]
fn other_schemes() {
    assert_eq!(
        parse_err(&with_auth("Bearer abc")),
        SigV4Error::UnsupportedAuthorizationType {
            value: "Bearer abc".into()
        }
    );
    assert!(matches!(
        parse_err(&with_auth("")),
        SigV4Error::UnsupportedAuthorizationType { .. }
    ));
    assert!(matches!(
        parse_err(&with_auth("aws4-hmac-sha256 Credential=x")),
        SigV4Error::UnsupportedAuthorizationType { .. }
    ));
    assert_eq!(
        parse_err(&with_auth(
            "AWS4-ECDSA-P256-SHA256 Credential=A/20130524/s3/aws4_request, SignedHeaders=host, Signature=00"
        )),
        SigV4Error::SigV4aNotSupported
    );
    let mut r = doc_get();
    r.headers
        .push(("authorization".into(), b"AWS4-HMAC-SHA256 x".to_vec()));
    assert!(matches!(
        parse_err(&r),
        SigV4Error::AuthorizationHeaderMalformed { .. }
    ));
    let mut r = doc_get();
    r.set_header("authorization", "x");
    r.headers.last_mut().unwrap().1 = vec![0xff, 0xfe];
    assert!(matches!(
        parse_err(&r),
        SigV4Error::UnsupportedAuthorizationType { .. }
    ));
}

#[test]
fn malformed_authorization_headers() {
    let cred = "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
    let sh = "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date";
    let sig = format!("Signature={SIG}");
    let three = "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.";
    let bad_cred = "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
    for (value, expected) in [
        (auth_header(""), three.to_owned()),
        (auth_header(&format!("{cred}, {sh}")), three.to_owned()),
        (auth_header(&format!("{sh}, {sig}")), three.to_owned()),
        (auth_header(&format!("{cred}, {sig}")), three.to_owned()),
        (
            auth_header(&format!("{cred}, {sh}, {sig}, Foo=bar")),
            "The authorization header is malformed; the authorization component \"Foo=bar\" is malformed.".into(),
        ),
        (
            auth_header(&format!("{cred}, {sh}, {sig}, {sig}")),
            format!("The authorization header is malformed; the authorization component \"{sig}\" is duplicated."),
        ),
        // A missing comma swallows the next component into the previous one.
        (auth_header(&format!("{cred} {sh}, {sig}")), three.to_owned()),
        (
            auth_header(&format!("Credential, {sh}, {sig}")),
            "The authorization header is malformed; the authorization component \"Credential\" is malformed.".into(),
        ),
        (auth_header(&format!("Credential=AKID/20130524/us-east-1/s3, {sh}, {sig}")), bad_cred.into()),
        (auth_header(&format!("Credential=/20130524/us-east-1/s3/aws4_request, {sh}, {sig}")), bad_cred.into()),
        (auth_header(&format!("Credential=AKID/2013-05-24/us-east-1/s3/aws4_request, {sh}, {sig}")), bad_cred.into()),
        (
            auth_header(&format!("Credential=AKID/20130524/us-east-1/s3/aws5_request, {sh}, {sig}")),
            "The authorization header is malformed; incorrect terminal \"aws5_request\". This endpoint uses \"aws4_request\".".into(),
        ),
        (
            auth_header(&format!("{cred}, SignedHeaders=, {sig}")),
            "The authorization header is malformed; the SignedHeaders component is malformed.".into(),
        ),
        (
            auth_header(&format!("{cred}, SignedHeaders=range;x-amz-date, {sig}")),
            "The authorization header is malformed; the SignedHeaders must include host.".into(),
        ),
        (
            auth_header(&format!("Credential=AKID/20130525/us-east-1/s3/aws4_request, {sh}, {sig}")),
            "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.".into(),
        ),
    ] {
        assert_eq!(malformed_message(parse_err(&with_auth(&value))), expected, "{value}");
    }
}

#[test]
fn request_dates() {
    let mut r = doc_get();
    r.remove_header("x-amz-date");
    assert_eq!(parse_err(&r), SigV4Error::MissingDate);
    assert_eq!(
        parse_err(&r).to_string(),
        "AWS authentication requires a valid Date or x-amz-date header"
    );
    for bad in [
        "",
        "2013-05-24T00:00:00Z",
        "20130524",
        "20130524T250000Z",
        "yesterday",
    ] {
        let mut r = doc_get();
        r.set_header("x-amz-date", bad);
        assert_eq!(parse_err(&r), SigV4Error::MissingDate, "{bad}");
    }
    // The Date header is the fallback: it parses and dates the request.
    let mut r = doc_get();
    r.set_header("x-amz-date", "");
    r.remove_header("x-amz-date");
    r.set_header("date", "Fri, 24 May 2013 00:00:00 GMT");
    let auth = parse(&r).unwrap().unwrap();
    assert_eq!(auth.amz_date, NOW);
    r.set_header("date", "not a date");
    assert_eq!(parse_err(&r), SigV4Error::MissingDate);
    // x-amz-date wins over Date.
    let mut r = doc_get();
    r.set_header("date", "Sat, 25 May 2013 00:00:00 GMT");
    assert_eq!(parse(&r).unwrap().unwrap().amz_date, NOW);
}

#[test]
fn content_sha256_rules() {
    let mut r = doc_get();
    r.remove_header("x-amz-content-sha256");
    assert_eq!(parse_err(&r), SigV4Error::MissingContentSha256);
    assert_eq!(
        parse_err(&r).to_string(),
        "Missing required header for this request: x-amz-content-sha256"
    );
    for (value, mode) in [
        (UNSIGNED_PAYLOAD, PayloadMode::Unsigned),
        (STREAMING_SIGNED, PayloadMode::StreamingSigned),
        (
            STREAMING_SIGNED_TRAILER,
            PayloadMode::StreamingSignedTrailer,
        ),
        (
            STREAMING_UNSIGNED_TRAILER,
            PayloadMode::StreamingUnsignedTrailer,
        ),
        (EMPTY_SHA256_HEX, PayloadMode::Sha256(sha256(b""))),
    ] {
        let mut r = doc_get();
        r.set_header("x-amz-content-sha256", value);
        assert_eq!(parse(&r).unwrap().unwrap().payload, mode);
    }
    for sigv4a in [
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
    ] {
        let mut r = doc_get();
        r.set_header("x-amz-content-sha256", sigv4a);
        assert_eq!(parse_err(&r), SigV4Error::SigV4aNotSupported);
    }
    for bad in [
        "",
        "abc",
        "unsigned-payload",
        "STREAMING-UNSIGNED-PAYLOAD",
        &"0".repeat(63),
        &"g".repeat(64),
    ] {
        let mut r = doc_get();
        r.set_header("x-amz-content-sha256", bad);
        let e = parse_err(&r);
        assert_eq!(
            e,
            SigV4Error::InvalidContentSha256 {
                value: bad.to_owned()
            }
        );
        assert!(
            e.to_string()
                .starts_with("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-")
        );
        assert!(e.to_string().ends_with("or a valid sha256 value."));
    }
    let mut r = doc_get();
    r.headers.push((
        "x-amz-content-sha256".into(),
        UNSIGNED_PAYLOAD.as_bytes().to_vec(),
    ));
    assert!(matches!(
        parse_err(&r),
        SigV4Error::InvalidContentSha256 { .. }
    ));
}

#[test]
fn clock_skew() {
    let r = doc_get();
    let base = t(NOW);
    let fifteen = Duration::from_secs(900);
    // Exactly 15 minutes either way is accepted.
    for now in [base + fifteen, base - fifteen] {
        assert!(verify_at(&r, now, "us-east-1").is_ok());
    }
    for now in [
        base + fifteen + Duration::from_secs(1),
        base - fifteen - Duration::from_secs(1),
    ] {
        let e = verify_at(&r, now, "us-east-1").unwrap_err();
        assert!(
            matches!(&e, SigV4Error::RequestTimeTooSkewed { request_time, max_allowed_skew_ms: 900_000, .. } if request_time == NOW)
        );
        assert_eq!(
            e.to_string(),
            "The difference between the request time and the current time is too large."
        );
    }
    match verify_at(&r, base + Duration::from_secs(3600), "us-east-1").unwrap_err() {
        SigV4Error::RequestTimeTooSkewed { server_time, .. } => {
            assert_eq!(server_time, "2013-05-24T01:00:00Z")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_region() {
    let e = verify_at(&doc_get(), t(NOW), "eu-west-1").unwrap_err();
    assert_eq!(
        e,
        SigV4Error::AuthorizationHeaderMalformed {
            message: "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'".into(),
            region: Some("eu-west-1".into()),
        }
    );
}

#[test]
fn service_is_not_checked() {
    // The server dispatches s3/iam/sts on the scope's service: a wrong one only changes
    // the signing key, hence the signature.
    let r = with_auth(&auth_header(&format!(
        "Credential={S3_DOC_AKID}/20130524/us-east-1/iam/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature={SIG}"
    )));
    assert_eq!(parse(&r).unwrap().unwrap().scope.service, "iam");
    assert!(matches!(
        verify_at(&r, t(NOW), "us-east-1"),
        Err(SigV4Error::SignatureDoesNotMatch { .. })
    ));
}

#[test]
fn signature_mismatch_carries_debug_data() {
    let mut r = doc_get();
    r.set_header("range", "bytes=0-10");
    match verify_at(&r, t(NOW), "us-east-1").unwrap_err() {
        e @ SigV4Error::SignatureDoesNotMatch { .. } => {
            assert_eq!(
                e.to_string(),
                "The request signature we calculated does not match the signature you provided. Check your key and signing method."
            );
            let SigV4Error::SignatureDoesNotMatch {
                access_key_id,
                signature_provided,
                string_to_sign,
                canonical_request,
            } = e
            else {
                unreachable!()
            };
            assert_eq!(access_key_id, S3_DOC_AKID);
            assert_eq!(signature_provided, SIG);
            assert!(string_to_sign.starts_with(
                "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            ));
            assert!(canonical_request.contains("\nrange:bytes=0-10\n"));
        }
        other => panic!("{other:?}"),
    }
    // Malformed signatures are mismatches too; an uppercase-hex one is the same signature.
    for bad in ["", "abc", &SIG[..63], &format!("{SIG}00"), &"z".repeat(64)] {
        let r = with_auth(&auth_header(&format!(
            "Credential={S3_DOC_AKID}/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature={bad}"
        )));
        assert!(
            matches!(
                verify_at(&r, t(NOW), "us-east-1"),
                Err(SigV4Error::SignatureDoesNotMatch { .. })
            ),
            "{bad}"
        );
    }
    let r = with_auth(&auth_header(&format!(
        "Credential={S3_DOC_AKID}/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature={}",
        SIG.to_uppercase()
    )));
    verify_at(&r, t(NOW), "us-east-1").unwrap();
}

// ---- presigned URLs ----

const PRESIGNED: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

fn presigned(query: &str) -> OwnedRequest {
    let mut r =
        OwnedRequest::new("GET", "/test.txt").header("host", "examplebucket.s3.amazonaws.com");
    r.query = query.to_owned();
    r
}

fn replace_param(name: &str, value: Option<&str>) -> OwnedRequest {
    let query = PRESIGNED
        .split('&')
        .filter_map(|kv| {
            let (k, _) = kv.split_once('=').unwrap();
            if k == name {
                value.map(|v| format!("{k}={v}"))
            } else {
                Some(kv.to_owned())
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    presigned(&query)
}

#[test]
fn presigned_missing_parameters() {
    for name in [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ] {
        let e = parse_err(&replace_param(name, None));
        assert_eq!(query_message(e), MSG_MISSING_QUERY_PARAMS, "{name}");
    }
    assert_eq!(
        MSG_MISSING_QUERY_PARAMS,
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
    );
}

#[test]
fn presigned_bad_parameters() {
    let week = "X-Amz-Expires must be less than a week (in seconds) that is 604800";
    for (name, value, expected) in [
        ("X-Amz-Expires", "604801", week),
        ("X-Amz-Expires", "99999999999999999999999999", week),
        ("X-Amz-Expires", "-1", "X-Amz-Expires must be non-negative"),
        ("X-Amz-Expires", "abc", "X-Amz-Expires should be a number"),
        ("X-Amz-Expires", "", "X-Amz-Expires should be a number"),
        ("X-Amz-Expires", "0", "X-Amz-Expires must be greater than 0"),
        (
            "X-Amz-Algorithm",
            "AWS4-HMAC-SHA1",
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
        ),
        (
            "X-Amz-Date",
            "2013-05-24T00:00:00Z",
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        ),
        (
            "X-Amz-Credential",
            "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3",
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ),
        (
            "X-Amz-Credential",
            "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4",
            "Error parsing the X-Amz-Credential parameter; incorrect terminal \"aws4\". This endpoint uses \"aws4_request\".",
        ),
        (
            "X-Amz-Credential",
            "AKIAIOSFODNN7EXAMPLE%2F20130525%2Fus-east-1%2Fs3%2Faws4_request",
            "Invalid credential date \"20130525\". This date is not the same as X-Amz-Date: \"20130524\".",
        ),
        (
            "X-Amz-SignedHeaders",
            "range",
            "X-Amz-SignedHeaders must include host.",
        ),
        (
            "X-Amz-SignedHeaders",
            "host%3B%3Brange",
            "X-Amz-SignedHeaders is malformed.",
        ),
    ] {
        let e = parse_err(&replace_param(name, Some(value)));
        assert_eq!(query_message(e), expected, "{name}={value}");
    }
    assert_eq!(
        parse_err(&replace_param(
            "X-Amz-Algorithm",
            Some("AWS4-ECDSA-P256-SHA256")
        )),
        SigV4Error::SigV4aNotSupported
    );
    let e = parse_err(&presigned(&format!(
        "{PRESIGNED}&X-Amz-Date=20130524T000000Z"
    )));
    assert_eq!(query_message(e), "X-Amz-Date is repeated.");
    // Parameter names are case-sensitive, as in S3.
    let e = parse_err(&presigned(
        &PRESIGNED.replace("X-Amz-Expires", "x-amz-expires"),
    ));
    assert_eq!(query_message(e), MSG_MISSING_QUERY_PARAMS);
}

#[test]
fn presigned_time_window() {
    let r = presigned(PRESIGNED);
    let base = t(NOW);
    verify_at(&r, base, "us-east-1").unwrap();
    verify_at(&r, base + Duration::from_secs(86_400), "us-east-1").unwrap();
    // Up to 15 minutes early is tolerated (clock skew); more is not.
    verify_at(&r, base - Duration::from_secs(900), "us-east-1").unwrap();
    let e = verify_at(&r, base - Duration::from_secs(901), "us-east-1").unwrap_err();
    assert_eq!(e.to_string(), "Request is not valid yet");
    assert!(matches!(e, SigV4Error::RequestNotYetValid { .. }));
    let e = verify_at(&r, base + Duration::from_secs(86_401), "us-east-1").unwrap_err();
    assert_eq!(e.to_string(), "Request has expired");
    assert_eq!(
        e,
        SigV4Error::RequestExpired {
            x_amz_expires: 86_400,
            expires: "2013-05-25T00:00:00Z".into(),
            server_time: "2013-05-25T00:00:01Z".into(),
        }
    );
}

#[test]
fn presigned_wrong_region() {
    let e = verify_at(&presigned(PRESIGNED), t(NOW), "eu-central-1").unwrap_err();
    assert_eq!(
        e,
        SigV4Error::AuthorizationQueryParametersError {
            message: "Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; expecting 'eu-central-1'".into(),
            region: Some("eu-central-1".into()),
        }
    );
}

#[test]
fn presigned_unsigned_amz_headers() {
    let r = presigned(PRESIGNED)
        .header("x-amz-acl", "public-read")
        .header("X-Amz-Meta-A", "b");
    let e = verify_at(&r, t(NOW), "us-east-1").unwrap_err();
    assert_eq!(
        e,
        SigV4Error::HeadersNotSigned {
            headers: vec!["x-amz-acl".into(), "x-amz-meta-a".into()]
        }
    );
    assert_eq!(
        e.to_string(),
        "There were headers present in the request which were not signed"
    );
    // Other unsigned headers are fine.
    let r = presigned(PRESIGNED)
        .header("user-agent", "curl")
        .header("range", "bytes=0-1");
    verify_at(&r, t(NOW), "us-east-1").unwrap();
}

#[test]
fn presigned_tampered_signature() {
    let r = presigned(&PRESIGNED.replace("aeeed9bb", "aeeed9bc"));
    assert!(matches!(
        verify_at(&r, t(NOW), "us-east-1"),
        Err(SigV4Error::SignatureDoesNotMatch { .. })
    ));
    // X-Amz-Signature is excluded from the canonical query, wherever it sits.
    let (rest, sig) = PRESIGNED.rsplit_once('&').unwrap();
    verify_at(&presigned(&format!("{sig}&{rest}")), t(NOW), "us-east-1").unwrap();
}

#[test]
fn presigned_with_content_sha256_header() {
    // A presigned request may carry x-amz-content-sha256; it then becomes the payload line.
    let r = presigned(PRESIGNED).header("x-amz-content-sha256", UNSIGNED_PAYLOAD);
    assert_eq!(parse(&r).unwrap().unwrap().payload, PayloadMode::Unsigned);
    verify_at(&r, t(NOW), "us-east-1").unwrap();
    let r = presigned(PRESIGNED).header("x-amz-content-sha256", "nonsense");
    assert!(matches!(
        parse_err(&r),
        SigV4Error::InvalidContentSha256 { .. }
    ));
}

#[test]
fn presigned_with_content_sha256_query_parameter() {
    // Some SDKs presign X-Amz-Content-Sha256 as a query parameter: it is then signed as
    // part of the query and is the payload line.
    let r = OwnedRequest::new("PUT", "/bucket/key").header("host", "h.example.com");
    let params = SigningParams {
        access_key_id: S3_DOC_AKID,
        secret_access_key: S3_DOC_SECRET,
        session_token: None,
        region: "us-east-1",
        service: "s3",
        time: t(NOW),
    };
    let with_param = OwnedRequest::new("PUT", "/bucket/key?X-Amz-Content-Sha256=UNSIGNED-PAYLOAD")
        .header("host", "h.example.com");
    let h2 = with_param.header_refs();
    let url = presign_url(&with_param.parts(&h2), 60, &params).unwrap();
    let mut signed = r.clone();
    signed.query = url.raw_query;
    assert_eq!(
        parse(&signed).unwrap().unwrap().payload,
        PayloadMode::Unsigned
    );
    verify_at(&signed, t(NOW), "us-east-1").unwrap();
    // A digest there is the payload the server must check.
    let mut bad = signed.clone();
    bad.query = bad.query.replace("UNSIGNED-PAYLOAD", EMPTY_SHA256_HEX);
    assert_eq!(
        parse(&bad).unwrap().unwrap().payload,
        PayloadMode::Sha256(sha256(b""))
    );
    assert!(matches!(
        verify_at(&bad, t(NOW), "us-east-1"),
        Err(SigV4Error::SignatureDoesNotMatch { .. })
    ));
    let mut bad = signed.clone();
    bad.query = bad.query.replace("UNSIGNED-PAYLOAD", "nonsense");
    assert!(matches!(
        parse_err(&bad),
        SigV4Error::InvalidContentSha256 { .. }
    ));
}
