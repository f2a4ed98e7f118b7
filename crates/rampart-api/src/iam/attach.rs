//! Managed-policy attachments: Attach/Detach{User,Group,Role}Policy and
//! ListAttached{User,Group,Role}Policies. AWS authorizes them on the identity, with the
//! policy in the `iam:PolicyARN` condition key.

use rampart_policy::ContextKeys;

use super::inline::Target;
use super::paging::Page;
use super::shapes;
use super::{Ctx, Outcome};
use crate::query_api::XmlWriter;

pub async fn attach(cx: &Ctx<'_>) -> Outcome {
    let target = Target::of(cx)?;
    let policy_arn = cx.params.required("PolicyArn")?;
    cx.authorize_with(&target.arn, policy_arn_key(policy_arn))?;
    cx.store()
        .attach_policy(cx.account, &target.target, policy_arn)
        .await?;
    Ok(None)
}

pub async fn detach(cx: &Ctx<'_>) -> Outcome {
    let target = Target::of(cx)?;
    let policy_arn = cx.params.required("PolicyArn")?;
    cx.authorize_with(&target.arn, policy_arn_key(policy_arn))?;
    cx.store()
        .detach_policy(cx.account, &target.target, policy_arn)
        .await?;
    Ok(None)
}

pub fn list_attached(cx: &Ctx<'_>) -> Outcome {
    let target = Target::of(cx)?;
    cx.authorize(&target.arn)?;
    let mut policies =
        cx.store()
            .list_attached_policies(cx.account, &target.target, cx.path_prefix()?)?;
    policies.sort_by(|a, b| a.arn.cmp(&b.arn));
    let page = Page::of(cx.params, policies, |p| p.arn.as_str())?;
    let mut w = XmlWriter::new();
    w.list("AttachedPolicies", &page.items, |w, policy| {
        shapes::attached_policy(w, policy)
    });
    page.write_tail(&mut w);
    Ok(Some(w))
}

fn policy_arn_key(arn: &str) -> ContextKeys {
    let mut keys = ContextKeys::new();
    keys.set("iam:PolicyARN", arn);
    keys
}
