//! The ACL layer: after the policies end in an implicit deny (never an explicit one), a bucket
//! whose Object Ownership enables ACLs may still grant the access through its ACL (bucket
//! actions) or the object's (object actions). A grant to an account's canonical id admits the
//! account's root directly and its other principals only when their identity policies allow
//! the action too (as a resource policy naming the account does); AllUsers admits anyone,
//! AuthenticatedUsers any signed requester. IgnorePublicAcls drops the public grants.

use rampart_engine::acl::{
    Acl, AclTarget, Requester, acl_permission_for_action, requires_bucket_owner_grantee,
};
use rampart_iam::Principal;

use super::S3Access;
use super::s3_actions::ResourceKind;
use crate::AppState;
use crate::error::ApiError;

/// Whether ACLs grant every one of `actions` (each with whether the caller's identity policies
/// allowed it) to `principal` on the resource `access` names.
pub(super) async fn acl_allows(
    state: &AppState,
    principal: &Principal,
    access: &S3Access<'_>,
    actions: &[(String, bool)],
    kind: ResourceKind,
) -> Result<bool, ApiError> {
    let (Some(bucket), Some(bucket_owner)) = (access.bucket, access.bucket_owner) else {
        return Ok(false);
    };
    if actions.is_empty() || kind == ResourceKind::Service {
        return Ok(false);
    }
    let engine = &state.engine;
    if !engine.bucket_ownership(bucket).await?.acls_enabled() {
        return Ok(false);
    }
    let ignore_public = engine
        .effective_public_access_block(bucket, &bucket_owner.account_id)
        .await?
        .ignore_public_acls;
    let canonical = principal.account().map(|a| a.canonical_id.clone());
    let signed = !matches!(principal, Principal::Anonymous);
    let root = matches!(principal, Principal::AccountRoot { .. });
    let mut bucket_acl: Option<Acl> = None;
    let mut object_acl: Option<Acl> = None;
    for (action, identity_allowed) in actions {
        if requires_bucket_owner_grantee(action) {
            return Ok(false);
        }
        let object_permission = match (kind, access.key) {
            (ResourceKind::Object, Some(_)) => acl_permission_for_action(action, AclTarget::Object),
            _ => None,
        };
        let (acl, permission) = match object_permission {
            Some(permission) => {
                if object_acl.is_none() {
                    let key = access.key.unwrap_or_default();
                    let Ok(object) = engine
                        .object_version(bucket, key, access.query.get("versionId"))
                        .await
                    else {
                        return Ok(false);
                    };
                    object_acl = Some(object.acl.unwrap_or_else(|| Acl::private(&object.owner)));
                }
                (object_acl.as_ref(), permission)
            }
            None => {
                let Some(permission) = acl_permission_for_action(action, AclTarget::Bucket) else {
                    return Ok(false);
                };
                if bucket_acl.is_none() {
                    bucket_acl = Some(engine.bucket_acl(bucket, bucket_owner).await?);
                }
                (bucket_acl.as_ref(), permission)
            }
        };
        let Some(acl) = acl else {
            return Ok(false);
        };
        let by_group = acl.allows(
            &Requester {
                canonical_id: None,
                authenticated: signed,
            },
            permission,
            ignore_public,
        );
        let by_account = (root || *identity_allowed)
            && canonical
                .clone()
                .is_some_and(|id| acl.allows(&Requester::signed(id), permission, ignore_public));
        if !(by_group || by_account) {
            return Ok(false);
        }
    }
    Ok(true)
}
