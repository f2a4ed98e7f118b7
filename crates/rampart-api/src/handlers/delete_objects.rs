//! DeleteObjects: up to 1000 keys in one request.

use axum::response::Response;
use futures::StreamExt;
use http::StatusCode;
use rampart_types::ObjectKey;

use crate::authz::{self, S3Access, s3_actions::ResourceKind};
use crate::body::read_checked_body;
use crate::error::{ApiError, S3ErrorCode};
use crate::response;
use crate::router::Endpoint;
use crate::service::RequestCtx;
use crate::xml::object::{Delete, DeleteErrorXml, DeleteResult, DeletedXml};
use crate::xml::{from_body, to_document};

const MAX_KEYS_PER_REQUEST: usize = 1000;
/// 1000 keys of 1024 bytes each, XML-escaped, with room for the markup.
const MAX_DELETE_BODY: usize = 8 * 1024 * 1024;
/// Deletions in flight at once: enough to share metadata commits, few enough to be fair.
const DELETE_CONCURRENCY: usize = 16;

async fn authorize_key(ctx: &RequestCtx, key: &ObjectKey, versioned: bool) -> Result<(), ApiError> {
    let access = S3Access {
        key: Some(key.as_str()),
        ..ctx.s3_access(Endpoint::DeleteObject)
    };
    let action = if versioned {
        "s3:DeleteObjectVersion"
    } else {
        "s3:DeleteObject"
    };
    authz::authorize_s3_actions(
        &ctx.state,
        &ctx.principal,
        &ctx.info,
        &access,
        &[action],
        ResourceKind::Object,
        None,
    )
    .await
}

/// Only deleting a version can meet a lock; only then is the bypass permission asked about.
async fn bypass_for(ctx: &RequestCtx, key: &ObjectKey, versioned: bool) -> Result<bool, ApiError> {
    if versioned {
        super::object_lock::bypass_governance_for(ctx, key.as_str()).await
    } else {
        Ok(false)
    }
}

pub async fn delete_objects(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_checked_body(ctx, MAX_DELETE_BODY).await?;
    if body.is_empty() {
        return Err(ApiError::new(S3ErrorCode::MissingRequestBodyError));
    }
    let request: Delete = from_body(&body)?;
    if request.objects.is_empty() || request.objects.len() > MAX_KEYS_PER_REQUEST {
        return Err(ApiError::new(S3ErrorCode::MalformedXML));
    }

    // With MFA Delete on, deleting any version needs a valid MFA for the whole request.
    let mfa_delete = ctx.bucket_record.as_ref().is_some_and(|b| b.mfa_delete);
    if mfa_delete
        && request.objects.iter().any(|o| o.version_id.is_some())
        && super::versioning::request_mfa(ctx).await?.is_none()
    {
        return Err(super::versioning::mfa_required());
    }
    let bucket = ctx.bucket()?.clone();
    let engine = ctx.state.engine.clone();
    let owner = super::object::delete_marker_owner(ctx)?;
    let outcomes: Vec<_> = futures::stream::iter(request.objects)
        .map(|object| {
            let engine = engine.clone();
            let bucket = bucket.clone();
            let owner = owner.clone();
            async move {
                let result = match (&object.version_id, ObjectKey::parse(object.key.clone())) {
                    (_, Err(_)) => Err(ApiError::new(S3ErrorCode::KeyTooLongError)),
                    // "Amazon S3 … checks whether you have the s3:DeleteObject permission" for
                    // each key; a denied key is an AccessDenied entry, not a failed request.
                    (version, Ok(key)) => match authorize_key(ctx, &key, version.is_some()).await {
                        Err(e) => Err(e),
                        Ok(()) => match bypass_for(ctx, &key, version.is_some()).await {
                            Err(e) => Err(e),
                            Ok(bypass) => engine
                                .delete_object(
                                    &bucket,
                                    key.as_str(),
                                    version.as_deref(),
                                    &owner,
                                    bypass,
                                )
                                .await
                                .map_err(ApiError::from),
                        },
                    },
                };
                (object, result)
            }
        })
        .buffered(DELETE_CONCURRENCY)
        .collect()
        .await;

    let mut deleted = Vec::new();
    let mut errors = Vec::new();
    let mut recorded = Vec::new();
    for (object, result) in outcomes {
        if let Ok(outcome) = &result {
            recorded.push(rampart_audit::BatchDeletion {
                key: object.key.clone(),
                version_id: object.version_id.clone().or(outcome.version_id.clone()),
            });
        }
        match result {
            Ok(_) if request.quiet => {}
            Ok(outcome) => deleted.push(DeletedXml {
                key: object.key,
                delete_marker: outcome.delete_marker.then_some(true),
                delete_marker_version_id: outcome
                    .delete_marker
                    .then(|| outcome.version_id.clone())
                    .flatten(),
                version_id: object.version_id,
            }),
            Err(e) => {
                if e.code == S3ErrorCode::InternalError {
                    tracing::error!(detail = e.detail.as_deref().unwrap_or(""), key = %object.key, "delete failed");
                }
                errors.push(DeleteErrorXml {
                    key: object.key,
                    version_id: object.version_id,
                    code: e.code.as_str().to_owned(),
                    message: e.message,
                });
            }
        }
    }
    let doc = DeleteResult::new(deleted, errors);
    let mut answer = response::xml(StatusCode::OK, to_document(&doc)?);
    answer
        .extensions_mut()
        .insert(crate::recording::RecordedBatchDeletions(recorded));
    Ok(answer)
}
