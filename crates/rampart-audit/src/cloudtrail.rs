//! CloudTrail-style audit events: one JSON record per request in the shape of CloudTrail's
//! "record contents", so that tools reading CloudTrail (Athena's CloudTrail table, SIEM
//! parsers) read ours; [`AuditLog`] writes them as JSON lines to rotated local files, and
//! [`cloudtrail_file`] / [`cloudtrail_object_key`] package them the way CloudTrail delivers to
//! a bucket.

use std::io::Write as _;
use std::time::SystemTime;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::facts::RequestFacts;

mod audit_log;
mod event;

pub use audit_log::{AuditLog, AuditLogConfig};
use event::{Event, Redacted};

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
    // An MFA device's current code.
    "tokencode",
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
    // Serializing borrowed strings and numbers into a Value cannot fail.
    serde_json::to_value(Event::of(facts, event_id)).unwrap_or(Value::Null)
}

/// Appends [`event_json`]'s record to `line` as one line of compact JSON (without its line
/// break), without building the value tree.
pub fn push_event_line(facts: &RequestFacts, event_id: &str, line: &mut String) {
    // Serialized in place, into the line's own buffer.
    let mut bytes = std::mem::take(line).into_bytes();
    let start = bytes.len();
    if let Err(e) = serde_json::to_writer(&mut bytes, &Event::of(facts, event_id)) {
        tracing::error!(error = %e, "cannot serialize an audit event");
        bytes.truncate(start);
    }
    // serde_json writes UTF-8 only; the fallback keeps a line without trusting that.
    *line = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// A copy of `value` with every secret-named member's value replaced by [`HIDDEN`], at any
/// depth.
pub fn redacted(value: &Value) -> Value {
    serde_json::to_value(Redacted(value)).unwrap_or(Value::Null)
}

fn is_secret_name(name: &str) -> bool {
    let normalized: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_NAMES.contains(&normalized.as_str())
}

/// [`iso8601`], formatted once a second per thread: every event carries its time.
pub(crate) fn iso8601_cached(t: SystemTime) -> String {
    thread_local! {
        static LAST: std::cell::RefCell<(i64, String)> =
            const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let second = OffsetDateTime::from(t).unix_timestamp();
    LAST.with_borrow_mut(|(cached, text)| {
        if *cached != second {
            *text = iso8601(t);
            *cached = second;
        }
        text.clone()
    })
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

/// A delivered CloudTrail log file, gzipped, from event lines as the audit log writes them
/// (one compact JSON object per line): `{"Records":[…]}`. Blank lines are skipped.
pub fn cloudtrail_file_of_lines(lines: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    // Writing into memory only allocates: it cannot fail.
    let mut put = |bytes: &[u8]| {
        let _ = gz.write_all(bytes);
    };
    put(b"{\"Records\":[");
    let mut first = true;
    for line in lines
        .split(|b| *b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
    {
        if !first {
            put(b",");
        }
        first = false;
        put(line);
    }
    put(b"]}");
    gz.finish().unwrap_or_default()
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
