// SPDX-License-Identifier: GPL-2.0

//! Test hooks of the production code: faults a test can inject and race
//! windows it can hold open.  Both are declared once in `glue.h`, as
//! X-macro lists (`ZSWAP_RS_FAULTS`, `ZSWAP_RS_RACE_POINTS`), which give
//! the C enums, the debugfs files (`fail_<name>`, `race_delay`) and,
//! through bindgen, the ids of [`Fault`] and [`RaceWindow`].  Both are
//! live only on kernels with `CONFIG_FAULT_INJECTION_DEBUG_FS`, no-ops
//! elsewhere and in the KUnit module.

use crate::sys::bindings as ffi;

/// A fault a test can inject (`glue.h`, `ZSWAP_RS_FAULTS`; the file
/// `fail_<name>` of the module's debugfs directory, with the standard
/// fault attributes).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub(crate) enum Fault {
    /// A load fails, as a decompression failure would (`fail_load`).
    Load = ffi::zswap_rs_fault_ZRS_FAULT_LOAD as u32,
    /// A store's pool allocation fails (`fail_alloc`).
    Alloc = ffi::zswap_rs_fault_ZRS_FAULT_ALLOC as u32,
    /// A store's cgroup charge record fails (`fail_charge`).
    Charge = ffi::zswap_rs_fault_ZRS_FAULT_CHARGE as u32,
    /// A store's index insertion fails (`fail_index`).
    Index = ffi::zswap_rs_fault_ZRS_FAULT_INDEX as u32,
    /// Writeback fails to fill its page, as if the object could not be
    /// decompressed (`fail_writeback`).
    Writeback = ffi::zswap_rs_fault_ZRS_FAULT_WRITEBACK as u32,
    /// An invalidate keeps its entry, as a lost invalidate would
    /// (`fail_invalidate`; test-only: it makes an orphan entry).
    Invalidate = ffi::zswap_rs_fault_ZRS_FAULT_INVALIDATE as u32,
}

const _: () = assert!(ffi::zswap_rs_fault_ZRS_FAULT_NR as usize == 6);

/// True if fault injection asks this operation to fail with fault `f`.
/// Never sleeps.
pub(crate) fn inject(f: Fault) -> bool {
    // SAFETY: The id is in range (enum); no other preconditions.
    unsafe { ffi::zswap_rs_should_fail(f as u32) }
}

/// A race window that a test can hold open (`glue.h`,
/// `ZSWAP_RS_RACE_POINTS`; the `race_delay` file of the module's debugfs
/// directory where the kernel has `CONFIG_FAULT_INJECTION_DEBUG_FS`, a
/// no-op elsewhere).  An armed window sleeps: call it only where the
/// caller may sleep.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub(crate) enum RaceWindow {
    /// Writeback, between the index lookup and the swap-cache lookup.
    WritebackLookup = ffi::zswap_rs_race_point_ZRS_RACE_WRITEBACK_LOOKUP as u32,
    /// Writeback, the slot was found free, before it is dealt with.
    WritebackFreeSlot = ffi::zswap_rs_race_point_ZRS_RACE_WRITEBACK_FREE_SLOT as u32,
    /// Writeback, page locked and filled, before the entry is erased.
    WritebackErase = ffi::zswap_rs_race_point_ZRS_RACE_WRITEBACK_ERASE as u32,
    /// Writeback, a new swap-cache page it could not fill, before it lets
    /// the page go.
    WritebackGiveUp = ffi::zswap_rs_race_point_ZRS_RACE_WRITEBACK_GIVE_UP as u32,
    /// Store, entry published, before it is charged.
    StorePublish = ffi::zswap_rs_race_point_ZRS_RACE_STORE_PUBLISH as u32,
    /// Store, before a failed store is undone.
    StoreUndo = ffi::zswap_rs_race_point_ZRS_RACE_STORE_UNDO as u32,
    /// Load, between the index lookup and reading the object.
    LoadLookup = ffi::zswap_rs_race_point_ZRS_RACE_LOAD_LOOKUP as u32,
    /// Unload, stores refused, before the index is scanned.
    UnloadScan = ffi::zswap_rs_race_point_ZRS_RACE_UNLOAD_SCAN as u32,
}

const _: () = assert!(ffi::zswap_rs_race_point_ZRS_RACE_NR as usize == 8);

/// Stretches window `w` if a test asked to (debug kernels only).
pub(crate) fn race_window(w: RaceWindow) {
    // SAFETY: The id is in range (enum); every call site may sleep (see
    // [`RaceWindow`]; `might_sleep` checks it on debug kernels).
    unsafe { ffi::zswap_rs_race_window(w as u32) };
}
