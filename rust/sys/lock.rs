// SPDX-License-Identifier: GPL-2.0

//! Spinlocks and mutexes that own the data they protect.
//!
//! C header: `include/linux/spinlock.h`, `include/linux/mutex.h`.
//!
//! A lock is usable only once initialised in place, at its final address
//! (they are `!Unpin`).  The safe constructors do both: `new_boxed`, and
//! `arena::Block::try_new_locks` for frame locks in the frame table.  The
//! two-step `new_uninit` + `init` is `unsafe`: locking before `init` would
//! use an uninitialised `struct mutex` (a zeroed wait list is not a list).

use alloc::boxed::Box;
use core::cell::UnsafeCell;
use core::marker::PhantomPinned;
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;

use crate::ffi;

/// Lockdep class of a lock (one per role; see `helpers.h`).
#[derive(Clone, Copy)]
pub(crate) enum LockClass {
    /// The pool lock (free lists, frame allocation).
    Pool = ffi::zswap_rs_lock_class_ZRS_LOCK_POOL as isize,
    /// A frame lock (the frame's page and object table).
    Frame = ffi::zswap_rs_lock_class_ZRS_LOCK_FRAME as isize,
    /// A per-CPU compression context.
    CompCtx = ffi::zswap_rs_lock_class_ZRS_LOCK_COMP_CTX as isize,
    /// The module pin count.
    Pin = ffi::zswap_rs_lock_class_ZRS_LOCK_PIN as isize,
    /// Module-wide state changes (compressor switch).
    State = ffi::zswap_rs_lock_class_ZRS_LOCK_STATE as isize,
}

/// A `spinlock_t` that protects a `T`.
///
/// # Invariants
///
/// `data` is only accessed through a [`SpinLockGuard`], i.e. with `lock` held.
pub(crate) struct SpinLock<T> {
    lock: UnsafeCell<MaybeUninit<ffi::spinlock_t>>,
    data: UnsafeCell<T>,
    _pin: PhantomPinned,
}

// SAFETY: The lock gives exclusive access to `T` to one thread at a time,
// so sharing the lock is fine when `T` may be sent between threads.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: The lock holds no thread-bound state when not held.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A new lock around `data`, not yet initialised.
    ///
    /// # Safety
    ///
    /// The caller must pin the lock and call [`SpinLock::init`] on it before
    /// any other use (locking, sharing it with another thread).
    pub(crate) unsafe fn new_uninit(data: T) -> Self {
        SpinLock {
            lock: UnsafeCell::new(MaybeUninit::zeroed()),
            data: UnsafeCell::new(data),
            _pin: PhantomPinned,
        }
    }

    /// A new, initialised lock in its own allocation (`GFP_KERNEL`).
    pub(crate) fn new_boxed(data: T, class: LockClass) -> super::Result<Pin<Box<Self>>> {
        // SAFETY: Pinned in its box and initialised right below, before the
        // lock is returned.
        let mut b = Pin::from(super::try_box(unsafe { Self::new_uninit(data) })?);
        b.as_mut().init(class);
        Ok(b)
    }

    /// Initialises the lock in place (`spin_lock_init`) with lockdep class `class`.
    pub(crate) fn init(self: Pin<&mut Self>, class: LockClass) {
        // SAFETY: `self` is pinned and exclusively borrowed: no guard exists
        // and the lock will not move again, so `spin_lock_init` may write it.
        unsafe { ffi::zswap_rs_spin_lock_init(self.lock.get().cast(), class as u32) };
    }

    /// Acquires the lock (spins; never sleeps).
    pub(crate) fn lock(&self) -> SpinLockGuard<'_, T> {
        // SAFETY: The lock was initialised in place (type documentation) and
        // is valid for the lifetime of `self`.
        unsafe { ffi::zswap_rs_spin_lock(self.lock.get().cast()) };
        // INVARIANT: The lock is held until the guard is dropped.
        SpinLockGuard {
            lock: self,
            _not_send: core::marker::PhantomData,
        }
    }

    /// Acquires the lock if it is free right now.
    pub(crate) fn try_lock(&self) -> Option<SpinLockGuard<'_, T>> {
        // SAFETY: As in `lock`.
        if unsafe { ffi::zswap_rs_spin_trylock(self.lock.get().cast()) } {
            // INVARIANT: The lock is held until the guard is dropped.
            Some(SpinLockGuard {
                lock: self,
                _not_send: core::marker::PhantomData,
            })
        } else {
            None
        }
    }

    /// Test hook: runs `f` while the lock is held as if by another CPU
    /// (below lockdep), so that `try_lock` here fails.  `f` must not take
    /// this lock.
    #[cfg(zrs_kunit)]
    pub(crate) fn held_elsewhere<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: Initialised lock; released below before returning.
        unsafe { ffi::zswap_rs_arch_spin_lock(self.lock.get().cast()) };
        let r = f();
        // SAFETY: Taken above.
        unsafe { ffi::zswap_rs_arch_spin_unlock(self.lock.get().cast()) };
        r
    }

    /// Acquires a second lock of the same class (lockdep subclass 1); the
    /// caller must order such nested acquisitions (e.g. by frame id).
    pub(crate) fn lock_nested(&self) -> SpinLockGuard<'_, T> {
        // SAFETY: As in `lock`.
        unsafe { ffi::zswap_rs_spin_lock_nested(self.lock.get().cast(), 1) };
        // INVARIANT: The lock is held until the guard is dropped.
        SpinLockGuard {
            lock: self,
            _not_send: core::marker::PhantomData,
        }
    }
}

/// Proof that a [`SpinLock`] is held; gives access to the data.
///
/// Not `Send` or `Sync`: the lock must be released by the task (and, for a
/// spinlock, on the CPU) that took it.
pub(crate) struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: The guard holds the lock, so no other reference to the data exists.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: The guard holds the lock, and `&mut self` makes this the only access.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: The guard's existence means we hold the lock.
        unsafe { ffi::zswap_rs_spin_unlock(self.lock.lock.get().cast()) };
    }
}

/// A `struct mutex` that protects a `T`; may sleep.
///
/// # Invariants
///
/// `data` is only accessed through a [`MutexGuard`], i.e. with `lock` held.
pub(crate) struct Mutex<T> {
    lock: UnsafeCell<MaybeUninit<ffi::mutex>>,
    data: UnsafeCell<T>,
    _pin: PhantomPinned,
}

// SAFETY: As for `SpinLock`.
unsafe impl<T: Send> Sync for Mutex<T> {}
// SAFETY: As for `SpinLock`.
unsafe impl<T: Send> Send for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new mutex around `data`, not yet initialised.
    ///
    /// # Safety
    ///
    /// As for [`SpinLock::new_uninit`]: pin it and call [`Mutex::init`]
    /// before any other use.
    pub(crate) unsafe fn new_uninit(data: T) -> Self {
        Mutex {
            lock: UnsafeCell::new(MaybeUninit::zeroed()),
            data: UnsafeCell::new(data),
            _pin: PhantomPinned,
        }
    }

    /// A new, initialised mutex in its own allocation (`GFP_KERNEL`).
    pub(crate) fn new_boxed(data: T, class: LockClass) -> super::Result<Pin<Box<Self>>> {
        // SAFETY: Pinned in its box and initialised right below.
        let mut b = Pin::from(super::try_box(unsafe { Self::new_uninit(data) })?);
        b.as_mut().init(class);
        Ok(b)
    }

    /// Initialises the mutex in place with lockdep class `class`.
    pub(crate) fn init(self: Pin<&mut Self>, class: LockClass) {
        // SAFETY: Pinned and exclusively borrowed, as in `SpinLock::init`.
        unsafe { ffi::zswap_rs_mutex_init(self.lock.get().cast(), class as u32) };
    }

    /// Acquires the mutex; may sleep.
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        // SAFETY: Initialised in place (type documentation); callers run in
        // sleepable context (`mutex_lock` checks it on debug kernels).
        unsafe { ffi::zswap_rs_mutex_lock(self.lock.get().cast()) };
        // INVARIANT: Held until the guard is dropped.
        MutexGuard {
            lock: self,
            _not_send: core::marker::PhantomData,
        }
    }
}

/// Proof that a [`Mutex`] is held.  Not `Send` or `Sync`: a mutex is
/// released by its owner.
pub(crate) struct MutexGuard<'a, T> {
    lock: &'a Mutex<T>,
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: The guard holds the mutex.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: The guard holds the mutex, and `&mut self` makes this the only access.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: We hold the mutex.
        unsafe { ffi::zswap_rs_mutex_unlock(self.lock.lock.get().cast()) };
    }
}
