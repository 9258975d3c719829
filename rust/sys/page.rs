// SPDX-License-Identifier: GPL-2.0

//! Pages: owned pool pages and pages borrowed from the swap code.  Making
//! a page movable, and the pages the VM hands to the movable callbacks,
//! are in `movable.rs` (which builds on this file, never the reverse).
//!
//! C header: `include/linux/mm.h`, `include/linux/highmem.h`.

use core::ptr::NonNull;

use super::{Gfp, PAGE_SIZE};
use crate::sys::bindings as ffi;

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
    #[cfg(zrs_kunit)]
    pub(crate) fn as_page_ref(&mut self) -> PageRef<'_> {
        PageRef {
            ptr: self.ptr,
            _p: core::marker::PhantomData,
        }
    }

    /// Another reference to the page, without access to its contents (as
    /// the VM holds one on pages it migrates).
    #[cfg(zrs_kunit)]
    pub(crate) fn hold(&self) -> PageHold {
        // SAFETY: Valid page we hold a reference on; taking one more is fine.
        unsafe { ffi::zswap_rs_get_page(self.ptr.as_ptr()) };
        // INVARIANT: The new object owns the reference just taken.
        PageHold { ptr: self.ptr }
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

    /// Takes a new reference on `ptr` and makes it a [`Page`].
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid page that somebody holds a reference on for
    /// the call, whose contents nobody else accesses from now on (a
    /// migration target: see `movable::MigrationTarget::adopt`).
    pub(super) unsafe fn get_raw(ptr: NonNull<ffi::page>) -> Page {
        // SAFETY: Valid and referenced (caller): taking one more is fine.
        unsafe { ffi::zswap_rs_get_page(ptr.as_ptr()) };
        // INVARIANT: We own the reference just taken; the contents are
        // ours alone (caller).
        Page { ptr }
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
    #[cfg(zrs_kunit)]
    pub(crate) fn as_ptr(&self) -> *mut ffi::page {
        self.ptr.as_ptr()
    }
}

impl Drop for PageHold {
    fn drop(&mut self) {
        // SAFETY: We own one reference (invariant).
        unsafe { ffi::zswap_rs_put_page(self.ptr.as_ptr()) };
    }
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

    /// Base pages lent: 1, or 512 for the head page of a 2 MiB THP (a
    /// frontswap store of a huge page, see [`frontswap_stores_thp`]).
    pub(crate) fn nr_pages(&self) -> usize {
        // SAFETY: Valid page (`from_raw`); reads its flags and order only.
        unsafe { ffi::zswap_rs_page_nr(self.ptr.as_ptr()) as usize }
    }

    /// Base page `i` of those lent ([`PageRef::nr_pages`]), borrowed from
    /// this one (mutably: its contents must not be reachable through two
    /// `PageRef`s at once); the caller's lock and reference on the folio
    /// cover it.
    ///
    /// Panics if `i` is out of range.
    pub(crate) fn subpage(&mut self, i: usize) -> PageRef<'_> {
        assert!(i < self.nr_pages());
        // SAFETY: `i` is within the folio, whose pages are valid and
        // exclusively ours while `self` is (`from_raw`); the result
        // borrows `self` mutably, so it is the only access meanwhile and
        // cannot outlive it.
        unsafe {
            PageRef::from_raw(ffi::zswap_rs_nth_page(self.ptr.as_ptr(), i as u32))
                .expect("nth_page of a valid page is not NULL")
        }
    }
}

/// True if frontswap marks every slot of a THP that a backend stores
/// (patch 9 of our series, seen when the module was built): only then
/// may a store accept a compound page.
pub(crate) fn frontswap_stores_thp() -> bool {
    // SAFETY: Reads a constant.
    unsafe { ffi::zswap_rs_frontswap_stores_thp() }
}
