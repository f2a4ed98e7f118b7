//! One CloudTrail record, borrowed from the request's facts and serialized straight to JSON:
//! an event costs one string, not a tree of values built and dropped.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{ANONYMOUS_PRINCIPAL, EVENT_VERSION, HIDDEN, is_secret_name, iso8601, iso8601_cached};
use crate::facts::{AuthKind, RequestFacts, Service};

/// The record, in CloudTrail's field order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Event<'a> {
    event_version: &'static str,
    user_identity: UserIdentity<'a>,
    event_time: String,
    event_source: &'static str,
    event_name: Option<&'a str>,
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress", skip_serializing_if = "Option::is_none")]
    source_ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
    request_parameters: Parameters<'a>,
    response_elements: Option<Redacted<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_event_data: Option<S3EventData<'a>>,
    #[serde(rename = "requestID")]
    request_id: &'a str,
    #[serde(rename = "eventID")]
    event_id: &'a str,
    read_only: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<Resource<'a>>,
    event_type: &'static str,
    management_event: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_account_id: Option<&'a str>,
    event_category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_details: Option<TlsDetails<'a>>,
    /// Not a CloudTrail field: which authorization layer refused, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    rampart_decision: Option<Decision<'a>>,
}

impl<'a> Event<'a> {
    pub(super) fn of(f: &'a RequestFacts, event_id: &'a str) -> Self {
        Self {
            event_version: EVENT_VERSION,
            user_identity: UserIdentity::of(f),
            event_time: iso8601_cached(f.time),
            event_source: f.service.event_source(),
            event_name: f.operation.as_deref(),
            aws_region: &f.region,
            source_ip_address: f.remote_ip.map(|ip| ip.to_string()),
            user_agent: f.user_agent.as_deref(),
            error_code: f.error_code.as_deref(),
            error_message: f.error_message.as_deref(),
            request_parameters: Parameters::of(f),
            response_elements: f.response_elements.as_ref().map(Redacted),
            additional_event_data: (f.service == Service::S3).then(|| S3EventData::of(f)),
            request_id: &f.request_id,
            event_id,
            read_only: f.read_only,
            resources: Resource::of(f),
            event_type: "AwsApiCall",
            management_event: !f.data_event,
            // The bucket owner's account is not among the facts (only its canonical id); the
            // requester's account is the one that received the event for its own call.
            recipient_account_id: f.requester.account_id.as_deref(),
            event_category: if f.data_event { "Data" } else { "Management" },
            tls_details: f.tls_version.as_deref().map(|tls_version| TlsDetails {
                tls_version,
                cipher_suite: f.cipher_suite.as_deref(),
                client_provided_host_header: f.host_header.as_deref(),
            }),
            rampart_decision: f.denial.as_ref().map(|d| Decision {
                layer: &d.layer,
                policy: d.policy.as_deref(),
                statement: d.statement.as_deref(),
                kind: &d.kind,
            }),
        }
    }
}

/// CloudTrail's `userIdentity`. An anonymous S3 caller is, as CloudTrail records it, an
/// `AWSAccount` whose `accountId` is `ANONYMOUS_PRINCIPAL`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserIdentity<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_key_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_context: Option<SessionContext<'a>>,
}

impl<'a> UserIdentity<'a> {
    fn of(f: &'a RequestFacts) -> Self {
        let r = &f.requester;
        let Some(kind) = r.identity_type.as_deref() else {
            return Self {
                kind: "AWSAccount",
                principal_id: Some(""),
                arn: None,
                account_id: Some(ANONYMOUS_PRINCIPAL),
                access_key_id: None,
                user_name: None,
                session_context: None,
            };
        };
        Self {
            kind,
            principal_id: r.principal_id.as_deref(),
            arn: r.arn.as_deref(),
            account_id: r.account_id.as_deref(),
            access_key_id: r.access_key_id.as_deref(),
            user_name: if kind == "IAMUser" {
                r.arn.as_deref().and_then(arn_resource_name)
            } else {
                None
            },
            session_context: r.session.as_ref().map(|s| SessionContext {
                attributes: SessionAttributes {
                    creation_date: s.creation_date.map(iso8601),
                    mfa_authenticated: if s.mfa_authenticated { "true" } else { "false" },
                },
                session_issuer: s.issuer_arn.as_deref().map(SessionIssuer::of),
            }),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionContext<'a> {
    attributes: SessionAttributes,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_issuer: Option<SessionIssuer<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionAttributes {
    #[serde(skip_serializing_if = "Option::is_none")]
    creation_date: Option<String>,
    mfa_authenticated: &'static str,
}

/// `sessionIssuer`, from the issuer's ARN (`arn:aws:iam::123456789012:role/path/Name`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionIssuer<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
}

impl<'a> SessionIssuer<'a> {
    fn of(arn: &'a str) -> Self {
        let resource = arn.splitn(6, ':').nth(5).unwrap_or("");
        let kind = match resource.split('/').next() {
            Some("role") => "Role",
            Some("user") => "IAMUser",
            Some("root") => "Root",
            _ => "Unknown",
        };
        Self {
            kind,
            arn,
            account_id: arn.split(':').nth(4).filter(|a| !a.is_empty()),
            user_name: arn_resource_name(arn),
        }
    }
}

/// The last path segment of an ARN's resource (`user/dev/alice` → `alice`).
fn arn_resource_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let (_, name) = resource.rsplit_once('/')?;
    (!name.is_empty()).then_some(name)
}

/// `requestParameters`: the facts' own (redacted), or for S3 the bucket, key and Host, as
/// CloudTrail names them.
enum Parameters<'a> {
    Given(Redacted<'a>),
    S3 {
        bucket: &'a str,
        key: Option<&'a str>,
        host: Option<&'a str>,
    },
    None,
}

impl<'a> Parameters<'a> {
    fn of(f: &'a RequestFacts) -> Self {
        match (&f.request_parameters, f.service, &f.bucket) {
            (Some(p), _, _) => Self::Given(Redacted(p)),
            (None, Service::S3, Some(bucket)) => Self::S3 {
                bucket,
                key: f.key.as_deref(),
                host: f.host_header.as_deref(),
            },
            _ => Self::None,
        }
    }
}

impl Serialize for Parameters<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Given(p) => p.serialize(s),
            Self::S3 { bucket, key, host } => {
                let mut map = s.serialize_map(None)?;
                map.serialize_entry("bucketName", bucket)?;
                if let Some(key) = key {
                    map.serialize_entry("key", key)?;
                }
                if let Some(host) = host {
                    map.serialize_entry("Host", host)?;
                }
                map.end()
            }
            Self::None => s.serialize_none(),
        }
    }
}

/// A JSON value serialized with every secret-named member's value replaced by [`HIDDEN`], at
/// any depth.
pub(super) struct Redacted<'a>(pub &'a Value);

impl Serialize for Redacted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (name, value) in members {
                    if is_secret_name(name) {
                        map.serialize_entry(name, HIDDEN)?;
                    } else {
                        map.serialize_entry(name, &Redacted(value))?;
                    }
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Redacted(item))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

/// S3's `additionalEventData`, as CloudTrail records it for S3 calls.
#[derive(Serialize)]
struct S3EventData<'a> {
    #[serde(rename = "SignatureVersion", skip_serializing_if = "Option::is_none")]
    signature_version: Option<&'a str>,
    #[serde(rename = "CipherSuite", skip_serializing_if = "Option::is_none")]
    cipher_suite: Option<&'a str>,
    #[serde(rename = "bytesTransferredIn")]
    bytes_in: u64,
    #[serde(
        rename = "AuthenticationMethod",
        skip_serializing_if = "Option::is_none"
    )]
    authentication_method: Option<&'static str>,
    #[serde(rename = "x-amz-id-2")]
    host_id: &'a str,
    #[serde(rename = "bytesTransferredOut")]
    bytes_out: u64,
}

impl<'a> S3EventData<'a> {
    fn of(f: &'a RequestFacts) -> Self {
        Self {
            signature_version: f.signature_version.as_deref(),
            cipher_suite: f.cipher_suite.as_deref(),
            bytes_in: f.bytes_received.unwrap_or(0),
            authentication_method: match f.auth {
                AuthKind::Header => Some("AuthHeader"),
                AuthKind::QueryString => Some("QueryString"),
                AuthKind::Post => Some("PostForm"),
                AuthKind::Anonymous => None,
            },
            host_id: &f.host_id,
            bytes_out: f.bytes_sent.unwrap_or(0),
        }
    }
}

#[derive(Serialize)]
struct Resource<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(rename = "ARN")]
    arn: std::borrow::Cow<'a, str>,
}

impl<'a> Resource<'a> {
    fn of(f: &'a RequestFacts) -> Vec<Self> {
        if !f.resources.is_empty() {
            return f
                .resources
                .iter()
                .map(|(kind, arn)| Self {
                    kind,
                    arn: arn.as_str().into(),
                })
                .collect();
        }
        // S3's resources follow from the bucket and key; the facts need not carry them.
        let (Service::S3, Some(bucket)) = (f.service, &f.bucket) else {
            return Vec::new();
        };
        let mut resources = vec![Self {
            kind: "AWS::S3::Bucket",
            arn: format!("arn:aws:s3:::{bucket}").into(),
        }];
        if let Some(key) = &f.key {
            resources.push(Self {
                kind: "AWS::S3::Object",
                arn: format!("arn:aws:s3:::{bucket}/{key}").into(),
            });
        }
        resources
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TlsDetails<'a> {
    tls_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cipher_suite: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_provided_host_header: Option<&'a str>,
}

#[derive(Serialize)]
struct Decision<'a> {
    layer: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement: Option<&'a str>,
    kind: &'a str,
}
