// SPDX-License-Identifier: GPL-2.0

//! An XArray of value entries (integers below 2^63).
//!
//! C header: `include/linux/xarray.h`.
//!
//! zswap_rs keeps only value entries in its XArrays (the encoded handle or
//! fill word of a stored page, see `index.rs`), so entries own nothing and
//! need no destructor: this wrapper is small and entirely safe to use.

use alloc::boxed::Box;
use core::ffi::c_void;
use core::pin::Pin;

use super::{try_box, Errno, Gfp, Opaque, Result};
use crate::sys::bindings as ffi;

/// Largest value an entry can hold.
pub(crate) const MAX_VALUE: u64 = (1 << 63) - 1;

fn mk_value(v: u64) -> *mut c_void {
    debug_assert!(v <= MAX_VALUE);
    // `xa_mk_value()`.
    ((v << 1) | 1) as usize as *mut c_void
}

fn to_value(entry: *mut c_void) -> Option<u64> {
    let e = entry as usize as u64;
    if e == 0 {
        return None;
    }
    // Only value entries are ever stored (`xa_is_value()`).
    debug_assert!(e & 1 == 1);
    Some(e >> 1)
}

fn check_err(entry: *mut c_void) -> Result<*mut c_void> {
    // SAFETY: `xa_err` only inspects the pointer value.
    let err = unsafe { ffi::zswap_rs_xa_err(entry) };
    if err != 0 {
        Err(Errno(-err))
    } else {
        Ok(entry)
    }
}

/// An XArray embedded in a Rust object: what the types that keep
/// different things in one share (values: [`XArray`]; cgroup pointers:
/// `memcg::Charges`).  Set up by [`boxed_with_xarray`].
pub(super) struct RawXArray(Opaque<ffi::xarray>);

// SAFETY: The XArray does its own locking (`xa_lock` inside each call,
// RCU for loads).
unsafe impl Sync for RawXArray {}
// SAFETY: It holds no thread-bound state.
unsafe impl Send for RawXArray {}

impl RawXArray {
    /// Zeroes, for [`boxed_with_xarray`] to initialise in place.
    pub(super) fn zeroed() -> Self {
        RawXArray(Opaque::zeroed())
    }

    /// The `struct xarray` the C functions take.
    pub(super) fn get(&self) -> *mut ffi::xarray {
        self.0.get()
    }
}

/// Boxes `value` and initialises (`xa_init`, empty) the XArray that `xa`
/// finds in it, in place at its final address: the pinned initialisation
/// of every type here that embeds an XArray.
pub(super) fn boxed_with_xarray<T>(
    value: T,
    xa: impl FnOnce(&T) -> &RawXArray,
) -> Result<Pin<Box<T>>> {
    let b = Pin::from(try_box(value)?);
    // SAFETY: Pinned at its final address (an `Opaque` is `!Unpin`) and not
    // yet shared; `xa_init` initialises every field.
    unsafe { ffi::zswap_rs_xa_init(xa(&b).get()) };
    Ok(b)
}

/// An XArray holding integer values, with the XArray's own internal locking.
///
/// # Invariants
///
/// Only value entries are stored.  `xa` is initialised in place (`xa_init`)
/// at its final address before the XArray is handed out ([`XArray::new_boxed`]).
pub(crate) struct XArray {
    xa: RawXArray,
}

impl XArray {
    /// An empty, initialised XArray in its own allocation (`GFP_KERNEL`).
    pub(crate) fn new_boxed() -> Result<Pin<Box<XArray>>> {
        // INVARIANT: Initialised in place, empty.
        boxed_with_xarray(
            XArray {
                xa: RawXArray::zeroed(),
            },
            |x| &x.xa,
        )
    }

    fn ptr(&self) -> *mut ffi::xarray {
        self.xa.get()
    }

    /// The value at `index` (`xa_load`, lockless under RCU).
    pub(crate) fn load(&self, index: u64) -> Option<u64> {
        // SAFETY: Initialised (invariant); `xa_load` takes the RCU read lock itself.
        to_value(unsafe { ffi::xa_load(self.ptr(), index as _) })
    }

    /// Stores `value` at `index`; returns the value it replaced.
    pub(crate) fn store(&self, index: u64, value: u64, gfp: Gfp) -> Result<Option<u64>> {
        // SAFETY: Initialised; the entry is a value entry (invariant).
        let old = unsafe { ffi::xa_store(self.ptr(), index as _, mk_value(value), gfp.0) };
        check_err(old).map(to_value)
    }

    /// Replaces `old` (None: empty) by `new` at `index` if the entry is
    /// still `old`; returns what the entry was.  Replacing an existing entry
    /// never allocates.
    pub(crate) fn cmpxchg(
        &self,
        index: u64,
        old: Option<u64>,
        new: u64,
        gfp: Gfp,
    ) -> Result<Option<u64>> {
        let o = old.map_or(core::ptr::null_mut(), mk_value);
        // SAFETY: Initialised; only value entries go in.
        let cur =
            unsafe { ffi::zswap_rs_xa_cmpxchg(self.ptr(), index as _, o, mk_value(new), gfp.0) };
        check_err(cur).map(to_value)
    }

    /// Removes the entry at `index` if it is still `old`; true if it was.
    /// Never allocates (sleeps only as `xa_cmpxchg` with `gfp`: not at all
    /// for an erase).
    #[cfg_attr(zrs_kunit, allow(dead_code))]
    pub(crate) fn erase_if(&self, index: u64, old: u64) -> bool {
        // SAFETY: Initialised; only value entries go in; storing NULL
        // erases and never allocates.
        let cur = unsafe {
            ffi::zswap_rs_xa_cmpxchg(
                self.ptr(),
                index as _,
                mk_value(old),
                core::ptr::null_mut(),
                Gfp::NOWAIT.0,
            )
        };
        check_err(cur).map(to_value) == Ok(Some(old))
    }

    /// Removes the entry at `index`; returns it.
    pub(crate) fn erase(&self, index: u64) -> Option<u64> {
        // SAFETY: Initialised (invariant).
        to_value(unsafe { ffi::xa_erase(self.ptr(), index as _) })
    }

    /// The first entry at an index `>= start`, as `(index, value)`.
    pub(crate) fn find(&self, start: u64) -> Option<(u64, u64)> {
        let mut idx = start as core::ffi::c_ulong;
        // SAFETY: Initialised; `idx` is a valid in/out index; `XA_PRESENT`
        // selects any entry.
        let e = unsafe {
            ffi::xa_find(
                self.ptr(),
                &mut idx,
                core::ffi::c_ulong::MAX,
                ffi::ZRS_XA_PRESENT,
            )
        };
        to_value(e).map(|v| (idx as u64, v))
    }
}

impl Drop for XArray {
    fn drop(&mut self) {
        // SAFETY: Initialised (invariant); value entries need no freeing,
        // `xa_destroy` frees the nodes.
        unsafe { ffi::xa_destroy(self.ptr()) };
    }
}
