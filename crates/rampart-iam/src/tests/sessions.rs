use std::time::Duration;

use rampart_policy::{PolicyType, PrincipalType};

use super::*;
use crate::{
    NewSession, NewSessionKind, Principal, SessionCredentials, TokenProblem, assert_iam_err,
};

fn assume(
    account: &AccountId,
    role: &str,
    session: &str,
    secs: u64,
    policy: Option<&str>,
) -> NewSession {
    NewSession {
        account: account.clone(),
        kind: NewSessionKind::AssumedRole {
            role_name: role.into(),
            session_name: session.into(),
            session_policy: policy.map(str::to_owned),
        },
        duration: Duration::from_secs(secs),
        mfa_authenticated: false,
    }
}

fn session_token_of(principal: Principal, account: &AccountId, secs: u64) -> NewSession {
    NewSession {
        account: account.clone(),
        kind: NewSessionKind::FederatedSessionOf(principal),
        duration: Duration::from_secs(secs),
        mfa_authenticated: false,
    }
}

async fn env_with_role() -> Env {
    let env = Env::new().await;
    let acct = env.acct();
    env.store
        .create_role(
            &acct,
            "Reader",
            "/app/",
            &trust(&acct),
            None,
            Some(7200),
            vec![],
        )
        .await
        .unwrap();
    env.store
        .put_inline_policy(
            &acct,
            &crate::PolicyTarget::Role("reader".into()),
            "read",
            ALLOW_GET,
        )
        .await
        .unwrap();
    env
}

#[tokio::test]
async fn assume_role_issues_session_credentials() {
    let env = env_with_role().await;
    let acct = env.acct();
    let issued = env.now();
    let creds: SessionCredentials = env
        .store
        .create_session(assume(&acct, "reader", "s-1@x", 3600, None))
        .await
        .unwrap();
    assert!(creds.access_key_id.as_str().starts_with("ASIA"));
    assert_eq!(creds.access_key_id.as_str().len(), 20);
    assert_eq!(creds.secret.expose().len(), 40);
    assert!(
        creds.session_token.len() >= 300,
        "{}",
        creds.session_token.len()
    );
    assert_eq!(creds.expiration, issued + Duration::from_secs(3600));
    assert_eq!(
        creds.arn,
        format!("arn:aws:sts::{acct}:assumed-role/Reader/s-1@x")
    );
    let role = env.store.get_role(&acct, "reader").unwrap();
    assert_eq!(
        creds.assumed_role_id.as_deref(),
        Some(format!("{}:s-1@x", role.role_id).as_str())
    );
    assert!(!format!("{creds:?}").contains(&creds.session_token));
    assert!(!format!("{creds:?}").contains(creds.secret.expose()));

    let resolved = env
        .store
        .resolve_access_key(creds.access_key_id.as_str())
        .unwrap();
    assert_eq!(resolved.secret.expose(), creds.secret.expose());
    assert!(resolved.active);
    let Principal::AssumedRole {
        role: r,
        session_name,
        session,
        ..
    } = &resolved.principal
    else {
        panic!("{:?}", resolved.principal)
    };
    assert_eq!(**r, role);
    assert_eq!(session_name, "s-1@x");
    assert_eq!(session.issued_at, issued);
    assert_eq!(session.expires_at, creds.expiration);
    assert!(!session.mfa_authenticated);

    let info = resolved.principal.info();
    assert_eq!(info.kind, PrincipalType::AssumedRole);
    assert_eq!(info.arn, creds.arn);
    assert_eq!(info.account.as_deref(), Some(acct.as_str()));
    assert_eq!(info.role_arn.as_deref(), Some(role.arn.as_str()));
    assert_eq!(info.user_id, creds.assumed_role_id);
    assert_eq!(info.username, None);
    assert_eq!(
        info.canonical_id.as_deref(),
        Some(env.store.root_account().canonical_id.as_str())
    );
    assert_eq!(resolved.principal.log_name(), creds.arn);

    // The role's own policies apply; there is no session policy.
    let names: Vec<_> = env
        .store
        .identity_policies(&resolved.principal)
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["inline policy read of role Reader"]);
    assert!(env.store.session_policies(&resolved.principal).is_none());

    // The token: constant-time checked, then the expiry.
    let token = creds.session_token.as_str();
    let now = env.now();
    assert_eq!(resolved.check_token_at(Some(token), now), Ok(()));
    assert_eq!(
        resolved.check_token(Some(token)),
        Err(TokenProblem::Expired)
    );
    assert_eq!(
        resolved.check_token_at(None, now),
        Err(TokenProblem::Missing)
    );
    let mut wrong = token.to_owned();
    wrong.replace_range(0..1, if wrong.starts_with('A') { "B" } else { "A" });
    assert_eq!(
        resolved.check_token_at(Some(&wrong), now),
        Err(TokenProblem::Invalid)
    );
    assert_eq!(
        resolved.check_token_at(Some(""), now),
        Err(TokenProblem::Invalid)
    );
    let almost = creds.expiration - Duration::from_secs(1);
    assert_eq!(resolved.check_token_at(Some(token), almost), Ok(()));
    assert_eq!(
        resolved.check_token_at(Some(token), creds.expiration),
        Err(TokenProblem::Expired)
    );
}

#[tokio::test]
async fn assume_role_parameters_are_validated() {
    let env = env_with_role().await;
    let acct = env.acct();
    assert_iam_err!(
        env.store
            .create_session(assume(&acct, "reader", "s", 899, None))
            .await,
        ValidationError,
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
    );
    assert_iam_err!(
        env.store
            .create_session(assume(&acct, "reader", "ss", 7201, None))
            .await,
        ValidationError,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    );
    env.store
        .create_session(assume(&acct, "reader", "ss", 7200, None))
        .await
        .unwrap();
    for name in ["s", "bad name", &"n".repeat(65), "é1"] {
        assert_iam_err!(
            env.store
                .create_session(assume(&acct, "reader", name, 900, None))
                .await,
            ValidationError
        );
    }
    env.store
        .create_session(assume(&acct, "reader", &"n".repeat(64), 900, None))
        .await
        .unwrap();
    assert_iam_err!(
        env.store
            .create_session(assume(&acct, "nope", "ss", 900, None))
            .await,
        NoSuchEntity,
        "The role with name nope cannot be found."
    );
    assert_iam_err!(
        env.store
            .create_session(assume(&acct, "reader", "ss", 900, Some("{")))
            .await,
        MalformedPolicyDocument
    );
    assert_iam_err!(
        env.store
            .create_session(assume(&acct, "reader", "ss", 900, Some(WITH_PRINCIPAL)))
            .await,
        MalformedPolicyDocument
    );
    let long = ALLOW_GET.replace(',', &format!(",{}", " ".repeat(2100)));
    assert_iam_err!(
        env.store
            .create_session(assume(&acct, "reader", "ss", 900, Some(&long)))
            .await,
        ValidationError
    );
}

#[tokio::test]
async fn session_policies_are_kept_with_the_session() {
    let env = env_with_role().await;
    let acct = env.acct();
    let creds = env
        .store
        .create_session(assume(&acct, "reader", "narrow", 900, Some(ALLOW_PUT)))
        .await
        .unwrap();
    for store in [&env.store, &env.reopen().await] {
        let principal = store
            .resolve_access_key(creds.access_key_id.as_str())
            .unwrap()
            .principal;
        let session = store.session_policies(&principal).unwrap();
        assert_eq!(session.len(), 1);
        assert_eq!(session[0].kind, PolicyType::Session);
        assert_eq!(session[0].name, "session policy");
        assert_eq!(session[0].policy.text(), ALLOW_PUT);
    }
}

#[tokio::test]
async fn get_session_token_for_users_and_root() {
    let env = Env::new().await;
    let acct = env.acct();
    let alice = env
        .store
        .create_user(&acct, "alice", "/", vec![])
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
    let creds = env
        .store
        .create_session(session_token_of(user.clone(), &acct, 129_600))
        .await
        .unwrap();
    assert_eq!(creds.arn, alice.arn);
    assert_eq!(creds.assumed_role_id, None);
    assert_eq!(creds.expiration, env.now() + Duration::from_secs(129_600));
    let resolved = env
        .store
        .resolve_access_key(creds.access_key_id.as_str())
        .unwrap();
    match &resolved.principal {
        Principal::User { user, session, .. } => {
            assert_eq!(**user, alice);
            assert_eq!(session.as_ref().unwrap().expires_at, creds.expiration);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        resolved.check_token_at(Some(&creds.session_token), env.now()),
        Ok(())
    );
    // Its policies are the user's.
    assert!(env.store.session_policies(&resolved.principal).is_none());
    assert_iam_err!(
        env.store
            .create_session(session_token_of(user.clone(), &acct, 129_601))
            .await,
        ValidationError
    );
    // Session credentials cannot get more session credentials.
    assert_iam_err!(
        env.store
            .create_session(session_token_of(resolved.principal.clone(), &acct, 900))
            .await,
        InvalidInput,
        "Cannot call GetSessionToken with session credentials"
    );
    assert_iam_err!(
        env.store
            .create_session(session_token_of(Principal::Anonymous, &acct, 900))
            .await,
        InvalidInput
    );

    // A root session lasts at most an hour.
    let root = env.store.resolve_access_key(BOOT_ID).unwrap().principal;
    let creds = env
        .store
        .create_session(session_token_of(root, &acct, 7200))
        .await
        .unwrap();
    assert_eq!(creds.expiration, env.now() + Duration::from_secs(3600));
    assert_eq!(creds.arn, format!("arn:aws:iam::{acct}:root"));
    let resolved = env
        .store
        .resolve_access_key(creds.access_key_id.as_str())
        .unwrap();
    assert!(matches!(
        &resolved.principal,
        Principal::AccountRoot {
            session: Some(_),
            ..
        }
    ));
    assert_eq!(resolved.principal.user_id(), acct.as_str());
}

#[tokio::test]
async fn sessions_expire_and_are_pruned() {
    let env = env_with_role().await;
    let acct = env.acct();
    let short = env
        .store
        .create_session(assume(&acct, "reader", "short", 900, None))
        .await
        .unwrap();
    let id = short.access_key_id.as_str().to_owned();
    // Survives a restart.
    let reopened = env.reopen().await;
    let resolved = reopened.resolve_access_key(&id).unwrap();
    assert_eq!(
        resolved.check_token_at(Some(&short.session_token), env.now()),
        Ok(())
    );

    env.advance(900);
    let resolved = env.store.resolve_access_key(&id).unwrap();
    assert_eq!(
        resolved.check_token_at(Some(&short.session_token), env.now()),
        Err(TokenProblem::Expired)
    );
    // Kept for a while, so the client hears "expired".
    env.advance(3599);
    env.store
        .create_session(assume(&acct, "reader", "other", 900, None))
        .await
        .unwrap();
    assert!(env.store.resolve_access_key(&id).is_some());
    // Then pruned lazily by the next session...
    env.advance(1);
    env.store
        .create_session(assume(&acct, "reader", "third", 3600, None))
        .await
        .unwrap();
    assert!(env.store.resolve_access_key(&id).is_none());
    assert!(
        !env.keys_with_prefix("iam/session/")
            .await
            .contains(&format!("iam/session/{id}"))
    );
    // ...and at open.
    assert_eq!(env.keys_with_prefix("iam/session/").await.len(), 2);
    env.advance(900 + 3600);
    let reopened = env.reopen().await;
    assert_eq!(env.keys_with_prefix("iam/session/").await.len(), 1);
    assert_eq!(reopened.read().sessions.len(), 1);
}

#[tokio::test]
async fn deleting_the_principal_ends_its_sessions() {
    let env = env_with_role().await;
    let acct = env.acct();
    let creds = env
        .store
        .create_session(assume(&acct, "reader", "s1", 900, None))
        .await
        .unwrap();
    env.store
        .delete_inline_policy(&acct, &crate::PolicyTarget::Role("reader".into()), "read")
        .await
        .unwrap();
    env.store.delete_role(&acct, "reader").await.unwrap();
    assert!(
        env.store
            .resolve_access_key(creds.access_key_id.as_str())
            .is_none()
    );
    // A new role of the same name does not revive them.
    env.store
        .create_role(&acct, "Reader", "/", &trust(&acct), None, None, vec![])
        .await
        .unwrap();
    assert!(
        env.store
            .resolve_access_key(creds.access_key_id.as_str())
            .is_none()
    );
    assert!(env.keys_with_prefix("iam/session/").await.is_empty());

    env.store
        .create_user(&acct, "bob", "/", vec![])
        .await
        .unwrap();
    let (key, _) = env
        .store
        .create_access_key(&acct, Some("bob"))
        .await
        .unwrap();
    let bob = env
        .store
        .resolve_access_key(key.id.as_str())
        .unwrap()
        .principal;
    let creds = env
        .store
        .create_session(session_token_of(bob, &acct, 900))
        .await
        .unwrap();
    env.store
        .delete_access_key(&acct, Some("bob"), key.id.as_str())
        .await
        .unwrap();
    env.store.delete_user(&acct, "bob").await.unwrap();
    assert!(
        env.store
            .resolve_access_key(creds.access_key_id.as_str())
            .is_none()
    );
    env.store
        .create_user(&acct, "bob", "/", vec![])
        .await
        .unwrap();
    assert!(
        env.store
            .resolve_access_key(creds.access_key_id.as_str())
            .is_none()
    );
    assert!(
        env.reopen()
            .await
            .resolve_access_key(creds.access_key_id.as_str())
            .is_none()
    );
}
