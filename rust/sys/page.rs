// SPDX-License-Identifier: GPL-2.0

//! Pages: owned pool pages and pages borrowed from the swap code.
//!
//! C header: `include/linux/mm.h`, `include/linux/highmem.h`.

use core::ptr::NonNull;

use super::{Gfp, PAGE_SIZE};
use crate::ffi;

/// Maps `page` for the duration of `f` (`kmap_local_page`).
///
/// # Safety
///
/// `page` must be a valid page for the call, and the caller must guarantee
/// that nobody writes the page while `f` runs.
unsafe fn with_mapped<R>(page: NonNull<ffi::page>, f: impl FnOnce(&[u8]) -> R) -> R {
    // SAFETY: `page` is valid (caller); kmap_local_page() maps it.
    let addr = unsafe { ffi::zswap_rs_kmap_local_page(page.as_ptr()) };
    // SAFETY: The mapping covers PAGE_SIZE bytes, and nobody writes them
    // while `f` runs (caller).
    let r = f(unsafe { core::slice::from_raw_parts(addr.cast::<u8>(), PAGE_SIZE) });
    // SAFETY: `addr` is the most recent local mapping of this thread.
    unsafe { ffi::zswap_rs_kunmap_local(addr) };
    r
}

/// Maps `page` writable for the duration of `f`.
///
/// # Safety
///
/// `page` must be a valid page for the call, and nobody else may access
/// its contents while `f` runs.
unsafe fn with_mapped_mut<R>(page: NonNull<ffi::page>, f: impl FnOnce(&mut [u8]) -> R) -> R {
    // SAFETY: `page` is valid (caller).
    let addr = unsafe { ffi::zswap_rs_kmap_local_page(page.as_ptr()) };
    // SAFETY: The mapping covers PAGE_SIZE bytes and this is the only
    // access while `f` runs (caller).
    let r = f(unsafe { core::slice::from_raw_parts_mut(addr.cast::<u8>(), PAGE_SIZE) });
    // SAFETY: `addr` is the most recent local mapping of this thread.
    unsafe { ffi::zswap_rs_kunmap_local(addr) };
    r
}

/// A page the VM hands to a `movable_operations` callback, locked by the VM
/// for the duration of the call.
pub(crate) struct LockedPage<'a> {
    ptr: NonNull<ffi::page>,
    _p: core::marker::PhantomData<&'a ffi::page>,
}

impl<'a> LockedPage<'a> {
    /// Wraps a page passed to `isolate_page`, `migrate_page` or `putback_page`.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid page that the VM keeps locked (and holds a
    /// reference on) for `'a`.
    pub(crate) unsafe fn from_raw(ptr: *mut ffi::page) -> Option<LockedPage<'a>> {
        Some(LockedPage {
            ptr: NonNull::new(ptr)?,
            _p: core::marker::PhantomData,
        })
    }

    /// `page->private`.
    pub(crate) fn private(&self) -> usize {
        // SAFETY: Valid page (type invariant of `from_raw`).
        unsafe { ffi::zswap_rs_page_private(self.ptr.as_ptr()) as usize }
    }

    /// True if `page` is this page.
    pub(crate) fn is(&self, page: &Page) -> bool {
        self.ptr == page.ptr
    }

    /// Releases our reference on `page`, which should be this (VM-locked)
    /// page: clears its movable state first, so the VM no longer calls us.
    /// If it is another page (a bug), that page's own lock is tried
    /// instead; if that is busy the reference is leaked rather than a
    /// movable page freed behind the VM's back, and it is reported.
    pub(crate) fn release(&self, page: Page, movable: bool) {
        if !self.is(&page) {
            crate::zpr_err!("BUG: releasing a pool page that is not the locked one");
            if movable {
                if let Err(p) = page.try_release_movable() {
                    core::mem::forget(p);
                }
            }
            return;
        }
        if movable {
            // SAFETY: The page is locked by the VM and registered movable by us.
            unsafe { ffi::__ClearPageMovable(self.ptr.as_ptr()) };
        }
        drop(page);
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
    _p: core::marker::PhantomData<&'a mut ffi::page>,
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
    pub(crate) unsafe fn from_raw(ptr: *mut ffi::page) -> Option<MigrationTarget<'a>> {
        // INVARIANT: Guaranteed by the caller.
        Some(MigrationTarget {
            ptr: NonNull::new(ptr)?,
            _p: core::marker::PhantomData,
        })
    }

    /// The `struct page` pointer (identity only).
    pub(crate) fn as_ptr(&self) -> *mut ffi::page {
        self.ptr.as_ptr()
    }

    /// Takes a reference on the target and makes it one of ours: contents
    /// copied from `from`, `private` set to `private`, registered movable
    /// with `ops`.
    pub(crate) fn adopt(
        self,
        from: &Page,
        private: usize,
        ops: Option<&'static super::movable::MovableOps>,
    ) -> Page {
        // SAFETY: Valid page; the VM holds a reference, so taking another is fine.
        unsafe { ffi::zswap_rs_get_page(self.ptr.as_ptr()) };
        // INVARIANT: We now own one reference, and the contents are ours
        // alone: the VM does not touch them, and `self` (the only other
        // handle) is consumed.
        let mut p = Page { ptr: self.ptr };
        p.with_slice_mut(|d| from.with_slice(|s| d.copy_from_slice(s)));
        p.set_private(private);
        if let Some(ops) = ops {
            // SAFETY: The VM holds the page lock (invariant); `ops` is a
            // static table, suitably aligned.
            unsafe { ffi::__SetPageMovable(self.ptr.as_ptr(), ops.as_ptr()) };
        }
        p
    }
}

/// An order-0 page we hold one reference on.
///
/// # Invariants
///
/// `ptr` is a valid `struct page` on which this object owns one reference,
/// and its contents are only accessed through this object.
pub(crate) struct Page {
    ptr: NonNull<ffi::page>,
}

// SAFETY: A page reference may be dropped and used from any thread.
unsafe impl Send for Page {}
// SAFETY: `&Page` only allows reading the contents (`with_slice`).
unsafe impl Sync for Page {}

impl Page {
    /// Allocates a page.
    pub(crate) fn alloc(gfp: Gfp) -> Option<Page> {
        // SAFETY: `alloc_page` has no preconditions beyond a valid context for `gfp`.
        let ptr = NonNull::new(unsafe { ffi::zswap_rs_alloc_page(gfp.0) })?;
        // INVARIANT: A new page comes with one reference, now ours.
        Some(Page { ptr })
    }

    /// Allocates a page and registers it as movable with `ops` (if any).
    pub(crate) fn alloc_movable(
        gfp: Gfp,
        ops: Option<&'static super::movable::MovableOps>,
    ) -> Option<Page> {
        let p = Page::alloc(gfp)?;
        if let Some(ops) = ops {
            // SAFETY: A page we just allocated and hold a reference on;
            // `__SetPageMovable` wants its lock held.  Allocation contexts
            // here may sleep (`lock_page` does not, for a new page).
            unsafe {
                ffi::zswap_rs_lock_page(p.ptr.as_ptr());
                ffi::__SetPageMovable(p.ptr.as_ptr(), ops.as_ptr());
                ffi::zswap_rs_unlock_page(p.ptr.as_ptr());
            }
        }
        Some(p)
    }

    /// Drops our reference on a page registered movable, clearing its
    /// movable state under the page lock first (so the VM never calls
    /// `movable_operations` on a page we gave up).  Never sleeps: if the
    /// page lock is busy (the VM is isolating the page) the page is
    /// returned to try again later.
    pub(crate) fn try_release_movable(self) -> core::result::Result<(), Page> {
        // SAFETY: Valid page we hold a reference on.
        if !unsafe { ffi::zswap_rs_trylock_page(self.ptr.as_ptr()) } {
            return Err(self);
        }
        // SAFETY: We hold the page lock; the page is registered movable.
        unsafe {
            ffi::__ClearPageMovable(self.ptr.as_ptr());
            ffi::zswap_rs_unlock_page(self.ptr.as_ptr());
        }
        drop(self);
        Ok(())
    }

    /// Like [`Page::try_release_movable`], but waits for the page lock; may sleep.
    pub(crate) fn release_movable(self) {
        // SAFETY: Valid page we hold a reference on; sleeping is allowed
        // (caller's context, checked by `might_sleep` in `lock_page`).
        unsafe {
            ffi::zswap_rs_lock_page(self.ptr.as_ptr());
            ffi::__ClearPageMovable(self.ptr.as_ptr());
            ffi::zswap_rs_unlock_page(self.ptr.as_ptr());
        }
        drop(self);
    }

    /// The `struct page` pointer (for identity and movable-page calls).
    pub(crate) fn as_ptr(&self) -> *mut ffi::page {
        self.ptr.as_ptr()
    }

    /// Runs `f` on the contents.
    pub(crate) fn with_slice<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        // SAFETY: The page is valid (invariant); writers need `&mut self`.
        unsafe { with_mapped(self.ptr, f) }
    }

    /// Runs `f` on the contents, writable.
    pub(crate) fn with_slice_mut<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        // SAFETY: The page is valid and `&mut self` excludes other accesses.
        unsafe { with_mapped_mut(self.ptr, f) }
    }

    /// Lends the page as a [`PageRef`] (as frontswap lends its pages).
    pub(crate) fn as_page_ref(&mut self) -> PageRef<'_> {
        PageRef {
            ptr: self.ptr,
            _p: core::marker::PhantomData,
        }
    }

    /// Another reference to the page, without access to its contents (as
    /// the VM holds one on pages it migrates).
    pub(crate) fn hold(&self) -> PageHold {
        // SAFETY: Valid page we hold a reference on; taking one more is fine.
        unsafe { ffi::zswap_rs_get_page(self.ptr.as_ptr()) };
        // INVARIANT: The new object owns the reference just taken.
        PageHold { ptr: self.ptr }
    }

    /// Runs `f` with the page locked (`lock_page`), as the VM does around
    /// `movable_operations`; may sleep.
    pub(crate) fn with_locked<R>(&self, f: impl FnOnce(&LockedPage<'_>) -> R) -> R {
        lock_and(self.ptr, f)
    }

    /// Gives up this page as a migration target: runs `f` with it locked,
    /// as the VM does around `migrate_page`, then drops our reference
    /// (whoever adopted it took their own).  May sleep.
    pub(crate) fn migrate_into<R>(self, f: impl FnOnce(MigrationTarget<'_>) -> R) -> R {
        // SAFETY: We hold a reference; may sleep (callers' context).
        unsafe { ffi::zswap_rs_lock_page(self.ptr.as_ptr()) };
        // INVARIANT: Locked and referenced until we return; `self` was the
        // only accessor of the contents and is not used until dropped.
        let t = MigrationTarget {
            ptr: self.ptr,
            _p: core::marker::PhantomData,
        };
        let r = f(t);
        // SAFETY: Locked above, by this task.
        unsafe { ffi::zswap_rs_unlock_page(self.ptr.as_ptr()) };
        r
    }

    /// Allocates a compound page of order `order` (a stand-in for the head
    /// page of a THP in tests).
    #[cfg(zrs_kunit)]
    pub(crate) fn alloc_compound(gfp: Gfp, order: u32) -> Option<Page> {
        // SAFETY: No preconditions beyond a valid context for `gfp`.
        let ptr = NonNull::new(unsafe { ffi::zswap_rs_alloc_compound(gfp.0, order) })?;
        // INVARIANT: A new page comes with one reference, now ours; its
        // contents (all subpages) are accessed through this object only.
        Some(Page { ptr })
    }

    /// Stores `v` in `page->private`.
    pub(crate) fn set_private(&mut self, v: usize) {
        // SAFETY: The page is valid; `private` of a page we own is ours to set.
        unsafe { ffi::zswap_rs_set_page_private(self.ptr.as_ptr(), v as _) };
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        // SAFETY: We own one reference (invariant); `put_page` drops it and
        // frees the page if it was the last one.
        unsafe { ffi::zswap_rs_put_page(self.ptr.as_ptr()) };
    }
}

/// A reference on a page that gives no access to its contents (so it
/// cannot break the single-accessor invariant of [`Page`]).
///
/// # Invariants
///
/// `ptr` is a valid page on which this object owns one reference.
pub(crate) struct PageHold {
    ptr: NonNull<ffi::page>,
}

impl PageHold {
    /// The `struct page` pointer (identity only).
    pub(crate) fn as_ptr(&self) -> *mut ffi::page {
        self.ptr.as_ptr()
    }

    /// Runs `f` with the page locked (`lock_page`); may sleep.
    pub(crate) fn with_locked<R>(&self, f: impl FnOnce(&LockedPage<'_>) -> R) -> R {
        lock_and(self.ptr, f)
    }
}

impl Drop for PageHold {
    fn drop(&mut self) {
        // SAFETY: We own one reference (invariant).
        unsafe { ffi::zswap_rs_put_page(self.ptr.as_ptr()) };
    }
}

fn lock_and<R>(ptr: NonNull<ffi::page>, f: impl FnOnce(&LockedPage<'_>) -> R) -> R {
    // SAFETY: Callers hold a reference on the page; may sleep (callers'
    // context, checked by `might_sleep` in `lock_page`).
    unsafe { ffi::zswap_rs_lock_page(ptr.as_ptr()) };
    let lp = LockedPage {
        ptr,
        _p: core::marker::PhantomData,
    };
    let r = f(&lp);
    // SAFETY: Locked above, by this task.
    unsafe { ffi::zswap_rs_unlock_page(ptr.as_ptr()) };
    r
}

/// A page lent to us for one call (the swap-cache page of a frontswap
/// store or load; the caller holds it locked).
pub(crate) struct PageRef<'a> {
    ptr: NonNull<ffi::page>,
    _p: core::marker::PhantomData<&'a mut ffi::page>,
}

impl<'a> PageRef<'a> {
    /// Wraps a page handed to us by C.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid page for `'a` whose contents nobody else
    /// accesses during `'a` (frontswap: locked swap-cache page).
    pub(crate) unsafe fn from_raw(ptr: *mut ffi::page) -> Option<PageRef<'a>> {
        Some(PageRef {
            ptr: NonNull::new(ptr)?,
            _p: core::marker::PhantomData,
        })
    }

    /// Runs `f` on the contents.
    pub(crate) fn with_slice<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        // SAFETY: Valid and exclusively ours for `'a` (`from_raw`).
        unsafe { with_mapped(self.ptr, f) }
    }

    /// Runs `f` on the contents, writable.
    pub(crate) fn with_slice_mut<R>(&mut self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        // SAFETY: Valid and exclusively ours for `'a` (`from_raw`).
        unsafe { with_mapped_mut(self.ptr, f) }
    }

    /// The `struct page` (for wrappers in this layer).
    pub(super) fn as_ptr(&self) -> *mut ffi::page {
        self.ptr.as_ptr()
    }

    /// True if this is part of a compound page (a THP's head page: the
    /// caller lends us 2 MiB, not 4 KiB).
    pub(crate) fn is_compound(&self) -> bool {
        // SAFETY: Valid page (`from_raw`); reads its flags only.
        unsafe { ffi::zswap_rs_page_compound(self.ptr.as_ptr()) }
    }
}
