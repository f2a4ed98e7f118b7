//! The GetObjectAttributes document.

use serde::Serialize;

use super::S3_NAMESPACE;

#[derive(Serialize, Debug, Default)]
pub struct ChecksumXml {
    #[serde(rename = "ChecksumCRC32", skip_serializing_if = "Option::is_none")]
    pub checksum_crc32: Option<String>,
    #[serde(rename = "ChecksumCRC32C", skip_serializing_if = "Option::is_none")]
    pub checksum_crc32c: Option<String>,
    #[serde(rename = "ChecksumCRC64NVME", skip_serializing_if = "Option::is_none")]
    pub checksum_crc64nvme: Option<String>,
    #[serde(rename = "ChecksumSHA1", skip_serializing_if = "Option::is_none")]
    pub checksum_sha1: Option<String>,
    #[serde(rename = "ChecksumSHA256", skip_serializing_if = "Option::is_none")]
    pub checksum_sha256: Option<String>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<&'static str>,
}

#[derive(Serialize, Debug, Default)]
pub struct AttributesPartXml {
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    #[serde(rename = "Size")]
    pub size: u64,
    #[serde(rename = "ChecksumCRC32", skip_serializing_if = "Option::is_none")]
    pub checksum_crc32: Option<String>,
    #[serde(rename = "ChecksumCRC32C", skip_serializing_if = "Option::is_none")]
    pub checksum_crc32c: Option<String>,
    #[serde(rename = "ChecksumCRC64NVME", skip_serializing_if = "Option::is_none")]
    pub checksum_crc64nvme: Option<String>,
    #[serde(rename = "ChecksumSHA1", skip_serializing_if = "Option::is_none")]
    pub checksum_sha1: Option<String>,
    #[serde(rename = "ChecksumSHA256", skip_serializing_if = "Option::is_none")]
    pub checksum_sha256: Option<String>,
}

super::checksum_fields!(ChecksumXml, AttributesPartXml);

#[derive(Serialize, Debug, Default)]
pub struct ObjectPartsXml {
    /// The documentation says TotalPartsCount; the wire (and every SDK) says PartsCount.
    #[serde(rename = "PartsCount")]
    pub total_parts_count: u32,
    #[serde(rename = "PartNumberMarker")]
    pub part_number_marker: u32,
    #[serde(
        rename = "NextPartNumberMarker",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_part_number_marker: Option<u32>,
    #[serde(rename = "MaxParts")]
    pub max_parts: usize,
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    #[serde(rename = "Part")]
    pub parts: Vec<AttributesPartXml>,
}

#[derive(Serialize, Debug, Default)]
#[serde(rename = "GetObjectAttributesResponse")]
pub struct GetObjectAttributesResponse {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    /// Unquoted, unlike everywhere else in S3.
    #[serde(rename = "ETag", skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(rename = "Checksum", skip_serializing_if = "Option::is_none")]
    pub checksum: Option<ChecksumXml>,
    #[serde(rename = "ObjectParts", skip_serializing_if = "Option::is_none")]
    pub object_parts: Option<ObjectPartsXml>,
    #[serde(rename = "StorageClass", skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    #[serde(rename = "ObjectSize", skip_serializing_if = "Option::is_none")]
    pub object_size: Option<u64>,
}

impl GetObjectAttributesResponse {
    pub fn new() -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::multipart::ChecksumFields;
    use crate::xml::to_document;

    #[test]
    fn golden() {
        let mut doc = GetObjectAttributesResponse::new();
        doc.etag = Some("abc-2".into());
        let mut checksum = ChecksumXml {
            checksum_type: Some("COMPOSITE"),
            ..Default::default()
        };
        checksum.set_checksum(ChecksumFields::of(
            rampart_engine::checksum::ChecksumAlgorithm::Crc32,
            "i9aeUg==-2".into(),
        ));
        doc.checksum = Some(checksum);
        doc.object_size = Some(10);
        assert_eq!(
            std::str::from_utf8(&to_document(&doc).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GetObjectAttributesResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <ETag>abc-2</ETag><Checksum><ChecksumCRC32>i9aeUg==-2</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType></Checksum>\
             <ObjectSize>10</ObjectSize></GetObjectAttributesResponse>"
        );
    }
}
