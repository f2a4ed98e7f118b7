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

/// Where a rotation keeps the key it rotates to until every wrapped key is re-wrapped.
fn next_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".next");
    PathBuf::from(name)
}

/// Loads the key at `path`, or creates it there if nothing is there yet. If a rotation was
/// interrupted, the key it rotated to is loaded too: both open what they sealed, and running
/// the rotation again finishes it.
pub fn load_or_create(path: &Path) -> Result<MasterKey, String> {
    let key = load_or_create_current(path)?;
    let next = next_path(path);
    if next.exists() {
        key.begin_rotation(&read_key(&next)?);
        tracing::warn!(
            path = %next.display(),
            "a master-key rotation was interrupted; run `rampart admin rotate-master-key` to finish it"
        );
    }
    Ok(key)
}

fn read_key(path: &Path) -> Result<MasterKey, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    MasterKey::from_bytes(&bytes)
        .map_err(|e| format!("{} is not a master key: {e}", path.display()))
}

/// The key file, as a rotation changes it: the next key is stored (durably, mode 0600) before
/// anything is sealed under it, and becomes the master key only once nothing needs the old one.
pub struct KeyFile {
    path: PathBuf,
}

impl KeyFile {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

impl rampart_api::MasterKeyFile for KeyFile {
    fn next_key(&self) -> Result<MasterKey, String> {
        let next = next_path(&self.path);
        if next.exists() {
            return read_key(&next);
        }
        let key = MasterKey::generate();
        write_private(&next, key.to_bytes().as_ref())
            .map_err(|e| format!("cannot write {}: {e}", next.display()))?;
        Ok(key)
    }

    fn promote(&self) -> Result<(), String> {
        let next = next_path(&self.path);
        fs::rename(&next, &self.path)
            .and_then(|()| match self.path.parent() {
                Some(dir) => fs::File::open(dir)?.sync_all(),
                None => Ok(()),
            })
            .map_err(|e| format!("cannot replace {}: {e}", self.path.display()))
    }
}

fn load_or_create_current(path: &Path) -> Result<MasterKey, String> {
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

    #[test]
    fn an_interrupted_rotation_is_resumed_with_both_keys() {
        use rampart_api::MasterKeyFile;
        let dir = tempfile::tempdir().unwrap();
        let path = default_path(dir.path());
        let key = load_or_create(&path).unwrap();
        let old = key.seal(b"id", b"secret");
        let file = KeyFile::new(path.clone());
        let next = file.next_key().unwrap();
        assert_eq!(
            file.next_key().unwrap().to_bytes()[..],
            next.to_bytes()[..],
            "the pending key is reused, not replaced"
        );
        assert_eq!(
            fs::metadata(next_path(&path)).unwrap().mode() & 0o777,
            0o600
        );
        // A restart mid-rotation: both keys open, new values seal under the next key.
        let reloaded = load_or_create(&path).unwrap();
        assert!(reloaded.is_rotating());
        assert_eq!(&reloaded.open(b"id", &old).unwrap()[..], b"secret");
        let new = reloaded.seal(b"id", b"secret");
        assert_eq!(&next.open(b"id", &new).unwrap()[..], b"secret");
        file.promote().unwrap();
        assert!(!next_path(&path).exists());
        let promoted = load_or_create(&path).unwrap();
        assert!(!promoted.is_rotating());
        assert_eq!(promoted.to_bytes()[..], next.to_bytes()[..]);
    }
}
