//! Block Public Access end to end: the defaults of a new bucket, the bucket's settings, the
//! account's (S3 Control), the most restrictive of the two deciding, and GetBucketPolicyStatus.

use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use rampart_e2e::Server;
use rampart_e2e::raw::{RawRequest, RawResponse};

use crate::common::{create_bucket, put};
use crate::iam::{Keys, account_of, assert_s3_error, user_with_key};

const CONTROL_PATH: &str = "/v20180820/configuration/publicAccessBlock";

fn public_read_policy(bucket: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")
        }]
    })
    .to_string()
}

fn settings_xml(block_public_policy: bool, restrict_public_buckets: bool) -> String {
    format!(
        "<PublicAccessBlockConfiguration xmlns=\"http://awss3control.amazonaws.com/doc/2018-08-20/\">\
         <BlockPublicAcls>false</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>\
         <BlockPublicPolicy>{block_public_policy}</BlockPublicPolicy>\
         <RestrictPublicBuckets>{restrict_public_buckets}</RestrictPublicBuckets>\
         </PublicAccessBlockConfiguration>"
    )
}

/// An S3 Control request for the account's settings, signed by the test root.
async fn control(
    server: &Server,
    method: &str,
    account: &str,
    body: Option<String>,
) -> RawResponse {
    let mut request = RawRequest::new(method, CONTROL_PATH).header("x-amz-account-id", account);
    if let Some(body) = body {
        let md5 = rampart_e2e::md5_base64(body.as_bytes());
        request = request.header("content-md5", &md5).body(body);
    }
    request.sign(server.port, None).send(server.port).await
}

/// GetBucketPolicyStatus's `IsPublic`.
pub async fn policy_is_public(s3: &aws_sdk_s3::Client, bucket: &str) -> Option<bool> {
    s3.get_bucket_policy_status()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .policy_status
        .and_then(|s| s.is_public)
}

/// GetPublicAccessBlock's four settings, in the document's order.
pub async fn bucket_settings(s3: &aws_sdk_s3::Client, bucket: &str) -> [Option<bool>; 4] {
    let c = s3
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .public_access_block_configuration
        .unwrap();
    [
        c.block_public_acls,
        c.ignore_public_acls,
        c.block_public_policy,
        c.restrict_public_buckets,
    ]
}

async fn anonymous_get(server: &Server, bucket: &str, key: &str) -> RawResponse {
    RawRequest::new("GET", &format!("/{bucket}/{key}"))
        .send(server.port)
        .await
}

#[tokio::test]
async fn new_buckets_block_public_access_and_the_owner_can_lift_it() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "bpa").await;
    put(&s3, &bucket, "k", b"v").await;

    assert_eq!(
        bucket_settings(&s3, &bucket).await,
        [Some(true); 4],
        "every new bucket blocks public access"
    );
    assert_s3_error(
        s3.put_bucket_policy()
            .bucket(&bucket)
            .policy(public_read_policy(&bucket))
            .send()
            .await,
        "AccessDenied",
        403,
        "public policy under BlockPublicPolicy",
    );
    // A policy that is not public is fine under BlockPublicPolicy, and says so.
    let account = account_of(&server, &Keys::root()).await;
    let private = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
            "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")
        }]
    })
    .to_string();
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(&private)
        .send()
        .await
        .unwrap();
    assert_eq!(policy_is_public(&s3, &bucket).await, Some(false));

    // Only BlockPublicPolicy off: the public policy goes in, RestrictPublicBuckets still keeps
    // anonymous callers out.
    s3.put_public_access_block()
        .bucket(&bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(false)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(public_read_policy(&bucket))
        .send()
        .await
        .unwrap();
    assert_eq!(policy_is_public(&s3, &bucket).await, Some(true));
    anonymous_get(&server, &bucket, "k")
        .await
        .assert_error(403, "AccessDenied");

    // No settings at all: the public policy serves anonymous GETs.
    s3.delete_public_access_block()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_s3_error(
        s3.get_public_access_block().bucket(&bucket).send().await,
        "NoSuchPublicAccessBlockConfiguration",
        404,
        "after DeletePublicAccessBlock",
    );
    let open = anonymous_get(&server, &bucket, "k").await;
    assert_eq!((open.status, open.body.as_slice()), (200, &b"v"[..]));

    // Without a policy, GetBucketPolicyStatus is NoSuchBucketPolicy.
    s3.delete_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_s3_error(
        s3.get_bucket_policy_status().bucket(&bucket).send().await,
        "NoSuchBucketPolicy",
        404,
        "policy status without a policy",
    );
}

#[tokio::test]
async fn account_settings_override_the_bucket_and_are_the_accounts_own() {
    let server = Server::start();
    let s3 = server.client();
    let account = account_of(&server, &Keys::root()).await;
    let bucket = create_bucket(&s3, "bpaacct").await;
    put(&s3, &bucket, "k", b"v").await;
    s3.delete_public_access_block()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();

    control(&server, "GET", &account, None)
        .await
        .assert_error(404, "NoSuchPublicAccessBlockConfiguration");
    let put = control(&server, "PUT", &account, Some(settings_xml(true, false))).await;
    assert_eq!(put.status, 200, "{}", put.text());
    let got = control(&server, "GET", &account, None).await;
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.element("BlockPublicPolicy").as_deref(), Some("true"));
    assert_eq!(
        got.element("RestrictPublicBuckets").as_deref(),
        Some("false")
    );

    // The bucket has no settings, but the account's BlockPublicPolicy applies to it.
    assert_s3_error(
        s3.put_bucket_policy()
            .bucket(&bucket)
            .policy(public_read_policy(&bucket))
            .send()
            .await,
        "AccessDenied",
        403,
        "public policy under the account's BlockPublicPolicy",
    );

    // Another account's settings are not ours to read or change.
    control(&server, "GET", "111122223333", None)
        .await
        .assert_error(403, "AccessDenied");

    // The account allows public policies again, then restricts public buckets.
    let deleted = control(&server, "DELETE", &account, None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(public_read_policy(&bucket))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous_get(&server, &bucket, "k").await.status, 200);
    let put = control(&server, "PUT", &account, Some(settings_xml(false, true))).await;
    assert_eq!(put.status, 200, "{}", put.text());
    anonymous_get(&server, &bucket, "k")
        .await
        .assert_error(403, "AccessDenied");

    // A user needs s3:PutBucketPublicAccessBlock to change a bucket's settings.
    let user = user_with_key(&server, "nobody").await;
    assert_s3_error(
        user.s3(&server)
            .delete_public_access_block()
            .bucket(&bucket)
            .send()
            .await,
        "AccessDenied",
        403,
        "a user without s3:PutBucketPublicAccessBlock",
    );
}

#[tokio::test]
async fn the_operator_sets_an_accounts_settings_with_rampart_admin() {
    let server = Server::start();
    let (other, other_keys) = crate::bucket_policy::create_account(&server, "bpa-admin");
    let other_s3 = other_keys.s3(&server);
    let bucket = create_bucket(&other_s3, "bpaadmin").await;
    other_s3
        .delete_public_access_block()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();

    let run = |args: &[&str]| {
        let out = server.rampart(args);
        assert!(
            out.status.success(),
            "rampart {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&[
        "admin",
        "public-access-block",
        "put",
        &other,
        "--block-public-policy",
    ]);
    let shown: serde_json::Value =
        serde_json::from_str(&run(&["admin", "public-access-block", "get", &other])).unwrap();
    assert_eq!(shown["block_public_policy"], true, "{shown}");
    assert_eq!(shown["restrict_public_buckets"], false, "{shown}");
    // The account's setting reaches its bucket, which has none of its own.
    assert_s3_error(
        other_s3
            .put_bucket_policy()
            .bucket(&bucket)
            .policy(public_read_policy(&bucket))
            .send()
            .await,
        "AccessDenied",
        403,
        "public policy under the account's BlockPublicPolicy set by the operator",
    );
    run(&["admin", "public-access-block", "delete", &other]);
    other_s3
        .put_bucket_policy()
        .bucket(&bucket)
        .policy(public_read_policy(&bucket))
        .send()
        .await
        .unwrap();
    // Only the operator may: the other account's root is refused.
    let refused = server.rampart_as(
        &other_keys.access,
        &other_keys.secret,
        &["admin", "public-access-block", "get", &other],
    );
    assert!(!refused.status.success());
}
