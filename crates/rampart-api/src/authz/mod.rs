//! The one authorization decision every request passes through before any side effect.
//!
//! A request becomes a `rampart_policy::RequestContext` (principal, action, resource, condition
//! keys) and is evaluated against the caller's identity policies, its session policies and the
//! resource's policy (a bucket policy, a role's trust policy), exactly as AWS evaluates them.

mod bucket_policy;
pub mod kms;
mod s3;
pub mod s3_actions;
pub mod s3_keys;

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use rampart_iam::Principal;
use rampart_policy::{ContextKeys, NamedPolicy, PolicySet, RequestContext};
use rampart_types::AccountId;

use crate::AppState;
use crate::error::{ApiError, S3ErrorCode};

pub use bucket_policy::BucketPolicies;
pub use s3::{S3Access, authorize_s3, authorize_s3_actions};
mod acl;

/// How a request was authenticated, as `s3:authType` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthType {
    Header,
    QueryString,
    Post,
    /// Unsigned: no `s3:authType` key.
    None,
}

impl AuthType {
    fn key_value(self) -> Option<&'static str> {
        match self {
            Self::Header => Some("REST-HEADER"),
            Self::QueryString => Some("REST-QUERY-STRING"),
            Self::Post => Some("POST"),
            Self::None => None,
        }
    }
}

/// What the request's connection and headers tell the global (`aws:`) condition keys.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    pub source_ip: Option<IpAddr>,
    pub secure_transport: bool,
    pub tls_version: Option<&'static str>,
    pub user_agent: Option<String>,
    pub referer: Option<String>,
    pub now: SystemTime,
    pub region: String,
    /// Milliseconds between the request's signing time and its arrival.
    pub signature_age_ms: Option<u64>,
    pub auth_type: AuthType,
    /// The request's `x-amz-content-sha256`.
    pub content_sha256: Option<String>,
    /// The request carried a valid `x-amz-mfa` (S3 MFA Delete's header).
    pub mfa_verified: bool,
}

impl RequestInfo {
    /// The global condition keys of this request made by `principal`.
    pub fn context_keys(&self, principal: &Principal) -> ContextKeys {
        let mut keys = ContextKeys::new();
        if let Some(ip) = self.source_ip {
            keys.set("aws:SourceIp", ip.to_string());
        }
        keys.set("aws:SecureTransport", self.secure_transport.to_string());
        keys.set("aws:CurrentTime", rampart_sigv4::format_iso8601(self.now));
        let epoch = self
            .now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        keys.set("aws:EpochTime", epoch.to_string());
        if let Some(agent) = &self.user_agent {
            keys.set("aws:UserAgent", agent.clone());
        }
        if let Some(referer) = &self.referer {
            keys.set("aws:Referer", referer.clone());
        }
        keys.set("aws:RequestedRegion", self.region.clone());
        if let Some(auth_type) = self.auth_type.key_value() {
            keys.set("s3:authType", auth_type);
            keys.set("s3:signatureversion", "AWS4-HMAC-SHA256");
        }
        if let Some(age) = self.signature_age_ms {
            keys.set("s3:signatureAge", age.to_string());
        }
        if let Some(tls) = self.tls_version {
            keys.set("s3:TlsVersion", tls);
        }
        if let Some(sha) = &self.content_sha256 {
            keys.set("s3:x-amz-content-sha256", sha.clone());
        }
        principal_keys(&mut keys, principal, self.now);
        if self.mfa_verified {
            // The code was checked with this request: MFA is present, and zero seconds old.
            keys.set("aws:MultiFactorAuthPresent", "true");
            keys.set("aws:MultiFactorAuthAge", "0");
        }
        keys
    }
}

/// Keys that describe the caller's credentials: session age and MFA (present only for
/// temporary credentials, as AWS documents), and its tags.
fn principal_keys(keys: &mut ContextKeys, principal: &Principal, now: SystemTime) {
    if let Some(session) = principal.session() {
        keys.set(
            "aws:TokenIssueTime",
            rampart_sigv4::format_iso8601(session.issued_at),
        );
        keys.set(
            "aws:MultiFactorAuthPresent",
            session.mfa_authenticated.to_string(),
        );
        if session.mfa_authenticated {
            let age = now
                .duration_since(session.issued_at)
                .map_or(0, |d| d.as_secs());
            keys.set("aws:MultiFactorAuthAge", age.to_string());
        }
    }
    for tag in principal.tags() {
        keys.set(&format!("aws:PrincipalTag/{}", tag.key), tag.value.clone());
    }
}

/// A denial, worded as AWS words it.
#[derive(Clone, Debug)]
pub struct Denied {
    pub message: String,
    /// No policy denied explicitly: nothing allowed (an ACL may still grant the access).
    pub implicit: bool,
    /// The caller's own identity (and session) policies allowed; only the resource's policy
    /// did not.
    pub identity_allowed: bool,
    /// Which layer, policy and statement decided, for the audit trail.
    pub reason: Box<rampart_audit::Denial>,
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        ApiError::with_message(S3ErrorCode::AccessDenied, denied.message).denied_by(*denied.reason)
    }
}

/// The layer, policy and statement behind a refusal, as the audit trail names them.
pub(crate) fn denial_reason(decision: &rampart_policy::Decision) -> rampart_audit::Denial {
    let layer = |kind: rampart_policy::PolicyType| {
        match kind {
            rampart_policy::PolicyType::Identity => "identity-policy",
            rampart_policy::PolicyType::Resource => "resource-policy",
            rampart_policy::PolicyType::Session => "session-policy",
        }
        .to_owned()
    };
    let deny = decision
        .matched
        .iter()
        .find(|m| m.effect == rampart_policy::Effect::Deny);
    match (decision.outcome, deny) {
        (rampart_policy::Outcome::ExplicitDeny, Some(m)) => rampart_audit::Denial {
            layer: layer(m.kind),
            policy: Some(m.policy.clone()),
            statement: m.sid.clone(),
            kind: "explicit".into(),
        },
        _ => rampart_audit::Denial {
            layer: decision
                .missing
                .map_or_else(|| "identity-policy".to_owned(), layer),
            policy: None,
            statement: None,
            kind: "implicit".into(),
        },
    }
}

/// Decides one action of `principal` on `resource_arn`, owned by `resource_account`, under the
/// caller's identity and session policies and the resource's own policy.
#[allow(clippy::too_many_arguments)]
pub fn authorize_action(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    action: &str,
    resource_arn: &str,
    resource_account: &AccountId,
    extra: ContextKeys,
    resource_policy: Option<&NamedPolicy>,
) -> Result<(), Denied> {
    let mut keys = info.context_keys(principal);
    keys.extend(extra);
    decide(
        state,
        principal,
        action,
        resource_arn,
        Some(resource_account),
        keys,
        resource_policy,
    )
}

/// The request context of `principal` taking `action` on `resource_arn`, and the decision of
/// `policies` on it (shared by the authorizer and `policy explain`).
pub(crate) fn evaluate_for(
    principal: &Principal,
    action: &str,
    resource_arn: &str,
    resource_account: Option<&AccountId>,
    keys: ContextKeys,
    policies: &PolicySet<'_>,
) -> (RequestContext, rampart_policy::Decision) {
    let ctx = RequestContext {
        principal: principal.info(),
        action: action.to_owned(),
        resource: resource_arn.to_owned(),
        resource_account: resource_account.map(|a| a.as_str().to_owned()),
        keys,
    };
    let decision = rampart_policy::evaluate(&ctx, policies);
    (ctx, decision)
}

/// Evaluates one action with fully prepared condition keys.
pub(crate) fn decide(
    state: &AppState,
    principal: &Principal,
    action: &str,
    resource_arn: &str,
    resource_account: Option<&AccountId>,
    keys: ContextKeys,
    resource_policy: Option<&NamedPolicy>,
) -> Result<(), Denied> {
    let identity = state.identities.identity_policies(principal);
    let session = state.identities.session_policies(principal);
    let (ctx, decision) = evaluate_for(
        principal,
        action,
        resource_arn,
        resource_account,
        keys,
        &PolicySet {
            identity: &identity,
            resource: resource_policy,
            session: session.as_deref(),
        },
    );
    if decision.is_allowed() {
        return Ok(());
    }
    tracing::debug!(
        action,
        resource = resource_arn,
        outcome = ?decision.outcome,
        matched = ?decision.matched,
        missing = ?decision.missing,
        "denied"
    );
    let implicit = decision.outcome == rampart_policy::Outcome::ImplicitDeny;
    Err(Denied {
        message: decision.denial_message(&ctx),
        implicit,
        identity_allowed: implicit
            && decision.missing == Some(rampart_policy::PolicyType::Resource),
        reason: Box::new(denial_reason(&decision)),
    })
}

/// Whether deciding `endpoint` needs the object's current tags: the operation is one that
/// AWS evaluates `s3:ExistingObjectTag/<key>` for, and some policy in play names that key.
/// Reading the tags costs a metadata lookup, so it is skipped when no policy could use them.
pub(crate) fn wants_existing_object_tags(
    ctx: &crate::service::RequestCtx,
    endpoint: crate::router::Endpoint,
) -> bool {
    use crate::router::Endpoint as E;
    const KEY: &str = "s3:ExistingObjectTag/";
    if !matches!(
        endpoint,
        E::GetObject
            | E::HeadObject
            | E::GetObjectTagging
            | E::PutObjectTagging
            | E::DeleteObjectTagging
            | E::GetObjectAttributes
    ) {
        return false;
    }
    ctx.bucket_policy
        .as_ref()
        .is_some_and(|p| p.policy.mentions_condition_key(KEY))
        || ctx
            .state
            .identities
            .identity_policies(&ctx.principal)
            .iter()
            .any(|p| p.policy.mentions_condition_key(KEY))
}
