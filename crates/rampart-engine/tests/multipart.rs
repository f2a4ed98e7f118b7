//! Multipart uploads over the in-memory stores: the races that must not lose or orphan data.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use rampart_engine::multipart::{
    CompleteMultipartInput, CompletedPart, CreateMultipartInput, UploadPartInput,
};
use rampart_engine::{Engine, EngineConfig, EngineError, WriteCondition};
use rampart_store::memory::{MemoryBlobStore, MemoryMetaStore};
use rampart_store::{BlobStore, ByteStream};
use rampart_types::{AccountId, BucketName, CanonicalUserId, ObjectKey, Owner};

const MIB: usize = 1024 * 1024;

fn owner() -> Owner {
    Owner {
        account_id: AccountId::parse("123456789012").unwrap(),
        canonical_id: CanonicalUserId::parse(&"c".repeat(64)).unwrap(),
        display_name: "t".into(),
    }
}

async fn setup() -> (Engine, Arc<MemoryBlobStore>, BucketName) {
    let blobs = Arc::new(MemoryBlobStore::new());
    let engine = Engine::new(
        Arc::new(MemoryMetaStore::new()),
        blobs.clone(),
        EngineConfig {
            region: "us-east-1".into(),
            sse: rampart_engine::sse::SseConfig {
                master_key: Some(std::sync::Arc::new(rampart_crypto::MasterKey::generate())),
                encrypt_by_default: true,
                block_sse_c_by_default: true,
            },
        },
    );
    let bucket = BucketName::parse("mpu-races").unwrap();
    engine.create_bucket(&bucket, &owner()).await.unwrap();
    (engine, blobs, bucket)
}

fn body(data: Vec<u8>) -> ByteStream {
    Box::pin(futures::stream::iter(vec![Ok(Bytes::from(data))]))
}

async fn create(engine: &Engine, bucket: &BucketName) -> String {
    engine
        .create_multipart_upload(CreateMultipartInput {
            bucket: bucket.clone(),
            key: ObjectKey::parse("k").unwrap(),
            headers: Default::default(),
            user_metadata: Vec::new(),
            storage_class: None,
            tags: Default::default(),
            checksum_algorithm: None,
            checksum_type: None,
            owner: owner(),
            initiator: rampart_engine::multipart::Initiator {
                id: owner().canonical_id.as_str().to_owned(),
                display_name: owner().display_name,
            },
            acl: None,
            encryption: None,
            kms: None,
            lock: Default::default(),
        })
        .await
        .unwrap()
        .upload_id
}

async fn part(
    engine: &Engine,
    bucket: &BucketName,
    id: &str,
    number: u32,
    data: Vec<u8>,
) -> Result<CompletedPart, EngineError> {
    let len = data.len() as u64;
    let out = engine
        .upload_part(UploadPartInput {
            bucket: bucket.clone(),
            key: ObjectKey::parse("k").unwrap(),
            upload_id: id.to_owned(),
            part_number: number,
            body: body(data),
            declared_len: Some(len),
            content_md5: None,
            checksum: None,
            keys: Default::default(),
        })
        .await?;
    Ok(CompletedPart {
        number,
        etag: out.etag.quoted(),
        checksum: None,
    })
}

async fn complete(
    engine: &Engine,
    bucket: &BucketName,
    id: &str,
    parts: Vec<CompletedPart>,
) -> Result<(), EngineError> {
    engine
        .complete_multipart_upload(CompleteMultipartInput {
            bucket: bucket.clone(),
            key: "k".into(),
            upload_id: id.to_owned(),
            parts,
            object_checksum: None,
            checksum_type: None,
            object_size: None,
            condition: WriteCondition::None,
        })
        .await
        .map(|_| ())
}

async fn blob_count(blobs: &MemoryBlobStore) -> usize {
    blobs
        .list_created_before(SystemTime::now() + Duration::from_secs(60))
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn parts_racing_a_completion_never_leak() {
    for round in 0..10u8 {
        let (engine, blobs, bucket) = setup().await;
        let id = create(&engine, &bucket).await;
        let first = part(&engine, &bucket, &id, 1, vec![round; 10])
            .await
            .unwrap();
        // Late parts race the completion: each either lands before it (and is reclaimed as
        // unused) or is refused with NoSuchUpload; none may stay behind.
        let racers: Vec<_> = (2..8)
            .map(|n| {
                let engine = engine.clone();
                let bucket = bucket.clone();
                let id = id.clone();
                tokio::spawn(
                    async move { part(&engine, &bucket, &id, n, vec![n as u8; 100]).await },
                )
            })
            .collect();
        complete(&engine, &bucket, &id, vec![first]).await.unwrap();
        for r in racers {
            match r.await.unwrap() {
                Ok(_) | Err(EngineError::NoSuchUpload) => {}
                Err(e) => panic!("round {round}: {e}"),
            }
        }
        // Only the completed object's one part remains.
        assert_eq!(blob_count(&blobs).await, 1, "round {round}");
    }
}

#[tokio::test]
async fn parts_racing_an_abort_never_leak() {
    for round in 0..10u8 {
        let (engine, blobs, bucket) = setup().await;
        let id = create(&engine, &bucket).await;
        part(&engine, &bucket, &id, 1, vec![round; 10])
            .await
            .unwrap();
        let racers: Vec<_> = (2..8)
            .map(|n| {
                let engine = engine.clone();
                let bucket = bucket.clone();
                let id = id.clone();
                tokio::spawn(
                    async move { part(&engine, &bucket, &id, n, vec![n as u8; 100]).await },
                )
            })
            .collect();
        engine
            .abort_multipart_upload(&bucket, "k", &id)
            .await
            .unwrap();
        for r in racers {
            match r.await.unwrap() {
                Ok(_) | Err(EngineError::NoSuchUpload) => {}
                Err(e) => panic!("round {round}: {e}"),
            }
        }
        assert_eq!(blob_count(&blobs).await, 0, "round {round}");
    }
}

#[tokio::test]
async fn concurrent_completions_succeed_once() {
    let (engine, blobs, bucket) = setup().await;
    let id = create(&engine, &bucket).await;
    let p1 = part(&engine, &bucket, &id, 1, vec![1; 5 * MIB])
        .await
        .unwrap();
    let p2 = part(&engine, &bucket, &id, 2, vec![2; 10]).await.unwrap();
    let attempts: Vec<_> = (0..4)
        .map(|_| {
            let engine = engine.clone();
            let bucket = bucket.clone();
            let id = id.clone();
            let parts = vec![p1.clone(), p2.clone()];
            tokio::spawn(async move { complete(&engine, &bucket, &id, parts).await })
        })
        .collect();
    let mut ok = 0;
    for a in attempts {
        match a.await.unwrap() {
            Ok(()) => ok += 1,
            Err(EngineError::NoSuchUpload) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(blob_count(&blobs).await, 2);
}

#[tokio::test]
async fn a_reuploaded_part_frees_the_old_one() {
    let (engine, blobs, bucket) = setup().await;
    let id = create(&engine, &bucket).await;
    for round in 0..5u8 {
        part(&engine, &bucket, &id, 1, vec![round; 100])
            .await
            .unwrap();
    }
    assert_eq!(blob_count(&blobs).await, 1);
    let page = engine.list_parts(&bucket, "k", &id, 0, 1000).await.unwrap();
    assert_eq!(page.parts.len(), 1);
}
