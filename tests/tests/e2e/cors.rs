//! Bucket CORS: the configuration operations, preflight `OPTIONS` requests, and the CORS
//! headers on actual cross-origin requests.

use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use base64::Engine as _;
use md5::Digest;
use rampart_e2e::Server;
use rampart_e2e::raw::{RawRequest, RawResponse};

use crate::common::{assert_error, create_bucket, put};

const ORIGIN: &str = "https://app.example.com";
const VARY: &str = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";
const NOT_ALLOWED: &str = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";
const DISABLED: &str = "CORSResponse: CORS is not enabled for this bucket.";

/// A site rule for `https://*.example.com` and a rule that lets everyone HEAD.
fn two_rules() -> CorsConfiguration {
    let site = CorsRule::builder()
        .id("site")
        .allowed_origins("https://*.example.com")
        .allowed_methods("GET")
        .allowed_methods("PUT")
        .allowed_headers("content-type")
        .allowed_headers("x-amz-meta-*")
        .expose_headers("ETag")
        .expose_headers("x-amz-version-id")
        .max_age_seconds(600)
        .build()
        .unwrap();
    let everyone = CorsRule::builder()
        .allowed_origins("*")
        .allowed_methods("HEAD")
        .build()
        .unwrap();
    CorsConfiguration::builder()
        .cors_rules(site)
        .cors_rules(everyone)
        .build()
        .unwrap()
}

async fn bucket_with_rules(server: &Server, tag: &str) -> String {
    let s3 = server.client();
    let bucket = create_bucket(&s3, tag).await;
    s3.put_bucket_cors()
        .bucket(&bucket)
        .cors_configuration(two_rules())
        .send()
        .await
        .unwrap();
    bucket
}

/// An unauthenticated OPTIONS with the given `Origin`, `Access-Control-Request-Method` and
/// `Access-Control-Request-Headers`.
async fn preflight(
    server: &Server,
    path: &str,
    origin: Option<&str>,
    method: Option<&str>,
    headers: Option<&str>,
) -> RawResponse {
    let mut req = RawRequest::new("OPTIONS", path);
    for (name, value) in [
        ("origin", origin),
        ("access-control-request-method", method),
        ("access-control-request-headers", headers),
    ] {
        if let Some(value) = value {
            req = req.header(name, value);
        }
    }
    req.send(server.port).await
}

/// The response's CORS headers, sorted by name.
fn cors_headers(resp: &RawResponse) -> Vec<(String, String)> {
    let mut out: Vec<_> = resp
        .headers
        .iter()
        .filter(|(n, _)| n.starts_with("access-control-") || n == "vary")
        .cloned()
        .collect();
    out.sort();
    out
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<_> = expected
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    out.sort();
    out
}

/// The headers the site rule grants `ORIGIN`.
fn site_headers(extra: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    let mut all = vec![
        ("access-control-allow-origin", ORIGIN),
        ("access-control-allow-methods", "GET, PUT"),
        ("access-control-expose-headers", "ETag, x-amz-version-id"),
        ("access-control-max-age", "600"),
        ("access-control-allow-credentials", "true"),
        ("vary", VARY),
    ];
    all.extend_from_slice(extra);
    pairs(&all)
}

#[track_caller]
fn assert_forbidden(resp: &RawResponse, message: &str, method: &str, resource_type: &str) {
    resp.assert_error(403, "AccessForbidden");
    // The error document escapes the apostrophe.
    let sent = resp.element("Message").map(|m| m.replace("&apos;", "'"));
    assert_eq!(sent.as_deref(), Some(message));
    assert_eq!(resp.element("Method").as_deref(), Some(method));
    assert_eq!(resp.element("ResourceType").as_deref(), Some(resource_type));
    assert!(cors_headers(resp).is_empty(), "{:?}", resp.headers);
}

#[tokio::test]
async fn put_get_delete_configuration() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "corscfg").await;
    assert_error(
        s3.get_bucket_cors().bucket(&bucket).send().await,
        "NoSuchCORSConfiguration",
        404,
    );
    let raw = RawRequest::new("GET", &format!("/{bucket}"))
        .query("cors")
        .sign(server.port, None)
        .send(server.port)
        .await;
    raw.assert_error(404, "NoSuchCORSConfiguration");
    assert_eq!(
        raw.element("Message").as_deref(),
        Some("The CORS configuration does not exist")
    );
    assert_eq!(raw.element("BucketName"), Some(bucket.clone()));

    s3.put_bucket_cors()
        .bucket(&bucket)
        .cors_configuration(two_rules())
        .send()
        .await
        .unwrap();
    let got = s3.get_bucket_cors().bucket(&bucket).send().await.unwrap();
    assert_eq!(got.cors_rules(), two_rules().cors_rules());

    // Refused configurations leave the stored one in place.
    let empty = CorsConfiguration::builder()
        .set_cors_rules(Some(vec![]))
        .build()
        .unwrap();
    let method = CorsConfiguration::builder()
        .cors_rules(
            CorsRule::builder()
                .allowed_origins("*")
                .allowed_methods("PATCH")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let wildcards = CorsConfiguration::builder()
        .cors_rules(
            CorsRule::builder()
                .allowed_origins("https://*.example.*")
                .allowed_methods("GET")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    for (config, code) in [
        (empty, "MalformedXML"),
        (method, "InvalidRequest"),
        (wildcards, "InvalidRequest"),
    ] {
        let result = s3
            .put_bucket_cors()
            .bucket(&bucket)
            .cors_configuration(config)
            .send()
            .await;
        assert_error(result, code, 400);
    }
    let got = s3.get_bucket_cors().bucket(&bucket).send().await.unwrap();
    assert_eq!(got.cors_rules().len(), 2);

    s3.delete_bucket_cors()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_error(
        s3.get_bucket_cors().bucket(&bucket).send().await,
        "NoSuchCORSConfiguration",
        404,
    );
    // Deleting an absent configuration succeeds.
    let raw = RawRequest::new("DELETE", &format!("/{bucket}"))
        .query("cors")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(raw.status, 204, "{}", raw.text());
}

#[tokio::test]
async fn put_needs_an_integrity_check_and_valid_xml() {
    let server = Server::start();
    let bucket = create_bucket(&server.client(), "corsmd5").await;
    let body = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
                <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
    let put = |md5: Option<String>, body: &str| {
        let mut req = RawRequest::new("PUT", &format!("/{bucket}"))
            .query("cors")
            .body(body.to_owned());
        if let Some(md5) = md5 {
            req = req.header("content-md5", &md5);
        }
        req.sign(server.port, None)
    };
    let md5 = |b: &str| base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(b));
    put(None, body)
        .send(server.port)
        .await
        .assert_error(400, "InvalidRequest");
    put(Some(md5("other")), body)
        .send(server.port)
        .await
        .assert_error(400, "BadDigest");
    for bad in [
        "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>",
        "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
    ] {
        put(Some(md5(bad)), bad)
            .send(server.port)
            .await
            .assert_error(400, "MalformedXML");
    }
    let method = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
                  <AllowedMethod>OPTIONS</AllowedMethod></CORSRule></CORSConfiguration>";
    let resp = put(Some(md5(method)), method).send(server.port).await;
    resp.assert_error(400, "InvalidRequest");
    assert_eq!(
        resp.element("Message").as_deref(),
        Some("Found unsupported HTTP method in CORS config. Unsupported method is OPTIONS")
    );
    let resp = put(Some(md5(body)), body).send(server.port).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
}

#[tokio::test]
async fn preflight_requests() {
    let server = Server::start();
    let bucket = bucket_with_rules(&server, "corspre").await;
    let key = format!("/{bucket}/some/key");

    // Allowed: the requested headers come back lowercased, in the order asked.
    let resp = preflight(
        &server,
        &key,
        Some(ORIGIN),
        Some("PUT"),
        Some("Content-Type, X-Amz-Meta-Name"),
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(resp.body.is_empty());
    assert_eq!(
        cors_headers(&resp),
        site_headers(&[(
            "access-control-allow-headers",
            "content-type, x-amz-meta-name"
        )])
    );
    let bucket_path = format!("/{bucket}");
    let resp = preflight(&server, &bucket_path, Some(ORIGIN), Some("GET"), None).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(cors_headers(&resp), site_headers(&[]));
    // A rule for every origin answers `*`, without credentials; the key need not exist.
    let resp = preflight(&server, &key, Some("null"), Some("HEAD"), None).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        cors_headers(&resp),
        pairs(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-methods", "HEAD"),
            ("vary", VARY),
        ])
    );

    // Refused: origin, method, header.
    let resp = preflight(
        &server,
        &bucket_path,
        Some("https://example.org"),
        Some("GET"),
        None,
    )
    .await;
    assert_forbidden(&resp, NOT_ALLOWED, "GET", "BUCKET");
    let resp = preflight(
        &server,
        &key,
        Some("http://app.example.com"),
        Some("GET"),
        None,
    )
    .await;
    assert_forbidden(&resp, NOT_ALLOWED, "GET", "OBJECT");
    let resp = preflight(&server, &key, Some(ORIGIN), Some("DELETE"), None).await;
    assert_forbidden(&resp, NOT_ALLOWED, "DELETE", "OBJECT");
    let resp = preflight(
        &server,
        &key,
        Some(ORIGIN),
        Some("GET"),
        Some("authorization"),
    )
    .await;
    assert_forbidden(&resp, NOT_ALLOWED, "GET", "OBJECT");

    // Incomplete requests.
    let resp = preflight(&server, &key, None, Some("GET"), None).await;
    resp.assert_error(400, "BadRequest");
    assert_eq!(
        resp.element("Message").as_deref(),
        Some("Insufficient information. Origin request header needed.")
    );
    let resp = preflight(&server, &key, Some(ORIGIN), None, None).await;
    resp.assert_error(400, "BadRequest");
    assert_eq!(
        resp.element("Message").as_deref(),
        Some("Invalid Access-Control-Request-Method: null")
    );

    // A bucket without CORS, and no bucket at all.
    let plain = create_bucket(&server.client(), "corsnone").await;
    let path = format!("/{plain}/k");
    let resp = preflight(&server, &path, Some(ORIGIN), Some("GET"), None).await;
    assert_forbidden(&resp, DISABLED, "GET", "BUCKET");
    let path = format!("/{plain}");
    let resp = preflight(&server, &path, Some(ORIGIN), None, None).await;
    assert_forbidden(&resp, DISABLED, "OPTIONS", "BUCKET");
    // A preflight does not learn which buckets exist: 403, not 404.
    let resp = preflight(
        &server,
        "/no-such-bucket-cors/k",
        Some(ORIGIN),
        Some("GET"),
        None,
    )
    .await;
    assert_forbidden(&resp, "CORSResponse: Bucket not found", "GET", "BUCKET");
}

#[tokio::test]
async fn actual_requests_carry_cors_headers() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = bucket_with_rules(&server, "corsget").await;
    put(&s3, &bucket, "key", b"data").await;
    let get = |path: String, origin: Option<&'static str>| {
        let mut req = RawRequest::new("GET", &path);
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        let req = req.sign(server.port, None);
        async move { req.send(server.port).await }
    };

    let resp = get(format!("/{bucket}/key"), Some(ORIGIN)).await;
    assert_eq!((resp.status, resp.body.as_slice()), (200, &b"data"[..]));
    assert_eq!(cors_headers(&resp), site_headers(&[]));
    // Errors carry them too, including those raised before any handler (authentication).
    let resp = get(format!("/{bucket}/missing"), Some(ORIGIN)).await;
    resp.assert_error(404, "NoSuchKey");
    assert_eq!(cors_headers(&resp), site_headers(&[]));
    let resp = RawRequest::new("GET", &format!("/{bucket}/key"))
        .header("origin", ORIGIN)
        .send(server.port)
        .await;
    resp.assert_error(403, "AccessDenied");
    assert_eq!(cors_headers(&resp), site_headers(&[]));
    // No Origin, or one no rule allows for GET: no CORS headers.
    let resp = get(format!("/{bucket}/key"), None).await;
    assert_eq!(resp.status, 200);
    assert!(cors_headers(&resp).is_empty(), "{:?}", resp.headers);
    let resp = get(format!("/{bucket}/key"), Some("https://example.org")).await;
    assert_eq!(resp.status, 200);
    assert!(cors_headers(&resp).is_empty(), "{:?}", resp.headers);

    // The method matched is the one Access-Control-Request-Method announces, if any.
    let resp = RawRequest::new("GET", &format!("/{bucket}/key"))
        .header("origin", "https://example.org")
        .header("access-control-request-method", "HEAD")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("access-control-allow-origin"),
        Some("*"),
        "{:?}",
        resp.headers
    );
}

#[tokio::test]
async fn deleting_the_bucket_deletes_its_cors() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = bucket_with_rules(&server, "corsgone").await;
    s3.delete_bucket().bucket(&bucket).send().await.unwrap();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    assert_error(
        s3.get_bucket_cors().bucket(&bucket).send().await,
        "NoSuchCORSConfiguration",
        404,
    );
    let resp = preflight(
        &server,
        &format!("/{bucket}"),
        Some(ORIGIN),
        Some("GET"),
        None,
    )
    .await;
    assert_forbidden(&resp, DISABLED, "GET", "BUCKET");
}
