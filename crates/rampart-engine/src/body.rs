//! Taking in an object body: hashing and verifying it as it streams, and choosing where its
//! bytes go (inline in the metadata store when small, a blob otherwise).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use rampart_store::{BlobId, ByteStream};

use crate::checksum::{ChecksumAlgorithm, ChecksumHasher, ExpectedChecksum, ExpectedValue};
use crate::hash::{OffloadedDigest, StreamDigest};
use crate::limits::INLINE_OBJECT_MAX;
use crate::records::DataRef;
use crate::sse::{Kek, SealedKey, start_sealing};
use crate::sse_stream::{seal_all, sealing_stream};
use crate::{Engine, EngineError, Md5};

/// What the client declared about the body, checked as it streams.
pub(crate) struct BodySpec {
    pub max_size: u64,
    pub declared_len: Option<u64>,
    pub content_md5: Option<[u8; 16]>,
    /// The client's checksum, verified at the end of the body.
    pub checksum: Option<ExpectedChecksum>,
    /// The checksum to compute and store: S3 stores one with every object (the client's
    /// algorithm, or CRC64NVME). It may differ from the client's (a part of an upload created
    /// without an algorithm still carries the SDK's CRC32): then both are computed.
    pub store_algorithm: ChecksumAlgorithm,
    /// Always write a blob, however small (multipart parts are referenced as blobs).
    pub force_blob: bool,
    /// Seal the data at rest, each blob's data key wrapped by this key.
    pub encryption: Option<Kek>,
}

#[derive(Debug)]
pub(crate) struct Digests {
    pub size: u64,
    pub md5: [u8; 16],
    /// The checksum to store, in `BodySpec::store_algorithm`.
    pub stored: (ChecksumAlgorithm, Vec<u8>),
    /// The client's checksum, verified (S3 echoes it in the response).
    pub client: Option<(ChecksumAlgorithm, Vec<u8>)>,
}

/// A body taken in and verified, not yet referenced by any record.
pub(crate) struct Ingested {
    pub data: DataRef,
    /// The bytes of an inline object, to be written in the same commit as its record.
    pub inline: Option<Bytes>,
    pub digests: Digests,
    /// The data key, when the data is sealed.
    pub sealed: Option<crate::sse::SealedKey>,
}

/// MD5 (the ETag) and the requested flexible checksum, fed together.
struct Hashers {
    md5: Md5,
    stored: ChecksumHasher,
    /// The client's algorithm when it is not the stored one.
    client: Option<ChecksumHasher>,
}

impl StreamDigest for Hashers {
    fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        self.stored.update(data);
        if let Some(h) = &mut self.client {
            h.update(data);
        }
    }
}

/// What the client declared, checked against what arrives.
struct Verifier {
    spec: BodySpec,
    len: u64,
}

impl Verifier {
    fn new(spec: BodySpec) -> (Self, Hashers) {
        let client = spec
            .checksum
            .as_ref()
            .map(|c| c.algorithm)
            .filter(|a| *a != spec.store_algorithm)
            .map(ChecksumHasher::new);
        let hashers = Hashers {
            md5: Md5::new(),
            stored: ChecksumHasher::new(spec.store_algorithm),
            client,
        };
        (Self { spec, len: 0 }, hashers)
    }

    /// Counts a chunk against the size limits, as it arrives.
    fn count(&mut self, chunk: &[u8]) -> Result<(), EngineError> {
        self.len += chunk.len() as u64;
        if self.len > self.spec.max_size {
            return Err(EngineError::EntityTooLarge {
                max: self.spec.max_size,
            });
        }
        if let Some(declared) = self.spec.declared_len
            && self.len > declared
        {
            return Err(EngineError::IncompleteBody {
                declared,
                received: self.len,
            });
        }
        Ok(())
    }

    fn finish(self, hashers: Hashers) -> Result<Digests, EngineError> {
        if let Some(declared) = self.spec.declared_len
            && self.len != declared
        {
            return Err(EngineError::IncompleteBody {
                declared,
                received: self.len,
            });
        }
        let md5 = hashers.md5.finalize();
        if let Some(expected) = self.spec.content_md5
            && expected != md5
        {
            return Err(EngineError::BadDigest {
                algorithm: "Content-MD5",
            });
        }
        let stored = hashers.stored.finalize();
        let client = match self.spec.checksum {
            Some(expected) => {
                let computed = match hashers.client {
                    Some(h) => h.finalize(),
                    None => stored.clone(),
                };
                let sent = match expected.value {
                    ExpectedValue::Header(raw) => raw,
                    ExpectedValue::Trailer(slot) => {
                        let value = slot.take().ok_or_else(|| {
                            EngineError::InvalidRequest(format!(
                                "The request announced the trailer {} but did not send it.",
                                expected.algorithm.header_name()
                            ))
                        })?;
                        expected.algorithm.decode_value(&value).ok_or_else(|| {
                            EngineError::InvalidRequest(format!(
                                "Value for {} trailing header is invalid.",
                                expected.algorithm.header_name()
                            ))
                        })?
                    }
                };
                if sent != computed {
                    return Err(EngineError::BadDigest {
                        algorithm: expected.algorithm.name(),
                    });
                }
                Some((expected.algorithm, computed))
            }
            None => None,
        };
        Ok(Digests {
            size: self.len,
            md5,
            stored: (self.spec.store_algorithm, stored),
            client,
        })
    }
}

/// Passes a body through: counts each chunk as it goes and hashes it on another core; at end
/// of stream, yields a verification failure as the stream's final error (so the blob store
/// discards the blob) or leaves the digests in `result`.
struct VerifyingStream {
    prefix: Option<Bytes>,
    inner: ByteStream,
    verifier: Option<Verifier>,
    hashing: OffloadedDigest<Hashers>,
    inner_done: bool,
    result: Arc<Mutex<Option<Digests>>>,
}

impl VerifyingStream {
    fn fail(&mut self, e: EngineError) -> Poll<Option<std::io::Result<Bytes>>> {
        self.verifier = None;
        Poll::Ready(Some(Err(e.into_io())))
    }
}

impl Stream for VerifyingStream {
    type Item = std::io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(prefix) = this.prefix.take() {
            return Poll::Ready(Some(Ok(prefix)));
        }
        if this.verifier.is_none() {
            return Poll::Ready(None);
        }
        if this.inner_done {
            let hashers = match this.hashing.poll_finish(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(h)) => h,
                Poll::Ready(Err(e)) => return this.fail(EngineError::Internal(e.to_string())),
            };
            let Some(verifier) = this.verifier.take() else {
                return Poll::Ready(None);
            };
            return match verifier.finish(hashers) {
                Ok(digests) => {
                    if let Ok(mut slot) = this.result.lock() {
                        *slot = Some(digests);
                    }
                    Poll::Ready(None)
                }
                Err(e) => Poll::Ready(Some(Err(e.into_io()))),
            };
        }
        // Backpressure: wait while the hashing job is behind.
        match this.hashing.poll_ready(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return this.fail(EngineError::Internal(e.to_string())),
            Poll::Ready(Ok(())) => {}
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                let counted = match this.verifier.as_mut() {
                    Some(v) => v.count(&chunk),
                    None => Ok(()),
                };
                match counted {
                    Ok(()) => {
                        this.hashing.push(chunk.clone());
                        Poll::Ready(Some(Ok(chunk)))
                    }
                    Err(e) => this.fail(e),
                }
            }
            Poll::Ready(Some(Err(e))) => {
                this.verifier = None;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                this.inner_done = true;
                // Re-enter to drive the final hash.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}

impl Engine {
    /// Reads and verifies a body. Small bodies are returned in memory for an inline record;
    /// larger ones are streamed into a new blob, which the caller must reference or delete.
    pub(crate) async fn ingest(
        &self,
        mut body: ByteStream,
        spec: BodySpec,
    ) -> Result<Ingested, EngineError> {
        let kek = spec.encryption.clone();
        let sealing = start_sealing(kek.as_ref())?;
        let (mut verifier, mut hashers) = Verifier::new(spec);
        let mut head = BytesMut::new();
        // Small bodies are hashed in place; only a body that outgrows the inline limit moves
        // its hashing to another core.
        let force_blob = verifier.spec.force_blob;
        while head.len() <= INLINE_OBJECT_MAX {
            match body.next().await {
                Some(Ok(chunk)) => {
                    verifier.count(&chunk)?;
                    hashers.update(&chunk);
                    head.extend_from_slice(&chunk);
                }
                Some(Err(e)) => return Err(EngineError::from_body_error(e)),
                None if force_blob => {
                    let digests = verifier.finish(hashers)?;
                    let (bytes, key) = match sealing {
                        Some((encryptor, key)) => (seal_all(encryptor, &head), Some(key)),
                        None => (head.freeze(), None),
                    };
                    let info = self
                        .blobs
                        .put(Box::pin(futures::stream::iter(
                            (!bytes.is_empty()).then_some(Ok(bytes)),
                        )))
                        .await?;
                    let sealed = wrap(kek.as_ref(), key.as_ref(), &info.id);
                    return Ok(Ingested {
                        data: DataRef::Blob(info.id),
                        inline: None,
                        digests,
                        sealed,
                    });
                }
                None => {
                    let digests = verifier.finish(hashers)?;
                    let id = BlobId::generate();
                    let (bytes, key) = match sealing {
                        Some((encryptor, key)) => (seal_all(encryptor, &head), Some(key)),
                        None => (head.freeze(), None),
                    };
                    let sealed = wrap(kek.as_ref(), key.as_ref(), &id);
                    return Ok(Ingested {
                        data: DataRef::Inline(id),
                        inline: Some(bytes),
                        digests,
                        sealed,
                    });
                }
            }
        }
        let result = Arc::new(Mutex::new(None));
        let stream = VerifyingStream {
            prefix: Some(head.freeze()),
            inner: body,
            verifier: Some(verifier),
            hashing: OffloadedDigest::new(hashers),
            inner_done: false,
            result: result.clone(),
        };
        let (stream, key): (ByteStream, _) = match sealing {
            Some((encryptor, key)) => (sealing_stream(Box::pin(stream), encryptor), Some(key)),
            None => (Box::pin(stream), None),
        };
        let info = self.blobs.put(stream).await?;
        let digests = result.lock().ok().and_then(|mut slot| slot.take());
        match digests {
            Some(digests) => Ok(Ingested {
                sealed: wrap(kek.as_ref(), key.as_ref(), &info.id),
                data: DataRef::Blob(info.id),
                inline: None,
                digests,
            }),
            None => {
                // The store returned without reading to the end: never reference such a blob.
                let _ = self.blobs.delete(&info.id).await;
                Err(EngineError::Internal(
                    "the blob store finished before the body ended".into(),
                ))
            }
        }
    }
}

/// The wrapped data key of data just sealed.
fn wrap(
    kek: Option<&Kek>,
    key: Option<&rampart_crypto::segment::DataKey>,
    id: &BlobId,
) -> Option<SealedKey> {
    Some(kek?.wrap(key?, id))
}
