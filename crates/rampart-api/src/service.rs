//! The request pipeline: id → route → authenticate → authorize → handle → S3 response.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use http::{HeaderValue, Method, StatusCode, header};
use rampart_engine::BucketRecord;
use rampart_iam::Principal;
use rampart_types::{BucketName, ObjectKey};
use tracing::{Instrument, field};

use crate::auth::{Authenticated, authenticate};
use crate::authz::s3_actions::ResourceKind;
use crate::authz::{self, AuthType, RequestInfo, S3Access};
use crate::body::{BodyCheck, TrailerSink, verified_stream};
use crate::error::{ApiError, S3ErrorCode};
use crate::query::Query;
use crate::router::{Endpoint, Route};
use crate::{
    AppState, PeerAddr, TlsInfo, admin, handlers, ids, query_service, recording, response, xml,
};
use http::request::Parts;
use rampart_policy::{ContextKeys, NamedPolicy};

/// What a handler needs to know about the request it serves.
pub struct RequestCtx {
    pub state: Arc<AppState>,
    pub principal: Principal,
    /// `x-amz-mfa`, checked once when the request arrived (a code is accepted only once).
    pub mfa: MfaCheck,
    /// The connection and headers as the global condition keys see them.
    pub info: RequestInfo,
    pub headers: http::HeaderMap,
    pub query: Query,
    pub endpoint: Endpoint,
    /// The validated bucket, when the request names one.
    pub bucket: Option<BucketName>,
    /// The bucket's record, looked up for authorization (absent for CreateBucket and
    /// service-level requests).
    pub bucket_record: Option<std::sync::Arc<BucketRecord>>,
    /// The bucket's policy, if it has one.
    pub bucket_policy: Option<Arc<NamedPolicy>>,
    pub key: Option<ObjectKey>,
    /// Behind a mutex only so the context is `Sync` (hyper's body is not); taken once.
    body: std::sync::Mutex<Option<(Body, BodyCheck)>>,
}

/// What a request's `x-amz-mfa` turned out to be.
#[derive(Debug)]
pub enum MfaCheck {
    Absent,
    Valid(crate::mfa_header::MfaPresent),
    /// Present but refused; the refusal is reported only if the operation needs MFA.
    Refused {
        code: S3ErrorCode,
        message: String,
    },
}

impl MfaCheck {
    fn of(result: Result<Option<crate::mfa_header::MfaPresent>, ApiError>) -> Self {
        match result {
            Ok(Some(present)) => Self::Valid(present),
            Ok(None) => Self::Absent,
            Err(e) => Self::Refused {
                code: e.code,
                message: e.message,
            },
        }
    }
}

impl RequestCtx {
    /// Lets the body of a request refused before its handler read it drain in the background
    /// (see `body::verified_stream`).
    fn discard_unread_body(&self) {
        drop(self.take_body(None));
    }

    /// The verified body stream. Called at most once, by the handler that consumes a body.
    pub fn take_body(&self, trailer: Option<TrailerSink>) -> rampart_store::ByteStream {
        let taken = self.body.lock().ok().and_then(|mut body| body.take());
        match taken {
            Some((body, check)) => {
                let expects_continue = self
                    .headers
                    .get(http::header::EXPECT)
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
                verified_stream(
                    body,
                    check,
                    trailer,
                    self.state.config.body_idle_timeout,
                    !expects_continue,
                )
            }
            None => Box::pin(futures::stream::empty()),
        }
    }

    /// Whether the body arrives aws-chunked (its length is `x-amz-decoded-content-length`).
    pub fn body_is_chunked(&self) -> bool {
        self.body
            .lock()
            .is_ok_and(|body| matches!(*body, Some((_, BodyCheck::Chunked(_)))))
    }

    pub fn bucket(&self) -> Result<&BucketName, ApiError> {
        self.bucket
            .as_ref()
            .ok_or_else(|| ApiError::internal("handler expected a bucket"))
    }

    /// The `versionId` the request names, if any.
    pub fn version_id(&self) -> Option<&str> {
        self.query.get("versionId")
    }

    pub fn key(&self) -> Result<&ObjectKey, ApiError> {
        self.key
            .as_ref()
            .ok_or_else(|| ApiError::internal("handler expected a key"))
    }

    /// This request's bucket and key as an access to authorize as `endpoint`.
    pub fn s3_access(&self, endpoint: Endpoint) -> S3Access<'_> {
        S3Access {
            endpoint,
            bucket: self.bucket.as_ref(),
            key: self.key.as_ref().map(|k| k.as_str()),
            bucket_owner: self.bucket_record.as_ref().map(|b| &b.owner),
            bucket_policy: self.bucket_policy.as_deref(),
            headers: &self.headers,
            query: &self.query,
        }
    }

    /// Authorizes this request's principal for `endpoint` on this request's bucket and key;
    /// `extra` adds condition keys only the handler knows.
    pub async fn authorize(
        &self,
        endpoint: Endpoint,
        extra: Option<ContextKeys>,
    ) -> Result<(), ApiError> {
        let mut extra = extra;
        if authz::wants_existing_object_tags(self, endpoint)
            && let (Some(bucket), Some(key)) = (&self.bucket, &self.key)
        {
            // Absent objects have no tags; the operation itself reports that they are absent.
            if let Ok(tags) = self
                .state
                .engine
                .object_tags(bucket, key.as_str(), self.version_id())
                .await
            {
                let keys = extra.get_or_insert_with(ContextKeys::new);
                authz::s3_keys::existing_object_tags(keys, tags.tags());
            }
        }
        authz::authorize_s3(
            &self.state,
            &self.principal,
            &self.info,
            &self.s3_access(endpoint),
            extra,
        )
        .await
    }

    pub fn owner(&self) -> Result<rampart_types::Owner, ApiError> {
        self.principal
            .account()
            .map(|a| a.owner())
            .ok_or_else(|| ApiError::new(S3ErrorCode::AccessDenied))
    }
}

pub async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let started = Instant::now();
    let request_id = ids::request_id();
    let host_id = ids::host_id();
    let is_head = request.method() == Method::HEAD;
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        op = field::Empty,
        bucket = field::Empty,
        principal = field::Empty,
    );
    let method = request.method().clone();
    let uri = request.uri().path().to_owned();
    let cors = handlers::cors::CrossOrigin::of(request.headers(), &method);
    let arrival = recording::arrival(&request, &request_id, &host_id, &state.config.region);
    let mut named_bucket = None;
    let mut seen = recording::Seen::default();
    let result = dispatch(
        state.clone(),
        request,
        &request_id,
        &mut named_bucket,
        &mut seen,
    )
    .instrument(span.clone())
    .await;
    // A cross-origin request gets its bucket's CORS headers on every answer, errors included.
    let result = match (cors, named_bucket) {
        (Some(cors), Some(bucket)) => cors.apply(&state, &bucket, result).await,
        _ => result,
    };
    let mut error_code = None;
    let mut response = match result {
        Ok(response) => response,
        Err(mut err) => {
            seen.denial = err.denial.take().map(|d| *d);
            error_code = Some((err.code.as_str().to_owned(), err.message.clone()));
            let _entered = span.enter();
            if err.code == S3ErrorCode::InternalError {
                tracing::error!(
                    detail = err.detail.as_deref().unwrap_or(""),
                    "internal error"
                );
            }
            error_response(err, &request_id, &host_id, is_head)
        }
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amz-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&host_id) {
        headers.insert("x-amz-id-2", v);
    }
    headers.insert(header::SERVER, HeaderValue::from_static("Rampart"));
    let _entered = span.enter();
    tracing::info!(
        method = %method,
        path = %uri,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    if seen.service.is_none() {
        // Health probes and requests that never became an operation are not recorded.
        return response;
    }
    recording::attach(
        &state.recorder,
        response,
        arrival,
        seen,
        error_code,
        started,
    )
}

fn error_response(err: ApiError, request_id: &str, host_id: &str, is_head: bool) -> Response {
    let status = err.status();
    let mut response = if err.not_modified {
        response::empty(StatusCode::NOT_MODIFIED)
    } else if is_head {
        // HEAD responses carry no body; the status (and headers) tell the client what failed.
        response::empty(status)
    } else {
        response::xml(
            status,
            xml::error::error_document(&err, request_id, host_id),
        )
    };
    for (name, value) in err.headers {
        response.headers_mut().insert(name, value);
    }
    response
}

/// `named_bucket` is set to the request's bucket as soon as its name is known to be valid.
async fn dispatch(
    state: Arc<AppState>,
    request: Request,
    request_id: &str,
    named_bucket: &mut Option<BucketName>,
    seen: &mut recording::Seen,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    check_header_size(&parts.headers, state.config.max_header_bytes)?;
    if parts.uri.path().starts_with(admin::ADMIN_PATH_PREFIX) {
        return admin::handle(&state, parts, body, request_id).await;
    }
    let query = Query::parse(parts.uri.query().unwrap_or(""))?;
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or("");
    let control = Route::s3_control(
        &parts.method,
        parts.uri.path(),
        parts.headers.contains_key("x-amz-account-id"),
    );
    let route = match control {
        Some(route) => route,
        None => Route::from_request(
            &parts.method,
            host,
            parts.uri.path(),
            &query,
            parts.headers.contains_key("x-amz-copy-source"),
            state.config.domain.as_deref(),
        )?,
    };
    let span = tracing::Span::current();
    span.record("op", route.endpoint.name());
    match route.endpoint {
        Endpoint::Health => return Ok(response::empty(StatusCode::OK)),
        Endpoint::Ready => return Ok(crate::probes::ready(&state).await),
        Endpoint::Metrics if state.config.metrics_on_s3_listener => {
            return Ok(crate::probes::metrics(&state));
        }
        // Served on the operator's listener only: here it is a path like any other, naming a
        // bucket that cannot exist.
        Endpoint::Metrics => {
            return Err(
                ApiError::new(S3ErrorCode::InvalidBucketName).field("BucketName", "_rampart")
            );
        }
        _ => {}
    }
    seen.saw_endpoint(route.endpoint);
    seen.bucket.clone_from(&route.bucket);
    seen.key.clone_from(&route.key);
    if let Some(bucket) = &route.bucket {
        span.record("bucket", bucket.as_str());
    }

    // A browser upload authenticates with its form fields (the handler verifies them and
    // authorizes before writing); a CORS preflight is unauthenticated by design.
    let self_authenticating = matches!(
        route.endpoint,
        Endpoint::PostObject | Endpoint::CorsPreflight
    );
    if route.endpoint == Endpoint::QueryApi {
        return query_service::handle(&state, &parts, body, request_id, seen).await;
    }
    let authenticated = if self_authenticating {
        Authenticated {
            principal: Principal::Anonymous,
            body_check: BodyCheck::None,
            service: None,
            auth_type: AuthType::None,
            signature_age_ms: None,
        }
    } else {
        authenticate(&state, &parts).map_err(|failure| {
            state
                .recorder
                .metrics
                .auth_failure(failure.error.code.as_str());
            *failure.error
        })?
    };
    span.record("principal", authenticated.principal.log_name());
    seen.principal = Some(authenticated.principal.clone());
    seen.auth = Some(authenticated.auth_type);
    let info = request_info(&state.config.region, &parts, &authenticated);
    if let Some(service) = authenticated.service.as_deref()
        && service != "s3"
    {
        return Err(ApiError::with_message(
            S3ErrorCode::AuthorizationHeaderMalformed,
            format!(
                "The authorization header is malformed; the credential is scoped to the '{service}' service, not 's3'."
            ),
        ));
    }
    if let Endpoint::NotImplemented(operation) = route.endpoint {
        return Err(ApiError::not_implemented(format!(
            "The {operation} operation is not implemented."
        )));
    }

    let bucket = route
        .bucket
        .as_deref()
        .map(|name| {
            BucketName::parse(name).map_err(|e| {
                ApiError::with_message(S3ErrorCode::InvalidBucketName, e.reason)
                    .field("BucketName", name)
            })
        })
        .transpose()?;
    let key = route
        .key
        .map(|key| {
            ObjectKey::parse(key).map_err(|_| {
                ApiError::new(S3ErrorCode::KeyTooLongError)
                    .field("MaxSizeAllowed", rampart_types::MAX_KEY_BYTES.to_string())
            })
        })
        .transpose()?;
    named_bucket.clone_from(&bucket);
    let bucket_record = match (&bucket, route.endpoint) {
        (Some(name), endpoint) if endpoint != Endpoint::CreateBucket => {
            Some(std::sync::Arc::new(
                state.engine.bucket(name).await.map_err(|e| {
                    let e = ApiError::from(e);
                    if endpoint == Endpoint::CorsPreflight && e.code == S3ErrorCode::NoSuchBucket {
                        // A preflight learns nothing about which buckets exist.
                        return handlers::cors::bucket_not_found(&parts.headers);
                    }
                    e.field("BucketName", name.as_str())
                })?,
            ))
        }
        _ => None,
    };
    seen.bucket_record.clone_from(&bucket_record);
    let bucket_policy = match (&bucket, &bucket_record) {
        (Some(name), Some(record)) => {
            state
                .bucket_policies
                .applicable(
                    &state.engine,
                    name,
                    &record.owner.account_id,
                    &authenticated.principal,
                )
                .await?
        }
        _ => None,
    };

    let mfa = match &bucket_record {
        Some(record) if parts.headers.contains_key(crate::mfa_header::MFA_HEADER) => MfaCheck::of(
            crate::mfa_header::check_mfa_header(crate::mfa_header::MfaHeaderCheck {
                headers: &parts.headers,
                secure_transport: info.secure_transport,
                source_ip: info.source_ip,
                allow_plain_http_from_loopback: state.config.allow_plain_http_from_loopback,
                identities: &state.identities,
                bucket_owner: &record.owner.account_id,
            })
            .await,
        ),
        _ => MfaCheck::Absent,
    };
    let mut info = info;
    info.mfa_verified = matches!(mfa, MfaCheck::Valid(_));
    let ctx = RequestCtx {
        state,
        principal: authenticated.principal,
        mfa,
        info,
        headers: parts.headers,
        query,
        endpoint: route.endpoint,
        bucket,
        bucket_record,
        bucket_policy,
        key,
        body: std::sync::Mutex::new(Some((body, authenticated.body_check))),
    };
    let result = async {
        if !self_authenticating {
            ctx.authorize(ctx.endpoint, None).await?;
        }
        check_expected_owner(&ctx.headers, ctx.bucket_record.as_deref())?;
        handlers::handle(&ctx).await
    }
    .await;
    if result.is_err() {
        ctx.discard_unread_body();
    }
    let result = match result {
        Err(e) if e.code == S3ErrorCode::NoSuchKey => Err(hide_missing_key(&ctx, e).await),
        other => other,
    };
    result.map_err(|e| add_resource_fields(e, &ctx))
}

/// "If the object you request doesn't exist, the error that Amazon S3 returns depends on
/// whether you also have the s3:ListBucket permission": without it, 403 instead of 404, so
/// that a caller who may not list cannot probe which keys exist.
async fn hide_missing_key(ctx: &RequestCtx, err: ApiError) -> ApiError {
    if !matches!(
        ctx.endpoint,
        Endpoint::GetObject | Endpoint::HeadObject | Endpoint::GetObjectAttributes
    ) {
        return err;
    }
    let access = ctx.s3_access(Endpoint::ListObjects);
    match authz::authorize_s3_actions(
        &ctx.state,
        &ctx.principal,
        &ctx.info,
        &access,
        &["s3:ListBucket"],
        ResourceKind::Bucket,
        None,
    )
    .await
    {
        Ok(()) => err,
        Err(denied) => denied,
    }
}

pub(crate) fn request_info(
    region: &str,
    parts: &Parts,
    authenticated: &Authenticated,
) -> RequestInfo {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let tls = parts.extensions.get::<TlsInfo>();
    RequestInfo {
        source_ip: parts
            .extensions
            .get::<PeerAddr>()
            .map(|peer| peer.0.ip().to_canonical()),
        secure_transport: tls.is_some(),
        tls_version: tls.map(|t| t.version),
        user_agent: header("user-agent"),
        referer: header("referer"),
        now: std::time::SystemTime::now(),
        region: region.to_owned(),
        signature_age_ms: authenticated.signature_age_ms,
        auth_type: authenticated.auth_type,
        content_sha256: header("x-amz-content-sha256"),
        mfa_verified: false,
    }
}

/// S3 names the missing resource in NoSuchBucket and NoSuchKey errors.
fn add_resource_fields(err: ApiError, ctx: &RequestCtx) -> ApiError {
    match err.code {
        S3ErrorCode::NoSuchBucket if !err.has_field("BucketName") => match &ctx.bucket {
            Some(b) => err.field("BucketName", b.as_str()),
            None => err,
        },
        S3ErrorCode::NoSuchKey if !err.has_field("Key") => match &ctx.key {
            Some(k) => err.field("Key", k.as_str()),
            None => err,
        },
        _ => err,
    }
}

fn check_header_size(headers: &http::HeaderMap, limit: usize) -> Result<(), ApiError> {
    let size: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if size > limit {
        return Err(ApiError::new(S3ErrorCode::RequestHeaderSectionTooLarge)
            .field("MaxSizeAllowed", limit.to_string()));
    }
    Ok(())
}

/// `x-amz-expected-bucket-owner`: the client asserts which account owns the bucket, and S3
/// refuses the request if another does.
fn check_expected_owner(
    headers: &http::HeaderMap,
    bucket: Option<&BucketRecord>,
) -> Result<(), ApiError> {
    let (Some(expected), Some(bucket)) = (headers.get("x-amz-expected-bucket-owner"), bucket)
    else {
        return Ok(());
    };
    if expected.as_bytes() == bucket.owner.account_id.as_str().as_bytes() {
        Ok(())
    } else {
        Err(ApiError::new(S3ErrorCode::AccessDenied))
    }
}
