//! Helpers shared by the test modules.

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::byte_stream::ByteStream;

/// The S3 error code and HTTP status of a failed SDK call.
pub fn error_of<E: ProvideErrorMetadata, R: std::fmt::Debug + HttpStatus>(
    err: &SdkError<E, R>,
) -> (String, u16) {
    let code = err
        .as_service_error()
        .and_then(|e| e.code())
        .unwrap_or_default()
        .to_owned();
    let status = err.raw_response().map(|r| r.http_status()).unwrap_or(0);
    (code, status)
}

pub trait HttpStatus {
    fn http_status(&self) -> u16;
}

impl HttpStatus for aws_sdk_s3::config::http::HttpResponse {
    fn http_status(&self) -> u16 {
        self.status().as_u16()
    }
}

/// Asserts a failed call has this S3 code and status.
#[track_caller]
pub fn assert_error<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, SdkError<E, aws_sdk_s3::config::http::HttpResponse>>,
    code: &str,
    status: u16,
) {
    match result {
        Ok(v) => panic!("expected {code} ({status}), got success: {v:?}"),
        Err(e) => assert_eq!(error_of(&e), (code.to_owned(), status), "{e:?}"),
    }
}

pub async fn body_bytes(body: ByteStream) -> Vec<u8> {
    body.collect()
        .await
        .expect("read the body")
        .into_bytes()
        .to_vec()
}

pub async fn create_bucket(s3: &aws_sdk_s3::Client, tag: &str) -> String {
    let name = rampart_e2e::bucket_name(tag);
    s3.create_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("create bucket");
    name
}

pub async fn put(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, data: &[u8]) -> String {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e:?}"))
        .e_tag()
        .unwrap_or_default()
        .to_owned()
}

pub async fn get(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key}: {e:?}"));
    body_bytes(out.body).await
}
