//! From JSON text to the compiled form, validating every element the way IAM and S3 do
//! and rejecting with their messages (IAM `MalformedPolicyDocument`, S3 `MalformedPolicy`).

use crate::catalog;
use crate::condition::{Condition, Operator, Values};
use crate::grammar::{
    ActionBlock, Compiled, PrincipalBlock, PrincipalEntry, ResourceBlock, Statement, Version,
};
use crate::json::Json;
use crate::matching::Glob;
use crate::variables::{PatternValue, valid_key_name};
use crate::{Effect, PolicyError, PolicyKind};

pub(crate) const SYNTAX: &str = "Syntax errors in policy.";
pub(crate) const NO_PRINCIPAL_ALLOWED: &str = "Policy document should not specify a principal.";
pub(crate) const INVALID_ACTION: &str = "Policy has invalid action";
pub(crate) const INVALID_RESOURCE: &str = "Policy has invalid resource";
pub(crate) const INVALID_CONDITION_KEY: &str = "Policy has an invalid condition key";
pub(crate) const INVALID_VERSION: &str = "The policy must contain a valid version string";
pub(crate) const MISSING_ACTIONS: &str = "Policy statement must contain actions.";
pub(crate) const MISSING_RESOURCES: &str = "Policy statement must contain resources.";
pub(crate) const SID_NOT_ALPHANUMERIC: &str = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*";
pub(crate) const SID_NOT_UNIQUE: &str = "Statement IDs (SID) in a single policy must be unique.";

fn err(message: impl Into<String>) -> PolicyError {
    PolicyError {
        message: message.into(),
    }
}

pub(crate) fn parse(text: &str, kind: PolicyKind) -> Result<Compiled, PolicyError> {
    let Some(Json::Object(top)) = Json::parse(text) else {
        return Err(err(SYNTAX));
    };
    let mut version = None;
    let mut statement = None;
    for (name, value) in &top {
        match name.as_str() {
            "Version" => {
                version = Some(match value {
                    Json::String(v) if v == "2012-10-17" => Version::V2012_10_17,
                    Json::String(v) if v == "2008-10-17" => Version::V2008_10_17,
                    _ => return Err(err(INVALID_VERSION)),
                })
            }
            "Id" => {
                if !matches!(value, Json::String(_)) {
                    return Err(err(SYNTAX));
                }
            }
            "Statement" => statement = Some(value),
            other => return Err(err(format!("Unknown field {other}"))),
        }
    }
    // No Version: the 2008-10-17 language, where `${…}` is literal text.
    let version = version.unwrap_or(Version::V2008_10_17);
    let statements = match statement {
        None => return Err(err("Missing required field Statement")),
        Some(obj @ Json::Object(_)) => std::slice::from_ref(obj),
        Some(Json::Array(list)) if !list.is_empty() => list.as_slice(),
        Some(_) => return Err(err(SYNTAX)),
    };
    let mut out = Vec::with_capacity(statements.len());
    for s in statements {
        out.push(parse_statement(s, kind, version)?);
    }
    let mut sids: Vec<&str> = out
        .iter()
        .filter_map(|s| s.sid.as_deref())
        .filter(|s| !s.is_empty())
        .collect();
    sids.sort_unstable();
    if sids.windows(2).any(|w| w[0] == w[1]) {
        return Err(err(SID_NOT_UNIQUE));
    }
    Ok(Compiled {
        version,
        statements: out,
    })
}

/// A string or a non-empty list of strings.
fn strings(v: &Json) -> Result<Vec<&str>, PolicyError> {
    match v {
        Json::String(s) => Ok(vec![s.as_str()]),
        Json::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| match i {
                Json::String(s) => Ok(s.as_str()),
                _ => Err(err(SYNTAX)),
            })
            .collect(),
        _ => Err(err(SYNTAX)),
    }
}

fn is_iam_kind(kind: PolicyKind) -> bool {
    !matches!(kind, PolicyKind::Resource)
}

fn parse_statement(v: &Json, kind: PolicyKind, version: Version) -> Result<Statement, PolicyError> {
    let Json::Object(members) = v else {
        return Err(err(SYNTAX));
    };
    let (mut sid, mut effect, mut principal, mut not_principal) = (None, None, None, None);
    let (mut action, mut not_action, mut resource, mut not_resource) = (None, None, None, None);
    let mut condition = None;
    for (name, value) in members {
        let slot = match name.as_str() {
            "Sid" => &mut sid,
            "Effect" => &mut effect,
            "Principal" => &mut principal,
            "NotPrincipal" => &mut not_principal,
            "Action" => &mut action,
            "NotAction" => &mut not_action,
            "Resource" => &mut resource,
            "NotResource" => &mut not_resource,
            "Condition" => &mut condition,
            other => return Err(err(format!("Unknown field {other}"))),
        };
        *slot = Some(value);
    }

    let sid = match sid {
        None => None,
        Some(Json::String(s)) => {
            if is_iam_kind(kind) && !s.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(err(SID_NOT_ALPHANUMERIC));
            }
            Some(s.clone())
        }
        Some(_) => return Err(err(SYNTAX)),
    };

    let effect = match effect {
        None => return Err(err("Missing required field Effect")),
        Some(Json::String(e)) if e == "Allow" => Effect::Allow,
        Some(Json::String(e)) if e == "Deny" => Effect::Deny,
        Some(Json::String(e)) => return Err(err(format!("Invalid effect: {e}"))),
        Some(_) => return Err(err(SYNTAX)),
    };

    let principal = match (principal, not_principal) {
        (Some(_), Some(_)) => return Err(err(SYNTAX)),
        (None, None) => match kind {
            PolicyKind::Resource | PolicyKind::Trust => {
                return Err(err("Missing required field Principal"));
            }
            PolicyKind::Identity | PolicyKind::Session => None,
        },
        (p, np) => {
            if matches!(kind, PolicyKind::Identity | PolicyKind::Session) {
                return Err(err(NO_PRINCIPAL_ALLOWED));
            }
            let negated = np.is_some();
            // NotPrincipal must be used with Deny, and not in role trust policies.
            if negated && (effect == Effect::Allow || kind == PolicyKind::Trust) {
                return Err(err(SYNTAX));
            }
            let value = p.or(np).unwrap_or(&Json::Null);
            Some(PrincipalBlock {
                negated,
                entries: parse_principal(value, kind)?,
            })
        }
    };

    let action = match (action, not_action) {
        (Some(_), Some(_)) => return Err(err(SYNTAX)),
        (None, None) => return Err(err(MISSING_ACTIONS)),
        (Some(a), None) => parse_actions(a, false, kind)?,
        (None, Some(a)) => parse_actions(a, true, kind)?,
    };

    let resource = match (resource, not_resource) {
        (Some(_), Some(_)) => return Err(err(SYNTAX)),
        (None, None) if kind == PolicyKind::Trust => None,
        (None, None) => return Err(err(MISSING_RESOURCES)),
        (Some(_), None) | (None, Some(_)) if kind == PolicyKind::Trust => {
            return Err(err(if resource.is_some() {
                "Has prohibited field Resource"
            } else {
                "Has prohibited field NotResource"
            }));
        }
        (Some(r), None) => Some(parse_resources(r, false, version)?),
        (None, Some(r)) => Some(parse_resources(r, true, version)?),
    };

    let conditions = match condition {
        None => Vec::new(),
        Some(c) => parse_conditions(c, version)?,
    };

    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn parse_actions(v: &Json, negated: bool, kind: PolicyKind) -> Result<ActionBlock, PolicyError> {
    let mut patterns = Vec::new();
    for a in strings(v)? {
        patterns.push(compile_action(a, negated, kind).ok_or_else(|| err(INVALID_ACTION))?);
    }
    Ok(ActionBlock { negated, patterns })
}

/// `*`, or `service:Name` with `*`/`?` allowed in the name; the service must be in the
/// catalog and the pattern must match at least one catalog action.
fn compile_action(a: &str, negated: bool, kind: PolicyKind) -> Option<Glob> {
    let lower = a.to_ascii_lowercase();
    if lower != "*" {
        let (service, name) = lower.split_once(':')?;
        if !catalog::is_known_service(service)
            || name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
        {
            return None;
        }
    }
    let glob = Glob::new(&lower);
    if !catalog::any_action_matches(&glob) {
        return None;
    }
    // A trust policy grants only the role-assumption actions.
    if kind == PolicyKind::Trust && !negated && !catalog::matches_trust_action(&glob) {
        return None;
    }
    Some(glob)
}

fn parse_resources(
    v: &Json,
    negated: bool,
    version: Version,
) -> Result<ResourceBlock, PolicyError> {
    let variables = version == Version::V2012_10_17;
    let mut patterns = Vec::new();
    let mut raw = Vec::new();
    for r in strings(v)? {
        if r != "*" && !well_formed_arn(r, variables) {
            return Err(err(INVALID_RESOURCE));
        }
        patterns.push(PatternValue::compile(r, variables).map_err(|_| err(INVALID_RESOURCE))?);
        raw.push(r.to_owned());
    }
    Ok(ResourceBlock {
        negated,
        patterns,
        raw,
    })
}

/// `arn:partition:service:region:account:resource`, wildcards allowed; policy variables
/// (which contain colons themselves) are masked before the components are counted.
fn well_formed_arn(r: &str, variables: bool) -> bool {
    let masked;
    let text = if variables && r.contains("${") {
        let mut m = String::with_capacity(r.len());
        let mut rest = r;
        while let Some(i) = rest.find("${") {
            m.push_str(&rest[..i]);
            let Some(j) = rest[i..].find('}') else {
                return false;
            };
            m.push('v');
            rest = &rest[i + j + 1..];
        }
        m.push_str(rest);
        masked = m;
        masked.as_str()
    } else {
        r
    };
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
        && !text.chars().any(char::is_whitespace)
}

fn parse_principal(v: &Json, kind: PolicyKind) -> Result<Vec<PrincipalEntry>, PolicyError> {
    let invalid = |ty: &str, value: &str| {
        if kind == PolicyKind::Trust {
            err(format!("Invalid principal in policy: \"{ty}\":\"{value}\""))
        } else {
            err("Invalid principal in policy")
        }
    };
    match v {
        Json::String(s) if s == "*" => Ok(vec![PrincipalEntry::Any]),
        Json::String(s) => Err(invalid("AWS", s)),
        Json::Object(members) if !members.is_empty() => {
            let mut entries = Vec::new();
            for (ty, value) in members {
                for s in strings(value)? {
                    let entry = match ty.as_str() {
                        "AWS" => aws_principal(s),
                        "CanonicalUser" => (s.len() == 64
                            && s.bytes().all(|b| b.is_ascii_hexdigit()))
                        .then(|| PrincipalEntry::CanonicalUser(s.to_ascii_lowercase())),
                        "Service" => (!s.is_empty()
                            && s.len() <= 256
                            && s.chars()
                                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')))
                        .then(|| PrincipalEntry::Service(s.to_owned())),
                        "Federated" => (!s.is_empty()
                            && s.len() <= 2048
                            && !s.chars().any(|c| c == '*' || c == '?' || c.is_whitespace()))
                        .then(|| PrincipalEntry::Federated(s.to_owned())),
                        _ => None,
                    };
                    entries.push(entry.ok_or_else(|| invalid(ty, s))?);
                }
            }
            Ok(entries)
        }
        _ => Err(err(SYNTAX)),
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An `"AWS"` principal: `*`, an account id, or a root / user / role / session ARN.
fn aws_principal(s: &str) -> Option<PrincipalEntry> {
    if s == "*" {
        return Some(PrincipalEntry::Any);
    }
    if is_account_id(s) {
        return Some(PrincipalEntry::Account(s.to_owned()));
    }
    if s.contains(['*', '?']) || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    if *arn != "arn"
        || partition.is_empty()
        || !partition
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-')
        || !region.is_empty()
        || !is_account_id(account)
    {
        return None;
    }
    let path_and_name = |rest: &str| {
        let name = rest.rsplit('/').next().unwrap_or("");
        !name.is_empty() && !rest.starts_with('/') && !rest.contains("//")
    };
    match (*service, *resource) {
        ("iam", "root") => Some(PrincipalEntry::Account((*account).to_owned())),
        ("iam", r) if r.strip_prefix("user/").is_some_and(path_and_name) => {
            Some(PrincipalEntry::User(s.to_owned()))
        }
        ("iam", r) if r.strip_prefix("role/").is_some_and(path_and_name) => {
            Some(PrincipalEntry::Role(s.to_owned()))
        }
        ("sts", r) => {
            if let Some(rest) = r.strip_prefix("assumed-role/") {
                let (role, session) = rest.split_once('/')?;
                (!role.is_empty() && !session.is_empty() && !session.contains('/'))
                    .then(|| PrincipalEntry::Session(s.to_owned()))
            } else if let Some(name) = r.strip_prefix("federated-user/") {
                (!name.is_empty() && !name.contains('/'))
                    .then(|| PrincipalEntry::Session(s.to_owned()))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn scalar_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.clone()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_conditions(v: &Json, version: Version) -> Result<Vec<Condition>, PolicyError> {
    let Json::Object(ops) = v else {
        return Err(err(SYNTAX));
    };
    let variables = version == Version::V2012_10_17;
    let mut out = Vec::new();
    for (op_name, block) in ops {
        let op = Operator::parse(op_name)
            .ok_or_else(|| err(format!("Invalid Condition type : {op_name}")))?;
        let Json::Object(keys) = block else {
            return Err(err(SYNTAX));
        };
        let mut seen: Vec<String> = Vec::with_capacity(keys.len());
        for (key, value) in keys {
            if !valid_key_name(key) {
                return Err(err(INVALID_CONDITION_KEY));
            }
            let key = key.to_ascii_lowercase();
            if seen.contains(&key) {
                return Err(err(SYNTAX));
            }
            let raw: Vec<String> = match value {
                Json::Array(items) if !items.is_empty() => items
                    .iter()
                    .map(scalar_text)
                    .collect::<Option<_>>()
                    .ok_or_else(|| err(SYNTAX))?,
                Json::Array(_) => return Err(err(SYNTAX)),
                other => vec![scalar_text(other).ok_or_else(|| err(SYNTAX))?],
            };
            let values = Values::compile(op.base, &raw, variables).map_err(|_| err(SYNTAX))?;
            seen.push(key.clone());
            out.push(Condition { op, key, values });
        }
    }
    Ok(out)
}
