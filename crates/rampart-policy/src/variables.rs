//! Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, `${*}`,
//! `${?}`, `${$}`) in Resource and condition values. Only policies with
//! `"Version": "2012-10-17"` have variables; in older documents the text is literal.
//!
//! A value substituted from the request is always literal: a user named `*` matches
//! only the text `*`, never everything.

use crate::matching::{Glob, Tok, normalize, tokenize};

/// One piece of a value that contains policy variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Lit(String),
    Star,
    One,
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A value with at least one real variable (`${key}`), resolved per request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
}

/// Where a value comes from: the context keys of the request being evaluated.
pub(crate) trait VarSource {
    /// The single value of `key` (compared case-insensitively); `None` when the key is
    /// absent or multi-valued.
    fn var(&self, key: &str) -> Option<&str>;
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadVariable;

/// Splits `text` into pieces. `wildcards`: whether a bare `*` / `?` is a wildcard.
/// `variables`: whether `${...}` is a variable (2012-10-17 documents).
pub(crate) fn parse_pieces(
    text: &str,
    wildcards: bool,
    variables: bool,
) -> Result<Vec<Piece>, BadVariable> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if variables && rest.starts_with("${") {
            let end = find_variable_end(&rest[2..]).ok_or(BadVariable)?;
            let inner = &rest[2..2 + end];
            rest = &rest[2 + end + 1..];
            match inner {
                "*" => lit.push('*'),
                "?" => lit.push('?'),
                "$" => lit.push('$'),
                _ => {
                    let (key, default) = parse_variable(inner)?;
                    if !lit.is_empty() {
                        pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                    }
                    pieces.push(Piece::Var { key, default });
                }
            }
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if wildcards && (c == '*' || c == '?') {
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            pieces.push(if c == '*' { Piece::Star } else { Piece::One });
        } else {
            lit.push(c);
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Ok(pieces)
}

/// Index of the `}` closing a variable, skipping over a quoted default value.
fn find_variable_end(s: &str) -> Option<usize> {
    let mut in_quote = false;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => in_quote = !in_quote,
            b'}' if !in_quote => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn parse_variable(inner: &str) -> Result<(String, Option<String>), BadVariable> {
    let (key, default) = match inner.split_once(',') {
        None => (inner.trim(), None),
        Some((key, default)) => {
            let d = default.trim();
            if d.len() < 2 || !d.starts_with('\'') || !d.ends_with('\'') {
                return Err(BadVariable);
            }
            let body = &d[1..d.len() - 1];
            // Inside the quotes a single quote is written twice.
            let mut out = String::with_capacity(body.len());
            let mut chars = body.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\'' && chars.next() != Some('\'') {
                    return Err(BadVariable);
                }
                out.push(c);
            }
            (key.trim(), Some(out))
        }
    };
    if !valid_key_name(key) {
        return Err(BadVariable);
    }
    Ok((key.to_ascii_lowercase(), default))
}

/// A context key name: `prefix:name`; the name may hold spaces (tag keys do) but no other
/// whitespace and no characters of the variable syntax; no leading or trailing space.
pub(crate) fn valid_key_name(key: &str) -> bool {
    let Some((prefix, name)) = key.split_once(':') else {
        return false;
    };
    !prefix.is_empty()
        && !name.is_empty()
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.trim() == name
        && !name.chars().any(|c| {
            (c.is_whitespace() && c != ' ')
                || c.is_control()
                || matches!(c, '$' | '{' | '}' | '\'' | '"' | '*' | '?' | ',')
        })
}

impl Template {
    /// `None` when the pieces hold no variable (the caller compiles them statically).
    pub(crate) fn new(pieces: Vec<Piece>) -> Option<Template> {
        pieces
            .iter()
            .any(|p| matches!(p, Piece::Var { .. }))
            .then_some(Template { pieces })
    }

    /// The (lowercased) context keys this template's variables read.
    pub(crate) fn var_keys(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    fn value_of<'a>(
        key: &str,
        default: &'a Option<String>,
        src: &'a dyn VarSource,
    ) -> Option<&'a str> {
        src.var(key).or(default.as_deref())
    }

    /// The value as literal text (`Star`/`One` pieces are kept as the characters).
    /// `None` when a variable has no value and no default.
    pub(crate) fn resolve_text(&self, src: &dyn VarSource) -> Option<String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Lit(l) => out.push_str(l),
                Piece::Star => out.push('*'),
                Piece::One => out.push('?'),
                Piece::Var { key, default } => out.push_str(Self::value_of(key, default, src)?),
            }
        }
        Some(out)
    }

    /// The value as a wildcard pattern; substituted values are literal.
    pub(crate) fn resolve_glob(&self, src: &dyn VarSource) -> Option<Glob> {
        let mut toks = Vec::with_capacity(self.pieces.len());
        for p in &self.pieces {
            match p {
                Piece::Lit(l) => toks.push(Tok::Lit(l.as_str().into())),
                Piece::Star => toks.push(Tok::Star),
                Piece::One => toks.push(Tok::One),
                Piece::Var { key, default } => {
                    toks.push(Tok::Lit(Self::value_of(key, default, src)?.into()))
                }
            }
        }
        Some(Glob::from_toks(normalize(toks)))
    }
}

/// Pieces without variables as a pattern.
pub(crate) fn static_glob(pieces: &[Piece]) -> Glob {
    let mut toks = Vec::with_capacity(pieces.len());
    for p in pieces {
        match p {
            Piece::Lit(l) => toks.push(Tok::Lit(l.as_str().into())),
            Piece::Star => toks.push(Tok::Star),
            Piece::One => toks.push(Tok::One),
            Piece::Var { .. } => unreachable!("static_glob on a template"),
        }
    }
    Glob::from_toks(toks)
}

/// Pieces without variables as text.
pub(crate) fn static_text(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Lit(l) => out.push_str(l),
            Piece::Star => out.push('*'),
            Piece::One => out.push('?'),
            Piece::Var { .. } => unreachable!("static_text on a template"),
        }
    }
    out
}

/// A value that may hold variables, compiled as a wildcard pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PatternValue {
    Static(Glob),
    Dynamic(Template),
}

impl PatternValue {
    pub(crate) fn var_keys(&self) -> impl Iterator<Item = &str> {
        match self {
            PatternValue::Static(_) => None,
            PatternValue::Dynamic(t) => Some(t.var_keys()),
        }
        .into_iter()
        .flatten()
    }

    pub(crate) fn compile(text: &str, variables: bool) -> Result<PatternValue, BadVariable> {
        if !variables {
            return Ok(PatternValue::Static(Glob::from_toks(tokenize(text))));
        }
        let pieces = parse_pieces(text, true, true)?;
        Ok(match Template::new(pieces.clone()) {
            Some(t) => PatternValue::Dynamic(t),
            None => PatternValue::Static(static_glob(&pieces)),
        })
    }

    /// `None`: a variable could not be resolved (the pattern matches nothing).
    pub(crate) fn matches(&self, s: &str, src: &dyn VarSource) -> Option<bool> {
        match self {
            PatternValue::Static(g) => Some(g.matches(s)),
            PatternValue::Dynamic(t) => t.resolve_glob(src).map(|g| g.matches(s)),
        }
    }
}

/// A value that may hold variables, compared as plain text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TextValue {
    Static(String),
    Dynamic(Template),
}

impl TextValue {
    pub(crate) fn var_keys(&self) -> impl Iterator<Item = &str> {
        match self {
            TextValue::Static(_) => None,
            TextValue::Dynamic(t) => Some(t.var_keys()),
        }
        .into_iter()
        .flatten()
    }

    pub(crate) fn compile(text: &str, variables: bool) -> Result<TextValue, BadVariable> {
        if !variables {
            return Ok(TextValue::Static(text.to_owned()));
        }
        let pieces = parse_pieces(text, false, true)?;
        Ok(match Template::new(pieces.clone()) {
            Some(t) => TextValue::Dynamic(t),
            None => TextValue::Static(static_text(&pieces)),
        })
    }

    pub(crate) fn resolve<'a>(&'a self, src: &dyn VarSource) -> Option<std::borrow::Cow<'a, str>> {
        match self {
            TextValue::Static(s) => Some(std::borrow::Cow::Borrowed(s)),
            TextValue::Dynamic(t) => t.resolve_text(src).map(std::borrow::Cow::Owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Src;
    impl VarSource for Src {
        fn var(&self, key: &str) -> Option<&str> {
            match key {
                "aws:username" => Some("alice"),
                "aws:principaltag/team" => Some("*"),
                _ => None,
            }
        }
    }

    #[test]
    fn variables_resolve_and_stay_literal() {
        let p = PatternValue::compile("arn:aws:s3:::b/${aws:username}/*", true).unwrap();
        assert_eq!(p.matches("arn:aws:s3:::b/alice/x", &Src), Some(true));
        assert_eq!(p.matches("arn:aws:s3:::b/bob/x", &Src), Some(false));
        // A substituted `*` is literal.
        let p = PatternValue::compile("t/${aws:PrincipalTag/team}", true).unwrap();
        assert_eq!(p.matches("t/*", &Src), Some(true));
        assert_eq!(p.matches("t/x", &Src), Some(false));
        // Missing variable: unresolved.
        let p = PatternValue::compile("${aws:userid}", true).unwrap();
        assert_eq!(p.matches("x", &Src), None);
        // Default value, with an escaped quote.
        let p = TextValue::compile("${aws:userid, 'it''s'}", true).unwrap();
        assert_eq!(p.resolve(&Src).as_deref(), Some("it's"));
        // Special characters.
        let p = PatternValue::compile("a${*}b${?}${$}", true).unwrap();
        assert_eq!(p.matches("a*b?$", &Src), Some(true));
        assert_eq!(p.matches("aXb?$", &Src), Some(false));
        // 2008-10-17: literal text.
        let p = TextValue::compile("${aws:username}", false).unwrap();
        assert_eq!(p.resolve(&Src).as_deref(), Some("${aws:username}"));
    }

    #[test]
    fn malformed_variables_are_rejected() {
        for bad in [
            "${",
            "${aws:username",
            "${}",
            "${nocolon}",
            "${aws:x, default}",
            "${aws:x, 'a'b'}",
        ] {
            assert!(parse_pieces(bad, true, true).is_err(), "{bad}");
        }
    }
}
