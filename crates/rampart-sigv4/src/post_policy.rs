//! SigV4 for browser uploads (POST Object): the form's `X-Amz-Algorithm`, `X-Amz-Credential`
//! and `X-Amz-Date` fields, and `X-Amz-Signature` = hex(HMAC(signing key, policy)) where the
//! string to sign is the base64 `policy` field exactly as sent.
//!
//! Server flow: [`parse_post_auth`] (no secret needed) → look up the access key →
//! [`verify_post_auth`]. Client flow (tests): [`sign_post_policy`].

use std::time::SystemTime;

use crate::datetime::parse_amz_date;
use crate::error::SigV4Error;
use crate::signing::{
    ALGORITHM, CredentialScope, SigningKey, TERMINATOR, parse_signature_hex, signatures_equal,
};

/// The only service a POST form may be signed for.
const SERVICE: &str = "s3";
const SIGV4A_ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256";

/// Field names as S3 spells them in `<ArgumentName>`.
pub const FIELD_ALGORITHM: &str = "X-Amz-Algorithm";
pub const FIELD_CREDENTIAL: &str = "X-Amz-Credential";
pub const FIELD_DATE: &str = "X-Amz-Date";
pub const FIELD_SIGNATURE: &str = "X-Amz-Signature";

/// The authentication fields of a POST form, as sent.
#[derive(Debug, Clone, Copy)]
pub struct PostAuthFields<'a> {
    pub algorithm: &'a str,
    pub credential: &'a str,
    pub date: &'a str,
    pub signature: &'a str,
    /// The base64 policy: the string to sign.
    pub policy: &'a str,
}

/// A POST form's credentials, parsed but not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPostAuth {
    pub access_key_id: String,
    pub scope: CredentialScope,
    pub amz_date: String,
    pub request_time: SystemTime,
}

fn invalid(field: &'static str, value: &str, message: impl Into<String>) -> SigV4Error {
    SigV4Error::InvalidPostField {
        field,
        value: value.to_owned(),
        message: message.into(),
        region: None,
    }
}

/// Checks everything that needs no secret, clock or region: the algorithm, the credential's
/// shape and its date against `X-Amz-Date`.
pub fn parse_post_auth(fields: &PostAuthFields<'_>) -> Result<ParsedPostAuth, SigV4Error> {
    match fields.algorithm {
        ALGORITHM => {}
        SIGV4A_ALGORITHM => return Err(SigV4Error::SigV4aNotSupported),
        other => {
            return Err(invalid(
                FIELD_ALGORITHM,
                other,
                format!("X-Amz-Algorithm only supports \"{ALGORITHM}\""),
            ));
        }
    }
    let (access_key_id, scope) = parse_credential(fields.credential)?;
    let request_time = parse_amz_date(fields.date).ok_or_else(|| {
        // S3's wording, misspelling included.
        invalid(
            FIELD_DATE,
            fields.date,
            "X-Amz-Date must be formated via ISO8601 Long format",
        )
    })?;
    if fields.date.get(..8) != Some(scope.date.as_str()) {
        return Err(invalid(
            FIELD_CREDENTIAL,
            fields.credential,
            format!(
                "Invalid credential date \"{}\". This date is not the same as X-Amz-Date: \"{}\".",
                scope.date,
                fields.date.get(..8).unwrap_or_default()
            ),
        ));
    }
    Ok(ParsedPostAuth {
        access_key_id,
        scope,
        amz_date: fields.date.to_owned(),
        request_time,
    })
}

/// `AKID/YYYYMMDD/region/s3/aws4_request`, with S3's message for each part that is wrong.
fn parse_credential(credential: &str) -> Result<(String, CredentialScope), SigV4Error> {
    let bad = |message: String| invalid(FIELD_CREDENTIAL, credential, message);
    let parts: Vec<&str> = credential.split('/').collect();
    let [akid, date, region, service, terminator] = parts.as_slice() else {
        return Err(bad(
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
                .to_owned(),
        ));
    };
    if akid.is_empty() {
        return Err(bad(
            "a non-empty Access Key (AKID) must be provided in the credential.".to_owned(),
        ));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!(
            "incorrect date format \"{date}\". This date in the credential must be in the format \"yyyyMMdd\"."
        )));
    }
    if region.is_empty() {
        return Err(bad(
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
                .to_owned(),
        ));
    }
    if *service != SERVICE {
        return Err(bad(format!(
            "incorrect service \"{service}\". This endpoint belongs to \"{SERVICE}\"."
        )));
    }
    if *terminator != TERMINATOR {
        return Err(bad(format!(
            "incorrect terminal \"{terminator}\". This endpoint uses \"{TERMINATOR}\"."
        )));
    }
    Ok((
        (*akid).to_owned(),
        CredentialScope::new(*date, *region, *service),
    ))
}

/// The signature of a base64 policy: lowercase hex of HMAC-SHA256 under the scope's key.
pub fn sign_post_policy(
    secret_access_key: &str,
    scope: &CredentialScope,
    policy_base64: &str,
) -> String {
    hex::encode(SigningKey::derive(secret_access_key, scope).sign(policy_base64.as_bytes()))
}

/// Verifies the form's signature over its policy with the access key's secret, for the
/// region this server answers for. The policy's own expiry and conditions are the caller's.
pub fn verify_post_auth(
    fields: &PostAuthFields<'_>,
    parsed: &ParsedPostAuth,
    secret_access_key: &str,
    expected_region: &str,
) -> Result<(), SigV4Error> {
    if parsed.scope.region != expected_region {
        return Err(SigV4Error::InvalidPostField {
            field: FIELD_CREDENTIAL,
            value: fields.credential.to_owned(),
            message: format!(
                "the region '{}' is wrong; expecting '{expected_region}'",
                parsed.scope.region
            ),
            region: Some(expected_region.to_owned()),
        });
    }
    let key = SigningKey::derive(secret_access_key, &parsed.scope);
    let calculated = key.sign(fields.policy.as_bytes());
    // A signature that is not 64 hex digits simply does not match.
    let provided = parse_signature_hex(fields.signature).unwrap_or([0; 32]);
    let well_formed = fields.signature.len() == 64;
    if signatures_equal(&calculated, &provided) && well_formed {
        return Ok(());
    }
    Err(SigV4Error::PostSignatureDoesNotMatch {
        access_key_id: parsed.access_key_id.clone(),
        signature_provided: fields.signature.to_owned(),
        string_to_sign: fields.policy.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// "Example: Browser-Based Upload using HTTP POST (Using AWS Signature Version 4)" in the
    /// Amazon S3 API Reference: the policy (with CRLF line ends) as the page gives it in base64.
    const AWS_EXAMPLE_POLICY: &str = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9";
    const AWS_EXAMPLE_SIGNATURE: &str =
        "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";

    fn example() -> PostAuthFields<'static> {
        PostAuthFields {
            algorithm: "AWS4-HMAC-SHA256",
            credential: "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
            date: "20151229T000000Z",
            signature: AWS_EXAMPLE_SIGNATURE,
            policy: AWS_EXAMPLE_POLICY,
        }
    }

    fn field_error(e: SigV4Error) -> (&'static str, String) {
        match e {
            SigV4Error::InvalidPostField { field, message, .. } => (field, message),
            other => panic!("expected InvalidPostField, got {other:?}"),
        }
    }

    #[test]
    fn aws_documentation_example() {
        let fields = example();
        let parsed = parse_post_auth(&fields).unwrap();
        assert_eq!(parsed.access_key_id, AKID);
        assert_eq!(
            parsed.scope.to_string(),
            "20151229/us-east-1/s3/aws4_request"
        );
        assert_eq!(
            sign_post_policy(SECRET, &parsed.scope, AWS_EXAMPLE_POLICY),
            AWS_EXAMPLE_SIGNATURE
        );
        verify_post_auth(&fields, &parsed, SECRET, "us-east-1").unwrap();
        // Hex digits in either case.
        let upper = AWS_EXAMPLE_SIGNATURE.to_uppercase();
        let fields = PostAuthFields {
            signature: &upper,
            ..example()
        };
        verify_post_auth(&fields, &parsed, SECRET, "us-east-1").unwrap();
    }

    #[test]
    fn botocore_generate_presigned_post_vector() {
        // botocore's generate_presigned_post for sigv4examplebucket/user/user1/photo.jpg with
        // the clock at 2015-12-29T00:00:00Z and the example credentials.
        let policy = "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJidWNrZXQiOiAic2lndjRleGFtcGxlYnVja2V0In0sIHsia2V5IjogInVzZXIvdXNlcjEvcGhvdG8uanBnIn0sIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwgeyJ4LWFtei1jcmVkZW50aWFsIjogIkFLSUFJT1NGT0ROTjdFWEFNUExFLzIwMTUxMjI5L3VzLWVhc3QtMS9zMy9hd3M0X3JlcXVlc3QifSwgeyJ4LWFtei1kYXRlIjogIjIwMTUxMjI5VDAwMDAwMFoifV19";
        let scope = CredentialScope::new("20151229", "us-east-1", "s3");
        assert_eq!(
            sign_post_policy(SECRET, &scope, policy),
            "3364624b39010d9b06f5d9b8c9a18a6e478d261c048159c92f2fd6fa885f14e6"
        );
    }

    #[test]
    fn wrong_signature_wrong_secret_and_tampered_policy() {
        let parsed = parse_post_auth(&example()).unwrap();
        let mismatch = |fields: PostAuthFields<'_>, secret: &str| match verify_post_auth(
            &fields,
            &parsed,
            secret,
            "us-east-1",
        )
        .unwrap_err()
        {
            SigV4Error::PostSignatureDoesNotMatch {
                access_key_id,
                string_to_sign,
                ..
            } => {
                assert_eq!(access_key_id, AKID);
                assert_eq!(string_to_sign, fields.policy);
            }
            other => panic!("{other:?}"),
        };
        mismatch(example(), "another secret");
        let truncated = &AWS_EXAMPLE_POLICY[..AWS_EXAMPLE_POLICY.len() - 2];
        mismatch(
            PostAuthFields {
                policy: truncated,
                ..example()
            },
            SECRET,
        );
        for signature in ["", "abc", &AWS_EXAMPLE_SIGNATURE[..63], "zz"] {
            mismatch(
                PostAuthFields {
                    signature,
                    ..example()
                },
                SECRET,
            );
        }
    }

    #[test]
    fn wrong_region_names_the_expected_one() {
        let parsed = parse_post_auth(&example()).unwrap();
        match verify_post_auth(&example(), &parsed, SECRET, "eu-west-1").unwrap_err() {
            SigV4Error::InvalidPostField {
                field,
                message,
                region,
                value,
            } => {
                assert_eq!(field, FIELD_CREDENTIAL);
                assert_eq!(value, example().credential);
                assert_eq!(
                    message,
                    "the region 'us-east-1' is wrong; expecting 'eu-west-1'"
                );
                assert_eq!(region.as_deref(), Some("eu-west-1"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_fields() {
        let with = |algorithm, credential, date| {
            parse_post_auth(&PostAuthFields {
                algorithm,
                credential,
                date,
                ..example()
            })
        };
        let cred = example().credential;
        let (field, message) =
            field_error(with("AWS4-HMAC-SHA1", cred, "20151229T000000Z").unwrap_err());
        assert_eq!(field, FIELD_ALGORITHM);
        assert!(message.contains("AWS4-HMAC-SHA256"));
        assert_eq!(
            with("AWS4-ECDSA-P256-SHA256", cred, "20151229T000000Z").unwrap_err(),
            SigV4Error::SigV4aNotSupported
        );
        for (credential, expected) in [
            ("", "mal-formed"),
            ("AKID/20151229/us-east-1/s3", "mal-formed"),
            ("AKID/20151229/us-east-1/s3/aws4_request/x", "mal-formed"),
            (
                "/20151229/us-east-1/s3/aws4_request",
                "non-empty Access Key",
            ),
            (
                "AKID/2015122/us-east-1/s3/aws4_request",
                "incorrect date format",
            ),
            ("AKID/20151229//s3/aws4_request", "mal-formed"),
            (
                "AKID/20151229/us-east-1/iam/aws4_request",
                "incorrect service \"iam\"",
            ),
            (
                "AKID/20151229/us-east-1/s3/aws4_reques",
                "incorrect terminal",
            ),
            (
                "AKID/20151230/us-east-1/s3/aws4_request",
                "Invalid credential date",
            ),
        ] {
            let (field, message) =
                field_error(with(ALGORITHM, credential, "20151229T000000Z").unwrap_err());
            assert_eq!(field, FIELD_CREDENTIAL, "{credential}");
            assert!(message.contains(expected), "{credential}: {message}");
        }
        for date in [
            "",
            "2015-12-29T00:00:00Z",
            "20151229T000000",
            "20151329T000000Z",
        ] {
            let (field, _) = field_error(with(ALGORITHM, cred, date).unwrap_err());
            assert_eq!(field, FIELD_DATE, "{date}");
        }
    }
}
