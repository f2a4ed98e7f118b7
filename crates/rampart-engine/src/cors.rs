//! Bucket CORS configuration: its validation and the rule matching S3 does for preflight
//! (`OPTIONS`) and actual cross-origin requests. Pure: the API layer reads the request headers
//! and writes the response headers this module names.

use serde::{Deserialize, Serialize};

/// "You can add up to 100 rules to the configuration."
pub const MAX_CORS_RULES: usize = 100;
/// A rule's ID "cannot be longer than 255 characters".
pub const MAX_CORS_RULE_ID_CHARS: usize = 255;
/// The only methods an `AllowedMethod` may name.
pub const CORS_METHODS: [&str; 5] = ["GET", "PUT", "HEAD", "POST", "DELETE"];
/// S3 sends this `Vary` with every CORS grant, so caches keep cross-origin answers apart.
pub const CORS_VARY: &str = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

/// One `CORSRule`, its lists in the order given (GetBucketCors gives them back so).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    pub id: Option<String>,
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub allowed_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}

/// Why a configuration was refused, in S3's two codes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CorsConfigError {
    /// `MalformedXML`: the document does not validate against S3's schema (no rules, too
    /// many, or a rule without an origin or a method).
    #[error("the CORS configuration does not validate against the schema")]
    Malformed,
    /// `InvalidRequest`, with S3's message.
    #[error("{0}")]
    Invalid(String),
}

/// A validated CORS configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsConfiguration {
    rules: Vec<CorsRule>,
}

/// What a matching rule grants one request: the values of the `Access-Control-*` headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorsGrant {
    /// The request's origin, or `*` when the rule allows every origin.
    pub allow_origin: String,
    /// Only an echoed origin may be used with credentials (Fetch forbids `*` with them).
    pub allow_credentials: bool,
    pub allow_methods: Vec<String>,
    /// The requested headers, lowercased, in the order requested (preflight only).
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}

impl CorsConfiguration {
    pub fn new(rules: Vec<CorsRule>) -> Result<Self, CorsConfigError> {
        if rules.is_empty() || rules.len() > MAX_CORS_RULES {
            return Err(CorsConfigError::Malformed);
        }
        for rule in &rules {
            validate_rule(rule)?;
        }
        Ok(Self { rules })
    }

    pub fn rules(&self) -> &[CorsRule] {
        &self.rules
    }

    /// A preflight: the first rule that allows `origin`, `method` (the
    /// `Access-Control-Request-Method`) and every one of `request_headers` (the parsed
    /// `Access-Control-Request-Headers`, see [`parse_header_list`]).
    pub fn preflight(
        &self,
        origin: &str,
        method: &str,
        request_headers: &[String],
    ) -> Option<CorsGrant> {
        self.rules.iter().find_map(|rule| {
            let allow_origin = rule.origin_grant(origin, method)?;
            request_headers
                .iter()
                .all(|h| rule.allows_header(h))
                .then(|| rule.grant(allow_origin, request_headers.to_vec()))
        })
    }

    /// An actual request carrying `Origin`: the first rule that allows `origin` and `method`.
    /// S3 does not check an actual request's headers against `AllowedHeader`.
    pub fn actual(&self, origin: &str, method: &str) -> Option<CorsGrant> {
        self.rules.iter().find_map(|rule| {
            let allow_origin = rule.origin_grant(origin, method)?;
            Some(rule.grant(allow_origin, Vec::new()))
        })
    }
}

impl CorsRule {
    /// The `Access-Control-Allow-Origin` value if this rule allows `origin` and `method`.
    /// Origins match case-sensitively (browsers send them serialized, in lowercase); the first
    /// matching `AllowedOrigin` decides whether the answer is `*` or the origin itself.
    fn origin_grant(&self, origin: &str, method: &str) -> Option<String> {
        if !self.allowed_methods.iter().any(|m| m == method) {
            return None;
        }
        let pattern = self
            .allowed_origins
            .iter()
            .find(|p| wildcard_match(p, origin, false))?;
        Some(if pattern == "*" {
            "*".to_owned()
        } else {
            origin.to_owned()
        })
    }

    /// Header names are case-insensitive in HTTP, so their patterns are too.
    fn allows_header(&self, name: &str) -> bool {
        self.allowed_headers
            .iter()
            .any(|p| wildcard_match(p, name, true))
    }

    fn grant(&self, allow_origin: String, allow_headers: Vec<String>) -> CorsGrant {
        CorsGrant {
            allow_credentials: allow_origin != "*",
            allow_origin,
            allow_methods: self.allowed_methods.clone(),
            allow_headers,
            expose_headers: self.expose_headers.clone(),
            max_age_seconds: self.max_age_seconds,
        }
    }
}

impl CorsGrant {
    /// The response headers, lowercase names, lists joined by `, ` as S3 joins them. Empty
    /// lists and an absent max age are left out.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("access-control-allow-origin", self.allow_origin.clone())];
        out.push((
            "access-control-allow-methods",
            self.allow_methods.join(", "),
        ));
        if !self.allow_headers.is_empty() {
            out.push((
                "access-control-allow-headers",
                self.allow_headers.join(", "),
            ));
        }
        if !self.expose_headers.is_empty() {
            out.push((
                "access-control-expose-headers",
                self.expose_headers.join(", "),
            ));
        }
        if let Some(age) = self.max_age_seconds {
            out.push(("access-control-max-age", age.to_string()));
        }
        if self.allow_credentials {
            out.push(("access-control-allow-credentials", "true".to_owned()));
        }
        out.push(("vary", CORS_VARY.to_owned()));
        out
    }
}

/// Parses `Access-Control-Request-Headers`: comma-separated names, optional white space,
/// empty elements ignored (RFC 9110 §5.6.1); names are lowercased, as S3 answers them.
pub fn parse_header_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|h| h.trim_matches([' ', '\t']))
        .filter(|h| !h.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn validate_rule(rule: &CorsRule) -> Result<(), CorsConfigError> {
    let invalid = |m: String| Err(CorsConfigError::Invalid(m));
    if rule.allowed_origins.is_empty() || rule.allowed_methods.is_empty() {
        return Err(CorsConfigError::Malformed);
    }
    if let Some(method) = rule
        .allowed_methods
        .iter()
        .find(|m| !CORS_METHODS.contains(&m.as_str()))
    {
        return invalid(format!(
            "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
        ));
    }
    if let Some(origin) = rule
        .allowed_origins
        .iter()
        .find(|o| o.matches('*').count() > 1)
    {
        return invalid(format!(
            "AllowedOrigin \"{origin}\" can not have more than one wildcard."
        ));
    }
    if let Some(header) = rule
        .allowed_headers
        .iter()
        .find(|h| h.matches('*').count() > 1)
    {
        return invalid(format!(
            "AllowedHeader \"{header}\" can not have more than one wildcard."
        ));
    }
    if rule
        .id
        .as_ref()
        .is_some_and(|id| id.chars().count() > MAX_CORS_RULE_ID_CHARS)
    {
        return invalid(format!(
            "ID length should not exceed allowed limit of {MAX_CORS_RULE_ID_CHARS}"
        ));
    }
    Ok(())
}

/// Matches `value` against a pattern with at most one `*`, which stands for any run of
/// characters, the empty one included; the pattern is anchored at both ends. Compared as bytes,
/// so no slice can split a character.
fn wildcard_match(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let eq = |a: &[u8], b: &[u8]| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let (p, v) = (pattern.as_bytes(), value.as_bytes());
    match pattern.split_once('*') {
        None => eq(p, v),
        Some((prefix, suffix)) => {
            let (prefix, suffix) = (prefix.as_bytes(), suffix.as_bytes());
            v.len() >= prefix.len() + suffix.len()
                && eq(&v[..prefix.len()], prefix)
                && eq(&v[v.len() - suffix.len()..], suffix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(origins: &[&str], methods: &[&str], headers: &[&str]) -> CorsRule {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        CorsRule {
            allowed_origins: owned(origins),
            allowed_methods: owned(methods),
            allowed_headers: owned(headers),
            ..CorsRule::default()
        }
    }

    fn config(rules: Vec<CorsRule>) -> CorsConfiguration {
        CorsConfiguration::new(rules).unwrap()
    }

    fn invalid(rules: Vec<CorsRule>) -> String {
        match CorsConfiguration::new(rules) {
            Err(CorsConfigError::Invalid(m)) => m,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn validation() {
        assert_eq!(
            CorsConfiguration::new(vec![]),
            Err(CorsConfigError::Malformed)
        );
        let hundred = vec![rule(&["*"], &["GET"], &[]); MAX_CORS_RULES];
        assert!(CorsConfiguration::new(hundred.clone()).is_ok());
        let mut too_many = hundred;
        too_many.push(rule(&["*"], &["GET"], &[]));
        assert_eq!(
            CorsConfiguration::new(too_many),
            Err(CorsConfigError::Malformed)
        );
        for incomplete in [rule(&[], &["GET"], &[]), rule(&["*"], &[], &[])] {
            assert_eq!(
                CorsConfiguration::new(vec![incomplete]),
                Err(CorsConfigError::Malformed)
            );
        }
        for method in ["PATCH", "OPTIONS", "get", ""] {
            assert_eq!(
                invalid(vec![rule(&["*"], &["GET", method], &[])]),
                format!(
                    "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
                )
            );
        }
        assert_eq!(
            invalid(vec![rule(&["*example*.com"], &["GET"], &[])]),
            "AllowedOrigin \"*example*.com\" can not have more than one wildcard."
        );
        assert_eq!(
            invalid(vec![rule(&["*"], &["GET"], &["x-*-*"])]),
            "AllowedHeader \"x-*-*\" can not have more than one wildcard."
        );
        let mut long_id = rule(&["*"], &["GET"], &[]);
        long_id.id = Some("i".repeat(256));
        assert!(invalid(vec![long_id.clone()]).contains("255"));
        long_id.id = Some("é".repeat(255));
        assert!(CorsConfiguration::new(vec![long_id]).is_ok());
        // S3 takes an empty origin and every method it knows.
        assert!(CorsConfiguration::new(vec![rule(&[""], &CORS_METHODS, &[])]).is_ok());
    }

    #[test]
    fn wildcards() {
        for (pattern, value, ok) in [
            ("*", "", true),
            ("*", "https://a.example", true),
            ("http://*.example.com", "http://www.example.com", true),
            ("http://*.example.com", "http://.example.com", true),
            ("http://*.example.com", "https://www.example.com", false),
            ("http://*.example.com", "http://www.example.com/", false),
            ("http://*.example.com", "http://example.com", false),
            ("start*end", "startend", true),
            ("start*end", "0start12end", false),
            ("prefix*", "prefix", true),
            ("*suffix", "foo.suffix", true),
            ("*suffix", "foo.suffix.get", false),
            ("aa*aa", "aaa", false),
            ("é*", "éa", true),
            ("*é", "aé", true),
            ("http://www.example.com", "http://www.example.com:80", false),
        ] {
            assert_eq!(
                wildcard_match(pattern, value, false),
                ok,
                "{pattern} {value}"
            );
        }
        // A pattern's bytes never split a character of the value.
        assert!(!wildcard_match("\u{e9}*", "\u{e8}", false));
        assert!(wildcard_match("X-Amz-*", "x-amz-date", true));
        assert!(!wildcard_match("X-Amz-*", "x-amz-date", false));
    }

    #[test]
    fn origins_match_case_sensitively() {
        let c = config(vec![rule(&["https://App.example"], &["GET"], &[])]);
        assert!(c.actual("https://App.example", "GET").is_some());
        assert!(c.actual("https://app.example", "GET").is_none());
    }

    #[test]
    fn first_matching_rule_wins() {
        let mut site = rule(&["https://*.example.com"], &["GET", "PUT"], &["x-amz-*"]);
        site.expose_headers = vec!["ETag".into()];
        site.max_age_seconds = Some(600);
        let everyone = rule(&["*"], &["GET", "HEAD"], &[]);
        let c = config(vec![site, everyone]);

        let g = c.actual("https://app.example.com", "GET").unwrap();
        assert_eq!(g.allow_origin, "https://app.example.com");
        assert!(g.allow_credentials);
        assert_eq!(g.allow_methods, ["GET", "PUT"]);
        assert_eq!(g.max_age_seconds, Some(600));

        // The site rule does not allow HEAD: the next rule answers, with `*`.
        let g = c.actual("https://app.example.com", "HEAD").unwrap();
        assert_eq!(g.allow_origin, "*");
        assert!(!g.allow_credentials);
        assert_eq!(g.allow_methods, ["GET", "HEAD"]);
        assert!(g.expose_headers.is_empty());

        assert!(c.actual("https://other.org", "PUT").is_none());
        assert!(c.actual("https://other.org", "DELETE").is_none());
        // Methods are case-sensitive, as HTTP's are.
        assert!(c.actual("https://app.example.com", "get").is_none());
    }

    #[test]
    fn preflight_checks_every_requested_header() {
        let c = config(vec![
            rule(
                &["https://a.example"],
                &["PUT"],
                &["Content-Type", "x-amz-meta-*"],
            ),
            rule(&["*"], &["GET"], &[]),
        ]);
        let asked = parse_header_list("Content-Type, X-Amz-Meta-Name,,x-amz-meta-");
        assert_eq!(asked, ["content-type", "x-amz-meta-name", "x-amz-meta-"]);
        let g = c.preflight("https://a.example", "PUT", &asked).unwrap();
        assert_eq!(g.allow_headers, asked);

        let extra = parse_header_list("content-type,authorization");
        assert!(c.preflight("https://a.example", "PUT", &extra).is_none());
        // A rule without AllowedHeader allows no requested header, but does allow none.
        assert!(c.preflight("https://b.example", "GET", &extra).is_none());
        assert!(c.preflight("https://b.example", "GET", &[]).is_some());
        assert!(c.preflight("https://b.example", "PUT", &[]).is_none());
        // An actual request's headers are not checked.
        assert!(c.actual("https://a.example", "PUT").is_some());
    }

    #[test]
    fn star_allows_every_header() {
        let c = config(vec![rule(&["*"], &["GET"], &["*"])]);
        let asked = parse_header_list("x-amz-request-payer, Authorization");
        let g = c.preflight("null", "GET", &asked).unwrap();
        assert_eq!(g.allow_headers, ["x-amz-request-payer", "authorization"]);
    }

    #[test]
    fn response_headers() {
        let mut r = rule(&["https://a.example"], &["GET", "PUT"], &["*"]);
        r.expose_headers = vec!["ETag".into(), "x-amz-version-id".into()];
        r.max_age_seconds = Some(3000);
        let c = config(vec![r, rule(&["*"], &["HEAD"], &[])]);
        let g = c
            .preflight("https://a.example", "PUT", &parse_header_list("a,b"))
            .unwrap();
        assert_eq!(
            g.headers(),
            [
                (
                    "access-control-allow-origin",
                    "https://a.example".to_owned()
                ),
                ("access-control-allow-methods", "GET, PUT".to_owned()),
                ("access-control-allow-headers", "a, b".to_owned()),
                (
                    "access-control-expose-headers",
                    "ETag, x-amz-version-id".to_owned()
                ),
                ("access-control-max-age", "3000".to_owned()),
                ("access-control-allow-credentials", "true".to_owned()),
                ("vary", CORS_VARY.to_owned()),
            ]
        );
        let g = c.actual("https://b.example", "HEAD").unwrap();
        assert_eq!(
            g.headers(),
            [
                ("access-control-allow-origin", "*".to_owned()),
                ("access-control-allow-methods", "HEAD".to_owned()),
                ("vary", CORS_VARY.to_owned()),
            ]
        );
    }

    #[test]
    fn stored_form_round_trips() {
        let mut r = rule(&["*"], &["GET"], &["*"]);
        r.id = Some("rule".into());
        r.max_age_seconds = Some(-1);
        let c = config(vec![r]);
        let bytes = rmp_serde::to_vec_named(&c).unwrap();
        assert_eq!(
            rmp_serde::from_slice::<CorsConfiguration>(&bytes).unwrap(),
            c
        );
    }
}
