//! Groups: CreateGroup, GetGroup, ListGroups, DeleteGroup, AddUserToGroup,
//! RemoveUserFromGroup, ListGroupsForUser.

use super::paging::Page;
use super::shapes::{self, Detail};
use super::{Ctx, Outcome};
use crate::query_api::XmlWriter;

pub async fn create_group(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("GroupName")?;
    let path = cx.params.get("Path").unwrap_or("/");
    cx.authorize(&cx.arn("group", path, name))?;
    let group = cx.store().create_group(cx.account, name, path).await?;
    let mut w = XmlWriter::new();
    w.element("Group", |w| shapes::group(w, &group));
    Ok(Some(w))
}

/// The group and a page of its members.
pub fn get_group(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("GroupName")?;
    cx.authorize(&cx.group_arn(name))?;
    let (group, mut users) = cx.store().get_group(cx.account, name)?;
    users.sort_by(|a, b| a.name.cmp(&b.name));
    let page = Page::of(cx.params, users, |u| u.name.as_str())?;
    let mut w = XmlWriter::new();
    w.element("Group", |w| shapes::group(w, &group));
    w.list("Users", &page.items, |w, user| {
        shapes::user(w, user, Detail::Listing)
    });
    page.write_tail(&mut w);
    Ok(Some(w))
}

pub fn list_groups(cx: &Ctx<'_>) -> Outcome {
    let prefix = cx.path_prefix()?;
    cx.authorize(&cx.arn("group", prefix, ""))?;
    let groups = cx.store().list_groups(cx.account, prefix);
    let page = Page::of(cx.params, groups, |g| g.name.as_str())?;
    let mut w = XmlWriter::new();
    w.list("Groups", &page.items, shapes::group);
    page.write_tail(&mut w);
    Ok(Some(w))
}

pub async fn delete_group(cx: &Ctx<'_>) -> Outcome {
    let name = cx.params.required("GroupName")?;
    cx.authorize(&cx.group_arn(name))?;
    cx.store().delete_group(cx.account, name).await?;
    Ok(None)
}

/// Membership changes act on the group (AWS's resource for both actions).
pub async fn add_user_to_group(cx: &Ctx<'_>) -> Outcome {
    let group = cx.params.required("GroupName")?;
    let user = cx.params.required("UserName")?;
    cx.authorize(&cx.group_arn(group))?;
    cx.store()
        .add_user_to_group(cx.account, group, user)
        .await?;
    Ok(None)
}

pub async fn remove_user_from_group(cx: &Ctx<'_>) -> Outcome {
    let group = cx.params.required("GroupName")?;
    let user = cx.params.required("UserName")?;
    cx.authorize(&cx.group_arn(group))?;
    cx.store()
        .remove_user_from_group(cx.account, group, user)
        .await?;
    Ok(None)
}

pub fn list_groups_for_user(cx: &Ctx<'_>) -> Outcome {
    let user = cx.params.required("UserName")?;
    cx.authorize(&cx.user_arn(user))?;
    let mut groups = cx.store().list_groups_for_user(cx.account, user)?;
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let page = Page::of(cx.params, groups, |g| g.name.as_str())?;
    let mut w = XmlWriter::new();
    w.list("Groups", &page.items, shapes::group);
    page.write_tail(&mut w);
    Ok(Some(w))
}
