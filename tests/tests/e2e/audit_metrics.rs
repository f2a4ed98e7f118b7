//! The audit trail and the metrics end to end: a scripted session across S3, IAM, STS and KMS
//! appears in the audit log exactly once per call, with its caller and error, and denials name
//! the policy and statement that decided; metrics move by exactly a known workload.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use rampart_e2e::raw::RawRequest;
use rampart_e2e::{Server, ServerOptions};
use serde_json::Value;

use crate::common::{assert_error, create_bucket};
use crate::iam::{Keys, account_of, policy, put_user_policy, user_with_key};

fn audit_events(server: &Server) -> Vec<Value> {
    let path = server
        .data_dir()
        .join("data")
        .join("audit")
        .join("audit.log");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each audit line is one JSON event"))
        .collect()
}

#[tokio::test]
async fn each_call_of_a_session_is_audited_once() {
    let server = Server::start_with(ServerOptions {
        env: vec![("RAMPART_AUDIT_DATA_EVENTS".into(), "true".into())],
        ..Default::default()
    });
    let s3 = server.client();
    let account = account_of(&server, &Keys::root()).await;
    let bucket = create_bucket(&s3, "audited").await;
    s3.put_object()
        .bucket(&bucket)
        .key("ledger.csv")
        .body(ByteStream::from_static(b"a,b"))
        .send()
        .await
        .unwrap();
    let auditee = user_with_key(&server, "auditee").await;
    account_of(&server, &auditee).await;
    // Denied by nothing allowing it, then explicitly by a bucket policy statement.
    let user_s3 = auditee.s3(&server);
    assert_error(
        user_s3
            .get_object()
            .bucket(&bucket)
            .key("ledger.csv")
            .send()
            .await,
        "AccessDenied",
        403,
    );
    put_user_policy(
        &server,
        "auditee",
        "read",
        &policy(
            "Allow",
            &["s3:GetObject"],
            &[&format!("arn:aws:s3:::{bucket}/*")],
        ),
    )
    .await;
    let deny = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "NoAuditee",
            "Effect": "Deny",
            "Principal": {"AWS": format!("arn:aws:iam::{account}:user/auditee")},
            "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*")
        }]
    });
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(deny.to_string())
        .send()
        .await
        .unwrap();
    assert_error(
        user_s3
            .get_object()
            .bucket(&bucket)
            .key("ledger.csv")
            .send()
            .await,
        "AccessDenied",
        403,
    );
    let kms = server.aws(&["kms", "create-key", "--description", "audited key"]);
    assert!(
        kms.status.success(),
        "{}",
        String::from_utf8_lossy(&kms.stderr)
    );
    // Refusals in IAM's and KMS's own formats are recorded with their codes too.
    let again = crate::iam::iam_root(
        &server,
        &[("Action", "CreateUser"), ("UserName", "auditee")],
    )
    .await;
    assert_eq!(again.status, 409);
    let missing = server.aws(&["kms", "describe-key", "--key-id", "alias/none-such"]);
    assert!(!missing.status.success());

    let expected: &[(&str, &str, &str, Option<&str>)] = &[
        ("s3.amazonaws.com", "CreateBucket", "Root", None),
        ("s3.amazonaws.com", "PutObject", "Root", None),
        ("iam.amazonaws.com", "CreateUser", "Root", None),
        ("iam.amazonaws.com", "CreateAccessKey", "Root", None),
        ("sts.amazonaws.com", "GetCallerIdentity", "IAMUser", None),
        ("iam.amazonaws.com", "PutUserPolicy", "Root", None),
        ("s3.amazonaws.com", "PutBucketPolicy", "Root", None),
        ("kms.amazonaws.com", "CreateKey", "Root", None),
        (
            "iam.amazonaws.com",
            "CreateUser",
            "Root",
            Some("EntityAlreadyExists"),
        ),
        (
            "kms.amazonaws.com",
            "DescribeKey",
            "Root",
            Some("NotFoundException"),
        ),
    ];
    let mut events = Vec::new();
    for _ in 0..40 {
        events = audit_events(&server);
        let denied = events
            .iter()
            .filter(|e| e["errorCode"] == "AccessDenied")
            .count();
        if denied >= 2 && events.iter().any(|e| e["eventName"] == "DescribeKey") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let count = |source: &str, name: &str, kind: &str, error: Option<&str>| {
        events
            .iter()
            .filter(|e| {
                e["eventSource"] == source
                    && e["eventName"] == name
                    && e["userIdentity"]["type"] == kind
                    && e["errorCode"].as_str() == error
            })
            .count()
    };
    for (source, name, kind, error) in expected {
        assert_eq!(
            count(source, name, kind, *error),
            1,
            "{source} {name} by {kind} ({error:?}) exactly once; events:\n{events:#?}"
        );
    }
    let denials: Vec<&Value> = events
        .iter()
        .filter(|e| e["eventName"] == "GetObject" && e["errorCode"] == "AccessDenied")
        .collect();
    assert_eq!(denials.len(), 2, "{denials:#?}");
    for d in &denials {
        assert_eq!(
            d["userIdentity"]["arn"],
            format!("arn:aws:iam::{account}:user/auditee")
        );
        assert_eq!(d["userIdentity"]["accessKeyId"], auditee.access.as_str());
        assert_eq!(d["eventCategory"], "Data");
        assert_eq!(d["readOnly"], true);
    }
    let implicit = &denials[0]["rampartDecision"];
    assert_eq!(implicit["kind"], "implicit", "{implicit}");
    let explicit = &denials[1]["rampartDecision"];
    assert_eq!(explicit["kind"], "explicit", "{explicit}");
    assert_eq!(explicit["statement"], "NoAuditee");
    assert!(
        explicit["policy"].as_str().unwrap_or("").contains(&bucket),
        "the deciding bucket policy is named: {explicit}"
    );
    // Management events are flagged as such, and no secret is ever written.
    let created = events
        .iter()
        .find(|e| e["eventName"] == "CreateBucket")
        .unwrap();
    assert_eq!(created["eventCategory"], "Management");
    assert_eq!(created["requestParameters"]["bucketName"], bucket.as_str());
    assert_eq!(created["managementEvent"], true);
    // IAM, STS and KMS events carry their parameters and results, in CloudTrail's names.
    let event = |source: &str, name: &str, error: Option<&str>| {
        events
            .iter()
            .find(|e| {
                e["eventSource"] == source
                    && e["eventName"] == name
                    && e["errorCode"].as_str() == error
            })
            .unwrap_or_else(|| panic!("{name}"))
    };
    let user = event("iam.amazonaws.com", "CreateUser", None);
    assert_eq!(
        user["requestParameters"],
        serde_json::json!({"userName": "auditee"})
    );
    assert_eq!(user["responseElements"]["user"]["userName"], "auditee");
    assert_eq!(
        user["responseElements"]["user"]["arn"],
        format!("arn:aws:iam::{account}:user/auditee")
    );
    let key = event("iam.amazonaws.com", "CreateAccessKey", None);
    let access_key = &key["responseElements"]["accessKey"];
    assert_eq!(access_key["accessKeyId"], auditee.access.as_str());
    assert_eq!(
        access_key["secretAccessKey"],
        "HIDDEN_DUE_TO_SECURITY_REASONS"
    );
    let caller = event("sts.amazonaws.com", "GetCallerIdentity", None);
    assert_eq!(caller["responseElements"]["account"], account.as_str());
    let kms_key = event("kms.amazonaws.com", "CreateKey", None);
    assert_eq!(kms_key["requestParameters"]["description"], "audited key");
    assert!(kms_key["responseElements"]["keyMetadata"]["keyId"].is_string());
    let missing_key = event(
        "kms.amazonaws.com",
        "DescribeKey",
        Some("NotFoundException"),
    );
    assert_eq!(missing_key["requestParameters"]["keyId"], "alias/none-such");
    assert!(missing_key["responseElements"].is_null());
    let duplicate = event(
        "iam.amazonaws.com",
        "CreateUser",
        Some("EntityAlreadyExists"),
    );
    assert!(duplicate["responseElements"].is_null());
    let text = std::fs::read_to_string(
        server
            .data_dir()
            .join("data")
            .join("audit")
            .join("audit.log"),
    )
    .unwrap();
    assert!(
        !text.contains(&auditee.secret),
        "no secret in the audit trail"
    );
    assert!(!text.contains(rampart_e2e::SECRET_KEY));
}

/// `name{labels} value` of every sample.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

#[tokio::test]
async fn metrics_move_by_exactly_the_workload() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "metered").await;
    let scrape = || async {
        let r = RawRequest::new("GET", "/_rampart/metrics")
            .send(server.port)
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("content-type"),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        samples(&r.text())
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = scrape().await;
    for i in 0..4 {
        s3.put_object()
            .bucket(&bucket)
            .key(format!("k{i}"))
            .body(ByteStream::from(vec![b'x'; 100]))
            .send()
            .await
            .unwrap();
    }
    for i in 0..3 {
        s3.get_object()
            .bucket(&bucket)
            .key(format!("k{i}"))
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap();
    }
    for _ in 0..2 {
        assert_error(
            s3.get_object().bucket(&bucket).key("absent").send().await,
            "NoSuchKey",
            404,
        );
    }
    let bad = server.client_with("AKIAIOSFODNN7EXAMPLE", "not-the-secret", |b| b);
    assert_error(
        bad.list_objects_v2().bucket(&bucket).send().await,
        "SignatureDoesNotMatch",
        403,
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = scrape().await;
    let delta =
        |series: &str| after.get(series).unwrap_or(&0.0) - before.get(series).unwrap_or(&0.0);
    let requests = |op: &str, status: &str| {
        delta(&format!(
            "rampart_requests_total{{service=\"s3\",operation=\"{op}\",status=\"{status}\"}}"
        ))
    };
    assert_eq!(requests("PutObject", "200"), 4.0);
    assert_eq!(requests("GetObject", "200"), 3.0);
    assert_eq!(requests("GetObject", "404"), 2.0);
    assert_eq!(requests("ListObjectsV2", "403"), 1.0);
    assert_eq!(
        delta("rampart_request_duration_seconds_count{service=\"s3\",operation=\"PutObject\"}"),
        4.0
    );
    assert_eq!(
        delta("rampart_auth_failures_total{reason=\"SignatureDoesNotMatch\"}"),
        1.0
    );
    assert!(delta("rampart_bytes_received_total{service=\"s3\"}") >= 400.0);
    assert!(delta("rampart_bytes_sent_total{service=\"s3\"}") >= 300.0);
    assert!(after.contains_key("rampart_active_connections"));
    let ready = RawRequest::new("GET", "/_rampart/ready")
        .send(server.port)
        .await;
    assert_eq!(ready.status, 200);
}

#[tokio::test]
async fn metrics_move_to_an_operator_listener_when_configured() {
    let server = Server::start_with(ServerOptions {
        env: vec![("RAMPART_METRICS_LISTEN".into(), "127.0.0.1:0".into())],
        ..Default::default()
    });
    let ops_port: u16 = server
        .banner
        .lines()
        .find_map(|l| l.strip_prefix("rampart metrics listening on http://"))
        .and_then(|addr| addr.trim().rsplit(':').next())
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("no metrics listener in the banner:\n{}", server.banner));
    let s3 = server.client();
    create_bucket(&s3, "opslistener").await;
    for path in ["/_rampart/metrics", "/metrics"] {
        let scraped = RawRequest::new("GET", path).send(ops_port).await;
        assert_eq!(scraped.status, 200, "{path}");
        let text = scraped.text();
        assert!(
            text.contains(
                "rampart_requests_total{service=\"s3\",operation=\"CreateBucket\",status=\"200\"} 1"
            ),
            "{path}: {text}"
        );
    }
    for path in ["/_rampart/health", "/_rampart/ready"] {
        let probe = RawRequest::new("GET", path).send(ops_port).await;
        assert_eq!(probe.status, 200, "{path}");
    }
    // Nothing but the probes is served there: no S3, signed or not.
    let other = RawRequest::new("GET", "/opslistener").send(ops_port).await;
    assert_eq!(other.status, 404);
    // The S3 listener no longer answers with metrics; its health probe stays.
    let hidden = RawRequest::new("GET", "/_rampart/metrics")
        .send(server.port)
        .await;
    assert_eq!(hidden.status, 400);
    assert!(hidden.text().contains("<Code>InvalidBucketName</Code>"));
    assert!(!hidden.text().contains("rampart_requests_total"));
    let health = RawRequest::new("GET", "/_rampart/health")
        .send(server.port)
        .await;
    assert_eq!(health.status, 200);
}
