//! The operator's probes on the S3 listener: `/_rampart/health` (the process answers),
//! `/_rampart/ready` (its storage answers too) and `/_rampart/metrics` (Prometheus).

use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use crate::AppState;

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
