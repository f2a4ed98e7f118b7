//! The evaluation-case harness shared by the evaluation test files.
#![allow(dead_code)]

use super::*;

pub const OBJ: &str = "arn:aws:s3:::b/k";

pub fn get(p: PrincipalInfo, owner: Option<&str>) -> RequestContext {
    ctx(p, "s3:GetObject", OBJ, owner)
}

pub struct Case {
    pub doc: &'static str,
    pub ctx: RequestContext,
    pub identity: Vec<NamedPolicy>,
    pub resource: Option<NamedPolicy>,
    pub session: Option<Vec<NamedPolicy>>,
    pub want: Outcome,
    pub missing: Option<PolicyType>,
}

pub fn case(
    doc: &'static str,
    ctx: RequestContext,
    identity: Vec<NamedPolicy>,
    resource: Option<NamedPolicy>,
    want: Outcome,
) -> Case {
    Case {
        doc,
        ctx,
        identity,
        resource,
        session: None,
        want,
        missing: None,
    }
}

pub fn allow_get() -> NamedPolicy {
    identity(&stmt("Allow", "s3:GetObject", "*"))
}

pub fn run(cases: Vec<Case>) {
    let mut failures = Vec::new();
    let n = cases.len();
    for c in cases {
        let d = eval(
            &c.ctx,
            &c.identity,
            c.resource.as_ref(),
            c.session.as_deref(),
        );
        let missing_ok = c.missing.is_none() || d.missing == c.missing;
        if d.outcome != c.want || !missing_ok {
            failures.push(format!(
                "{}: got {:?} (missing {:?}), want {:?} (missing {:?})",
                c.doc, d.outcome, d.missing, c.want, c.missing
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
