//! Managed policies and their versions: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies,
//! CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions, DeletePolicyVersion,
//! SetDefaultPolicyVersion. Each is authorized on the policy's ARN.

use rampart_iam::PolicyScope;

use super::paging::Page;
use super::shapes::{self, Detail};
use super::{Ctx, Outcome, refuse_unsupported};
use crate::query_api::{QueryApiError, XmlWriter};

pub async fn create_policy(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("PolicyName")?;
    let document = cx.params.required("PolicyDocument")?;
    let path = cx.params.get("Path").unwrap_or("/");
    let description = cx.params.get("Description").map(str::to_owned);
    refuse_unsupported(cx.params, "Tags", "Tags on managed policies")?;
    cx.authorize(&cx.arn("policy", path, name))?;
    let policy = cx
        .store()
        .create_policy(cx.account, name, path, document, description)
        .await?;
    let mut w = XmlWriter::new();
    w.element("Policy", |w| shapes::policy(w, &policy, Detail::Created));
    Ok(Some(w))
}

pub fn get_policy(cx: &Ctx<'_>) -> Outcome {
    let arn = cx.params.required("PolicyArn")?;
    cx.authorize(arn)?;
    let policy = cx.store().get_policy(cx.account, arn)?;
    let mut w = XmlWriter::new();
    w.element("Policy", |w| shapes::policy(w, &policy, Detail::Full));
    Ok(Some(w))
}

pub async fn delete_policy(cx: &Ctx<'_>) -> Outcome {
    let arn = cx.params.required("PolicyArn")?;
    cx.authorize(arn)?;
    cx.store().delete_policy(cx.account, arn).await?;
    Ok(None)
}

pub fn list_policies(cx: &Ctx<'_>) -> Outcome {
    let scope = match cx.params.get("Scope").unwrap_or("All") {
        "All" => PolicyScope::All,
        "AWS" => PolicyScope::Aws,
        "Local" => PolicyScope::Local,
        other => return Err(enum_error(other, "scope", "[All, AWS, Local]")),
    };
    let only_attached = cx.params.bool("OnlyAttached")?.unwrap_or(false);
    match cx.params.get("PolicyUsageFilter") {
        None | Some("PermissionsPolicy") => {}
        Some("PermissionsBoundary") => {
            return Err(QueryApiError::validation(
                "Permissions boundaries are not supported by this server; no policy is used as one.",
            ));
        }
        Some(other) => {
            return Err(enum_error(
                other,
                "policyUsageFilter",
                "[PermissionsPolicy, PermissionsBoundary]",
            ));
        }
    }
    let prefix = cx.path_prefix()?;
    cx.authorize(&cx.arn("policy", prefix, ""))?;
    let mut policies = cx
        .store()
        .list_policies(cx.account, scope, only_attached, prefix);
    policies.sort_by(|a, b| a.arn.cmp(&b.arn));
    let page = Page::of(cx.params, policies, |p| p.arn.as_str())?;
    let mut w = XmlWriter::new();
    w.list("Policies", &page.items, |w, policy| {
        shapes::policy(w, policy, Detail::Listing)
    });
    page.write_tail(&mut w);
    Ok(Some(w))
}

pub async fn create_policy_version(cx: &Ctx<'_>) -> Outcome {
    let arn = cx.params.required("PolicyArn")?;
    let document = cx.params.required("PolicyDocument")?;
    let set_as_default = cx.params.bool("SetAsDefault")?.unwrap_or(false);
    cx.authorize(arn)?;
    let version = cx
        .store()
        .create_policy_version(cx.account, arn, document, set_as_default)
        .await?;
    let mut w = XmlWriter::new();
    // AWS's CreatePolicyVersion answer carries no document.
    w.element("PolicyVersion", |w| {
        shapes::policy_version(w, &version, false)
    });
    Ok(Some(w))
}

pub fn get_policy_version(cx: &Ctx<'_>) -> Outcome {
    let arn = cx.params.required("PolicyArn")?;
    let version_id = cx.params.required("VersionId")?;
    cx.authorize(arn)?;
    let version = cx.store().get_policy_version(cx.account, arn, version_id)?;
    let mut w = XmlWriter::new();
    w.element("PolicyVersion", |w| {
        shapes::policy_version(w, &version, true)
    });
    Ok(Some(w))
}

pub fn list_policy_versions(cx: &Ctx<'_>) -> Outcome {
    let arn = cx.params.required("PolicyArn")?;
    cx.authorize(arn)?;
    let versions = cx.store().list_policy_versions(cx.account, arn)?;
    let page = Page::of(cx.params, versions, |v| v.version_id.as_str())?;
    let mut w = XmlWriter::new();
    w.list("Versions", &page.items, |w, version| {
        shapes::policy_version(w, version, false)
    });
    page.write_tail(&mut w);
    Ok(Some(w))
}

pub async fn delete_policy_version(cx: &Ctx<'_>) -> Outcome {
    let arn = cx.params.required("PolicyArn")?;
    let version_id = cx.params.required("VersionId")?;
    cx.authorize(arn)?;
    cx.store()
        .delete_policy_version(cx.account, arn, version_id)
        .await?;
    Ok(None)
}

pub async fn set_default_policy_version(cx: &Ctx<'_>) -> Outcome {
    let arn = cx.params.required("PolicyArn")?;
    let version_id = cx.params.required("VersionId")?;
    cx.authorize(arn)?;
    cx.store()
        .set_default_policy_version(cx.account, arn, version_id)
        .await?;
    Ok(None)
}

fn enum_error(value: &str, member: &str, set: &str) -> QueryApiError {
    QueryApiError::validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: {set}"
    ))
}
