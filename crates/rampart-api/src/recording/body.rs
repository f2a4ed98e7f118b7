//! The response body that counts what it sends and, when it ends (or the client goes away),
//! records the request: S3's access log reports the bytes actually sent and the time to the
//! last byte.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};

use super::{Arrival, Outcome, Recorder, Seen, facts};

/// What is recorded when the body is dropped.
pub(crate) struct Pending {
    pub recorder: Arc<Recorder>,
    pub arrival: Arrival,
    pub seen: Seen,
    pub outcome: Outcome,
    pub started: Instant,
}

pub(crate) struct RecordedBody {
    inner: Body,
    sent: u64,
    pending: Option<Pending>,
}

impl RecordedBody {
    pub(crate) fn wrap(inner: Body, pending: Pending) -> Body {
        Body::new(Self {
            inner,
            sent: 0,
            pending: Some(pending),
        })
    }
}

impl http_body::Body for RecordedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.sent += data.len() as u64;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for RecordedBody {
    fn drop(&mut self) {
        if let Some(p) = self.pending.take() {
            let total_ms = u64::try_from(p.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let facts = facts(p.arrival, &p.seen, p.outcome, self.sent, total_ms);
            p.recorder.record(&facts, p.seen.bucket_record.as_deref());
        }
    }
}
