//! Building the snapshot from the stored records, and sealing secrets for storage.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rampart_crypto::MasterKey;
use rampart_policy::{PolicyKind, PolicyType};
use rampart_store::Record;

use crate::records::{
    self, AccountRecord, GroupRecord, KeyRecord, MfaRecord, PolicyRecord, RoleRecord,
    SessionRecord, UserRecord,
};
use crate::snapshot::{
    AccountState, GroupState, KeyEntry, PolicyState, RoleState, SESSION_POLICY_NAME, SessionEntry,
    Snapshot, UserState, parse_policy,
};
use crate::validate::fold;
use crate::{AccessKeyId, IamError, SecretAccessKey, SessionInfo};

/// How long an expired session is kept, so that its key still answers "expired token" rather
/// than "invalid key id"; after that it is pruned (lazily, and at open).
pub(crate) const EXPIRED_SESSION_RETENTION: Duration = Duration::from_secs(3600);

/// Whether a session that expires at `expires_at` is to be pruned at `now`.
pub(crate) fn prunable(expires_at: SystemTime, now: SystemTime) -> bool {
    expires_at + EXPIRED_SESSION_RETENTION <= now
}

/// Seals a secret for storage, bound to its access key id.
pub(crate) fn seal_secret(master_key: &MasterKey, id: &str, secret: &SecretAccessKey) -> Vec<u8> {
    master_key.seal(id.as_bytes(), secret.expose().as_bytes())
}

/// Opens a stored secret.
pub(crate) fn open_secret(
    master_key: &MasterKey,
    id: &str,
    sealed: &[u8],
) -> Result<SecretAccessKey, IamError> {
    let plain = master_key.open(id.as_bytes(), sealed).map_err(|e| {
        IamError::Corrupt(format!(
            "the secret of access key {id} cannot be opened with this master key: {e}"
        ))
    })?;
    std::str::from_utf8(&plain)
        .ok()
        .and_then(SecretAccessKey::parse)
        .ok_or_else(|| IamError::Corrupt(format!("the secret of access key {id} is malformed")))
}

fn access_key_id(id: &str) -> Result<AccessKeyId, IamError> {
    AccessKeyId::parse(id).ok_or_else(|| IamError::Corrupt(format!("bad access key id {id:?}")))
}

impl Snapshot {
    pub fn insert_account(&mut self, state: AccountState) {
        self.account_names
            .insert(fold(&state.account.display_name), state.account.id.clone());
        self.canonical
            .insert(state.account.canonical_id.clone(), state.account.id.clone());
        self.accounts.insert(state.account.id.clone(), state);
    }

    /// The snapshot of `records` (every `iam/` record), and the ids of the sessions to prune.
    pub fn load(
        records: Vec<(Vec<u8>, Record)>,
        master_key: &MasterKey,
        now: SystemTime,
    ) -> Result<(Self, Vec<String>), IamError> {
        let mut snap = Snapshot {
            aws_policies: Arc::new(crate::aws_managed::load()?),
            ..Snapshot::default()
        };
        let mut by_kind: [Vec<(Vec<u8>, Record)>; 8] = Default::default();
        for (key, record) in records {
            let rest = &key[records::PREFIX.len()..];
            let kind = rest.split(|b| *b == b'/').next().unwrap_or_default();
            let slot = match kind {
                b"acct" => 0,
                b"policy" => 1,
                b"group" => 2,
                b"user" => 3,
                b"role" => 4,
                b"key" => 5,
                b"session" => 6,
                b"mfa" => 7,
                // `acctname` is an index for commit-time uniqueness; rebuilt from the accounts.
                _ => continue,
            };
            by_kind[slot].push((key, record));
        }
        let [
            accounts,
            policies,
            groups,
            users,
            roles,
            keys,
            sessions,
            mfa,
        ] = by_kind;
        for (key, record) in accounts {
            let r: AccountRecord = records::decode(&key, &record.value)?;
            snap.insert_account(AccountState::new(r.account, r.created));
        }
        for (key, record) in policies {
            let r: PolicyRecord = records::decode(&key, &record.value)?;
            let account = r.account.clone();
            let state = PolicyState::from_record(r)?;
            if let Some(a) = snap.orphan_check(&account, &key) {
                a.policies.insert(fold(&state.name), state);
            }
        }
        for (key, record) in groups {
            let r: GroupRecord = records::decode(&key, &record.value)?;
            let account = r.group.account.clone();
            let state = GroupState::from_record(r)?;
            if let Some(a) = snap.orphan_check(&account, &key) {
                a.groups.insert(fold(&state.group.name), state);
            }
        }
        for (key, record) in users {
            let r: UserRecord = records::decode(&key, &record.value)?;
            let account = r.user.account.clone();
            let state = UserState::from_record(r)?;
            if let Some(a) = snap.orphan_check(&account, &key) {
                a.users.insert(fold(&state.user.name), state);
            }
        }
        for (key, record) in roles {
            let r: RoleRecord = records::decode(&key, &record.value)?;
            let account = r.role.account.clone();
            let state = RoleState::from_record(r)?;
            if let Some(a) = snap.orphan_check(&account, &key) {
                a.roles.insert(fold(&state.role.name), state);
            }
        }
        for (key, record) in keys {
            let r: KeyRecord = records::decode(&key, &record.value)?;
            if snap.orphan_check(&r.account, &key).is_none() {
                continue;
            }
            let secret = open_secret(master_key, &r.id, &r.sealed_secret)?;
            snap.keys.insert(
                r.id.clone(),
                KeyEntry {
                    id: access_key_id(&r.id)?,
                    account: r.account,
                    user: r.user,
                    status: r.status,
                    created: r.created,
                    secret,
                    bootstrap: false,
                    sealed_secret: r.sealed_secret,
                },
            );
        }
        for (key, record) in mfa {
            let r: MfaRecord = records::decode(&key, &record.value)?;
            let seed = crate::mfa::open_seed(master_key, &r)?;
            let account = r.account.clone();
            if let Some(a) = snap.orphan_check(&account, &key) {
                a.mfa_devices
                    .insert(fold(&r.name), crate::mfa::MfaEntry { record: r, seed });
            }
        }
        let mut expired = Vec::new();
        for (key, record) in sessions {
            let r: SessionRecord = records::decode(&key, &record.value)?;
            if prunable(r.expires_at, now) || snap.orphan_check(&r.account, &key).is_none() {
                expired.push(r.id);
                continue;
            }
            let entry = session_entry(r, master_key)?;
            snap.sessions.insert(entry.id.as_str().to_owned(), entry);
        }
        Ok((snap, expired))
    }

    /// The account a record belongs to; `None` (with a warning) for a record whose account is
    /// gone, which a crash between the commits of another implementation could leave.
    fn orphan_check(
        &mut self,
        account: &rampart_types::AccountId,
        key: &[u8],
    ) -> Option<&mut AccountState> {
        let state = self.accounts.get_mut(account);
        if state.is_none() {
            tracing::warn!(
                key = %String::from_utf8_lossy(key),
                "identity record of an unknown account ignored"
            );
        }
        state
    }
}

/// A stored session as the snapshot holds it.
pub(crate) fn session_entry(
    r: SessionRecord,
    master_key: &MasterKey,
) -> Result<SessionEntry, IamError> {
    let secret = open_secret(master_key, &r.id, &r.sealed_secret)?;
    let token_sha256: [u8; 32] = r
        .token_sha256
        .as_slice()
        .try_into()
        .map_err(|_| IamError::Corrupt(format!("session {} token hash", r.id)))?;
    let session_policy = r
        .session_policy
        .as_deref()
        .map(|text| {
            parse_policy(
                text,
                PolicyKind::Session,
                SESSION_POLICY_NAME.to_owned(),
                PolicyType::Session,
            )
            .map_err(|e| IamError::Corrupt(format!("session {} policy: {e}", r.id)))
        })
        .transpose()?;
    Ok(SessionEntry {
        id: access_key_id(&r.id)?,
        account: r.account,
        subject: r.subject,
        secret,
        token_sha256,
        info: SessionInfo {
            issued_at: r.issued_at,
            expires_at: r.expires_at,
            mfa_authenticated: r.mfa_authenticated,
            source_identity: r.source_identity,
        },
        session_policy,
    })
}
