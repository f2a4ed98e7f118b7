//! One finished request, as the API layer saw it: the single input of every record here.

use std::net::IpAddr;
use std::time::SystemTime;

/// The API a request spoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    S3,
    Iam,
    Sts,
    Kms,
}

impl Service {
    /// CloudTrail's `eventSource`.
    pub fn event_source(self) -> &'static str {
        match self {
            Self::S3 => "s3.amazonaws.com",
            Self::Iam => "iam.amazonaws.com",
            Self::Sts => "sts.amazonaws.com",
            Self::Kms => "kms.amazonaws.com",
        }
    }
}

/// How the request was authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKind {
    /// SigV4 in the `Authorization` header (access log: `AuthHeader`).
    Header,
    /// A presigned URL (access log: `QueryString`).
    QueryString,
    /// A browser POST form with a signed policy.
    Post,
    /// No signature: an anonymous request.
    Anonymous,
}

/// Who made the request. Empty for anonymous requests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requester {
    /// CloudTrail's `userIdentity.type`: `Root`, `IAMUser`, `AssumedRole`, `AWSService` or
    /// `AWSAccount` (another account's root); `None` for an anonymous caller.
    pub identity_type: Option<String>,
    /// The caller's ARN (`arn:aws:iam::123456789012:root`, `…:user/alice`,
    /// `arn:aws:sts::…:assumed-role/R/session`).
    pub arn: Option<String>,
    /// CloudTrail's `principalId` (the account id for a root, the user id for a user,
    /// `roleid:session` for a role session).
    pub principal_id: Option<String>,
    pub account_id: Option<String>,
    /// The account's canonical user id: the server access log names an account's root user by
    /// it rather than by ARN.
    pub canonical_id: Option<String>,
    pub access_key_id: Option<String>,
    /// For temporary credentials.
    pub session: Option<SessionFacts>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionFacts {
    pub creation_date: Option<SystemTime>,
    pub mfa_authenticated: bool,
    /// The role or user the session was issued for (CloudTrail's `sessionIssuer.arn`).
    pub issuer_arn: Option<String>,
}

/// Why a request was refused by authorization: which layer decided, and, where one did, which
/// policy and statement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Denial {
    /// `identity`, `bucket-policy`, `session-policy`, `permissions-boundary`, `scp`,
    /// `block-public-access`, `acl`, `key-policy`, `object-lock`, …
    pub layer: String,
    /// The deciding policy (its name or ARN), when a policy's statement decided.
    pub policy: Option<String>,
    /// The deciding statement's `Sid` (or its index), when there is one.
    pub statement: Option<String>,
    /// `explicit` (a Deny statement) or `implicit` (nothing allowed it).
    pub kind: String,
}

/// One object a DeleteObjects request deleted: S3's access log gives each its own record
/// (`BATCH.DELETE.OBJECT`) beside the request's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchDeletion {
    pub key: String,
    /// The version deleted, or the delete marker created.
    pub version_id: Option<String>,
}

/// Everything known about one finished request.
#[derive(Clone, Debug)]
pub struct RequestFacts {
    /// When the request arrived.
    pub time: SystemTime,
    pub request_id: String,
    pub host_id: String,
    pub service: Service,
    /// The operation's name as AWS spells it (`GetObject`, `CreateUser`, `Decrypt`), or
    /// `None` when the request never became one (unroutable, unauthenticated).
    pub operation: Option<String>,
    pub method: String,
    /// The request line's target: path and query string, as received.
    pub request_target: String,
    /// `HTTP/1.1`, `HTTP/2.0`.
    pub http_version: String,
    pub remote_ip: Option<IpAddr>,
    pub bucket: Option<String>,
    /// The bucket owner's canonical user id.
    pub bucket_owner: Option<String>,
    pub key: Option<String>,
    /// The version the request named or created.
    pub version_id: Option<String>,
    pub http_status: u16,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// Response body bytes sent (excluding headers); `None` when none were.
    pub bytes_sent: Option<u64>,
    /// Request body bytes received.
    pub bytes_received: Option<u64>,
    /// The object's total size, for object operations.
    pub object_size: Option<u64>,
    /// From arrival to the last response byte.
    pub total_time_ms: u64,
    /// From the last request byte to the first response byte.
    pub turn_around_time_ms: Option<u64>,
    pub referer: Option<String>,
    pub user_agent: Option<String>,
    pub auth: AuthKind,
    /// `SigV4` for signed requests.
    pub signature_version: Option<String>,
    /// The TLS cipher suite (OpenSSL-style name, `ECDHE-RSA-AES128-GCM-SHA256`), over TLS.
    pub cipher_suite: Option<String>,
    /// `TLSv1.2`, `TLSv1.3`, over TLS.
    pub tls_version: Option<String>,
    pub host_header: Option<String>,
    /// Whether an ACL was needed to authorize the request (access log: `Yes` or `-`).
    pub acl_required: bool,
    pub requester: Requester,
    /// Why the request was refused, when authorization refused it.
    pub denial: Option<Denial>,
    /// CloudTrail `requestParameters`: the operation's parameters, never a secret.
    pub request_parameters: Option<serde_json::Value>,
    /// CloudTrail `responseElements`, never a secret.
    pub response_elements: Option<serde_json::Value>,
    /// Whether the operation only reads (CloudTrail `readOnly`).
    pub read_only: bool,
    /// Whether CloudTrail counts it as a data event (object-level S3 operations, KMS
    /// cryptographic operations are management events in CloudTrail; S3 object operations are
    /// data events).
    pub data_event: bool,
    /// CloudTrail `resources`: (type, ARN), e.g. (`AWS::S3::Object`, `arn:aws:s3:::b/k`).
    pub resources: Vec<(String, String)>,
    /// The region served.
    pub region: String,
    /// DeleteObjects: the objects it deleted.
    pub batch_deletions: Vec<BatchDeletion>,
}

/// A signed GetObject by an IAM user over TLS: the base every test here edits.
#[cfg(test)]
pub(crate) fn sample_facts() -> RequestFacts {
    RequestFacts {
        // 2019-02-06T00:00:38Z, the time of AWS's own sample records.
        time: std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_549_411_238),
        request_id: "3E57427F3EXAMPLE".into(),
        host_id: "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6Uk=".into(),
        service: Service::S3,
        operation: Some("GetObject".into()),
        method: "GET".into(),
        request_target: "/bucket1/photos/cat.jpg".into(),
        http_version: "HTTP/1.1".into(),
        remote_ip: Some(IpAddr::from([192, 0, 2, 3])),
        bucket: Some("bucket1".into()),
        bucket_owner: Some(
            "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".into(),
        ),
        key: Some("photos/cat.jpg".into()),
        version_id: None,
        http_status: 200,
        error_code: None,
        error_message: None,
        bytes_sent: Some(2662992),
        bytes_received: None,
        object_size: Some(3462992),
        total_time_ms: 70,
        turn_around_time_ms: Some(10),
        referer: None,
        user_agent: Some("aws-cli/2.15.0".into()),
        auth: AuthKind::Header,
        signature_version: Some("SigV4".into()),
        cipher_suite: Some("ECDHE-RSA-AES128-GCM-SHA256".into()),
        tls_version: Some("TLSv1.2".into()),
        host_header: Some("bucket1.s3.us-west-1.example.com".into()),
        acl_required: false,
        requester: Requester {
            identity_type: Some("IAMUser".into()),
            arn: Some("arn:aws:iam::123456789012:user/alice".into()),
            principal_id: Some("AIDAJ45Q7YFFAREXAMPLE".into()),
            account_id: Some("123456789012".into()),
            canonical_id: None,
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            session: None,
        },
        denial: None,
        request_parameters: None,
        response_elements: None,
        read_only: true,
        data_event: true,
        resources: vec![
            (
                "AWS::S3::Object".into(),
                "arn:aws:s3:::bucket1/photos/cat.jpg".into(),
            ),
            ("AWS::S3::Bucket".into(), "arn:aws:s3:::bucket1".into()),
        ],
        region: "us-west-1".into(),
        batch_deletions: Vec::new(),
    }
}
