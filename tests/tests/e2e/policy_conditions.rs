//! Bucket-policy conditions that depend on how a request arrives (aws:SecureTransport,
//! aws:SourceIp, s3:prefix), and presigned URLs decided with the presigner's identity at the
//! time of use.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use rampart_e2e::Server;

use crate::auth::presigned_raw;
use crate::common::{create_bucket, put};
use crate::iam::{Keys, account_of, assert_s3_error, iam_ok, put_user_policy, user_with_key};

fn document(statements: serde_json::Value) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

#[tokio::test]
async fn secure_transport_source_ip_and_prefix_conditions() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "conds").await;
    let arn = format!("arn:aws:s3:::{bucket}");
    for key in ["home/alice/a", "home/bob/b", "k"] {
        put(&s3, &bucket, key, b"v").await;
    }
    let account = account_of(&server, &Keys::root()).await;
    let alice = user_with_key(&server, "alice").await;
    let alice_arn = format!("arn:aws:iam::{account}:user/alice");

    // The common "deny plain HTTP" statement: this server is started without TLS, so
    // aws:SecureTransport is false and everyone, the owner's root included, is refused
    // (tls.rs shows the same statement letting HTTPS through).
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(document(serde_json::json!([{
            "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [arn.clone(), format!("{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }])))
        .send()
        .await
        .unwrap();
    assert_s3_error(
        s3.get_object().bucket(&bucket).key("k").send().await,
        "AccessDenied",
        403,
        "plain HTTP under a TLS-only policy",
    );
    // ... but the owner's root can still remove the policy.
    s3.delete_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    s3.get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .expect("readable again");

    // aws:SourceIp: a grant from loopback works, one from another network does not.
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(document(serde_json::json!([
            {"Sid": "Loopback", "Effect": "Allow", "Principal": {"AWS": alice_arn},
             "Action": "s3:GetObject", "Resource": format!("{arn}/k"),
             "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}},
            {"Sid": "Elsewhere", "Effect": "Allow", "Principal": {"AWS": alice_arn},
             "Action": "s3:GetObject", "Resource": format!("{arn}/home/*"),
             "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
            {"Sid": "OwnPrefix", "Effect": "Allow", "Principal": {"AWS": alice_arn},
             "Action": "s3:ListBucket", "Resource": arn,
             "Condition": {"StringLike": {"s3:prefix": "home/alice/*"}}}
        ])))
        .send()
        .await
        .unwrap();
    let alice_s3 = alice.s3(&server);
    alice_s3
        .get_object()
        .bucket(&bucket)
        .key("k")
        .send()
        .await
        .expect("alice from loopback");
    assert_s3_error(
        alice_s3
            .get_object()
            .bucket(&bucket)
            .key("home/alice/a")
            .send()
            .await,
        "AccessDenied",
        403,
        "a grant only for 203.0.113.0/24",
    );
    // s3:prefix: alice may list her own prefix only.
    let listed = alice_s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("home/alice/")
        .send()
        .await
        .expect("alice lists her prefix");
    assert_eq!(listed.key_count(), Some(1));
    for prefix in [Some("home/bob/"), None] {
        let mut request = alice_s3.list_objects_v2().bucket(&bucket);
        if let Some(p) = prefix {
            request = request.prefix(p);
        }
        assert_s3_error(
            request.send().await,
            "AccessDenied",
            403,
            "listing outside alice's prefix",
        );
    }
}

#[tokio::test]
async fn presigned_urls_are_decided_when_used() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "presigned").await;
    put(&s3, &bucket, "k", b"secret").await;
    let alice = user_with_key(&server, "alice").await;
    put_user_policy(
        &server,
        "alice",
        "read",
        &document(
            serde_json::json!([{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*")}]),
        ),
    )
    .await;
    let url = alice
        .s3(&server)
        .get_object()
        .bucket(&bucket)
        .key("k")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(600)).unwrap())
        .await
        .unwrap();
    let ok = presigned_raw(&url).send(server.port).await;
    assert_eq!((ok.status, ok.body.as_slice()), (200, &b"secret"[..]));

    // Revoking the presigner's permission breaks the URL already handed out ...
    iam_ok(
        &server,
        &[
            ("Action", "DeleteUserPolicy"),
            ("UserName", "alice"),
            ("PolicyName", "read"),
        ],
    )
    .await;
    presigned_raw(&url)
        .send(server.port)
        .await
        .assert_error(403, "AccessDenied");
    // ... and so does deactivating the key that signed it, even with the permission back.
    put_user_policy(
        &server,
        "alice",
        "read",
        &document(
            serde_json::json!([{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*")}]),
        ),
    )
    .await;
    assert_eq!(presigned_raw(&url).send(server.port).await.status, 200);
    iam_ok(
        &server,
        &[
            ("Action", "UpdateAccessKey"),
            ("UserName", "alice"),
            ("AccessKeyId", &alice.access),
            ("Status", "Inactive"),
        ],
    )
    .await;
    presigned_raw(&url)
        .send(server.port)
        .await
        .assert_error(403, "InvalidAccessKeyId");
}
