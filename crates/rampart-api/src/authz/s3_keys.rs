//! The `s3:` condition keys a request carries, read from its headers and query as AWS's
//! "condition keys for Amazon S3" define them.

use http::HeaderMap;
use rampart_policy::ContextKeys;

use crate::query::Query;
use crate::router::Endpoint;

/// Request headers whose value is the condition key of the same name (`s3:<header>`).
const HEADER_KEYS: &[&str] = &[
    "x-amz-acl",
    "x-amz-grant-read",
    "x-amz-grant-write",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
    "x-amz-grant-full-control",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-storage-class",
    "x-amz-metadata-directive",
    "x-amz-copy-source",
    "x-amz-content-sha256",
    "x-amz-object-ownership",
];

/// Object Lock headers and their condition keys.
const LOCK_KEYS: &[(&str, &str)] = &[
    ("x-amz-object-lock-mode", "s3:object-lock-mode"),
    (
        "x-amz-object-lock-retain-until-date",
        "s3:object-lock-retain-until-date",
    ),
    ("x-amz-object-lock-legal-hold", "s3:object-lock-legal-hold"),
];

/// Listing parameters and their condition keys (ListObjects, ListObjectsV2).
const LIST_KEYS: &[(&str, &str)] = &[
    ("prefix", "s3:prefix"),
    ("delimiter", "s3:delimiter"),
    ("max-keys", "s3:max-keys"),
];

pub fn s3_request_keys(
    keys: &mut ContextKeys,
    endpoint: Endpoint,
    headers: &HeaderMap,
    query: &Query,
) {
    for name in HEADER_KEYS {
        if let Some(value) = header(headers, name) {
            keys.set(&format!("s3:{name}"), value);
        }
    }
    for (name, key) in LOCK_KEYS {
        if let Some(value) = header(headers, name) {
            keys.set(key, value);
        }
    }
    if let Some(days) =
        header(headers, "x-amz-object-lock-retain-until-date").and_then(remaining_retention_days)
    {
        keys.set("s3:object-lock-remaining-retention-days", days.to_string());
    }
    if matches!(endpoint, Endpoint::ListObjects | Endpoint::ListObjectsV2) {
        for (param, key) in LIST_KEYS {
            if let Some(value) = query.get(param) {
                keys.set(key, value);
            }
        }
    }
    if let Some(version) = query.get("versionId") {
        keys.set("s3:versionid", version);
    }
    if let Some(tagging) = header(headers, "x-amz-tagging") {
        request_object_tags(keys, tagging);
    }
}

/// `s3:RequestObjectTag/<key>` and `s3:RequestObjectTagKeys` from a URL-encoded tag set.
pub fn request_object_tags(keys: &mut ContextKeys, encoded: &str) {
    let mut tag_keys = Vec::new();
    for pair in encoded.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        let (k, v) = (decode(k), decode(v));
        keys.set(&format!("s3:RequestObjectTag/{k}"), v);
        tag_keys.push(k);
    }
    keys.set_many("s3:RequestObjectTagKeys", tag_keys);
}

/// `s3:RequestObjectTag/<key>` and `s3:RequestObjectTagKeys` from a decoded tag set (the
/// PutObjectTagging body).
pub fn request_tag_set(keys: &mut ContextKeys, tags: &[(String, String)]) {
    for (k, v) in tags {
        keys.set(&format!("s3:RequestObjectTag/{k}"), v.clone());
    }
    keys.set_many(
        "s3:RequestObjectTagKeys",
        tags.iter().map(|(k, _)| k.clone()).collect(),
    );
}

/// `s3:ExistingObjectTag/<key>` from the tags the object already has.
pub fn existing_object_tags(keys: &mut ContextKeys, tags: &[(String, String)]) {
    for (k, v) in tags {
        keys.set(&format!("s3:ExistingObjectTag/{k}"), v.clone());
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn remaining_retention_days(until: &str) -> Option<i64> {
    let until =
        time::OffsetDateTime::parse(until, &time::format_description::well_known::Rfc3339).ok()?;
    let remaining = until - time::OffsetDateTime::now_utc();
    Some(remaining.whole_days().max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn header_and_list_keys() {
        let mut keys = ContextKeys::new();
        let query =
            Query::parse("list-type=2&prefix=home%2Falice%2F&delimiter=%2F&max-keys=10").unwrap();
        s3_request_keys(
            &mut keys,
            Endpoint::ListObjectsV2,
            &headers(&[("x-amz-acl", "public-read")]),
            &query,
        );
        assert_eq!(keys.get("s3:prefix").unwrap(), ["home/alice/"]);
        assert_eq!(keys.get("s3:delimiter").unwrap(), ["/"]);
        assert_eq!(keys.get("s3:max-keys").unwrap(), ["10"]);
        assert_eq!(keys.get("s3:x-amz-acl").unwrap(), ["public-read"]);
        assert!(keys.get("s3:versionid").is_none());
    }

    #[test]
    fn list_keys_only_for_listing() {
        let mut keys = ContextKeys::new();
        let query = Query::parse("prefix=a&versionId=v1").unwrap();
        s3_request_keys(&mut keys, Endpoint::GetObject, &HeaderMap::new(), &query);
        assert!(keys.get("s3:prefix").is_none());
        assert_eq!(keys.get("s3:versionid").unwrap(), ["v1"]);
    }

    #[test]
    fn request_tags() {
        let mut keys = ContextKeys::new();
        s3_request_keys(
            &mut keys,
            Endpoint::PutObject,
            &headers(&[("x-amz-tagging", "project=blue&team=a+b%26c")]),
            &Query::default(),
        );
        assert_eq!(keys.get("s3:RequestObjectTag/project").unwrap(), ["blue"]);
        assert_eq!(keys.get("s3:RequestObjectTag/team").unwrap(), ["a b&c"]);
        assert_eq!(
            keys.get("s3:RequestObjectTagKeys").unwrap(),
            ["project", "team"]
        );
    }
}
