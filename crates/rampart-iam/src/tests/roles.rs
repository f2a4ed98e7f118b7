use rampart_policy::{PolicyKind, PolicyType};

use super::*;
use crate::{PolicyTarget, Tag, assert_iam_err};

#[tokio::test]
async fn create_get_list_roles() {
    let env = Env::new().await;
    let acct = env.acct();
    let doc = trust(&acct);
    let role = env
        .store
        .create_role(
            &acct,
            "Reader",
            "/app/",
            &doc,
            Some("reads".into()),
            None,
            vec![Tag {
                key: "k".into(),
                value: "v".into(),
            }],
        )
        .await
        .unwrap();
    assert!(role.role_id.starts_with("AROA"));
    assert_eq!(role.role_id.len(), 21);
    assert_eq!(role.arn, format!("arn:aws:iam::{acct}:role/app/Reader"));
    assert_eq!(role.max_session_duration, 3600);
    assert_eq!(role.trust_policy, doc);
    assert_eq!(role.description.as_deref(), Some("reads"));
    assert_eq!(env.store.get_role(&acct, "reader").unwrap(), role);
    let long = env
        .store
        .create_role(&acct, "long", "/", &doc, None, Some(43200), vec![])
        .await
        .unwrap();
    assert_eq!(long.max_session_duration, 43200);
    let names = |rs: Vec<crate::Role>| rs.into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(names(env.store.list_roles(&acct, "")), ["long", "Reader"]);
    assert_eq!(names(env.store.list_roles(&acct, "/app/")), ["Reader"]);
    assert_iam_err!(
        env.store.get_role(&acct, "nope"),
        NoSuchEntity,
        "The role with name nope cannot be found."
    );
    assert_iam_err!(
        env.store
            .create_role(&acct, "READER", "/", &doc, None, None, vec![])
            .await,
        EntityAlreadyExists,
        "Role with name READER already exists."
    );

    let trust_policy = env.store.role_trust_policy(&acct, "Reader").unwrap();
    assert_eq!(trust_policy.kind, PolicyType::Resource);
    assert_eq!(trust_policy.name, "trust policy of role Reader");
    assert_eq!(trust_policy.policy.kind(), PolicyKind::Trust);
    assert_eq!(trust_policy.policy.text(), doc);
    assert_iam_err!(env.store.role_trust_policy(&acct, "nope"), NoSuchEntity);
}

#[tokio::test]
async fn role_input_is_validated() {
    let env = Env::new().await;
    let acct = env.acct();
    let doc = trust(&acct);
    for (max, message) in [
        (
            3599,
            "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
        ),
        (
            43201,
            "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200",
        ),
    ] {
        assert_iam_err!(
            env.store
                .create_role(&acct, "r", "/", &doc, None, Some(max), vec![])
                .await,
            ValidationError,
            message
        );
    }
    assert_iam_err!(
        env.store
            .create_role(&acct, "r", "/", "{not json", None, None, vec![])
            .await,
        MalformedPolicyDocument
    );
    // A trust policy needs a principal; an identity policy is not one.
    assert_iam_err!(
        env.store
            .create_role(&acct, "r", "/", ALLOW_GET, None, None, vec![])
            .await,
        MalformedPolicyDocument
    );
    let padding = " ".repeat(3000);
    let spaced = doc.replacen('{', &format!("{{{padding}"), 1);
    env.store
        .create_role(&acct, "spaced", "/", &spaced, None, None, vec![])
        .await
        .unwrap();
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{acct}:root"}},"Action":"sts:AssumeRole"}}]}}"#,
        "s".repeat(2000)
    );
    assert_iam_err!(
        env.store
            .create_role(&acct, "big", "/", &big, None, None, vec![])
            .await,
        LimitExceeded,
        "Cannot exceed quota for ACLSizePerRole: 2048"
    );
    assert_iam_err!(
        env.store
            .create_role(&acct, "r", "/", &doc, Some("d".repeat(1001)), None, vec![])
            .await,
        ValidationError
    );
    assert_iam_err!(
        env.store
            .create_role(&acct, &"r".repeat(65), "/", &doc, None, None, vec![])
            .await,
        ValidationError
    );
}

#[tokio::test]
async fn update_trust_and_delete_roles() {
    let env = Env::new().await;
    let acct = env.acct();
    let (other, _, _) = env.store.create_account("other").await.unwrap();
    env.store
        .create_role(&acct, "r", "/", &trust(&acct), None, None, vec![])
        .await
        .unwrap();
    env.store
        .update_assume_role_policy(&acct, "R", &trust(&other.id))
        .await
        .unwrap();
    assert_eq!(
        env.store.get_role(&acct, "r").unwrap().trust_policy,
        trust(&other.id)
    );
    assert_eq!(
        env.store
            .role_trust_policy(&acct, "r")
            .unwrap()
            .policy
            .text(),
        trust(&other.id)
    );
    assert_iam_err!(
        env.store.update_assume_role_policy(&acct, "r", "{}").await,
        MalformedPolicyDocument
    );
    assert_iam_err!(
        env.store
            .update_assume_role_policy(&acct, "nope", &trust(&acct))
            .await,
        NoSuchEntity
    );
    assert_eq!(
        env.reopen()
            .await
            .get_role(&acct, "r")
            .unwrap()
            .trust_policy,
        trust(&other.id)
    );

    let target = PolicyTarget::Role("r".into());
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    env.store
        .attach_policy(&acct, &target, admin)
        .await
        .unwrap();
    env.store
        .put_inline_policy(&acct, &target, "p", ALLOW_GET)
        .await
        .unwrap();
    assert_iam_err!(
        env.store.delete_role(&acct, "r").await,
        DeleteConflict,
        "Cannot delete entity, must detach all policies first."
    );
    env.store
        .detach_policy(&acct, &target, admin)
        .await
        .unwrap();
    assert_iam_err!(
        env.store.delete_role(&acct, "r").await,
        DeleteConflict,
        "Cannot delete entity, must delete policies first."
    );
    env.store
        .delete_inline_policy(&acct, &target, "p")
        .await
        .unwrap();
    env.store.delete_role(&acct, "r").await.unwrap();
    assert_iam_err!(env.store.get_role(&acct, "r"), NoSuchEntity);
    assert_iam_err!(env.store.delete_role(&acct, "r").await, NoSuchEntity);
}
