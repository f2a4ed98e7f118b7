//! The metadata key layout. Prefixes are one byte plus `/`, so each record family scans as one
//! contiguous range:
//!
//! | key | record |
//! |---|---|
//! | `b/<bucket>` | [`crate::BucketRecord`] |
//! | `o/<bucket>/<object key>` | [`crate::ObjectRecord`] (the current object) |
//! | `d/<blob id>` | the bytes of a small object kept inline |
//! | `r/<blob id>` | marks a blob file as referenced (orphan reclamation) |
//! | `c/<bucket>/<kind>` | a bucket configuration document (tagging, CORS, …) |
//! | `m/<manifest id>` | the part list of a completed multipart object |
//! | `u/<bucket>/<key>\0<upload id>` | a multipart upload in progress |
//! | `p/<upload id>/<part number, 5 digits>` | an uploaded part |
//! | `v/<bucket>/<key>\0<inverted sequence>` | a noncurrent version or a delete marker ([`crate::versioning`]) |
//! | `n/<bucket>/<key>` | the `v/` key of the key's noncurrent `null` version |
//!
//! Bucket names never contain `/`, so `o/<bucket>/` is unambiguous, and object keys compare in
//! the raw UTF-8 byte order S3 lists them in.

use rampart_store::BlobId;
use rampart_types::BucketName;

pub(crate) const BUCKETS: &[u8] = b"b/";
pub(crate) const BLOB_REFS: &[u8] = b"r/";

pub(crate) fn bucket(name: &BucketName) -> Vec<u8> {
    [BUCKETS, name.as_str().as_bytes()].concat()
}

pub(crate) fn bucket_name_of(key: &[u8]) -> Option<&str> {
    std::str::from_utf8(key.strip_prefix(BUCKETS)?).ok()
}

pub(crate) fn objects_prefix(bucket: &BucketName) -> Vec<u8> {
    [b"o/", bucket.as_str().as_bytes(), b"/"].concat()
}

pub(crate) fn object(bucket: &BucketName, key: &str) -> Vec<u8> {
    let mut k = objects_prefix(bucket);
    k.extend_from_slice(key.as_bytes());
    k
}

pub(crate) fn inline_data(id: &BlobId) -> Vec<u8> {
    [b"d/", id.as_str().as_bytes()].concat()
}

pub(crate) fn blob_ref(id: &BlobId) -> Vec<u8> {
    [BLOB_REFS, id.as_str().as_bytes()].concat()
}

/// The bucket record key for a name that may not be a valid bucket name (a pagination marker).
pub(crate) fn bucket_key_for_name(name: &str) -> Vec<u8> {
    [BUCKETS, name.as_bytes()].concat()
}

pub(crate) fn bucket_configs_prefix(bucket: &BucketName) -> Vec<u8> {
    [b"c/", bucket.as_str().as_bytes(), b"/"].concat()
}

/// `x/<account>/<kind>`: an account-wide configuration document (Block Public Access).
pub(crate) fn account_config(account: &str, kind: &str) -> Vec<u8> {
    format!("x/{account}/{kind}").into_bytes()
}

pub(crate) fn bucket_config(bucket: &BucketName, kind: &str) -> Vec<u8> {
    [bucket_configs_prefix(bucket).as_slice(), kind.as_bytes()].concat()
}

pub(crate) fn manifest(id: &BlobId) -> Vec<u8> {
    [b"m/", id.as_str().as_bytes()].concat()
}

pub(crate) fn uploads_prefix(bucket: &BucketName) -> Vec<u8> {
    [b"u/", bucket.as_str().as_bytes(), b"/"].concat()
}

/// Uploads sort by key, then by upload id (which sorts by initiation time).
pub(crate) fn upload(bucket: &BucketName, key: &str, upload_id: &str) -> Vec<u8> {
    [
        uploads_prefix(bucket).as_slice(),
        key.as_bytes(),
        b"\0",
        upload_id.as_bytes(),
    ]
    .concat()
}

pub(crate) fn parts_prefix(upload_id: &str) -> Vec<u8> {
    [b"p/", upload_id.as_bytes(), b"/"].concat()
}

pub(crate) fn part(upload_id: &str, number: u32) -> Vec<u8> {
    let mut k = parts_prefix(upload_id);
    k.extend_from_slice(format!("{number:05}").as_bytes());
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_keys_sort_within_their_bucket() {
        let a = BucketName::parse("aaa").unwrap();
        let ab = BucketName::parse("aaa-b").unwrap();
        let last_of_a = object(&a, "\u{10FFFF}");
        let prefix_ab = objects_prefix(&ab);
        // No key of bucket "aaa" falls into the range of "aaa-b" and vice versa.
        assert!(!last_of_a.starts_with(&prefix_ab));
        assert!(!prefix_ab.starts_with(&objects_prefix(&a)));
        assert_eq!(bucket_name_of(&bucket(&a)), Some("aaa"));
    }
}
