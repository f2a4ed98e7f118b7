//! Request bodies as streams: hyper's body, guarded by an idle timeout, then either verified
//! against the signed SHA-256 payload hash or decoded from aws-chunked (chunk signatures and
//! trailers checked). Nothing here holds more than one chunk in memory.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt, TryStreamExt};
use rampart_engine::checksum::TrailerSlot;
use rampart_engine::hash::{OffloadedDigest, StreamDigest};
use rampart_sigv4::{ChunkEvent, ChunkedDecoder};
use rampart_store::ByteStream;
use sha2::{Digest, Sha256};
use tokio::time::{Instant, Sleep};

use crate::error::{ApiError, S3ErrorCode};

/// How the authenticated request says its body is to be checked.
pub enum BodyCheck {
    /// Nothing to verify (an unsigned payload).
    None,
    /// The body's SHA-256 must equal this (`x-amz-content-sha256`).
    Sha256([u8; 32]),
    /// aws-chunked framing, decoded (and its signatures verified) by this decoder.
    Chunked(Box<ChunkedDecoder>),
}

/// Where a trailer's value goes: the announced checksum trailer fills the engine's slot.
pub struct TrailerSink {
    pub name: String,
    pub slot: TrailerSlot,
}

/// Turns the raw request body into the verified stream of object bytes.
///
/// `drain_if_dropped`: read the rest of a small body in the background if the stream is
/// dropped early (see [`DRAIN_LIMIT`]). Never for a request that sent `Expect: 100-continue`:
/// such a client sends no body after an early answer and may send its next request instead.
pub fn verified_stream(
    body: axum::body::Body,
    check: BodyCheck,
    trailer: Option<TrailerSink>,
    idle_timeout: Duration,
    drain_if_dropped: bool,
) -> ByteStream {
    let drainable = drain_if_dropped
        && axum::body::HttpBody::size_hint(&body)
            .upper()
            .is_some_and(|len| len <= DRAIN_LIMIT);
    let raw: ByteStream = Box::pin(DrainOnDrop {
        drainable,
        inner: Some(Box::pin(IdleTimeout::new(
            body.into_data_stream().map_err(std::io::Error::other),
            idle_timeout,
        ))),
        read: 0,
    });
    match check {
        BodyCheck::None => raw,
        BodyCheck::Sha256(expected) => Box::pin(Sha256Verified {
            inner: raw,
            hashing: OffloadedDigest::new(Sha256Digest(Sha256::new())),
            inner_done: false,
            finished: false,
            expected,
        }),
        BodyCheck::Chunked(decoder) => Box::pin(AwsChunked {
            inner: raw,
            buffer: BytesMut::new(),
            decoder,
            trailer,
            inner_done: false,
            finished: false,
        }),
    }
}

/// The largest declared body a request refused mid-way still reads (and discards): a client
/// still sending then reads the error, rather than a connection reset mid-upload. The response
/// goes out once the body is in, so larger bodies (or ones of unknown length) are not drained;
/// their connection is closed at once, as before.
const DRAIN_LIMIT: u64 = 32 * 1024 * 1024;

/// A raw body that, when dropped before its end (the request failed before the body was
/// read), reads the rest in the background if its declared length is within [`DRAIN_LIMIT`].
struct DrainOnDrop {
    drainable: bool,
    /// `None` once the body has ended.
    inner: Option<ByteStream>,
    read: u64,
}

impl Stream for DrainOnDrop {
    type Item = std::io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = inner.as_mut().poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(chunk))) => this.read += chunk.len() as u64,
            Poll::Ready(None | Some(Err(_))) => this.inner = None,
            Poll::Pending => {}
        }
        polled
    }
}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        let Some(mut inner) = self.inner.take().filter(|_| self.drainable) else {
            return;
        };
        let mut read = self.read;
        if read > DRAIN_LIMIT {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                while let Some(Ok(chunk)) = inner.next().await {
                    read += chunk.len() as u64;
                    if read > DRAIN_LIMIT {
                        break;
                    }
                }
            });
        }
    }
}

/// Reads a whole (small) body into memory, refusing more than `limit` bytes.
pub async fn read_body_limited(mut body: ByteStream, limit: usize) -> Result<Bytes, ApiError> {
    let mut out = BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(ApiError::from_io)?;
        if out.len() + chunk.len() > limit {
            return Err(ApiError::new(S3ErrorCode::MaxMessageLengthExceeded)
                .field("MaxMessageLengthBytes", limit.to_string()));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// Reads a small XML request body that S3 requires to carry `Content-MD5` or a flexible
/// checksum (DeleteObjects, PutObjectTagging, PutBucketTagging, PutBucketCors, …), and
/// verifies whichever was sent.
pub async fn read_checked_body(
    ctx: &crate::service::RequestCtx,
    limit: usize,
) -> Result<Bytes, ApiError> {
    use rampart_engine::Md5;
    use rampart_engine::checksum::{ChecksumHasher, ExpectedValue};
    let content_md5 = crate::headers::content_md5(&ctx.headers)?;
    let (checksum, trailer) = crate::headers::checksum(&ctx.headers)?;
    if content_md5.is_none() && checksum.is_none() {
        return Err(ApiError::with_message(
            S3ErrorCode::InvalidRequest,
            "Missing required header for this request: Content-MD5 OR x-amz-checksum-*",
        ));
    }
    let body = read_body_limited(ctx.take_body(trailer), limit).await?;
    if let Some(expected) = content_md5
        && Md5::digest(&body) != expected
    {
        return Err(ApiError::new(S3ErrorCode::BadDigest));
    }
    if let Some(expected) = checksum {
        let mut hasher = ChecksumHasher::new(expected.algorithm);
        hasher.update(&body);
        let sent = match expected.value {
            ExpectedValue::Header(raw) => Some(raw),
            ExpectedValue::Trailer(slot) => slot
                .take()
                .and_then(|v| expected.algorithm.decode_value(&v)),
        };
        if sent.as_deref() != Some(hasher.finalize().as_slice()) {
            return Err(ApiError::with_message(
                S3ErrorCode::BadDigest,
                format!(
                    "The {} you specified did not match the calculated checksum.",
                    expected.algorithm.name()
                ),
            ));
        }
    }
    Ok(body)
}

/// Fails the body with `RequestTimeout` when the client sends nothing for `timeout`.
struct IdleTimeout<S> {
    inner: S,
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            sleep: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl<S> Stream for IdleTimeout<S>
where
    S: Stream<Item = std::io::Result<Bytes>> + Unpin,
{
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.inner.poll_next_unpin(cx) {
            Poll::Ready(item) => {
                let deadline = Instant::now() + self.timeout;
                self.sleep.as_mut().reset(deadline);
                Poll::Ready(item)
            }
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(ApiError::new(
                    S3ErrorCode::RequestTimeout,
                )
                .into_io()))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

struct Sha256Digest(Sha256);

impl StreamDigest for Sha256Digest {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
}

/// Verifies the signed payload hash, computed on another core as the body passes.
struct Sha256Verified {
    inner: ByteStream,
    hashing: OffloadedDigest<Sha256Digest>,
    inner_done: bool,
    finished: bool,
    expected: [u8; 32],
}

impl Stream for Sha256Verified {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        if this.inner_done {
            let digest = match this.hashing.poll_finish(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(d)) => d,
                Poll::Ready(Err(e)) => {
                    this.finished = true;
                    return Poll::Ready(Some(Err(ApiError::internal(e.to_string()).into_io())));
                }
            };
            this.finished = true;
            let computed: [u8; 32] = digest.0.finalize().into();
            if computed == this.expected {
                return Poll::Ready(None);
            }
            return Poll::Ready(Some(Err(ApiError::new(
                S3ErrorCode::XAmzContentSHA256Mismatch,
            )
            .field("ClientComputedContentSHA256", hex::encode(this.expected))
            .field("S3ComputedContentSHA256", hex::encode(computed))
            .into_io())));
        }
        match this.hashing.poll_ready(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => {
                this.finished = true;
                return Poll::Ready(Some(Err(ApiError::internal(e.to_string()).into_io())));
            }
            Poll::Ready(Ok(())) => {}
        }
        match this.inner.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.hashing.push(chunk.clone());
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => {
                this.inner_done = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(Some(Err(e))) => {
                this.finished = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

struct AwsChunked {
    inner: ByteStream,
    buffer: BytesMut,
    decoder: Box<ChunkedDecoder>,
    trailer: Option<TrailerSink>,
    inner_done: bool,
    finished: bool,
}

impl AwsChunked {
    fn fail(&mut self, err: ApiError) -> Poll<Option<std::io::Result<Bytes>>> {
        self.finished = true;
        Poll::Ready(Some(Err(err.into_io())))
    }
}

impl Stream for AwsChunked {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.finished {
                return Poll::Ready(None);
            }
            // At end of input, `finish` yields what the framing still holds (a final chunk
            // without its CRLF, the trailers) or reports the body as incomplete.
            let event = if this.inner_done {
                this.decoder.finish(&mut this.buffer)
            } else {
                this.decoder.decode(&mut this.buffer)
            };
            match event {
                Err(e) => return this.fail(ApiError::from(e)),
                Ok(Some(ChunkEvent::Data(data))) => {
                    if !data.is_empty() {
                        return Poll::Ready(Some(Ok(data)));
                    }
                    continue;
                }
                Ok(Some(ChunkEvent::Trailers(trailers))) => {
                    if let Some(sink) = &this.trailer {
                        for (name, value) in trailers {
                            if name.eq_ignore_ascii_case(&sink.name) {
                                sink.slot.fill(value);
                            }
                        }
                    }
                    continue;
                }
                Ok(Some(ChunkEvent::End)) => {
                    if !this.buffer.is_empty() {
                        return this.fail(ApiError::with_message(
                            S3ErrorCode::InvalidRequest,
                            "The request body continues after the final aws-chunked chunk.",
                        ));
                    }
                    this.finished = true;
                    return Poll::Ready(None);
                }
                Ok(None) if this.inner_done => {
                    if this.decoder.is_done() {
                        this.finished = true;
                        return Poll::Ready(None);
                    }
                    return this.fail(ApiError::with_message(
                        S3ErrorCode::IncompleteBody,
                        "The request body ended before the final aws-chunked chunk.",
                    ));
                }
                Ok(None) => {}
            }
            match this.inner.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(raw))) => this.buffer.extend_from_slice(&raw),
                Poll::Ready(Some(Err(e))) => {
                    this.finished = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => this.inner_done = true,
            }
        }
    }
}
