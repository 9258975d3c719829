// SPDX-License-Identifier: GPL-2.0

//! Frontswap backends: the [`Frontswap`] trait, its C ops table, and the
//! RAII [`Registration`].
//!
//! C header: `include/linux/frontswap.h` (6.1, plus patch 0001 of our
//! series: exported `frontswap_register_ops`, SRCU-protected calls and
//! `frontswap_unregister_ops`).

use core::ffi::{c_int, c_uint, c_ulong};
use core::marker::PhantomData;

use super::global::CallbackGuard;
use super::module::TextPin;
use super::page::PageRef;
use super::{to_result, Result, EBUSY, EINVAL, EIO};
use crate::sys::bindings as ffi;

/// A frontswap backend.  Frontswap serialises the calls for one swap
/// entry (the swap-cache page lock and the swap map); calls for different
/// entries run concurrently.  Every call receives a [`CallbackGuard`]:
/// while the [`Registration`] lives, globals it reads stay published.
pub(crate) trait Frontswap: 'static {
    /// Swap type `ty` was swapped on.
    fn init(g: &CallbackGuard, ty: u32);
    /// Stores `page` for (`ty`, `offset`); may sleep.  An error means the
    /// page goes to the swap device.
    /// `page` may be the head page of a THP (`PageRef::nr_pages` > 1):
    /// success means every subpage is stored, at `offset + i`.
    fn store(g: &CallbackGuard, ty: u32, offset: u64, page: &mut PageRef<'_>) -> Result;
    /// Fills `page` with (`ty`, `offset`); may sleep.  Called only for
    /// entries whose store succeeded.  `EIO` fails the read (the task gets
    /// SIGBUS); any other error makes frontswap read the swap device.
    /// `excl` is frontswap's offer to hand the data over to the page.
    fn load(
        g: &CallbackGuard,
        ty: u32,
        offset: u64,
        page: &mut PageRef<'_>,
        excl: ExclusiveLoad<'_>,
    ) -> Result;
    /// Drops (`ty`, `offset`); atomic context (swap-info spinlock).
    fn invalidate_page(g: &CallbackGuard, ty: u32, offset: u64);
    /// Drops every entry of `ty` (swapoff); may sleep.
    fn invalidate_area(g: &CallbackGuard, ty: u32);
}

/// Frontswap's offer, on a load, to let the page own the data from now on
/// (patch 0010): the backend drops its copy and calls [`Self::accept`];
/// frontswap then forgets the slot and dirties the page.  Offered only for
/// a page in the swap cache (a private page may be dropped by a failed
/// fault, so the backend must keep its copy: [`Self::offered`] is false).
///
/// # Invariants
///
/// `Some` holds frontswap's out-parameter for this load, set to false.
pub(crate) struct ExclusiveLoad<'a>(Option<&'a mut bool>);

impl<'a> ExclusiveLoad<'a> {
    /// An offer that is not made (a load outside the swap cache, a test).
    pub(crate) fn refused() -> Self {
        // INVARIANT: `None`.
        ExclusiveLoad(None)
    }

    /// An offer made through `flag` (a test's own flag).
    #[cfg(zrs_kunit)]
    pub(crate) fn offer(flag: &'a mut bool) -> Self {
        *flag = false;
        // INVARIANT: Set to false.
        ExclusiveLoad(Some(flag))
    }

    /// Whether frontswap lets the page take the data over.
    pub(crate) fn offered(&self) -> bool {
        self.0.is_some()
    }

    /// The backend has dropped its copy: the page owns the data.  Call
    /// only after the load filled the page and the entry is gone.
    pub(crate) fn accept(self) {
        if let Some(f) = self.0 {
            *f = true;
        }
    }
}

/// The C ops table of `T`.
struct VTable<T: Frontswap>(PhantomData<T>);

impl<T: Frontswap> VTable<T> {
    /// # Safety
    ///
    /// Called by frontswap only, through a [`Registration`] of `T`.
    unsafe extern "C" fn init(ty: c_uint) {
        let g = CallbackGuard::new();
        T::init(&g, ty);
    }

    /// # Safety
    ///
    /// Called by frontswap only, through a [`Registration`] of `T`, with
    /// the locked swap-cache page being written.
    unsafe extern "C" fn store(ty: c_uint, offset: c_ulong, page: *mut ffi::page) -> c_int {
        let g = CallbackGuard::new();
        // SAFETY: Frontswap passes the locked swap-cache page being
        // written (a THP's head page: the lock is the folio's, and covers
        // every subpage), valid and referenced for the call.  The lock
        // excludes every other store, load and invalidate of it, and no
        // page table maps it: reclaim unmapped it before writing it, and a
        // fault on it waits for the lock before mapping it again.  Not
        // excluded (for any page under writeback, in C zswap too) is a
        // write through a reference taken earlier without a pin
        // (`get_user_pages` without `FOLL_PIN`): such a write during the
        // call races with our reads of the contents; that holder already
        // corrupts what reaches the device, and the kernel gives no way
        // to exclude it here.
        match unsafe { PageRef::from_raw(page) } {
            Some(mut p) => super::from_result(T::store(&g, ty, offset as u64, &mut p)),
            None => EINVAL.to_c(),
        }
    }

    /// # Safety
    ///
    /// Called by frontswap only, through a [`Registration`] of `T`, with
    /// the locked swap-cache page being read.
    unsafe extern "C" fn load(
        ty: c_uint,
        offset: c_ulong,
        page: *mut ffi::page,
        exclusive: *mut bool,
    ) -> c_int {
        let g = CallbackGuard::new();
        // SAFETY: `exclusive` is NULL or frontswap's own local, set to
        // false, that it reads after this call returns (patch 0010); no
        // one else touches it during the call.
        // INVARIANT: `Some` only for frontswap's out-parameter.
        let excl = ExclusiveLoad(unsafe { exclusive.as_mut() });
        // SAFETY: Frontswap passes the locked page being read (in the swap
        // cache, or a private page of a synchronous-I/O fault); it is ours
        // to fill during the call.
        match unsafe { PageRef::from_raw(page) } {
            Some(mut p) => super::from_result(T::load(&g, ty, offset as u64, &mut p, excl)),
            None => EIO.to_c(),
        }
    }

    /// # Safety
    ///
    /// Called by frontswap only, through a [`Registration`] of `T`.
    unsafe extern "C" fn invalidate_page(ty: c_uint, offset: c_ulong) {
        let g = CallbackGuard::new();
        T::invalidate_page(&g, ty, offset as u64);
    }

    /// # Safety
    ///
    /// Called by frontswap only, through a [`Registration`] of `T`.
    unsafe extern "C" fn invalidate_area(ty: c_uint) {
        let g = CallbackGuard::new();
        T::invalidate_area(&g, ty);
    }

    const OPS: ffi::frontswap_ops = ffi::frontswap_ops {
        init: Some(Self::init),
        store: Some(Self::store),
        load: Some(Self::load),
        invalidate_page: Some(Self::invalidate_page),
        invalidate_area: Some(Self::invalidate_area),
    };

    const fn build() -> &'static ffi::frontswap_ops {
        &Self::OPS
    }
}

/// How long dropping a [`Registration`] retries before it warns.
const UNREGISTER_PATIENCE_MS: u64 = 5000;

/// `T` registered as the frontswap backend; unregistered on drop.
///
/// # Invariants
///
/// `VTable::<T>::build()` is the registered frontswap backend.
pub(crate) struct Registration<T: Frontswap> {
    _p: PhantomData<T>,
    _pin: TextPin,
}

// SAFETY: The registration is a token; it may be dropped on any thread.
unsafe impl<T: Frontswap> Send for Registration<T> {}

impl<T: Frontswap> Registration<T> {
    /// Registers `T`.  `EBUSY`: another backend (the built-in zswap unless
    /// booted with `zswap.register_frontswap=0`) is registered.
    pub(crate) fn register() -> Result<Registration<T>> {
        // SAFETY: The table is a `'static` of valid callbacks that stay
        // callable until `frontswap_unregister_ops` succeeds (in `drop`).
        let r = to_result(unsafe { ffi::zswap_rs_frontswap_register(VTable::<T>::build()) });
        match r {
            // INVARIANT: Registered.
            Ok(()) => Ok(Registration {
                _p: PhantomData,
                _pin: TextPin::new(),
            }),
            Err(EINVAL) => Err(EBUSY),
            Err(e) => Err(e),
        }
    }
}

impl<T: Frontswap> Drop for Registration<T> {
    /// Unregisters; waits for running callbacks.  Frontswap refuses
    /// (`EBUSY`) while it still counts pages in the backend.  The owner
    /// drops this only once it has written every stored page back (a page
    /// whose writeback just erased it may still be counted for a moment);
    /// a refusal that lasts is a bug that would turn into a
    /// use-after-free of the module text if we went on, so after
    /// [`UNREGISTER_PATIENCE_MS`] it warns (a kernel WARNING, which the
    /// test harness fails on) and keeps waiting, with a log line every 10 s.
    fn drop(&mut self) {
        super::task::wait_unbounded(
            UNREGISTER_PATIENCE_MS,
            || {
                // SAFETY: Registered (invariant) until this succeeds; may
                // sleep (module exit).
                let r = unsafe { ffi::zswap_rs_frontswap_unregister(VTable::<T>::build()) };
                (r != 0).then(|| r as i64)
            },
            |r| {
                super::warn(format_args!(
                    "frontswap still holds pages of this backend (error {}); waiting instead of unloading code it calls",
                    r
                ))
            },
            |r| crate::pr_err!("frontswap_unregister_ops: error {}; still waiting", r),
        );
    }
}
