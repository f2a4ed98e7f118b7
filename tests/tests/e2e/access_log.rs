//! Server access logging end to end: PutBucketLogging and its errors; allowed, denied,
//! anonymous and presigned requests; the server killed between the requests and the delivery;
//! the delivered objects parsed and every field checked against the requests made.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketLoggingStatus, LoggingEnabled};
use rampart_e2e::raw::RawRequest;
use rampart_e2e::{Server, ServerOptions};

use crate::auth::presigned_raw;
use crate::common::{assert_error, body_bytes, create_bucket};
use crate::iam::{Keys, account_of, user_with_key};

/// One access log record, split into its fields (brackets and quotes removed).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == ' ' {
            chars.next();
            continue;
        }
        let (close, skip) = match c {
            '[' => (Some(']'), true),
            '"' => (Some('"'), true),
            _ => (None, false),
        };
        if skip {
            chars.next();
        }
        let mut field = String::new();
        for c in chars.by_ref() {
            match close {
                Some(end) if c == end => break,
                None if c == ' ' => break,
                _ => field.push(c),
            }
        }
        out.push(field);
    }
    out
}

// Field positions, in AWS's documented order.
const OWNER: usize = 0;
const BUCKET: usize = 1;
const REMOTE_IP: usize = 3;
const REQUESTER: usize = 4;
const REQUEST_ID: usize = 5;
const OPERATION: usize = 6;
const KEY: usize = 7;
const REQUEST_URI: usize = 8;
const STATUS: usize = 9;
const ERROR_CODE: usize = 10;
const BYTES_SENT: usize = 11;
const OBJECT_SIZE: usize = 12;
const VERSION_ID: usize = 17;
const SIGNATURE_VERSION: usize = 19;
const AUTH_TYPE: usize = 21;
const HOST_HEADER: usize = 22;

fn logging_status(target: &str, prefix: &str) -> BucketLoggingStatus {
    BucketLoggingStatus::builder()
        .logging_enabled(
            LoggingEnabled::builder()
                .target_bucket(target)
                .target_prefix(prefix)
                .build()
                .unwrap(),
        )
        .build()
}

#[tokio::test]
async fn records_arrive_after_a_crash_with_every_field() {
    let mut server = Server::start_with(ServerOptions {
        // Nothing is delivered before the kill below.
        env: vec![("RAMPART_ACCESS_LOG_FLUSH_SECS".into(), "3600".into())],
        ..Default::default()
    });
    let s3 = server.client();
    let source = create_bucket(&s3, "logsrc").await;
    let target = create_bucket(&s3, "logdst").await;

    // Errors first: no target, the source itself, no body.
    assert_error(
        s3.put_bucket_logging()
            .bucket(&source)
            .bucket_logging_status(logging_status("no-such-log-bucket", "x/"))
            .send()
            .await,
        "InvalidTargetBucketForLogging",
        400,
    );
    assert_error(
        s3.put_bucket_logging()
            .bucket(&source)
            .bucket_logging_status(logging_status(&source, "x/"))
            .send()
            .await,
        "InvalidTargetBucketForLogging",
        400,
    );
    let off = s3
        .get_bucket_logging()
        .bucket(&source)
        .send()
        .await
        .unwrap();
    assert!(off.logging_enabled().is_none());

    // Delivery is permitted the way AWS documents it: a bucket policy for the service.
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{target}/access/*"),
            "Condition": {"StringEquals": {"aws:SourceAccount": account_of(&server, &Keys::root()).await}}
        }]
    });
    s3.put_bucket_policy()
        .bucket(&target)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    s3.put_bucket_logging()
        .bucket(&source)
        .bucket_logging_status(logging_status(&target, "access/"))
        .send()
        .await
        .unwrap();
    let on = s3
        .get_bucket_logging()
        .bucket(&source)
        .send()
        .await
        .unwrap();
    assert_eq!(
        on.logging_enabled().map(|l| l.target_bucket()),
        Some(target.as_str())
    );

    // The requests: allowed, missing, denied (IAM user without a policy), anonymous,
    // presigned.
    let put = s3
        .put_object()
        .bucket(&source)
        .key("reports/q3 summary.txt")
        .body(ByteStream::from_static(b"12345"))
        .send()
        .await
        .unwrap();
    let _ = put;
    let got = s3
        .get_object()
        .bucket(&source)
        .key("reports/q3 summary.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(body_bytes(got.body).await, b"12345");
    assert_error(
        s3.get_object().bucket(&source).key("missing").send().await,
        "NoSuchKey",
        404,
    );
    let intern = user_with_key(&server, "intern").await;
    let intern_s3 = intern.s3(&server);
    assert_error(
        intern_s3
            .get_object()
            .bucket(&source)
            .key("reports/q3 summary.txt")
            .send()
            .await,
        "AccessDenied",
        403,
    );
    let anonymous = RawRequest::new("GET", &format!("/{source}/reports/q3%20summary.txt"))
        .send(server.port)
        .await;
    assert_eq!(anonymous.status, 403);
    let presigned = s3
        .get_object()
        .bucket(&source)
        .key("reports/q3 summary.txt")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).unwrap())
        .await
        .unwrap();
    let r = presigned_raw(&presigned).send(server.port).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // The records are spooled as the responses end; then the server dies before delivery.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill();
    server.options.env = vec![("RAMPART_ACCESS_LOG_FLUSH_SECS".into(), "1".into())];
    server.restart();
    let s3 = server.client();

    let mut lines = Vec::new();
    for _ in 0..60 {
        lines.clear();
        let listed = s3
            .list_objects_v2()
            .bucket(&target)
            .prefix("access/")
            .send()
            .await
            .unwrap();
        for object in listed.contents() {
            let key = object.key().unwrap();
            assert!(
                key.len() == "access/".len() + 19 + 1 + 16,
                "a log object's name: TargetPrefix + YYYY-mm-DD-HH-MM-SS-UniqueString: {key}"
            );
            let body = s3
                .get_object()
                .bucket(&target)
                .key(key)
                .send()
                .await
                .unwrap();
            let text = String::from_utf8(body_bytes(body.body).await).unwrap();
            lines.extend(text.lines().map(str::to_owned));
        }
        if lines.len() >= 7 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let records: Vec<Vec<String>> = lines.iter().map(|l| fields(l)).collect();
    let owner = s3
        .list_buckets()
        .send()
        .await
        .unwrap()
        .owner()
        .and_then(|o| o.id())
        .unwrap()
        .to_owned();
    let find = |operation: &str, status: &str, auth: &str| {
        let matching: Vec<&Vec<String>> = records
            .iter()
            .filter(|f| f[OPERATION] == operation && f[STATUS] == status && f[AUTH_TYPE] == auth)
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "exactly one {operation} {status} {auth} in:\n{}",
            lines.join("\n")
        );
        matching[0].clone()
    };
    for f in &records {
        assert!(f.len() >= 26, "every documented field: {f:?}");
        assert_eq!(f[OWNER], owner);
        assert_eq!(f[BUCKET], source);
        assert_eq!(f[REMOTE_IP], "127.0.0.1");
        assert_eq!(f[REQUEST_ID].len(), 16);
        assert!(f[HOST_HEADER].starts_with("127.0.0.1:"), "{f:?}");
    }

    let put = find("REST.PUT.OBJECT", "200", "AuthHeader");
    assert_eq!(put[KEY], "reports/q3%20summary.txt");
    assert_eq!(
        put[REQUESTER], owner,
        "the root is logged by its canonical id"
    );
    assert_eq!(put[ERROR_CODE], "-");
    assert_eq!(put[OBJECT_SIZE], "5");
    assert_eq!(put[SIGNATURE_VERSION], "SigV4");
    assert!(put[REQUEST_URI].starts_with(&format!("PUT /{source}/reports/q3%20summary.txt")));

    let get = find("REST.GET.OBJECT", "200", "AuthHeader");
    assert_eq!(get[BYTES_SENT], "5");
    assert_eq!(get[OBJECT_SIZE], "5");
    assert_eq!(get[VERSION_ID], "-");

    let missing = find("REST.GET.OBJECT", "404", "AuthHeader");
    assert_eq!(missing[ERROR_CODE], "NoSuchKey");
    assert_eq!(missing[KEY], "missing");

    let denied: Vec<&Vec<String>> = records
        .iter()
        .filter(|f| f[STATUS] == "403" && f[AUTH_TYPE] == "AuthHeader")
        .collect();
    assert_eq!(denied.len(), 1, "{}", lines.join("\n"));
    assert_eq!(denied[0][OPERATION], "REST.GET.OBJECT");
    assert_eq!(denied[0][ERROR_CODE], "AccessDenied");
    assert!(
        denied[0][REQUESTER].ends_with(":user/intern"),
        "{:?}",
        denied[0]
    );

    let anonymous = find("REST.GET.OBJECT", "403", "-");
    assert_eq!(anonymous[REQUESTER], "-");
    assert_eq!(anonymous[SIGNATURE_VERSION], "-");
    assert_eq!(anonymous[ERROR_CODE], "AccessDenied");

    let presigned = find("REST.GET.OBJECT", "200", "QueryString");
    assert_eq!(presigned[SIGNATURE_VERSION], "SigV4");
    assert!(presigned[REQUEST_URI].contains("X-Amz-Signature="));
    assert_eq!(presigned[BYTES_SENT], "5");
}

#[tokio::test]
async fn delivery_waits_until_the_target_allows_it() {
    let server = Server::start_with(ServerOptions {
        env: vec![("RAMPART_ACCESS_LOG_FLUSH_SECS".into(), "1".into())],
        ..Default::default()
    });
    let s3 = server.client();
    let source = create_bucket(&s3, "logwait").await;
    let target = create_bucket(&s3, "logwaitdst").await;
    s3.put_bucket_logging()
        .bucket(&source)
        .bucket_logging_status(logging_status(&target, ""))
        .send()
        .await
        .unwrap();
    crate::common::put(&s3, &source, "k", b"x").await;
    // No policy lets the logging service write: nothing arrives, and the failure is counted.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let listed = s3.list_objects_v2().bucket(&target).send().await.unwrap();
    assert_eq!(listed.key_count(), Some(0));
    let metrics = RawRequest::new("GET", "/_rampart/metrics")
        .send(server.port)
        .await
        .text();
    assert!(
        metrics.contains(&format!(
            "rampart_access_log_delivery_failures_total{{target=\"{target}\"}}"
        )),
        "{metrics}"
    );
    allow_logging_service(&s3, &target).await;
    let mut delivered = 0;
    for _ in 0..40 {
        delivered = s3
            .list_objects_v2()
            .bucket(&target)
            .send()
            .await
            .unwrap()
            .key_count()
            .unwrap_or(0);
        if delivered > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(delivered > 0, "the kept records arrive once permitted");
}

/// Gives `target` a bucket policy that lets the logging service write log objects into it.
async fn allow_logging_service(s3: &aws_sdk_s3::Client, target: &str) {
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{target}/*")
        }]
    });
    s3.put_bucket_policy()
        .bucket(target)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
}

/// A bucket with logging on, into a target whose policy lets the logging service write:
/// (source, target).
async fn logged_bucket(s3: &aws_sdk_s3::Client, tag: &str, prefix: &str) -> (String, String) {
    let source = create_bucket(s3, tag).await;
    let target = create_bucket(s3, &format!("{tag}dst")).await;
    allow_logging_service(s3, &target).await;
    s3.put_bucket_logging()
        .bucket(&source)
        .bucket_logging_status(logging_status(&target, prefix))
        .send()
        .await
        .unwrap();
    (source, target)
}

/// Every delivered log object of `target`, concatenated, once at least `lines` records arrived.
async fn delivered_records(s3: &aws_sdk_s3::Client, target: &str, lines: usize) -> String {
    let mut text = String::new();
    for _ in 0..60 {
        text.clear();
        let listed = s3.list_objects_v2().bucket(target).send().await.unwrap();
        for object in listed.contents() {
            let got = s3
                .get_object()
                .bucket(target)
                .key(object.key().unwrap())
                .send()
                .await
                .unwrap();
            text.push_str(&String::from_utf8(body_bytes(got.body).await).unwrap());
        }
        if text.lines().count() >= lines {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("fewer than {lines} records arrived:\n{text}");
}

/// GoAccess, a log analyzer with a built-in parser for S3's format (`--log-format=AWSS3`),
/// reads every delivered record, awkward keys, agents and refusals included.
#[tokio::test]
async fn goaccess_reads_the_delivered_logs() {
    let server = Server::start_with(ServerOptions {
        env: vec![("RAMPART_ACCESS_LOG_FLUSH_SECS".into(), "1".into())],
        ..Default::default()
    });
    let s3 = server.client();
    let (source, target) = logged_bucket(&s3, "goaccess", "logs/").await;
    for key in [
        "plain.txt",
        "with space/and \"quotes\".txt",
        "ünïcode/ключ",
        "a+b=c&d",
    ] {
        crate::common::put(&s3, &source, key, b"0123456789").await;
        let got = s3
            .get_object()
            .bucket(&source)
            .key(key)
            .send()
            .await
            .unwrap();
        assert_eq!(body_bytes(got.body).await, b"0123456789");
    }
    // Refused and failed requests, one with an agent full of awkward bytes.
    let anonymous = RawRequest::new("GET", &format!("/{source}/plain.txt"))
        .header("user-agent", "odd \"agent\" \\ with\ttab")
        .header("referer", "http://example.com/a page")
        .send(server.port)
        .await;
    assert_eq!(anonymous.status, 403);
    assert_error(
        s3.get_object().bucket(&source).key("missing").send().await,
        "NoSuchKey",
        404,
    );
    let expected = 4 * 2 + 2;
    let log = delivered_records(&s3, &target, expected).await;
    assert_eq!(log.lines().count(), expected, "{log}");
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("access.log");
    std::fs::write(&log_path, &log).unwrap();
    let report_path = dir.path().join("report.json");
    let out = rampart_e2e::run_tool(
        std::process::Command::new("goaccess")
            .arg(&log_path)
            .args(["--log-format=AWSS3", "--no-global-config", "-o"])
            .arg(&report_path),
        "goaccess",
        "apt-get install goaccess",
    );
    assert!(
        out.status.success(),
        "goaccess: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let general = &report["general"];
    assert_eq!(general["total_requests"], expected as u64, "{general}");
    assert_eq!(general["valid_requests"], expected as u64, "{general}");
    assert_eq!(general["failed_requests"], 0, "{general}");
    let sent: u64 = log
        .lines()
        .map(|l| fields(l)[BYTES_SENT].parse::<u64>().unwrap_or(0))
        .sum();
    assert_eq!(general["bandwidth"], sent, "{general}");
    // Its status-code panel saw the refusals and the miss.
    let codes = report["status_codes"]["data"].to_string();
    assert!(codes.contains("403") && codes.contains("404"), "{codes}");
}

/// DeleteObjects gets S3's record for the request and one `BATCH.DELETE.OBJECT` record per
/// object deleted, under the same request id.
#[tokio::test]
async fn each_object_a_delete_objects_removes_gets_a_record() {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    let server = Server::start_with(ServerOptions {
        env: vec![("RAMPART_ACCESS_LOG_FLUSH_SECS".into(), "1".into())],
        ..Default::default()
    });
    let s3 = server.client();
    let (source, target) = logged_bucket(&s3, "batchdel", "").await;
    for key in ["a.txt", "dir/b c.txt"] {
        crate::common::put(&s3, &source, key, b"x").await;
    }
    let ids = ["a.txt", "dir/b c.txt"]
        .iter()
        .map(|k| ObjectIdentifier::builder().key(*k).build().unwrap())
        .collect();
    let deleted = s3
        .delete_objects()
        .bucket(&source)
        .delete(
            Delete::builder()
                .set_objects(Some(ids))
                .quiet(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(deleted.errors().is_empty());
    let log = delivered_records(&s3, &target, 5).await;
    let records: Vec<Vec<String>> = log.lines().map(fields).collect();
    let request = records
        .iter()
        .find(|r| r[OPERATION] == "REST.POST.MULTI_OBJECT_DELETE")
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(request[STATUS], "200");
    let batch: Vec<&Vec<String>> = records
        .iter()
        .filter(|r| r[OPERATION] == "BATCH.DELETE.OBJECT")
        .collect();
    let mut keys: Vec<&str> = batch.iter().map(|r| r[KEY].as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["a.txt", "dir/b%20c.txt"], "{log}");
    for r in batch {
        assert_eq!(r[REQUEST_ID], request[REQUEST_ID]);
        assert_eq!(r[REQUESTER], request[REQUESTER]);
        assert_eq!(r[BUCKET], source);
        assert_eq!(r[REQUEST_URI], "-");
        assert_eq!(r[STATUS], "204");
        assert_eq!(r[SIGNATURE_VERSION], "SigV4");
        assert_eq!(r[AUTH_TYPE], "AuthHeader");
    }
}
