use std::time::Duration;

use super::accounts::contains;
use super::*;
use crate::{KeyStatus, NewSession, NewSessionKind, PolicyTarget, Tag};

/// Builds a store with a bit of everything; returns every secret and token it issued.
async fn populate(env: &Env) -> Vec<String> {
    let store = &env.store;
    let acct = env.acct();
    let mut secrets = Vec::new();
    let (other, _, root_secret) = store.create_account("other").await.unwrap();
    secrets.push(root_secret.expose().to_owned());
    let (_, s) = store.create_access_key(&other.id, None).await.unwrap();
    secrets.push(s.expose().to_owned());
    let tags = vec![Tag {
        key: "k".into(),
        value: "v".into(),
    }];
    store
        .create_user(&acct, "alice", "/a/", tags.clone())
        .await
        .unwrap();
    store.create_user(&acct, "Bob", "/", vec![]).await.unwrap();
    store
        .create_user(&other.id, "alice", "/", vec![])
        .await
        .unwrap();
    let (k, s) = store.create_access_key(&acct, Some("alice")).await.unwrap();
    secrets.push(s.expose().to_owned());
    store
        .update_access_key(&acct, Some("alice"), k.id.as_str(), KeyStatus::Inactive)
        .await
        .unwrap();
    let (_, s) = store.create_access_key(&acct, Some("bob")).await.unwrap();
    secrets.push(s.expose().to_owned());
    store.create_group(&acct, "devs", "/g/").await.unwrap();
    store
        .add_user_to_group(&acct, "devs", "alice")
        .await
        .unwrap();
    store
        .create_role(
            &acct,
            "r",
            "/",
            &trust(&acct),
            Some("d".into()),
            Some(7200),
            tags,
        )
        .await
        .unwrap();
    let p = store
        .create_policy(&acct, "p", "/x/", ALLOW_GET, Some("desc".into()))
        .await
        .unwrap();
    store
        .create_policy_version(&acct, &p.arn, ALLOW_PUT, true)
        .await
        .unwrap();
    store
        .create_policy_version(&acct, &p.arn, ALLOW_GET, false)
        .await
        .unwrap();
    store
        .delete_policy_version(&acct, &p.arn, "v1")
        .await
        .unwrap();
    for target in [
        PolicyTarget::User("alice".into()),
        PolicyTarget::Group("devs".into()),
        PolicyTarget::Role("r".into()),
    ] {
        store
            .put_inline_policy(&acct, &target, "inline", ALLOW_GET)
            .await
            .unwrap();
        store.attach_policy(&acct, &target, &p.arn).await.unwrap();
        store
            .attach_policy(
                &acct,
                &target,
                "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            )
            .await
            .unwrap();
    }
    let session = store
        .create_session(NewSession {
            account: acct.clone(),
            kind: NewSessionKind::AssumedRole {
                role_name: "r".into(),
                session_name: "sess".into(),
                session_policy: Some(ALLOW_GET.into()),
            },
            duration: Duration::from_secs(1800),
            mfa_authenticated: false,
        })
        .await
        .unwrap();
    secrets.push(session.secret.expose().to_owned());
    secrets.push(session.session_token.clone());
    let bob = store.resolve_access_key(k.id.as_str()).unwrap().principal;
    let token = store
        .create_session(NewSession {
            account: acct.clone(),
            kind: NewSessionKind::FederatedSessionOf(bob),
            duration: Duration::from_secs(900),
            mfa_authenticated: false,
        })
        .await
        .unwrap();
    secrets.push(token.secret.expose().to_owned());
    secrets.push(token.session_token);
    env.advance(10);
    secrets
}

#[tokio::test]
async fn reopening_reproduces_the_state_exactly() {
    let env = Env::new().await;
    populate(&env).await;
    let before = env.store.read().describe();
    let reopened = env.reopen().await;
    let after = reopened.read().describe();
    assert_eq!(before, after);
    // And again, after more changes made through the reopened store.
    let acct = env.acct();
    reopened
        .delete_inline_policy(&acct, &PolicyTarget::Role("r".into()), "inline")
        .await
        .unwrap();
    reopened
        .remove_user_from_group(&acct, "devs", "alice")
        .await
        .unwrap();
    let before = reopened.read().describe();
    assert_eq!(before, env.reopen().await.read().describe());
}

#[tokio::test]
async fn no_secret_is_stored_in_plain_text() {
    let env = Env::new().await;
    let secrets = populate(&env).await;
    assert_eq!(secrets.len(), 8);
    let records = env.all_record_bytes().await;
    assert!(records.len() > 10);
    for secret in &secrets {
        for record in &records {
            assert!(!contains(record, secret.as_bytes()));
            // Not even a sizeable piece of it.
            for piece in secret.as_bytes().chunks(12).filter(|c| c.len() == 12) {
                assert!(!contains(record, piece));
            }
        }
    }
    assert!(records.iter().all(|r| !contains(r, BOOT_SECRET.as_bytes())));
}

#[tokio::test]
async fn another_master_key_cannot_open_the_secrets() {
    let env = Env::new().await;
    populate(&env).await;
    let wrong = Arc::new(rampart_crypto::MasterKey::generate());
    let result = open(&env.meta, &wrong, &env.time).await;
    assert!(
        matches!(result, Err(IamError::Corrupt(_))),
        "{:?}",
        result.err()
    );
}
