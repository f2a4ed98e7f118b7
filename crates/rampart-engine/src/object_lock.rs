//! Object Lock: a bucket's lock configuration and each version's retention and legal hold.
//!
//! Two layers enforce a lock. The engine refuses, before any commit, every request that would
//! delete a locked version or weaken its lock. Beneath it, the blob store holds a copy of each
//! locked version's lock on the version's blobs and refuses to delete them itself
//! ([`rampart_store::BlobStore::set_lock`]), so a bug above the store cannot destroy locked
//! data. That copy is written after the record commits (a write that fails never leaves a
//! locked orphan behind) and mirrors every later change of the record's lock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rampart_store::{BlobLock, BlobRetention, BlobRetentionMode};
use serde::{Deserialize, Serialize};

use crate::EngineError;

/// The longest default retention S3 accepts.
pub const MAX_DEFAULT_RETENTION_DAYS: u32 = 36_500;
pub const MAX_DEFAULT_RETENTION_YEARS: u32 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LockMode {
    /// Deletable or shortenable only with `x-amz-bypass-governance-retention` and
    /// s3:BypassGovernanceRetention.
    Governance,
    /// Never shortened, removed or bypassed, by anyone, until it passes.
    Compliance,
}

impl LockMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Governance => "GOVERNANCE",
            Self::Compliance => "COMPLIANCE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "GOVERNANCE" => Some(Self::Governance),
            "COMPLIANCE" => Some(Self::Compliance),
            _ => None,
        }
    }
}

/// A version's retention: its mode and the instant it ends (milliseconds since the epoch, the
/// precision S3 reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    pub mode: LockMode,
    pub retain_until_ms: i64,
}

impl Retention {
    pub fn retain_until(&self) -> SystemTime {
        system_time_of_ms(self.retain_until_ms)
    }

    fn in_force(&self, now: SystemTime) -> bool {
        self.retain_until() > now
    }
}

/// A version's lock. `legal_hold` is `None` until a hold is first set (GetObjectLegalHold then
/// answers NoSuchObjectLockConfiguration, as S3 does), and `Some(false)` once one is removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLock {
    pub retention: Option<Retention>,
    pub legal_hold: Option<bool>,
}

impl ObjectLock {
    pub fn is_empty(&self) -> bool {
        self.retention.is_none() && self.legal_hold.is_none()
    }

    fn legal_hold_on(&self) -> bool {
        self.legal_hold == Some(true)
    }

    /// Whether the version may be deleted at `now`: never under a legal hold or a COMPLIANCE
    /// retention; under a GOVERNANCE retention only with `bypass_governance` (which the caller
    /// grants only to a request that asked for it and holds s3:BypassGovernanceRetention).
    pub fn check_delete(
        &self,
        now: SystemTime,
        bypass_governance: bool,
    ) -> Result<(), EngineError> {
        if self.legal_hold_on() {
            return Err(EngineError::ObjectLocked);
        }
        match self.retention {
            Some(r) if r.in_force(now) => match r.mode {
                LockMode::Compliance => Err(EngineError::ObjectLocked),
                LockMode::Governance if bypass_governance => Ok(()),
                LockMode::Governance => Err(EngineError::ObjectLocked),
            },
            _ => Ok(()),
        }
    }

    /// The copy of this lock the blob store keeps on the version's blobs.
    pub fn blob_lock(&self) -> BlobLock {
        BlobLock {
            retention: self.retention.map(|r| BlobRetention {
                mode: match r.mode {
                    LockMode::Governance => BlobRetentionMode::Governance,
                    LockMode::Compliance => BlobRetentionMode::Compliance,
                },
                retain_until: r.retain_until(),
            }),
            legal_hold: self.legal_hold_on(),
        }
    }
}

/// Checks that `new` may replace the retention `old` at `now`: a retention in force can always
/// be extended or turned from GOVERNANCE into COMPLIANCE; a GOVERNANCE one can be shortened or
/// removed only with `bypass_governance`; a COMPLIANCE one never. The rule is the blob store's
/// own, so the two layers cannot disagree.
pub fn check_retention_change(
    old: Option<&Retention>,
    new: Option<&Retention>,
    bypass_governance: bool,
    now: SystemTime,
) -> Result<(), EngineError> {
    let as_lock = |r: Option<&Retention>| {
        ObjectLock {
            retention: r.copied(),
            legal_hold: None,
        }
        .blob_lock()
    };
    rampart_store::check_lock_change(&as_lock(old), &as_lock(new), bypass_governance, now)
        .map_err(|_| EngineError::ObjectLocked)
}

/// A default retention period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetentionPeriod {
    Days(u32),
    Years(u32),
}

/// The retention a bucket gives every new version that names none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultRetention {
    pub mode: LockMode,
    pub period: RetentionPeriod,
}

impl DefaultRetention {
    /// Checks S3's bounds: a positive period, at most 100 years.
    pub fn validate(&self) -> Result<(), EngineError> {
        let (n, max) = match self.period {
            RetentionPeriod::Days(n) => (n, MAX_DEFAULT_RETENTION_DAYS),
            RetentionPeriod::Years(n) => (n, MAX_DEFAULT_RETENTION_YEARS),
        };
        let message = if n == 0 {
            "Default retention period must be a positive integer value"
        } else if n > max {
            "Default retention period is too large."
        } else {
            return Ok(());
        };
        Err(EngineError::InvalidArgument {
            name: "ObjectLockConfiguration",
            value: n.to_string(),
            message: message.into(),
        })
    }

    /// The retention of a version written at `now`. A year is 365 days, as S3 counts it.
    pub fn retention_from(&self, now: SystemTime) -> Retention {
        let days = match self.period {
            RetentionPeriod::Days(n) => u64::from(n),
            RetentionPeriod::Years(n) => u64::from(n) * 365,
        };
        Retention {
            mode: self.mode,
            retain_until_ms: ms_of_system_time(now + Duration::from_secs(days * 86_400)),
        }
    }
}

/// A bucket's Object Lock configuration; its presence means Object Lock is enabled (which is
/// permanent, and keeps versioning enabled).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLockConfig {
    pub default_retention: Option<DefaultRetention>,
}

impl ObjectLockConfig {
    /// The lock of a new version: what the request named, with the bucket's default retention
    /// when it named none.
    pub fn lock_for_new_version(&self, requested: ObjectLock, now: SystemTime) -> ObjectLock {
        ObjectLock {
            retention: requested
                .retention
                .or_else(|| self.default_retention.map(|d| d.retention_from(now))),
            legal_hold: requested.legal_hold,
        }
    }
}

pub fn ms_of_system_time(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

pub fn system_time_of_ms(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn retention(mode: LockMode, until_secs: i64) -> Retention {
        Retention {
            mode,
            retain_until_ms: until_secs * 1000,
        }
    }

    #[test]
    fn deletes_under_each_kind_of_lock() {
        let now = at(1_000);
        let free = ObjectLock::default();
        assert!(free.check_delete(now, false).is_ok());
        let hold = ObjectLock {
            retention: None,
            legal_hold: Some(true),
        };
        assert!(hold.check_delete(now, true).is_err());
        let released = ObjectLock {
            legal_hold: Some(false),
            ..hold
        };
        assert!(released.check_delete(now, false).is_ok());
        let governance = ObjectLock {
            retention: Some(retention(LockMode::Governance, 2_000)),
            legal_hold: None,
        };
        assert!(governance.check_delete(now, false).is_err());
        assert!(governance.check_delete(now, true).is_ok());
        assert!(governance.check_delete(at(2_000), false).is_ok(), "expired");
        let compliance = ObjectLock {
            retention: Some(retention(LockMode::Compliance, 2_000)),
            legal_hold: None,
        };
        assert!(compliance.check_delete(now, true).is_err());
        assert!(compliance.check_delete(at(2_001), false).is_ok(), "expired");
        let both = ObjectLock {
            legal_hold: Some(true),
            ..governance
        };
        assert!(
            both.check_delete(at(3_000), true).is_err(),
            "hold outlives retention"
        );
    }

    #[test]
    fn default_retention_bounds_and_dates() {
        let days = |n| DefaultRetention {
            mode: LockMode::Governance,
            period: RetentionPeriod::Days(n),
        };
        let years = |n| DefaultRetention {
            mode: LockMode::Compliance,
            period: RetentionPeriod::Years(n),
        };
        assert!(days(0).validate().is_err());
        assert!(days(1).validate().is_ok());
        assert!(days(36_500).validate().is_ok());
        assert!(days(36_501).validate().is_err());
        assert!(years(0).validate().is_err());
        assert!(years(100).validate().is_ok());
        assert!(years(101).validate().is_err());
        assert_eq!(
            days(2).retention_from(at(0)).retain_until_ms,
            2 * 86_400_000
        );
        assert_eq!(
            years(1).retention_from(at(0)),
            retention(LockMode::Compliance, 365 * 86_400)
        );
    }

    #[test]
    fn requested_retention_wins_over_the_default() {
        let config = ObjectLockConfig {
            default_retention: Some(DefaultRetention {
                mode: LockMode::Compliance,
                period: RetentionPeriod::Days(1),
            }),
        };
        let explicit = ObjectLock {
            retention: Some(retention(LockMode::Governance, 5)),
            legal_hold: Some(true),
        };
        assert_eq!(config.lock_for_new_version(explicit, at(0)), explicit);
        let defaulted = config.lock_for_new_version(ObjectLock::default(), at(0));
        assert_eq!(
            defaulted.retention,
            Some(retention(LockMode::Compliance, 86_400))
        );
        assert_eq!(
            ObjectLockConfig::default().lock_for_new_version(ObjectLock::default(), at(0)),
            ObjectLock::default()
        );
    }

    #[test]
    fn retention_changes_follow_the_blob_store_rule() {
        let now = at(1_000);
        let g = retention(LockMode::Governance, 2_000);
        let g_longer = retention(LockMode::Governance, 3_000);
        let g_shorter = retention(LockMode::Governance, 1_500);
        let c = retention(LockMode::Compliance, 2_000);
        let c_shorter = retention(LockMode::Compliance, 1_500);
        let ok = |old: Option<&Retention>, new: Option<&Retention>, bypass| {
            check_retention_change(old, new, bypass, now).is_ok()
        };
        assert!(ok(None, Some(&c), false));
        assert!(ok(Some(&g), Some(&g_longer), false));
        assert!(!ok(Some(&g), Some(&g_shorter), false));
        assert!(ok(Some(&g), Some(&g_shorter), true));
        assert!(!ok(Some(&g), None, false));
        assert!(ok(Some(&g), None, true));
        assert!(ok(Some(&g), Some(&c), false));
        assert!(!ok(Some(&c), Some(&c_shorter), true));
        assert!(!ok(Some(&c), Some(&g), true));
        assert!(!ok(Some(&c), None, true));
        assert!(ok(
            Some(&c),
            Some(&retention(LockMode::Compliance, 9_000)),
            false
        ));
        let expired = retention(LockMode::Compliance, 500);
        assert!(ok(Some(&expired), None, false));
    }
}
