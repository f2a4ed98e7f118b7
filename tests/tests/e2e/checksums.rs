//! Flexible checksums end to end: stored with every object, full-object and composite for
//! multipart uploads, returned in checksum mode.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, ChecksumMode, ChecksumType, CompletedMultipartUpload, CompletedPart,
};
use rampart_e2e::raw::RawRequest;
use rampart_e2e::{Server, pattern};

use crate::common::{assert_error, body_bytes, create_bucket, put};

const MIB: usize = 1024 * 1024;

async fn create(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> String {
    s3.create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_owned()
}

fn done(parts: Vec<CompletedPart>) -> CompletedMultipartUpload {
    CompletedMultipartUpload::builder()
        .set_parts(Some(parts))
        .build()
}

fn crc64nvme(data: &[u8]) -> String {
    use base64::Engine as _;
    let value = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Nvme, data);
    base64::engine::general_purpose::STANDARD.encode(value.to_be_bytes())
}

#[tokio::test]
async fn checksums_full_object_and_composite() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "sums").await;
    let (p1, p2) = (pattern(5 * MIB, 1), pattern(MIB, 2));

    // CRC64NVME full-object: the checksum of the whole object, from the parts'.
    let id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("full")
        .checksum_algorithm(ChecksumAlgorithm::Crc64Nvme)
        .checksum_type(ChecksumType::FullObject)
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_owned();
    let mut parts = Vec::new();
    for (n, data) in [(1, &p1), (2, &p2)] {
        let out = s3
            .upload_part()
            .bucket(&bucket)
            .key("full")
            .upload_id(&id)
            .part_number(n)
            .checksum_algorithm(ChecksumAlgorithm::Crc64Nvme)
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(out.checksum_crc64_nvme(), Some(crc64nvme(data).as_str()));
        parts.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(out.e_tag().unwrap())
                .checksum_crc64_nvme(out.checksum_crc64_nvme().unwrap())
                .build(),
        );
    }
    let whole = [p1.as_slice(), &p2].concat();
    let out = s3
        .complete_multipart_upload()
        .bucket(&bucket)
        .key("full")
        .upload_id(&id)
        .checksum_type(ChecksumType::FullObject)
        .checksum_crc64_nvme(crc64nvme(&whole))
        .multipart_upload(done(parts))
        .send()
        .await
        .unwrap();
    assert_eq!(out.checksum_crc64_nvme(), Some(crc64nvme(&whole).as_str()));
    assert_eq!(out.checksum_type(), Some(&ChecksumType::FullObject));
    // The SDK validates the checksum of what it receives in checksum mode.
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("full")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(got.checksum_crc64_nvme(), Some(crc64nvme(&whole).as_str()));
    assert_eq!(got.checksum_type(), Some(&ChecksumType::FullObject));
    assert_eq!(body_bytes(got.body).await, whole);

    // CRC32 composite: `…-N`, and each part's own checksum on a part read.
    let id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("composite")
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_owned();
    let mut parts = Vec::new();
    for (n, data) in [(1, &p1), (2, &p2)] {
        let out = s3
            .upload_part()
            .bucket(&bucket)
            .key("composite")
            .upload_id(&id)
            .part_number(n)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap();
        parts.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(out.e_tag().unwrap())
                .checksum_crc32(out.checksum_crc32().unwrap())
                .build(),
        );
    }
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key("composite")
        .upload_id(&id)
        .multipart_upload(done(parts))
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("composite")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert!(head.checksum_crc32().unwrap().ends_with("-2"), "{head:?}");
    assert_eq!(head.checksum_type(), Some(&ChecksumType::Composite));

    // A part checksum of the wrong algorithm, or a wrong value, is refused.
    let id = create(&s3, &bucket, "bad").await;
    let resp = RawRequest::new("PUT", &format!("/{bucket}/bad"))
        .query(&format!("partNumber=1&uploadId={id}"))
        .header("x-amz-checksum-crc32", "AAAAAA==")
        .body("data")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.error_code().as_deref(), Some("BadDigest"));
    // Impossible combinations at creation.
    assert_error(
        s3.create_multipart_upload()
            .bucket(&bucket)
            .key("x")
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_type(ChecksumType::FullObject)
            .send()
            .await,
        "InvalidRequest",
        400,
    );
}

#[tokio::test]
async fn single_puts_store_a_checksum() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "put-sums").await;
    // The SDK sends CRC32 by default; S3 stores it as the object's full-object checksum.
    put(&s3, &bucket, "k", &pattern(100_000, 4)).await;
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("k")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert!(head.checksum_crc32().is_some());
    assert_eq!(head.checksum_type(), Some(&ChecksumType::FullObject));
    // Without any checksum from the client, S3 computes CRC64NVME.
    let data = pattern(1000, 5);
    let resp = RawRequest::new("PUT", &format!("/{bucket}/plain"))
        .body(data.clone())
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 200);
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("plain")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_crc64_nvme(), Some(crc64nvme(&data).as_str()));
    // Ranged reads carry no checksum.
    let ranged = s3
        .get_object()
        .bucket(&bucket)
        .key("plain")
        .range("bytes=0-9")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.checksum_crc64_nvme(), None);
}

#[tokio::test]
async fn the_sdk_checksum_header_names_the_upload_algorithm() {
    let server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "sdk-alg").await;
    let resp = RawRequest::new("POST", &format!("/{bucket}/k"))
        .query("uploads")
        .header("x-amz-sdk-checksum-algorithm", "SHA1")
        .sign(server.port, None)
        .send(server.port)
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("x-amz-checksum-algorithm"), Some("SHA1"));
    assert_eq!(resp.header("x-amz-checksum-type"), Some("COMPOSITE"));
}
