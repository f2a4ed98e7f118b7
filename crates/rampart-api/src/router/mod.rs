//! Request routing: a pure function of method, host, path and query that names the S3
//! operation. No I/O, so the whole table is unit-tested against AWS's request examples.

use http::Method;

use crate::error::{ApiError, S3ErrorCode};
use crate::query::Query;

/// The S3 operations this server answers. Every variant names its operation (for logs and
/// metrics); `authz::s3_actions` names the IAM actions and resource that authorize it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Health,
    /// `GET /_rampart/ready`: the storage answers.
    Ready,
    /// `GET /_rampart/metrics`: Prometheus' text format.
    Metrics,
    ListBuckets,
    CreateBucket,
    HeadBucket,
    DeleteBucket,
    GetBucketLocation,
    ListObjects,
    ListObjectsV2,
    DeleteObjects,
    PutObject,
    CopyObject,
    GetObject,
    HeadObject,
    DeleteObject,
    CreateMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    ListMultipartUploads,
    GetObjectAttributes,
    GetObjectTagging,
    PutObjectTagging,
    DeleteObjectTagging,
    GetBucketTagging,
    PutBucketTagging,
    DeleteBucketTagging,
    GetBucketCors,
    PutBucketCors,
    DeleteBucketCors,
    GetBucketPolicy,
    PutBucketPolicy,
    DeleteBucketPolicy,
    GetBucketPolicyStatus,
    GetPublicAccessBlock,
    PutPublicAccessBlock,
    DeletePublicAccessBlock,
    GetBucketAcl,
    PutBucketAcl,
    GetObjectAcl,
    PutObjectAcl,
    GetBucketOwnershipControls,
    PutBucketOwnershipControls,
    DeleteBucketOwnershipControls,
    GetBucketEncryption,
    PutBucketEncryption,
    DeleteBucketEncryption,
    GetBucketVersioning,
    PutBucketVersioning,
    ListObjectVersions,
    GetObjectLockConfiguration,
    PutObjectLockConfiguration,
    GetObjectRetention,
    PutObjectRetention,
    GetObjectLegalHold,
    PutObjectLegalHold,
    GetBucketLogging,
    PutBucketLogging,
    /// S3 Control's account-level Block Public Access (`/v20180820/configuration/…` with
    /// `x-amz-account-id`).
    GetAccountPublicAccessBlock,
    PutAccountPublicAccessBlock,
    DeleteAccountPublicAccessBlock,
    /// A browser upload: `POST /bucket` with a `multipart/form-data` body.
    PostObject,
    /// A CORS preflight: `OPTIONS` on a bucket or object, answered from the bucket's rules.
    CorsPreflight,
    /// An AWS Query-protocol request (`POST /` with `Action=…`): IAM or STS, by the service
    /// its signature names.
    QueryApi,
    /// An S3 operation that exists but is not built here yet: answered with 501.
    NotImplemented(&'static str),
}

impl Endpoint {
    pub fn name(self) -> &'static str {
        match self {
            Self::Health => "Health",
            Self::Ready => "Ready",
            Self::Metrics => "Metrics",
            Self::ListBuckets => "ListBuckets",
            Self::CreateBucket => "CreateBucket",
            Self::HeadBucket => "HeadBucket",
            Self::DeleteBucket => "DeleteBucket",
            Self::GetBucketLocation => "GetBucketLocation",
            Self::ListObjects => "ListObjects",
            Self::ListObjectsV2 => "ListObjectsV2",
            Self::DeleteObjects => "DeleteObjects",
            Self::PutObject => "PutObject",
            Self::CopyObject => "CopyObject",
            Self::GetObject => "GetObject",
            Self::HeadObject => "HeadObject",
            Self::DeleteObject => "DeleteObject",
            Self::CreateMultipartUpload => "CreateMultipartUpload",
            Self::UploadPart => "UploadPart",
            Self::UploadPartCopy => "UploadPartCopy",
            Self::CompleteMultipartUpload => "CompleteMultipartUpload",
            Self::AbortMultipartUpload => "AbortMultipartUpload",
            Self::ListParts => "ListParts",
            Self::ListMultipartUploads => "ListMultipartUploads",
            Self::GetObjectAttributes => "GetObjectAttributes",
            Self::GetObjectTagging => "GetObjectTagging",
            Self::PutObjectTagging => "PutObjectTagging",
            Self::DeleteObjectTagging => "DeleteObjectTagging",
            Self::GetBucketTagging => "GetBucketTagging",
            Self::PutBucketTagging => "PutBucketTagging",
            Self::DeleteBucketTagging => "DeleteBucketTagging",
            Self::GetBucketCors => "GetBucketCors",
            Self::PutBucketCors => "PutBucketCors",
            Self::DeleteBucketCors => "DeleteBucketCors",
            Self::GetBucketPolicy => "GetBucketPolicy",
            Self::PutBucketPolicy => "PutBucketPolicy",
            Self::DeleteBucketPolicy => "DeleteBucketPolicy",
            Self::GetBucketPolicyStatus => "GetBucketPolicyStatus",
            Self::GetPublicAccessBlock => "GetPublicAccessBlock",
            Self::PutPublicAccessBlock => "PutPublicAccessBlock",
            Self::DeletePublicAccessBlock => "DeletePublicAccessBlock",
            Self::GetBucketAcl => "GetBucketAcl",
            Self::GetObjectAcl => "GetObjectAcl",
            Self::PutObjectAcl => "PutObjectAcl",
            Self::PutBucketAcl => "PutBucketAcl",
            Self::GetBucketOwnershipControls => "GetBucketOwnershipControls",
            Self::PutBucketOwnershipControls => "PutBucketOwnershipControls",
            Self::DeleteBucketOwnershipControls => "DeleteBucketOwnershipControls",
            Self::GetBucketEncryption => "GetBucketEncryption",
            Self::PutBucketEncryption => "PutBucketEncryption",
            Self::DeleteBucketEncryption => "DeleteBucketEncryption",
            Self::GetBucketVersioning => "GetBucketVersioning",
            Self::PutBucketVersioning => "PutBucketVersioning",
            Self::GetObjectLockConfiguration => "GetObjectLockConfiguration",
            Self::PutObjectLockConfiguration => "PutObjectLockConfiguration",
            Self::GetObjectRetention => "GetObjectRetention",
            Self::PutObjectRetention => "PutObjectRetention",
            Self::GetObjectLegalHold => "GetObjectLegalHold",
            Self::PutObjectLegalHold => "PutObjectLegalHold",
            Self::GetBucketLogging => "GetBucketLogging",
            Self::PutBucketLogging => "PutBucketLogging",
            Self::ListObjectVersions => "ListObjectVersions",
            Self::GetAccountPublicAccessBlock => "GetAccountPublicAccessBlock",
            Self::PutAccountPublicAccessBlock => "PutAccountPublicAccessBlock",
            Self::DeleteAccountPublicAccessBlock => "DeleteAccountPublicAccessBlock",
            Self::PostObject => "PostObject",
            Self::CorsPreflight => "CorsPreflight",
            Self::QueryApi => "QueryApi",
            Self::NotImplemented(name) => name,
        }
    }
}

/// A routed request: the operation and the raw (validated later) bucket name and key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub endpoint: Endpoint,
    pub bucket: Option<String>,
    pub key: Option<String>,
}

/// S3 Control's account-level Block Public Access document (with `x-amz-account-id`).
pub const ACCOUNT_PUBLIC_ACCESS_BLOCK_PATH: &str = "/v20180820/configuration/publicAccessBlock";

impl Route {
    /// An S3 Control request: the account's Block Public Access settings. S3 Control has its
    /// own host on AWS; here its path (and the account-id header every S3 Control call
    /// carries) set it apart from a bucket named `v20180820`.
    pub fn s3_control(method: &Method, raw_path: &str, has_account_id: bool) -> Option<Self> {
        if raw_path != ACCOUNT_PUBLIC_ACCESS_BLOCK_PATH || !has_account_id {
            return None;
        }
        let endpoint = match *method {
            Method::GET => Endpoint::GetAccountPublicAccessBlock,
            Method::PUT => Endpoint::PutAccountPublicAccessBlock,
            Method::DELETE => Endpoint::DeleteAccountPublicAccessBlock,
            _ => return None,
        };
        Some(Self {
            endpoint,
            bucket: None,
            key: None,
        })
    }
}

/// The path of the readiness probe on a path-style host (no bucket name starts with `_`).
pub const HEALTH_PATH: &str = "/_rampart/health";
/// The readiness probe: the server can reach its storage.
pub const READY_PATH: &str = "/_rampart/ready";
/// Prometheus metrics.
pub const METRICS_PATH: &str = "/_rampart/metrics";

/// Query parameters that select a bucket sub-resource, and the operation each names per method.
/// Operations listed here are S3's; those built are routed before this table is consulted.
const BUCKET_SUBRESOURCES: &[(&str, [&str; 4])] = &[
    // (name, [GET, PUT, DELETE, POST])
    (
        "accelerate",
        [
            "GetBucketAccelerateConfiguration",
            "PutBucketAccelerateConfiguration",
            "",
            "",
        ],
    ),
    ("acl", ["GetBucketAcl", "PutBucketAcl", "", ""]),
    (
        "analytics",
        [
            "GetBucketAnalyticsConfiguration",
            "PutBucketAnalyticsConfiguration",
            "DeleteBucketAnalyticsConfiguration",
            "",
        ],
    ),
    (
        "cors",
        ["GetBucketCors", "PutBucketCors", "DeleteBucketCors", ""],
    ),
    (
        "encryption",
        [
            "GetBucketEncryption",
            "PutBucketEncryption",
            "DeleteBucketEncryption",
            "",
        ],
    ),
    (
        "intelligent-tiering",
        [
            "GetBucketIntelligentTieringConfiguration",
            "PutBucketIntelligentTieringConfiguration",
            "DeleteBucketIntelligentTieringConfiguration",
            "",
        ],
    ),
    (
        "inventory",
        [
            "GetBucketInventoryConfiguration",
            "PutBucketInventoryConfiguration",
            "DeleteBucketInventoryConfiguration",
            "",
        ],
    ),
    (
        "lifecycle",
        [
            "GetBucketLifecycleConfiguration",
            "PutBucketLifecycleConfiguration",
            "DeleteBucketLifecycle",
            "",
        ],
    ),
    (
        "metadataConfiguration",
        [
            "GetBucketMetadataConfiguration",
            "",
            "DeleteBucketMetadataConfiguration",
            "CreateBucketMetadataConfiguration",
        ],
    ),
    (
        "metrics",
        [
            "GetBucketMetricsConfiguration",
            "PutBucketMetricsConfiguration",
            "DeleteBucketMetricsConfiguration",
            "",
        ],
    ),
    (
        "notification",
        [
            "GetBucketNotificationConfiguration",
            "PutBucketNotificationConfiguration",
            "",
            "",
        ],
    ),
    (
        "ownershipControls",
        [
            "GetBucketOwnershipControls",
            "PutBucketOwnershipControls",
            "DeleteBucketOwnershipControls",
            "",
        ],
    ),
    (
        "policy",
        [
            "GetBucketPolicy",
            "PutBucketPolicy",
            "DeleteBucketPolicy",
            "",
        ],
    ),
    ("policyStatus", ["GetBucketPolicyStatus", "", "", ""]),
    (
        "publicAccessBlock",
        [
            "GetPublicAccessBlock",
            "PutPublicAccessBlock",
            "DeletePublicAccessBlock",
            "",
        ],
    ),
    (
        "replication",
        [
            "GetBucketReplication",
            "PutBucketReplication",
            "DeleteBucketReplication",
            "",
        ],
    ),
    (
        "requestPayment",
        ["GetBucketRequestPayment", "PutBucketRequestPayment", "", ""],
    ),
    (
        "tagging",
        [
            "GetBucketTagging",
            "PutBucketTagging",
            "DeleteBucketTagging",
            "",
        ],
    ),
    ("uploads", ["ListMultipartUploads", "", "", ""]),
    (
        "versioning",
        ["GetBucketVersioning", "PutBucketVersioning", "", ""],
    ),
    ("versions", ["ListObjectVersions", "", "", ""]),
    (
        "website",
        [
            "GetBucketWebsite",
            "PutBucketWebsite",
            "DeleteBucketWebsite",
            "",
        ],
    ),
];

const OBJECT_SUBRESOURCES: &[(&str, [&str; 4])] = &[
    ("acl", ["GetObjectAcl", "PutObjectAcl", "", ""]),
    ("attributes", ["GetObjectAttributes", "", "", ""]),
    ("restore", ["", "", "", "RestoreObject"]),
    ("select", ["", "", "", "SelectObjectContent"]),
    (
        "tagging",
        [
            "GetObjectTagging",
            "PutObjectTagging",
            "DeleteObjectTagging",
            "",
        ],
    ),
    ("torrent", ["GetObjectTorrent", "", "", ""]),
    (
        "uploadId",
        [
            "ListParts",
            "UploadPart",
            "AbortMultipartUpload",
            "CompleteMultipartUpload",
        ],
    ),
    ("uploads", ["", "", "", "CreateMultipartUpload"]),
];

/// Parameters that refine an operation rather than select one; never a sub-resource.
const PLAIN_PARAMETERS: &[&str] = &[
    "bucket-region",
    "continuation-token",
    "delimiter",
    "encoding-type",
    "fetch-owner",
    "id",
    "key-marker",
    "list-type",
    "marker",
    "max-buckets",
    "max-keys",
    "max-parts",
    "max-uploads",
    "optional-object-attributes",
    "part-number-marker",
    "partNumber",
    "prefix",
    "select-type",
    "start-after",
    "upload-id-marker",
    "version-id-marker",
    "versionId",
    "x-id",
];

fn method_index(method: &Method) -> Option<usize> {
    match *method {
        Method::GET | Method::HEAD => Some(0),
        Method::PUT => Some(1),
        Method::DELETE => Some(2),
        Method::POST => Some(3),
        _ => None,
    }
}

/// Splits the host into a bucket name when it is `<bucket>.<domain>` (virtual-hosted style).
fn virtual_host_bucket<'a>(host: &'a str, domain: Option<&str>) -> Option<&'a str> {
    let domain = domain?;
    let host = strip_port(host);
    let bucket = host.strip_suffix(domain)?.strip_suffix('.')?;
    (!bucket.is_empty()).then_some(bucket)
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // An IPv6 literal: [::1]:9000
        return host
            .split_once(']')
            .map_or(host, |(h, _)| &host[..=h.len()]);
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
}

/// Decodes a percent-encoded path segment. `+` is literal in paths.
fn decode_path(raw: &str) -> Result<String, ApiError> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ApiError::new(S3ErrorCode::InvalidURI))
}

impl Route {
    /// Routes a request. `raw_path` is the path as sent (percent-encoded); `copy_source` says
    /// whether `x-amz-copy-source` is present (a PUT with it is CopyObject).
    pub fn from_request(
        method: &Method,
        host: &str,
        raw_path: &str,
        query: &Query,
        copy_source: bool,
        domain: Option<&str>,
    ) -> Result<Self, ApiError> {
        let vhost_bucket = virtual_host_bucket(host, domain);
        let probe = match raw_path {
            HEALTH_PATH => Some(Endpoint::Health),
            READY_PATH => Some(Endpoint::Ready),
            METRICS_PATH => Some(Endpoint::Metrics),
            _ => None,
        };
        if let Some(endpoint) = probe
            && vhost_bucket.is_none()
            && (method == Method::GET || method == Method::HEAD)
        {
            return Ok(Self {
                endpoint,
                bucket: None,
                key: None,
            });
        }
        let path = raw_path.strip_prefix('/').unwrap_or(raw_path);
        let (bucket, key) = match vhost_bucket {
            Some(bucket) => (Some(bucket.to_owned()), path),
            None => match path.split_once('/') {
                Some((bucket, key)) => (Some(decode_path(bucket)?), key),
                None if path.is_empty() => (None, ""),
                None => (Some(decode_path(path)?), ""),
            },
        };
        let key = if key.is_empty() {
            None
        } else {
            Some(decode_path(key)?)
        };
        let endpoint = match (&bucket, &key) {
            (None, _) => route_service(method, query)?,
            (Some(_), None) => route_bucket(method, query)?,
            (Some(_), Some(_)) => route_object(method, query, copy_source)?,
        };
        Ok(Self {
            endpoint,
            bucket,
            key,
        })
    }
}

fn route_service(method: &Method, query: &Query) -> Result<Endpoint, ApiError> {
    match *method {
        Method::POST => Ok(Endpoint::QueryApi),
        Method::GET if query.has("Action") => Ok(Endpoint::QueryApi),
        Method::GET => Ok(Endpoint::ListBuckets),
        _ => Err(method_not_allowed()),
    }
}

fn route_bucket(method: &Method, query: &Query) -> Result<Endpoint, ApiError> {
    if *method == Method::OPTIONS {
        return Ok(Endpoint::CorsPreflight);
    }
    let idx = method_index(method).ok_or_else(method_not_allowed)?;
    let head = *method == Method::HEAD;
    if query.has("location") {
        return match idx {
            0 if !head => Ok(Endpoint::GetBucketLocation),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("delete") {
        return match idx {
            3 => Ok(Endpoint::DeleteObjects),
            _ => Err(method_not_allowed()),
        };
    }
    let built = [
        (
            "tagging",
            [
                Endpoint::GetBucketTagging,
                Endpoint::PutBucketTagging,
                Endpoint::DeleteBucketTagging,
            ],
        ),
        (
            "cors",
            [
                Endpoint::GetBucketCors,
                Endpoint::PutBucketCors,
                Endpoint::DeleteBucketCors,
            ],
        ),
        (
            "policy",
            [
                Endpoint::GetBucketPolicy,
                Endpoint::PutBucketPolicy,
                Endpoint::DeleteBucketPolicy,
            ],
        ),
        (
            "publicAccessBlock",
            [
                Endpoint::GetPublicAccessBlock,
                Endpoint::PutPublicAccessBlock,
                Endpoint::DeletePublicAccessBlock,
            ],
        ),
        (
            "ownershipControls",
            [
                Endpoint::GetBucketOwnershipControls,
                Endpoint::PutBucketOwnershipControls,
                Endpoint::DeleteBucketOwnershipControls,
            ],
        ),
        (
            "encryption",
            [
                Endpoint::GetBucketEncryption,
                Endpoint::PutBucketEncryption,
                Endpoint::DeleteBucketEncryption,
            ],
        ),
    ];
    for (name, [get, put, delete]) in built {
        if query.has(name) {
            return match (idx, head) {
                (0, false) => Ok(get),
                (1, _) => Ok(put),
                (2, _) => Ok(delete),
                _ => Err(method_not_allowed()),
            };
        }
    }
    if query.has("acl") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::GetBucketAcl),
            (1, _) => Ok(Endpoint::PutBucketAcl),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("versioning") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::GetBucketVersioning),
            (1, _) => Ok(Endpoint::PutBucketVersioning),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("versions") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::ListObjectVersions),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("logging") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::GetBucketLogging),
            (1, _) => Ok(Endpoint::PutBucketLogging),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("object-lock") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::GetObjectLockConfiguration),
            (1, _) => Ok(Endpoint::PutObjectLockConfiguration),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("policyStatus") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::GetBucketPolicyStatus),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("uploads") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::ListMultipartUploads),
            _ => Err(method_not_allowed()),
        };
    }
    if let Some(op) = subresource(BUCKET_SUBRESOURCES, query, idx)? {
        return Ok(op);
    }
    reject_unknown_subresource(query)?;
    Ok(match (idx, head) {
        (0, true) => Endpoint::HeadBucket,
        (0, false) if query.get("list-type") == Some("2") => Endpoint::ListObjectsV2,
        (0, false) => Endpoint::ListObjects,
        (1, _) => Endpoint::CreateBucket,
        (2, _) => Endpoint::DeleteBucket,
        // POST to a bucket without a sub-resource is a browser-form upload.
        _ => Endpoint::PostObject,
    })
}

fn route_object(method: &Method, query: &Query, copy_source: bool) -> Result<Endpoint, ApiError> {
    if *method == Method::OPTIONS {
        return Ok(Endpoint::CorsPreflight);
    }
    let idx = method_index(method).ok_or_else(method_not_allowed)?;
    let head = *method == Method::HEAD;
    if query.has("uploadId") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::ListParts),
            (1, _) if copy_source => Ok(Endpoint::UploadPartCopy),
            (1, _) => Ok(Endpoint::UploadPart),
            (2, _) => Ok(Endpoint::AbortMultipartUpload),
            (3, _) => Ok(Endpoint::CompleteMultipartUpload),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("uploads") {
        return match idx {
            3 => Ok(Endpoint::CreateMultipartUpload),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("tagging") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::GetObjectTagging),
            (1, _) => Ok(Endpoint::PutObjectTagging),
            (2, _) => Ok(Endpoint::DeleteObjectTagging),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("acl") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::GetObjectAcl),
            (1, _) => Ok(Endpoint::PutObjectAcl),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("attributes") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::GetObjectAttributes),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("retention") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::GetObjectRetention),
            (1, _) => Ok(Endpoint::PutObjectRetention),
            _ => Err(method_not_allowed()),
        };
    }
    if query.has("legal-hold") {
        return match (idx, head) {
            (0, false) => Ok(Endpoint::GetObjectLegalHold),
            (1, _) => Ok(Endpoint::PutObjectLegalHold),
            _ => Err(method_not_allowed()),
        };
    }
    if let Some(op) = subresource(OBJECT_SUBRESOURCES, query, idx)? {
        return Ok(op);
    }
    reject_unknown_subresource(query)?;
    Ok(match idx {
        0 if *method == Method::HEAD => Endpoint::HeadObject,
        0 => Endpoint::GetObject,
        1 if copy_source => Endpoint::CopyObject,
        1 => Endpoint::PutObject,
        2 => Endpoint::DeleteObject,
        _ => return Err(method_not_allowed()),
    })
}

fn subresource(
    table: &[(&str, [&'static str; 4])],
    query: &Query,
    idx: usize,
) -> Result<Option<Endpoint>, ApiError> {
    for (name, ops) in table {
        if query.has(name) {
            let op = ops[idx];
            if op.is_empty() {
                return Err(method_not_allowed());
            }
            return Ok(Some(Endpoint::NotImplemented(op)));
        }
    }
    Ok(None)
}

/// A value-less parameter that is neither a known sub-resource nor a known parameter names a
/// sub-resource this server does not know: 501, never a silently different operation.
fn reject_unknown_subresource(query: &Query) -> Result<(), ApiError> {
    for (name, value) in query.pairs() {
        let known = PLAIN_PARAMETERS.contains(&name.as_str())
            || name.starts_with("response-")
            || name.to_ascii_lowercase().starts_with("x-amz-");
        if !known && value.is_empty() {
            return Err(ApiError::not_implemented(format!(
                "The sub-resource '{name}' is not implemented."
            )));
        }
    }
    Ok(())
}

fn method_not_allowed() -> ApiError {
    ApiError::new(S3ErrorCode::MethodNotAllowed)
}

#[cfg(test)]
mod tests;
