//! The Condition element: operators, set qualifiers, `…IfExists`, and their evaluation.
//!
//! Evaluation is three-valued: a comparison that cannot be made (a request value that is
//! not a number for a Numeric operator, not an IP address for IpAddress, …) is
//! [`Tri::Unknown`]. The statement then resolves it against its effect: an Allow does not
//! match, a Deny does (fail closed).

use crate::variables::{
    PatternValue, Piece, Template, TextValue, VarSource, parse_pieces, static_glob,
};
use std::net::IpAddr;

/// Kleene three-valued logic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub(crate) fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
    pub(crate) fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
    pub(crate) fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }
    fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
}

/// The comparison an operator makes, before negation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    ArnEquals,
    ArnLike,
    Null,
}

/// Every operator name AWS documents, with its base comparison and whether it is negated.
const OPERATORS: &[(&str, Base, bool)] = &[
    ("StringEquals", Base::StringEquals, false),
    ("StringNotEquals", Base::StringEquals, true),
    (
        "StringEqualsIgnoreCase",
        Base::StringEqualsIgnoreCase,
        false,
    ),
    (
        "StringNotEqualsIgnoreCase",
        Base::StringEqualsIgnoreCase,
        true,
    ),
    ("StringLike", Base::StringLike, false),
    ("StringNotLike", Base::StringLike, true),
    ("NumericEquals", Base::NumericEquals, false),
    ("NumericNotEquals", Base::NumericEquals, true),
    ("NumericLessThan", Base::NumericLessThan, false),
    ("NumericLessThanEquals", Base::NumericLessThanEquals, false),
    ("NumericGreaterThan", Base::NumericGreaterThan, false),
    (
        "NumericGreaterThanEquals",
        Base::NumericGreaterThanEquals,
        false,
    ),
    ("DateEquals", Base::DateEquals, false),
    ("DateNotEquals", Base::DateEquals, true),
    ("DateLessThan", Base::DateLessThan, false),
    ("DateLessThanEquals", Base::DateLessThanEquals, false),
    ("DateGreaterThan", Base::DateGreaterThan, false),
    ("DateGreaterThanEquals", Base::DateGreaterThanEquals, false),
    ("Bool", Base::Bool, false),
    ("BinaryEquals", Base::BinaryEquals, false),
    ("IpAddress", Base::IpAddress, false),
    ("NotIpAddress", Base::IpAddress, true),
    ("ArnEquals", Base::ArnEquals, false),
    ("ArnLike", Base::ArnLike, false),
    ("ArnNotEquals", Base::ArnEquals, true),
    ("ArnNotLike", Base::ArnLike, true),
    ("Null", Base::Null, false),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// A parsed operator name: `[ForAnyValue:|ForAllValues:]Operator[IfExists]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Operator {
    pub base: Base,
    pub negated: bool,
    pub qualifier: Option<SetQualifier>,
    pub if_exists: bool,
}

impl Operator {
    /// `None` for a name AWS does not define ("Invalid Condition type : X").
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, name)
        };
        let (if_exists, rest) = match rest.strip_suffix("IfExists") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let &(_, base, negated) = OPERATORS.iter().find(|(n, _, _)| *n == rest)?;
        // Null tests presence itself: neither IfExists nor a set qualifier makes sense.
        if base == Base::Null && (if_exists || qualifier.is_some()) {
            return None;
        }
        Some(Operator {
            base,
            negated,
            qualifier,
            if_exists,
        })
    }
}

/// A number from a policy or a request: integers compare exactly, anything else as f64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub(crate) fn parse(s: &str) -> Option<Num> {
        let t = s.trim();
        if t.is_empty()
            || !t
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        {
            return None;
        }
        if let Ok(i) = t.parse::<i128>() {
            return Some(Num::Int(i));
        }
        let f: f64 = t.parse().ok()?;
        f.is_finite().then_some(Num::Float(f))
    }

    fn cmp(self, other: Num) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

/// A date as nanoseconds since the Unix epoch. Accepts ISO 8601 (date only, date and
/// time with or without fractional seconds, `Z` or an offset; no offset means UTC) and
/// epoch seconds.
pub(crate) fn parse_date(s: &str) -> Option<i128> {
    use time::format_description::well_known::Iso8601;
    let t = s.trim();
    if t.is_empty() || t.len() > 64 {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = t.parse().ok()?;
        let dt = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
        return Some(dt.unix_timestamp_nanos());
    }
    if let Ok(dt) = time::OffsetDateTime::parse(t, &Iso8601::DEFAULT) {
        return Some(dt.unix_timestamp_nanos());
    }
    if let Ok(dt) = time::PrimitiveDateTime::parse(t, &Iso8601::DEFAULT) {
        return Some(dt.assume_utc().unix_timestamp_nanos());
    }
    if let Ok(d) = time::Date::parse(t, &Iso8601::DEFAULT) {
        return Some(d.midnight().assume_utc().unix_timestamp_nanos());
    }
    None
}

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn parse_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

/// An IPv4 or IPv6 network; a bare address is a /32 or /128.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|&n| n <= max)?
            }
            Some(_) => return None,
        };
        Some(Cidr { addr, prefix })
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix)
                };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix)
                };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An ARN condition value: six colon-separated components, each a wildcard pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ArnValue {
    /// A lone `*`: any ARN.
    Any,
    Parts(Box<[PatternValue]>),
}

impl ArnValue {
    fn compile(text: &str, variables: bool) -> Option<ArnValue> {
        if text == "*" {
            return Some(ArnValue::Any);
        }
        let pieces = parse_pieces(text, true, variables).ok()?;
        let mut groups: Vec<Vec<Piece>> = vec![Vec::new()];
        for p in pieces {
            match p {
                Piece::Lit(l) => {
                    let mut rest = l.as_str();
                    while groups.len() < 6 {
                        match rest.split_once(':') {
                            Some((head, tail)) => {
                                if !head.is_empty() {
                                    groups.last_mut()?.push(Piece::Lit(head.to_owned()));
                                }
                                groups.push(Vec::new());
                                rest = tail;
                            }
                            None => break,
                        }
                    }
                    if !rest.is_empty() {
                        groups.last_mut()?.push(Piece::Lit(rest.to_owned()));
                    }
                }
                other => groups.last_mut()?.push(other),
            }
        }
        if groups.len() != 6 {
            return None;
        }
        let parts = groups
            .into_iter()
            .map(|g| match Template::new(g.clone()) {
                Some(t) => PatternValue::Dynamic(t),
                None => PatternValue::Static(static_glob(&g)),
            })
            .collect();
        Some(ArnValue::Parts(parts))
    }

    /// `None`: unresolved variable. `Some(None)`: the request value is not an ARN.
    fn matches(&self, request: &str, src: &dyn VarSource) -> Option<Option<bool>> {
        let ArnValue::Parts(parts) = self else {
            return Some(Some(true));
        };
        let req: Vec<&str> = request.splitn(6, ':').collect();
        if req.len() != 6 {
            return Some(None);
        }
        let mut all = true;
        for (p, r) in parts.iter().zip(req) {
            all &= p.matches(r, src)?;
        }
        Some(Some(all))
    }
}

/// The policy's values for one condition key, compiled for the operator's type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Values {
    Text(Vec<TextValue>),
    Pattern(Vec<PatternValue>),
    Number(Vec<Num>),
    Date(Vec<i128>),
    Bool(Vec<bool>),
    Binary(Vec<Vec<u8>>),
    Ip(Vec<Cidr>),
    Arn(Vec<ArnValue>),
    Null(Vec<bool>),
}

/// Why a condition value was refused at parse time.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadValue;

impl Values {
    pub(crate) fn compile(base: Base, raw: &[String], variables: bool) -> Result<Values, BadValue> {
        fn all<T>(raw: &[String], f: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, BadValue> {
            raw.iter().map(|s| f(s).ok_or(BadValue)).collect()
        }
        Ok(match base {
            Base::StringEquals | Base::StringEqualsIgnoreCase => {
                Values::Text(all(raw, |s| TextValue::compile(s, variables).ok())?)
            }
            Base::StringLike => {
                Values::Pattern(all(raw, |s| PatternValue::compile(s, variables).ok())?)
            }
            Base::NumericEquals
            | Base::NumericLessThan
            | Base::NumericLessThanEquals
            | Base::NumericGreaterThan
            | Base::NumericGreaterThanEquals => Values::Number(all(raw, Num::parse)?),
            Base::DateEquals
            | Base::DateLessThan
            | Base::DateLessThanEquals
            | Base::DateGreaterThan
            | Base::DateGreaterThanEquals => Values::Date(all(raw, parse_date)?),
            Base::Bool => Values::Bool(all(raw, parse_bool)?),
            Base::BinaryEquals => Values::Binary(all(raw, parse_base64)?),
            Base::IpAddress => Values::Ip(all(raw, Cidr::parse)?),
            Base::ArnEquals | Base::ArnLike => {
                Values::Arn(all(raw, |s| ArnValue::compile(s, variables))?)
            }
            Base::Null => Values::Null(all(raw, parse_bool)?),
        })
    }
}

impl Values {
    /// The (lowercased) context keys read by policy variables in these values.
    pub(crate) fn var_keys(&self) -> Vec<&str> {
        match self {
            Values::Text(v) => v.iter().flat_map(TextValue::var_keys).collect(),
            Values::Pattern(v) => v.iter().flat_map(PatternValue::var_keys).collect(),
            Values::Arn(v) => v
                .iter()
                .flat_map(|a| match a {
                    ArnValue::Any => None,
                    ArnValue::Parts(parts) => Some(parts.iter().flat_map(PatternValue::var_keys)),
                })
                .flatten()
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// One `"Operator": { "key": values }` pair.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Condition {
    pub op: Operator,
    /// Lowercased context key name.
    pub key: String,
    pub values: Values,
}

/// The request's values for a key: the caller's own, or one the engine derives.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RequestValues<'a> {
    Many(&'a [String]),
    One(&'a str),
}

impl<'a> RequestValues<'a> {
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, RequestValues::Many([]))
    }
    pub(crate) fn iter(self) -> impl Iterator<Item = &'a str> {
        let (many, one): (&'a [String], Option<&'a str>) = match self {
            RequestValues::Many(m) => (m, None),
            RequestValues::One(o) => (&[], Some(o)),
        };
        many.iter().map(String::as_str).chain(one)
    }
}

/// What conditions need from the request.
pub(crate) trait ConditionEnv: VarSource {
    fn values(&self, key: &str) -> Option<RequestValues<'_>>;
}

impl Condition {
    pub(crate) fn evaluate(&self, env: &dyn ConditionEnv) -> Tri {
        let present = env.values(&self.key).filter(|v| !v.is_empty());
        if let Values::Null(expect) = &self.values {
            // Null: "true" tests that the key is absent, "false" that it is present.
            let absent = present.is_none();
            return Tri::from_bool(expect.contains(&absent));
        }
        let Some(request) = present else {
            // Key absent: IfExists → true; ForAllValues → true; ForAnyValue → false;
            // otherwise false, and true for a negated operator (AWS "Condition operators").
            if self.op.if_exists {
                return Tri::True;
            }
            return match self.op.qualifier {
                Some(SetQualifier::ForAllValues) => Tri::True,
                Some(SetQualifier::ForAnyValue) => Tri::False,
                None => Tri::from_bool(self.op.negated),
            };
        };
        let negated = self.op.negated;
        let single = |r: &str| {
            let m = self.positive(r, env);
            if negated { m.not() } else { m }
        };
        match self.op.qualifier {
            Some(SetQualifier::ForAllValues) => {
                request.iter().fold(Tri::True, |acc, r| acc.and(single(r)))
            }
            Some(SetQualifier::ForAnyValue) => {
                request.iter().fold(Tri::False, |acc, r| acc.or(single(r)))
            }
            None => {
                // Any request value matching any policy value (OR); negated: none may (NOR).
                let any = request
                    .iter()
                    .fold(Tri::False, |acc, r| acc.or(self.positive(r, env)));
                if negated { any.not() } else { any }
            }
        }
    }

    /// Does request value `r` match any of the policy's values (before negation)?
    fn positive(&self, r: &str, env: &dyn ConditionEnv) -> Tri {
        // An unresolved policy variable matches nothing; under a negated operator its
        // outcome is unknown rather than a silent "not equal".
        let unresolved = if self.op.negated {
            Tri::Unknown
        } else {
            Tri::False
        };
        let any = |it: &mut dyn Iterator<Item = Tri>| it.fold(Tri::False, Tri::or);
        match &self.values {
            Values::Text(vals) => {
                let ic = self.op.base == Base::StringEqualsIgnoreCase;
                any(&mut vals.iter().map(|v| match v.resolve(env) {
                    None => unresolved,
                    Some(p) if ic => Tri::from_bool(eq_ignore_case(&p, r)),
                    Some(p) => Tri::from_bool(*p == *r),
                }))
            }
            Values::Pattern(vals) => any(&mut vals.iter().map(|v| match v.matches(r, env) {
                None => unresolved,
                Some(b) => Tri::from_bool(b),
            })),
            Values::Number(vals) => {
                let Some(n) = Num::parse(r) else {
                    return Tri::Unknown;
                };
                let base = self.op.base;
                any(&mut vals.iter().map(|&p| match n.cmp(p) {
                    None => Tri::Unknown,
                    Some(o) => Tri::from_bool(ordering_holds(base, o)),
                }))
            }
            Values::Date(vals) => {
                let Some(d) = parse_date(r) else {
                    return Tri::Unknown;
                };
                let base = self.op.base;
                any(&mut vals
                    .iter()
                    .map(|p| Tri::from_bool(ordering_holds(base, d.cmp(p)))))
            }
            Values::Bool(vals) => match parse_bool(r) {
                None => Tri::Unknown,
                Some(b) => Tri::from_bool(vals.contains(&b)),
            },
            Values::Binary(vals) => match parse_base64(r) {
                None => Tri::Unknown,
                Some(bytes) => Tri::from_bool(vals.contains(&bytes)),
            },
            Values::Ip(vals) => match r.trim().parse::<IpAddr>() {
                Err(_) => Tri::Unknown,
                Ok(ip) => Tri::from_bool(vals.iter().any(|c| c.contains(ip))),
            },
            Values::Arn(vals) => any(&mut vals.iter().map(|v| match v.matches(r, env) {
                None => unresolved,
                Some(None) => Tri::Unknown,
                Some(Some(b)) => Tri::from_bool(b),
            })),
            Values::Null(_) => Tri::Unknown,
        }
    }
}

fn ordering_holds(base: Base, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match base {
        Base::NumericEquals | Base::DateEquals => o == Equal,
        Base::NumericLessThan | Base::DateLessThan => o == Less,
        Base::NumericLessThanEquals | Base::DateLessThanEquals => o != Greater,
        Base::NumericGreaterThan | Base::DateGreaterThan => o == Greater,
        Base::NumericGreaterThanEquals | Base::DateGreaterThanEquals => o != Less,
        _ => false,
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}
