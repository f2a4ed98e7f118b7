//! Matching the Principal and NotPrincipal elements against the requester.

use crate::context::{PrincipalInfo, PrincipalType};
use crate::grammar::{PrincipalBlock, PrincipalEntry};

/// How specifically a resource-policy statement named the requester.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// Not at all.
    None,
    /// Only through its account (account id, root ARN, canonical id): a delegation to
    /// the account, which still has to allow through an identity policy.
    Account,
    /// The principal itself: `*`, its user ARN, its role's ARN, its service name.
    Principal,
    /// The exact session ARN (assumed-role or federated-user): the only naming that is
    /// not limited by the session's policies.
    Session,
}

/// The request's `aws:FederatedProvider`, looked up by the caller.
pub(crate) fn entry_level(
    e: &PrincipalEntry,
    p: &PrincipalInfo,
    federated_provider: Option<&str>,
) -> Level {
    let session_kind = matches!(
        p.kind,
        PrincipalType::AssumedRole | PrincipalType::FederatedUser
    );
    let hit = match e {
        PrincipalEntry::Any => return Level::Principal,
        PrincipalEntry::Account(a) => {
            return if p.account.as_deref() == Some(a.as_str()) {
                Level::Account
            } else {
                Level::None
            };
        }
        PrincipalEntry::CanonicalUser(id) => {
            return if p
                .canonical_id
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(id))
            {
                Level::Account
            } else {
                Level::None
            };
        }
        PrincipalEntry::Session(arn) => {
            return if session_kind && p.arn == *arn {
                Level::Session
            } else {
                Level::None
            };
        }
        PrincipalEntry::User(arn) => p.kind == PrincipalType::User && p.arn == *arn,
        PrincipalEntry::Role(arn) => {
            p.kind == PrincipalType::AssumedRole && p.role_arn.as_deref() == Some(arn.as_str())
        }
        PrincipalEntry::Service(name) => p.kind == PrincipalType::Service && p.arn == *name,
        PrincipalEntry::Federated(provider) => federated_provider == Some(provider.as_str()),
    };
    if hit { Level::Principal } else { Level::None }
}

/// The best level at which a (positive) Principal block names the requester.
pub(crate) fn block_level(
    b: &PrincipalBlock,
    p: &PrincipalInfo,
    federated_provider: Option<&str>,
) -> Level {
    b.entries
        .iter()
        .map(|e| entry_level(e, p, federated_provider))
        .max()
        .unwrap_or(Level::None)
}

/// Is the requester excepted by a NotPrincipal block? AWS checks each identity in the
/// requester's chain (the account, then the user, or the role then the session) and the
/// exception holds only when every one of them is listed ("Key points" of the
/// NotPrincipal page: list the account ARN too, and the role ARN for role sessions).
pub(crate) fn not_principal_excepts(
    b: &PrincipalBlock,
    p: &PrincipalInfo,
    federated_provider: Option<&str>,
) -> bool {
    let listed = |pred: &dyn Fn(&PrincipalEntry) -> bool| {
        b.entries
            .iter()
            .any(|e| *e == PrincipalEntry::Any || pred(e))
    };
    let account_listed = || {
        listed(&|e| match e {
            PrincipalEntry::Account(a) => p.account.as_deref() == Some(a.as_str()),
            PrincipalEntry::CanonicalUser(id) => p
                .canonical_id
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(id)),
            _ => false,
        })
    };
    let self_listed = || listed(&|e| entry_level(e, p, federated_provider) >= Level::Principal);
    match p.kind {
        PrincipalType::Anonymous | PrincipalType::Service => self_listed(),
        PrincipalType::Account => account_listed(),
        PrincipalType::User | PrincipalType::AssumedRole | PrincipalType::FederatedUser => {
            account_listed() && self_listed()
        }
    }
}
