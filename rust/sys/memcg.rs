// SPDX-License-Identifier: GPL-2.0

//! Memory cgroup accounting of stored pages, the way zswap 6.1 does it
//! (helpers exported by patch 6): a store asks whether the page's cgroup
//! is under `memory.zswap.max`, then charges the compressed size to it
//! (`memory.zswap.current`, `memory.stat` `zswap`/`zswapped`) and counts
//! `zswpout`; a load counts `zswpin`; freeing the entry uncharges.
//!
//! Which cgroup a stored page is charged to is kept in [`Charges`], one
//! XArray per swap area keyed by swap offset, next to the index (whose
//! value entries cannot carry a pointer).  Pages outside any cgroup (the
//! root, or no memory controller) have no record and cost nothing.

use alloc::boxed::Box;
use core::pin::Pin;
use core::ptr::NonNull;

use super::page::PageRef;
use super::xarray::{boxed_with_xarray, RawXArray};
use super::{Gfp, Result};
use crate::sys::bindings as ffi;

/// A reference to the object cgroup of a page (`struct obj_cgroup`).
///
/// # Invariants
///
/// `ptr` is a valid `obj_cgroup` on which this value owns one reference.
pub(crate) struct ObjCgroup {
    ptr: NonNull<ffi::obj_cgroup>,
}

// SAFETY: A reference count may be dropped on any CPU (`obj_cgroup_put`
// is safe in any context).
unsafe impl Send for ObjCgroup {}

impl ObjCgroup {
    /// The cgroup `page` is charged to; `None` for the root cgroup or when
    /// kernel memory accounting is off (no cgroup was ever created).
    pub(crate) fn of_page(page: &PageRef<'_>) -> Option<ObjCgroup> {
        // SAFETY: `page` is a valid page for the call (`PageRef`);
        // `get_obj_cgroup_from_page` returns a new reference or NULL.
        let ptr = NonNull::new(unsafe { ffi::zswap_rs_objcg_of_page(page.as_ptr()) })?;
        // INVARIANT: We own the reference just taken.
        Some(ObjCgroup { ptr })
    }

    /// False if this cgroup or an ancestor is at its `memory.zswap.max`
    /// (an optimistic check, before compression, as in zswap).
    pub(crate) fn may_zswap(&self) -> bool {
        // SAFETY: Valid while we hold our reference (invariant).
        unsafe { ffi::zswap_rs_objcg_may_zswap(self.ptr.as_ptr()) }
    }
}

impl Clone for ObjCgroup {
    /// Another reference (each charged subpage of a THP keeps its own).
    fn clone(&self) -> ObjCgroup {
        // SAFETY: Valid while we hold our reference (invariant);
        // `obj_cgroup_get` takes one more.
        unsafe { ffi::zswap_rs_objcg_get(self.ptr.as_ptr()) };
        // INVARIANT: The new value owns the reference just taken.
        ObjCgroup { ptr: self.ptr }
    }
}

impl Drop for ObjCgroup {
    fn drop(&mut self) {
        // SAFETY: We own one reference (invariant) and give it up.
        unsafe { ffi::zswap_rs_objcg_put(self.ptr.as_ptr()) };
    }
}

/// The cgroups stored pages of one swap area are charged to.
///
/// # Invariants
///
/// `xa` is initialised in place (`xa_init`) at its final address before
/// the value is handed out ([`Charges::new_boxed`]); every entry is a
/// `struct obj_cgroup *` holding one reference, charged with the size of
/// the page's stored object.
pub(crate) struct Charges {
    xa: RawXArray,
}

impl Charges {
    /// An empty table in its own allocation.
    pub(crate) fn new_boxed() -> Result<Pin<Box<Charges>>> {
        // INVARIANT: Initialised in place, empty.
        boxed_with_xarray(
            Charges {
                xa: RawXArray::zeroed(),
            },
            |c| &c.xa,
        )
    }

    fn ptr(&self) -> *mut ffi::xarray {
        self.xa.get()
    }

    /// Charges `size` bytes of the page at `offset` to `cg` (which the
    /// record keeps); [`Charges::count_zswpout`] counts it once the store
    /// stands.  The caller must be in
    /// reclaim (`PF_MEMALLOC`: the charge is forced), and `offset` must
    /// have no record.  Gives `cg` back if there is no memory for the
    /// record.
    pub(crate) fn charge(
        &self,
        offset: u64,
        cg: ObjCgroup,
        size: usize,
        gfp: Gfp,
    ) -> core::result::Result<(), ObjCgroup> {
        // SAFETY: Initialised (invariant); on success the reference moves
        // into the record, which is what the invariant requires.
        let r =
            unsafe { ffi::zswap_rs_charge(self.ptr(), offset as _, cg.ptr.as_ptr(), size, gfp.0) };
        if r != 0 {
            return Err(cg);
        }
        core::mem::forget(cg);
        Ok(())
    }

    /// Uncharges and drops the record of `offset`, if there is one, with
    /// the `size` it was charged; true if there was.
    pub(crate) fn uncharge(&self, offset: u64, size: usize) -> bool {
        // SAFETY: Initialised (invariant); the helper puts the record's
        // reference after uncharging.
        unsafe { ffi::zswap_rs_uncharge(self.ptr(), offset as _, size) }
    }

    /// Counts the store of the page at `offset` (`zswpout`, globally and
    /// for its cgroup): only for a store that stands (an undone store
    /// counts nothing).
    pub(crate) fn count_zswpout(&self, offset: u64) {
        // SAFETY: Initialised (invariant); the helper reads the record
        // under the XArray lock.
        unsafe { ffi::zswap_rs_count_event(self.ptr(), offset as _, true) };
    }

    /// Counts the load of the page at `offset` (`zswpin`, globally and
    /// for its cgroup).
    pub(crate) fn count_zswpin(&self, offset: u64) {
        // SAFETY: Initialised (invariant); the helper reads the record
        // under the XArray lock.
        unsafe { ffi::zswap_rs_count_event(self.ptr(), offset as _, false) };
    }
}

impl Drop for Charges {
    fn drop(&mut self) {
        // SAFETY: Initialised (invariant) and no longer shared.
        let left = unsafe { ffi::zswap_rs_charges_destroy(self.ptr()) };
        if left != 0 {
            crate::pr_err!(
                "BUG: {} cgroup charges left at teardown; references dropped",
                left
            );
        }
    }
}
