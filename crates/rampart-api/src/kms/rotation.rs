//! EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand and
//! ListKeyRotations.

use rampart_policy::ContextKeys;
use serde_json::json;

use super::shapes::{epoch, paging};
use super::{Ctx, KeyParam, Outcome};

pub async fn enable_key_rotation(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    let days = cx.input.int("RotationPeriodInDays")?;
    let mut extra = ContextKeys::new();
    if let Some(d) = days {
        extra.set("kms:RotationPeriodInDays", d.to_string());
    }
    cx.authorize("kms:EnableKeyRotation", &key, extra)?;
    cx.kms().enable_key_rotation(&key, days).await?;
    Ok(None)
}

pub async fn disable_key_rotation(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    cx.authorize("kms:DisableKeyRotation", &key, ContextKeys::new())?;
    cx.kms().disable_key_rotation(&key).await?;
    Ok(None)
}

pub async fn get_key_rotation_status(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::AnyAccount).await?;
    cx.authorize("kms:GetKeyRotationStatus", &key, ContextKeys::new())?;
    let mut out = json!({
        "KeyId": key.arn,
        "KeyRotationEnabled": key.rotation_enabled,
    });
    if key.rotation_enabled {
        if let Some(days) = key.rotation_period_days {
            out["RotationPeriodInDays"] = json!(days);
        }
        if let Some(next) = key.next_rotation {
            out["NextRotationDate"] = epoch(next);
        }
    }
    Ok(Some(out))
}

pub async fn rotate_key_on_demand(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    cx.authorize("kms:RotateKeyOnDemand", &key, ContextKeys::new())?;
    let key = cx.kms().rotate_key_on_demand(&key).await?;
    Ok(Some(json!({ "KeyId": key.arn })))
}

pub async fn list_key_rotations(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    cx.authorize("kms:ListKeyRotations", &key, ContextKeys::new())?;
    let limit = cx.input.limit()?;
    let page = cx
        .kms()
        .list_key_rotations(&key, limit, cx.input.str("Marker")?)?;
    let rotations: Vec<_> = page
        .items
        .iter()
        .map(|r| {
            json!({
                "KeyId": key.id,
                "RotationDate": epoch(r.rotation_date),
                "RotationType": r.rotation_type.as_str(),
            })
        })
        .collect();
    let mut out = json!({ "Rotations": rotations });
    paging(&mut out, page.next_marker);
    Ok(Some(out))
}
