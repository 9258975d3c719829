// SPDX-License-Identifier: GPL-2.0

//! Errors: [`Errno`], the errno values the module uses, [`Result`], and
//! the conversions at the C boundary (upstream's `kernel::error`).

use core::ffi::c_int;

use crate::sys::bindings as ffi;

/// A kernel error number (positive value; the C return value is its negation).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Errno(pub(crate) c_int);

impl Errno {
    /// The value to return to C (`-errno`).
    pub(crate) fn to_c(self) -> c_int {
        -self.0
    }
}

/// The errno values zswap_rs returns or passes on, from the kernel's
/// headers (bindgen).
macro_rules! errnos {
    ($($name:ident),*) => {
        $(
            #[doc = concat!("`-", stringify!($name), "`.")]
            pub(crate) const $name: Errno = Errno(ffi::$name as c_int);
        )*
    };
}
errnos!(EAGAIN, EIO, ENOMEM, EBUSY, EEXIST, ENODEV, EINVAL, ENOSPC, ENOENT, ERANGE, EOPNOTSUPP);

/// Result type of the sys layer and above.
pub(crate) type Result<T = ()> = core::result::Result<T, Errno>;

/// `0` or a negative errno from C, as a [`Result`].
pub(crate) fn to_result(r: c_int) -> Result {
    if r < 0 {
        Err(Errno(-r))
    } else {
        Ok(())
    }
}

/// A [`Result`] as C wants it: `0` or a negative errno.
pub(crate) fn from_result(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_c(),
    }
}
