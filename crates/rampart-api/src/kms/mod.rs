//! AWS KMS's JSON API (`TrentService`): `POST /` with `X-Amz-Target: TrentService.<Operation>`
//! and a JSON body, signed for the `kms` service.
//!
//! Every operation is authorized (`authz::kms`) before anything changes; the files here are
//! one per group of operations and only translate JSON members to `rampart_kms::Kms` calls
//! and results to KMS's response shapes (`shapes.rs`).

mod aliases;
mod crypto;
mod error;
mod keys;
mod rotation;
pub mod s3_provider;
mod shapes;
#[cfg(test)]
mod tests;

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use rampart_iam::Principal;
use rampart_kms::Key;
use rampart_policy::ContextKeys;
use rampart_types::AccountId;
use serde_json::Value;

use crate::AppState;
use crate::authz::RequestInfo;
use crate::authz::kms::authorize_key;

pub use error::{CONTENT_TYPE, KmsApiError, auth_error};
pub use s3_provider::{KmsKeyProvider, key_provider_for};
use shapes::Input;

/// The `X-Amz-Target` prefix of KMS operations.
const TARGET_PREFIX: &str = "TrentService.";

/// What an operation returns: its JSON output, or nothing (an empty 200).
type Outcome = Result<Option<Value>, KmsApiError>;

/// One request, as the operations see it.
pub(crate) struct Ctx<'a> {
    pub state: &'a AppState,
    pub principal: &'a Principal,
    pub info: &'a RequestInfo,
    /// The caller's account.
    pub account: &'a AccountId,
    pub input: Input,
}

/// Which key references an operation accepts, and from which accounts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyParam {
    /// Key id or key ARN, in the caller's account.
    Own,
    /// Key id, key ARN, alias name or alias ARN; another account's key by ARN.
    Any,
    /// Key id or key ARN; another account's key by ARN.
    AnyAccount,
}

impl Ctx<'_> {
    pub fn kms(&self) -> &rampart_kms::Kms {
        &self.state.kms
    }

    /// The key the member `name` names.
    pub async fn key_named(&self, name: &str, accepts: KeyParam) -> Result<Key, KmsApiError> {
        let reference = self.input.required_str(name)?;
        self.key(reference, accepts).await
    }

    pub async fn key(&self, reference: &str, accepts: KeyParam) -> Result<Key, KmsApiError> {
        let key = match accepts {
            KeyParam::Any => self.kms().resolve(self.account, reference).await?,
            KeyParam::Own | KeyParam::AnyAccount => {
                self.kms().resolve_key_only(self.account, reference).await?
            }
        };
        if accepts == KeyParam::Own && key.account != *self.account {
            return Err(KmsApiError::not_found(format!(
                "Key '{}' does not exist",
                key.arn
            )));
        }
        Ok(key)
    }

    /// Decides `action` on `key` for the caller.
    pub fn authorize(
        &self,
        action: &str,
        key: &Key,
        extra: ContextKeys,
    ) -> Result<(), KmsApiError> {
        authorize_key(self.state, self.principal, self.info, action, key, extra)?;
        Ok(())
    }

    /// Decides an IAM-only action on `resource`.
    pub fn authorize_iam(&self, action: &str, resource: &str) -> Result<(), KmsApiError> {
        crate::authz::kms::authorize_kms_iam(
            self.state,
            self.principal,
            self.info,
            action,
            resource,
        )?;
        Ok(())
    }
}

/// Serves one KMS request; `target` is the `X-Amz-Target` header.
pub async fn handle(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    target: Option<&str>,
    body: &[u8],
) -> Response {
    let operation = target.and_then(|t| t.strip_prefix(TARGET_PREFIX));
    let outcome = match operation {
        None => Err(KmsApiError {
            kind: "UnknownOperationException",
            message: None,
            status: StatusCode::BAD_REQUEST,
        }),
        Some(op) => dispatch(state, principal, info, op, body).await,
    };
    match outcome {
        Ok(value) => {
            let body = value.map(|v| v.to_string()).unwrap_or_default();
            Response::builder()
                .status(StatusCode::OK)
                .header(http::header::CONTENT_TYPE, CONTENT_TYPE)
                .body(Body::from(body))
                .expect("static response parts are valid")
        }
        Err(e) => e.into_response(),
    }
}

async fn dispatch(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    operation: &str,
    body: &[u8],
) -> Outcome {
    let Some(account) = principal.account() else {
        return Err(KmsApiError::new(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    };
    let cx = Ctx {
        state,
        principal,
        info,
        account: &account.id,
        input: Input::parse(body)?,
    };
    match operation {
        "CreateKey" => keys::create_key(&cx).await,
        "DescribeKey" => keys::describe_key(&cx).await,
        "ListKeys" => keys::list_keys(&cx).await,
        "EnableKey" => keys::enable_key(&cx).await,
        "DisableKey" => keys::disable_key(&cx).await,
        "ScheduleKeyDeletion" => keys::schedule_key_deletion(&cx).await,
        "CancelKeyDeletion" => keys::cancel_key_deletion(&cx).await,
        "GetKeyPolicy" => keys::get_key_policy(&cx).await,
        "PutKeyPolicy" => keys::put_key_policy(&cx).await,
        "ListKeyPolicies" => keys::list_key_policies(&cx).await,
        "EnableKeyRotation" => rotation::enable_key_rotation(&cx).await,
        "DisableKeyRotation" => rotation::disable_key_rotation(&cx).await,
        "GetKeyRotationStatus" => rotation::get_key_rotation_status(&cx).await,
        "RotateKeyOnDemand" => rotation::rotate_key_on_demand(&cx).await,
        "ListKeyRotations" => rotation::list_key_rotations(&cx).await,
        "CreateAlias" => aliases::create_alias(&cx).await,
        "UpdateAlias" => aliases::update_alias(&cx).await,
        "DeleteAlias" => aliases::delete_alias(&cx).await,
        "ListAliases" => aliases::list_aliases(&cx).await,
        "Encrypt" => crypto::encrypt(&cx).await,
        "Decrypt" => crypto::decrypt(&cx).await,
        "GenerateDataKey" => crypto::generate_data_key(&cx, true).await,
        "GenerateDataKeyWithoutPlaintext" => crypto::generate_data_key(&cx, false).await,
        "ReEncrypt" => crypto::re_encrypt(&cx).await,
        _ => Err(KmsApiError {
            kind: "UnknownOperationException",
            message: None,
            status: StatusCode::BAD_REQUEST,
        }),
    }
}
