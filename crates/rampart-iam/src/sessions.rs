//! STS sessions: AssumeRole and GetSessionToken credentials.

use std::time::{Duration, SystemTime};

use base64::Engine;
use rampart_policy::{NamedPolicy, PolicyKind, PolicyType, limits};
use rampart_store::{Expect, Txn};
use rampart_types::AccountId;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::ids::{self, IdKind};
use crate::keys;
use crate::load::{prunable, seal_secret};
use crate::records::{self, SessionRecord, SubjectRecord};
use crate::snapshot::{SESSION_POLICY_NAME, SessionEntry, Snapshot, no_such_user, parse_policy};
use crate::validate::{constraint, fold, is_name_char};
use crate::{AccessKeyId, IamError, IdentityStore, Principal, SecretAccessKey, SessionInfo};

/// A request for temporary credentials. The API layer has already authorized it (trust
/// policy, caller's permissions); the store validates the parameters and issues them.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub account: AccountId,
    pub kind: NewSessionKind,
    pub duration: Duration,
    /// Whether the caller proved an MFA code ([`IdentityStore::verify_mfa_code`]) for it.
    pub mfa_authenticated: bool,
}

#[derive(Clone, Debug)]
pub enum NewSessionKind {
    /// AssumeRole: a session of `role_name` in `NewSession::account`.
    AssumedRole {
        role_name: String,
        session_name: String,
        session_policy: Option<String>,
    },
    /// GetSessionToken: session credentials of the calling user or root (long-term keys only).
    FederatedSessionOf(Principal),
}

/// Temporary credentials, returned once.
#[derive(Clone)]
pub struct SessionCredentials {
    /// `ASIA…`
    pub access_key_id: AccessKeyId,
    pub secret: SecretAccessKey,
    pub session_token: String,
    pub expiration: SystemTime,
    /// AssumeRole: `AROA…:<session name>`.
    pub assumed_role_id: Option<String>,
    /// AssumeRole: the assumed-role ARN; GetSessionToken: the caller's ARN.
    pub arn: String,
}

impl std::fmt::Debug for SessionCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &self.secret)
            .field("session_token", &"[REDACTED]")
            .field("expiration", &self.expiration)
            .field("assumed_role_id", &self.assumed_role_id)
            .field("arn", &self.arn)
            .finish()
    }
}

/// SHA-256 of a session token: all the store keeps of it.
pub(crate) fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Shortest session (seconds).
pub(crate) const SESSION_MIN: u64 = 900;
/// Longest GetSessionToken session of a user, and of a root user (seconds).
pub(crate) const SESSION_TOKEN_MAX: u64 = 129_600;
pub(crate) const ROOT_SESSION_MAX: u64 = 3600;
/// RoleSessionName length bounds.
const SESSION_NAME_MIN: usize = 2;
const SESSION_NAME_MAX: usize = 64;
/// Random bytes in a session token (base64: 344 characters).
const TOKEN_BYTES: usize = 256;

fn session_name(value: &str) -> Result<(), IamError> {
    let len = value.chars().count();
    if len < SESSION_NAME_MIN {
        return Err(constraint(
            value,
            "roleSessionName",
            &format!("Member must have length greater than or equal to {SESSION_NAME_MIN}"),
        ));
    }
    if len > SESSION_NAME_MAX {
        return Err(constraint(
            value,
            "roleSessionName",
            &format!("Member must have length less than or equal to {SESSION_NAME_MAX}"),
        ));
    }
    if !value.chars().all(is_name_char) {
        return Err(constraint(
            value,
            "roleSessionName",
            r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
        ));
    }
    Ok(())
}

fn duration_at_least_minimum(secs: u64, min: u64) -> Result<(), IamError> {
    if secs < min {
        return Err(constraint(
            &secs.to_string(),
            "durationSeconds",
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    Ok(())
}

fn new_token() -> String {
    let mut raw = Zeroizing::new([0u8; TOKEN_BYTES]);
    getrandom::fill(raw.as_mut()).expect("the operating system's random source failed");
    base64::engine::general_purpose::STANDARD.encode(raw.as_ref())
}

impl Snapshot {
    /// Ids of the sessions of the user `user_id`.
    pub(crate) fn sessions_of_user(&self, account: &AccountId, user_id: &str) -> Vec<String> {
        self.sessions_where(
            account,
            |s| matches!(s, SubjectRecord::User { user_id: id, .. } if id == user_id),
        )
    }

    /// Ids of the sessions of the role `role_id`.
    pub(crate) fn sessions_of_role(&self, account: &AccountId, role_id: &str) -> Vec<String> {
        self.sessions_where(
            account,
            |s| matches!(s, SubjectRecord::Role { role_id: id, .. } if id == role_id),
        )
    }

    fn sessions_where(
        &self,
        account: &AccountId,
        subject: impl Fn(&SubjectRecord) -> bool,
    ) -> Vec<String> {
        self.sessions
            .values()
            .filter(|s| &s.account == account && subject(&s.subject))
            .map(|s| s.id.as_str().to_owned())
            .collect()
    }

    /// Ids of the sessions to prune at `now`.
    pub(crate) fn prunable_sessions(&self, now: SystemTime) -> Vec<String> {
        self.sessions
            .values()
            .filter(|s| prunable(s.info.expires_at, now))
            .map(|s| s.id.as_str().to_owned())
            .collect()
    }
}

/// What a validated request turns into.
struct Plan {
    subject: SubjectRecord,
    secs: u64,
    session_policy: Option<(String, NamedPolicy)>,
    arn: String,
    assumed_role_id: Option<String>,
}

impl IdentityStore {
    /// Issues temporary credentials: AssumeRole (a session of a role of `request.account`) or
    /// GetSessionToken (a session of the calling user or root). The API layer has authorized the
    /// request; this validates its parameters as STS does. Expired sessions are pruned here.
    pub async fn create_session(
        &self,
        request: NewSession,
    ) -> Result<SessionCredentials, IamError> {
        let secs = request.duration.as_secs();
        duration_at_least_minimum(
            secs,
            self.session_min_secs
                .load(std::sync::atomic::Ordering::Relaxed),
        )?;
        let writer = self.lock_writer().await;
        let now = self.now();
        let (plan, id, pruned) = {
            let snap = self.read();
            let plan = plan(&snap, &request.account, &request.kind, secs)?;
            (
                plan,
                keys::unused_key_id(&snap, IdKind::SessionKey),
                snap.prunable_sessions(now),
            )
        };
        let secret = SecretAccessKey::generate();
        let token = new_token();
        let expires_at = now + Duration::from_secs(plan.secs);
        let record = SessionRecord {
            id: id.as_str().to_owned(),
            account: request.account.clone(),
            subject: plan.subject,
            sealed_secret: seal_secret(&self.master_key, id.as_str(), &secret),
            token_sha256: token_hash(&token).to_vec(),
            issued_at: now,
            expires_at,
            mfa_authenticated: request.mfa_authenticated,
            source_identity: None,
            session_policy: plan.session_policy.as_ref().map(|(text, _)| text.clone()),
        };
        let key = records::session_key(id.as_str());
        let mut txn = Txn::new()
            .check(records::account_key(&request.account), Expect::Present)
            .check(key.clone(), Expect::Absent)
            .put(key, records::encode(&record)?);
        for old in &pruned {
            txn = txn.delete(records::session_key(old));
        }
        let entry = SessionEntry {
            id: id.clone(),
            account: record.account,
            subject: record.subject,
            secret: secret.clone(),
            token_sha256: token_hash(&token),
            info: SessionInfo {
                issued_at: now,
                expires_at,
                mfa_authenticated: request.mfa_authenticated,
                source_identity: None,
            },
            session_policy: plan.session_policy.map(|(_, named)| named),
        };
        self.commit_then(writer, txn, move |snap| {
            for old in &pruned {
                snap.sessions.remove(old);
            }
            snap.sessions.insert(entry.id.as_str().to_owned(), entry);
        })
        .await?;
        Ok(SessionCredentials {
            access_key_id: id,
            secret,
            session_token: token,
            expiration: expires_at,
            assumed_role_id: plan.assumed_role_id,
            arn: plan.arn,
        })
    }
}

/// Validates a session request against the snapshot.
fn plan(
    snap: &Snapshot,
    account: &AccountId,
    kind: &NewSessionKind,
    secs: u64,
) -> Result<Plan, IamError> {
    match kind {
        NewSessionKind::AssumedRole {
            role_name,
            session_name: name,
            session_policy,
        } => {
            session_name(name)?;
            let role = &snap.role(account, role_name)?.role;
            if secs > u64::from(role.max_session_duration) {
                return Err(IamError::ValidationError(
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                        .to_owned(),
                ));
            }
            let session_policy = session_policy
                .as_deref()
                .map(|text| {
                    if text.chars().count() > limits::SESSION {
                        return Err(constraint(
                            text,
                            "policy",
                            &format!(
                                "Member must have length less than or equal to {}",
                                limits::SESSION
                            ),
                        ));
                    }
                    let named = parse_policy(
                        text,
                        PolicyKind::Session,
                        SESSION_POLICY_NAME.to_owned(),
                        PolicyType::Session,
                    )?;
                    Ok((text.to_owned(), named))
                })
                .transpose()?;
            Ok(Plan {
                subject: SubjectRecord::Role {
                    name: fold(&role.name),
                    role_id: role.role_id.clone(),
                    session_name: name.clone(),
                },
                secs,
                session_policy,
                arn: ids::assumed_role_arn(account, &role.name, name),
                assumed_role_id: Some(format!("{}:{name}", role.role_id)),
            })
        }
        NewSessionKind::FederatedSessionOf(principal) => {
            if principal.session().is_some() {
                return Err(IamError::InvalidInput(
                    "Cannot call GetSessionToken with session credentials".to_owned(),
                ));
            }
            if principal.account().map(|a| &a.id) != Some(account) {
                return Err(IamError::InvalidInput(
                    "GetSessionToken needs a user or root of the account".to_owned(),
                ));
            }
            if secs > SESSION_TOKEN_MAX {
                return Err(constraint(
                    &secs.to_string(),
                    "durationSeconds",
                    &format!("Member must have value less than or equal to {SESSION_TOKEN_MAX}"),
                ));
            }
            match principal {
                Principal::AccountRoot { .. } => {
                    snap.account(account)?;
                    Ok(Plan {
                        subject: SubjectRecord::Root,
                        // A root user's sessions are cut to one hour, as AWS does.
                        secs: secs.min(ROOT_SESSION_MAX),
                        session_policy: None,
                        arn: ids::root_arn(account),
                        assumed_role_id: None,
                    })
                }
                Principal::User { user, .. } => {
                    let current = &snap.user(account, &user.name)?.user;
                    if current.user_id != user.user_id {
                        return Err(no_such_user(&user.name));
                    }
                    Ok(Plan {
                        subject: SubjectRecord::User {
                            name: fold(&user.name),
                            user_id: user.user_id.clone(),
                        },
                        secs,
                        session_policy: None,
                        arn: current.arn.clone(),
                        assumed_role_id: None,
                    })
                }
                Principal::Anonymous | Principal::AssumedRole { .. } => {
                    Err(IamError::InvalidInput(
                        "GetSessionToken needs the long-term credentials of a user or root"
                            .to_owned(),
                    ))
                }
            }
        }
    }
}
