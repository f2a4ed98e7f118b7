//! ListBuckets, CreateBucket and GetBucketLocation documents.

use serde::{Deserialize, Serialize};

use super::{OwnerXml, S3_NAMESPACE, timestamp};

#[derive(Serialize, Debug)]
#[serde(rename = "ListAllMyBucketsResult")]
pub struct ListAllMyBucketsResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "Owner")]
    pub owner: OwnerXml,
    #[serde(rename = "Buckets")]
    pub buckets: Buckets,
    #[serde(rename = "ContinuationToken", skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    #[serde(rename = "Prefix", skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct Buckets {
    #[serde(rename = "Bucket")]
    pub bucket: Vec<BucketXml>,
}

#[derive(Serialize, Debug)]
pub struct BucketXml {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "CreationDate")]
    pub creation_date: String,
    #[serde(rename = "BucketRegion")]
    pub bucket_region: String,
}

impl From<&rampart_engine::BucketSummary> for BucketXml {
    fn from(b: &rampart_engine::BucketSummary) -> Self {
        Self {
            name: b.name.as_str().to_owned(),
            creation_date: timestamp(b.created),
            bucket_region: b.region.clone(),
        }
    }
}

impl ListAllMyBucketsResult {
    pub fn new(owner: OwnerXml, buckets: Vec<BucketXml>) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            owner,
            buckets: Buckets { bucket: buckets },
            continuation_token: None,
            prefix: None,
        }
    }
}

/// The optional body of CreateBucket.
#[derive(Deserialize, Debug, Default)]
pub struct CreateBucketConfiguration {
    #[serde(rename = "LocationConstraint", default)]
    pub location_constraint: Option<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename = "LocationConstraint")]
pub struct LocationConstraint {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    /// Empty for us-east-1, as S3 answers.
    #[serde(rename = "$text")]
    pub region: String,
}

impl LocationConstraint {
    pub fn for_region(region: &str) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            region: if region == "us-east-1" {
                String::new()
            } else {
                region.to_owned()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    #[test]
    fn golden_location() {
        let doc = to_document(&LocationConstraint::for_region("eu-west-1")).unwrap();
        assert_eq!(
            std::str::from_utf8(&doc).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">eu-west-1</LocationConstraint>"
        );
        let doc = to_document(&LocationConstraint::for_region("us-east-1")).unwrap();
        assert!(
            std::str::from_utf8(&doc).unwrap().ends_with(
                "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>"
            )
        );
    }

    #[test]
    fn golden_list_buckets() {
        let result = ListAllMyBucketsResult::new(
            OwnerXml {
                id: "abc".into(),
                display_name: "team".into(),
            },
            vec![BucketXml {
                name: "photos".into(),
                creation_date: "2009-10-12T17:50:30.000Z".into(),
                bucket_region: "us-east-1".into(),
            }],
        );
        assert_eq!(
            std::str::from_utf8(&to_document(&result).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Owner><ID>abc</ID><DisplayName>team</DisplayName></Owner><Buckets><Bucket><Name>photos</Name>\
             <CreationDate>2009-10-12T17:50:30.000Z</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket>\
             </Buckets></ListAllMyBucketsResult>"
        );
    }

    #[test]
    fn parses_create_bucket_configuration() {
        let c: CreateBucketConfiguration = from_body(
            b"<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
              <LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>",
        )
        .unwrap();
        assert_eq!(c.location_constraint.as_deref(), Some("eu-west-1"));
        let c: CreateBucketConfiguration = from_body(b"<CreateBucketConfiguration/>").unwrap();
        assert_eq!(c.location_constraint, None);
    }
}
