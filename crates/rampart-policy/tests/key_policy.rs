//! AWS KMS key-policy evaluation: the key policy is the primary control; a statement naming
//! the account delegates to IAM, and then the caller's identity policies must allow too.

mod common;
use std::sync::Arc;

use common::*;
use rampart_policy::*;

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn named(text: &str, kind: PolicyKind, ty: PolicyType) -> NamedPolicy {
    NamedPolicy {
        name: "p".into(),
        kind: ty,
        policy: Arc::new(Policy::parse(text, kind).unwrap()),
    }
}

fn key_policy(principal: &str, action: &str, effect: &str) -> NamedPolicy {
    named(
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Principal":{{"AWS":"{principal}"}},"Action":"{action}","Resource":"*"}}]}}"#
        ),
        PolicyKind::Resource,
        PolicyType::Resource,
    )
}

fn identity(action: &str, effect: &str) -> NamedPolicy {
    named(
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":"{action}","Resource":"*"}}]}}"#
        ),
        PolicyKind::Identity,
        PolicyType::Identity,
    )
}

fn decide(who: PrincipalInfo, identity: &[NamedPolicy], key: &NamedPolicy) -> Outcome {
    let ctx = RequestContext {
        principal: who,
        action: "kms:Encrypt".into(),
        resource: KEY.into(),
        resource_account: Some(ACCT.into()),
        keys: ContextKeys::new(),
    };
    evaluate_key_policy(
        &ctx,
        &PolicySet {
            identity,
            resource: Some(key),
            session: None,
        },
    )
    .outcome
}

const ROOT: &str = "arn:aws:iam::111122223333:root";

#[test]
fn the_root_statement_delegates_to_iam() {
    let key = key_policy(ROOT, "kms:*", "Allow");
    assert_eq!(decide(user(ACCT, "bob"), &[], &key), Outcome::ImplicitDeny);
    let allow = [identity("kms:Encrypt", "Allow")];
    assert_eq!(decide(user(ACCT, "bob"), &allow, &key), Outcome::Allow);
    // The account root needs no identity policy once the key policy names its account.
    assert_eq!(decide(root(ACCT), &[], &key), Outcome::Allow);
}

#[test]
fn without_the_root_statement_iam_policies_do_not_count() {
    let key = key_policy("arn:aws:iam::111122223333:user/carol", "kms:*", "Allow");
    let allow = [identity("kms:*", "Allow")];
    assert_eq!(
        decide(user(ACCT, "bob"), &allow, &key),
        Outcome::ImplicitDeny
    );
    // The root of the key's own account is not special either.
    assert_eq!(decide(root(ACCT), &[], &key), Outcome::ImplicitDeny);
    // The principal the key policy names needs nothing else.
    assert_eq!(decide(user(ACCT, "carol"), &[], &key), Outcome::Allow);
}

#[test]
fn an_explicit_deny_wins() {
    let key = key_policy(ROOT, "kms:*", "Allow");
    let policies = [identity("kms:*", "Allow"), identity("kms:Encrypt", "Deny")];
    assert_eq!(
        decide(user(ACCT, "bob"), &policies, &key),
        Outcome::ExplicitDeny
    );
    let deny = key_policy("*", "kms:Encrypt", "Deny");
    assert_eq!(decide(root(ACCT), &[], &deny), Outcome::ExplicitDeny);
}

#[test]
fn cross_account_needs_both_sides() {
    let key = key_policy("arn:aws:iam::444455556666:root", "kms:Encrypt", "Allow");
    assert_eq!(decide(user(OTHER, "dan"), &[], &key), Outcome::ImplicitDeny);
    let allow = [identity("kms:Encrypt", "Allow")];
    assert_eq!(decide(user(OTHER, "dan"), &allow, &key), Outcome::Allow);
    let own = key_policy(ROOT, "kms:*", "Allow");
    assert_eq!(
        decide(user(OTHER, "dan"), &allow, &own),
        Outcome::ImplicitDeny
    );
}
