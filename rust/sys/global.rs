// SPDX-License-Identifier: GPL-2.0

//! Module-global objects that C callbacks reach, and the proofs that make
//! reaching them safe.
//!
//! Most C callbacks of 6.1 (frontswap, `movable_operations`) carry no
//! context pointer, so the object they serve is found through a static
//! [`Global`].  A reference into it is only handed out against a
//! [`Protection`]: a value whose existence guarantees that the object
//! cannot be retired (freed) meanwhile.  [`Published`], the handle that
//! owns the publication, retires the object on drop after the read-side
//! sections of the module's SRCU domain ([`rcu`]) ended; registrations
//! whose callbacks read a global are dropped before it (`zswap_rs_main.rs`:
//! `ZswapRs`'s `Drop` tears down in an explicit order, not field order).

use alloc::boxed::Box;
use core::marker::PhantomData;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use super::rcu;

/// Proof that the running code cannot outlive a published [`Global`].
///
/// # Safety
///
/// While a value of the implementing type is alive, the retirement of a
/// [`Published`] object ([`Published`]'s `drop`) must not complete: it
/// holds a read-side section of the module's SRCU domain (retirement waits
/// for one with `synchronize_srcu`, however long it sleeps).
pub(crate) unsafe trait Protection {}

// SAFETY: A `Guard` is a held SRCU read lock of the module's domain
// (its invariant); retirement calls `synchronize_srcu` on that domain
// after unpublishing, which waits for every section that could have seen
// the object, whether or not it sleeps.
unsafe impl Protection for rcu::Guard {}

/// What the callbacks of a registration (frontswap, shrinker, debugfs,
/// sysfs, meminfo, the reclaim work, module parameters) read the module's
/// globals through: a read-side section of the module's SRCU domain for
/// the callback's duration, so that the retirement of a [`Published`]
/// object waits for every callback that could have found it, whatever
/// order the owner tears its registrations down in.  Made only by the
/// trampolines in `sys/`.
///
/// A callback must not retire a [`Published`] object itself (its
/// `synchronize_srcu` would wait for the callback's own section: a
/// deadlock, not a use-after-free); none does, retirement is module exit.
pub(crate) struct CallbackGuard {
    _srcu: rcu::Guard,
}

impl CallbackGuard {
    /// Enters a callback: a read-side section until the guard drops.
    pub(super) fn new() -> CallbackGuard {
        CallbackGuard { _srcu: rcu::lock() }
    }
}

// SAFETY: A `CallbackGuard` holds an SRCU read lock of the module's
// domain (its field, an `rcu::Guard`, whose invariant that is);
// retirement calls `synchronize_srcu` on that domain after unpublishing.
unsafe impl Protection for CallbackGuard {}

/// A global `Box<T>` that C callbacks reach.
///
/// # Invariants
///
/// `ptr` is null or comes from `Box::into_raw` and is owned by the live
/// [`Published`] handle of this global.
pub(crate) struct Global<T> {
    ptr: AtomicPtr<T>,
}

// SAFETY: `get` hands out `&T` to any thread: needs `T: Sync`; retirement
// may drop the box on another thread: `T: Send`.
unsafe impl<T: Send + Sync> Sync for Global<T> {}

impl<T> Global<T> {
    /// An empty global.
    pub(crate) const fn new() -> Self {
        Global {
            ptr: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Publishes `b`; the returned handle owns it and retires it on drop.
    /// Gives `b` back if the global is already set.
    pub(crate) fn publish(&'static self, b: Box<T>) -> Result<Published<T>, Box<T>> {
        let p = Box::into_raw(b);
        match self
            .ptr
            .compare_exchange(ptr::null_mut(), p, Ordering::AcqRel, Ordering::Acquire)
        {
            // INVARIANT: `p` came from `Box::into_raw`; the handle owns it.
            Ok(_) => Ok(Published { global: self }),
            // SAFETY: `p` came from `Box::into_raw` above and was not published.
            Err(_) => Err(unsafe { Box::from_raw(p) }),
        }
    }

    /// The published object, if any, for as long as `_p` lasts.
    pub(crate) fn get<'a, P: Protection>(&self, _p: &'a P) -> Option<&'a T> {
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: Non-null means a live box (invariant), which is freed only
        // by `Published::drop`, which cannot complete while `_p` lives
        // (`Protection`).
        unsafe { p.as_ref() }
    }
}

/// Owns the object published in a [`Global`]; dropping it unpublishes the
/// object, waits for the SRCU read-side sections ([`rcu`]) and frees it.
/// May sleep.
pub(crate) struct Published<T: 'static> {
    global: &'static Global<T>,
}

impl<T> Published<T> {
    /// The object (the owner may always use it).
    pub(crate) fn get(&self) -> &T {
        let p = self.global.ptr.load(Ordering::Acquire);
        // SAFETY: While the handle lives the global holds its box (invariant).
        unsafe { &*p }
    }
}

impl<T> Drop for Published<T> {
    fn drop(&mut self) {
        let p = self.global.ptr.swap(ptr::null_mut(), Ordering::AcqRel);
        // Readers that found the object hold a `Protection`, an SRCU
        // section (a `rcu::Guard`, or a `CallbackGuard` holding one):
        // every one that began before the swap is waited for here.
        rcu::synchronize();
        if !p.is_null() {
            // SAFETY: `p` came from `Box::into_raw` (invariant) and nobody
            // can reach it any more.
            drop(unsafe { Box::from_raw(p) });
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
    _p: PhantomData<*mut ()>,
}

impl ParamLockToken {
    /// Asserts that the caller holds the parameter lock.
    ///
    /// # Safety
    ///
    /// The caller must hold `kernel_param_lock(THIS_MODULE)` for the life of
    /// the token, or run during insmod argument parsing.
    pub(crate) unsafe fn assume_held() -> ParamLockToken {
        ParamLockToken { _p: PhantomData }
    }
}

/// Holds the parameter lock (for init/exit).
pub(crate) struct ParamLockGuard {
    token: ParamLockToken,
}

impl ParamLockGuard {
    /// Takes `kernel_param_lock(THIS_MODULE)`; sleeps.
    pub(crate) fn lock() -> ParamLockGuard {
        // SAFETY: No preconditions; sleeps.
        unsafe { crate::sys::bindings::zswap_rs_param_lock() };
        ParamLockGuard {
            // SAFETY: We just took the lock; it is released on drop.
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
        unsafe { crate::sys::bindings::zswap_rs_param_unlock() };
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
