//! What the delivering services (server access logging, the audit trail) may write: a target
//! bucket's policy decides, evaluated for the service principal as S3 evaluates it.

use rampart_engine::{BucketRecord, Engine};
use rampart_policy::{ContextKeys, PolicySet, PrincipalInfo, PrincipalType, RequestContext};

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
