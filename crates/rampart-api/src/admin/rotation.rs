//! `POST /_rampart/admin/master-key/rotate`: replaces the master key without rewriting object
//! data. The next key is stored first; from then on everything is sealed under it while the old
//! key still opens what it sealed. Every SSE-S3 data key, every stored secret and every KMS key
//! material version is re-wrapped,
//! in passes, until a pass finds nothing left under the old key; only then does the next key
//! replace the old one in the key file and the old one stop opening anything.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use rampart_crypto::MasterKey;
use serde::Serialize;

use super::AdminError;
use crate::AppState;
use crate::error::ApiError;

/// Where the master key is kept, as a rotation changes it (the binary owns the files).
pub trait MasterKeyFile: Send + Sync {
    /// The key to rotate to: the pending one if a rotation was interrupted, else a new one,
    /// stored durably as pending before it is used.
    fn next_key(&self) -> Result<MasterKey, String>;
    /// Makes the pending key the master key.
    fn promote(&self) -> Result<(), String>;
}

/// The master key in use and its file.
#[derive(Clone)]
pub struct MasterKeyHandle {
    pub key: Arc<MasterKey>,
    pub file: Arc<dyn MasterKeyFile>,
}

/// Writes that sealed a value under the old key just before the rotation began commit within
/// this long; the passes start after it.
const GRACE: Duration = Duration::from_millis(500);
/// Passes before giving up (writers racing every pass); the rotation can be run again.
const MAX_PASSES: usize = 5;

#[derive(Serialize, Default)]
pub(crate) struct RotationReport {
    passes: usize,
    sse_s3_data_keys: u64,
    data_keys_rewrapped: u64,
    secrets: u64,
    secrets_rewrapped: u64,
    kms_key_material: u64,
    kms_key_material_rewrapped: u64,
}

static ROTATION: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub(crate) async fn rotate(state: &AppState) -> Result<RotationReport, AdminError> {
    let Some(handle) = &state.master_key else {
        return Err(AdminError::new(
            StatusCode::CONFLICT,
            "InvalidRequest",
            "This server has no master key file to rotate.",
        ));
    };
    let _one_at_a_time = ROTATION.lock().await;
    let failed = |e: String| AdminError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", e);
    let next = handle.file.next_key().map_err(failed)?;
    handle.key.begin_rotation(&next);
    tracing::info!("master-key rotation: sealing under the next key");
    tokio::time::sleep(GRACE).await;
    let mut report = RotationReport::default();
    loop {
        report.passes += 1;
        let data = state
            .engine
            .rewrap_sse_s3_keys()
            .await
            .map_err(|e| AdminError::from(ApiError::from(e)))?;
        let secrets = state.identities.rewrap_secrets().await?;
        let material = state.kms.rewrap_key_material().await.map_err(|e| {
            AdminError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                format!("KMS key material: {e}"),
            )
        })?;
        report.sse_s3_data_keys = data.sse_s3_keys;
        report.data_keys_rewrapped += data.rewrapped;
        report.secrets = secrets.secrets;
        report.secrets_rewrapped += secrets.rewrapped;
        report.kms_key_material = material.versions;
        report.kms_key_material_rewrapped += material.rewrapped;
        if data.rewrapped == 0 && secrets.rewrapped == 0 && material.rewrapped == 0 {
            break;
        }
        if report.passes == MAX_PASSES {
            return Err(failed(
                "writes kept racing the rotation; nothing is lost (both keys still open everything) — run it again".into(),
            ));
        }
    }
    handle.file.promote().map_err(failed)?;
    handle.key.finish_rotation();
    tracing::info!(
        data_keys = report.data_keys_rewrapped,
        secrets = report.secrets_rewrapped,
        "master-key rotation finished"
    );
    Ok(report)
}
