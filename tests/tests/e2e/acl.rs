//! ACLs and Object Ownership end to end: the ownership setting of a bucket, bucket and object
//! ACLs, Block Public Access on ACLs, and ACL grants in authorization.

use aws_sdk_s3::types::{
    AccessControlPolicy, BucketCannedAcl, CompletedMultipartUpload, CompletedPart, Grant, Grantee,
    ObjectCannedAcl, ObjectOwnership, Owner, OwnershipControls, OwnershipControlsRule, Permission,
    PublicAccessBlockConfiguration, Type,
};

use aws_sdk_s3::primitives::ByteStream;

use crate::common::{assert_error, create_bucket};
use rampart_e2e::Server;

pub fn ownership_controls(ownership: ObjectOwnership) -> OwnershipControls {
    OwnershipControls::builder()
        .rules(
            OwnershipControlsRule::builder()
                .object_ownership(ownership)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

pub async fn ownership_of(s3: &aws_sdk_s3::Client, bucket: &str) -> ObjectOwnership {
    s3.get_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .ownership_controls
        .unwrap()
        .rules[0]
        .object_ownership
        .clone()
}

pub async fn set_ownership(s3: &aws_sdk_s3::Client, bucket: &str, ownership: ObjectOwnership) {
    s3.put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(ownership_controls(ownership))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn ownership_controls_round_trip() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "own").await;
    // A new bucket has ACLs disabled.
    assert_eq!(
        ownership_of(&s3, &bucket).await,
        ObjectOwnership::BucketOwnerEnforced
    );
    set_ownership(&s3, &bucket, ObjectOwnership::ObjectWriter).await;
    assert_eq!(
        ownership_of(&s3, &bucket).await,
        ObjectOwnership::ObjectWriter
    );
    s3.delete_bucket_ownership_controls()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_error(
        s3.get_bucket_ownership_controls()
            .bucket(&bucket)
            .send()
            .await,
        "OwnershipControlsNotFoundError",
        404,
    );

    // CreateBucket may choose the setting.
    let chosen = rampart_e2e::bucket_name("own-chosen");
    s3.create_bucket()
        .bucket(&chosen)
        .object_ownership(ObjectOwnership::BucketOwnerPreferred)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ownership_of(&s3, &chosen).await,
        ObjectOwnership::BucketOwnerPreferred
    );
    // An unknown value is refused, for the bucket and the setting.
    let body = "<OwnershipControls><Rule><ObjectOwnership>Nobody</ObjectOwnership></Rule></OwnershipControls>";
    let bad = rampart_e2e::raw::RawRequest::new("PUT", &format!("/{bucket}"))
        .query("ownershipControls")
        .header("content-md5", &rampart_e2e::md5_base64(body.as_bytes()))
        .body(body)
        .sign(server.port, None)
        .send(server.port)
        .await;
    bad.assert_error(400, "MalformedXML");
}

pub async fn clear_public_access_block(s3: &aws_sdk_s3::Client, bucket: &str) {
    s3.delete_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
}

/// The grants of GetBucketAcl as (grantee id or URI, permission).
async fn bucket_grants(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<(String, String)> {
    let out = s3.get_bucket_acl().bucket(bucket).send().await.unwrap();
    out.grants()
        .iter()
        .map(|g| {
            let grantee = g.grantee.as_ref().unwrap();
            (
                grantee
                    .id
                    .clone()
                    .or_else(|| grantee.uri.clone())
                    .unwrap_or_default(),
                g.permission.as_ref().unwrap().as_str().to_owned(),
            )
        })
        .collect()
}

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";

#[tokio::test]
async fn bucket_acl_round_trip_and_its_guards() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "bacl").await;
    let owner_id = s3
        .get_bucket_acl()
        .bucket(&bucket)
        .send()
        .await
        .unwrap()
        .owner
        .unwrap()
        .id
        .unwrap();
    assert_eq!(
        bucket_grants(&s3, &bucket).await,
        vec![(owner_id.clone(), "FULL_CONTROL".to_owned())]
    );
    // ACLs disabled: only an owner-only ACL is accepted.
    assert_error(
        s3.put_bucket_acl()
            .bucket(&bucket)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await,
        "AccessControlListNotSupported",
        400,
    );
    s3.put_bucket_acl()
        .bucket(&bucket)
        .acl(BucketCannedAcl::Private)
        .send()
        .await
        .unwrap();

    // ACLs enabled, Block Public Access on: a public ACL is refused.
    set_ownership(&s3, &bucket, ObjectOwnership::ObjectWriter).await;
    assert_error(
        s3.put_bucket_acl()
            .bucket(&bucket)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await,
        "AccessDenied",
        403,
    );
    // Block Public Access off: accepted, and read back.
    clear_public_access_block(&s3, &bucket).await;
    s3.put_bucket_acl()
        .bucket(&bucket)
        .acl(BucketCannedAcl::PublicRead)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bucket_grants(&s3, &bucket).await,
        vec![
            (owner_id.clone(), "FULL_CONTROL".to_owned()),
            (ALL_USERS.to_owned(), "READ".to_owned())
        ]
    );
    // The body form.
    let policy = AccessControlPolicy::builder()
        .owner(Owner::builder().id(&owner_id).build())
        .grants(
            Grant::builder()
                .grantee(
                    Grantee::builder()
                        .r#type(Type::CanonicalUser)
                        .id(&owner_id)
                        .build()
                        .unwrap(),
                )
                .permission(Permission::FullControl)
                .build(),
        )
        .build();
    s3.put_bucket_acl()
        .bucket(&bucket)
        .access_control_policy(policy)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bucket_grants(&s3, &bucket).await,
        vec![(owner_id.clone(), "FULL_CONTROL".to_owned())]
    );
    // A body that is not an ACL.
    let body = "<AccessControlPolicy><Nope/></AccessControlPolicy>";
    rampart_e2e::raw::RawRequest::new("PUT", &format!("/{bucket}"))
        .query("acl")
        .header("content-md5", &rampart_e2e::md5_base64(body.as_bytes()))
        .body(body)
        .sign(server.port, None)
        .send(server.port)
        .await
        .assert_error(400, "MalformedACLError");

    // CreateBucket with an ACL needs ACLs enabled.
    assert_error(
        s3.create_bucket()
            .bucket(rampart_e2e::bucket_name("bacl-enforced"))
            .acl(BucketCannedAcl::AuthenticatedRead)
            .send()
            .await,
        "InvalidBucketAclWithObjectOwnership",
        400,
    );
    let with_acl = rampart_e2e::bucket_name("bacl-writer");
    s3.create_bucket()
        .bucket(&with_acl)
        .object_ownership(ObjectOwnership::ObjectWriter)
        .grant_read_acp(format!("id={owner_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bucket_grants(&s3, &with_acl).await,
        vec![(owner_id.clone(), "READ_ACP".to_owned())]
    );
}

/// The grants of GetObjectAcl as (grantee id or URI, permission), and the owner's id.
pub async fn object_acl(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> (String, Vec<(String, String)>) {
    let out = s3
        .get_object_acl()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let grants = out
        .grants()
        .iter()
        .map(|g| {
            let grantee = g.grantee.as_ref().unwrap();
            (
                grantee
                    .id
                    .clone()
                    .or_else(|| grantee.uri.clone())
                    .unwrap_or_default(),
                g.permission.as_ref().unwrap().as_str().to_owned(),
            )
        })
        .collect();
    (out.owner.unwrap().id.unwrap(), grants)
}

#[tokio::test]
async fn object_acls_on_write_and_round_trip() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "oacl").await;
    let put_with = |acl: ObjectCannedAcl, key: &'static str| {
        s3.put_object()
            .bucket(&bucket)
            .key(key)
            .acl(acl)
            .body(ByteStream::from_static(b"data"))
            .send()
    };
    // ACLs disabled.
    assert_error(
        put_with(ObjectCannedAcl::PublicRead, "k").await,
        "AccessControlListNotSupported",
        400,
    );
    put_with(ObjectCannedAcl::BucketOwnerFullControl, "k")
        .await
        .unwrap();
    let (owner_id, grants) = object_acl(&s3, &bucket, "k").await;
    assert_eq!(grants, vec![(owner_id.clone(), "FULL_CONTROL".to_owned())]);
    assert_error(
        s3.put_object_acl()
            .bucket(&bucket)
            .key("k")
            .acl(ObjectCannedAcl::PublicRead)
            .send()
            .await,
        "AccessControlListNotSupported",
        400,
    );

    // ACLs enabled, Block Public Access on: BlockPublicAcls refuses a public object ACL.
    set_ownership(&s3, &bucket, ObjectOwnership::ObjectWriter).await;
    assert_error(
        put_with(ObjectCannedAcl::PublicRead, "k").await,
        "AccessDenied",
        403,
    );
    assert_error(
        s3.put_object_acl()
            .bucket(&bucket)
            .key("k")
            .acl(ObjectCannedAcl::PublicRead)
            .send()
            .await,
        "AccessDenied",
        403,
    );
    // A non-public ACL is stored and read back.
    s3.put_object_acl()
        .bucket(&bucket)
        .key("k")
        .grant_read(format!("id={owner_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        object_acl(&s3, &bucket, "k").await.1,
        vec![(owner_id.clone(), "READ".to_owned())]
    );
    // Multipart: the ACL given at creation applies at completion.
    clear_public_access_block(&s3, &bucket).await;
    let upload = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("mp")
        .acl(ObjectCannedAcl::PublicRead)
        .send()
        .await
        .unwrap();
    let id = upload.upload_id.unwrap();
    let part = s3
        .upload_part()
        .bucket(&bucket)
        .key("mp")
        .upload_id(&id)
        .part_number(1)
        .body(ByteStream::from_static(b"part"))
        .send()
        .await
        .unwrap();
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key("mp")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    CompletedPart::builder()
                        .part_number(1)
                        .e_tag(part.e_tag.unwrap())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        object_acl(&s3, &bucket, "mp").await.1,
        vec![
            (owner_id.clone(), "FULL_CONTROL".to_owned()),
            (ALL_USERS.to_owned(), "READ".to_owned())
        ]
    );
    // CopyObject sets the copy's own ACL (private unless asked).
    s3.copy_object()
        .bucket(&bucket)
        .key("copy")
        .copy_source(format!("{bucket}/mp"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        object_acl(&s3, &bucket, "copy").await.1,
        vec![(owner_id.clone(), "FULL_CONTROL".to_owned())]
    );
    assert_error(
        s3.get_object_acl()
            .bucket(&bucket)
            .key("missing")
            .send()
            .await,
        "NoSuchKey",
        404,
    );
}

async fn anonymous_get(server: &Server, bucket: &str, key: &str) -> u16 {
    rampart_e2e::raw::RawRequest::new("GET", &format!("/{bucket}/{key}"))
        .send(server.port)
        .await
        .status
}

#[tokio::test]
async fn public_read_acl_serves_anonymous_reads_unless_ignored() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "pubacl").await;
    set_ownership(&s3, &bucket, ObjectOwnership::ObjectWriter).await;
    clear_public_access_block(&s3, &bucket).await;
    s3.put_object()
        .bucket(&bucket)
        .key("open")
        .acl(ObjectCannedAcl::PublicRead)
        .body(ByteStream::from_static(b"hello"))
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket(&bucket)
        .key("closed")
        .body(ByteStream::from_static(b"hello"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous_get(&server, &bucket, "open").await, 200);
    assert_eq!(anonymous_get(&server, &bucket, "closed").await, 403);

    // IgnorePublicAcls hides the existing public grant.
    s3.put_public_access_block()
        .bucket(&bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .ignore_public_acls(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous_get(&server, &bucket, "open").await, 403);
    // Back to ACLs disabled: the grant no longer applies either.
    clear_public_access_block(&s3, &bucket).await;
    assert_eq!(anonymous_get(&server, &bucket, "open").await, 200);
    set_ownership(&s3, &bucket, ObjectOwnership::BucketOwnerEnforced).await;
    assert_eq!(anonymous_get(&server, &bucket, "open").await, 403);
}

/// A bucket of the test root's account that account `other` may write to.
async fn shared_bucket(
    s3: &aws_sdk_s3::Client,
    tag: &str,
    other: &str,
    ownership: ObjectOwnership,
) -> String {
    let bucket = create_bucket(s3, tag).await;
    set_ownership(s3, &bucket, ownership).await;
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{other}:root")},
            "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*")
        }]
    });
    s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    bucket
}

#[tokio::test]
async fn cross_account_writes_and_object_ownership() {
    let server = Server::start();
    let s3 = server.client();
    let (other, other_keys) = crate::bucket_policy::create_account(&server, "acl-writer");
    let writer = server.client_with(&other_keys.access, &other_keys.secret, |b| b);
    let put = |bucket: String, key: &'static str, acl: Option<ObjectCannedAcl>| {
        writer
            .put_object()
            .bucket(bucket)
            .key(key)
            .set_acl(acl)
            .body(ByteStream::from_static(b"x"))
            .send()
    };

    // ObjectWriter: the writer owns what it writes, and may read it through its ACL.
    let bucket = shared_bucket(&s3, "xw", &other, ObjectOwnership::ObjectWriter).await;
    put(bucket.clone(), "mine", None).await.unwrap();
    put(
        bucket.clone(),
        "shared",
        Some(ObjectCannedAcl::BucketOwnerFullControl),
    )
    .await
    .unwrap();
    let (writer_id, _) = object_acl(&writer, &bucket, "mine").await;
    let owner_id = s3
        .get_bucket_acl()
        .bucket(&bucket)
        .send()
        .await
        .unwrap()
        .owner
        .unwrap()
        .id
        .unwrap();
    assert_ne!(writer_id, owner_id);
    let body = writer
        .get_object()
        .bucket(&bucket)
        .key("mine")
        .send()
        .await
        .unwrap();
    assert_eq!(crate::common::body_bytes(body.body).await, b"x");
    // bucket-owner-full-control: still the writer's, with the bucket owner granted everything.
    let (shared_owner, grants) = object_acl(&s3, &bucket, "shared").await;
    assert_eq!(shared_owner, writer_id);
    assert!(grants.contains(&(owner_id.clone(), "FULL_CONTROL".to_owned())));

    // BucketOwnerPreferred: bucket-owner-full-control hands the object to the bucket owner.
    let preferred = shared_bucket(&s3, "xp", &other, ObjectOwnership::BucketOwnerPreferred).await;
    put(preferred.clone(), "plain", None).await.unwrap();
    put(
        preferred.clone(),
        "handed",
        Some(ObjectCannedAcl::BucketOwnerFullControl),
    )
    .await
    .unwrap();
    assert_eq!(object_acl(&s3, &preferred, "plain").await.0, writer_id);
    assert_eq!(object_acl(&s3, &preferred, "handed").await.0, owner_id);

    // BucketOwnerEnforced: the bucket owner owns everything.
    let enforced = shared_bucket(&s3, "xe", &other, ObjectOwnership::BucketOwnerEnforced).await;
    put(enforced.clone(), "k", None).await.unwrap();
    assert_eq!(object_acl(&s3, &enforced, "k").await.0, owner_id);
    assert_error(
        writer.get_object().bucket(&enforced).key("k").send().await,
        "AccessDenied",
        403,
    );
}
