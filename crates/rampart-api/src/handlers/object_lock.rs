//! Object Lock: Put/GetObjectLockConfiguration, Put/GetObjectRetention, Put/GetObjectLegalHold,
//! and the lock headers of writes, reads and deletes.

use axum::response::Response;
use http::StatusCode;
use rampart_engine::object_lock::{LockMode, ObjectLock, ObjectLockConfig, Retention};

use super::bucket_tagging::read_config_body;
use super::object::set_version_header;
use crate::authz::s3_actions::ResourceKind;
use crate::authz::{self};
use crate::body::read_checked_body;
use crate::error::{ApiError, S3ErrorCode};
use crate::headers;
use crate::response;
use crate::service::RequestCtx;
use crate::xml::object_lock::{
    LegalHoldXml, ObjectLockConfigurationXml, RetentionXml, legal_hold_status, parse_retain_until,
    retain_until_date,
};
use crate::xml::{from_body, to_document};

/// Lock documents are a few hundred bytes.
const MAX_LOCK_BODY: usize = 4 * 1024;

pub async fn get_object_lock_configuration(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let config = ctx
        .state
        .engine
        .object_lock_configuration(ctx.bucket()?)
        .await?;
    let doc = ObjectLockConfigurationXml::from(&config);
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}

pub async fn put_object_lock_configuration(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_config_body(ctx, MAX_LOCK_BODY).await?;
    let xml: ObjectLockConfigurationXml = from_body(&body)?;
    let config = ObjectLockConfig::try_from(xml)?;
    ctx.state
        .engine
        .set_object_lock_configuration(ctx.bucket()?, config)
        .await?;
    Ok(response::empty(StatusCode::OK))
}

pub async fn get_object_retention(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let lock = ctx
        .state
        .engine
        .object_lock_of(ctx.bucket()?, ctx.key()?.as_str(), ctx.version_id())
        .await?;
    let retention = lock
        .retention
        .ok_or_else(|| ApiError::new(S3ErrorCode::NoSuchObjectLockConfiguration))?;
    Ok(response::xml(
        StatusCode::OK,
        to_document(&RetentionXml::from(&retention))?,
    ))
}

pub async fn put_object_retention(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_checked_body(ctx, MAX_LOCK_BODY).await?;
    let retention = if body.is_empty() {
        return Err(ApiError::new(S3ErrorCode::MissingRequestBodyError));
    } else {
        from_body::<RetentionXml>(&body)?.into_retention()?
    };
    let bypass = bypass_governance(ctx).await?;
    let version = ctx
        .state
        .engine
        .set_object_retention(
            ctx.bucket()?,
            ctx.key()?.as_str(),
            ctx.version_id(),
            retention,
            bypass,
        )
        .await?;
    let mut r = response::empty(StatusCode::OK);
    set_version_header(ctx, &mut r, version.as_deref())?;
    Ok(r)
}

pub async fn get_object_legal_hold(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let lock = ctx
        .state
        .engine
        .object_lock_of(ctx.bucket()?, ctx.key()?.as_str(), ctx.version_id())
        .await?;
    let on = lock
        .legal_hold
        .ok_or_else(|| ApiError::new(S3ErrorCode::NoSuchObjectLockConfiguration))?;
    Ok(response::xml(
        StatusCode::OK,
        to_document(&LegalHoldXml::new(on))?,
    ))
}

pub async fn put_object_legal_hold(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_checked_body(ctx, MAX_LOCK_BODY).await?;
    if body.is_empty() {
        return Err(ApiError::new(S3ErrorCode::MissingRequestBodyError));
    }
    let on = from_body::<LegalHoldXml>(&body)?.is_on()?;
    let version = ctx
        .state
        .engine
        .set_object_legal_hold(ctx.bucket()?, ctx.key()?.as_str(), ctx.version_id(), on)
        .await?;
    let mut r = response::empty(StatusCode::OK);
    set_version_header(ctx, &mut r, version.as_deref())?;
    Ok(r)
}

/// The Object Lock settings a write names in `x-amz-object-lock-mode`,
/// `x-amz-object-lock-retain-until-date` and `x-amz-object-lock-legal-hold`, checked as S3
/// checks them, and authorized: a retention needs s3:PutObjectRetention and a legal hold
/// s3:PutObjectLegalHold, besides the write's own permission.
pub(crate) async fn requested_lock(
    ctx: &RequestCtx,
    headers: &http::HeaderMap,
) -> Result<ObjectLock, ApiError> {
    let lock = parse_lock_headers(headers)?;
    if lock.is_empty() {
        return Ok(lock);
    }
    if ctx
        .bucket_record
        .as_ref()
        .is_some_and(|b| b.object_lock.is_none())
    {
        return Err(ApiError::from(
            rampart_engine::EngineError::ObjectLockNotEnabled,
        ));
    }
    let mut actions = Vec::new();
    if lock.retention.is_some() {
        actions.push("s3:PutObjectRetention");
    }
    if lock.legal_hold.is_some() {
        actions.push("s3:PutObjectLegalHold");
    }
    authz::authorize_s3_actions(
        &ctx.state,
        &ctx.principal,
        &ctx.info,
        &ctx.s3_access(ctx.endpoint),
        &actions,
        ResourceKind::Object,
        None,
    )
    .await?;
    Ok(lock)
}

fn parse_lock_headers(h: &http::HeaderMap) -> Result<ObjectLock, ApiError> {
    let mode = headers::get(h, "x-amz-object-lock-mode")?;
    let until = headers::get(h, "x-amz-object-lock-retain-until-date")?;
    let retention = match (mode, until) {
        (None, None) => None,
        (Some(mode), Some(until)) => {
            let mode = LockMode::parse(mode.trim()).ok_or_else(|| {
                ApiError::invalid_argument(
                    "Unknown wormMode directive.",
                    "x-amz-object-lock-mode",
                    mode,
                )
            })?;
            let retain_until_ms = parse_retain_until(until.trim()).ok_or_else(|| {
                ApiError::invalid_argument(
                    "The retain until date must be provided in ISO 8601 format",
                    "x-amz-object-lock-retain-until-date",
                    until,
                )
            })?;
            let now = rampart_engine::object_lock::ms_of_system_time(std::time::SystemTime::now());
            if retain_until_ms <= now {
                return Err(ApiError::invalid_argument(
                    "The retain until date must be in the future!",
                    "x-amz-object-lock-retain-until-date",
                    until,
                ));
            }
            Some(Retention {
                mode,
                retain_until_ms,
            })
        }
        (Some(value), None) | (None, Some(value)) => {
            return Err(ApiError::invalid_argument(
                "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
                "x-amz-object-lock-mode",
                value,
            ));
        }
    };
    let legal_hold = match headers::get(h, "x-amz-object-lock-legal-hold")? {
        None => None,
        Some("ON") => Some(true),
        Some("OFF") => Some(false),
        Some(other) => {
            return Err(ApiError::invalid_argument(
                "Legal Hold must be either of 'ON' or 'OFF'",
                "x-amz-object-lock-legal-hold",
                other,
            ));
        }
    };
    Ok(ObjectLock {
        retention,
        legal_hold,
    })
}

/// S3 requires an upload that Object Lock will protect (lock headers, or a bucket default
/// retention) to carry Content-MD5 or a flexible checksum, so what is locked is what was sent.
pub(crate) fn require_integrity_check(ctx: &RequestCtx, lock: &ObjectLock) -> Result<(), ApiError> {
    let defaulted = ctx
        .bucket_record
        .as_ref()
        .and_then(|b| b.object_lock.as_ref())
        .is_some_and(|c| c.default_retention.is_some());
    if lock.is_empty() && !defaulted {
        return Ok(());
    }
    let has_checksum = ctx.headers.contains_key("content-md5")
        || ctx.headers.contains_key("x-amz-sdk-checksum-algorithm")
        || ctx
            .headers
            .keys()
            .any(|name| name.as_str().starts_with("x-amz-checksum-"))
        || headers::get(&ctx.headers, "x-amz-trailer")?
            .is_some_and(|t| t.to_ascii_lowercase().contains("x-amz-checksum-"));
    if has_checksum {
        return Ok(());
    }
    Err(ApiError::with_message(
        S3ErrorCode::InvalidRequest,
        "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters",
    ))
}

/// Whether this request may pass over a GOVERNANCE retention: it asked to, with
/// `x-amz-bypass-governance-retention: true`, and its caller holds
/// s3:BypassGovernanceRetention on the object.
pub(crate) async fn bypass_governance(ctx: &RequestCtx) -> Result<bool, ApiError> {
    bypass_governance_for(ctx, ctx.key()?.as_str()).await
}

/// [`bypass_governance`] for one key of a request that names several (DeleteObjects).
pub(crate) async fn bypass_governance_for(ctx: &RequestCtx, key: &str) -> Result<bool, ApiError> {
    let asked = headers::get(&ctx.headers, "x-amz-bypass-governance-retention")?
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if !asked {
        return Ok(false);
    }
    let mut access = ctx.s3_access(ctx.endpoint);
    access.key = Some(key);
    Ok(authz::authorize_s3_actions(
        &ctx.state,
        &ctx.principal,
        &ctx.info,
        &access,
        &["s3:BypassGovernanceRetention"],
        ResourceKind::Object,
        None,
    )
    .await
    .is_ok())
}

/// The lock headers of a GET or HEAD response, each shown only to a caller who may read it
/// (s3:GetObjectRetention, s3:GetObjectLegalHold), as S3 does.
pub(crate) async fn set_lock_headers(
    ctx: &RequestCtx,
    r: &mut Response,
    lock: &ObjectLock,
) -> Result<(), ApiError> {
    if let Some(retention) = &lock.retention
        && may(ctx, "s3:GetObjectRetention").await
    {
        response::set(r, "x-amz-object-lock-mode", retention.mode.as_str())?;
        response::set(
            r,
            "x-amz-object-lock-retain-until-date",
            &retain_until_date(retention.retain_until_ms),
        )?;
    }
    if let Some(on) = lock.legal_hold
        && may(ctx, "s3:GetObjectLegalHold").await
    {
        response::set(r, "x-amz-object-lock-legal-hold", legal_hold_status(on))?;
    }
    Ok(())
}

async fn may(ctx: &RequestCtx, action: &str) -> bool {
    authz::authorize_s3_actions(
        &ctx.state,
        &ctx.principal,
        &ctx.info,
        &ctx.s3_access(ctx.endpoint),
        &[action],
        ResourceKind::Object,
        None,
    )
    .await
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn lock_headers() {
        assert!(parse_lock_headers(&headers(&[])).unwrap().is_empty());
        let lock = parse_lock_headers(&headers(&[
            ("x-amz-object-lock-mode", "GOVERNANCE"),
            (
                "x-amz-object-lock-retain-until-date",
                "2099-01-01T00:00:00Z",
            ),
            ("x-amz-object-lock-legal-hold", "ON"),
        ]))
        .unwrap();
        assert_eq!(lock.retention.unwrap().mode, LockMode::Governance);
        assert_eq!(lock.legal_hold, Some(true));
        let err = |pairs: &[(&'static str, &str)]| parse_lock_headers(&headers(pairs)).unwrap_err();
        let only_mode = err(&[("x-amz-object-lock-mode", "GOVERNANCE")]);
        assert_eq!(only_mode.code, S3ErrorCode::InvalidArgument);
        assert!(only_mode.message.contains("must both be supplied"));
        let past = err(&[
            ("x-amz-object-lock-mode", "COMPLIANCE"),
            (
                "x-amz-object-lock-retain-until-date",
                "2001-01-01T00:00:00Z",
            ),
        ]);
        assert_eq!(past.message, "The retain until date must be in the future!");
        let bad_mode = err(&[
            ("x-amz-object-lock-mode", "governance"),
            (
                "x-amz-object-lock-retain-until-date",
                "2099-01-01T00:00:00Z",
            ),
        ]);
        assert_eq!(bad_mode.code, S3ErrorCode::InvalidArgument);
        let bad_hold = err(&[("x-amz-object-lock-legal-hold", "YES")]);
        assert_eq!(bad_hold.code, S3ErrorCode::InvalidArgument);
    }
}
