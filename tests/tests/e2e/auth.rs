//! SigV4 end to end: header auth, presigned URLs, aws-chunked bodies (signed, unsigned with
//! trailers, signed trailers), and the flexible checksums S3 verifies on upload.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_e2e::raw::{RawRequest, RawResponse};
use rampart_e2e::{ACCESS_KEY, REGION, SECRET_KEY, Server, bucket_name, md5_hex, pattern};
use rampart_sigv4::{
    CanonicalRequest, ChunkedMode, CredentialScope, EMPTY_SHA256_HEX, RequestParts, SigningKey,
    SigningParams, encode_aws_chunked, format_amz_date, presign_url, sha256_hex, string_to_sign,
};

fn status_and_code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> (u16, String) {
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    let code = err
        .as_service_error()
        .and_then(|e| e.code())
        .unwrap_or_default()
        .to_owned();
    (status, code)
}

/// A server with one bucket.
async fn server_with_bucket(tag: &str) -> (Server, String) {
    let server = Server::start();
    let bucket = bucket_name(tag);
    server
        .client()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    (server, bucket)
}

async fn get_raw(server: &Server, bucket: &str, key: &str) -> RawResponse {
    RawRequest::new("GET", &format!("/{bucket}/{key}"))
        .sign(server.port, None)
        .send(server.port)
        .await
}

/// Asserts that `key` does not exist (HEAD 404 through the SDK).
async fn assert_absent(server: &Server, bucket: &str, key: &str) {
    let err = server
        .client()
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect_err("the object must not exist");
    assert_eq!(status_and_code(&err).0, 404, "{err:?}");
}

// ---------------------------------------------------------------------------------------------
// Header auth

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match_and_changes_nothing() {
    let server = Server::start();
    let bad = server.client_with(ACCESS_KEY, "not-the-secret", |b| b);
    let err = bad.list_buckets().send().await.unwrap_err();
    assert_eq!(status_and_code(&err), (403, "SignatureDoesNotMatch".into()));
    let bucket = bucket_name("badsig");
    let err = bad
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_and_code(&err), (403, "SignatureDoesNotMatch".into()));
    let err = server
        .client()
        .head_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_and_code(&err).0, 404);
}

#[tokio::test]
async fn unknown_access_key_is_invalid_access_key_id() {
    let server = Server::start();
    let stranger = server.client_with("AKIANOTAREALKEY00000", SECRET_KEY, |b| b);
    let err = stranger.list_buckets().send().await.unwrap_err();
    assert_eq!(status_and_code(&err), (403, "InvalidAccessKeyId".into()));
}

#[tokio::test]
async fn anonymous_requests_are_access_denied_with_s3_xml() {
    let (server, bucket) = server_with_bucket("anon").await;
    server
        .client()
        .put_object()
        .bucket(&bucket)
        .key("k")
        .body(ByteStream::from_static(b"secret"))
        .send()
        .await
        .unwrap();
    for path in [format!("/{bucket}"), format!("/{bucket}/k"), "/".to_owned()] {
        let r = RawRequest::new("GET", &path).send(server.port).await;
        r.assert_error(403, "AccessDenied");
        assert!(r.text().starts_with("<?xml"), "{}", r.text());
        assert!(!r.text().contains("secret"));
    }
    let r = RawRequest::new("PUT", &format!("/{bucket}/anon"))
        .body("x")
        .send(server.port)
        .await;
    r.assert_error(403, "AccessDenied");
    assert_absent(&server, &bucket, "anon").await;
}

#[tokio::test]
async fn sigv2_header_is_invalid_request() {
    let server = Server::start();
    let r = RawRequest::new("GET", "/")
        .header("date", &httpdate_now())
        .header(
            "authorization",
            &format!("AWS {ACCESS_KEY}:frJIUN8DYpKDtOLCwo//yllqDzg="),
        )
        .send(server.port)
        .await;
    r.assert_error(400, "InvalidRequest");
}

#[tokio::test]
async fn sigv2_query_is_invalid_request() {
    let server = Server::start();
    let r = RawRequest::new("GET", "/")
        .query(&format!(
            "AWSAccessKeyId={ACCESS_KEY}&Expires=4102444800&Signature=frJIUN8DYpKDtOLCwo%2F%2FyllqDzg%3D"
        ))
        .send(server.port)
        .await;
    r.assert_error(400, "InvalidRequest");
}

#[tokio::test]
async fn wrong_region_in_scope_is_authorization_header_malformed_naming_ours() {
    let server = Server::start();
    let r = RawRequest::new("GET", "/")
        .sign_as(
            server.port,
            None,
            ACCESS_KEY,
            SECRET_KEY,
            SystemTime::now(),
            "eu-west-1",
        )
        .send(server.port)
        .await;
    r.assert_error(400, "AuthorizationHeaderMalformed");
    assert_eq!(r.element("Region").as_deref(), Some(REGION));
}

#[tokio::test]
async fn request_signed_twenty_minutes_ago_is_request_time_too_skewed() {
    let server = Server::start();
    let r = RawRequest::new("GET", "/")
        .sign_as(
            server.port,
            None,
            ACCESS_KEY,
            SECRET_KEY,
            SystemTime::now() - Duration::from_secs(20 * 60),
            REGION,
        )
        .send(server.port)
        .await;
    r.assert_error(403, "RequestTimeTooSkewed");
}

#[tokio::test]
async fn header_auth_without_content_sha256_is_invalid_request() {
    let server = Server::start();
    // A correctly signed request (host and x-amz-date) that simply lacks the header, as a
    // generic SigV4 signer would send it.
    let host = format!("127.0.0.1:{}", server.port);
    let amz_date = format_amz_date(SystemTime::now()).unwrap();
    let headers: Vec<(&str, &[u8])> = vec![
        ("host", host.as_bytes()),
        ("x-amz-date", amz_date.as_bytes()),
    ];
    let parts = RequestParts {
        method: "GET",
        raw_path: "/",
        raw_query: "",
        headers: &headers,
    };
    let signed = ["host".to_owned(), "x-amz-date".to_owned()];
    let canonical = CanonicalRequest::new(&parts, &signed, EMPTY_SHA256_HEX, false);
    let scope = CredentialScope::new(&amz_date[..8], REGION, "s3");
    let sts = string_to_sign(&amz_date, &scope, canonical.as_bytes());
    let signature = hex::encode(SigningKey::derive(SECRET_KEY, &scope).sign(sts.as_bytes()));
    let r = RawRequest::new("GET", "/")
        .header("x-amz-date", &amz_date)
        .header(
            "authorization",
            &format!(
                "AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, SignedHeaders=host;x-amz-date, Signature={signature}"
            ),
        )
        .send(server.port)
        .await;
    r.assert_error(400, "InvalidRequest");
}

#[tokio::test]
async fn signed_payload_hash_not_matching_body_is_rejected_and_stores_nothing() {
    let (server, bucket) = server_with_bucket("sha").await;
    let body = pattern(10_000, 1);
    let other = sha256_hex(&pattern(10_000, 2));
    let r = RawRequest::new("PUT", &format!("/{bucket}/mismatch"))
        .body(body)
        .sign(server.port, Some(&other))
        .send(server.port)
        .await;
    r.assert_error(400, "XAmzContentSHA256Mismatch");
    assert_absent(&server, &bucket, "mismatch").await;
}

fn httpdate_now() -> String {
    // RFC 7231 date without pulling in a date crate: the SigV4 crate formats ISO 8601, so
    // build the IMF-fixdate by hand from it.
    let iso = format_amz_date(SystemTime::now()).unwrap(); // 20240102T030405Z
    let (y, m, d) = (&iso[0..4], &iso[4..6], &iso[6..8]);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months[m.parse::<usize>().unwrap() - 1];
    // The weekday is not checked by anything that refuses SigV2 outright.
    format!(
        "Mon, {d} {month} {y} {}:{}:{} GMT",
        &iso[9..11],
        &iso[11..13],
        &iso[13..15]
    )
}

// ---------------------------------------------------------------------------------------------
// Presigned URLs

/// A raw request for an SDK-presigned URL (`http://host:port/path?query`).
pub fn presigned_raw(p: &aws_sdk_s3::presigning::PresignedRequest) -> RawRequest {
    let uri = p.uri();
    let after_scheme = uri.split_once("://").map_or(uri, |(_, r)| r);
    let target = &after_scheme[after_scheme.find('/').unwrap_or(after_scheme.len())..];
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut req = RawRequest::new(p.method(), path).query(query);
    for (name, value) in p.headers() {
        req = req.header(name, value);
    }
    req
}

#[tokio::test]
async fn presigned_get_and_put_urls_work() {
    let (server, bucket) = server_with_bucket("presign").await;
    let s3 = server.client();
    let data = pattern(100_000, 3);
    let put = s3
        .put_object()
        .bucket(&bucket)
        .key("via url")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).unwrap())
        .await
        .unwrap();
    let r = presigned_raw(&put)
        .body(data.clone())
        .send(server.port)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("etag"),
        Some(format!("\"{}\"", md5_hex(&data)).as_str())
    );

    let get = s3
        .get_object()
        .bucket(&bucket)
        .key("via url")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).unwrap())
        .await
        .unwrap();
    let r = presigned_raw(&get).send(server.port).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body == data, "presigned GET returned other bytes");
}

#[tokio::test]
async fn expired_presigned_url_is_access_denied_request_has_expired() {
    let (server, bucket) = server_with_bucket("expired").await;
    let s3 = server.client();
    s3.put_object()
        .bucket(&bucket)
        .key("k")
        .body(ByteStream::from_static(b"data"))
        .send()
        .await
        .unwrap();
    // Signed ten minutes ago for one minute.
    let config = PresigningConfig::builder()
        .start_time(SystemTime::now() - Duration::from_secs(600))
        .expires_in(Duration::from_secs(60))
        .build()
        .unwrap();
    let get = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .presigned(config)
        .await
        .unwrap();
    let r = presigned_raw(&get).send(server.port).await;
    r.assert_error(403, "AccessDenied");
    assert_eq!(r.element("Message").as_deref(), Some("Request has expired"));

    // And one that expires while we wait.
    let get = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(1)).unwrap())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = presigned_raw(&get).send(server.port).await;
    r.assert_error(403, "AccessDenied");
    assert_eq!(r.element("Message").as_deref(), Some("Request has expired"));
}

/// A presigned URL built with our own signer, `X-Amz-Expires` set by hand afterwards.
fn own_presigned(port: u16, path: &str, expires: u64) -> String {
    let host = format!("127.0.0.1:{port}");
    let headers: Vec<(&str, &[u8])> = vec![("host", host.as_bytes())];
    let parts = RequestParts {
        method: "GET",
        raw_path: path,
        raw_query: "",
        headers: &headers,
    };
    let params = SigningParams {
        access_key_id: ACCESS_KEY,
        secret_access_key: SECRET_KEY,
        session_token: None,
        region: REGION,
        service: "s3",
        time: SystemTime::now(),
    };
    presign_url(&parts, expires, &params).unwrap().raw_query
}

#[tokio::test]
async fn presigned_expiry_over_a_week_is_authorization_query_parameters_error() {
    let (server, bucket) = server_with_bucket("week").await;
    let path = format!("/{bucket}/k");
    let query = own_presigned(server.port, &path, 604_800);
    assert!(query.contains("X-Amz-Expires=604800"));
    let query = query.replace("X-Amz-Expires=604800", "X-Amz-Expires=604801");
    let r = RawRequest::new("GET", &path)
        .query(&query)
        .send(server.port)
        .await;
    r.assert_error(400, "AuthorizationQueryParametersError");
}

#[tokio::test]
async fn tampered_presigned_url_is_signature_does_not_match() {
    let (server, bucket) = server_with_bucket("tamper").await;
    let s3 = server.client();
    s3.put_object()
        .bucket(&bucket)
        .key("k")
        .body(ByteStream::from_static(b"data"))
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket(&bucket)
        .key("other")
        .body(ByteStream::from_static(b"other"))
        .send()
        .await
        .unwrap();
    let get = s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).unwrap())
        .await
        .unwrap();
    let good = presigned_raw(&get);
    assert_eq!(good.send(server.port).await.status, 200);

    // An added parameter, a changed signature, and the URL pointed at another key.
    let mut added = good.clone();
    added.query = format!("response-content-type=text%2Fhtml&{}", good.query);
    let mut flipped = good.clone();
    let last = flipped.query.pop().unwrap();
    flipped.query.push(if last == '0' { '1' } else { '0' });
    let mut moved = good.clone();
    moved.path = format!("/{bucket}/other");
    for tampered in [added, flipped, moved] {
        let r = tampered.send(server.port).await;
        r.assert_error(403, "SignatureDoesNotMatch");
    }
}

// ---------------------------------------------------------------------------------------------
// aws-chunked bodies

/// A PUT of `data` as an aws-chunked body in `mode`-like framing. `build` gets the signed
/// request's details (for signed modes) and returns the encoded body.
fn chunked_put(
    port: u16,
    bucket: &str,
    key: &str,
    payload: &str,
    data_len: usize,
    trailer: Option<&str>,
    build: impl FnOnce(Option<ChunkedMode>) -> Vec<u8>,
) -> RawRequest {
    let mut req = RawRequest::new("PUT", &format!("/{bucket}/{key}"))
        .header("content-encoding", "aws-chunked")
        .header("x-amz-decoded-content-length", &data_len.to_string());
    if let Some(t) = trailer {
        req = req.header("x-amz-trailer", t);
    }
    let signed = req.sign_full(
        &format!("127.0.0.1:{port}"),
        Some(payload),
        ACCESS_KEY,
        SECRET_KEY,
        SystemTime::now(),
        REGION,
    );
    let mut seed = [0u8; 32];
    hex::decode_to_slice(&signed.signature, &mut seed).unwrap();
    let mode = ChunkedMode::Signed {
        signing_key: signed.signing_key.clone(),
        seed_signature: seed,
        amz_date: signed.amz_date.clone(),
        scope: signed.scope.clone(),
        with_trailer: payload.ends_with("-TRAILER"),
    };
    let signed_mode = payload.starts_with("STREAMING-AWS4").then_some(mode);
    req.body = build(signed_mode);
    req
}

#[tokio::test]
async fn signed_aws_chunked_upload_stores_exactly_the_data() {
    let (server, bucket) = server_with_bucket("chunked").await;
    let data = pattern(200_000, 4);
    // 64 KiB chunks: three full ones and a short one, then the final empty chunk.
    let req = chunked_put(
        server.port,
        &bucket,
        "chunked",
        rampart_sigv4::STREAMING_SIGNED,
        data.len(),
        None,
        |mode| encode_aws_chunked(&mode.unwrap(), &data, 64 * 1024, &[]),
    );
    let r = req.send(server.port).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("etag"),
        Some(format!("\"{}\"", md5_hex(&data)).as_str())
    );
    let got = get_raw(&server, &bucket, "chunked").await;
    assert_eq!(got.status, 200);
    assert!(
        got.body == data,
        "stored bytes differ from the decoded body"
    );
    assert_eq!(got.header("content-length"), Some("200000"));
    // aws-chunked is the upload's framing, not the object's encoding.
    assert_eq!(got.header("content-encoding"), None);
}

#[tokio::test]
async fn tampered_signed_chunk_is_signature_does_not_match_and_stores_nothing() {
    let (server, bucket) = server_with_bucket("chunktamper").await;
    let data = pattern(150_000, 5);
    let req = chunked_put(
        server.port,
        &bucket,
        "tampered",
        rampart_sigv4::STREAMING_SIGNED,
        data.len(),
        None,
        |mode| {
            let mut body = encode_aws_chunked(&mode.unwrap(), &data, 64 * 1024, &[]);
            // A data byte of the second chunk (past the first chunk and its header line).
            let at = 64 * 1024 + 200;
            body[at] ^= 0x01;
            body
        },
    );
    let r = req.send(server.port).await;
    r.assert_error(403, "SignatureDoesNotMatch");
    assert_absent(&server, &bucket, "tampered").await;
}

fn crc32_b64(data: &[u8]) -> String {
    B64.encode((crc::reflected(data, 0xEDB8_8320, 32) as u32).to_be_bytes())
}

fn crc32c_b64(data: &[u8]) -> String {
    B64.encode((crc::reflected(data, 0x82F6_3B78, 32) as u32).to_be_bytes())
}

fn crc64nvme_b64(data: &[u8]) -> String {
    B64.encode(crc::reflected(data, 0x9A6C_9329_AC4B_C9B5, 64).to_be_bytes())
}

/// Bitwise reflected CRCs: slow, obviously right, and enough for test-sized data.
mod crc {
    pub fn reflected(data: &[u8], poly: u64, width: u32) -> u64 {
        let mask = if width == 64 {
            u64::MAX
        } else {
            (1 << width) - 1
        };
        let mut crc = mask;
        for &byte in data {
            crc ^= u64::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ poly
                } else {
                    crc >> 1
                };
            }
        }
        crc ^ mask
    }

    #[test]
    fn check_values() {
        let check = b"123456789";
        assert_eq!(reflected(check, 0xEDB8_8320, 32), 0xCBF4_3926);
        assert_eq!(reflected(check, 0x82F6_3B78, 32), 0xE306_9283);
        assert_eq!(
            reflected(check, 0x9A6C_9329_AC4B_C9B5, 64),
            0xAE8B_1486_0A79_9888
        );
    }
}

#[tokio::test]
async fn unsigned_payload_trailer_with_correct_crc32_is_stored() {
    let (server, bucket) = server_with_bucket("trailer").await;
    let data = pattern(100_000, 6);
    let crc = crc32_b64(&data);
    let req = chunked_put(
        server.port,
        &bucket,
        "trailed",
        rampart_sigv4::STREAMING_UNSIGNED_TRAILER,
        data.len(),
        Some("x-amz-checksum-crc32"),
        |_| {
            encode_aws_chunked(
                &ChunkedMode::Unsigned { with_trailer: true },
                &data,
                32 * 1024,
                &[("x-amz-checksum-crc32", &crc)],
            )
        },
    );
    let r = req.send(server.port).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-amz-checksum-crc32"), Some(crc.as_str()));
    let got = get_raw(&server, &bucket, "trailed").await;
    assert!(got.body == data);
}

#[tokio::test]
async fn unsigned_payload_trailer_with_wrong_crc32_is_bad_digest() {
    let (server, bucket) = server_with_bucket("badtrailer").await;
    let data = pattern(100_000, 7);
    let wrong = crc32_b64(b"something else");
    let req = chunked_put(
        server.port,
        &bucket,
        "trailed",
        rampart_sigv4::STREAMING_UNSIGNED_TRAILER,
        data.len(),
        Some("x-amz-checksum-crc32"),
        |_| {
            encode_aws_chunked(
                &ChunkedMode::Unsigned { with_trailer: true },
                &data,
                32 * 1024,
                &[("x-amz-checksum-crc32", &wrong)],
            )
        },
    );
    let r = req.send(server.port).await;
    r.assert_error(400, "BadDigest");
    assert_absent(&server, &bucket, "trailed").await;
}

#[tokio::test]
async fn signed_payload_trailer_is_verified() {
    let (server, bucket) = server_with_bucket("signedtrailer").await;
    let data = pattern(150_000, 8);
    let crc = crc32c_b64(&data);
    let put = |key: &str, trailer_value: String, tamper_after_signing: bool| {
        let data = data.clone();
        chunked_put(
            server.port,
            &bucket,
            key,
            rampart_sigv4::STREAMING_SIGNED_TRAILER,
            data.len(),
            Some("x-amz-checksum-crc32c"),
            move |mode| {
                let mut body = encode_aws_chunked(
                    &mode.unwrap(),
                    &data,
                    64 * 1024,
                    &[("x-amz-checksum-crc32c", &trailer_value)],
                );
                if tamper_after_signing {
                    // Change the trailer value but keep the trailer signature.
                    let text = format!("x-amz-checksum-crc32c:{trailer_value}");
                    let at = body
                        .windows(text.len())
                        .position(|w| w == text.as_bytes())
                        .unwrap();
                    let first = at + "x-amz-checksum-crc32c:".len();
                    body[first] = if body[first] == b'A' { b'B' } else { b'A' };
                }
                body
            },
        )
    };
    let r = put("good", crc.clone(), false).send(server.port).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-amz-checksum-crc32c"), Some(crc.as_str()));
    assert!(get_raw(&server, &bucket, "good").await.body == data);

    // A trailer changed in flight no longer matches its signature.
    let r = put("tampered", crc.clone(), true).send(server.port).await;
    r.assert_error(403, "SignatureDoesNotMatch");
    assert_absent(&server, &bucket, "tampered").await;

    // A correctly signed but wrong checksum.
    let r = put("wrong", crc32c_b64(b"nope"), false)
        .send(server.port)
        .await;
    r.assert_error(400, "BadDigest");
    assert_absent(&server, &bucket, "wrong").await;
}

#[tokio::test]
async fn sdk_default_put_object_round_trips_byte_exact_at_boundary_sizes() {
    let (server, bucket) = server_with_bucket("sdkput").await;
    let s3 = server.client();
    for (i, size) in [0, 1, 65_535, 65_536, 65_537, 5 * 1024 * 1024]
        .into_iter()
        .enumerate()
    {
        let data = pattern(size, 100 + i as u64);
        let key = format!("size-{size}");
        let put = s3
            .put_object()
            .bucket(&bucket)
            .key(&key)
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PUT {size} bytes: {e:?}"));
        let etag = format!("\"{}\"", md5_hex(&data));
        assert_eq!(put.e_tag(), Some(etag.as_str()), "size {size}");
        // The SDK sends a CRC32 by default; S3 echoes the verified value.
        assert_eq!(
            put.checksum_crc32(),
            Some(crc32_b64(&data).as_str()),
            "size {size}"
        );
        let got = s3
            .get_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(got.e_tag(), Some(etag.as_str()));
        assert_eq!(got.content_length(), Some(size as i64));
        let bytes = got.body.collect().await.unwrap().into_bytes();
        assert!(bytes == data, "size {size}: bytes differ");
    }
}

// ---------------------------------------------------------------------------------------------
// Checksum headers

fn sha256_b64(data: &[u8]) -> String {
    use sha2::Digest;
    B64.encode(sha2::Sha256::digest(data))
}

type ChecksumFn = fn(&[u8]) -> String;

const HEADER_CHECKSUMS: [(&str, ChecksumFn); 4] = [
    ("x-amz-checksum-sha256", sha256_b64),
    ("x-amz-checksum-crc32", crc32_b64),
    ("x-amz-checksum-crc32c", crc32c_b64),
    ("x-amz-checksum-crc64nvme", crc64nvme_b64),
];

#[tokio::test]
async fn correct_checksum_headers_are_accepted_and_echoed() {
    let (server, bucket) = server_with_bucket("cksum").await;
    let data = pattern(70_000, 9);
    for (header, f) in HEADER_CHECKSUMS {
        let value = f(&data);
        let key = format!("ok-{header}");
        let r = RawRequest::new("PUT", &format!("/{bucket}/{key}"))
            .header(header, &value)
            .body(data.clone())
            .sign(server.port, None)
            .send(server.port)
            .await;
        assert_eq!(r.status, 200, "{header}: {}", r.text());
        assert_eq!(r.header(header), Some(value.as_str()), "{header}");
        assert!(get_raw(&server, &bucket, &key).await.body == data);
    }
}

#[tokio::test]
async fn wrong_checksum_header_is_bad_digest_and_stores_nothing() {
    let (server, bucket) = server_with_bucket("badcksum").await;
    let data = pattern(70_000, 10);
    for (header, f) in HEADER_CHECKSUMS {
        let key = format!("bad-{header}");
        let r = RawRequest::new("PUT", &format!("/{bucket}/{key}"))
            .header(header, &f(b"other data"))
            .body(data.clone())
            .sign(server.port, None)
            .send(server.port)
            .await;
        r.assert_error(400, "BadDigest");
        assert_absent(&server, &bucket, &key).await;
    }
}

#[tokio::test]
async fn malformed_checksum_header_is_invalid_request() {
    let (server, bucket) = server_with_bucket("malcksum").await;
    for (header, value) in [
        ("x-amz-checksum-sha256", "not base64!"),
        ("x-amz-checksum-crc32", "AAAAAAAA"), // valid base64, wrong length
        ("x-amz-checksum-crc32c", "%%%%"),
        ("x-amz-checksum-crc64nvme", "AAAA"),
    ] {
        let key = format!("mal-{header}");
        let r = RawRequest::new("PUT", &format!("/{bucket}/{key}"))
            .header(header, value)
            .body("data")
            .sign(server.port, None)
            .send(server.port)
            .await;
        r.assert_error(400, "InvalidRequest");
        assert_absent(&server, &bucket, &key).await;
    }
}
