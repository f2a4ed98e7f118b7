use crate::BlobId;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A [`crate::Txn`] precondition did not hold; nothing was written.
    #[error("a commit precondition failed on key {}", String::from_utf8_lossy(.key))]
    Conflict { key: Vec<u8> },

    #[error("blob {0} not found")]
    BlobNotFound(BlobId),

    /// The blob's Object Lock forbids the delete or the lock change; nothing was changed.
    #[error("blob {id} is locked: {reason}")]
    Locked { id: BlobId, reason: String },

    /// The byte stream handed to [`crate::BlobStore::put`] failed. The caller's own error is
    /// returned unchanged so it can tell, say, a digest mismatch from a client disconnect.
    #[error("the input stream failed: {0}")]
    Input(#[source] std::io::Error),

    #[error("storage I/O error: {0}")]
    Io(#[from] std::io::Error),

    /// A stored record or blob could not be decoded: the data is damaged.
    #[error("corrupt data: {0}")]
    Corrupt(String),

    /// Any other failure of the backend engine (sled, redb, a database driver).
    #[error("storage backend error: {0}")]
    Backend(String),
}
