//! Query-protocol request parameters: `application/x-www-form-urlencoded` from the body and the
//! query string together.

use std::collections::BTreeMap;

use super::error::{QueryApiError, QueryErrorCode};

/// The decoded parameters of one request. `Action` and `Version` are always present.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, String>,
}

/// One structure of a list such as `Tags.member.3.Key` / `Tags.member.3.Value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member<'a> {
    /// The 1-based position the client gave it.
    pub index: usize,
    fields: Vec<(&'a str, &'a str)>,
}

impl<'a> Member<'a> {
    pub fn get(&self, field: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, value)| *value)
    }
}

impl Params {
    /// Parses the form body and the query string (either may carry the parameters). A
    /// parameter given twice, or text that does not decode to UTF-8, is refused.
    pub fn parse(body: &[u8], query: &str) -> Result<Params, QueryApiError> {
        let body = std::str::from_utf8(body).map_err(|_| {
            QueryApiError::new(
                QueryErrorCode::InvalidQueryParameter,
                "The request body is not UTF-8 form data.",
            )
        })?;
        let mut values = BTreeMap::new();
        for part in query
            .split('&')
            .chain(body.split('&'))
            .map(|p| p.trim_matches(['\r', '\n']))
            .filter(|p| !p.is_empty())
        {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            let name = decode(name)?;
            let value = decode(value)?;
            if values.contains_key(&name) {
                return Err(QueryApiError::new(
                    QueryErrorCode::InvalidQueryParameter,
                    format!("The parameter {name} is given more than once."),
                ));
            }
            values.insert(name, value);
        }
        let params = Params { values };
        if params.get("Action").is_none_or(str::is_empty) {
            return Err(QueryApiError::new(
                QueryErrorCode::MissingAction,
                "The request must contain the parameter Action.",
            ));
        }
        if params.get("Version").is_none_or(str::is_empty) {
            return Err(QueryApiError::new(
                QueryErrorCode::MissingParameter,
                "The request must contain the parameter Version.",
            ));
        }
        Ok(params)
    }

    pub fn action(&self) -> &str {
        self.get("Action").unwrap_or_default()
    }

    pub fn version(&self) -> &str {
        self.get("Version").unwrap_or_default()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Every parameter, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A parameter the action cannot do without; its absence is IAM's null-member
    /// `ValidationError`.
    pub fn required(&self, name: &str) -> Result<&str, QueryApiError> {
        self.get(name).ok_or_else(|| QueryApiError::missing(name))
    }

    /// An optional integer parameter within `min..=max`.
    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, QueryApiError> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        let value: i64 = raw.trim().parse().map_err(|_| {
            QueryApiError::validation(format!(
                "1 validation error detected: Value '{raw}' at '{}' failed to satisfy constraint: Member must be a number",
                member_name(name)
            ))
        })?;
        if value < min {
            return Err(QueryApiError::validation(format!(
                "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: Member must have value greater than or equal to {min}",
                member_name(name)
            )));
        }
        if value > max {
            return Err(QueryApiError::validation(format!(
                "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: Member must have value less than or equal to {max}",
                member_name(name)
            )));
        }
        Ok(Some(value))
    }

    /// An optional boolean parameter: `true` or `false` (any case).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, QueryApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(QueryApiError::validation(format!(
                "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must be a boolean",
                member_name(name)
            ))),
        }
    }

    /// A list of strings, `prefix.1`, `prefix.2`, … (e.g. `prefix` = `TagKeys.member`), in
    /// index order.
    #[allow(dead_code)] // No action served yet takes a list of strings (UntagUser will).
    pub fn list(&self, prefix: &str) -> Vec<&str> {
        let mut items: Vec<(usize, &str)> = self
            .under(prefix)
            .filter_map(|(rest, value)| Some((index(rest)?, value)))
            .collect();
        items.sort_by_key(|(i, _)| *i);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// A list of structures, `prefix.N.Field` (e.g. `prefix` = `Tags.member`), in index order.
    pub fn members(&self, prefix: &str) -> Vec<Member<'_>> {
        let mut members: BTreeMap<usize, Vec<(&str, &str)>> = BTreeMap::new();
        for (rest, value) in self.under(prefix) {
            if let Some((n, field)) = rest.split_once('.')
                && let Some(n) = index(n)
                && !field.is_empty()
            {
                members.entry(n).or_default().push((field, value));
            }
        }
        members
            .into_iter()
            .map(|(index, fields)| Member { index, fields })
            .collect()
    }

    /// `Tags.member.N.Key` / `.Value` pairs. A tag without a key is a validation error; a
    /// missing value is empty.
    pub fn tags(&self, prefix: &str) -> Result<Vec<(String, String)>, QueryApiError> {
        self.members(prefix)
            .into_iter()
            .map(|m| {
                let key = m.get("Key").ok_or_else(|| {
                    QueryApiError::validation(format!(
                        "1 validation error detected: Value null at '{}.{}.member.key' failed to satisfy constraint: Member must not be null",
                        member_name(prefix.split('.').next().unwrap_or(prefix)),
                        m.index
                    ))
                })?;
                Ok((key.to_owned(), m.get("Value").unwrap_or_default().to_owned()))
            })
            .collect()
    }

    /// `PolicyArns.member.N.arn`, STS's managed session policies.
    pub fn policy_arns(&self) -> Vec<&str> {
        self.members("PolicyArns.member")
            .iter()
            .filter_map(|m| m.get("arn"))
            .collect()
    }

    /// Whether any parameter starts with `prefix` (a list was given at all).
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.values.keys().any(|k| k.starts_with(prefix))
    }

    /// `(rest, value)` for every parameter named `prefix.rest`.
    fn under<'s, 'p>(
        &'s self,
        prefix: &'p str,
    ) -> impl Iterator<Item = (&'s str, &'s str)> + use<'s, 'p> {
        self.values.iter().filter_map(move |(name, value)| {
            let rest = name.strip_prefix(prefix)?.strip_prefix('.')?;
            Some((rest, value.as_str()))
        })
    }
}

/// The lowerCamel member name IAM's validation messages use: `UserName` → `userName`.
pub(crate) fn member_name(param: &str) -> String {
    let mut chars = param.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A list index: a positive decimal number.
fn index(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n >= 1)
}

/// Form decoding: `+` is a space, `%XX` a byte; the result must be UTF-8.
fn decode(s: &str) -> Result<String, QueryApiError> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| {
            QueryApiError::new(
                QueryErrorCode::InvalidQueryParameter,
                "A parameter is not valid UTF-8 once percent-decoded.",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Params {
        Params::parse(body.as_bytes(), "").unwrap()
    }

    #[test]
    fn decodes_form_encoding() {
        let p = parse(
            "Action=CreateUser&Version=2010-05-08&UserName=a%2Bb+c&Path=%2Fdiv%2F&Empty=&Bare\
             &Doc=%7B%22Version%22%3A%20%222012-10-17%22%7D&Uni=%E2%9C%93",
        );
        assert_eq!(p.action(), "CreateUser");
        assert_eq!(p.version(), "2010-05-08");
        assert_eq!(p.get("UserName"), Some("a+b c"));
        assert_eq!(p.get("Path"), Some("/div/"));
        assert_eq!(p.get("Empty"), Some(""));
        assert_eq!(p.get("Bare"), Some(""));
        assert_eq!(p.get("Doc"), Some("{\"Version\": \"2012-10-17\"}"));
        assert_eq!(p.get("Uni"), Some("✓"));
        assert_eq!(p.get("Nope"), None);
    }

    #[test]
    fn query_string_and_body_combine() {
        let p = Params::parse(b"UserName=bob", "Action=GetUser&Version=2010-05-08").unwrap();
        assert_eq!(p.action(), "GetUser");
        assert_eq!(p.get("UserName"), Some("bob"));
        let p = Params::parse(b"", "Action=GetCallerIdentity&Version=2011-06-15").unwrap();
        assert_eq!(p.action(), "GetCallerIdentity");
    }

    #[test]
    fn duplicates_and_bad_encodings_are_refused() {
        let e = Params::parse(b"Action=A&Version=1&UserName=a&UserName=b", "").unwrap_err();
        assert_eq!(e.code, QueryErrorCode::InvalidQueryParameter);
        assert!(e.message.contains("UserName"));
        let e = Params::parse(b"Version=1&UserName=a", "Action=A&UserName=b").unwrap_err();
        assert_eq!(e.code, QueryErrorCode::InvalidQueryParameter);
        let e = Params::parse(b"Action=A&Version=1&X=%FF", "").unwrap_err();
        assert_eq!(e.code, QueryErrorCode::InvalidQueryParameter);
        let e = Params::parse(b"Action=A&Version=1\xff", "").unwrap_err();
        assert_eq!(e.code, QueryErrorCode::InvalidQueryParameter);
    }

    #[test]
    fn action_and_version_are_required() {
        for body in ["Version=2010-05-08", "Action=&Version=2010-05-08", ""] {
            let e = Params::parse(body.as_bytes(), "").unwrap_err();
            assert_eq!(e.code, QueryErrorCode::MissingAction, "{body}");
        }
        let e = Params::parse(b"Action=ListUsers", "").unwrap_err();
        assert_eq!(e.code, QueryErrorCode::MissingParameter);
        assert_eq!(e.message, "The request must contain the parameter Version.");
    }

    #[test]
    fn lists_in_index_order() {
        let p = parse(
            "Action=A&Version=1&TagKeys.member.2=b&TagKeys.member.1=a&TagKeys.member.10=c\
             &TagKeys.member.0=zero&TagKeys.member.x=bad&TagKeys.memberX.3=other",
        );
        assert_eq!(p.list("TagKeys.member"), vec!["a", "b", "c"]);
        assert!(p.list("Other.member").is_empty());
        assert!(p.has_prefix("TagKeys."));
        assert!(!p.has_prefix("Tags."));
    }

    #[test]
    fn tags_and_structures() {
        let p = parse(
            "Action=A&Version=1&Tags.member.1.Key=env&Tags.member.1.Value=prod\
             &Tags.member.2.Key=team&Tags.member.2.Value=a%26b&Tags.member.3.Key=novalue",
        );
        assert_eq!(
            p.tags("Tags.member").unwrap(),
            vec![
                ("env".into(), "prod".into()),
                ("team".into(), "a&b".into()),
                ("novalue".into(), String::new()),
            ]
        );
        let members = p.members("Tags.member");
        assert_eq!(members.len(), 3);
        assert_eq!(members[1].index, 2);
        assert_eq!(members[1].get("Value"), Some("a&b"));
        let p = parse("Action=A&Version=1&Tags.member.1.Value=orphan");
        let e = p.tags("Tags.member").unwrap_err();
        assert_eq!(e.code, QueryErrorCode::ValidationError);
        assert!(e.message.contains("'tags.1.member.key'"), "{}", e.message);
    }

    #[test]
    fn policy_arns() {
        let p = parse(
            "Action=AssumeRole&Version=2011-06-15\
             &PolicyArns.member.2.arn=arn%3Aaws%3Aiam%3A%3A1%3Apolicy%2FB\
             &PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3A1%3Apolicy%2FA",
        );
        assert_eq!(
            p.policy_arns(),
            vec!["arn:aws:iam::1:policy/A", "arn:aws:iam::1:policy/B"]
        );
    }

    #[test]
    fn typed_values() {
        let p = parse("Action=A&Version=1&MaxItems=50&Big=9999&Neg=x&Yes=true&No=FALSE&Odd=1");
        assert_eq!(p.int("MaxItems", 1, 1000).unwrap(), Some(50));
        assert_eq!(p.int("Missing", 1, 1000).unwrap(), None);
        let e = p.int("Big", 1, 1000).unwrap_err();
        assert!(e.message.contains("'big'") && e.message.contains("less than or equal to 1000"));
        assert!(p.int("Neg", 1, 10).is_err());
        assert_eq!(p.bool("Yes").unwrap(), Some(true));
        assert_eq!(p.bool("No").unwrap(), Some(false));
        assert_eq!(p.bool("Missing").unwrap(), None);
        assert!(p.bool("Odd").is_err());
        let e = p.required("UserName").unwrap_err();
        assert_eq!(e.code, QueryErrorCode::ValidationError);
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
        );
    }
}
