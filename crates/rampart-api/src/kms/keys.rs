//! CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion,
//! CancelKeyDeletion, GetKeyPolicy, PutKeyPolicy and ListKeyPolicies.

use rampart_kms::{CreateKeyInput, Key, KeyManager};
use rampart_policy::ContextKeys;
use serde_json::json;

use super::shapes::{epoch, key_metadata, paging};
use super::{Ctx, KeyParam, KmsApiError, Outcome};
use crate::authz::kms::authorize_key_with_policy;

/// The only key policy name.
const POLICY_NAME: &str = "default";

/// AWS refuses a key policy that would lock the caller out of changing it again, unless the
/// request bypasses the check.
fn lockout_check(cx: &Ctx<'_>, key: &Key, policy: &str) -> Result<(), KmsApiError> {
    if cx.input.bool("BypassPolicyLockoutSafetyCheck")? {
        return Ok(());
    }
    rampart_kms::check_key_policy(policy)?;
    authorize_key_with_policy(
        cx.state,
        cx.principal,
        cx.info,
        "kms:PutKeyPolicy",
        key,
        policy,
        ContextKeys::new(),
    )
    .map_err(|_| {
        KmsApiError::new(
            "MalformedPolicyDocumentException",
            "The new key policy will not allow you to update the key policy in the future.",
        )
    })
}

pub async fn create_key(cx: &Ctx<'_>) -> Outcome {
    cx.authorize_iam("kms:CreateKey", "*")?;
    let i = &cx.input;
    let input = CreateKeyInput {
        description: i.str("Description")?.map(str::to_owned),
        policy: i.str("Policy")?.map(str::to_owned),
        key_usage: i.str("KeyUsage")?.map(str::to_owned),
        key_spec: match i.str("KeySpec")? {
            Some(s) => Some(s.to_owned()),
            None => i.str("CustomerMasterKeySpec")?.map(str::to_owned),
        },
        origin: i.str("Origin")?.map(str::to_owned),
        custom_key_store_id: i.str("CustomKeyStoreId")?.map(str::to_owned),
        multi_region: i.bool("MultiRegion")?,
        tags: i.tags()?,
    };
    if let Some(policy) = &input.policy {
        // Check against a stand-in for the new key: the decision depends only on the policy,
        // the caller and the key's account.
        let probe = Key {
            account: cx.account.clone(),
            id: String::new(),
            arn: cx.kms().key_arn(cx.account, "*"),
            description: String::new(),
            created: cx.info.now,
            state: rampart_kms::KeyState::Enabled,
            deletion_date: None,
            pending_window_days: None,
            manager: KeyManager::Customer,
            policy: policy.clone(),
            rotation_enabled: false,
            rotation_period_days: None,
            next_rotation: None,
            current_material_version: 1,
            rotations: Vec::new(),
        };
        lockout_check(cx, &probe, policy)?;
    }
    let key = cx.kms().create_key(cx.account, input).await?;
    Ok(Some(json!({ "KeyMetadata": key_metadata(&key) })))
}

pub async fn describe_key(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Any).await?;
    cx.authorize("kms:DescribeKey", &key, ContextKeys::new())?;
    Ok(Some(json!({ "KeyMetadata": key_metadata(&key) })))
}

pub async fn list_keys(cx: &Ctx<'_>) -> Outcome {
    cx.authorize_iam("kms:ListKeys", "*")?;
    let limit = cx.input.limit()?;
    let page = cx
        .kms()
        .list_keys(cx.account, limit, cx.input.str("Marker")?)
        .await?;
    let keys: Vec<_> = page
        .items
        .iter()
        .map(|k| json!({ "KeyId": k.id, "KeyArn": k.arn }))
        .collect();
    let mut out = json!({ "Keys": keys });
    paging(&mut out, page.next_marker);
    Ok(Some(out))
}

pub async fn enable_key(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    cx.authorize("kms:EnableKey", &key, ContextKeys::new())?;
    cx.kms().enable_key(&key).await?;
    Ok(None)
}

pub async fn disable_key(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    cx.authorize("kms:DisableKey", &key, ContextKeys::new())?;
    cx.kms().disable_key(&key).await?;
    Ok(None)
}

pub async fn schedule_key_deletion(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    let mut extra = ContextKeys::new();
    let days = cx.input.int("PendingWindowInDays")?;
    if let Some(d) = days {
        extra.set("kms:ScheduleKeyDeletionPendingWindowInDays", d.to_string());
    }
    cx.authorize("kms:ScheduleKeyDeletion", &key, extra)?;
    let key = cx.kms().schedule_key_deletion(&key, days).await?;
    let mut out = json!({
        "KeyId": key.arn,
        "KeyState": key.state.as_str(),
    });
    if let Some(d) = key.deletion_date {
        out["DeletionDate"] = epoch(d);
    }
    if let Some(days) = key.pending_window_days {
        out["PendingWindowInDays"] = json!(days);
    }
    Ok(Some(out))
}

pub async fn cancel_key_deletion(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    cx.authorize("kms:CancelKeyDeletion", &key, ContextKeys::new())?;
    let key = cx.kms().cancel_key_deletion(&key).await?;
    Ok(Some(json!({ "KeyId": key.arn })))
}

fn check_policy_name(cx: &Ctx<'_>) -> Result<(), KmsApiError> {
    match cx.input.str("PolicyName")? {
        None | Some(POLICY_NAME) => Ok(()),
        Some(other) => Err(KmsApiError::not_found(format!(
            "Policy {other} does not exist; the only key policy name is \"default\""
        ))),
    }
}

pub async fn get_key_policy(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    check_policy_name(cx)?;
    cx.authorize("kms:GetKeyPolicy", &key, ContextKeys::new())?;
    Ok(Some(
        json!({ "Policy": key.policy, "PolicyName": POLICY_NAME }),
    ))
}

pub async fn put_key_policy(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    check_policy_name(cx)?;
    let policy = cx.input.required_str("Policy")?;
    cx.authorize("kms:PutKeyPolicy", &key, ContextKeys::new())?;
    lockout_check(cx, &key, policy)?;
    cx.kms().put_key_policy(&key, policy).await?;
    Ok(None)
}

pub async fn list_key_policies(cx: &Ctx<'_>) -> Outcome {
    let key = cx.key_named("KeyId", KeyParam::Own).await?;
    cx.authorize("kms:ListKeyPolicies", &key, ContextKeys::new())?;
    Ok(Some(
        json!({ "PolicyNames": [POLICY_NAME], "Truncated": false }),
    ))
}
