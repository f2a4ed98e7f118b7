//! The access-control matrix: Block Public Access settings × bucket policy or ACL × principal
//! × action, each outcome written out in the table below and checked against a running server.
//!
//! Principals: the bucket owner's root; `alice`, a user of the owner's account with no
//! identity policy; `bob`, a user of the owner's account whose identity policy allows
//! s3:GetObject, s3:PutObject and s3:ListBucket everywhere; `other`, the root of a second
//! account; `anon`, an unsigned request. Actions: G = GetObject, P = PutObject, L = ListBucket
//! (ListObjectsV2). In each cell the letters are the allowed actions, `-` a denied one.

use rampart_e2e::Server;
use rampart_e2e::raw::RawRequest;

use crate::bucket_policy::create_account;
use crate::common::{create_bucket, put};
use crate::iam::{Keys, account_of, put_user_policy, user_with_key};

/// Block Public Access on the bucket (the account has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bpa {
    /// DeletePublicAccessBlock: nothing blocked.
    Off,
    /// A new bucket's default: all four settings on.
    All,
    /// BlockPublicPolicy only.
    BlockPolicy,
    /// RestrictPublicBuckets only.
    Restrict,
}

/// The bucket policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pol {
    None,
    /// `*` may s3:GetObject: public.
    PublicRead,
    /// The second account's root may s3:GetObject and s3:ListBucket: not public.
    OtherAccount,
    /// alice, by her ARN, may s3:GetObject: not public.
    AliceGrant,
    /// bob is denied s3:* on the bucket and its objects.
    DenyBob,
    /// `*` may s3:GetObject from 127.0.0.1/32 only: pinned to a fixed source, so not public.
    PinnedToSourceIp,
    /// No policy; the bucket is ObjectWriter and object `k` gets the canned ACL public-read
    /// (refused under BlockPublicAcls, so those rows read as private).
    AclPublicRead,
    /// No policy; ObjectWriter, and the second account is granted READ on the bucket and on
    /// object `k` by its canonical id: not public.
    AclOtherAccountRead,
}

/// Expected outcomes: `who=GPL` per principal. A public policy under BlockPublicPolicy is
/// refused when put, so those rows read as if the bucket had no policy.
#[rustfmt::skip]
const MATRIX: &[(Bpa, Pol, &str)] = &[
    (Bpa::Off, Pol::None, "root=GPL alice=--- bob=GPL other=--- anon=---"),
    (Bpa::Off, Pol::PublicRead, "root=GPL alice=G-- bob=GPL other=G-- anon=G--"),
    (Bpa::Off, Pol::OtherAccount, "root=GPL alice=--- bob=GPL other=G-L anon=---"),
    (Bpa::Off, Pol::AliceGrant, "root=GPL alice=G-- bob=GPL other=--- anon=---"),
    (Bpa::Off, Pol::DenyBob, "root=GPL alice=--- bob=--- other=--- anon=---"),
    (Bpa::Off, Pol::PinnedToSourceIp, "root=GPL alice=G-- bob=GPL other=G-- anon=G--"),
    (Bpa::All, Pol::None, "root=GPL alice=--- bob=GPL other=--- anon=---"),
    (Bpa::All, Pol::PublicRead, "root=GPL alice=--- bob=GPL other=--- anon=---"),
    (Bpa::All, Pol::OtherAccount, "root=GPL alice=--- bob=GPL other=G-L anon=---"),
    (Bpa::All, Pol::AliceGrant, "root=GPL alice=G-- bob=GPL other=--- anon=---"),
    (Bpa::All, Pol::DenyBob, "root=GPL alice=--- bob=--- other=--- anon=---"),
    (Bpa::All, Pol::PinnedToSourceIp, "root=GPL alice=G-- bob=GPL other=G-- anon=G--"),
    (Bpa::BlockPolicy, Pol::None, "root=GPL alice=--- bob=GPL other=--- anon=---"),
    (Bpa::BlockPolicy, Pol::PublicRead, "root=GPL alice=--- bob=GPL other=--- anon=---"),
    (Bpa::BlockPolicy, Pol::OtherAccount, "root=GPL alice=--- bob=GPL other=G-L anon=---"),
    (Bpa::BlockPolicy, Pol::AliceGrant, "root=GPL alice=G-- bob=GPL other=--- anon=---"),
    (Bpa::BlockPolicy, Pol::DenyBob, "root=GPL alice=--- bob=--- other=--- anon=---"),
    (Bpa::BlockPolicy, Pol::PinnedToSourceIp, "root=GPL alice=G-- bob=GPL other=G-- anon=G--"),
    (Bpa::Restrict, Pol::None, "root=GPL alice=--- bob=GPL other=--- anon=---"),
    (Bpa::Restrict, Pol::PublicRead, "root=GPL alice=G-- bob=GPL other=--- anon=---"),
    (Bpa::Restrict, Pol::OtherAccount, "root=GPL alice=--- bob=GPL other=G-L anon=---"),
    (Bpa::Restrict, Pol::AliceGrant, "root=GPL alice=G-- bob=GPL other=--- anon=---"),
    (Bpa::Restrict, Pol::DenyBob, "root=GPL alice=--- bob=--- other=--- anon=---"),
    (Bpa::Restrict, Pol::PinnedToSourceIp, "root=GPL alice=G-- bob=GPL other=G-- anon=G--"),
    (Bpa::Off, Pol::AclPublicRead, "root=GPL alice=G-- bob=GPL other=G-- anon=G--"),
    (Bpa::All, Pol::AclPublicRead, "root=GPL alice=--- bob=GPL other=--- anon=---"),
    (Bpa::BlockPolicy, Pol::AclPublicRead, "root=GPL alice=G-- bob=GPL other=G-- anon=G--"),
    (Bpa::Restrict, Pol::AclPublicRead, "root=GPL alice=G-- bob=GPL other=G-- anon=G--"),
    (Bpa::Off, Pol::AclOtherAccountRead, "root=GPL alice=--- bob=GPL other=G-L anon=---"),
    (Bpa::All, Pol::AclOtherAccountRead, "root=GPL alice=--- bob=GPL other=G-L anon=---"),
    (Bpa::BlockPolicy, Pol::AclOtherAccountRead, "root=GPL alice=--- bob=GPL other=G-L anon=---"),
    (Bpa::Restrict, Pol::AclOtherAccountRead, "root=GPL alice=--- bob=GPL other=G-L anon=---"),
];

const PRINCIPALS: [&str; 5] = ["root", "alice", "bob", "other", "anon"];
const ACTIONS: [char; 3] = ['G', 'P', 'L'];

struct World {
    server: Server,
    account: String,
    other_account: String,
    other_canonical_id: String,
    owner_canonical: String,
    keys: Vec<(&'static str, Keys)>,
}

fn policy_document(world: &World, bucket: &str, policy: Pol) -> Option<String> {
    let arn = format!("arn:aws:s3:::{bucket}");
    let objects = format!("{arn}/*");
    let account = &world.account;
    let statement = match policy {
        Pol::None | Pol::AclPublicRead | Pol::AclOtherAccountRead => return None,
        Pol::PublicRead => serde_json::json!({
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": objects
        }),
        Pol::OtherAccount => serde_json::json!({
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", world.other_account)},
            "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [arn, objects]
        }),
        Pol::AliceGrant => serde_json::json!({
            "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:user/alice")},
            "Action": "s3:GetObject", "Resource": objects
        }),
        Pol::DenyBob => serde_json::json!({
            "Effect": "Deny", "Principal": {"AWS": format!("arn:aws:iam::{account}:user/bob")},
            "Action": "s3:*", "Resource": [arn, objects]
        }),
        Pol::PinnedToSourceIp => serde_json::json!({
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": objects,
            "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}
        }),
    };
    Some(serde_json::json!({"Version": "2012-10-17", "Statement": [statement]}).to_string())
}

async fn set_bpa(s3: &aws_sdk_s3::Client, bucket: &str, bpa: Bpa) {
    use aws_sdk_s3::types::PublicAccessBlockConfiguration as Config;
    let config = match bpa {
        Bpa::All => return,
        Bpa::Off => {
            s3.delete_public_access_block()
                .bucket(bucket)
                .send()
                .await
                .unwrap();
            return;
        }
        Bpa::BlockPolicy => Config::builder().block_public_policy(true).build(),
        Bpa::Restrict => Config::builder().restrict_public_buckets(true).build(),
    };
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(config)
        .send()
        .await
        .unwrap();
}

/// Applies an ACL row's grants (after Block Public Access is set, so BlockPublicAcls may
/// refuse them). Returns whether the grants were accepted.
async fn apply_acl(world: &World, s3: &aws_sdk_s3::Client, bucket: &str, policy: Pol) -> bool {
    use aws_sdk_s3::types::{ObjectCannedAcl, ObjectOwnership};
    if !matches!(policy, Pol::AclPublicRead | Pol::AclOtherAccountRead) {
        return true;
    }
    crate::acl::set_ownership(s3, bucket, ObjectOwnership::ObjectWriter).await;
    let grant = format!("id=\"{}\"", world.other_canonical_id);
    let result = match policy {
        Pol::AclPublicRead => s3
            .put_object_acl()
            .bucket(bucket)
            .key("k")
            .acl(ObjectCannedAcl::PublicRead)
            .send()
            .await
            .map(|_| ()),
        _ => {
            s3.put_bucket_acl()
                .bucket(bucket)
                .grant_read(&grant)
                .grant_full_control(format!("id=\"{}\"", world.owner_canonical_id()))
                .send()
                .await
                .unwrap();
            s3.put_object_acl()
                .bucket(bucket)
                .key("k")
                .grant_read(&grant)
                .grant_full_control(format!("id=\"{}\"", world.owner_canonical_id()))
                .send()
                .await
                .map(|_| ())
        }
    };
    result.is_ok()
}

impl World {
    fn owner_canonical_id(&self) -> &str {
        &self.owner_canonical
    }
}

/// Whether `who` may take `action` on the bucket (by its HTTP status: 2xx or 403).
async fn attempt(world: &World, who: &str, action: char, bucket: &str) -> bool {
    let status = if who == "anon" {
        let request = match action {
            'G' => RawRequest::new("GET", &format!("/{bucket}/k")),
            'P' => RawRequest::new("PUT", &format!("/{bucket}/anon")).body(b"x".to_vec()),
            _ => RawRequest::new("GET", &format!("/{bucket}")).query("list-type=2"),
        };
        request.send(world.server.port).await.status
    } else {
        let keys = &world.keys.iter().find(|(name, _)| *name == who).unwrap().1;
        let s3 = keys.s3(&world.server);
        let result = match action {
            'G' => s3
                .get_object()
                .bucket(bucket)
                .key("k")
                .send()
                .await
                .map(|_| 200)
                .map_err(|e| e.raw_response().map(|r| r.status().as_u16())),
            'P' => s3
                .put_object()
                .bucket(bucket)
                .key(format!("by-{who}"))
                .body(b"x".to_vec().into())
                .send()
                .await
                .map(|_| 200)
                .map_err(|e| e.raw_response().map(|r| r.status().as_u16())),
            _ => s3
                .list_objects_v2()
                .bucket(bucket)
                .send()
                .await
                .map(|_| 200)
                .map_err(|e| e.raw_response().map(|r| r.status().as_u16())),
        };
        match result {
            Ok(status) => status,
            Err(Some(status)) => status,
            Err(None) => panic!("{who} {action} on {bucket}: no response"),
        }
    };
    assert!(
        status == 200 || status == 403,
        "{who} {action} on {bucket}: unexpected status {status}"
    );
    status == 200
}

#[tokio::test]
async fn block_public_access_policies_principals_and_actions() {
    let server = Server::start();
    let root = server.client();
    let account = account_of(&server, &Keys::root()).await;
    let (other_account, other_keys) = create_account(&server, "matrix-other");
    let alice = user_with_key(&server, "alice").await;
    let bob = user_with_key(&server, "bob").await;
    put_user_policy(
        &server,
        "bob",
        "everything-listed",
        &serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::*"]}]
        })
        .to_string(),
    )
    .await;
    let canonical_of = |s3: aws_sdk_s3::Client| async move {
        s3.list_buckets()
            .send()
            .await
            .unwrap()
            .owner
            .and_then(|o| o.id)
            .expect("ListBuckets names its owner")
    };
    let owner_canonical = canonical_of(root.clone()).await;
    let other_canonical_id = canonical_of(other_keys.s3(&server)).await;
    let world = World {
        server,
        account,
        other_account,
        other_canonical_id,
        owner_canonical,
        keys: vec![
            ("root", Keys::root()),
            ("alice", alice),
            ("bob", bob),
            ("other", other_keys),
        ],
    };

    let mut failures = Vec::new();
    let mut checked = 0;
    for (bpa, policy, expected) in MATRIX {
        let bucket = create_bucket(&root, "matrix").await;
        put(&root, &bucket, "k", b"v").await;
        set_bpa(&root, &bucket, *bpa).await;
        if let Some(document) = policy_document(&world, &bucket, *policy) {
            let blocked = matches!(bpa, Bpa::All | Bpa::BlockPolicy) && *policy == Pol::PublicRead;
            let put_policy = root
                .put_bucket_policy()
                .bucket(&bucket)
                .policy(document)
                .send()
                .await;
            assert_eq!(
                put_policy.is_err(),
                blocked,
                "{bpa:?} {policy:?}: PutBucketPolicy {put_policy:?}"
            );
        }
        let acl_accepted = apply_acl(&world, &root, &bucket, *policy).await;
        let acl_blocked = *bpa == Bpa::All && *policy == Pol::AclPublicRead;
        assert_eq!(
            acl_accepted,
            !acl_blocked,
            "{bpa:?} {policy:?}: the ACL {}",
            if acl_blocked {
                "should be refused by BlockPublicAcls"
            } else {
                "was refused"
            }
        );
        let cells: Vec<(&str, &str)> = expected
            .split_whitespace()
            .map(|cell| cell.split_once('=').expect("who=GPL"))
            .collect();
        assert_eq!(
            cells.iter().map(|(who, _)| *who).collect::<Vec<_>>(),
            PRINCIPALS
        );
        for (who, allowed) in cells {
            for (action, letter) in ACTIONS.iter().zip(allowed.chars()) {
                let expect = letter == *action;
                let got = attempt(&world, who, *action, &bucket).await;
                checked += 1;
                if got != expect {
                    failures.push(format!(
                        "{bpa:?} {policy:?}: {who} {action}: expected {}, got {}",
                        if expect { "allowed" } else { "denied" },
                        if got { "allowed" } else { "denied" }
                    ));
                }
            }
        }
    }
    assert_eq!(checked, MATRIX.len() * PRINCIPALS.len() * ACTIONS.len());
    assert!(
        failures.is_empty(),
        "{} of {checked} cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
