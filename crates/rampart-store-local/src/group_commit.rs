//! Group commit: one writer thread turns every commit queued while the previous sync ran into a
//! single backend transaction and a single sync.
//!
//! A durable small write costs one fsync (~0.25–3 ms on this machine class), so committing each
//! `Txn` alone caps the store at a few hundred to a few thousand commits per second whatever the
//! number of writers. Here, callers queue their `Txn` and wait; the writer takes everything that
//! is queued, checks each txn in order against the stored state *plus the writes of the txns
//! before it in the batch*, answers a txn whose check fails with `Conflict` (it contributes no
//! writes), gives each passing txn the next version, merges all writes into one set, and hands
//! that set to the backend, which applies it in one atomic transaction together with the
//! commit counter and syncs once. Only then is every waiter answered. Batches are not delayed
//! on purpose: the batch is whatever arrived during the previous sync, so a lone writer pays
//! one sync per commit and sixteen writers share one.
//!
//! Because nothing reaches the backend before the whole batch is planned, a failed txn can never
//! leave partial writes, and no savepoints are needed.

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc;
use std::thread::JoinHandle;

use rampart_store::{Expect, Op, RecordVersion, Result, StoreError, Txn};
use tokio::sync::oneshot;

use crate::record;

/// At most this many txns share one backend transaction, so that one batch's latency and memory
/// stay bounded under a flood of commits.
const MAX_BATCH_TXNS: usize = 1024;
/// And at most about this many bytes of values.
const MAX_BATCH_BYTES: usize = 64 << 20;

/// The final state of each key a batch writes: the encoded record, or `None` for a delete.
pub(crate) type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// What a backend provides to the writer thread.
pub(crate) trait Engine: Send + 'static {
    /// The version of the record stored at `key`, as of the last applied batch. Only the writer
    /// thread writes, so this is exact for the whole batch.
    fn stored_version(&self, key: &[u8]) -> Result<Option<RecordVersion>>;

    /// Applies `writes` and sets the stored commit counter to `last_version`, atomically, and
    /// returns once both are durable.
    fn apply(&mut self, writes: Writes, last_version: RecordVersion) -> Result<()>;
}

type Reply = oneshot::Sender<Result<RecordVersion>>;

/// The handle the store keeps: queue a txn, await its outcome. Dropping it stops the writer
/// thread after the batch in progress and waits for it, so the backend is closed afterwards.
pub(crate) struct GroupCommit {
    queue: Option<mpsc::Sender<(Txn, Reply)>>,
    writer: Option<JoinHandle<()>>,
}

impl GroupCommit {
    /// Starts the writer thread; `last_version` is the stored commit counter.
    pub(crate) fn start<E: Engine>(
        name: &str,
        engine: E,
        last_version: RecordVersion,
    ) -> Result<Self> {
        let (queue, jobs) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || run(engine, last_version, jobs))?;
        Ok(Self {
            queue: Some(queue),
            writer: Some(writer),
        })
    }

    pub(crate) async fn commit(&self, txn: Txn) -> Result<RecordVersion> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Backend("the commit writer thread has stopped".into());
        self.queue
            .as_ref()
            .ok_or_else(stopped)?
            .send((txn, reply))
            .map_err(|_| stopped())?;
        // If this future is dropped now, the txn still commits (or not): like any database
        // client that loses its connection mid-commit, the caller cannot know which.
        answer.await.map_err(|_| stopped())?
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.queue.take();
        if let Some(writer) = self.writer.take()
            && writer.join().is_err()
        {
            tracing::error!("the commit writer thread panicked");
        }
    }
}

fn txn_bytes(txn: &Txn) -> usize {
    let op_bytes = |op: &Op| match op {
        Op::Put { key, value } => key.len() + value.len(),
        Op::Delete { key } => key.len(),
    };
    txn.ops.iter().map(op_bytes).sum::<usize>()
        + txn.checks.iter().map(|(k, _)| k.len()).sum::<usize>()
}

fn run<E: Engine>(
    mut engine: E,
    mut last_version: RecordVersion,
    jobs: mpsc::Receiver<(Txn, Reply)>,
) {
    // `recv` fails once every sender is gone: the store was dropped.
    while let Ok(first) = jobs.recv() {
        let mut bytes = txn_bytes(&first.0);
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH_TXNS && bytes < MAX_BATCH_BYTES {
            match jobs.try_recv() {
                Ok(job) => {
                    bytes += txn_bytes(&job.0);
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        let (txns, replies): (Vec<Txn>, Vec<Reply>) = batch.into_iter().unzip();
        let plan = plan(&engine, &txns, last_version);
        // A batch of conflicts alone writes nothing and needs no sync.
        let any_passed = plan.last_version > last_version;
        // Versions handed out are never reused, even if the backend fails: gaps are harmless,
        // reuse would not be.
        last_version = plan.last_version;
        let mut outcomes = plan.outcomes;
        if any_passed && let Err(e) = engine.apply(plan.writes, plan.last_version) {
            tracing::error!(error = %e, "group commit failed");
            let message = e.to_string();
            let mut first = Some(e);
            for outcome in outcomes.iter_mut().filter(|o| o.is_ok()) {
                // The first waiter gets the error itself, the others a copy of its message.
                *outcome = Err(first
                    .take()
                    .unwrap_or_else(|| StoreError::Backend(message.clone())));
            }
        }
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            // A waiter that went away (its future was dropped) needs no answer.
            let _ = reply.send(outcome);
        }
    }
}

struct Plan {
    outcomes: Vec<Result<RecordVersion>>,
    writes: Writes,
    last_version: RecordVersion,
}

/// Checks and versions the txns of one batch in order, merging the writes of those that pass.
fn plan<E: Engine>(engine: &E, txns: &[Txn], last_version: RecordVersion) -> Plan {
    // Versions of the keys this batch has written so far (`None`: deleted); they shadow the
    // stored state for the checks of later txns in the batch.
    let mut overlay: HashMap<&[u8], Option<RecordVersion>> = HashMap::new();
    let mut writes = Writes::new();
    let mut version = last_version;
    let mut outcomes = Vec::with_capacity(txns.len());
    for txn in txns {
        if let Err(e) = check(engine, &overlay, txn) {
            outcomes.push(Err(e));
            continue;
        }
        version += 1;
        for op in &txn.ops {
            match op {
                Op::Put { key, value } => {
                    overlay.insert(key, Some(version));
                    writes.insert(key.clone(), Some(record::encode(version, value)));
                }
                Op::Delete { key } => {
                    overlay.insert(key, None);
                    writes.insert(key.clone(), None);
                }
            }
        }
        outcomes.push(Ok(version));
    }
    Plan {
        outcomes,
        writes,
        last_version: version,
    }
}

fn check<E: Engine>(
    engine: &E,
    overlay: &HashMap<&[u8], Option<RecordVersion>>,
    txn: &Txn,
) -> Result<()> {
    for (key, expect) in &txn.checks {
        let current = match overlay.get(key.as_slice()) {
            Some(v) => *v,
            None => engine.stored_version(key)?,
        };
        let holds = match (expect, current) {
            (Expect::Absent, None) | (Expect::Present, Some(_)) => true,
            (Expect::Version(want), Some(have)) => *want == have,
            _ => false,
        };
        if !holds {
            return Err(StoreError::Conflict { key: key.clone() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored versions only; `apply` is not needed to test planning.
    struct Fixed(HashMap<Vec<u8>, RecordVersion>);

    impl Engine for Fixed {
        fn stored_version(&self, key: &[u8]) -> Result<Option<RecordVersion>> {
            Ok(self.0.get(key).copied())
        }
        fn apply(&mut self, _: Writes, _: RecordVersion) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn later_txns_see_earlier_ones_and_failures_write_nothing() {
        let engine = Fixed(HashMap::from([(b"old".to_vec(), 3)]));
        let txns = vec![
            Txn::new()
                .check(b"a".to_vec(), Expect::Absent)
                .put(b"a".to_vec(), "1"),
            // Sees the put above: fails, and its delete of "old" must not happen.
            Txn::new()
                .check(b"a".to_vec(), Expect::Absent)
                .delete(b"old".to_vec()),
            // Sees the version the first txn got.
            Txn::new()
                .check(b"a".to_vec(), Expect::Version(11))
                .put(b"a".to_vec(), "2"),
            Txn::new()
                .check(b"old".to_vec(), Expect::Version(3))
                .delete(b"old".to_vec()),
            // Sees the delete above.
            Txn::new()
                .check(b"old".to_vec(), Expect::Present)
                .put(b"x".to_vec(), "x"),
        ];
        let plan = plan(&engine, &txns, 10);
        let outcomes: Vec<_> = plan
            .outcomes
            .iter()
            .map(|o| match o {
                Ok(v) => Ok(*v),
                Err(StoreError::Conflict { key }) => Err(key.clone()),
                Err(e) => panic!("{e}"),
            })
            .collect();
        assert_eq!(
            outcomes,
            vec![
                Ok(11),
                Err(b"a".to_vec()),
                Ok(12),
                Ok(13),
                Err(b"old".to_vec())
            ]
        );
        assert_eq!(plan.last_version, 13);
        let mut want = Writes::new();
        want.insert(b"a".to_vec(), Some(record::encode(12, b"2")));
        want.insert(b"old".to_vec(), None);
        assert_eq!(plan.writes, want);
    }
}
