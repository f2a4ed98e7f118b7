//! `<PublicAccessBlockConfiguration>` (bucket and S3 Control) and `<PolicyStatus>`.

use rampart_engine::PublicAccessBlock;
use serde::{Deserialize, Serialize};

use super::S3_NAMESPACE;

/// S3 Control's namespace, for the account-level document.
pub const S3_CONTROL_NAMESPACE: &str = "http://awss3control.amazonaws.com/doc/2018-08-20/";

/// The settings as sent and returned; an absent element is `false`, as S3 reads it.
#[derive(Serialize, Deserialize, Debug, Default)]
#[serde(rename = "PublicAccessBlockConfiguration")]
pub struct PublicAccessBlockXml {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    pub xmlns: &'static str,
    #[serde(rename = "BlockPublicAcls", default)]
    pub block_public_acls: bool,
    #[serde(rename = "IgnorePublicAcls", default)]
    pub ignore_public_acls: bool,
    #[serde(rename = "BlockPublicPolicy", default)]
    pub block_public_policy: bool,
    #[serde(rename = "RestrictPublicBuckets", default)]
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlockXml {
    pub fn bucket(settings: &PublicAccessBlock) -> Self {
        Self::with_namespace(settings, S3_NAMESPACE)
    }

    pub fn account(settings: &PublicAccessBlock) -> Self {
        Self::with_namespace(settings, S3_CONTROL_NAMESPACE)
    }

    fn with_namespace(settings: &PublicAccessBlock, xmlns: &'static str) -> Self {
        Self {
            xmlns,
            block_public_acls: settings.block_public_acls,
            ignore_public_acls: settings.ignore_public_acls,
            block_public_policy: settings.block_public_policy,
            restrict_public_buckets: settings.restrict_public_buckets,
        }
    }
}

impl From<PublicAccessBlockXml> for PublicAccessBlock {
    fn from(xml: PublicAccessBlockXml) -> Self {
        Self {
            block_public_acls: xml.block_public_acls,
            ignore_public_acls: xml.ignore_public_acls,
            block_public_policy: xml.block_public_policy,
            restrict_public_buckets: xml.restrict_public_buckets,
        }
    }
}

#[derive(Serialize, Debug)]
#[serde(rename = "PolicyStatus")]
pub struct PolicyStatusXml {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "IsPublic")]
    pub is_public: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    #[test]
    fn golden_and_parse() {
        let doc = PublicAccessBlockXml::bucket(&PublicAccessBlock::ALL);
        assert_eq!(
            std::str::from_utf8(&to_document(&doc).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>\
             <BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>\
             </PublicAccessBlockConfiguration>"
        );
        let parsed: PublicAccessBlockXml = from_body(
            b"<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
              <BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>",
        )
        .unwrap();
        let settings = PublicAccessBlock::from(parsed);
        assert!(settings.block_public_policy);
        assert!(!settings.block_public_acls && !settings.restrict_public_buckets);
        let status = PolicyStatusXml {
            xmlns: crate::xml::S3_NAMESPACE,
            is_public: false,
        };
        assert!(
            std::str::from_utf8(&to_document(&status).unwrap())
                .unwrap()
                .ends_with("<PolicyStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IsPublic>false</IsPublic></PolicyStatus>")
        );
    }
}
