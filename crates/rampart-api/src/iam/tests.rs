//! IAM actions end to end at the protocol layer: form parameters in, status and XML out, over
//! an in-memory identity store and the real authorizer.

use std::sync::Arc;
use std::time::SystemTime;

use http::StatusCode;
use http_body_util::BodyExt;
use rampart_crypto::MasterKey;
use rampart_engine::{Engine, EngineConfig};
use rampart_iam::{AccessKeyId, IdentityStore, Principal, SecretAccessKey};
use rampart_store::MetaStore;
use rampart_store::memory::{MemoryBlobStore, MemoryMetaStore};

use crate::authz::{AuthType, RequestInfo};
use crate::query_api::Params;
use crate::{ApiConfig, AppState};

pub(crate) async fn state() -> Arc<AppState> {
    let meta: Arc<dyn MetaStore> = Arc::new(MemoryMetaStore::new());
    let engine = Engine::new(
        meta.clone(),
        Arc::new(MemoryBlobStore::new()),
        EngineConfig {
            region: "us-east-1".into(),
            ..Default::default()
        },
    );
    let master_key = Arc::new(MasterKey::generate());
    let kms = Arc::new(rampart_kms::Kms::new(
        meta.clone(),
        master_key.clone(),
        "us-east-1",
    ));
    let identities = IdentityStore::open(
        meta,
        master_key,
        "team",
        (AccessKeyId::generate(), SecretAccessKey::generate()),
    )
    .await
    .unwrap();
    Arc::new(AppState {
        engine,
        identities: Arc::new(identities),
        config: ApiConfig {
            region: "us-east-1".into(),
            domain: None,
            body_idle_timeout: ApiConfig::DEFAULT_BODY_IDLE_TIMEOUT,
            max_header_bytes: ApiConfig::DEFAULT_MAX_HEADER_BYTES,
            allow_plain_http_from_loopback: false,
            metrics_on_s3_listener: true,
        },
        bucket_policies: Default::default(),
        master_key: None,
        kms,
        recorder: Default::default(),
    })
}

pub(crate) fn info() -> RequestInfo {
    RequestInfo {
        source_ip: None,
        secure_transport: false,
        tls_version: None,
        user_agent: None,
        referer: None,
        now: SystemTime::now(),
        region: "us-east-1".into(),
        signature_age_ms: None,
        auth_type: AuthType::Header,
        content_sha256: None,
        mfa_verified: false,
    }
}

pub(crate) fn root(state: &AppState) -> Principal {
    Principal::AccountRoot {
        account: state.identities.root_account().clone(),
        access_key_id: AccessKeyId::generate(),
        session: None,
    }
}

/// The principal an access key resolves to, as authentication would produce it.
pub(crate) fn principal_of(state: &AppState, access_key_id: &str) -> Principal {
    state
        .identities
        .resolve_access_key(access_key_id)
        .unwrap()
        .principal
}

/// Runs one IAM request: `form` without `Version`, which is added.
pub(crate) async fn iam(
    state: &Arc<AppState>,
    principal: &Principal,
    form: &str,
) -> (StatusCode, String) {
    let params = Params::parse(format!("{form}&Version=2010-05-08").as_bytes(), "").unwrap();
    let response = super::handle(state, principal, &info(), "req-1", params).await;
    body(response).await
}

pub(crate) async fn body(response: axum::response::Response) -> (StatusCode, String) {
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// The text of the first `<name>` element.
pub(crate) fn text<'a>(xml: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{name}> in {xml}"))
        + open.len();
    let end = start + xml[start..].find(&format!("</{name}>")).unwrap();
    &xml[start..end]
}

/// Form-encodes a value.
pub(crate) fn enc(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

const ALLOW_ALL_IAM: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#;

#[tokio::test]
async fn users_lifecycle_as_root() {
    let state = state().await;
    let root = root(&state);
    let account = state.identities.root_account().id.to_string();
    let (status, xml) = iam(
        &state,
        &root,
        "Action=CreateUser&UserName=alice&Path=%2Feng%2F&Tags.member.1.Key=team&Tags.member.1.Value=a",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(xml.starts_with(
        "<CreateUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateUserResult><User><Path>/eng/</Path><UserName>alice</UserName><UserId>AIDA"
    ));
    assert_eq!(
        text(&xml, "Arn"),
        format!("arn:aws:iam::{account}:user/eng/alice")
    );
    assert!(xml.contains("<Tags><member><Key>team</Key><Value>a</Value></member></Tags>"));
    assert!(xml.ends_with(
        "</CreateUserResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateUserResponse>"
    ));

    let (status, xml) = iam(&state, &root, "Action=CreateUser&UserName=ALICE").await;
    assert_eq!(status, StatusCode::CONFLICT, "{xml}");
    assert_eq!(text(&xml, "Code"), "EntityAlreadyExists");

    for name in ["bob", "carol"] {
        let (status, _) = iam(&state, &root, &format!("Action=CreateUser&UserName={name}")).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, xml) = iam(&state, &root, "Action=ListUsers&MaxItems=2").await;
    assert_eq!(text(&xml, "IsTruncated"), "true");
    assert!(!xml.contains("<Tags>"), "listings show no tags: {xml}");
    let marker = text(&xml, "Marker").to_owned();
    let (_, xml) = iam(&state, &root, &format!("Action=ListUsers&Marker={marker}")).await;
    assert_eq!(text(&xml, "UserName"), "carol");
    assert_eq!(text(&xml, "IsTruncated"), "false");
    let (_, xml) = iam(&state, &root, "Action=ListUsers&PathPrefix=%2Feng%2F").await;
    assert_eq!(xml.matches("<member>").count(), 1);

    let (_, xml) = iam(&state, &root, "Action=ListUserTags&UserName=alice").await;
    assert!(xml.contains("<Tags><member><Key>team</Key><Value>a</Value></member></Tags>"));

    let (status, _) = iam(&state, &root, "Action=DeleteUser&UserName=bob").await;
    assert_eq!(status, StatusCode::OK);
    let (status, xml) = iam(&state, &root, "Action=GetUser&UserName=bob").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        xml,
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>\
         <Code>NoSuchEntity</Code><Message>The user with name bob cannot be found.</Message></Error>\
         <RequestId>req-1</RequestId></ErrorResponse>"
    );
}

#[tokio::test]
async fn get_user_without_a_name_is_the_caller() {
    let state = state().await;
    let root = root(&state);
    let account = state.identities.root_account().id.to_string();
    let (status, xml) = iam(&state, &root, "Action=GetUser").await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(xml.contains(&format!(
        "<GetUserResult><User><UserId>{account}</UserId><Arn>arn:aws:iam::{account}:root</Arn></User></GetUserResult>"
    )));

    iam(&state, &root, "Action=CreateUser&UserName=alice").await;
    let (_, xml) = iam(&state, &root, "Action=CreateAccessKey&UserName=alice").await;
    let alice = principal_of(&state, text(&xml, "AccessKeyId"));
    iam(
        &state,
        &root,
        &format!(
            "Action=PutUserPolicy&UserName=alice&PolicyName=all&PolicyDocument={}",
            enc(ALLOW_ALL_IAM)
        ),
    )
    .await;
    let (status, xml) = iam(&state, &alice, "Action=GetUser").await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert_eq!(text(&xml, "UserName"), "alice");
}

#[tokio::test]
async fn protocol_errors() {
    let state = state().await;
    let root = root(&state);
    let (status, xml) = iam(&state, &root, "Action=Frobnicate").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text(&xml, "Code"), "InvalidAction");
    assert_eq!(
        text(&xml, "Message"),
        "Could not find operation Frobnicate for version 2010-05-08"
    );
    let (status, xml) = iam(&state, &root, "Action=TagUser&UserName=a").await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(
        text(&xml, "Message"),
        "The TagUser operation is not implemented by this server."
    );
    let params = Params::parse(b"Action=ListUsers&Version=2011-06-15", "").unwrap();
    let (status, xml) = body(super::handle(&state, &root, &info(), "r", params).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        text(&xml, "Message"),
        "Could not find operation ListUsers for version 2011-06-15"
    );
    let (status, xml) = iam(&state, &root, "Action=CreateUser").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text(&xml, "Code"), "ValidationError");
    let (status, xml) = iam(&state, &root, "Action=ListUsers&PathPrefix=nope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{xml}");
    let (status, xml) = iam(
        &state,
        &root,
        "Action=CreateUser&UserName=x&PermissionsBoundary=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FP",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text(&xml, "Message").contains("not supported"));
    let (status, xml) = iam(&state, &Principal::Anonymous, "Action=ListUsers").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(text(&xml, "Code"), "MissingAuthenticationToken");
}

#[tokio::test]
async fn users_need_permission_and_inline_policies_grant_it() {
    let state = state().await;
    let root = root(&state);
    let account = state.identities.root_account().id.to_string();
    iam(&state, &root, "Action=CreateUser&UserName=alice").await;
    let (_, xml) = iam(&state, &root, "Action=CreateAccessKey&UserName=alice").await;
    assert!(xml.contains("<Status>Active</Status><SecretAccessKey>"));
    let alice = principal_of(&state, text(&xml, "AccessKeyId"));

    let (status, xml) = iam(&state, &alice, "Action=CreateUser&UserName=bob").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{xml}");
    assert_eq!(text(&xml, "Code"), "AccessDenied");
    assert_eq!(
        text(&xml, "Message"),
        format!(
            "User: arn:aws:iam::{account}:user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{account}:user/bob because no identity-based policy allows the iam:CreateUser action"
        )
    );
    let (status, _) = iam(&state, &root, "Action=GetUser&UserName=bob").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "denied requests change nothing"
    );

    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=PutUserPolicy&UserName=alice&PolicyName=all&PolicyDocument={}",
            enc(ALLOW_ALL_IAM)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let (status, xml) = iam(&state, &alice, "Action=CreateUser&UserName=bob").await;
    assert_eq!(status, StatusCode::OK, "{xml}");

    let (_, xml) = iam(
        &state,
        &alice,
        "Action=GetUserPolicy&UserName=alice&PolicyName=all",
    )
    .await;
    assert_eq!(text(&xml, "UserName"), "alice");
    assert_eq!(
        text(&xml, "PolicyDocument"),
        super::shapes::encode_document(ALLOW_ALL_IAM)
    );
    let (_, xml) = iam(&state, &alice, "Action=ListUserPolicies&UserName=alice").await;
    assert!(xml.contains("<PolicyNames><member>all</member></PolicyNames>"));
    let (status, xml) = iam(
        &state,
        &root,
        "Action=PutUserPolicy&UserName=alice&PolicyName=bad&PolicyDocument=%7Bnope",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text(&xml, "Code"), "MalformedPolicyDocument");
    let (status, _) = iam(
        &state,
        &root,
        "Action=DeleteUserPolicy&UserName=alice&PolicyName=all",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = iam(&state, &alice, "Action=ListUsers").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn access_keys() {
    let state = state().await;
    let root = root(&state);
    iam(&state, &root, "Action=CreateUser&UserName=alice").await;
    let (status, xml) = iam(&state, &root, "Action=CreateAccessKey&UserName=alice").await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let key = text(&xml, "AccessKeyId").to_owned();
    assert_eq!(text(&xml, "UserName"), "alice");
    assert_eq!(text(&xml, "SecretAccessKey").len(), 40);
    let (_, xml) = iam(&state, &root, "Action=ListAccessKeys&UserName=alice").await;
    assert!(xml.contains(&format!(
        "<AccessKeyMetadata><member><UserName>alice</UserName><AccessKeyId>{key}</AccessKeyId><Status>Active</Status>"
    )));
    let (status, xml) = iam(
        &state,
        &root,
        &format!("Action=UpdateAccessKey&UserName=alice&AccessKeyId={key}&Status=Paused"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{xml}");
    let (status, _) = iam(
        &state,
        &root,
        &format!("Action=UpdateAccessKey&UserName=alice&AccessKeyId={key}&Status=Inactive"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!state.identities.resolve_access_key(&key).unwrap().active);
    let (status, _) = iam(
        &state,
        &root,
        &format!("Action=DeleteAccessKey&UserName=alice&AccessKeyId={key}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(state.identities.resolve_access_key(&key).is_none());

    // Without UserName: the root's own keys.
    let (status, xml) = iam(&state, &root, "Action=ListAccessKeys").await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(!xml.contains("<UserName>"));
}

#[tokio::test]
async fn groups() {
    let state = state().await;
    let root = root(&state);
    iam(&state, &root, "Action=CreateUser&UserName=alice").await;
    let (status, xml) = iam(&state, &root, "Action=CreateGroup&GroupName=devs").await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(xml.contains("<Group><Path>/</Path><GroupName>devs</GroupName><GroupId>AGPA"));
    let (status, _) = iam(
        &state,
        &root,
        "Action=AddUserToGroup&GroupName=devs&UserName=alice",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, xml) = iam(&state, &root, "Action=GetGroup&GroupName=devs").await;
    assert!(xml.contains("<Users><member><Path>/</Path><UserName>alice</UserName>"));
    assert_eq!(text(&xml, "IsTruncated"), "false");
    let (_, xml) = iam(&state, &root, "Action=ListGroupsForUser&UserName=alice").await;
    assert_eq!(text(&xml, "GroupName"), "devs");
    let (_, xml) = iam(&state, &root, "Action=ListGroups").await;
    assert_eq!(text(&xml, "GroupName"), "devs");
    let (status, xml) = iam(&state, &root, "Action=DeleteGroup&GroupName=devs").await;
    assert_eq!(status, StatusCode::CONFLICT, "{xml}");
    assert_eq!(text(&xml, "Code"), "DeleteConflict");
    iam(
        &state,
        &root,
        "Action=RemoveUserFromGroup&GroupName=devs&UserName=alice",
    )
    .await;
    let (status, _) = iam(&state, &root, "Action=DeleteGroup&GroupName=devs").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn managed_policies_and_attachments() {
    let state = state().await;
    let root = root(&state);
    let account = state.identities.root_account().id.to_string();
    iam(&state, &root, "Action=CreateUser&UserName=alice").await;
    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=CreatePolicy&PolicyName=IamAll&Description=d&PolicyDocument={}",
            enc(ALLOW_ALL_IAM)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let arn = format!("arn:aws:iam::{account}:policy/IamAll");
    assert_eq!(text(&xml, "Arn"), arn);
    assert_eq!(text(&xml, "DefaultVersionId"), "v1");
    let earn = enc(&arn);

    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=CreatePolicyVersion&PolicyArn={earn}&SetAsDefault=true&PolicyDocument={}",
            enc(ALLOW_ALL_IAM)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert!(xml.contains(
        "<PolicyVersion><VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion>"
    ));
    let (_, xml) = iam(
        &state,
        &root,
        &format!("Action=GetPolicyVersion&PolicyArn={earn}&VersionId=v1"),
    )
    .await;
    assert_eq!(
        text(&xml, "Document"),
        super::shapes::encode_document(ALLOW_ALL_IAM)
    );
    assert_eq!(text(&xml, "IsDefaultVersion"), "false");
    let (_, xml) = iam(
        &state,
        &root,
        &format!("Action=ListPolicyVersions&PolicyArn={earn}"),
    )
    .await;
    assert_eq!(xml.matches("<member>").count(), 2);
    assert!(!xml.contains("<Document>"));
    let (status, _) = iam(
        &state,
        &root,
        &format!("Action=DeletePolicyVersion&PolicyArn={earn}&VersionId=v1"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (status, xml) = iam(
        &state,
        &root,
        &format!("Action=AttachUserPolicy&UserName=alice&PolicyArn={earn}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let (_, xml) = iam(
        &state,
        &root,
        "Action=ListAttachedUserPolicies&UserName=alice",
    )
    .await;
    assert!(xml.contains(&format!(
        "<AttachedPolicies><member><PolicyName>IamAll</PolicyName><PolicyArn>{arn}</PolicyArn></member></AttachedPolicies>"
    )));
    let (_, xml) = iam(&state, &root, &format!("Action=GetPolicy&PolicyArn={earn}")).await;
    assert_eq!(text(&xml, "AttachmentCount"), "1");
    assert_eq!(text(&xml, "Description"), "d");
    let (_, xml) = iam(
        &state,
        &root,
        "Action=ListPolicies&Scope=Local&OnlyAttached=true",
    )
    .await;
    assert_eq!(text(&xml, "PolicyName"), "IamAll");
    let (status, xml) = iam(&state, &root, "Action=ListPolicies&Scope=Mine").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{xml}");

    let (status, xml) = iam(
        &state,
        &root,
        &format!("Action=DeletePolicy&PolicyArn={earn}"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{xml}");
    iam(
        &state,
        &root,
        &format!("Action=DetachUserPolicy&UserName=alice&PolicyArn={earn}"),
    )
    .await;
    let (status, xml) = iam(
        &state,
        &root,
        &format!("Action=DeletePolicy&PolicyArn={earn}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
}

#[tokio::test]
async fn roles() {
    let state = state().await;
    let root = root(&state);
    let account = state.identities.root_account().id.to_string();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=CreateRole&RoleName=Reader&Path=%2Fapp%2F&Description=reads&MaxSessionDuration=7200&AssumeRolePolicyDocument={}",
            enc(&trust)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    assert_eq!(
        text(&xml, "Arn"),
        format!("arn:aws:iam::{account}:role/app/Reader")
    );
    assert_eq!(
        text(&xml, "AssumeRolePolicyDocument"),
        super::shapes::encode_document(&trust)
    );
    let (_, xml) = iam(&state, &root, "Action=GetRole&RoleName=Reader").await;
    assert_eq!(text(&xml, "MaxSessionDuration"), "7200");
    assert_eq!(text(&xml, "Description"), "reads");
    let (_, xml) = iam(&state, &root, "Action=ListRoles").await;
    assert_eq!(text(&xml, "RoleName"), "Reader");
    let (status, xml) = iam(
        &state,
        &root,
        "Action=CreateRole&RoleName=Bad&MaxSessionDuration=60&AssumeRolePolicyDocument=%7B%7D",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{xml}");
    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=PutRolePolicy&RoleName=Reader&PolicyName=p&PolicyDocument={}",
            enc(ALLOW_ALL_IAM)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let (_, xml) = iam(
        &state,
        &root,
        "Action=GetRolePolicy&RoleName=Reader&PolicyName=p",
    )
    .await;
    assert_eq!(text(&xml, "RoleName"), "Reader");
    let (status, xml) = iam(
        &state,
        &root,
        &format!(
            "Action=UpdateAssumeRolePolicy&RoleName=Reader&PolicyDocument={}",
            enc(&trust)
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{xml}");
    let (status, _) = iam(&state, &root, "Action=DeleteRole&RoleName=Reader").await;
    assert_eq!(status, StatusCode::CONFLICT, "inline policy remains");
    iam(
        &state,
        &root,
        "Action=DeleteRolePolicy&RoleName=Reader&PolicyName=p",
    )
    .await;
    let (status, xml) = iam(&state, &root, "Action=DeleteRole&RoleName=Reader").await;
    assert_eq!(status, StatusCode::OK, "{xml}");
}
