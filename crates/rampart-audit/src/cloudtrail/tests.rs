use std::io::Read;
use std::time::{Duration, UNIX_EPOCH};

use flate2::read::GzDecoder;

use super::*;
use crate::facts::{AuthKind, Denial, Service, SessionFacts, sample_facts};

#[test]
fn golden_iam_user_get_object() {
    let mut f = sample_facts();
    f.request_parameters = Some(json!({"bucketName": "bucket1", "key": "photos/cat.jpg"}));
    let event = event_json(&f, "11111111-2222-3333-4444-555555555555");
    assert_eq!(
        event,
        json!({
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "IAMUser",
                "principalId": "AIDAJ45Q7YFFAREXAMPLE",
                "arn": "arn:aws:iam::123456789012:user/alice",
                "accountId": "123456789012",
                "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "userName": "alice"
            },
            "eventTime": "2019-02-06T00:00:38Z",
            "eventSource": "s3.amazonaws.com",
            "eventName": "GetObject",
            "awsRegion": "us-west-1",
            "sourceIPAddress": "192.0.2.3",
            "userAgent": "aws-cli/2.15.0",
            "requestParameters": {"bucketName": "bucket1", "key": "photos/cat.jpg"},
            "responseElements": null,
            "additionalEventData": {
                "SignatureVersion": "SigV4",
                "CipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
                "bytesTransferredIn": 0,
                "AuthenticationMethod": "AuthHeader",
                "x-amz-id-2": "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6Uk=",
                "bytesTransferredOut": 2662992
            },
            "requestID": "3E57427F3EXAMPLE",
            "eventID": "11111111-2222-3333-4444-555555555555",
            "readOnly": true,
            "resources": [
                {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::bucket1/photos/cat.jpg"},
                {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::bucket1"}
            ],
            "eventType": "AwsApiCall",
            "managementEvent": false,
            "recipientAccountId": "123456789012",
            "eventCategory": "Data",
            "tlsDetails": {
                "tlsVersion": "TLSv1.2",
                "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
                "clientProvidedHostHeader": "bucket1.s3.us-west-1.example.com"
            }
        })
    );
    assert!(event.get("errorCode").is_none());
    assert!(event.get("errorMessage").is_none());
    assert!(event.get("rampartDecision").is_none());
}

#[test]
fn anonymous_denied_plain_http() {
    let mut f = sample_facts();
    f.requester = Default::default();
    f.auth = AuthKind::Anonymous;
    f.signature_version = None;
    f.tls_version = None;
    f.cipher_suite = None;
    f.http_status = 403;
    f.error_code = Some("AccessDenied".into());
    f.error_message = Some("Access Denied".into());
    f.denial = Some(Denial {
        layer: "bucket-policy".into(),
        policy: Some("arn:aws:s3:::bucket1".into()),
        statement: Some("DenyAll".into()),
        kind: "explicit".into(),
    });
    let e = event_json(&f, "id");
    assert_eq!(
        e["userIdentity"],
        json!({"type": "AWSAccount", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"})
    );
    assert_eq!(e["errorCode"], "AccessDenied");
    assert_eq!(e["errorMessage"], "Access Denied");
    assert!(e.get("tlsDetails").is_none());
    assert!(e.get("recipientAccountId").is_none());
    assert!(
        e["additionalEventData"]
            .get("AuthenticationMethod")
            .is_none()
    );
    assert_eq!(
        e["rampartDecision"],
        json!({
            "layer": "bucket-policy",
            "policy": "arn:aws:s3:::bucket1",
            "statement": "DenyAll",
            "kind": "explicit"
        })
    );
    // An implicit denial names no policy.
    f.denial = Some(Denial {
        layer: "identity".into(),
        policy: None,
        statement: None,
        kind: "implicit".into(),
    });
    assert_eq!(
        event_json(&f, "id")["rampartDecision"],
        json!({"layer": "identity", "kind": "implicit"})
    );
}

#[test]
fn assumed_role_session_and_management_event() {
    let mut f = sample_facts();
    f.service = Service::Iam;
    f.operation = Some("CreateUser".into());
    f.data_event = false;
    f.read_only = false;
    f.requester.identity_type = Some("AssumedRole".into());
    f.requester.arn = Some("arn:aws:sts::123456789012:assumed-role/Admin/sess".into());
    f.requester.principal_id = Some("AROAEXAMPLE:sess".into());
    f.requester.access_key_id = Some("ASIAEXAMPLE".into());
    f.requester.session = Some(SessionFacts {
        creation_date: Some(UNIX_EPOCH + Duration::from_secs(1_800_000_000)),
        mfa_authenticated: true,
        issuer_arn: Some("arn:aws:iam::123456789012:role/ops/Admin".into()),
    });
    let e = event_json(&f, "id");
    assert_eq!(
        e["userIdentity"],
        json!({
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLE:sess",
            "arn": "arn:aws:sts::123456789012:assumed-role/Admin/sess",
            "accountId": "123456789012",
            "accessKeyId": "ASIAEXAMPLE",
            "sessionContext": {
                "attributes": {"creationDate": "2027-01-15T08:00:00Z", "mfaAuthenticated": "true"},
                "sessionIssuer": {
                    "type": "Role",
                    "arn": "arn:aws:iam::123456789012:role/ops/Admin",
                    "accountId": "123456789012",
                    "userName": "Admin"
                }
            }
        })
    );
    assert_eq!(e["eventSource"], "iam.amazonaws.com");
    assert_eq!(e["managementEvent"], true);
    assert_eq!(e["eventCategory"], "Management");
    assert_eq!(e["readOnly"], false);
    assert!(e.get("additionalEventData").is_none());
}

#[test]
fn secrets_are_hidden_at_any_depth() {
    let mut f = sample_facts();
    f.request_parameters = Some(json!({
        "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG",
        "x-amz-server-side-encryption-customer-key": "c2VjcmV0",
        "x-amz-server-side-encryption-customer-key-MD5": "bWQ1",
        "nested": [{"Plaintext": "aGk="}, {"deeper": {"password": 987654, "userName": "bob"}}],
        "NewPassword": "hunter2",
        "continuationToken": "not-secret"
    }));
    f.response_elements = Some(json!({
        "credentials": {"accessKeyId": "ASIA1", "sessionToken": "IQoJb3JpZ2lu", "secret_access_key": "x"}
    }));
    let e = event_json(&f, "id");
    assert_eq!(
        e["requestParameters"],
        json!({
            "SecretAccessKey": HIDDEN,
            "x-amz-server-side-encryption-customer-key": HIDDEN,
            "x-amz-server-side-encryption-customer-key-MD5": "bWQ1",
            "nested": [{"Plaintext": HIDDEN}, {"deeper": {"password": HIDDEN, "userName": "bob"}}],
            "NewPassword": HIDDEN,
            "continuationToken": "not-secret"
        })
    );
    assert_eq!(
        e["responseElements"],
        json!({"credentials": {"accessKeyId": "ASIA1", "sessionToken": HIDDEN, "secret_access_key": HIDDEN}})
    );
    let text = e.to_string();
    for secret in [
        "wJalrXUtnFEMI",
        "c2VjcmV0",
        "aGk=",
        "987654",
        "hunter2",
        "IQoJb3JpZ2lu",
    ] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}

#[test]
fn object_keys_follow_cloudtrail_layout() {
    // 2026-11-23T05:06:12Z
    let t = UNIX_EPOCH + Duration::from_secs(1_795_410_372);
    assert_eq!(iso8601(t), "2026-11-23T05:06:12Z");
    assert_eq!(
        cloudtrail_object_key(None, "123456789012", "us-east-1", t, "AbCd1234"),
        "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/\
         123456789012_CloudTrail_us-east-1_20261123T0506Z_AbCd1234.json.gz"
    );
    for prefix in ["trails", "trails/", "/trails/"] {
        assert_eq!(
            cloudtrail_object_key(Some(prefix), "1", "eu-west-1", t, "u"),
            "trails/AWSLogs/1/CloudTrail/eu-west-1/2026/11/23/1_CloudTrail_eu-west-1_20261123T0506Z_u.json.gz"
        );
    }
    assert_eq!(
        cloudtrail_object_key(Some(""), "1", "r", UNIX_EPOCH, "u"),
        "AWSLogs/1/CloudTrail/r/1970/01/01/1_CloudTrail_r_19700101T0000Z_u.json.gz"
    );
}

#[test]
fn file_is_gzipped_records_document() {
    let events = vec![
        event_json(&sample_facts(), "a"),
        event_json(&sample_facts(), "b"),
    ];
    let gz = cloudtrail_file(&events);
    assert_eq!(&gz[..2], &[0x1f, 0x8b]);
    let mut text = String::new();
    GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc, json!({ "Records": events }));

    let mut text = String::new();
    GzDecoder::new(&cloudtrail_file(&[])[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "{\"Records\":[]}");
}

#[test]
fn event_lines_are_the_events_as_compact_json() {
    let mut f = sample_facts();
    f.request_parameters = Some(json!({"password": "hunter2", "userName": "bob"}));
    f.denial = Some(Denial {
        layer: "bucket-policy".into(),
        policy: Some("arn:aws:s3:::bucket1".into()),
        statement: Some("DenyAll".into()),
        kind: "explicit".into(),
    });
    let mut line = String::from("prefix:");
    push_event_line(&f, "id-1", &mut line);
    let json = line.strip_prefix("prefix:").unwrap();
    assert!(!json.contains('\n') && !json.contains("hunter2"));
    let parsed: Value = serde_json::from_str(json).unwrap();
    assert_eq!(parsed, event_json(&f, "id-1"));
    assert_eq!(parsed["rampartDecision"]["statement"], "DenyAll");
}

#[test]
fn file_of_event_lines_is_the_same_document() {
    let mut f = sample_facts();
    let mut lines = String::new();
    for id in ["a", "b"] {
        push_event_line(&f, id, &mut lines);
        lines.push('\n');
        f.key = Some("other".into());
    }
    let mut text = String::new();
    GzDecoder::new(&cloudtrail_file_of_lines(lines.as_bytes())[..])
        .read_to_string(&mut text)
        .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let records = doc["Records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["eventID"], "a");
    assert_eq!(records[1]["requestParameters"]["key"], "other");
    let mut empty = String::new();
    GzDecoder::new(&cloudtrail_file_of_lines(b"")[..])
        .read_to_string(&mut empty)
        .unwrap();
    assert_eq!(empty, r#"{"Records":[]}"#);
}
