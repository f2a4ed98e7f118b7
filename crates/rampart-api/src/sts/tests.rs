//! STS actions at the protocol layer, over an in-memory identity store and the real authorizer.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::StatusCode;
use rampart_iam::{AccessKeyId, Account, Principal, SecretAccessKey, SessionCredentials};

use crate::AppState;
use crate::iam::tests::{body, enc, iam, info, principal_of, root, state, text};
use crate::query_api::{Params, XmlWriter};

use super::{caller_identity, write_credentials};

async fn sts(state: &Arc<AppState>, principal: &Principal, form: &str) -> (StatusCode, String) {
    let params = Params::parse(format!("{form}&Version=2011-06-15").as_bytes(), "").unwrap();
    body(super::handle(state, principal, &info(), "req-2", params).await).await
}

/// A user `alice` with the given inline policy, and her principal.
async fn alice(state: &Arc<AppState>, policy: Option<&str>) -> Principal {
    let root = root(state);
    iam(state, &root, "Action=CreateUser&UserName=alice").await;
    if let Some(policy) = policy {
        let (status, xml) = iam(
            state,
            &root,
            &format!(
                "Action=PutUserPolicy&UserName=alice&PolicyName=p&PolicyDocument={}",
                enc(policy)
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{xml}");
    }
    let (_, xml) = iam(state, &root, "Action=CreateAccessKey&UserName=alice").await;
    principal_of(state, text(&xml, "AccessKeyId"))
}

/// Creates role `Reader` trusting the account, with an optional condition block.
async fn reader_role(state: &Arc<AppState>, condition: &str) -> String {
    let account = state.identities.root_account().id.to_string();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"{condition}}}]}}"#
    );
    let (status, xml) = iam(
        state,
        &root(state),
        &format!(
            "Action=CreateRole&RoleName=Reader&AssumeRolePolicyDocument={}",
            enc(&trust)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    format!("arn:aws:iam::{account}:role/Reader")
}

const MAY_ASSUME: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;

#[tokio::test]
async fn get_caller_identity() {
    let state = state().await;
    let account = state.identities.root_account().id.to_string();
    let (status, xml) = sts(&state, &root(&state), "Action=GetCallerIdentity").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        xml,
        format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>\
             <UserId>{account}</UserId><Account>{account}</Account><Arn>arn:aws:iam::{account}:root</Arn>\
             </GetCallerIdentityResult><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata>\
             </GetCallerIdentityResponse>"
        )
    );
    let alice = alice(&state, None).await;
    let (status, xml) = sts(&state, &alice, "Action=GetCallerIdentity").await;
    assert_eq!(status, StatusCode::OK, "needs no permission: {xml}");
    assert_eq!(
        text(&xml, "Arn"),
        format!("arn:aws:iam::{account}:user/alice")
    );
    assert!(text(&xml, "UserId").starts_with("AIDA"));
    let (status, xml) = sts(&state, &alice, "Action=GetFederationToken").await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(text(&xml, "Code"), "NotImplemented");
    let (status, xml) = sts(&state, &alice, "Action=Frobnicate").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(xml.starts_with(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidAction</Code>"
    ));
}

#[tokio::test]
async fn assume_role() {
    let state = state().await;
    let account = state.identities.root_account().id.to_string();
    let role_arn = reader_role(&state, "").await;
    let alice = alice(&state, Some(MAY_ASSUME)).await;
    let (status, xml) = sts(
        &state,
        &alice,
        &format!(
            "Action=AssumeRole&RoleArn={}&RoleSessionName=s1&DurationSeconds=900",
            enc(&role_arn)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert_eq!(
        text(&xml, "Arn"),
        format!("arn:aws:sts::{account}:assumed-role/Reader/s1")
    );
    assert!(text(&xml, "AssumedRoleId").starts_with("AROA"));
    assert!(text(&xml, "AssumedRoleId").ends_with(":s1"));
    let key = text(&xml, "AccessKeyId");
    assert!(key.starts_with("ASIA"));
    assert!(!text(&xml, "SessionToken").is_empty());
    assert!(!xml.contains("PackedPolicySize"));

    let session = principal_of(&state, key);
    let (_, xml) = sts(&state, &session, "Action=GetCallerIdentity").await;
    let (status, xml2) = iam(
        &state,
        &root(&state),
        &format!(
            "Action=PutRolePolicy&RoleName=Reader&PolicyName=chain&PolicyDocument={}",
            enc(MAY_ASSUME)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml2}");
    assert_eq!(
        text(&xml, "Arn"),
        format!("arn:aws:sts::{account}:assumed-role/Reader/s1")
    );
    // Role chaining is limited to an hour.
    let (status, xml) = sts(
        &state,
        &session,
        &format!(
            "Action=AssumeRole&RoleArn={}&RoleSessionName=s2&DurationSeconds=7200",
            enc(&role_arn)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{xml}");

    // With a session policy: its size is reported.
    let (status, xml) = sts(
        &state,
        &alice,
        &format!(
            "Action=AssumeRole&RoleArn={}&RoleSessionName=s3&Policy={}",
            enc(&role_arn),
            enc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(text(&xml, "PackedPolicySize").parse::<u32>().unwrap() > 0);
}

#[tokio::test]
async fn assume_role_refusals() {
    let state = state().await;
    let account = state.identities.root_account().id.to_string();
    let role_arn = reader_role(&state, "").await;
    let nobody = alice(&state, None).await;
    let (status, xml) = sts(
        &state,
        &nobody,
        &format!(
            "Action=AssumeRole&RoleArn={}&RoleSessionName=s1",
            enc(&role_arn)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{xml}");
    assert_eq!(text(&xml, "Code"), "AccessDenied");

    let (status, xml) = sts(
        &state,
        &root(&state),
        &format!(
            "Action=AssumeRole&RoleArn={}&RoleSessionName=s1",
            enc(&role_arn)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{xml}");
    assert_eq!(
        text(&xml, "Message"),
        "Roles may not be assumed by root accounts."
    );

    let caller = alice(&state, Some(MAY_ASSUME)).await;
    let missing = format!("arn:aws:iam::{account}:role/Missing");
    let (status, xml) = sts(
        &state,
        &caller,
        &format!(
            "Action=AssumeRole&RoleArn={}&RoleSessionName=s1",
            enc(&missing)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{xml}");
    assert_eq!(
        text(&xml, "Message"),
        format!(
            "User: arn:aws:iam::{account}:user/alice is not authorized to perform: sts:AssumeRole on resource: {missing}"
        )
    );
    for (extra, code) in [
        ("&DurationSeconds=7200", "ValidationError"),
        ("&DurationSeconds=100", "ValidationError"),
        (
            "&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FP",
            "ValidationError",
        ),
        (
            "&Tags.member.1.Key=k&Tags.member.1.Value=v",
            "ValidationError",
        ),
        ("&SerialNumber=arn-mfa&TokenCode=123456", "ValidationError"),
        ("&Policy=%7Bnope", "MalformedPolicyDocument"),
    ] {
        let (status, xml) = sts(
            &state,
            &caller,
            &format!(
                "Action=AssumeRole&RoleArn={}&RoleSessionName=s1{extra}",
                enc(&role_arn)
            ),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{extra}: {xml}");
        assert_eq!(text(&xml, "Code"), code, "{extra}");
    }
    let (status, _) = sts(
        &state,
        &caller,
        &format!(
            "Action=AssumeRole&RoleArn={}&RoleSessionName=a",
            enc(&role_arn)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn external_id_reaches_the_trust_policy() {
    let state = state().await;
    let role_arn = reader_role(
        &state,
        r#","Condition":{"StringEquals":{"sts:ExternalId":"secret-1"}}"#,
    )
    .await;
    let alice = alice(&state, Some(MAY_ASSUME)).await;
    let form = format!(
        "Action=AssumeRole&RoleArn={}&RoleSessionName=s1",
        enc(&role_arn)
    );
    let (status, _) = sts(&state, &alice, &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = sts(&state, &alice, &format!("{form}&ExternalId=secret-2")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, xml) = sts(&state, &alice, &format!("{form}&ExternalId=secret-1")).await;
    assert_eq!(status, StatusCode::OK, "{xml}");
}

#[tokio::test]
async fn session_tokens() {
    let state = state().await;
    let alice = alice(&state, None).await;
    let (status, xml) = sts(&state, &alice, "Action=GetSessionToken&DurationSeconds=900").await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(xml.starts_with(
        "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetSessionTokenResult><Credentials><AccessKeyId>ASIA"
    ));
    let session = principal_of(&state, text(&xml, "AccessKeyId"));
    let (status, xml) = sts(&state, &session, "Action=GetSessionToken").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{xml}");
    assert_eq!(
        text(&xml, "Message"),
        "Cannot call GetSessionToken with session credentials"
    );
    let (status, xml) = iam(&state, &session, "Action=ListUsers").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{xml}");
    assert_eq!(text(&xml, "Code"), "InvalidClientTokenId");
    let (status, _) = sts(&state, &session, "Action=GetCallerIdentity").await;
    assert_eq!(status, StatusCode::OK);

    // The root's sessions last at most an hour.
    let (status, xml) = sts(&state, &root(&state), "Action=GetSessionToken").await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let expiration = time::OffsetDateTime::parse(
        text(&xml, "Expiration"),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let latest = SystemTime::now() + Duration::from_secs(3600 + 5);
    assert!(SystemTime::from(expiration) <= latest);

    let (status, xml) = sts(
        &state,
        &alice,
        "Action=GetSessionToken&SerialNumber=arn%3Aaws%3Aiam%3A%3A1%3Amfa%2Fa&TokenCode=123456",
    )
    .await;
    // No such device: refused as a wrong code is.
    assert_eq!(status, StatusCode::FORBIDDEN, "{xml}");
    assert_eq!(
        text(&xml, "Message"),
        "MultiFactorAuthentication failed with invalid MFA one time pass code."
    );
    let (status, _) = sts(&state, &alice, "Action=GetSessionToken&DurationSeconds=10").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[test]
fn golden_credentials() {
    let credentials = SessionCredentials {
        access_key_id: AccessKeyId::parse("ASIAIOSFODNN7EXAMPLE").unwrap(),
        secret: SecretAccessKey::parse("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY").unwrap(),
        session_token: "tok<en>".into(),
        expiration: std::time::UNIX_EPOCH + Duration::from_secs(1_795_341_600),
        assumed_role_id: None,
        arn: "arn:aws:iam::123456789012:user/alice".into(),
    };
    let mut w = XmlWriter::new();
    write_credentials(&mut w, &credentials);
    assert_eq!(
        w.into_string(),
        "<Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\
         <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\
         <SessionToken>tok&lt;en&gt;</SessionToken>\
         <Expiration>2026-11-22T10:00:00Z</Expiration></Credentials>"
    );
}

#[test]
fn golden_caller_identity_of_root() {
    let account = Account::generate("team");
    let principal = Principal::AccountRoot {
        account: account.clone(),
        access_key_id: AccessKeyId::generate(),
        session: None,
    };
    let id = account.id.as_str();
    assert_eq!(
        caller_identity(&principal).into_string(),
        format!("<UserId>{id}</UserId><Account>{id}</Account><Arn>arn:aws:iam::{id}:root</Arn>")
    );
}
