//! In-memory backends for fast unit tests.
