// SPDX-License-Identifier: GPL-2.0

//! Movable non-LRU pages: the [`Movable`] trait and its C table
//! (`struct movable_operations`, module-registrable in 6.1).
//!
//! C header: `include/linux/migrate.h`.  A page becomes movable with
//! `__SetPageMovable(page, ops)` ([`MovableOps::alloc`],
//! [`MigrationTarget::adopt`], both returning a [`MovablePage`]); from then
//! on the VM may call `isolate_page`, `migrate_page` and `putback_page` on
//! it, each with the page locked and referenced ([`LockedPage`]), until
//! `__ClearPageMovable`, which every way of giving up a [`MovablePage`]
//! does under the page lock ([`MovablePage::try_release`],
//! [`LockedPage::release`], its `Drop`).  A pool without a table holds
//! plain pages in the same type ([`MovablePage::plain`]).

use super::module::TextPin;
use core::cell::Cell;
use core::ffi::c_int;
use core::marker::PhantomData;
use core::ptr::NonNull;

use super::page::Page;
use super::rcu::{self, Guard};
use super::{Gfp, Result, EINVAL};
use crate::sys::bindings as ffi;

/// How the VM migrates (`enum migrate_mode`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum MigrateMode {
    /// Never blocks.
    Async,
    /// May block, but not on writeback.
    SyncLight,
    /// May block.
    Sync,
    /// The caller copies the contents itself (HMM); a pool page cannot
    /// move that way.
    SyncNoCopy,
}

impl MigrateMode {
    fn from_c(m: ffi::migrate_mode) -> MigrateMode {
        match m {
            ffi::migrate_mode_MIGRATE_ASYNC => MigrateMode::Async,
            ffi::migrate_mode_MIGRATE_SYNC_LIGHT => MigrateMode::SyncLight,
            ffi::migrate_mode_MIGRATE_SYNC_NO_COPY => MigrateMode::SyncNoCopy,
            _ => MigrateMode::Sync,
        }
    }
}

/// The owner of movable pages.  Each callback runs in a read-side section
/// of the module's SRCU domain (the [`Guard`] it receives, which only
/// `sys/` can make), so whoever retires the object the callbacks look up
/// waits them out ([`Published`](super::global::Published) does), even if
/// a callback slept.  Callbacks must not sleep all the same (the VM calls
/// them with the page lock held, some from atomic context); that is a rule
/// of the VM, not a condition of memory safety here.
pub(crate) trait Movable: 'static {
    /// The VM wants to migrate `page`; true if it may.
    fn isolate(g: &Guard, page: &LockedPage<'_>) -> bool;
    /// Moves the isolated `src` into `dst`.  `EAGAIN`: try again later.
    /// Must not fail after [`MigrationTarget::adopt`]: the trampoline
    /// reports such a failure as success, with a warning.
    fn migrate(
        g: &Guard,
        dst: MigrationTarget<'_>,
        src: &LockedPage<'_>,
        mode: MigrateMode,
    ) -> Result;
    /// The VM gives back an isolated page it did not migrate.
    fn putback(g: &Guard, page: &LockedPage<'_>);
}

/// A page the VM hands to a `movable_operations` callback, locked by the VM
/// for the duration of the call.
///
/// # Invariants
///
/// `ptr` is a valid page, locked and referenced by the VM (or, in tests,
/// by the code that made this object) for `'a`.
pub(crate) struct LockedPage<'a> {
    ptr: NonNull<ffi::page>,
    _p: PhantomData<&'a ffi::page>,
}

impl<'a> LockedPage<'a> {
    /// Wraps a page passed to `isolate_page`, `migrate_page` or `putback_page`.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid page that the VM keeps locked (and holds a
    /// reference on) for `'a`.
    pub(crate) unsafe fn from_raw(ptr: *mut ffi::page) -> Option<LockedPage<'a>> {
        // INVARIANT: Guaranteed by the caller.
        Some(LockedPage {
            ptr: NonNull::new(ptr)?,
            _p: PhantomData,
        })
    }

    /// `page->private`.
    pub(crate) fn private(&self) -> usize {
        // SAFETY: Valid page (invariant).
        unsafe { ffi::zswap_rs_page_private(self.ptr.as_ptr()) as usize }
    }

    /// True if `page` is this page.
    pub(crate) fn is(&self, page: &MovablePage) -> bool {
        self.ptr.as_ptr() == page.as_ptr()
    }

    /// Releases our reference on `page`, which should be this (locked)
    /// page: clears its movable state first if it has one, so the VM no
    /// longer calls us.  If it is another page (a bug), that page's own
    /// lock is tried instead; if that is busy the reference is leaked
    /// rather than a lock waited for inside the VM's callback, and it is
    /// reported.
    pub(crate) fn release(&self, page: MovablePage) {
        if !self.is(&page) {
            crate::pr_err!("BUG: releasing a pool page that is not the locked one");
            if let Err(p) = page.try_release() {
                core::mem::forget(p);
            }
            return;
        }
        // SAFETY: Locked (invariant); `__ClearPageMovable` wants the lock
        // and a page that is movable, which `PageMovable` tells.
        unsafe {
            if ffi::PageMovable(self.ptr.as_ptr()) {
                ffi::__ClearPageMovable(self.ptr.as_ptr());
            }
        }
        // No longer registered: its drop only drops our reference.
        drop(page);
    }
}

/// A page of ours that may be registered movable with a [`MovableOps`]
/// table: the VM may call that table's callbacks on it for as long as it
/// is.  Every way of giving it up clears the movable state under the page
/// lock first ([`MovablePage::try_release`], never sleeping;
/// [`LockedPage::release`] inside a callback; `Drop`, which may sleep for
/// the page lock), so the VM never calls us on a page we no longer hold.
///
/// # Invariants
///
/// If the page is registered movable, we registered it; its movable
/// state is changed only through this object (or, inside a callback, the
/// [`LockedPage`] that the VM locked it for), so it can be read without
/// the page lock ([`MovablePage::registered`]).
pub(crate) struct MovablePage {
    page: Page,
    /// The VM may call us through the page while it is registered movable
    /// with our table: module exit waits for every pool page to go
    /// (dropped after `Drop` cleared the state).  Plain pages hold one too
    /// (a pool without a table: the KUnit module): it costs nothing.
    _pin: TextPin,
}

impl MovablePage {
    /// A page never registered movable (a pool without a table).
    pub(crate) fn plain(page: Page) -> MovablePage {
        // INVARIANT: Not registered (by anyone: a page we own outright).
        MovablePage {
            page,
            _pin: TextPin::new(),
        }
    }

    /// True if the page is registered movable (`PageMovable`).
    fn registered(&self) -> bool {
        // SAFETY: Valid page we hold a reference on; its `mapping` changes
        // only through us (invariant), so reading it unlocked is exact.
        unsafe { ffi::zswap_rs_page_movable_registered(self.as_ptr()) }
    }

    /// The `struct page` pointer (for identity).
    pub(crate) fn as_ptr(&self) -> *mut ffi::page {
        self.page.as_ptr()
    }

    /// Runs `f` on the contents.
    pub(crate) fn with_slice<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        self.page.with_slice(f)
    }

    /// Runs `f` on the contents, writable.
    pub(crate) fn with_slice_mut<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        self.page.with_slice_mut(f)
    }

    /// Stores `v` in `page->private`.
    pub(crate) fn set_private(&mut self, v: usize) {
        self.page.set_private(v)
    }

    /// Another reference to the page, without access to its contents.
    #[cfg(zrs_kunit)]
    pub(crate) fn hold(&self) -> super::page::PageHold {
        self.page.hold()
    }

    /// Drops our reference, clearing the movable state under the page
    /// lock first if the page has one.  Never sleeps: if the page lock is
    /// busy (the VM is isolating the page) the page comes back, to try
    /// again later.
    pub(crate) fn try_release(self) -> core::result::Result<(), MovablePage> {
        if !self.registered() {
            return Ok(());
        }
        // SAFETY: Valid page we hold a reference on.
        if !unsafe { ffi::zswap_rs_trylock_page(self.as_ptr()) } {
            return Err(self);
        }
        // SAFETY: We hold the page lock; the page is registered movable
        // (checked above; only we change that).
        unsafe {
            ffi::__ClearPageMovable(self.as_ptr());
            ffi::zswap_rs_unlock_page(self.as_ptr());
        }
        // No longer registered: its drop only drops our reference.
        Ok(())
    }

    /// Like [`MovablePage::try_release`], but waits for the page lock; may
    /// sleep (as dropping does).
    pub(crate) fn release(self) {
        drop(self)
    }
}

impl Drop for MovablePage {
    /// Clears the movable state under the page lock, waiting for it (may
    /// sleep: where that is not allowed, give the page up with
    /// [`MovablePage::try_release`] or [`LockedPage::release`]); then the
    /// `Page` field drops our reference.
    fn drop(&mut self) {
        if !self.registered() {
            return;
        }
        let p = self.as_ptr();
        // SAFETY: Valid page we hold a reference on, registered movable by
        // us (checked above; only we change that).  `lock_page` may sleep
        // (documented; `might_sleep` checks it on debug kernels).  Code
        // holding this page's lock (the VM's callbacks) gives it up
        // through `LockedPage::release`, which clears the movable state
        // first, so this never waits for a lock its own task holds.
        unsafe {
            ffi::zswap_rs_lock_page(p);
            ffi::__ClearPageMovable(p);
            ffi::zswap_rs_unlock_page(p);
        }
    }
}

/// The new page of a migration (`migrate_page`'s `dst`): freshly allocated
/// by the VM, locked and referenced by it for the call, its contents
/// accessed by nobody else.  The only way to make such a page one of ours
/// is [`MigrationTarget::adopt`], which consumes the target.
///
/// # Invariants
///
/// `ptr` is a valid page locked and referenced by the caller for `'a`,
/// whose contents nobody else reads or writes during `'a`.
pub(crate) struct MigrationTarget<'a> {
    ptr: NonNull<ffi::page>,
    /// Set by [`MigrationTarget::adopt`]: the trampoline then reports
    /// success whatever the callback returns (see `VTable::migrate`).
    adopted: &'a Cell<bool>,
    _p: PhantomData<&'a mut ffi::page>,
}

impl<'a> MigrationTarget<'a> {
    /// Wraps the `dst` page of `migrate_page`.
    ///
    /// # Safety
    ///
    /// `ptr` must be a page the VM allocated as a migration target and
    /// keeps locked and referenced for `'a`; nobody else may access its
    /// contents during `'a`, and no other `MigrationTarget` or [`Page`] may
    /// be made from it.
    pub(crate) unsafe fn from_raw(
        ptr: *mut ffi::page,
        adopted: &'a Cell<bool>,
    ) -> Option<MigrationTarget<'a>> {
        // INVARIANT: Guaranteed by the caller.
        Some(MigrationTarget {
            ptr: NonNull::new(ptr)?,
            adopted,
            _p: PhantomData,
        })
    }

    /// The `struct page` pointer (identity only).
    #[cfg(zrs_kunit)]
    pub(crate) fn as_ptr(&self) -> *mut ffi::page {
        self.ptr.as_ptr()
    }

    /// Takes a reference on the target and makes it one of ours: contents
    /// copied from `from`, `private` set to `private`, registered movable
    /// with `ops` (if the pool has a table).
    pub(crate) fn adopt(
        self,
        from: &MovablePage,
        private: usize,
        ops: Option<&'static MovableOps>,
    ) -> MovablePage {
        // SAFETY: Valid and referenced by the VM (invariant); its contents
        // are ours alone from now on: the VM does not touch them, and
        // `self` (the only other handle) is consumed.
        let mut p = unsafe { Page::get_raw(self.ptr) };
        self.adopted.set(true);
        p.with_slice_mut(|d| from.with_slice(|s| d.copy_from_slice(s)));
        p.set_private(private);
        if let Some(ops) = ops {
            // SAFETY: The VM holds the page lock (invariant); `ops` is a
            // static table, suitably aligned.
            unsafe { ffi::__SetPageMovable(self.ptr.as_ptr(), ops.as_ptr()) };
        }
        // INVARIANT: Registered (if at all) by us, just above; the VM
        // hands the new page over and does not change its movable state.
        MovablePage {
            page: p,
            _pin: TextPin::new(),
        }
    }
}

/// A `struct movable_operations` table, as pages are registered with it.
#[repr(transparent)]
pub(crate) struct MovableOps(ffi::movable_operations);

impl MovableOps {
    /// The C table.
    pub(crate) fn as_ptr(&'static self) -> *const ffi::movable_operations {
        &self.0
    }

    /// The table whose callbacks call `T`.
    pub(crate) const fn of<T: Movable>() -> &'static MovableOps {
        VTable::<T>::build()
    }

    /// Allocates a page and registers it as movable with this table.
    pub(crate) fn alloc(&'static self, gfp: Gfp) -> Option<MovablePage> {
        let p = Page::alloc(gfp)?;
        // SAFETY: A page we just allocated and hold a reference on;
        // `__SetPageMovable` wants its lock held.  Allocation contexts here
        // may sleep (`lock_page` does not, for a new page).
        unsafe {
            ffi::zswap_rs_lock_page(p.as_ptr());
            ffi::__SetPageMovable(p.as_ptr(), self.as_ptr());
            ffi::zswap_rs_unlock_page(p.as_ptr());
        }
        // INVARIANT: Registered by us, just above.
        Some(MovablePage {
            page: p,
            _pin: TextPin::new(),
        })
    }
}

/// Test helpers: what the VM does around the callbacks.
#[cfg(zrs_kunit)]
impl Page {
    /// Runs `f` with the page locked (`lock_page`), as the VM does around
    /// `movable_operations`; may sleep.
    pub(crate) fn with_locked<R>(&self, f: impl FnOnce(&LockedPage<'_>) -> R) -> R {
        lock_and(self.as_ptr(), f)
    }

    /// Gives up this page as a migration target: runs `f` with it locked,
    /// as the VM does around `migrate_page`, then drops our reference
    /// (whoever adopted it took their own).  May sleep.
    pub(crate) fn migrate_into<R>(self, f: impl FnOnce(MigrationTarget<'_>) -> R) -> R {
        let ptr = self.as_ptr();
        // SAFETY: We hold a reference; may sleep (callers' context).
        unsafe { ffi::zswap_rs_lock_page(ptr) };
        let adopted = Cell::new(false);
        // SAFETY: Locked and referenced until we return; `self` was the
        // only accessor of the contents and is not used until dropped.
        let t = unsafe { MigrationTarget::from_raw(ptr, &adopted) };
        let r = f(t.expect("a page we hold is not NULL"));
        // SAFETY: Locked above, by this task.
        unsafe { ffi::zswap_rs_unlock_page(ptr) };
        r
    }
}

#[cfg(zrs_kunit)]
impl super::page::PageHold {
    /// Runs `f` with the page locked (`lock_page`); may sleep.
    pub(crate) fn with_locked<R>(&self, f: impl FnOnce(&LockedPage<'_>) -> R) -> R {
        lock_and(self.as_ptr(), f)
    }
}

/// Runs `f` with `ptr` locked, as the VM does around a callback.
#[cfg(zrs_kunit)]
fn lock_and<R>(ptr: *mut ffi::page, f: impl FnOnce(&LockedPage<'_>) -> R) -> R {
    // SAFETY: Callers hold a reference on the page; may sleep (callers'
    // context, checked by `might_sleep` in `lock_page`).
    unsafe { ffi::zswap_rs_lock_page(ptr) };
    // SAFETY: Locked (above) and referenced (callers) until we return.
    let lp = unsafe { LockedPage::from_raw(ptr) };
    let r = f(&lp.expect("a page we hold is not NULL"));
    // SAFETY: Locked above, by this task.
    unsafe { ffi::zswap_rs_unlock_page(ptr) };
    r
}

struct VTable<T: Movable>(PhantomData<T>);

impl<T: Movable> VTable<T> {
    /// # Safety
    ///
    /// Called by the VM only, for a page registered with this table, which
    /// it holds locked and referenced for the call.
    unsafe extern "C" fn isolate(page: *mut ffi::page, _mode: ffi::isolate_mode_t) -> bool {
        // SAFETY: Locked and referenced by the VM for the call.
        let page = match unsafe { LockedPage::from_raw(page) } {
            Some(p) => p,
            None => return false,
        };
        rcu::read(|g| T::isolate(g, &page))
    }

    /// # Safety
    ///
    /// Called by the VM only: `src` a page registered with this table that
    /// `isolate` accepted, `dst` the new page it allocated for this
    /// migration; both locked and referenced for the call.
    unsafe extern "C" fn migrate(
        dst: *mut ffi::page,
        src: *mut ffi::page,
        mode: ffi::migrate_mode,
    ) -> c_int {
        let adopted = Cell::new(false);
        // SAFETY: Both locked and referenced by the VM; `dst` is its fresh
        // migration target, which nobody else accesses.
        let pages = unsafe {
            (
                MigrationTarget::from_raw(dst, &adopted),
                LockedPage::from_raw(src),
            )
        };
        let (dst, src) = match pages {
            (Some(d), Some(s)) => (d, s),
            _ => return EINVAL.to_c(),
        };
        match rcu::read(|g| T::migrate(g, dst, &src, MigrateMode::from_c(mode))) {
            Ok(()) => ffi::MIGRATEPAGE_SUCCESS as c_int,
            // An adopted target is ours: a failure would make the VM put
            // it back on its free list (compaction does, whatever its
            // references) while we use it.  Success is the answer that
            // keeps memory sound (at worst the source page leaks); the
            // callback broke its contract, which is reported.
            Err(e) if adopted.get() => {
                super::warn(format_args!(
                    "migrate failed (error {}) after adopting its target; reported as done",
                    e.0
                ));
                ffi::MIGRATEPAGE_SUCCESS as c_int
            }
            Err(e) => e.to_c(),
        }
    }

    /// # Safety
    ///
    /// Called by the VM only, for a page `isolate` accepted, locked and
    /// referenced for the call.
    unsafe extern "C" fn putback(page: *mut ffi::page) {
        // SAFETY: Locked and referenced by the VM for the call.
        if let Some(page) = unsafe { LockedPage::from_raw(page) } {
            rcu::read(|g| T::putback(g, &page));
        }
    }

    const OPS: MovableOps = MovableOps(ffi::movable_operations {
        isolate_page: Some(Self::isolate),
        migrate_page: Some(Self::migrate),
        putback_page: Some(Self::putback),
    });

    const fn build() -> &'static MovableOps {
        &Self::OPS
    }
}
