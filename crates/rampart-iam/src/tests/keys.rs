use super::*;
use crate::{KeyStatus, Principal, assert_iam_err};

#[tokio::test]
async fn user_access_keys() {
    let env = Env::new().await;
    let acct = env.acct();
    let alice = env
        .store
        .create_user(&acct, "Alice", "/", vec![])
        .await
        .unwrap();
    let (k1, s1) = env
        .store
        .create_access_key(&acct, Some("alice"))
        .await
        .unwrap();
    assert!(k1.id.as_str().starts_with("AKIA"));
    assert_eq!(k1.id.as_str().len(), 20);
    assert_eq!(k1.user_name.as_deref(), Some("Alice"));
    assert_eq!(k1.status, KeyStatus::Active);
    assert_eq!(s1.expose().len(), 40);
    env.advance(1);
    let (k2, _) = env
        .store
        .create_access_key(&acct, Some("Alice"))
        .await
        .unwrap();
    assert_iam_err!(
        env.store.create_access_key(&acct, Some("alice")).await,
        LimitExceeded,
        "Cannot exceed quota for AccessKeysPerUser: 2"
    );
    let listed = env.store.list_access_keys(&acct, Some("alice")).unwrap();
    assert_eq!(listed, vec![k1.clone(), k2.clone()]);
    // The root's keys are separate.
    assert_eq!(env.store.list_access_keys(&acct, None).unwrap().len(), 1);

    let resolved = env.store.resolve_access_key(k1.id.as_str()).unwrap();
    assert_eq!(resolved.secret.expose(), s1.expose());
    assert!(resolved.active);
    match &resolved.principal {
        Principal::User {
            user,
            access_key_id,
            session,
            ..
        } => {
            assert_eq!(**user, alice);
            assert_eq!(access_key_id, &k1.id);
            assert!(session.is_none());
        }
        other => panic!("{other:?}"),
    }
    // A long-term key must not come with a session token.
    assert_eq!(resolved.check_token(None), Ok(()));
    assert_eq!(
        resolved.check_token(Some("token")),
        Err(crate::TokenProblem::Invalid)
    );

    // Deactivation takes effect at once and survives a restart.
    env.store
        .update_access_key(&acct, Some("alice"), k1.id.as_str(), KeyStatus::Inactive)
        .await
        .unwrap();
    assert!(!env.store.resolve_access_key(k1.id.as_str()).unwrap().active);
    assert!(
        !env.reopen()
            .await
            .resolve_access_key(k1.id.as_str())
            .unwrap()
            .active
    );
    assert_eq!(
        env.store.list_access_keys(&acct, Some("alice")).unwrap()[0].status,
        KeyStatus::Inactive
    );
    // Inactive keys still count.
    assert_iam_err!(
        env.store.create_access_key(&acct, Some("alice")).await,
        LimitExceeded
    );
    env.store
        .update_access_key(&acct, Some("alice"), k1.id.as_str(), KeyStatus::Active)
        .await
        .unwrap();
    assert!(env.store.resolve_access_key(k1.id.as_str()).unwrap().active);

    env.store
        .delete_access_key(&acct, Some("alice"), k1.id.as_str())
        .await
        .unwrap();
    assert!(env.store.resolve_access_key(k1.id.as_str()).is_none());
    assert!(
        env.reopen()
            .await
            .resolve_access_key(k1.id.as_str())
            .is_none()
    );
    assert_eq!(
        env.store.list_access_keys(&acct, Some("alice")).unwrap(),
        vec![k2]
    );
}

#[tokio::test]
async fn keys_belong_to_their_owner() {
    let env = Env::new().await;
    let acct = env.acct();
    env.store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    env.store
        .create_user(&acct, "bob", "/", vec![])
        .await
        .unwrap();
    let (k, _) = env
        .store
        .create_access_key(&acct, Some("alice"))
        .await
        .unwrap();
    let id = k.id.as_str();
    let missing = format!("The Access Key with id {id} cannot be found.");
    assert_iam_err!(
        env.store
            .update_access_key(&acct, Some("bob"), id, KeyStatus::Inactive)
            .await,
        NoSuchEntity,
        missing
    );
    assert_iam_err!(
        env.store.delete_access_key(&acct, None, id).await,
        NoSuchEntity,
        missing
    );
    let (other, _, _) = env.store.create_account("other").await.unwrap();
    env.store
        .create_user(&other.id, "alice", "/", vec![])
        .await
        .unwrap();
    assert_iam_err!(
        env.store
            .delete_access_key(&other.id, Some("alice"), id)
            .await,
        NoSuchEntity
    );
    assert_iam_err!(
        env.store.create_access_key(&acct, Some("carol")).await,
        NoSuchEntity,
        "The user with name carol cannot be found."
    );
    assert_iam_err!(
        env.store.list_access_keys(&acct, Some("carol")),
        NoSuchEntity
    );
    assert!(env.store.resolve_access_key(id).unwrap().active);
}

#[tokio::test]
async fn principals_describe_themselves_to_the_evaluator() {
    use rampart_policy::PrincipalType;

    let env = Env::new().await;
    let acct = env.acct();
    let canonical = env.store.root_account().canonical_id.to_string();
    let alice = env
        .store
        .create_user(&acct, "alice", "/div/", vec![])
        .await
        .unwrap();
    let (key, _) = env
        .store
        .create_access_key(&acct, Some("alice"))
        .await
        .unwrap();
    let user = env
        .store
        .resolve_access_key(key.id.as_str())
        .unwrap()
        .principal;
    let info = user.info();
    assert_eq!(info.kind, PrincipalType::User);
    assert_eq!(info.arn, alice.arn);
    assert_eq!(info.account.as_deref(), Some(acct.as_str()));
    assert_eq!(info.canonical_id.as_deref(), Some(canonical.as_str()));
    assert_eq!(info.user_id.as_deref(), Some(alice.user_id.as_str()));
    assert_eq!(info.username.as_deref(), Some("alice"));
    assert_eq!(info.role_arn, None);
    assert_eq!(user.log_name(), alice.arn);
    assert_eq!(user.access_key_id(), Some(&key.id));
    assert_eq!(user.account().map(|a| &a.id), Some(&acct));

    let root = env.store.resolve_access_key(BOOT_ID).unwrap().principal;
    let info = root.info();
    assert_eq!(info.kind, PrincipalType::Account);
    assert_eq!(info.arn, format!("arn:aws:iam::{acct}:root"));
    assert_eq!(info.user_id.as_deref(), Some(acct.as_str()));
    assert_eq!(info.username, None);
    assert_eq!(root.user_id(), acct.as_str());

    let info = Principal::Anonymous.info();
    assert_eq!(info.kind, PrincipalType::Anonymous);
    assert_eq!(info.arn, "*");
    assert_eq!(info.account, None);
    assert_eq!(Principal::Anonymous.log_name(), "anonymous");
    assert_eq!(Principal::Anonymous.access_key_id(), None);
}
