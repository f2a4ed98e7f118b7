//! Feeds arbitrary bytes (as UTF-8 text) to `Policy::parse` for every policy kind and
//! evaluates whatever parses against a fixed request. Neither may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_policy::*;
use std::sync::{Arc, OnceLock};

fn contexts() -> &'static [RequestContext] {
    static CTX: OnceLock<Vec<RequestContext>> = OnceLock::new();
    CTX.get_or_init(|| {
        let mut keys = ContextKeys::new();
        keys.set("aws:SecureTransport", "true");
        keys.set("aws:SourceIp", "203.0.113.7");
        keys.set("aws:CurrentTime", "2025-06-01T12:00:00Z");
        keys.set("aws:EpochTime", "1748779200");
        keys.set("s3:prefix", "home/alice/");
        keys.set("s3:max-keys", "not-a-number");
        keys.set_many("aws:TagKeys", vec!["team".into(), "env".into()]);
        keys.set("aws:PrincipalTag/team", "*");
        let user = PrincipalInfo {
            kind: PrincipalType::User,
            arn: "arn:aws:iam::111122223333:user/alice".into(),
            account: Some("111122223333".into()),
            canonical_id: Some(
                "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".into(),
            ),
            role_arn: None,
            user_id: Some("AIDAEXAMPLE".into()),
            username: Some("alice".into()),
        };
        let session = PrincipalInfo {
            kind: PrincipalType::AssumedRole,
            arn: "arn:aws:sts::444455556666:assumed-role/R/s".into(),
            account: Some("444455556666".into()),
            canonical_id: None,
            role_arn: Some("arn:aws:iam::444455556666:role/R".into()),
            user_id: Some("AROAEXAMPLE:s".into()),
            username: None,
        };
        [user, session, PrincipalInfo::anonymous()]
            .into_iter()
            .map(|principal| RequestContext {
                principal,
                action: "s3:GetObject".into(),
                resource: "arn:aws:s3:::b/home/alice/k".into(),
                resource_account: Some("111122223333".into()),
                keys: keys.clone(),
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (kind, ty) in [
        (PolicyKind::Identity, PolicyType::Identity),
        (PolicyKind::Resource, PolicyType::Resource),
        (PolicyKind::Trust, PolicyType::Resource),
        (PolicyKind::Session, PolicyType::Session),
    ] {
        let Ok(policy) = Policy::parse(text, kind) else {
            continue;
        };
        let named = NamedPolicy {
            name: "fuzzed".into(),
            kind: ty,
            policy: Arc::new(policy),
        };
        for ctx in contexts() {
            let set = match ty {
                PolicyType::Identity => PolicySet {
                    identity: std::slice::from_ref(&named),
                    resource: None,
                    session: None,
                },
                PolicyType::Resource => PolicySet {
                    identity: &[],
                    resource: Some(&named),
                    session: None,
                },
                PolicyType::Session => PolicySet {
                    identity: &[],
                    resource: None,
                    session: Some(std::slice::from_ref(&named)),
                },
            };
            let d = evaluate(ctx, &set);
            let _ = d.denial_message(ctx);
        }
    }
});
