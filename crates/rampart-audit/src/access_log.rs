//! S3 server access log records, one line per request, in the field order and notation of AWS's
//! "Amazon S3 server access log format", so that tools written for S3's logs (Athena's
//! RegexSerDe table, log shippers' S3 parsers) read ours unchanged.
//!
//! AWS documents the fields but not how it escapes awkward bytes inside them. We escape so that
//! every record still matches the regular expression of AWS's Athena table for these logs: no
//! space inside an unquoted field (the referer, unquoted in that expression, included), no `"`
//! inside a quoted one, and no line break anywhere. An escaped byte is written `\xHH`.

use std::fmt::Write as _;
use std::time::SystemTime;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::facts::{AuthKind, BatchDeletion, RequestFacts};

/// What the log writes for a field that is empty, unknown or not applicable.
const NONE: &str = "-";

/// Bytes a key keeps unencoded in the Key field: RFC 3986's unreserved characters and the `/`
/// that separates a key's "folders", as S3's own records show them.
const KEY_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// S3's operation names for the operations whose log name AWS's records show; an operation not
/// listed here gets a name derived from its own (see [`derived_resource`]).
const OPERATION_NAMES: &[(&str, &str)] = &[
    ("ListBuckets", "REST.GET.SERVICE"),
    ("CreateBucket", "REST.PUT.BUCKET"),
    ("HeadBucket", "REST.HEAD.BUCKET"),
    ("DeleteBucket", "REST.DELETE.BUCKET"),
    ("GetBucketLocation", "REST.GET.LOCATION"),
    ("ListObjects", "REST.GET.BUCKET"),
    ("ListObjectsV2", "REST.GET.BUCKET"),
    ("ListObjectVersions", "REST.GET.BUCKETVERSIONS"),
    ("DeleteObjects", "REST.POST.MULTI_OBJECT_DELETE"),
    ("PutObject", "REST.PUT.OBJECT"),
    ("PostObject", "REST.POST.OBJECT"),
    ("CopyObject", "REST.COPY.OBJECT"),
    ("GetObject", "REST.GET.OBJECT"),
    ("HeadObject", "REST.HEAD.OBJECT"),
    ("DeleteObject", "REST.DELETE.OBJECT"),
    ("RestoreObject", "REST.POST.RESTORE"),
    ("GetObjectTorrent", "REST.GET.TORRENT"),
    ("GetObjectAttributes", "REST.GET.OBJECT_ATTRIBUTES"),
    ("CreateMultipartUpload", "REST.POST.UPLOADS"),
    ("UploadPart", "REST.PUT.PART"),
    ("UploadPartCopy", "REST.COPY.PART"),
    ("CompleteMultipartUpload", "REST.POST.UPLOAD"),
    ("AbortMultipartUpload", "REST.DELETE.UPLOAD"),
    ("ListParts", "REST.GET.UPLOAD"),
    ("ListMultipartUploads", "REST.GET.UPLOADS"),
    ("GetObjectTagging", "REST.GET.OBJECT_TAGGING"),
    ("PutObjectTagging", "REST.PUT.OBJECT_TAGGING"),
    ("DeleteObjectTagging", "REST.DELETE.OBJECT_TAGGING"),
    ("GetBucketTagging", "REST.GET.TAGGING"),
    ("PutBucketTagging", "REST.PUT.TAGGING"),
    ("DeleteBucketTagging", "REST.DELETE.TAGGING"),
    ("GetBucketCors", "REST.GET.CORS"),
    ("PutBucketCors", "REST.PUT.CORS"),
    ("DeleteBucketCors", "REST.DELETE.CORS"),
    ("CorsPreflight", "REST.OPTIONS.PREFLIGHT"),
    ("GetBucketPolicy", "REST.GET.BUCKETPOLICY"),
    ("PutBucketPolicy", "REST.PUT.BUCKETPOLICY"),
    ("DeleteBucketPolicy", "REST.DELETE.BUCKETPOLICY"),
    ("GetBucketPolicyStatus", "REST.GET.POLICY_STATUS"),
    ("GetPublicAccessBlock", "REST.GET.PUBLIC_ACCESS_BLOCK"),
    ("PutPublicAccessBlock", "REST.PUT.PUBLIC_ACCESS_BLOCK"),
    ("DeletePublicAccessBlock", "REST.DELETE.PUBLIC_ACCESS_BLOCK"),
    ("GetBucketAcl", "REST.GET.ACL"),
    ("PutBucketAcl", "REST.PUT.ACL"),
    ("GetObjectAcl", "REST.GET.ACL"),
    ("PutObjectAcl", "REST.PUT.ACL"),
    ("GetBucketOwnershipControls", "REST.GET.OWNERSHIP_CONTROLS"),
    ("PutBucketOwnershipControls", "REST.PUT.OWNERSHIP_CONTROLS"),
    (
        "DeleteBucketOwnershipControls",
        "REST.DELETE.OWNERSHIP_CONTROLS",
    ),
    ("GetBucketEncryption", "REST.GET.ENCRYPTION"),
    ("PutBucketEncryption", "REST.PUT.ENCRYPTION"),
    ("DeleteBucketEncryption", "REST.DELETE.ENCRYPTION"),
    ("GetBucketVersioning", "REST.GET.VERSIONING"),
    ("PutBucketVersioning", "REST.PUT.VERSIONING"),
    (
        "GetObjectLockConfiguration",
        "REST.GET.OBJECT_LOCK_CONFIGURATION",
    ),
    (
        "PutObjectLockConfiguration",
        "REST.PUT.OBJECT_LOCK_CONFIGURATION",
    ),
    ("GetObjectRetention", "REST.GET.RETENTION"),
    ("PutObjectRetention", "REST.PUT.RETENTION"),
    ("GetObjectLegalHold", "REST.GET.LEGAL_HOLD"),
    ("PutObjectLegalHold", "REST.PUT.LEGAL_HOLD"),
    ("GetBucketLogging", "REST.GET.LOGGING_STATUS"),
    ("PutBucketLogging", "REST.PUT.LOGGING_STATUS"),
    ("GetBucketWebsite", "REST.GET.WEBSITE"),
    ("PutBucketWebsite", "REST.PUT.WEBSITE"),
    ("DeleteBucketWebsite", "REST.DELETE.WEBSITE"),
    (
        "GetAccountPublicAccessBlock",
        "REST.GET.ACCOUNT_PUBLIC_ACCESS_BLOCK",
    ),
    (
        "PutAccountPublicAccessBlock",
        "REST.PUT.ACCOUNT_PUBLIC_ACCESS_BLOCK",
    ),
    (
        "DeleteAccountPublicAccessBlock",
        "REST.DELETE.ACCOUNT_PUBLIC_ACCESS_BLOCK",
    ),
];

/// The Operation field: `REST.<METHOD>.<RESOURCE>`. A presigned URL or a browser form names the
/// same operation as a signed header would, so the name depends on the operation alone.
pub fn operation_name(facts: &RequestFacts) -> std::borrow::Cow<'static, str> {
    let method = facts.method.to_ascii_uppercase();
    let Some(op) = facts.operation.as_deref() else {
        // A request that never became an operation (unroutable, unauthenticated) still gets a
        // record; its resource is unknown.
        return format!("REST.{method}.UNKNOWN").into();
    };
    match OPERATION_NAMES.iter().find(|(name, _)| *name == op) {
        Some((_, log_name)) => (*log_name).into(),
        None => format!("REST.{method}.{}", derived_resource(op)).into(),
    }
}

/// A resource name for an operation S3's records have not shown us, built the way S3 builds its
/// own: the verb and the word `Bucket` dropped, `Configuration` dropped, the rest in upper snake
/// case (`GetBucketLifecycleConfiguration` → `LIFECYCLE`, `GetBucketRequestPayment` →
/// `REQUEST_PAYMENT`).
fn derived_resource(op: &str) -> String {
    let mut rest = op;
    for verb in ["Get", "Put", "Delete", "List", "Create", "Head", "Post"] {
        if let Some(r) = rest.strip_prefix(verb) {
            rest = r;
            break;
        }
    }
    if let Some(r) = rest.strip_prefix("Bucket").filter(|r| !r.is_empty()) {
        rest = r;
    }
    if let Some(r) = rest.strip_suffix("Configuration").filter(|r| !r.is_empty()) {
        rest = r;
    }
    let mut out = String::with_capacity(rest.len() + 4);
    for (i, c) in rest.chars().enumerate() {
        if !c.is_ascii_alphanumeric() {
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    if out.is_empty() {
        "UNKNOWN".to_owned()
    } else {
        out
    }
}

/// One record, without its line break, in AWS's field order:
/// Bucket owner, Bucket, Time, Remote IP, Requester, Request ID, Operation, Key, Request-URI,
/// HTTP status, Error Code, Bytes Sent, Object Size, Total Time, Turn-Around Time, Referer,
/// User-Agent, Version Id, Host Id, Signature Version, Cipher Suite, Authentication Type,
/// Host Header, TLS version, Access Point ARN, aclRequired, Source region.
pub fn format_record(facts: &RequestFacts) -> String {
    let mut line = String::with_capacity(512);
    format_record_into(facts, &mut line);
    line
}

/// [`format_record`], appended to `line` (which the caller may reuse from record to record).
pub fn format_record_into(facts: &RequestFacts, line: &mut String) {
    let start = line.len();
    let f = facts;
    push_request_fields(line, f);
    push_token(line, Some(&operation_name(f)));
    match f.key.as_deref().filter(|k| !k.is_empty()) {
        // Percent-encoded: nothing left to escape.
        Some(key) => {
            let _ = write!(line, " {}", utf8_percent_encode(key, KEY_ENCODE_SET));
        }
        None => push_token(line, None),
    }
    line.push_str(" \"");
    escape_into(line, &f.method, false);
    line.push(' ');
    escape_into(line, &f.request_target, false);
    line.push(' ');
    escape_into(line, &f.http_version, false);
    line.push('"');
    push_number(line, Some(u64::from(f.http_status)));
    push_token(line, f.error_code.as_deref());
    // AWS: "the number of response bytes sent … or - if zero".
    push_number(line, f.bytes_sent.filter(|n| *n > 0));
    push_number(line, f.object_size);
    push_number(line, Some(f.total_time_ms));
    push_number(line, f.turn_around_time_ms);
    // Athena's expression reads the referer as `[^ ]*`: its spaces are escaped too.
    push_quoted(line, f.referer.as_deref(), true);
    push_quoted(line, f.user_agent.as_deref(), false);
    push_token(line, f.version_id.as_deref());
    push_connection_fields(line, f);
    debug_assert!(!line[start..].contains('\n'));
}

/// The record S3 writes, beside the DeleteObjects request's own, for each object the request
/// deleted: operation `BATCH.DELETE.OBJECT`, status 204, and `-` (unquoted) for the fields that
/// belong to the HTTP request rather than to the deletion.
pub fn format_batch_deletion_into(
    facts: &RequestFacts,
    deleted: &BatchDeletion,
    line: &mut String,
) {
    let f = facts;
    push_request_fields(line, f);
    line.push_str(" BATCH.DELETE.OBJECT");
    let _ = write!(
        line,
        " {}",
        utf8_percent_encode(&deleted.key, KEY_ENCODE_SET)
    );
    // Request-URI, then the status, error code, bytes sent, object size, total and turn-around
    // times, referer and user agent.
    line.push_str(" - 204 - - - - - - -");
    push_token(line, deleted.version_id.as_deref());
    push_connection_fields(line, f);
}

/// Bucket owner through Request ID: who asked what bucket, when and from where.
fn push_request_fields(line: &mut String, f: &RequestFacts) {
    push_token(line, f.bucket_owner.as_deref());
    push_token(line, f.bucket.as_deref());
    line.push(' ');
    push_log_time(line, f.time);
    match f.remote_ip {
        Some(ip) => {
            let _ = write!(line, " {ip}");
        }
        None => push_token(line, None),
    }
    push_token(line, requester(f));
    push_token(line, Some(&f.request_id));
}

/// Host Id through Source region: what the connection and the signature were.
fn push_connection_fields(line: &mut String, f: &RequestFacts) {
    push_token(line, Some(&f.host_id));
    push_token(line, f.signature_version.as_deref());
    push_token(line, f.cipher_suite.as_deref());
    push_token(
        line,
        match f.auth {
            AuthKind::Header => Some("AuthHeader"),
            AuthKind::QueryString => Some("QueryString"),
            AuthKind::Post | AuthKind::Anonymous => None,
        },
    );
    push_token(line, f.host_header.as_deref());
    push_token(line, f.tls_version.as_deref());
    // Access Point ARN: there are no access points here.
    push_token(line, None);
    push_token(line, f.acl_required.then_some("Yes"));
    // Source region: the Region a request came from inside AWS; never known here.
    push_token(line, None);
}

/// The Requester field: AWS names an IAM user or role session by its ARN, an account's root user
/// by its canonical user id, and an anonymous caller `-`.
fn requester(facts: &RequestFacts) -> Option<&str> {
    let r = &facts.requester;
    let is_root = matches!(r.identity_type.as_deref(), Some("Root" | "AWSAccount"));
    if is_root && r.canonical_id.is_some() {
        return r.canonical_id.as_deref();
    }
    r.arn.as_deref().or(r.canonical_id.as_deref())
}

/// Appends `[06/Feb/2019:00:00:38 +0000]`, always in UTC. Records come thousands a second,
/// so each thread keeps the last second it formatted.
fn push_log_time(line: &mut String, time: SystemTime) {
    thread_local! {
        static LAST: std::cell::RefCell<(i64, String)> =
            const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let at = OffsetDateTime::from(time);
    let second = at.unix_timestamp();
    LAST.with_borrow_mut(|(cached_second, text)| {
        if *cached_second != second {
            let fmt = format_description!(
                "[[[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000]"
            );
            *text = at
                .format(&fmt)
                .unwrap_or_else(|_| "[01/Jan/1970:00:00:00 +0000]".to_owned());
            *cached_second = second;
        }
        line.push_str(text);
    });
}

/// Appends ` value`, or ` -` when the value is absent or empty.
fn push_token(line: &mut String, value: Option<&str>) {
    if !line.is_empty() {
        line.push(' ');
    }
    match value.filter(|v| !v.is_empty()) {
        Some(v) => escape_into(line, v, true),
        None => line.push_str(NONE),
    }
}

fn push_number(line: &mut String, value: Option<u64>) {
    use std::fmt::Write as _;
    match value {
        // Digits need no escaping: written in place, without a temporary string.
        Some(n) => {
            let _ = write!(line, " {n}");
        }
        None => push_token(line, None),
    }
}

/// Appends ` "value"` (`"-"` when absent, as AWS writes an absent referer).
fn push_quoted(line: &mut String, value: Option<&str>, escape_space: bool) {
    line.push_str(" \"");
    match value.filter(|v| !v.is_empty()) {
        Some(v) => escape_into(line, v, escape_space),
        None => line.push_str(NONE),
    }
    line.push('"');
}

/// Copies `value`, writing as `\xHH` (per UTF-8 byte) every character that could end a field or
/// a line for a reader: `"`, `\` (so that an escape is never ambiguous), control characters
/// (line breaks included, C1 controls too), the Unicode line and paragraph separators, and,
/// when asked, the space.
fn escape_into(line: &mut String, value: &str, escape_space: bool) {
    // Nearly every value is printable ASCII with nothing to escape: copied whole.
    let plain = value.bytes().all(|b| {
        (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' && !(escape_space && b == b' ')
    });
    if plain {
        line.push_str(value);
        return;
    }
    for c in value.chars() {
        let escape = c == '"'
            || c == '\\'
            || c.is_control()
            || c == '\u{2028}'
            || c == '\u{2029}'
            || (escape_space && c == ' ');
        if escape {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(line, "\\x{b:02X}");
            }
        } else {
            line.push(c);
        }
    }
}

#[cfg(test)]
mod tests;
