// SPDX-License-Identifier: GPL-2.0

//! The module's C entry points that glue.c calls by name: module
//! parameters, debugfs statistics, the sysfs summary, `/proc/meminfo`'s
//! totals and the reclaim work.
//!
//! The module implements the traits below in safe code; the
//! [`entry_points!`](crate::entry_points) macro (invoked once, in the
//! crate root) emits the `#[no_mangle] extern "C"` functions, which only
//! call the generic trampolines here.  All `unsafe` (C strings, buffers,
//! the lock and lifetime proofs) is in this file, as the `kernel` crate's
//! `module!` keeps it out of a driver (rnull.rs).  Each callback gets the
//! proof that the module's globals outlive it ([`CallbackGuard`]), and the
//! parameter callbacks the proof that the parameter lock is held
//! ([`ParamLockToken`]).

use core::ffi::{c_char, c_int, c_uint, c_ulong};

use super::global::{CallbackGuard, ParamLockToken};
use super::str::cstr_bytes;
use super::{Errno, PageBuf, Result, EINVAL};
use crate::sys::bindings as ffi;

/// An entry of a C table, named by the id that glue.h's enum gives it.
pub(crate) trait CId: Sized + Copy {
    /// The entry with C id `id`, if there is one.
    fn from_id(id: u32) -> Option<Self>;
}

/// The module parameters (`kernel_param_ops` in glue.c, one per entry of
/// glue.h's `ZSWAP_RS_PARAMS`).  Both run with the parameter lock held
/// (sysfs), or single-threaded during insmod's argument parsing.
pub(crate) trait Params {
    /// The parameter ids (glue.h's `enum zswap_rs_param`).
    type Id: CId;
    /// Sets `id` from `val` (the bytes written, without the NUL).  An
    /// error is reported to the writer as `-EINVAL` after
    /// [`Params::refused`] logged it.
    fn set(g: &CallbackGuard, id: Self::Id, val: &[u8], t: &mut ParamLockToken) -> Result;
    /// Says why a value was refused (once, in the log).
    fn refused(id: Self::Id, val: &[u8], e: Errno);
    /// Shows the value of `id`.
    fn get(id: Self::Id, t: &mut ParamLockToken, out: &mut PageBuf<'_>);
}

/// The files of the world-readable sysfs summary (`/sys/kernel/mm/zswap_rs`,
/// glue.h's `enum zswap_rs_summary`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub(crate) enum SummaryFile {
    /// `stored_pages`.
    StoredPages = ffi::zswap_rs_summary_ZRS_SUM_STORED_PAGES,
    /// `pool_total_size`.
    PoolTotalSize = ffi::zswap_rs_summary_ZRS_SUM_POOL_TOTAL_SIZE,
    /// `stored_bytes`.
    StoredBytes = ffi::zswap_rs_summary_ZRS_SUM_STORED_BYTES,
    /// `compression_ratio`.
    CompressionRatio = ffi::zswap_rs_summary_ZRS_SUM_COMPRESSION_RATIO,
}

impl CId for SummaryFile {
    fn from_id(id: u32) -> Option<Self> {
        [
            SummaryFile::StoredPages,
            SummaryFile::PoolTotalSize,
            SummaryFile::StoredBytes,
            SummaryFile::CompressionRatio,
        ]
        .into_iter()
        .find(|f| *f as u32 == id)
    }
}

/// `/proc/meminfo`'s `Zswap:` (pool bytes) and `Zswapped:` (stored pages).
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct MeminfoTotals {
    /// Memory the pool holds, in bytes.
    pub(crate) pool_bytes: u64,
    /// Pages stored.
    pub(crate) stored_pages: u64,
}

/// The statistics files: debugfs (one per statistic id), the sysfs
/// summary and the meminfo source.  Each callback runs while its file or
/// source is registered; the registrations are dropped, waiting for
/// running callbacks, before the module's globals are retired.
pub(crate) trait Statistics {
    /// The statistic ids (the debugfs files' ids).
    type Id: CId;
    /// The value of statistic `id`.
    fn stat(g: &CallbackGuard, id: Self::Id) -> u64;
    /// Shows summary file `file`.
    fn summary(g: &CallbackGuard, file: SummaryFile, out: &mut PageBuf<'_>);
    /// The meminfo totals.
    fn meminfo(g: &CallbackGuard) -> MeminfoTotals;
}

/// The reclaim worker (glue.c's work item; `sys::ReclaimWork` cancels it,
/// waiting for a running one, before the module's globals are retired).
pub(crate) trait ReclaimWorker {
    /// Runs the work once.  May sleep.
    fn run(g: &CallbackGuard);
}

/// Trampoline of `zswap_rs_param_set`.
///
/// # Safety
///
/// Called by the kernel's parameter code only (glue.c's
/// `kernel_param_ops::set`): with the module's parameter lock held (sysfs
/// writes) or single-threaded during insmod, which the module's exit (the
/// only code that retires its globals) excludes by holding that lock; and
/// `val` a NUL-terminated string valid for the call.
pub(crate) unsafe fn param_set<T: Params>(id: c_uint, val: *const c_char) -> c_int {
    let id = match T::Id::from_id(id) {
        Some(id) => id,
        None => return EINVAL.to_c(),
    };
    // SAFETY: NUL-terminated and valid for the call (function contract).
    let val = unsafe { cstr_bytes(val) };
    // SAFETY: The parameter lock is held (function contract).
    let mut token = unsafe { ParamLockToken::assume_held() };
    let g = CallbackGuard::new();
    match T::set(&g, id, val, &mut token) {
        Ok(()) => 0,
        Err(e) => {
            T::refused(id, val, e);
            // Every refused value is an invalid argument to the writer.
            EINVAL.to_c()
        }
    }
}

/// Trampoline of `zswap_rs_param_get`.
///
/// # Safety
///
/// Called by the kernel's parameter code only, with the parameter lock
/// held and `buf` a `PAGE_SIZE` buffer that is ours for the call.
pub(crate) unsafe fn param_get<T: Params>(id: c_uint, buf: *mut c_char) -> c_int {
    let id = match T::Id::from_id(id) {
        Some(id) => id,
        None => return EINVAL.to_c(),
    };
    // SAFETY: A `PAGE_SIZE` buffer that is ours for the call (contract).
    let mut out = unsafe { PageBuf::from_raw(buf) };
    // SAFETY: The parameter lock is held (contract).
    let mut token = unsafe { ParamLockToken::assume_held() };
    T::get(id, &mut token, &mut out);
    out.len()
}

/// Trampoline of `zswap_rs_stat_get`.
///
/// # Safety
///
/// Called only by the read handler of a file of the module's debugfs
/// directory, whose removal (before the globals are retired) waits for it.
pub(crate) unsafe fn stat_get<T: Statistics>(id: c_uint) -> u64 {
    let g = CallbackGuard::new();
    match T::Id::from_id(id) {
        Some(id) => T::stat(&g, id),
        None => 0,
    }
}

/// Trampoline of `zswap_rs_summary_show`.
///
/// # Safety
///
/// Called only by the `show` of a file of the module's sysfs summary
/// (whose removal, before the globals are retired, waits for it), with
/// `buf` a `PAGE_SIZE` buffer that is ours for the call.
pub(crate) unsafe fn summary_show<T: Statistics>(id: c_uint, buf: *mut c_char) -> c_int {
    // SAFETY: A `PAGE_SIZE` buffer that is ours for the call (contract).
    let mut out = unsafe { PageBuf::from_raw(buf) };
    let g = CallbackGuard::new();
    if let Some(f) = SummaryFile::from_id(id) {
        T::summary(&g, f, &mut out);
    }
    out.len()
}

/// Trampoline of `zswap_rs_meminfo`.
///
/// # Safety
///
/// Called only by the read of the meminfo source that `meminfo::Source`
/// registered, whose unregistration (before the globals are retired)
/// waits for it; both pointers valid for writes.
pub(crate) unsafe fn meminfo<T: Statistics>(pool_bytes: *mut u64, stored_pages: *mut c_ulong) {
    let g = CallbackGuard::new();
    let t = T::meminfo(&g);
    // SAFETY: Valid for writes (function contract).
    unsafe {
        *pool_bytes = t.pool_bytes;
        *stored_pages = t.stored_pages as c_ulong;
    }
}

/// Trampoline of `zswap_rs_reclaim_work`.
///
/// # Safety
///
/// Called by glue.c's work item only, which `sys::ReclaimWork` cancels
/// (waiting for a running one) before the globals are retired.
pub(crate) unsafe fn reclaim_work<T: ReclaimWorker>() {
    let g = CallbackGuard::new();
    T::run(&g);
}

/// Emits the C entry points of glue.h for the module type `$t`, which
/// implements [`Params`], [`Statistics`] and [`ReclaimWorker`].  Invoke
/// once, in the crate root.
#[macro_export]
macro_rules! entry_points {
    ($t:ty) => {
        /// `kernel_param_ops::set` of every parameter (glue.c).
        ///
        /// # Safety
        ///
        /// As [`sys::entry::param_set`](crate::sys::entry::param_set).
        #[no_mangle]
        pub unsafe extern "C" fn zswap_rs_param_set(
            id: core::ffi::c_uint,
            val: *const core::ffi::c_char,
        ) -> core::ffi::c_int {
            // SAFETY: The same contract.
            unsafe { $crate::sys::entry::param_set::<$t>(id, val) }
        }

        /// `kernel_param_ops::get` of every parameter (glue.c).
        ///
        /// # Safety
        ///
        /// As [`sys::entry::param_get`](crate::sys::entry::param_get).
        #[no_mangle]
        pub unsafe extern "C" fn zswap_rs_param_get(
            id: core::ffi::c_uint,
            buf: *mut core::ffi::c_char,
        ) -> core::ffi::c_int {
            // SAFETY: The same contract.
            unsafe { $crate::sys::entry::param_get::<$t>(id, buf) }
        }

        /// debugfs read of statistic `id` (glue.c).
        ///
        /// # Safety
        ///
        /// As [`sys::entry::stat_get`](crate::sys::entry::stat_get).
        #[no_mangle]
        pub unsafe extern "C" fn zswap_rs_stat_get(id: core::ffi::c_uint) -> u64 {
            // SAFETY: The same contract.
            unsafe { $crate::sys::entry::stat_get::<$t>(id) }
        }

        /// sysfs `show` of the summary (glue.c).
        ///
        /// # Safety
        ///
        /// As [`sys::entry::summary_show`](crate::sys::entry::summary_show).
        #[no_mangle]
        pub unsafe extern "C" fn zswap_rs_summary_show(
            id: core::ffi::c_uint,
            buf: *mut core::ffi::c_char,
        ) -> core::ffi::c_int {
            // SAFETY: The same contract.
            unsafe { $crate::sys::entry::summary_show::<$t>(id, buf) }
        }

        /// The `/proc/meminfo` totals (glue.c's meminfo source).
        ///
        /// # Safety
        ///
        /// As [`sys::entry::meminfo`](crate::sys::entry::meminfo).
        #[no_mangle]
        pub unsafe extern "C" fn zswap_rs_meminfo(
            pool_bytes: *mut u64,
            stored_pages: *mut core::ffi::c_ulong,
        ) {
            // SAFETY: The same contract.
            unsafe { $crate::sys::entry::meminfo::<$t>(pool_bytes, stored_pages) }
        }

        /// The reclaim work item (glue.c).
        ///
        /// # Safety
        ///
        /// As [`sys::entry::reclaim_work`](crate::sys::entry::reclaim_work).
        #[no_mangle]
        pub unsafe extern "C" fn zswap_rs_reclaim_work() {
            // SAFETY: The same contract.
            unsafe { $crate::sys::entry::reclaim_work::<$t>() }
        }
    };
}
