//! Sealing and opening object data as it streams through ([`rampart_crypto::segment`]).

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::{FutureExt, Stream, StreamExt};
use rampart_crypto::CryptoError;
use rampart_crypto::segment::{Decryptor, Encryptor};
use rampart_store::ByteStream;
use tokio::task::JoinHandle;

use crate::EngineError;

/// Seals all of `plaintext` at once (inline objects and small blobs).
pub(crate) fn seal_all(mut encryptor: Encryptor, plaintext: &[u8]) -> Bytes {
    let mut sealed: Vec<u8> = encryptor.update(plaintext).concat();
    sealed.extend(encryptor.finish());
    Bytes::from(sealed)
}

/// Opens sealed bytes held in memory.
pub(crate) fn open_all(mut decryptor: Decryptor, sealed: &[u8]) -> Result<Bytes, EngineError> {
    let mut pieces = Vec::new();
    decryptor
        .update_owned(BytesMut::from(sealed), &mut pieces)
        .map_err(corrupt)?;
    decryptor.finish().map_err(corrupt)?;
    Ok(match pieces.len() {
        0 => Bytes::new(),
        1 => pieces.swap_remove(0),
        _ => Bytes::from(pieces.concat()),
    })
}

/// Seals a stream as it passes.
pub(crate) fn sealing_stream(inner: ByteStream, encryptor: Encryptor) -> ByteStream {
    Box::pin(Transform {
        inner,
        state: Some(Sealer(encryptor)),
        out: VecDeque::new(),
    })
}

/// Opens a stream of sealed bytes as it passes; damage ends it with an error, and no byte of
/// a damaged segment is ever handed out.
pub(crate) fn opening_stream(inner: ByteStream, decryptor: Decryptor) -> ByteStream {
    Box::pin(Opening {
        inner,
        decryptor: Some(decryptor),
        job: None,
        out: VecDeque::new(),
        inner_done: false,
        error: None,
        done: false,
    })
}

/// Chunks of sealed bytes at least this long are opened on the blocking pool, one at a time,
/// while the request's task sends the previous chunk's plaintext (and the blob store reads the
/// next chunk): on a large GET disk, decryption and socket overlap. Shorter chunks (small
/// objects, short ranges) are opened in the task, without the thread hop.
const OPEN_OFFLOAD_MIN: usize = 256 << 10;

fn corrupt(e: CryptoError) -> EngineError {
    EngineError::DataCorrupted(e.to_string())
}

/// A chunk being opened on the blocking pool; it hands the decryptor back.
type OpenJob = JoinHandle<(Decryptor, Result<Vec<Bytes>, CryptoError>)>;

struct Opening {
    inner: ByteStream,
    /// `None` while a job holds it, and once the stream has ended or failed.
    decryptor: Option<Decryptor>,
    job: Option<OpenJob>,
    /// Opened plaintext, in order, not yet handed out.
    out: VecDeque<Bytes>,
    /// Nothing more is taken from `inner`: it ended, or something failed.
    inner_done: bool,
    /// Why the stream fails, handed out after the plaintext opened before the failure.
    error: Option<std::io::Error>,
    done: bool,
}

impl Opening {
    fn fail(&mut self, error: std::io::Error) {
        self.inner_done = true;
        self.decryptor = None;
        self.error.get_or_insert(error);
    }

    /// Opens `chunk`, on the blocking pool if it is long.
    fn start(&mut self, chunk: Bytes) {
        let Some(mut decryptor) = self.decryptor.take() else {
            return;
        };
        // The blob store hands out buffers nobody else holds: opened in place, not copied.
        let buf = chunk
            .try_into_mut()
            .unwrap_or_else(|shared| BytesMut::from(&shared[..]));
        if buf.len() >= OPEN_OFFLOAD_MIN {
            self.job = Some(tokio::task::spawn_blocking(move || {
                let mut opened = Vec::new();
                let result = decryptor.update_owned(buf, &mut opened);
                (decryptor, result.map(|()| opened))
            }));
            return;
        }
        let mut opened = Vec::new();
        match decryptor.update_owned(buf, &mut opened) {
            Ok(()) => {
                self.out.extend(opened);
                self.decryptor = Some(decryptor);
            }
            Err(e) => self.fail(corrupt(e).into_io()),
        }
    }
}

impl Stream for Opening {
    type Item = std::io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            // Keep the next chunk opening while the plaintext before it is handed out.
            let mut waiting = false;
            if this.job.is_none() && !this.inner_done && this.decryptor.is_some() {
                match this.inner.poll_next_unpin(cx) {
                    Poll::Ready(Some(Ok(chunk))) => this.start(chunk),
                    Poll::Ready(Some(Err(e))) => this.fail(e),
                    Poll::Ready(None) => this.inner_done = true,
                    Poll::Pending => waiting = true,
                }
            }
            if let Some(piece) = this.out.pop_front() {
                return Poll::Ready(Some(Ok(piece)));
            }
            if let Some(job) = this.job.as_mut() {
                match job.poll_unpin(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(done) => {
                        this.job = None;
                        match done {
                            Ok((decryptor, Ok(opened))) => {
                                this.decryptor = Some(decryptor);
                                this.out.extend(opened);
                            }
                            Ok((_, Err(e))) => this.fail(corrupt(e).into_io()),
                            Err(join) => this.fail(std::io::Error::other(join)),
                        }
                        continue;
                    }
                }
            }
            if let Some(e) = this.error.take() {
                this.done = true;
                return Poll::Ready(Some(Err(e)));
            }
            if this.inner_done {
                this.done = true;
                if let Some(decryptor) = this.decryptor.take()
                    && let Err(e) = decryptor.finish()
                {
                    return Poll::Ready(Some(Err(corrupt(e).into_io())));
                }
                return Poll::Ready(None);
            }
            if waiting {
                return Poll::Pending;
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;
    use rampart_crypto::segment::{DataKey, Layout};

    use super::*;

    /// `len` bytes in 64 KiB segments, sealed under a new key.
    fn sealed_blob(len: usize) -> (Vec<u8>, Vec<u8>, DataKey) {
        let plain: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let (encryptor, key) = Encryptor::new(64 << 10).unwrap();
        let sealed = seal_all(encryptor, &plain).to_vec();
        (plain, sealed, key)
    }

    /// The sealed bytes as a stream of chunks of the given lengths (cycled), each chunk in
    /// a buffer of its own as the blob store hands them out.
    fn chunked(sealed: &[u8], lens: &[usize]) -> ByteStream {
        let mut chunks = Vec::new();
        let mut rest = sealed;
        for &n in lens.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at(n.min(rest.len()));
            rest = tail;
            chunks.push(Ok(Bytes::from(chunk.to_vec())));
        }
        Box::pin(futures::stream::iter(chunks))
    }

    async fn open(
        key: &DataKey,
        plain_len: usize,
        range: std::ops::Range<u64>,
        sealed: &[u8],
        lens: &[usize],
    ) -> std::io::Result<Vec<u8>> {
        let layout = Layout::new(64 << 10, plain_len as u64).unwrap();
        let plan = layout.plan(range).unwrap();
        let decryptor = Decryptor::new(key, layout, &plan).unwrap();
        let bytes = &sealed[plan.sealed.start as usize..plan.sealed.end as usize];
        let pieces: Vec<Bytes> = opening_stream(chunked(bytes, lens), decryptor)
            .try_collect()
            .await?;
        Ok(pieces.concat())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn opens_any_chunking_in_task_or_on_the_blocking_pool() {
        let len = 1_300_000;
        let (plain, sealed, key) = sealed_blob(len);
        let chunkings: &[&[usize]] = &[
            &[1 << 20],
            &[65_552],
            &[300_000, 7, 65_551, 1 << 20],
            &[1000],
            &[sealed.len()],
        ];
        for lens in chunkings {
            let got = open(&key, len, 0..len as u64, &sealed, lens).await.unwrap();
            assert!(got == plain, "chunks {lens:?}");
            let got = open(&key, len, 70_000..1_200_001, &sealed, lens)
                .await
                .unwrap();
            assert!(got == plain[70_000..1_200_001], "range, chunks {lens:?}");
        }
        assert_eq!(
            open_all(
                Decryptor::new(
                    &key,
                    Layout::new(64 << 10, len as u64).unwrap(),
                    &Layout::new(64 << 10, len as u64)
                        .unwrap()
                        .plan(0..len as u64)
                        .unwrap()
                )
                .unwrap(),
                &sealed,
            )
            .unwrap(),
            plain
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn damage_ends_the_stream_after_only_sound_plaintext() {
        let len = 1_300_000;
        let (plain, sealed, key) = sealed_blob(len);
        let segment = 65_552;
        for at in [5, segment + 3, 10 * segment + 100, sealed.len() - 1] {
            let mut damaged = sealed.clone();
            damaged[at] ^= 0x20;
            for lens in [&[1usize << 20][..], &[4096], &[300_000, 65_551]] {
                let layout = Layout::new(64 << 10, len as u64).unwrap();
                let plan = layout.plan(0..len as u64).unwrap();
                let decryptor = Decryptor::new(&key, layout, &plan).unwrap();
                let mut stream = opening_stream(chunked(&damaged, lens), decryptor);
                let mut got = Vec::new();
                let error = loop {
                    match stream.next().await {
                        Some(Ok(piece)) => got.extend_from_slice(&piece),
                        Some(Err(e)) => break e,
                        None => panic!("damage at {at} went unnoticed ({lens:?})"),
                    }
                };
                assert!(matches!(
                    EngineError::from_body_error(error),
                    EngineError::DataCorrupted(_)
                ));
                assert!(stream.next().await.is_none());
                // What came out is a prefix of the plaintext, ending before the damage.
                assert!(got.len() <= at / segment * (64 << 10), "damage at {at}");
                assert!(got == plain[..got.len()]);
            }
        }
        // Cut short: an error, never a clean end.
        let layout = Layout::new(64 << 10, len as u64).unwrap();
        let plan = layout.plan(0..len as u64).unwrap();
        let decryptor = Decryptor::new(&key, layout, &plan).unwrap();
        let cut = &sealed[..sealed.len() - 1];
        let result: std::io::Result<Vec<Bytes>> =
            opening_stream(chunked(cut, &[1 << 20]), decryptor)
                .try_collect()
                .await;
        assert!(result.is_err());
    }
}
