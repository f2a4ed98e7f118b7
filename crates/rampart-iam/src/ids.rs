//! Unique ids and ARNs, formed as AWS forms them.

use rampart_types::AccountId;

/// The ARN prefix of AWS-managed policies.
pub(crate) const AWS_POLICY_ARN_PREFIX: &str = "arn:aws:iam::aws:policy/";

/// The alphabet of AWS unique ids and access key ids (base32: `[A-Z2-7]`).
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The kinds of unique id, by their AWS prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdKind {
    User,
    Group,
    Role,
    Policy,
    /// A long-term access key id.
    AccessKey,
    /// A temporary (STS) access key id.
    SessionKey,
}

impl IdKind {
    fn prefix(self) -> &'static str {
        match self {
            Self::User => "AIDA",
            Self::Group => "AGPA",
            Self::Role => "AROA",
            Self::Policy => "ANPA",
            Self::AccessKey => "AKIA",
            Self::SessionKey => "ASIA",
        }
    }

    /// Characters after the prefix: access key ids are 20 characters, unique ids 21, as AWS's.
    fn tail_len(self) -> usize {
        match self {
            Self::AccessKey | Self::SessionKey => 16,
            _ => 17,
        }
    }
}

/// A new random id of `kind`: its prefix, then `[A-Z2-7]` characters.
pub(crate) fn generate(kind: IdKind) -> String {
    let mut raw = [0u8; 17];
    let raw = &mut raw[..kind.tail_len()];
    getrandom::fill(raw).expect("the operating system's random source failed");
    let mut id = String::with_capacity(4 + raw.len());
    id.push_str(kind.prefix());
    id.extend(
        raw.iter()
            .map(|b| char::from(ALPHABET[usize::from(b % 32)])),
    );
    id
}

pub(crate) fn root_arn(account: &AccountId) -> String {
    format!("arn:aws:iam::{account}:root")
}

/// `arn:aws:iam::<account>:<kind><path><name>`, e.g. `user/division/alice`.
pub(crate) fn iam_arn(account: &AccountId, kind: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:{kind}{path}{name}")
}

pub(crate) fn assumed_role_arn(account: &AccountId, role: &str, session: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role}/{session}")
}

/// Where a managed policy ARN points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PolicyArn<'a> {
    Aws { name: &'a str },
    Local { account: &'a str, name: &'a str },
}

/// Splits `arn:aws:iam::<account|aws>:policy<path><name>`.
pub(crate) fn parse_policy_arn(arn: &str) -> Option<PolicyArn<'_>> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("policy")?;
    if !path_and_name.starts_with('/') {
        return None;
    }
    let name = &path_and_name[path_and_name.rfind('/')? + 1..];
    if name.is_empty() {
        return None;
    }
    if account == "aws" {
        Some(PolicyArn::Aws { name })
    } else if AccountId::parse(account).is_some() {
        Some(PolicyArn::Local { account, name })
    } else {
        None
    }
}

/// `v<n>` → n.
pub(crate) fn parse_version_id(id: &str) -> Option<u32> {
    let digits = id.strip_prefix('v')?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

pub(crate) fn version_id(n: u32) -> String {
    format!("v{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_aws_shapes() {
        for (kind, prefix, len) in [
            (IdKind::User, "AIDA", 21),
            (IdKind::Group, "AGPA", 21),
            (IdKind::Role, "AROA", 21),
            (IdKind::Policy, "ANPA", 21),
            (IdKind::AccessKey, "AKIA", 20),
            (IdKind::SessionKey, "ASIA", 20),
        ] {
            let id = generate(kind);
            assert!(id.starts_with(prefix), "{id}");
            assert_eq!(id.len(), len, "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            );
            assert_ne!(generate(kind), id);
        }
    }

    #[test]
    fn arns() {
        let acct = AccountId::parse("111122223333").unwrap();
        assert_eq!(root_arn(&acct), "arn:aws:iam::111122223333:root");
        assert_eq!(
            iam_arn(&acct, "user", "/division/", "alice"),
            "arn:aws:iam::111122223333:user/division/alice"
        );
        assert_eq!(
            assumed_role_arn(&acct, "R", "s"),
            "arn:aws:sts::111122223333:assumed-role/R/s"
        );
    }

    #[test]
    fn policy_arns() {
        assert_eq!(
            parse_policy_arn("arn:aws:iam::aws:policy/AdministratorAccess"),
            Some(PolicyArn::Aws {
                name: "AdministratorAccess"
            })
        );
        assert_eq!(
            parse_policy_arn("arn:aws:iam::111122223333:policy/a/b/P"),
            Some(PolicyArn::Local {
                account: "111122223333",
                name: "P"
            })
        );
        for bad in [
            "arn:aws:iam::111122223333:policyP",
            "arn:aws:iam::111122223333:policy/",
            "arn:aws:iam::1111:policy/P",
            "arn:aws:iam::111122223333:user/P",
            "arn:aws:s3:::b",
            "",
        ] {
            assert_eq!(parse_policy_arn(bad), None, "{bad}");
        }
        assert_eq!(parse_version_id("v12"), Some(12));
        assert_eq!(parse_version_id("v0"), None);
        assert_eq!(parse_version_id("v01"), None);
        assert_eq!(parse_version_id("12"), None);
        assert_eq!(version_id(3), "v3");
    }
}
