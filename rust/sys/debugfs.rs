// SPDX-License-Identifier: GPL-2.0

//! debugfs directories (RAII).
//!
//! C header: `include/linux/debugfs.h`.  The file operations are C
//! attribute tables in `glue.c` (`DEFINE_DEBUGFS_ATTRIBUTE`, whose reads
//! hold a reference that removal waits for), each calling a Rust entry
//! point with an id.

use super::module::TextPin;
use core::ptr::NonNull;

use crate::sys::bindings as ffi;

/// A debugfs directory; removed with everything in it on drop.
///
/// # Invariants
///
/// `dentry` was returned by `debugfs_create_dir` and is owned by this object.
pub(crate) struct Dir {
    dentry: NonNull<ffi::dentry>,
    _pin: TextPin,
}

// SAFETY: The dentry may be removed from any thread.
unsafe impl Send for Dir {}

impl Dir {
    /// Creates `/sys/kernel/debug/<name>`; `None` when debugfs is not
    /// available (not built in, locked down) or the name is taken.
    pub(crate) fn create(name: &'static [u8]) -> Option<Dir> {
        if name.last() != Some(&0) {
            return None;
        }
        // SAFETY: `name` is NUL-terminated; debugfs copies it.
        let d = unsafe { ffi::zswap_rs_debugfs_dir(name.as_ptr().cast()) };
        // INVARIANT: A directory we created (NULL on error).
        NonNull::new(d).map(|dentry| Dir {
            dentry,
            _pin: TextPin::new(),
        })
    }

    /// A read-only file `name` (NUL-terminated) showing statistic `id`
    /// (read through `zswap_rs_stat_get`).
    pub(crate) fn stat_file(&self, name: &'static [u8], id: u32) {
        if name.last() != Some(&0) {
            return;
        }
        // SAFETY: Our directory (invariant); `name` is NUL-terminated.
        unsafe { ffi::zswap_rs_debugfs_stat(self.dentry.as_ptr(), name.as_ptr().cast(), id) };
    }

    /// The fault-injection attributes of loads (`fail_load/`), on kernels
    /// with `CONFIG_FAULT_INJECTION_DEBUG_FS`.
    pub(crate) fn fault_attrs(&self) {
        // SAFETY: Our directory (invariant).
        unsafe { ffi::zswap_rs_debugfs_fault(self.dentry.as_ptr()) };
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: Ours (invariant); waits for running reads of its files.
        unsafe { ffi::zswap_rs_debugfs_remove(self.dentry.as_ptr()) };
    }
}
