//! Bucket CORS configuration (PutBucketCors, GetBucketCors, DeleteBucketCors) and the CORS
//! preflight (`OPTIONS` on a bucket or object). The rules and their matching live in
//! `rampart_engine::cors`; an actual request's CORS headers are added in `service.rs`.

use axum::response::Response;
use http::{HeaderValue, StatusCode};
use rampart_engine::BucketConfigKind;
use rampart_engine::cors::{
    CORS_METHODS, CorsConfigError, CorsConfiguration, CorsRule, parse_header_list,
};

use super::bucket_tagging::read_config_body;
use crate::error::{ApiError, S3ErrorCode};
use crate::headers;
use crate::response;
use crate::service::RequestCtx;
use crate::xml::cors::{CorsConfigurationIn, CorsConfigurationOut};
use crate::xml::{from_body, to_document};

/// "The document is limited to 64 KB in size."
const MAX_CORS_BODY: usize = 64 * 1024;

/// S3's answers to a preflight it refuses (code AccessForbidden, 403).
const CORS_DISABLED: &str = "CORSResponse: CORS is not enabled for this bucket.";
const CORS_NOT_ALLOWED: &str = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

pub async fn put_bucket_cors(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let body = read_config_body(ctx, MAX_CORS_BODY).await?;
    let rules: Vec<CorsRule> = from_body::<CorsConfigurationIn>(&body)?.try_into()?;
    let config = CorsConfiguration::new(rules).map_err(|e| match e {
        CorsConfigError::Malformed => ApiError::new(S3ErrorCode::MalformedXML),
        CorsConfigError::Invalid(message) => {
            ApiError::with_message(S3ErrorCode::InvalidRequest, message)
        }
    })?;
    ctx.state
        .engine
        .put_bucket_config(ctx.bucket()?, BucketConfigKind::Cors, &config)
        .await?;
    Ok(response::empty(StatusCode::OK))
}

pub async fn get_bucket_cors(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let bucket = ctx.bucket()?;
    let config: Option<CorsConfiguration> = ctx
        .state
        .engine
        .bucket_config(bucket, BucketConfigKind::Cors)
        .await?;
    let config = config.ok_or_else(|| {
        ApiError::new(S3ErrorCode::NoSuchCORSConfiguration).field("BucketName", bucket.as_str())
    })?;
    let doc = to_document(&CorsConfigurationOut::from(&config))?;
    Ok(response::xml(StatusCode::OK, doc))
}

pub async fn delete_bucket_cors(ctx: &RequestCtx) -> Result<Response, ApiError> {
    ctx.state
        .engine
        .delete_bucket_config(ctx.bucket()?, BucketConfigKind::Cors)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
}

/// Answers a preflight from the bucket's rules. It runs unauthenticated, as browsers send it
/// without credentials. The checks come in the order S3 makes them: `Origin`, then whether the
/// bucket has a configuration at all, then the requested method, then the rules.
pub async fn preflight(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let Some(origin) = headers::get(&ctx.headers, "origin")? else {
        return Err(ApiError::with_message(
            S3ErrorCode::BadRequest,
            "Insufficient information. Origin request header needed.",
        ));
    };
    let requested_method = headers::get(&ctx.headers, "access-control-request-method")?;
    // S3 names the refused method (OPTIONS when none was asked for) and what was addressed.
    let forbidden = |message: &str, resource_type: &str| {
        ApiError::with_message(S3ErrorCode::AccessForbidden, message)
            .field("Method", requested_method.unwrap_or("OPTIONS"))
            .field("ResourceType", resource_type)
    };
    let config: Option<CorsConfiguration> = ctx
        .state
        .engine
        .bucket_config(ctx.bucket()?, BucketConfigKind::Cors)
        .await?;
    let Some(config) = config else {
        return Err(forbidden(CORS_DISABLED, "BUCKET"));
    };
    let method = match requested_method {
        Some(m) if CORS_METHODS.contains(&m) => m,
        other => {
            return Err(ApiError::with_message(
                S3ErrorCode::BadRequest,
                format!(
                    "Invalid Access-Control-Request-Method: {}",
                    other.unwrap_or("null")
                ),
            ));
        }
    };
    let requested_headers = headers::get(&ctx.headers, "access-control-request-headers")?
        .map(parse_header_list)
        .unwrap_or_default();
    let Some(grant) = config.preflight(origin, method, &requested_headers) else {
        let resource_type = if ctx.key.is_some() {
            "OBJECT"
        } else {
            "BUCKET"
        };
        return Err(forbidden(CORS_NOT_ALLOWED, resource_type));
    };
    let mut r = response::empty(StatusCode::OK);
    for (name, value) in grant.headers() {
        // A stored ExposeHeader that is no valid header value is left out, not a 500.
        if let Ok(value) = HeaderValue::from_str(&value) {
            r.headers_mut().insert(name, value);
        }
    }
    Ok(r)
}

/// A preflight for a bucket that does not exist: S3 refuses it like any other, naming the
/// bucket as not found rather than answering 404.
pub(crate) fn bucket_not_found(request_headers: &http::HeaderMap) -> ApiError {
    let method = request_headers
        .get("access-control-request-method")
        .and_then(|m| m.to_str().ok())
        .unwrap_or("OPTIONS");
    ApiError::with_message(
        S3ErrorCode::AccessForbidden,
        "CORSResponse: Bucket not found",
    )
    .field("Method", method)
    .field("ResourceType", "BUCKET")
}

/// A cross-origin request (one carrying `Origin`), other than a preflight.
pub(crate) struct CrossOrigin {
    origin: String,
    /// The method a rule must allow: `Access-Control-Request-Method` when sent, as S3 does.
    method: String,
}

impl CrossOrigin {
    pub(crate) fn of(request_headers: &http::HeaderMap, method: &http::Method) -> Option<Self> {
        if method == http::Method::OPTIONS {
            return None;
        }
        let origin = request_headers.get(http::header::ORIGIN)?.to_str().ok()?;
        let method = request_headers
            .get("access-control-request-method")
            .and_then(|m| m.to_str().ok())
            .unwrap_or(method.as_str());
        Some(Self {
            origin: origin.to_owned(),
            method: method.to_owned(),
        })
    }

    /// Adds the matching rule's `Access-Control-*` headers and `Vary` to the answer, success or
    /// error alike (as S3 does). Without a configuration or a matching rule, nothing changes.
    pub(crate) async fn apply(
        &self,
        state: &crate::AppState,
        bucket: &rampart_types::BucketName,
        result: Result<Response, ApiError>,
    ) -> Result<Response, ApiError> {
        let config: Option<CorsConfiguration> = state
            .engine
            .bucket_config(bucket, BucketConfigKind::Cors)
            .await
            .ok()
            .flatten();
        let Some(grant) = config.and_then(|c| c.actual(&self.origin, &self.method)) else {
            return result;
        };
        let headers = grant
            .headers()
            .into_iter()
            .filter_map(|(name, value)| Some((name, HeaderValue::from_str(&value).ok()?)));
        match result {
            Ok(mut response) => {
                for (name, value) in headers {
                    response.headers_mut().insert(name, value);
                }
                Ok(response)
            }
            Err(mut err) => {
                err.headers.extend(headers);
                Err(err)
            }
        }
    }
}
