//! The MFA device actions and STS with SerialNumber/TokenCode, at the protocol layer.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use http::StatusCode;
use rampart_crypto::totp;

use super::tests::{enc, iam, principal_of, root, state, text};
use crate::query_api::Params;

/// The current TOTP step, at least two seconds before it ends: the test's codes are computed
/// from it and must still be current (within the tolerance) when the server checks them.
fn step_now() -> u64 {
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
    let left = totp::STEP_SECS as f64 - secs(SystemTime::now()) % totp::STEP_SECS as f64;
    if left < 2.0 {
        std::thread::sleep(std::time::Duration::from_secs_f64(left + 0.1));
    }
    totp::step_at(secs(SystemTime::now()) as u64)
}

/// The serial and the seed of a new device, from CreateVirtualMFADevice's XML.
fn created(xml: &str) -> (String, Vec<u8>) {
    let base32 = base64::engine::general_purpose::STANDARD
        .decode(text(xml, "Base32StringSeed"))
        .unwrap();
    assert_eq!(base32.len(), 64);
    let seed = totp::base32_decode(std::str::from_utf8(&base32).unwrap()).unwrap();
    (text(xml, "SerialNumber").to_owned(), seed)
}

#[tokio::test]
async fn devices_for_a_user_and_the_root() {
    let state = state().await;
    let root = root(&state);
    let account = state.identities.root_account().id.clone();
    iam(&state, &root, "Action=CreateUser&UserName=alice").await;

    let (status, xml) = iam(
        &state,
        &root,
        "Action=CreateVirtualMFADevice&VirtualMFADeviceName=alice-phone&Path=%2Fp%2F",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(
        xml.contains("<CreateVirtualMFADeviceResult><VirtualMFADevice><SerialNumber>"),
        "{xml}"
    );
    let (serial, seed) = created(&xml);
    assert_eq!(serial, format!("arn:aws:iam::{account}:mfa/p/alice-phone"));

    let s = step_now();
    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=EnableMFADevice&UserName=alice&SerialNumber={}&AuthenticationCode1={}&AuthenticationCode2={}",
            enc(&serial),
            totp::code(&seed, s + 1),
            totp::code(&seed, s)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{xml}");
    assert_eq!(text(&xml, "Code"), "InvalidAuthenticationCode");
    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=EnableMFADevice&UserName=alice&SerialNumber={}&AuthenticationCode1={}&AuthenticationCode2={}",
            enc(&serial),
            totp::code(&seed, s - 1),
            totp::code(&seed, s)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(xml.contains("<EnableMFADeviceResponse"), "{xml}");

    let (_, xml) = iam(&state, &root, "Action=ListMFADevices&UserName=alice").await;
    assert!(
        xml.contains(&format!(
            "<MFADevices><member><UserName>alice</UserName><SerialNumber>{serial}</SerialNumber><EnableDate>"
        )),
        "{xml}"
    );
    assert!(xml.contains("<IsTruncated>false</IsTruncated>"), "{xml}");
    let (_, xml) = iam(
        &state,
        &root,
        "Action=ListVirtualMFADevices&AssignmentStatus=Assigned",
    )
    .await;
    assert!(
        xml.contains("<User><Path>/</Path><UserName>alice</UserName>"),
        "{xml}"
    );
    let (status, xml) = iam(
        &state,
        &root,
        "Action=ListVirtualMFADevices&AssignmentStatus=Some",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{xml}");
    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=DeleteVirtualMFADevice&SerialNumber={}",
            enc(&serial)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{xml}");
    assert_eq!(text(&xml, "Code"), "DeleteConflict");

    // GetSessionToken with her device: the session carries MFA; the code works once.
    let (_, xml) = iam(&state, &root, "Action=CreateAccessKey&UserName=alice").await;
    let alice = principal_of(&state, text(&xml, "AccessKeyId"));
    let form = format!(
        "Action=GetSessionToken&SerialNumber={}&TokenCode={}&Version=2011-06-15",
        enc(&serial),
        totp::code(&seed, s + 1)
    );
    let sts = |form: String| {
        let state = state.clone();
        let alice = alice.clone();
        async move {
            let params = Params::parse(form.as_bytes(), "").unwrap();
            let response =
                crate::sts::handle(&state, &alice, &super::tests::info(), "r", params).await;
            super::tests::body(response).await
        }
    };
    let (status, xml) = sts(form.clone()).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let session = state
        .identities
        .resolve_access_key(text(&xml, "AccessKeyId"))
        .unwrap();
    assert!(session.principal.session().unwrap().mfa_authenticated);
    let (status, xml) = sts(form).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{xml}");
    assert_eq!(text(&xml, "Code"), "AccessDenied");
    let (status, xml) = sts(format!(
        "Action=GetSessionToken&SerialNumber={}&TokenCode=12345&Version=2011-06-15",
        enc(&serial)
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{xml}");
    assert_eq!(text(&xml, "Code"), "ValidationError");

    // The root's device, attached without a UserName and listed under the account id.
    let (_, xml) = iam(
        &state,
        &root,
        "Action=CreateVirtualMFADevice&VirtualMFADeviceName=root-mfa",
    )
    .await;
    let (root_serial, root_seed) = created(&xml);
    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=EnableMFADevice&SerialNumber={}&AuthenticationCode1={}&AuthenticationCode2={}",
            enc(&root_serial),
            totp::code(&root_seed, s),
            totp::code(&root_seed, s + 1)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let (_, xml) = iam(&state, &root, "Action=ListMFADevices").await;
    assert!(
        xml.contains(&format!(
            "<UserName>{account}</UserName><SerialNumber>{root_serial}</SerialNumber>"
        )),
        "{xml}"
    );
    let (_, xml) = iam(
        &state,
        &root,
        &format!("Action=GetMFADevice&SerialNumber={}", enc(&root_serial)),
    )
    .await;
    assert!(
        xml.contains(&format!(
            "<GetMFADeviceResult><UserName>{account}</UserName>"
        )),
        "{xml}"
    );
    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=DeactivateMFADevice&UserName={account}&SerialNumber={}",
            enc(&root_serial)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=DeleteVirtualMFADevice&SerialNumber={}",
            enc(&root_serial)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");

    // A user without permission is refused by the authorizer.
    let (status, xml) = iam(
        &state,
        &alice,
        "Action=CreateVirtualMFADevice&VirtualMFADeviceName=x",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{xml}");
    assert!(
        text(&xml, "Message").contains("iam:CreateVirtualMFADevice"),
        "{xml}"
    );
}
