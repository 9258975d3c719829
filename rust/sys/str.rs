// SPDX-License-Identifier: GPL-2.0

//! Strings and buffers at the C boundary (upstream's `kernel::str`): C
//! strings, sysfs and parameter values, page buffers.

use core::ffi::c_int;
use core::fmt;

use super::PAGE_SIZE;
use crate::sys::bindings as ffi;

/// Writes a formatted string into a C buffer of `PAGE_SIZE` bytes (sysfs
/// `show`, `kernel_param_ops::get`); returns the length written.
pub(crate) struct PageBuf<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> PageBuf<'a> {
    /// Wraps the `PAGE_SIZE` buffer at `buf`.
    ///
    /// # Safety
    ///
    /// `buf` must be valid for writes of `PAGE_SIZE` bytes for `'a`, and not
    /// be accessed otherwise during `'a`.
    pub(crate) unsafe fn from_raw(buf: *mut core::ffi::c_char) -> Self {
        // SAFETY: Guaranteed by the caller.
        let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE) };
        PageBuf { buf, len: 0 }
    }

    /// Bytes written so far, as a C return value.
    pub(crate) fn len(&self) -> c_int {
        self.len as c_int
    }
}

impl fmt::Write for PageBuf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - 1 - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        self.buf[self.len] = 0;
        if n < s.len() {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// `v` without trailing newlines and spaces (how sysfs values arrive).
pub(crate) fn trim_line(v: &[u8]) -> &[u8] {
    let mut end = v.len();
    while end > 0 && (v[end - 1] == b'\n' || v[end - 1] == b' ') {
        end -= 1;
    }
    &v[..end]
}

/// A C string handed to us (module parameter value), as bytes without the NUL.
///
/// # Safety
///
/// `s` must be a valid NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn cstr_bytes<'a>(s: *const core::ffi::c_char) -> &'a [u8] {
    let mut n = 0;
    // SAFETY: `s` is NUL-terminated (caller), so every byte up to and
    // including the NUL is readable.
    while unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    // SAFETY: The `n` bytes before the NUL are readable for `'a` (caller).
    unsafe { core::slice::from_raw_parts(s.cast::<u8>(), n) }
}

/// The name of module parameter `id` (`glue.h`), `"?"` if out of range.
pub(crate) fn param_name(id: u32) -> &'static str {
    // SAFETY: No preconditions; returns NULL or a static string.
    let p = unsafe { ffi::zswap_rs_param_name(id) };
    if p.is_null() {
        return "?";
    }
    // SAFETY: A NUL-terminated string literal in the module's rodata.
    let b = unsafe { cstr_bytes(p) };
    core::str::from_utf8(b).unwrap_or("?")
}
