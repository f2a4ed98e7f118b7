//! The built-in KMS over an in-memory store: keys, states, rotation, aliases, data keys.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rampart_crypto::MasterKey;
use rampart_kms::*;
use rampart_store::MetaStore;
use rampart_store::memory::MemoryMetaStore;
use rampart_types::AccountId;

struct Fixture {
    kms: Kms,
    meta: Arc<MemoryMetaStore>,
    now: Arc<Mutex<SystemTime>>,
}

impl Fixture {
    fn advance(&self, by: Duration) {
        *self.now.lock().unwrap() += by;
    }
}

fn fixture() -> Fixture {
    let meta = Arc::new(MemoryMetaStore::new());
    let now = Arc::new(Mutex::new(SystemTime::now()));
    let clock_now = now.clone();
    let kms = Kms::new(meta.clone(), Arc::new(MasterKey::generate()), "us-east-1")
        .with_clock(Arc::new(move || *clock_now.lock().unwrap()));
    Fixture { kms, meta, now }
}

fn acct() -> AccountId {
    AccountId::parse("111122223333").unwrap()
}

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn create_describe_and_default_policy() {
    let f = fixture();
    let key = f
        .kms
        .create_key(
            &acct(),
            CreateKeyInput {
                description: Some("app".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(ids::is_key_id(&key.id));
    assert_eq!(
        key.arn,
        format!("arn:aws:kms:us-east-1:111122223333:key/{}", key.id)
    );
    assert_eq!(key.state, KeyState::Enabled);
    assert_eq!(key.manager, KeyManager::Customer);
    assert!(key.policy.contains("arn:aws:iam::111122223333:root"));
    assert!(key.policy.contains("\"kms:*\""));
    for r in [key.id.clone(), key.arn.clone()] {
        let found = f.kms.resolve(&acct(), &r).await.unwrap();
        assert_eq!(found.id, key.id);
        assert_eq!(found.description, "app");
    }
    let other = AccountId::parse("444455556666").unwrap();
    assert!(matches!(
        f.kms.resolve(&other, &key.id).await,
        Err(KmsError::NotFound(_))
    ));
}

#[tokio::test]
async fn other_specs_are_refused() {
    let f = fixture();
    let with = |spec: &str| CreateKeyInput {
        key_spec: Some(spec.into()),
        ..Default::default()
    };
    assert!(matches!(
        f.kms.create_key(&acct(), with("RSA_2048")).await,
        Err(KmsError::Unsupported(_))
    ));
    assert!(matches!(
        f.kms.create_key(&acct(), with("NOPE")).await,
        Err(KmsError::Validation(_))
    ));
    let usage = CreateKeyInput {
        key_usage: Some("SIGN_VERIFY".into()),
        ..Default::default()
    };
    assert!(matches!(
        f.kms.create_key(&acct(), usage).await,
        Err(KmsError::Validation(_))
    ));
    let bad_policy = CreateKeyInput {
        policy: Some("{".into()),
        ..Default::default()
    };
    assert!(matches!(
        f.kms.create_key(&acct(), bad_policy).await,
        Err(KmsError::MalformedPolicy(_))
    ));
}

#[tokio::test]
async fn encrypt_decrypt_with_context() {
    let f = fixture();
    let key = f.kms.create_key(&acct(), Default::default()).await.unwrap();
    let c = ctx(&[("purpose", "test")]);
    let blob = f.kms.encrypt(&key, b"hello", &c).await.unwrap();
    assert_eq!(
        f.kms.ciphertext_key(&blob).unwrap(),
        (acct(), key.id.clone())
    );
    assert_eq!(&f.kms.decrypt(&key, &blob, &c).await.unwrap()[..], b"hello");
    assert!(matches!(
        f.kms.decrypt(&key, &blob, &ctx(&[])).await,
        Err(KmsError::InvalidCiphertext)
    ));
    let (plain, blob) = f.kms.generate_data_key(&key, 32, &c).await.unwrap();
    assert_eq!(plain.len(), 32);
    assert_eq!(f.kms.decrypt(&key, &blob, &c).await.unwrap(), plain);
    assert!(matches!(
        f.kms.encrypt(&key, &[0; 4097], &c).await,
        Err(KmsError::Validation(_))
    ));
    // A blob of another key does not open under this one.
    let other = f.kms.create_key(&acct(), Default::default()).await.unwrap();
    assert!(matches!(
        f.kms.decrypt(&other, &blob, &c).await,
        Err(KmsError::InvalidCiphertext)
    ));
}

#[tokio::test]
async fn material_is_sealed_at_rest() {
    let f = fixture();
    let key = f.kms.create_key(&acct(), Default::default()).await.unwrap();
    let (plain, _) = f.kms.generate_data_key(&key, 32, &ctx(&[])).await.unwrap();
    let all = f
        .meta
        .scan(&rampart_store::ScanRange::prefix(b"kms/"), 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    // Neither the data key nor anything decryptable without the master key is stored.
    assert!(!all[0].1.value.windows(32).any(|w| w == &plain[..]));
    // Another master key cannot open the material.
    let stranger = Kms::new(f.meta.clone(), Arc::new(MasterKey::generate()), "us-east-1");
    assert!(matches!(
        stranger.encrypt(&key, b"x", &ctx(&[])).await,
        Err(KmsError::Corrupt(_))
    ));
}

#[tokio::test]
async fn disable_enable_and_deletion() {
    let f = fixture();
    let key = f.kms.create_key(&acct(), Default::default()).await.unwrap();
    let blob = f.kms.encrypt(&key, b"x", &ctx(&[])).await.unwrap();
    let disabled = f.kms.disable_key(&key).await.unwrap();
    assert_eq!(disabled.state, KeyState::Disabled);
    assert!(matches!(
        f.kms.encrypt(&key, b"x", &ctx(&[])).await,
        Err(KmsError::Disabled(_))
    ));
    assert!(matches!(
        f.kms.decrypt(&key, &blob, &ctx(&[])).await,
        Err(KmsError::Disabled(_))
    ));
    f.kms.enable_key(&key).await.unwrap();
    f.kms.decrypt(&key, &blob, &ctx(&[])).await.unwrap();

    assert!(matches!(
        f.kms.schedule_key_deletion(&key, Some(6)).await,
        Err(KmsError::Validation(_))
    ));
    let pending = f.kms.schedule_key_deletion(&key, Some(7)).await.unwrap();
    assert_eq!(pending.state, KeyState::PendingDeletion);
    assert_eq!(pending.pending_window_days, Some(7));
    assert!(matches!(
        f.kms.encrypt(&key, b"x", &ctx(&[])).await,
        Err(KmsError::InvalidState(_))
    ));
    assert!(matches!(
        f.kms.enable_key(&key).await,
        Err(KmsError::InvalidState(_))
    ));
    let back = f.kms.cancel_key_deletion(&key).await.unwrap();
    assert_eq!(back.state, KeyState::Disabled);
    assert_eq!(back.deletion_date, None);
    assert!(matches!(
        f.kms.cancel_key_deletion(&key).await,
        Err(KmsError::InvalidState(_))
    ));

    f.kms
        .create_alias(&acct(), "alias/doomed", &key)
        .await
        .unwrap();
    f.kms.schedule_key_deletion(&key, None).await.unwrap();
    f.advance(DAY * 29);
    f.kms.resolve(&acct(), &key.id).await.unwrap();
    f.advance(DAY * 2);
    assert!(matches!(
        f.kms.resolve(&acct(), &key.id).await,
        Err(KmsError::NotFound(_))
    ));
    assert!(
        f.kms
            .get_alias(&acct(), "alias/doomed")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        f.kms
            .list_keys(&acct(), 100, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn rotation_keeps_old_versions() {
    let f = fixture();
    let key = f.kms.create_key(&acct(), Default::default()).await.unwrap();
    let c = ctx(&[("a", "b")]);
    let old = f.kms.encrypt(&key, b"old", &c).await.unwrap();
    let rotated = f.kms.rotate_key_on_demand(&key).await.unwrap();
    assert_eq!(rotated.current_material_version, 2);
    assert_eq!(rotated.rotations.len(), 1);
    assert_eq!(rotated.rotations[0].rotation_type, RotationType::OnDemand);
    let new = f.kms.encrypt(&key, b"new", &c).await.unwrap();
    assert_ne!(old[..60], new[..60]);
    assert_eq!(&f.kms.decrypt(&key, &old, &c).await.unwrap()[..], b"old");
    assert_eq!(&f.kms.decrypt(&key, &new, &c).await.unwrap()[..], b"new");

    assert!(matches!(
        f.kms.enable_key_rotation(&key, Some(89)).await,
        Err(KmsError::Validation(_))
    ));
    let on = f.kms.enable_key_rotation(&key, Some(90)).await.unwrap();
    assert!(on.rotation_enabled);
    assert_eq!(on.rotation_period_days, Some(90));
    f.advance(DAY * 91);
    let after = f.kms.resolve(&acct(), &key.id).await.unwrap();
    assert_eq!(after.current_material_version, 3);
    assert_eq!(after.rotations[1].rotation_type, RotationType::Automatic);
    assert_eq!(&f.kms.decrypt(&key, &old, &c).await.unwrap()[..], b"old");
    let off = f.kms.disable_key_rotation(&key).await.unwrap();
    assert!(!off.rotation_enabled);

    let page = f.kms.list_key_rotations(&after, 1, None).unwrap();
    assert_eq!(page.items.len(), 1);
    let rest = f
        .kms
        .list_key_rotations(&after, 1, page.next_marker.as_deref())
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next_marker.is_none());

    for _ in 1..MAX_ON_DEMAND_ROTATIONS {
        f.kms.rotate_key_on_demand(&key).await.unwrap();
    }
    assert!(matches!(
        f.kms.rotate_key_on_demand(&key).await,
        Err(KmsError::LimitExceeded(_))
    ));
}

#[tokio::test]
async fn aliases() {
    let f = fixture();
    let a = f.kms.create_key(&acct(), Default::default()).await.unwrap();
    let b = f.kms.create_key(&acct(), Default::default()).await.unwrap();
    f.kms.create_alias(&acct(), "alias/app", &a).await.unwrap();
    assert!(matches!(
        f.kms.create_alias(&acct(), "alias/app", &b).await,
        Err(KmsError::AlreadyExists(_))
    ));
    assert!(matches!(
        f.kms.create_alias(&acct(), "alias/aws/mine", &b).await,
        Err(KmsError::InvalidAliasName(_))
    ));
    assert_eq!(f.kms.resolve(&acct(), "alias/app").await.unwrap().id, a.id);
    let arn = "arn:aws:kms:us-east-1:111122223333:alias/app";
    assert_eq!(f.kms.resolve(&acct(), arn).await.unwrap().id, a.id);
    assert!(matches!(
        f.kms.resolve_key_only(&acct(), "alias/app").await,
        Err(KmsError::NotFound(_))
    ));
    f.kms.update_alias(&acct(), "alias/app", &b).await.unwrap();
    assert_eq!(f.kms.resolve(&acct(), "alias/app").await.unwrap().id, b.id);
    for name in ["alias/x1", "alias/x2", "alias/x3"] {
        f.kms.create_alias(&acct(), name, &a).await.unwrap();
    }
    let all = f.kms.list_aliases(&acct(), None, 100, None).await.unwrap();
    assert_eq!(all.items.len(), 4);
    let of_a = f
        .kms
        .list_aliases(&acct(), Some(&a.id), 2, None)
        .await
        .unwrap();
    assert_eq!(of_a.items.len(), 2);
    assert_eq!(of_a.next_marker.as_deref(), Some("alias/x2"));
    let rest = f
        .kms
        .list_aliases(&acct(), Some(&a.id), 2, of_a.next_marker.as_deref())
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next_marker.is_none());
    f.kms.delete_alias(&acct(), "alias/x1").await.unwrap();
    assert!(matches!(
        f.kms.delete_alias(&acct(), "alias/x1").await,
        Err(KmsError::NotFound(_))
    ));
    assert!(matches!(
        f.kms.resolve(&acct(), "alias/x1").await,
        Err(KmsError::NotFound(_))
    ));
}

#[tokio::test]
async fn list_keys_pages() {
    let f = fixture();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            f.kms
                .create_key(&acct(), Default::default())
                .await
                .unwrap()
                .id,
        );
    }
    ids.sort();
    let first = f.kms.list_keys(&acct(), 2, None).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let mut seen: Vec<String> = first.items.iter().map(|k| k.id.clone()).collect();
    let mut marker = first.next_marker;
    while let Some(m) = marker {
        let page = f.kms.list_keys(&acct(), 2, Some(&m)).await.unwrap();
        seen.extend(page.items.iter().map(|k| k.id.clone()));
        marker = page.next_marker;
    }
    assert_eq!(seen, ids);
    assert!(matches!(
        f.kms.list_keys(&acct(), 2, Some("junk")).await,
        Err(KmsError::InvalidMarker(_))
    ));
}

#[tokio::test]
async fn aws_managed_key_is_created_once() {
    let f = fixture();
    let k1 = f.kms.aws_managed_key(&acct(), "s3").await.unwrap();
    let k2 = f.kms.aws_managed_key(&acct(), "s3").await.unwrap();
    assert_eq!(k1.id, k2.id);
    assert_eq!(k1.manager, KeyManager::Aws);
    assert!(k1.rotation_enabled);
    assert!(k1.policy.contains("s3.us-east-1.amazonaws.com"));
    assert_eq!(
        f.kms.resolve(&acct(), "alias/aws/s3").await.unwrap().id,
        k1.id
    );
    assert!(matches!(
        f.kms.delete_alias(&acct(), "alias/aws/s3").await,
        Err(KmsError::InvalidAliasName(_))
    ));
    let (plain, blob) = f.kms.generate_data_key(&k1, 32, &ctx(&[])).await.unwrap();
    assert_eq!(f.kms.decrypt(&k1, &blob, &ctx(&[])).await.unwrap(), plain);
}

#[tokio::test]
async fn put_key_policy_validates() {
    let f = fixture();
    let key = f.kms.create_key(&acct(), Default::default()).await.unwrap();
    assert!(matches!(
        f.kms
            .put_key_policy(&key, "{\"Version\":\"2012-10-17\"}")
            .await,
        Err(KmsError::MalformedPolicy(_))
    ));
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Decrypt","Resource":"*"}]}"#;
    let updated = f.kms.put_key_policy(&key, text).await.unwrap();
    assert_eq!(updated.policy, text);
    assert_eq!(f.kms.resolve(&acct(), &key.id).await.unwrap().policy, text);
}
