//! Authorization of KMS operations, as AWS KMS decides them.
//!
//! Operations on no particular key (CreateKey, ListKeys, ListAliases) and the alias half of
//! alias operations are decided by IAM policies alone. An operation on a key is decided by
//! `rampart_policy::evaluate_key_policy`: nothing may deny explicitly, and either the key
//! policy allows the caller itself, or it allows the caller's account (the root statement)
//! and the caller's identity policies allow too.

use std::sync::Arc;

use rampart_iam::Principal;
use rampart_kms::{EncryptionContext, Key};
use rampart_policy::{ContextKeys, NamedPolicy, Policy, PolicyKind, PolicySet, PolicyType};

use super::{Denied, RequestInfo, decide, evaluate_for};
use crate::AppState;

/// The KMS condition keys of a request on a key: `kms:CallerAccount`, and the encryption
/// context (`kms:EncryptionContext:<key>`, `kms:EncryptionContextKeys`) when it has one.
pub fn kms_context_keys(principal: &Principal, context: Option<&EncryptionContext>) -> ContextKeys {
    let mut keys = ContextKeys::new();
    if let Some(account) = principal.account() {
        keys.set("kms:CallerAccount", account.id.as_str());
    }
    if let Some(context) = context {
        for (k, v) in context {
            keys.set(&format!("kms:EncryptionContext:{k}"), v.clone());
        }
        if !context.is_empty() {
            keys.set_many(
                "kms:EncryptionContextKeys",
                context.keys().cloned().collect(),
            );
        }
    }
    keys
}

/// Decides `action` (e.g. `kms:CreateKey`) on `resource` (`*`, or an alias ARN) by the
/// caller's identity and session policies alone.
pub fn authorize_kms_iam(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    action: &str,
    resource: &str,
) -> Result<(), Denied> {
    let mut keys = info.context_keys(principal);
    keys.extend(kms_context_keys(principal, None));
    let account = principal.account().map(|a| a.id.clone());
    decide(
        state,
        principal,
        action,
        resource,
        account.as_ref(),
        keys,
        None,
    )
}

/// Decides `action` on `key` under its key policy `policy` (pass the key's own policy, or
/// a proposed one for the lockout check) and the caller's identity and session policies.
/// `extra` adds request-specific keys (encryption context, `kms:ViaService`).
pub fn authorize_key_with_policy(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    action: &str,
    key: &Key,
    policy: &str,
    extra: ContextKeys,
) -> Result<(), Denied> {
    let key_policy = match Policy::parse(policy, PolicyKind::Resource) {
        Ok(p) => NamedPolicy {
            name: format!("key policy of {}", key.arn),
            kind: PolicyType::Resource,
            policy: Arc::new(p),
        },
        Err(e) => {
            // A stored policy always parsed when it was written; fail closed if not.
            tracing::error!(key = %key.arn, error = %e, "stored key policy does not parse");
            return Err(Denied {
                message: format!(
                    "User: {} is not authorized to perform: {action} on resource: {}",
                    principal.arn(),
                    key.arn
                ),
                implicit: false,
                identity_allowed: false,
                reason: Box::new(rampart_audit::Denial {
                    layer: "key-policy".into(),
                    policy: Some(format!("key policy of {}", key.arn)),
                    statement: None,
                    kind: "explicit".into(),
                }),
            });
        }
    };
    let mut keys = info.context_keys(principal);
    keys.extend(kms_context_keys(principal, None));
    keys.extend(extra);
    let identity = state.identities.identity_policies(principal);
    let session = state.identities.session_policies(principal);
    let (ctx, _) = evaluate_for(
        principal,
        action,
        &key.arn,
        Some(&key.account),
        ContextKeys::new(),
        &PolicySet::default(),
    );
    let ctx = rampart_policy::RequestContext { keys, ..ctx };
    let decision = rampart_policy::evaluate_key_policy(
        &ctx,
        &PolicySet {
            identity: &identity,
            resource: Some(&key_policy),
            session: session.as_deref(),
        },
    );
    if decision.is_allowed() {
        return Ok(());
    }
    tracing::debug!(
        action,
        key = %key.arn,
        outcome = ?decision.outcome,
        matched = ?decision.matched,
        "KMS request denied"
    );
    let implicit = decision.outcome == rampart_policy::Outcome::ImplicitDeny;
    let mut reason = super::denial_reason(&decision);
    if reason.layer == "resource-policy" {
        reason.layer = "key-policy".into();
    }
    Err(Denied {
        message: decision.denial_message(&ctx),
        implicit,
        identity_allowed: implicit
            && decision.missing == Some(rampart_policy::PolicyType::Resource),
        reason: Box::new(reason),
    })
}

/// Decides `action` on `key` under its own key policy.
pub fn authorize_key(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    action: &str,
    key: &Key,
    extra: ContextKeys,
) -> Result<(), Denied> {
    authorize_key_with_policy(state, principal, info, action, key, &key.policy, extra)
}
