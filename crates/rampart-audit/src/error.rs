//! The crate's one error type.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A filesystem operation failed; `op` names what was being done, so that an operator can
    /// tell a full disk from a missing directory without a backtrace.
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A spool handle that does not name a segment of this spool.
    #[error("{0} is not a segment of this spool")]
    ForeignSegment(PathBuf),
    /// A record holding a line break: it would become two records in a line-oriented file.
    #[error("a spooled record may not contain a line break")]
    LineBreakInRecord,
    /// A configuration value that cannot work (a zero size limit, keeping no files).
    #[error("invalid configuration: {0}")]
    Config(&'static str),
    #[error("serializing an audit event: {0}")]
    Json(#[from] serde_json::Error),
}

impl AuditError {
    /// Wraps an I/O error with what was being done and to which path.
    pub(crate) fn io(
        op: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { op, path, source }
    }
}
