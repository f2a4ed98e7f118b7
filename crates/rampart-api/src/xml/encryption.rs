//! `<ServerSideEncryptionConfiguration>`: PutBucketEncryption bodies and GetBucketEncryption
//! responses.

use rampart_engine::sse::{BucketEncryption, DefaultAlgorithm};
use serde::{Deserialize, Serialize};

use super::S3_NAMESPACE;

#[derive(Serialize, Deserialize, Debug, Default)]
#[serde(rename = "ServerSideEncryptionConfiguration")]
pub struct EncryptionConfigurationXml {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    pub xmlns: &'static str,
    #[serde(rename = "Rule", default)]
    pub rules: Vec<EncryptionRuleXml>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct EncryptionRuleXml {
    #[serde(
        rename = "ApplyServerSideEncryptionByDefault",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub default: Option<ApplyByDefaultXml>,
    #[serde(
        rename = "BucketKeyEnabled",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub bucket_key_enabled: Option<bool>,
    #[serde(
        rename = "BlockedEncryptionTypes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub blocked: Option<BlockedEncryptionTypesXml>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct ApplyByDefaultXml {
    #[serde(rename = "SSEAlgorithm", default)]
    pub algorithm: String,
    #[serde(
        rename = "KMSMasterKeyID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub kms_key_id: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct BlockedEncryptionTypesXml {
    #[serde(rename = "EncryptionType", default)]
    pub types: Vec<String>,
}

impl EncryptionConfigurationXml {
    pub fn from_config(config: &BucketEncryption) -> Self {
        let default = config.algorithm.map(|algorithm| ApplyByDefaultXml {
            algorithm: match algorithm {
                DefaultAlgorithm::Aes256 => "AES256",
                DefaultAlgorithm::AwsKms => "aws:kms",
            }
            .to_owned(),
            kms_key_id: config.kms_key_id.clone(),
        });
        Self {
            xmlns: S3_NAMESPACE,
            rules: vec![EncryptionRuleXml {
                default,
                bucket_key_enabled: Some(config.bucket_key_enabled),
                blocked: config.block_sse_c.then(|| BlockedEncryptionTypesXml {
                    types: vec!["SSE-C".to_owned()],
                }),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    #[test]
    fn golden_response() {
        let doc = to_document(&EncryptionConfigurationXml::from_config(
            &BucketEncryption {
                algorithm: Some(DefaultAlgorithm::Aes256),
                kms_key_id: None,
                bucket_key_enabled: false,
                block_sse_c: false,
            },
        ))
        .unwrap();
        let text = std::str::from_utf8(&doc).unwrap();
        assert!(
            text.ends_with(
                "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>"
            ),
            "{text}"
        );
    }

    #[test]
    fn golden_response_with_kms_and_blocked_sse_c() {
        let doc = to_document(&EncryptionConfigurationXml::from_config(
            &BucketEncryption {
                algorithm: Some(DefaultAlgorithm::AwsKms),
                kms_key_id: Some("alias/k".into()),
                bucket_key_enabled: true,
                block_sse_c: true,
            },
        ))
        .unwrap();
        let text = std::str::from_utf8(&doc).unwrap();
        assert!(
            text.ends_with(
                "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
            ),
            "{text}"
        );
        let blocked_only = to_document(&EncryptionConfigurationXml::from_config(
            &BucketEncryption {
                algorithm: None,
                kms_key_id: None,
                bucket_key_enabled: false,
                block_sse_c: true,
            },
        ))
        .unwrap();
        let text = std::str::from_utf8(&blocked_only).unwrap();
        assert!(
            text.ends_with(
                "<Rule><BucketKeyEnabled>false</BucketKeyEnabled><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
            ),
            "{text}"
        );
    }

    #[test]
    fn parses_blocked_encryption_types() {
        let body = br#"<ServerSideEncryptionConfiguration><Rule><BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"#;
        let parsed: EncryptionConfigurationXml = from_body(body).unwrap();
        assert!(parsed.rules[0].default.is_none());
        assert_eq!(
            parsed.rules[0].blocked.as_ref().unwrap().types,
            vec!["NONE"]
        );
    }

    #[test]
    fn parses_the_documented_request() {
        let body =
            br#"<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
           <Rule>
              <ApplyServerSideEncryptionByDefault>
                 <SSEAlgorithm>aws:kms</SSEAlgorithm>
                 <KMSMasterKeyID>arn:aws:kms:us-east-1:111122223333:alias/k</KMSMasterKeyID>
              </ApplyServerSideEncryptionByDefault>
              <BucketKeyEnabled>true</BucketKeyEnabled>
           </Rule>
        </ServerSideEncryptionConfiguration>"#;
        let parsed: EncryptionConfigurationXml = from_body(body).unwrap();
        let rule = &parsed.rules[0];
        let default = rule.default.as_ref().unwrap();
        assert_eq!(default.algorithm, "aws:kms");
        assert_eq!(
            default.kms_key_id.as_deref(),
            Some("arn:aws:kms:us-east-1:111122223333:alias/k")
        );
        assert_eq!(rule.bucket_key_enabled, Some(true));
    }
}
