//! Is a bucket policy "public"? The rule Amazon S3 applies for Block Public Access
//! (`BlockPublicPolicy`, `RestrictPublicBuckets`) and for `GetBucketPolicyStatus`.
//!
//! Source: Amazon S3 User Guide, "Blocking public access to your Amazon S3 storage",
//! section "The meaning of 'public'" → "Bucket policies". Quotations below are from it.
//!
//! > "When evaluating a bucket policy, Amazon S3 begins by assuming that the policy is
//! > public. It then evaluates the policy to determine whether it qualifies as
//! > non-public. To be considered non-public, a bucket policy must grant access only to
//! > fixed values (values that don't contain a wildcard or an AWS Identity and Access
//! > Management Policy Variable) for one or more of the following:"
//! > - "An AWS principal, user, role, or service principal (e.g. aws:PrincipalOrgID)"
//! > - "A set of Classless Inter-Domain Routings (CIDRs), using aws:SourceIp."
//! > - "aws:SourceArn", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceOwner",
//! >   "aws:SourceAccount", "s3:x-amz-server-side-encryption-aws-kms-key-id",
//! >   "aws:userid, outside the pattern "AROLEID:*"", "s3:DataAccessPointArn",
//! >   "s3:DataAccessPointAccount"
//!
//! How that reads statement by statement (each rule is restated where it is applied):
//! 1. Only statements with `"Effect": "Allow"` grant access; a Deny never makes a
//!    policy public.
//! 2. An Allow statement grants to fixed principals when its Principal names only
//!    accounts, canonical users, users, roles, sessions or services. It is a *public
//!    grant* when its Principal contains `"*"` / `{"AWS": "*"}`, when it uses
//!    NotPrincipal (everyone except the listed; the parser already rejects NotPrincipal
//!    with Allow, as AWS does, so this only guards), or when it names a `Federated`
//!    identity provider (AWS's first example of a public policy is
//!    `"Principal": {"Federated": "graph.facebook.com"}`).
//! 3. A public grant is still non-public when one of its conditions pins one of the
//!    keys above to fixed values ("You can make these policies non-public by including
//!    any of the condition keys listed previously, using a fixed value."). Conditions
//!    are ANDed, so one such condition is enough; conditions on other keys
//!    (`aws:SecureTransport`, `s3:prefix`, …) restrict nothing.
//! 4. The policy is public when any statement is a public grant left unrestricted
//!    ("This policy qualifies as public because of the third statement").
//!
//! Actions and resources play no part: "Amazon S3 block public access reviews policies
//! for current actions and any potential actions that might be added in the future".

use crate::Effect;
use crate::Policy;
use crate::condition::{Base, Operator, SetQualifier};
use crate::grammar::{PrincipalEntry, Statement, Version};
use crate::json::Json;
use std::net::IpAddr;

/// Condition keys that make a public grant non-public when pinned to fixed values
/// (lowercased, as the compiled policy stores keys). `aws:SourceIp`, `aws:userid` and
/// `s3:DataAccessPointArn` have rules of their own and are handled separately.
const FIXED_VALUE_KEYS: &[&str] = &[
    // "An AWS principal, user, role, or service principal (e.g. aws:PrincipalOrgID)":
    // the doc's example key, and the keys that pin the principal's account or ARN.
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    // "aws:SourceArn", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceOwner",
    // "aws:SourceAccount"
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    // "s3:x-amz-server-side-encryption-aws-kms-key-id"
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    // "s3:DataAccessPointAccount"
    "s3:dataaccesspointaccount",
];

const SOURCE_IP: &str = "aws:sourceip";
const USER_ID: &str = "aws:userid";
const DATA_ACCESS_POINT_ARN: &str = "s3:dataaccesspointarn";

/// "This includes values broader than /8 for IPv4 and /32 for IPv6": a CIDR with a
/// shorter prefix than these is "very broad" and does not restrict.
const MIN_IPV4_PREFIX: u8 = 8;
const MIN_IPV6_PREFIX: u8 = 32;

/// "(excluding RFC1918 private ranges)": 10/8, 172.16/12, 192.168/16.
const RFC1918: &[([u8; 4], u8)] = &[
    ([10, 0, 0, 0], 8),
    ([172, 16, 0, 0], 12),
    ([192, 168, 0, 0], 16),
];

impl Policy {
    /// Is this (bucket) policy public in Amazon S3's sense ("The meaning of 'public'")?
    /// `BlockPublicPolicy` rejects such a policy; `GetBucketPolicyStatus` reports
    /// `IsPublic`; `RestrictPublicBuckets` limits a bucket that has one.
    pub fn is_public(&self) -> bool {
        self.public_statement_indices().next().is_some()
    }

    /// The Sids (`None` for a statement without one) of the statements that make this
    /// policy public, in document order. Empty exactly when [`Policy::is_public`] is false.
    pub fn public_statements(&self) -> Vec<Option<String>> {
        let statements = &self.compiled().statements;
        self.public_statement_indices()
            .map(|i| statements[i].sid.clone())
            .collect()
    }

    fn public_statement_indices(&self) -> impl Iterator<Item = usize> + '_ {
        let compiled = self.compiled();
        let variables = compiled.version == Version::V2012_10_17;
        let raw = raw_statements(self.text());
        compiled
            .statements
            .iter()
            .enumerate()
            .filter(move |(i, st)| {
                // The compiled statements are the document's, in order; should the raw
                // text somehow not line up, treat the statement as unrestricted
                // (fail closed: "begins by assuming that the policy is public").
                let conditions = raw.get(*i).and_then(|s| member(s, "Condition"));
                statement_is_public(st, conditions, variables)
            })
            .map(|(i, _)| i)
    }
}

/// The document's statements as raw JSON, in order (a lone object is one statement).
fn raw_statements(text: &str) -> Vec<Json> {
    let Some(Json::Object(top)) = Json::parse(text) else {
        return Vec::new();
    };
    match top
        .into_iter()
        .find(|(k, _)| k == "Statement")
        .map(|(_, v)| v)
    {
        Some(obj @ Json::Object(_)) => vec![obj],
        Some(Json::Array(list)) => list,
        _ => Vec::new(),
    }
}

fn member<'a>(v: &'a Json, name: &str) -> Option<&'a Json> {
    match v {
        Json::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
        _ => None,
    }
}

fn statement_is_public(st: &Statement, conditions: Option<&Json>, variables: bool) -> bool {
    // Rule 1: only Allow grants access.
    if st.effect != Effect::Allow {
        return false;
    }
    // Rule 2: does the statement grant to the public rather than to fixed principals?
    let Some(principal) = &st.principal else {
        // No Principal (an identity or session policy): grants to no one by itself.
        return false;
    };
    let public_grant = principal.negated
        || principal
            .entries
            .iter()
            .any(|e| matches!(e, PrincipalEntry::Any | PrincipalEntry::Federated(_)));
    if !public_grant {
        return false;
    }
    // Rule 3: unless a condition pins one of the listed keys to fixed values.
    !conditions.is_some_and(|c| restricted_by(c, variables))
}

/// Does any condition in a statement's Condition block pin a listed key to fixed values?
fn restricted_by(conditions: &Json, variables: bool) -> bool {
    let Json::Object(ops) = conditions else {
        return false;
    };
    ops.iter().any(|(op_name, block)| {
        let (Some(op), Json::Object(keys)) = (Operator::parse(op_name), block) else {
            return false;
        };
        keys.iter().any(|(key, values)| {
            let values = texts(values);
            !values.is_empty() && pins(op, &key.to_ascii_lowercase(), &values, variables)
        })
    })
}

/// A condition value (string, or a list of them; numbers and booleans as written).
fn texts(v: &Json) -> Vec<&str> {
    match v {
        Json::String(s) | Json::Number(s) => vec![s.as_str()],
        Json::Bool(true) => vec!["true"],
        Json::Bool(false) => vec!["false"],
        Json::Array(items) => items.iter().flat_map(texts).collect(),
        _ => Vec::new(),
    }
}

/// Does the operator admit only the listed values? Positive operators only: a negated
/// one (`StringNotEquals`, `NotIpAddress`, …) admits everything else; `…IfExists` and
/// `ForAllValues:` are true when the key is absent (e.g. an anonymous request has no
/// `aws:SourceVpc`), so they pin nothing. `ForAnyValue:` needs one request value equal
/// to a listed one, which is as restrictive as the plain operator.
fn positive(op: Operator) -> bool {
    !op.negated && !op.if_exists && op.qualifier != Some(SetQualifier::ForAllValues)
}

/// The operators that compare a key with text or ARN values.
fn text_operator(op: Operator) -> bool {
    matches!(
        op.base,
        Base::StringEquals
            | Base::StringEqualsIgnoreCase
            | Base::StringLike
            | Base::ArnEquals
            | Base::ArnLike
    )
}

/// "fixed values (values that don't contain a wildcard or an AWS Identity and Access
/// Management Policy Variable)". `*` and `?` count as wildcards whatever the operator
/// (fail closed: a `StringEquals` on `vpc-*` is not treated as fixed). `${…}` is a
/// policy variable only in 2012-10-17 documents; `${*}`, `${?}` spell wildcard
/// characters and are not fixed either.
fn fixed(value: &str, variables: bool) -> bool {
    let wildcard = value.contains(['*', '?']);
    let variable = variables && value.contains("${");
    !wildcard && !variable
}

fn pins(op: Operator, key: &str, values: &[&str], variables: bool) -> bool {
    if !positive(op) {
        return false;
    }
    match key {
        // "A set of Classless Inter-Domain Routings (CIDRs), using aws:SourceIp."
        SOURCE_IP => op.base == Base::IpAddress && values.iter().all(|v| narrow_cidr(v)),
        // "aws:userid, outside the pattern "AROLEID:*"": a fixed user id; a role's
        // `AROLEID:*` (every session of the role) is not.
        USER_ID => {
            text_operator(op)
                && values
                    .iter()
                    .all(|v| fixed(v, variables) && !v.ends_with(":*"))
        }
        // "s3:DataAccessPointArn — When used in a bucket policy, this value can contain
        // a wildcard for the access point name without rendering the policy public, as
        // long as the account id is fixed."
        DATA_ACCESS_POINT_ARN => {
            text_operator(op) && values.iter().all(|v| access_point_arn_fixed(v, variables))
        }
        _ if FIXED_VALUE_KEYS.contains(&key) => {
            text_operator(op) && values.iter().all(|v| fixed(v, variables))
        }
        _ => false,
    }
}

/// `arn:<partition>:s3:<region>:<account>:accesspoint/<name>`: every part up to and
/// including `accesspoint/` fixed, the account id present; only the name may hold a
/// wildcard.
fn access_point_arn_fixed(value: &str, variables: bool) -> bool {
    if variables && value.contains("${") {
        return false;
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let Some(name) = resource.strip_prefix("accesspoint/") else {
        return false;
    };
    [arn, partition, service, region, account]
        .iter()
        .all(|p| fixed(p, variables))
        && *arn == "arn"
        && !account.is_empty()
        && !name.is_empty()
}

/// A CIDR (or bare address) that is not "very broad": "Bucket policies that grant
/// access conditioned on the aws:SourceIp condition key with very broad IP ranges (for
/// example, 0.0.0.0/1) are evaluated as "public." This includes values broader than /8
/// for IPv4 and /32 for IPv6 (excluding RFC1918 private ranges)."
///
/// So /8 (IPv4) and /32 (IPv6) still restrict; /7 and /31 do not. A range inside an
/// RFC 1918 block is never "very broad" (every such range is /8 or narrower already,
/// so the exception cannot change the outcome; it is kept as the doc states it).
fn narrow_cidr(value: &str) -> bool {
    let value = value.trim();
    let (addr, prefix) = match value.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (value, None),
    };
    let Ok(addr) = addr.parse::<IpAddr>() else {
        return false;
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return false,
            }
        }
        Some(_) => return false,
    };
    match addr {
        IpAddr::V4(a) => prefix >= MIN_IPV4_PREFIX || in_rfc1918(u32::from(a), prefix),
        IpAddr::V6(_) => prefix >= MIN_IPV6_PREFIX,
    }
}

fn in_rfc1918(addr: u32, prefix: u8) -> bool {
    RFC1918.iter().any(|&(net, len)| {
        let mask = u32::MAX << (32 - len);
        prefix >= len && addr & mask == u32::from_be_bytes(net)
    })
}

#[cfg(test)]
mod tests {
    use super::narrow_cidr;

    #[test]
    fn cidr_breadth() {
        assert!(narrow_cidr("203.0.113.0/24"));
        assert!(narrow_cidr("203.0.113.7"));
        assert!(narrow_cidr("10.0.0.0/8"));
        assert!(narrow_cidr("44.0.0.0/8"));
        assert!(!narrow_cidr("0.0.0.0/1"));
        assert!(!narrow_cidr("0.0.0.0/0"));
        assert!(!narrow_cidr("8.0.0.0/7"));
        assert!(narrow_cidr("2001:db8::/32"));
        assert!(narrow_cidr("2001:db8::1"));
        assert!(!narrow_cidr("2001:db8::/31"));
        assert!(!narrow_cidr("::/0"));
        assert!(!narrow_cidr("not-an-ip"));
        assert!(!narrow_cidr("10.0.0.0/33"));
    }
}
