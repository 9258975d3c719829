// SPDX-License-Identifier: GPL-2.0

//! The read side that protects the module's globals for the movable-page
//! callbacks: a read-side section of the module's own SRCU domain
//! (`zswap_rs_srcu` in helpers.c), which [`Published`](super::global::Published)
//! waits out with `synchronize_srcu` before it frees an object.
//!
//! SRCU, not RCU: a plain RCU read-side section ends at the first sleep on
//! a kernel without preemptible RCU, so a `&T` obtained through an RCU
//! guard would be a use-after-free waiting for any sleeping call that the
//! type system cannot see.  An SRCU section lasts until its unlock, sleep
//! or not: holding a [`Guard`] across a sleeping call is memory-safe (the
//! movable-page callbacks still must not sleep, a rule of the VM, which
//! `might_sleep` checks on debug kernels; breaking it is a kernel bug, not
//! a use-after-free of our globals).
//!
//! A [`Guard`] can only be made by [`read`], which only `sys/` can call:
//! the guard's field is private to this module, and the guard lives only
//! as long as `read`'s closure.

use core::marker::PhantomData;

use crate::sys::bindings as ffi;

/// Proof of a read-side section of the module's SRCU domain (see the
/// module documentation).  Only [`read`] makes one, and only for the
/// duration of its closure.
///
/// # Invariants
///
/// While a `Guard` is alive, `srcu_read_lock` of the module's domain is
/// held (with index `idx`) on behalf of its holder.
pub(crate) struct Guard {
    idx: core::ffi::c_int,
    // Not `Send`: unlocked where it was locked (SRCU allows another task,
    // but the guard is borrowed by one closure anyway).
    _not_send: PhantomData<*mut ()>,
}

/// Runs `f` inside a read-side section; every [`Global`](super::global::Global)
/// reached through the guard stays published (or at least allocated) until
/// `f` returns.  Only for `sys/` (the movable-page trampolines).
pub(super) fn read<R>(f: impl FnOnce(&Guard) -> R) -> R {
    f(&lock())
}

/// Enters a read-side section, left when the guard drops.  Only for
/// `sys/`: a callback's [`CallbackGuard`](super::global::CallbackGuard)
/// holds one for the callback's duration.
pub(super) fn lock() -> Guard {
    // SAFETY: No preconditions (any context but NMI: SRCU's read side
    // neither sleeps nor spins); the index is handed back to the unlock in
    // `drop`.
    let idx = unsafe { ffi::zswap_rs_srcu_read_lock() };
    // INVARIANT: Locked just above with index `idx`.
    Guard {
        idx,
        _not_send: PhantomData,
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // SAFETY: Locked with this index when the guard was made
        // (invariant); each guard unlocks once.
        unsafe { ffi::zswap_rs_srcu_read_unlock(self.idx) };
    }
}

/// Waits until every read-side section that began before returns (may
/// sleep; module exit, test teardown).
pub(crate) fn synchronize() {
    // SAFETY: No preconditions but a sleepable context (`might_sleep`
    // checks it on debug kernels); called outside any section of the
    // domain (a section waiting for itself would deadlock, not corrupt).
    unsafe { ffi::zswap_rs_synchronize_srcu() };
}
