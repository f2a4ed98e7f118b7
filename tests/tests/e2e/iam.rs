//! IAM end to end: users, access keys, groups and inline policies through the `aws` CLI and raw
//! Query requests (which show the HTTP status); deleted and deactivated access keys. The helpers
//! at the top are shared with `iam_authz.rs`, `sts.rs` and `bucket_policy.rs`.

use std::process::Output;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use rampart_e2e::raw::RawResponse;
use rampart_e2e::{ACCESS_KEY, SECRET_KEY, Server};
use serde_json::Value;

use crate::common::{create_bucket, get, put};

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// A set of credentials: a long-term key (token `None`) or an STS session.
#[derive(Clone, Debug)]
pub struct Keys {
    pub access: String,
    pub secret: String,
    pub token: Option<String>,
}

impl Keys {
    pub fn root() -> Self {
        Self {
            access: ACCESS_KEY.to_owned(),
            secret: SECRET_KEY.to_owned(),
            token: None,
        }
    }

    pub fn triple(&self) -> (&str, &str, Option<&str>) {
        (&self.access, &self.secret, self.token.as_deref())
    }

    pub fn s3(&self, server: &Server) -> aws_sdk_s3::Client {
        match &self.token {
            Some(token) => server.client_with_token(&self.access, &self.secret, token),
            None => server.client_with(&self.access, &self.secret, |b| b),
        }
    }

    /// The credentials in a session answer (`<Credentials>` of AssumeRole/GetSessionToken).
    pub fn from_session(resp: &RawResponse) -> Self {
        Self {
            access: resp.element("AccessKeyId").expect("AccessKeyId"),
            secret: resp.element("SecretAccessKey").expect("SecretAccessKey"),
            token: Some(resp.element("SessionToken").expect("SessionToken")),
        }
    }
}

/// A Query-protocol call to IAM or STS with these credentials.
pub async fn call(
    server: &Server,
    service: &str,
    keys: &Keys,
    params: &[(&str, &str)],
) -> RawResponse {
    server.query_api(service, keys.triple(), params).await
}

/// An IAM call as the first account's root that must succeed.
pub async fn iam_ok(server: &Server, params: &[(&str, &str)]) -> RawResponse {
    let resp = call(server, "iam", &Keys::root(), params).await;
    assert_eq!(resp.status, 200, "IAM {params:?}: {}", resp.text());
    resp
}

/// Asserts an IAM/STS error document: status, `<Code>`, and the `<ErrorResponse>` shape.
#[track_caller]
pub fn assert_query_error(resp: &RawResponse, status: u16, code: &str) {
    let text = resp.text();
    assert_eq!(
        (resp.status, resp.error_code().as_deref()),
        (status, Some(code)),
        "unexpected answer: {text}"
    );
    assert!(
        text.contains("<ErrorResponse") && resp.element("Message").is_some(),
        "not an IAM/STS error document: {text}"
    );
}

/// Creates an IAM user (as the first account's root) with one access key.
pub async fn user_with_key(server: &Server, name: &str) -> Keys {
    user_with_key_as(server, &Keys::root(), name).await
}

/// Creates an IAM user with one access key, as the given account root.
pub async fn user_with_key_as(server: &Server, root: &Keys, name: &str) -> Keys {
    let created = call(
        server,
        "iam",
        root,
        &[("Action", "CreateUser"), ("UserName", name)],
    )
    .await;
    assert_eq!(created.status, 200, "CreateUser {name}: {}", created.text());
    let key = call(
        server,
        "iam",
        root,
        &[("Action", "CreateAccessKey"), ("UserName", name)],
    )
    .await;
    assert_eq!(key.status, 200, "CreateAccessKey {name}: {}", key.text());
    Keys {
        access: key.element("AccessKeyId").expect("AccessKeyId"),
        secret: key.element("SecretAccessKey").expect("SecretAccessKey"),
        token: None,
    }
}

/// PutUserPolicy as the first account's root.
pub async fn put_user_policy(server: &Server, user: &str, name: &str, document: &str) {
    iam_ok(
        server,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", user),
            ("PolicyName", name),
            ("PolicyDocument", document),
        ],
    )
    .await;
}

/// The account id of these credentials (STS GetCallerIdentity).
pub async fn account_of(server: &Server, keys: &Keys) -> String {
    let resp = call(server, "sts", keys, &[("Action", "GetCallerIdentity")]).await;
    assert_eq!(resp.status, 200, "GetCallerIdentity: {}", resp.text());
    let account = resp.element("Account").expect("Account");
    assert!(
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
        "{account}"
    );
    account
}

/// An identity policy document with one statement.
pub fn policy(effect: &str, actions: &[&str], resources: &[&str]) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": effect, "Action": actions, "Resource": resources }]
    })
    .to_string()
}

/// S3 error code, HTTP status and message of a failed SDK call.
pub fn s3_error<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> (String, u16, String) {
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    let meta = err.as_service_error();
    (
        meta.and_then(|e| e.code()).unwrap_or_default().to_owned(),
        status,
        meta.and_then(|e| e.message())
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Asserts an S3 AccessDenied (403) and returns its message.
#[track_caller]
pub fn assert_denied<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E, HttpResponse>>,
    what: &str,
) -> String {
    match result {
        Ok(v) => panic!("{what}: expected AccessDenied (403), got success: {v:?}"),
        Err(e) => {
            let (code, status, message) = s3_error(&e);
            assert_eq!(
                (code.as_str(), status),
                ("AccessDenied", 403),
                "{what}: {e:?}"
            );
            message
        }
    }
}

/// Asserts an S3 error with this code and status.
#[track_caller]
pub fn assert_s3_error<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E, HttpResponse>>,
    code: &str,
    status: u16,
    what: &str,
) {
    match result {
        Ok(v) => panic!("{what}: expected {code} ({status}), got success: {v:?}"),
        Err(e) => {
            let (got, got_status, _) = s3_error(&e);
            assert_eq!((got.as_str(), got_status), (code, status), "{what}: {e:?}");
        }
    }
}

/// GetObject must be refused with AccessDenied; returns the message.
pub async fn get_denied(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, what: &str) -> String {
    assert_denied(s3.get_object().bucket(bucket).key(key).send().await, what)
}

/// PutObject must be refused with AccessDenied; returns the message.
pub async fn put_denied(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, what: &str) -> String {
    let body = aws_sdk_s3::primitives::ByteStream::from_static(b"x");
    assert_denied(
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(body)
            .send()
            .await,
        what,
    )
}

/// An IAM call as the first account's root, whatever its outcome.
pub async fn iam_root(server: &Server, params: &[(&str, &str)]) -> RawResponse {
    call(server, "iam", &Keys::root(), params).await
}

/// The text of every `<name>` element in an XML answer, in order.
pub fn elements(resp: &RawResponse, name: &str) -> Vec<String> {
    let text = resp.text();
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(after[..end].to_owned());
        rest = &after[end + close.len()..];
    }
    out
}

/// Stdout of a successful command, parsed as JSON (`Null` when empty).
#[track_caller]
pub fn json_ok(output: &Output, what: &str) -> Value {
    assert!(
        output.status.success(),
        "`{what}` failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    if stdout.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("`{what}`: not JSON ({e}): {stdout}"))
}

/// The error code the `aws` CLI reports for a failed call ("An error occurred (Code) when …").
#[track_caller]
pub fn cli_error(output: &Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "`{what}` succeeded but should have failed: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let code = stderr
        .split("An error occurred (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("`{what}`: no error code in: {stderr}"));
    code.to_owned()
}

/// `aws iam …` as the first account's root, JSON output.
#[track_caller]
pub fn aws_iam(server: &Server, args: &[&str]) -> Output {
    let mut all = vec!["iam"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--output", "json"]);
    server.aws(&all)
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn iam_users_keys_groups_and_errors_through_the_cli() {
    // The `aws` CLI for a representative set of calls (it is slow to start); raw Query
    // requests, which also show the HTTP status, for the rest.
    let server = Server::start();
    let account = account_of(&server, &Keys::root()).await;

    let user = json_ok(
        &aws_iam(&server, &["create-user", "--user-name", "alice"]),
        "create-user",
    );
    assert_eq!(user["User"]["UserName"], "alice", "{user}");
    assert_eq!(
        user["User"]["Arn"],
        format!("arn:aws:iam::{account}:user/alice"),
        "{user}"
    );
    assert!(
        user["User"]["UserId"].as_str().unwrap().starts_with("AIDA"),
        "{user}"
    );
    let again = aws_iam(&server, &["create-user", "--user-name", "alice"]);
    assert_eq!(
        cli_error(&again, "create-user twice"),
        "EntityAlreadyExists"
    );
    // Names are unique case-insensitively; the status is 409.
    let upper = iam_root(&server, &[("Action", "CreateUser"), ("UserName", "ALICE")]).await;
    assert_query_error(&upper, 409, "EntityAlreadyExists");
    let missing = aws_iam(&server, &["get-user", "--user-name", "nobody"]);
    assert_eq!(cli_error(&missing, "get-user nobody"), "NoSuchEntity");
    let missing = iam_root(&server, &[("Action", "GetUser"), ("UserName", "nobody")]).await;
    assert_query_error(&missing, 404, "NoSuchEntity");
    let bad_name = iam_root(
        &server,
        &[("Action", "CreateUser"), ("UserName", "no/slashes")],
    )
    .await;
    assert_eq!(bad_name.status, 400, "{}", bad_name.text());

    let got = iam_ok(&server, &[("Action", "GetUser"), ("UserName", "alice")]).await;
    assert_eq!(
        got.element("UserId").as_deref(),
        user["User"]["UserId"].as_str()
    );
    iam_ok(&server, &[("Action", "CreateUser"), ("UserName", "bob")]).await;
    let users = json_ok(&aws_iam(&server, &["list-users"]), "list-users");
    let names: Vec<&str> = users["Users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["UserName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"], "{users}");

    // Access keys: two per user, the third refused with LimitExceeded (409).
    let k1 = json_ok(
        &aws_iam(&server, &["create-access-key", "--user-name", "alice"]),
        "key 1",
    );
    assert_eq!(k1["AccessKey"]["Status"], "Active", "{k1}");
    assert_eq!(k1["AccessKey"]["UserName"], "alice", "{k1}");
    let k1_id = k1["AccessKey"]["AccessKeyId"].as_str().unwrap().to_owned();
    assert!(k1_id.starts_with("AKIA"), "{k1}");
    assert!(
        k1["AccessKey"]["SecretAccessKey"].as_str().unwrap().len() >= 40,
        "{k1}"
    );
    let k2 = iam_ok(
        &server,
        &[("Action", "CreateAccessKey"), ("UserName", "alice")],
    )
    .await;
    let k2_id = k2.element("AccessKeyId").unwrap();
    let third = iam_root(
        &server,
        &[("Action", "CreateAccessKey"), ("UserName", "alice")],
    )
    .await;
    assert_query_error(&third, 409, "LimitExceeded");
    let keys = json_ok(
        &aws_iam(&server, &["list-access-keys", "--user-name", "alice"]),
        "list-access-keys",
    );
    let mut ids: Vec<&str> = keys["AccessKeyMetadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["AccessKeyId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut want = vec![k1_id.as_str(), k2_id.as_str()];
    want.sort_unstable();
    assert_eq!(ids, want, "{keys}");
    assert!(
        keys["AccessKeyMetadata"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["Status"] == "Active"),
        "{keys}"
    );
    assert!(
        !keys.to_string().contains("SecretAccessKey"),
        "secrets are shown once: {keys}"
    );

    // Inline policies: malformed documents are refused with 400.
    let bad = iam_root(
        &server,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "alice"),
            ("PolicyName", "p"),
            ("PolicyDocument", "{not json"),
        ],
    )
    .await;
    assert_query_error(&bad, 400, "MalformedPolicyDocument");
    let with_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#;
    let bad = aws_iam(
        &server,
        &[
            "put-user-policy",
            "--user-name",
            "alice",
            "--policy-name",
            "p",
            "--policy-document",
            with_principal,
        ],
    );
    assert_eq!(
        cli_error(&bad, "identity policy with a Principal"),
        "MalformedPolicyDocument"
    );
    let doc = policy("Allow", &["s3:GetObject"], &["arn:aws:s3:::b/*"]);
    json_ok(
        &aws_iam(
            &server,
            &[
                "put-user-policy",
                "--user-name",
                "alice",
                "--policy-name",
                "read-b",
                "--policy-document",
                &doc,
            ],
        ),
        "put-user-policy",
    );
    let stored = json_ok(
        &aws_iam(
            &server,
            &[
                "get-user-policy",
                "--user-name",
                "alice",
                "--policy-name",
                "read-b",
            ],
        ),
        "get-user-policy",
    );
    assert_eq!(stored["PolicyName"], "read-b", "{stored}");
    assert_eq!(stored["UserName"], "alice", "{stored}");
    // The CLI decodes the URL-encoded document back into JSON.
    assert_eq!(
        stored["PolicyDocument"],
        serde_json::from_str::<Value>(&doc).unwrap(),
        "{stored}"
    );
    let listed = iam_ok(
        &server,
        &[("Action", "ListUserPolicies"), ("UserName", "alice")],
    )
    .await;
    assert_eq!(elements(&listed, "member"), ["read-b"], "{}", listed.text());
    let missing = iam_root(
        &server,
        &[
            ("Action", "GetUserPolicy"),
            ("UserName", "alice"),
            ("PolicyName", "nope"),
        ],
    )
    .await;
    assert_query_error(&missing, 404, "NoSuchEntity");

    // Groups.
    let group = iam_ok(&server, &[("Action", "CreateGroup"), ("GroupName", "devs")]).await;
    assert_eq!(
        group.element("Arn"),
        Some(format!("arn:aws:iam::{account}:group/devs"))
    );
    let dup = iam_root(&server, &[("Action", "CreateGroup"), ("GroupName", "devs")]).await;
    assert_query_error(&dup, 409, "EntityAlreadyExists");
    iam_ok(
        &server,
        &[
            ("Action", "AddUserToGroup"),
            ("GroupName", "devs"),
            ("UserName", "alice"),
        ],
    )
    .await;
    let no_user = iam_root(
        &server,
        &[
            ("Action", "AddUserToGroup"),
            ("GroupName", "devs"),
            ("UserName", "nobody"),
        ],
    )
    .await;
    assert_query_error(&no_user, 404, "NoSuchEntity");
    let members = json_ok(
        &aws_iam(&server, &["get-group", "--group-name", "devs"]),
        "get-group",
    );
    assert_eq!(members["Group"]["GroupName"], "devs", "{members}");
    let member_names: Vec<&str> = members["Users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["UserName"].as_str().unwrap())
        .collect();
    assert_eq!(member_names, ["alice"], "{members}");
    let groups = iam_ok(
        &server,
        &[("Action", "ListGroupsForUser"), ("UserName", "alice")],
    )
    .await;
    assert_eq!(
        elements(&groups, "GroupName"),
        ["devs"],
        "{}",
        groups.text()
    );

    // DeleteUser refuses while keys, policies or groups remain (409 DeleteConflict).
    let conflict = aws_iam(&server, &["delete-user", "--user-name", "alice"]);
    assert_eq!(
        cli_error(&conflict, "delete-user with keys"),
        "DeleteConflict"
    );
    for id in [&k1_id, &k2_id] {
        iam_ok(
            &server,
            &[
                ("Action", "DeleteAccessKey"),
                ("UserName", "alice"),
                ("AccessKeyId", id),
            ],
        )
        .await;
    }
    let conflict = iam_root(&server, &[("Action", "DeleteUser"), ("UserName", "alice")]).await;
    assert_query_error(&conflict, 409, "DeleteConflict");
    iam_ok(
        &server,
        &[
            ("Action", "DeleteUserPolicy"),
            ("UserName", "alice"),
            ("PolicyName", "read-b"),
        ],
    )
    .await;
    let conflict = iam_root(&server, &[("Action", "DeleteUser"), ("UserName", "alice")]).await;
    assert_query_error(&conflict, 409, "DeleteConflict");
    iam_ok(
        &server,
        &[
            ("Action", "RemoveUserFromGroup"),
            ("GroupName", "devs"),
            ("UserName", "alice"),
        ],
    )
    .await;
    let groups = iam_ok(
        &server,
        &[("Action", "ListGroupsForUser"), ("UserName", "alice")],
    )
    .await;
    assert!(
        elements(&groups, "GroupName").is_empty(),
        "{}",
        groups.text()
    );
    json_ok(
        &aws_iam(&server, &["delete-user", "--user-name", "alice"]),
        "delete-user",
    );
    let gone = iam_root(&server, &[("Action", "GetUser"), ("UserName", "alice")]).await;
    assert_query_error(&gone, 404, "NoSuchEntity");
    let gone = iam_root(&server, &[("Action", "DeleteUser"), ("UserName", "alice")]).await;
    assert_query_error(&gone, 404, "NoSuchEntity");
}

#[tokio::test]
async fn deleted_and_deactivated_keys_stop_working() {
    let server = Server::start();
    let root = server.client();
    let bucket = create_bucket(&root, "iamkeys").await;
    put(&root, &bucket, "k", b"v").await;
    let first = user_with_key(&server, "carol").await;
    put_user_policy(
        &server,
        "carol",
        "read",
        &policy(
            "Allow",
            &["s3:GetObject"],
            &[&format!("arn:aws:s3:::{bucket}/*")],
        ),
    )
    .await;
    assert_eq!(get(&first.s3(&server), &bucket, "k").await, b"v");

    let set_status = |status: &'static str| {
        let id = first.access.clone();
        let server = &server;
        async move {
            iam_ok(
                server,
                &[
                    ("Action", "UpdateAccessKey"),
                    ("UserName", "carol"),
                    ("AccessKeyId", &id),
                    ("Status", status),
                ],
            )
            .await;
        }
    };
    set_status("Inactive").await;
    assert_s3_error(
        first
            .s3(&server)
            .get_object()
            .bucket(&bucket)
            .key("k")
            .send()
            .await,
        "InvalidAccessKeyId",
        403,
        "inactive key",
    );
    let listed = iam_ok(
        &server,
        &[("Action", "ListAccessKeys"), ("UserName", "carol")],
    )
    .await;
    assert_eq!(
        listed.element("Status").as_deref(),
        Some("Inactive"),
        "{}",
        listed.text()
    );
    let iam_refused = call(&server, "sts", &first, &[("Action", "GetCallerIdentity")]).await;
    assert_query_error(&iam_refused, 403, "InvalidClientTokenId");
    set_status("Active").await;
    assert_eq!(get(&first.s3(&server), &bucket, "k").await, b"v");

    let second = iam_ok(
        &server,
        &[("Action", "CreateAccessKey"), ("UserName", "carol")],
    )
    .await;
    let second = Keys {
        access: second.element("AccessKeyId").unwrap(),
        secret: second.element("SecretAccessKey").unwrap(),
        token: None,
    };
    iam_ok(
        &server,
        &[
            ("Action", "DeleteAccessKey"),
            ("UserName", "carol"),
            ("AccessKeyId", &first.access),
        ],
    )
    .await;
    assert_s3_error(
        first
            .s3(&server)
            .get_object()
            .bucket(&bucket)
            .key("k")
            .send()
            .await,
        "InvalidAccessKeyId",
        403,
        "deleted key",
    );
    let gone = call(&server, "iam", &first, &[("Action", "GetUser")]).await;
    assert_query_error(&gone, 403, "InvalidClientTokenId");
    assert_eq!(get(&second.s3(&server), &bucket, "k").await, b"v");

    // A user may manage nothing in IAM without a policy; GetUser on itself included.
    let denied = call(&server, "iam", &second, &[("Action", "ListUsers")]).await;
    assert_query_error(&denied, 403, "AccessDenied");
    assert!(
        denied
            .text()
            .contains("is not authorized to perform: iam:ListUsers"),
        "{}",
        denied.text()
    );

    // DeleteUser: refused while a key remains; once deleted, its keys are gone for good, and a
    // new user of the same name inherits neither keys nor policies.
    iam_ok(
        &server,
        &[
            ("Action", "DeleteUserPolicy"),
            ("UserName", "carol"),
            ("PolicyName", "read"),
        ],
    )
    .await;
    get_denied(&second.s3(&server), &bucket, "k", "no policy left").await;
    let conflict = iam_root(&server, &[("Action", "DeleteUser"), ("UserName", "carol")]).await;
    assert_query_error(&conflict, 409, "DeleteConflict");
    iam_ok(
        &server,
        &[
            ("Action", "DeleteAccessKey"),
            ("UserName", "carol"),
            ("AccessKeyId", &second.access),
        ],
    )
    .await;
    iam_ok(&server, &[("Action", "DeleteUser"), ("UserName", "carol")]).await;
    assert_s3_error(
        second
            .s3(&server)
            .get_object()
            .bucket(&bucket)
            .key("k")
            .send()
            .await,
        "InvalidAccessKeyId",
        403,
        "key of a deleted user",
    );
    let reborn = user_with_key(&server, "carol").await;
    assert_s3_error(
        second
            .s3(&server)
            .get_object()
            .bucket(&bucket)
            .key("k")
            .send()
            .await,
        "InvalidAccessKeyId",
        403,
        "old key after the name is reused",
    );
    get_denied(
        &reborn.s3(&server),
        &bucket,
        "k",
        "a new carol has no policy",
    )
    .await;
    let policies = iam_ok(
        &server,
        &[("Action", "ListUserPolicies"), ("UserName", "carol")],
    )
    .await;
    assert!(!policies.text().contains("<member>"), "{}", policies.text());
}
