//! The operator's probes: `/_rampart/health` (the process answers), `/_rampart/ready` (its
//! storage answers too) and `/_rampart/metrics` (Prometheus), on the S3 listener and, when one
//! is configured, on an operator listener of their own ([`ops_router`]).

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use crate::AppState;
use crate::router::{HEALTH_PATH, METRICS_PATH, READY_PATH};

/// The operator listener's routes: the three probes, and the metrics also at `/metrics`,
/// Prometheus' default path. Nothing else is served there.
pub fn ops_router(state: Arc<AppState>) -> axum::Router {
    use axum::routing::get;
    let metrics_route = get(|State(state): State<Arc<AppState>>| async move { metrics(&state) });
    axum::Router::new()
        .route(
            HEALTH_PATH,
            get(|| async { text(StatusCode::OK, "ok\n".to_owned()) }),
        )
        .route(
            READY_PATH,
            get(|State(state): State<Arc<AppState>>| async move { ready(&state).await }),
        )
        .route(METRICS_PATH, metrics_route.clone())
        .route("/metrics", metrics_route)
        .with_state(state)
}

/// 200 when a metadata read succeeds, 503 otherwise.
pub(crate) async fn ready(state: &AppState) -> Response {
    let probe = rampart_types::BucketName::parse("rampart-readiness-probe")
        .map_err(|e| e.reason.to_string());
    let answer = match probe {
        Ok(name) => match state.engine.bucket(&name).await {
            Ok(_) | Err(rampart_engine::EngineError::NoSuchBucket) => Ok(()),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e),
    };
    match answer {
        Ok(()) => text(StatusCode::OK, "ready\n".to_owned()),
        Err(e) => {
            tracing::warn!(error = %e, "readiness probe: storage unreachable");
            text(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage unreachable\n".to_owned(),
            )
        }
    }
}

pub(crate) fn metrics(state: &AppState) -> Response {
    let mut r = text(StatusCode::OK, state.recorder.metrics.render());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(rampart_audit::metrics::CONTENT_TYPE),
    );
    r
}

fn text(status: StatusCode, body: String) -> Response {
    let mut r = Response::new(axum::body::Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}
