//! `<BucketLoggingStatus>` (Put/GetBucketLogging).

use rampart_engine::logging::{BucketLogging, LogKeyFormat};
use rampart_types::BucketName;
use serde::{Deserialize, Serialize};

use super::S3_NAMESPACE;
use super::acl::GrantXml;
use crate::error::{ApiError, S3ErrorCode};

#[derive(Serialize, Deserialize, Debug, Default)]
#[serde(rename = "BucketLoggingStatus")]
pub struct BucketLoggingStatusXml {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    pub xmlns: &'static str,
    #[serde(
        rename = "LoggingEnabled",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub logging_enabled: Option<LoggingEnabledXml>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct LoggingEnabledXml {
    #[serde(rename = "TargetBucket", default)]
    pub target_bucket: Option<String>,
    #[serde(
        rename = "TargetGrants",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub target_grants: Option<TargetGrantsXml>,
    #[serde(rename = "TargetPrefix", default)]
    pub target_prefix: Option<String>,
    #[serde(
        rename = "TargetObjectKeyFormat",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub key_format: Option<KeyFormatXml>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct TargetGrantsXml {
    #[serde(rename = "Grant", default)]
    pub grants: Vec<GrantXml>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct KeyFormatXml {
    #[serde(
        rename = "SimplePrefix",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub simple: Option<Empty>,
    #[serde(
        rename = "PartitionedPrefix",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub partitioned: Option<PartitionedPrefixXml>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Empty {}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct PartitionedPrefixXml {
    #[serde(rename = "PartitionDateSource", default)]
    pub date_source: Option<String>,
}

impl From<Option<&BucketLogging>> for BucketLoggingStatusXml {
    fn from(logging: Option<&BucketLogging>) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            logging_enabled: logging.map(|l| LoggingEnabledXml {
                target_bucket: Some(l.target_bucket.to_string()),
                target_grants: (!l.target_grants.is_empty()).then(|| TargetGrantsXml {
                    grants: l.target_grants.iter().map(GrantXml::from).collect(),
                }),
                target_prefix: Some(l.target_prefix.clone()),
                key_format: Some(match l.key_format {
                    LogKeyFormat::SimplePrefix => KeyFormatXml {
                        simple: Some(Empty {}),
                        partitioned: None,
                    },
                    LogKeyFormat::PartitionedPrefix { event_time } => KeyFormatXml {
                        simple: None,
                        partitioned: Some(PartitionedPrefixXml {
                            date_source: Some(
                                if event_time {
                                    "EventTime"
                                } else {
                                    "DeliveryTime"
                                }
                                .to_owned(),
                            ),
                        }),
                    },
                }),
            }),
        }
    }
}

impl BucketLoggingStatusXml {
    /// The logging target the document asks for; `None` turns logging off.
    pub fn into_logging(self) -> Result<Option<BucketLogging>, ApiError> {
        let malformed = || ApiError::new(S3ErrorCode::MalformedXML);
        let Some(enabled) = self.logging_enabled else {
            return Ok(None);
        };
        let target = enabled.target_bucket.ok_or_else(malformed)?;
        let target_bucket = BucketName::parse(target.trim()).map_err(|_| {
            ApiError::with_message(
                S3ErrorCode::InvalidTargetBucketForLogging,
                "The target bucket for logging does not exist",
            )
            .field("TargetBucket", target.trim())
        })?;
        let target_grants = match enabled.target_grants {
            None => Vec::new(),
            Some(list) => list
                .grants
                .into_iter()
                .map(|g| {
                    // Log objects take FULL_CONTROL, READ or WRITE grants only.
                    if !matches!(g.permission.trim(), "FULL_CONTROL" | "READ" | "WRITE") {
                        return Err(malformed());
                    }
                    g.into_grant().map_err(ApiError::from)
                })
                .collect::<Result<_, _>>()?,
        };
        let key_format = match enabled.key_format {
            None => LogKeyFormat::SimplePrefix,
            Some(KeyFormatXml {
                simple: Some(_),
                partitioned: None,
            }) => LogKeyFormat::SimplePrefix,
            Some(KeyFormatXml {
                simple: None,
                partitioned: Some(p),
            }) => LogKeyFormat::PartitionedPrefix {
                event_time: match p.date_source.as_deref().map(str::trim) {
                    Some("EventTime") => true,
                    None | Some("DeliveryTime") => false,
                    Some(_) => return Err(malformed()),
                },
            },
            Some(_) => return Err(malformed()),
        };
        Ok(Some(BucketLogging {
            target_bucket,
            target_prefix: enabled.target_prefix.unwrap_or_default(),
            target_grants,
            key_format,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    fn parse(body: &str) -> Result<Option<BucketLogging>, S3ErrorCode> {
        from_body::<BucketLoggingStatusXml>(body.as_bytes())
            .and_then(BucketLoggingStatusXml::into_logging)
            .map_err(|e| e.code)
    }

    #[test]
    fn round_trips_and_goldens() {
        let logging = parse(
            "<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix>app/</TargetPrefix><TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>EventTime</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>",
        )
        .unwrap()
        .unwrap();
        assert_eq!(logging.target_bucket.as_str(), "logs");
        assert_eq!(
            logging.key_format,
            LogKeyFormat::PartitionedPrefix { event_time: true }
        );
        let doc = to_document(&BucketLoggingStatusXml::from(Some(&logging))).unwrap();
        assert_eq!(
            std::str::from_utf8(&doc).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BucketLoggingStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix>app/</TargetPrefix><TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>EventTime</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>"
        );
        let off = to_document(&BucketLoggingStatusXml::from(None)).unwrap();
        assert_eq!(
            std::str::from_utf8(&off).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BucketLoggingStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>"
        );
        assert_eq!(parse("<BucketLoggingStatus/>"), Ok(None));
        let simple = parse(
            "<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix></TargetPrefix></LoggingEnabled></BucketLoggingStatus>",
        )
        .unwrap()
        .unwrap();
        assert_eq!(simple.key_format, LogKeyFormat::SimplePrefix);
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse(
                "<BucketLoggingStatus><LoggingEnabled><TargetPrefix>p</TargetPrefix></LoggingEnabled></BucketLoggingStatus>"
            ),
            Err(S3ErrorCode::MalformedXML)
        );
        assert_eq!(
            parse(
                "<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetObjectKeyFormat><SimplePrefix/><PartitionedPrefix/></TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>"
            ),
            Err(S3ErrorCode::MalformedXML)
        );
        assert_eq!(
            parse(
                "<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetGrants><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>WRITE_ACP</Permission></Grant></TargetGrants></LoggingEnabled></BucketLoggingStatus>"
            ),
            Err(S3ErrorCode::MalformedXML)
        );
    }
}
