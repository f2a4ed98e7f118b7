//! Multipart upload documents.

use rampart_engine::checksum::{ChecksumAlgorithm, ChecksumType};
use serde::{Deserialize, Serialize};

use super::{OwnerXml, S3_NAMESPACE};

/// The `<ChecksumXXX>` elements S3 uses for a checksum: one per algorithm, at most one set.
/// (quick-xml cannot flatten, so each document spells the five fields out and converts with
/// `checksum_fields!`.)
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChecksumFields {
    pub crc32: Option<String>,
    pub crc32c: Option<String>,
    pub crc64nvme: Option<String>,
    pub sha1: Option<String>,
    pub sha256: Option<String>,
}

impl ChecksumFields {
    /// The field for `algorithm` holding `value` (already base64, possibly with `-N`).
    pub fn of(algorithm: ChecksumAlgorithm, value: String) -> Self {
        let mut f = Self::default();
        let slot = match algorithm {
            ChecksumAlgorithm::Crc32 => &mut f.crc32,
            ChecksumAlgorithm::Crc32c => &mut f.crc32c,
            ChecksumAlgorithm::Crc64Nvme => &mut f.crc64nvme,
            ChecksumAlgorithm::Sha1 => &mut f.sha1,
            ChecksumAlgorithm::Sha256 => &mut f.sha256,
        };
        *slot = Some(value);
        f
    }

    pub fn of_raw(algorithm: ChecksumAlgorithm, raw: &[u8]) -> Self {
        Self::of(algorithm, ChecksumAlgorithm::encode_value(raw))
    }

    /// The one checksum set, if any (the first, if a client sent several).
    pub fn get(&self) -> Option<(ChecksumAlgorithm, &str)> {
        [
            (ChecksumAlgorithm::Crc32, &self.crc32),
            (ChecksumAlgorithm::Crc32c, &self.crc32c),
            (ChecksumAlgorithm::Crc64Nvme, &self.crc64nvme),
            (ChecksumAlgorithm::Sha1, &self.sha1),
            (ChecksumAlgorithm::Sha256, &self.sha256),
        ]
        .into_iter()
        .find_map(|(a, v)| v.as_deref().map(|v| (a, v)))
    }
}

#[derive(Serialize, Debug)]
#[serde(rename = "InitiateMultipartUploadResult")]
pub struct InitiateMultipartUploadResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "UploadId")]
    pub upload_id: String,
}

impl InitiateMultipartUploadResult {
    pub fn new(bucket: String, key: String, upload_id: String) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            bucket,
            key,
            upload_id,
        }
    }
}

/// The request body of CompleteMultipartUpload.
#[derive(Deserialize, Debug)]
pub struct CompleteMultipartUpload {
    #[serde(rename = "Part", default)]
    pub parts: Vec<CompletedPartXml>,
}

#[derive(Deserialize, Debug)]
pub struct CompletedPartXml {
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    #[serde(rename = "ETag")]
    pub etag: String,
    #[serde(
        rename = "ChecksumCRC32",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc32: Option<String>,
    #[serde(
        rename = "ChecksumCRC32C",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc32c: Option<String>,
    #[serde(
        rename = "ChecksumCRC64NVME",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc64nvme: Option<String>,
    #[serde(
        rename = "ChecksumSHA1",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_sha1: Option<String>,
    #[serde(
        rename = "ChecksumSHA256",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_sha256: Option<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename = "CompleteMultipartUploadResult")]
pub struct CompleteMultipartUploadResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "Location")]
    pub location: String,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "ETag")]
    pub etag: String,
    #[serde(
        rename = "ChecksumCRC32",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc32: Option<String>,
    #[serde(
        rename = "ChecksumCRC32C",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc32c: Option<String>,
    #[serde(
        rename = "ChecksumCRC64NVME",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc64nvme: Option<String>,
    #[serde(
        rename = "ChecksumSHA1",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_sha1: Option<String>,
    #[serde(
        rename = "ChecksumSHA256",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_sha256: Option<String>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<&'static str>,
}

impl CompleteMultipartUploadResult {
    pub fn new(location: String, bucket: String, key: String, etag: String) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            location,
            bucket,
            key,
            etag,
            checksum_crc32: None,
            checksum_crc32c: None,
            checksum_crc64nvme: None,
            checksum_sha1: None,
            checksum_sha256: None,
            checksum_type: None,
        }
    }
}

#[derive(Serialize, Debug)]
#[serde(rename = "CopyPartResult")]
pub struct CopyPartResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "LastModified")]
    pub last_modified: String,
    #[serde(rename = "ETag")]
    pub etag: String,
    #[serde(
        rename = "ChecksumCRC32",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc32: Option<String>,
    #[serde(
        rename = "ChecksumCRC32C",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc32c: Option<String>,
    #[serde(
        rename = "ChecksumCRC64NVME",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc64nvme: Option<String>,
    #[serde(
        rename = "ChecksumSHA1",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_sha1: Option<String>,
    #[serde(
        rename = "ChecksumSHA256",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_sha256: Option<String>,
}

impl CopyPartResult {
    pub fn new(last_modified: String, etag: String, checksum: ChecksumFields) -> Self {
        let mut doc = Self {
            xmlns: S3_NAMESPACE,
            last_modified,
            etag,
            checksum_crc32: None,
            checksum_crc32c: None,
            checksum_crc64nvme: None,
            checksum_sha1: None,
            checksum_sha256: None,
        };
        doc.set_checksum(checksum);
        doc
    }
}

impl PartXml {
    pub fn new(part_number: u32, last_modified: String, etag: String, size: u64) -> Self {
        Self {
            part_number,
            last_modified,
            etag,
            size,
            checksum_crc32: None,
            checksum_crc32c: None,
            checksum_crc64nvme: None,
            checksum_sha1: None,
            checksum_sha256: None,
        }
    }
}

super::checksum_fields!(
    CompletedPartXml,
    CompleteMultipartUploadResult,
    CopyPartResult,
    PartXml
);

#[derive(Serialize, Debug)]
pub struct PartXml {
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    #[serde(rename = "LastModified")]
    pub last_modified: String,
    #[serde(rename = "ETag")]
    pub etag: String,
    #[serde(rename = "Size")]
    pub size: u64,
    #[serde(
        rename = "ChecksumCRC32",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc32: Option<String>,
    #[serde(
        rename = "ChecksumCRC32C",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc32c: Option<String>,
    #[serde(
        rename = "ChecksumCRC64NVME",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_crc64nvme: Option<String>,
    #[serde(
        rename = "ChecksumSHA1",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_sha1: Option<String>,
    #[serde(
        rename = "ChecksumSHA256",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub checksum_sha256: Option<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename = "ListPartsResult")]
pub struct ListPartsResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "UploadId")]
    pub upload_id: String,
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
    pub parts: Vec<PartXml>,
    #[serde(rename = "Initiator")]
    pub initiator: OwnerXml,
    #[serde(rename = "Owner")]
    pub owner: OwnerXml,
    #[serde(rename = "StorageClass")]
    pub storage_class: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<&'static str>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<&'static str>,
}

#[derive(Serialize, Debug)]
pub struct UploadXml {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "UploadId")]
    pub upload_id: String,
    #[serde(rename = "Initiator")]
    pub initiator: OwnerXml,
    #[serde(rename = "Owner")]
    pub owner: OwnerXml,
    #[serde(rename = "StorageClass")]
    pub storage_class: String,
    #[serde(rename = "Initiated")]
    pub initiated: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<&'static str>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<&'static str>,
}

#[derive(Serialize, Debug)]
pub struct PrefixXml {
    #[serde(rename = "Prefix")]
    pub prefix: String,
}

#[derive(Serialize, Debug)]
#[serde(rename = "ListMultipartUploadsResult")]
pub struct ListMultipartUploadsResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "Bucket")]
    pub bucket: String,
    #[serde(rename = "KeyMarker")]
    pub key_marker: String,
    #[serde(rename = "UploadIdMarker")]
    pub upload_id_marker: String,
    #[serde(rename = "NextKeyMarker", skip_serializing_if = "Option::is_none")]
    pub next_key_marker: Option<String>,
    #[serde(rename = "NextUploadIdMarker", skip_serializing_if = "Option::is_none")]
    pub next_upload_id_marker: Option<String>,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(rename = "Prefix")]
    pub prefix: String,
    #[serde(rename = "MaxUploads")]
    pub max_uploads: usize,
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<&'static str>,
    #[serde(rename = "Upload")]
    pub uploads: Vec<UploadXml>,
    #[serde(rename = "CommonPrefixes")]
    pub common_prefixes: Vec<PrefixXml>,
}

/// The names S3 uses for an upload's checksum settings.
pub fn checksum_names(
    setting: Option<(ChecksumAlgorithm, ChecksumType)>,
) -> (Option<&'static str>, Option<&'static str>) {
    match setting {
        Some((a, t)) => (Some(a.name()), Some(t.name())),
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    #[test]
    fn parses_complete_request_with_checksums() {
        let req: CompleteMultipartUpload = from_body(
            b"<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
              <Part><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag><PartNumber>1</PartNumber></Part>\
              <Part><PartNumber>2</PartNumber><ETag>\"0c78aef83f66abc1fa1e8477f296d394\"</ETag>\
              <ChecksumCRC32>i9aeUg==</ChecksumCRC32></Part></CompleteMultipartUpload>",
        )
        .unwrap();
        assert_eq!(req.parts.len(), 2);
        assert_eq!(req.parts[1].part_number, 2);
        assert_eq!(
            req.parts[1].checksum().get(),
            Some((ChecksumAlgorithm::Crc32, "i9aeUg=="))
        );
        assert_eq!(req.parts[0].checksum().get(), None);
        // A non-numeric part number is malformed.
        assert!(from_body::<CompleteMultipartUpload>(
            b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>"
        )
        .is_err());
    }

    #[test]
    fn golden_initiate_and_complete() {
        let doc = to_document(&InitiateMultipartUploadResult::new(
            "b".into(),
            "k".into(),
            "u1".into(),
        ))
        .unwrap();
        assert_eq!(
            std::str::from_utf8(&doc).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Bucket>b</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>"
        );
        let mut done = CompleteMultipartUploadResult::new(
            "http://h/b/k".into(),
            "b".into(),
            "k".into(),
            "\"e-2\"".into(),
        );
        done.set_checksum(ChecksumFields::of(
            ChecksumAlgorithm::Crc64Nvme,
            "AAAAAAAAAAA=".into(),
        ));
        done.checksum_type = Some("FULL_OBJECT");
        assert_eq!(
            std::str::from_utf8(&to_document(&done).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Location>http://h/b/k</Location><Bucket>b</Bucket><Key>k</Key><ETag>\"e-2\"</ETag>\
             <ChecksumCRC64NVME>AAAAAAAAAAA=</ChecksumCRC64NVME><ChecksumType>FULL_OBJECT</ChecksumType>\
             </CompleteMultipartUploadResult>"
        );
    }
}
