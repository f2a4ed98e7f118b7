//! The operator's API under `/_rampart/admin/` (no bucket name starts with `_`), used by
//! `rampart admin` and `rampart policy explain`. Requests are SigV4-signed like any other; JSON
//! in, JSON out.
//!
//! - `POST /_rampart/admin/accounts` `{"name"}` → the new account and its root's access key
//! - `GET /_rampart/admin/accounts` → every account
//! - `DELETE /_rampart/admin/accounts/<id>` → 204 (refused while the account owns buckets)
//! - `GET|PUT|DELETE /_rampart/admin/accounts/<id>/public-access-block` → the account's Block
//!   Public Access settings (JSON: `block_public_acls`, `ignore_public_acls`,
//!   `block_public_policy`, `restrict_public_buckets`)
//! - `POST /_rampart/admin/policy/explain` → the decision for a principal, action and resource
//! - `POST /_rampart/admin/master-key/rotate` → re-wraps every data key and secret under a new
//!   master key (see `rotation`)

mod explain;
mod rotation;

pub use rotation::{MasterKeyFile, MasterKeyHandle};

use axum::body::Body;
use axum::response::Response;
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode, header};
use rampart_iam::{IamError, Principal};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::authenticate;
use crate::body::{read_body_limited, verified_stream};
use crate::error::ApiError;

pub const ADMIN_PATH_PREFIX: &str = "/_rampart/admin/";

/// Admin requests are small JSON documents (an explain request carries up to a few policies).
const MAX_ADMIN_BODY: usize = 256 * 1024;

/// An admin API failure: HTTP status, a stable code and a message, sent as JSON.
#[derive(Debug)]
pub(crate) struct AdminError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl AdminError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
    }

    fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Only the administrator (the first account's root user) may do this.",
        )
    }
}

impl From<ApiError> for AdminError {
    fn from(e: ApiError) -> Self {
        if e.code == crate::S3ErrorCode::InternalError {
            tracing::error!(
                detail = e.detail.as_deref().unwrap_or(""),
                "admin request failed"
            );
        }
        Self::new(e.status(), e.code.as_str(), e.message)
    }
}

impl From<IamError> for AdminError {
    fn from(e: IamError) -> Self {
        let status = match &e {
            IamError::NoSuchEntity(_) => StatusCode::NOT_FOUND,
            IamError::EntityAlreadyExists(_)
            | IamError::DeleteConflict(_)
            | IamError::LimitExceeded(_) => StatusCode::CONFLICT,
            IamError::MalformedPolicyDocument(_)
            | IamError::InvalidInput(_)
            | IamError::ValidationError(_) => StatusCode::BAD_REQUEST,
            IamError::InvalidAuthenticationCode(_) => StatusCode::FORBIDDEN,
            IamError::Store(_) | IamError::Corrupt(_) => {
                tracing::error!(error = %e, "admin request failed");
                return Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                );
            }
        };
        Self::new(status, e.code(), e.to_string())
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    request_id: &'a str,
}

pub async fn handle(
    state: &AppState,
    parts: Parts,
    body: Body,
    request_id: &str,
) -> Result<Response, ApiError> {
    let result = serve(state, parts, body).await;
    Ok(match result {
        Ok(response) => response,
        Err(e) => json(
            e.status,
            &ErrorBody {
                error: ErrorDetail {
                    code: e.code,
                    message: &e.message,
                    request_id,
                },
            },
        ),
    })
}

async fn serve(state: &AppState, parts: Parts, body: Body) -> Result<Response, AdminError> {
    let authenticated = authenticate(state, &parts).map_err(|f| AdminError::from(*f.error))?;
    let principal = authenticated.principal;
    let path = parts
        .uri
        .path()
        .strip_prefix(ADMIN_PATH_PREFIX)
        .unwrap_or("");
    let stream = verified_stream(
        body,
        authenticated.body_check,
        None,
        state.config.body_idle_timeout,
        false,
    );
    let body = read_body_limited(stream, MAX_ADMIN_BODY).await?;
    match (&parts.method, path) {
        (&Method::POST, "policy/explain") => {
            let request = parse_json(&body)?;
            let explained = explain::explain(state, &principal, request).await?;
            Ok(json(StatusCode::OK, &explained))
        }
        (&Method::POST, "master-key/rotate") => {
            require_administrator(state, &principal)?;
            Ok(json(StatusCode::OK, &rotation::rotate(state).await?))
        }
        (method, path) => {
            require_administrator(state, &principal)?;
            accounts(state, method, path, &body).await
        }
    }
}

fn require_administrator(state: &AppState, principal: &Principal) -> Result<(), AdminError> {
    match principal {
        Principal::AccountRoot { account, .. }
            if account.id == state.identities.root_account().id =>
        {
            Ok(())
        }
        _ => Err(AdminError::forbidden()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateAccount {
    name: String,
}

#[derive(Serialize)]
struct CreatedAccount {
    account_id: String,
    canonical_user_id: String,
    display_name: String,
    access_key_id: String,
    secret_access_key: String,
}

#[derive(Serialize)]
struct AccountOut {
    account_id: String,
    canonical_user_id: String,
    display_name: String,
}

async fn accounts(
    state: &AppState,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<Response, AdminError> {
    match (method, path.strip_prefix("accounts")) {
        (&Method::POST, Some("")) => {
            let request: CreateAccount = parse_json(body)?;
            let (account, key_id, secret) = state.identities.create_account(&request.name).await?;
            Ok(json(
                StatusCode::OK,
                &CreatedAccount {
                    account_id: account.id.to_string(),
                    canonical_user_id: account.canonical_id.to_string(),
                    display_name: account.display_name.clone(),
                    access_key_id: key_id.to_string(),
                    secret_access_key: secret.expose().to_owned(),
                },
            ))
        }
        (&Method::GET, Some("")) => {
            let accounts: Vec<AccountOut> = state
                .identities
                .list_accounts()
                .into_iter()
                .map(|a| AccountOut {
                    account_id: a.id.to_string(),
                    canonical_user_id: a.canonical_id.to_string(),
                    display_name: a.display_name,
                })
                .collect();
            Ok(json(StatusCode::OK, &accounts))
        }
        (method, Some(rest)) if rest.ends_with(PUBLIC_ACCESS_BLOCK_SUFFIX) => {
            let id = rest
                .strip_prefix('/')
                .and_then(|r| r.strip_suffix(PUBLIC_ACCESS_BLOCK_SUFFIX))
                .and_then(AccountId::parse)
                .ok_or_else(|| AdminError::bad_request("An account id is 12 digits."))?;
            account_public_access_block(state, method, &id, body).await
        }
        (&Method::DELETE, Some(rest)) if rest.starts_with('/') => {
            let id = AccountId::parse(&rest[1..])
                .ok_or_else(|| AdminError::bad_request("An account id is 12 digits."))?;
            let account = state.identities.account(&id).ok_or_else(|| {
                AdminError::new(
                    StatusCode::NOT_FOUND,
                    "NoSuchEntity",
                    format!("The account with id {id} cannot be found."),
                )
            })?;
            let one = rampart_engine::ListBucketsParams {
                max_buckets: Some(1),
                ..Default::default()
            };
            let owned = state
                .engine
                .list_buckets(&account.id, &one)
                .await
                .map_err(ApiError::from)?;
            if let Some(bucket) = owned.buckets.first() {
                return Err(AdminError::new(
                    StatusCode::CONFLICT,
                    "DeleteConflict",
                    format!(
                        "Account {id} still owns buckets (such as {}); delete them first.",
                        bucket.name
                    ),
                ));
            }
            state.identities.delete_account(&id).await?;
            Ok(crate::response::empty(StatusCode::NO_CONTENT))
        }
        _ => Err(AdminError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperation",
            "No such admin operation.",
        )),
    }
}

/// `/_rampart/admin/accounts/<id>/public-access-block`: an account's Block Public Access
/// settings, for the operator (the account itself uses S3 Control's API).
const PUBLIC_ACCESS_BLOCK_SUFFIX: &str = "/public-access-block";

async fn account_public_access_block(
    state: &AppState,
    method: &Method,
    id: &AccountId,
    body: &[u8],
) -> Result<Response, AdminError> {
    if state.identities.account(id).is_none() {
        return Err(AdminError::new(
            StatusCode::NOT_FOUND,
            "NoSuchEntity",
            format!("The account with id {id} cannot be found."),
        ));
    }
    let engine = &state.engine;
    let stored = |e: rampart_engine::EngineError| AdminError::from(ApiError::from(e));
    match *method {
        Method::GET => {
            let settings = engine
                .account_public_access_block(id)
                .await
                .map_err(stored)?
                .ok_or_else(|| {
                    AdminError::new(
                        StatusCode::NOT_FOUND,
                        "NoSuchPublicAccessBlockConfiguration",
                        "The public access block configuration was not found",
                    )
                })?;
            Ok(json(StatusCode::OK, &settings))
        }
        Method::PUT => {
            let settings: rampart_engine::PublicAccessBlock = parse_json(body)?;
            engine
                .set_account_public_access_block(id, Some(&settings))
                .await
                .map_err(stored)?;
            Ok(json(StatusCode::OK, &settings))
        }
        Method::DELETE => {
            engine
                .set_account_public_access_block(id, None)
                .await
                .map_err(stored)?;
            Ok(crate::response::empty(StatusCode::NO_CONTENT))
        }
        _ => Err(AdminError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "GET, PUT or DELETE.",
        )),
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    serde_json::from_slice(body).map_err(|e| AdminError::bad_request(format!("Bad JSON: {e}")))
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let body = serde_json::to_vec_pretty(value).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
