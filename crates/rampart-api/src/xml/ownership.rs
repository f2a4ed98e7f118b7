//! `<OwnershipControls>`: PutBucketOwnershipControls bodies and GetBucketOwnershipControls
//! responses.

use rampart_engine::acl::ObjectOwnership;
use serde::{Deserialize, Serialize};

use super::S3_NAMESPACE;
use crate::error::{ApiError, S3ErrorCode};

#[derive(Serialize, Deserialize, Debug, Default)]
#[serde(rename = "OwnershipControls")]
pub struct OwnershipControlsXml {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    pub xmlns: &'static str,
    #[serde(rename = "Rule", default)]
    pub rules: Vec<OwnershipRuleXml>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct OwnershipRuleXml {
    #[serde(rename = "ObjectOwnership", default)]
    pub object_ownership: String,
}

impl OwnershipControlsXml {
    pub fn new(ownership: ObjectOwnership) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            rules: vec![OwnershipRuleXml {
                object_ownership: ownership.as_str().to_owned(),
            }],
        }
    }

    /// The one rule's setting; S3 takes exactly one rule with a known value.
    pub fn ownership(&self) -> Result<ObjectOwnership, ApiError> {
        match self.rules.as_slice() {
            [rule] => ObjectOwnership::parse(rule.object_ownership.trim())
                .ok_or_else(|| ApiError::new(S3ErrorCode::MalformedXML)),
            _ => Err(ApiError::new(S3ErrorCode::MalformedXML)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    #[test]
    fn round_trip() {
        let doc = to_document(&OwnershipControlsXml::new(ObjectOwnership::ObjectWriter)).unwrap();
        let text = std::str::from_utf8(&doc).unwrap();
        assert!(text.contains(
            "<OwnershipControls xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>"
        ), "{text}");
        let back: OwnershipControlsXml = from_body(&doc).unwrap();
        assert_eq!(back.ownership().unwrap(), ObjectOwnership::ObjectWriter);
    }

    #[test]
    fn rejects_unknown_and_multiple_rules() {
        let bad: OwnershipControlsXml = from_body(
            b"<OwnershipControls><Rule><ObjectOwnership>Nope</ObjectOwnership></Rule></OwnershipControls>",
        )
        .unwrap();
        assert!(bad.ownership().is_err());
        let two: OwnershipControlsXml = from_body(
            b"<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>",
        )
        .unwrap();
        assert!(two.ownership().is_err());
        let none: OwnershipControlsXml = from_body(b"<OwnershipControls/>").unwrap();
        assert!(none.ownership().is_err());
    }
}
