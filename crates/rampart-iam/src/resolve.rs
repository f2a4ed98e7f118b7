//! Authentication lookups: access key → secret and principal.

use std::time::SystemTime;

use rampart_policy::NamedPolicy;
use rampart_types::AccountId;
use subtle::ConstantTimeEq;

use crate::records::SubjectRecord;
use crate::snapshot::{InlineMap, Snapshot};
use crate::validate::fold;
use crate::{IdentityStore, KeyStatus, Principal, SecretAccessKey};

/// What an access key id resolves to. Owned, so no lock is held while the caller verifies.
#[derive(Clone, Debug)]
pub struct ResolvedKey {
    pub secret: SecretAccessKey,
    pub principal: Principal,
    /// Some for temporary (STS) keys: the request must carry the session token.
    pub session_token: Option<SessionTokenCheck>,
    /// False for an Inactive long-term key, which must not authenticate.
    pub active: bool,
}

/// What a temporary key's session token is checked against.
#[derive(Clone)]
pub struct SessionTokenCheck {
    pub(crate) token_sha256: [u8; 32],
    pub(crate) expires_at: SystemTime,
}

impl SessionTokenCheck {
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }
}

impl std::fmt::Debug for SessionTokenCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTokenCheck")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Why a presented session token does not go with the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenProblem {
    /// A temporary key without a token.
    Missing,
    /// A wrong token, or a token with a long-term key.
    Invalid,
    /// The session has expired.
    Expired,
}

impl ResolvedKey {
    /// Checks the `X-Amz-Security-Token` the request presented, against the current time.
    pub fn check_token(&self, presented: Option<&str>) -> Result<(), TokenProblem> {
        self.check_token_at(presented, SystemTime::now())
    }

    /// [`check_token`](Self::check_token) at a given time.
    pub fn check_token_at(
        &self,
        presented: Option<&str>,
        now: SystemTime,
    ) -> Result<(), TokenProblem> {
        match (&self.session_token, presented) {
            (None, None) => Ok(()),
            (None, Some(_)) => Err(TokenProblem::Invalid),
            (Some(_), None) => Err(TokenProblem::Missing),
            (Some(check), Some(token)) => {
                let hash = crate::sessions::token_hash(token);
                if !bool::from(hash.ct_eq(&check.token_sha256)) {
                    Err(TokenProblem::Invalid)
                } else if now >= check.expires_at {
                    Err(TokenProblem::Expired)
                } else {
                    Ok(())
                }
            }
        }
    }
}

impl IdentityStore {
    /// The secret and principal behind an access key id (long-term or STS), if the key exists
    /// and its owner still does.
    pub fn resolve_access_key(&self, access_key_id: &str) -> Option<ResolvedKey> {
        let snap = self.read();
        if let Some(key) = snap.keys.get(access_key_id) {
            let account = snap.accounts.get(&key.account)?;
            let principal = match &key.user {
                None => Principal::AccountRoot {
                    account: account.account.clone(),
                    access_key_id: key.id.clone(),
                    session: None,
                },
                Some(folded) => Principal::User {
                    account: account.account.clone(),
                    user: account.users.get(folded)?.user.clone(),
                    access_key_id: key.id.clone(),
                    session: None,
                },
            };
            return Some(ResolvedKey {
                secret: key.secret.clone(),
                principal,
                session_token: None,
                active: key.status == KeyStatus::Active,
            });
        }
        let session = snap.sessions.get(access_key_id)?;
        let account = snap.accounts.get(&session.account)?;
        let principal = match &session.subject {
            SubjectRecord::Root => Principal::AccountRoot {
                account: account.account.clone(),
                access_key_id: session.id.clone(),
                session: Some(session.info.clone()),
            },
            SubjectRecord::User { name, user_id } => {
                let user = &account.users.get(name)?.user;
                if &user.user_id != user_id {
                    return None;
                }
                Principal::User {
                    account: account.account.clone(),
                    user: user.clone(),
                    access_key_id: session.id.clone(),
                    session: Some(session.info.clone()),
                }
            }
            SubjectRecord::Role {
                name,
                role_id,
                session_name,
            } => {
                let role = &account.roles.get(name)?.role;
                if &role.role_id != role_id {
                    return None;
                }
                Principal::AssumedRole {
                    account: account.account.clone(),
                    role: role.clone(),
                    session_name: session_name.clone(),
                    access_key_id: session.id.clone(),
                    session: session.info.clone(),
                }
            }
        };
        Some(ResolvedKey {
            secret: session.secret.clone(),
            principal,
            session_token: Some(SessionTokenCheck {
                token_sha256: session.token_sha256,
                expires_at: session.info.expires_at,
            }),
            active: true,
        })
    }

    /// Every identity-based policy of `principal`, parsed (cached `Arc`s): a user's inline and
    /// attached policies and those of its groups; a role session's role's. Empty for root and
    /// anonymous (the evaluator handles root).
    pub fn identity_policies(&self, principal: &Principal) -> Vec<NamedPolicy> {
        let snap = self.read();
        let mut out = Vec::new();
        match principal {
            Principal::Anonymous | Principal::AccountRoot { .. } => {}
            Principal::User { account, user, .. } => {
                let id = &account.id;
                let Some(state) = snap
                    .accounts
                    .get(id)
                    .and_then(|a| a.users.get(&fold(&user.name)))
                    .filter(|s| s.user.user_id == user.user_id)
                else {
                    return out;
                };
                collect(&snap, id, &state.inline, &state.attached, &mut out);
                let acct = &snap.accounts[id];
                for group in state.groups.iter().filter_map(|g| acct.groups.get(g)) {
                    collect(&snap, id, &group.inline, &group.attached, &mut out);
                }
            }
            Principal::AssumedRole { account, role, .. } => {
                let id = &account.id;
                if let Some(state) = snap
                    .accounts
                    .get(id)
                    .and_then(|a| a.roles.get(&fold(&role.name)))
                    .filter(|s| s.role.role_id == role.role_id)
                {
                    collect(&snap, id, &state.inline, &state.attached, &mut out);
                }
            }
        }
        out
    }

    /// The session policies of a role session created with one; `None` otherwise.
    pub fn session_policies(&self, principal: &Principal) -> Option<Vec<NamedPolicy>> {
        let Principal::AssumedRole { access_key_id, .. } = principal else {
            return None;
        };
        let snap = self.read();
        let policy = snap
            .sessions
            .get(access_key_id.as_str())?
            .session_policy
            .as_ref()?;
        Some(vec![policy.clone()])
    }
}

/// Appends an identity's inline policies and its attached policies' default versions.
fn collect(
    snap: &Snapshot,
    account: &AccountId,
    inline: &InlineMap,
    attached: &[String],
    out: &mut Vec<NamedPolicy>,
) {
    out.extend(inline.values().cloned());
    out.extend(
        attached
            .iter()
            .filter_map(|arn| snap.attached_policy(account, arn))
            .cloned(),
    );
}
