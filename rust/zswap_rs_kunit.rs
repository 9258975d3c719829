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

#![allow(dead_code)]

mod backend;
mod compress;
mod ffi;
mod index;
mod params;
mod stats;
mod sys;
mod tests;
mod zbud;

/// Log prefix for the `kernel` crate's printing macros.
const __LOG_PREFIX: &[u8] = b"zswap_rs_kunit\0";

use core::ffi::c_int;
use sys::global::Global;
use sys::page::{LockedPage, MovableOps};

/// The pool whose pages the test movable callbacks serve (one at a time).
static MOVABLE_TEST_POOL: Global<zbud::Pool> = Global::new();

// Movable callbacks for test pools, like zswap_rs.ko's: each runs under an
// RCU read lock from its `get()` to its return (`with_movable_pool` waits).

unsafe extern "C" fn test_isolate(page: *mut ffi::page, _mode: ffi::isolate_mode_t) -> bool {
    // SAFETY: The VM calls `isolate_page` with the page locked and referenced.
    let page = match unsafe { LockedPage::from_raw(page) } {
        Some(p) => p,
        None => return false,
    };
    let _rcu = sys::RcuReadGuard::new();
    MOVABLE_TEST_POOL.get().map_or(false, |p| p.isolate(&page))
}

unsafe extern "C" fn test_migrate(
    dst: *mut ffi::page,
    src: *mut ffi::page,
    mode: ffi::migrate_mode,
) -> c_int {
    // SAFETY: The VM calls `migrate_page` with both pages locked and referenced.
    let (dst, src) = match unsafe { (LockedPage::from_raw(dst), LockedPage::from_raw(src)) } {
        (Some(d), Some(s)) => (d, s),
        _ => return sys::EINVAL.to_c(),
    };
    let _rcu = sys::RcuReadGuard::new();
    match MOVABLE_TEST_POOL.get() {
        Some(p) => match p.migrate(&dst, &src, mode == ffi::migrate_mode_MIGRATE_SYNC_NO_COPY) {
            Ok(_) => 0,
            Err(e) => e.to_c(),
        },
        None => sys::EAGAIN.to_c(),
    }
}

unsafe extern "C" fn test_putback(page: *mut ffi::page) {
    // SAFETY: The VM calls `putback_page` with the page locked and referenced.
    if let Some(page) = unsafe { LockedPage::from_raw(page) } {
        let _rcu = sys::RcuReadGuard::new();
        if let Some(p) = MOVABLE_TEST_POOL.get() {
            p.putback(&page);
        }
    }
}

static TEST_MOVABLE_OPS: MovableOps = MovableOps(ffi::movable_operations {
    isolate_page: Some(test_isolate),
    migrate_page: Some(test_migrate),
    putback_page: Some(test_putback),
});

/// Runs `f` on a fresh pool whose pages are really movable (registered
/// with test callbacks), then frees it; false if it could not be set up.
pub(crate) fn with_movable_pool(f: impl FnOnce(&zbud::Pool)) -> bool {
    let pool = match zbud::Pool::new(1024, Some(&TEST_MOVABLE_OPS)).and_then(sys::try_box) {
        Ok(p) => p,
        Err(_) => return false,
    };
    if MOVABLE_TEST_POOL.set(pool).is_err() {
        return false;
    }
    if let Some(p) = MOVABLE_TEST_POOL.get() {
        f(p);
    }
    // SAFETY: `f` has returned, so the test holds no reference; callbacks
    // hold theirs under RCU, waited for below before the pool is freed.
    let pool = unsafe { MOVABLE_TEST_POOL.take() };
    sys::synchronize_rcu();
    drop(pool);
    true
}
