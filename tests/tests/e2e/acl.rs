//! ACLs and Object Ownership end to end: the ownership setting of a bucket, bucket and object
//! ACLs, Block Public Access on ACLs, and ACL grants in authorization.

use aws_sdk_s3::types::{ObjectOwnership, OwnershipControls, OwnershipControlsRule};

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
