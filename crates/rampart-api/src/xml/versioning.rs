//! `<VersioningConfiguration>` (Put/GetBucketVersioning) and `<ListVersionsResult>`
//! (ListObjectVersions).

use serde::{Deserialize, Serialize};

use super::list::CommonPrefixXml;
use super::{OwnerXml, S3_NAMESPACE};

#[derive(Serialize, Deserialize, Debug, Default)]
#[serde(rename = "VersioningConfiguration")]
pub struct VersioningConfigurationXml {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    pub xmlns: &'static str,
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "MfaDelete", default, skip_serializing_if = "Option::is_none")]
    pub mfa_delete: Option<String>,
}

impl VersioningConfigurationXml {
    pub fn new(status: Option<&str>, mfa_delete: bool) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            status: status.map(str::to_owned),
            mfa_delete: (status.is_some() || mfa_delete)
                .then(|| if mfa_delete { "Enabled" } else { "Disabled" }.to_owned()),
        }
    }
}

#[derive(Serialize, Debug)]
pub struct VersionXml {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "VersionId")]
    pub version_id: String,
    #[serde(rename = "IsLatest")]
    pub is_latest: bool,
    #[serde(rename = "LastModified")]
    pub last_modified: String,
    #[serde(rename = "ETag")]
    pub etag: String,
    #[serde(rename = "Size")]
    pub size: u64,
    #[serde(rename = "Owner")]
    pub owner: OwnerXml,
    #[serde(rename = "StorageClass")]
    pub storage_class: String,
}

#[derive(Serialize, Debug)]
pub struct DeleteMarkerXml {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "VersionId")]
    pub version_id: String,
    #[serde(rename = "IsLatest")]
    pub is_latest: bool,
    #[serde(rename = "LastModified")]
    pub last_modified: String,
    #[serde(rename = "Owner")]
    pub owner: OwnerXml,
}

/// Versions, delete markers and common prefixes, in the order S3 lists them.
#[derive(Serialize, Debug)]
pub enum VersionEntryXml {
    Version(VersionXml),
    DeleteMarker(DeleteMarkerXml),
    CommonPrefixes(CommonPrefixXml),
}

#[derive(Serialize, Debug)]
#[serde(rename = "ListVersionsResult")]
pub struct ListVersionsResultXml {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Prefix")]
    pub prefix: String,
    #[serde(rename = "KeyMarker")]
    pub key_marker: String,
    #[serde(rename = "VersionIdMarker")]
    pub version_id_marker: String,
    #[serde(rename = "NextKeyMarker", skip_serializing_if = "Option::is_none")]
    pub next_key_marker: Option<String>,
    #[serde(
        rename = "NextVersionIdMarker",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_version_id_marker: Option<String>,
    #[serde(rename = "MaxKeys")]
    pub max_keys: usize,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    #[serde(rename = "IsTruncated")]
    pub is_truncated: bool,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<&'static str>,
    #[serde(rename = "$value")]
    pub entries: Vec<VersionEntryXml>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    #[test]
    fn versioning_configuration_round_trips() {
        let doc = to_document(&VersioningConfigurationXml::new(Some("Enabled"), false)).unwrap();
        let text = std::str::from_utf8(&doc).unwrap();
        assert!(
            text.ends_with("<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>"),
            "{text}"
        );
        let never = to_document(&VersioningConfigurationXml::new(None, false)).unwrap();
        assert!(std::str::from_utf8(&never).unwrap().ends_with(
            "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>"
        ));
        let parsed: VersioningConfigurationXml = from_body(
            b"<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>Suspended</Status></VersioningConfiguration>",
        )
        .unwrap();
        assert_eq!(parsed.status.as_deref(), Some("Suspended"));
    }

    #[test]
    fn entries_keep_their_order_and_names() {
        let owner = OwnerXml {
            id: "id".into(),
            display_name: "name".into(),
        };
        let doc = to_document(&ListVersionsResultXml {
            xmlns: S3_NAMESPACE,
            name: "b".into(),
            prefix: String::new(),
            key_marker: String::new(),
            version_id_marker: String::new(),
            next_key_marker: None,
            next_version_id_marker: None,
            max_keys: 1000,
            delimiter: None,
            is_truncated: false,
            encoding_type: None,
            entries: vec![
                VersionEntryXml::DeleteMarker(DeleteMarkerXml {
                    key: "a".into(),
                    version_id: "v2".into(),
                    is_latest: true,
                    last_modified: "t".into(),
                    owner: owner.clone(),
                }),
                VersionEntryXml::Version(VersionXml {
                    key: "a".into(),
                    version_id: "v1".into(),
                    is_latest: false,
                    last_modified: "t".into(),
                    etag: "\"e\"".into(),
                    size: 1,
                    owner,
                    storage_class: "STANDARD".into(),
                }),
            ],
        })
        .unwrap();
        let text = std::str::from_utf8(&doc).unwrap();
        let marker = text
            .find("<DeleteMarker><Key>a</Key><VersionId>v2</VersionId><IsLatest>true</IsLatest>")
            .unwrap();
        let version = text
            .find("<Version><Key>a</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest>")
            .unwrap();
        assert!(marker < version, "{text}");
    }
}
