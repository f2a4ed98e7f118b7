//! MD5 for ETags and Content-MD5, from the fastest implementation available.

/// An incremental MD5. OpenSSL's assembly implementation when built with `openssl-md5` and
/// the library permits MD5 (a FIPS-mode OpenSSL does not); the pure-Rust one otherwise.
pub enum Md5 {
    #[cfg(feature = "openssl-md5")]
    OpenSsl(openssl::hash::Hasher),
    Rust(md5::Md5),
}

impl Md5 {
    pub fn new() -> Self {
        #[cfg(feature = "openssl-md5")]
        if let Ok(h) = openssl::hash::Hasher::new(openssl::hash::MessageDigest::md5()) {
            return Self::OpenSsl(h);
        }
        use md5::Digest;
        Self::Rust(md5::Md5::new())
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            #[cfg(feature = "openssl-md5")]
            Self::OpenSsl(h) => {
                if h.update(data).is_err() {
                    // OpenSSL's MD5 update cannot fail once initialised; should it ever, fall
                    // back rather than produce a wrong digest.
                    unreachable_openssl_failure();
                }
            }
            Self::Rust(h) => md5::Digest::update(h, data),
        }
    }

    pub fn finalize(self) -> [u8; 16] {
        match self {
            #[cfg(feature = "openssl-md5")]
            Self::OpenSsl(mut h) => {
                let mut out = [0u8; 16];
                match h.finish() {
                    Ok(d) if d.len() == 16 => out.copy_from_slice(&d),
                    _ => unreachable_openssl_failure(),
                }
                out
            }
            Self::Rust(h) => md5::Digest::finalize(h).into(),
        }
    }

    /// The MD5 of a whole buffer.
    pub fn digest(data: &[u8]) -> [u8; 16] {
        let mut h = Self::new();
        h.update(data);
        h.finalize()
    }
}

impl Default for Md5 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "openssl-md5")]
#[cold]
fn unreachable_openssl_failure() -> ! {
    // Aborting is the only safe answer: an ETag from a half-updated digest would be wrong
    // silently, and every later integrity check would inherit it.
    panic!("OpenSSL MD5 failed after successful initialisation")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1321_vectors() {
        let cases: [(&[u8], &str); 3] = [
            (b"", "d41d8cd98f00b204e9800998ecf8427e"),
            (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
            (
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(hex::encode(Md5::digest(input)), expected);
            let mut h = Md5::Rust(<md5::Md5 as md5::Digest>::new());
            h.update(input);
            assert_eq!(hex::encode(h.finalize()), expected);
        }
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut h = Md5::new();
        for chunk in data.chunks(777) {
            h.update(chunk);
        }
        assert_eq!(h.finalize(), Md5::digest(&data));
    }
}

/// Hash state that can be moved to another thread.
pub trait StreamDigest: Send + 'static {
    fn update(&mut self, data: &[u8]);
}

impl StreamDigest for Md5 {
    fn update(&mut self, data: &[u8]) {
        Md5::update(self, data);
    }
}

/// Queue a job once this much input waits, so each job amortizes its hand-off.
const OFFLOAD_BATCH: usize = 1 << 20;
/// Stop taking input while this much waits for a busy job: bounds memory per upload.
const OFFLOAD_MAX_BACKLOG: usize = 4 << 20;
/// A remainder this small is hashed in place at the end: cheaper than a thread hand-off, and
/// it keeps small requests off the blocking pool entirely.
const FINISH_IN_PLACE: usize = 128 << 10;

/// Runs a digest over a stream's chunks on the blocking pool, one batch at a time, while the
/// caller reads the next batch: hashing uses another core instead of the request's task.
/// Chunks are `Bytes`, so queueing them copies nothing.
pub struct OffloadedDigest<D> {
    /// Present when no job is running.
    idle: Option<D>,
    job: Option<tokio::task::JoinHandle<D>>,
    batch: Vec<bytes::Bytes>,
    batch_len: usize,
}

impl<D: StreamDigest> OffloadedDigest<D> {
    pub fn new(digest: D) -> Self {
        Self {
            idle: Some(digest),
            job: None,
            batch: Vec::new(),
            batch_len: 0,
        }
    }

    /// Queues a chunk (call `poll_ready` first).
    pub fn push(&mut self, chunk: bytes::Bytes) {
        self.batch_len += chunk.len();
        self.batch.push(chunk);
        if self.batch_len >= OFFLOAD_BATCH {
            self.launch();
        }
    }

    /// Ready when more input may be queued; pending while the backlog is full.
    pub fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        if self.job.is_some() {
            match self.poll_job(cx) {
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending if self.batch_len >= OFFLOAD_MAX_BACKLOG => return Poll::Pending,
                _ => {}
            }
        }
        if self.batch_len >= OFFLOAD_BATCH {
            self.launch();
        }
        Poll::Ready(Ok(()))
    }

    /// Hashes whatever is still queued and returns the digest.
    pub fn poll_finish(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<D>> {
        use std::task::Poll;
        loop {
            if self.job.is_some() {
                match self.poll_job(cx) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            if self.batch_len <= FINISH_IN_PLACE {
                let Some(mut digest) = self.idle.take() else {
                    return Poll::Ready(Err(std::io::Error::other("digest already finished")));
                };
                for chunk in self.batch.drain(..) {
                    digest.update(&chunk);
                }
                self.batch_len = 0;
                return Poll::Ready(Ok(digest));
            }
            self.launch();
        }
    }

    fn launch(&mut self) {
        let Some(mut digest) = self.idle.take() else {
            return;
        };
        let batch = std::mem::take(&mut self.batch);
        self.batch_len = 0;
        self.job = Some(tokio::task::spawn_blocking(move || {
            for chunk in &batch {
                digest.update(chunk);
            }
            digest
        }));
    }

    fn poll_job(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::future::Future;
        use std::task::Poll;
        let Some(job) = self.job.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        match std::pin::Pin::new(job).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(digest)) => {
                self.job = None;
                self.idle = Some(digest);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => {
                self.job = None;
                Poll::Ready(Err(std::io::Error::other(format!(
                    "hashing task failed: {e}"
                ))))
            }
        }
    }
}

#[cfg(test)]
mod offload_tests {
    use std::task::Poll;

    use super::*;

    #[tokio::test]
    async fn offloaded_equals_inline_for_any_chunking() {
        let data: Vec<u8> = (0..5_000_000u32).map(|i| (i % 253) as u8).collect();
        for chunk in [1usize, 4096, 65_536, 3 << 20] {
            let mut offloaded = OffloadedDigest::new(Md5::new());
            for piece in data.chunks(chunk) {
                std::future::poll_fn(|cx| offloaded.poll_ready(cx))
                    .await
                    .unwrap();
                offloaded.push(bytes::Bytes::copy_from_slice(piece));
            }
            let digest = std::future::poll_fn(|cx| offloaded.poll_finish(cx))
                .await
                .unwrap();
            assert_eq!(digest.finalize(), Md5::digest(&data), "chunk {chunk}");
        }
    }

    #[tokio::test]
    async fn backlog_is_bounded() {
        let mut offloaded = OffloadedDigest::new(Md5::new());
        let mut waker_cx = std::task::Context::from_waker(std::task::Waker::noop());
        // Queue far more than the backlog allows without ever letting the job finish first:
        // poll_ready must eventually refuse (or the job finished, which is also fine).
        let mut refused = false;
        for _ in 0..64 {
            match offloaded.poll_ready(&mut waker_cx) {
                Poll::Ready(Ok(())) => offloaded.push(bytes::Bytes::from(vec![0u8; 1 << 20])),
                Poll::Pending => {
                    refused = true;
                    break;
                }
                Poll::Ready(Err(e)) => panic!("{e}"),
            }
            assert!(offloaded.batch_len <= OFFLOAD_MAX_BACKLOG + (1 << 20));
        }
        let _ = refused;
        std::future::poll_fn(|cx| offloaded.poll_finish(cx))
            .await
            .unwrap();
    }
}
