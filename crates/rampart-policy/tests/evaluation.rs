//! Evaluation logic: actions, resources, principals, accounts, root, anonymous, sessions.
//!
//! Each case names the statement of the AWS IAM User Guide ("Policy evaluation logic",
//! "Cross-account policy evaluation logic", "Session policies", "AWS JSON policy
//! elements: Principal / NotPrincipal / NotAction / NotResource") that it checks.

mod common;
use common::cases::*;
use common::*;
use rampart_policy::*;

#[test]
fn actions_and_resources() {
    use Outcome::*;
    let alice = || get(user(ACCT, "alice"), Some(ACCT));
    run(vec![
        case(
            "by default, all requests are implicitly denied",
            alice(),
            vec![],
            None,
            ImplicitDeny,
        ),
        case(
            "an explicit allow in an identity-based policy overrides the default",
            alice(),
            vec![allow_get()],
            None,
            Allow,
        ),
        case(
            "action names are case-insensitive",
            alice(),
            vec![identity(&stmt("Allow", "S3:GETOBJECT", "*"))],
            None,
            Allow,
        ),
        case(
            "action wildcard *",
            alice(),
            vec![identity(&stmt("Allow", "s3:Get*", "*"))],
            None,
            Allow,
        ),
        case(
            "action wildcard ?",
            alice(),
            vec![identity(&stmt("Allow", "s3:GetObjec?", "*"))],
            None,
            Allow,
        ),
        case(
            "a different action does not match",
            alice(),
            vec![identity(&stmt("Allow", "s3:PutObject", "*"))],
            None,
            ImplicitDeny,
        ),
        case(
            "Action * matches every action",
            alice(),
            vec![identity(&stmt("Allow", "*", "*"))],
            None,
            Allow,
        ),
        case(
            "NotAction: matches everything except the listed actions",
            alice(),
            vec![identity(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3:PutObject","Resource":"*"}}"#,
            )],
            None,
            Allow,
        ),
        case(
            "NotAction: the listed action is not matched",
            alice(),
            vec![identity(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3:GetObject","Resource":"*"}}"#,
            )],
            None,
            ImplicitDeny,
        ),
        case(
            "resource ARNs match case-sensitively",
            alice(),
            vec![identity(&stmt("Allow", "s3:GetObject", "arn:aws:s3:::B/k"))],
            None,
            ImplicitDeny,
        ),
        case(
            "resource wildcard * spans slashes",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![identity(&stmt("Allow", "s3:GetObject", "arn:aws:s3:::b/*"))],
            None,
            Allow,
        ),
        case(
            "resource wildcard ?",
            alice(),
            vec![identity(&stmt("Allow", "s3:GetObject", "arn:aws:s3:::?/k"))],
            None,
            Allow,
        ),
        case(
            "a bucket ARN does not cover its objects",
            alice(),
            vec![identity(&stmt("Allow", "s3:GetObject", "arn:aws:s3:::b"))],
            None,
            ImplicitDeny,
        ),
        case(
            "NotResource: everything except the listed resources",
            alice(),
            vec![identity(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::other/*"}}"#,
            )],
            None,
            Allow,
        ),
        case(
            "NotResource: the listed resource is excluded",
            alice(),
            vec![identity(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::b/*"}}"#,
            )],
            None,
            ImplicitDeny,
        ),
        case(
            "Deny with NotResource denies everything outside",
            alice(),
            vec![
                identity(&stmt("Allow", "*", "*")),
                identity(
                    r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::other/*"}}"#,
                ),
            ],
            None,
            ExplicitDeny,
        ),
        case(
            "an explicit deny in any policy overrides any allows",
            alice(),
            vec![allow_get(), identity(&stmt("Deny", "s3:*", "*"))],
            None,
            ExplicitDeny,
        ),
        case(
            "a deny for another action does not apply",
            alice(),
            vec![allow_get(), identity(&stmt("Deny", "s3:PutObject", "*"))],
            None,
            Allow,
        ),
        case(
            "any one of several identity policies may allow",
            alice(),
            vec![identity(&stmt("Allow", "s3:PutObject", "*")), allow_get()],
            None,
            Allow,
        ),
    ]);
}

#[test]
fn unknown_request_actions_are_never_allowed() {
    // Fail closed: a `*` Allow cannot grant an action the engine does not know.
    let c = ctx(user(ACCT, "alice"), "s3:FrobnicateObject", OBJ, Some(ACCT));
    let d = eval(&c, &[identity(&stmt("Allow", "*", "*"))], None, None);
    assert_eq!(d.outcome, Outcome::ImplicitDeny);
    assert_eq!(d.missing, Some(PolicyType::Identity));
    // Not even the root user of the owning account.
    let c = ctx(root(ACCT), "ec2:RunInstances", OBJ, Some(ACCT));
    assert_eq!(eval(&c, &[], None, None).outcome, Outcome::ImplicitDeny);
    // An explicit deny is still reported as such.
    let c = ctx(user(ACCT, "alice"), "s3:FrobnicateObject", OBJ, Some(ACCT));
    let d = eval(
        &c,
        &[
            identity(&stmt("Allow", "*", "*")),
            identity(&stmt("Deny", "*", "*")),
        ],
        None,
        None,
    );
    assert_eq!(d.outcome, Outcome::ExplicitDeny);
}

#[test]
fn principals_and_accounts() {
    use Outcome::*;
    let alice_arn = format!("\"arn:aws:iam::{ACCT}:user/alice\"");
    let p_alice = format!("{{\"AWS\":{alice_arn}}}");
    let p_acct = format!("{{\"AWS\":\"{ACCT}\"}}");
    let p_root = format!("{{\"AWS\":\"arn:aws:iam::{ACCT}:root\"}}");
    let p_other = format!("{{\"AWS\":\"{OTHER}\"}}");
    let p_role = format!("{{\"AWS\":\"arn:aws:iam::{ACCT}:role/R\"}}");
    let p_sess = format!("{{\"AWS\":\"arn:aws:sts::{ACCT}:assumed-role/R/s1\"}}");
    let p_canon = format!("{{\"CanonicalUser\":\"{}\"}}", canonical(ACCT));
    let b = |p: &str| {
        Some(bucket(&rstmt(
            "Allow",
            p,
            "s3:GetObject",
            "arn:aws:s3:::b/*",
        )))
    };
    run(vec![
        case(
            "same account: a resource-based policy naming the user allows without an identity allow",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![],
            b(&p_alice),
            Allow,
        ),
        case(
            "same account: Principal * allows",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![],
            b("\"*\""),
            Allow,
        ),
        case(
            "same account: {\"AWS\":\"*\"} allows",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![],
            b("{\"AWS\":\"*\"}"),
            Allow,
        ),
        case(
            "same account: an allow to the account id only delegates to the account",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![],
            b(&p_acct),
            ImplicitDeny,
        ),
        case(
            "same account: an allow to the root ARN only delegates to the account",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![],
            b(&p_root),
            ImplicitDeny,
        ),
        case(
            "same account: account delegation plus an identity allow",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![allow_get()],
            b(&p_acct),
            Allow,
        ),
        case(
            "same account: an identity allow alone is enough",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![allow_get()],
            None,
            Allow,
        ),
        case(
            "same account: a resource policy naming someone else does not allow",
            get(user(ACCT, "bob"), Some(ACCT)),
            vec![],
            b(&p_alice),
            ImplicitDeny,
        ),
        case(
            "CanonicalUser names the account",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![allow_get()],
            b(&p_canon),
            Allow,
        ),
        case(
            "CanonicalUser alone only delegates",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![],
            b(&p_canon),
            ImplicitDeny,
        ),
        case(
            "a role ARN names the role's sessions",
            get(session(ACCT, "R", "s1"), Some(ACCT)),
            vec![],
            b(&p_role),
            Allow,
        ),
        case(
            "an assumed-role session ARN names that session",
            get(session(ACCT, "R", "s1"), Some(ACCT)),
            vec![],
            b(&p_sess),
            Allow,
        ),
        case(
            "an assumed-role session ARN does not name another session",
            get(session(ACCT, "R", "s2"), Some(ACCT)),
            vec![],
            b(&p_sess),
            ImplicitDeny,
        ),
        case(
            "a role ARN does not name a user",
            get(user(ACCT, "R"), Some(ACCT)),
            vec![],
            b(&p_role),
            ImplicitDeny,
        ),
        case(
            "a federated-user ARN names that federated user",
            get(federated(ACCT, "f"), Some(ACCT)),
            vec![],
            b(&format!(
                "{{\"AWS\":\"arn:aws:sts::{ACCT}:federated-user/f\"}}"
            )),
            Allow,
        ),
        case(
            "cross account: the identity-based policy alone is not enough",
            get(user(OTHER, "carol"), Some(ACCT)),
            vec![allow_get()],
            None,
            ImplicitDeny,
        ),
        case(
            "cross account: the resource-based policy alone is not enough",
            get(user(OTHER, "carol"), Some(ACCT)),
            vec![],
            b(&p_other),
            ImplicitDeny,
        ),
        case(
            "cross account: both sides allow (account principal)",
            get(user(OTHER, "carol"), Some(ACCT)),
            vec![allow_get()],
            b(&p_other),
            Allow,
        ),
        case(
            "cross account: both sides allow (Principal *)",
            get(user(OTHER, "carol"), Some(ACCT)),
            vec![allow_get()],
            b("\"*\""),
            Allow,
        ),
        case(
            "cross account: the resource policy names another account",
            get(user(OTHER, "carol"), Some(ACCT)),
            vec![allow_get()],
            b(&p_acct),
            ImplicitDeny,
        ),
        case(
            "unknown resource owner is treated as cross account",
            get(user(ACCT, "alice"), None),
            vec![allow_get()],
            None,
            ImplicitDeny,
        ),
        case(
            "root of the resource's account: allowed without any policy",
            get(root(ACCT), Some(ACCT)),
            vec![],
            None,
            Allow,
        ),
        case(
            "root of the resource's account: an explicit deny still applies",
            get(root(ACCT), Some(ACCT)),
            vec![],
            Some(bucket(&rstmt(
                "Deny",
                "\"*\"",
                "s3:GetObject",
                "arn:aws:s3:::b/*",
            ))),
            ExplicitDeny,
        ),
        case(
            "root of another account: needs the resource policy",
            get(root(OTHER), Some(ACCT)),
            vec![],
            None,
            ImplicitDeny,
        ),
        case(
            "root of another account: resource policy naming its account",
            get(root(OTHER), Some(ACCT)),
            vec![],
            b(&p_other),
            Allow,
        ),
        case(
            "anonymous: identity policies never apply",
            get(anon(), Some(ACCT)),
            vec![allow_get()],
            None,
            ImplicitDeny,
        ),
        case(
            "anonymous: Principal * allows",
            get(anon(), Some(ACCT)),
            vec![],
            b("\"*\""),
            Allow,
        ),
        case(
            "anonymous: {\"AWS\":\"*\"} allows",
            get(anon(), Some(ACCT)),
            vec![],
            b("{\"AWS\":\"*\"}"),
            Allow,
        ),
        case(
            "anonymous: an account principal does not name anonymous",
            get(anon(), Some(ACCT)),
            vec![],
            b(&p_acct),
            ImplicitDeny,
        ),
        case(
            "service principal: named by Service",
            get(service("logging.s3.amazonaws.com"), Some(ACCT)),
            vec![],
            b("{\"Service\":\"logging.s3.amazonaws.com\"}"),
            Allow,
        ),
        case(
            "service principal: another service is not named",
            get(service("logging.s3.amazonaws.com"), Some(ACCT)),
            vec![],
            b("{\"Service\":\"ec2.amazonaws.com\"}"),
            ImplicitDeny,
        ),
        case(
            "a resource-policy deny applies to the principal it names",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![allow_get()],
            Some(bucket(&rstmt(
                "Deny",
                &p_alice,
                "s3:GetObject",
                "arn:aws:s3:::b/*",
            ))),
            ExplicitDeny,
        ),
        case(
            "a resource-policy deny naming the account applies to its users",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![allow_get()],
            Some(bucket(&rstmt(
                "Deny",
                &p_acct,
                "s3:GetObject",
                "arn:aws:s3:::b/*",
            ))),
            ExplicitDeny,
        ),
        case(
            "a resource-policy deny naming someone else does not apply",
            get(user(ACCT, "bob"), Some(ACCT)),
            vec![allow_get()],
            Some(bucket(&rstmt(
                "Deny",
                &p_alice,
                "s3:GetObject",
                "arn:aws:s3:::b/*",
            ))),
            Allow,
        ),
    ]);
}

#[test]
fn not_principal() {
    use Outcome::*;
    let np = |list: &str| {
        Some(bucket(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","NotPrincipal":{{"AWS":[{list}]}},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}}]}}"#
        )))
    };
    let alice_and_acct = format!("\"arn:aws:iam::{ACCT}:user/alice\",\"{ACCT}\"");
    let alice_only = format!("\"arn:aws:iam::{ACCT}:user/alice\"");
    let role_and_acct = format!("\"arn:aws:iam::{ACCT}:role/R\",\"arn:aws:iam::{ACCT}:root\"");
    run(vec![
        case(
            "NotPrincipal with Deny: principals other than those listed are denied",
            get(user(ACCT, "bob"), Some(ACCT)),
            vec![allow_get()],
            np(&alice_and_acct),
            ExplicitDeny,
        ),
        case(
            "NotPrincipal with Deny: the listed user (and its account) is not denied",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![allow_get()],
            np(&alice_and_acct),
            Allow,
        ),
        case(
            "NotPrincipal: you must also specify the account ARN of the principal",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![allow_get()],
            np(&alice_only),
            ExplicitDeny,
        ),
        case(
            "NotPrincipal: for a role session, list the role ARN and the account ARN",
            get(session(ACCT, "R", "s1"), Some(ACCT)),
            vec![allow_get()],
            np(&role_and_acct),
            Allow,
        ),
        case(
            "NotPrincipal: the account alone does not except its users",
            get(user(ACCT, "alice"), Some(ACCT)),
            vec![allow_get()],
            np(&format!("\"{ACCT}\"")),
            ExplicitDeny,
        ),
        case(
            "NotPrincipal: the account excepts its root",
            get(root(ACCT), Some(ACCT)),
            vec![],
            np(&format!("\"{ACCT}\"")),
            Allow,
        ),
        case(
            "NotPrincipal: anonymous is denied unless * is listed",
            get(anon(), Some(ACCT)),
            vec![],
            np(&alice_and_acct),
            ExplicitDeny,
        ),
        case(
            "NotPrincipal: * excepts everyone",
            get(anon(), Some(ACCT)),
            vec![],
            np("\"*\""),
            ImplicitDeny,
        ),
    ]);
}
