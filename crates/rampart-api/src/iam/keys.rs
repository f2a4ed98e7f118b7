//! Access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey. Without
//! `UserName` each acts on the caller's own keys (an account root's when the caller is root).

use rampart_iam::KeyStatus;

use super::paging::Page;
use super::shapes;
use super::{Ctx, Outcome};
use crate::query_api::{QueryApiError, XmlWriter};

/// The user whose keys the request is about (`None`: the root user's), and the resource
/// that authorizes it.
fn key_owner(cx: &Ctx<'_>) -> Result<(Option<String>, String), QueryApiError> {
    let user = cx.named_or_calling_user()?;
    let resource = match &user {
        Some(name) => cx.user_arn(name),
        None => cx.principal.arn(),
    };
    Ok((user, resource))
}

pub async fn create_access_key(cx: &Ctx<'_>) -> Outcome {
    let (user, resource) = key_owner(cx)?;
    cx.authorize(&resource)?;
    let (key, secret) = cx
        .store()
        .create_access_key(cx.account, user.as_deref())
        .await?;
    let mut w = XmlWriter::new();
    w.element("AccessKey", |w| {
        w.opt_text("UserName", key.user_name.as_deref());
        w.text("AccessKeyId", key.id.as_str());
        w.text("Status", key.status.as_str());
        w.text("SecretAccessKey", secret.expose());
        w.date("CreateDate", key.created);
    });
    Ok(Some(w))
}

pub fn list_access_keys(cx: &Ctx<'_>) -> Outcome {
    let (user, resource) = key_owner(cx)?;
    cx.authorize(&resource)?;
    let keys = cx.store().list_access_keys(cx.account, user.as_deref())?;
    let page = Page::of(cx.params, keys, |k| k.id.as_str())?;
    let mut w = XmlWriter::new();
    w.list("AccessKeyMetadata", &page.items, |w, key| {
        shapes::access_key_metadata(w, key)
    });
    page.write_tail(&mut w);
    Ok(Some(w))
}

pub async fn update_access_key(cx: &Ctx<'_>) -> Outcome {
    let key_id = cx.params.required("AccessKeyId")?;
    let status = match cx.params.required("Status")? {
        "Active" => KeyStatus::Active,
        "Inactive" => KeyStatus::Inactive,
        other => {
            return Err(QueryApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
            )));
        }
    };
    let (user, resource) = key_owner(cx)?;
    cx.authorize(&resource)?;
    cx.store()
        .update_access_key(cx.account, user.as_deref(), key_id, status)
        .await?;
    Ok(None)
}

pub async fn delete_access_key(cx: &Ctx<'_>) -> Outcome {
    let key_id = cx.params.required("AccessKeyId")?;
    let (user, resource) = key_owner(cx)?;
    cx.authorize(&resource)?;
    cx.store()
        .delete_access_key(cx.account, user.as_deref(), key_id)
        .await?;
    Ok(None)
}
