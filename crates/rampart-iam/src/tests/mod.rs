//! Tests of the identity store through its public API, on the in-memory MetaStore.

mod accounts;
mod concurrency;
mod groups;
mod keys;
mod mfa;
mod persistence;
mod policies;
mod roles;
mod sessions;
mod users;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rampart_crypto::MasterKey;
use rampart_store::MetaStore;
use rampart_store::memory::MemoryMetaStore;
use rampart_types::AccountId;

use crate::{AccessKeyId, IamError, IdentityStore, SecretAccessKey};

pub(super) const BOOT_ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub(super) const BOOT_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub(crate) const ALLOW_GET: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
pub(super) const ALLOW_PUT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#;
pub(super) const WITH_PRINCIPAL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#;

/// A trust policy letting `account`'s root (and whoever it delegates to) assume the role.
pub(crate) fn trust(account: &AccountId) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

pub(super) fn boot_key() -> (AccessKeyId, SecretAccessKey) {
    (
        AccessKeyId::parse(BOOT_ID).unwrap(),
        SecretAccessKey::parse(BOOT_SECRET).unwrap(),
    )
}

/// A store on a shared in-memory MetaStore, with a clock the test moves.
pub(crate) struct Env {
    pub meta: Arc<MemoryMetaStore>,
    pub master: Arc<MasterKey>,
    pub time: Arc<Mutex<SystemTime>>,
    pub store: IdentityStore,
}

impl Env {
    pub async fn new() -> Self {
        let meta = Arc::new(MemoryMetaStore::new());
        let master = Arc::new(MasterKey::generate());
        let time = Arc::new(Mutex::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
        let store = open(&meta, &master, &time).await.unwrap();
        Self {
            meta,
            master,
            time,
            store,
        }
    }

    /// Another store on the same records, as after a restart.
    pub async fn reopen(&self) -> IdentityStore {
        open(&self.meta, &self.master, &self.time).await.unwrap()
    }

    pub fn now(&self) -> SystemTime {
        *self.time.lock().unwrap()
    }

    pub fn advance(&self, secs: u64) {
        *self.time.lock().unwrap() += Duration::from_secs(secs);
    }

    pub fn acct(&self) -> AccountId {
        self.store.root_account().id.clone()
    }

    /// Every stored record's bytes, keys included.
    pub async fn all_record_bytes(&self) -> Vec<Vec<u8>> {
        let records = crate::store::scan_all(&*self.meta, b"").await.unwrap();
        records
            .into_iter()
            .map(|(k, r)| {
                let mut bytes = k;
                bytes.extend_from_slice(&r.value);
                bytes
            })
            .collect()
    }

    pub async fn keys_with_prefix(&self, prefix: &str) -> Vec<String> {
        crate::store::scan_all(&*self.meta, prefix.as_bytes())
            .await
            .unwrap()
            .into_iter()
            .map(|(k, _)| String::from_utf8(k).unwrap())
            .collect()
    }
}

pub(super) async fn open(
    meta: &Arc<MemoryMetaStore>,
    master: &Arc<MasterKey>,
    time: &Arc<Mutex<SystemTime>>,
) -> Result<IdentityStore, IamError> {
    let time = time.clone();
    IdentityStore::open_with_clock(
        meta.clone() as Arc<dyn MetaStore>,
        master.clone(),
        "team",
        boot_key(),
        Arc::new(move || *time.lock().unwrap()),
    )
    .await
}

/// Asserts that `result` failed with `variant` and, if given, exactly `message`.
#[macro_export]
macro_rules! assert_iam_err {
    ($result:expr, $variant:ident) => {
        match $result {
            Err($crate::IamError::$variant(_)) => {}
            other => panic!("expected {}, got {:?}", stringify!($variant), other),
        }
    };
    ($result:expr, $variant:ident, $message:expr) => {
        match $result {
            Err($crate::IamError::$variant(m)) => assert_eq!(m, $message),
            other => panic!("expected {}, got {:?}", stringify!($variant), other),
        }
    };
}
