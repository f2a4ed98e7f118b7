//! Object Lock as the blob store enforces it.
//!
//! The engine carries S3's Object Lock semantics, but a locked blob must stay undeletable even
//! if the engine or the API has a bug: so each backend keeps the lock next to the blob and
//! refuses a delete while it is in force. The rule for replacing a lock lives here, once, so
//! that every backend applies exactly the same one.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// S3's two retention modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlobRetentionMode {
    /// May be shortened or removed by a caller allowed to bypass governance retention.
    Governance,
    /// May never be shortened, removed or downgraded until it expires.
    Compliance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRetention {
    pub mode: BlobRetentionMode,
    pub retain_until: SystemTime,
}

impl BlobRetention {
    /// A retention is in force strictly before its date; at `retain_until` it has expired.
    fn in_force(&self, now: SystemTime) -> bool {
        self.retain_until > now
    }
}

/// The lock of one blob: a retention, a legal hold, both or neither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobLock {
    pub retention: Option<BlobRetention>,
    pub legal_hold: bool,
}

impl BlobLock {
    /// Whether the blob may not be deleted at `now`: a legal hold, or a retention whose date has
    /// not passed.
    pub fn in_force(&self, now: SystemTime) -> bool {
        self.legal_hold || self.retention.is_some_and(|r| r.in_force(now))
    }
}

/// Whether a blob under `lock` may be deleted at `now`; the error is the reason it may not.
pub fn check_delete(lock: &BlobLock, now: SystemTime) -> Result<(), String> {
    if lock.legal_hold {
        return Err("a legal hold is in force".into());
    }
    match lock.retention {
        Some(r) if r.in_force(now) => Err(format!(
            "a {} retention is in force for {} more seconds",
            match r.mode {
                BlobRetentionMode::Governance => "GOVERNANCE",
                BlobRetentionMode::Compliance => "COMPLIANCE",
            },
            // In force, so the date is after `now`.
            r.retain_until
                .duration_since(now)
                .unwrap_or_default()
                .as_secs_f64()
                .ceil()
        )),
        _ => Ok(()),
    }
}

/// Whether `new` may replace `old` at `now`; the error is the reason it may not.
///
/// Only a retention still in force constrains the change: a COMPLIANCE retention may never be
/// shortened, removed or changed to GOVERNANCE; a GOVERNANCE retention may be shortened or
/// removed only with `bypass_governance`. Extending a retention, changing GOVERNANCE to
/// COMPLIANCE, and setting or clearing the legal hold are always allowed (the legal hold has no
/// protection of its own against removal: S3 guards it with a permission, not with a rule).
pub fn check_lock_change(
    old: &BlobLock,
    new: &BlobLock,
    bypass_governance: bool,
    now: SystemTime,
) -> Result<(), String> {
    let Some(old) = old.retention.filter(|r| r.in_force(now)) else {
        return Ok(());
    };
    let kept_as_long = new
        .retention
        .is_some_and(|r| r.retain_until >= old.retain_until);
    match old.mode {
        BlobRetentionMode::Compliance => match new.retention {
            None => Err("a COMPLIANCE retention in force cannot be removed".into()),
            Some(r) if r.mode != BlobRetentionMode::Compliance => {
                Err("a COMPLIANCE retention in force cannot be changed to GOVERNANCE".into())
            }
            Some(_) if !kept_as_long => {
                Err("a COMPLIANCE retention in force cannot be shortened".into())
            }
            Some(_) => Ok(()),
        },
        BlobRetentionMode::Governance if kept_as_long || bypass_governance => Ok(()),
        BlobRetentionMode::Governance => Err(if new.retention.is_none() {
            "a GOVERNANCE retention in force cannot be removed without bypassing governance".into()
        } else {
            "a GOVERNANCE retention in force cannot be shortened without bypassing governance"
                .into()
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use BlobRetentionMode::{Compliance, Governance};

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000)
    }

    fn at(offset_secs: i64) -> SystemTime {
        if offset_secs >= 0 {
            now() + Duration::from_secs(offset_secs.unsigned_abs())
        } else {
            now() - Duration::from_secs(offset_secs.unsigned_abs())
        }
    }

    fn retained(mode: BlobRetentionMode, offset_secs: i64) -> BlobLock {
        BlobLock {
            retention: Some(BlobRetention {
                mode,
                retain_until: at(offset_secs),
            }),
            legal_hold: false,
        }
    }

    fn held(mut lock: BlobLock) -> BlobLock {
        lock.legal_hold = true;
        lock
    }

    const NONE: BlobLock = BlobLock {
        retention: None,
        legal_hold: false,
    };

    fn allowed(old: BlobLock, new: BlobLock, bypass: bool) -> bool {
        check_lock_change(&old, &new, bypass, now()).is_ok()
    }

    #[test]
    fn in_force() {
        assert!(!NONE.in_force(now()));
        assert!(held(NONE).in_force(now()));
        assert!(retained(Governance, 1).in_force(now()));
        assert!(retained(Compliance, 1).in_force(now()));
        // Expired at its date, not one instant after.
        assert!(!retained(Compliance, 0).in_force(now()));
        assert!(!retained(Governance, -1).in_force(now()));
        assert!(held(retained(Compliance, -1)).in_force(now()));
    }

    #[test]
    fn anything_may_replace_no_lock_or_an_expired_retention() {
        for old in [
            NONE,
            retained(Compliance, -10),
            retained(Compliance, 0),
            retained(Governance, -10),
        ] {
            for new in [
                NONE,
                held(NONE),
                retained(Governance, -20),
                retained(Governance, 5),
                retained(Compliance, 5),
            ] {
                assert!(allowed(old, new, false), "{old:?} -> {new:?}");
            }
        }
    }

    #[test]
    fn legal_hold_may_always_be_set_or_cleared() {
        for retention in [NONE, retained(Governance, 10), retained(Compliance, 10)] {
            assert!(allowed(retention, held(retention), false));
            assert!(allowed(held(retention), retention, false));
        }
    }

    #[test]
    fn compliance_in_force() {
        let old = retained(Compliance, 10);
        assert!(allowed(old, old, false), "unchanged");
        assert!(allowed(old, retained(Compliance, 20), false), "extended");
        for bypass in [false, true] {
            assert!(!allowed(old, NONE, bypass), "removed");
            assert!(!allowed(old, held(NONE), bypass), "removed under a hold");
            assert!(!allowed(old, retained(Compliance, 5), bypass), "shortened");
            assert!(
                !allowed(old, retained(Compliance, -5), bypass),
                "set in the past"
            );
            assert!(
                !allowed(old, retained(Governance, 10), bypass),
                "downgraded"
            );
            assert!(
                !allowed(old, retained(Governance, 20), bypass),
                "downgraded while extended"
            );
        }
    }

    #[test]
    fn governance_in_force() {
        let old = retained(Governance, 10);
        for bypass in [false, true] {
            assert!(allowed(old, old, bypass), "unchanged");
            assert!(allowed(old, retained(Governance, 20), bypass), "extended");
            assert!(allowed(old, retained(Compliance, 10), bypass), "upgraded");
            assert!(
                allowed(old, retained(Compliance, 20), bypass),
                "upgraded and extended"
            );
        }
        for weaker in [
            NONE,
            held(NONE),
            retained(Governance, 5),
            retained(Governance, -5),
            retained(Compliance, 5),
        ] {
            assert!(!allowed(old, weaker, false), "{weaker:?} without bypass");
            assert!(allowed(old, weaker, true), "{weaker:?} with bypass");
        }
    }

    #[test]
    fn delete_is_refused_exactly_while_in_force() {
        for lock in [
            NONE,
            held(NONE),
            retained(Governance, 1),
            retained(Compliance, 1),
            retained(Compliance, 0),
            retained(Governance, -1),
            held(retained(Compliance, -1)),
        ] {
            assert_eq!(
                check_delete(&lock, now()).is_err(),
                lock.in_force(now()),
                "{lock:?}"
            );
        }
        let err = check_delete(&retained(Compliance, 90), now()).unwrap_err();
        assert!(err.contains("COMPLIANCE") && err.contains("90"), "{err}");
    }

    #[test]
    fn refusals_say_why() {
        let err = check_lock_change(&retained(Compliance, 1), &NONE, true, now()).unwrap_err();
        assert!(err.contains("COMPLIANCE"), "{err}");
        let err = check_lock_change(&retained(Governance, 1), &NONE, false, now()).unwrap_err();
        assert!(err.contains("bypass"), "{err}");
    }
}
