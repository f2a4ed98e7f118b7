//! Authorizing S3 operations: the action table, the request's condition keys and the bucket's
//! policy, with S3's own exceptions.

use http::HeaderMap;
use rampart_iam::Principal;
use rampart_policy::{ContextKeys, NamedPolicy};
use rampart_types::{BucketName, Owner};

use super::acl::acl_allows;
use super::s3_actions::{ResourceKind, s3_actions, s3_arn};
use super::s3_keys::s3_request_keys;
use super::{RequestInfo, decide};
use crate::AppState;
use crate::error::ApiError;
use crate::query::Query;
use crate::router::Endpoint;

/// One S3 access to decide.
pub struct S3Access<'a> {
    pub endpoint: Endpoint,
    pub bucket: Option<&'a BucketName>,
    pub key: Option<&'a str>,
    /// The bucket's owner; `None` for requests that name no existing bucket.
    pub bucket_owner: Option<&'a Owner>,
    pub bucket_policy: Option<&'a NamedPolicy>,
    pub headers: &'a HeaderMap,
    pub query: &'a Query,
}

/// Actions the bucket owner's root may always take on its own bucket's policy, so that a
/// policy denying everyone can still be repaired ("the root user … can always perform the
/// GetBucketPolicy, PutBucketPolicy, and DeleteBucketPolicy actions").
const ROOT_ALWAYS: &[&str] = &[
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
];

/// Authorizes `access` with the actions the table names for it; `extra` adds keys only the
/// handler knows (existing object tags, tags from a body).
pub async fn authorize_s3(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    access: &S3Access<'_>,
    extra: Option<ContextKeys>,
) -> Result<(), ApiError> {
    let versioned = access.query.has("versionId");
    let (actions, kind) = s3_actions(access.endpoint, versioned);
    authorize_s3_actions(state, principal, info, access, actions, kind, extra).await
}

/// Authorizes `actions` (every one must be allowed) on the resource of `kind` named by
/// `access`: the policies first and then, when they end in an implicit deny (never an
/// explicit one), the bucket's and object's ACLs.
pub async fn authorize_s3_actions(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    access: &S3Access<'_>,
    actions: &[&str],
    kind: ResourceKind,
    extra: Option<ContextKeys>,
) -> Result<(), ApiError> {
    let denial = match policies_allow(state, principal, info, access, actions, kind, extra) {
        Ok(()) => return Ok(()),
        Err(denial) => denial,
    };
    if let Some(implicit) = &denial.implicit
        && acl_allows(state, principal, access, implicit, kind).await?
    {
        return Ok(());
    }
    Err(*denial.error)
}

/// A refusal of the policies, with what the ACL layer needs to reconsider it: the actions
/// that were only implicitly denied, each with whether the caller's identity policies allowed
/// it (`None` when some policy denied explicitly, which no ACL overrides).
struct S3Denial {
    error: Box<ApiError>,
    implicit: Option<Vec<(String, bool)>>,
}

fn policies_allow(
    state: &AppState,
    principal: &Principal,
    info: &RequestInfo,
    access: &S3Access<'_>,
    actions: &[&str],
    kind: ResourceKind,
    extra: Option<ContextKeys>,
) -> Result<(), S3Denial> {
    if actions.is_empty() {
        return Ok(());
    }
    let resource = s3_arn(kind, access.bucket.map(BucketName::as_str), access.key);
    // A bucket that does not exist yet (CreateBucket) and the service (ListBuckets) belong to
    // the caller's own account.
    let resource_account = match access.bucket_owner {
        Some(owner) => Some(&owner.account_id),
        None => principal.account().map(|a| &a.id),
    };
    let owner_root = matches!(principal, Principal::AccountRoot { account, .. }
        if access.bucket_owner.is_some_and(|o| o.account_id == account.id));
    // The owning account's root is allowed unless some policy denies it; with no bucket
    // policy and no session policy there is no policy that could, so the evaluation's answer
    // is known without building its context (the common case of a single-account server).
    if owner_root
        && access.bucket_policy.is_none()
        && state.identities.session_policies(principal).is_none()
    {
        return Ok(());
    }
    let mut keys = info.context_keys(principal);
    s3_request_keys(&mut keys, access.endpoint, access.headers, access.query);
    if let Some(account) = resource_account {
        keys.set("s3:ResourceAccount", account.as_str());
    }
    if let Some(extra) = extra {
        keys.extend(extra);
    }
    let mut first: Option<ApiError> = None;
    let mut implicit = Vec::new();
    for action in actions {
        if owner_root && ROOT_ALWAYS.contains(action) {
            continue;
        }
        let result = decide(
            state,
            principal,
            action,
            &resource,
            resource_account,
            keys.clone(),
            access.bucket_policy,
        );
        if let Err(denied) = result {
            if !denied.implicit {
                return Err(S3Denial {
                    error: Box::new(denied.into()),
                    implicit: None,
                });
            }
            implicit.push(((*action).to_owned(), denied.identity_allowed));
            first.get_or_insert_with(|| denied.into());
        }
    }
    match first {
        None => Ok(()),
        Some(error) => Err(S3Denial {
            error: Box::new(error),
            implicit: Some(implicit),
        }),
    }
}
