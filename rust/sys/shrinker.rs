// SPDX-License-Identifier: GPL-2.0

//! Shrinkers: the [`Shrinker`] trait, its C callbacks and the RAII
//! [`Registration`].
//!
//! C header: `include/linux/shrinker.h`.

use super::module::TextPin;
use alloc::boxed::Box;
use core::ffi::c_ulong;
use core::marker::PhantomData;
use core::pin::Pin;

use super::global::CallbackGuard;
use super::{to_result, try_box, Opaque, Result};
use crate::sys::bindings as ffi;

/// Something that can give memory back under pressure.  Each call gets a
/// [`CallbackGuard`]: the [`Registration`] is dropped (which waits for
/// running callbacks) before the globals it reads are retired.
pub(crate) trait Shrinker: 'static {
    /// Objects that `scan` could free now (0: nothing to do).
    fn count(g: &CallbackGuard) -> u64;
    /// Frees up to `nr` objects; returns how many were freed.  `may_io`:
    /// the allocation that triggered reclaim allows I/O and file-system
    /// calls (`__GFP_IO | __GFP_FS`), so writing to the swap device is fine.
    fn scan(g: &CallbackGuard, nr: u64, may_io: bool) -> u64;
}

/// `SHRINK_STOP`: nothing more to free now (bindgen cannot evaluate `~0UL`).
const SHRINK_STOP: c_ulong = !0;

struct VTable<T: Shrinker>(PhantomData<T>);

impl<T: Shrinker> VTable<T> {
    /// # Safety
    ///
    /// Called by the VM only, for a shrinker registered by
    /// [`Registration`] of `T`.
    unsafe extern "C" fn count(_s: *mut ffi::shrinker, _sc: *mut ffi::shrink_control) -> c_ulong {
        let g = CallbackGuard::new();
        T::count(&g) as c_ulong
    }

    /// # Safety
    ///
    /// As for `count`; `sc` is the VM's valid shrink control.
    unsafe extern "C" fn scan(_s: *mut ffi::shrinker, sc: *mut ffi::shrink_control) -> c_ulong {
        let g = CallbackGuard::new();
        // SAFETY: The VM passes a valid shrink control for the call.
        let (nr, gfp) = unsafe { ((*sc).nr_to_scan as u64, (*sc).gfp_mask) };
        let io = ffi::ZRS_GFP_IO | ffi::ZRS_GFP_FS;
        match T::scan(&g, nr, gfp & io == io) {
            0 => SHRINK_STOP,
            n => n as c_ulong,
        }
    }
}

/// A registered shrinker calling `T`; unregistered on drop.
///
/// # Invariants
///
/// `shrinker` is registered with the VM and pinned in its box.
pub(crate) struct Registration<T: Shrinker> {
    shrinker: Pin<Box<Opaque<ffi::shrinker>>>,
    _p: PhantomData<T>,
    _pin: TextPin,
}

// SAFETY: The registration may be dropped (unregistered) from any thread.
unsafe impl<T: Shrinker> Send for Registration<T> {}

impl<T: Shrinker> Registration<T> {
    /// Registers a shrinker named `zswap_rs` calling `T`; may sleep.
    pub(crate) fn register() -> Result<Registration<T>> {
        let b = Pin::from(try_box(Opaque::<ffi::shrinker>::zeroed())?);
        let s = b.get();
        // SAFETY: `s` points to a zeroed `struct shrinker` (a valid,
        // unregistered one) that nothing else uses yet; we set the fields a
        // registration reads.
        unsafe {
            (*s).count_objects = Some(VTable::<T>::count);
            (*s).scan_objects = Some(VTable::<T>::scan);
            (*s).seeks = ffi::ZRS_DEFAULT_SEEKS;
        }
        // SAFETY: The shrinker is initialised and pinned in its box, which
        // outlives the registration (dropped after unregistering).
        to_result(unsafe { ffi::zswap_rs_register_shrinker(s) })?;
        // INVARIANT: Registered and pinned.
        Ok(Registration {
            shrinker: b,
            _p: PhantomData,
            _pin: TextPin::new(),
        })
    }
}

impl<T: Shrinker> Drop for Registration<T> {
    fn drop(&mut self) {
        let s = self.shrinker.get();
        // SAFETY: Registered (invariant); waits for running callbacks.
        unsafe { ffi::unregister_shrinker(s) };
    }
}
