//! The server's master key: it seals every secret the server stores (access keys of users,
//! roles' sessions and accounts) and, with the encryption issue, wraps object data keys. Given
//! as a file (`RAMPART_MASTER_KEY_FILE`), or generated on first start in
//! `<data>/keys/master.key`, mode 0600.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use rampart_crypto::MasterKey;

use crate::credentials::{keys_dir, write_private};

const MASTER_KEY_FILE: &str = "master.key";

pub fn default_path(data_dir: &Path) -> PathBuf {
    keys_dir(data_dir).join(MASTER_KEY_FILE)
}

/// Loads the key at `path`, or creates it there if nothing is there yet.
pub fn load_or_create(path: &Path) -> Result<MasterKey, String> {
    match fs::read(path) {
        Ok(bytes) => {
            let mode = fs::metadata(path).map(|m| m.mode() & 0o777).unwrap_or(0);
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    "the master key file is readable by other users; chmod 600 it"
                );
            }
            MasterKey::from_bytes(&bytes)
                .map_err(|e| format!("{} is not a master key: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            let key = MasterKey::generate();
            write_private(path, key.to_bytes().as_ref())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), "generated the master key");
            Ok(key)
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = default_path(dir.path());
        let first = load_or_create(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = load_or_create(&path).unwrap();
        assert_eq!(first.to_bytes().as_ref(), again.to_bytes().as_ref());
        fs::write(&path, b"short").unwrap();
        assert!(load_or_create(&path).is_err());
    }
}
