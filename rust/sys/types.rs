// SPDX-License-Identifier: GPL-2.0

//! Types for C objects held in Rust ones: [`Opaque`] (upstream's
//! `kernel::types::Opaque`).

/// A C object embedded in a Rust one and touched only by C, through
/// [`Opaque::get`] (upstream's `kernel::types::Opaque`, which 6.1's
/// `kernel` crate does not have yet): zero bytes until its C init function
/// runs on it in place, never moved afterwards (`!Unpin`: it lives behind
/// a `Pin`).
#[repr(transparent)]
pub(crate) struct Opaque<T> {
    value: core::cell::UnsafeCell<core::mem::MaybeUninit<T>>,
    _pin: core::marker::PhantomPinned,
}

impl<T> Opaque<T> {
    /// All zeroes, for its C init function to initialise in place.
    pub(crate) fn zeroed() -> Self {
        Opaque {
            value: core::cell::UnsafeCell::new(core::mem::MaybeUninit::zeroed()),
            _pin: core::marker::PhantomPinned,
        }
    }

    /// The raw pointer C functions take.
    pub(crate) const fn get(&self) -> *mut T {
        self.value.get() as *mut T
    }
}
