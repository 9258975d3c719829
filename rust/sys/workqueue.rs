// SPDX-License-Identifier: GPL-2.0

//! The reclaim worker (a static work item in `glue.c`; upstream's
//! `kernel::workqueue`).

use crate::sys::bindings as ffi;

/// Queues the reclaim worker (`glue.c`): a no-op unless a [`ReclaimWork`]
/// lives (and in the KUnit module).
pub(crate) fn reclaim_kick() {
    // SAFETY: No preconditions: glue.c queues only while a `ReclaimWork`
    // lives (its flag, checked under RCU); a queued item is not queued twice.
    unsafe { ffi::zswap_rs_reclaim_kick() }
}

/// The reclaim worker of the production module; dropping this cancels it
/// and waits for a running one.
#[cfg(not(zrs_kunit))]
pub(crate) struct ReclaimWork {
    _pin: super::module::TextPin,
}

#[cfg(not(zrs_kunit))]
impl ReclaimWork {
    /// The worker may run from now on (it is a static work item).
    pub(crate) fn new() -> ReclaimWork {
        // SAFETY: No preconditions; kicks queue the work from now on,
        // until `drop` disables them and cancels it.
        unsafe { ffi::zswap_rs_reclaim_enable() };
        ReclaimWork {
            _pin: super::module::TextPin::new(),
        }
    }
}

#[cfg(not(zrs_kunit))]
impl Drop for ReclaimWork {
    fn drop(&mut self) {
        // SAFETY: Sleepable (module exit); the owner drops this only after
        // nothing can queue the work any more.
        unsafe { ffi::zswap_rs_reclaim_cancel() }
    }
}
