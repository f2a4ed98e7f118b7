//! `Decision::denial_message`: AWS's current AccessDenied wording
//! ("User: <arn> is not authorized to perform: <action> on resource: "<resource>" …").

mod common;
use common::*;
use rampart_policy::*;

/// (what, request, identity, resource, session, expected message)
type MessageCase = (
    &'static str,
    RequestContext,
    Vec<NamedPolicy>,
    Option<NamedPolicy>,
    Option<Vec<NamedPolicy>>,
    String,
);

#[test]
fn denial_messages() {
    let obj = "arn:aws:s3:::b/k";
    let alice = || ctx(user(ACCT, "alice"), "s3:GetObject", obj, Some(ACCT));
    let alice_arn = "arn:aws:iam::111122223333:user/alice";
    let allow = identity(&stmt("Allow", "s3:GetObject", "*"));
    let cases: Vec<MessageCase> = vec![
        (
            "implicit deny: no identity-based policy allows",
            alice(),
            vec![],
            None,
            None,
            format!(
                "User: {alice_arn} is not authorized to perform: s3:GetObject on resource: \"{obj}\" because no identity-based policy allows the s3:GetObject action"
            ),
        ),
        (
            "explicit deny in an identity-based policy",
            alice(),
            vec![allow.clone(), identity(&stmt("Deny", "s3:*", "*"))],
            None,
            None,
            format!(
                "User: {alice_arn} is not authorized to perform: s3:GetObject on resource: \"{obj}\" with an explicit deny in an identity-based policy"
            ),
        ),
        (
            "explicit deny in a resource-based policy",
            alice(),
            vec![allow.clone()],
            Some(bucket(&rstmt("Deny", "\"*\"", "s3:GetObject", "*"))),
            None,
            format!(
                "User: {alice_arn} is not authorized to perform: s3:GetObject on resource: \"{obj}\" with an explicit deny in a resource-based policy"
            ),
        ),
        (
            "cross account: no resource-based policy allows",
            ctx(user(OTHER, "carol"), "s3:GetObject", obj, Some(ACCT)),
            vec![allow.clone()],
            None,
            None,
            format!(
                "User: arn:aws:iam::444455556666:user/carol is not authorized to perform: s3:GetObject on resource: \"{obj}\" because no resource-based policy allows the s3:GetObject action"
            ),
        ),
        (
            "no session policy allows",
            ctx(session(ACCT, "R", "s"), "s3:GetObject", obj, Some(ACCT)),
            vec![allow.clone()],
            None,
            Some(vec![session_policy(&stmt("Allow", "s3:PutObject", "*"))]),
            format!(
                "User: arn:aws:sts::111122223333:assumed-role/R/s is not authorized to perform: s3:GetObject on resource: \"{obj}\" because no session policy allows the s3:GetObject action"
            ),
        ),
        (
            "explicit deny in a session policy",
            ctx(session(ACCT, "R", "s"), "s3:GetObject", obj, Some(ACCT)),
            vec![allow.clone()],
            None,
            Some(vec![session_policy(&stmt("Deny", "s3:GetObject", "*"))]),
            format!(
                "User: arn:aws:sts::111122223333:assumed-role/R/s is not authorized to perform: s3:GetObject on resource: \"{obj}\" with an explicit deny in a session policy"
            ),
        ),
        (
            "anonymous",
            ctx(anon(), "s3:GetObject", obj, Some(ACCT)),
            vec![],
            None,
            None,
            format!(
                "User: anonymous is not authorized to perform: s3:GetObject on resource: \"{obj}\" because no resource-based policy allows the s3:GetObject action"
            ),
        ),
        (
            "IAM action",
            ctx(
                user(ACCT, "alice"),
                "iam:CreateUser",
                "arn:aws:iam::111122223333:user/bob",
                Some(ACCT),
            ),
            vec![],
            None,
            None,
            format!(
                "User: {alice_arn} is not authorized to perform: iam:CreateUser on resource: \"arn:aws:iam::111122223333:user/bob\" because no identity-based policy allows the iam:CreateUser action"
            ),
        ),
    ];
    for (what, c, id, res, sess, want) in cases {
        let d = eval(&c, &id, res.as_ref(), sess.as_deref());
        assert!(!d.is_allowed(), "{what}");
        assert_eq!(d.denial_message(&c), want, "{what}");
    }
    let d = eval(&alice(), &[allow], None, None);
    assert!(d.is_allowed());
    assert_eq!(d.denial_message(&alice()), "");
}
