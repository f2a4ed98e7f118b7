//! Browser uploads (POST Object): a `multipart/form-data` body whose fields carry what PUT
//! carries in headers, authenticated by a signed POST policy instead of a signed request.
//!
//! The request reaches this handler unauthenticated (service.rs). The fields before `file`
//! are read (S3 caps them at 20 KiB); then the form is authenticated, authorized, checked
//! against its policy, and only then does the file part stream into the engine. Fields after
//! `file` are ignored, as S3 ignores them.

use std::borrow::Cow;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rampart_engine::checksum::ChecksumAlgorithm;
use rampart_engine::tagging::{MAX_OBJECT_TAGS, TagSet};
use rampart_engine::{PutObjectInput, PutObjectOutput, WriteCondition};
use rampart_iam::Principal;
use rampart_sigv4::{
    FIELD_ALGORITHM, FIELD_CREDENTIAL, FIELD_DATE, FIELD_SIGNATURE, PostAuthFields, SigV4Error,
};
use rampart_store::ByteStream;
use rampart_types::{BucketName, ObjectKey};
use time::OffsetDateTime;

use super::acl::object_acl_from_headers;
use super::object::{reject_unsupported_write_headers, storage_class};
use crate::authz::{self, AuthType, RequestInfo, S3Access};
use crate::error::{ApiError, S3ErrorCode};
use crate::headers::{self, USER_METADATA_PREFIX};
use crate::post_policy::{FormFields, PostPolicy};
use crate::router::Endpoint;
use crate::service::RequestCtx;
use crate::{response, xml};

/// S3: "The form data and boundaries (excluding the contents of the file) cannot exceed 20KB."
pub const MAX_POST_PRE_DATA_BYTES: usize = 20 * 1024;
/// How far the parser may read past the form limit before the file part begins (it reads
/// ahead, and buffers a part's headers or a preamble whole): a bound on memory, not a limit
/// a valid form can meet.
const PRE_FILE_READ_AHEAD: u64 = 1024 * 1024;
/// RFC 2046: a boundary is 1 to 70 characters.
const MAX_BOUNDARY_LEN: usize = 70;
/// The authentication fields, with S3's spelling for errors, in the order S3 asks for them.
const AUTH_FIELDS: [(&str, &str); 4] = [
    ("x-amz-algorithm", FIELD_ALGORITHM),
    ("x-amz-credential", FIELD_CREDENTIAL),
    ("x-amz-date", FIELD_DATE),
    ("x-amz-signature", FIELD_SIGNATURE),
];
/// Form fields that set the object's headers as their PUT namesakes do.
const CONTENT_FIELDS: &[&str] = &[
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-md5",
    "content-type",
    "expires",
];
/// `x-amz-*` fields that are never object headers: authentication and request framing.
const NON_OBJECT_FIELDS: &[&str] = &[
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-signature",
    "x-amz-security-token",
    "x-amz-trailer",
    "x-amz-content-sha256",
    "x-amz-decoded-content-length",
];
/// Form encoding of the redirect's query values (a space is `+`) and of the key in an
/// object URL: everything but RFC 3986's unreserved characters is escaped, `/` included.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub async fn post_object(ctx: &RequestCtx) -> Result<Response, ApiError> {
    let boundary = form_boundary(&ctx.headers)?;
    let bucket = ctx.bucket()?.clone();
    let bucket_owner = ctx
        .bucket_record
        .as_ref()
        .map(|b| b.owner.clone())
        .ok_or_else(|| ApiError::internal("PostObject without its bucket record"))?;
    let file_started = Arc::new(AtomicBool::new(false));
    let body = PreFileLimit {
        inner: ctx.take_body(None),
        read: 0,
        file_started: file_started.clone(),
    };
    let part_overhead = boundary.len() + 4;
    let mut form = multer::Multipart::new(body, boundary);
    let (mut fields, file) = read_fields(&mut form, part_overhead).await?;
    file_started.store(true, Ordering::Relaxed);
    // Without a filename parameter S3 leaves `${filename}` as it is.
    if let Some(name) = file.file_name() {
        fields.expand_filename(base_name(name));
    }
    let key = fields
        .get("key")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| missing_field("key"))?
        .to_owned();

    let (principal, policy) = authenticate(ctx, &fields)?;
    tracing::Span::current().record("principal", principal.log_name());
    let object_headers = form_headers(&fields)?;
    let info = RequestInfo {
        auth_type: if policy.is_some() {
            AuthType::Post
        } else {
            AuthType::None
        },
        signature_age_ms: None,
        ..ctx.info.clone()
    };
    // The policy as it applies to the form's signer (Block Public Access may withhold a
    // public policy from callers outside the owner's account).
    let bucket_policy = ctx
        .state
        .bucket_policies
        .applicable(
            &ctx.state.engine,
            &bucket,
            &bucket_owner.account_id,
            &principal,
        )
        .await?;
    authz::authorize_s3(
        &ctx.state,
        &principal,
        &info,
        &S3Access {
            endpoint: Endpoint::PostObject,
            bucket: Some(&bucket),
            key: Some(&key),
            bucket_owner: Some(&bucket_owner),
            bucket_policy: bucket_policy.as_deref(),
            headers: &object_headers,
            query: &ctx.query,
        },
        None,
    )
    .await?;
    let size_range = match &policy {
        Some(policy) => {
            policy.check_expiration(OffsetDateTime::now_utc())?;
            policy.check(&fields, bucket.as_str())?
        }
        None => None,
    };

    let key = ObjectKey::parse(key).map_err(|_| {
        ApiError::new(S3ErrorCode::KeyTooLongError)
            .field("MaxSizeAllowed", rampart_types::MAX_KEY_BYTES.to_string())
    })?;
    let owner = principal
        .account()
        .map(|a| a.owner())
        .ok_or_else(|| ApiError::new(S3ErrorCode::AccessDenied))?;
    reject_unsupported_write_headers(&object_headers)?;
    if let Some(name) = object_headers
        .keys()
        .find(|name| name.as_str().starts_with("x-amz-object-lock-"))
    {
        return Err(ApiError::not_implemented(
            "Object Lock fields in browser uploads are not implemented; use PutObject. The bucket's default retention still applies.",
        )
        .field("Header", name.as_str().to_owned()));
    }
    let acl = object_acl_from_headers(ctx, &object_headers, &owner).await?;
    let (checksum, _) = headers::checksum(&object_headers)?;
    let input = PutObjectInput {
        bucket: bucket.clone(),
        key: key.clone(),
        declared_len: None,
        content_md5: headers::content_md5(&object_headers)?,
        checksum,
        headers: headers::content_headers(&object_headers)?,
        user_metadata: headers::user_metadata(&object_headers),
        storage_class: storage_class(&object_headers)?,
        tags: form_tags(&fields)?,
        condition: WriteCondition::None,
        owner: acl.owner,
        acl: acl.acl,
        encryption: super::sse_headers::requested_encryption(ctx, &object_headers)?,
        kms: super::sse_headers::kms_for(ctx),
        body: Box::pin(FileStream {
            field: file,
            range: size_range,
            received: 0,
            done: false,
        }),
        lock: Default::default(),
    };
    let output = ctx.state.engine.put_object(input).await?;
    respond(ctx, &fields, &bucket, &key, &output)
}

/// The form's boundary. A body that is not a form is 412, as S3 answers.
fn form_boundary(headers: &HeaderMap) -> Result<String, ApiError> {
    let not_a_form = || {
        ApiError::new(S3ErrorCode::PreconditionFailed).field(
            "Condition",
            "Bucket POST must be of the enclosure-type multipart/form-data",
        )
    };
    let content_type = headers::get(headers, "content-type")?.ok_or_else(not_a_form)?;
    match multer::parse_boundary(content_type) {
        Ok(b) if !b.is_empty() && b.len() <= MAX_BOUNDARY_LEN => Ok(b),
        Ok(_) | Err(multer::Error::NoBoundary) => Err(S3ErrorCode::MalformedPOSTRequest.into()),
        Err(_) => Err(not_a_form()),
    }
}

/// Reads the fields up to the file part, which it returns unread. Each part costs its
/// boundary line, headers and value against S3's limit.
async fn read_fields(
    form: &mut multer::Multipart<'static>,
    part_overhead: usize,
) -> Result<(FormFields, multer::Field<'static>), ApiError> {
    let mut fields = FormFields::default();
    let mut budget = MAX_POST_PRE_DATA_BYTES;
    let mut charge = |n: usize| {
        budget = budget.checked_sub(n).ok_or_else(|| {
            ApiError::new(S3ErrorCode::MaxPostPreDataLengthExceeded).field(
                "MaxPostPreDataLengthBytes",
                MAX_POST_PRE_DATA_BYTES.to_string(),
            )
        })?;
        Ok::<_, ApiError>(())
    };
    loop {
        let Some(mut part) = form.next_field().await.map_err(form_error)? else {
            return Err(ApiError::invalid_argument(
                "POST requires exactly one file upload per request.",
                "file",
                "0",
            ));
        };
        let headers_len: usize = part
            .headers()
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 4)
            .sum();
        charge(part_overhead + headers_len)?;
        let name = part
            .name()
            .ok_or(S3ErrorCode::MalformedPOSTRequest)?
            .to_owned();
        if is_file_part(&part, &name) {
            return Ok((fields, part));
        }
        let mut value = Vec::new();
        while let Some(chunk) = part.chunk().await.map_err(form_error)? {
            charge(chunk.len())?;
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value).map_err(|e| {
            ApiError::invalid_argument(
                "The form and policy must be UTF-8 encoded.",
                &name,
                String::from_utf8_lossy(e.as_bytes()),
            )
        })?;
        fields.push(name, value);
    }
}

/// The file is the `form-data` part named `file`, not any part with a filename.
fn is_file_part(part: &multer::Field<'_>, name: &str) -> bool {
    name.eq_ignore_ascii_case("file")
        && part
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .get(..9)
                    .is_some_and(|t| t.eq_ignore_ascii_case("form-data"))
            })
}

/// Browsers may send a path; S3 keeps what follows the last `/` or `\`.
fn base_name(filename: &str) -> &str {
    filename.rsplit(['/', '\\']).next().unwrap_or(filename)
}

/// A parse failure, or the body's own error (timeout, disconnect) carried through the parser.
fn form_error(e: multer::Error) -> ApiError {
    match e {
        multer::Error::StreamReadFailed(inner) => match inner.downcast::<std::io::Error>() {
            Ok(io) => ApiError::from_io(*io),
            Err(other) => ApiError::internal(format!("request body: {other}")),
        },
        other => {
            let mut err = ApiError::new(S3ErrorCode::MalformedPOSTRequest);
            err.detail = Some(other.to_string());
            err
        }
    }
}

fn missing_field(name: &str) -> ApiError {
    ApiError::invalid_argument(
        format!(
            "Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields."
        ),
        name,
        "",
    )
}

/// Who signed the form and the policy they signed. A form without SigV4 fields is
/// anonymous (and its policy, if any, is not checked); authorization decides what it may do.
fn authenticate(
    ctx: &RequestCtx,
    fields: &FormFields,
) -> Result<(Principal, Option<PostPolicy>), ApiError> {
    if !AUTH_FIELDS.iter().any(|(name, _)| fields.has(name)) {
        if fields.has("AWSAccessKeyId") || fields.has("signature") {
            return Err(SigV4Error::UnsupportedSignatureVersion.into());
        }
        return Ok((Principal::Anonymous, None));
    }
    let [algorithm, credential, date, signature] =
        AUTH_FIELDS.map(|(name, shown)| fields.get(name).ok_or_else(|| missing_field(shown)));
    let auth = PostAuthFields {
        algorithm: algorithm?,
        credential: credential?,
        date: date?,
        signature: signature?,
        policy: fields
            .get("policy")
            .ok_or_else(|| missing_field("policy"))?,
    };
    let parsed = rampart_sigv4::parse_post_auth(&auth)?;
    let resolved = ctx
        .state
        .identities
        .resolve_access_key(&parsed.access_key_id)
        .ok_or_else(|| {
            ApiError::new(S3ErrorCode::InvalidAccessKeyId)
                .field("AWSAccessKeyId", parsed.access_key_id.clone())
        })?;
    if !resolved.active {
        return Err(ApiError::new(S3ErrorCode::InvalidAccessKeyId)
            .field("AWSAccessKeyId", parsed.access_key_id.clone()));
    }
    rampart_sigv4::verify_post_auth(
        &auth,
        &parsed,
        resolved.secret.expose(),
        &ctx.state.config.region,
    )?;
    let token = fields.get("x-amz-security-token");
    resolved
        .check_token(token)
        .map_err(|problem| crate::auth::token_error(problem, &parsed.access_key_id, token))?;
    // Decoded only once the signature vouches for it.
    let policy = PostPolicy::parse(auth.policy)?;
    Ok((resolved.principal, Some(policy)))
}

/// The fields that describe the object, as the request headers PUT would carry, so that
/// both operations read them the same way.
fn form_headers(fields: &FormFields) -> Result<HeaderMap, ApiError> {
    let mut map = HeaderMap::new();
    for (name, value) in fields.iter() {
        let lower = name.to_ascii_lowercase();
        let header = if lower == "acl" {
            "x-amz-acl".to_owned()
        } else if CONTENT_FIELDS.contains(&lower.as_str())
            || (lower.starts_with("x-amz-") && !NON_OBJECT_FIELDS.contains(&lower.as_str()))
        {
            lower
        } else {
            continue;
        };
        let value = if header.starts_with(USER_METADATA_PREFIX) {
            mail_safe(value)
        } else {
            Cow::Borrowed(value)
        };
        let invalid = || {
            ApiError::invalid_argument(
                format!("Form field {name} contains invalid characters."),
                name,
                value.as_ref(),
            )
        };
        let header_name = HeaderName::from_bytes(header.as_bytes()).map_err(|_| invalid())?;
        let header_value = HeaderValue::from_str(&value).map_err(|_| invalid())?;
        map.insert(header_name, header_value);
    }
    Ok(map)
}

/// S3 stores metadata that is not printable ASCII RFC 2047-encoded, so it can be returned in
/// a header.
fn mail_safe(value: &str) -> Cow<'_, str> {
    if value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(format!("=?UTF-8?B?{}?=", BASE64.encode(value)))
    }
}

/// `tagging`: a `<Tagging>` document, as PutObjectTagging takes.
fn form_tags(fields: &FormFields) -> Result<TagSet, ApiError> {
    let Some(document) = fields.get("tagging") else {
        return Ok(TagSet::default());
    };
    let tagging: xml::tagging::Tagging = xml::from_body(document.as_bytes())?;
    Ok(TagSet::new(tagging.into_pairs(), MAX_OBJECT_TAGS)?)
}

/// `success_action_redirect` (or the deprecated `redirect`) → 303 to it; else
/// `success_action_status`: 200 or 204 empty, 201 with a `PostResponse`; anything else 204.
fn respond(
    ctx: &RequestCtx,
    fields: &FormFields,
    bucket: &BucketName,
    key: &ObjectKey,
    output: &PutObjectOutput,
) -> Result<Response, ApiError> {
    let etag = output.etag.quoted();
    let redirect = fields
        .get("success_action_redirect")
        .or_else(|| fields.get("redirect"))
        .and_then(|url| redirect_target(url, bucket.as_str(), key.as_str(), &etag));
    let location = object_url(ctx, bucket, key);
    let mut r = match (redirect, fields.get("success_action_status")) {
        (Some(target), _) => {
            let mut r = response::empty(StatusCode::SEE_OTHER);
            r.headers_mut().insert(header::LOCATION, target);
            r
        }
        (None, Some("200")) => response::empty(StatusCode::OK),
        (None, Some("201")) => response::xml(
            StatusCode::CREATED,
            xml::to_document(&xml::post::PostResponse {
                location: location.clone(),
                bucket: bucket.as_str().to_owned(),
                key: key.as_str().to_owned(),
                etag: etag.clone(),
            })?,
        ),
        (None, _) => response::empty(StatusCode::NO_CONTENT),
    };
    response::set(&mut r, "etag", &etag)?;
    if r.status() != StatusCode::SEE_OTHER {
        response::set(&mut r, "location", &location)?;
    }
    if let Some((algorithm, raw)) = &output.checksum {
        response::set(
            &mut r,
            algorithm.header_name(),
            &ChecksumAlgorithm::encode_value(raw),
        )?;
    }
    Ok(r)
}

/// The redirect URL with `bucket`, `key` and `etag` appended to its query, or `None` when it
/// is not an absolute http(s) URL (S3 then acts as if the field were absent).
fn redirect_target(url: &str, bucket: &str, key: &str, etag: &str) -> Option<HeaderValue> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let absolute = (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
        && !rest.is_empty()
        && !rest.starts_with('/');
    if !absolute {
        return None;
    }
    let (base, fragment) = match url.find('#') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    let separator = match base.find('?') {
        None => "?",
        Some(_) if base.ends_with('?') || base.ends_with('&') => "",
        Some(_) => "&",
    };
    let encode = |v: &str| {
        utf8_percent_encode(v, ESCAPED)
            .to_string()
            .replace("%20", "+")
    };
    let target = format!(
        "{base}{separator}bucket={}&key={}&etag={}{fragment}",
        encode(bucket),
        encode(key),
        encode(etag)
    );
    HeaderValue::from_str(&target).ok()
}

/// The object's URL, in the addressing style the request used.
fn object_url(ctx: &RequestCtx, bucket: &BucketName, key: &ObjectKey) -> String {
    let host = headers::get(&ctx.headers, "host")
        .ok()
        .flatten()
        .unwrap_or("localhost");
    let scheme = match headers::get(&ctx.headers, "x-forwarded-proto") {
        _ if ctx.info.secure_transport => "https",
        Ok(Some(p)) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    let key = utf8_percent_encode(key.as_str(), ESCAPED);
    let host_name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let virtual_hosted = ctx.state.config.domain.as_deref().is_some_and(|domain| {
        host_name.eq_ignore_ascii_case(&format!("{}.{domain}", bucket.as_str()))
    });
    if virtual_hosted {
        format!("{scheme}://{host}/{key}")
    } else {
        format!("{scheme}://{host}/{}/{key}", bucket.as_str())
    }
}

/// Bounds what the parser may read before the file part begins.
struct PreFileLimit {
    inner: ByteStream,
    read: u64,
    file_started: Arc<AtomicBool>,
}

impl Stream for PreFileLimit {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let limit = MAX_POST_PRE_DATA_BYTES as u64 + PRE_FILE_READ_AHEAD;
        if !self.file_started.load(Ordering::Relaxed) && self.read > limit {
            return Poll::Ready(Some(Err(ApiError::new(
                S3ErrorCode::MaxPostPreDataLengthExceeded,
            )
            .field(
                "MaxPostPreDataLengthBytes",
                MAX_POST_PRE_DATA_BYTES.to_string(),
            )
            .into_io())));
        }
        let item = self.inner.poll_next_unpin(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &item {
            self.read += chunk.len() as u64;
        }
        item
    }
}

/// The file part's bytes, held to the policy's `content-length-range`: too many fail at once,
/// too few at the end, so the engine never commits such an object.
struct FileStream {
    field: multer::Field<'static>,
    range: Option<RangeInclusive<u64>>,
    received: u64,
    done: bool,
}

impl FileStream {
    fn fail(&mut self, err: ApiError) -> Poll<Option<std::io::Result<Bytes>>> {
        self.done = true;
        Poll::Ready(Some(Err(err.into_io())))
    }
}

impl Stream for FileStream {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match this.field.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                this.received += chunk.len() as u64;
                if let Some(range) = &this.range
                    && this.received > *range.end()
                {
                    let max = *range.end();
                    return this.fail(
                        ApiError::new(S3ErrorCode::EntityTooLarge)
                            .field("MaxSizeAllowed", max.to_string()),
                    );
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => this.fail(form_error(e)),
            Poll::Ready(None) => {
                if let Some(range) = &this.range
                    && this.received < *range.start()
                {
                    let (size, min) = (this.received, *range.start());
                    return this.fail(
                        ApiError::new(S3ErrorCode::EntityTooSmall)
                            .field("ProposedSize", size.to_string())
                            .field("MinSizeAllowed", min.to_string()),
                    );
                }
                this.done = true;
                Poll::Ready(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_and_enclosure_types() {
        let with = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert("content-type", HeaderValue::from_str(ct).unwrap());
            form_boundary(&h)
        };
        assert_eq!(with("multipart/form-data; boundary=abc").unwrap(), "abc");
        assert_eq!(
            with("Multipart/Form-Data; boundary=\"a b\"").unwrap(),
            "a b"
        );
        for (ct, code) in [
            ("text/html", S3ErrorCode::PreconditionFailed),
            (
                "application/x-www-form-urlencoded",
                S3ErrorCode::PreconditionFailed,
            ),
            ("multipart/form-data", S3ErrorCode::MalformedPOSTRequest),
            (
                "multipart/form-data; charset=utf-8",
                S3ErrorCode::MalformedPOSTRequest,
            ),
        ] {
            assert_eq!(with(ct).unwrap_err().code, code, "{ct}");
        }
        let long = format!("multipart/form-data; boundary={}", "a".repeat(71));
        assert_eq!(
            with(&long).unwrap_err().code,
            S3ErrorCode::MalformedPOSTRequest
        );
        assert_eq!(
            form_boundary(&HeaderMap::new()).unwrap_err().code,
            S3ErrorCode::PreconditionFailed
        );
    }

    #[test]
    fn redirects() {
        let etag = "\"abc\"";
        let t = |url: &str| {
            redirect_target(url, "b", "a dir/x+y.txt", etag).map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            t("http://example.com/done").unwrap(),
            "http://example.com/done?bucket=b&key=a+dir%2Fx%2By.txt&etag=%22abc%22"
        );
        assert_eq!(
            t("https://example.com/done?x=1#top").unwrap(),
            "https://example.com/done?x=1&bucket=b&key=a+dir%2Fx%2By.txt&etag=%22abc%22#top"
        );
        assert!(
            t("HTTPS://e.com/?")
                .unwrap()
                .starts_with("HTTPS://e.com/?bucket=b&")
        );
        for bad in [
            "/relative",
            "example.com",
            "ftp://e.com/",
            "http://",
            "http:///x",
            "",
        ] {
            assert!(t(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn filenames_and_metadata_encoding() {
        assert_eq!(base_name("C:\\Program Files\\dir\\file.txt"), "file.txt");
        assert_eq!(base_name("a/b/c.jpg"), "c.jpg");
        assert_eq!(base_name("plain"), "plain");
        assert_eq!(base_name(""), "");
        assert_eq!(mail_safe("plain value"), "plain value");
        assert_eq!(mail_safe("\u{0}\u{1}"), "=?UTF-8?B?AAE=?=");
        assert_eq!(mail_safe("é"), "=?UTF-8?B?w6k=?=");
    }

    #[test]
    fn form_fields_become_object_headers() {
        let mut f = FormFields::default();
        for (n, v) in [
            ("Content-Type", "image/png"),
            ("acl", "bucket-owner-full-control"),
            ("x-amz-meta-Color", "blue"),
            ("X-Amz-Credential", "skip"),
            ("x-amz-trailer", "x-amz-checksum-crc32"),
            ("key", "skip"),
            ("success_action_status", "201"),
            ("x-amz-storage-class", "STANDARD_IA"),
        ] {
            f.push(n.into(), v.into());
        }
        let h = form_headers(&f).unwrap();
        let mut names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "content-type",
                "x-amz-acl",
                "x-amz-meta-color",
                "x-amz-storage-class"
            ]
        );
        let mut bad = FormFields::default();
        bad.push("Cache-Control".into(), "a\nb".into());
        assert_eq!(
            form_headers(&bad).unwrap_err().code,
            S3ErrorCode::InvalidArgument
        );
    }
}
