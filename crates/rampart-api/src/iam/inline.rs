//! Inline policies of users, groups and roles: Put/Get/List/Delete{User,Group,Role}Policy.

use rampart_iam::PolicyTarget;

use super::paging::Page;
use super::shapes::encode_document;
use super::{Ctx, Outcome};
use crate::query_api::{QueryApiError, XmlWriter};

/// The identity an inline-policy or attachment action is about, named by the action.
pub(super) struct Target {
    pub target: PolicyTarget,
    /// `UserName`, `GroupName` or `RoleName`: the parameter, and the result element.
    pub param: &'static str,
    pub name: String,
    /// The identity's ARN: the resource that authorizes the action.
    pub arn: String,
}

impl Target {
    pub fn of(cx: &Ctx<'_>) -> Result<Self, QueryApiError> {
        let action = cx.action();
        let (param, make): (_, fn(String) -> PolicyTarget) = if action.contains("User") {
            ("UserName", PolicyTarget::User)
        } else if action.contains("Group") {
            ("GroupName", PolicyTarget::Group)
        } else {
            ("RoleName", PolicyTarget::Role)
        };
        let name = cx.params.required(param)?.to_owned();
        let arn = match param {
            "UserName" => cx.user_arn(&name),
            "GroupName" => cx.group_arn(&name),
            _ => cx.role_arn(&name),
        };
        Ok(Self {
            target: make(name.clone()),
            param,
            name,
            arn,
        })
    }
}

pub async fn put(cx: &Ctx<'_>) -> Outcome {
    let target = Target::of(cx)?;
    let policy_name = cx.params.required("PolicyName")?;
    let document = cx.params.required("PolicyDocument")?;
    cx.authorize(&target.arn)?;
    cx.store()
        .put_inline_policy(cx.account, &target.target, policy_name, document)
        .await?;
    Ok(None)
}

/// The document comes back URL-encoded, as IAM returns it.
pub fn get(cx: &Ctx<'_>) -> Outcome {
    let target = Target::of(cx)?;
    let policy_name = cx.params.required("PolicyName")?;
    cx.authorize(&target.arn)?;
    let document = cx
        .store()
        .get_inline_policy(cx.account, &target.target, policy_name)?;
    let mut w = XmlWriter::new();
    w.text(target.param, &target.name);
    w.text("PolicyName", policy_name);
    w.text("PolicyDocument", &encode_document(&document));
    Ok(Some(w))
}

pub fn list(cx: &Ctx<'_>) -> Outcome {
    let target = Target::of(cx)?;
    cx.authorize(&target.arn)?;
    let mut names = cx
        .store()
        .list_inline_policies(cx.account, &target.target)?;
    names.sort();
    let page = Page::of(cx.params, names, |n| n.as_str())?;
    let mut w = XmlWriter::new();
    w.string_list("PolicyNames", page.items.iter().map(String::as_str));
    page.write_tail(&mut w);
    Ok(Some(w))
}

pub async fn delete(cx: &Ctx<'_>) -> Outcome {
    let target = Target::of(cx)?;
    let policy_name = cx.params.required("PolicyName")?;
    cx.authorize(&target.arn)?;
    cx.store()
        .delete_inline_policy(cx.account, &target.target, policy_name)
        .await?;
    Ok(None)
}
