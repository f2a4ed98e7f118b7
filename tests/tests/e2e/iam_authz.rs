//! What IAM policies let an IAM user do in S3: nothing without a policy; exactly what inline,
//! group and managed policies (and their default versions) say; explicit denies; policy
//! variables and conditions.

use rampart_e2e::Server;
use serde_json::Value;

use crate::common::{create_bucket, get, put};
use crate::iam::{
    Keys, account_of, assert_denied, assert_query_error, assert_s3_error, aws_iam, elements,
    get_denied, iam_ok, iam_root, json_ok, policy, put_denied, put_user_policy, s3_error,
    user_with_key,
};

#[tokio::test]
async fn user_without_policy_is_denied_and_inline_policy_allows_exactly_what_it_says() {
    let server = Server::start();
    let root = server.client();
    let account = account_of(&server, &Keys::root()).await;
    let bucket = create_bucket(&root, "iamexact").await;
    put(&root, &bucket, "public/x", b"public").await;
    put(&root, &bucket, "public/secret.txt", b"hidden").await;
    put(&root, &bucket, "private/x", b"private").await;

    let alice = user_with_key(&server, "alice").await;
    let s3 = alice.s3(&server);
    let message = assert_denied(
        s3.list_objects_v2().bucket(&bucket).send().await,
        "list without a policy",
    );
    assert!(
        message.contains(&format!(
            "User: arn:aws:iam::{account}:user/alice is not authorized to perform: s3:ListBucket on resource: \"arn:aws:s3:::{bucket}\""
        )),
        "{message}"
    );
    assert!(
        message.contains("because no identity-based policy allows the s3:ListBucket action"),
        "{message}"
    );
    let message = get_denied(&s3, &bucket, "public/x", "get without a policy").await;
    assert!(
        message.contains("is not authorized to perform: s3:GetObject"),
        "{message}"
    );
    assert_denied(
        s3.list_buckets().send().await,
        "ListBuckets without a policy",
    );
    put_denied(&s3, &bucket, "new", "put without a policy").await;
    assert_denied(
        s3.delete_object()
            .bucket(&bucket)
            .key("public/x")
            .send()
            .await,
        "delete without a policy",
    );
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("public/x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(s3_error(&head).1, 403, "{head:?}");

    // s3:GetObject on public/* only.
    let read_public = policy(
        "Allow",
        &["s3:GetObject"],
        &[&format!("arn:aws:s3:::{bucket}/public/*")],
    );
    put_user_policy(&server, "alice", "read-public", &read_public).await;
    assert_eq!(get(&s3, &bucket, "public/x").await, b"public");
    s3.head_object()
        .bucket(&bucket)
        .key("public/x")
        .send()
        .await
        .expect("HeadObject is s3:GetObject");
    get_denied(&s3, &bucket, "private/x", "get private/x").await;
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("private/x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(s3_error(&head).1, 403, "{head:?}");
    assert_denied(
        s3.list_objects_v2().bucket(&bucket).send().await,
        "list with GetObject only",
    );
    put_denied(&s3, &bucket, "public/new", "put with GetObject only").await;
    // A missing key without s3:ListBucket is 403 (no existence oracle) ...
    get_denied(
        &s3,
        &bucket,
        "public/missing",
        "get missing without ListBucket",
    )
    .await;

    // ... and with it, 404 NoSuchKey.
    let with_list = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            { "Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/public/*") },
            { "Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": format!("arn:aws:s3:::{bucket}") },
            { "Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/public/secret*") }
        ]
    })
    .to_string();
    put_user_policy(&server, "alice", "read-public", &with_list).await;
    assert_s3_error(
        s3.get_object()
            .bucket(&bucket)
            .key("public/missing")
            .send()
            .await,
        "NoSuchKey",
        404,
        "get missing with ListBucket",
    );
    let listed = s3
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .expect("list with ListBucket");
    assert_eq!(listed.key_count(), Some(3));
    // An explicit Deny beats the Allow.
    let message = get_denied(&s3, &bucket, "public/secret.txt", "explicit deny").await;
    assert!(
        message.contains("with an explicit deny in an identity-based policy"),
        "{message}"
    );
    assert_eq!(get(&s3, &bucket, "public/x").await, b"public");
    // The root is unaffected by its users' policies.
    assert_eq!(get(&root, &bucket, "public/secret.txt").await, b"hidden");

    // Removing the policy takes effect on the next request.
    iam_ok(
        &server,
        &[
            ("Action", "DeleteUserPolicy"),
            ("UserName", "alice"),
            ("PolicyName", "read-public"),
        ],
    )
    .await;
    get_denied(&s3, &bucket, "public/x", "get after DeleteUserPolicy").await;
}

#[tokio::test]
async fn group_policies_apply_to_members_only() {
    let server = Server::start();
    let root = server.client();
    let bucket = create_bucket(&root, "iamgroup").await;
    put(&root, &bucket, "doc", b"shared").await;
    let member = user_with_key(&server, "member").await;
    let outsider = user_with_key(&server, "outsider").await;

    iam_ok(
        &server,
        &[("Action", "CreateGroup"), ("GroupName", "readers")],
    )
    .await;
    iam_ok(
        &server,
        &[
            ("Action", "PutGroupPolicy"),
            ("GroupName", "readers"),
            ("PolicyName", "read"),
            (
                "PolicyDocument",
                &policy(
                    "Allow",
                    &["s3:GetObject"],
                    &[&format!("arn:aws:s3:::{bucket}/*")],
                ),
            ),
        ],
    )
    .await;
    get_denied(&member.s3(&server), &bucket, "doc", "before joining").await;
    iam_ok(
        &server,
        &[
            ("Action", "AddUserToGroup"),
            ("GroupName", "readers"),
            ("UserName", "member"),
        ],
    )
    .await;
    assert_eq!(get(&member.s3(&server), &bucket, "doc").await, b"shared");
    get_denied(&outsider.s3(&server), &bucket, "doc", "not a member").await;

    // A group's managed policy applies too.
    let created = iam_ok(
        &server,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "writers"),
            (
                "PolicyDocument",
                &policy(
                    "Allow",
                    &["s3:PutObject"],
                    &[&format!("arn:aws:s3:::{bucket}/up/*")],
                ),
            ),
        ],
    )
    .await;
    let arn = created.element("Arn").expect("policy Arn");
    iam_ok(
        &server,
        &[
            ("Action", "AttachGroupPolicy"),
            ("GroupName", "readers"),
            ("PolicyArn", &arn),
        ],
    )
    .await;
    let attached = iam_ok(
        &server,
        &[
            ("Action", "ListAttachedGroupPolicies"),
            ("GroupName", "readers"),
        ],
    )
    .await;
    assert!(attached.text().contains(&arn), "{}", attached.text());
    member
        .s3(&server)
        .put_object()
        .bucket(&bucket)
        .key("up/file")
        .body(b"x".to_vec().into())
        .send()
        .await
        .expect("put through the group's managed policy");

    iam_ok(
        &server,
        &[
            ("Action", "RemoveUserFromGroup"),
            ("GroupName", "readers"),
            ("UserName", "member"),
        ],
    )
    .await;
    get_denied(&member.s3(&server), &bucket, "doc", "after leaving").await;
    put_denied(
        &member.s3(&server),
        &bucket,
        "up/file2",
        "put after leaving",
    )
    .await;
}

#[tokio::test]
async fn managed_policy_versions_decide_and_are_limited_to_five() {
    let server = Server::start();
    let root = server.client();
    let account = account_of(&server, &Keys::root()).await;
    let bucket = create_bucket(&root, "iamversions").await;
    put(&root, &bucket, "a/x", b"a").await;
    put(&root, &bucket, "b/x", b"b").await;
    let user = user_with_key(&server, "reader").await;
    let s3 = user.s3(&server);

    let v1 = policy(
        "Allow",
        &["s3:GetObject"],
        &[&format!("arn:aws:s3:::{bucket}/a/*")],
    );
    let created = json_ok(
        &aws_iam(
            &server,
            &[
                "create-policy",
                "--policy-name",
                "ReadSome",
                "--policy-document",
                &v1,
                "--description",
                "reads",
            ],
        ),
        "create-policy",
    );
    let arn = created["Policy"]["Arn"].as_str().unwrap().to_owned();
    assert_eq!(arn, format!("arn:aws:iam::{account}:policy/ReadSome"));
    assert_eq!(created["Policy"]["DefaultVersionId"], "v1", "{created}");
    assert!(
        created["Policy"]["PolicyId"]
            .as_str()
            .unwrap()
            .starts_with("ANPA"),
        "{created}"
    );
    let create = |name: &'static str, document: String| {
        let server = &server;
        async move {
            iam_root(
                server,
                &[
                    ("Action", "CreatePolicy"),
                    ("PolicyName", name),
                    ("PolicyDocument", &document),
                ],
            )
            .await
        }
    };
    assert_query_error(
        &create("ReadSome", v1.clone()).await,
        409,
        "EntityAlreadyExists",
    );
    // No Resource: IAM refuses it ("Policy statement must contain resources.").
    let no_resource =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}"#;
    assert_query_error(
        &create("Bad", no_resource.to_owned()).await,
        400,
        "MalformedPolicyDocument",
    );

    get_denied(&s3, &bucket, "a/x", "before attaching").await;
    iam_ok(
        &server,
        &[
            ("Action", "AttachUserPolicy"),
            ("UserName", "reader"),
            ("PolicyArn", &arn),
        ],
    )
    .await;
    let attached = iam_ok(
        &server,
        &[
            ("Action", "ListAttachedUserPolicies"),
            ("UserName", "reader"),
        ],
    )
    .await;
    assert_eq!(
        elements(&attached, "PolicyArn"),
        std::slice::from_ref(&arn),
        "{}",
        attached.text()
    );
    assert_eq!(
        elements(&attached, "PolicyName"),
        ["ReadSome"],
        "{}",
        attached.text()
    );
    let nope = format!("arn:aws:iam::{account}:policy/Nope");
    let missing = iam_root(
        &server,
        &[
            ("Action", "AttachUserPolicy"),
            ("UserName", "reader"),
            ("PolicyArn", &nope),
        ],
    )
    .await;
    assert_query_error(&missing, 404, "NoSuchEntity");
    assert_eq!(get(&s3, &bucket, "a/x").await, b"a");
    get_denied(&s3, &bucket, "b/x", "v1 does not cover b/").await;

    // A new default version changes the outcome at once.
    let v2 = policy(
        "Allow",
        &["s3:GetObject"],
        &[&format!("arn:aws:s3:::{bucket}/b/*")],
    );
    let version = json_ok(
        &aws_iam(
            &server,
            &[
                "create-policy-version",
                "--policy-arn",
                &arn,
                "--policy-document",
                &v2,
                "--set-as-default",
            ],
        ),
        "create-policy-version",
    );
    assert_eq!(version["PolicyVersion"]["VersionId"], "v2", "{version}");
    assert_eq!(
        version["PolicyVersion"]["IsDefaultVersion"], true,
        "{version}"
    );
    assert_eq!(get(&s3, &bucket, "b/x").await, b"b");
    get_denied(&s3, &bucket, "a/x", "v2 no longer covers a/").await;
    let got = iam_ok(&server, &[("Action", "GetPolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(
        got.element("DefaultVersionId").as_deref(),
        Some("v2"),
        "{}",
        got.text()
    );
    assert_eq!(
        got.element("AttachmentCount").as_deref(),
        Some("1"),
        "{}",
        got.text()
    );
    let old = json_ok(
        &aws_iam(
            &server,
            &[
                "get-policy-version",
                "--policy-arn",
                &arn,
                "--version-id",
                "v1",
            ],
        ),
        "get-policy-version",
    );
    assert_eq!(old["PolicyVersion"]["IsDefaultVersion"], false, "{old}");
    assert_eq!(
        old["PolicyVersion"]["Document"],
        serde_json::from_str::<Value>(&v1).unwrap(),
        "{old}"
    );
    let local = iam_ok(&server, &[("Action", "ListPolicies"), ("Scope", "Local")]).await;
    assert_eq!(
        elements(&local, "PolicyName"),
        ["ReadSome"],
        "{}",
        local.text()
    );

    // A version that is not the default does not apply; five versions at most.
    for n in 3..=5 {
        let resp = iam_ok(
            &server,
            &[
                ("Action", "CreatePolicyVersion"),
                ("PolicyArn", &arn),
                ("PolicyDocument", &v1),
            ],
        )
        .await;
        assert_eq!(
            resp.element("VersionId"),
            Some(format!("v{n}")),
            "{}",
            resp.text()
        );
    }
    assert_eq!(get(&s3, &bucket, "b/x").await, b"b");
    get_denied(&s3, &bucket, "a/x", "v3..v5 are not the default").await;
    let sixth = iam_root(
        &server,
        &[
            ("Action", "CreatePolicyVersion"),
            ("PolicyArn", &arn),
            ("PolicyDocument", &v1),
        ],
    )
    .await;
    assert_query_error(&sixth, 409, "LimitExceeded");
    // SetDefaultPolicyVersion back to v1.
    iam_ok(
        &server,
        &[
            ("Action", "SetDefaultPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v1"),
        ],
    )
    .await;
    assert_eq!(get(&s3, &bucket, "a/x").await, b"a");
    get_denied(&s3, &bucket, "b/x", "v1 is the default again").await;

    // Deleting an attached policy is refused; detached, it no longer applies.
    let conflict = iam_root(&server, &[("Action", "DeletePolicy"), ("PolicyArn", &arn)]).await;
    assert_query_error(&conflict, 409, "DeleteConflict");
    iam_ok(
        &server,
        &[
            ("Action", "DetachUserPolicy"),
            ("UserName", "reader"),
            ("PolicyArn", &arn),
        ],
    )
    .await;
    get_denied(&s3, &bucket, "a/x", "after detaching").await;
    let attached = iam_ok(
        &server,
        &[
            ("Action", "ListAttachedUserPolicies"),
            ("UserName", "reader"),
        ],
    )
    .await;
    assert!(
        elements(&attached, "PolicyArn").is_empty(),
        "{}",
        attached.text()
    );
}

#[tokio::test]
async fn policy_variables_source_ip_and_prefix_conditions() {
    let server = Server::start();
    let root = server.client();
    let bucket = create_bucket(&root, "iamcond").await;
    for key in ["home/alice/a", "home/bob/b", "public/p", "private/q"] {
        put(&root, &bucket, key, key.as_bytes()).await;
    }
    let alice = user_with_key(&server, "alice").await;
    let bob = user_with_key(&server, "bob").await;

    // ${aws:username}: one managed policy gives each user their own prefix.
    let home = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::BUCKET/home/${aws:username}/*"}]}"#
        .replace("BUCKET", &bucket);
    let created = iam_ok(
        &server,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "Home"),
            ("PolicyDocument", &home),
        ],
    )
    .await;
    let arn = created.element("Arn").unwrap();
    for user in ["alice", "bob"] {
        iam_ok(
            &server,
            &[
                ("Action", "AttachUserPolicy"),
                ("UserName", user),
                ("PolicyArn", &arn),
            ],
        )
        .await;
    }
    assert_eq!(
        get(&alice.s3(&server), &bucket, "home/alice/a").await,
        b"home/alice/a"
    );
    assert_eq!(
        get(&bob.s3(&server), &bucket, "home/bob/b").await,
        b"home/bob/b"
    );
    get_denied(
        &alice.s3(&server),
        &bucket,
        "home/bob/b",
        "alice in bob's home",
    )
    .await;
    get_denied(
        &bob.s3(&server),
        &bucket,
        "home/alice/a",
        "bob in alice's home",
    )
    .await;
    alice
        .s3(&server)
        .put_object()
        .bucket(&bucket)
        .key("home/alice/new")
        .body(b"n".to_vec().into())
        .send()
        .await
        .expect("alice writes her home");
    assert_denied(
        alice
            .s3(&server)
            .put_object()
            .bucket(&bucket)
            .key("home/bob/new")
            .body(b"n".to_vec().into())
            .send()
            .await,
        "alice writes bob's home",
    );

    // aws:SourceIp: the tests connect from 127.0.0.1.
    let ip_policy = |cidr: &str| {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow", "Action": "s3:GetObject",
                "Resource": format!("arn:aws:s3:::{bucket}/public/*"),
                "Condition": { "IpAddress": { "aws:SourceIp": cidr } }
            }]
        })
        .to_string()
    };
    put_user_policy(&server, "bob", "ip", &ip_policy("127.0.0.1/32")).await;
    assert_eq!(
        get(&bob.s3(&server), &bucket, "public/p").await,
        b"public/p"
    );
    put_user_policy(&server, "bob", "ip", &ip_policy("10.0.0.0/8")).await;
    get_denied(
        &bob.s3(&server),
        &bucket,
        "public/p",
        "from outside 10.0.0.0/8",
    )
    .await;

    // s3:prefix limits ListObjectsV2.
    let list_policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Action": "s3:ListBucket",
            "Resource": format!("arn:aws:s3:::{bucket}"),
            "Condition": { "StringLike": { "s3:prefix": ["public/*", "home/${aws:username}/*"] } }
        }]
    })
    .to_string();
    put_user_policy(&server, "alice", "list", &list_policy).await;
    let s3 = alice.s3(&server);
    let public = s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("public/")
        .send()
        .await
        .expect("list public/");
    let keys: Vec<&str> = public.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["public/p"]);
    let mine = s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("home/alice/")
        .send()
        .await
        .expect("list home/alice/");
    assert_eq!(mine.key_count(), Some(2));
    assert_denied(
        s3.list_objects_v2().bucket(&bucket).send().await,
        "list without a prefix",
    );
    assert_denied(
        s3.list_objects_v2()
            .bucket(&bucket)
            .prefix("private/")
            .send()
            .await,
        "list private/",
    );
    assert_denied(
        s3.list_objects_v2()
            .bucket(&bucket)
            .prefix("home/bob/")
            .send()
            .await,
        "list bob's home",
    );
}
