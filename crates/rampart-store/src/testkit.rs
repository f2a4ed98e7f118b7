//! The conformance suite every backend runs from its own tests.
//!
//! One macro invocation per trait expands to one `#[tokio::test]` per check, inside a module of
//! the given name (so a test file can hold several backends):
//!
//! ```text
//! async fn fresh_redb() -> (Arc<dyn MetaStore>, tempfile::TempDir) { ... }
//! rampart_store::meta_conformance_tests!(redb_conformance, fresh_redb());
//! rampart_store::blob_conformance_tests!(fs_conformance, fresh_fs());
//! ```
//!
//! The factory expression is evaluated and awaited once per test and must give a fresh, empty
//! store and a guard (a temporary directory, say) that the test keeps alive until the store has
//! been dropped. The calling crate needs `tokio` (features `macros`, `rt-multi-thread`) as a
//! dev-dependency. Each check is also a public `async fn` taking the store, for callers that
//! want to run them another way.

pub mod blob;
pub mod meta;

/// Expands to `mod $name` holding one `#[tokio::test]` per [`meta`] check.
#[macro_export]
macro_rules! meta_conformance_tests {
    ($name:ident, $make:expr) => {
        $crate::__conformance_tests!(
            $name,
            meta,
            $make,
            [
                get_put_delete,
                delete_absent_is_not_an_error,
                versions_strictly_increase,
                recreated_key_gets_a_new_version,
                expect_absent,
                expect_present,
                expect_version,
                failed_commit_changes_nothing,
                multi_op_atomicity,
                put_then_delete_same_key,
                delete_then_put_same_key,
                checks_only_txn,
                concurrent_read_modify_write,
                concurrent_create_single_winner,
                scan_orders_by_raw_bytes,
                scan_prefix_ranges,
                scan_limits,
                scan_pagination_reproduces_full_scan,
                scan_empty_ranges,
                scan_end_is_exclusive,
                scan_carries_versions,
                empty_and_large_values,
                read_after_write_from_another_task,
            ]
        );
    };
}

/// Expands to `mod $name` holding one `#[tokio::test]` per [`blob`] check.
#[macro_export]
macro_rules! blob_conformance_tests {
    ($name:ident, $make:expr) => {
        $crate::__conformance_tests!(
            $name,
            blob,
            $make,
            [
                put_get_empty,
                put_get_small,
                put_get_many_small_chunks,
                put_get_few_large_chunks,
                ranges,
                invalid_ranges_are_errors,
                get_missing_is_blob_not_found,
                delete_is_idempotent,
                delete_during_get_does_not_cut_the_stream,
                failing_stream_is_input_error_and_leaves_nothing,
                dropped_put_leaves_nothing,
                list_created_before_respects_time,
                concurrent_puts,
                unlocked_blob_has_the_default_lock,
                lock_of_missing_blob_is_blob_not_found,
                legal_hold_refuses_delete_until_cleared,
                retention_refuses_delete,
                delete_allowed_once_retention_expires,
                compliance_cannot_be_weakened,
                governance_weakened_only_with_bypass,
                locks_are_per_blob,
            ]
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($name:ident, $kind:ident, $make:expr, [$($check:ident),* $(,)?]) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    let (store, guard) = $make.await;
                    $crate::testkit::$kind::$check(store).await;
                    drop(guard);
                }
            )*
        }
    };
}

/// Deterministic pseudo-random bytes (xorshift64*), so large payloads differ at every offset
/// without a random-number dependency.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}
