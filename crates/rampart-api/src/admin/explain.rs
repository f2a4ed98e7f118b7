//! `POST /_rampart/admin/policy/explain`: what the authorizer would decide for a principal,
//! action, resource and context, and which statements decided it — so that a team can test its
//! policies before trusting them.

use std::collections::BTreeMap;
use std::sync::Arc;

use http::StatusCode;
use rampart_iam::Principal;
use rampart_policy::{ContextKeys, NamedPolicy, Outcome, PolicyKind, PolicySet, PolicyType};
use rampart_types::{AccountId, BucketName};
use serde::{Deserialize, Serialize};

use super::AdminError;
use crate::AppState;
use crate::authz::{AuthType, RequestInfo};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainRequest {
    /// An IAM ARN (`arn:aws:iam::<acct>:root`, `…:user/<name>`, `…:role/<name>`) or `*` for an
    /// anonymous caller.
    principal: String,
    action: String,
    resource: String,
    /// Condition keys, each a string or a list of strings; they override the defaults.
    #[serde(default)]
    context: BTreeMap<String, OneOrMany>,
    /// A session policy, as if the principal were a role session created with it.
    #[serde(default)]
    session_policy: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Serialize)]
pub struct Explained {
    decision: &'static str,
    allowed: bool,
    /// What the caller would be told (AWS's AccessDenied wording); absent when allowed.
    message: Option<String>,
    matched: Vec<MatchedOut>,
    /// For an implicit deny: the kind of policy that did not allow.
    missing: Option<&'static str>,
    evaluated: Evaluated,
}

#[derive(Serialize)]
struct MatchedOut {
    policy: String,
    policy_type: &'static str,
    sid: Option<String>,
    effect: &'static str,
}

#[derive(Serialize)]
struct Evaluated {
    identity_policies: Vec<String>,
    resource_policy: Option<String>,
    session_policies: Vec<String>,
}

pub async fn explain(
    state: &AppState,
    caller: &Principal,
    request: ExplainRequest,
) -> Result<Explained, AdminError> {
    let Principal::AccountRoot {
        account: caller_account,
        ..
    } = caller
    else {
        return Err(AdminError::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Only an account's root user may explain decisions.",
        ));
    };
    let administrator = caller_account.id == state.identities.root_account().id;
    let may_see = |account: &AccountId| administrator || *account == caller_account.id;

    let principal = state
        .identities
        .principal_for_arn(&request.principal)
        .map_err(|e| AdminError::bad_request(e.to_string()))?;
    if let Some(account) = principal.account()
        && !may_see(&account.id)
    {
        return Err(AdminError::forbidden());
    }
    if !rampart_policy::is_known_action(&request.action) {
        return Err(AdminError::bad_request(format!(
            "Unknown action {}.",
            request.action
        )));
    }
    let (resource_account, resource_policy) =
        resource_side(state, &request.resource, &principal).await?;
    if let Some(account) = &resource_account
        && !may_see(account)
    {
        return Err(AdminError::forbidden());
    }

    let info = RequestInfo {
        source_ip: None,
        secure_transport: false,
        tls_version: None,
        user_agent: None,
        referer: None,
        now: std::time::SystemTime::now(),
        region: state.config.region.clone(),
        signature_age_ms: None,
        auth_type: if principal.account().is_some() {
            AuthType::Header
        } else {
            AuthType::None
        },
        content_sha256: None,
        mfa_verified: false,
    };
    let mut keys: ContextKeys = info.context_keys(&principal);
    for (key, value) in request.context {
        match value {
            OneOrMany::One(v) => keys.set(&key, v),
            OneOrMany::Many(v) => keys.set_many(&key, v),
        }
    }
    let identity = state.identities.identity_policies(&principal);
    let session = match &request.session_policy {
        Some(text) => Some(vec![NamedPolicy {
            name: "session policy".to_owned(),
            kind: PolicyType::Session,
            policy: Arc::new(
                rampart_policy::Policy::parse(text, PolicyKind::Session)
                    .map_err(|e| AdminError::bad_request(e.message))?,
            ),
        }]),
        None => state.identities.session_policies(&principal),
    };
    let (ctx, decision) = crate::authz::evaluate_for(
        &principal,
        &request.action,
        &request.resource,
        resource_account.as_ref(),
        keys,
        &PolicySet {
            identity: &identity,
            resource: resource_policy.as_deref(),
            session: session.as_deref(),
        },
    );
    Ok(Explained {
        decision: match decision.outcome {
            Outcome::Allow => "Allow",
            Outcome::ExplicitDeny => "ExplicitDeny",
            Outcome::ImplicitDeny => "ImplicitDeny",
        },
        allowed: decision.is_allowed(),
        message: (!decision.is_allowed()).then(|| decision.denial_message(&ctx)),
        matched: decision
            .matched
            .iter()
            .map(|m| MatchedOut {
                policy: m.policy.clone(),
                policy_type: policy_type_name(m.kind),
                sid: m.sid.clone(),
                effect: match m.effect {
                    rampart_policy::Effect::Allow => "Allow",
                    rampart_policy::Effect::Deny => "Deny",
                },
            })
            .collect(),
        missing: decision.missing.map(policy_type_name),
        evaluated: Evaluated {
            identity_policies: identity.iter().map(|p| p.name.clone()).collect(),
            resource_policy: resource_policy.as_ref().map(|p| p.name.clone()),
            session_policies: session
                .unwrap_or_default()
                .iter()
                .map(|p| p.name.clone())
                .collect(),
        },
    })
}

fn policy_type_name(kind: PolicyType) -> &'static str {
    match kind {
        PolicyType::Identity => "identity",
        PolicyType::Resource => "resource",
        PolicyType::Session => "session",
    }
}

/// The owner and the resource policy of the resource an ARN names: a bucket (or an object in
/// it) and its bucket policy; a role and its trust policy; any other IAM resource of an account.
async fn resource_side(
    state: &AppState,
    resource: &str,
    principal: &Principal,
) -> Result<(Option<AccountId>, Option<Arc<NamedPolicy>>), AdminError> {
    if let Some(path) = resource.strip_prefix("arn:aws:s3:::") {
        let bucket = path.split('/').next().unwrap_or("");
        let bucket = BucketName::parse(bucket).map_err(|e| {
            AdminError::bad_request(format!("Bad bucket in resource: {}", e.reason))
        })?;
        let record = state
            .engine
            .bucket(&bucket)
            .await
            .map_err(|e| AdminError::from(crate::error::ApiError::from(e)))?;
        let policy = state
            .bucket_policies
            .applicable(&state.engine, &bucket, &record.owner.account_id, principal)
            .await?;
        return Ok((Some(record.owner.account_id), policy));
    }
    let mut fields = resource.splitn(6, ':');
    let (Some("arn"), Some(_), Some(service), Some(_), Some(account), Some(rest)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        // `*` and other resources without an owner: the caller's own account.
        return Ok((principal.account().map(|a| a.id.clone()), None));
    };
    let account = AccountId::parse(account)
        .ok_or_else(|| AdminError::bad_request("The resource's account is not 12 digits."))?;
    if service == "iam"
        && let Some(role_path) = rest.strip_prefix("role/")
    {
        let name = role_path.rsplit('/').next().unwrap_or(role_path);
        let trust = state.identities.role_trust_policy(&account, name)?;
        return Ok((Some(account), Some(Arc::new(trust))));
    }
    Ok((Some(account), None))
}
