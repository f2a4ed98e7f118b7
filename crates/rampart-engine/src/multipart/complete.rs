//! CompleteMultipartUpload: validate the client's part list, then commit one object record
//! that points at the parts' blobs.

use std::collections::HashMap;

use rampart_store::{BlobId, Expect, StoreError, Txn};
use rampart_types::{BucketName, ETag};

use super::{MIN_PART_SIZE, PartRecord, UploadRecord, UploadState};
use crate::checksum::{ChecksumAlgorithm, ChecksumHasher, ChecksumType};
use crate::object::MAX_COMMIT_ATTEMPTS;
use crate::records::{DataRef, PartRef, encode};
use crate::{
    Engine, EngineError, Md5, ObjectChecksum, ObjectRecord, PutObjectOutput, WriteCondition, keys,
};

/// One `<Part>` of the CompleteMultipartUpload request.
#[derive(Clone, Debug)]
pub struct CompletedPart {
    pub number: u32,
    /// As sent: quoted or not.
    pub etag: String,
    /// A `<ChecksumXXX>` element, decoded.
    pub checksum: Option<(ChecksumAlgorithm, Vec<u8>)>,
}

pub struct CompleteMultipartInput {
    pub bucket: BucketName,
    pub key: String,
    pub upload_id: String,
    pub parts: Vec<CompletedPart>,
    /// A whole-object checksum header (`x-amz-checksum-*`) to verify.
    pub object_checksum: Option<(ChecksumAlgorithm, Vec<u8>)>,
    /// `x-amz-checksum-type`, which must agree with the upload's.
    pub checksum_type: Option<ChecksumType>,
    /// `x-amz-mp-object-size`: the client's expected object size.
    pub object_size: Option<u64>,
    pub condition: WriteCondition,
}

fn invalid_part() -> EngineError {
    EngineError::InvalidPart
}

/// Checks the client's list against the uploaded parts and returns them in order.
fn select_parts(
    requested: &[CompletedPart],
    uploaded: &HashMap<u32, PartRecord>,
    algorithm: ChecksumAlgorithm,
) -> Result<Vec<PartRecord>, EngineError> {
    let mut selected = Vec::with_capacity(requested.len());
    let mut previous = 0;
    for part in requested {
        if part.number <= previous {
            return Err(EngineError::InvalidPartOrder);
        }
        previous = part.number;
        let stored = uploaded.get(&part.number).ok_or_else(invalid_part)?;
        if !stored.etag.matches_header(&part.etag) || part.etag.trim() == "*" {
            return Err(invalid_part());
        }
        if let Some((alg, value)) = &part.checksum
            && (*alg != algorithm || value != &stored.checksum)
        {
            return Err(invalid_part());
        }
        selected.push(stored.clone());
    }
    if let Some((_, all_but_last)) = selected.split_last()
        && let Some(small) = all_but_last.iter().find(|p| p.size < MIN_PART_SIZE)
    {
        return Err(EngineError::EntityTooSmall {
            size: small.size,
            min: MIN_PART_SIZE,
            part: small.number,
        });
    }
    Ok(selected)
}

/// S3's multipart ETag: the MD5 of the parts' binary MD5s, then `-<parts>`.
fn multipart_etag(parts: &[PartRecord]) -> ETag {
    let mut md5 = Md5::new();
    for part in parts {
        md5.update(&part.md5);
    }
    ETag::from_multipart(&md5.finalize(), parts.len())
}

/// The object's checksum from its parts': CRCs combined into the whole object's CRC, or a
/// checksum of the concatenated part checksums.
fn object_checksum(
    parts: &[PartRecord],
    algorithm: ChecksumAlgorithm,
    kind: ChecksumType,
) -> Result<Vec<u8>, EngineError> {
    match kind {
        ChecksumType::Composite => {
            let mut hasher = ChecksumHasher::new(algorithm);
            for part in parts {
                hasher.update(&part.checksum);
            }
            Ok(hasher.finalize())
        }
        ChecksumType::FullObject => {
            let mut parts = parts.iter();
            let first = parts
                .next()
                .map(|p| p.checksum.clone())
                .ok_or_else(|| EngineError::Internal("no parts to combine".into()))?;
            parts.try_fold(first, |acc, part| {
                algorithm
                    .combine(&acc, &part.checksum, part.size)
                    .ok_or_else(|| EngineError::Internal("checksums do not combine".into()))
            })
        }
    }
}

impl Engine {
    pub async fn complete_multipart_upload(
        &self,
        input: CompleteMultipartInput,
    ) -> Result<PutObjectOutput, EngineError> {
        if input.parts.is_empty() {
            return Err(EngineError::MalformedXml);
        }
        let (upload, upload_version) = self
            .active_upload(&input.bucket, &input.key, &input.upload_id)
            .await?;
        let (algorithm, kind) = upload.object_checksum();
        if let Some(requested) = input.checksum_type
            && upload.checksum.is_some()
            && requested != kind
        {
            return Err(EngineError::InvalidRequest(format!(
                "The upload was created using the {} checksum mode. The complete request must use the same checksum mode.",
                kind.name()
            )));
        }
        // From here no part can commit: the mark changes the version every part upload checks.
        let upload_key = keys::upload(&input.bucket, &upload.key, &upload.upload_id);
        let mut marked = upload.clone();
        marked.state = UploadState::Completing;
        let marked_version = self
            .meta
            .commit(
                Txn::new()
                    .check(upload_key.clone(), Expect::Version(upload_version))
                    .put(upload_key.clone(), encode(&marked)?),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => EngineError::NoSuchUpload,
                other => other.into(),
            })?;
        match self
            .finish_upload(
                &input,
                &upload,
                upload_key.clone(),
                marked_version,
                algorithm,
                kind,
            )
            .await
        {
            Ok(output) => Ok(output),
            Err(e) => {
                // Give the upload back to the client, who may fix the list and try again.
                let revert = Txn::new()
                    .check(upload_key.clone(), Expect::Version(marked_version))
                    .put(upload_key, encode(&upload)?);
                if let Err(revert_error) = self.meta.commit(revert).await {
                    tracing::warn!(error = %revert_error, "could not return an upload to Active after a failed completion");
                }
                Err(e)
            }
        }
    }

    async fn finish_upload(
        &self,
        input: &CompleteMultipartInput,
        upload: &UploadRecord,
        upload_key: Vec<u8>,
        marked_version: u64,
        algorithm: ChecksumAlgorithm,
        kind: ChecksumType,
    ) -> Result<PutObjectOutput, EngineError> {
        let all_parts = self.upload_parts(&upload.upload_id).await?;
        let uploaded: HashMap<u32, PartRecord> =
            all_parts.iter().map(|p| (p.number, p.clone())).collect();
        let parts = select_parts(&input.parts, &uploaded, algorithm)?;
        let size: u64 = parts.iter().map(|p| p.size).sum();
        if let Some(expected) = input.object_size
            && expected != size
        {
            return Err(EngineError::InvalidRequest(format!(
                "The provided 'x-amz-mp-object-size' header value {expected} does not match what was computed: {size}"
            )));
        }
        let checksum = object_checksum(&parts, algorithm, kind)?;
        if let Some((alg, value)) = &input.object_checksum
            && (*alg != algorithm || (kind == ChecksumType::FullObject && *value != checksum))
        {
            return Err(EngineError::BadDigest {
                algorithm: alg.name(),
            });
        }

        let manifest_id = BlobId::generate();
        let manifest: Vec<PartRef> = parts
            .iter()
            .map(|p| PartRef {
                number: p.number,
                size: p.size,
                etag: p.etag.clone(),
                checksum: Some(p.checksum.clone()),
                blob: p.blob.clone(),
                sealed: p.sealed.clone(),
            })
            .collect();
        let record = ObjectRecord {
            size,
            etag: multipart_etag(&parts),
            // S3 dates a multipart object from the initiation of its upload.
            last_modified: upload.initiated,
            owner: upload.owner.clone(),
            acl: upload.acl.clone(),
            headers: upload.headers.clone(),
            user_metadata: upload.user_metadata.clone(),
            storage_class: upload.storage_class.clone(),
            tags: upload.tags.clone(),
            checksum: Some(ObjectChecksum {
                algorithm,
                value: checksum,
                kind,
            }),
            encryption: upload.encryption.clone(),
            data: DataRef::Parts {
                manifest: manifest_id.clone(),
                count: parts.len() as u32,
            },
            sealed: None,
            version_id: None,
            seq: 0,
            lock: upload.lock,
        };
        let encoded_manifest = encode(&manifest)?;
        let used: std::collections::HashSet<&BlobId> = parts.iter().map(|p| &p.blob).collect();
        let unused: Vec<BlobId> = all_parts
            .iter()
            .filter(|p| !used.contains(&p.blob))
            .map(|p| p.blob.clone())
            .collect();

        let object_key = keys::object(&input.bucket, &input.key);
        for _ in 0..MAX_COMMIT_ATTEMPTS {
            let (bucket_record, bucket_version) = self.active_bucket(&input.bucket).await?;
            let current = self.load_object(&input.bucket, &input.key).await?;
            input
                .condition
                .check(current.as_ref().map(|(r, _)| &r.etag))?;
            let current_record = current.as_ref().map(|(r, _)| r);
            let mut record = record.clone();
            record.lock = crate::lock_config::new_version_lock(&bucket_record, record.lock)?;
            self.stamp_version(
                &mut record,
                &input.bucket,
                &input.key,
                bucket_record.versioning,
                current_record,
            )
            .await?;
            let mut txn = Txn::new()
                .check(keys::bucket(&input.bucket), Expect::Version(bucket_version))
                .check(upload_key.clone(), Expect::Version(marked_version))
                .check(
                    object_key.clone(),
                    current
                        .as_ref()
                        .map_or(Expect::Absent, |(_, v)| Expect::Version(*v)),
                )
                .put(object_key.clone(), encode(&record)?)
                .put(keys::manifest(&manifest_id), encoded_manifest.clone())
                .delete(upload_key.clone());
            for part in &all_parts {
                txn = txn.delete(keys::part(&upload.upload_id, part.number));
            }
            for blob in &unused {
                txn = txn.delete(keys::blob_ref(blob));
            }
            let mut freed = unused.clone();
            let (t, old_blobs) = self
                .supersede(
                    txn,
                    &input.bucket,
                    &input.key,
                    bucket_record.versioning,
                    current_record,
                    Some(&record.data),
                )
                .await?;
            txn = t;
            freed.extend(old_blobs);
            match self.meta.commit(txn).await {
                Ok(_) => {
                    if !record.lock.is_empty() {
                        self.mirror_lock(&record, false).await;
                    }
                    self.delete_blobs(freed).await;
                    return Ok(PutObjectOutput {
                        etag: record.etag,
                        last_modified: record.last_modified,
                        checksum: None,
                        encryption: record.encryption,
                        version_id: record.version_id,
                        lock: record.lock,
                    });
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::OperationAborted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    fn part(number: u32, size: u64, byte: u8) -> PartRecord {
        let data = vec![byte; size as usize];
        let md5 = Md5::digest(&data);
        let mut crc = ChecksumHasher::new(ChecksumAlgorithm::Crc64Nvme);
        crc.update(&data);
        PartRecord {
            number,
            size,
            etag: ETag::from_md5(&md5),
            md5,
            checksum: crc.finalize(),
            last_modified: Timestamp::now(),
            blob: BlobId::generate(),
            sealed: None,
        }
    }

    fn request(p: &PartRecord) -> CompletedPart {
        CompletedPart {
            number: p.number,
            etag: p.etag.quoted(),
            checksum: None,
        }
    }

    #[test]
    fn validates_the_part_list() {
        let big = MIN_PART_SIZE;
        let parts = [part(1, big, 1), part(2, big, 2), part(3, 10, 3)];
        let uploaded: HashMap<u32, PartRecord> =
            parts.iter().map(|p| (p.number, p.clone())).collect();
        let alg = ChecksumAlgorithm::Crc64Nvme;
        let all: Vec<_> = parts.iter().map(request).collect();
        assert_eq!(select_parts(&all, &uploaded, alg).unwrap().len(), 3);
        // Order, unknown parts, wrong ETags, small middle parts.
        let reversed = vec![all[1].clone(), all[0].clone()];
        assert!(matches!(
            select_parts(&reversed, &uploaded, alg),
            Err(EngineError::InvalidPartOrder)
        ));
        let dup = vec![all[0].clone(), all[0].clone()];
        assert!(matches!(
            select_parts(&dup, &uploaded, alg),
            Err(EngineError::InvalidPartOrder)
        ));
        let mut unknown = all.clone();
        unknown[2].number = 4;
        assert!(matches!(
            select_parts(&unknown, &uploaded, alg),
            Err(EngineError::InvalidPart)
        ));
        let mut wrong = all.clone();
        wrong[0].etag = "\"00000000000000000000000000000000\"".into();
        assert!(matches!(
            select_parts(&wrong, &uploaded, alg),
            Err(EngineError::InvalidPart)
        ));
        let skip_middle = vec![all[0].clone(), all[2].clone()];
        assert_eq!(select_parts(&skip_middle, &uploaded, alg).unwrap().len(), 2);
        let small_first = vec![all[2].clone()];
        assert!(select_parts(&small_first, &uploaded, alg).is_ok());
        let uploaded_small: HashMap<u32, PartRecord> = [part(1, 10, 1), part(2, 10, 2)]
            .into_iter()
            .map(|p| (p.number, p))
            .collect();
        let reqs: Vec<_> = uploaded_small.values().map(request).collect();
        let mut reqs = reqs;
        reqs.sort_by_key(|r| r.number);
        assert!(matches!(
            select_parts(&reqs, &uploaded_small, alg),
            Err(EngineError::EntityTooSmall { part: 1, .. })
        ));
    }

    #[test]
    fn etag_and_checksums_match_s3s_construction() {
        let parts = [part(1, 1000, 7), part(2, 500, 9)];
        // The ETag: MD5 of the concatenated binary MD5s, then -N.
        let mut concat = parts[0].md5.to_vec();
        concat.extend_from_slice(&parts[1].md5);
        assert_eq!(
            multipart_etag(&parts).as_str(),
            format!("{}-2", hex::encode(Md5::digest(&concat)))
        );
        // Full-object CRC64NVME equals the CRC of the whole data.
        let mut whole = ChecksumHasher::new(ChecksumAlgorithm::Crc64Nvme);
        whole.update(&vec![7u8; 1000]);
        whole.update(&vec![9u8; 500]);
        assert_eq!(
            object_checksum(
                &parts,
                ChecksumAlgorithm::Crc64Nvme,
                ChecksumType::FullObject
            )
            .unwrap(),
            whole.finalize()
        );
        // Composite: the checksum of the concatenated part checksums.
        let mut composite = ChecksumHasher::new(ChecksumAlgorithm::Crc64Nvme);
        composite.update(&parts[0].checksum);
        composite.update(&parts[1].checksum);
        assert_eq!(
            object_checksum(
                &parts,
                ChecksumAlgorithm::Crc64Nvme,
                ChecksumType::Composite
            )
            .unwrap(),
            composite.finalize()
        );
    }
}
