// SPDX-License-Identifier: GPL-2.0

//! Locks that own the data they protect: one generic [`Lock`] over a
//! [`LockBackend`] (`spinlock_t` or `struct mutex`), as upstream's
//! `kernel::sync::lock`.
//!
//! C header: `include/linux/spinlock.h`, `include/linux/mutex.h`.
//!
//! A lock is usable only once initialised in place, at its final address
//! (it is `!Unpin`).  The safe constructors do both: [`Lock::new_boxed`],
//! and `arena::Block::try_new_locks` for the frame locks of the frame
//! table.  The two-step [`Lock::new_uninit`] + [`Lock::init`] is `unsafe`:
//! locking before `init` would use an uninitialised `struct mutex` (a
//! zeroed wait list is not a list).

use alloc::boxed::Box;
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;

use super::Opaque;
use crate::sys::bindings as ffi;

/// Lockdep class of a lock (one per role; see `helpers.h`).
#[derive(Clone, Copy)]
pub(crate) enum LockClass {
    /// The pool lock (free lists, frame allocation).
    Pool = ffi::zswap_rs_lock_class_ZRS_LOCK_POOL as isize,
    /// A frame lock (the frame's page and object table).
    Frame = ffi::zswap_rs_lock_class_ZRS_LOCK_FRAME as isize,
    /// A per-CPU compression context.
    CompCtx = ffi::zswap_rs_lock_class_ZRS_LOCK_COMP_CTX as isize,
    /// Module-wide state changes (compressor switch).
    State = ffi::zswap_rs_lock_class_ZRS_LOCK_STATE as isize,
}

/// A kind of C lock.
///
/// # Safety
///
/// Implementers guarantee that, on a `State` initialised by `init`,
/// `lock` (and a successful `try_lock`) excludes every other holder until
/// the matching `unlock`.
pub(crate) unsafe trait LockBackend {
    /// The C lock.
    type State;

    /// Initialises the lock in place with lockdep class `class`.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid for writes, at its final address, and not in
    /// use by anybody.
    unsafe fn init(ptr: *mut Self::State, class: LockClass);

    /// Acquires the lock.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a lock initialised by `init`, in a context where
    /// this kind of lock may be taken.
    unsafe fn lock(ptr: *mut Self::State);

    /// Acquires the lock if it is free right now.
    ///
    /// # Safety
    ///
    /// As for [`LockBackend::lock`].
    unsafe fn try_lock(ptr: *mut Self::State) -> bool;

    /// Releases the lock.
    ///
    /// # Safety
    ///
    /// The caller must hold the lock (taken on this task).
    unsafe fn unlock(ptr: *mut Self::State);
}

/// Declares a [`LockBackend`] over C helpers that wrap the lock's functions.
macro_rules! backend {
    ($(#[$doc:meta])* $name:ident, $state:ty, $init:ident, $lock:ident, $try:ident, $unlock:ident) => {
        $(#[$doc])*
        pub(crate) struct $name;

        // SAFETY: The C lock excludes other holders from lock (or a
        // successful trylock) until unlock.
        unsafe impl LockBackend for $name {
            type State = $state;

            unsafe fn init(ptr: *mut Self::State, class: LockClass) {
                // SAFETY: Valid, at its final address and unused (caller).
                unsafe { ffi::$init(ptr, class as u32) }
            }
            unsafe fn lock(ptr: *mut Self::State) {
                // SAFETY: Initialised, in a context that allows this kind of
                // lock (caller; mutexes check `might_sleep` on debug kernels).
                unsafe { ffi::$lock(ptr) }
            }
            unsafe fn try_lock(ptr: *mut Self::State) -> bool {
                // SAFETY: Initialised (caller).
                unsafe { ffi::$try(ptr) }
            }
            unsafe fn unlock(ptr: *mut Self::State) {
                // SAFETY: Held by this task (caller).
                unsafe { ffi::$unlock(ptr) }
            }
        }
    };
}

backend!(
    /// `spinlock_t`: never sleeps; nothing under it may sleep.
    SpinLockBackend,
    ffi::spinlock_t,
    zswap_rs_spin_lock_init,
    zswap_rs_spin_lock,
    zswap_rs_spin_trylock,
    zswap_rs_spin_unlock
);

backend!(
    /// `struct mutex`: may sleep; only in sleepable context.
    MutexBackend,
    ffi::mutex,
    zswap_rs_mutex_init,
    zswap_rs_mutex_lock,
    zswap_rs_mutex_trylock,
    zswap_rs_mutex_unlock
);

/// A C lock of kind `B` that protects a `T`.
///
/// # Invariants
///
/// `state` is initialised (by [`Lock::init`]) before any guard exists, and
/// `data` is only accessed through a [`Guard`], i.e. with the lock held.
pub(crate) struct Lock<T, B: LockBackend> {
    state: Opaque<B::State>,
    data: UnsafeCell<T>,
}

/// A spinlock protecting a `T`.
pub(crate) type SpinLock<T> = Lock<T, SpinLockBackend>;
/// A mutex protecting a `T`.
pub(crate) type Mutex<T> = Lock<T, MutexBackend>;

// SAFETY: The lock gives exclusive access to `T` to one thread at a time,
// so sharing the lock is fine when `T` may be sent between threads.
unsafe impl<T: Send, B: LockBackend> Sync for Lock<T, B> {}
// SAFETY: The lock holds no thread-bound state when not held.
unsafe impl<T: Send, B: LockBackend> Send for Lock<T, B> {}

impl<T, B: LockBackend> Lock<T, B> {
    /// A new lock around `data`, not yet initialised.
    ///
    /// # Safety
    ///
    /// The caller must pin the lock and call [`Lock::init`] on it before
    /// any other use (locking, sharing it with another thread).
    pub(crate) unsafe fn new_uninit(data: T) -> Self {
        Lock {
            state: Opaque::zeroed(),
            data: UnsafeCell::new(data),
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

    /// Initialises the lock in place with lockdep class `class`.
    pub(crate) fn init(self: Pin<&mut Self>, class: LockClass) {
        // SAFETY: `self` is pinned and exclusively borrowed: no guard exists
        // and the lock will not move again.
        // INVARIANT: Initialised from now on.
        unsafe { B::init(self.state.get(), class) };
    }

    fn raw(&self) -> *mut B::State {
        self.state.get()
    }

    /// Acquires the lock (a mutex may sleep; a spinlock spins).
    pub(crate) fn lock(&self) -> Guard<'_, T, B> {
        // SAFETY: Initialised (invariant); the caller's context allows this
        // kind of lock (mutexes check `might_sleep` on debug kernels).
        unsafe { B::lock(self.raw()) };
        // INVARIANT: Held until the guard is dropped.
        Guard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Acquires the lock if it is free right now.
    pub(crate) fn try_lock(&self) -> Option<Guard<'_, T, B>> {
        // SAFETY: As in `lock`.
        if unsafe { B::try_lock(self.raw()) } {
            // INVARIANT: Held until the guard is dropped.
            Some(Guard {
                lock: self,
                _not_send: PhantomData,
            })
        } else {
            None
        }
    }
}

impl<T> Lock<T, SpinLockBackend> {
    /// Acquires a second lock of the same class (lockdep subclass 1); the
    /// caller must order such nested acquisitions.
    pub(crate) fn lock_nested(&self) -> Guard<'_, T, SpinLockBackend> {
        // SAFETY: Initialised (invariant).
        unsafe { ffi::zswap_rs_spin_lock_nested(self.raw(), 1) };
        // INVARIANT: Held until the guard is dropped.
        Guard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Acquires a lock of this class at lockdep subclass `subclass` (a
    /// unit's member locks, `pool/unit.rs`); the caller must take nested
    /// locks of one class in ascending subclass order.  Lockdep knows
    /// subclasses 0 to 7 (`MAX_LOCKDEP_SUBCLASSES`): a higher one is
    /// taken as 7 rather than passed on.
    pub(crate) fn lock_subclass(&self, subclass: u8) -> Guard<'_, T, SpinLockBackend> {
        let sub = core::cmp::min(subclass, 7) as core::ffi::c_int;
        // SAFETY: Initialised (invariant); `sub` is a valid lockdep
        // subclass (0 to 7).
        unsafe { ffi::zswap_rs_spin_lock_nested(self.raw(), sub) };
        // INVARIANT: Held until the guard is dropped.
        Guard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Test hook: runs `f` while the lock is held as if by another CPU
    /// (below lockdep), so that `try_lock` here fails.  `f` must not take
    /// this lock.
    #[cfg(zrs_kunit)]
    pub(crate) fn held_elsewhere<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: Initialised lock; released below before returning.
        unsafe { ffi::zswap_rs_kunit_arch_spin_lock(self.raw()) };
        let r = f();
        // SAFETY: Taken above.
        unsafe { ffi::zswap_rs_kunit_arch_spin_unlock(self.raw()) };
        r
    }
}

/// Proof that a [`Lock`] is held; gives access to the data.
///
/// Not `Send` or `Sync`: the lock must be released by the task (and, for a
/// spinlock, on the CPU) that took it.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub(crate) struct Guard<'a, T, B: LockBackend> {
    lock: &'a Lock<T, B>,
    _not_send: PhantomData<*mut ()>,
}

impl<T, B: LockBackend> Deref for Guard<'_, T, B> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: The guard holds the lock, so no other reference to the data exists.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T, B: LockBackend> DerefMut for Guard<'_, T, B> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: The guard holds the lock, and `&mut self` makes this the only access.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T, B: LockBackend> Drop for Guard<'_, T, B> {
    fn drop(&mut self) {
        // SAFETY: The guard's existence means this task holds the lock.
        unsafe { B::unlock(self.lock.raw()) };
    }
}
