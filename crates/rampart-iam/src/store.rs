//! The identity store: a MetaStore-backed IAM with a full in-memory snapshot.

use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rampart_crypto::MasterKey;
use rampart_store::{Expect, MetaStore, Record, ScanRange, StoreError, Txn};

use crate::records::{self, AccountRecord, FIRST_ACCOUNT_KEY, PREFIX};
use crate::snapshot::{AccountState, KeyEntry, Snapshot};
use crate::validate::fold;
use crate::{AccessKeyId, Account, IamError, KeyStatus, SecretAccessKey};

/// Held while a mutation validates, commits and updates the snapshot.
pub(crate) type WriterGuard = tokio::sync::OwnedMutexGuard<()>;

/// The time source of the store (session issue and expiry, creation dates). Tests inject one.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The identities the server knows and the credentials that authenticate them.
pub struct IdentityStore {
    pub(crate) meta: Arc<dyn MetaStore>,
    pub(crate) master_key: Arc<MasterKey>,
    pub(crate) clock: Clock,
    pub(crate) first_account: Account,
    pub(crate) snapshot: Arc<RwLock<Snapshot>>,
    /// Serializes mutations: validate against the snapshot, commit, then update the snapshot.
    pub(crate) writer: Arc<tokio::sync::Mutex<()>>,
    /// The shortest STS session accepted (AWS: 900 s); lowered by test suites that must see a
    /// session expire.
    pub(crate) session_min_secs: std::sync::atomic::AtomicU64,
}

impl IdentityStore {
    /// Loads every identity, creating the first account on the first start, and binds the
    /// bootstrap credentials to its root user.
    pub async fn open(
        meta: Arc<dyn MetaStore>,
        master_key: Arc<MasterKey>,
        first_account_name: &str,
        root_key: (AccessKeyId, SecretAccessKey),
    ) -> Result<Self, IamError> {
        Self::open_with_clock(
            meta,
            master_key,
            first_account_name,
            root_key,
            Arc::new(SystemTime::now),
        )
        .await
    }

    /// [`open`](Self::open) with another time source (tests).
    pub async fn open_with_clock(
        meta: Arc<dyn MetaStore>,
        master_key: Arc<MasterKey>,
        first_account_name: &str,
        root_key: (AccessKeyId, SecretAccessKey),
        clock: Clock,
    ) -> Result<Self, IamError> {
        let now = whole_seconds(clock());
        let first_account = load_or_create_first_account(&*meta, first_account_name, now).await?;
        let records = scan_all(&*meta, PREFIX).await?;
        let (mut snapshot, expired) = Snapshot::load(records, &master_key, now)?;
        if !snapshot.accounts.contains_key(&first_account.id) {
            // Stores written before IAM kept only `sys/first-account`.
            let record = AccountRecord {
                account: first_account.clone(),
                created: now,
            };
            let txn = Txn::new()
                .check(records::account_key(&first_account.id), Expect::Absent)
                .put(
                    records::account_key(&first_account.id),
                    records::encode(&record)?,
                )
                .put(
                    records::account_name_key(&fold(&first_account.display_name)),
                    first_account.id.as_str().as_bytes().to_vec(),
                );
            meta.commit(txn).await?;
            snapshot.insert_account(AccountState::new(first_account.clone(), now));
        }
        if !expired.is_empty() {
            let mut txn = Txn::new();
            for id in &expired {
                txn = txn.delete(records::session_key(id));
            }
            meta.commit(txn).await?;
            tracing::debug!(count = expired.len(), "pruned expired STS sessions");
        }
        let (key_id, secret) = root_key;
        snapshot.keys.insert(
            key_id.as_str().to_owned(),
            KeyEntry {
                id: key_id,
                account: first_account.id.clone(),
                user: None,
                status: KeyStatus::Active,
                created: snapshot
                    .accounts
                    .get(&first_account.id)
                    .map_or(now, |a| a.created),
                secret,
                bootstrap: true,
                sealed_secret: Vec::new(),
            },
        );
        Ok(Self {
            meta,
            master_key,
            clock,
            first_account,
            snapshot: Arc::new(RwLock::new(snapshot)),
            writer: Arc::new(tokio::sync::Mutex::new(())),
            session_min_secs: std::sync::atomic::AtomicU64::new(crate::sessions::SESSION_MIN),
        })
    }

    /// The shortest DurationSeconds that AssumeRole and GetSessionToken accept.
    pub fn min_session_duration_secs(&self) -> u64 {
        self.session_min_secs
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sets the shortest DurationSeconds that AssumeRole and GetSessionToken accept.
    pub fn set_min_session_duration(&self, duration: std::time::Duration) {
        self.session_min_secs.store(
            duration.as_secs().max(1),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// The first account, whose root user the bootstrap credentials are.
    pub fn root_account(&self) -> &Account {
        &self.first_account
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Snapshot> {
        self.snapshot.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The current time, in whole seconds (as IAM shows dates).
    pub(crate) fn now(&self) -> SystemTime {
        whole_seconds((self.clock)())
    }

    /// Takes the writer lock: mutations validate against the snapshot while holding it.
    pub(crate) async fn lock_writer(&self) -> WriterGuard {
        self.writer.clone().lock_owned().await
    }

    /// Commits `txn`, then applies the change to the snapshot, still holding the writer lock.
    ///
    /// Both run on a task of their own, so that a caller that stops waiting (a client that
    /// disconnects) cannot leave a committed change out of the snapshot: a deleted key or
    /// user must stop authenticating whether or not anyone hears the answer.
    pub(crate) async fn commit_then(
        &self,
        writer: WriterGuard,
        txn: Txn,
        apply: impl FnOnce(&mut Snapshot) + Send + 'static,
    ) -> Result<(), IamError> {
        let meta = self.meta.clone();
        let snapshot = self.snapshot.clone();
        tokio::spawn(async move {
            let _writer = writer;
            meta.commit(txn).await?;
            apply(&mut snapshot.write().unwrap_or_else(|p| p.into_inner()));
            Ok(())
        })
        .await
        .map_err(|e| IamError::Corrupt(format!("an identity store update failed: {e}")))?
    }
}

pub(crate) fn whole_seconds(t: SystemTime) -> SystemTime {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// The first account: read from `sys/first-account`, or created there on the first start.
async fn load_or_create_first_account(
    meta: &dyn MetaStore,
    name: &str,
    now: SystemTime,
) -> Result<Account, IamError> {
    if let Some(record) = meta.get(FIRST_ACCOUNT_KEY).await? {
        return Account::decode(&record.value);
    }
    let account = Account::generate(name);
    let record = AccountRecord {
        account: account.clone(),
        created: whole_seconds(now),
    };
    let txn = Txn::new()
        .check(FIRST_ACCOUNT_KEY, Expect::Absent)
        .put(FIRST_ACCOUNT_KEY, account.encode()?)
        .put(records::account_key(&account.id), records::encode(&record)?)
        .put(
            records::account_name_key(&fold(name)),
            account.id.as_str().as_bytes().to_vec(),
        );
    match meta.commit(txn).await {
        Ok(_) => Ok(account),
        // Another node created it first: use theirs.
        Err(StoreError::Conflict { .. }) => {
            let record = meta
                .get(FIRST_ACCOUNT_KEY)
                .await?
                .ok_or(IamError::Corrupt("first account vanished".into()))?;
            Account::decode(&record.value)
        }
        Err(e) => Err(e.into()),
    }
}

/// Every record under `prefix`.
pub(crate) async fn scan_all(
    meta: &dyn MetaStore,
    prefix: &[u8],
) -> Result<Vec<(Vec<u8>, Record)>, IamError> {
    const PAGE: usize = 1000;
    let range = ScanRange::prefix(prefix);
    let mut out = Vec::new();
    let mut next = range.clone();
    loop {
        let page = meta.scan(&next, PAGE).await?;
        let full = page.len() == PAGE;
        if let Some((last, _)) = page.last() {
            next = range.resume_after(last);
        }
        out.extend(page);
        if !full {
            return Ok(out);
        }
    }
}
