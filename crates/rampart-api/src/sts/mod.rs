//! STS's Query API (`https://sts.amazonaws.com/doc/2011-06-15/`): AssumeRole,
//! GetSessionToken and GetCallerIdentity.
//!
//! AssumeRole is authorized with the role's trust policy as the resource policy; the other two
//! need no permission, as in AWS. AssumeRole and GetSessionToken take an MFA device's
//! `SerialNumber` and `TokenCode`; a session so made has `aws:MultiFactorAuthPresent` true.

mod assume_role;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use rampart_iam::{IamError, MfaOwner, NewSession, NewSessionKind, Principal, SessionCredentials};

use crate::AppState;
use crate::authz::RequestInfo;
use crate::query_api::{self, Params, QueryApiError, QueryErrorCode, Service, XmlWriter};

/// What an action handler returns: the inside of `<{Action}Result>`.
type Outcome = Result<Option<XmlWriter>, QueryApiError>;

/// GetSessionToken's bounds and default, in seconds; account roots get at most an hour.
const SESSION_TOKEN_MAX: i64 = 129_600;
const SESSION_TOKEN_DEFAULT: u64 = 43_200;
const ROOT_SESSION_MAX: u64 = 3600;

/// Serves one STS request; `params` are the request's decoded form parameters.
pub async fn handle(
    state: &Arc<AppState>,
    principal: &Principal,
    info: &RequestInfo,
    request_id: &str,
    params: Params,
) -> Response {
    let outcome = dispatch(state, principal, info, &params).await;
    query_api::answer(Service::Sts, params.action(), request_id, outcome)
}

async fn dispatch(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    params: &Params,
) -> Outcome {
    let action = params.action();
    if params.version() != Service::Sts.version() {
        return Err(QueryApiError::invalid_action(action, params.version()));
    }
    if principal.account().is_none() {
        return Err(QueryApiError::new(
            QueryErrorCode::MissingAuthenticationToken,
            "Request is missing Authentication Token",
        ));
    }
    match action {
        "AssumeRole" => assume_role::assume_role(state, principal, info, params).await,
        "GetSessionToken" => get_session_token(state, principal, params).await,
        "GetCallerIdentity" => Ok(Some(caller_identity(principal))),
        _ => Err(QueryApiError::unknown_action(Service::Sts, action)),
    }
}

/// Who the caller is; needs no permission.
fn caller_identity(principal: &Principal) -> XmlWriter {
    let mut w = XmlWriter::new();
    w.text("UserId", &principal.user_id());
    w.opt_text("Account", principal.account().map(|a| a.id.as_str()));
    w.text("Arn", &principal.arn());
    w
}

/// Session credentials for a user or an account root, from its long-term keys.
async fn get_session_token(state: &AppState, principal: &Principal, params: &Params) -> Outcome {
    if principal.session().is_some() {
        return Err(QueryApiError::access_denied(
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    let Some(account) = principal.account() else {
        return Err(QueryApiError::internal("no account after authentication"));
    };
    let mfa_authenticated = verify_mfa(state, principal, params).await?;
    let requested = params
        .int(
            "DurationSeconds",
            i64::try_from(state.identities.min_session_duration_secs()).unwrap_or(900),
            SESSION_TOKEN_MAX,
        )?
        .map_or(SESSION_TOKEN_DEFAULT, |s| s as u64);
    // "Sessions for AWS account owners are restricted to a maximum of 3,600 seconds."
    let seconds = match principal {
        Principal::AccountRoot { .. } => requested.min(ROOT_SESSION_MAX),
        _ => requested,
    };
    let credentials = state
        .identities
        .create_session(NewSession {
            account: account.id.clone(),
            kind: NewSessionKind::FederatedSessionOf(principal.clone()),
            duration: Duration::from_secs(seconds),
            mfa_authenticated,
        })
        .await?;
    let mut w = XmlWriter::new();
    write_credentials(&mut w, &credentials);
    Ok(Some(w))
}

/// `SerialNumber` and `TokenCode`: the caller's MFA device and a code from it. Neither →
/// `false`; both, with a code the device accepts → `true`; anything else is refused, in STS's
/// words. The device must be assigned to the caller (an IAM user or its account's root).
async fn verify_mfa(
    state: &AppState,
    principal: &Principal,
    params: &Params,
) -> Result<bool, QueryApiError> {
    let (serial, code) = match (params.get("SerialNumber"), params.get("TokenCode")) {
        (None, None) => return Ok(false),
        (Some(serial), Some(code)) => (serial, code),
        _ => {
            return Err(QueryApiError::access_denied(
                "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.",
            ));
        }
    };
    check_serial(serial)?;
    check_token_code(code)?;
    let (account, owner) = match principal {
        Principal::AccountRoot { account, .. } => (&account.id, MfaOwner::Root),
        Principal::User { account, user, .. } => (&account.id, MfaOwner::User(user.name.clone())),
        _ => {
            return Err(QueryApiError::access_denied(
                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
            ));
        }
    };
    match state
        .identities
        .verify_mfa_code(account, &owner, serial, code)
        .await
    {
        Ok(()) => Ok(true),
        Err(IamError::InvalidAuthenticationCode(_)) => Err(QueryApiError::access_denied(
            "MultiFactorAuthentication failed with invalid MFA one time pass code.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// `SerialNumber`: 9 to 256 characters of `[\w+=/:,.@-]`.
fn check_serial(serial: &str) -> Result<(), QueryApiError> {
    let constraint = if serial.len() < 9 {
        "Member must have length greater than or equal to 9"
    } else if serial.len() > 256 {
        "Member must have length less than or equal to 256"
    } else if !serial
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c))
    {
        "Member must satisfy regular expression pattern: [\\w+=/:,.@-]*"
    } else {
        return Ok(());
    };
    Err(QueryApiError::validation(format!(
        "1 validation error detected: Value '{serial}' at 'serialNumber' failed to satisfy constraint: {constraint}"
    )))
}

/// `TokenCode`: exactly six digits.
fn check_token_code(code: &str) -> Result<(), QueryApiError> {
    let constraint = if code.len() < 6 {
        "Member must have length greater than or equal to 6"
    } else if code.len() > 6 {
        "Member must have length less than or equal to 6"
    } else if !code.bytes().all(|b| b.is_ascii_digit()) {
        "Member must satisfy regular expression pattern: [\\d]*"
    } else {
        return Ok(());
    };
    Err(QueryApiError::validation(format!(
        "1 validation error detected: Value '{code}' at 'tokenCode' failed to satisfy constraint: {constraint}"
    )))
}

/// `<Credentials>`: the one time the secret and the session token are shown.
fn write_credentials(w: &mut XmlWriter, credentials: &SessionCredentials) {
    w.element("Credentials", |w| {
        w.text("AccessKeyId", credentials.access_key_id.as_str());
        w.text("SecretAccessKey", credentials.secret.expose());
        w.text("SessionToken", &credentials.session_token);
        w.date("Expiration", credentials.expiration);
    });
}
