//! What happened, recorded. Every finished request is described once, as [`RequestFacts`], by
//! the API layer; this crate turns those facts into the formats operators' tools read:
//! - [`access_log`]: S3 server access log records, in S3's field order and quoting;
//! - [`spool`]: durable append-only files that keep records until they are delivered;
//! - [`cloudtrail`]: CloudTrail-style JSON audit events, written as JSON lines to rotated files;
//! - [`metrics`]: counters and histograms, exposed in Prometheus' text format.
//!
//! Nothing here knows HTTP or the engine: the facts are plain values.

pub mod access_log;
pub mod cloudtrail;
mod error;
mod facts;
pub mod metrics;
pub mod spool;

pub use error::AuditError;
pub use facts::{AuthKind, BatchDeletion, Denial, RequestFacts, Requester, Service, SessionFacts};
