//! Wildcard matching: `*` matches any run of characters (also none), `?` exactly one.
//!
//! Patterns are split into tokens once, at parse time; the common shapes (exact,
//! prefix, `*`) take a fast path.

/// One piece of a compiled wildcard pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(Box<str>),
    /// `*`
    Star,
    /// `?`
    One,
}

/// A compiled wildcard pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Glob {
    Any,
    Exact(Box<str>),
    Prefix(Box<str>),
    General(Box<[Tok]>),
}

impl Glob {
    /// Compiles `pattern`, where `*` and `?` are wildcards and every other character is literal.
    pub(crate) fn new(pattern: &str) -> Glob {
        Glob::from_toks(tokenize(pattern))
    }

    /// Compiles an already tokenized pattern (adjacent literals are merged, `**` collapsed).
    pub(crate) fn from_toks(toks: Vec<Tok>) -> Glob {
        let toks = normalize(toks);
        match toks.as_slice() {
            [] => Glob::Exact("".into()),
            [Tok::Star] => Glob::Any,
            [Tok::Lit(l)] => Glob::Exact(l.clone()),
            [Tok::Lit(l), Tok::Star] => Glob::Prefix(l.clone()),
            _ => Glob::General(toks.into_boxed_slice()),
        }
    }

    pub(crate) fn matches(&self, s: &str) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(l) => **l == *s,
            Glob::Prefix(p) => s.starts_with(&**p),
            Glob::General(toks) => glob_match(toks, s),
        }
    }
}

pub(crate) fn tokenize(pattern: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut lit = String::new();
    for c in pattern.chars() {
        match c {
            '*' | '?' => {
                if !lit.is_empty() {
                    toks.push(Tok::Lit(std::mem::take(&mut lit).into()));
                }
                toks.push(if c == '*' { Tok::Star } else { Tok::One });
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        toks.push(Tok::Lit(lit.into()));
    }
    toks
}

/// Merges adjacent literals, drops empty literals and collapses runs of `*`.
pub(crate) fn normalize(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    for t in toks {
        match t {
            Tok::Lit(l) if l.is_empty() => {}
            Tok::Lit(l) => {
                if let Some(Tok::Lit(prev)) = out.last_mut() {
                    let mut s = String::with_capacity(prev.len() + l.len());
                    s.push_str(prev);
                    s.push_str(&l);
                    *prev = s.into();
                } else {
                    out.push(Tok::Lit(l));
                }
            }
            Tok::Star => {
                if out.last() != Some(&Tok::Star) {
                    out.push(Tok::Star);
                }
            }
            Tok::One => out.push(Tok::One),
        }
    }
    out
}

fn char_len_at(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(0, char::len_utf8)
}

/// Classic wildcard matching with a single backtrack point (the last `*`): correct
/// because everything between two stars has a fixed length. O(len(s) * len(toks)).
pub(crate) fn glob_match(toks: &[Tok], s: &str) -> bool {
    let (mut ti, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if ti < toks.len() {
            match &toks[ti] {
                Tok::Star => {
                    star = Some((ti + 1, si));
                    ti += 1;
                    continue;
                }
                Tok::One => {
                    if si < s.len() {
                        si += char_len_at(s, si);
                        ti += 1;
                        continue;
                    }
                }
                Tok::Lit(l) => {
                    if s[si..].starts_with(&**l) {
                        si += l.len();
                        ti += 1;
                        continue;
                    }
                }
            }
        } else if si == s.len() {
            return true;
        }
        match star {
            Some((sti, ssi)) if ssi < s.len() => {
                let next = ssi + char_len_at(s, ssi);
                star = Some((sti, next));
                ti = sti;
                si = next;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    #[test]
    fn wildcard_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("*", "anything", true),
            ("abc", "abc", true),
            ("abc", "abcd", false),
            ("ab*", "abc", true),
            ("ab*", "a", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "aéc", true),
            ("*c", "abc", true),
            ("*b*", "abc", true),
            ("*b*d", "abcbd", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
            ("??", "ab", true),
            ("??", "a", false),
            ("a**b", "ab", true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/x/y", true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false),
            ("*/*/*", "a/b/c", true),
            ("*/*/*", "a/b", false),
        ];
        for (pat, s, want) in cases {
            assert_eq!(Glob::new(pat).matches(s), *want, "{pat} vs {s}");
        }
    }
}
