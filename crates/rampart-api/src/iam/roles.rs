//! Roles: CreateRole, GetRole, ListRoles, DeleteRole, UpdateAssumeRolePolicy.

use super::paging::Page;
use super::shapes::{self, Detail};
use super::users::to_tags;
use super::{Ctx, Outcome, refuse_unsupported, request_tag_keys};
use crate::query_api::XmlWriter;

/// IAM's bounds for a role's `MaxSessionDuration`, in seconds.
const MIN_SESSION_SECONDS: i64 = 3600;
const MAX_SESSION_SECONDS: i64 = 43200;

pub async fn create_role(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("RoleName")?;
    let trust_policy = cx.params.required("AssumeRolePolicyDocument")?;
    let path = cx.params.get("Path").unwrap_or("/");
    let description = cx.params.get("Description").map(str::to_owned);
    let max_session = cx
        .params
        .int(
            "MaxSessionDuration",
            MIN_SESSION_SECONDS,
            MAX_SESSION_SECONDS,
        )?
        .map(|s| s as u32);
    refuse_unsupported(cx.params, "PermissionsBoundary", "Permissions boundaries")?;
    let tags = cx.params.tags("Tags.member")?;
    cx.authorize_with(&cx.arn("role", path, name), request_tag_keys(&tags))?;
    let role = cx
        .store()
        .create_role(
            cx.account,
            name,
            path,
            trust_policy,
            description,
            max_session,
            to_tags(tags),
        )
        .await?;
    let mut w = XmlWriter::new();
    w.element("Role", |w| shapes::role(w, &role, Detail::Created));
    Ok(Some(w))
}

pub fn get_role(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("RoleName")?;
    cx.authorize(&cx.role_arn(name))?;
    let role = cx.store().get_role(cx.account, name)?;
    let mut w = XmlWriter::new();
    w.element("Role", |w| shapes::role(w, &role, Detail::Full));
    Ok(Some(w))
}

pub fn list_roles(cx: &Ctx<'_>) -> Outcome {
    let prefix = cx.path_prefix()?;
    cx.authorize(&cx.arn("role", prefix, ""))?;
    let roles = cx.store().list_roles(cx.account, prefix);
    let page = Page::of(cx.params, roles, |r| r.name.as_str())?;
    let mut w = XmlWriter::new();
    w.list("Roles", &page.items, |w, role| {
        shapes::role(w, role, Detail::Listing)
    });
    page.write_tail(&mut w);
    Ok(Some(w))
}

pub async fn delete_role(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("RoleName")?;
    cx.authorize(&cx.role_arn(name))?;
    cx.store().delete_role(cx.account, name).await?;
    Ok(None)
}

pub async fn update_assume_role_policy(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("RoleName")?;
    let document = cx.params.required("PolicyDocument")?;
    cx.authorize(&cx.role_arn(name))?;
    cx.store()
        .update_assume_role_policy(cx.account, name, document)
        .await?;
    Ok(None)
}
