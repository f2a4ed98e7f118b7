//! Browser uploads (POST Object): hand-built `multipart/form-data` forms with signed POST
//! policies, and boto3's `generate_presigned_post` uploaded by urllib3.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_e2e::raw::{MultipartForm, RawRequest, RawResponse};
use rampart_e2e::{ACCESS_KEY, REGION, SECRET_KEY, Server, bucket_name, md5_hex, pattern};
use rampart_sigv4::{CredentialScope, format_amz_date, sign_post_policy};

use crate::common::body_bytes;

/// A form and the policy that signs it. `field` adds a field and an exact-match condition
/// for it; `unpoliced` adds a field no condition covers; `condition` adds a condition alone.
#[derive(Clone)]
pub struct Post {
    bucket: String,
    fields: Vec<(String, String)>,
    conditions: Vec<String>,
    expiration: SystemTime,
    pub access_key: String,
    pub secret: String,
    /// Replaces the computed signature.
    signature: Option<String>,
    signed: bool,
    file_name: Option<String>,
    file: Vec<u8>,
    /// Fields after the file part (S3 ignores them).
    after_file: Vec<(String, String)>,
}

fn json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn iso8601(t: SystemTime) -> String {
    let amz = format_amz_date(t).expect("a formattable time");
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &amz[0..4],
        &amz[4..6],
        &amz[6..8],
        &amz[9..11],
        &amz[11..13],
        &amz[13..15]
    )
}

impl Post {
    pub fn new(bucket: &str, key: &str, file: &[u8]) -> Self {
        Self {
            bucket: bucket.to_owned(),
            fields: Vec::new(),
            conditions: vec![format!("{{\"bucket\": {}}}", json(bucket))],
            expiration: SystemTime::now() + Duration::from_secs(600),
            access_key: ACCESS_KEY.to_owned(),
            secret: SECRET_KEY.to_owned(),
            signature: None,
            signed: true,
            file_name: Some("upload.bin".to_owned()),
            file: file.to_vec(),
            after_file: Vec::new(),
        }
        .field("key", key)
    }

    pub fn field(mut self, name: &str, value: &str) -> Self {
        self.conditions.push(format!(
            "[\"eq\", {}, {}]",
            json(&format!("${name}")),
            json(value)
        ));
        self.unpoliced(name, value)
    }

    fn unpoliced(mut self, name: &str, value: &str) -> Self {
        self.fields.push((name.to_owned(), value.to_owned()));
        self
    }

    fn condition(mut self, condition: &str) -> Self {
        self.conditions.push(condition.to_owned());
        self
    }

    /// The form fields, authentication included, in the order browsers send them.
    fn form_fields(&self) -> Vec<(String, String)> {
        let mut fields = self.fields.clone();
        if !self.signed {
            return fields;
        }
        let now = SystemTime::now();
        let amz_date = format_amz_date(now).unwrap();
        let scope = CredentialScope::new(&amz_date[..8], REGION, "s3");
        let credential = format!("{}/{scope}", self.access_key);
        let mut conditions = self.conditions.clone();
        conditions.push("{\"x-amz-algorithm\": \"AWS4-HMAC-SHA256\"}".to_owned());
        conditions.push(format!("{{\"x-amz-credential\": {}}}", json(&credential)));
        conditions.push(format!("{{\"x-amz-date\": {}}}", json(&amz_date)));
        let policy = format!(
            "{{\"expiration\": \"{}\", \"conditions\": [{}]}}",
            iso8601(self.expiration),
            conditions.join(", ")
        );
        let policy = B64.encode(policy);
        let signature = self
            .signature
            .clone()
            .unwrap_or_else(|| sign_post_policy(&self.secret, &scope, &policy));
        fields.extend([
            ("X-Amz-Algorithm".to_owned(), "AWS4-HMAC-SHA256".to_owned()),
            ("X-Amz-Credential".to_owned(), credential),
            ("X-Amz-Date".to_owned(), amz_date),
            ("Policy".to_owned(), policy),
            ("X-Amz-Signature".to_owned(), signature),
        ]);
        fields
    }

    fn body(&self) -> MultipartForm {
        let mut form = MultipartForm::default();
        for (name, value) in self.form_fields() {
            form = form.field(&name, &value);
        }
        form = form.part(
            "file",
            self.file_name.as_deref(),
            Some("application/octet-stream"),
            &self.file,
        );
        for (name, value) in &self.after_file {
            form = form.field(name, value);
        }
        form
    }

    pub async fn send(&self, port: u16) -> RawResponse {
        send_form(port, &self.bucket, self.body()).await
    }

    /// The form as a request to send (over TLS, say).
    pub fn request(&self) -> RawRequest {
        form_request(&self.bucket, self.body())
    }
}

async fn send_form(port: u16, bucket: &str, form: MultipartForm) -> RawResponse {
    form_request(bucket, form).send(port).await
}

fn form_request(bucket: &str, form: MultipartForm) -> RawRequest {
    let content_type = form.content_type();
    RawRequest::new("POST", &format!("/{bucket}"))
        .header("content-type", &content_type)
        .body(form.finish())
}

async fn server_with_bucket(tag: &str) -> (Server, String) {
    let server = Server::start();
    let bucket = bucket_name(tag);
    server
        .client()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    (server, bucket)
}

async fn assert_absent(server: &Server, bucket: &str, key: &str) {
    let err = server
        .client()
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect_err("the object must not exist");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(404));
}

async fn get_bytes(server: &Server, bucket: &str, key: &str) -> Vec<u8> {
    let out = server
        .client()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key}: {e:?}"));
    body_bytes(out.body).await
}

#[tokio::test]
async fn upload_with_metadata_tags_and_headers_round_trips() {
    let (server, bucket) = server_with_bucket("post-ok").await;
    let data = pattern(100_000, 7);
    let tagging = "<Tagging><TagSet><Tag><Key>env</Key><Value>prod</Value></Tag>\
                   <Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>";
    let mut post = Post::new(&bucket, "docs/report.bin", &data)
        .field("Content-Type", "application/x-report")
        .field("Cache-Control", "max-age=60")
        .field("Content-Disposition", "attachment; filename=\"r.bin\"")
        .field("x-amz-meta-Color", "blue")
        .field("acl", "bucket-owner-full-control")
        .field("x-amz-storage-class", "STANDARD_IA")
        .field("tagging", tagging)
        .unpoliced("x-ignore-tracking", "123");
    post.after_file = vec![("submit".into(), "Upload to Amazon S3".into())];
    let r = post.send(server.port).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let etag = format!("\"{}\"", md5_hex(&data));
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert_eq!(
        r.header("location"),
        Some(format!("{}/{bucket}/docs%2Freport.bin", server.endpoint).as_str())
    );
    assert!(r.body.is_empty());

    let s3 = server.client();
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("docs/report.bin")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("application/x-report"));
    assert_eq!(got.cache_control(), Some("max-age=60"));
    assert_eq!(
        got.content_disposition(),
        Some("attachment; filename=\"r.bin\"")
    );
    assert_eq!(got.e_tag(), Some(etag.as_str()));
    assert_eq!(got.tag_count(), Some(2));
    assert_eq!(got.storage_class().map(|c| c.as_str()), Some("STANDARD_IA"));
    let metadata = got.metadata().cloned().unwrap_or_default();
    assert_eq!(metadata.get("color").map(String::as_str), Some("blue"));
    assert_eq!(metadata.len(), 1, "{metadata:?}");
    assert_eq!(body_bytes(got.body).await, data);
    let tags = s3
        .get_object_tagging()
        .bucket(&bucket)
        .key("docs/report.bin")
        .send()
        .await
        .unwrap();
    let tags: Vec<(&str, &str)> = tags
        .tag_set()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    assert_eq!(tags, [("env", "prod"), ("team", "web")]);
}

#[tokio::test]
async fn filename_variable_and_success_statuses() {
    let (server, bucket) = server_with_bucket("post-status").await;
    // `${filename}` takes the file part's name (its last path segment); 201 answers XML.
    let mut post = Post::new(&bucket, "uploads/${filename}", b"hello")
        .condition("[\"starts-with\", \"$key\", \"uploads/\"]")
        .field("success_action_status", "201");
    post.conditions.remove(1); // the exact `key` condition: starts-with covers it instead
    post.file_name = Some("dir/photo one.jpg".into());
    let r = post.send(server.port).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let etag = format!("\"{}\"", md5_hex(b"hello"));
    let location = format!("{}/{bucket}/uploads%2Fphoto%20one.jpg", server.endpoint);
    assert_eq!(r.element("Bucket").as_deref(), Some(bucket.as_str()));
    assert_eq!(r.element("Key").as_deref(), Some("uploads/photo one.jpg"));
    assert_eq!(r.element("ETag").as_deref(), Some(etag.as_str()));
    assert_eq!(r.element("Location").as_deref(), Some(location.as_str()));
    assert!(r.text().contains("<PostResponse>"), "{}", r.text());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert_eq!(r.header("location"), Some(location.as_str()));
    assert_eq!(
        get_bytes(&server, &bucket, "uploads/photo one.jpg").await,
        b"hello"
    );
    // No filename parameter: `${filename}` stays as it is.
    post.file_name = None;
    let r = post.send(server.port).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.element("Key").as_deref(), Some("uploads/${filename}"));

    for (status, expected) in [("200", 200), ("204", 204), ("404", 204), ("", 204)] {
        let key = format!("status-{status}");
        let r = Post::new(&bucket, &key, b"x")
            .field("success_action_status", status)
            .send(server.port)
            .await;
        assert_eq!(r.status, expected, "{status}: {}", r.text());
        assert!(r.body.is_empty());
        assert!(r.header("etag").is_some());
    }
}

#[tokio::test]
async fn success_action_redirect_is_a_303() {
    let (server, bucket) = server_with_bucket("post-redirect").await;
    let r = Post::new(&bucket, "a b/c.txt", b"data")
        .field("success_action_redirect", "http://example.com/done?x=1")
        .field("success_action_status", "201")
        .send(server.port)
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let expected = format!(
        "http://example.com/done?x=1&bucket={bucket}&key=a+b%2Fc.txt&etag=%22{}%22",
        md5_hex(b"data")
    );
    assert_eq!(r.header("location"), Some(expected.as_str()));
    // A URL S3 cannot use is as if the field were absent.
    let r = Post::new(&bucket, "rel", b"data")
        .field("success_action_redirect", "/relative/path")
        .send(server.port)
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
}

#[tokio::test]
async fn policy_violations_are_refused_and_write_nothing() {
    let (server, bucket) = server_with_bucket("post-policy").await;
    let base = || Post::new(&bucket, "k", b"0123456789");

    let mut expired = base();
    expired.expiration = SystemTime::now() - Duration::from_secs(60);
    let r = expired.send(server.port).await;
    r.assert_error(403, "AccessDenied");
    assert_eq!(
        r.element("Message").as_deref(),
        Some("Invalid according to Policy: Policy expired.")
    );

    let mut wrong_key = base();
    wrong_key.fields[0].1 = "other".into();
    let r = wrong_key.send(server.port).await;
    r.assert_error(403, "AccessDenied");
    assert_eq!(
        r.element("Message")
            .map(|m| m.replace("&quot;", "\""))
            .as_deref(),
        Some("Invalid according to Policy: Policy Condition failed: [\"eq\", \"$key\", \"k\"]")
    );

    let r = base()
        .unpoliced("x-amz-meta-extra", "1")
        .send(server.port)
        .await;
    r.assert_error(403, "AccessDenied");
    assert_eq!(
        r.element("Message").as_deref(),
        Some("Invalid according to Policy: Extra input fields: x-amz-meta-extra")
    );

    // The policy is for another bucket.
    let mut other_bucket = base();
    other_bucket.conditions[0] = "{\"bucket\": \"not-this-one\"}".into();
    other_bucket
        .send(server.port)
        .await
        .assert_error(403, "AccessDenied");

    let r = base()
        .condition("[\"content-length-range\", 1, 5]")
        .send(server.port)
        .await;
    r.assert_error(400, "EntityTooLarge");
    assert_eq!(r.element("MaxSizeAllowed").as_deref(), Some("5"));
    let r = base()
        .condition("[\"content-length-range\", 11, 100]")
        .send(server.port)
        .await;
    r.assert_error(400, "EntityTooSmall");
    assert_eq!(r.element("ProposedSize").as_deref(), Some("10"));
    assert_eq!(r.element("MinSizeAllowed").as_deref(), Some("11"));
    // A large file over the limit fails as it streams, and leaves nothing behind.
    let mut big = base().condition("[\"content-length-range\", 0, 100000]");
    big.file = pattern(200_000, 3);
    big.send(server.port)
        .await
        .assert_error(400, "EntityTooLarge");
    assert_absent(&server, &bucket, "k").await;

    let r = base()
        .condition("[\"content-length-range\", 10, 10]")
        .send(server.port)
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
}

#[tokio::test]
async fn authentication_failures() {
    let (server, bucket) = server_with_bucket("post-auth").await;
    let base = || Post::new(&bucket, "k", b"data");

    let mut bad_signature = base();
    bad_signature.signature = Some("0".repeat(64));
    let r = bad_signature.send(server.port).await;
    r.assert_error(403, "SignatureDoesNotMatch");
    assert_eq!(r.element("AWSAccessKeyId").as_deref(), Some(ACCESS_KEY));
    assert!(r.element("StringToSign").is_some());

    let mut wrong_secret = base();
    wrong_secret.secret = "not-the-secret".into();
    wrong_secret
        .send(server.port)
        .await
        .assert_error(403, "SignatureDoesNotMatch");

    let mut unknown = base();
    unknown.access_key = "AKIAUNKNOWNKEY000000".into();
    let r = unknown.send(server.port).await;
    r.assert_error(403, "InvalidAccessKeyId");
    assert_eq!(
        r.element("AWSAccessKeyId").as_deref(),
        Some("AKIAUNKNOWNKEY000000")
    );

    // No signature fields: anonymous, and anonymous may not write here.
    let mut anonymous = base();
    anonymous.signed = false;
    anonymous
        .send(server.port)
        .await
        .assert_error(403, "AccessDenied");

    // Signature fields without a policy, or without a signature.
    let mut fields = base().form_fields();
    fields.retain(|(n, _)| n != "Policy");
    let form = fields
        .iter()
        .fold(MultipartForm::default(), |f, (n, v)| f.field(n, v))
        .part("file", Some("f"), None, b"data");
    let r = send_form(server.port, &bucket, form).await;
    r.assert_error(400, "InvalidArgument");
    assert_eq!(r.element("ArgumentName").as_deref(), Some("policy"));
    let mut fields = base().form_fields();
    fields.retain(|(n, _)| n != "X-Amz-Signature");
    let form = fields
        .iter()
        .fold(MultipartForm::default(), |f, (n, v)| f.field(n, v))
        .part("file", Some("f"), None, b"data");
    let r = send_form(server.port, &bucket, form).await;
    r.assert_error(400, "InvalidArgument");
    assert_eq!(
        r.element("ArgumentName").as_deref(),
        Some("X-Amz-Signature")
    );
    assert_absent(&server, &bucket, "k").await;
}

#[tokio::test]
async fn malformed_forms() {
    let (server, bucket) = server_with_bucket("post-form").await;

    let r = RawRequest::new("POST", &format!("/{bucket}"))
        .header("content-type", "text/plain")
        .body("key=k")
        .send(server.port)
        .await;
    r.assert_error(412, "PreconditionFailed");
    assert_eq!(
        r.element("Condition").as_deref(),
        Some("Bucket POST must be of the enclosure-type multipart/form-data")
    );

    // The key after the file is ignored, so there is none.
    let mut post = Post::new(&bucket, "k", b"data");
    post.after_file = post.fields.drain(..1).collect();
    post.conditions.remove(1);
    let r = post.send(server.port).await;
    r.assert_error(400, "InvalidArgument");
    assert_eq!(r.element("ArgumentName").as_deref(), Some("key"));

    // No file part at all.
    let form = Post::new(&bucket, "k", b"")
        .form_fields()
        .iter()
        .fold(MultipartForm::default(), |f, (n, v)| f.field(n, v));
    let r = send_form(server.port, &bucket, form).await;
    r.assert_error(400, "InvalidArgument");
    assert_eq!(r.element("ArgumentName").as_deref(), Some("file"));

    // Fields before the file may not exceed S3's 20 KB.
    let r = Post::new(&bucket, "k", b"data")
        .field("x-amz-meta-big", &"x".repeat(21 * 1024))
        .send(server.port)
        .await;
    r.assert_error(400, "MaxPostPreDataLengthExceeded");

    // A form that never closes its file part.
    let mut body = Post::new(&bucket, "k", b"data").body().finish();
    body.truncate(body.len() - 50);
    let r = RawRequest::new("POST", &format!("/{bucket}"))
        .header("content-type", &MultipartForm::default().content_type())
        .body(body)
        .send(server.port)
        .await;
    r.assert_error(400, "MalformedPOSTRequest");
    assert_absent(&server, &bucket, "k").await;

    // Nothing in a bucket that does not exist.
    Post::new("no-such-bucket-here", "k", b"data")
        .send(server.port)
        .await
        .assert_error(404, "NoSuchBucket");
}

#[tokio::test]
async fn a_large_file_streams_through() {
    let (server, bucket) = server_with_bucket("post-large").await;
    let data = pattern(20 * 1024 * 1024, 11);
    let r = Post::new(&bucket, "large.bin", &data)
        .condition("[\"content-length-range\", 1, 104857600]")
        .send(server.port)
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        r.header("etag"),
        Some(format!("\"{}\"", md5_hex(&data)).as_str())
    );
    let got = get_bytes(&server, &bucket, "large.bin").await;
    assert!(got == data, "the large object differs");
}

/// boto3 writes the policy and the fields, urllib3 encodes the form: the best check that
/// our reading of a POST policy agrees with AWS's own client.
#[tokio::test]
async fn boto3_generate_presigned_post() {
    let (server, bucket) = server_with_bucket("post-boto").await;
    let script = r#"
import sys, boto3, urllib3
from botocore.config import Config
endpoint, bucket = sys.argv[1], sys.argv[2]
# Without this botocore signs presigned POSTs with SigV2, which S3 (and Rampart) refuse.
s3 = boto3.client("s3", endpoint_url=endpoint, config=Config(signature_version="s3v4"))
post = s3.generate_presigned_post(
    bucket, "boto/${filename}",
    Fields={"Content-Type": "text/plain", "success_action_status": "201",
            "x-amz-meta-origin": "boto3"},
    Conditions=[["starts-with", "$key", "boto/"], {"Content-Type": "text/plain"},
                {"success_action_status": "201"}, {"x-amz-meta-origin": "boto3"},
                ["content-length-range", 1, 1048576]],
    ExpiresIn=300)
fields = dict(post["fields"])
fields["file"] = ("hello.txt", b"hello from boto3", "text/plain")
r = urllib3.PoolManager().request("POST", post["url"], fields=fields)
print(r.status)
print(r.data.decode())
fields["file"] = ("big.txt", b"x" * 2000000, "text/plain")
r = urllib3.PoolManager().request("POST", post["url"], fields=fields)
print(r.data.decode())
print(r.status)
"#;
    let output = server.python(&["-c", script, &server.endpoint, &bucket]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("201"), "{stdout}");
    assert!(stdout.contains("<Key>boto/hello.txt</Key>"), "{stdout}");
    assert!(
        stdout.lines().last() == Some("400") && stdout.contains("<Code>EntityTooLarge</Code>"),
        "{stdout}"
    );
    let got = server
        .client()
        .get_object()
        .bucket(&bucket)
        .key("boto/hello.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("text/plain"));
    assert_eq!(
        got.metadata()
            .and_then(|m| m.get("origin"))
            .map(String::as_str),
        Some("boto3")
    );
    assert_eq!(body_bytes(got.body).await, b"hello from boto3");
}
