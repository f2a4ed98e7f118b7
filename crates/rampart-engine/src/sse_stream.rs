//! Sealing and opening object data as it streams through ([`rampart_crypto::segment`]).

use std::collections::VecDeque;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use rampart_crypto::segment::{Decryptor, Encryptor};
use rampart_store::ByteStream;

use crate::EngineError;

/// Seals all of `plaintext` at once (inline objects and small blobs).
pub(crate) fn seal_all(mut encryptor: Encryptor, plaintext: &[u8]) -> Bytes {
    let mut sealed: Vec<u8> = encryptor.update(plaintext).concat();
    sealed.extend(encryptor.finish());
    Bytes::from(sealed)
}

/// Opens sealed bytes held in memory.
pub(crate) fn open_all(mut decryptor: Decryptor, sealed: &[u8]) -> Result<Bytes, EngineError> {
    let corrupt = |e: rampart_crypto::CryptoError| EngineError::DataCorrupted(e.to_string());
    let plain = decryptor.update(sealed).map_err(corrupt)?.concat();
    decryptor.finish().map_err(corrupt)?;
    Ok(Bytes::from(plain))
}

/// Seals a stream as it passes.
pub(crate) fn sealing_stream(inner: ByteStream, encryptor: Encryptor) -> ByteStream {
    Box::pin(Transform {
        inner,
        state: Some(Sealer(encryptor)),
        out: VecDeque::new(),
    })
}

/// Opens a stream of sealed bytes as it passes; damage ends it with an error.
pub(crate) fn opening_stream(inner: ByteStream, decryptor: Decryptor) -> ByteStream {
    Box::pin(Transform {
        inner,
        state: Some(Opener(decryptor)),
        out: VecDeque::new(),
    })
}

trait Step: Unpin {
    fn update(&mut self, chunk: &[u8]) -> std::io::Result<Vec<Vec<u8>>>;
    fn finish(self) -> std::io::Result<Vec<u8>>;
}

struct Sealer(Encryptor);

impl Step for Sealer {
    fn update(&mut self, chunk: &[u8]) -> std::io::Result<Vec<Vec<u8>>> {
        Ok(self.0.update(chunk))
    }

    fn finish(self) -> std::io::Result<Vec<u8>> {
        Ok(self.0.finish())
    }
}

struct Opener(Decryptor);

impl Step for Opener {
    fn update(&mut self, chunk: &[u8]) -> std::io::Result<Vec<Vec<u8>>> {
        self.0
            .update(chunk)
            .map_err(|e| EngineError::DataCorrupted(e.to_string()).into_io())
    }

    fn finish(self) -> std::io::Result<Vec<u8>> {
        self.0
            .finish()
            .map_err(|e| EngineError::DataCorrupted(e.to_string()).into_io())?;
        Ok(Vec::new())
    }
}

struct Transform<S: Step> {
    inner: ByteStream,
    /// `None` once the stream has ended or failed.
    state: Option<S>,
    out: VecDeque<Bytes>,
}

impl<S: Step> Stream for Transform<S> {
    type Item = std::io::Result<Bytes>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = self.get_mut();
        loop {
            if let Some(chunk) = this.out.pop_front() {
                return Poll::Ready(Some(Ok(chunk)));
            }
            let Some(state) = this.state.as_mut() else {
                return Poll::Ready(None);
            };
            match this.inner.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => match state.update(&chunk) {
                    Ok(done) => this.out.extend(done.into_iter().map(Bytes::from)),
                    Err(e) => {
                        this.state = None;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
                Poll::Ready(Some(Err(e))) => {
                    this.state = None;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    let Some(state) = this.state.take() else {
                        return Poll::Ready(None);
                    };
                    match state.finish() {
                        Ok(last) if last.is_empty() => {}
                        Ok(last) => this.out.push_back(Bytes::from(last)),
                        Err(e) => return Poll::Ready(Some(Err(e))),
                    }
                }
            }
        }
    }
}
