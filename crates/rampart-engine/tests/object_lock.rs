//! Object Lock over in-memory stores: what the engine refuses, and that the blob store under
//! it refuses the same deletes on its own.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use rampart_engine::object_lock::{
    DefaultRetention, LockMode, ObjectLock, ObjectLockConfig, Retention, RetentionPeriod,
    ms_of_system_time,
};
use rampart_engine::versioning::Versioning;
use rampart_engine::{Engine, EngineConfig, EngineError, PutObjectInput, WriteCondition};
use rampart_store::memory::{MemoryBlobStore, MemoryMetaStore};
use rampart_store::{BlobStore, StoreError};
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
            sse: Default::default(),
        },
    );
    (engine, blobs)
}

async fn locked_bucket(engine: &Engine) -> BucketName {
    let bucket = BucketName::parse("vault").unwrap();
    engine
        .create_bucket_with_configs(&bucket, &owner(), &[], true)
        .await
        .unwrap();
    bucket
}

fn retention(mode: LockMode, from_now: Duration) -> Retention {
    Retention {
        mode,
        retain_until_ms: ms_of_system_time(SystemTime::now() + from_now),
    }
}

fn put(bucket: &BucketName, key: &str, lock: ObjectLock) -> PutObjectInput {
    let data = Bytes::from_static(b"ledger entry");
    PutObjectInput {
        bucket: bucket.clone(),
        key: ObjectKey::parse(key).unwrap(),
        declared_len: Some(data.len() as u64),
        body: Box::pin(futures::stream::iter([Ok(data)])),
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
        lock,
    }
}

fn with_retention(r: Retention) -> ObjectLock {
    ObjectLock {
        retention: Some(r),
        legal_hold: None,
    }
}

async fn put_version(engine: &Engine, bucket: &BucketName, key: &str, lock: ObjectLock) -> String {
    engine
        .put_object(put(bucket, key, lock))
        .await
        .unwrap()
        .version_id
        .expect("a lock bucket is versioned")
}

async fn delete(
    engine: &Engine,
    bucket: &BucketName,
    key: &str,
    version: &str,
    bypass: bool,
) -> Result<(), EngineError> {
    engine
        .delete_object(bucket, key, Some(version), &owner(), bypass)
        .await
        .map(|_| ())
}

#[tokio::test]
async fn a_lock_bucket_is_versioned_for_good() {
    let (engine, _) = engine();
    let bucket = locked_bucket(&engine).await;
    assert_eq!(
        engine.bucket_versioning(&bucket).await.unwrap(),
        Versioning::Enabled
    );
    assert!(matches!(
        engine
            .set_bucket_versioning(&bucket, Some(Versioning::Suspended), None)
            .await,
        Err(EngineError::InvalidBucketState(_))
    ));
    let plain = BucketName::parse("plain").unwrap();
    engine.create_bucket(&plain, &owner()).await.unwrap();
    assert!(matches!(
        engine
            .set_object_lock_configuration(&plain, ObjectLockConfig::default())
            .await,
        Err(EngineError::InvalidBucketState(_))
    ));
    assert!(matches!(
        engine
            .put_object(put(
                &plain,
                "k",
                with_retention(retention(LockMode::Governance, Duration::from_secs(60)))
            ))
            .await,
        Err(EngineError::ObjectLockNotEnabled)
    ));
    // A versioned bucket can take Object Lock later.
    engine
        .set_bucket_versioning(&plain, Some(Versioning::Enabled), None)
        .await
        .unwrap();
    engine
        .set_object_lock_configuration(&plain, ObjectLockConfig::default())
        .await
        .unwrap();
    assert!(
        engine
            .set_bucket_versioning(&plain, Some(Versioning::Suspended), None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn governance_needs_the_bypass_and_compliance_refuses_it() {
    let (engine, _) = engine();
    let bucket = locked_bucket(&engine).await;
    let hour = Duration::from_secs(3600);
    let g = put_version(
        &engine,
        &bucket,
        "g",
        with_retention(retention(LockMode::Governance, hour)),
    )
    .await;
    assert!(matches!(
        delete(&engine, &bucket, "g", &g, false).await,
        Err(EngineError::ObjectLocked)
    ));
    delete(&engine, &bucket, "g", &g, true).await.unwrap();

    let c = put_version(
        &engine,
        &bucket,
        "c",
        with_retention(retention(LockMode::Compliance, hour)),
    )
    .await;
    assert!(matches!(
        delete(&engine, &bucket, "c", &c, true).await,
        Err(EngineError::ObjectLocked)
    ));
    // A delete without a version id only adds a marker, which no lock forbids.
    let marker = engine
        .delete_object(&bucket, "c", None, &owner(), false)
        .await
        .unwrap();
    assert!(marker.delete_marker);
    assert!(matches!(
        engine.delete_bucket(&bucket).await,
        Err(EngineError::BucketNotEmpty)
    ));
    // Retention can be extended, never shortened or removed, even with the bypass.
    let longer = retention(LockMode::Compliance, 2 * hour);
    engine
        .set_object_retention(&bucket, "c", Some(&c), Some(longer), false)
        .await
        .unwrap();
    for change in [Some(retention(LockMode::Compliance, hour)), None] {
        assert!(matches!(
            engine
                .set_object_retention(&bucket, "c", Some(&c), change, true)
                .await,
            Err(EngineError::ObjectLocked)
        ));
    }
    assert!(matches!(
        engine
            .set_object_retention(
                &bucket,
                "c",
                Some(&c),
                Some(retention(LockMode::Governance, 3 * hour)),
                true
            )
            .await,
        Err(EngineError::ObjectLocked)
    ));
    let lock = engine.object_lock_of(&bucket, "c", Some(&c)).await.unwrap();
    assert_eq!(lock.retention, Some(longer));
}

#[tokio::test]
async fn legal_hold_blocks_until_released_and_retention_expires() {
    let (engine, _) = engine();
    let bucket = locked_bucket(&engine).await;
    let v = put_version(
        &engine,
        &bucket,
        "held",
        ObjectLock {
            retention: None,
            legal_hold: Some(true),
        },
    )
    .await;
    assert!(matches!(
        delete(&engine, &bucket, "held", &v, true).await,
        Err(EngineError::ObjectLocked)
    ));
    engine
        .set_object_legal_hold(&bucket, "held", Some(&v), false)
        .await
        .unwrap();
    delete(&engine, &bucket, "held", &v, false).await.unwrap();

    let short = put_version(
        &engine,
        &bucket,
        "short",
        with_retention(retention(LockMode::Compliance, Duration::from_millis(1200))),
    )
    .await;
    assert!(
        delete(&engine, &bucket, "short", &short, true)
            .await
            .is_err()
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    delete(&engine, &bucket, "short", &short, false)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_default_retention_applies_to_new_versions() {
    let (engine, _) = engine();
    let bucket = locked_bucket(&engine).await;
    engine
        .set_object_lock_configuration(
            &bucket,
            ObjectLockConfig {
                default_retention: Some(DefaultRetention {
                    mode: LockMode::Governance,
                    period: RetentionPeriod::Days(1),
                }),
            },
        )
        .await
        .unwrap();
    let out = engine
        .put_object(put(&bucket, "d", ObjectLock::default()))
        .await
        .unwrap();
    let r = out.lock.retention.expect("default retention");
    assert_eq!(r.mode, LockMode::Governance);
    let day_ms = 86_400_000;
    let expected = ms_of_system_time(SystemTime::now()) + day_ms;
    assert!((r.retain_until_ms - expected).abs() < 60_000);
    // An explicit retention wins over the default.
    let explicit = retention(LockMode::Compliance, Duration::from_secs(60));
    let out = engine
        .put_object(put(&bucket, "e", with_retention(explicit)))
        .await
        .unwrap();
    assert_eq!(out.lock.retention, Some(explicit));
}

#[tokio::test]
async fn the_blob_store_refuses_to_delete_locked_data_on_its_own() {
    let (engine, blobs) = engine();
    let bucket = locked_bucket(&engine).await;
    put_version(
        &engine,
        &bucket,
        "k",
        with_retention(retention(LockMode::Compliance, Duration::from_secs(3600))),
    )
    .await;
    let all = blobs
        .list_created_before(SystemTime::now() + Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "even a small locked object is kept as a blob");
    let lock = blobs.lock(&all[0]).await.unwrap();
    assert!(lock.in_force(SystemTime::now()));
    // A bug above the store that tried to delete the data would get this.
    assert!(matches!(
        blobs.delete(&all[0]).await,
        Err(StoreError::Locked { .. })
    ));
    assert!(blobs.get(&all[0], 0..1).await.is_ok());
}
