//! `x-amz-mfa: <serial> <code>`: the MFA that S3 asks of versioning changes and permanent
//! deletions in buckets with MFA Delete. The device must be the bucket owner's root's, as on
//! AWS; the header is accepted only over TLS, unless the operator allows plain HTTP from
//! loopback clients for development.
//!
//! S3 handlers call [`check_mfa_header`] with what the request brings; it says whether a valid
//! MFA code came with it (the code is spent by the check).

use std::net::IpAddr;

use http::HeaderMap;
use rampart_iam::{IamError, IdentityStore, MfaOwner};
use rampart_types::AccountId;

use crate::error::{ApiError, S3ErrorCode};

/// The request header carrying an MFA device's serial number and a code from it.
pub const MFA_HEADER: &str = "x-amz-mfa";

/// What a request brings to an `x-amz-mfa` check.
pub struct MfaHeaderCheck<'a> {
    pub headers: &'a HeaderMap,
    /// Whether the request came over TLS.
    pub secure_transport: bool,
    /// The client's address, if known.
    pub source_ip: Option<IpAddr>,
    /// `ApiConfig::allow_plain_http_from_loopback`.
    pub allow_plain_http_from_loopback: bool,
    pub identities: &'a IdentityStore,
    /// The account that owns the bucket: its root's device is the one that counts.
    pub bucket_owner: &'a AccountId,
}

/// A request carried a valid MFA code from the bucket owner's root's device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaPresent {
    /// The device's serial number.
    pub serial: String,
}

/// Checks `x-amz-mfa`: absent → `Ok(None)`; over plain HTTP (outside the loopback
/// allowance) or malformed → 400 `InvalidRequest`; a device that is not the bucket owner's
/// root's, or a wrong or already used code → 403 `AccessDenied`; valid → `Ok(Some(_))`.
pub async fn check_mfa_header(check: MfaHeaderCheck<'_>) -> Result<Option<MfaPresent>, ApiError> {
    let Some(value) = check.headers.get(MFA_HEADER) else {
        return Ok(None);
    };
    let loopback_allowed =
        check.allow_plain_http_from_loopback && check.source_ip.is_some_and(|ip| ip.is_loopback());
    if !check.secure_transport && !loopback_allowed {
        return Err(ApiError::with_message(
            S3ErrorCode::InvalidRequest,
            "MFA Authentication must be used over a secure (HTTPS) connection.",
        ));
    }
    let (serial, code) = parse(value.as_bytes()).ok_or_else(|| {
        ApiError::with_message(
            S3ErrorCode::InvalidRequest,
            "The x-amz-mfa header must be the device's serial number, a space, and its six-digit code.",
        )
    })?;
    match check
        .identities
        .verify_mfa_code(check.bucket_owner, &MfaOwner::Root, serial, code)
        .await
    {
        Ok(()) => Ok(Some(MfaPresent {
            serial: serial.to_owned(),
        })),
        Err(IamError::InvalidAuthenticationCode(_)) => {
            Err(ApiError::new(S3ErrorCode::AccessDenied))
        }
        Err(e) => Err(ApiError::internal(format!("MFA verification failed: {e}"))),
    }
}

/// `<serial> <code>`: one space, a non-empty serial without spaces, six digits.
fn parse(value: &[u8]) -> Option<(&str, &str)> {
    let value = std::str::from_utf8(value).ok()?;
    let (serial, code) = value.split_once(' ')?;
    let valid = !serial.is_empty()
        && !serial.contains(char::is_whitespace)
        && rampart_crypto::totp::is_code_shaped(code);
    valid.then_some((serial, code))
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::time::{SystemTime, UNIX_EPOCH};

    use http::HeaderValue;
    use rampart_crypto::totp;

    use super::*;
    use crate::iam::tests::state;

    /// The current TOTP step, at least two seconds before it ends: the test's codes are computed
    /// from it and must still be current (within the tolerance) when the store checks them.
    fn now_step() -> u64 {
        let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
        let left = totp::STEP_SECS as f64 - secs(SystemTime::now()) % totp::STEP_SECS as f64;
        if left < 2.0 {
            std::thread::sleep(std::time::Duration::from_secs_f64(left + 0.1));
        }
        totp::step_at(secs(SystemTime::now()) as u64)
    }

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(MFA_HEADER, HeaderValue::from_str(value).unwrap());
        headers
    }

    async fn check(
        identities: &IdentityStore,
        owner: &AccountId,
        headers: &HeaderMap,
        secure: bool,
        ip: Option<IpAddr>,
        allow_loopback: bool,
    ) -> Result<Option<MfaPresent>, ApiError> {
        check_mfa_header(MfaHeaderCheck {
            headers,
            secure_transport: secure,
            source_ip: ip,
            allow_plain_http_from_loopback: allow_loopback,
            identities,
            bucket_owner: owner,
        })
        .await
    }

    #[tokio::test]
    async fn the_owners_root_device_over_tls() {
        let state = state().await;
        let ids = &state.identities;
        let acct = ids.root_account().id.clone();
        let (device, base32) = ids
            .create_virtual_mfa_device(&acct, "/", "root-mfa")
            .await
            .unwrap();
        let seed = totp::base32_decode(&base32).unwrap();
        let s = now_step();
        ids.enable_mfa_device(
            &acct,
            &MfaOwner::Root,
            &device.serial,
            &totp::code(&seed, s - 1),
            &totp::code(&seed, s),
        )
        .await
        .unwrap();
        let loopback = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let remote = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)));

        // Absent.
        assert_eq!(
            check(ids, &acct, &HeaderMap::new(), false, remote, false)
                .await
                .unwrap(),
            None
        );

        // Plain HTTP: refused unless loopback is allowed and the client is on loopback.
        let good = headers(&format!("{} {}", device.serial, totp::code(&seed, s + 1)));
        for (ip, allow) in [
            (remote, false),
            (loopback, false),
            (remote, true),
            (None, true),
        ] {
            let err = check(ids, &acct, &good, false, ip, allow)
                .await
                .unwrap_err();
            assert_eq!(err.code, S3ErrorCode::InvalidRequest);
            assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
        }

        // Malformed.
        for bad in [
            "",
            "serial",
            "serial 12345",
            "serial 1234567",
            "a b 123456",
            " 123456",
            "serial 12345x",
        ] {
            let err = check(ids, &acct, &headers(bad), true, remote, false)
                .await
                .unwrap_err();
            assert_eq!(err.code, S3ErrorCode::InvalidRequest, "{bad:?}");
        }

        // Valid over TLS, then spent.
        let present = check(ids, &acct, &good, true, remote, false).await.unwrap();
        assert_eq!(
            present,
            Some(MfaPresent {
                serial: device.serial.clone()
            })
        );
        let err = check(ids, &acct, &good, true, remote, false)
            .await
            .unwrap_err();
        assert_eq!(err.code, S3ErrorCode::AccessDenied);
        assert_eq!(err.status(), http::StatusCode::FORBIDDEN);

        // Wrong code; unknown serial; a user's device is not the root's.
        let wrong = format!(
            "{:06}",
            (totp::code(&seed, s + 1).parse::<u32>().unwrap() + 1) % 1_000_000
        );
        let err = check(
            ids,
            &acct,
            &headers(&format!("{} {wrong}", device.serial)),
            true,
            remote,
            false,
        )
        .await
        .unwrap_err();
        assert_eq!(err.code, S3ErrorCode::AccessDenied);
        let err = check(
            ids,
            &acct,
            &headers(&format!("arn:aws:iam::{acct}:mfa/none 123456")),
            true,
            remote,
            false,
        )
        .await
        .unwrap_err();
        assert_eq!(err.code, S3ErrorCode::AccessDenied);
        ids.create_user(&acct, "alice", "/", vec![]).await.unwrap();
        let (user_device, user_base32) = ids
            .create_virtual_mfa_device(&acct, "/", "alice-mfa")
            .await
            .unwrap();
        let user_seed = totp::base32_decode(&user_base32).unwrap();
        ids.enable_mfa_device(
            &acct,
            &MfaOwner::User("alice".into()),
            &user_device.serial,
            &totp::code(&user_seed, s - 1),
            &totp::code(&user_seed, s),
        )
        .await
        .unwrap();
        let user_header = headers(&format!(
            "{} {}",
            user_device.serial,
            totp::code(&user_seed, s + 1)
        ));
        let err = check(ids, &acct, &user_header, true, remote, false)
            .await
            .unwrap_err();
        assert_eq!(err.code, S3ErrorCode::AccessDenied);

        // Loopback development setting: plain HTTP from 127.0.0.1 is accepted.
        let err = check(
            ids,
            &acct,
            &headers(&format!("{} {}", device.serial, totp::code(&seed, s + 1))),
            false,
            loopback,
            true,
        )
        .await
        .unwrap_err();
        // (that step is spent; a fresh device shows the loopback path succeeds)
        assert_eq!(err.code, S3ErrorCode::AccessDenied);
        let (dev2, b2) = ids
            .create_virtual_mfa_device(&acct, "/", "second")
            .await
            .unwrap();
        ids.deactivate_mfa_device(&acct, &MfaOwner::Root, &device.serial)
            .await
            .unwrap();
        let seed2 = totp::base32_decode(&b2).unwrap();
        ids.enable_mfa_device(
            &acct,
            &MfaOwner::Root,
            &dev2.serial,
            &totp::code(&seed2, s - 1),
            &totp::code(&seed2, s),
        )
        .await
        .unwrap();
        let ok = headers(&format!("{} {}", dev2.serial, totp::code(&seed2, s + 1)));
        assert!(
            check(ids, &acct, &ok, false, loopback, true)
                .await
                .unwrap()
                .is_some()
        );
    }
}
