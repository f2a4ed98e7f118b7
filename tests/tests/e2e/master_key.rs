//! `rampart admin rotate-master-key` end to end: every SSE-S3 data key (single objects,
//! multipart parts, an upload in progress), every stored secret and every KMS key's material
//! is re-wrapped under a new
//! key, objects stay readable before and after a restart that loads only the new key, and the
//! key file really changed.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, ServerSideEncryption};
use rampart_e2e::{Server, md5_hex, pattern};

use crate::bucket_policy::create_account;
use crate::common::{body_bytes, create_bucket};
use crate::iam::json_ok;
use crate::sse::multipart_object;

const MIB: usize = 1024 * 1024;

async fn read(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("read {key}: {e:?}"));
    body_bytes(out.body).await
}

#[tokio::test]
async fn rotating_the_master_key_rewraps_everything_and_keeps_it_readable() {
    let mut server = Server::start();
    let s3 = server.client();
    let bucket = create_bucket(&s3, "rotate").await;
    let small = b"inline object".to_vec();
    let blob = pattern(300_000, 1);
    let large = pattern(5 * MIB + 4096, 2);
    s3.put_object()
        .bucket(&bucket)
        .key("small")
        .body(ByteStream::from(small.clone()))
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket(&bucket)
        .key("blob")
        .body(ByteStream::from(blob.clone()))
        .send()
        .await
        .unwrap();
    multipart_object(&s3, &bucket, "multipart", &large).await;
    // An upload in progress across the rotation.
    let upload = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("pending")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let part1 = pattern(5 * MIB, 3);
    let p1 = s3
        .upload_part()
        .bucket(&bucket)
        .key("pending")
        .upload_id(&upload)
        .part_number(1)
        .body(ByteStream::from(part1.clone()))
        .send()
        .await
        .unwrap();
    // An SSE-KMS object under a key made through the KMS API: its material is sealed by the
    // master key too.
    let created = json_ok(
        &server.aws(&["kms", "create-key", "--output", "json"]),
        "aws kms create-key",
    );
    let kms_key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let kms_body = pattern(100_000, 5);
    s3.put_object()
        .bucket(&bucket)
        .key("kms")
        .body(ByteStream::from(kms_body.clone()))
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .ssekms_key_id(&kms_key)
        .send()
        .await
        .unwrap();
    // A stored secret: another account's root key.
    let (_, other) = create_account(&server, "rotation-other");

    let key_file = server
        .data_dir()
        .join("data")
        .join("keys")
        .join("master.key");
    let old_key = std::fs::read(&key_file).unwrap();
    let report = json_ok(
        &server.rampart(&["admin", "rotate-master-key"]),
        "rampart admin rotate-master-key",
    );
    // Three single-blob or inline keys (small, blob, and part 1 of the pending upload) plus
    // the two parts of the completed multipart object.
    assert_eq!(report["data_keys_rewrapped"], 5, "{report}");
    assert_eq!(report["sse_s3_data_keys"], 5, "{report}");
    // The test root's key comes from the environment and is not stored; the other account's is.
    assert_eq!(report["secrets_rewrapped"], 1, "{report}");
    assert_eq!(report["kms_key_material_rewrapped"], 1, "{report}");
    let new_key = std::fs::read(&key_file).unwrap();
    assert_eq!(new_key.len(), 32);
    assert_ne!(new_key, old_key, "the key file holds the new key");
    assert!(!key_file.with_extension("key.next").exists());

    // Readable now, and after a restart that loads only the new key.
    for restart in [false, true] {
        if restart {
            server.restart();
        }
        let s3 = server.client();
        assert_eq!(read(&s3, &bucket, "small").await, small);
        assert_eq!(read(&s3, &bucket, "blob").await, blob);
        let got = read(&s3, &bucket, "multipart").await;
        assert_eq!(md5_hex(&got), md5_hex(&large));
        assert_eq!(read(&s3, &bucket, "kms").await, kms_body);
        let others = server.client_with(&other.access, &other.secret, |b| b);
        others
            .list_buckets()
            .send()
            .await
            .expect("the other account's key still authenticates");
    }
    // The upload begun before the rotation completes with its old part and a new one.
    let s3 = server.client();
    let part2 = pattern(1000, 4);
    let p2 = s3
        .upload_part()
        .bucket(&bucket)
        .key("pending")
        .upload_id(&upload)
        .part_number(2)
        .body(ByteStream::from(part2.clone()))
        .send()
        .await
        .unwrap();
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key("pending")
        .upload_id(&upload)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    CompletedPart::builder()
                        .part_number(1)
                        .e_tag(p1.e_tag().unwrap())
                        .build(),
                )
                .parts(
                    CompletedPart::builder()
                        .part_number(2)
                        .e_tag(p2.e_tag().unwrap())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut expected = part1;
    expected.extend_from_slice(&part2);
    assert_eq!(
        md5_hex(&read(&s3, &bucket, "pending").await),
        md5_hex(&expected)
    );

    // A second rotation finds everything under the current key and re-wraps it again.
    let again = json_ok(
        &server.rampart(&["admin", "rotate-master-key"]),
        "second rotation",
    );
    // small, blob, two parts each of the two multipart objects.
    assert_eq!(again["data_keys_rewrapped"], 6, "{again}");
    assert_eq!(read(&s3, &bucket, "blob").await, blob);
}
