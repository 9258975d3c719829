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
    /// `GFP_NOIO`: may sleep and reclaim, but starts no I/O.
    pub(crate) const NOIO: Gfp = Gfp(ffi::ZRS_GFP_NOIO);
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

/// Runs `f` in an implicit `GFP_NOIO` scope (`memalloc_noio_save`):
/// every allocation inside, whatever flags it asks for, starts no I/O
/// and no filesystem reclaim, so it cannot recurse into the block device
/// that is serving a write (swap-out calls it from reclaim).  May be
/// nested.
pub(crate) fn noio<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: Sets a flag of the current task; restored below, in LIFO
    // order with any nested scope.
    let flags = unsafe { ffi::zswap_rs_memalloc_noio_save() };
    let r = f();
    // SAFETY: The value the matching save returned, on the same task.
    unsafe { ffi::zswap_rs_memalloc_noio_restore(flags) };
    r
}
