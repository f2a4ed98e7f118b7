//! Shared builders for the table-driven tests.
#![allow(dead_code)]

use rampart_policy::*;

pub mod cases;
pub mod cond;
use std::sync::Arc;

pub const ACCT: &str = "111122223333";
pub const OTHER: &str = "444455556666";

pub fn user(account: &str, name: &str) -> PrincipalInfo {
    PrincipalInfo {
        kind: PrincipalType::User,
        arn: format!("arn:aws:iam::{account}:user/{name}"),
        account: Some(account.into()),
        canonical_id: Some(canonical(account)),
        role_arn: None,
        user_id: Some(format!("AIDA{}", name.to_uppercase())),
        username: Some(name.into()),
    }
}

pub fn root(account: &str) -> PrincipalInfo {
    PrincipalInfo {
        kind: PrincipalType::Account,
        arn: format!("arn:aws:iam::{account}:root"),
        account: Some(account.into()),
        canonical_id: Some(canonical(account)),
        role_arn: None,
        user_id: None,
        username: None,
    }
}

pub fn session(account: &str, role: &str, session: &str) -> PrincipalInfo {
    PrincipalInfo {
        kind: PrincipalType::AssumedRole,
        arn: format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
        account: Some(account.into()),
        canonical_id: Some(canonical(account)),
        role_arn: Some(format!("arn:aws:iam::{account}:role/{role}")),
        user_id: Some(format!("AROA{}:{session}", role.to_uppercase())),
        username: None,
    }
}

pub fn federated(account: &str, name: &str) -> PrincipalInfo {
    PrincipalInfo {
        kind: PrincipalType::FederatedUser,
        arn: format!("arn:aws:sts::{account}:federated-user/{name}"),
        account: Some(account.into()),
        canonical_id: Some(canonical(account)),
        role_arn: None,
        user_id: Some(format!("{account}:{name}")),
        username: None,
    }
}

pub fn service(name: &str) -> PrincipalInfo {
    PrincipalInfo {
        kind: PrincipalType::Service,
        arn: name.into(),
        account: None,
        canonical_id: None,
        role_arn: None,
        user_id: None,
        username: None,
    }
}

pub fn anon() -> PrincipalInfo {
    PrincipalInfo::anonymous()
}

/// A deterministic 64-hex canonical id per account.
pub fn canonical(account: &str) -> String {
    format!("{:0>64}", account)
}

pub fn ctx(
    principal: PrincipalInfo,
    action: &str,
    resource: &str,
    resource_account: Option<&str>,
) -> RequestContext {
    RequestContext {
        principal,
        action: action.into(),
        resource: resource.into(),
        resource_account: resource_account.map(Into::into),
        keys: ContextKeys::new(),
    }
}

pub fn named(name: &str, json: &str, kind: PolicyKind, ty: PolicyType) -> NamedPolicy {
    let policy = Policy::parse(json, kind).unwrap_or_else(|e| panic!("{name}: {e}\n{json}"));
    NamedPolicy {
        name: name.into(),
        kind: ty,
        policy: Arc::new(policy),
    }
}

pub fn identity(json: &str) -> NamedPolicy {
    named("identity", json, PolicyKind::Identity, PolicyType::Identity)
}

pub fn bucket(json: &str) -> NamedPolicy {
    named(
        "bucket policy of b",
        json,
        PolicyKind::Resource,
        PolicyType::Resource,
    )
}

pub fn trust(json: &str) -> NamedPolicy {
    named(
        "trust policy of role R",
        json,
        PolicyKind::Trust,
        PolicyType::Resource,
    )
}

pub fn session_policy(json: &str) -> NamedPolicy {
    named(
        "session policy",
        json,
        PolicyKind::Session,
        PolicyType::Session,
    )
}

/// A one-statement identity policy.
pub fn stmt(effect: &str, action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

/// A one-statement resource policy with a principal (JSON value).
pub fn rstmt(effect: &str, principal: &str, action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Principal":{principal},"Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

pub fn eval(
    c: &RequestContext,
    identity: &[NamedPolicy],
    resource: Option<&NamedPolicy>,
    session: Option<&[NamedPolicy]>,
) -> Decision {
    evaluate(
        c,
        &PolicySet {
            identity,
            resource,
            session,
        },
    )
}
