//! The `<CORSConfiguration>` document of PutBucketCors and GetBucketCors.

use rampart_engine::cors::{CorsConfiguration, CorsRule};
use serde::{Deserialize, Serialize};

use super::S3_NAMESPACE;
use crate::error::{ApiError, S3ErrorCode};

/// The request body. A rule's children are read as one sequence, so they may come in any
/// order and interleaved, as hand-written documents have them.
#[derive(Deserialize, Debug)]
pub struct CorsConfigurationIn {
    #[serde(rename = "CORSRule", default)]
    pub rules: Vec<CorsRuleIn>,
}

#[derive(Deserialize, Debug)]
pub struct CorsRuleIn {
    #[serde(rename = "$value", default)]
    pub items: Vec<CorsRuleItem>,
}

#[derive(Deserialize, Debug)]
pub enum CorsRuleItem {
    #[serde(rename = "ID")]
    Id(String),
    AllowedHeader(String),
    AllowedMethod(String),
    AllowedOrigin(String),
    ExposeHeader(String),
    MaxAgeSeconds(i32),
}

impl TryFrom<CorsConfigurationIn> for Vec<CorsRule> {
    type Error = ApiError;

    /// The schema allows one ID and one MaxAgeSeconds per rule; a second is malformed.
    fn try_from(doc: CorsConfigurationIn) -> Result<Self, ApiError> {
        doc.rules
            .into_iter()
            .map(|rule| {
                let mut out = CorsRule::default();
                for item in rule.items {
                    match item {
                        CorsRuleItem::Id(id) if out.id.is_none() => out.id = Some(id),
                        CorsRuleItem::MaxAgeSeconds(age) if out.max_age_seconds.is_none() => {
                            out.max_age_seconds = Some(age)
                        }
                        CorsRuleItem::Id(_) | CorsRuleItem::MaxAgeSeconds(_) => {
                            return Err(ApiError::new(S3ErrorCode::MalformedXML));
                        }
                        CorsRuleItem::AllowedHeader(h) => out.allowed_headers.push(h),
                        CorsRuleItem::AllowedMethod(m) => out.allowed_methods.push(m),
                        CorsRuleItem::AllowedOrigin(o) => out.allowed_origins.push(o),
                        CorsRuleItem::ExposeHeader(h) => out.expose_headers.push(h),
                    }
                }
                Ok(out)
            })
            .collect()
    }
}

/// The response body, members in the order of S3's model.
#[derive(Serialize, Debug)]
#[serde(rename = "CORSConfiguration")]
pub struct CorsConfigurationOut {
    #[serde(rename = "@xmlns")]
    pub xmlns: &'static str,
    #[serde(rename = "CORSRule")]
    pub rules: Vec<CorsRuleOut>,
}

#[derive(Serialize, Debug)]
pub struct CorsRuleOut {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "AllowedHeader")]
    pub allowed_headers: Vec<String>,
    #[serde(rename = "AllowedMethod")]
    pub allowed_methods: Vec<String>,
    #[serde(rename = "AllowedOrigin")]
    pub allowed_origins: Vec<String>,
    #[serde(rename = "ExposeHeader")]
    pub expose_headers: Vec<String>,
    #[serde(rename = "MaxAgeSeconds", skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<i32>,
}

impl From<&CorsConfiguration> for CorsConfigurationOut {
    fn from(config: &CorsConfiguration) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            rules: config
                .rules()
                .iter()
                .map(|r| CorsRuleOut {
                    id: r.id.clone(),
                    allowed_headers: r.allowed_headers.clone(),
                    allowed_methods: r.allowed_methods.clone(),
                    allowed_origins: r.allowed_origins.clone(),
                    expose_headers: r.expose_headers.clone(),
                    max_age_seconds: r.max_age_seconds,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{from_body, to_document};

    fn parse(body: &str) -> Result<Vec<CorsRule>, ApiError> {
        from_body::<CorsConfigurationIn>(body.as_bytes())?.try_into()
    }

    #[test]
    fn golden() {
        let rules = vec![
            CorsRule {
                id: Some("site".into()),
                allowed_headers: vec!["x-amz-*".into(), "content-type".into()],
                allowed_methods: vec!["GET".into(), "PUT".into()],
                allowed_origins: vec!["https://*.example.com".into()],
                expose_headers: vec!["ETag".into()],
                max_age_seconds: Some(600),
            },
            CorsRule {
                allowed_methods: vec!["HEAD".into()],
                allowed_origins: vec!["*".into()],
                ..CorsRule::default()
            },
        ];
        let config = CorsConfiguration::new(rules.clone()).unwrap();
        let doc = to_document(&CorsConfigurationOut::from(&config)).unwrap();
        let text = std::str::from_utf8(&doc).unwrap();
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <CORSRule><ID>site</ID><AllowedHeader>x-amz-*</AllowedHeader>\
             <AllowedHeader>content-type</AllowedHeader><AllowedMethod>GET</AllowedMethod>\
             <AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://*.example.com</AllowedOrigin>\
             <ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>\
             <CORSRule><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin>\
             </CORSRule></CORSConfiguration>"
        );
        // What we write, we read back.
        assert_eq!(parse(text).unwrap(), rules);
    }

    #[test]
    fn parses_hand_written_documents() {
        // The user guide's example: no namespace, children interleaved in any order.
        let rules = parse(
            "<CORSConfiguration>\n <CORSRule>\n   <AllowedOrigin>http://www.example.com</AllowedOrigin>\n\
             <AllowedMethod>PUT</AllowedMethod>\n   <AllowedHeader>*</AllowedHeader>\n\
             <AllowedMethod>POST</AllowedMethod>\n  <MaxAgeSeconds>3000</MaxAgeSeconds>\n\
             <ExposeHeader>x-amz-request-id</ExposeHeader>\n\
             <AllowedOrigin>http://b.example</AllowedOrigin>\n </CORSRule>\n</CORSConfiguration>",
        )
        .unwrap();
        assert_eq!(
            rules,
            [CorsRule {
                id: None,
                allowed_headers: vec!["*".into()],
                allowed_methods: vec!["PUT".into(), "POST".into()],
                allowed_origins: vec!["http://www.example.com".into(), "http://b.example".into()],
                expose_headers: vec!["x-amz-request-id".into()],
                max_age_seconds: Some(3000),
            }]
        );
        // An empty element is an empty value (S3 then refuses the method by name).
        let rules = parse(
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
             <AllowedMethod/></CORSRule></CORSConfiguration>",
        )
        .unwrap();
        assert_eq!(rules[0].allowed_methods, [""]);
        // No rules, and an empty rule, parse; validation refuses them.
        assert!(parse("<CORSConfiguration/>").unwrap().is_empty());
        assert_eq!(
            parse("<CORSConfiguration><CORSRule/></CORSConfiguration>").unwrap(),
            [CorsRule::default()]
        );
    }

    #[test]
    fn malformed_documents() {
        for body in [
            "not xml",
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>",
            "<CORSConfiguration><CORSRule><MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule></CORSConfiguration>",
            "<CORSConfiguration><CORSRule><Unknown>x</Unknown></CORSRule></CORSConfiguration>",
            "<CORSConfiguration><CORSRule><ID>a</ID><ID>b</ID></CORSRule></CORSConfiguration>",
            "<CORSConfiguration><CORSRule><MaxAgeSeconds>1</MaxAgeSeconds>\
             <MaxAgeSeconds>2</MaxAgeSeconds></CORSRule></CORSConfiguration>",
        ] {
            let err = parse(body).unwrap_err();
            assert_eq!(err.code, S3ErrorCode::MalformedXML, "{body}");
        }
    }
}
