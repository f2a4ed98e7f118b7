//! Input validation with IAM's rules and IAM's messages.

use crate::{IamError, Tag};

pub(crate) const USER_NAME_MAX: usize = 64;
pub(crate) const GROUP_NAME_MAX: usize = 128;
pub(crate) const ROLE_NAME_MAX: usize = 64;
pub(crate) const POLICY_NAME_MAX: usize = 128;
pub(crate) const PATH_MAX: usize = 512;
pub(crate) const DESCRIPTION_MAX: usize = 1000;
pub(crate) const ROLE_DESCRIPTION_MAX: usize = 1000;
pub(crate) const ACCOUNT_NAME_MAX: usize = 50;
pub(crate) const TAGS_MAX: usize = 50;
pub(crate) const TAG_KEY_MAX: usize = 128;
pub(crate) const TAG_VALUE_MAX: usize = 256;
pub(crate) const NAME_PATTERN: &str = r"[\w+=,.@-]+";

/// AWS's wording for a parameter that fails its constraint.
pub(crate) fn constraint(value: &str, field: &str, constraint: &str) -> IamError {
    IamError::ValidationError(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    ))
}

/// Whether `c` is in IAM's name alphabet `[\w+=,.@-]`.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

/// An IAM entity or policy name: `[\w+=,.@-]+`, 1..=`max` characters.
pub(crate) fn name(value: &str, field: &str, max: usize) -> Result<(), IamError> {
    let len = value.chars().count();
    if len == 0 {
        return Err(constraint(
            value,
            field,
            "Member must have length greater than or equal to 1",
        ));
    }
    if len > max {
        return Err(constraint(
            value,
            field,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    if !value.chars().all(is_name_char) {
        return Err(constraint(
            value,
            field,
            &format!("Member must satisfy regular expression pattern: {NAME_PATTERN}"),
        ));
    }
    Ok(())
}

/// An IAM path: `/` or `/…/` of printable ASCII, at most 512 characters. An empty path (the
/// parameter left out) is `/`.
pub(crate) fn path(value: &str) -> Result<String, IamError> {
    if value.is_empty() {
        return Ok("/".to_owned());
    }
    if value.len() > PATH_MAX {
        return Err(constraint(
            value,
            "path",
            &format!("Member must have length less than or equal to {PATH_MAX}"),
        ));
    }
    let printable = value.bytes().all(|b| (0x21..=0x7E).contains(&b));
    if !printable || !value.starts_with('/') || !value.ends_with('/') {
        return Err(constraint(
            value,
            "path",
            r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ));
    }
    Ok(value.to_owned())
}

/// Whether `path` is listed under `prefix` (an empty prefix lists everything).
pub(crate) fn under_prefix(path: &str, prefix: &str) -> bool {
    path.starts_with(prefix)
}

/// A description: at most `max` characters.
pub(crate) fn description(value: Option<&str>, max: usize) -> Result<(), IamError> {
    match value {
        Some(v) if v.chars().count() > max => Err(constraint(
            v,
            "description",
            &format!("Member must have length less than or equal to {max}"),
        )),
        _ => Ok(()),
    }
}

/// Tags: at most 50, keys 1..=128 characters and unique (case-insensitively), values at most
/// 256 characters.
pub(crate) fn tags(tags: &[Tag]) -> Result<(), IamError> {
    if tags.len() > TAGS_MAX {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for TagsPerResource: {TAGS_MAX}"
        )));
    }
    for (i, tag) in tags.iter().enumerate() {
        let n = i + 1;
        let key_len = tag.key.chars().count();
        if key_len == 0 || key_len > TAG_KEY_MAX {
            return Err(constraint(
                &tag.key,
                &format!("tags.{n}.member.key"),
                &format!(
                    "Member must have length {}",
                    if key_len == 0 {
                        "greater than or equal to 1".to_owned()
                    } else {
                        format!("less than or equal to {TAG_KEY_MAX}")
                    }
                ),
            ));
        }
        if tag.value.chars().count() > TAG_VALUE_MAX {
            return Err(constraint(
                &tag.value,
                &format!("tags.{n}.member.value"),
                &format!("Member must have length less than or equal to {TAG_VALUE_MAX}"),
            ));
        }
        if tags[..i]
            .iter()
            .any(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            return Err(IamError::InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
                    .to_owned(),
            ));
        }
    }
    Ok(())
}

/// An account name: 1..=50 printable ASCII characters.
pub(crate) fn account_name(value: &str) -> Result<(), IamError> {
    if value.is_empty() || value.len() > ACCOUNT_NAME_MAX {
        return Err(constraint(
            value,
            "accountName",
            &format!("Member must have length between 1 and {ACCOUNT_NAME_MAX}"),
        ));
    }
    if !value.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        return Err(constraint(
            value,
            "accountName",
            r"Member must satisfy regular expression pattern: [\u0020-\u007E]+",
        ));
    }
    Ok(())
}

/// A policy's size as IAM counts it against its quotas: characters, whitespace excluded.
pub(crate) fn policy_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// The lookup key of a case-insensitive name.
pub(crate) fn fold(name: &str) -> String {
    name.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(name("alice+ops=x,y.z@corp-1_", "userName", 64).is_ok());
        let e = name("bad name", "userName", 64).unwrap_err();
        assert_eq!(
            e.to_string(),
            r"1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
        );
        assert!(matches!(e, IamError::ValidationError(_)));
        assert!(name("", "userName", 64).is_err());
        assert!(name(&"a".repeat(64), "userName", 64).is_ok());
        assert!(name(&"a".repeat(65), "userName", 64).is_err());
        assert!(name("é", "userName", 64).is_err());
    }

    #[test]
    fn paths() {
        assert_eq!(path("").unwrap(), "/");
        assert_eq!(path("/").unwrap(), "/");
        assert_eq!(path("/a/b/").unwrap(), "/a/b/");
        for bad in ["a/", "/a", "/a b/", "//x", "/é/"] {
            assert!(path(bad).is_err(), "{bad}");
        }
        assert!(path(&format!("/{}/", "a".repeat(510))).is_ok());
        assert!(path(&format!("/{}/", "a".repeat(511))).is_err());
    }

    #[test]
    fn tag_rules() {
        let t = |k: &str, v: &str| Tag {
            key: k.into(),
            value: v.into(),
        };
        assert!(tags(&[t("a", ""), t("b", "x")]).is_ok());
        assert!(matches!(
            tags(&[t("a", ""), t("A", "")]),
            Err(IamError::InvalidInput(_))
        ));
        assert!(tags(&[t("", "")]).is_err());
        assert!(tags(&[t("k", &"v".repeat(257))]).is_err());
        let many: Vec<Tag> = (0..51).map(|i| t(&i.to_string(), "")).collect();
        assert!(matches!(tags(&many), Err(IamError::LimitExceeded(_))));
    }

    #[test]
    fn sizes() {
        assert_eq!(policy_size("{ \"a\" :\n\t1 }"), 7);
        assert!(account_name("Team A").is_ok());
        assert!(account_name("").is_err());
        assert!(account_name(&"x".repeat(51)).is_err());
        assert!(account_name("tab\there").is_err());
    }
}
