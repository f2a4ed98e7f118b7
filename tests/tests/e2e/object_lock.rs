//! Object Lock end to end with aws-sdk-rust and the aws CLI: bucket configuration, default
//! retention, the lock headers of writes and their errors. What the locks refuse is in
//! `object_lock_enforcement.rs`.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::{
    BucketVersioningStatus, DefaultRetention, ObjectLockConfiguration, ObjectLockEnabled,
    ObjectLockLegalHoldStatus, ObjectLockMode, ObjectLockRetention, ObjectLockRetentionMode,
    ObjectLockRule, VersioningConfiguration,
};
use rampart_e2e::Server;

use crate::common::{assert_error, create_bucket};
use crate::iam::assert_denied;

pub(crate) const LOCKED_MESSAGE: &str = "Access Denied because object protected by object lock.";

pub(crate) async fn lock_bucket(s3: &aws_sdk_s3::Client, tag: &str) -> String {
    let name = rampart_e2e::bucket_name(tag);
    s3.create_bucket()
        .bucket(&name)
        .object_lock_enabled_for_bucket(true)
        .send()
        .await
        .expect("create a bucket with Object Lock");
    name
}

pub(crate) fn in_secs(secs: u64) -> DateTime {
    DateTime::from(SystemTime::now() + Duration::from_secs(secs))
}

pub(crate) fn retention(mode: ObjectLockRetentionMode, until: DateTime) -> ObjectLockRetention {
    ObjectLockRetention::builder()
        .mode(mode)
        .retain_until_date(until)
        .build()
}

/// PutObject with a retention; returns the version id.
pub(crate) async fn put_retained(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    mode: ObjectLockMode,
    until: DateTime,
) -> String {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from_static(b"retained record"))
        .object_lock_mode(mode)
        .object_lock_retain_until_date(until)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e:?}"))
        .version_id
        .expect("a version id")
}

pub(crate) async fn delete_version(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    version: &str,
    bypass: bool,
) -> Result<
    aws_sdk_s3::operation::delete_object::DeleteObjectOutput,
    aws_sdk_s3::error::SdkError<
        aws_sdk_s3::operation::delete_object::DeleteObjectError,
        aws_sdk_s3::config::http::HttpResponse,
    >,
> {
    s3.delete_object()
        .bucket(bucket)
        .key(key)
        .version_id(version)
        .set_bypass_governance_retention(bypass.then_some(true))
        .send()
        .await
}

pub(crate) fn assert_locked<
    T: std::fmt::Debug,
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::fmt::Debug,
>(
    result: Result<T, aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>>,
    what: &str,
) {
    let message = assert_denied(result, what);
    assert_eq!(message, LOCKED_MESSAGE, "{what}");
}

#[tokio::test]
async fn bucket_configuration_default_retention_and_errors() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = lock_bucket(&s3, "lockcfg").await;
    let versioning = s3
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(versioning.status(), Some(&BucketVersioningStatus::Enabled));
    let config = s3
        .get_object_lock_configuration()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let config = config.object_lock_configuration().unwrap();
    assert_eq!(
        config.object_lock_enabled(),
        Some(&ObjectLockEnabled::Enabled)
    );
    assert!(config.rule().is_none());
    assert_error(
        s3.put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Suspended)
                    .build(),
            )
            .send()
            .await,
        "InvalidBucketState",
        409,
    );

    let rule = |days: Option<i32>, years: Option<i32>| {
        ObjectLockConfiguration::builder()
            .object_lock_enabled(ObjectLockEnabled::Enabled)
            .rule(
                ObjectLockRule::builder()
                    .default_retention(
                        DefaultRetention::builder()
                            .mode(ObjectLockRetentionMode::Governance)
                            .set_days(days)
                            .set_years(years)
                            .build(),
                    )
                    .build(),
            )
            .build()
    };
    let put_config = |c: ObjectLockConfiguration| {
        s3.put_object_lock_configuration()
            .bucket(&bucket)
            .object_lock_configuration(c)
            .send()
    };
    assert_error(
        put_config(rule(Some(1), Some(1))).await,
        "MalformedXML",
        400,
    );
    assert_error(put_config(rule(None, None)).await, "MalformedXML", 400);
    assert_error(
        put_config(rule(Some(0), None)).await,
        "InvalidArgument",
        400,
    );
    assert_error(
        put_config(rule(None, Some(101))).await,
        "InvalidArgument",
        400,
    );
    put_config(rule(Some(1), None)).await.unwrap();
    let got = s3
        .get_object_lock_configuration()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let default = got
        .object_lock_configuration()
        .and_then(|c| c.rule())
        .and_then(|r| r.default_retention())
        .expect("the default retention");
    assert_eq!(default.mode(), Some(&ObjectLockRetentionMode::Governance));
    assert_eq!(default.days(), Some(1));

    // A new version takes the default: visible on HEAD and through GetObjectRetention.
    s3.put_object()
        .bucket(&bucket)
        .key("defaulted")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("defaulted")
        .send()
        .await
        .unwrap();
    assert_eq!(head.object_lock_mode(), Some(&ObjectLockMode::Governance));
    let until = head.object_lock_retain_until_date().expect("retain-until");
    let expected = SystemTime::now() + Duration::from_secs(86_400);
    let expected = DateTime::from(expected).secs();
    assert!((until.secs() - expected).abs() < 120, "{until:?}");
    assert!(head.object_lock_legal_hold_status().is_none());
    let r = s3
        .get_object_retention()
        .bucket(&bucket)
        .key("defaulted")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.retention().and_then(|r| r.retain_until_date()),
        Some(until)
    );
    assert_error(
        s3.get_object_legal_hold()
            .bucket(&bucket)
            .key("defaulted")
            .send()
            .await,
        "NoSuchObjectLockConfiguration",
        404,
    );

    // Buckets without Object Lock.
    let plain = create_bucket(&s3, "lockplain").await;
    assert_error(
        s3.get_object_lock_configuration()
            .bucket(&plain)
            .send()
            .await,
        "ObjectLockConfigurationNotFoundError",
        404,
    );
    assert_error(
        s3.put_object_lock_configuration()
            .bucket(&plain)
            .object_lock_configuration(
                ObjectLockConfiguration::builder()
                    .object_lock_enabled(ObjectLockEnabled::Enabled)
                    .build(),
            )
            .send()
            .await,
        "InvalidBucketState",
        409,
    );
    crate::common::put(&s3, &plain, "k", b"x").await;
    assert_error(
        s3.get_object_retention()
            .bucket(&plain)
            .key("k")
            .send()
            .await,
        "InvalidRequest",
        400,
    );
    assert_error(
        s3.put_object()
            .bucket(&plain)
            .key("k2")
            .body(ByteStream::from_static(b"x"))
            .object_lock_legal_hold_status(ObjectLockLegalHoldStatus::On)
            .send()
            .await,
        "InvalidRequest",
        400,
    );
    // A versioned bucket can take Object Lock later.
    s3.put_bucket_versioning()
        .bucket(&plain)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_object_lock_configuration()
        .bucket(&plain)
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .object_lock_enabled(ObjectLockEnabled::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn lock_headers_are_checked_as_s3_checks_them() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = lock_bucket(&s3, "lockhdr").await;
    let raw_put = |key: &'static str| {
        s3.put_object()
            .bucket(&bucket)
            .key(key)
            .body(ByteStream::from_static(b"x"))
    };
    assert_error(
        raw_put("a")
            .object_lock_mode(ObjectLockMode::Governance)
            .send()
            .await,
        "InvalidArgument",
        400,
    );
    assert_error(
        raw_put("a")
            .object_lock_mode(ObjectLockMode::Compliance)
            .object_lock_retain_until_date(DateTime::from_secs(1_000_000_000))
            .send()
            .await,
        "InvalidArgument",
        400,
    );
    // Without a checksum or Content-MD5, a PUT that will be locked is refused.
    let bare = server.client_with(rampart_e2e::ACCESS_KEY, rampart_e2e::SECRET_KEY, |b| {
        b.request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
    });
    let err = bare
        .put_object()
        .bucket(&bucket)
        .key("b")
        .body(ByteStream::from_static(b"x"))
        .object_lock_mode(ObjectLockMode::Governance)
        .object_lock_retain_until_date(in_secs(60))
        .send()
        .await
        .unwrap_err();
    let (code, status, message) = crate::iam::s3_error(&err);
    assert_eq!((code.as_str(), status), ("InvalidRequest", 400), "{err:?}");
    assert!(message.contains("Content-MD5"), "{message}");
    bare.put_object()
        .bucket(&bucket)
        .key("b")
        .body(ByteStream::from_static(b"x"))
        .content_md5(rampart_e2e::md5_base64(b"x"))
        .object_lock_mode(ObjectLockMode::Governance)
        .object_lock_retain_until_date(in_secs(60))
        .send()
        .await
        .unwrap();
    // Without lock settings and without a default retention, none is needed.
    bare.put_object()
        .bucket(&bucket)
        .key("c")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
}

#[test]
fn the_aws_cli_sets_and_reads_retention() {
    let server = Server::start();
    let bucket = rampart_e2e::bucket_name("lockcli");
    let ok = |args: &[&str]| {
        let out = server.aws(args);
        assert!(
            out.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    ok(&[
        "s3api",
        "create-bucket",
        "--bucket",
        &bucket,
        "--object-lock-enabled-for-bucket",
    ]);
    let body = server.data_dir().join("cli-body");
    std::fs::write(&body, b"cli record").unwrap();
    ok(&[
        "s3api",
        "put-object",
        "--bucket",
        &bucket,
        "--key",
        "k",
        "--body",
        body.to_str().unwrap(),
    ]);
    ok(&[
        "s3api",
        "put-object-retention",
        "--bucket",
        &bucket,
        "--key",
        "k",
        "--retention",
        "Mode=GOVERNANCE,RetainUntilDate=2099-01-02T03:04:05Z",
    ]);
    let got: serde_json::Value = serde_json::from_str(&ok(&[
        "s3api",
        "get-object-retention",
        "--bucket",
        &bucket,
        "--key",
        "k",
    ]))
    .unwrap();
    assert_eq!(got["Retention"]["Mode"], "GOVERNANCE");
    assert!(
        got["Retention"]["RetainUntilDate"]
            .as_str()
            .unwrap()
            .starts_with("2099-01-02T03:04:05"),
        "{got}"
    );
}
