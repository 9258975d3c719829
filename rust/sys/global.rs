// SPDX-License-Identifier: GPL-2.0

//! A module-global object published once at init and retired at exit.

use alloc::boxed::Box;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

/// A global `Box<T>` that C callbacks reach.
///
/// # Invariants
///
/// `ptr` is null or comes from `Box::into_raw` and is owned by this object.
pub(crate) struct Global<T> {
    ptr: AtomicPtr<T>,
}

// SAFETY: `get` hands out `&T` to any thread: needs `T: Sync`; `take` may
// move the box to another thread: `T: Send`.
unsafe impl<T: Send + Sync> Sync for Global<T> {}

impl<T> Global<T> {
    /// An empty global.
    pub(crate) const fn new() -> Self {
        Global {
            ptr: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Publishes `b`; returns it back if the global is already set.
    pub(crate) fn set(&self, b: Box<T>) -> Result<(), Box<T>> {
        let p = Box::into_raw(b);
        match self
            .ptr
            .compare_exchange(ptr::null_mut(), p, Ordering::AcqRel, Ordering::Acquire)
        {
            // INVARIANT: `p` came from `Box::into_raw`; ownership moved in.
            Ok(_) => Ok(()),
            // SAFETY: `p` came from `Box::into_raw` above and was not published.
            Err(_) => Err(unsafe { Box::from_raw(p) }),
        }
    }

    /// The published object, if any.
    pub(crate) fn get(&self) -> Option<&T> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: Non-null means a live box owned by `self` (invariant); it
        // is only freed by `take`, whose caller guarantees no `&T` is in use.
        unsafe { p.as_ref() }
    }

    /// Unpublishes the object and returns it.
    ///
    /// # Safety
    ///
    /// No reference returned by [`Global::get`] may be alive, and no
    /// `get` may run concurrently with or after this call and still use
    /// the result (all callbacks that reach the global have been stopped).
    pub(crate) unsafe fn take(&self) -> Option<Box<T>> {
        let p = self.ptr.swap(ptr::null_mut(), Ordering::AcqRel);
        if p.is_null() {
            None
        } else {
            // SAFETY: `p` came from `Box::into_raw` (invariant) and the
            // caller guarantees nobody uses it any more.
            Some(unsafe { Box::from_raw(p) })
        }
    }
}

/// Data protected by the module's kernel parameter lock
/// (`kernel_param_lock(THIS_MODULE)`), which the kernel holds around every
/// parameter `set`/`get` callback through sysfs.
///
/// # Invariants
///
/// `data` is only accessed with the parameter lock held or before the
/// module is live (insmod argument parsing runs single-threaded).
pub(crate) struct ParamLocked<T> {
    data: core::cell::UnsafeCell<T>,
}

// SAFETY: Access is serialised by the parameter lock (invariant).
unsafe impl<T: Send> Sync for ParamLocked<T> {}

/// Proof that the caller holds the parameter lock (not `Send`: it is the
/// locking task's).
pub(crate) struct ParamLockToken {
    _p: core::marker::PhantomData<*mut ()>,
}

impl ParamLockToken {
    /// Asserts that the caller holds the parameter lock.
    ///
    /// # Safety
    ///
    /// The caller must hold `kernel_param_lock(THIS_MODULE)` for the life of
    /// the token, or run during insmod argument parsing.
    pub(crate) unsafe fn assume_held() -> ParamLockToken {
        ParamLockToken {
            _p: core::marker::PhantomData,
        }
    }
}

/// Holds the parameter lock (for init/exit).
pub(crate) struct ParamLockGuard {
    token: ParamLockToken,
}

impl ParamLockGuard {
    /// Takes `kernel_param_lock(THIS_MODULE)`.
    pub(crate) fn lock() -> ParamLockGuard {
        // SAFETY: No preconditions; sleeps.
        unsafe { crate::ffi::zswap_rs_param_lock() };
        // SAFETY: We just took the lock; it is released on drop.
        ParamLockGuard {
            token: unsafe { ParamLockToken::assume_held() },
        }
    }

    /// The proof.
    pub(crate) fn token(&mut self) -> &mut ParamLockToken {
        &mut self.token
    }
}

impl Drop for ParamLockGuard {
    fn drop(&mut self) {
        // SAFETY: Taken in `lock`.
        unsafe { crate::ffi::zswap_rs_param_unlock() };
    }
}

impl<T> ParamLocked<T> {
    /// Wraps `data`.
    pub(crate) const fn new(data: T) -> Self {
        ParamLocked {
            data: core::cell::UnsafeCell::new(data),
        }
    }

    /// Access under the lock.
    pub(crate) fn get<'a>(&'a self, _t: &'a mut ParamLockToken) -> &'a mut T {
        // SAFETY: The token proves the parameter lock is held, which
        // serialises all threads (invariant); within this thread the
        // result borrows the token mutably, so no two results coexist.
        unsafe { &mut *self.data.get() }
    }
}
