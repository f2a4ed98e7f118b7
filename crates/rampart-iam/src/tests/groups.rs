use super::*;
use crate::{PolicyTarget, assert_iam_err};

#[tokio::test]
async fn groups_and_members() {
    let env = Env::new().await;
    let acct = env.acct();
    let devs = env
        .store
        .create_group(&acct, "Devs", "/eng/")
        .await
        .unwrap();
    assert!(devs.group_id.starts_with("AGPA"));
    assert_eq!(devs.group_id.len(), 21);
    assert_eq!(devs.arn, format!("arn:aws:iam::{acct}:group/eng/Devs"));
    env.store.create_group(&acct, "ops", "/").await.unwrap();
    assert_iam_err!(
        env.store.create_group(&acct, "DEVS", "/").await,
        EntityAlreadyExists,
        "Group with name DEVS already exists."
    );
    assert_iam_err!(
        env.store.create_group(&acct, &"g".repeat(129), "/").await,
        ValidationError
    );
    env.store
        .create_group(&acct, &"g".repeat(128), "/")
        .await
        .unwrap();
    let names = |gs: Vec<crate::Group>| gs.into_iter().map(|g| g.name).collect::<Vec<_>>();
    assert_eq!(names(env.store.list_groups(&acct, "/eng/")), ["Devs"]);
    assert_eq!(env.store.list_groups(&acct, "").len(), 3);

    env.store
        .create_user(&acct, "bob", "/", vec![])
        .await
        .unwrap();
    env.store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    env.store
        .add_user_to_group(&acct, "devs", "bob")
        .await
        .unwrap();
    env.store
        .add_user_to_group(&acct, "devs", "alice")
        .await
        .unwrap();
    // Adding again changes nothing.
    env.store
        .add_user_to_group(&acct, "Devs", "BOB")
        .await
        .unwrap();
    env.store
        .add_user_to_group(&acct, "ops", "bob")
        .await
        .unwrap();
    let (group, members) = env.store.get_group(&acct, "devs").unwrap();
    assert_eq!(group, devs);
    assert_eq!(
        members.into_iter().map(|u| u.name).collect::<Vec<_>>(),
        ["alice", "bob"]
    );
    assert_eq!(
        names(env.store.list_groups_for_user(&acct, "bob").unwrap()),
        ["Devs", "ops"]
    );
    assert_iam_err!(
        env.store.add_user_to_group(&acct, "nope", "bob").await,
        NoSuchEntity,
        "The group with name nope cannot be found."
    );
    assert_iam_err!(
        env.store.add_user_to_group(&acct, "devs", "carol").await,
        NoSuchEntity,
        "The user with name carol cannot be found."
    );
    assert_iam_err!(env.store.get_group(&acct, "nope"), NoSuchEntity);
    assert_iam_err!(env.store.list_groups_for_user(&acct, "carol"), NoSuchEntity);

    env.store
        .remove_user_from_group(&acct, "devs", "bob")
        .await
        .unwrap();
    assert_iam_err!(
        env.store.remove_user_from_group(&acct, "devs", "bob").await,
        NoSuchEntity
    );
    assert_eq!(
        names(env.store.list_groups_for_user(&acct, "bob").unwrap()),
        ["ops"]
    );
    let reopened = env.reopen().await;
    assert_eq!(reopened.get_group(&acct, "devs").unwrap().1.len(), 1);
}

#[tokio::test]
async fn delete_group_needs_it_empty() {
    let env = Env::new().await;
    let acct = env.acct();
    let target = PolicyTarget::Group("devs".into());
    env.store.create_group(&acct, "devs", "/").await.unwrap();
    env.store
        .create_user(&acct, "bob", "/", vec![])
        .await
        .unwrap();
    env.store
        .add_user_to_group(&acct, "devs", "bob")
        .await
        .unwrap();
    env.store
        .put_inline_policy(&acct, &target, "p", ALLOW_GET)
        .await
        .unwrap();
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    env.store
        .attach_policy(&acct, &target, admin)
        .await
        .unwrap();
    assert_iam_err!(
        env.store.delete_group(&acct, "devs").await,
        DeleteConflict,
        "Cannot delete entity, must remove users from group first."
    );
    env.store
        .remove_user_from_group(&acct, "devs", "bob")
        .await
        .unwrap();
    assert_iam_err!(
        env.store.delete_group(&acct, "devs").await,
        DeleteConflict,
        "Cannot delete entity, must delete policies first."
    );
    env.store
        .delete_inline_policy(&acct, &target, "p")
        .await
        .unwrap();
    assert_iam_err!(
        env.store.delete_group(&acct, "devs").await,
        DeleteConflict,
        "Cannot delete entity, must detach all policies first."
    );
    env.store
        .detach_policy(&acct, &target, admin)
        .await
        .unwrap();
    env.store.delete_group(&acct, "DEVS").await.unwrap();
    assert_iam_err!(env.store.get_group(&acct, "devs"), NoSuchEntity);
    assert_iam_err!(env.store.delete_group(&acct, "devs").await, NoSuchEntity);
}

#[tokio::test]
async fn a_user_is_in_at_most_ten_groups() {
    let env = Env::new().await;
    let acct = env.acct();
    env.store
        .create_user(&acct, "bob", "/", vec![])
        .await
        .unwrap();
    for i in 0..11 {
        env.store
            .create_group(&acct, &format!("g{i}"), "/")
            .await
            .unwrap();
    }
    for i in 0..10 {
        env.store
            .add_user_to_group(&acct, &format!("g{i}"), "bob")
            .await
            .unwrap();
    }
    assert_iam_err!(
        env.store.add_user_to_group(&acct, "g10", "bob").await,
        LimitExceeded,
        "Cannot exceed quota for GroupsPerUser: 10"
    );
}
