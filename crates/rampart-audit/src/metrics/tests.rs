use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::SystemTime;

use super::family::escape_label_value;
use super::*;
use crate::{AuthKind, Denial, Requester};

fn facts(service: Service, operation: Option<&str>, status: u16, ms: u64) -> RequestFacts {
    RequestFacts {
        time: SystemTime::UNIX_EPOCH,
        request_id: "REQ".into(),
        host_id: "HOST".into(),
        service,
        operation: operation.map(str::to_owned),
        method: "GET".into(),
        request_target: "/b/k".into(),
        http_version: "HTTP/1.1".into(),
        remote_ip: None,
        bucket: Some("b".into()),
        bucket_owner: None,
        key: Some("k".into()),
        version_id: None,
        http_status: status,
        error_code: None,
        error_message: None,
        bytes_sent: None,
        bytes_received: None,
        object_size: None,
        total_time_ms: ms,
        turn_around_time_ms: None,
        referer: None,
        user_agent: None,
        auth: AuthKind::Header,
        signature_version: Some("SigV4".into()),
        cipher_suite: None,
        tls_version: None,
        host_header: None,
        acl_required: false,
        requester: Requester::default(),
        denial: None,
        request_parameters: None,
        response_elements: None,
        read_only: true,
        data_event: true,
        resources: Vec::new(),
        region: "us-east-1".into(),
        batch_deletions: Vec::new(),
    }
}

/// The sample lines of `text` whose name is exactly `name`, as (labels, value).
fn samples<'a>(text: &'a str, name: &str) -> Vec<(&'a str, &'a str)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (n, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.strip_suffix('}')?),
                None => (series, ""),
            };
            (n == name).then_some((labels, value))
        })
        .collect()
}

fn value(text: &str, name: &str, labels: &str) -> String {
    samples(text, name)
        .into_iter()
        .find(|(l, _)| *l == labels)
        .map(|(_, v)| v.to_owned())
        .unwrap_or_else(|| panic!("no {name}{{{labels}}} in\n{text}"))
}

#[test]
fn metrics_is_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Metrics>();
    assert_send_sync::<Arc<Metrics>>();
}

#[test]
fn golden_render() {
    let m = Metrics::new();
    let mut get = facts(Service::S3, Some("GetObject"), 200, 3);
    get.bytes_sent = Some(1000);
    m.observe(&get);
    let mut denied = facts(Service::S3, Some("GetObject"), 403, 1200);
    denied.bytes_sent = Some(243);
    denied.denial = Some(Denial {
        layer: "bucket-policy".into(),
        policy: None,
        statement: Some("DenyAll".into()),
        kind: "explicit".into(),
    });
    m.observe(&denied);
    m.auth_failure("SignatureDoesNotMatch");
    m.connection_opened();
    m.connection_opened();
    m.connection_closed();
    m.set_bucket_usage("photos", 5_000_000_000, 12);
    m.set_multipart_uploads_in_progress(2);
    m.set_access_log_delivery_lag_seconds(1.5);
    m.set_access_log_pending_records(7);
    m.audit_events(3);

    let expected = r#"# HELP rampart_access_log_delivery_failures_total Failed attempts to deliver access logs, by target bucket.
# TYPE rampart_access_log_delivery_failures_total counter
# HELP rampart_access_log_delivery_lag_seconds Age of the oldest access log record not yet delivered.
# TYPE rampart_access_log_delivery_lag_seconds gauge
rampart_access_log_delivery_lag_seconds 1.5
# HELP rampart_access_log_pending_records Access log records spooled and not yet delivered.
# TYPE rampart_access_log_pending_records gauge
rampart_access_log_pending_records 7
# HELP rampart_active_connections Client connections currently open.
# TYPE rampart_active_connections gauge
rampart_active_connections 1
# HELP rampart_audit_delivery_failures_total Audit trail deliveries to the trail bucket that failed (and will be retried).
# TYPE rampart_audit_delivery_failures_total counter
rampart_audit_delivery_failures_total 0
# HELP rampart_audit_events_total Audit events written.
# TYPE rampart_audit_events_total counter
rampart_audit_events_total 3
# HELP rampart_auth_failures_total Requests whose authentication failed, by reason.
# TYPE rampart_auth_failures_total counter
rampart_auth_failures_total{reason="SignatureDoesNotMatch"} 1
# HELP rampart_bucket_bytes Bytes stored in a bucket, all versions, as last sampled.
# TYPE rampart_bucket_bytes gauge
rampart_bucket_bytes{bucket="photos"} 5000000000
# HELP rampart_bucket_objects Object versions stored in a bucket, as last sampled.
# TYPE rampart_bucket_objects gauge
rampart_bucket_objects{bucket="photos"} 12
# HELP rampart_bytes_received_total Request body bytes received.
# TYPE rampart_bytes_received_total counter
rampart_bytes_received_total{service="s3"} 0
# HELP rampart_bytes_sent_total Response body bytes sent.
# TYPE rampart_bytes_sent_total counter
rampart_bytes_sent_total{service="s3"} 1243
# HELP rampart_multipart_uploads_in_progress Multipart uploads started and neither completed nor aborted.
# TYPE rampart_multipart_uploads_in_progress gauge
rampart_multipart_uploads_in_progress 2
# HELP rampart_policy_denies_total Requests refused by authorization, by the layer that decided.
# TYPE rampart_policy_denies_total counter
rampart_policy_denies_total{layer="bucket-policy"} 1
# HELP rampart_records_dropped_total Access log records or audit events dropped because their writer fell behind.
# TYPE rampart_records_dropped_total counter
# HELP rampart_request_duration_seconds Time from a request's arrival to its last response byte.
# TYPE rampart_request_duration_seconds histogram
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="0.001"} 0
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="0.005"} 1
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="0.01"} 1
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="0.025"} 1
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="0.05"} 1
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="0.1"} 1
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="0.25"} 1
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="0.5"} 1
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="1"} 1
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="2.5"} 2
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="5"} 2
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="10"} 2
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="30"} 2
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="60"} 2
rampart_request_duration_seconds_bucket{service="s3",operation="GetObject",le="+Inf"} 2
rampart_request_duration_seconds_sum{service="s3",operation="GetObject"} 1.203
rampart_request_duration_seconds_count{service="s3",operation="GetObject"} 2
# HELP rampart_requests_total Requests handled, by service, operation and HTTP status code.
# TYPE rampart_requests_total counter
rampart_requests_total{service="s3",operation="GetObject",status="200"} 1
rampart_requests_total{service="s3",operation="GetObject",status="403"} 1
"#;
    let got = m.render();
    assert_eq!(got, expected, "got:\n{got}");
}

#[test]
fn empty_registry_still_describes_every_family() {
    let text = Metrics::new().render();
    let helps = text.lines().filter(|l| l.starts_with("# HELP ")).count();
    let types = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
    assert_eq!((helps, types), (16, 16));
    // Unlabelled families read zero before their first event; labelled ones have no series.
    assert_eq!(value(&text, "rampart_audit_events_total", ""), "0");
    assert_eq!(value(&text, "rampart_active_connections", ""), "0");
    assert!(samples(&text, "rampart_requests_total").is_empty());
    check_exposition(&text);
}

#[test]
fn unknown_operation_and_other_services() {
    let m = Metrics::new();
    m.observe(&facts(Service::S3, None, 400, 0));
    let mut kms = facts(Service::Kms, Some("Decrypt"), 200, 2);
    kms.bytes_received = Some(64);
    m.observe(&kms);
    let text = m.render();
    assert_eq!(
        value(
            &text,
            "rampart_requests_total",
            r#"service="s3",operation="Unknown",status="400""#
        ),
        "1"
    );
    assert_eq!(
        value(
            &text,
            "rampart_requests_total",
            r#"service="kms",operation="Decrypt",status="200""#
        ),
        "1"
    );
    assert_eq!(
        value(&text, "rampart_bytes_received_total", r#"service="kms""#),
        "64"
    );
    // Series sort by label values: "kms" before "s3".
    let services: Vec<_> = samples(&text, "rampart_bytes_received_total")
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(services, [r#"service="kms""#, r#"service="s3""#]);
    assert!(samples(&text, "rampart_policy_denies_total").is_empty());
}

#[test]
fn status_label_formats_every_width() {
    let mut buf = [0u8; 5];
    assert_eq!(status_label(0, &mut buf), "0");
    assert_eq!(status_label(7, &mut buf), "7");
    assert_eq!(status_label(200, &mut buf), "200");
    assert_eq!(status_label(503, &mut buf), "503");
    assert_eq!(status_label(u16::MAX, &mut buf), "65535");
}

#[test]
fn label_values_are_escaped() {
    let mut out = String::new();
    escape_label_value("a\\b\"c\nd", &mut out);
    assert_eq!(out, r#"a\\b\"c\nd"#);

    let m = Metrics::new();
    m.auth_failure("bad\"reason\\with\nnewline");
    m.access_log_delivery_failed("logs");
    let text = m.render();
    assert!(
        text.contains(
            "rampart_auth_failures_total{reason=\"bad\\\"reason\\\\with\\nnewline\"} 1\n"
        ),
        "{text}"
    );
    // No raw line feed inside a label value: every line is a whole sample or comment.
    check_exposition(&text);
    assert_eq!(
        value(
            &text,
            "rampart_access_log_delivery_failures_total",
            r#"target="logs""#
        ),
        "1"
    );
}

#[test]
fn histogram_buckets_accumulate() {
    let m = Metrics::new();
    // One observation on each bound, one just above each, and one beyond every bound.
    let mut expected_sum = 0;
    for &bound in family::LATENCY_BUCKETS_MS.iter() {
        for ms in [bound, bound + 1] {
            m.observe(&facts(Service::S3, Some("PutObject"), 200, ms));
            expected_sum += ms;
        }
    }
    m.observe(&facts(Service::S3, Some("PutObject"), 200, 3_600_000));
    expected_sum += 3_600_000;
    m.observe(&facts(Service::S3, Some("PutObject"), 200, 0));

    let text = m.render();
    let buckets = samples(&text, "rampart_request_duration_seconds_bucket");
    assert_eq!(buckets.len(), family::LATENCY_BUCKETS_MS.len() + 1);
    // le is inclusive: bucket i holds the 0 ms observation, and for each bound up to and
    // including bucket i, the bound itself, plus the "bound + 1" of every earlier bound.
    for (i, (labels, v)) in buckets.iter().enumerate() {
        let expected = if i < family::LATENCY_BUCKETS_MS.len() {
            1 + (i + 1) + i
        } else {
            2 * family::LATENCY_BUCKETS_MS.len() + 2
        };
        assert_eq!(v.parse::<usize>().unwrap(), expected, "{labels}");
    }
    let labels = r#"service="s3",operation="PutObject""#;
    assert_eq!(
        value(&text, "rampart_request_duration_seconds_count", labels),
        (2 * family::LATENCY_BUCKETS_MS.len() + 2).to_string()
    );
    let sum: f64 = value(&text, "rampart_request_duration_seconds_sum", labels)
        .parse()
        .unwrap();
    assert_eq!(sum, expected_sum as f64 / 1000.0);
    check_exposition(&text);
}

#[test]
fn concurrent_observe_sums_exactly() {
    const THREADS: usize = 8;
    const PER_THREAD: u64 = 5_000;
    let m = Arc::new(Metrics::new());
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let m = Arc::clone(&m);
            std::thread::spawn(move || {
                for i in 0..PER_THREAD {
                    // Two operations, so threads race both on lookups and on first inserts.
                    let op = if i % 2 == 0 { "GetObject" } else { "PutObject" };
                    let mut f = facts(Service::S3, Some(op), 200, i % 100);
                    f.bytes_sent = Some(3);
                    m.observe(&f);
                    m.auth_failure(if t % 2 == 0 { "A" } else { "B" });
                    m.connection_opened();
                    m.connection_closed();
                    m.audit_events(1);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let total = THREADS as u64 * PER_THREAD;
    let text = m.render();
    for op in ["GetObject", "PutObject"] {
        let labels = format!(r#"service="s3",operation="{op}",status="200""#);
        assert_eq!(
            value(&text, "rampart_requests_total", &labels),
            (total / 2).to_string()
        );
        let labels = format!(r#"service="s3",operation="{op}""#);
        assert_eq!(
            value(&text, "rampart_request_duration_seconds_count", &labels),
            (total / 2).to_string()
        );
    }
    assert_eq!(
        value(&text, "rampart_bytes_sent_total", r#"service="s3""#),
        (3 * total).to_string()
    );
    let a: u64 = value(&text, "rampart_auth_failures_total", r#"reason="A""#)
        .parse()
        .unwrap();
    let b: u64 = value(&text, "rampart_auth_failures_total", r#"reason="B""#)
        .parse()
        .unwrap();
    assert_eq!(a + b, total);
    assert_eq!(value(&text, "rampart_active_connections", ""), "0");
    assert_eq!(
        value(&text, "rampart_audit_events_total", ""),
        total.to_string()
    );
}

#[test]
fn forget_bucket_removes_both_series() {
    let m = Metrics::new();
    m.set_bucket_usage("a", 1, 1);
    m.set_bucket_usage("b", 2, 2);
    m.set_bucket_usage("a", 10, 3);
    let text = m.render();
    assert_eq!(value(&text, "rampart_bucket_bytes", r#"bucket="a""#), "10");
    assert_eq!(value(&text, "rampart_bucket_objects", r#"bucket="a""#), "3");
    m.forget_bucket("a");
    m.forget_bucket("never-seen");
    let text = m.render();
    assert_eq!(
        samples(&text, "rampart_bucket_bytes"),
        [(r#"bucket="b""#, "2")]
    );
    assert_eq!(
        samples(&text, "rampart_bucket_objects"),
        [(r#"bucket="b""#, "2")]
    );
}

#[test]
fn non_finite_gauges_use_prometheus_spelling() {
    let m = Metrics::new();
    m.set_access_log_delivery_lag_seconds(f64::INFINITY);
    let text = m.render();
    assert_eq!(
        value(&text, "rampart_access_log_delivery_lag_seconds", ""),
        "+Inf"
    );
    m.set_access_log_delivery_lag_seconds(f64::NAN);
    assert_eq!(
        value(&m.render(), "rampart_access_log_delivery_lag_seconds", ""),
        "NaN"
    );
    check_exposition(&m.render());
}

#[test]
fn rendered_text_parses_back() {
    let m = Metrics::new();
    for (i, op) in ["GetObject", "PutObject", "ListObjectsV2"]
        .iter()
        .enumerate()
    {
        let mut f = facts(Service::S3, Some(op), 200 + i as u16, 7 * i as u64);
        f.bytes_received = Some(i as u64);
        f.denial = (i == 1).then(|| Denial {
            layer: "identity".into(),
            ..Denial::default()
        });
        m.observe(&f);
    }
    m.observe(&facts(Service::Iam, Some("CreateUser"), 200, 1));
    m.auth_failure("ExpiredToken");
    m.access_log_delivery_failed("log\"s");
    m.set_bucket_usage("b\\1", 1, 1);
    check_exposition(&m.render());
}

/// A parser for the subset of the text format we emit, strict where the format is: every
/// sample line is `name{label="value",…} value` with valid names, escapes and a number; every
/// family has one HELP and one TYPE before its samples; families come sorted by name, and no
/// series appears twice.
fn check_exposition(text: &str) {
    assert!(text.ends_with('\n'), "text must end with a line feed");
    let mut help: HashMap<String, usize> = HashMap::new();
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut seen_series: HashMap<String, ()> = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let ctx = format!("line {}: {line:?}", n + 1);
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').expect(&ctx);
            assert!(valid_metric_name(name), "{ctx}");
            *help.entry(name.to_owned()).or_default() += 1;
            if order.last().map(String::as_str) != Some(name) {
                order.push(name.to_owned());
            }
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect(&ctx);
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{ctx}"
            );
            assert!(help.contains_key(name), "TYPE before HELP: {ctx}");
            assert!(
                types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "{ctx}"
            );
        } else {
            assert!(!line.starts_with('#'), "unknown comment: {ctx}");
            let (name, labels, value) = parse_sample(line).expect(&ctx);
            let family = match types.get(name) {
                Some(_) => name,
                None => ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| name.strip_suffix(s))
                    .filter(|base| types.get(*base).map(String::as_str) == Some("histogram"))
                    .expect(&ctx),
            };
            assert_eq!(order.last().map(String::as_str), Some(family), "{ctx}");
            if name.ends_with("_bucket") {
                assert!(labels.iter().any(|(k, _)| k == "le"), "{ctx}");
            }
            assert!(value == "NaN" || value.parse::<f64>().is_ok(), "{ctx}");
            assert!(
                seen_series
                    .insert(format!("{name}{labels:?}"), ())
                    .is_none(),
                "duplicate series: {ctx}"
            );
        }
    }
    assert!(help.values().all(|&c| c == 1), "one HELP per family");
    assert_eq!(help.len(), types.len(), "every family has HELP and TYPE");
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "families sorted by name");
}

fn valid_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A sample's labels, unescaped, in written order.
type Labels = Vec<(String, String)>;

/// `name{k="v",…} value` → (name, unescaped labels, value); `None` on any syntax error.
fn parse_sample(line: &str) -> Option<(&str, Labels, &str)> {
    let name_end = line.find(['{', ' '])?;
    let name = &line[..name_end];
    if !valid_metric_name(name) {
        return None;
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(r) = rest.strip_prefix('{') {
        rest = r;
        loop {
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            if !labels.is_empty() {
                rest = rest.strip_prefix(',')?;
            }
            let eq = rest.find('=')?;
            let key = &rest[..eq];
            if !valid_label_name(key) {
                return None;
            }
            rest = rest[eq + 1..].strip_prefix('"')?;
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                match chars.next()? {
                    (i, '"') => break i,
                    (_, '\\') => match chars.next()?.1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        _ => return None,
                    },
                    (_, c) => value.push(c),
                }
            };
            rest = &rest[end + 1..];
            if labels.iter().any(|(k, _)| k == key) {
                return None;
            }
            labels.push((key.to_owned(), value));
        }
    }
    let value = rest.strip_prefix(' ')?;
    if value.is_empty() || value.contains(' ') {
        return None;
    }
    Some((name, labels, value))
}

#[test]
fn parser_rejects_malformed_samples() {
    // The parser must be able to fail, or `check_exposition` proves nothing.
    for bad in [
        "9bad 1",
        "m{a=\"x\" 1",
        "m{a=x} 1",
        "m{a=\"x\\q\"} 1",
        "m{a=\"x\",a=\"y\"} 1",
        "m{1a=\"x\"} 1",
        "m{a=\"x\"}1",
        "m{a=\"x\"} ",
        "m 1 2",
    ] {
        assert!(parse_sample(bad).is_none(), "{bad:?}");
    }
    let (name, labels, value) = parse_sample(r#"m_total{a="x\"y",b="\\"} 3"#).unwrap();
    assert_eq!((name, value), ("m_total", "3"));
    assert_eq!(
        labels,
        [("a".into(), "x\"y".into()), ("b".into(), "\\".into())]
    );
}
