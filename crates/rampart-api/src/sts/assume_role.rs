//! AssumeRole: temporary credentials for a role whose trust policy lets the caller in.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rampart_iam::{NewSession, NewSessionKind, Principal, Role};
use rampart_policy::{
    ContextKeys, NamedPolicy, Policy, PolicyKind, PolicySet, PolicyType, RequestContext, limits,
};
use rampart_types::AccountId;

use super::{Outcome, write_credentials};
use crate::AppState;
use crate::authz::{RequestInfo, authorize_action};
use crate::query_api::{Params, QueryApiError, QueryErrorCode, XmlWriter};

/// AssumeRole's `DurationSeconds` bounds and default; role chaining is limited to an hour.
const MAX_DURATION: i64 = 43_200;
const DEFAULT_DURATION: u64 = 3600;
const CHAINED_MAX: u64 = 3600;

/// Parameters of AssumeRole this server does not support; refused rather than ignored.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "Tags",
        "Session tags (Tags) are not supported by this server.",
    ),
    (
        "TransitiveTagKeys",
        "Session tags (TransitiveTagKeys) are not supported by this server.",
    ),
    (
        "SourceIdentity",
        "SourceIdentity is not supported by this server.",
    ),
    (
        "ProvidedContexts",
        "ProvidedContexts is not supported by this server.",
    ),
];

pub async fn assume_role(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    params: &Params,
) -> Outcome {
    if matches!(principal, Principal::AccountRoot { .. }) {
        return Err(QueryApiError::access_denied(
            "Roles may not be assumed by root accounts.",
        ));
    }
    let role_arn = params.required("RoleArn")?;
    let session_name = params.required("RoleSessionName")?;
    check_session_name(session_name)?;
    let external_id = params.get("ExternalId");
    if let Some(id) = external_id {
        check_external_id(id)?;
    }
    let policy_arns = params.policy_arns();
    if !policy_arns.is_empty() || params.has_prefix("PolicyArns.") {
        return Err(QueryApiError::validation(format!(
            "Managed session policies (PolicyArns: {}) are not supported by this server; pass the policy document as Policy instead.",
            policy_arns.join(", ")
        )));
    }
    for (name, message) in UNSUPPORTED {
        if params.get(name).is_some() || params.has_prefix(&format!("{name}.")) {
            return Err(QueryApiError::validation(*message));
        }
    }
    let requested = params
        .int(
            "DurationSeconds",
            i64::try_from(state.identities.min_session_duration_secs()).unwrap_or(900),
            MAX_DURATION,
        )?
        .map(|s| s as u64);
    let session_policy = params.get("Policy");
    let packed_size = session_policy.map(packed_policy_size).transpose()?;

    // An unknown role is answered like a refused one: the caller learns nothing about which
    // roles exist in another account.
    let not_authorized = || {
        QueryApiError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            principal.arn()
        ))
    };
    let mfa_authenticated = super::verify_mfa(state, principal, params).await?;
    let (role_account, role_name) = parse_role_arn(role_arn).ok_or_else(not_authorized)?;
    let role = state
        .identities
        .get_role(&role_account, role_name)
        .ok()
        .filter(|role| role.arn.eq_ignore_ascii_case(role_arn))
        .ok_or_else(not_authorized)?;
    let trust = state
        .identities
        .role_trust_policy(&role_account, role_name)
        .map_err(|_| not_authorized())?;
    let keys = || {
        let mut keys = ContextKeys::new();
        keys.set("sts:RoleSessionName", session_name);
        if let Some(id) = external_id {
            keys.set("sts:ExternalId", id);
        }
        if mfa_authenticated {
            // The code was verified by this request: MFA is present, and zero seconds old.
            keys.set("aws:MultiFactorAuthPresent", "true");
            keys.set("aws:MultiFactorAuthAge", "0");
        }
        keys
    };
    authorize_action(
        state,
        principal,
        info,
        "sts:AssumeRole",
        &role.arn,
        &role_account,
        keys(),
        Some(&trust),
    )
    .map_err(|denied| QueryApiError::denied(&denied.message, &role.arn))?;
    let mut trust_keys = info.context_keys(principal);
    for (key, values) in keys().iter() {
        trust_keys.set_many(key, values.to_vec());
    }
    if !trust_admits(principal, &trust, &role.arn, trust_keys) {
        return Err(not_authorized());
    }
    let duration = session_duration(principal, &role, requested)?;
    if let Some(policy) = session_policy {
        // Checked after authorization so that a refused caller learns nothing from it.
        Policy::parse(policy, PolicyKind::Session)
            .map_err(|e| QueryApiError::new(QueryErrorCode::MalformedPolicyDocument, e.message))?;
    }

    let credentials = state
        .identities
        .create_session(NewSession {
            account: role_account,
            kind: NewSessionKind::AssumedRole {
                role_name: role.name.clone(),
                session_name: session_name.to_owned(),
                session_policy: session_policy.map(str::to_owned),
            },
            duration: Duration::from_secs(duration),
            mfa_authenticated,
        })
        .await?;
    let mut w = XmlWriter::new();
    w.element("AssumedRoleUser", |w| {
        w.text(
            "AssumedRoleId",
            credentials.assumed_role_id.as_deref().unwrap_or_default(),
        );
        w.text("Arn", &credentials.arn);
    });
    write_credentials(&mut w, &credentials);
    if let Some(size) = packed_size {
        w.number("PackedPolicySize", size);
    }
    Ok(Some(w))
}

/// Whether the role's trust policy admits the caller. AWS lets no one into a role its trust
/// policy does not admit: even in the role's own account an identity policy allowing
/// `sts:AssumeRole` is not enough ("Granting a user permissions to switch roles"), whereas
/// the authorizer treats a trust policy like any resource policy, where within an account
/// either side may allow. So the trust policy is also asked on its own: evaluated for an
/// owner the caller does not share, with the caller's own side granted, the answer is Allow
/// exactly when a trust statement admits the caller (by its ARN or its account) and none
/// denies it.
fn trust_admits(
    principal: &Principal,
    trust: &NamedPolicy,
    role_arn: &str,
    keys: ContextKeys,
) -> bool {
    static CALLER_SIDE: OnceLock<Option<NamedPolicy>> = OnceLock::new();
    let Some(caller_side) = CALLER_SIDE.get_or_init(|| {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;
        Policy::parse(text, PolicyKind::Identity)
            .ok()
            .map(|policy| NamedPolicy {
                name: "the caller's permissions (decided separately)".to_owned(),
                kind: PolicyType::Identity,
                policy: Arc::new(policy),
            })
    }) else {
        return false;
    };
    let ctx = RequestContext {
        principal: principal.info(),
        action: "sts:AssumeRole".to_owned(),
        resource: role_arn.to_owned(),
        resource_account: None,
        keys,
    };
    let policies = PolicySet {
        identity: std::slice::from_ref(caller_side),
        resource: Some(trust),
        session: None,
    };
    rampart_policy::evaluate(&ctx, &policies).is_allowed()
}

/// `arn:aws:iam::<account>:role/<path/>name` → the account and the role's name.
fn parse_role_arn(arn: &str) -> Option<(AccountId, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    if name.is_empty() {
        return None;
    }
    Some((AccountId::parse(account)?, name))
}

/// The session's length: as asked (default an hour), within the role's maximum, and within an
/// hour when a role session assumes a role (role chaining).
fn session_duration(
    principal: &Principal,
    role: &Role,
    requested: Option<u64>,
) -> Result<u64, QueryApiError> {
    let duration = requested.unwrap_or(DEFAULT_DURATION);
    if duration > u64::from(role.max_session_duration) {
        return Err(QueryApiError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    if matches!(principal, Principal::AssumedRole { .. }) && duration > CHAINED_MAX {
        return Err(QueryApiError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    Ok(duration)
}

/// `RoleSessionName`: 2 to 64 characters of `[\w+=,.@-]`.
fn check_session_name(name: &str) -> Result<(), QueryApiError> {
    check_member(name, "roleSessionName", 2, 64, "[\\w+=,.@-]*", |c| {
        c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
    })
}

/// `ExternalId`: 2 to 1224 characters of `[\w+=,.@:/-]`.
fn check_external_id(id: &str) -> Result<(), QueryApiError> {
    check_member(id, "externalId", 2, 1224, "[\\w+=,.@:\\/-]*", |c| {
        c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c)
    })
}

fn check_member(
    value: &str,
    member: &str,
    min: usize,
    max: usize,
    pattern: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<(), QueryApiError> {
    let len = value.chars().count();
    let constraint = if len < min {
        format!("Member must have length greater than or equal to {min}")
    } else if len > max {
        format!("Member must have length less than or equal to {max}")
    } else if !value.chars().all(allowed) {
        format!("Member must satisfy regular expression pattern: {pattern}")
    } else {
        return Ok(());
    };
    Err(QueryApiError::validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    )))
}

/// `PackedPolicySize`: the share (in percent) of the session-policy allowance the policy
/// takes, counting characters other than whitespace; more than 100 % is refused.
fn packed_policy_size(policy: &str) -> Result<u64, QueryApiError> {
    let used = policy.chars().filter(|c| !c.is_whitespace()).count() as u64;
    let allowed = limits::SESSION as u64;
    let percent = (used * 100).div_ceil(allowed);
    if percent > 100 {
        return Err(QueryApiError::new(
            QueryErrorCode::PackedPolicyTooLarge,
            format!(
                "Packed policy consumes {percent}% of allotted space, please use smaller policy."
            ),
        ));
    }
    Ok(percent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        let (account, name) = parse_role_arn("arn:aws:iam::123456789012:role/a/b/Reader").unwrap();
        assert_eq!(account.as_str(), "123456789012");
        assert_eq!(name, "Reader");
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/R")
                .unwrap()
                .1,
            "R"
        );
        for bad in [
            "arn:aws:iam::123456789012:user/R",
            "arn:aws:iam::12345:role/R",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:s3:::bucket",
            "R",
        ] {
            assert!(parse_role_arn(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn session_names_and_external_ids() {
        assert!(check_session_name("alice@example.com").is_ok());
        let e = check_session_name("a").unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"
        );
        assert!(check_session_name("has space").is_err());
        assert!(check_session_name(&"x".repeat(65)).is_err());
        assert!(check_external_id("urn:ext/id-1").is_ok());
        assert!(check_external_id("a b").is_err());
    }

    #[test]
    fn packed_sizes() {
        assert_eq!(packed_policy_size("{ }").unwrap(), 1);
        assert_eq!(packed_policy_size(&"x".repeat(1024)).unwrap(), 50);
        let e = packed_policy_size(&"x".repeat(2500)).unwrap_err();
        assert_eq!(e.code, QueryErrorCode::PackedPolicyTooLarge);
        assert_eq!(
            e.message,
            "Packed policy consumes 123% of allotted space, please use smaller policy."
        );
    }
}
