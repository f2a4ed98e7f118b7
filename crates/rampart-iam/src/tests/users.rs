use super::*;
use crate::{PolicyTarget, Tag, assert_iam_err};

#[tokio::test]
async fn create_get_and_list_users() {
    let env = Env::new().await;
    let acct = env.acct();
    let tags = vec![Tag {
        key: "team".into(),
        value: "storage".into(),
    }];
    let alice = env
        .store
        .create_user(&acct, "alice", "/division/", tags.clone())
        .await
        .unwrap();
    assert_eq!(alice.name, "alice");
    assert_eq!(alice.path, "/division/");
    assert_eq!(
        alice.arn,
        format!("arn:aws:iam::{acct}:user/division/alice")
    );
    assert!(alice.user_id.starts_with("AIDA"));
    assert_eq!(alice.user_id.len(), 21);
    assert_eq!(alice.tags, tags);
    assert_eq!(alice.created, env.now());
    let bob = env
        .store
        .create_user(&acct, "Bob", "", vec![])
        .await
        .unwrap();
    assert_eq!(bob.path, "/");
    assert_eq!(bob.arn, format!("arn:aws:iam::{acct}:user/Bob"));
    assert_ne!(bob.user_id, alice.user_id);

    // Lookups ignore case; listing is sorted by name and filters by path prefix.
    assert_eq!(env.store.get_user(&acct, "ALICE").unwrap(), alice);
    let names = |users: Vec<crate::User>| users.into_iter().map(|u| u.name).collect::<Vec<_>>();
    assert_eq!(names(env.store.list_users(&acct, "")), ["alice", "Bob"]);
    assert_eq!(names(env.store.list_users(&acct, "/")), ["alice", "Bob"]);
    assert_eq!(names(env.store.list_users(&acct, "/division/")), ["alice"]);
    assert_eq!(
        names(env.store.list_users(&acct, "/other/")),
        Vec::<String>::new()
    );
    assert_iam_err!(
        env.store.get_user(&acct, "carol"),
        NoSuchEntity,
        "The user with name carol cannot be found."
    );
}

#[tokio::test]
async fn user_names_are_unique_regardless_of_case() {
    let env = Env::new().await;
    let acct = env.acct();
    env.store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    assert_iam_err!(
        env.store.create_user(&acct, "ALICE", "/x/", vec![]).await,
        EntityAlreadyExists,
        "User with name ALICE already exists."
    );
    // Another account has its own namespace.
    let (other, _, _) = env.store.create_account("other").await.unwrap();
    env.store
        .create_user(&other.id, "alice", "/", vec![])
        .await
        .unwrap();
    assert_eq!(env.store.list_users(&acct, "").len(), 1);
}

#[tokio::test]
async fn user_input_is_validated() {
    let env = Env::new().await;
    let acct = env.acct();
    assert_iam_err!(
        env.store.create_user(&acct, "bad name", "/", vec![]).await,
        ValidationError,
        r"1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
    );
    assert_iam_err!(
        env.store
            .create_user(&acct, &"a".repeat(65), "/", vec![])
            .await,
        ValidationError
    );
    env.store
        .create_user(&acct, &"a".repeat(64), "/", vec![])
        .await
        .unwrap();
    assert_iam_err!(
        env.store.create_user(&acct, "", "/", vec![]).await,
        ValidationError
    );
    assert_iam_err!(
        env.store
            .create_user(&acct, "x", "no-slashes", vec![])
            .await,
        ValidationError
    );
    let dup = vec![
        Tag {
            key: "k".into(),
            value: "1".into(),
        },
        Tag {
            key: "K".into(),
            value: "2".into(),
        },
    ];
    assert_iam_err!(
        env.store.create_user(&acct, "x", "/", dup).await,
        InvalidInput
    );
    let unknown = rampart_types::AccountId::parse("999999999999").unwrap();
    assert_iam_err!(
        env.store.create_user(&unknown, "x", "/", vec![]).await,
        NoSuchEntity
    );
    assert!(env.store.list_users(&unknown, "").is_empty());
}

#[tokio::test]
async fn delete_user_needs_everything_removed_first() {
    let env = Env::new().await;
    let acct = env.acct();
    let target = PolicyTarget::User("alice".into());
    env.store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    env.store.create_group(&acct, "devs", "/").await.unwrap();
    let (key, _) = env
        .store
        .create_access_key(&acct, Some("alice"))
        .await
        .unwrap();
    env.store
        .put_inline_policy(&acct, &target, "read", ALLOW_GET)
        .await
        .unwrap();
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    env.store
        .attach_policy(&acct, &target, admin)
        .await
        .unwrap();
    env.store
        .add_user_to_group(&acct, "devs", "alice")
        .await
        .unwrap();

    let conflict = |m: &str| format!("Cannot delete entity, must {m} first.");
    assert_iam_err!(
        env.store.delete_user(&acct, "alice").await,
        DeleteConflict,
        conflict("delete access keys")
    );
    env.store
        .delete_access_key(&acct, Some("alice"), key.id.as_str())
        .await
        .unwrap();
    assert_iam_err!(
        env.store.delete_user(&acct, "alice").await,
        DeleteConflict,
        conflict("delete policies")
    );
    env.store
        .delete_inline_policy(&acct, &target, "read")
        .await
        .unwrap();
    assert_iam_err!(
        env.store.delete_user(&acct, "alice").await,
        DeleteConflict,
        conflict("detach all policies")
    );
    env.store
        .detach_policy(&acct, &target, admin)
        .await
        .unwrap();
    assert_iam_err!(
        env.store.delete_user(&acct, "alice").await,
        DeleteConflict,
        conflict("remove users from group")
    );
    env.store
        .remove_user_from_group(&acct, "devs", "alice")
        .await
        .unwrap();
    env.store.delete_user(&acct, "ALICE").await.unwrap();
    assert_iam_err!(env.store.get_user(&acct, "alice"), NoSuchEntity);
    assert_iam_err!(env.store.delete_user(&acct, "alice").await, NoSuchEntity);
    assert!(env.keys_with_prefix("iam/user/").await.is_empty());
    // The name is free again, with a new id.
    env.store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
}
