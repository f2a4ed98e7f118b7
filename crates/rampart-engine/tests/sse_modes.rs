//! SSE-C and SSE-KMS in the engine: which key each read needs, what a wrong one gets, blocked
//! types, and that a KMS is asked for exactly what S3 asks it for.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use rampart_crypto::{CustomerKey, MasterKey, Zeroizing};
use rampart_engine::key_provider::{EncryptionContext, KeyProvider, KmsDataKey, KmsUseError};
use rampart_engine::sse::{
    BucketEncryption, DefaultAlgorithm, EncryptionRequest, KeyAccess, ServerSideEncryption,
    SseConfig, SseCustomerKey,
};
use rampart_engine::{
    BucketConfigKind, Engine, EngineConfig, EngineError, PutObjectInput, ReadRequest,
    WriteCondition,
};
use rampart_store::ByteStream;
use rampart_store::memory::{MemoryBlobStore, MemoryMetaStore};
use rampart_types::{AccountId, BucketName, CanonicalUserId, ObjectKey, Owner};

fn owner() -> Owner {
    Owner {
        account_id: AccountId::parse("123456789012").unwrap(),
        canonical_id: CanonicalUserId::parse(&"a".repeat(64)).unwrap(),
        display_name: "test".into(),
    }
}

fn engine(block_sse_c_by_default: bool) -> Engine {
    Engine::new(
        Arc::new(MemoryMetaStore::new()),
        Arc::new(MemoryBlobStore::new()),
        EngineConfig {
            region: "us-east-1".into(),
            sse: SseConfig {
                master_key: Some(Arc::new(MasterKey::generate())),
                encrypt_by_default: true,
                block_sse_c_by_default,
            },
        },
    )
}

/// A KMS that seals data keys under one key per key id and records every call.
#[derive(Default)]
struct FakeKms {
    calls: Mutex<Vec<String>>,
    disabled: Mutex<bool>,
    sealer: Option<MasterKey>,
}

impl FakeKms {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            sealer: Some(MasterKey::generate()),
            ..Default::default()
        })
    }

    fn arn(key_id: &str) -> String {
        format!(
            "arn:aws:kms:us-east-1:123456789012:key/{}",
            key_id.replace('/', "-")
        )
    }

    fn aad(arn: &str, context: &EncryptionContext) -> Vec<u8> {
        format!("{arn}|{context:?}").into_bytes()
    }
}

#[async_trait]
impl KeyProvider for FakeKms {
    async fn generate_data_key(
        &self,
        key_id: &str,
        context: &EncryptionContext,
    ) -> Result<KmsDataKey, KmsUseError> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("GenerateDataKey {key_id} {context:?}"));
        if *self.disabled.lock().unwrap() {
            return Err(KmsUseError::Disabled(format!(
                "{} is disabled.",
                Self::arn(key_id)
            )));
        }
        let key_arn = Self::arn(key_id);
        let plaintext = MasterKey::generate().to_bytes().to_vec();
        let ciphertext_blob = self
            .sealer
            .as_ref()
            .unwrap()
            .seal(&Self::aad(&key_arn, context), &plaintext);
        Ok(KmsDataKey {
            key_arn,
            plaintext: Zeroizing::new(plaintext),
            ciphertext_blob,
        })
    }

    async fn decrypt(
        &self,
        key_arn: &str,
        ciphertext_blob: &[u8],
        context: &EncryptionContext,
    ) -> Result<Zeroizing<Vec<u8>>, KmsUseError> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("Decrypt {key_arn}"));
        if *self.disabled.lock().unwrap() {
            return Err(KmsUseError::Disabled(format!("{key_arn} is disabled.")));
        }
        self.sealer
            .as_ref()
            .unwrap()
            .open(&Self::aad(key_arn, context), ciphertext_blob)
            .map_err(|e| KmsUseError::InvalidCiphertext(e.to_string()))
    }

    async fn key_arn(&self, key_id: &str) -> Result<String, KmsUseError> {
        Ok(Self::arn(key_id))
    }
}

fn customer(byte: u8) -> SseCustomerKey {
    SseCustomerKey {
        key: CustomerKey::from_bytes(&[byte; 32]).unwrap(),
        key_md5: format!("md5-of-{byte}"),
    }
}

fn body(data: &[u8]) -> ByteStream {
    let chunks: Vec<std::io::Result<Bytes>> = data
        .chunks(10_000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Box::pin(futures::stream::iter(chunks))
}

fn put(
    bucket: &BucketName,
    key: &str,
    data: &[u8],
    encryption: Option<EncryptionRequest>,
    kms: Option<Arc<dyn KeyProvider>>,
) -> PutObjectInput {
    PutObjectInput {
        bucket: bucket.clone(),
        key: ObjectKey::parse(key).unwrap(),
        declared_len: Some(data.len() as u64),
        body: body(data),
        content_md5: None,
        checksum: None,
        headers: Default::default(),
        user_metadata: Vec::new(),
        storage_class: None,
        tags: Default::default(),
        condition: WriteCondition::None,
        owner: owner(),
        acl: None,
        encryption,
        kms,
        lock: Default::default(),
    }
}

fn read_request(bucket: &BucketName, key: &str, keys: KeyAccess) -> ReadRequest {
    ReadRequest {
        bucket: bucket.clone(),
        key: key.to_owned(),
        range: None,
        part_number: None,
        conditions: Default::default(),
        keys,
        version_id: None,
    }
}

async fn read(engine: &Engine, req: ReadRequest) -> Result<Vec<u8>, EngineError> {
    let mut body = engine.get_object(&req).await?.body;
    let mut data = Vec::new();
    while let Some(chunk) = body.next().await {
        data.extend_from_slice(&chunk.map_err(|e| EngineError::Internal(e.to_string()))?);
    }
    Ok(data)
}

fn with_customer(key: SseCustomerKey) -> KeyAccess {
    KeyAccess {
        customer: Some(key),
        kms: None,
    }
}

async fn bucket(engine: &Engine) -> BucketName {
    let bucket = BucketName::parse("bkt").unwrap();
    engine.create_bucket(&bucket, &owner()).await.unwrap();
    bucket
}

async fn allow_sse_c(engine: &Engine, bucket: &BucketName) {
    let config = BucketEncryption {
        algorithm: Some(DefaultAlgorithm::Aes256),
        kms_key_id: None,
        bucket_key_enabled: false,
        block_sse_c: false,
    };
    engine
        .put_bucket_config(bucket, BucketConfigKind::Encryption, &config)
        .await
        .unwrap();
}

#[tokio::test]
async fn sse_c_reads_need_exactly_the_key_the_object_was_written_with() {
    let engine = engine(false);
    let bucket = bucket(&engine).await;
    for size in [0usize, 100, 300_000] {
        let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let out = engine
            .put_object(put(
                &bucket,
                "k",
                &data,
                Some(EncryptionRequest::Customer(customer(1))),
                None,
            ))
            .await
            .unwrap();
        assert_eq!(
            out.encryption.as_ref().and_then(|e| e.customer_key_md5()),
            Some("md5-of-1")
        );
        assert_ne!(
            out.etag,
            rampart_types::ETag::from_md5(&rampart_engine::Md5::digest(&data)),
            "an SSE-C object's ETag must not be the MD5 of its plaintext"
        );
        assert_eq!(
            read(
                &engine,
                read_request(&bucket, "k", with_customer(customer(1)))
            )
            .await
            .unwrap(),
            data
        );
        assert!(matches!(
            read(&engine, read_request(&bucket, "k", KeyAccess::default())).await,
            Err(EngineError::SseCustomerKeyRequired)
        ));
        assert!(matches!(
            read(
                &engine,
                read_request(&bucket, "k", with_customer(customer(2)))
            )
            .await,
            Err(EngineError::SseCustomerKeyMismatch)
        ));
        assert!(matches!(
            engine
                .head_object(&read_request(&bucket, "k", KeyAccess::default()))
                .await,
            Err(EngineError::SseCustomerKeyRequired)
        ));
        assert!(matches!(
            engine
                .head_object(&read_request(&bucket, "k", with_customer(customer(3))))
                .await,
            Err(EngineError::SseCustomerKeyMismatch)
        ));
        engine
            .head_object(&read_request(&bucket, "k", with_customer(customer(1))))
            .await
            .unwrap();
    }
    // SSE-C parameters on an object that is not SSE-C encrypted.
    engine
        .put_object(put(&bucket, "plain", b"x", None, None))
        .await
        .unwrap();
    assert!(matches!(
        read(
            &engine,
            read_request(&bucket, "plain", with_customer(customer(1)))
        )
        .await,
        Err(EngineError::SseParametersNotApplicable)
    ));
}

#[tokio::test]
async fn blocked_sse_c_refuses_writes_but_not_reads_of_existing_objects() {
    let engine = engine(true);
    let bucket = bucket(&engine).await;
    let config = engine.bucket_encryption(&bucket).await.unwrap().unwrap();
    assert!(config.block_sse_c, "new buckets block SSE-C by default");
    assert!(matches!(
        engine
            .put_object(put(
                &bucket,
                "k",
                b"data",
                Some(EncryptionRequest::Customer(customer(1))),
                None
            ))
            .await,
        Err(EngineError::EncryptionTypeBlocked("SSE-C"))
    ));
    allow_sse_c(&engine, &bucket).await;
    engine
        .put_object(put(
            &bucket,
            "k",
            b"data",
            Some(EncryptionRequest::Customer(customer(1))),
            None,
        ))
        .await
        .unwrap();
    let mut blocked = engine.bucket_encryption(&bucket).await.unwrap().unwrap();
    blocked.block_sse_c = true;
    engine
        .put_bucket_config(&bucket, BucketConfigKind::Encryption, &blocked)
        .await
        .unwrap();
    assert_eq!(
        read(
            &engine,
            read_request(&bucket, "k", with_customer(customer(1)))
        )
        .await
        .unwrap(),
        b"data"
    );
    // Other types are still written.
    engine
        .put_object(put(
            &bucket,
            "s3",
            b"data",
            Some(EncryptionRequest::S3),
            None,
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn sse_kms_asks_the_kms_for_a_key_per_object_bound_to_its_arn() {
    let engine = engine(true);
    let bucket = bucket(&engine).await;
    let kms = FakeKms::new();
    let provider: Arc<dyn KeyProvider> = kms.clone();
    let data = vec![7u8; 200_000];
    let out = engine
        .put_object(put(
            &bucket,
            "k",
            &data,
            Some(EncryptionRequest::Kms {
                key_id: Some("my-key".into()),
                context: vec![("project".into(), "x".into())],
                bucket_key_enabled: None,
            }),
            Some(provider.clone()),
        ))
        .await
        .unwrap();
    match out.encryption.as_ref().unwrap() {
        ServerSideEncryption::Kms {
            key_arn,
            context,
            bucket_key_enabled,
            ..
        } => {
            assert_eq!(key_arn, &FakeKms::arn("my-key"));
            assert_eq!(
                context,
                &vec![
                    ("aws:s3:arn".to_string(), "arn:aws:s3:::bkt/k".to_string()),
                    ("project".to_string(), "x".to_string()),
                ]
            );
            assert!(!bucket_key_enabled);
        }
        other => panic!("expected SSE-KMS, got {other:?}"),
    }
    let keys = KeyAccess {
        customer: None,
        kms: Some(provider.clone()),
    };
    assert_eq!(
        read(&engine, read_request(&bucket, "k", keys.clone()))
            .await
            .unwrap(),
        data
    );
    // HEAD needs no KMS call; GET needs one Decrypt.
    kms.calls.lock().unwrap().clear();
    engine
        .head_object(&read_request(&bucket, "k", keys.clone()))
        .await
        .unwrap();
    assert!(kms.calls.lock().unwrap().is_empty());
    *kms.disabled.lock().unwrap() = true;
    assert!(matches!(
        read(&engine, read_request(&bucket, "k", keys.clone())).await,
        Err(EngineError::Kms(KmsUseError::Disabled(_)))
    ));
    *kms.disabled.lock().unwrap() = false;

    // A bucket default of aws:kms without a key id uses aws/s3.
    let config = BucketEncryption {
        algorithm: Some(DefaultAlgorithm::AwsKms),
        kms_key_id: None,
        bucket_key_enabled: true,
        block_sse_c: true,
    };
    engine
        .put_bucket_config(&bucket, BucketConfigKind::Encryption, &config)
        .await
        .unwrap();
    kms.calls.lock().unwrap().clear();
    let out = engine
        .put_object(put(&bucket, "d", b"small", None, Some(provider.clone())))
        .await
        .unwrap();
    assert!(matches!(
        out.encryption,
        Some(ServerSideEncryption::Kms {
            bucket_key_enabled: true,
            ..
        })
    ));
    let calls = kms.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0].starts_with("GenerateDataKey alias/aws/s3"),
        "{calls:?}"
    );
    assert!(
        calls[0].contains("arn:aws:s3:::bkt\""),
        "a bucket key binds to the bucket: {calls:?}"
    );
    assert_eq!(
        read(&engine, read_request(&bucket, "d", keys))
            .await
            .unwrap(),
        b"small"
    );
}
