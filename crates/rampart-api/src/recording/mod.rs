//! Recording every finished request once: what the pipeline saw ([`Seen`]) becomes
//! [`RequestFacts`] when the response's last byte has gone (or the client went away), and the
//! facts feed the metrics, the server access logs and the audit trail.

pub mod access_log;
pub mod audit;
mod batch;
mod body;
mod delivery;
pub(crate) mod parameters;
pub mod trail_delivery;

use std::sync::Arc;
use std::time::SystemTime;

use rampart_audit::metrics::Metrics;
use rampart_audit::{AuthKind, Denial, RequestFacts, Requester, Service, SessionFacts};
use rampart_engine::BucketRecord;
use rampart_iam::Principal;

pub(crate) use body::RecordedBody;

use crate::authz::AuthType;
use crate::router::Endpoint;

/// A consumer of finished requests' facts (the access-log spool, the audit trail). Called on
/// the connection's task as the response ends: it must not block.
pub trait FactsSink: Send + Sync {
    fn accept(&self, facts: &RequestFacts, bucket: Option<&BucketRecord>);

    /// Whether this sink reads IAM, STS and KMS calls' parameters and results, which cost a
    /// conversion per call to gather.
    fn wants_call_details(&self) -> bool {
        false
    }
}

/// Where finished requests go.
pub struct Recorder {
    pub metrics: Arc<Metrics>,
    sinks: Vec<Arc<dyn FactsSink>>,
}

impl Recorder {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self {
            metrics,
            sinks: Vec::new(),
        }
    }

    pub fn with_sink(mut self, sink: Arc<dyn FactsSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    /// Whether any sink reads IAM, STS and KMS calls' parameters and results.
    pub(crate) fn wants_call_details(&self) -> bool {
        self.sinks.iter().any(|s| s.wants_call_details())
    }

    pub(crate) fn record(&self, facts: &RequestFacts, bucket: Option<&BucketRecord>) {
        self.metrics.observe(facts);
        for sink in &self.sinks {
            sink.accept(facts, bucket);
        }
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new(Arc::new(Metrics::new()))
    }
}

/// The error an IAM, STS or KMS answer carries (those services answer in their own formats,
/// not through `ApiError`), put into the response's extensions for its record.
#[derive(Clone, Debug)]
pub struct RecordedError {
    pub code: String,
    pub message: String,
}

/// The objects a DeleteObjects request deleted, put into its response's extensions for the
/// access log (S3 writes a record for each).
#[derive(Clone, Debug, Default)]
pub struct RecordedBatchDeletions(pub Vec<rampart_audit::BatchDeletion>);

/// What the pipeline learned about a request on its way through, for its facts.
#[derive(Default)]
pub(crate) struct Seen {
    pub service: Option<Service>,
    pub operation: Option<String>,
    pub principal: Option<Principal>,
    pub auth: Option<AuthType>,
    pub bucket: Option<String>,
    pub bucket_record: Option<Arc<BucketRecord>>,
    pub key: Option<String>,
    /// Why authorization refused the request, when it did.
    pub denial: Option<Denial>,
    pub acl_required: bool,
    /// IAM, STS and KMS calls: CloudTrail's `requestParameters` and `responseElements`.
    pub request_parameters: Option<serde_json::Value>,
    pub response_elements: Option<serde_json::Value>,
    /// DeleteObjects: what it deleted.
    pub batch_deletions: Vec<rampart_audit::BatchDeletion>,
}

impl Seen {
    pub fn saw_endpoint(&mut self, endpoint: Endpoint) {
        if !matches!(endpoint, Endpoint::QueryApi | Endpoint::Health) {
            self.service = Some(Service::S3);
            self.operation = Some(endpoint.name().to_owned());
        }
    }
}

/// The parts of a request known when it arrives.
pub(crate) struct Arrival {
    pub time: SystemTime,
    pub request_id: String,
    pub host_id: String,
    pub method: String,
    pub request_target: String,
    pub http_version: String,
    pub remote_ip: Option<std::net::IpAddr>,
    pub referer: Option<String>,
    pub user_agent: Option<String>,
    pub host_header: Option<String>,
    pub tls_version: Option<&'static str>,
    pub cipher_suite: Option<&'static str>,
    pub bytes_received: Option<u64>,
    pub version_id_asked: Option<String>,
    pub region: String,
}

/// What the response said.
pub(crate) struct Outcome {
    pub status: u16,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub version_id: Option<String>,
    pub object_size: Option<u64>,
    pub turn_around_ms: u64,
}

pub(crate) fn facts(
    arrival: Arrival,
    seen: &Seen,
    outcome: Outcome,
    bytes_sent: u64,
    total_ms: u64,
) -> RequestFacts {
    let service = seen.service.unwrap_or(Service::S3);
    let operation = seen.operation.clone();
    let read_only = operation.as_deref().is_some_and(|op| {
        ["Get", "Head", "List", "Describe"]
            .iter()
            .any(|p| op.starts_with(p))
    });
    let data_event = is_data_event(service, operation.as_deref(), seen.key.is_some());
    let auth = match (&seen.principal, seen.auth) {
        (_, Some(AuthType::Header)) => AuthKind::Header,
        (_, Some(AuthType::QueryString)) => AuthKind::QueryString,
        (_, Some(AuthType::Post)) => AuthKind::Post,
        _ => AuthKind::Anonymous,
    };
    let signed = auth != AuthKind::Anonymous;
    RequestFacts {
        time: arrival.time,
        request_id: arrival.request_id,
        host_id: arrival.host_id,
        service,
        operation,
        method: arrival.method,
        request_target: arrival.request_target,
        http_version: arrival.http_version,
        remote_ip: arrival.remote_ip,
        bucket: seen.bucket.clone(),
        bucket_owner: seen
            .bucket_record
            .as_ref()
            .map(|b| b.owner.canonical_id.to_string()),
        key: seen.key.clone(),
        version_id: outcome.version_id.or(arrival.version_id_asked),
        http_status: outcome.status,
        error_code: outcome.error_code,
        error_message: outcome.error_message,
        bytes_sent: (bytes_sent > 0).then_some(bytes_sent),
        bytes_received: arrival.bytes_received,
        object_size: outcome.object_size,
        total_time_ms: total_ms,
        turn_around_time_ms: Some(outcome.turn_around_ms),
        referer: arrival.referer,
        user_agent: arrival.user_agent,
        auth,
        signature_version: signed.then(|| "SigV4".to_owned()),
        cipher_suite: arrival.cipher_suite.map(str::to_owned),
        tls_version: arrival.tls_version.map(|v| format!("TLSv{v}")),
        host_header: arrival.host_header,
        acl_required: seen.acl_required,
        requester: requester(seen.principal.as_ref()),
        denial: seen.denial.clone(),
        request_parameters: seen.request_parameters.clone(),
        response_elements: seen.response_elements.clone(),
        read_only,
        data_event,
        // The audit trail derives S3's resources from the bucket and key when it needs them.
        resources: Vec::new(),
        region: arrival.region,
        batch_deletions: seen.batch_deletions.clone(),
    }
}

/// Whether CloudTrail counts the call as a data event: S3's object-level operations, and the
/// bucket-level calls it logs as object-level ones (listing objects and versions, HeadBucket,
/// DeleteObjects). A CORS preflight on an object is a bucket-level (management) event.
fn is_data_event(service: Service, operation: Option<&str>, names_key: bool) -> bool {
    const OBJECT_LEVEL_BUCKET_CALLS: &[&str] = &[
        "ListObjects",
        "ListObjectsV2",
        "ListObjectVersions",
        "HeadBucket",
        "DeleteObjects",
    ];
    if service != Service::S3 || operation == Some("CorsPreflight") {
        return false;
    }
    names_key || operation.is_some_and(|op| OBJECT_LEVEL_BUCKET_CALLS.contains(&op))
}

fn requester(principal: Option<&Principal>) -> Requester {
    let Some(principal) = principal.filter(|p| !matches!(p, Principal::Anonymous)) else {
        return Requester::default();
    };
    let identity_type = match principal {
        Principal::AccountRoot { .. } => "Root",
        Principal::User { .. } => "IAMUser",
        Principal::AssumedRole { .. } => "AssumedRole",
        Principal::Anonymous => "Anonymous",
    };
    let issuer_arn = match principal {
        Principal::AssumedRole { role, .. } => Some(role.arn.clone()),
        _ => None,
    };
    Requester {
        identity_type: Some(identity_type.to_owned()),
        arn: Some(principal.arn()),
        principal_id: Some(principal.user_id()),
        account_id: principal.account().map(|a| a.id.to_string()),
        canonical_id: principal.account().map(|a| a.canonical_id.to_string()),
        access_key_id: principal.access_key_id().map(|k| k.as_str().to_owned()),
        session: principal.session().map(|s| SessionFacts {
            creation_date: Some(s.issued_at),
            mfa_authenticated: s.mfa_authenticated,
            issuer_arn,
        }),
    }
}

/// What is known of a request as it arrives.
pub(crate) fn arrival(
    request: &axum::extract::Request,
    request_id: &str,
    host_id: &str,
    region: &str,
) -> Arrival {
    let headers = request.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let tls = request.extensions().get::<crate::TlsInfo>();
    let declared = header("x-amz-decoded-content-length").or_else(|| header("content-length"));
    // Parsed only when present: most requests name no version.
    let version_id_asked = request
        .uri()
        .query()
        .filter(|q| q.contains("versionId"))
        .and_then(|q| crate::query::Query::parse(q).ok())
        .and_then(|q| q.get("versionId").map(str::to_owned));
    Arrival {
        time: SystemTime::now(),
        request_id: request_id.to_owned(),
        host_id: host_id.to_owned(),
        method: request.method().as_str().to_owned(),
        request_target: request.uri().path_and_query().map_or_else(
            || request.uri().path().to_owned(),
            |pq| pq.as_str().to_owned(),
        ),
        http_version: format!("{:?}", request.version()),
        remote_ip: request
            .extensions()
            .get::<crate::PeerAddr>()
            .map(|p| p.0.ip().to_canonical()),
        referer: header("referer"),
        user_agent: header("user-agent"),
        host_header: header("host"),
        tls_version: tls.map(|t| t.version),
        cipher_suite: tls.and_then(|t| t.cipher_suite),
        bytes_received: declared.and_then(|v| v.trim().parse().ok()),
        version_id_asked,
        region: region.to_owned(),
    }
}

/// Wraps `response`'s body so that the request is recorded when it ends.
pub(crate) fn attach(
    recorder: &Arc<Recorder>,
    mut response: axum::response::Response,
    arrival: Arrival,
    mut seen: Seen,
    error: Option<(String, String)>,
    started: std::time::Instant,
) -> axum::response::Response {
    let error = error.or_else(|| {
        response
            .extensions_mut()
            .remove::<RecordedError>()
            .map(|e| (e.code, e.message))
    });
    if let Some(deleted) = response.extensions_mut().remove::<RecordedBatchDeletions>() {
        seen.batch_deletions = deleted.0;
    }
    let headers = response.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let status = response.status().as_u16();
    let object_size = match seen.operation.as_deref() {
        Some("GetObject" | "HeadObject") if status < 300 => header("content-range")
            .and_then(|r| r.rsplit('/').next())
            .or_else(|| header("content-length"))
            .and_then(|v| v.parse().ok()),
        Some("PutObject" | "UploadPart" | "PostObject") => arrival.bytes_received,
        _ => None,
    };
    let (error_code, error_message) = match error {
        Some((code, message)) => (Some(code), Some(message)),
        None => (None, None),
    };
    let outcome = Outcome {
        status,
        error_code,
        error_message,
        version_id: header("x-amz-version-id").map(str::to_owned),
        object_size,
        turn_around_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    let (parts, body) = response.into_parts();
    let pending = body::Pending {
        recorder: recorder.clone(),
        arrival,
        seen,
        outcome,
        started,
    };
    axum::response::Response::from_parts(parts, RecordedBody::wrap(body, pending))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_events_follow_cloudtrails_list() {
        for (op, key, data) in [
            ("GetObject", true, true),
            ("PutObject", true, true),
            ("ListParts", true, true),
            ("CorsPreflight", true, false),
            ("ListObjectsV2", false, true),
            ("ListObjects", false, true),
            ("ListObjectVersions", false, true),
            ("HeadBucket", false, true),
            ("DeleteObjects", false, true),
            ("ListMultipartUploads", false, false),
            ("CreateBucket", false, false),
            ("PutBucketPolicy", false, false),
            ("ListBuckets", false, false),
        ] {
            assert_eq!(is_data_event(Service::S3, Some(op), key), data, "{op}");
        }
        assert!(!is_data_event(Service::Kms, Some("Decrypt"), false));
        assert!(!is_data_event(Service::Iam, Some("ListUsers"), false));
        assert!(!is_data_event(Service::S3, None, false));
    }
}
