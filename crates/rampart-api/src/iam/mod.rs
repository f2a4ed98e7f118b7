//! IAM's Query API (`https://iam.amazonaws.com/doc/2010-05-08/`): users, access keys, groups,
//! roles, inline and managed policies, virtual MFA devices, in the caller's own account.
//!
//! Every action is authorized with `authz::authorize_action` on the resource AWS names for it
//! before anything changes; the files here are one per resource and only translate parameters
//! to `IdentityStore` calls and results to IAM's response shapes (`shapes.rs`).

mod attach;
mod groups;
mod inline;
mod keys;
mod mfa;
#[cfg(test)]
mod mfa_tests;
mod paging;
mod policies;
mod roles;
mod shapes;
#[cfg(test)]
pub(crate) mod tests;
mod users;

use std::sync::Arc;

use axum::response::Response;
use rampart_iam::{IdentityStore, Principal};
use rampart_policy::ContextKeys;
use rampart_types::AccountId;

use crate::AppState;
use crate::authz::{RequestInfo, authorize_action};
use crate::query_api::{self, Params, QueryApiError, QueryErrorCode, Service, XmlWriter};

/// What an action handler returns: the inside of `<{Action}Result>`, if the action has one.
type Outcome = Result<Option<XmlWriter>, QueryApiError>;

/// Serves one IAM request; `params` are the request's decoded form parameters.
pub async fn handle(
    state: &Arc<AppState>,
    principal: &Principal,
    info: &RequestInfo,
    request_id: &str,
    params: Params,
) -> Response {
    let outcome = dispatch(state, principal, info, &params).await;
    query_api::answer(Service::Iam, params.action(), request_id, outcome)
}

async fn dispatch(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    params: &Params,
) -> Outcome {
    let action = params.action();
    if params.version() != Service::Iam.version() {
        return Err(QueryApiError::invalid_action(action, params.version()));
    }
    let Some(account) = principal.account() else {
        return Err(QueryApiError::new(
            QueryErrorCode::MissingAuthenticationToken,
            "Request is missing Authentication Token",
        ));
    };
    if let Some(session) = principal.session()
        && !matches!(principal, Principal::AssumedRole { .. })
        && !session.mfa_authenticated
    {
        // GetSessionToken credentials without MFA may not call IAM (AWS: "You cannot call any
        // IAM API operations unless MFA authentication information is included").
        return Err(QueryApiError::new(
            QueryErrorCode::InvalidClientTokenId,
            "The security token included in the request is invalid",
        ));
    }
    let cx = Ctx {
        state,
        principal,
        info,
        account: &account.id,
        params,
    };
    match action {
        "CreateUser" => users::create_user(&cx).await,
        "GetUser" => users::get_user(&cx),
        "ListUsers" => users::list_users(&cx),
        "DeleteUser" => users::delete_user(&cx).await,
        "ListUserTags" => users::list_user_tags(&cx),
        "CreateAccessKey" => keys::create_access_key(&cx).await,
        "ListAccessKeys" => keys::list_access_keys(&cx),
        "UpdateAccessKey" => keys::update_access_key(&cx).await,
        "DeleteAccessKey" => keys::delete_access_key(&cx).await,
        "CreateVirtualMFADevice" => mfa::create_virtual_mfa_device(&cx).await,
        "EnableMFADevice" => mfa::enable_mfa_device(&cx).await,
        "ResyncMFADevice" => mfa::resync_mfa_device(&cx).await,
        "DeactivateMFADevice" => mfa::deactivate_mfa_device(&cx).await,
        "DeleteVirtualMFADevice" => mfa::delete_virtual_mfa_device(&cx).await,
        "ListMFADevices" => mfa::list_mfa_devices(&cx),
        "ListVirtualMFADevices" => mfa::list_virtual_mfa_devices(&cx),
        "GetMFADevice" => mfa::get_mfa_device(&cx),
        "CreateGroup" => groups::create_group(&cx).await,
        "GetGroup" => groups::get_group(&cx),
        "ListGroups" => groups::list_groups(&cx),
        "DeleteGroup" => groups::delete_group(&cx).await,
        "AddUserToGroup" => groups::add_user_to_group(&cx).await,
        "RemoveUserFromGroup" => groups::remove_user_from_group(&cx).await,
        "ListGroupsForUser" => groups::list_groups_for_user(&cx),
        "CreateRole" => roles::create_role(&cx).await,
        "GetRole" => roles::get_role(&cx),
        "ListRoles" => roles::list_roles(&cx),
        "DeleteRole" => roles::delete_role(&cx).await,
        "UpdateAssumeRolePolicy" => roles::update_assume_role_policy(&cx).await,
        "PutUserPolicy" | "PutGroupPolicy" | "PutRolePolicy" => inline::put(&cx).await,
        "GetUserPolicy" | "GetGroupPolicy" | "GetRolePolicy" => inline::get(&cx),
        "ListUserPolicies" | "ListGroupPolicies" | "ListRolePolicies" => inline::list(&cx),
        "DeleteUserPolicy" | "DeleteGroupPolicy" | "DeleteRolePolicy" => inline::delete(&cx).await,
        "CreatePolicy" => policies::create_policy(&cx).await,
        "GetPolicy" => policies::get_policy(&cx),
        "DeletePolicy" => policies::delete_policy(&cx).await,
        "ListPolicies" => policies::list_policies(&cx),
        "CreatePolicyVersion" => policies::create_policy_version(&cx).await,
        "GetPolicyVersion" => policies::get_policy_version(&cx),
        "ListPolicyVersions" => policies::list_policy_versions(&cx),
        "DeletePolicyVersion" => policies::delete_policy_version(&cx).await,
        "SetDefaultPolicyVersion" => policies::set_default_policy_version(&cx).await,
        "AttachUserPolicy" | "AttachGroupPolicy" | "AttachRolePolicy" => attach::attach(&cx).await,
        "DetachUserPolicy" | "DetachGroupPolicy" | "DetachRolePolicy" => attach::detach(&cx).await,
        "ListAttachedUserPolicies" | "ListAttachedGroupPolicies" | "ListAttachedRolePolicies" => {
            attach::list_attached(&cx)
        }
        _ => Err(QueryApiError::unknown_action(Service::Iam, action)),
    }
}

/// One IAM request being served.
pub(crate) struct Ctx<'a> {
    state: &'a AppState,
    principal: &'a Principal,
    info: &'a RequestInfo,
    /// The caller's account: every account has its own IAM namespace.
    account: &'a AccountId,
    params: &'a Params,
}

impl Ctx<'_> {
    fn store(&self) -> &IdentityStore {
        &self.state.identities
    }

    fn action(&self) -> &str {
        self.params.action()
    }

    /// Authorizes `iam:{Action}` on `resource` in the caller's account.
    fn authorize(&self, resource: &str) -> Result<(), QueryApiError> {
        self.authorize_with(resource, ContextKeys::new())
    }

    fn authorize_with(&self, resource: &str, extra: ContextKeys) -> Result<(), QueryApiError> {
        let action = format!("iam:{}", self.action());
        authorize_action(
            self.state,
            self.principal,
            self.info,
            &action,
            resource,
            self.account,
            extra,
            None,
        )
        .map_err(|denied| QueryApiError::denied(&denied.message, resource))
    }

    /// `arn:aws:iam::<account>:<kind><path><name>`; `path` is `/` or `/…/`.
    fn arn(&self, kind: &str, path: &str, name: &str) -> String {
        format!("arn:aws:iam::{}:{kind}{path}{name}", self.account)
    }

    /// The ARN of an existing user (with its path), or of the name at the root path.
    fn user_arn(&self, name: &str) -> String {
        match self.store().get_user(self.account, name) {
            Ok(user) => user.arn.clone(),
            Err(_) => self.arn("user", "/", name),
        }
    }

    fn group_arn(&self, name: &str) -> String {
        match self.store().get_group(self.account, name) {
            Ok((group, _)) => group.arn.clone(),
            Err(_) => self.arn("group", "/", name),
        }
    }

    fn role_arn(&self, name: &str) -> String {
        match self.store().get_role(self.account, name) {
            Ok(role) => role.arn.clone(),
            Err(_) => self.arn("role", "/", name),
        }
    }

    /// `PathPrefix` (default `/`), which listing actions authorize as
    /// `arn:aws:iam::<account>:<kind><prefix>`: `/` then up to 511 printable ASCII characters.
    fn path_prefix(&self) -> Result<&str, QueryApiError> {
        let prefix = self.params.get("PathPrefix").unwrap_or("/");
        let constraint = if prefix.is_empty() {
            "Member must have length greater than or equal to 1"
        } else if prefix.len() > 512 {
            "Member must have length less than or equal to 512"
        } else if !prefix.starts_with('/') || !prefix.bytes().all(|b| (0x21..=0x7f).contains(&b)) {
            "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*"
        } else {
            return Ok(prefix);
        };
        Err(QueryApiError::validation(format!(
            "1 validation error detected: Value '{prefix}' at 'pathPrefix' failed to satisfy constraint: {constraint}"
        )))
    }

    /// The user an action names with `UserName`, or, without one, the caller itself: `None`
    /// for an account's root user. Role sessions must name a user.
    fn named_or_calling_user(&self) -> Result<Option<String>, QueryApiError> {
        if let Some(name) = self.params.get("UserName") {
            return Ok(Some(name.to_owned()));
        }
        match self.principal {
            Principal::User { user, .. } => Ok(Some(user.name.clone())),
            Principal::AccountRoot { .. } => Ok(None),
            _ => Err(QueryApiError::validation(
                "Must specify userName when calling with non-User credentials",
            )),
        }
    }
}

/// The `aws:RequestTag/<key>` and `aws:TagKeys` condition keys of a request carrying `tags`.
fn request_tag_keys(tags: &[(String, String)]) -> ContextKeys {
    let mut keys = ContextKeys::new();
    if !tags.is_empty() {
        for (key, value) in tags {
            keys.set(&format!("aws:RequestTag/{key}"), value.clone());
        }
        keys.set_many(
            "aws:TagKeys",
            tags.iter().map(|(key, _)| key.clone()).collect(),
        );
    }
    keys
}

/// Refuses a parameter this server does not support rather than ignoring it.
fn refuse_unsupported(params: &Params, name: &str, what: &str) -> Result<(), QueryApiError> {
    if params.get(name).is_some() || params.has_prefix(&format!("{name}.")) {
        return Err(QueryApiError::validation(format!(
            "{what} are not supported by this server; remove the {name} parameter."
        )));
    }
    Ok(())
}
