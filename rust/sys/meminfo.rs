// SPDX-License-Identifier: GPL-2.0

//! `/proc/meminfo` `Zswap:` and `Zswapped:` (RAII, patch 7).
//!
//! While a [`Source`] lives, meminfo asks `zswap_rs_meminfo` (the crate
//! root) for the two totals, under `rcu_read_lock()`; dropping it waits
//! for an RCU grace period, after which no such call runs.

use super::module::TextPin;
use crate::sys::bindings as ffi;

/// The registered meminfo source; unregistered on drop.
pub(crate) struct Source {
    _pin: TextPin,
}

impl Source {
    /// Makes meminfo report zswap_rs's pool.
    pub(crate) fn register() -> Source {
        // SAFETY: Points meminfo at glue.c's static source, whose `read`
        // calls `zswap_rs_meminfo`; undone by `drop`.
        unsafe { ffi::zswap_rs_meminfo_set(true) };
        Source {
            _pin: TextPin::new(),
        }
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        // SAFETY: Clears the source and waits for readers to finish.
        unsafe { ffi::zswap_rs_meminfo_set(false) };
    }
}
