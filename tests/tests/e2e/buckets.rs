//! Bucket operations: create, list, head, locate, delete, with S3's errors.

use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use rampart_e2e::raw::RawRequest;
use rampart_e2e::{Server, ServerOptions, bucket_name};

use crate::common::{assert_error, create_bucket, put};

#[tokio::test]
async fn create_list_head_delete() {
    let server = Server::start();
    let s3 = server.client();
    let name = bucket_name("life");
    s3.create_bucket().bucket(&name).send().await.unwrap();
    let list = s3.list_buckets().send().await.unwrap();
    let owner = list.owner().unwrap();
    assert_eq!(owner.id().unwrap().len(), 64);
    assert_eq!(owner.display_name(), Some("rampart"));
    let found = list
        .buckets()
        .iter()
        .find(|b| b.name() == Some(name.as_str()))
        .unwrap();
    assert!(found.creation_date().is_some());
    assert_eq!(found.bucket_region(), Some("us-east-1"));
    let head = s3.head_bucket().bucket(&name).send().await.unwrap();
    assert_eq!(head.bucket_region(), Some("us-east-1"));
    s3.delete_bucket().bucket(&name).send().await.unwrap();
    let err = s3.head_bucket().bucket(&name).send().await.unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 404);
    assert_error(
        s3.delete_bucket().bucket(&name).send().await,
        "NoSuchBucket",
        404,
    );
}

#[tokio::test]
async fn create_response_has_location() {
    let server = Server::start();
    let name = bucket_name("loc");
    let resp = RawRequest::new("PUT", &format!("/{name}"))
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("location"), Some(format!("/{name}").as_str()));
}

#[tokio::test]
async fn invalid_bucket_names_are_refused() {
    let server = Server::start();
    for name in [
        "ab",
        "UPPERCASE",
        "under_score",
        "-leading",
        "trailing-",
        "a..b",
        "192.168.1.1",
        "xn--punycode",
    ] {
        let resp = RawRequest::new("PUT", &format!("/{name}"))
            .sign(server.port, None)
            .send(server.port)
            .await;
        assert_eq!(resp.status, 400, "{name}: {}", resp.text());
        assert_eq!(
            resp.error_code().as_deref(),
            Some("InvalidBucketName"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn recreating_an_owned_bucket_in_us_east_1_is_ok() {
    // S3's legacy behaviour in us-east-1: 200, and the bucket is untouched.
    let server = Server::start();
    let s3 = server.client();
    let name = create_bucket(&s3, "again").await;
    put(&s3, &name, "keep", b"still here").await;
    s3.create_bucket().bucket(&name).send().await.unwrap();
    let got = s3
        .get_object()
        .bucket(&name)
        .key("keep")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_length(), Some(10));
}

#[tokio::test]
async fn other_regions_follow_their_own_rules() {
    let server = Server::start_with(ServerOptions {
        region: "eu-west-1".into(),
        ..Default::default()
    });
    let s3 = server.client();
    let name = bucket_name("euw");
    let config = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::EuWest1)
        .build();
    s3.create_bucket()
        .bucket(&name)
        .create_bucket_configuration(config.clone())
        .send()
        .await
        .unwrap();
    // Outside us-east-1, re-creating your own bucket is an error.
    assert_error(
        s3.create_bucket()
            .bucket(&name)
            .create_bucket_configuration(config)
            .send()
            .await,
        "BucketAlreadyOwnedByYou",
        409,
    );
    let location = s3.get_bucket_location().bucket(&name).send().await.unwrap();
    assert_eq!(
        location.location_constraint(),
        Some(&BucketLocationConstraint::EuWest1)
    );
    // Another region's constraint, or none at all, is illegal on this endpoint.
    let other = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::ApSouth1)
        .build();
    assert_error(
        s3.create_bucket()
            .bucket(bucket_name("aps"))
            .create_bucket_configuration(other)
            .send()
            .await,
        "IllegalLocationConstraintException",
        400,
    );
    assert_error(
        s3.create_bucket().bucket(bucket_name("none")).send().await,
        "IllegalLocationConstraintException",
        400,
    );
    let head = s3.head_bucket().bucket(&name).send().await.unwrap();
    assert_eq!(head.bucket_region(), Some("eu-west-1"));
}

#[tokio::test]
async fn us_east_1_location() {
    let server = Server::start();
    let s3 = server.client();
    let name = create_bucket(&s3, "use1").await;
    let location = s3.get_bucket_location().bucket(&name).send().await.unwrap();
    // us-east-1 is reported as an empty LocationConstraint (the SDK reads it as "").
    assert_eq!(
        location
            .location_constraint()
            .map(|c| c.as_str())
            .unwrap_or(""),
        ""
    );
    let resp = RawRequest::new("GET", &format!("/{name}"))
        .query("location")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert!(
        resp.text()
            .contains("<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>")
    );
    // Naming us-east-1 explicitly is InvalidLocationConstraint.
    let body = "<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>";
    let resp = RawRequest::new("PUT", &format!("/{}", bucket_name("explicit")))
        .body(body)
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(
        resp.error_code().as_deref(),
        Some("InvalidLocationConstraint")
    );
    assert_eq!(resp.status, 400);
}

#[tokio::test]
async fn non_empty_buckets_are_not_deleted() {
    let server = Server::start();
    let s3 = server.client();
    let name = create_bucket(&s3, "full").await;
    put(&s3, &name, "k", b"x").await;
    assert_error(
        s3.delete_bucket().bucket(&name).send().await,
        "BucketNotEmpty",
        409,
    );
    // The failed delete leaves the bucket fully usable.
    put(&s3, &name, "k2", b"y").await;
    s3.delete_object()
        .bucket(&name)
        .key("k")
        .send()
        .await
        .unwrap();
    s3.delete_object()
        .bucket(&name)
        .key("k2")
        .send()
        .await
        .unwrap();
    s3.delete_bucket().bucket(&name).send().await.unwrap();
}

#[tokio::test]
async fn missing_buckets() {
    let server = Server::start();
    let s3 = server.client();
    let name = bucket_name("ghost");
    assert_error(
        s3.list_objects_v2().bucket(&name).send().await,
        "NoSuchBucket",
        404,
    );
    assert_error(
        s3.get_bucket_location().bucket(&name).send().await,
        "NoSuchBucket",
        404,
    );
    assert_error(
        s3.put_object()
            .bucket(&name)
            .key("k")
            .body(Vec::new().into())
            .send()
            .await,
        "NoSuchBucket",
        404,
    );
    let resp = RawRequest::new("GET", &format!("/{name}/k"))
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.element("BucketName").as_deref(), Some(name.as_str()));
}

#[tokio::test]
async fn list_buckets_pages_and_filters() {
    let server = Server::start();
    let s3 = server.client();
    let mut names = Vec::new();
    for i in 0..5 {
        let name = format!("page-{i}-{}", std::process::id());
        s3.create_bucket().bucket(&name).send().await.unwrap();
        names.push(name);
    }
    s3.create_bucket()
        .bucket(bucket_name("other"))
        .send()
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = s3
            .list_buckets()
            .max_buckets(2)
            .prefix("page-")
            .set_continuation_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.buckets().len() <= 2);
        seen.extend(page.buckets().iter().map(|b| b.name().unwrap().to_owned()));
        token = page.continuation_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, names);
    assert_error(
        s3.list_buckets().max_buckets(0).send().await,
        "InvalidArgument",
        400,
    );
}

#[tokio::test]
async fn expected_bucket_owner_is_checked() {
    let server = Server::start();
    let s3 = server.client();
    let name = create_bucket(&s3, "owner").await;
    assert_error(
        s3.list_objects_v2()
            .bucket(&name)
            .expected_bucket_owner("111122223333")
            .send()
            .await,
        "AccessDenied",
        403,
    );
}
