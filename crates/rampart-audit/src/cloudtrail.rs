//! CloudTrail-style audit events: one JSON record per request in the shape of CloudTrail's
//! "record contents", so that tools reading CloudTrail (Athena's CloudTrail table, SIEM
//! parsers) read ours; [`AuditLog`] writes them as JSON lines to rotated local files, and
//! [`cloudtrail_file`] / [`cloudtrail_object_key`] package them the way CloudTrail delivers to
//! a bucket.

use std::time::SystemTime;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::facts::{AuthKind, RequestFacts, Service};

mod audit_log;

pub use audit_log::{AuditLog, AuditLogConfig};

/// The CloudTrail record version whose fields these events carry.
pub const EVENT_VERSION: &str = "1.09";

/// What CloudTrail writes in place of a sensitive value.
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// CloudTrail's `accountId` for an unauthenticated S3 caller.
const ANONYMOUS_PRINCIPAL: &str = "ANONYMOUS_PRINCIPAL";

/// Parameter names whose values are secrets, compared lower-case with `-` and `_` removed. The
/// facts are built never to carry secrets; this is the second line, so that a parameter added
/// carelessly later still cannot put one in a log.
const SECRET_NAMES: &[&str] = &[
    "secretaccesskey",
    "secretkey",
    "secret",
    "sessiontoken",
    "xamzsecuritytoken",
    "securitytoken",
    "password",
    "oldpassword",
    "newpassword",
    "privatekey",
    "plaintext",
    "authorization",
    "signature",
    "xamzsignature",
    "xamzserversideencryptioncustomerkey",
    "xamzcopysourceserversideencryptioncustomerkey",
    "ssecustomerkey",
    "copysourcessecustomerkey",
];

/// One CloudTrail record for `facts`, with `event_id` as its `eventID`.
pub fn event_json(facts: &RequestFacts, event_id: &str) -> Value {
    let f = facts;
    let mut e = Map::new();
    e.insert("eventVersion".into(), EVENT_VERSION.into());
    e.insert("userIdentity".into(), user_identity(f));
    e.insert("eventTime".into(), iso8601(f.time).into());
    e.insert("eventSource".into(), f.service.event_source().into());
    e.insert(
        "eventName".into(),
        f.operation.clone().map_or(Value::Null, Value::String),
    );
    e.insert("awsRegion".into(), f.region.clone().into());
    if let Some(ip) = f.remote_ip {
        e.insert("sourceIPAddress".into(), ip.to_string().into());
    }
    if let Some(ua) = &f.user_agent {
        e.insert("userAgent".into(), ua.clone().into());
    }
    if let Some(code) = &f.error_code {
        e.insert("errorCode".into(), code.clone().into());
    }
    if let Some(message) = &f.error_message {
        e.insert("errorMessage".into(), message.clone().into());
    }
    let parameters = match (&f.request_parameters, f.service, &f.bucket) {
        (Some(p), _, _) => redacted(p),
        // S3's requestParameters name the bucket, the key and the Host, as CloudTrail's do.
        (None, Service::S3, Some(bucket)) => {
            let mut p = Map::new();
            p.insert("bucketName".into(), bucket.clone().into());
            if let Some(key) = &f.key {
                p.insert("key".into(), key.clone().into());
            }
            if let Some(host) = &f.host_header {
                p.insert("Host".into(), host.clone().into());
            }
            Value::Object(p)
        }
        _ => Value::Null,
    };
    e.insert("requestParameters".into(), parameters);
    e.insert(
        "responseElements".into(),
        f.response_elements.as_ref().map_or(Value::Null, redacted),
    );
    if f.service == Service::S3 {
        e.insert("additionalEventData".into(), s3_additional_data(f));
    }
    e.insert("requestID".into(), f.request_id.clone().into());
    e.insert("eventID".into(), event_id.into());
    e.insert("readOnly".into(), f.read_only.into());
    let mut resources: Vec<Value> = f
        .resources
        .iter()
        .map(|(kind, arn)| json!({ "type": kind, "ARN": arn }))
        .collect();
    if resources.is_empty()
        && f.service == Service::S3
        && let Some(bucket) = &f.bucket
    {
        // S3's resources follow from the bucket and key; the facts need not carry them.
        resources
            .push(json!({ "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}") }));
        if let Some(key) = &f.key {
            resources.push(
                json!({ "type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{bucket}/{key}") }),
            );
        }
    }
    if !resources.is_empty() {
        e.insert("resources".into(), resources.into());
    }
    e.insert("eventType".into(), "AwsApiCall".into());
    e.insert("managementEvent".into(), (!f.data_event).into());
    // The bucket owner's account is not among the facts (only its canonical id); the
    // requester's account is the one that received the event for its own call.
    if let Some(account) = &f.requester.account_id {
        e.insert("recipientAccountId".into(), account.clone().into());
    }
    let category = if f.data_event { "Data" } else { "Management" };
    e.insert("eventCategory".into(), category.into());
    if let Some(tls_version) = &f.tls_version {
        let mut tls = Map::new();
        tls.insert("tlsVersion".into(), tls_version.clone().into());
        if let Some(cipher) = &f.cipher_suite {
            tls.insert("cipherSuite".into(), cipher.clone().into());
        }
        if let Some(host) = &f.host_header {
            tls.insert("clientProvidedHostHeader".into(), host.clone().into());
        }
        e.insert("tlsDetails".into(), tls.into());
    }
    if let Some(d) = &f.denial {
        // Not a CloudTrail field: which authorization layer refused, and why.
        let mut decision = Map::new();
        decision.insert("layer".into(), d.layer.clone().into());
        if let Some(policy) = &d.policy {
            decision.insert("policy".into(), policy.clone().into());
        }
        if let Some(statement) = &d.statement {
            decision.insert("statement".into(), statement.clone().into());
        }
        decision.insert("kind".into(), d.kind.clone().into());
        e.insert("rampartDecision".into(), decision.into());
    }
    Value::Object(e)
}

/// CloudTrail's `userIdentity`. An anonymous S3 caller is, as CloudTrail records it, an
/// `AWSAccount` whose `accountId` is `ANONYMOUS_PRINCIPAL`.
fn user_identity(f: &RequestFacts) -> Value {
    let r = &f.requester;
    let Some(kind) = &r.identity_type else {
        return json!({
            "type": "AWSAccount",
            "principalId": "",
            "accountId": ANONYMOUS_PRINCIPAL,
        });
    };
    let mut u = Map::new();
    u.insert("type".into(), kind.clone().into());
    insert_some(&mut u, "principalId", &r.principal_id);
    insert_some(&mut u, "arn", &r.arn);
    insert_some(&mut u, "accountId", &r.account_id);
    insert_some(&mut u, "accessKeyId", &r.access_key_id);
    if kind == "IAMUser"
        && let Some(name) = r.arn.as_deref().and_then(arn_resource_name)
    {
        u.insert("userName".into(), name.into());
    }
    if let Some(session) = &r.session {
        let mut attributes = Map::new();
        if let Some(created) = session.creation_date {
            attributes.insert("creationDate".into(), iso8601(created).into());
        }
        let mfa = if session.mfa_authenticated {
            "true"
        } else {
            "false"
        };
        attributes.insert("mfaAuthenticated".into(), mfa.into());
        let mut context = Map::new();
        context.insert("attributes".into(), attributes.into());
        if let Some(issuer) = &session.issuer_arn {
            context.insert("sessionIssuer".into(), session_issuer(issuer));
        }
        u.insert("sessionContext".into(), context.into());
    }
    Value::Object(u)
}

/// `sessionIssuer` from the issuer's ARN (`arn:aws:iam::123456789012:role/path/Name`).
fn session_issuer(arn: &str) -> Value {
    let mut issuer = Map::new();
    let resource = arn.splitn(6, ':').nth(5).unwrap_or("");
    let kind = match resource.split('/').next() {
        Some("role") => "Role",
        Some("user") => "IAMUser",
        Some("root") => "Root",
        _ => "Unknown",
    };
    issuer.insert("type".into(), kind.into());
    issuer.insert("arn".into(), arn.into());
    if let Some(account) = arn.split(':').nth(4).filter(|a| !a.is_empty()) {
        issuer.insert("accountId".into(), account.into());
    }
    if let Some(name) = arn_resource_name(arn) {
        issuer.insert("userName".into(), name.into());
    }
    Value::Object(issuer)
}

/// The last path segment of an ARN's resource (`user/dev/alice` → `alice`).
fn arn_resource_name(arn: &str) -> Option<String> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let (_, name) = resource.rsplit_once('/')?;
    (!name.is_empty()).then(|| name.to_owned())
}

/// S3's `additionalEventData`, as CloudTrail records it for S3 calls.
fn s3_additional_data(f: &RequestFacts) -> Value {
    let mut d = Map::new();
    insert_some(&mut d, "SignatureVersion", &f.signature_version);
    insert_some(&mut d, "CipherSuite", &f.cipher_suite);
    d.insert(
        "bytesTransferredIn".into(),
        f.bytes_received.unwrap_or(0).into(),
    );
    let method = match f.auth {
        AuthKind::Header => Some("AuthHeader"),
        AuthKind::QueryString => Some("QueryString"),
        AuthKind::Post => Some("PostForm"),
        AuthKind::Anonymous => None,
    };
    if let Some(method) = method {
        d.insert("AuthenticationMethod".into(), method.into());
    }
    d.insert("x-amz-id-2".into(), f.host_id.clone().into());
    d.insert(
        "bytesTransferredOut".into(),
        f.bytes_sent.unwrap_or(0).into(),
    );
    Value::Object(d)
}

/// A copy of `value` with every secret-named member's value replaced by [`HIDDEN`], at any
/// depth.
pub fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_name(k) {
                        Value::String(HIDDEN.to_owned())
                    } else {
                        redacted(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

fn is_secret_name(name: &str) -> bool {
    let normalized: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_NAMES.contains(&normalized.as_str())
}

fn insert_some(map: &mut Map<String, Value>, name: &str, value: &Option<String>) {
    if let Some(v) = value {
        map.insert(name.into(), v.clone().into());
    }
}

/// `2026-11-23T05:06:12Z`.
pub(crate) fn iso8601(t: SystemTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from(t)
        .format(&fmt)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// The key CloudTrail gives a delivered log file:
/// `[<prefix>/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`.
pub fn cloudtrail_object_key(
    prefix: Option<&str>,
    account: &str,
    region: &str,
    time: SystemTime,
    unique: &str,
) -> String {
    let t = OffsetDateTime::from(time);
    let day = format_description!("[year]/[month]/[day]");
    let stamp = format_description!("[year][month][day]T[hour][minute]Z");
    let day = t.format(&day).unwrap_or_default();
    let stamp = t.format(&stamp).unwrap_or_default();
    let mut key = String::new();
    if let Some(p) = prefix
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty())
    {
        key.push_str(p);
        key.push('/');
    }
    key.push_str(&format!(
        "AWSLogs/{account}/CloudTrail/{region}/{day}/{account}_CloudTrail_{region}_{stamp}_{unique}.json.gz"
    ));
    key
}

/// A delivered CloudTrail log file: `{"Records":[…]}`, gzipped.
pub fn cloudtrail_file(events: &[Value]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    let doc = json!({ "Records": events });
    // Serializing a Value and writing into a Vec cannot fail: both only allocate.
    serde_json::to_writer(&mut gz, &doc).expect("writing JSON into memory");
    gz.finish().expect("gzip into memory")
}

#[cfg(test)]
mod tests;
