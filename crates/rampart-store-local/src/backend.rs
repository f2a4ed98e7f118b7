//! Selecting the embedded backends by configuration.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use rampart_store::{BlobStore, MetaStore, Result};
use serde::{Deserialize, Serialize};

use crate::{FsBlobStore, RedbMetaStore, SledMetaStore};

/// The embedded metadata engine (`storage.meta` in the configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetaBackend {
    Sled,
    Redb,
}

impl MetaBackend {
    /// The default, chosen by crash safety, then disk space, then speed: see
    /// docs/PERFORMANCE.md, "Metadata backend".
    pub const DEFAULT: Self = Self::Redb;

    pub fn name(self) -> &'static str {
        match self {
            Self::Sled => "sled",
            Self::Redb => "redb",
        }
    }
}

impl Default for MetaBackend {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for MetaBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MetaBackend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sled" => Ok(Self::Sled),
            "redb" => Ok(Self::Redb),
            other => Err(format!(
                "unknown metadata backend {other:?} (expected \"sled\" or \"redb\")"
            )),
        }
    }
}

/// Opens the metadata store of `backend` in directory `dir` (`<data>/meta/`), creating it as
/// needed: redb keeps one file, `dir/meta.redb`; sled a directory, `dir/sled/`. Blocks while the
/// engine opens (and, after a crash, recovers).
pub fn open_meta(backend: MetaBackend, dir: impl AsRef<Path>) -> Result<Arc<dyn MetaStore>> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir)?;
    Ok(match backend {
        MetaBackend::Redb => Arc::new(RedbMetaStore::open(dir.join("meta.redb"))?),
        MetaBackend::Sled => Arc::new(SledMetaStore::open(dir.join("sled"))?),
    })
}

/// Opens the blob store under the data directory (`<data>/blobs/`, `<data>/tmp/`).
pub fn open_blobs(data_dir: impl AsRef<Path>) -> Result<Arc<dyn BlobStore>> {
    Ok(Arc::new(FsBlobStore::open(data_dir)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for b in [MetaBackend::Sled, MetaBackend::Redb] {
            assert_eq!(b.name().parse::<MetaBackend>(), Ok(b));
            assert_eq!(b.to_string(), b.name());
        }
        assert!("Redb".parse::<MetaBackend>().is_err());
        assert!("".parse::<MetaBackend>().is_err());
    }
}
