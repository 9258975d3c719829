// SPDX-License-Identifier: GPL-2.0

//! Swap-cache pages, for writing a stored page back to the swap device.
//!
//! C: `mm/swap_state.c`, `mm/page_io.c` (exported by patch 0004) and
//! `frontswap_writeback_done` (patch 0005).  Holding the locked swap-cache
//! page of a swap entry excludes every other store, load and invalidate of
//! that entry (they all need that page, and the slot cannot be freed while
//! the page holds it): writeback relies on this as zswap does.

use core::ptr::NonNull;

use crate::ffi;

/// The swap-cache page of a swap entry, as [`lookup`] found it.
pub(crate) enum Lookup {
    /// A new page, locked, in the swap cache, to be filled.
    New(NewSwapPage),
    /// A page was already there (being read, written or in use).
    Exists(ExistingSwapPage),
    /// The slot is free: the entry is dead (its release to the swap
    /// allocator is pending in a swap slot cache); see [`forget_dead`].
    Gone,
    /// No memory, or a race with the slot changing hands: try later.
    Busy,
}

/// Finds or adds the swap-cache page of (`ty`, `offset`); may sleep.
pub(crate) fn lookup(ty: u32, offset: u64) -> Lookup {
    let mut page = core::ptr::null_mut();
    // SAFETY: `page` is valid for the out value; may sleep (callers:
    // writeback, in process context without spinlocks).
    let r = unsafe { ffi::zswap_rs_swapcache_get(ty, offset as _, &mut page) };
    match (r, NonNull::new(page)) {
        (r, Some(ptr)) if r == ffi::zswap_rs_swapcache_ZRS_SWAPCACHE_NEW as i32 => {
            // INVARIANT: New, locked, in the swap cache, referenced by us.
            Lookup::New(NewSwapPage { ptr, ty, offset })
        }
        (r, Some(ptr)) if r == ffi::zswap_rs_swapcache_ZRS_SWAPCACHE_EXISTS as i32 => {
            // INVARIANT: Referenced by us.
            Lookup::Exists(ExistingSwapPage { ptr, ty, offset })
        }
        (r, _) if r == ffi::zswap_rs_swapcache_ZRS_SWAPCACHE_GONE as i32 => Lookup::Gone,
        _ => Lookup::Busy,
    }
}

/// Frontswap forgets the entry of a slot that [`lookup`] found free (its
/// count is 0: it can no longer be stored to or loaded from; its deferred
/// release would invalidate it, which then finds nothing, and frontswap
/// counts the page out exactly once either way: patch 0005).
pub(crate) fn forget_dead(ty: u32, offset: u64) {
    // SAFETY: The slot is free (caller: `lookup` answered `Gone`); we are
    // the registered backend (writeback runs only while registered).
    unsafe { ffi::zswap_rs_frontswap_writeback_done(ty, offset as _) };
}

/// A page just added to the swap cache for an entry, locked by us and
/// not uptodate: nobody else reads or writes it until we unlock it.
/// Dropping it takes it out of the swap cache again.
///
/// # Invariants
///
/// `ptr` is such a page for (`ty`, `offset`), and we own one reference.
pub(crate) struct NewSwapPage {
    ptr: NonNull<ffi::page>,
    ty: u32,
    offset: u64,
}

impl NewSwapPage {
    /// Runs `f` on the contents, writable.
    pub(crate) fn with_slice_mut<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        // SAFETY: Locked and not uptodate: ours alone (invariant), and
        // `&mut self` excludes other accesses here.
        let mut p = unsafe { super::page::PageRef::from_raw(self.ptr.as_ptr()) };
        match p.as_mut() {
            Some(p) => p.with_slice_mut(f),
            // Unreachable: `ptr` is not null.
            None => f(&mut []),
        }
    }

    /// The page holds the entry's data now: frontswap forgets the entry
    /// (its next swap-in reads the device), and the page is written to the
    /// swap device (unlocked once the write is submitted).
    pub(crate) fn write(self) {
        let p = self.ptr.as_ptr();
        let (ty, offset) = (self.ty, self.offset);
        core::mem::forget(self);
        // SAFETY: The page of (ty, offset) is locked by us (invariant):
        // no store, load or invalidate of the entry runs; we are the
        // registered backend (writeback runs only while registered).
        unsafe { ffi::zswap_rs_frontswap_writeback_done(ty, offset as _) };
        // SAFETY: Our locked, referenced swap-cache page with the entry's
        // data; the helper marks it uptodate, submits the write (which
        // unlocks it) and drops our reference.
        unsafe { ffi::zswap_rs_swapcache_write(p) };
    }
}

impl Drop for NewSwapPage {
    fn drop(&mut self) {
        // SAFETY: Our locked swap-cache page (invariant): taken out of the
        // swap cache, unlocked, reference dropped.
        unsafe { ffi::zswap_rs_swapcache_discard(self.ptr.as_ptr()) };
    }
}

/// A page that was in the swap cache for an entry when we looked.
///
/// # Invariants
///
/// `ptr` is a page we own one reference on.
pub(crate) struct ExistingSwapPage {
    ptr: NonNull<ffi::page>,
    ty: u32,
    offset: u64,
}

impl ExistingSwapPage {
    /// Waits for the page lock (may sleep).  If the page still is the
    /// entry's and holds its data, runs `drop_ours` (which must drop the
    /// backend's copy and return true, or return false to keep it); then
    /// the page is marked dirty, so that reclaim writes it out instead of
    /// discarding it, and frontswap forgets the entry.  True if handed over.
    pub(crate) fn take_over(self, drop_ours: impl FnOnce() -> bool) -> bool {
        let p = self.ptr.as_ptr();
        // SAFETY: We hold a reference (invariant); sleeping is allowed
        // (caller's context).
        unsafe { ffi::zswap_rs_lock_page(p) };
        // SAFETY: Locked by us.
        let holds = unsafe { ffi::zswap_rs_swapcache_holds(p, self.ty, self.offset as _) };
        let done = holds && drop_ours();
        if done {
            // SAFETY: Locked, in the swap cache, uptodate: dirtying it
            // makes reclaim write it to the device; with the page locked
            // no store, load or invalidate of the entry runs, so
            // frontswap may forget it.
            unsafe {
                ffi::zswap_rs_set_page_dirty(p);
                ffi::zswap_rs_frontswap_writeback_done(self.ty, self.offset as _);
            }
        }
        // SAFETY: Locked above by us.
        unsafe { ffi::zswap_rs_unlock_page(p) };
        done
    }
}

impl Drop for ExistingSwapPage {
    fn drop(&mut self) {
        // SAFETY: We own one reference (invariant).
        unsafe { ffi::zswap_rs_put_page(self.ptr.as_ptr()) };
    }
}
