//! ListObjects (V1) and ListObjectsV2.

use axum::response::Response;
use http::StatusCode;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rampart_engine::{ListEntry, ListObjectsPage, ListObjectsParams};

use crate::error::ApiError;
use crate::handlers::{int_param, token};
use crate::response;
use crate::service::RequestCtx;
use crate::xml::list::{
    CommonPrefixXml, ContentsXml, ListBucketResultV1, ListBucketResultV2, namespace,
};
use crate::xml::to_document;

/// With `encoding-type=url`, S3 percent-encodes names as HTML forms do: unreserved characters
/// and `/` stay, a space becomes `+` (botocore decodes with `unquote_plus`).
const URL_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/')
    .remove(b' ');

pub(crate) struct Encoder(bool);

impl Encoder {
    pub(crate) fn apply(&self, s: &str) -> String {
        if self.0 {
            utf8_percent_encode(s, URL_ENCODE)
                .to_string()
                .replace(' ', "+")
        } else {
            s.to_owned()
        }
    }

    pub(crate) fn encoding_type(&self) -> Option<&'static str> {
        self.0.then_some("url")
    }
}

pub(crate) fn encoder(ctx: &RequestCtx) -> Result<Encoder, ApiError> {
    match ctx.query.get("encoding-type") {
        None => Ok(Encoder(false)),
        Some(v) if v.eq_ignore_ascii_case("url") => Ok(Encoder(true)),
        Some(v) => Err(ApiError::invalid_argument(
            "Invalid Encoding Method specified in Request",
            "encoding-type",
            v,
        )),
    }
}

fn max_keys(ctx: &RequestCtx) -> Result<usize, ApiError> {
    let limit = rampart_engine::limits::MAX_LIST_KEYS;
    Ok(int_param(ctx, "max-keys", limit)?.min(limit))
}

fn delimiter(ctx: &RequestCtx) -> Option<String> {
    ctx.query
        .get("delimiter")
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
}

fn split(
    page: &ListObjectsPage,
    enc: &Encoder,
    owners: bool,
) -> (Vec<ContentsXml>, Vec<CommonPrefixXml>) {
    let mut contents = Vec::new();
    let mut prefixes = Vec::new();
    for entry in &page.entries {
        match entry {
            ListEntry::Object { key, record } => {
                contents.push(ContentsXml::new(enc.apply(key), record, owners));
            }
            ListEntry::CommonPrefix(p) => prefixes.push(CommonPrefixXml {
                prefix: enc.apply(p),
            }),
        }
    }
    (contents, prefixes)
}

pub async fn list_objects_v1(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let enc = encoder(ctx)?;
    let prefix = ctx.query.get("prefix").unwrap_or("").to_owned();
    let marker = ctx.query.get("marker").unwrap_or("").to_owned();
    let params = ListObjectsParams {
        prefix: prefix.clone(),
        delimiter: delimiter(ctx),
        start_after: (!marker.is_empty()).then(|| marker.clone()),
        max_keys: max_keys(ctx)?,
    };
    let page = ctx
        .state
        .engine
        .list_objects(ctx.bucket()?, &params)
        .await?;
    let (contents, common_prefixes) = split(&page, &enc, true);
    // S3 returns NextMarker only when a delimiter is given; otherwise the last key serves.
    let next_marker = (page.is_truncated && params.delimiter.is_some())
        .then(|| page.last_name().map(|n| enc.apply(n)))
        .flatten();
    let doc = ListBucketResultV1 {
        xmlns: namespace(),
        name: ctx.bucket()?.to_string(),
        prefix: enc.apply(&prefix),
        marker: enc.apply(&marker),
        next_marker,
        max_keys: params.max_keys,
        delimiter: params.delimiter.as_deref().map(|d| enc.apply(d)),
        is_truncated: page.is_truncated,
        encoding_type: enc.encoding_type(),
        contents,
        common_prefixes,
    };
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}

pub async fn list_objects_v2(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let enc = encoder(ctx)?;
    let prefix = ctx.query.get("prefix").unwrap_or("").to_owned();
    let continuation = ctx.query.get("continuation-token").map(str::to_owned);
    let start_after = ctx.query.get("start-after").map(str::to_owned);
    let resume = match &continuation {
        Some(t) => Some(token::decode(t, "continuation-token")?),
        None => start_after.clone().filter(|s| !s.is_empty()),
    };
    let fetch_owner = ctx
        .query
        .get("fetch-owner")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let params = ListObjectsParams {
        prefix: prefix.clone(),
        delimiter: delimiter(ctx),
        start_after: resume,
        max_keys: max_keys(ctx)?,
    };
    let page = ctx
        .state
        .engine
        .list_objects(ctx.bucket()?, &params)
        .await?;
    let (contents, common_prefixes) = split(&page, &enc, fetch_owner);
    let doc = ListBucketResultV2 {
        xmlns: namespace(),
        name: ctx.bucket()?.to_string(),
        prefix: enc.apply(&prefix),
        continuation_token: continuation,
        next_continuation_token: page
            .is_truncated
            .then(|| page.last_name().map(token::encode))
            .flatten(),
        key_count: page.entries.len(),
        max_keys: params.max_keys,
        delimiter: params.delimiter.as_deref().map(|d| enc.apply(d)),
        is_truncated: page.is_truncated,
        start_after: start_after.map(|s| enc.apply(&s)),
        encoding_type: enc.encoding_type(),
        contents,
        common_prefixes,
    };
    Ok(response::xml(StatusCode::OK, to_document(&doc)?))
}
