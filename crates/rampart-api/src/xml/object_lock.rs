//! `<ObjectLockConfiguration>` (Put/GetObjectLockConfiguration), `<Retention>`
//! (Put/GetObjectRetention) and `<LegalHold>` (Put/GetObjectLegalHold).

use rampart_engine::object_lock::{
    DefaultRetention, LockMode, ObjectLockConfig, Retention, RetentionPeriod, ms_of_system_time,
    system_time_of_ms,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use super::S3_NAMESPACE;
use crate::error::{ApiError, S3ErrorCode};

#[derive(Serialize, Deserialize, Debug, Default)]
#[serde(rename = "ObjectLockConfiguration")]
pub struct ObjectLockConfigurationXml {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    pub xmlns: &'static str,
    #[serde(rename = "ObjectLockEnabled", default)]
    pub object_lock_enabled: Option<String>,
    #[serde(rename = "Rule", default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleXml>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct RuleXml {
    #[serde(rename = "DefaultRetention", default)]
    pub default_retention: Option<DefaultRetentionXml>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct DefaultRetentionXml {
    #[serde(rename = "Mode", default)]
    pub mode: Option<String>,
    #[serde(rename = "Days", default, skip_serializing_if = "Option::is_none")]
    pub days: Option<String>,
    #[serde(rename = "Years", default, skip_serializing_if = "Option::is_none")]
    pub years: Option<String>,
}

impl From<&ObjectLockConfig> for ObjectLockConfigurationXml {
    fn from(config: &ObjectLockConfig) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            object_lock_enabled: Some("Enabled".to_owned()),
            rule: config.default_retention.map(|d| {
                let (days, years) = match d.period {
                    RetentionPeriod::Days(n) => (Some(n.to_string()), None),
                    RetentionPeriod::Years(n) => (None, Some(n.to_string())),
                };
                RuleXml {
                    default_retention: Some(DefaultRetentionXml {
                        mode: Some(d.mode.as_str().to_owned()),
                        days,
                        years,
                    }),
                }
            }),
        }
    }
}

impl TryFrom<ObjectLockConfigurationXml> for ObjectLockConfig {
    type Error = ApiError;

    /// S3's rules: `ObjectLockEnabled` is `Enabled`; a rule holds one default retention with
    /// a mode and exactly one of Days or Years.
    fn try_from(xml: ObjectLockConfigurationXml) -> Result<Self, ApiError> {
        let malformed = || ApiError::new(S3ErrorCode::MalformedXML);
        if xml.object_lock_enabled.as_deref().map(str::trim) != Some("Enabled") {
            return Err(malformed());
        }
        let Some(rule) = xml.rule else {
            return Ok(Self::default());
        };
        let d = rule.default_retention.ok_or_else(malformed)?;
        let mode = d
            .mode
            .as_deref()
            .map(str::trim)
            .and_then(LockMode::parse)
            .ok_or_else(malformed)?;
        let count = |v: &str| {
            let n: i64 = v.trim().parse().map_err(|_| malformed())?;
            u32::try_from(n).map_err(|_| {
                ApiError::with_message(
                    S3ErrorCode::InvalidArgument,
                    "Default retention period must be a positive integer value",
                )
            })
        };
        let period = match (d.days.as_deref(), d.years.as_deref()) {
            (Some(days), None) => RetentionPeriod::Days(count(days)?),
            (None, Some(years)) => RetentionPeriod::Years(count(years)?),
            _ => return Err(malformed()),
        };
        Ok(Self {
            default_retention: Some(DefaultRetention { mode, period }),
        })
    }
}

#[derive(Serialize, Deserialize, Debug, Default)]
#[serde(rename = "Retention")]
pub struct RetentionXml {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    pub xmlns: &'static str,
    #[serde(rename = "Mode", default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(
        rename = "RetainUntilDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub retain_until_date: Option<String>,
}

impl From<&Retention> for RetentionXml {
    fn from(r: &Retention) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            mode: Some(r.mode.as_str().to_owned()),
            retain_until_date: Some(retain_until_date(r.retain_until_ms)),
        }
    }
}

impl RetentionXml {
    /// The retention the body asks for; an empty `<Retention/>` removes it.
    pub fn into_retention(self) -> Result<Option<Retention>, ApiError> {
        let malformed = || ApiError::new(S3ErrorCode::MalformedXML);
        match (self.mode, self.retain_until_date) {
            (None, None) => Ok(None),
            (Some(mode), Some(date)) => Ok(Some(Retention {
                mode: LockMode::parse(mode.trim()).ok_or_else(malformed)?,
                retain_until_ms: parse_retain_until(date.trim()).ok_or_else(malformed)?,
            })),
            _ => Err(malformed()),
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Default)]
#[serde(rename = "LegalHold")]
pub struct LegalHoldXml {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    pub xmlns: &'static str,
    #[serde(rename = "Status", default)]
    pub status: Option<String>,
}

impl LegalHoldXml {
    pub fn new(on: bool) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            status: Some(legal_hold_status(on).to_owned()),
        }
    }

    pub fn is_on(&self) -> Result<bool, ApiError> {
        match self.status.as_deref().map(str::trim) {
            Some("ON") => Ok(true),
            Some("OFF") => Ok(false),
            _ => Err(ApiError::new(S3ErrorCode::MalformedXML)),
        }
    }
}

pub fn legal_hold_status(on: bool) -> &'static str {
    if on { "ON" } else { "OFF" }
}

/// A retain-until date as S3 shows it: ISO 8601, UTC, to the millisecond.
pub fn retain_until_date(ms: i64) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from(system_time_of_ms(ms))
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}

/// Parses an ISO 8601 date-time with an offset (what SDKs send, with or without fractional
/// seconds) to milliseconds since the epoch.
pub fn parse_retain_until(s: &str) -> Option<i64> {
    let dt = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    Some(ms_of_system_time(dt.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    fn parse_config(body: &str) -> Result<ObjectLockConfig, S3ErrorCode> {
        from_body::<ObjectLockConfigurationXml>(body.as_bytes())
            .and_then(ObjectLockConfig::try_from)
            .map_err(|e| e.code)
    }

    #[test]
    fn configuration_round_trip_and_golden() {
        let config = parse_config(
            "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>3</Days></DefaultRetention></Rule></ObjectLockConfiguration>",
        )
        .unwrap();
        assert_eq!(
            config.default_retention,
            Some(DefaultRetention {
                mode: LockMode::Governance,
                period: RetentionPeriod::Days(3)
            })
        );
        let doc = to_document(&ObjectLockConfigurationXml::from(&config)).unwrap();
        assert_eq!(
            std::str::from_utf8(&doc).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ObjectLockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>3</Days></DefaultRetention></Rule></ObjectLockConfiguration>"
        );
        let without_rule = ObjectLockConfigurationXml::from(&ObjectLockConfig::default());
        assert_eq!(
            std::str::from_utf8(&to_document(&without_rule).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ObjectLockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>"
        );
    }

    #[test]
    fn configuration_errors() {
        let wrap = |inner: &str| {
            format!(
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>{inner}</DefaultRetention></Rule></ObjectLockConfiguration>"
            )
        };
        assert_eq!(
            parse_config(&wrap(
                "<Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years>"
            )),
            Err(S3ErrorCode::MalformedXML)
        );
        assert_eq!(
            parse_config(&wrap("<Mode>GOVERNANCE</Mode>")),
            Err(S3ErrorCode::MalformedXML)
        );
        assert_eq!(
            parse_config(&wrap("<Mode>FOREVER</Mode><Days>1</Days>")),
            Err(S3ErrorCode::MalformedXML)
        );
        assert_eq!(
            parse_config(&wrap("<Mode>COMPLIANCE</Mode><Days>-1</Days>")),
            Err(S3ErrorCode::InvalidArgument)
        );
        assert_eq!(
            parse_config(
                "<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>"
            ),
            Err(S3ErrorCode::MalformedXML)
        );
        assert!(
            parse_config(
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>"
            )
            .unwrap()
            .default_retention
            .is_none()
        );
    }

    #[test]
    fn retention_and_legal_hold() {
        let r: RetentionXml = from_body(
            b"<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-02T03:04:05.678Z</RetainUntilDate></Retention>",
        )
        .unwrap();
        let r = r.into_retention().unwrap().unwrap();
        assert_eq!(r.mode, LockMode::Compliance);
        assert_eq!(
            retain_until_date(r.retain_until_ms),
            "2030-01-02T03:04:05.678Z"
        );
        let doc = to_document(&RetentionXml::from(&r)).unwrap();
        assert_eq!(
            std::str::from_utf8(&doc).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-02T03:04:05.678Z</RetainUntilDate></Retention>"
        );
        let empty: RetentionXml = from_body(b"<Retention/>").unwrap();
        assert_eq!(empty.into_retention().unwrap(), None);
        let half: RetentionXml =
            from_body(b"<Retention><Mode>GOVERNANCE</Mode></Retention>").unwrap();
        assert!(half.into_retention().is_err());
        assert_eq!(
            parse_retain_until("2030-01-02T03:04:05Z"),
            Some(1_893_553_445_000)
        );
        assert_eq!(parse_retain_until("2030-01-02"), None);

        let hold: LegalHoldXml = from_body(b"<LegalHold><Status>ON</Status></LegalHold>").unwrap();
        assert!(hold.is_on().unwrap());
        let bad: LegalHoldXml = from_body(b"<LegalHold><Status>on</Status></LegalHold>").unwrap();
        assert!(bad.is_on().is_err());
        assert_eq!(
            std::str::from_utf8(&to_document(&LegalHoldXml::new(false)).unwrap()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LegalHold xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>OFF</Status></LegalHold>"
        );
    }
}
