// SPDX-License-Identifier: GPL-2.0

//! Synchronous compression through the crypto API (`crypto_comp`).
//!
//! C header: `include/linux/crypto.h`.

use core::ptr::NonNull;

use super::{Errno, Result, EINVAL};
use crate::sys::bindings as ffi;

/// Longest compressor name we accept (the crypto API's `CRYPTO_MAX_ALG_NAME` is 128).
pub(crate) const MAX_NAME: usize = 32;

/// A NUL-terminated copy of a compressor name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct AlgName {
    buf: [u8; MAX_NAME + 1],
    len: usize,
}

/// The most `len` bytes can compress to with any algorithm the module
/// offers: lzo's worst case (`lzo1x_worst_compress`), above lz4's
/// (`LZ4_COMPRESSBOUND`), zstd's and deflate's for one page.
pub(crate) const fn compress_bound(len: usize) -> usize {
    len + len / 16 + 64 + 3
}

impl AlgName {
    /// Validates and copies `name` (trailing newline and spaces ignored).
    pub(crate) fn new(name: &[u8]) -> Result<AlgName> {
        let name = super::trim_line(name);
        if name.is_empty() || name.len() > MAX_NAME || name.contains(&0) {
            return Err(EINVAL);
        }
        let mut buf = [0u8; MAX_NAME + 1];
        buf[..name.len()].copy_from_slice(name);
        Ok(AlgName {
            buf,
            len: name.len(),
        })
    }

    /// The name without the NUL.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The name as `&str` (names we accepted are what the crypto API knows: ASCII).
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(self.as_bytes()).unwrap_or("?")
    }

    /// True if the kernel has a compressor of this name (may load a module).
    pub(crate) fn exists(&self) -> bool {
        // SAFETY: `buf` is NUL-terminated.
        unsafe { ffi::zswap_rs_crypto_has_comp(self.buf.as_ptr().cast()) }
    }
}

impl core::fmt::Debug for AlgName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A compression transform.  Not reentrant: `&mut self` for every operation.
///
/// # Invariants
///
/// `tfm` is a valid transform allocated by `crypto_alloc_comp`, owned by us.
pub(crate) struct Comp {
    tfm: NonNull<ffi::crypto_comp>,
}

// SAFETY: A transform may be used from any thread, one at a time (`&mut self`).
unsafe impl Send for Comp {}

impl Comp {
    /// Allocates a transform for `name`; may sleep.
    pub(crate) fn new(name: &AlgName) -> Result<Comp> {
        // SAFETY: `name.buf` is NUL-terminated.
        let p = unsafe { ffi::zswap_rs_crypto_alloc_comp(name.buf.as_ptr().cast()) };
        // SAFETY: `ptr_err` only inspects the pointer value.
        let err = unsafe { ffi::zswap_rs_ptr_err(p.cast()) };
        if err != 0 {
            return Err(Errno(-err as i32));
        }
        // INVARIANT: Not an error pointer, so a valid transform we own.
        NonNull::new(p).map(|tfm| Comp { tfm }).ok_or(EINVAL)
    }

    /// Compresses `src` into `dst`; returns the compressed length.
    /// `EINVAL` if `dst` is shorter than the worst case of the largest
    /// algorithm ([`compress_bound`]): not every 6.1.y compressor bounds
    /// its output by `dst`'s length (lzo did not before its `_safe`
    /// variant was backported), so a short buffer could be overrun.
    pub(crate) fn compress(&mut self, src: &[u8], dst: &mut [u8]) -> Result<usize> {
        if dst.len() < compress_bound(src.len()) {
            return Err(EINVAL);
        }
        self.run(ffi::crypto_comp_compress, src, dst)
    }

    /// Decompresses `src` into `dst`; returns the decompressed length.
    pub(crate) fn decompress(&mut self, src: &[u8], dst: &mut [u8]) -> Result<usize> {
        self.run(ffi::crypto_comp_decompress, src, dst)
    }

    fn run(
        &mut self,
        op: unsafe extern "C" fn(*mut ffi::crypto_comp, *const u8, u32, *mut u8, *mut u32) -> i32,
        src: &[u8],
        dst: &mut [u8],
    ) -> Result<usize> {
        let mut dlen = dst.len() as u32;
        // SAFETY: `op` is `crypto_comp_compress` or `crypto_comp_decompress`;
        // the tfm is valid (invariant) and used by one thread at a time
        // (`&mut self`); the buffers are valid for their lengths.
        let r = unsafe {
            op(
                self.tfm.as_ptr(),
                src.as_ptr(),
                src.len() as u32,
                dst.as_mut_ptr(),
                &mut dlen,
            )
        };
        if r != 0 {
            return Err(Errno(-r));
        }
        Ok(dlen as usize)
    }
}

impl Drop for Comp {
    fn drop(&mut self) {
        // SAFETY: We own the transform (invariant).
        unsafe { ffi::zswap_rs_crypto_free_comp(self.tfm.as_ptr()) };
    }
}
