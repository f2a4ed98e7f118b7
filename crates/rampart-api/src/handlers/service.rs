//! ListBuckets.

use axum::response::Response;
use http::StatusCode;
use rampart_engine::ListBucketsParams;

use crate::error::{ApiError, S3ErrorCode};
use crate::handlers::{int_param, token};
use crate::response;
use crate::service::RequestCtx;
use crate::xml::bucket::{BucketXml, ListAllMyBucketsResult};
use crate::xml::{OwnerXml, to_document};

pub async fn list_buckets(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let account = ctx.principal.account().ok_or(S3ErrorCode::AccessDenied)?;
    let max_buckets = match ctx.query.get("max-buckets") {
        None => None,
        Some(_) => {
            let n = int_param(ctx, "max-buckets", 0)?;
            if !(1..=rampart_engine::limits::MAX_LIST_BUCKETS).contains(&n) {
                return Err(ApiError::invalid_argument(
                    "Argument max-buckets must be an integer between 1 and 10000",
                    "max-buckets",
                    n.to_string(),
                ));
            }
            Some(n)
        }
    };
    let params = ListBucketsParams {
        prefix: ctx.query.get("prefix").map(str::to_owned),
        start_after: ctx
            .query
            .get("continuation-token")
            .map(|t| token::decode(t, "continuation-token"))
            .transpose()?,
        max_buckets,
        region: ctx.query.get("bucket-region").map(str::to_owned),
    };
    let page = ctx.state.engine.list_buckets(&account.id, &params).await?;
    let mut result = ListAllMyBucketsResult::new(
        OwnerXml::from(&account.owner()),
        page.buckets.iter().map(BucketXml::from).collect(),
    );
    result.continuation_token = page.next_after.as_deref().map(token::encode);
    result.prefix = params.prefix;
    Ok(response::xml(StatusCode::OK, to_document(&result)?))
}
