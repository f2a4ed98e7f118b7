//! KMS operations at the protocol layer: JSON in, status and JSON out, over an in-memory
//! store and the real authorizer; and the S3 key provider.

use std::sync::Arc;

use http::StatusCode;
use rampart_engine::key_provider::KmsUseError;
use rampart_iam::Principal;
use serde_json::{Value, json};

use crate::AppState;
use crate::iam::tests::{body, enc, iam, info, principal_of, root, state, text};

async fn call(
    state: &Arc<AppState>,
    who: &Principal,
    op: &str,
    input: Value,
) -> (StatusCode, Value) {
    let target = format!("TrentService.{op}");
    let response = super::handle(
        state,
        who,
        &info(),
        Some(&target),
        input.to_string().as_bytes(),
    )
    .await;
    assert_eq!(
        response.headers()["content-type"],
        "application/x-amz-json-1.1"
    );
    let (status, text) = body(response).await;
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, value)
}

async fn ok(state: &Arc<AppState>, who: &Principal, op: &str, input: Value) -> Value {
    let (status, v) = call(state, who, op, input).await;
    assert_eq!(status, StatusCode::OK, "{op}: {v}");
    v
}

async fn err(state: &Arc<AppState>, who: &Principal, op: &str, input: Value) -> (String, String) {
    let (status, v) = call(state, who, op, input).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{op}: {v}");
    (
        v["__type"].as_str().unwrap().to_owned(),
        v["message"].as_str().unwrap_or("").to_owned(),
    )
}

/// A user with an access key, and optionally an inline policy.
async fn user(state: &Arc<AppState>, name: &str, policy: Option<&str>) -> Principal {
    let root = root(state);
    iam(state, &root, &format!("Action=CreateUser&UserName={name}")).await;
    if let Some(p) = policy {
        let (status, xml) = iam(
            state,
            &root,
            &format!(
                "Action=PutUserPolicy&UserName={name}&PolicyName=p&PolicyDocument={}",
                enc(p)
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{xml}");
    }
    let (_, xml) = iam(
        state,
        &root,
        &format!("Action=CreateAccessKey&UserName={name}"),
    )
    .await;
    principal_of(state, text(&xml, "AccessKeyId"))
}

fn allow(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

#[tokio::test]
async fn root_round_trips() {
    let state = state().await;
    let root = root(&state);
    let created = ok(&state, &root, "CreateKey", json!({"Description": "d"})).await;
    let meta = &created["KeyMetadata"];
    let id = meta["KeyId"].as_str().unwrap();
    assert_eq!(meta["KeyState"], "Enabled");
    assert_eq!(meta["KeySpec"], "SYMMETRIC_DEFAULT");
    assert_eq!(meta["KeyManager"], "CUSTOMER");
    assert!(meta["CreationDate"].is_number());
    ok(
        &state,
        &root,
        "CreateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": id}),
    )
    .await;
    let enc = ok(
        &state,
        &root,
        "Encrypt",
        json!({"KeyId": "alias/app", "Plaintext": "aGVsbG8=", "EncryptionContext": {"a": "b"}}),
    )
    .await;
    assert_eq!(enc["KeyId"], meta["Arn"]);
    let dec = ok(
        &state,
        &root,
        "Decrypt",
        json!({"CiphertextBlob": enc["CiphertextBlob"], "EncryptionContext": {"a": "b"}}),
    )
    .await;
    assert_eq!(dec["Plaintext"], "aGVsbG8=");
    let (kind, _) = err(
        &state,
        &root,
        "Decrypt",
        json!({"CiphertextBlob": enc["CiphertextBlob"]}),
    )
    .await;
    assert_eq!(kind, "InvalidCiphertextException");
    let other = ok(&state, &root, "CreateKey", json!({})).await;
    let (kind, _) = err(
        &state,
        &root,
        "Decrypt",
        json!({"CiphertextBlob": enc["CiphertextBlob"], "EncryptionContext": {"a": "b"},
               "KeyId": other["KeyMetadata"]["KeyId"]}),
    )
    .await;
    assert_eq!(kind, "IncorrectKeyException");
    let policy = ok(
        &state,
        &root,
        "GetKeyPolicy",
        json!({"KeyId": id, "PolicyName": "default"}),
    )
    .await;
    assert!(policy["Policy"].as_str().unwrap().contains(":root"));
    let list = ok(&state, &root, "ListKeys", json!({"Limit": 1})).await;
    assert_eq!(list["Truncated"], true);
    assert!(list["NextMarker"].is_string());
}

#[tokio::test]
async fn protocol_errors() {
    let state = state().await;
    let root = root(&state);
    let r = super::handle(
        &state,
        &root,
        &info(),
        Some("TrentService.CreateKey"),
        b"{nope",
    )
    .await;
    let (status, text) = body(r).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("SerializationException"), "{text}");
    let r = super::handle(&state, &root, &info(), Some("TrentService.Nope"), b"{}").await;
    assert!(body(r).await.1.contains("UnknownOperationException"));
    let (kind, msg) = err(
        &state,
        &root,
        "DescribeKey",
        json!({"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
    )
    .await;
    assert_eq!(kind, "NotFoundException");
    assert!(msg.contains("does not exist"), "{msg}");
    let (kind, _) = err(&state, &root, "CreateKey", json!({"KeySpec": "RSA_2048"})).await;
    assert_eq!(kind, "UnsupportedOperationException");
    let (kind, _) = err(&state, &root, "DescribeKey", json!({})).await;
    assert_eq!(kind, "ValidationException");
    let (kind, _) = err(
        &state,
        &root,
        "CreateAlias",
        json!({"AliasName": "alias/aws/x", "TargetKeyId": "x"}),
    )
    .await;
    assert_eq!(kind, "InvalidAliasNameException");
    let anon = super::handle(
        &state,
        &Principal::Anonymous,
        &info(),
        Some("TrentService.ListKeys"),
        b"{}",
    )
    .await;
    assert!(
        body(anon)
            .await
            .1
            .contains("MissingAuthenticationTokenException")
    );
}

#[tokio::test]
async fn key_policy_and_iam_decide() {
    let state = state().await;
    let root = root(&state);
    let account = state.identities.root_account().id.to_string();
    let key = ok(&state, &root, "CreateKey", json!({})).await["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let input = json!({"KeyId": key, "Plaintext": "eA=="});

    let nobody = user(&state, "nobody", None).await;
    let (kind, msg) = err(&state, &nobody, "Encrypt", input.clone()).await;
    assert_eq!(kind, "AccessDeniedException");
    assert!(msg.contains("kms:Encrypt"), "{msg}");
    assert!(
        msg.contains(&format!(
            "on resource: arn:aws:kms:us-east-1:{account}:key/{key} because"
        )),
        "{msg}"
    );
    let (kind, _) = err(&state, &nobody, "CreateKey", json!({})).await;
    assert_eq!(kind, "AccessDeniedException");

    let encryptor = user(&state, "enc", Some(&allow("kms:Encrypt"))).await;
    ok(&state, &encryptor, "Encrypt", input.clone()).await;
    let (kind, _) = err(&state, &encryptor, "DisableKey", json!({"KeyId": key})).await;
    assert_eq!(kind, "AccessDeniedException");

    // A key policy without the root statement: IAM policies no longer count.
    let only_carol = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:user/carol"}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    let (kind, _) = err(
        &state,
        &root,
        "PutKeyPolicy",
        json!({"KeyId": key, "PolicyName": "default", "Policy": only_carol}),
    )
    .await;
    assert_eq!(kind, "MalformedPolicyDocumentException");
    ok(
        &state,
        &root,
        "PutKeyPolicy",
        json!({"KeyId": key, "Policy": only_carol, "BypassPolicyLockoutSafetyCheck": true}),
    )
    .await;
    let (kind, _) = err(&state, &encryptor, "Encrypt", input.clone()).await;
    assert_eq!(kind, "AccessDeniedException");
    let (kind, _) = err(&state, &root, "Encrypt", input.clone()).await;
    assert_eq!(kind, "AccessDeniedException");
    let carol = user(&state, "carol", None).await;
    ok(&state, &carol, "Encrypt", input.clone()).await;

    // An explicit deny wins over the key policy.
    let denied = user(
        &state,
        "denied",
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*"}]}"#),
    )
    .await;
    let key2 = ok(&state, &root, "CreateKey", json!({})).await["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (kind, msg) = err(
        &state,
        &denied,
        "Encrypt",
        json!({"KeyId": key2, "Plaintext": "eA=="}),
    )
    .await;
    assert_eq!(kind, "AccessDeniedException");
    assert!(msg.contains("explicit deny"), "{msg}");
    ok(&state, &denied, "DescribeKey", json!({"KeyId": key2})).await;
}

#[tokio::test]
async fn encryption_context_conditions() {
    let state = state().await;
    let root = root(&state);
    let key = ok(&state, &root, "CreateKey", json!({})).await["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:team":"blue"}}}]}"#;
    let u = user(&state, "ctx", Some(policy)).await;
    ok(
        &state,
        &u,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": "eA==", "EncryptionContext": {"team": "blue"}}),
    )
    .await;
    let (kind, _) = err(
        &state,
        &u,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": "eA==", "EncryptionContext": {"team": "red"}}),
    )
    .await;
    assert_eq!(kind, "AccessDeniedException");
}

#[tokio::test]
async fn s3_provider() {
    let state = state().await;
    let root = root(&state);
    let nobody = user(&state, "s3user", None).await;
    let ctx = vec![("aws:s3:arn".to_owned(), "arn:aws:s3:::b/k".to_owned())];

    // The AWS-managed key serves any principal of the account through S3.
    let provider = super::key_provider_for(&state, &nobody, &info());
    let dk = provider.generate_data_key("", &ctx).await.unwrap();
    assert!(dk.key_arn.contains(":key/"));
    assert_eq!(dk.plaintext.len(), 32);
    let plain = provider
        .decrypt(&dk.key_arn, &dk.ciphertext_blob, &ctx)
        .await
        .unwrap();
    assert_eq!(plain, dk.plaintext);
    assert_eq!(provider.key_arn("alias/aws/s3").await.unwrap(), dk.key_arn);
    assert!(matches!(
        provider
            .decrypt(&dk.key_arn, &dk.ciphertext_blob, &vec![])
            .await,
        Err(KmsUseError::InvalidCiphertext(_))
    ));
    // ... but not directly.
    let managed = ok(
        &state,
        &root,
        "DescribeKey",
        json!({"KeyId": "alias/aws/s3"}),
    )
    .await;
    assert_eq!(managed["KeyMetadata"]["KeyManager"], "AWS");
    let (kind, _) = err(
        &state,
        &nobody,
        "Encrypt",
        json!({"KeyId": "alias/aws/s3", "Plaintext": "eA=="}),
    )
    .await;
    assert_eq!(kind, "AccessDeniedException");
    let (kind, _) = err(
        &state,
        &root,
        "DisableKey",
        json!({"KeyId": managed["KeyMetadata"]["KeyId"]}),
    )
    .await;
    assert_eq!(kind, "AccessDeniedException");

    // A customer key needs kms:GenerateDataKey / kms:Decrypt for the caller.
    let key = ok(&state, &root, "CreateKey", json!({})).await["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(matches!(
        provider.generate_data_key(&key, &ctx).await,
        Err(KmsUseError::AccessDenied(_))
    ));
    let via_s3 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}"#;
    let s3_only = user(&state, "s3only", Some(via_s3)).await;
    let p = super::key_provider_for(&state, &s3_only, &info());
    let dk = p.generate_data_key(&key, &ctx).await.unwrap();
    p.decrypt(&key, &dk.ciphertext_blob, &ctx).await.unwrap();
    let (kind, _) = err(
        &state,
        &s3_only,
        "GenerateDataKey",
        json!({"KeyId": key, "KeySpec": "AES_256"}),
    )
    .await;
    assert_eq!(kind, "AccessDeniedException");

    let id = key.rsplit('/').next().unwrap();
    ok(&state, &root, "DisableKey", json!({"KeyId": id})).await;
    assert!(matches!(
        p.decrypt(&key, &dk.ciphertext_blob, &ctx).await,
        Err(KmsUseError::Disabled(_))
    ));
    ok(
        &state,
        &root,
        "ScheduleKeyDeletion",
        json!({"KeyId": id, "PendingWindowInDays": 7}),
    )
    .await;
    assert!(matches!(
        p.generate_data_key(&key, &ctx).await,
        Err(KmsUseError::InvalidState(_))
    ));
    assert!(matches!(
        p.generate_data_key("alias/missing", &ctx).await,
        Err(KmsUseError::NotFound(_))
    ));
}

#[tokio::test]
async fn cross_account_needs_the_key_policy_and_the_callers_policy() {
    let state = state().await;
    let root = root(&state);
    let account = state.identities.root_account().id.to_string();
    let (other, other_key, _) = state.identities.create_account("other").await.unwrap();
    let other_root = principal_of(&state, other_key.as_str());
    // A user of the other account, allowed kms:Encrypt by its own account.
    iam(&state, &other_root, "Action=CreateUser&UserName=dan").await;
    let doc = enc(&allow("kms:Encrypt"));
    iam(
        &state,
        &other_root,
        &format!("Action=PutUserPolicy&UserName=dan&PolicyName=p&PolicyDocument={doc}"),
    )
    .await;
    let (_, xml) = iam(&state, &other_root, "Action=CreateAccessKey&UserName=dan").await;
    let dan = principal_of(&state, text(&xml, "AccessKeyId"));

    let key = ok(&state, &root, "CreateKey", json!({})).await["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_owned();
    let input = json!({"KeyId": key, "Plaintext": "eA=="});
    // The default key policy names only the key's own account.
    let (kind, _) = err(&state, &dan, "Encrypt", input.clone()).await;
    assert_eq!(kind, "AccessDeniedException");
    // A bare key id names a key in the caller's own account.
    let id = key.rsplit('/').next().unwrap();
    let (kind, _) = err(
        &state,
        &dan,
        "Encrypt",
        json!({"KeyId": id, "Plaintext": "eA=="}),
    )
    .await;
    assert_eq!(kind, "NotFoundException");

    let shared = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}},
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}}]}}"#,
        other.id
    );
    ok(
        &state,
        &root,
        "PutKeyPolicy",
        json!({"KeyId": id, "Policy": shared}),
    )
    .await;
    let blob = ok(&state, &dan, "Encrypt", input.clone()).await["CiphertextBlob"].clone();
    // Dan's own account does not allow kms:Decrypt.
    let (kind, _) = err(&state, &dan, "Decrypt", json!({"CiphertextBlob": blob})).await;
    assert_eq!(kind, "AccessDeniedException");
    // The other account's root needs nothing more than the key policy.
    ok(
        &state,
        &other_root,
        "Decrypt",
        json!({"CiphertextBlob": blob}),
    )
    .await;
    // Management stays with the key's account.
    let (kind, _) = err(&state, &other_root, "DisableKey", json!({"KeyId": key})).await;
    assert_eq!(kind, "NotFoundException");
}
