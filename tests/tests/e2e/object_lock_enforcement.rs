//! Object Lock enforcement end to end with aws-sdk-rust: governance bypass for a permitted
//! user only, COMPLIANCE refusing the account root (and surviving a restart), a legal hold
//! blocking deletes until removed, a retention expiring, multipart uploads and copies.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::{
    Delete, ObjectIdentifier, ObjectLockLegalHold, ObjectLockLegalHoldStatus, ObjectLockMode,
    ObjectLockRetention, ObjectLockRetentionMode,
};
use rampart_e2e::Server;

use crate::common::assert_error;
use crate::iam::{assert_denied, policy, put_user_policy, user_with_key};
use crate::object_lock::{
    assert_locked, delete_version, in_secs, lock_bucket, put_retained, retention,
};

#[tokio::test]
async fn governance_bypass_is_allowed_only_to_a_permitted_user() {
    let server = Server::start();
    let root = server.client();
    let bucket = lock_bucket(&root, "lockgov").await;
    let objects = format!("arn:aws:s3:::{bucket}/*");
    let base = [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObjectRetention",
        "s3:GetObjectRetention",
    ];
    let clerk = user_with_key(&server, "clerk").await;
    put_user_policy(
        &server,
        "clerk",
        "work",
        &policy("Allow", &base, &[&objects]),
    )
    .await;
    let officer = user_with_key(&server, "officer").await;
    let mut with_bypass = base.to_vec();
    with_bypass.push("s3:BypassGovernanceRetention");
    put_user_policy(
        &server,
        "officer",
        "work",
        &policy("Allow", &with_bypass, &[&objects]),
    )
    .await;
    let (clerk, officer) = (clerk.s3(&server), officer.s3(&server));

    let v = put_retained(
        &root,
        &bucket,
        "g",
        ObjectLockMode::Governance,
        in_secs(3600),
    )
    .await;
    assert_locked(
        delete_version(&clerk, &bucket, "g", &v, false).await,
        "clerk without the header",
    );
    assert_locked(
        delete_version(&clerk, &bucket, "g", &v, true).await,
        "clerk with the header but without the permission",
    );
    assert_locked(
        delete_version(&officer, &bucket, "g", &v, false).await,
        "officer without the header",
    );
    // Shortening a GOVERNANCE retention is the same privilege.
    let shorter = retention(ObjectLockRetentionMode::Governance, in_secs(60));
    assert_locked(
        clerk
            .put_object_retention()
            .bucket(&bucket)
            .key("g")
            .version_id(&v)
            .retention(shorter.clone())
            .bypass_governance_retention(true)
            .send()
            .await,
        "clerk shortening",
    );
    officer
        .put_object_retention()
        .bucket(&bucket)
        .key("g")
        .version_id(&v)
        .retention(shorter)
        .bypass_governance_retention(true)
        .send()
        .await
        .unwrap();
    // DeleteObjects reports a locked version as an AccessDenied entry.
    let batch = |s3: &aws_sdk_s3::Client| {
        s3.delete_objects()
            .bucket(&bucket)
            .bypass_governance_retention(true)
            .delete(
                Delete::builder()
                    .objects(
                        ObjectIdentifier::builder()
                            .key("g")
                            .version_id(&v)
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
    };
    let out = batch(&clerk).await.unwrap();
    assert_eq!(out.errors().len(), 1, "{out:?}");
    assert_eq!(out.errors()[0].code(), Some("AccessDenied"));
    let out = batch(&officer).await.unwrap();
    assert!(out.errors().is_empty(), "{out:?}");
    assert_eq!(out.deleted().len(), 1);

    // The officer's single delete works too, with the header.
    let w = put_retained(
        &root,
        &bucket,
        "h",
        ObjectLockMode::Governance,
        in_secs(3600),
    )
    .await;
    delete_version(&officer, &bucket, "h", &w, true)
        .await
        .unwrap();
    assert_error(
        root.head_object()
            .bucket(&bucket)
            .key("h")
            .version_id(&w)
            .send()
            .await,
        "NotFound",
        404,
    );
}

#[tokio::test]
async fn compliance_refuses_even_the_root_and_survives_a_restart() {
    let mut server = Server::start();
    let s3 = server.client();
    let bucket = lock_bucket(&s3, "lockcomp").await;
    let v = put_retained(&s3, &bucket, "c", ObjectLockMode::Compliance, in_secs(3600)).await;
    assert_locked(
        delete_version(&s3, &bucket, "c", &v, true).await,
        "root bypassing COMPLIANCE",
    );
    let set = |r: ObjectLockRetention| {
        s3.put_object_retention()
            .bucket(&bucket)
            .key("c")
            .version_id(&v)
            .retention(r)
            .bypass_governance_retention(true)
            .send()
    };
    assert_locked(
        set(retention(ObjectLockRetentionMode::Compliance, in_secs(60))).await,
        "shortening",
    );
    assert_locked(
        set(retention(
            ObjectLockRetentionMode::Governance,
            in_secs(7200),
        ))
        .await,
        "downgrading to GOVERNANCE",
    );
    assert_locked(
        set(ObjectLockRetention::builder().build()).await,
        "removing",
    );
    let extended = in_secs(7200);
    set(retention(ObjectLockRetentionMode::Compliance, extended))
        .await
        .unwrap();
    // A delete without a version id only adds a marker; the bucket then is not empty.
    let marker = s3
        .delete_object()
        .bucket(&bucket)
        .key("c")
        .send()
        .await
        .unwrap();
    assert_eq!(marker.delete_marker(), Some(true));
    assert_error(
        s3.delete_bucket().bucket(&bucket).send().await,
        "BucketNotEmpty",
        409,
    );

    // The locked blob carries its lock on disk, where the store itself enforces it.
    let sidecars = walk(&server.data_dir().join("data").join("blobs"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "lock"))
        .count();
    assert_eq!(sidecars, 1, "one locked blob");

    server.restart();
    let s3 = server.client();
    assert_locked(
        delete_version(&s3, &bucket, "c", &v, true).await,
        "after a restart",
    );
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("c")
        .version_id(&v)
        .send()
        .await
        .unwrap();
    assert_eq!(got.object_lock_mode(), Some(&ObjectLockMode::Compliance));
    assert_eq!(
        got.object_lock_retain_until_date().map(DateTime::secs),
        Some(extended.secs())
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn legal_hold_blocks_deletes_until_removed() {
    let server = Server::start();
    let root = server.client();
    let bucket = lock_bucket(&root, "lockhold").await;
    let v = root
        .put_object()
        .bucket(&bucket)
        .key("evidence")
        .body(ByteStream::from_static(b"exhibit A"))
        .object_lock_legal_hold_status(ObjectLockLegalHoldStatus::On)
        .send()
        .await
        .unwrap()
        .version_id
        .unwrap();
    let head = root
        .head_object()
        .bucket(&bucket)
        .key("evidence")
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.object_lock_legal_hold_status(),
        Some(&ObjectLockLegalHoldStatus::On)
    );
    assert!(head.object_lock_mode().is_none());
    assert_locked(
        delete_version(&root, &bucket, "evidence", &v, true).await,
        "held",
    );

    // Lifting a hold needs s3:PutObjectLegalHold.
    let objects = format!("arn:aws:s3:::{bucket}/*");
    let paralegal = user_with_key(&server, "paralegal").await;
    put_user_policy(
        &server,
        "paralegal",
        "work",
        &policy("Allow", &["s3:GetObjectLegalHold"], &[&objects]),
    )
    .await;
    let paralegal = paralegal.s3(&server);
    let hold = |status| ObjectLockLegalHold::builder().status(status).build();
    let got = paralegal
        .get_object_legal_hold()
        .bucket(&bucket)
        .key("evidence")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.legal_hold().and_then(|h| h.status()),
        Some(&ObjectLockLegalHoldStatus::On)
    );
    assert_denied(
        paralegal
            .put_object_legal_hold()
            .bucket(&bucket)
            .key("evidence")
            .legal_hold(hold(ObjectLockLegalHoldStatus::Off))
            .send()
            .await,
        "lifting a hold without s3:PutObjectLegalHold",
    );

    let lifted = root
        .put_object_legal_hold()
        .bucket(&bucket)
        .key("evidence")
        .version_id(&v)
        .legal_hold(hold(ObjectLockLegalHoldStatus::Off))
        .send()
        .await
        .unwrap();
    drop(lifted);
    let got = root
        .get_object_legal_hold()
        .bucket(&bucket)
        .key("evidence")
        .version_id(&v)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.legal_hold().and_then(|h| h.status()),
        Some(&ObjectLockLegalHoldStatus::Off)
    );
    delete_version(&root, &bucket, "evidence", &v, false)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_expired_retention_lets_the_version_go() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = lock_bucket(&s3, "lockexp").await;
    let until = SystemTime::now() + Duration::from_secs(3);
    let v = put_retained(
        &s3,
        &bucket,
        "short",
        ObjectLockMode::Compliance,
        DateTime::from(until),
    )
    .await;
    assert_locked(
        delete_version(&s3, &bucket, "short", &v, true).await,
        "before it expires",
    );
    if let Ok(left) = until.duration_since(SystemTime::now()) {
        tokio::time::sleep(left + Duration::from_millis(300)).await;
    }
    delete_version(&s3, &bucket, "short", &v, false)
        .await
        .unwrap();
    // Nothing of it is left on disk.
    assert!(
        walk(&server.data_dir().join("data").join("blobs"))
            .iter()
            .all(|p| p.extension().is_none_or(|e| e != "lock"))
    );
}

#[tokio::test]
async fn multipart_and_copies_take_their_own_lock_settings() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = lock_bucket(&s3, "lockmpu").await;
    let upload = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("big")
        .object_lock_mode(ObjectLockMode::Compliance)
        .object_lock_retain_until_date(in_secs(3600))
        .object_lock_legal_hold_status(ObjectLockLegalHoldStatus::On)
        .send()
        .await
        .unwrap();
    let id = upload.upload_id().unwrap();
    let part = vec![7u8; 5 * 1024 * 1024];
    let mut completed = Vec::new();
    for n in 1..=2 {
        let out = s3
            .upload_part()
            .bucket(&bucket)
            .key("big")
            .upload_id(id)
            .part_number(n)
            .body(ByteStream::from(part.clone()))
            .send()
            .await
            .unwrap();
        completed.push(
            aws_sdk_s3::types::CompletedPart::builder()
                .part_number(n)
                .e_tag(out.e_tag().unwrap())
                .build(),
        );
    }
    let done = s3
        .complete_multipart_upload()
        .bucket(&bucket)
        .key("big")
        .upload_id(id)
        .multipart_upload(
            aws_sdk_s3::types::CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let v = done.version_id().unwrap().to_owned();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("big")
        .send()
        .await
        .unwrap();
    assert_eq!(head.object_lock_mode(), Some(&ObjectLockMode::Compliance));
    assert_eq!(
        head.object_lock_legal_hold_status(),
        Some(&ObjectLockLegalHoldStatus::On)
    );
    assert_locked(
        delete_version(&s3, &bucket, "big", &v, true).await,
        "a locked multipart object",
    );
    let sidecars = walk(&server.data_dir().join("data").join("blobs"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "lock"))
        .count();
    assert_eq!(sidecars, 2, "both parts are locked in the store");

    // A copy takes the lock its request names, never the source's.
    s3.copy_object()
        .bucket(&bucket)
        .key("copy")
        .copy_source(format!("{bucket}/big"))
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("copy")
        .send()
        .await
        .unwrap();
    assert!(head.object_lock_mode().is_none());
    assert!(head.object_lock_legal_hold_status().is_none());
    s3.copy_object()
        .bucket(&bucket)
        .key("copy")
        .copy_source(format!("{bucket}/big"))
        .object_lock_mode(ObjectLockMode::Governance)
        .object_lock_retain_until_date(in_secs(600))
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("copy")
        .send()
        .await
        .unwrap();
    assert_eq!(head.object_lock_mode(), Some(&ObjectLockMode::Governance));
}
