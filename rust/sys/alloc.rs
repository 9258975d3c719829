// SPDX-License-Identifier: GPL-2.0

//! Allocation: [`Gfp`] flags and fallible boxes (upstream's
//! `kernel::alloc`).

use super::error::{Result, ENOMEM};
use crate::sys::bindings as ffi;

/// GFP flags.
#[derive(Clone, Copy)]
pub(crate) struct Gfp(pub(crate) ffi::gfp_t);

impl Gfp {
    /// `GFP_KERNEL`: may sleep and reclaim.
    pub(crate) const KERNEL: Gfp = Gfp(ffi::ZRS_GFP_KERNEL);
    /// `GFP_NOWAIT`: never sleeps (wakes kswapd).
    pub(crate) const NOWAIT: Gfp = Gfp(ffi::ZRS_GFP_NOWAIT);
    /// What zswap uses on the store path: may sleep, but no retries, no
    /// warnings, wakes kswapd.
    pub(crate) const STORE: Gfp =
        Gfp(ffi::ZRS_GFP_KERNEL | ffi::ZRS_GFP_NORETRY | ffi::ZRS_GFP_NOWARN);
    /// Add `__GFP_MOVABLE`.
    pub(crate) const fn movable(self) -> Gfp {
        Gfp(self.0 | ffi::ZRS_GFP_MOVABLE)
    }
    /// Without `__GFP_MOVABLE` (for slab allocations).
    pub(crate) const fn without_movable(self) -> Gfp {
        Gfp(self.0 & !ffi::ZRS_GFP_MOVABLE)
    }
    /// Add `__GFP_ZERO`.
    pub(crate) const fn zeroed(self) -> Gfp {
        Gfp(self.0 | ffi::ZRS_GFP_ZERO)
    }
    /// Add `__GFP_NOMEMALLOC`: never from the emergency reserves, even
    /// under `PF_MEMALLOC` (the store path runs in reclaim).
    pub(crate) const fn no_memalloc(self) -> Gfp {
        Gfp(self.0 | ffi::ZRS_GFP_NOMEMALLOC)
    }
}

/// Fallible allocation of a `Box` (6.1 has no `Box::try_new` without
/// unstable features); uses the kernel allocator (`GFP_KERNEL`), so only
/// call it where sleeping is allowed.
pub(crate) fn try_box<T>(value: T) -> Result<::alloc::boxed::Box<T>> {
    let layout = core::alloc::Layout::new::<T>();
    if layout.size() == 0 {
        // SAFETY: For zero-sized types a dangling, aligned pointer is a valid box.
        return Ok(unsafe {
            ::alloc::boxed::Box::from_raw(core::ptr::NonNull::<T>::dangling().as_ptr())
        });
    }
    // SAFETY: `layout` has non-zero size.
    let ptr = unsafe { ::alloc::alloc::alloc(layout) }.cast::<T>();
    if ptr.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `ptr` is valid for writes of `T` and properly aligned.
    unsafe { ptr.write(value) };
    // SAFETY: `ptr` came from the global allocator with `Layout::new::<T>()`
    // and holds an initialised `T`.
    Ok(unsafe { ::alloc::boxed::Box::from_raw(ptr) })
}
