//! Property tests: an explicit, matching Deny can never be overridden by any
//! combination of Allows ("an explicit deny in any policy overrides any allows").

mod common;
use common::*;
use proptest::prelude::*;
use rampart_policy::*;

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:*",
    "*",
    "s3:Get*",
    "iam:CreateUser",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::*",
    "arn:aws:s3:::other/*",
];
const PRINCIPALS: &[&str] = &[
    "\"*\"",
    "{\"AWS\":\"111122223333\"}",
    "{\"AWS\":\"444455556666\"}",
    "{\"AWS\":\"arn:aws:iam::111122223333:user/alice\"}",
    "{\"AWS\":\"*\"}",
];
const CONDITIONS: &[&str] = &[
    "",
    r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#,
    r#","Condition":{"StringLike":{"s3:prefix":"a*"}}"#,
    r#","Condition":{"NumericLessThan":{"s3:max-keys":"5"}}"#,
    r#","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
    r#","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}"#,
];

#[derive(Clone, Debug)]
struct Stmt {
    allow: bool,
    action: usize,
    resource: usize,
    principal: usize,
    condition: usize,
}

fn stmt_strategy() -> impl Strategy<Value = Stmt> {
    (
        any::<bool>(),
        0..ACTIONS.len(),
        0..RESOURCES.len(),
        0..PRINCIPALS.len(),
        0..CONDITIONS.len(),
    )
        .prop_map(|(allow, action, resource, principal, condition)| Stmt {
            allow,
            action,
            resource,
            principal,
            condition,
        })
}

fn render(stmts: &[Stmt], with_principal: bool) -> String {
    let body: Vec<String> = stmts
        .iter()
        .map(|s| {
            let principal = if with_principal {
                format!(r#""Principal":{},"#, PRINCIPALS[s.principal])
            } else {
                String::new()
            };
            format!(
                r#"{{"Effect":"{}",{principal}"Action":"{}","Resource":"{}"{}}}"#,
                if s.allow { "Allow" } else { "Deny" },
                ACTIONS[s.action],
                RESOURCES[s.resource],
                CONDITIONS[s.condition]
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        body.join(",")
    )
}

fn principal_for(i: u8) -> PrincipalInfo {
    match i % 6 {
        0 => user(ACCT, "alice"),
        1 => user(OTHER, "carol"),
        2 => root(ACCT),
        3 => root(OTHER),
        4 => session(ACCT, "R", "s"),
        _ => anon(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_matching_deny_is_never_overridden(
        identity_sets in proptest::collection::vec(proptest::collection::vec(stmt_strategy(), 1..5), 0..4),
        resource_stmts in proptest::collection::vec(stmt_strategy(), 1..5),
        session_stmts in proptest::option::of(proptest::collection::vec(stmt_strategy(), 1..4)),
        who in any::<u8>(),
        deny_in in 0u8..3,
        deny_condition in 0..CONDITIONS.len(),
        secure in any::<bool>(),
        max_keys in proptest::option::of("[0-9a-z]{1,3}"),
    ) {
        let principal = principal_for(who);
        let is_anon = principal.kind == PrincipalType::Anonymous;
        let mut c = ctx(principal, "s3:GetObject", "arn:aws:s3:::b/k", Some(ACCT));
        c.keys.set("aws:SecureTransport", secure.to_string());
        c.keys.set("s3:prefix", "abc");
        if let Some(m) = &max_keys { c.keys.set("s3:max-keys", m.clone()); }
        c.keys.set("aws:SourceIp", "10.1.2.3");

        // A Deny that certainly matches: its action and resource cover the request and,
        // in a resource policy, its principal is `*`. Its condition may or may not hold.
        let deny = Stmt { allow: false, action: 0, resource: 1, principal: 0, condition: deny_condition };
        let mut identity_sets = identity_sets;
        let mut resource_stmts = resource_stmts;
        let mut session_stmts = session_stmts;
        // Anonymous requests have no identity or session policies: put the deny in the resource policy.
        let deny_in = if is_anon { 1 } else { deny_in };
        match deny_in {
            0 => identity_sets.push(vec![deny.clone()]),
            1 => resource_stmts.push(deny.clone()),
            _ => session_stmts.get_or_insert_with(Vec::new).push(deny.clone()),
        }
        let ids: Vec<NamedPolicy> = identity_sets.iter().map(|s| identity(&render(s, false))).collect();
        let res = bucket(&render(&resource_stmts, true));
        let sess: Option<Vec<NamedPolicy>> = session_stmts.as_ref().map(|s| vec![session_policy(&render(s, false))]);
        let d = eval(&c, &ids, Some(&res), sess.as_deref());

        // Does the deny's condition hold (or fail to evaluate)? Then nothing may allow.
        let deny_alone = {
            let only = identity(&render(&[Stmt { allow: true, ..deny.clone() }], false));
            let probe = ctx(user(ACCT, "probe"), "s3:GetObject", "arn:aws:s3:::b/k", Some(ACCT));
            let mut probe = probe;
            probe.keys = c.keys.clone();
            let allowed = eval(&probe, &[only], None, None).is_allowed();
            // The Allow twin matches iff the condition is definitely true; a Deny also
            // matches when it cannot be evaluated (max-keys not a number).
            let unknown = deny_condition == 3 && max_keys.as_deref().is_some_and(|m| m.parse::<f64>().is_err());
            allowed || unknown
        };
        if deny_alone {
            prop_assert_eq!(d.outcome, Outcome::ExplicitDeny);
            prop_assert!(!d.is_allowed());
        }
        // Whatever the outcome, an Allow never coexists with a matching deny statement.
        if d.is_allowed() {
            prop_assert!(d.matched.iter().all(|m| m.effect == Effect::Allow));
        }
    }

    #[test]
    fn adding_allows_never_turns_an_explicit_deny_into_allow(
        base in proptest::collection::vec(stmt_strategy(), 1..6),
        extra in proptest::collection::vec(stmt_strategy(), 1..6),
        who in any::<u8>(),
    ) {
        let c = ctx(principal_for(who), "s3:GetObject", "arn:aws:s3:::b/k", Some(ACCT));
        let mut base = base;
        base.push(Stmt { allow: false, action: 0, resource: 1, principal: 0, condition: 0 });
        let b1 = bucket(&render(&base, true));
        let ids1 = vec![identity(&render(&base, false))];
        let d1 = eval(&c, &ids1, Some(&b1), None);
        prop_assert_eq!(d1.outcome, Outcome::ExplicitDeny);
        let allows: Vec<Stmt> = extra.into_iter().map(|s| Stmt { allow: true, ..s }).collect();
        let mut more = base.clone();
        more.extend(allows.iter().cloned());
        let b2 = bucket(&render(&more, true));
        let ids2 = vec![identity(&render(&more, false)), identity(&render(&allows, false))];
        let d2 = eval(&c, &ids2, Some(&b2), None);
        prop_assert_eq!(d2.outcome, Outcome::ExplicitDeny);
    }
}
