//! The engine over in-memory stores: invariants that must hold whatever the interleaving.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::StreamExt;
use rampart_engine::{
    Engine, EngineConfig, EngineError, ListEntry, ListObjectsParams, PutObjectInput, ReadRequest,
    WriteCondition,
};
use rampart_store::memory::{MemoryBlobStore, MemoryMetaStore};
use rampart_store::{BlobStore, ByteStream};
use rampart_types::{AccountId, BucketName, CanonicalUserId, ObjectKey, Owner};

fn owner() -> Owner {
    Owner {
        account_id: AccountId::parse("123456789012").unwrap(),
        canonical_id: CanonicalUserId::parse(&"a".repeat(64)).unwrap(),
        display_name: "test".into(),
    }
}

fn engine() -> (Engine, Arc<MemoryBlobStore>) {
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
    (engine, blobs)
}

fn stream(data: Vec<u8>, chunk: usize) -> ByteStream {
    let chunks: Vec<std::io::Result<Bytes>> = data
        .chunks(chunk.max(1))
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Box::pin(futures::stream::iter(chunks))
}

fn put_input(bucket: &BucketName, key: &str, data: Vec<u8>) -> PutObjectInput {
    PutObjectInput {
        bucket: bucket.clone(),
        key: ObjectKey::parse(key).unwrap(),
        declared_len: Some(data.len() as u64),
        body: stream(data, 8192),
        content_md5: None,
        checksum: None,
        headers: Default::default(),
        user_metadata: Vec::new(),
        storage_class: None,
        tags: Default::default(),
        condition: WriteCondition::None,
        owner: owner(),
        acl: None,
        encryption: None,
        kms: None,
        lock: Default::default(),
    }
}

async fn read(engine: &Engine, bucket: &BucketName, key: &str) -> Result<Vec<u8>, EngineError> {
    let out = engine
        .get_object(&ReadRequest {
            bucket: bucket.clone(),
            key: key.to_owned(),
            range: None,
            part_number: None,
            conditions: Default::default(),
            keys: Default::default(),
            version_id: None,
        })
        .await?;
    let mut body = out.body;
    let mut data = Vec::new();
    while let Some(chunk) = body.next().await {
        data.extend_from_slice(&chunk.unwrap());
    }
    Ok(data)
}

async fn blob_count(blobs: &MemoryBlobStore) -> usize {
    blobs
        .list_created_before(SystemTime::now() + Duration::from_secs(3600))
        .await
        .unwrap()
        .len()
}

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[tokio::test]
async fn overwrites_reclaim_the_replaced_blob() {
    let (engine, blobs) = engine();
    let bucket = BucketName::parse("bkt").unwrap();
    engine.create_bucket(&bucket, &owner()).await.unwrap();
    for i in 0..5 {
        engine
            .put_object(put_input(&bucket, "k", data(200_000, i)))
            .await
            .unwrap();
    }
    assert_eq!(blob_count(&blobs).await, 1);
    // Shrinking to an inline object frees the blob entirely.
    engine
        .put_object(put_input(&bucket, "k", data(10, 9)))
        .await
        .unwrap();
    assert_eq!(blob_count(&blobs).await, 0);
    assert_eq!(read(&engine, &bucket, "k").await.unwrap(), data(10, 9));
    engine
        .put_object(put_input(&bucket, "k", data(100_000, 1)))
        .await
        .unwrap();
    engine
        .delete_object(&bucket, "k", None, &owner(), false)
        .await
        .unwrap();
    assert_eq!(blob_count(&blobs).await, 0);
}

#[tokio::test]
async fn concurrent_writers_leave_one_whole_object_and_no_orphans() {
    let (engine, blobs) = engine();
    let bucket = BucketName::parse("bkt").unwrap();
    engine.create_bucket(&bucket, &owner()).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..24u8 {
        let engine = engine.clone();
        let bucket = bucket.clone();
        let size = if i % 2 == 0 { 100_000 } else { 1_000 };
        tasks.push(tokio::spawn(async move {
            engine
                .put_object(put_input(&bucket, "hot", data(size, i)))
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let got = read(&engine, &bucket, "hot").await.unwrap();
    assert!((0..24u8).any(|i| got == data(if i % 2 == 0 { 100_000 } else { 1_000 }, i)));
    assert!(blob_count(&blobs).await <= 1);
}

#[tokio::test]
async fn a_failed_body_leaves_nothing() {
    let (engine, blobs) = engine();
    let bucket = BucketName::parse("bkt").unwrap();
    engine.create_bucket(&bucket, &owner()).await.unwrap();
    // Declared longer than sent: IncompleteBody, for inline and blob sizes alike.
    for size in [100usize, 300_000] {
        let mut input = put_input(&bucket, "k", data(size, 1));
        input.declared_len = Some(size as u64 + 1);
        assert!(matches!(
            engine.put_object(input).await,
            Err(EngineError::IncompleteBody { .. })
        ));
        // A wrong Content-MD5.
        let mut input = put_input(&bucket, "k", data(size, 1));
        input.content_md5 = Some([0; 16]);
        assert!(matches!(
            engine.put_object(input).await,
            Err(EngineError::BadDigest { .. })
        ));
        // A stream that fails midway returns the stream's own error.
        let mut input = put_input(&bucket, "k", Vec::new());
        input.declared_len = None;
        let failing = futures::stream::iter(vec![
            Ok(Bytes::from(data(size, 2))),
            Err(std::io::Error::other("client went away")),
        ]);
        input.body = Box::pin(failing);
        assert!(matches!(
            engine.put_object(input).await,
            Err(EngineError::Body(_))
        ));
    }
    assert_eq!(blob_count(&blobs).await, 0);
    assert!(matches!(
        read(&engine, &bucket, "k").await,
        Err(EngineError::NoSuchKey)
    ));
}

#[tokio::test]
async fn bucket_deletion_never_orphans_objects() {
    for round in 0..20u8 {
        let (engine, _) = engine();
        let bucket = BucketName::parse("race").unwrap();
        engine.create_bucket(&bucket, &owner()).await.unwrap();
        let writer = {
            let engine = engine.clone();
            let bucket = bucket.clone();
            tokio::spawn(async move {
                let mut written = 0;
                for i in 0..20 {
                    match engine
                        .put_object(put_input(&bucket, &format!("k{i}"), data(100, round)))
                        .await
                    {
                        Ok(_) => written += 1,
                        Err(EngineError::NoSuchBucket | EngineError::OperationAborted) => break,
                        Err(e) => panic!("{e}"),
                    }
                }
                written
            })
        };
        let deleter = {
            let engine = engine.clone();
            let bucket = bucket.clone();
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                engine.delete_bucket(&bucket).await
            })
        };
        let written = writer.await.unwrap();
        match deleter.await.unwrap() {
            Ok(()) => {
                // Deleted: the bucket was empty at that instant and nothing landed after.
                assert_eq!(written, 0, "round {round}");
                assert!(matches!(
                    engine.bucket(&bucket).await,
                    Err(EngineError::NoSuchBucket)
                ));
            }
            Err(EngineError::BucketNotEmpty) => {
                let page = engine
                    .list_objects(
                        &bucket,
                        &ListObjectsParams {
                            max_keys: 1000,
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                assert_eq!(page.entries.len(), written, "round {round}");
            }
            Err(e) => panic!("round {round}: {e}"),
        }
    }
}

#[tokio::test]
async fn orphaned_blobs_are_reclaimed_and_referenced_ones_kept() {
    let (engine, blobs) = engine();
    let bucket = BucketName::parse("bkt").unwrap();
    engine.create_bucket(&bucket, &owner()).await.unwrap();
    engine
        .put_object(put_input(&bucket, "kept", data(100_000, 1)))
        .await
        .unwrap();
    // A blob written by an upload whose record never committed (a crash in between).
    blobs.put(stream(data(100_000, 2), 4096)).await.unwrap();
    assert_eq!(blob_count(&blobs).await, 2);
    let cutoff = SystemTime::now() + Duration::from_secs(1);
    assert_eq!(engine.reclaim_orphaned_blobs(cutoff).await.unwrap(), 1);
    assert_eq!(blob_count(&blobs).await, 1);
    assert_eq!(
        read(&engine, &bucket, "kept").await.unwrap(),
        data(100_000, 1)
    );
}

/// A reference listing: what S3 returns, computed the obvious way over a sorted key set.
fn reference(keys: &BTreeSet<String>, p: &ListObjectsParams) -> (Vec<String>, bool) {
    let mut out: Vec<String> = Vec::new();
    for key in keys.iter().filter(|k| k.starts_with(&p.prefix)) {
        let name = match p.delimiter.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => match key[p.prefix.len()..].find(d) {
                Some(i) => key[..p.prefix.len() + i + d.len()].to_owned(),
                None => key.clone(),
            },
            None => key.clone(),
        };
        if p.start_after
            .as_ref()
            .is_some_and(|a| name.as_str() <= a.as_str())
        {
            continue;
        }
        if out.last() != Some(&name) {
            out.push(name);
        }
    }
    let truncated = out.len() > p.max_keys;
    out.truncate(p.max_keys);
    (out, truncated)
}

#[tokio::test]
async fn listing_matches_a_reference_model() {
    let (engine, _) = engine();
    let bucket = BucketName::parse("model").unwrap();
    engine.create_bucket(&bucket, &owner()).await.unwrap();
    let alphabet = ["a", "b", "/", "-", "é", "z", "//", "a/"];
    let mut keys = BTreeSet::new();
    let mut seed = 0x2545F4914F6CDD1Du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    while keys.len() < 300 {
        let len = 1 + next() % 6;
        let key: String = (0..len).map(|_| alphabet[(next() % 8) as usize]).collect();
        keys.insert(key);
    }
    for key in &keys {
        engine
            .put_object(put_input(&bucket, key, Vec::new()))
            .await
            .unwrap();
    }
    for case in 0..400 {
        let pick = |n: u64| alphabet[(n % 8) as usize].to_owned();
        let params = ListObjectsParams {
            prefix: if next() % 3 == 0 {
                String::new()
            } else {
                pick(next())
            },
            delimiter: match next() % 4 {
                0 => None,
                1 => Some("/".into()),
                2 => Some("a/".into()),
                _ => Some(pick(next())),
            },
            start_after: (next() % 3 == 0).then(|| format!("{}{}", pick(next()), pick(next()))),
            max_keys: (1 + next() % 40) as usize,
        };
        let page = engine.list_objects(&bucket, &params).await.unwrap();
        let names: Vec<String> = page
            .entries
            .iter()
            .map(|e| match e {
                ListEntry::Object { key, .. } => key.clone(),
                ListEntry::CommonPrefix(p) => p.clone(),
            })
            .collect();
        let (expected, truncated) = reference(&keys, &params);
        assert_eq!(names, expected, "case {case}: {params:?}");
        assert_eq!(page.is_truncated, truncated, "case {case}: {params:?}");
    }
}
