//! Blobs being read. A GET streams an object's blobs after reading its record; if a writer
//! replaces the object meanwhile, deleting those blobs at once would cut the reader off (a
//! multipart object's later parts are opened only when reached). Readers lease the blobs they
//! stream; deleting a leased blob is deferred to the last lease's release.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rampart_store::{BlobId, BlobStore};

#[derive(Default)]
struct Entry {
    readers: usize,
    delete_when_free: bool,
}

pub(crate) struct ReaderRegistry {
    blobs: Arc<dyn BlobStore>,
    entries: Mutex<HashMap<BlobId, Entry>>,
}

/// Blobs held open for one reader; released on drop.
pub(crate) struct ReadLease {
    registry: Arc<ReaderRegistry>,
    ids: Vec<BlobId>,
}

impl ReaderRegistry {
    pub(crate) fn new(blobs: Arc<dyn BlobStore>) -> Arc<Self> {
        Arc::new(Self {
            blobs,
            entries: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn lease(self: &Arc<Self>, ids: Vec<BlobId>) -> ReadLease {
        if let Ok(mut entries) = self.entries.lock() {
            for id in &ids {
                entries.entry(id.clone()).or_default().readers += 1;
            }
        }
        ReadLease {
            registry: self.clone(),
            ids,
        }
    }

    /// Deletes a blob no record references any more, now or when its last reader is done.
    pub(crate) async fn delete(&self, id: &BlobId) {
        let deferred = match self.entries.lock() {
            Ok(mut entries) => match entries.get_mut(id) {
                Some(entry) if entry.readers > 0 => {
                    entry.delete_when_free = true;
                    true
                }
                _ => false,
            },
            Err(_) => false,
        };
        if !deferred {
            delete_logged(self.blobs.as_ref(), id).await;
        }
    }

    fn release(&self, ids: &[BlobId]) {
        let mut due = Vec::new();
        if let Ok(mut entries) = self.entries.lock() {
            for id in ids {
                if let Some(entry) = entries.get_mut(id) {
                    entry.readers = entry.readers.saturating_sub(1);
                    if entry.readers == 0 {
                        if entry.delete_when_free {
                            due.push(id.clone());
                        }
                        entries.remove(id);
                    }
                }
            }
        }
        if due.is_empty() {
            return;
        }
        let blobs = self.blobs.clone();
        // Released from a dropped response stream, possibly outside an async context; a
        // missed deletion leaves an orphan for the start-up sweep, never a lost object.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                for id in due {
                    delete_logged(blobs.as_ref(), &id).await;
                }
            });
        }
    }
}

impl Drop for ReadLease {
    fn drop(&mut self) {
        self.registry.release(&self.ids);
    }
}

async fn delete_logged(blobs: &dyn BlobStore, id: &BlobId) {
    if let Err(e) = blobs.delete(id).await {
        tracing::warn!(blob = %id, error = %e, "could not delete an unreferenced blob; the start-up sweep will reclaim it");
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use rampart_store::memory::MemoryBlobStore;

    use super::*;

    async fn count(blobs: &MemoryBlobStore) -> usize {
        blobs
            .list_created_before(SystemTime::now() + Duration::from_secs(60))
            .await
            .unwrap()
            .len()
    }

    #[tokio::test]
    async fn deletion_waits_for_the_last_reader() {
        let blobs = Arc::new(MemoryBlobStore::new());
        let id = blobs
            .put(Box::pin(futures::stream::iter(vec![Ok(
                bytes::Bytes::from_static(b"x"),
            )])))
            .await
            .unwrap()
            .id;
        let registry = ReaderRegistry::new(blobs.clone());
        let first = registry.lease(vec![id.clone()]);
        let second = registry.lease(vec![id.clone()]);
        registry.delete(&id).await;
        assert_eq!(count(&blobs).await, 1, "leased: deletion deferred");
        drop(first);
        tokio::task::yield_now().await;
        assert_eq!(count(&blobs).await, 1, "one reader left");
        drop(second);
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(count(&blobs).await, 0, "deleted after the last reader");
    }

    #[tokio::test]
    async fn unleased_blobs_are_deleted_at_once() {
        let blobs = Arc::new(MemoryBlobStore::new());
        let id = blobs
            .put(Box::pin(futures::stream::iter(vec![Ok(
                bytes::Bytes::from_static(b"x"),
            )])))
            .await
            .unwrap()
            .id;
        let registry = ReaderRegistry::new(blobs.clone());
        drop(registry.lease(vec![id.clone()]));
        registry.delete(&id).await;
        assert_eq!(count(&blobs).await, 0);
    }
}
