//! The condition-table harness shared by the condition test files.
#![allow(dead_code)]

use super::*;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expect {
    /// The condition holds.
    T,
    /// The condition does not hold.
    F,
    /// It cannot be evaluated: an Allow does not match, a Deny does (fail closed).
    U,
}

pub type Keys = &'static [(&'static str, &'static [&'static str])];

pub struct Row {
    pub doc: &'static str,
    pub cond: &'static str,
    pub keys: Keys,
    pub expect: Expect,
}

pub const fn row(doc: &'static str, cond: &'static str, keys: Keys, expect: Expect) -> Row {
    Row {
        doc,
        cond,
        keys,
        expect,
    }
}

pub const NOW: Keys = &[("aws:CurrentTime", &["2024-06-01T12:00:00Z"])];

fn request(keys: Keys) -> RequestContext {
    let mut c = ctx(
        user(ACCT, "alice"),
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        Some(ACCT),
    );
    for (k, v) in keys {
        c.keys
            .set_many(k, v.iter().map(|s| s.to_string()).collect());
    }
    c
}

/// Evaluates each row as the condition of an Allow (allowed ⇔ the condition holds) and of
/// a Deny next to an allow-all (denied ⇔ the condition holds or cannot be evaluated).
pub fn run_rows(rows: &[Row]) {
    let mut failures = Vec::new();
    for r in rows {
        let allow = identity(&format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{}}}}}"#,
            r.cond
        ));
        let deny = identity(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*"}},{{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{}}}]}}"#,
            r.cond
        ));
        let c = request(r.keys);
        let allowed = eval(&c, std::slice::from_ref(&allow), None, None).is_allowed();
        let denied =
            eval(&c, std::slice::from_ref(&deny), None, None).outcome == Outcome::ExplicitDeny;
        let (want_allow, want_deny) = match r.expect {
            Expect::T => (true, true),
            Expect::F => (false, false),
            Expect::U => (false, true),
        };
        if allowed != want_allow || denied != want_deny {
            failures.push(format!(
                "{}\n  {}  keys={:?}: allow-matched={allowed} (want {want_allow}), deny-matched={denied} (want {want_deny})",
                r.doc, r.cond, r.keys
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
