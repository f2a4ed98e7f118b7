use std::ops::Range;

use bytes::Bytes;
use futures::stream;
use rampart_store::{ByteStream, StoreError};
use rampart_types::{BucketName, ByteRange};

use crate::records::DataRef;
use crate::{Engine, EngineError, ObjectRecord, ReadConditions, keys};

/// Attempts to open an object's data before giving up; each retry means a concurrent writer
/// replaced the object between reading its record and opening its data.
const MAX_OPEN_ATTEMPTS: usize = 16;

#[derive(Clone, Debug)]
pub struct ReadRequest {
    pub bucket: BucketName,
    pub key: String,
    pub range: Option<ByteRange>,
    pub conditions: ReadConditions,
}

pub struct GetObjectOutput {
    pub record: ObjectRecord,
    /// The resolved byte range when the request asked for one (a 206 response).
    pub range: Option<Range<u64>>,
    pub body: ByteStream,
}

pub struct HeadObjectOutput {
    pub record: ObjectRecord,
    pub range: Option<Range<u64>>,
}

impl Engine {
    /// HeadObject: the record, after conditions and range are checked.
    pub async fn head_object(&self, req: &ReadRequest) -> Result<HeadObjectOutput, EngineError> {
        let (record, range) = self.resolve_read(req).await?;
        Ok(HeadObjectOutput { record, range })
    }

    /// GetObject: the record and a stream of the requested bytes. The bytes are those of the
    /// record returned, even if the object is overwritten while the stream is read.
    pub async fn get_object(&self, req: &ReadRequest) -> Result<GetObjectOutput, EngineError> {
        for _ in 0..MAX_OPEN_ATTEMPTS {
            let (record, range) = self.resolve_read(req).await?;
            let span = range.clone().unwrap_or(0..record.size);
            if let Some(body) = self.open_data(&record.data, span).await? {
                return Ok(GetObjectOutput {
                    record,
                    range,
                    body,
                });
            }
        }
        Err(EngineError::OperationAborted)
    }

    async fn resolve_read(
        &self,
        req: &ReadRequest,
    ) -> Result<(ObjectRecord, Option<Range<u64>>), EngineError> {
        self.bucket(&req.bucket).await?;
        let (record, _) = self
            .load_object(&req.bucket, &req.key)
            .await?
            .ok_or(EngineError::NoSuchKey)?;
        req.conditions
            .evaluate(&record.etag, record.last_modified)?;
        let range = req.range.map(|r| r.resolve(record.size)).transpose()?;
        Ok((record, range))
    }

    /// Opens `span` of an object's data; `None` if the data is gone because the record was
    /// replaced after it was read.
    pub(crate) async fn open_data(
        &self,
        data: &DataRef,
        span: Range<u64>,
    ) -> Result<Option<ByteStream>, EngineError> {
        match data {
            DataRef::Inline(id) => {
                let Some(record) = self.meta.get(&keys::inline_data(id)).await? else {
                    return Ok(None);
                };
                let bytes = slice(record.value, span)?;
                let body: ByteStream =
                    Box::pin(stream::iter((!bytes.is_empty()).then_some(Ok(bytes))));
                Ok(Some(body))
            }
            DataRef::Blob(id) => match self.blobs.get(id, span).await {
                Ok(body) => Ok(Some(body)),
                Err(StoreError::BlobNotFound(_)) => Ok(None),
                Err(e) => Err(e.into()),
            },
        }
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
