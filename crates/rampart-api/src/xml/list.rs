//! ListObjects (V1) and ListObjectsV2 documents.

use serde::Serialize;

use super::{OwnerXml, S3_NAMESPACE, timestamp};

#[derive(Serialize, Debug)]
pub struct ContentsXml {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "LastModified")]
    pub last_modified: String,
    #[serde(rename = "ETag")]
    pub etag: String,
    #[serde(rename = "Size")]
    pub size: u64,
    #[serde(rename = "Owner", skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerXml>,
    #[serde(rename = "StorageClass")]
    pub storage_class: String,
}

impl ContentsXml {
    pub fn new(key: String, record: &rampart_engine::ObjectRecord, with_owner: bool) -> Self {
        Self {
            key,
            last_modified: timestamp(record.last_modified),
            etag: record.etag.quoted(),
            size: record.size,
            owner: with_owner.then(|| OwnerXml::from(&record.owner)),
            storage_class: record.storage_class.clone(),
        }
    }
}

#[derive(Serialize, Debug)]
pub struct CommonPrefixXml {
    #[serde(rename = "Prefix")]
    pub prefix: String,
}

#[derive(Serialize, Debug)]
#[serde(rename = "ListBucketResult")]
pub struct ListBucketResultV1 {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Prefix")]
    pub prefix: String,
    #[serde(rename = "Marker")]
    pub marker: String,
    #[serde(rename = "NextMarker", skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    #[serde(rename = "MaxKeys")]
    pub max_keys: usize,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<&'static str>,
    #[serde(rename = "Contents")]
    pub contents: Vec<ContentsXml>,
    #[serde(rename = "CommonPrefixes")]
    pub common_prefixes: Vec<CommonPrefixXml>,
}

#[derive(Serialize, Debug)]
#[serde(rename = "ListBucketResult")]
pub struct ListBucketResultV2 {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Prefix")]
    pub prefix: String,
    #[serde(rename = "ContinuationToken", skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    #[serde(
        rename = "NextContinuationToken",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_continuation_token: Option<String>,
    #[serde(rename = "KeyCount")]
    pub key_count: usize,
    #[serde(rename = "MaxKeys")]
    pub max_keys: usize,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    #[serde(rename = "StartAfter", skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<&'static str>,
    #[serde(rename = "Contents")]
    pub contents: Vec<ContentsXml>,
    #[serde(rename = "CommonPrefixes")]
    pub common_prefixes: Vec<CommonPrefixXml>,
}

pub fn namespace() -> &'static str {
    S3_NAMESPACE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::to_document;

    #[test]
    fn golden_v2_with_prefixes() {
        let doc = ListBucketResultV2 {
            xmlns: namespace(),
            name: "bucket".into(),
            prefix: "photos/".into(),
            continuation_token: None,
            next_continuation_token: Some("token".into()),
            key_count: 2,
            max_keys: 2,
            delimiter: Some("/".into()),
            is_truncated: true,
            start_after: None,
            encoding_type: None,
            contents: vec![ContentsXml {
                key: "photos/a.jpg".into(),
                last_modified: "2009-10-12T17:50:30.000Z".into(),
                etag: "\"9b2cf535f27731c974343645a3985328\"".into(),
                size: 434234,
                owner: None,
                storage_class: "STANDARD".into(),
            }],
            common_prefixes: vec![CommonPrefixXml {
                prefix: "photos/2006/".into(),
            }],
        };
        assert_eq!(
            std::str::from_utf8(&to_document(&doc).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Name>bucket</Name><Prefix>photos/</Prefix><NextContinuationToken>token</NextContinuationToken>\
             <KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>\
             <Contents><Key>photos/a.jpg</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>\
             <ETag>\"9b2cf535f27731c974343645a3985328\"</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>\
             <CommonPrefixes><Prefix>photos/2006/</Prefix></CommonPrefixes></ListBucketResult>"
        );
    }
}
