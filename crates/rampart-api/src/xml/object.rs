//! CopyObject and DeleteObjects documents.

use serde::{Deserialize, Serialize};

use super::S3_NAMESPACE;

#[derive(Serialize, Debug)]
#[serde(rename = "CopyObjectResult")]
pub struct CopyObjectResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "LastModified")]
    pub last_modified: String,
    #[serde(rename = "ETag")]
    pub etag: String,
}

impl CopyObjectResult {
    pub fn new(last_modified: String, etag: String) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            last_modified,
            etag,
        }
    }
}

/// The request body of DeleteObjects.
#[derive(Deserialize, Debug)]
pub struct Delete {
    #[serde(rename = "Quiet", default)]
    pub quiet: bool,
    #[serde(rename = "Object", default)]
    pub objects: Vec<ObjectIdentifier>,
}

#[derive(Deserialize, Debug)]
pub struct ObjectIdentifier {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "VersionId", default)]
    pub version_id: Option<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename = "DeleteResult")]
pub struct DeleteResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "Deleted")]
    pub deleted: Vec<DeletedXml>,
    #[serde(rename = "Error")]
    pub errors: Vec<DeleteErrorXml>,
}

#[derive(Serialize, Debug)]
pub struct DeletedXml {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(rename = "DeleteMarker", skip_serializing_if = "Option::is_none")]
    pub delete_marker: Option<bool>,
    #[serde(
        rename = "DeleteMarkerVersionId",
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_marker_version_id: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct DeleteErrorXml {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(rename = "Code")]
    pub code: String,
    #[serde(rename = "Message")]
    pub message: String,
}

impl DeleteResult {
    pub fn new(deleted: Vec<DeletedXml>, errors: Vec<DeleteErrorXml>) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            deleted,
            errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    #[test]
    fn parses_delete_request() {
        let d: Delete = from_body(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
              <Object><Key>sample1.txt</Key></Object><Object><Key>a &amp; b</Key><VersionId>null</VersionId></Object>\
              <Quiet>true</Quiet></Delete>",
        )
        .unwrap();
        assert!(d.quiet);
        assert_eq!(d.objects.len(), 2);
        assert_eq!(d.objects[1].key, "a & b");
        assert_eq!(d.objects[1].version_id.as_deref(), Some("null"));
    }

    #[test]
    fn golden_delete_result() {
        let r = DeleteResult::new(
            vec![DeletedXml {
                key: "sample1.txt".into(),
                version_id: None,
                delete_marker: None,
                delete_marker_version_id: None,
            }],
            vec![DeleteErrorXml {
                key: "sample2.txt".into(),
                version_id: None,
                code: "AccessDenied".into(),
                message: "Access Denied".into(),
            }],
        );
        assert_eq!(
            std::str::from_utf8(&to_document(&r).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Deleted><Key>sample1.txt</Key></Deleted><Error><Key>sample2.txt</Key><Code>AccessDenied</Code>\
             <Message>Access Denied</Message></Error></DeleteResult>"
        );
    }

    #[test]
    fn golden_copy_result() {
        let r = CopyObjectResult::new("2009-10-12T17:50:30.000Z".into(), "\"abc\"".into());
        assert_eq!(
            std::str::from_utf8(&to_document(&r).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <LastModified>2009-10-12T17:50:30.000Z</LastModified><ETag>\"abc\"</ETag></CopyObjectResult>"
        );
    }
}
