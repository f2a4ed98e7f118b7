//! The result of an evaluation and AWS's wording for a denial.

use crate::context::{PrincipalType, RequestContext};
use crate::{Effect, PolicyType};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// A statement that took part in the decision.
#[derive(Clone, Debug)]
pub struct MatchedStatement {
    /// The policy's [`crate::NamedPolicy::name`].
    pub policy: String,
    pub kind: PolicyType,
    pub sid: Option<String>,
    pub effect: Effect,
}

#[derive(Clone, Debug)]
pub struct Decision {
    pub outcome: Outcome,
    /// The statements that decided: every matching Deny, or the Allows.
    pub matched: Vec<MatchedStatement>,
    /// For an implicit deny: which kind of policy did not allow.
    pub missing: Option<PolicyType>,
}

fn policy_words(kind: PolicyType) -> &'static str {
    match kind {
        PolicyType::Identity => "identity-based",
        PolicyType::Resource => "resource-based",
        PolicyType::Session => "session",
    }
}

fn article(kind: PolicyType) -> &'static str {
    match kind {
        PolicyType::Identity => "an",
        PolicyType::Resource | PolicyType::Session => "a",
    }
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        self.outcome == Outcome::Allow
    }

    /// AWS's current AccessDenied wording, e.g.
    /// `User: arn:aws:iam::1:user/alice is not authorized to perform: s3:GetObject on
    /// resource: "arn:aws:s3:::b/k" because no identity-based policy allows the
    /// s3:GetObject action`, or `… with an explicit deny in a resource-based policy`.
    /// An anonymous requester is named `anonymous`. Empty for an allowed request.
    pub fn denial_message(&self, ctx: &RequestContext) -> String {
        let who = match ctx.principal.kind {
            PrincipalType::Anonymous => "anonymous",
            _ => ctx.principal.arn.as_str(),
        };
        let head = format!(
            "User: {who} is not authorized to perform: {} on resource: \"{}\"",
            ctx.action, ctx.resource
        );
        match self.outcome {
            Outcome::Allow => String::new(),
            Outcome::ExplicitDeny => {
                let kind = self
                    .matched
                    .first()
                    .map_or(PolicyType::Identity, |m| m.kind);
                format!(
                    "{head} with an explicit deny in {} {} policy",
                    article(kind),
                    policy_words(kind)
                )
            }
            Outcome::ImplicitDeny => {
                let kind = self.missing.unwrap_or(PolicyType::Identity);
                format!(
                    "{head} because no {} policy allows the {} action",
                    policy_words(kind),
                    ctx.action
                )
            }
        }
    }
}
