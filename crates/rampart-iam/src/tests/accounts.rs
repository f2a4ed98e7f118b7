use std::sync::Arc;

use rampart_store::{MetaStore, Txn};

use super::*;
use crate::{Account, KeyStatus, Principal, assert_iam_err};

#[tokio::test]
async fn first_account_is_created_once_and_reloaded() {
    let env = Env::new().await;
    let again = env.reopen().await;
    assert_eq!(env.store.root_account(), again.root_account());
    assert_eq!(again.root_account().display_name, "team");
    assert_eq!(
        env.store.list_accounts(),
        vec![env.store.root_account().clone()]
    );
    // The name index and the account record exist.
    let acct = env.acct();
    assert_eq!(
        env.keys_with_prefix("iam/acct").await,
        vec![format!("iam/acct/{acct}"), "iam/acctname/team".to_owned()]
    );
}

#[tokio::test]
async fn bootstrap_key_is_the_first_roots() {
    let env = Env::new().await;
    let resolved = env.store.resolve_access_key(BOOT_ID).unwrap();
    assert_eq!(resolved.secret.expose(), BOOT_SECRET);
    assert!(resolved.active);
    assert!(resolved.session_token.is_none());
    assert_eq!(resolved.check_token(None), Ok(()));
    let Principal::AccountRoot {
        account, session, ..
    } = &resolved.principal
    else {
        panic!("{:?}", resolved.principal)
    };
    assert_eq!(account, env.store.root_account());
    assert!(session.is_none());
    assert!(
        env.store
            .resolve_access_key("AKIAIOSFODNN7EXAMPLF")
            .is_none()
    );
    assert!(env.store.resolve_access_key("").is_none());
    // It is listed, counts toward the quota, and cannot be changed through IAM.
    let keys = env.store.list_access_keys(&env.acct(), None).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].id.as_str(), BOOT_ID);
    assert_eq!(keys[0].user_name, None);
    assert_iam_err!(
        env.store
            .update_access_key(&env.acct(), None, BOOT_ID, KeyStatus::Inactive)
            .await,
        InvalidInput
    );
    assert_iam_err!(
        env.store
            .delete_access_key(&env.acct(), None, BOOT_ID)
            .await,
        InvalidInput
    );
    env.store
        .create_access_key(&env.acct(), None)
        .await
        .unwrap();
    assert_iam_err!(
        env.store.create_access_key(&env.acct(), None).await,
        LimitExceeded,
        "Cannot exceed quota for AccessKeysPerUser: 2"
    );
    // Nothing of the bootstrap key is stored.
    for bytes in env.all_record_bytes().await {
        assert!(!contains(&bytes, BOOT_ID.as_bytes()));
        assert!(!contains(&bytes, BOOT_SECRET.as_bytes()));
    }
}

pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn create_account_issues_a_root_key() {
    let env = Env::new().await;
    let (account, key_id, secret) = env.store.create_account("Other Team").await.unwrap();
    assert_ne!(account.id, env.acct());
    assert_eq!(account.display_name, "Other Team");
    assert!(key_id.as_str().starts_with("AKIA"));
    assert_eq!(secret.expose().len(), 40);
    let resolved = env.store.resolve_access_key(key_id.as_str()).unwrap();
    assert_eq!(resolved.secret.expose(), secret.expose());
    assert!(resolved.active);
    match &resolved.principal {
        Principal::AccountRoot { account: a, .. } => assert_eq!(a, &account),
        other => panic!("{other:?}"),
    }
    assert_eq!(env.store.account(&account.id), Some(account.clone()));
    assert_eq!(
        env.store.account_by_canonical_id(&account.canonical_id),
        Some(account.clone())
    );
    let mut all = env.store.list_accounts();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let mut expected = vec![env.store.root_account().clone(), account.clone()];
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(all, expected);
    // Its root has that one key; one more is allowed.
    assert_eq!(
        env.store.list_access_keys(&account.id, None).unwrap().len(),
        1
    );
    env.store
        .create_access_key(&account.id, None)
        .await
        .unwrap();
    assert_iam_err!(
        env.store.create_access_key(&account.id, None).await,
        LimitExceeded
    );
}

#[tokio::test]
async fn account_names_are_unique_and_valid() {
    let env = Env::new().await;
    env.store.create_account("Other").await.unwrap();
    assert_iam_err!(
        env.store.create_account("OTHER").await,
        EntityAlreadyExists,
        "An account named OTHER already exists."
    );
    assert_iam_err!(env.store.create_account("TEAM").await, EntityAlreadyExists);
    assert_iam_err!(env.store.create_account("").await, ValidationError);
    assert_iam_err!(
        env.store.create_account(&"x".repeat(51)).await,
        ValidationError
    );
    assert_iam_err!(env.store.create_account("tab\tname").await, ValidationError);
}

#[tokio::test]
async fn delete_account_removes_everything_it_had() {
    let env = Env::new().await;
    let first = env.acct();
    assert_iam_err!(env.store.delete_account(&first).await, DeleteConflict);
    let unknown = rampart_types::AccountId::parse("999999999999").unwrap();
    assert_iam_err!(
        env.store.delete_account(&unknown).await,
        NoSuchEntity,
        "The account 999999999999 cannot be found."
    );

    let (account, root_key, _) = env.store.create_account("gone").await.unwrap();
    let id = &account.id;
    env.store.create_user(id, "u", "/", vec![]).await.unwrap();
    let (user_key, _) = env.store.create_access_key(id, Some("u")).await.unwrap();
    env.store.create_group(id, "g", "/").await.unwrap();
    env.store.add_user_to_group(id, "g", "u").await.unwrap();
    env.store
        .create_role(id, "r", "/", &trust(id), None, None, vec![])
        .await
        .unwrap();
    let policy = env
        .store
        .create_policy(id, "p", "/", ALLOW_GET, None)
        .await
        .unwrap();
    env.store
        .attach_policy(id, &crate::PolicyTarget::User("u".into()), &policy.arn)
        .await
        .unwrap();
    let creds = env
        .store
        .create_session(crate::NewSession {
            account: id.clone(),
            kind: crate::NewSessionKind::AssumedRole {
                role_name: "r".into(),
                session_name: "s1".into(),
                session_policy: None,
            },
            duration: std::time::Duration::from_secs(900),
            mfa_authenticated: false,
        })
        .await
        .unwrap();
    env.store
        .create_virtual_mfa_device(id, "/", "gone-device")
        .await
        .unwrap();

    env.store.delete_account(id).await.unwrap();
    assert_eq!(env.store.account(id), None);
    assert_eq!(
        env.store.account_by_canonical_id(&account.canonical_id),
        None
    );
    for key in [
        root_key.as_str(),
        user_key.id.as_str(),
        creds.access_key_id.as_str(),
    ] {
        assert!(env.store.resolve_access_key(key).is_none(), "{key}");
    }
    assert!(env.store.list_users(id, "").is_empty());
    // No record of it is left.
    for bytes in env.all_record_bytes().await {
        assert!(!contains(&bytes, id.as_str().as_bytes()));
    }
    // The first account is untouched, and the name can be used again.
    assert!(env.store.resolve_access_key(BOOT_ID).is_some());
    env.store.create_account("GONE").await.unwrap();
    let reopened = env.reopen().await;
    assert_eq!(reopened.list_accounts().len(), 2);
}

#[tokio::test]
async fn stores_from_before_iam_are_upgraded() {
    // Earlier versions wrote only `sys/first-account`.
    let meta = Arc::new(rampart_store::memory::MemoryMetaStore::new());
    let legacy = Account::generate("legacy");
    meta.commit(Txn::new().put(&b"sys/first-account"[..], legacy.encode().unwrap()))
        .await
        .unwrap();
    let master = Arc::new(rampart_crypto::MasterKey::generate());
    let time = Arc::new(std::sync::Mutex::new(std::time::SystemTime::now()));
    let store = open(&meta, &master, &time).await.unwrap();
    assert_eq!(store.root_account(), &legacy);
    assert_eq!(store.list_accounts(), vec![legacy.clone()]);
    // Creating the same name again is refused: the index was written.
    assert_iam_err!(store.create_account("Legacy").await, EntityAlreadyExists);
    let again = open(&meta, &master, &time).await.unwrap();
    assert_eq!(again.list_accounts(), vec![legacy]);
}
