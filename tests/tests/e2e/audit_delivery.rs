//! The audit trail delivered to a bucket as CloudTrail delivers a trail: gzipped
//! `{"Records":[…]}` files under `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`, written
//! only once the bucket's policy lets `cloudtrail.amazonaws.com` write, each event exactly
//! once, and none lost when the server is killed before a delivery.

use std::collections::HashMap;
use std::io::Read;
use std::time::Duration;

use flate2::read::GzDecoder;
use rampart_e2e::raw::RawRequest;
use rampart_e2e::{Server, ServerOptions};
use serde_json::Value;

use crate::common::create_bucket;
use crate::iam::{Keys, account_of};

const TRAIL_BUCKET: &str = "org-audit-trail";

/// Every delivered file: (key, its records).
async fn delivered(s3: &aws_sdk_s3::Client) -> Vec<(String, Vec<Value>)> {
    let listed = s3
        .list_objects_v2()
        .bucket(TRAIL_BUCKET)
        .send()
        .await
        .unwrap();
    let mut files = Vec::new();
    for object in listed.contents() {
        let key = object.key().unwrap().to_owned();
        let got = s3
            .get_object()
            .bucket(TRAIL_BUCKET)
            .key(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(got.content_type(), Some("application/json"));
        assert_eq!(got.content_encoding(), Some("gzip"));
        let gz = got.body.collect().await.unwrap().into_bytes();
        let mut text = String::new();
        GzDecoder::new(&gz[..])
            .read_to_string(&mut text)
            .expect("a gzipped file");
        let doc: Value = serde_json::from_str(&text).expect("one JSON document");
        let records = doc["Records"].as_array().expect("a Records array").clone();
        files.push((key, records));
    }
    files
}

/// Waits until the delivered records include a `CreateBucket` of `bucket`.
async fn wait_for_delivery_of(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<(String, Vec<Value>)> {
    for _ in 0..60 {
        let files = delivered(s3).await;
        let has_it = files.iter().flat_map(|(_, r)| r).any(|e| {
            e["eventName"] == "CreateBucket" && e["requestParameters"]["bucketName"] == bucket
        });
        if has_it {
            return files;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the trail's events never arrived in {TRAIL_BUCKET}");
}

#[tokio::test]
async fn trail_is_delivered_once_permitted_and_survives_a_kill() {
    let mut server = Server::start_with(ServerOptions {
        config_toml: Some(format!(
            "[audit]\nbucket = \"{TRAIL_BUCKET}\"\nbucket_prefix = \"org\"\ndelivery_secs = 1\n"
        )),
        ..Default::default()
    });
    let s3 = server.client();
    let account = account_of(&server, &Keys::root()).await;
    s3.create_bucket()
        .bucket(TRAIL_BUCKET)
        .send()
        .await
        .unwrap();
    let first = create_bucket(&s3, "trailed").await;

    // No policy lets CloudTrail write: nothing arrives, and each failed round is counted.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let listed = s3
        .list_objects_v2()
        .bucket(TRAIL_BUCKET)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.key_count(), Some(0));
    let metrics = RawRequest::new("GET", "/_rampart/metrics")
        .send(server.port)
        .await
        .text();
    let failures = metrics
        .lines()
        .find_map(|l| l.strip_prefix("rampart_audit_delivery_failures_total "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    assert!(failures >= 1.0, "{metrics}");

    // CloudTrail's documented bucket policy, scoped to this trail by aws:SourceArn.
    let trail_arn = format!("arn:aws:cloudtrail:us-east-1:{account}:trail/rampart");
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": format!("arn:aws:s3:::{TRAIL_BUCKET}"),
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": format!("arn:aws:s3:::{TRAIL_BUCKET}/org/AWSLogs/{account}/*"),
                "Condition": {"StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceArn": trail_arn
                }}
            }
        ]
    });
    s3.put_bucket_policy()
        .bucket(TRAIL_BUCKET)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    let files = wait_for_delivery_of(&s3, &first).await;

    // The policy withdrawn, an event is spooled that cannot be delivered; the server is killed
    // before any delivery, and once allowed again the event arrives.
    s3.delete_bucket_policy()
        .bucket(TRAIL_BUCKET)
        .send()
        .await
        .unwrap();
    let second = create_bucket(&s3, "aftercrash").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !delivered(&s3)
            .await
            .iter()
            .flat_map(|(_, r)| r)
            .any(|e| e["requestParameters"]["bucketName"] == second.as_str()),
        "nothing is delivered without the policy"
    );
    server.kill();
    server.restart();
    let s3 = server.client();
    s3.put_bucket_policy()
        .bucket(TRAIL_BUCKET)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    let files_after = wait_for_delivery_of(&s3, &second).await;
    assert!(files_after.len() > files.len());

    let day = time::OffsetDateTime::now_utc();
    let folder = format!(
        "org/AWSLogs/{account}/CloudTrail/us-east-1/{:04}/{:02}/{:02}/{account}_CloudTrail_us-east-1_",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (key, records) in &files_after {
        assert!(key.starts_with(&folder), "{key}");
        assert!(key.ends_with(".json.gz"), "{key}");
        for event in records {
            assert_eq!(event["eventVersion"], "1.09");
            *seen
                .entry(event["eventID"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert!(
        seen.values().all(|n| *n == 1),
        "each event is delivered once"
    );
    let events: Vec<&Value> = files_after.iter().flat_map(|(_, r)| r).collect();
    let created: Vec<&str> = events
        .iter()
        .filter(|e| e["eventName"] == "CreateBucket")
        .filter_map(|e| e["requestParameters"]["bucketName"].as_str())
        .collect();
    for bucket in [TRAIL_BUCKET, first.as_str(), second.as_str()] {
        assert_eq!(
            created.iter().filter(|b| **b == bucket).count(),
            1,
            "{bucket}: {created:?}"
        );
    }
    // Data events are off: the test's own listings and downloads of the trail (object-level
    // calls for CloudTrail, ListObjectsV2 included) are not in it.
    for data_call in ["ListObjectsV2", "GetObject", "HeadBucket"] {
        assert!(
            !events.iter().any(|e| e["eventName"] == data_call),
            "{data_call} is a data event"
        );
    }
    let policy_put = events
        .iter()
        .find(|e| e["eventName"] == "PutBucketPolicy")
        .expect("the policy change is in the trail");
    assert_eq!(policy_put["eventSource"], "s3.amazonaws.com");
    assert_eq!(policy_put["eventCategory"], "Management");
    assert_eq!(policy_put["userIdentity"]["type"], "Root");
}
