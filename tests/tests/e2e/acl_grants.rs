//! ACL grants in the decisions a request makes beyond its own: the source of a copy, each key
//! of DeleteObjects, the signer of a POST form, and whether a missing key is a 404 or a 403.
//! And a grant to an account reaching that account's IAM users only when their own identity
//! policies allow the action too; multipart uploads showing who initiated them.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier, ObjectOwnership};
use rampart_e2e::Server;

use crate::acl::set_ownership;
use crate::bucket_policy::create_account;
use crate::common::{assert_error, create_bucket, get, put};
use crate::iam::{Keys, call, policy, user_with_key_as};
use crate::post_object::Post;

async fn canonical_id(s3: &aws_sdk_s3::Client) -> String {
    s3.list_buckets()
        .send()
        .await
        .unwrap()
        .owner
        .and_then(|o| o.id)
        .expect("ListBuckets names its owner")
}

/// Replaces the bucket's ACL with FULL_CONTROL for its owner and `grants` (header, grantee id).
async fn grant_on_bucket(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    owner: &str,
    grants: &[(&str, &str)],
) {
    let mut request = s3
        .put_bucket_acl()
        .bucket(bucket)
        .grant_full_control(format!("id={owner}"));
    for (permission, grantee) in grants {
        let grantee = format!("id={grantee}");
        request = match *permission {
            "read" => request.grant_read(grantee),
            "write" => request.grant_write(grantee),
            other => panic!("no grant header for {other}"),
        };
    }
    request.send().await.unwrap();
}

async fn delete_keys(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    keys: &[&str],
) -> (Vec<String>, Vec<(String, String)>) {
    let objects = keys
        .iter()
        .map(|k| ObjectIdentifier::builder().key(*k).build().unwrap())
        .collect();
    let out = s3
        .delete_objects()
        .bucket(bucket)
        .delete(
            Delete::builder()
                .set_objects(Some(objects))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let deleted = out.deleted().iter().filter_map(|d| d.key.clone()).collect();
    let errors = out
        .errors()
        .iter()
        .map(|e| (e.key.clone().unwrap(), e.code.clone().unwrap()))
        .collect();
    (deleted, errors)
}

#[tokio::test]
async fn acl_grants_decide_copy_sources_delete_keys_posts_and_missing_keys() {
    let server = Server::start();
    let s3 = server.client();
    let (grantee_account, grantee_keys) = create_account(&server, "grantee");
    let grantee = grantee_keys.s3(&server);
    let grantee_id = canonical_id(&grantee).await;
    let owner_id = canonical_id(&s3).await;

    let bucket = create_bucket(&s3, "grants").await;
    set_ownership(&s3, &bucket, ObjectOwnership::ObjectWriter).await;
    for key in ["shared", "private", "doomed-1", "doomed-2"] {
        put(&s3, &bucket, key, key.as_bytes()).await;
    }
    s3.put_object_acl()
        .bucket(&bucket)
        .key("shared")
        .grant_full_control(format!("id={owner_id}"))
        .grant_read(format!("id={grantee_id}"))
        .send()
        .await
        .unwrap();

    // A copy source is read through the object's READ grant; without one it is refused.
    let own = create_bucket(&grantee, "grantee-own").await;
    grantee
        .copy_object()
        .bucket(&own)
        .key("copied")
        .copy_source(format!("{bucket}/shared"))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&grantee, &own, "copied").await, b"shared");
    assert_error(
        grantee
            .copy_object()
            .bucket(&own)
            .key("stolen")
            .copy_source(format!("{bucket}/private"))
            .send()
            .await,
        "AccessDenied",
        403,
    );
    let upload = grantee
        .create_multipart_upload()
        .bucket(&own)
        .key("assembled")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    grantee
        .upload_part_copy()
        .bucket(&own)
        .key("assembled")
        .upload_id(&upload)
        .part_number(1)
        .copy_source(format!("{bucket}/shared"))
        .send()
        .await
        .unwrap();

    // A missing key is 404 only to a caller who may list the bucket; the bucket's READ grant
    // is that permission.
    let read_objects = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{grantee_account}:root")},
            "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*")
        }]
    });
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(read_objects.to_string())
        .send()
        .await
        .unwrap();
    let missing = || grantee.get_object().bucket(&bucket).key("absent").send();
    assert_error(missing().await, "AccessDenied", 403);
    grant_on_bucket(&s3, &bucket, &owner_id, &[("read", &grantee_id)]).await;
    assert_error(missing().await, "NoSuchKey", 404);

    // DeleteObjects decides each key; the bucket's WRITE grant allows them all.
    let (deleted, errors) = delete_keys(&grantee, &bucket, &["doomed-1", "doomed-2"]).await;
    assert!(deleted.is_empty(), "deleted without a grant: {deleted:?}");
    assert_eq!(
        errors,
        [
            ("doomed-1".to_owned(), "AccessDenied".to_owned()),
            ("doomed-2".to_owned(), "AccessDenied".to_owned())
        ]
    );
    // POST Object is decided for the form's signer.
    let mut form = Post::new(&bucket, "posted", b"from a form");
    form.access_key = grantee_keys.access.clone();
    form.secret = grantee_keys.secret.clone();
    let refused = form.send(server.port).await;
    refused.assert_error(403, "AccessDenied");

    grant_on_bucket(
        &s3,
        &bucket,
        &owner_id,
        &[("read", &grantee_id), ("write", &grantee_id)],
    )
    .await;
    let (mut deleted, errors) = delete_keys(&grantee, &bucket, &["doomed-1", "doomed-2"]).await;
    deleted.sort();
    assert_eq!(deleted, ["doomed-1", "doomed-2"]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_error(
        s3.head_object()
            .bucket(&bucket)
            .key("doomed-1")
            .send()
            .await,
        "NotFound",
        404,
    );
    let posted = form.send(server.port).await;
    assert_eq!(posted.status, 204, "{}", posted.text());
    assert_eq!(get(&s3, &bucket, "posted").await, b"from a form");
}

#[tokio::test]
async fn a_grant_to_an_account_reaches_its_users_only_with_their_identity_allow() {
    let server = Server::start();
    let s3 = server.client();
    let (grantee_account, grantee_keys) = create_account(&server, "grantee-users");
    let grantee = grantee_keys.s3(&server);
    let grantee_id = canonical_id(&grantee).await;
    let owner_id = canonical_id(&s3).await;

    let bucket = create_bucket(&s3, "grant-users").await;
    set_ownership(&s3, &bucket, ObjectOwnership::ObjectWriter).await;
    s3.put_object()
        .bucket(&bucket)
        .key("doc")
        .grant_full_control(format!("id={owner_id}"))
        .grant_read(format!("id={grantee_id}"))
        .body(ByteStream::from_static(b"granted"))
        .send()
        .await
        .unwrap();
    grant_on_bucket(&s3, &bucket, &owner_id, &[("write", &grantee_id)]).await;

    let reader_keys = user_with_key_as(&server, &grantee_keys, "reader").await;
    let reader = reader_keys.s3(&server);
    let read = || reader.get_object().bucket(&bucket).key("doc").send();
    // The account's root is the grantee itself; its user needs its own allow as well.
    assert_eq!(get(&grantee, &bucket, "doc").await, b"granted");
    assert_error(read().await, "AccessDenied", 403);

    let put_policy = |name: &'static str, document: String| {
        let grantee_keys: Keys = grantee_keys.clone();
        let server = &server;
        async move {
            let resp = call(
                server,
                "iam",
                &grantee_keys,
                &[
                    ("Action", "PutUserPolicy"),
                    ("UserName", "reader"),
                    ("PolicyName", name),
                    ("PolicyDocument", &document),
                ],
            )
            .await;
            assert_eq!(resp.status, 200, "PutUserPolicy: {}", resp.text());
        }
    };
    let objects = format!("arn:aws:s3:::{bucket}/*");
    put_policy(
        "use-grants",
        policy("Allow", &["s3:GetObject", "s3:PutObject"], &[&objects]),
    )
    .await;
    let body = read().await.unwrap().body;
    assert_eq!(crate::common::body_bytes(body).await, b"granted");

    // The user's multipart upload (through the bucket's WRITE grant) names the user as its
    // initiator and the writing account as its owner.
    let upload = reader
        .create_multipart_upload()
        .bucket(&bucket)
        .key("by-reader")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let listed = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let entry = &listed.uploads()[0];
    assert_eq!(entry.upload_id(), Some(upload.as_str()));
    let initiator = entry.initiator().unwrap();
    assert_eq!(
        initiator.id(),
        Some(format!("arn:aws:iam::{grantee_account}:user/reader").as_str())
    );
    assert_eq!(initiator.display_name(), Some("reader"));
    assert_eq!(entry.owner().unwrap().id(), Some(grantee_id.as_str()));
    let parts = s3
        .list_parts()
        .bucket(&bucket)
        .key("by-reader")
        .upload_id(&upload)
        .send()
        .await
        .unwrap();
    assert_eq!(parts.initiator().unwrap().id(), initiator.id());
    // The account's root initiates as the account.
    grantee
        .create_multipart_upload()
        .bucket(&bucket)
        .key("by-root")
        .send()
        .await
        .unwrap();
    let listed = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .prefix("by-root")
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.uploads()[0].initiator().unwrap().id(),
        Some(grantee_id.as_str())
    );

    // An explicit deny in the user's own policies is final: no grant overrides it.
    put_policy("deny-reads", policy("Deny", &["s3:GetObject"], &[&objects])).await;
    assert_error(read().await, "AccessDenied", 403);
}
