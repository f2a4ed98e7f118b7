//! Bucket policies end to end (Put/Get/DeleteBucketPolicy, validation, grants and denials for
//! same-account users, anonymous access, the owner's lock-out protection), accounts
//! (`rampart admin account …`, cross-account access) and `rampart policy explain`.

use rampart_e2e::Server;
use rampart_e2e::raw::RawRequest;
use serde_json::Value;

use crate::common::{create_bucket, get, put};
use crate::iam::{
    Keys, account_of, assert_denied, assert_query_error, assert_s3_error, call, get_denied, iam_ok,
    iam_root, json_ok, policy, put_denied, put_user_policy, user_with_key, user_with_key_as,
};
use crate::public_access::{bucket_settings, policy_is_public};

/// A bucket policy with one statement.
fn bucket_policy(effect: &str, principal: Value, actions: &[&str], resources: &[String]) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "S1",
            "Effect": effect,
            "Principal": principal,
            "Action": actions,
            "Resource": resources
        }]
    })
    .to_string()
}

async fn set_policy(s3: &aws_sdk_s3::Client, bucket: &str, document: &str) {
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(document)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutBucketPolicy {document}: {e:?}"));
}

/// `rampart admin account create NAME` → (account id, root keys).
pub fn create_account(server: &Server, name: &str) -> (String, Keys) {
    let created = json_ok(
        &server.rampart(&["admin", "account", "create", name]),
        "rampart admin account create",
    );
    let id = created["account_id"]
        .as_str()
        .expect("account_id")
        .to_owned();
    assert!(
        id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()),
        "{created}"
    );
    assert!(created["canonical_user_id"].is_string(), "{created}");
    let keys = Keys {
        access: created["access_key_id"]
            .as_str()
            .expect("access_key_id")
            .to_owned(),
        secret: created["secret_access_key"]
            .as_str()
            .expect("secret_access_key")
            .to_owned(),
        token: None,
    };
    (id, keys)
}

#[tokio::test]
async fn bucket_policy_crud_and_validation() {
    let server = Server::start();
    let s3 = server.client();
    let account = account_of(&server, &Keys::root()).await;
    let bucket = create_bucket(&s3, "bpcrud").await;
    let arn = format!("arn:aws:s3:::{bucket}");

    assert_s3_error(
        s3.get_bucket_policy().bucket(&bucket).send().await,
        "NoSuchBucketPolicy",
        404,
        "no policy yet",
    );
    let document = bucket_policy(
        "Allow",
        serde_json::json!({ "AWS": format!("arn:aws:iam::{account}:root") }),
        &["s3:GetObject"],
        &[format!("{arn}/*")],
    );
    set_policy(&s3, &bucket, &document).await;
    let got = s3
        .get_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .expect("GetBucketPolicy");
    let got: Value = serde_json::from_str(got.policy().expect("a policy")).expect("JSON");
    assert_eq!(got, serde_json::from_str::<Value>(&document).unwrap());

    // Refused documents: 400 MalformedPolicy, the stored policy unchanged.
    let too_big = {
        let resources: Vec<String> = (0..400)
            .map(|i| format!("{arn}/some/long/prefix/number/{i:05}/*"))
            .collect();
        bucket_policy(
            "Allow",
            serde_json::json!("*"),
            &["s3:GetObject"],
            &resources,
        )
    };
    assert!(too_big.len() > 20 * 1024);
    let bad_documents = [
        ("not JSON", "{\"Version\": ".to_owned()),
        (
            "unknown action",
            bucket_policy(
                "Allow",
                serde_json::json!("*"),
                &["s3:FlyToTheMoon"],
                &[format!("{arn}/*")],
            ),
        ),
        (
            "resource outside the bucket",
            bucket_policy(
                "Allow",
                serde_json::json!("*"),
                &["s3:GetObject"],
                &["arn:aws:s3:::some-other-bucket/*".to_owned()],
            ),
        ),
        (
            "no principal",
            policy("Allow", &["s3:GetObject"], &[&format!("{arn}/*")]),
        ),
    ];
    for (what, doc) in &bad_documents {
        assert_s3_error(
            s3.put_bucket_policy()
                .bucket(&bucket)
                .policy(doc)
                .send()
                .await,
            "MalformedPolicy",
            400,
            what,
        );
    }
    let big = s3
        .put_bucket_policy()
        .bucket(&bucket)
        .policy(&too_big)
        .send()
        .await
        .unwrap_err();
    let (code, status, _) = crate::iam::s3_error(&big);
    assert_eq!(status, 400, "a policy over 20 KB: {big:?}");
    assert!(
        code == "MalformedPolicy" || code == "PolicyTooLarge",
        "{code}"
    );
    let still = s3
        .get_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .expect("GetBucketPolicy");
    assert_eq!(
        serde_json::from_str::<Value>(still.policy().unwrap()).unwrap(),
        got
    );

    // Another user of the account, without permission, may not read or change it.
    let user = user_with_key(&server, "nosy").await;
    assert_denied(
        user.s3(&server)
            .get_bucket_policy()
            .bucket(&bucket)
            .send()
            .await,
        "GetBucketPolicy as a user",
    );
    assert_denied(
        user.s3(&server)
            .put_bucket_policy()
            .bucket(&bucket)
            .policy(&document)
            .send()
            .await,
        "PutBucketPolicy as a user",
    );
    assert_denied(
        user.s3(&server)
            .delete_bucket_policy()
            .bucket(&bucket)
            .send()
            .await,
        "DeleteBucketPolicy as a user",
    );

    s3.delete_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .expect("DeleteBucketPolicy");
    assert_s3_error(
        s3.get_bucket_policy().bucket(&bucket).send().await,
        "NoSuchBucketPolicy",
        404,
        "after delete",
    );
    s3.delete_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .expect("DeleteBucketPolicy without a policy");
    assert_s3_error(
        s3.get_bucket_policy()
            .bucket("no-such-bucket-here")
            .send()
            .await,
        "NoSuchBucket",
        404,
        "GetBucketPolicy of a missing bucket",
    );
}

#[tokio::test]
async fn bucket_policy_grants_denies_and_cannot_lock_out_the_owner() {
    let server = Server::start();
    let root = server.client();
    let account = account_of(&server, &Keys::root()).await;
    let bucket = create_bucket(&root, "bpgrant").await;
    let arn = format!("arn:aws:s3:::{bucket}");
    put(&root, &bucket, "doc", b"d").await;
    put(&root, &bucket, "public/p", b"p").await;
    let dave = user_with_key(&server, "dave").await;
    let erin = user_with_key(&server, "erin").await;
    put_user_policy(
        &server,
        "erin",
        "all",
        &policy("Allow", &["s3:*"], &[&arn, &format!("{arn}/*")]),
    )
    .await;
    let dave_arn = format!("arn:aws:iam::{account}:user/dave");
    let erin_arn = format!("arn:aws:iam::{account}:user/erin");

    get_denied(&dave.s3(&server), &bucket, "doc", "dave before the policy").await;
    let anonymous = || async {
        RawRequest::new("GET", &format!("/{bucket}/public/p"))
            .send(server.port)
            .await
    };
    anonymous().await.assert_error(403, "AccessDenied");

    // A same-account user named by the bucket policy needs no identity policy; a Deny naming
    // erin beats her identity-based s3:*; `*` lets anonymous requests in.
    let document = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Sid": "Dave", "Effect": "Allow", "Principal": { "AWS": dave_arn }, "Action": "s3:GetObject", "Resource": format!("{arn}/*") },
            { "Sid": "NoDeleteErin", "Effect": "Deny", "Principal": { "AWS": [erin_arn] }, "Action": "s3:DeleteObject", "Resource": format!("{arn}/*") },
            { "Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": format!("{arn}/public/*") }
        ]
    })
    .to_string();
    // A new bucket blocks public policies (Block Public Access is on by default, as on S3).
    let blocked = root
        .put_bucket_policy()
        .bucket(&bucket)
        .policy(&document)
        .send()
        .await
        .expect_err("a public policy under BlockPublicPolicy");
    assert_eq!(
        blocked.raw_response().map(|r| r.status().as_u16()),
        Some(403),
        "{blocked:?}"
    );
    assert_eq!(bucket_settings(&root, &bucket).await, [Some(true); 4]);
    root.delete_public_access_block()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    set_policy(&root, &bucket, &document).await;
    assert_eq!(policy_is_public(&root, &bucket).await, Some(true));
    assert_eq!(get(&dave.s3(&server), &bucket, "doc").await, b"d");
    put_denied(&dave.s3(&server), &bucket, "x", "dave may only read").await;
    assert_denied(
        dave.s3(&server)
            .list_objects_v2()
            .bucket(&bucket)
            .send()
            .await,
        "dave may not list",
    );
    let message = assert_denied(
        erin.s3(&server)
            .delete_object()
            .bucket(&bucket)
            .key("doc")
            .send()
            .await,
        "erin's delete is denied by the bucket policy",
    );
    assert!(
        message.contains("explicit deny in a resource-based policy"),
        "{message}"
    );
    erin.s3(&server)
        .put_object()
        .bucket(&bucket)
        .key("erin")
        .body(b"e".to_vec().into())
        .send()
        .await
        .expect("erin's identity policy still allows PutObject");
    let public = anonymous().await;
    assert_eq!(
        (public.status, public.body.as_slice()),
        (200, &b"p"[..]),
        "{}",
        public.text()
    );
    RawRequest::new("GET", &format!("/{bucket}/doc"))
        .send(server.port)
        .await
        .assert_error(403, "AccessDenied");

    // RestrictPublicBuckets turns the public grant off again for everyone outside the account,
    // while the policy's grant to dave (inside the account) still holds.
    root.put_public_access_block()
        .bucket(&bucket)
        .public_access_block_configuration(
            aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    anonymous().await.assert_error(403, "AccessDenied");
    assert_eq!(get(&dave.s3(&server), &bucket, "doc").await, b"d");
    root.delete_public_access_block()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous().await.status, 200);

    // A policy denying everyone everything: even the root is refused objects, but the owner's
    // root can still read, replace and delete the bucket policy.
    let deny_all = bucket_policy(
        "Deny",
        serde_json::json!("*"),
        &["s3:*"],
        &[arn.clone(), format!("{arn}/*")],
    );
    set_policy(&root, &bucket, &deny_all).await;
    get_denied(&root, &bucket, "doc", "root under deny-all").await;
    get_denied(&erin.s3(&server), &bucket, "doc", "erin under deny-all").await;
    assert_denied(
        erin.s3(&server)
            .get_bucket_policy()
            .bucket(&bucket)
            .send()
            .await,
        "erin reads the policy",
    );
    assert_denied(
        erin.s3(&server)
            .delete_bucket_policy()
            .bucket(&bucket)
            .send()
            .await,
        "erin deletes the policy",
    );
    let got = root
        .get_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .expect("the root reads the policy");
    assert_eq!(
        serde_json::from_str::<Value>(got.policy().unwrap()).unwrap(),
        serde_json::from_str::<Value>(&deny_all).unwrap()
    );
    set_policy(&root, &bucket, &deny_all).await;
    root.delete_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .expect("the root deletes the policy");
    assert_eq!(get(&root, &bucket, "doc").await, b"d");
    assert_eq!(get(&erin.s3(&server), &bucket, "doc").await, b"d");
    get_denied(&dave.s3(&server), &bucket, "doc", "dave without the policy").await;
}

#[tokio::test]
async fn accounts_via_rampart_admin() {
    let server = Server::start();
    let first = account_of(&server, &Keys::root()).await;
    let (id, keys) = create_account(&server, "second");
    assert_ne!(id, first);
    assert_eq!(account_of(&server, &keys).await, id);
    let listed = json_ok(
        &server.rampart(&["admin", "account", "list"]),
        "rampart admin account list",
    );
    let ids: Vec<&str> = listed
        .as_array()
        .expect("an array")
        .iter()
        .map(|a| a["account_id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&first.as_str()) && ids.contains(&id.as_str()),
        "{listed}"
    );

    // Only the administrator may administer.
    for args in [
        &["admin", "account", "list"][..],
        &["admin", "account", "create", "third"][..],
        &["admin", "account", "delete", first.as_str()][..],
    ] {
        let refused = server.rampart_as(&keys.access, &keys.secret, args);
        assert!(
            !refused.status.success(),
            "{args:?} as a non-administrator: {refused:?}"
        );
    }
    let listed = json_ok(&server.rampart(&["admin", "account", "list"]), "list");
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");

    // The new root owns its own buckets and IAM namespace.
    let s3 = keys.s3(&server);
    let bucket = create_bucket(&s3, "acct2").await;
    let u = user_with_key_as(&server, &keys, "worker").await;
    let who = call(&server, "sts", &u, &[("Action", "GetCallerIdentity")]).await;
    assert_eq!(
        who.element("Arn").as_deref(),
        Some(format!("arn:aws:iam::{id}:user/worker").as_str())
    );
    let first_users = iam_root(&server, &[("Action", "GetUser"), ("UserName", "worker")]).await;
    assert_query_error(&first_users, 404, "NoSuchEntity");

    // Deleting an account that owns a bucket is refused; once empty, it goes with its keys.
    let refused = server.rampart(&["admin", "account", "delete", &id]);
    assert!(
        !refused.status.success(),
        "delete an account with a bucket: {refused:?}"
    );
    s3.delete_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("delete the bucket");
    json_ok(
        &server.rampart(&["admin", "account", "delete", &id]),
        "rampart admin account delete",
    );
    let listed = json_ok(&server.rampart(&["admin", "account", "list"]), "list");
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_s3_error(
        s3.list_buckets().send().await,
        "InvalidAccessKeyId",
        403,
        "deleted account's root",
    );
    assert_s3_error(
        u.s3(&server).list_buckets().send().await,
        "InvalidAccessKeyId",
        403,
        "deleted account's user",
    );
    let refused = server.rampart(&["admin", "account", "delete", &first]);
    assert!(
        !refused.status.success(),
        "deleting the first account: {refused:?}"
    );
}

#[tokio::test]
async fn cross_account_access_needs_both_sides() {
    let server = Server::start();
    let root1 = server.client();
    let (acct2, root2) = create_account(&server, "other");
    let bucket = create_bucket(&root1, "xacct").await;
    let arn = format!("arn:aws:s3:::{bucket}");
    put(&root1, &bucket, "k", b"v").await;
    let user2 = user_with_key_as(&server, &root2, "visitor").await;
    let s3_root2 = root2.s3(&server);
    let s3_user2 = user2.s3(&server);

    // Nothing is shared by default, and bucket names are global.
    let mine = create_bucket(&s3_root2, "xacct-own").await;
    let names: Vec<String> = s3_root2
        .list_buckets()
        .send()
        .await
        .expect("ListBuckets as the second root")
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_owned))
        .collect();
    assert_eq!(names, std::slice::from_ref(&mine));
    let first_names: Vec<String> = root1
        .list_buckets()
        .send()
        .await
        .unwrap()
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_owned))
        .collect();
    assert_eq!(first_names, std::slice::from_ref(&bucket));
    assert_s3_error(
        s3_root2.create_bucket().bucket(&bucket).send().await,
        "BucketAlreadyExists",
        409,
        "another account's bucket name",
    );
    get_denied(&s3_root2, &bucket, "k", "root2 without a grant").await;
    assert_denied(
        s3_root2.list_objects_v2().bucket(&bucket).send().await,
        "root2 lists without a grant",
    );
    get_denied(&s3_user2, &bucket, "k", "user2 without a grant").await;
    // Even a user with s3:* on everything needs the owner's consent.
    put_user_policy_as(
        &server,
        &root2,
        "visitor",
        "everything",
        &policy("Allow", &["s3:*"], &["*"]),
    )
    .await;
    get_denied(&s3_user2, &bucket, "k", "user2 with s3:* but no grant").await;
    delete_user_policy_as(&server, &root2, "visitor", "everything").await;

    // The bucket policy grants the second account: its root may read ...
    let grant = bucket_policy(
        "Allow",
        serde_json::json!({ "AWS": format!("arn:aws:iam::{acct2}:root") }),
        &["s3:GetObject", "s3:ListBucket"],
        &[arn.clone(), format!("{arn}/*")],
    );
    set_policy(&root1, &bucket, &grant).await;
    assert_eq!(get(&s3_root2, &bucket, "k").await, b"v");
    assert_eq!(
        s3_root2
            .list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .unwrap()
            .key_count(),
        Some(1)
    );
    put_denied(&s3_root2, &bucket, "n", "root2 writes without a grant").await;
    assert_denied(
        s3_root2.get_bucket_policy().bucket(&bucket).send().await,
        "root2 reads the owner's policy",
    );
    // ... its user only once its own account allows it too.
    get_denied(&s3_user2, &bucket, "k", "user2 without an identity policy").await;
    put_user_policy_as(
        &server,
        &root2,
        "visitor",
        "read-partner",
        &policy("Allow", &["s3:GetObject"], &[&format!("{arn}/*")]),
    )
    .await;
    assert_eq!(get(&s3_user2, &bucket, "k").await, b"v");
    assert_denied(
        s3_user2.list_objects_v2().bucket(&bucket).send().await,
        "user2 lists: not in its identity policy",
    );
    // Its ListBuckets still shows only its own account's buckets.
    let names: Vec<String> = s3_root2
        .list_buckets()
        .send()
        .await
        .unwrap()
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_owned))
        .collect();
    assert_eq!(names, [mine]);

    // The first account's root has no power over the second account's IAM users.
    let foreign = iam_root(&server, &[("Action", "GetUser"), ("UserName", "visitor")]).await;
    assert_query_error(&foreign, 404, "NoSuchEntity");
    // Revoking the grant cuts both off.
    root1
        .delete_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    get_denied(&s3_root2, &bucket, "k", "root2 after revocation").await;
    get_denied(&s3_user2, &bucket, "k", "user2 after revocation").await;
}

async fn put_user_policy_as(server: &Server, root: &Keys, user: &str, name: &str, document: &str) {
    let resp = call(
        server,
        "iam",
        root,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", user),
            ("PolicyName", name),
            ("PolicyDocument", document),
        ],
    )
    .await;
    assert_eq!(resp.status, 200, "PutUserPolicy: {}", resp.text());
}

async fn delete_user_policy_as(server: &Server, root: &Keys, user: &str, name: &str) {
    let resp = call(
        server,
        "iam",
        root,
        &[
            ("Action", "DeleteUserPolicy"),
            ("UserName", user),
            ("PolicyName", name),
        ],
    )
    .await;
    assert_eq!(resp.status, 200, "DeleteUserPolicy: {}", resp.text());
}

#[tokio::test]
async fn policy_explain_reports_decisions_and_statements() {
    let server = Server::start();
    let account = account_of(&server, &Keys::root()).await;
    let bucket = create_bucket(&server.client(), "explain").await;
    iam_ok(&server, &[("Action", "CreateUser"), ("UserName", "dan")]).await;
    let doc = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Sid": "ReadAll", "Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*") },
            { "Sid": "NotSecret", "Effect": "Deny", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/secret/*") },
            { "Sid": "PutFromLan", "Effect": "Allow", "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{bucket}/*"),
              "Condition": { "IpAddress": { "aws:SourceIp": "10.0.0.0/8" } } }
        ]
    })
    .to_string();
    put_user_policy(&server, "dan", "dan-policy", &doc).await;
    let principal = format!("arn:aws:iam::{account}:user/dan");
    let explain = |action: &str, key: &str, extra: &[&str]| {
        let resource = format!("arn:aws:s3:::{bucket}/{key}");
        let mut args = vec![
            "policy",
            "explain",
            "--principal",
            &principal,
            "--action",
            action,
            "--resource",
            &resource,
        ];
        args.extend_from_slice(extra);
        server.rampart(&args.iter().map(|s| &**s).collect::<Vec<&str>>())
    };

    let allow = json_ok(&explain("s3:GetObject", "doc", &[]), "explain allow");
    assert_eq!(allow["decision"], "Allow", "{allow}");
    assert_eq!(allow["allowed"], true, "{allow}");
    let matched = allow["matched"].as_array().expect("matched");
    assert!(
        matched
            .iter()
            .any(|m| m["sid"] == "ReadAll" && m["effect"] == "Allow"),
        "{allow}"
    );
    assert!(
        matched
            .iter()
            .any(|m| m["policy"].as_str().unwrap_or("").contains("dan-policy")),
        "{allow}"
    );

    let deny = json_ok(
        &explain("s3:GetObject", "secret/x", &[]),
        "explain explicit deny",
    );
    assert_eq!(deny["decision"], "ExplicitDeny", "{deny}");
    assert_eq!(deny["allowed"], false, "{deny}");
    assert!(
        deny["matched"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["sid"] == "NotSecret" && m["effect"] == "Deny"),
        "{deny}"
    );
    assert!(
        deny["message"].as_str().unwrap().contains("explicit deny"),
        "{deny}"
    );

    let implicit = json_ok(
        &explain("s3:DeleteObject", "doc", &[]),
        "explain implicit deny",
    );
    assert_eq!(implicit["decision"], "ImplicitDeny", "{implicit}");
    assert!(!implicit["missing"].is_null(), "{implicit}");
    assert!(
        implicit["message"]
            .as_str()
            .unwrap()
            .contains("is not authorized to perform: s3:DeleteObject"),
        "{implicit}"
    );

    // Conditions read --context; --exit-code turns a deny into exit status 1.
    let lan = json_ok(
        &explain(
            "s3:PutObject",
            "doc",
            &["--context", "aws:SourceIp=10.1.2.3"],
        ),
        "explain from the LAN",
    );
    assert_eq!(lan["decision"], "Allow", "{lan}");
    let wan = explain(
        "s3:PutObject",
        "doc",
        &["--context", "aws:SourceIp=192.0.2.1", "--exit-code"],
    );
    assert_eq!(wan.status.code(), Some(1), "{wan:?}");
    let wan: Value = serde_json::from_slice(&wan.stdout).expect("JSON even on exit 1");
    assert_eq!(wan["decision"], "ImplicitDeny", "{wan}");
    let ok = explain("s3:GetObject", "doc", &["--exit-code"]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");

    // Only the administrator may ask.
    let dan = iam_ok(
        &server,
        &[("Action", "CreateAccessKey"), ("UserName", "dan")],
    )
    .await;
    let refused = server.rampart_as(
        &dan.element("AccessKeyId").unwrap(),
        &dan.element("SecretAccessKey").unwrap(),
        &[
            "policy",
            "explain",
            "--principal",
            &principal,
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::x/y",
        ],
    );
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("AccessDenied"),
        "{refused:?}"
    );
}
