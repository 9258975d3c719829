// SPDX-License-Identifier: GPL-2.0

//! Swap-cache pages, for writing a stored page back to the swap device.
//!
//! C: `mm/swap_state.c`, `mm/page_io.c` (exported by patch 0004),
//! `frontswap_writeback_done` and `frontswap_invalidate_if_free` (patch
//! 0005).  Holding the locked swap-cache page of a swap entry excludes
//! every other store, load and invalidate of that entry (they all need
//! that page, and the slot cannot be freed while the page holds it):
//! writeback relies on this as zswap does.  Devices with synchronous I/O
//! (zram) are the exception - 6.1 swaps their pages in without the swap
//! cache - so [`lookup`] refuses them.

use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::sys::bindings as ffi;

/// The swap-cache page of a swap entry, as [`lookup`] found it.
pub(crate) enum Lookup {
    /// A new page, locked, in the swap cache, to be filled.
    New(NewSwapPage),
    /// A page was already there (being read, written or in use).
    Exists(ExistingSwapPage),
    /// The slot was free when we looked: the entry is dead (its release
    /// to the swap allocator is pending in a swap slot cache).  Only
    /// [`invalidate_if_free`] may drop it: nothing else excludes the slot
    /// being released and reused meanwhile.
    Gone,
    /// No memory, the entry is being swapped in, or a race with the slot
    /// changing hands: try later.
    Busy,
    /// The swap device does synchronous I/O (zram): its swap-ins bypass
    /// the swap cache, so no page we could lock would exclude them.
    SyncIo,
    /// The swap device is this module's own disk (`/dev/zswap_rs0`),
    /// which keeps what is written to it in the same pool: writing back
    /// there would free nothing.
    OwnDisk,
}

/// Finds or adds the swap-cache page of (`ty`, `offset`); may sleep.
/// Never waits for an entry that another task is swapping in (patch
/// 0004's `skip_if_exists`): safe to call from the shrinker.
pub(crate) fn lookup(ty: u32, offset: u64) -> Lookup {
    let mut page = core::ptr::null_mut();
    // SAFETY: `page` is valid for the out value; may sleep (callers:
    // writeback, in process context without spinlocks).
    let r = unsafe { ffi::zswap_rs_swapcache_get(ty, offset as _, &mut page) };
    match (r, NonNull::new(page)) {
        (r, Some(ptr)) if r == ffi::zswap_rs_swapcache_ZRS_SWAPCACHE_NEW as i32 => {
            // INVARIANT: New, locked, in the swap cache, referenced by us.
            Lookup::New(NewSwapPage {
                ptr,
                ty,
                offset,
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            })
        }
        (r, Some(ptr)) if r == ffi::zswap_rs_swapcache_ZRS_SWAPCACHE_EXISTS as i32 => {
            // INVARIANT: Referenced by us.
            Lookup::Exists(ExistingSwapPage { ptr, ty, offset })
        }
        (r, _) if r == ffi::zswap_rs_swapcache_ZRS_SWAPCACHE_GONE as i32 => Lookup::Gone,
        (r, _) if r == ffi::zswap_rs_swapcache_ZRS_SWAPCACHE_SYNC_IO as i32 => Lookup::SyncIo,
        (r, _) if r == ffi::zswap_rs_swapcache_ZRS_SWAPCACHE_OWN_DISK as i32 => Lookup::OwnDisk,
        _ => Lookup::Busy,
    }
}

/// Runs `f` with the current task's block I/O plugged
/// (`blk_start_plug`): the swap writes it submits are held back and sent
/// together when `f` returns (or earlier: when the task sleeps, or 32
/// requests are held), so writes to adjacent slots merge into one request,
/// as they do for vmscan's own swap-outs (`shrink_lruvec` plugs).  Nothing
/// waits on a held write without first flushing the plug: a task that
/// sleeps submits its plug.  Nests: inside another plug, `f` runs in that
/// one.  May sleep (it allocates the plug, `GFP_KERNEL`); if that fails,
/// `f` runs unplugged.
pub(crate) fn plugged<R>(f: impl FnOnce() -> R) -> R {
    // On the heap, not in this frame: if `f` panics (BUG: the task dies,
    // its stack is rewound, and `do_exit` still flushes `current->plug`
    // when it sleeps), the box is never freed and the plug stays valid.
    let plug = match super::try_box(super::Opaque::<ffi::blk_plug>::zeroed()) {
        Ok(p) => p,
        Err(_) => return f(),
    };
    // SAFETY: `plug` points to a zeroed `struct blk_plug`, which nothing
    // else uses.  `blk_start_plug` initialises it and installs it in the
    // current task, unless the task has a plug already (then it does
    // nothing and the zeroed plug is never read).  An installed plug must
    // stay valid, unmoved, while it is the task's: it is in a box that is
    // freed only after `blk_finish_plug` below took it out of the task,
    // and leaked if that never runs (a panic in `f`).
    unsafe { ffi::blk_start_plug(plug.get()) };
    let r = f();
    // SAFETY: On the task that started it (a task does not change while
    // it runs `f`; `f` cannot end the plug: safe code reaches
    // `blk_finish_plug` only here, balanced).  `blk_finish_plug` compares
    // the pointer with `current->plug` and, only if it is the task's
    // plug (installed above), flushes and removes it; a plug that was
    // not installed (nested) is not read.
    unsafe { ffi::blk_finish_plug(plug.get()) };
    r
}

/// How many references the swap entry (`ty`, `offset`) has: page-table
/// entries, a shmem slot, fork's copies (0: free, or no such entry).  A
/// snapshot: it changes as tasks map, fork and free.
pub(crate) fn swap_count(ty: u32, offset: u64) -> u32 {
    // SAFETY: `__swp_swapcount` validates the entry under a device
    // reference; it only reads.
    let n = unsafe { ffi::zswap_rs_swap_count(ty, offset as _) };
    n.max(0) as u32
}

/// True if the swap area of (`ty`, `offset`) is on this module's own disk
/// (`/dev/zswap_rs0`), which keeps whatever is written to it in the same
/// pool.  False for no such area.
pub(crate) fn on_own_disk(ty: u32, offset: u64) -> bool {
    // SAFETY: The helper validates the entry under a device reference
    // (`get_swap_device`) and only reads.
    unsafe { ffi::zswap_rs_swap_on_own_disk(ty, offset as _) }
}

/// If the slot of (`ty`, `offset`) is free (no reference and no
/// swap-cache page left), frontswap invalidates its page now, under the
/// swap device's lock that its release and every reuse of the slot take:
/// the backend's `invalidate_page` runs (from here, on this task) exactly
/// as on the release path.  True if the slot was free.  The caller must
/// not hold a lock that `invalidate_page` takes.  May sleep.
pub(crate) fn invalidate_if_free(ty: u32, offset: u64) -> bool {
    // SAFETY: The kernel validates (`ty`, `offset`) under a device
    // reference and decides under `si->lock`; no precondition is left to
    // the caller but the lock order above (a deadlock, not memory safety).
    unsafe { ffi::zswap_rs_invalidate_if_free(ty, offset as _) }
}

/// Whether frontswap's bit for (`ty`, `offset`) is set (`None`: no such
/// slot: the device is off or the offset out of range).  A snapshot, for
/// audits.
pub(crate) fn frontswap_has(ty: u32, offset: u64) -> Option<bool> {
    // SAFETY: The helper validates (`ty`, `offset`) under a device
    // reference; it only reads a bit.
    match unsafe { ffi::zswap_rs_frontswap_test(ty, offset as _) } {
        r if r < 0 => None,
        r => Some(r != 0),
    }
}

/// A page just added to the swap cache for an entry, locked by us and
/// not uptodate: nobody else reads or writes it until we unlock it.
/// Dropping it unfilled reads it as a swap-in would (from frontswap, else
/// the device): others may hold it already, waiting for its lock, and
/// must find it holding the entry's data (swapoff's `unuse_pte()` would
/// turn a page that is not uptodate into a swap-in error entry).
///
/// # Invariants
///
/// `ptr` is such a page for (`ty`, `offset`), and we own one reference.
pub(crate) struct NewSwapPage {
    ptr: NonNull<ffi::page>,
    ty: u32,
    offset: u64,
    /// Unique among all `NewSwapPage`s ever made: a [`Filled`] proof names
    /// it, so a proof kept from a dropped page cannot pass for another
    /// that reuses its `struct page`.
    id: u64,
}

/// The next [`NewSwapPage::id`] (64 bits: never wraps in practice).
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// Proof that a [`NewSwapPage`] was filled in full by one of its fill
/// methods ([`NewSwapPage::fill_words`], [`NewSwapPage::fill_with`]), which
/// are the only ways to make one; [`NewSwapPage::write`] consumes it.
///
/// # Invariants
///
/// Every byte of the page of the [`NewSwapPage`] whose `id` is `id` was
/// written by one of its fill methods.
pub(crate) struct Filled {
    id: u64,
}

impl NewSwapPage {
    /// Runs `f` on the contents, writable (the page is not uptodate: what
    /// `f` reads is stale memory, which it must not pass on).
    fn with_slice_mut<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        // SAFETY: Locked and not uptodate: ours alone (invariant), and
        // `&mut self` excludes other accesses here.
        let mut p = unsafe { super::page::PageRef::from_raw(self.ptr.as_ptr()) };
        match p.as_mut() {
            Some(p) => p.with_slice_mut(f),
            // Unreachable: `ptr` is not null.
            None => f(&mut []),
        }
    }

    /// Fills the whole page with the word `w` (a same-filled entry).
    pub(crate) fn fill_words(&mut self, w: u64) -> Filled {
        self.with_slice_mut(|d| {
            for c in d.chunks_exact_mut(8) {
                c.copy_from_slice(&w.to_ne_bytes());
            }
        });
        // INVARIANT: `PAGE_SIZE` is a multiple of 8: every byte written.
        Filled { id: self.id }
    }

    /// Fills the page with `f`, which writes the entry's data from the
    /// start of the page and returns how many bytes it wrote (a
    /// decompression), or an error.  The proof comes back only if `f`
    /// wrote the whole page; `Err(None)`: it wrote less.  The page is
    /// zeroed first, so that an `f` that claims more than it wrote passes
    /// on zeros, never stale memory.
    pub(crate) fn fill_with<E>(
        &mut self,
        f: impl FnOnce(&mut [u8]) -> core::result::Result<usize, E>,
    ) -> core::result::Result<Filled, Option<E>> {
        match self.with_slice_mut(|d| {
            d.fill(0);
            f(d)
        }) {
            // INVARIANT: Every byte written: zeroed, then `f`'s data (its
            // result is the length the decompressor produced).
            Ok(n) if n == super::PAGE_SIZE => Ok(Filled { id: self.id }),
            Ok(_) => Err(None),
            Err(e) => Err(Some(e)),
        }
    }

    /// The page holds the entry's data now (`filled` proves it was
    /// written in full): frontswap forgets the entry (its next swap-in
    /// reads the device), and the page is written to the swap device
    /// (unlocked once the write is submitted).  The returned reference
    /// lets the caller wait for the write.
    ///
    /// Panics if `filled` is the proof of another page (a bug).
    pub(crate) fn write(self, filled: Filled) -> WrittenPage {
        assert!(
            filled.id == self.id,
            "writing a swap-cache page with another page's proof of fill"
        );
        let p = self.ptr;
        let (ty, offset) = (self.ty, self.offset);
        core::mem::forget(self);
        // SAFETY: The page of (ty, offset) is locked by us (invariant):
        // no store, load or invalidate of the entry runs; we are the
        // registered backend (writeback runs only while registered).
        unsafe { ffi::zswap_rs_frontswap_writeback_done(ty, offset as _) };
        // SAFETY: Our locked, referenced swap-cache page, written in full
        // with the entry's data (`filled`); the helper marks it uptodate
        // and submits the write (which unlocks it); our reference moves
        // into the `WrittenPage`.
        unsafe { ffi::zswap_rs_swapcache_write(p.as_ptr()) };
        // INVARIANT: The reference we held.
        WrittenPage { ptr: p }
    }
}

impl Drop for NewSwapPage {
    fn drop(&mut self) {
        // SAFETY: Our locked, not uptodate swap-cache page (invariant):
        // `swap_readpage` reads it and unlocks it when done; then our
        // reference is dropped.  The caller holds no lock that a load
        // (our backend's, from `frontswap_load`) takes.
        unsafe { ffi::zswap_rs_swapcache_read_back(self.ptr.as_ptr()) };
    }
}

/// A page that writeback submitted to the swap device.
///
/// # Invariants
///
/// We own one reference to the page at `ptr`.
pub(crate) struct WrittenPage {
    ptr: NonNull<ffi::page>,
}

impl WrittenPage {
    /// Waits until the write has completed (may sleep).
    pub(crate) fn wait(self) {
        // SAFETY: Referenced (invariant); sleeping is allowed (caller).
        unsafe { ffi::zswap_rs_wait_on_page_writeback(self.ptr.as_ptr()) };
    }
}

impl Drop for WrittenPage {
    fn drop(&mut self) {
        // SAFETY: We own one reference (invariant).
        unsafe { ffi::zswap_rs_put_page(self.ptr.as_ptr()) };
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
    /// discarding it, and frontswap forgets the entry.
    pub(crate) fn take_over(self, drop_ours: impl FnOnce() -> bool) -> Handover {
        let p = self.ptr.as_ptr();
        // SAFETY: We hold a reference (invariant); sleeping is allowed
        // (caller's context).
        unsafe { ffi::zswap_rs_lock_page(p) };
        // SAFETY: Locked by us.
        let r = match unsafe { ffi::zswap_rs_swapcache_holds(p, self.ty, self.offset as _) } {
            0 if drop_ours() => {
                // SAFETY: Locked, in the swap cache, uptodate: dirtying it
                // makes reclaim write it to the device; with the page
                // locked no store, load or invalidate of the entry runs,
                // so frontswap may forget it.
                unsafe {
                    ffi::zswap_rs_set_page_dirty(p);
                    ffi::zswap_rs_frontswap_writeback_done(self.ty, self.offset as _);
                }
                Handover::Done
            }
            0 => Handover::NotOurs,
            1 => Handover::Unreadable,
            _ => Handover::NotOurs,
        };
        // SAFETY: Locked above by us.
        unsafe { ffi::zswap_rs_unlock_page(p) };
        r
    }
}

/// What [`ExistingSwapPage::take_over`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Handover {
    /// The page holds the data now; the backend's copy is gone.
    Done,
    /// The page is the entry's but does not hold its data (a read of it
    /// failed): the backend keeps its copy.
    Unreadable,
    /// The page is not the entry's any more (or `drop_ours` refused).
    NotOurs,
}

impl Drop for ExistingSwapPage {
    fn drop(&mut self) {
        // SAFETY: We own one reference (invariant).
        unsafe { ffi::zswap_rs_put_page(self.ptr.as_ptr()) };
    }
}
