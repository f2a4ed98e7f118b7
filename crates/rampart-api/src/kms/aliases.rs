//! CreateAlias, UpdateAlias, DeleteAlias and ListAliases. Each alias operation needs
//! permission on the alias (IAM policies) and on the key(s) it touches (key policies).

use rampart_policy::ContextKeys;
use serde_json::json;

use super::shapes::{epoch, paging};
use super::{Ctx, KeyParam, KmsApiError, Outcome};

/// The alias named by `AliasName` must exist; its current key.
async fn current_target(cx: &Ctx<'_>, name: &str) -> Result<rampart_kms::Key, KmsApiError> {
    let Some(alias) = cx.kms().get_alias(cx.account, name).await? else {
        return Err(KmsApiError::not_found(format!(
            "Alias {} is not found.",
            cx.kms().alias_arn(cx.account, name)
        )));
    };
    cx.key(&alias.target_key_id, KeyParam::Own).await
}

pub async fn create_alias(cx: &Ctx<'_>) -> Outcome {
    let name = cx.input.required_str("AliasName")?;
    let target = cx.input.required_str("TargetKeyId")?;
    rampart_kms::ids::check_alias_name(name)?;
    let key = cx.key(target, KeyParam::Own).await?;
    cx.authorize_iam("kms:CreateAlias", &cx.kms().alias_arn(cx.account, name))?;
    cx.authorize("kms:CreateAlias", &key, ContextKeys::new())?;
    cx.kms().create_alias(cx.account, name, &key).await?;
    Ok(None)
}

pub async fn update_alias(cx: &Ctx<'_>) -> Outcome {
    let name = cx.input.required_str("AliasName")?;
    let target = cx.input.required_str("TargetKeyId")?;
    rampart_kms::ids::check_alias_name(name)?;
    let old = current_target(cx, name).await?;
    let new = cx.key(target, KeyParam::Own).await?;
    cx.authorize_iam("kms:UpdateAlias", &cx.kms().alias_arn(cx.account, name))?;
    cx.authorize("kms:UpdateAlias", &old, ContextKeys::new())?;
    cx.authorize("kms:UpdateAlias", &new, ContextKeys::new())?;
    cx.kms().update_alias(cx.account, name, &new).await?;
    Ok(None)
}

pub async fn delete_alias(cx: &Ctx<'_>) -> Outcome {
    let name = cx.input.required_str("AliasName")?;
    if name.starts_with(rampart_kms::ids::RESERVED_ALIAS_PREFIX) {
        rampart_kms::ids::check_alias_name(name)?;
    }
    let key = current_target(cx, name).await?;
    cx.authorize_iam("kms:DeleteAlias", &cx.kms().alias_arn(cx.account, name))?;
    cx.authorize("kms:DeleteAlias", &key, ContextKeys::new())?;
    cx.kms().delete_alias(cx.account, name).await?;
    Ok(None)
}

pub async fn list_aliases(cx: &Ctx<'_>) -> Outcome {
    cx.authorize_iam("kms:ListAliases", "*")?;
    let limit = cx.input.limit()?;
    let key_id = match cx.input.str("KeyId")? {
        Some(k) => Some(cx.key(k, KeyParam::Own).await?.id),
        None => None,
    };
    let page = cx
        .kms()
        .list_aliases(
            cx.account,
            key_id.as_deref(),
            limit,
            cx.input.str("Marker")?,
        )
        .await?;
    let aliases: Vec<_> = page
        .items
        .iter()
        .map(|a| {
            json!({
                "AliasName": a.name,
                "AliasArn": a.arn,
                "TargetKeyId": a.target_key_id,
                "CreationDate": epoch(a.created),
                "LastUpdatedDate": epoch(a.updated),
            })
        })
        .collect();
    let mut out = json!({ "Aliases": aliases });
    paging(&mut out, page.next_marker);
    Ok(Some(out))
}
