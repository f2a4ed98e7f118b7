//! STS end to end: GetCallerIdentity, GetSessionToken, AssumeRole (trust policies, the role's
//! permissions, session policies, ExternalId, durations), session tokens on S3/IAM/STS, expiry,
//! and a boto3 scenario covering IAM and STS together.

use std::time::Duration;

use rampart_e2e::{Server, ServerOptions, bucket_name};
use serde_json::Value;

use crate::common::{create_bucket, get, put};
use crate::iam::{
    Keys, account_of, assert_denied, assert_query_error, assert_s3_error, call, get_denied, iam_ok,
    iam_root, json_ok, policy, put_denied, put_user_policy, user_with_key,
};

/// A trust policy letting `principal` (an ARN) assume the role, with optional conditions.
fn trust(principal: &str, condition: Option<Value>) -> String {
    let mut statement = serde_json::json!({
        "Effect": "Allow",
        "Principal": { "AWS": principal },
        "Action": "sts:AssumeRole"
    });
    if let Some(condition) = condition {
        statement["Condition"] = condition;
    }
    serde_json::json!({ "Version": "2012-10-17", "Statement": [statement] }).to_string()
}

async fn create_role(server: &Server, name: &str, trust_policy: &str) -> String {
    let resp = iam_ok(
        server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", trust_policy),
        ],
    )
    .await;
    let arn = resp.element("Arn").expect("role Arn");
    assert!(
        resp.element("RoleId").unwrap().starts_with("AROA"),
        "{}",
        resp.text()
    );
    arn
}

#[tokio::test]
async fn caller_identity_and_session_tokens() {
    let server = Server::start();
    let root = Keys::root();
    let account = account_of(&server, &root).await;
    let me = call(&server, "sts", &root, &[("Action", "GetCallerIdentity")]).await;
    assert_eq!(
        me.element("Arn").as_deref(),
        Some(format!("arn:aws:iam::{account}:root").as_str())
    );
    assert_eq!(me.element("UserId").as_deref(), Some(account.as_str()));
    assert!(
        me.text()
            .contains("https://sts.amazonaws.com/doc/2011-06-15/"),
        "{}",
        me.text()
    );

    // The CLI agrees.
    let cli = json_ok(
        &server.aws(&["sts", "get-caller-identity", "--output", "json"]),
        "aws sts get-caller-identity",
    );
    assert_eq!(cli["Account"], account.as_str(), "{cli}");

    let bucket = create_bucket(&server.client(), "ststoken").await;
    put(&server.client(), &bucket, "k", b"v").await;
    let user = user_with_key(&server, "sam").await;
    put_user_policy(
        &server,
        "sam",
        "read",
        &policy(
            "Allow",
            &["s3:GetObject"],
            &[&format!("arn:aws:s3:::{bucket}/*")],
        ),
    )
    .await;
    let who = call(&server, "sts", &user, &[("Action", "GetCallerIdentity")]).await;
    assert_eq!(
        who.element("Arn").as_deref(),
        Some(format!("arn:aws:iam::{account}:user/sam").as_str())
    );
    assert!(
        who.element("UserId").unwrap().starts_with("AIDA"),
        "{}",
        who.text()
    );

    // GetSessionToken: temporary credentials with the user's own permissions.
    let session = call(
        &server,
        "sts",
        &user,
        &[("Action", "GetSessionToken"), ("DurationSeconds", "900")],
    )
    .await;
    assert_eq!(session.status, 200, "{}", session.text());
    assert!(
        session.element("Expiration").is_some(),
        "{}",
        session.text()
    );
    let temp = Keys::from_session(&session);
    assert!(temp.access.starts_with("ASIA"), "{temp:?}");
    assert_eq!(get(&temp.s3(&server), &bucket, "k").await, b"v");
    put_denied(
        &temp.s3(&server),
        &bucket,
        "n",
        "session of a user who may only read",
    )
    .await;
    let who = call(&server, "sts", &temp, &[("Action", "GetCallerIdentity")]).await;
    assert_eq!(
        who.element("Arn").as_deref(),
        Some(format!("arn:aws:iam::{account}:user/sam").as_str()),
        "{}",
        who.text()
    );
    let short = call(
        &server,
        "sts",
        &user,
        &[("Action", "GetSessionToken"), ("DurationSeconds", "100")],
    )
    .await;
    assert_query_error(&short, 400, "ValidationError");

    // Temporary keys need their token: on S3 a wrong one is InvalidToken and a missing one
    // InvalidAccessKeyId; IAM/STS answer InvalidClientTokenId to both.
    let no_token = Keys {
        token: None,
        ..temp.clone()
    };
    let wrong_token = Keys {
        token: Some(format!("{}x", temp.token.as_deref().unwrap())),
        ..temp.clone()
    };
    // A wrong token: S3 answers 400 InvalidToken ("The provided token is malformed or otherwise
    // invalid"). A missing one: 403 InvalidAccessKeyId, as S3 answers (without its token the
    // ASIA key does not exist).
    let wrong = wrong_token
        .s3(&server)
        .get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await;
    assert_s3_error(
        wrong,
        "InvalidToken",
        400,
        "temporary key with a wrong token",
    );
    let missing = no_token
        .s3(&server)
        .get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await;
    assert_s3_error(
        missing,
        "InvalidAccessKeyId",
        403,
        "temporary key without its token",
    );
    for bad in [&no_token, &wrong_token] {
        let sts = call(&server, "sts", bad, &[("Action", "GetCallerIdentity")]).await;
        assert_query_error(&sts, 403, "InvalidClientTokenId");
        let iam = call(&server, "iam", bad, &[("Action", "GetUser")]).await;
        assert_query_error(&iam, 403, "InvalidClientTokenId");
    }
    // A token on a long-term key is refused too.
    let stray = Keys {
        token: temp.token.clone(),
        ..user.clone()
    };
    let resp = stray
        .s3(&server)
        .get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await;
    assert_s3_error(resp, "InvalidToken", 400, "token with a long-term key");
}

#[tokio::test]
async fn assume_role_permissions_session_policy_and_trust() {
    let server = Server::start();
    let account = account_of(&server, &Keys::root()).await;
    let root_s3 = server.client();
    let bucket = create_bucket(&root_s3, "stsrole").await;
    put(&root_s3, &bucket, "a/x", b"ax").await;
    put(&root_s3, &bucket, "b/x", b"bx").await;
    let alice = user_with_key(&server, "alice").await;
    let bob = user_with_key(&server, "bob").await;

    let role_arn = create_role(
        &server,
        "reader",
        &trust(&format!("arn:aws:iam::{account}:user/alice"), None),
    )
    .await;
    assert_eq!(role_arn, format!("arn:aws:iam::{account}:role/reader"));
    let dup = iam_root(
        &server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "reader"),
            ("AssumeRolePolicyDocument", &trust("*", None)),
        ],
    )
    .await;
    assert_query_error(&dup, 409, "EntityAlreadyExists");
    let bad_trust = iam_root(
        &server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "broken"),
            (
                "AssumeRolePolicyDocument",
                &policy("Allow", &["sts:AssumeRole"], &["*"]),
            ),
        ],
    )
    .await;
    assert_query_error(&bad_trust, 400, "MalformedPolicyDocument");
    iam_ok(
        &server,
        &[
            ("Action", "PutRolePolicy"),
            ("RoleName", "reader"),
            ("PolicyName", "read"),
            (
                "PolicyDocument",
                &policy(
                    "Allow",
                    &["s3:GetObject", "s3:ListBucket"],
                    &[
                        &format!("arn:aws:s3:::{bucket}"),
                        &format!("arn:aws:s3:::{bucket}/*"),
                    ],
                ),
            ),
        ],
    )
    .await;
    let got = iam_ok(&server, &[("Action", "GetRole"), ("RoleName", "reader")]).await;
    assert_eq!(got.element("Arn").as_deref(), Some(role_arn.as_str()));
    assert_eq!(
        got.element("MaxSessionDuration").as_deref(),
        Some("3600"),
        "{}",
        got.text()
    );

    // The user named by the trust policy needs no identity policy of its own.
    let assumed = call(
        &server,
        "sts",
        &alice,
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", &role_arn),
            ("RoleSessionName", "sess1"),
        ],
    )
    .await;
    assert_eq!(assumed.status, 200, "{}", assumed.text());
    let session_arn = format!("arn:aws:sts::{account}:assumed-role/reader/sess1");
    assert_eq!(
        assumed.element("Arn").as_deref(),
        Some(session_arn.as_str()),
        "{}",
        assumed.text()
    );
    let role_id = assumed.element("AssumedRoleId").unwrap();
    assert!(
        role_id.starts_with("AROA") && role_id.ends_with(":sess1"),
        "{role_id}"
    );
    let session = Keys::from_session(&assumed);
    assert!(session.access.starts_with("ASIA"), "{session:?}");
    let who = call(&server, "sts", &session, &[("Action", "GetCallerIdentity")]).await;
    assert_eq!(
        who.element("Arn").as_deref(),
        Some(session_arn.as_str()),
        "{}",
        who.text()
    );
    assert_eq!(
        who.element("UserId").as_deref(),
        Some(role_id.as_str()),
        "{}",
        who.text()
    );
    assert_eq!(who.element("Account").as_deref(), Some(account.as_str()));

    // The session has the role's permissions, not alice's (she has none).
    let s3 = session.s3(&server);
    assert_eq!(get(&s3, &bucket, "a/x").await, b"ax");
    assert_eq!(
        s3.list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .unwrap()
            .key_count(),
        Some(2)
    );
    let message = put_denied(&s3, &bucket, "a/new", "the role may not write").await;
    assert!(
        message.contains(&format!(
            "{session_arn} is not authorized to perform: s3:PutObject"
        )),
        "{message}"
    );
    get_denied(&alice.s3(&server), &bucket, "a/x", "alice herself").await;

    // A session policy narrows the session to the intersection.
    let narrow = policy(
        "Allow",
        &["s3:GetObject", "s3:PutObject"],
        &[&format!("arn:aws:s3:::{bucket}/a/*")],
    );
    let narrowed = call(
        &server,
        "sts",
        &alice,
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", &role_arn),
            ("RoleSessionName", "narrow"),
            ("Policy", &narrow),
        ],
    )
    .await;
    assert_eq!(narrowed.status, 200, "{}", narrowed.text());
    let s3 = Keys::from_session(&narrowed).s3(&server);
    assert_eq!(get(&s3, &bucket, "a/x").await, b"ax");
    get_denied(&s3, &bucket, "b/x", "outside the session policy").await;
    assert_denied(
        s3.list_objects_v2().bucket(&bucket).send().await,
        "ListBucket not in the session policy",
    );
    put_denied(
        &s3,
        &bucket,
        "a/new",
        "PutObject is in the session policy but not the role's",
    )
    .await;
    let malformed = call(
        &server,
        "sts",
        &alice,
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", &role_arn),
            ("RoleSessionName", "bad"),
            ("Policy", "{nope"),
        ],
    )
    .await;
    assert_query_error(&malformed, 400, "MalformedPolicyDocument");

    // Someone the trust policy does not name is refused, as is a role that does not exist.
    let refused = call(
        &server,
        "sts",
        &bob,
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", &role_arn),
            ("RoleSessionName", "bob"),
        ],
    )
    .await;
    assert_query_error(&refused, 403, "AccessDenied");
    assert!(
        refused.text().contains(&format!(
            "arn:aws:iam::{account}:user/bob is not authorized to perform: sts:AssumeRole"
        )),
        "{}",
        refused.text()
    );
    let no_role = call(
        &server,
        "sts",
        &alice,
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", &format!("arn:aws:iam::{account}:role/none")),
            ("RoleSessionName", "sess"),
        ],
    )
    .await;
    assert_query_error(&no_role, 403, "AccessDenied");

    // Durations: 900 s at least, the role's maximum at most.
    for (duration, ok) in [
        ("899", false),
        ("900", true),
        ("3600", true),
        ("3601", false),
    ] {
        let resp = call(
            &server,
            "sts",
            &alice,
            &[
                ("Action", "AssumeRole"),
                ("RoleArn", &role_arn),
                ("RoleSessionName", "dur"),
                ("DurationSeconds", duration),
            ],
        )
        .await;
        if ok {
            assert_eq!(resp.status, 200, "{duration}: {}", resp.text());
        } else {
            assert_query_error(&resp, 400, "ValidationError");
        }
    }

    // Through the CLI as alice.
    let cli = json_ok(
        &server.aws_as(
            &alice.access,
            &alice.secret,
            None,
            &[
                "sts",
                "assume-role",
                "--role-arn",
                &role_arn,
                "--role-session-name",
                "cli",
                "--output",
                "json",
            ],
        ),
        "aws sts assume-role",
    );
    assert_eq!(
        cli["AssumedRoleUser"]["Arn"],
        format!("arn:aws:sts::{account}:assumed-role/reader/cli"),
        "{cli}"
    );
    let c = &cli["Credentials"];
    let listed = server.aws_as(
        c["AccessKeyId"].as_str().unwrap(),
        c["SecretAccessKey"].as_str().unwrap(),
        c["SessionToken"].as_str(),
        &[
            "s3api",
            "list-objects-v2",
            "--bucket",
            &bucket,
            "--output",
            "json",
        ],
    );
    let listed = json_ok(&listed, "aws s3api list-objects-v2 with the role session");
    assert_eq!(
        listed["Contents"].as_array().map(Vec::len),
        Some(2),
        "{listed}"
    );

    // Deleting the role: refused while it has policies; then gone.
    let conflict = iam_root(&server, &[("Action", "DeleteRole"), ("RoleName", "reader")]).await;
    assert_query_error(&conflict, 409, "DeleteConflict");
    iam_ok(
        &server,
        &[
            ("Action", "DeleteRolePolicy"),
            ("RoleName", "reader"),
            ("PolicyName", "read"),
        ],
    )
    .await;
    iam_ok(&server, &[("Action", "DeleteRole"), ("RoleName", "reader")]).await;
    let gone = iam_root(&server, &[("Action", "GetRole"), ("RoleName", "reader")]).await;
    assert_query_error(&gone, 404, "NoSuchEntity");
}

#[tokio::test]
async fn account_trust_needs_identity_policy_and_external_id() {
    let server = Server::start();
    let account = account_of(&server, &Keys::root()).await;
    let bucket = create_bucket(&server.client(), "stsext").await;
    put(&server.client(), &bucket, "k", b"v").await;
    let carol = user_with_key(&server, "carol").await;

    let condition = serde_json::json!({ "StringEquals": { "sts:ExternalId": "ext-123" } });
    let role_arn = create_role(
        &server,
        "partner",
        &trust(&format!("arn:aws:iam::{account}:root"), Some(condition)),
    )
    .await;
    let managed = iam_ok(
        &server,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "ReadBucket"),
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
    let managed_arn = managed.element("Arn").unwrap();
    iam_ok(
        &server,
        &[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "partner"),
            ("PolicyArn", &managed_arn),
        ],
    )
    .await;
    let attached = iam_ok(
        &server,
        &[
            ("Action", "ListAttachedRolePolicies"),
            ("RoleName", "partner"),
        ],
    )
    .await;
    assert!(
        attached.text().contains(&managed_arn),
        "{}",
        attached.text()
    );

    let assume = |external: Option<&'static str>| {
        let role_arn = role_arn.clone();
        let server = &server;
        let carol = carol.clone();
        async move {
            let mut params = vec![
                ("Action", "AssumeRole"),
                ("RoleArn", role_arn.as_str()),
                ("RoleSessionName", "partner"),
            ];
            if let Some(id) = external {
                params.push(("ExternalId", id));
            }
            call(server, "sts", &carol, &params).await
        }
    };
    // The trust policy names the account: carol also needs an identity policy allowing it.
    assert_query_error(&assume(Some("ext-123")).await, 403, "AccessDenied");
    put_user_policy(
        &server,
        "carol",
        "assume",
        &policy("Allow", &["sts:AssumeRole"], &[&role_arn]),
    )
    .await;
    let ok = assume(Some("ext-123")).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    // The attached managed policy gives the session its permissions.
    let s3 = Keys::from_session(&ok).s3(&server);
    assert_eq!(get(&s3, &bucket, "k").await, b"v");
    assert_denied(
        s3.list_objects_v2().bucket(&bucket).send().await,
        "not in the role's policy",
    );
    // The ExternalId condition.
    assert_query_error(&assume(Some("ext-999")).await, 403, "AccessDenied");
    assert_query_error(&assume(None).await, 403, "AccessDenied");

    // UpdateAssumeRolePolicy: without the condition, no ExternalId is needed.
    iam_ok(
        &server,
        &[
            ("Action", "UpdateAssumeRolePolicy"),
            ("RoleName", "partner"),
            (
                "PolicyDocument",
                &trust(&format!("arn:aws:iam::{account}:root"), None),
            ),
        ],
    )
    .await;
    let ok = assume(None).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let bad = iam_root(
        &server,
        &[
            ("Action", "UpdateAssumeRolePolicy"),
            ("RoleName", "partner"),
            ("PolicyDocument", "{"),
        ],
    )
    .await;
    assert_query_error(&bad, 400, "MalformedPolicyDocument");

    // The role's own session cannot manage IAM (no iam:* in its policies).
    let denied = call(
        &server,
        "iam",
        &Keys::from_session(&ok),
        &[("Action", "ListUsers")],
    )
    .await;
    assert_query_error(&denied, 403, "AccessDenied");
}

#[tokio::test]
async fn expired_sessions_are_refused() {
    let server = Server::start_with(ServerOptions {
        env: vec![("RAMPART_STS_MIN_DURATION_SECS".into(), "2".into())],
        ..Default::default()
    });
    let account = account_of(&server, &Keys::root()).await;
    let bucket = create_bucket(&server.client(), "stsexp").await;
    put(&server.client(), &bucket, "k", b"v").await;
    let user = user_with_key(&server, "eve").await;
    put_user_policy(
        &server,
        "eve",
        "read",
        &policy(
            "Allow",
            &["s3:GetObject"],
            &[&format!("arn:aws:s3:::{bucket}/*")],
        ),
    )
    .await;
    let role_arn = create_role(
        &server,
        "short",
        &trust(&format!("arn:aws:iam::{account}:user/eve"), None),
    )
    .await;
    iam_ok(
        &server,
        &[
            ("Action", "PutRolePolicy"),
            ("RoleName", "short"),
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

    let assumed = call(
        &server,
        "sts",
        &user,
        &[
            ("Action", "AssumeRole"),
            ("RoleArn", &role_arn),
            ("RoleSessionName", "brief"),
            ("DurationSeconds", "2"),
        ],
    )
    .await;
    assert_eq!(
        assumed.status,
        200,
        "AssumeRole with DurationSeconds=2 (is RAMPART_STS_MIN_DURATION_SECS honoured?): {}",
        assumed.text()
    );
    let role_session = Keys::from_session(&assumed);
    let token = call(
        &server,
        "sts",
        &user,
        &[("Action", "GetSessionToken"), ("DurationSeconds", "2")],
    )
    .await;
    assert_eq!(
        token.status,
        200,
        "GetSessionToken with DurationSeconds=2: {}",
        token.text()
    );
    let user_session = Keys::from_session(&token);

    for session in [&role_session, &user_session] {
        assert_eq!(get(&session.s3(&server), &bucket, "k").await, b"v");
        let who = call(&server, "sts", session, &[("Action", "GetCallerIdentity")]).await;
        assert_eq!(who.status, 200, "{}", who.text());
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    for session in [&role_session, &user_session] {
        assert_s3_error(
            session
                .s3(&server)
                .get_object()
                .bucket(&bucket)
                .key("k")
                .send()
                .await,
            "ExpiredToken",
            400,
            "expired session on S3",
        );
        // IAM and STS answer 403 ExpiredToken ("The security token included in the request is
        // expired"), as AWS does for both.
        let iam = call(&server, "iam", session, &[("Action", "GetUser")]).await;
        assert_query_error(&iam, 403, "ExpiredToken");
        let who = call(&server, "sts", session, &[("Action", "GetCallerIdentity")]).await;
        assert_query_error(&who, 403, "ExpiredToken");
    }
}

#[tokio::test]
async fn boto3_iam_sts_scenario() {
    let server = Server::start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/iam_sts.py");
    let bucket = bucket_name("boto-iam");
    let output = server.python(&[script, &server.endpoint, &bucket]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "tests/scripts/iam_sts.py failed ({}):\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("iam_sts: ok"), "{stdout}");
    // The script cleaned up after itself: no users, no bucket.
    let users = iam_ok(&server, &[("Action", "ListUsers")]).await;
    assert!(!users.text().contains("<UserName>"), "{}", users.text());
    let e = server
        .client()
        .head_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 404);
}
