//! Policy evaluation logic (IAM User Guide, "Policy evaluation logic"), for identity,
//! resource (bucket / trust) and session policies.

use crate::condition::{ConditionEnv, RequestValues, Tri};
use crate::context::{PrincipalType, RequestContext};
use crate::grammar::{ResourceBlock, Statement};
use crate::principal::{Level, block_level, not_principal_excepts};
use crate::variables::VarSource;
use crate::{Decision, Effect, MatchedStatement, NamedPolicy, Outcome, PolicySet, PolicyType};

/// The request as conditions and variables see it: the caller's keys first, then the
/// keys the engine derives from the principal.
pub(crate) struct Env<'a> {
    ctx: &'a RequestContext,
    /// The requested action, lowercased once.
    action: String,
    federated_provider: Option<&'a str>,
}

impl<'a> Env<'a> {
    pub(crate) fn new(ctx: &'a RequestContext) -> Env<'a> {
        let federated_provider = ctx.keys.get("aws:FederatedProvider").and_then(|v| {
            if v.len() == 1 {
                Some(v[0].as_str())
            } else {
                None
            }
        });
        Env {
            ctx,
            action: ctx.action.to_ascii_lowercase(),
            federated_provider,
        }
    }

    /// `key` is lowercased.
    fn derived(&self, key: &str) -> Option<&'a str> {
        let p = &self.ctx.principal;
        match key {
            "aws:principalarn" => match p.kind {
                PrincipalType::Anonymous | PrincipalType::Service => None,
                // For a role session, aws:PrincipalArn is the role's ARN.
                PrincipalType::AssumedRole => p.role_arn.as_deref().or(Some(p.arn.as_str())),
                _ => Some(p.arn.as_str()),
            },
            "aws:principalaccount" => p.account.as_deref(),
            "aws:principaltype" => p.kind.as_context_value(),
            "aws:username" => p.username.as_deref(),
            "aws:userid" => match (&p.user_id, p.kind) {
                (Some(id), _) => Some(id.as_str()),
                (None, PrincipalType::Anonymous) => Some("anonymous"),
                (None, PrincipalType::Account) => p.account.as_deref(),
                _ => None,
            },
            "aws:principalservicename" if p.kind == PrincipalType::Service => Some(p.arn.as_str()),
            _ => None,
        }
    }
}

impl VarSource for Env<'_> {
    fn var(&self, key: &str) -> Option<&str> {
        // A variable takes a single value; a multi-valued key cannot be substituted.
        match self.values(key)? {
            RequestValues::One(v) => Some(v),
            RequestValues::Many([v]) => Some(v.as_str()),
            RequestValues::Many(_) => None,
        }
    }
}

impl ConditionEnv for Env<'_> {
    fn values(&self, key: &str) -> Option<RequestValues<'_>> {
        if let Some(v) = self.ctx.keys.get(key) {
            return Some(RequestValues::Many(v));
        }
        self.derived(key).map(RequestValues::One)
    }
}

fn resource_matches(block: &ResourceBlock, resource: &str, env: &Env<'_>) -> bool {
    // A pattern whose variable has no value matches nothing.
    let any = block
        .patterns
        .iter()
        .any(|p| p.matches(resource, env).unwrap_or(false));
    any != block.negated
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Identity,
    Resource,
    Session,
}

/// Does the statement apply to the request? `Some(level)`: yes, with the level at which
/// it named the principal (always `Principal` outside resource policies).
fn statement_applies(st: &Statement, slot: Slot, env: &Env<'_>) -> Option<Level> {
    if !st.action.matches(&env.action) {
        return None;
    }
    if let Some(r) = &st.resource
        && !resource_matches(r, &env.ctx.resource, env)
    {
        return None;
    }
    let principal = &env.ctx.principal;
    let level = match &st.principal {
        // Identity and session policies apply to the identity they are attached to. A
        // resource-policy statement without a principal names no one: it can deny
        // (fail closed) but never allow.
        None if slot == Slot::Resource => match st.effect {
            Effect::Deny => Level::Principal,
            Effect::Allow => return None,
        },
        None => Level::Principal,
        Some(b) if b.negated => {
            if not_principal_excepts(b, principal, env.federated_provider) {
                return None;
            }
            Level::Principal
        }
        Some(b) => match block_level(b, principal, env.federated_provider) {
            Level::None => return None,
            l => l,
        },
    };
    let verdict = st.conditions.iter().fold(Tri::True, |acc, c| {
        if acc == Tri::False {
            acc
        } else {
            acc.and(c.evaluate(env))
        }
    });
    // A condition that cannot be evaluated never lets an Allow match, and makes a Deny match.
    let applies = matches!(
        (verdict, st.effect),
        (Tri::True, _) | (Tri::Unknown, Effect::Deny)
    );
    applies.then_some(level)
}

struct Hit<'p> {
    policy: &'p NamedPolicy,
    kind: PolicyType,
    statement: &'p Statement,
}

impl Hit<'_> {
    fn to_matched(&self) -> MatchedStatement {
        MatchedStatement {
            policy: self.policy.name.clone(),
            kind: self.kind,
            sid: self.statement.sid.clone(),
            effect: self.statement.effect,
        }
    }
}

#[derive(Default)]
struct Scan<'p> {
    allows: Vec<Hit<'p>>,
    /// Best level among the allows (resource policies).
    level: Option<Level>,
}

fn scan<'p>(
    policy: &'p NamedPolicy,
    slot: Slot,
    kind: PolicyType,
    env: &Env<'_>,
    out: &mut Scan<'p>,
    denies: &mut Vec<Hit<'p>>,
) {
    for st in &policy.policy.compiled().statements {
        let Some(level) = statement_applies(st, slot, env) else {
            continue;
        };
        let hit = Hit {
            policy,
            kind,
            statement: st,
        };
        match st.effect {
            Effect::Deny => denies.push(hit),
            Effect::Allow => {
                out.level = Some(out.level.map_or(level, |l| l.max(level)));
                out.allows.push(hit);
            }
        }
    }
}

fn decided(outcome: Outcome, hits: &[&[Hit<'_>]], missing: Option<PolicyType>) -> Decision {
    Decision {
        outcome,
        matched: hits
            .iter()
            .flat_map(|h| h.iter())
            .map(Hit::to_matched)
            .collect(),
        missing,
    }
}

fn implicit(missing: PolicyType) -> Decision {
    Decision {
        outcome: Outcome::ImplicitDeny,
        matched: Vec::new(),
        missing: Some(missing),
    }
}

/// Every applicable statement of every policy in play, sorted by effect and policy type.
struct Gathered<'p> {
    denies: Vec<Hit<'p>>,
    identity: Scan<'p>,
    resource: Scan<'p>,
    session: Scan<'p>,
    /// No session policies are in play, or one of them allows.
    session_ok: bool,
}

fn gather<'p>(ctx: &RequestContext, policies: &PolicySet<'p>) -> Gathered<'p> {
    let env = Env::new(ctx);
    let p = &ctx.principal;
    // Anonymous requesters and services have no identity (and no session) policies.
    let has_identity = !matches!(p.kind, PrincipalType::Anonymous | PrincipalType::Service);
    let mut denies = Vec::new();
    let (mut identity, mut resource, mut session) =
        (Scan::default(), Scan::default(), Scan::default());
    if has_identity {
        for np in policies.identity {
            scan(
                np,
                Slot::Identity,
                PolicyType::Identity,
                &env,
                &mut identity,
                &mut denies,
            );
        }
    }
    if let Some(np) = policies.resource {
        scan(
            np,
            Slot::Resource,
            PolicyType::Resource,
            &env,
            &mut resource,
            &mut denies,
        );
    }
    let session_policies = if has_identity { policies.session } else { None };
    if let Some(list) = session_policies {
        for np in list {
            scan(
                np,
                Slot::Session,
                PolicyType::Session,
                &env,
                &mut session,
                &mut denies,
            );
        }
    }
    let session_ok = session_policies.is_none() || !session.allows.is_empty();
    Gathered {
        denies,
        identity,
        resource,
        session,
        session_ok,
    }
}

/// Fail closed: an action outside the catalog is never allowed (a `*` Allow cannot grant
/// what the engine does not know).
fn known_action_only(ctx: &RequestContext, decision: Decision) -> Decision {
    if decision.outcome == Outcome::Allow && !crate::catalog::is_known_action(&ctx.action) {
        return implicit(match ctx.principal.kind {
            PrincipalType::Anonymous | PrincipalType::Service => PolicyType::Resource,
            _ => PolicyType::Identity,
        });
    }
    decision
}

/// Decides a request against the principal's identity policies, the resource's policy
/// and the session's policies.
pub fn evaluate(ctx: &RequestContext, policies: &PolicySet<'_>) -> Decision {
    let g = gather(ctx, policies);
    // An explicit deny in any policy wins.
    if !g.denies.is_empty() {
        return decided(Outcome::ExplicitDeny, &[&g.denies], None);
    }
    let decision = decide(ctx, &g.identity, &g.resource, &g.session, g.session_ok);
    known_action_only(ctx, decision)
}

/// Decides a request on a KMS key, as AWS KMS does: the key policy (`policies.resource`) is
/// the primary control. Nothing may deny explicitly; then either the key policy names the
/// principal itself, or it names the principal's account (delegating to IAM) and the
/// principal's identity policies allow too. An account root has every permission of its
/// account, so a key policy naming its account is enough for it; beyond that it is not
/// special. Session policies limit the result as everywhere else.
pub fn evaluate_key_policy(ctx: &RequestContext, policies: &PolicySet<'_>) -> Decision {
    let g = gather(ctx, policies);
    if !g.denies.is_empty() {
        return decided(Outcome::ExplicitDeny, &[&g.denies], None);
    }
    let level = g.resource.level.unwrap_or(Level::None);
    if level == Level::Session {
        return known_action_only(ctx, decided(Outcome::Allow, &[&g.resource.allows], None));
    }
    let root = ctx.principal.kind == PrincipalType::Account;
    let decision = match level {
        Level::None => implicit(PolicyType::Resource),
        Level::Account if !root && g.identity.allows.is_empty() => implicit(PolicyType::Identity),
        _ if !g.session_ok => implicit(PolicyType::Session),
        Level::Account if !root => decided(
            Outcome::Allow,
            &[&g.identity.allows, &g.resource.allows, &g.session.allows],
            None,
        ),
        _ => decided(
            Outcome::Allow,
            &[&g.resource.allows, &g.session.allows],
            None,
        ),
    };
    known_action_only(ctx, decision)
}

fn decide(
    ctx: &RequestContext,
    identity: &Scan<'_>,
    resource: &Scan<'_>,
    session: &Scan<'_>,
    session_ok: bool,
) -> Decision {
    let p = &ctx.principal;
    let identity_allows = !identity.allows.is_empty();
    let resource_level = resource.level.unwrap_or(Level::None);
    let same_account = p.account.is_some() && p.account == ctx.resource_account;

    match p.kind {
        PrincipalType::Anonymous | PrincipalType::Service => {
            if resource_level >= Level::Principal {
                decided(Outcome::Allow, &[&resource.allows], None)
            } else {
                implicit(PolicyType::Resource)
            }
        }
        // The root user of the resource's own account: allowed unless explicitly denied.
        PrincipalType::Account if same_account => {
            if session_ok {
                decided(
                    Outcome::Allow,
                    &[&identity.allows, &resource.allows, &session.allows],
                    None,
                )
            } else {
                implicit(PolicyType::Session)
            }
        }
        // Another account's root: its own side is implicitly allowed; the resource
        // policy must allow.
        PrincipalType::Account => {
            if resource_level == Level::None {
                implicit(PolicyType::Resource)
            } else if !session_ok {
                implicit(PolicyType::Session)
            } else {
                decided(Outcome::Allow, &[&resource.allows, &session.allows], None)
            }
        }
        _ if same_account => {
            // A resource policy naming the session ARN itself is not limited by the
            // session policies.
            if resource_level == Level::Session {
                return decided(Outcome::Allow, &[&resource.allows], None);
            }
            // A resource-policy allow through the account only delegates to the account.
            let resource_allows = resource_level >= Level::Principal;
            if !identity_allows && !resource_allows {
                implicit(PolicyType::Identity)
            } else if !session_ok {
                implicit(PolicyType::Session)
            } else {
                let res: &[Hit<'_>] = if resource_allows {
                    &resource.allows
                } else {
                    &[]
                };
                decided(
                    Outcome::Allow,
                    &[&identity.allows, res, &session.allows],
                    None,
                )
            }
        }
        // Cross-account (or unknown owner): both sides must allow.
        _ => {
            if !identity_allows {
                implicit(PolicyType::Identity)
            } else if !session_ok {
                implicit(PolicyType::Session)
            } else if resource_level == Level::None {
                implicit(PolicyType::Resource)
            } else {
                decided(
                    Outcome::Allow,
                    &[&identity.allows, &resource.allows, &session.allows],
                    None,
                )
            }
        }
    }
}
