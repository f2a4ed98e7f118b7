use rampart_policy::{PolicyKind, PolicyType};

use super::*;
use crate::{PolicyScope, PolicyTarget, Principal, assert_iam_err};

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// An identity policy of about `size` non-whitespace characters.
fn policy_of_size(size: usize) -> String {
    let base = ALLOW_GET.len();
    let sid = "S".repeat(size - base - r#","Sid":"""#.len());
    ALLOW_GET.replacen(r#""Effect""#, &format!(r#""Sid":"{sid}","Effect""#), 1)
}

#[tokio::test]
async fn inline_policies_of_every_target() {
    let env = Env::new().await;
    let acct = env.acct();
    env.store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    env.store.create_group(&acct, "devs", "/").await.unwrap();
    env.store
        .create_role(&acct, "r", "/", &trust(&acct), None, None, vec![])
        .await
        .unwrap();
    for (target, kind) in [
        (PolicyTarget::User("ALICE".into()), "user"),
        (PolicyTarget::Group("devs".into()), "group"),
        (PolicyTarget::Role("r".into()), "role"),
    ] {
        env.store
            .put_inline_policy(&acct, &target, "b", ALLOW_PUT)
            .await
            .unwrap();
        env.store
            .put_inline_policy(&acct, &target, "a", ALLOW_PUT)
            .await
            .unwrap();
        // Putting again replaces.
        env.store
            .put_inline_policy(&acct, &target, "a", ALLOW_GET)
            .await
            .unwrap();
        assert_eq!(
            env.store.get_inline_policy(&acct, &target, "a").unwrap(),
            ALLOW_GET
        );
        assert_eq!(
            env.store.list_inline_policies(&acct, &target).unwrap(),
            ["a", "b"]
        );
        assert_iam_err!(
            env.store.get_inline_policy(&acct, &target, "zz"),
            NoSuchEntity,
            format!("The {kind} policy with name zz cannot be found.")
        );
        assert_iam_err!(
            env.store.put_inline_policy(&acct, &target, "m", "{").await,
            MalformedPolicyDocument
        );
        assert_iam_err!(
            env.store
                .put_inline_policy(&acct, &target, "m", WITH_PRINCIPAL)
                .await,
            MalformedPolicyDocument
        );
        assert_iam_err!(
            env.store
                .put_inline_policy(&acct, &target, "bad name", ALLOW_GET)
                .await,
            ValidationError
        );
        env.store
            .delete_inline_policy(&acct, &target, "b")
            .await
            .unwrap();
        assert_iam_err!(
            env.store.delete_inline_policy(&acct, &target, "b").await,
            NoSuchEntity
        );
        assert_eq!(
            env.store.list_inline_policies(&acct, &target).unwrap(),
            ["a"]
        );
    }
    let nobody = PolicyTarget::User("nobody".into());
    assert_iam_err!(
        env.store
            .put_inline_policy(&acct, &nobody, "a", ALLOW_GET)
            .await,
        NoSuchEntity,
        "The user with name nobody cannot be found."
    );
    assert_iam_err!(env.store.list_inline_policies(&acct, &nobody), NoSuchEntity);
    let reopened = env.reopen().await;
    assert_eq!(
        reopened
            .get_inline_policy(&acct, &PolicyTarget::Role("r".into()), "a")
            .unwrap(),
        ALLOW_GET
    );
}

#[tokio::test]
async fn inline_policies_share_a_size_quota() {
    let env = Env::new().await;
    let acct = env.acct();
    env.store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    let target = PolicyTarget::User("alice".into());
    let half = policy_of_size(1024);
    assert_eq!(crate::validate::policy_size(&half), 1024);
    env.store
        .put_inline_policy(&acct, &target, "one", &half)
        .await
        .unwrap();
    env.store
        .put_inline_policy(&acct, &target, "two", &half)
        .await
        .unwrap();
    // Replacing a policy does not count it twice.
    env.store
        .put_inline_policy(&acct, &target, "two", &half)
        .await
        .unwrap();
    assert_iam_err!(
        env.store
            .put_inline_policy(&acct, &target, "three", ALLOW_GET)
            .await,
        LimitExceeded,
        "Maximum policy size of 2048 bytes exceeded for user alice"
    );
    // Whitespace does not count.
    let spaced = ALLOW_GET.replace(',', " ,\n\t ");
    env.store
        .delete_inline_policy(&acct, &target, "two")
        .await
        .unwrap();
    env.store
        .put_inline_policy(&acct, &target, "spaced", &spaced)
        .await
        .unwrap();
    assert_eq!(
        env.store
            .get_inline_policy(&acct, &target, "spaced")
            .unwrap(),
        spaced
    );
    // Groups and roles have larger quotas.
    env.store.create_group(&acct, "g", "/").await.unwrap();
    let group = PolicyTarget::Group("g".into());
    for i in 0..5 {
        env.store
            .put_inline_policy(&acct, &group, &format!("p{i}"), &half)
            .await
            .unwrap();
    }
    assert_iam_err!(
        env.store
            .put_inline_policy(&acct, &group, "p5", &half)
            .await,
        LimitExceeded,
        "Maximum policy size of 5120 bytes exceeded for group g"
    );
}

#[tokio::test]
async fn managed_policies_and_versions() {
    let env = Env::new().await;
    let acct = env.acct();
    let p = env
        .store
        .create_policy(&acct, "Read", "/team/", ALLOW_GET, Some("reads".into()))
        .await
        .unwrap();
    assert_eq!(p.arn, format!("arn:aws:iam::{acct}:policy/team/Read"));
    assert!(p.policy_id.starts_with("ANPA"));
    assert_eq!(p.policy_id.len(), 21);
    assert_eq!(p.default_version_id, "v1");
    assert_eq!(p.attachment_count, 0);
    assert!(p.is_attachable);
    assert!(!p.is_aws_managed());
    assert_eq!(env.store.get_policy(&acct, &p.arn).unwrap(), p);
    assert_iam_err!(
        env.store
            .create_policy(&acct, "READ", "/", ALLOW_GET, None)
            .await,
        EntityAlreadyExists,
        "A policy called READ already exists. Duplicate names are not allowed."
    );
    assert_iam_err!(
        env.store
            .create_policy(&acct, "x", "/", WITH_PRINCIPAL, None)
            .await,
        MalformedPolicyDocument
    );
    assert_iam_err!(
        env.store
            .create_policy(&acct, "x", "/", &policy_of_size(6145), None)
            .await,
        LimitExceeded,
        "Cannot exceed quota for PolicySize: 6144"
    );
    env.store
        .create_policy(&acct, "max", "/", &policy_of_size(6144), None)
        .await
        .unwrap();
    // The path is part of the ARN.
    let wrong_path = format!("arn:aws:iam::{acct}:policy/Read");
    assert_iam_err!(
        env.store.get_policy(&acct, &wrong_path),
        NoSuchEntity,
        format!("Policy {wrong_path} does not exist or is not attachable.")
    );
    assert_iam_err!(env.store.get_policy(&acct, "not an arn"), InvalidInput);

    // Versions: up to five, ids never reused, one default.
    for _ in 2..=5 {
        env.store
            .create_policy_version(&acct, &p.arn, ALLOW_PUT, false)
            .await
            .unwrap();
    }
    assert_iam_err!(
        env.store
            .create_policy_version(&acct, &p.arn, ALLOW_PUT, false)
            .await,
        LimitExceeded,
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."
    );
    env.store
        .delete_policy_version(&acct, &p.arn, "v3")
        .await
        .unwrap();
    let v6 = env
        .store
        .create_policy_version(&acct, &p.arn, ALLOW_PUT, true)
        .await
        .unwrap();
    assert_eq!(v6.version_id, "v6");
    assert!(v6.is_default);
    assert_eq!(v6.document, ALLOW_PUT);
    assert_eq!(
        env.store
            .get_policy(&acct, &p.arn)
            .unwrap()
            .default_version_id,
        "v6"
    );
    let ids: Vec<_> = env
        .store
        .list_policy_versions(&acct, &p.arn)
        .unwrap()
        .into_iter()
        .map(|v| (v.version_id, v.is_default))
        .collect();
    assert_eq!(
        ids,
        [
            ("v6".to_owned(), true),
            ("v5".to_owned(), false),
            ("v4".to_owned(), false),
            ("v2".to_owned(), false),
            ("v1".to_owned(), false)
        ]
    );
    assert_iam_err!(
        env.store.delete_policy_version(&acct, &p.arn, "v6").await,
        DeleteConflict,
        "Cannot delete the default version of a policy."
    );
    assert_iam_err!(
        env.store.get_policy_version(&acct, &p.arn, "v3"),
        NoSuchEntity,
        format!(
            "Policy {} version v3 does not exist or is not attachable.",
            p.arn
        )
    );
    assert_iam_err!(
        env.store.get_policy_version(&acct, &p.arn, "3"),
        ValidationError
    );
    assert_iam_err!(
        env.store
            .set_default_policy_version(&acct, &p.arn, "v3")
            .await,
        NoSuchEntity
    );
    env.store
        .set_default_policy_version(&acct, &p.arn, "v1")
        .await
        .unwrap();
    let v1 = env.store.get_policy_version(&acct, &p.arn, "v1").unwrap();
    assert!(v1.is_default);
    assert_eq!(v1.document, ALLOW_GET);

    // Deleting needs the other versions gone and no attachment.
    env.store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    let alice = PolicyTarget::User("alice".into());
    env.store
        .attach_policy(&acct, &alice, &p.arn)
        .await
        .unwrap();
    assert_iam_err!(
        env.store.delete_policy(&acct, &p.arn).await,
        DeleteConflict,
        "Cannot delete a policy attached to entities."
    );
    env.store
        .detach_policy(&acct, &alice, &p.arn)
        .await
        .unwrap();
    assert_iam_err!(
        env.store.delete_policy(&acct, &p.arn).await,
        DeleteConflict,
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."
    );
    for v in ["v2", "v4", "v5", "v6"] {
        env.store
            .delete_policy_version(&acct, &p.arn, v)
            .await
            .unwrap();
    }
    env.store.delete_policy(&acct, &p.arn).await.unwrap();
    assert_iam_err!(env.store.get_policy(&acct, &p.arn), NoSuchEntity);
}

#[tokio::test]
async fn aws_managed_policies() {
    let env = Env::new().await;
    let acct = env.acct();
    let aws = env.store.list_policies(&acct, PolicyScope::Aws, false, "");
    let names: Vec<_> = aws.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "AdministratorAccess",
            "AmazonS3FullAccess",
            "AmazonS3ReadOnlyAccess",
            "IAMFullAccess",
            "IAMReadOnlyAccess"
        ]
    );
    assert!(
        aws.iter()
            .all(|p| p.is_aws_managed() && p.arn.starts_with("arn:aws:iam::aws:policy/"))
    );
    let admin = env.store.get_policy(&acct, ADMIN).unwrap();
    assert_eq!(admin.policy_id, "ANPAIWMBCKSKIEE64ZLYK");
    assert_eq!(admin.default_version_id, "v1");
    let readonly = env
        .store
        .get_policy(&acct, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        .unwrap();
    assert_eq!(readonly.default_version_id, "v3");
    let doc = env
        .store
        .get_policy_version(&acct, &readonly.arn, "v3")
        .unwrap();
    assert!(doc.is_default);
    assert!(doc.document.contains("s3:Get*"));
    assert_iam_err!(
        env.store
            .create_policy_version(&acct, ADMIN, ALLOW_GET, true)
            .await,
        InvalidInput
    );
    assert_iam_err!(env.store.delete_policy(&acct, ADMIN).await, InvalidInput);
    assert_iam_err!(
        env.store.delete_policy_version(&acct, ADMIN, "v1").await,
        InvalidInput
    );
    assert_iam_err!(
        env.store
            .get_policy(&acct, "arn:aws:iam::aws:policy/PowerUserAccess"),
        NoSuchEntity
    );

    env.store
        .create_policy(&acct, "Mine", "/", ALLOW_GET, None)
        .await
        .unwrap();
    assert_eq!(
        env.store
            .list_policies(&acct, PolicyScope::All, false, "")
            .len(),
        6
    );
    let local = env
        .store
        .list_policies(&acct, PolicyScope::Local, false, "");
    assert_eq!(local.len(), 1);
    assert_eq!(local[0].name, "Mine");
    assert!(
        env.store
            .list_policies(&acct, PolicyScope::All, true, "")
            .is_empty()
    );
    env.store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    env.store
        .attach_policy(&acct, &PolicyTarget::User("alice".into()), ADMIN)
        .await
        .unwrap();
    let attached = env.store.list_policies(&acct, PolicyScope::All, true, "");
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0].attachment_count, 1);
    // Attachment counts are per account.
    let (other, _, _) = env.store.create_account("other").await.unwrap();
    assert_eq!(
        env.store
            .get_policy(&other.id, ADMIN)
            .unwrap()
            .attachment_count,
        0
    );
}

#[tokio::test]
async fn attachments() {
    let env = Env::new().await;
    let acct = env.acct();
    env.store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    let alice = PolicyTarget::User("alice".into());
    let mut arns = Vec::new();
    for i in 0..10 {
        let path = if i % 2 == 0 { "/even/" } else { "/" };
        let p = env
            .store
            .create_policy(&acct, &format!("p{i}"), path, ALLOW_GET, None)
            .await
            .unwrap();
        env.store
            .attach_policy(&acct, &alice, &p.arn)
            .await
            .unwrap();
        arns.push(p.arn);
    }
    // Attaching again changes nothing.
    env.store
        .attach_policy(&acct, &alice, &arns[0])
        .await
        .unwrap();
    assert_iam_err!(
        env.store.attach_policy(&acct, &alice, ADMIN).await,
        LimitExceeded,
        "Cannot exceed quota for PoliciesPerUser: 10"
    );
    let listed = env.store.list_attached_policies(&acct, &alice, "").unwrap();
    assert_eq!(listed.len(), 10);
    assert!(listed.iter().all(|p| p.attachment_count == 1));
    assert_eq!(
        env.store
            .list_attached_policies(&acct, &alice, "/even/")
            .unwrap()
            .len(),
        5
    );
    env.store
        .detach_policy(&acct, &alice, &arns[3])
        .await
        .unwrap();
    assert_iam_err!(
        env.store.detach_policy(&acct, &alice, &arns[3]).await,
        NoSuchEntity,
        format!("Policy {} was not found.", arns[3])
    );
    env.store.attach_policy(&acct, &alice, ADMIN).await.unwrap();

    env.store
        .create_role(&acct, "r", "/", &trust(&acct), None, None, vec![])
        .await
        .unwrap();
    let role = PolicyTarget::Role("r".into());
    let missing = format!("arn:aws:iam::{acct}:policy/nope");
    assert_iam_err!(
        env.store.attach_policy(&acct, &role, &missing).await,
        NoSuchEntity,
        format!("Policy {missing} does not exist or is not attachable.")
    );
    assert_iam_err!(
        env.store
            .attach_policy(&acct, &role, "arn:aws:s3:::bucket")
            .await,
        InvalidInput
    );
    // Another account's policy cannot be attached.
    let (other, _, _) = env.store.create_account("other").await.unwrap();
    let theirs = env
        .store
        .create_policy(&other.id, "theirs", "/", ALLOW_GET, None)
        .await
        .unwrap();
    assert_iam_err!(
        env.store.attach_policy(&acct, &role, &theirs.arn).await,
        NoSuchEntity
    );
    assert_iam_err!(
        env.store
            .attach_policy(&acct, &PolicyTarget::Group("nope".into()), ADMIN)
            .await,
        NoSuchEntity,
        "The group with name nope cannot be found."
    );
}

#[tokio::test]
async fn identity_policies_gather_user_group_and_role_policies() {
    let env = Env::new().await;
    let acct = env.acct();
    let user = env
        .store
        .create_user(&acct, "alice", "/", vec![])
        .await
        .unwrap();
    env.store.create_group(&acct, "devs", "/").await.unwrap();
    env.store.create_group(&acct, "ops", "/").await.unwrap();
    env.store
        .add_user_to_group(&acct, "devs", "alice")
        .await
        .unwrap();
    let mine = env
        .store
        .create_policy(&acct, "mine", "/", ALLOW_GET, None)
        .await
        .unwrap();
    let u = PolicyTarget::User("alice".into());
    let g = PolicyTarget::Group("devs".into());
    let ops = PolicyTarget::Group("ops".into());
    env.store
        .put_inline_policy(&acct, &u, "own", ALLOW_GET)
        .await
        .unwrap();
    env.store.attach_policy(&acct, &u, &mine.arn).await.unwrap();
    env.store
        .put_inline_policy(&acct, &g, "shared", ALLOW_PUT)
        .await
        .unwrap();
    env.store.attach_policy(&acct, &g, ADMIN).await.unwrap();
    env.store
        .put_inline_policy(&acct, &ops, "not-mine", ALLOW_PUT)
        .await
        .unwrap();

    let (key, _) = env
        .store
        .create_access_key(&acct, Some("alice"))
        .await
        .unwrap();
    let principal = env
        .store
        .resolve_access_key(key.id.as_str())
        .unwrap()
        .principal;
    let policies = env.store.identity_policies(&principal);
    let names: Vec<_> = policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "inline policy own of user alice",
            mine.arn.as_str(),
            "inline policy shared of group devs",
            ADMIN
        ]
    );
    assert!(
        policies
            .iter()
            .all(|p| p.kind == PolicyType::Identity && p.policy.kind() == PolicyKind::Identity)
    );
    // Cached: the same parsed policy is handed out each time.
    let again = env.store.identity_policies(&principal);
    assert!(std::sync::Arc::ptr_eq(
        &policies[0].policy,
        &again[0].policy
    ));
    assert!(env.store.session_policies(&principal).is_none());

    // A new default version is in effect at once.
    env.store
        .create_policy_version(&acct, &mine.arn, ALLOW_PUT, true)
        .await
        .unwrap();
    let policies = env.store.identity_policies(&principal);
    assert_eq!(policies[1].policy.text(), ALLOW_PUT);

    // A stale principal (the user was deleted and re-created) gets nothing.
    let stale = Principal::User {
        account: env.store.root_account().clone(),
        user: std::sync::Arc::new(crate::User {
            user_id: "AIDAOTHEROTHEROTHER12".into(),
            ..user
        }),
        access_key_id: key.id.clone(),
        session: None,
    };
    assert!(env.store.identity_policies(&stale).is_empty());
    // Root's and anonymous's are empty: the evaluator treats them.
    let root = env.store.resolve_access_key(BOOT_ID).unwrap().principal;
    assert!(env.store.identity_policies(&root).is_empty());
    assert!(
        env.store
            .identity_policies(&Principal::Anonymous)
            .is_empty()
    );
}
