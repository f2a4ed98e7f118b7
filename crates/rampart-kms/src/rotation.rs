//! Rotation: automatic (applied lazily when a key is next loaded after its date) and on
//! demand. Every version stays, so older ciphertexts still open.

use crate::error::{KmsError, Result};
use crate::records::KeyRecord;
use crate::{
    DAY, DEFAULT_ROTATION_PERIOD_DAYS, Key, KeyRotation, KeyState, Kms, MAX_ON_DEMAND_ROTATIONS,
    MAX_ROTATION_PERIOD_DAYS, MIN_ROTATION_PERIOD_DAYS, Page, RotationType,
};

/// Disabled → DisabledException, pending deletion → KMSInvalidStateException.
pub(crate) fn require_enabled(rec: &KeyRecord, arn: &str) -> Result<()> {
    match rec.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(KmsError::Disabled(format!("{arn} is disabled."))),
        KeyState::PendingDeletion => Err(KmsError::InvalidState(format!(
            "{arn} is pending deletion."
        ))),
    }
}

impl Kms {
    /// EnableKeyRotation, every `period_days` (90–2560, 365 by default).
    pub async fn enable_key_rotation(&self, key: &Key, period_days: Option<i64>) -> Result<Key> {
        let days = period_days.unwrap_or(i64::from(DEFAULT_ROTATION_PERIOD_DAYS));
        if days < i64::from(MIN_ROTATION_PERIOD_DAYS) || days > i64::from(MAX_ROTATION_PERIOD_DAYS)
        {
            let bound = if days < i64::from(MIN_ROTATION_PERIOD_DAYS) {
                format!("greater than or equal to {MIN_ROTATION_PERIOD_DAYS}")
            } else {
                format!("less than or equal to {MAX_ROTATION_PERIOD_DAYS}")
            };
            return Err(KmsError::Validation(format!(
                "1 validation error detected: Value '{days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value {bound}"
            )));
        }
        let days = days as u32;
        self.update(key, |rec, now| {
            require_enabled(rec, &key.arn)?;
            rec.rotation_enabled = true;
            rec.rotation_period_days = Some(days);
            rec.next_rotation = Some(now + DAY * days);
            Ok(())
        })
        .await
    }

    /// DisableKeyRotation.
    pub async fn disable_key_rotation(&self, key: &Key) -> Result<Key> {
        self.update(key, |rec, _| {
            require_enabled(rec, &key.arn)?;
            rec.rotation_enabled = false;
            rec.next_rotation = None;
            Ok(())
        })
        .await
    }

    /// RotateKeyOnDemand: a new material version now, at most ten times per key.
    pub async fn rotate_key_on_demand(&self, key: &Key) -> Result<Key> {
        self.update(key, |rec, _| {
            require_enabled(rec, &key.arn)?;
            if rec.on_demand_rotations >= MAX_ON_DEMAND_ROTATIONS {
                return Err(KmsError::LimitExceeded(format!(
                    "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {}",
                    key.arn
                )));
            }
            let material = self.new_material(rec, Some(RotationType::OnDemand));
            rec.materials.push(material);
            rec.on_demand_rotations += 1;
            Ok(())
        })
        .await
    }

    /// ListKeyRotations, oldest first; the marker is the number of rotations already listed.
    pub fn list_key_rotations(
        &self,
        key: &Key,
        limit: usize,
        marker: Option<&str>,
    ) -> Result<Page<KeyRotation>> {
        let start = match marker {
            None => 0,
            Some(m) => m
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= key.rotations.len())
                .ok_or_else(|| KmsError::InvalidMarker(format!("Invalid marker: {m}")))?,
        };
        let items: Vec<KeyRotation> = key
            .rotations
            .iter()
            .skip(start)
            .take(limit)
            .cloned()
            .collect();
        let end = start + items.len();
        let next_marker = (end < key.rotations.len()).then(|| end.to_string());
        Ok(Page { items, next_marker })
    }
}
