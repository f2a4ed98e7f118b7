//! Client-side signing: what an S3 client does, so tests (ours and the server's end-to-end
//! tests that craft raw requests) can produce requests the verifier must accept.

use std::time::SystemTime;

use crate::auth::MAX_PRESIGNED_EXPIRES_SECS;
use crate::canonical::{CanonicalRequest, normalize_signed_headers};
use crate::datetime::format_amz_date;
use crate::error::SigV4Error;
use crate::request::RequestParts;
use crate::signing::{ALGORITHM, CredentialScope, SigningKey, string_to_sign};
use crate::uri::uri_encode_into;

/// Who signs, for which scope, at what time.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    /// Sent as `x-amz-security-token` (header auth) or `X-Amz-Security-Token` (presigned).
    pub session_token: Option<&'a str>,
    pub region: &'a str,
    /// `s3` for S3 (also `iam`, `sts`, …).
    pub service: &'a str,
    pub time: SystemTime,
}

/// The result of [`sign_request`].
#[derive(Debug, Clone)]
pub struct SignedRequest {
    /// Headers to add to the request, lowercase: `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token` (with a session token) and `authorization`, in that order.
    pub headers: Vec<(String, String)>,
    /// The `Authorization` header value.
    pub authorization: String,
    /// Lowercase hex; the seed signature of an aws-chunked body.
    pub signature: String,
    pub amz_date: String,
    pub scope: CredentialScope,
    /// For signing aws-chunked chunks (see `encode_aws_chunked`).
    pub signing_key: SigningKey,
    pub canonical_request: String,
    pub string_to_sign: String,
}

/// The result of [`presign_url`].
#[derive(Debug, Clone)]
pub struct PresignedUrl {
    /// The complete query string (without `?`): the request's own parameters followed by
    /// the `X-Amz-*` ones, `X-Amz-Signature` last.
    pub raw_query: String,
    pub signature: String,
    pub canonical_request: String,
    pub string_to_sign: String,
}

/// Signs `req` with an `Authorization` header, as an SDK does.
///
/// Every header in `req.headers` is signed (it must include `host`); any `authorization`,
/// `x-amz-date`, `x-amz-content-sha256` or `x-amz-security-token` there is ignored and
/// replaced by the returned ones. `payload_hash` is the `x-amz-content-sha256` value: a hex
/// SHA-256 (see `sha256_hex`), `UNSIGNED-PAYLOAD` or a `STREAMING-…` token.
pub fn sign_request(
    req: &RequestParts<'_>,
    payload_hash: &str,
    params: &SigningParams<'_>,
) -> Result<SignedRequest, SigV4Error> {
    let amz_date = amz_date_of(params.time)?;
    let scope = scope_of(params, &amz_date);

    let mut added = vec![
        ("x-amz-date".to_owned(), amz_date.clone()),
        ("x-amz-content-sha256".to_owned(), payload_hash.to_owned()),
    ];
    if let Some(token) = params.session_token {
        added.push(("x-amz-security-token".to_owned(), token.to_owned()));
    }
    const REPLACED: [&str; 4] = [
        "authorization",
        "x-amz-date",
        "x-amz-content-sha256",
        "x-amz-security-token",
    ];
    let mut all: Vec<(&str, &[u8])> = req
        .headers
        .iter()
        .filter(|(name, _)| !REPLACED.iter().any(|r| name.eq_ignore_ascii_case(r)))
        .copied()
        .collect();
    all.extend(added.iter().map(|(n, v)| (n.as_str(), v.as_bytes())));

    let signed_headers = signed_header_list(&all)?;
    let signing_req = RequestParts {
        headers: &all,
        ..*req
    };
    let canonical = CanonicalRequest::new(&signing_req, &signed_headers, payload_hash, false);
    let sts = string_to_sign(&amz_date, &scope, canonical.as_bytes());
    let signing_key = SigningKey::derive(params.secret_access_key, &scope);
    let signature = hex::encode(signing_key.sign(sts.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
        params.access_key_id,
        signed_headers.join(";")
    );
    added.push(("authorization".to_owned(), authorization.clone()));
    Ok(SignedRequest {
        headers: added,
        authorization,
        signature,
        amz_date,
        scope,
        signing_key,
        canonical_request: canonical.to_string_lossy(),
        string_to_sign: sts,
    })
}

/// Presigns `req` for `expires_secs` (1 to 604800), as `generate_presigned_url` does.
///
/// Every header in `req.headers` is signed (it must include `host`) and must be sent with
/// the URL. The payload is `UNSIGNED-PAYLOAD`.
pub fn presign_url(
    req: &RequestParts<'_>,
    expires_secs: u64,
    params: &SigningParams<'_>,
) -> Result<PresignedUrl, SigV4Error> {
    if !(1..=MAX_PRESIGNED_EXPIRES_SECS).contains(&expires_secs) {
        return Err(SigV4Error::query_error(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ));
    }
    let amz_date = amz_date_of(params.time)?;
    let scope = scope_of(params, &amz_date);
    let signed_headers = signed_header_list(req.headers)?;

    let mut query = req.raw_query.to_owned();
    let mut push = |name: &str, value: &str| {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(name);
        query.push('=');
        uri_encode_into(&mut query, value.as_bytes(), false);
    };
    push("X-Amz-Algorithm", ALGORITHM);
    push(
        "X-Amz-Credential",
        &format!("{}/{scope}", params.access_key_id),
    );
    push("X-Amz-Date", &amz_date);
    push("X-Amz-Expires", &expires_secs.to_string());
    push("X-Amz-SignedHeaders", &signed_headers.join(";"));
    if let Some(token) = params.session_token {
        push("X-Amz-Security-Token", token);
    }

    let signing_req = RequestParts {
        raw_query: &query,
        ..*req
    };
    let canonical =
        CanonicalRequest::new(&signing_req, &signed_headers, crate::UNSIGNED_PAYLOAD, true);
    let sts = string_to_sign(&amz_date, &scope, canonical.as_bytes());
    let signature =
        hex::encode(SigningKey::derive(params.secret_access_key, &scope).sign(sts.as_bytes()));
    query.push_str("&X-Amz-Signature=");
    query.push_str(&signature);
    Ok(PresignedUrl {
        raw_query: query,
        signature,
        canonical_request: canonical.to_string_lossy(),
        string_to_sign: sts,
    })
}

fn amz_date_of(time: SystemTime) -> Result<String, SigV4Error> {
    format_amz_date(time).ok_or(SigV4Error::MissingDate)
}

fn scope_of(params: &SigningParams<'_>, amz_date: &str) -> CredentialScope {
    CredentialScope::new(
        amz_date.get(..8).unwrap_or_default(),
        params.region,
        params.service,
    )
}

fn signed_header_list(headers: &[(&str, &[u8])]) -> Result<Vec<String>, SigV4Error> {
    let list = headers
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(";");
    let names = normalize_signed_headers(&list)
        .ok_or_else(|| SigV4Error::header_malformed("the SignedHeaders component is malformed."))?;
    if !names.iter().any(|n| n == "host") {
        return Err(SigV4Error::header_malformed(
            "the SignedHeaders must include host.",
        ));
    }
    Ok(names)
}
