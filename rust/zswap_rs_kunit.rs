// SPDX-License-Identifier: GPL-2.0

//! zswap_rs_kunit: the KUnit suites of zswap_rs.
//!
//! Crate root of `zswap_rs_kunit.ko`, compiled from the same sources as
//! `zswap_rs.ko` (plus `--cfg zrs_kunit` test hooks).  A separate module,
//! rather than suites inside zswap_rs.ko, because zswap_rs.ko registers
//! with frontswap at init and stays pinned while pages are stored, while
//! the suites must run on private pools and be loadable and unloadable
//! at any time (KUnit runs module suites at load, before init); and the
//! production module carries no test code.  See `Documentation/testing.rst`.

// The module's own code, compiled here to be tested.  What only
// zswap_rs.ko's entry points reach (frontswap registration, the shrinker,
// parameter callbacks, the unload) is unused in this crate: dead-code
// warnings are off for these modules here, and on (without exception) in
// zswap_rs.ko, which compiles the same files.  The suites (`tests`) are
// checked.
#[allow(dead_code)]
mod backend;
#[allow(dead_code)]
mod compress;
mod content;
#[allow(dead_code)]
mod index;
#[allow(dead_code)]
mod params;
#[allow(dead_code)]
mod pool;
#[allow(dead_code)]
mod stats;
#[allow(dead_code)]
mod sys;
mod tests;

/// Log prefix of the printing macros (`pr_info!` and the others in `sys`).
const __LOG_PREFIX: &[u8] = b"zswap_rs_kunit\0";

use pool::migrate::{PoolOwner, PoolPages};
use sys::global::Global;
use sys::movable::MovableOps;
use sys::rcu;

/// The pool whose pages the test movable callbacks serve (one at a time).
static MOVABLE_TEST_POOL: Global<pool::Pool> = Global::new();

/// The movable callbacks of test pools, as zswap_rs.ko's.
struct TestPool;

impl PoolOwner for TestPool {
    fn pool(g: &rcu::Guard) -> Option<&pool::Pool> {
        MOVABLE_TEST_POOL.get(g)
    }
}

/// Runs `f` on a fresh pool whose pages are really movable (registered
/// with test callbacks), then frees it; false if it could not be set up.
pub(crate) fn with_movable_pool(layout: pool::Layout, f: impl FnOnce(&pool::Pool)) -> bool {
    let ops = MovableOps::of::<PoolPages<TestPool>>();
    let pool = match pool::Pool::new(layout, 1024, Some(ops)).and_then(sys::try_box) {
        Ok(p) => p,
        Err(_) => return false,
    };
    // Dropping the handle waits for running callbacks, then frees the pool.
    let published = match MOVABLE_TEST_POOL.publish(pool) {
        Ok(p) => p,
        Err(_) => return false,
    };
    f(published.get());
    true
}
