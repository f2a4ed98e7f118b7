use std::ops::Range;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use rampart_store::{BlobId, ByteStream, StoreError};
use rampart_types::{BucketName, ByteRange};

use crate::records::{DataRef, PartRef};
use crate::sse::{Kek, KeyAccess};
use crate::sse_stream::{open_all, opening_stream};
use crate::versioning::{NULL_VERSION_ID, VersionEntry, seq_of_version_id};
use crate::{Engine, EngineError, ObjectRecord, ReadConditions, keys};

/// Attempts to open an object's data before giving up; each retry means a concurrent writer
/// replaced the object between reading its record and opening its data.
const MAX_OPEN_ATTEMPTS: usize = 16;

#[derive(Clone, Debug)]
pub struct ReadRequest {
    pub bucket: BucketName,
    pub key: String,
    pub range: Option<ByteRange>,
    /// `partNumber`: the part at this position of a multipart object (1-based), or `1` for the
    /// whole of a single-PUT object.
    pub part_number: Option<u32>,
    pub conditions: ReadConditions,
    /// What the request brings to open encrypted data.
    pub keys: KeyAccess,
    /// `versionId`: a specific version (`null` for the null version); `None` the latest.
    pub version_id: Option<String>,
}

/// The part a `partNumber` read selected.
#[derive(Clone, Debug)]
pub struct PartRead {
    /// The number of parts of the object (`x-amz-mp-parts-count`); `None` for a single-PUT
    /// object read as part 1.
    pub parts_count: Option<u32>,
    /// The part's own checksum, in the object's algorithm.
    pub checksum: Option<Vec<u8>>,
}

pub struct GetObjectOutput {
    pub record: ObjectRecord,
    /// The byte range served when it is not the whole object requested plainly (a 206).
    pub range: Option<Range<u64>>,
    pub part: Option<PartRead>,
    pub body: ByteStream,
}

pub struct HeadObjectOutput {
    pub record: ObjectRecord,
    pub range: Option<Range<u64>>,
    pub part: Option<PartRead>,
}

/// An object's record as read, and where and at which store version it was read.
pub(crate) struct StoredObject<'a> {
    pub bucket: &'a BucketName,
    pub key: &'a str,
    pub version: u64,
    pub record: &'a ObjectRecord,
    /// Where the record is when it is a noncurrent version (`None`: the current object).
    pub record_key: Option<Vec<u8>>,
}

struct Resolved {
    record: ObjectRecord,
    version: u64,
    record_key: Option<Vec<u8>>,
    range: Option<Range<u64>>,
    part: Option<PartRead>,
    parts: Option<Vec<PartRef>>,
}

impl Engine {
    /// HeadObject: the record, after conditions and range (or part) are checked.
    pub async fn head_object(&self, req: &ReadRequest) -> Result<HeadObjectOutput, EngineError> {
        let r = self.resolve_read(req).await?;
        Self::check_customer_key(r.record.encryption.as_ref(), &req.keys)?;
        Ok(HeadObjectOutput {
            record: r.record,
            range: r.range,
            part: r.part,
        })
    }

    /// GetObject: the record and a stream of the requested bytes. The bytes are those of the
    /// record returned, even if the object is overwritten while the stream is read.
    pub async fn get_object(&self, req: &ReadRequest) -> Result<GetObjectOutput, EngineError> {
        for _ in 0..MAX_OPEN_ATTEMPTS {
            let r = self.resolve_read(req).await?;
            let kek = self
                .read_kek(r.record.encryption.as_ref(), &req.keys)
                .await?;
            let span = r.range.clone().unwrap_or(0..r.record.size);
            let opened = self
                .open_validated(
                    StoredObject {
                        bucket: &req.bucket,
                        key: &req.key,
                        version: r.version,
                        record: &r.record,
                        record_key: r.record_key.clone(),
                    },
                    r.parts.as_deref(),
                    span,
                    kek.as_ref(),
                )
                .await?;
            if let Some(body) = opened {
                let body = if r.record.encryption.is_some() {
                    first_segment_checked(body).await?
                } else {
                    body
                };
                return Ok(GetObjectOutput {
                    record: r.record,
                    range: r.range,
                    part: r.part,
                    body,
                });
            }
        }
        Err(EngineError::OperationAborted)
    }

    async fn resolve_read(&self, req: &ReadRequest) -> Result<Resolved, EngineError> {
        self.bucket(&req.bucket).await?;
        let (record, version, record_key) = self.read_version(req).await?;
        req.conditions
            .evaluate(&record.etag, record.last_modified)?;
        let parts = match &record.data {
            DataRef::Parts { manifest, .. } => Some(self.manifest(manifest).await?),
            _ => None,
        };
        let (range, part) = match (req.part_number, req.range) {
            (Some(_), Some(_)) => {
                return Err(EngineError::InvalidRequest(
                    "Cannot specify both Range header and partNumber query parameter".into(),
                ));
            }
            (Some(number), None) => {
                let (range, part) = select_part(&record, parts.as_deref(), number)?;
                (Some(range), Some(part))
            }
            (None, Some(r)) => (Some(r.resolve(record.size)?), None),
            (None, None) => (None, None),
        };
        Ok(Resolved {
            record,
            version,
            record_key,
            range,
            part,
            parts,
        })
    }

    async fn read_version(
        &self,
        req: &ReadRequest,
    ) -> Result<(ObjectRecord, u64, Option<Vec<u8>>), EngineError> {
        self.load_version(&req.bucket, &req.key, req.version_id.as_deref())
            .await
    }

    /// The record of a version: the latest (`None`), or the one `version_id` names; with its
    /// store version and, for a noncurrent version, where it is.
    pub(crate) async fn load_version(
        &self,
        bucket: &BucketName,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<(ObjectRecord, u64, Option<Vec<u8>>), EngineError> {
        let current = self.load_object(bucket, key).await?;
        let Some(wanted) = version_id else {
            if let Some((record, version)) = current {
                return Ok((record, version, None));
            }
            return Err(match self.newest_version_entry(bucket, key).await? {
                Some((_, VersionEntry::DeleteMarker(marker), _)) => {
                    EngineError::NoSuchKeyDeleteMarker {
                        version_id: marker
                            .version_id
                            .unwrap_or_else(|| NULL_VERSION_ID.to_owned()),
                    }
                }
                _ => EngineError::NoSuchKey,
            });
        };
        if let Some((record, version)) = current
            && record.version_id.as_deref().unwrap_or(NULL_VERSION_ID) == wanted
        {
            return Ok((record, version, None));
        }
        match self.version_entry(bucket, key, wanted).await? {
            Some((record_key, VersionEntry::Object(record), version)) => {
                Ok((*record, version, Some(record_key)))
            }
            Some((_, VersionEntry::DeleteMarker(marker), _)) => {
                Err(EngineError::VersionIsDeleteMarker {
                    version_id: wanted.to_owned(),
                    last_modified: marker.last_modified,
                })
            }
            None if wanted != NULL_VERSION_ID && seq_of_version_id(wanted).is_none() => {
                Err(EngineError::InvalidArgument {
                    name: "versionId",
                    value: wanted.to_owned(),
                    message: "Invalid version id specified".into(),
                })
            }
            None => Err(EngineError::NoSuchVersion),
        }
    }

    /// Opens `span` of an object's data for a reader: its blobs are leased, then the record is
    /// checked to be still current, so no writer can delete the data under the stream. `None`
    /// when the object changed meanwhile (the caller reads the record again).
    pub(crate) async fn open_validated(
        &self,
        object: StoredObject<'_>,
        parts: Option<&[PartRef]>,
        span: Range<u64>,
        kek: Option<&Kek>,
    ) -> Result<Option<ByteStream>, EngineError> {
        let StoredObject {
            bucket,
            key,
            version,
            record,
            record_key,
        } = object;
        let data = &record.data;
        let loaded;
        let parts = match (data, parts) {
            (DataRef::Parts { manifest, .. }, None) => {
                loaded = self.manifest(manifest).await?;
                Some(loaded.as_slice())
            }
            (_, parts) => parts,
        };
        let blobs: Vec<BlobId> = match (data, parts) {
            (DataRef::Blob(id), _) => vec![id.clone()],
            (DataRef::Parts { .. }, Some(parts)) => parts.iter().map(|p| p.blob.clone()).collect(),
            _ => Vec::new(),
        };
        let lease = self.readers.lease(blobs);
        let record_key = record_key.unwrap_or_else(|| keys::object(bucket, key));
        let current = self.meta.get(&record_key).await?;
        if current.map(|r| r.version) != Some(version) {
            return Ok(None);
        }
        let Some(body) = self.open_data(record, parts, span, kek).await? else {
            return Ok(None);
        };
        // The lease lives as long as the body stream.
        Ok(Some(Box::pin(body.map(move |chunk| {
            let _held = &lease;
            chunk
        }))))
    }

    /// Opens `span` of an object's data; `None` if the data is gone because the record was
    /// replaced after it was read. Readers go through `open_validated`, which leases the blobs.
    async fn open_data(
        &self,
        object: &ObjectRecord,
        parts: Option<&[PartRef]>,
        span: Range<u64>,
        kek: Option<&Kek>,
    ) -> Result<Option<ByteStream>, EngineError> {
        let opener = |sealed: Option<&crate::sse::SealedKey>| match (sealed, kek) {
            (Some(sealed), Some(kek)) => Ok(Some((sealed.clone(), kek))),
            (None, _) => Ok(None),
            (Some(_), None) => Err(EngineError::Internal(
                "sealed data read without its key".into(),
            )),
        };
        match &object.data {
            DataRef::Inline(id) => {
                let Some(record) = self.meta.get(&keys::inline_data(id)).await? else {
                    return Ok(None);
                };
                let bytes = match opener(object.sealed.as_ref())? {
                    Some((sealed, kek)) => {
                        let (decryptor, range) = kek.open(&sealed, id, object.size, span)?;
                        open_all(decryptor, &slice(record.value, range)?)?
                    }
                    None => slice(record.value, span)?,
                };
                let body: ByteStream =
                    Box::pin(stream::iter((!bytes.is_empty()).then_some(Ok(bytes))));
                Ok(Some(body))
            }
            DataRef::Blob(id) => {
                let (range, decryptor) = match opener(object.sealed.as_ref())? {
                    Some((sealed, kek)) => {
                        let (decryptor, range) = kek.open(&sealed, id, object.size, span)?;
                        (range, Some(decryptor))
                    }
                    None => (span, None),
                };
                let body = match self.blobs.get(id, range).await {
                    Ok(body) => body,
                    Err(StoreError::BlobNotFound(_)) => return Ok(None),
                    Err(e) => return Err(e.into()),
                };
                Ok(Some(match decryptor {
                    Some(decryptor) => opening_stream(body, decryptor),
                    None => body,
                }))
            }
            DataRef::Parts { manifest, .. } => {
                let loaded;
                let parts = match parts {
                    Some(p) => p,
                    None => {
                        loaded = self.manifest(manifest).await?;
                        &loaded
                    }
                };
                Ok(Some(self.parts_stream(parts, span, kek.cloned())))
            }
        }
    }

    /// The bytes of `span` across a multipart object's parts, each part opened when reached.
    fn parts_stream(&self, parts: &[PartRef], span: Range<u64>, kek: Option<Kek>) -> ByteStream {
        let mut pieces = Vec::new();
        let mut offset = 0u64;
        for part in parts {
            let (start, end) = (offset, offset + part.size);
            offset = end;
            if end <= span.start || start >= span.end || part.size == 0 {
                continue;
            }
            let from = span.start.max(start) - start;
            let to = span.end.min(end) - start;
            pieces.push((part.blob.clone(), from..to, part.sealed.clone(), part.size));
        }
        let engine = self.clone();
        let stream = stream::iter(pieces)
            .then(move |(id, range, sealed, size)| {
                let engine = engine.clone();
                let kek = kek.clone();
                async move {
                    let failed = |e: EngineError| match e {
                        EngineError::DataCorrupted(_) => e.into_io(),
                        other => std::io::Error::other(format!("part blob {id}: {other}")),
                    };
                    let (range, decryptor) = match (&sealed, &kek) {
                        (Some(sealed), Some(kek)) => {
                            let (decryptor, range) =
                                kek.open(sealed, &id, size, range).map_err(failed)?;
                            (range, Some(decryptor))
                        }
                        (None, _) => (range, None),
                        (Some(_), None) => {
                            return Err(failed(EngineError::Internal(
                                "sealed part read without its key".into(),
                            )));
                        }
                    };
                    let body = engine
                        .blobs
                        .get(&id, range)
                        .await
                        .map_err(|e| failed(e.into()))?;
                    Ok::<_, std::io::Error>(match decryptor {
                        Some(decryptor) => opening_stream(body, decryptor),
                        None => body,
                    })
                }
            })
            .try_flatten();
        Box::pin(stream)
    }
}

/// The byte range and details of part `number` (1-based position) of an object.
fn select_part(
    record: &ObjectRecord,
    parts: Option<&[PartRef]>,
    number: u32,
) -> Result<(Range<u64>, PartRead), EngineError> {
    let invalid = || EngineError::InvalidPartNumber {
        parts: parts.map_or(1, |p| p.len() as u32),
    };
    if number == 0 {
        return Err(invalid());
    }
    match parts {
        // A single-PUT object has exactly one part: itself.
        None if number == 1 => Ok((
            0..record.size,
            PartRead {
                parts_count: None,
                checksum: None,
            },
        )),
        None => Err(invalid()),
        Some(parts) => {
            let index = (number - 1) as usize;
            let part = parts.get(index).ok_or_else(invalid)?;
            let start: u64 = parts[..index].iter().map(|p| p.size).sum();
            Ok((
                start..start + part.size,
                PartRead {
                    parts_count: Some(parts.len() as u32),
                    checksum: part.checksum.clone(),
                },
            ))
        }
    }
}

/// Opens the first segment of sealed data before the response starts, so that damage found
/// there is an error response rather than a connection cut after a 200.
async fn first_segment_checked(mut body: ByteStream) -> Result<ByteStream, EngineError> {
    match body.next().await {
        None => Ok(Box::pin(stream::empty())),
        Some(Ok(first)) => Ok(Box::pin(stream::once(async { Ok(first) }).chain(body))),
        Some(Err(e)) => Err(match EngineError::from_body_error(e) {
            EngineError::Body(io) => EngineError::Internal(io.to_string()),
            other => other,
        }),
    }
}

fn slice(bytes: Bytes, span: Range<u64>) -> Result<Bytes, EngineError> {
    let start = usize::try_from(span.start).unwrap_or(usize::MAX);
    let end = usize::try_from(span.end).unwrap_or(usize::MAX);
    if start > end || end > bytes.len() {
        return Err(EngineError::Internal(format!(
            "inline data is {} bytes; asked for {start}..{end}",
            bytes.len()
        )));
    }
    Ok(bytes.slice(start..end))
}
