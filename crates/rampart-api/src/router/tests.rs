//! The routing table against S3's request shapes.
use super::*;

fn route(method: Method, host: &str, target: &str, copy: bool) -> Result<Route, ApiError> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Route::from_request(
        &method,
        host,
        path,
        &Query::parse(query).unwrap(),
        copy,
        Some("s3.example.com"),
    )
}

fn endpoint(method: Method, target: &str) -> Endpoint {
    route(method, "localhost:9000", target, false)
        .unwrap()
        .endpoint
}

#[test]
fn service_and_bucket_operations() {
    assert_eq!(endpoint(Method::GET, "/"), Endpoint::ListBuckets);
    assert_eq!(endpoint(Method::PUT, "/b1"), Endpoint::CreateBucket);
    assert_eq!(endpoint(Method::PUT, "/b1/"), Endpoint::CreateBucket);
    assert_eq!(endpoint(Method::HEAD, "/b1"), Endpoint::HeadBucket);
    assert_eq!(endpoint(Method::DELETE, "/b1"), Endpoint::DeleteBucket);
    assert_eq!(
        endpoint(Method::GET, "/b1?location"),
        Endpoint::GetBucketLocation
    );
    assert_eq!(endpoint(Method::GET, "/b1"), Endpoint::ListObjects);
    assert_eq!(
        endpoint(Method::GET, "/b1?prefix=a&delimiter=/"),
        Endpoint::ListObjects
    );
    assert_eq!(
        endpoint(Method::GET, "/b1?list-type=2"),
        Endpoint::ListObjectsV2
    );
    assert_eq!(
        endpoint(Method::POST, "/b1?delete"),
        Endpoint::DeleteObjects
    );
    assert_eq!(
        endpoint(Method::POST, "/b1?delete="),
        Endpoint::DeleteObjects
    );
    assert_eq!(endpoint(Method::GET, "/_rampart/health"), Endpoint::Health);
}

#[test]
fn object_operations() {
    assert_eq!(endpoint(Method::PUT, "/b1/k"), Endpoint::PutObject);
    assert_eq!(
        endpoint(Method::PUT, "/b1/k?x-id=PutObject"),
        Endpoint::PutObject
    );
    assert_eq!(
        route(Method::PUT, "localhost", "/b1/k", true)
            .unwrap()
            .endpoint,
        Endpoint::CopyObject
    );
    assert_eq!(endpoint(Method::GET, "/b1/k"), Endpoint::GetObject);
    assert_eq!(
        endpoint(Method::GET, "/b1/k?response-content-type=text/plain"),
        Endpoint::GetObject
    );
    assert_eq!(endpoint(Method::HEAD, "/b1/k"), Endpoint::HeadObject);
    assert_eq!(endpoint(Method::DELETE, "/b1/k"), Endpoint::DeleteObject);
    assert_eq!(
        endpoint(Method::GET, "/b1/k?versionId=null"),
        Endpoint::GetObject
    );
}

#[test]
fn keys_are_decoded_once_and_kept_verbatim() {
    let r = route(
        Method::GET,
        "localhost",
        "/b1/a%20b/c%2Bd+e/../%E2%9C%93",
        false,
    )
    .unwrap();
    assert_eq!(r.bucket.as_deref(), Some("b1"));
    assert_eq!(r.key.as_deref(), Some("a b/c+d+e/../✓"));
    let r = route(Method::GET, "localhost", "/b1//leading", false).unwrap();
    assert_eq!(r.key.as_deref(), Some("/leading"));
    assert_eq!(
        route(Method::GET, "localhost", "/b1/%FF", false)
            .unwrap_err()
            .code,
        S3ErrorCode::InvalidURI
    );
}

#[test]
fn virtual_hosted_style() {
    let r = route(
        Method::GET,
        "photos.s3.example.com:9000",
        "/2006/x.jpg",
        false,
    )
    .unwrap();
    assert_eq!(r.bucket.as_deref(), Some("photos"));
    assert_eq!(r.key.as_deref(), Some("2006/x.jpg"));
    assert_eq!(r.endpoint, Endpoint::GetObject);
    let r = route(Method::GET, "my.dotted.bucket.s3.example.com", "/", false).unwrap();
    assert_eq!(r.bucket.as_deref(), Some("my.dotted.bucket"));
    assert_eq!(r.endpoint, Endpoint::ListObjects);
    // The bare domain is path-style.
    let r = route(Method::GET, "s3.example.com", "/b1/k", false).unwrap();
    assert_eq!(r.bucket.as_deref(), Some("b1"));
    // The health path under a bucket host is an object key.
    let r = route(Method::GET, "b1.s3.example.com", "/_rampart/health", false).unwrap();
    assert_eq!(r.endpoint, Endpoint::GetObject);
}

#[test]
fn versioning_operations_route() {
    assert_eq!(
        endpoint(Method::GET, "/b1?versioning"),
        Endpoint::GetBucketVersioning
    );
    assert_eq!(
        endpoint(Method::PUT, "/b1?versioning"),
        Endpoint::PutBucketVersioning
    );
    assert_eq!(
        endpoint(Method::GET, "/b1?versions"),
        Endpoint::ListObjectVersions
    );
    assert_eq!(
        endpoint(
            Method::GET,
            "/b1?versions&prefix=a&key-marker=b&version-id-marker=c"
        ),
        Endpoint::ListObjectVersions
    );
    assert_eq!(
        endpoint(Method::DELETE, "/b1/k?versionId=abc"),
        Endpoint::DeleteObject
    );
}

#[test]
fn object_lock_operations_route() {
    for (method, target, expected) in [
        (
            Method::GET,
            "/b1?object-lock",
            Endpoint::GetObjectLockConfiguration,
        ),
        (
            Method::PUT,
            "/b1?object-lock",
            Endpoint::PutObjectLockConfiguration,
        ),
        (Method::GET, "/b1/k?retention", Endpoint::GetObjectRetention),
        (
            Method::PUT,
            "/b1/k?retention&versionId=v",
            Endpoint::PutObjectRetention,
        ),
        (
            Method::GET,
            "/b1/k?legal-hold",
            Endpoint::GetObjectLegalHold,
        ),
        (
            Method::PUT,
            "/b1/k?legal-hold",
            Endpoint::PutObjectLegalHold,
        ),
        (Method::GET, "/b1?logging", Endpoint::GetBucketLogging),
        (Method::PUT, "/b1?logging", Endpoint::PutBucketLogging),
    ] {
        assert_eq!(endpoint(method, target), expected, "{target}");
    }
}

#[test]
fn known_but_unbuilt_operations_are_501() {
    for (method, target, op) in [
        (
            Method::PUT,
            "/b1?lifecycle",
            "PutBucketLifecycleConfiguration",
        ),
        (Method::GET, "/b1?website", "GetBucketWebsite"),
        (
            Method::POST,
            "/b1/k?select&select-type=2",
            "SelectObjectContent",
        ),
        (Method::POST, "/b1/k?restore", "RestoreObject"),
    ] {
        assert_eq!(
            endpoint(method, target),
            Endpoint::NotImplemented(op),
            "{target}"
        );
    }
}

#[test]
fn multipart_tagging_cors_and_browser_uploads() {
    for (method, target, copy, expected) in [
        (
            Method::POST,
            "/b1/k?uploads",
            false,
            Endpoint::CreateMultipartUpload,
        ),
        (
            Method::PUT,
            "/b1/k?partNumber=1&uploadId=x",
            false,
            Endpoint::UploadPart,
        ),
        (
            Method::PUT,
            "/b1/k?partNumber=1&uploadId=x",
            true,
            Endpoint::UploadPartCopy,
        ),
        (
            Method::POST,
            "/b1/k?uploadId=x",
            false,
            Endpoint::CompleteMultipartUpload,
        ),
        (
            Method::DELETE,
            "/b1/k?uploadId=x",
            false,
            Endpoint::AbortMultipartUpload,
        ),
        (
            Method::GET,
            "/b1/k?uploadId=x&max-parts=2",
            false,
            Endpoint::ListParts,
        ),
        (
            Method::GET,
            "/b1?uploads&prefix=a",
            false,
            Endpoint::ListMultipartUploads,
        ),
        (
            Method::GET,
            "/b1/k?attributes",
            false,
            Endpoint::GetObjectAttributes,
        ),
        (
            Method::GET,
            "/b1/k?tagging",
            false,
            Endpoint::GetObjectTagging,
        ),
        (
            Method::PUT,
            "/b1/k?tagging",
            false,
            Endpoint::PutObjectTagging,
        ),
        (
            Method::DELETE,
            "/b1/k?tagging",
            false,
            Endpoint::DeleteObjectTagging,
        ),
        (
            Method::GET,
            "/b1?tagging",
            false,
            Endpoint::GetBucketTagging,
        ),
        (
            Method::PUT,
            "/b1?tagging",
            false,
            Endpoint::PutBucketTagging,
        ),
        (
            Method::DELETE,
            "/b1?tagging",
            false,
            Endpoint::DeleteBucketTagging,
        ),
        (Method::GET, "/b1?cors", false, Endpoint::GetBucketCors),
        (Method::PUT, "/b1?cors", false, Endpoint::PutBucketCors),
        (
            Method::DELETE,
            "/b1?cors",
            false,
            Endpoint::DeleteBucketCors,
        ),
        (Method::POST, "/b1", false, Endpoint::PostObject),
        (Method::OPTIONS, "/b1/k", false, Endpoint::CorsPreflight),
        (Method::OPTIONS, "/b1", false, Endpoint::CorsPreflight),
    ] {
        assert_eq!(
            route(method, "localhost", target, copy).unwrap().endpoint,
            expected,
            "{target}"
        );
    }
    for (method, target) in [
        (Method::POST, "/b1?uploads"),
        (Method::GET, "/b1/k?uploads"),
        (Method::HEAD, "/b1/k?tagging"),
        (Method::POST, "/b1/k?attributes"),
    ] {
        assert_eq!(
            route(method, "localhost", target, false).unwrap_err().code,
            S3ErrorCode::MethodNotAllowed,
            "{target}"
        );
    }
}

#[test]
fn unknown_subresources_and_methods() {
    let e = route(Method::GET, "localhost", "/b1?frobnicate", false).unwrap_err();
    assert_eq!(e.code, S3ErrorCode::NotImplemented);
    // Unknown parameters with values are ignored, as S3 does.
    assert_eq!(endpoint(Method::GET, "/b1/k?foo=bar"), Endpoint::GetObject);
    for (method, target) in [
        (Method::PATCH, "/b1/k"),
        (Method::PUT, "/"),
        (Method::DELETE, "/b1?location"),
        (Method::PUT, "/b1?versions"),
    ] {
        assert_eq!(
            route(method, "localhost", target, false).unwrap_err().code,
            S3ErrorCode::MethodNotAllowed,
            "{target}"
        );
    }
}

#[test]
fn query_protocol_requests() {
    // IAM and STS: `POST /` with a form body, or `GET /?Action=…`.
    assert_eq!(endpoint(Method::POST, "/"), Endpoint::QueryApi);
    assert_eq!(
        endpoint(Method::GET, "/?Action=GetCallerIdentity&Version=2011-06-15"),
        Endpoint::QueryApi
    );
    assert_eq!(endpoint(Method::GET, "/"), Endpoint::ListBuckets);
    assert_eq!(
        endpoint(Method::GET, "/b1?policy"),
        Endpoint::GetBucketPolicy
    );
    assert_eq!(
        endpoint(Method::PUT, "/b1?policy"),
        Endpoint::PutBucketPolicy
    );
    assert_eq!(
        endpoint(Method::DELETE, "/b1?policy"),
        Endpoint::DeleteBucketPolicy
    );
}

#[test]
fn block_public_access_routes() {
    assert_eq!(
        endpoint(Method::GET, "/b1?publicAccessBlock"),
        Endpoint::GetPublicAccessBlock
    );
    assert_eq!(
        endpoint(Method::PUT, "/b1?publicAccessBlock"),
        Endpoint::PutPublicAccessBlock
    );
    assert_eq!(
        endpoint(Method::DELETE, "/b1?publicAccessBlock"),
        Endpoint::DeletePublicAccessBlock
    );
    assert_eq!(endpoint(Method::GET, "/b1?acl"), Endpoint::GetBucketAcl);
    assert_eq!(endpoint(Method::GET, "/b1/k?acl"), Endpoint::GetObjectAcl);
    assert_eq!(endpoint(Method::PUT, "/b1/k?acl"), Endpoint::PutObjectAcl);
    assert_eq!(endpoint(Method::PUT, "/b1?acl"), Endpoint::PutBucketAcl);
    assert_eq!(
        endpoint(Method::GET, "/b1?ownershipControls"),
        Endpoint::GetBucketOwnershipControls
    );
    assert_eq!(
        endpoint(Method::PUT, "/b1?ownershipControls"),
        Endpoint::PutBucketOwnershipControls
    );
    assert_eq!(
        endpoint(Method::DELETE, "/b1?ownershipControls"),
        Endpoint::DeleteBucketOwnershipControls
    );
    assert_eq!(
        endpoint(Method::GET, "/b1?policyStatus"),
        Endpoint::GetBucketPolicyStatus
    );
    let control = |m: Method, with_header| {
        Route::s3_control(&m, ACCOUNT_PUBLIC_ACCESS_BLOCK_PATH, with_header).map(|r| r.endpoint)
    };
    assert_eq!(
        control(Method::PUT, true),
        Some(Endpoint::PutAccountPublicAccessBlock)
    );
    assert_eq!(
        control(Method::GET, true),
        Some(Endpoint::GetAccountPublicAccessBlock)
    );
    assert_eq!(
        control(Method::DELETE, true),
        Some(Endpoint::DeleteAccountPublicAccessBlock)
    );
    // Without the account header it is an object in a bucket named v20180820.
    assert_eq!(control(Method::GET, false), None);
    assert_eq!(control(Method::POST, true), None);
}

#[test]
fn strips_ports() {
    assert_eq!(strip_port("host:9000"), "host");
    assert_eq!(strip_port("host"), "host");
    assert_eq!(strip_port("[::1]:9000"), "[::1]");
}
