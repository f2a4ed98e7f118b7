//! S3's XML wire format. Only this module knows element names; domain types are converted
//! with `From` in each resource's file.

/// Gives a document with the five `checksum_*` fields `set_checksum` and `checksum`.
macro_rules! checksum_fields {
    ($($t:ty),*) => {$(
        impl $t {
            pub fn set_checksum(&mut self, c: $crate::xml::multipart::ChecksumFields) {
                self.checksum_crc32 = c.crc32;
                self.checksum_crc32c = c.crc32c;
                self.checksum_crc64nvme = c.crc64nvme;
                self.checksum_sha1 = c.sha1;
                self.checksum_sha256 = c.sha256;
            }

            #[allow(dead_code)] // Not every document is read back.
            pub fn checksum(&self) -> $crate::xml::multipart::ChecksumFields {
                $crate::xml::multipart::ChecksumFields {
                    crc32: self.checksum_crc32.clone(),
                    crc32c: self.checksum_crc32c.clone(),
                    crc64nvme: self.checksum_crc64nvme.clone(),
                    sha1: self.checksum_sha1.clone(),
                    sha256: self.checksum_sha256.clone(),
                }
            }
        }
    )*};
}

pub(crate) use checksum_fields;

pub mod acl;
pub mod attributes;
pub mod bucket;
pub mod cors;
pub mod encryption;
pub mod error;
pub mod list;
pub mod logging;
pub mod multipart;
pub mod object;
pub mod object_lock;
pub mod ownership;
pub mod post;
pub mod public_access;
pub mod tagging;
pub mod versioning;

use bytes::Bytes;
use rampart_engine::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::error::{ApiError, S3ErrorCode};

pub const S3_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";
const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Serializes a response document with the XML declaration S3 sends.
pub fn to_document<T: Serialize>(value: &T) -> Result<Bytes, ApiError> {
    let body = quick_xml::se::to_string(value)
        .map_err(|e| ApiError::internal(format!("XML serialization: {e}")))?;
    Ok(Bytes::from(format!("{DECLARATION}{body}")))
}

/// Parses a request document; anything that is not the expected XML is `MalformedXML`.
pub fn from_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| S3ErrorCode::MalformedXML)?;
    quick_xml::de::from_str(text).map_err(|e| {
        let mut err = ApiError::new(S3ErrorCode::MalformedXML);
        err.detail = Some(e.to_string());
        err
    })
}

/// S3's timestamp format in XML: `2009-10-12T17:50:30.000Z`.
pub fn timestamp(t: Timestamp) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].000Z");
    OffsetDateTime::from_unix_timestamp(t.unix_seconds())
        .ok()
        .and_then(|dt| dt.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_owned())
}

/// `Owner` as it appears in listings.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct OwnerXml {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "DisplayName")]
    pub display_name: String,
}

impl From<&rampart_types::Owner> for OwnerXml {
    fn from(o: &rampart_types::Owner) -> Self {
        Self {
            id: o.canonical_id.as_str().to_owned(),
            display_name: o.display_name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_s3_shape() {
        assert_eq!(
            timestamp(Timestamp::from_unix_seconds(1_255_369_830)),
            "2009-10-12T17:50:30.000Z"
        );
    }

    #[test]
    fn malformed_bodies_are_malformed_xml() {
        #[derive(serde::Deserialize)]
        struct Doc {
            #[serde(rename = "A")]
            _a: String,
        }
        for body in [&b"not xml"[..], b"<Doc><A>x</Doc>", b"\xff\xfe"] {
            let err = from_body::<Doc>(body).err().unwrap();
            assert_eq!(err.code, S3ErrorCode::MalformedXML);
        }
    }
}
