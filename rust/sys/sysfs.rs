// SPDX-License-Identifier: GPL-2.0

//! The world-readable sysfs summary `/sys/kernel/mm/zswap_rs/` (RAII).
//!
//! C header: `include/linux/sysfs.h`, `include/linux/kobject.h`.  The
//! attribute table is C (`glue.c`); each `show` calls
//! `zswap_rs_summary_show` with an id.

use super::module::TextPin;
use core::ptr::NonNull;

use crate::sys::bindings as ffi;

/// The summary directory and its files; removed on drop.
///
/// # Invariants
///
/// `kobj` came from `zswap_rs_sysfs_create` and is owned by this object.
pub(crate) struct Summary {
    kobj: NonNull<ffi::kobject>,
    _pin: TextPin,
}

// SAFETY: The kobject may be released from any thread.
unsafe impl Send for Summary {}

impl Summary {
    /// Creates `/sys/kernel/mm/zswap_rs/`; `None` if that fails.
    pub(crate) fn create() -> Option<Summary> {
        // SAFETY: No preconditions.
        let k = unsafe { ffi::zswap_rs_sysfs_create() };
        // INVARIANT: Ours (NULL on error).
        NonNull::new(k).map(|kobj| Summary {
            kobj,
            _pin: TextPin::new(),
        })
    }
}

impl Drop for Summary {
    fn drop(&mut self) {
        // SAFETY: Ours (invariant); removal waits for running `show`s.
        unsafe { ffi::zswap_rs_sysfs_remove(self.kobj.as_ptr()) };
    }
}
