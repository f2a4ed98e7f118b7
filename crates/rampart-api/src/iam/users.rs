//! Users: CreateUser, GetUser, ListUsers, DeleteUser, ListUserTags.

use rampart_iam::Tag;

use super::paging::Page;
use super::shapes::{self, Detail};
use super::{Ctx, Outcome, refuse_unsupported, request_tag_keys};
use crate::query_api::XmlWriter;

pub async fn create_user(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("UserName")?;
    let path = cx.params.get("Path").unwrap_or("/");
    refuse_unsupported(cx.params, "PermissionsBoundary", "Permissions boundaries")?;
    let tags = cx.params.tags("Tags.member")?;
    cx.authorize_with(&cx.arn("user", path, name), request_tag_keys(&tags))?;
    let user = cx
        .store()
        .create_user(cx.account, name, path, to_tags(tags))
        .await?;
    let mut w = XmlWriter::new();
    w.element("User", |w| shapes::user(w, &user, Detail::Full));
    Ok(Some(w))
}

/// Without `UserName`, the caller itself: a user sees its own record, an account's root user
/// a record with the root ARN and the account id as `UserId`, as AWS answers.
pub fn get_user(cx: &Ctx<'_>) -> Outcome {
    let mut w = XmlWriter::new();
    match cx.named_or_calling_user()? {
        Some(name) => {
            cx.authorize(&cx.user_arn(&name))?;
            let user = cx.store().get_user(cx.account, &name)?;
            w.element("User", |w| shapes::user(w, &user, Detail::Full));
        }
        None => {
            let arn = cx.principal.arn();
            cx.authorize(&arn)?;
            w.element("User", |w| {
                w.text("UserId", cx.account.as_str());
                w.text("Arn", &arn);
            });
        }
    }
    Ok(Some(w))
}

pub fn list_users(cx: &Ctx<'_>) -> Outcome {
    let prefix = cx.path_prefix()?;
    cx.authorize(&cx.arn("user", prefix, ""))?;
    let users = cx.store().list_users(cx.account, prefix);
    let page = Page::of(cx.params, users, |u| u.name.as_str())?;
    let mut w = XmlWriter::new();
    w.list("Users", &page.items, |w, user| {
        shapes::user(w, user, Detail::Listing)
    });
    page.write_tail(&mut w);
    Ok(Some(w))
}

pub async fn delete_user(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("UserName")?;
    cx.authorize(&cx.user_arn(name))?;
    cx.store().delete_user(cx.account, name).await?;
    Ok(None)
}

pub fn list_user_tags(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("UserName")?;
    cx.authorize(&cx.user_arn(name))?;
    let user = cx.store().get_user(cx.account, name)?;
    let page = Page::of(cx.params, user.tags.clone(), |t| t.key.as_str())?;
    let mut w = XmlWriter::new();
    shapes::tags(&mut w, &page.items);
    page.write_tail(&mut w);
    Ok(Some(w))
}

pub(super) fn to_tags(tags: Vec<(String, String)>) -> Vec<Tag> {
    tags.into_iter()
        .map(|(key, value)| Tag { key, value })
        .collect()
}
