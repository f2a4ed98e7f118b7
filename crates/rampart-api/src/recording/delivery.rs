//! What the delivering services (server access logging, the audit trail) may write: a target
//! bucket's policy decides, evaluated for the service principal as S3 evaluates it.

use bytes::Bytes;
use rampart_engine::acl::Acl;
use rampart_engine::{
    BucketRecord, ContentHeaders, Engine, EngineError, PutObjectInput, WriteCondition,
};
use rampart_policy::{ContextKeys, PolicySet, PrincipalInfo, PrincipalType, RequestContext};
use rampart_types::{BucketName, ObjectKey, Owner};

use crate::authz::BucketPolicies;

/// What `target`'s bucket policy says to `service` writing `key` (s3:PutObject) with the
/// condition keys `keys`: `Some(true)` allowed, `Some(false)` explicitly denied, `None` when
/// it says nothing (or there is no policy).
pub(crate) async fn policy_decision(
    engine: &Engine,
    policies: &BucketPolicies,
    target: &BucketRecord,
    key: &str,
    service: &str,
    mut keys: ContextKeys,
) -> Option<bool> {
    let name = &target.name;
    let (policy, _) = policies.get(engine, name).await.ok()??;
    keys.set("aws:SecureTransport", "true");
    let ctx = RequestContext {
        principal: PrincipalInfo {
            kind: PrincipalType::Service,
            arn: service.to_owned(),
            account: None,
            canonical_id: None,
            role_arn: None,
            user_id: None,
            username: None,
        },
        action: "s3:PutObject".to_owned(),
        resource: format!("arn:aws:s3:::{name}/{key}"),
        resource_account: Some(target.owner.account_id.to_string()),
        keys,
    };
    let decision = rampart_policy::evaluate(
        &ctx,
        &PolicySet {
            identity: &[],
            resource: Some(&policy),
            session: None,
        },
    );
    match decision.outcome {
        rampart_policy::Outcome::Allow => Some(true),
        rampart_policy::Outcome::ExplicitDeny => Some(false),
        rampart_policy::Outcome::ImplicitDeny => None,
    }
}

/// Whether `target`'s bucket policy allows `service` to write `key`.
pub(crate) async fn service_may_put(
    engine: &Engine,
    policies: &BucketPolicies,
    target: &BucketRecord,
    key: &str,
    service: &str,
    keys: ContextKeys,
) -> bool {
    policy_decision(engine, policies, target, key, service, keys).await == Some(true)
}

/// Writes a delivered file (a log object) whole, as `owner` (the target bucket's owner), with
/// the target's default encryption.
pub(crate) async fn put_delivered(
    engine: &Engine,
    bucket: &BucketName,
    key: ObjectKey,
    body: Vec<u8>,
    headers: ContentHeaders,
    owner: Owner,
    acl: Option<Acl>,
) -> Result<(), EngineError> {
    let len = body.len() as u64;
    engine
        .put_object(PutObjectInput {
            bucket: bucket.clone(),
            key,
            body: Box::pin(futures::stream::iter([Ok(Bytes::from(body))])),
            declared_len: Some(len),
            content_md5: None,
            checksum: None,
            headers,
            user_metadata: Vec::new(),
            storage_class: None,
            tags: Default::default(),
            condition: WriteCondition::None,
            owner,
            acl,
            encryption: None,
            kms: None,
            lock: Default::default(),
        })
        .await
        .map(|_| ())
}
