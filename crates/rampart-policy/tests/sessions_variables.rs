//! Evaluation logic: sessions, trust policies, policy variables, derived keys, matched statements.
//!
//! Each case names the statement of the AWS IAM User Guide ("Policy evaluation logic",
//! "Cross-account policy evaluation logic", "Session policies", "AWS JSON policy
//! elements: Principal / NotPrincipal / NotAction / NotResource") that it checks.

mod common;
use common::cases::*;
use common::*;
use rampart_policy::*;

#[test]
fn sessions() {
    use Outcome::*;
    let sess = || get(session(ACCT, "R", "s1"), Some(ACCT));
    let allow_sp = || vec![session_policy(&stmt("Allow", "s3:GetObject", "*"))];
    let other_sp = || vec![session_policy(&stmt("Allow", "s3:PutObject", "*"))];
    let with_session = |mut c: Case, sp: Vec<NamedPolicy>, missing: Option<PolicyType>| {
        c.session = Some(sp);
        c.missing = missing;
        c
    };
    let b = |p: String| {
        Some(bucket(&rstmt(
            "Allow",
            &p,
            "s3:GetObject",
            "arn:aws:s3:::b/*",
        )))
    };
    run(vec![
        with_session(
            case(
                "session policies: identity ∩ session, both allow",
                sess(),
                vec![allow_get()],
                None,
                Allow,
            ),
            allow_sp(),
            None,
        ),
        with_session(
            case(
                "session policies: the session policy does not allow",
                sess(),
                vec![allow_get()],
                None,
                ImplicitDeny,
            ),
            other_sp(),
            Some(PolicyType::Session),
        ),
        with_session(
            case(
                "session policies cannot grant more than the identity policies",
                sess(),
                vec![],
                None,
                ImplicitDeny,
            ),
            allow_sp(),
            Some(PolicyType::Identity),
        ),
        with_session(
            case(
                "a resource policy naming the session ARN is not limited by session policies",
                sess(),
                vec![],
                b(format!(
                    "{{\"AWS\":\"arn:aws:sts::{ACCT}:assumed-role/R/s1\"}}"
                )),
                Allow,
            ),
            other_sp(),
            None,
        ),
        with_session(
            case(
                "a resource policy naming the role ARN is limited by session policies",
                sess(),
                vec![],
                b(format!("{{\"AWS\":\"arn:aws:iam::{ACCT}:role/R\"}}")),
                ImplicitDeny,
            ),
            other_sp(),
            Some(PolicyType::Session),
        ),
        with_session(
            case(
                "a resource policy naming the role ARN, session policy allows",
                sess(),
                vec![],
                b(format!("{{\"AWS\":\"arn:aws:iam::{ACCT}:role/R\"}}")),
                Allow,
            ),
            allow_sp(),
            None,
        ),
        with_session(
            case(
                "an explicit deny in a session policy",
                sess(),
                vec![allow_get()],
                None,
                ExplicitDeny,
            ),
            vec![
                session_policy(&stmt("Deny", "s3:*", "*")),
                session_policy(&stmt("Allow", "*", "*")),
            ],
            None,
        ),
        with_session(
            case(
                "cross-account session: identity ∩ session and the resource policy",
                get(session(OTHER, "R", "s1"), Some(ACCT)),
                vec![allow_get()],
                b(format!("{{\"AWS\":\"{OTHER}\"}}")),
                Allow,
            ),
            allow_sp(),
            None,
        ),
        with_session(
            case(
                "cross-account session: the session policy does not allow",
                get(session(OTHER, "R", "s1"), Some(ACCT)),
                vec![allow_get()],
                b(format!("{{\"AWS\":\"{OTHER}\"}}")),
                ImplicitDeny,
            ),
            other_sp(),
            Some(PolicyType::Session),
        ),
        with_session(
            case(
                "anonymous requests carry no session policies",
                get(anon(), Some(ACCT)),
                vec![],
                b("\"*\"".into()),
                Allow,
            ),
            other_sp(),
            None,
        ),
    ]);
}

#[test]
fn trust_policies() {
    use Outcome::*;
    let assume = |p: PrincipalInfo| {
        ctx(
            p,
            "sts:AssumeRole",
            &format!("arn:aws:iam::{ACCT}:role/R"),
            Some(ACCT),
        )
    };
    let t = |p: &str| {
        Some(trust(&format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{p},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"xyz"}}}}}}}}"#
        )))
    };
    let mut ext = assume(user(OTHER, "carol"));
    ext.keys.set("sts:ExternalId", "xyz");
    let mut ext_same = assume(user(ACCT, "alice"));
    ext_same.keys.set("sts:ExternalId", "xyz");
    let assume_all = || identity(&stmt("Allow", "sts:AssumeRole", "*"));
    run(vec![
        case(
            "trust policy naming a user of the same account allows it",
            ext_same.clone(),
            vec![],
            t(&format!("{{\"AWS\":\"arn:aws:iam::{ACCT}:user/alice\"}}")),
            Allow,
        ),
        case(
            "trust policy naming the account root delegates to the account",
            ext_same.clone(),
            vec![],
            t(&format!("{{\"AWS\":\"arn:aws:iam::{ACCT}:root\"}}")),
            ImplicitDeny,
        ),
        case(
            "trust policy naming the account root, plus an identity allow",
            ext_same,
            vec![assume_all()],
            t(&format!("{{\"AWS\":\"arn:aws:iam::{ACCT}:root\"}}")),
            Allow,
        ),
        case(
            "cross-account AssumeRole needs the trust policy and an identity allow",
            ext.clone(),
            vec![assume_all()],
            t(&format!("{{\"AWS\":\"{OTHER}\"}}")),
            Allow,
        ),
        case(
            "cross-account AssumeRole without an identity allow",
            ext,
            vec![],
            t(&format!("{{\"AWS\":\"{OTHER}\"}}")),
            ImplicitDeny,
        ),
        case(
            "the trust policy's condition must hold (sts:ExternalId missing)",
            assume(user(OTHER, "carol")),
            vec![assume_all()],
            t(&format!("{{\"AWS\":\"{OTHER}\"}}")),
            ImplicitDeny,
        ),
    ]);
}

#[test]
fn variables() {
    use Outcome::*;
    let home = |doc: &str, who: PrincipalInfo, key: &str, v: &str, want: Outcome| {
        let c = ctx(
            who,
            "s3:GetObject",
            &format!("arn:aws:s3:::b/home/{key}"),
            Some(ACCT),
        );
        let policy = identity(&format!(
            r#"{{"Version":"{v}","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/home/{key_pat}"}}}}"#,
            key_pat = "${aws:username}/*"
        ));
        case(
            Box::leak(doc.to_string().into_boxed_str()),
            c,
            vec![policy],
            None,
            want,
        )
    };
    let cond = |doc: &'static str,
                who: PrincipalInfo,
                condition: &str,
                keys: &[(&str, &str)],
                want: Outcome| {
        let mut c = ctx(who, "s3:ListBucket", "arn:aws:s3:::b", Some(ACCT));
        for (k, v) in keys {
            c.keys.set(k, *v);
        }
        let policy = identity(&format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{condition}}}}}"#
        ));
        case(doc, c, vec![policy], None, want)
    };
    run(vec![
        home(
            "${aws:username} in Resource is replaced by the user's name",
            user(ACCT, "alice"),
            "alice/x",
            "2012-10-17",
            Allow,
        ),
        home(
            "${aws:username} does not match another user's home",
            user(ACCT, "alice"),
            "bob/x",
            "2012-10-17",
            ImplicitDeny,
        ),
        home(
            "a variable with no value (a role session has no aws:username) matches nothing",
            session(ACCT, "R", "s"),
            "/x",
            "2012-10-17",
            ImplicitDeny,
        ),
        home(
            "2008-10-17: variables are literal strings",
            user(ACCT, "alice"),
            "alice/x",
            "2008-10-17",
            ImplicitDeny,
        ),
        case(
            "2008-10-17: the literal text matches itself",
            ctx(
                user(ACCT, "alice"),
                "s3:GetObject",
                "arn:aws:s3:::b/home/${aws:username}/x",
                Some(ACCT),
            ),
            vec![identity(
                r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}}"#,
            )],
            None,
            Allow,
        ),
        case(
            "no Version element: 2008-10-17 semantics",
            ctx(
                user(ACCT, "alice"),
                "s3:GetObject",
                "arn:aws:s3:::b/home/alice/x",
                Some(ACCT),
            ),
            vec![identity(
                r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/home/${aws:username}/*"}}"#,
            )],
            None,
            ImplicitDeny,
        ),
        cond(
            "${aws:username} in a condition value",
            user(ACCT, "alice"),
            r#"{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}"#,
            &[("s3:prefix", "home/alice/docs")],
            Allow,
        ),
        cond(
            "${aws:userid} in a condition value",
            user(ACCT, "alice"),
            r#"{"StringEquals":{"s3:prefix":"${aws:userid}"}}"#,
            &[("s3:prefix", "AIDAALICE")],
            Allow,
        ),
        cond(
            "${aws:PrincipalTag/team} from a caller-set context key",
            user(ACCT, "alice"),
            r#"{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team}"}}"#,
            &[("s3:prefix", "red"), ("aws:PrincipalTag/team", "red")],
            Allow,
        ),
        cond(
            "any context key can be a variable",
            user(ACCT, "alice"),
            r#"{"StringEquals":{"s3:prefix":"${s3:delimiter}"}}"#,
            &[("s3:prefix", "/"), ("s3:delimiter", "/")],
            Allow,
        ),
        cond(
            "${*} is a literal asterisk",
            user(ACCT, "alice"),
            r#"{"StringLike":{"s3:prefix":"a${*}"}}"#,
            &[("s3:prefix", "a*")],
            Allow,
        ),
        cond(
            "${*} does not act as a wildcard",
            user(ACCT, "alice"),
            r#"{"StringLike":{"s3:prefix":"a${*}"}}"#,
            &[("s3:prefix", "abc")],
            ImplicitDeny,
        ),
        cond(
            "${?} is a literal question mark",
            user(ACCT, "alice"),
            r#"{"StringLike":{"s3:prefix":"a${?}"}}"#,
            &[("s3:prefix", "ab")],
            ImplicitDeny,
        ),
        cond(
            "${$} is a literal dollar sign",
            user(ACCT, "alice"),
            r#"{"StringEquals":{"s3:prefix":"${$}{x}"}}"#,
            &[("s3:prefix", "${x}")],
            Allow,
        ),
        cond(
            "a substituted value is literal: a tag value of * is not a wildcard",
            user(ACCT, "alice"),
            r#"{"StringLike":{"s3:prefix":"${aws:PrincipalTag/team}"}}"#,
            &[("s3:prefix", "red"), ("aws:PrincipalTag/team", "*")],
            ImplicitDeny,
        ),
        cond(
            "a missing variable makes the condition value match nothing",
            user(ACCT, "alice"),
            r#"{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team}"}}"#,
            &[("s3:prefix", "")],
            ImplicitDeny,
        ),
        cond(
            "a missing variable under a negated operator cannot be evaluated: an Allow does not match",
            user(ACCT, "alice"),
            r#"{"StringNotEquals":{"s3:prefix":"${aws:PrincipalTag/team}"}}"#,
            &[("s3:prefix", "x")],
            ImplicitDeny,
        ),
        cond(
            "a default value applies when the key is missing",
            user(ACCT, "alice"),
            r#"{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team, 'company-wide'}"}}"#,
            &[("s3:prefix", "company-wide")],
            Allow,
        ),
        cond(
            "a multi-valued key cannot be a variable",
            user(ACCT, "alice"),
            r#"{"StringEquals":{"s3:prefix":"${aws:TagKeys}"}}"#,
            &[("s3:prefix", "a")],
            ImplicitDeny,
        ),
        cond(
            "variables in ARN condition values",
            session(ACCT, "R", "s"),
            r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::${aws:PrincipalAccount}:role/R"}}"#,
            &[("aws:SourceArn", "arn:aws:iam::111122223333:role/R")],
            Allow,
        ),
    ]);
}

#[test]
fn deny_with_unresolved_variable_in_negated_condition_matches() {
    // Fail closed: a Deny whose negated condition cannot be evaluated applies.
    let mut c = ctx(user(ACCT, "alice"), "s3:GetObject", OBJ, Some(ACCT));
    c.keys.set("s3:prefix", "x");
    let p = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"StringNotEquals":{"s3:prefix":"${aws:PrincipalTag/team}"}}}]}"#,
    );
    assert_eq!(eval(&c, &[p], None, None).outcome, Outcome::ExplicitDeny);
}

#[test]
fn derived_principal_keys() {
    // aws:PrincipalArn of a role session is the role's ARN; aws:PrincipalType AssumedRole.
    let c = get(session(ACCT, "R", "s"), Some(ACCT));
    let p = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/R"},"StringEquals":{"aws:PrincipalType":"AssumedRole"}}}}"#,
    );
    assert!(eval(&c, &[p], None, None).is_allowed());
    // Anonymous: aws:PrincipalType Anonymous, aws:userid anonymous.
    let c = get(anon(), Some(ACCT));
    let b = bucket(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalType":"Anonymous","aws:userid":"anonymous"},"Null":{"aws:PrincipalAccount":"true"}}}}"#,
    );
    assert!(eval(&c, &[], Some(&b), None).is_allowed());
    // Root: aws:PrincipalType Account, aws:userid the account id.
    let c = get(root(OTHER), Some(ACCT));
    let b = bucket(&format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{{"AWS":"{OTHER}"}},"Action":"s3:GetObject","Resource":"*","Condition":{{"StringEquals":{{"aws:PrincipalType":"Account","aws:userid":"{OTHER}"}}}}}}}}"#
    ));
    assert!(eval(&c, &[], Some(&b), None).is_allowed());
}

#[test]
fn matched_statements_report_what_decided() {
    let c = get(user(ACCT, "alice"), Some(ACCT));
    let allow = named(
        "arn:aws:iam::111122223333:policy/Read",
        r#"{"Version":"2012-10-17","Statement":{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        PolicyKind::Identity,
        PolicyType::Identity,
    );
    let d = eval(&c, std::slice::from_ref(&allow), None, None);
    assert_eq!(d.matched.len(), 1);
    assert_eq!(d.matched[0].policy, "arn:aws:iam::111122223333:policy/Read");
    assert_eq!(d.matched[0].sid.as_deref(), Some("Read"));
    assert_eq!(d.matched[0].effect, Effect::Allow);
    let deny = bucket(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"D1","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"},{"Sid":"D2","Effect":"Deny","Principal":"*","Action":"s3:Get*","Resource":"*"}]}"#,
    );
    let d = eval(&c, &[allow], Some(&deny), None);
    assert_eq!(d.outcome, Outcome::ExplicitDeny);
    let sids: Vec<_> = d.matched.iter().map(|m| m.sid.clone().unwrap()).collect();
    assert_eq!(sids, ["D1", "D2"]);
    assert!(
        d.matched
            .iter()
            .all(|m| m.kind == PolicyType::Resource && m.effect == Effect::Deny)
    );
}
