// SPDX-License-Identifier: GPL-2.0

//! zswap_rs: a compressed in-RAM cache for swap pages (frontswap backend).
//!
//! Crate root of `zswap_rs.ko`.  The C entry points (frontswap ops, module
//! init/exit, parameter and statistics callbacks) are here; they turn raw
//! arguments into safe types and call [`backend::Backend`].  See
//! `Documentation/design.rst`.

#![allow(clippy::missing_safety_doc)]

mod backend;
mod compress;
mod ffi;
mod index;
mod params;
mod stats;
mod sys;
mod zbud;

use core::ffi::{c_char, c_int, c_uint, c_ulong};
use core::fmt::Write;

use backend::Backend;
use params::{Param, Value};
use stats::{Counters, DERIVED_STATS};
use sys::crypto::AlgName;
use sys::global::{Global, ParamLockGuard, ParamLockToken};
use sys::page::PageRef;
use sys::PageBuf;

/// Log prefix for the `kernel` crate's printing macros.
const __LOG_PREFIX: &[u8] = b"zswap_rs\0";

/// The backend, published at init before frontswap registration.
static BACKEND: Global<Backend> = Global::new();

/// debugfs and sysfs handles, kept for removal at exit.
struct Files {
    debugfs: *mut ffi::dentry,
    sysfs: *mut ffi::kobject,
}
static FILES: sys::global::ParamLocked<Files> = sys::global::ParamLocked::new(Files {
    debugfs: core::ptr::null_mut(),
    sysfs: core::ptr::null_mut(),
});
// SAFETY: The raw pointers are only handed back to C (removal) under the parameter lock.
unsafe impl Send for Files {}

// ---- frontswap ops ----

unsafe extern "C" fn fs_init(_ty: c_uint) {
    // Indexes for every swap type exist from module init on.
}

unsafe extern "C" fn fs_store(ty: c_uint, offset: c_ulong, page: *mut ffi::page) -> c_int {
    let b = match BACKEND.get() {
        Some(b) => b,
        None => return -1,
    };
    // SAFETY: frontswap passes the locked swap-cache page being written;
    // nobody else touches its contents during the call.
    let page = match unsafe { PageRef::from_raw(page) } {
        Some(p) => p,
        None => return -1,
    };
    match b.store(ty, offset as u64, &page) {
        Ok(()) => 0,
        Err(e) => e.to_c(),
    }
}

unsafe extern "C" fn fs_load(ty: c_uint, offset: c_ulong, page: *mut ffi::page) -> c_int {
    let b = match BACKEND.get() {
        Some(b) => b,
        None => return -1,
    };
    // SAFETY: frontswap passes the locked swap-cache page being read; it is
    // ours to fill during the call.
    let mut page = match unsafe { PageRef::from_raw(page) } {
        Some(p) => p,
        None => return -1,
    };
    match b.load(ty, offset as u64, &mut page) {
        Ok(()) => 0,
        // Frontswap asks only for entries whose store succeeded, and none
        // is ever written back: whatever went wrong, the swap device does
        // not have the data.  -EIO fails the read (patch 0002).
        Err(_) => sys::EIO.to_c(),
    }
}

unsafe extern "C" fn fs_invalidate_page(ty: c_uint, offset: c_ulong) {
    if let Some(b) = BACKEND.get() {
        b.invalidate_page(ty, offset as u64);
    }
}

unsafe extern "C" fn fs_invalidate_area(ty: c_uint) {
    if let Some(b) = BACKEND.get() {
        b.invalidate_area(ty);
    }
}

static FRONTSWAP_OPS: ffi::frontswap_ops = ffi::frontswap_ops {
    init: Some(fs_init),
    store: Some(fs_store),
    load: Some(fs_load),
    invalidate_page: Some(fs_invalidate_page),
    invalidate_area: Some(fs_invalidate_area),
};

// ---- movable pool pages ----

// `teardown` unpublishes `BACKEND`, then waits for these callbacks with
// `synchronize_rcu` before freeing the pool.
movable_ops!(MOVABLE_OPS, || BACKEND.get().map(|b| &b.pool));

/// Shrinker `count_objects` (`glue.c`): frames compaction could free.
#[no_mangle]
pub extern "C" fn zswap_rs_shrink_count() -> c_ulong {
    BACKEND.get().map_or(0, |b| b.pool.compactable() as c_ulong)
}

/// Shrinker `scan_objects` (`glue.c`): compact, at most `nr` moves.
#[no_mangle]
pub extern "C" fn zswap_rs_shrink_scan(nr: c_ulong) -> c_ulong {
    BACKEND
        .get()
        .map_or(0, |b| b.compact(nr as usize) as c_ulong)
}

// ---- module parameters ----

/// `kernel_param_ops::set` for every parameter (`glue.c`).
#[no_mangle]
pub unsafe extern "C" fn zswap_rs_param_set(id: c_uint, val: *const c_char) -> c_int {
    let p = match Param::from_id(id) {
        Some(p) => p,
        None => return sys::EINVAL.to_c(),
    };
    // SAFETY: The kernel passes a NUL-terminated value valid for the call.
    let val = unsafe { sys::cstr_bytes(val) };
    // SAFETY: The kernel holds the module's parameter lock around `set`
    // (sysfs writes), or runs it single-threaded during insmod.
    let mut token = unsafe { ParamLockToken::assume_held() };
    match param_set(p, val, &mut token) {
        Ok(()) => 0,
        Err(e) => {
            params::log_refused(p, val, e);
            // Every refused value is an invalid argument to the caller.
            sys::EINVAL.to_c()
        }
    }
}

fn param_set(p: Param, val: &[u8], t: &mut ParamLockToken) -> sys::Result {
    match params::parse(p, val)? {
        Value::Compressor(name) => {
            if let Some(b) = BACKEND.get() {
                b.comps.select(&name)?;
                zpr_info!("compressor for new pages: {}", name.as_str());
            }
            *params::COMPRESSOR.get(t) = Some(name);
        }
        Value::Trigger => {
            if let Some(b) = BACKEND.get() {
                let n = b.compact_all();
                zpr_info!("compaction released {} pool pages", n);
            }
        }
        v => params::apply(p, v),
    }
    Ok(())
}

/// `kernel_param_ops::get` for every parameter (`glue.c`).
#[no_mangle]
pub unsafe extern "C" fn zswap_rs_param_get(id: c_uint, buf: *mut c_char) -> c_int {
    let p = match Param::from_id(id) {
        Some(p) => p,
        None => return sys::EINVAL.to_c(),
    };
    // SAFETY: `get` receives a PAGE_SIZE buffer that is ours for the call.
    let mut out = unsafe { PageBuf::from_raw(buf) };
    // SAFETY: The kernel holds the parameter lock around `get`.
    let mut token = unsafe { ParamLockToken::assume_held() };
    params::show(p, &mut token, &mut out);
    out.len()
}

// ---- statistics ----

/// Names of the debugfs files, NUL-terminated, in id order.
fn stat_names() -> impl Iterator<Item = &'static str> {
    Counters::NAMES.iter().chain(DERIVED_STATS.iter()).copied()
}

/// debugfs read of statistic `id` (`glue.c`).
#[no_mangle]
pub extern "C" fn zswap_rs_stat_get(id: c_uint) -> u64 {
    BACKEND.get().and_then(|b| b.stat(id as usize)).unwrap_or(0)
}

/// sysfs `show` of the world-readable summary (`glue.c`).
#[no_mangle]
pub unsafe extern "C" fn zswap_rs_summary_show(id: c_uint, buf: *mut c_char) -> c_int {
    // SAFETY: sysfs `show` receives a PAGE_SIZE buffer that is ours for the call.
    let mut out = unsafe { PageBuf::from_raw(buf) };
    let b = match BACKEND.get() {
        Some(b) => b,
        None => return 0,
    };
    let c = b.pool.counts();
    let stored = b.stored_pages();
    let _ = match id {
        0 => writeln!(out, "{}", stored),
        1 => writeln!(out, "{}", c.pages * sys::PAGE_SIZE as u64),
        2 => writeln!(out, "{}", stored * sys::PAGE_SIZE as u64),
        _ => {
            // Swapped bytes per byte of pool memory (same-filled pages count
            // as stored and cost no pool memory).
            let pool = c.pages.max(1) * sys::PAGE_SIZE as u64;
            let r = stored * sys::PAGE_SIZE as u64 * 100 / pool;
            if c.pages == 0 {
                writeln!(out, "0.00")
            } else {
                writeln!(out, "{}.{:02}", r / 100, r % 100)
            }
        }
    };
    out.len()
}

// ---- module init / exit ----

/// Module init (`glue.c`).
#[no_mangle]
pub extern "C" fn zswap_rs_init() -> c_int {
    let mut lock = ParamLockGuard::lock();
    let name = match *params::COMPRESSOR.get(lock.token()) {
        Some(n) => n,
        None => match AlgName::new(params::DEFAULT_COMPRESSOR) {
            Ok(n) => n,
            Err(e) => return e.to_c(),
        },
    };
    let types = ffi::ZRS_MAX_SWAPFILES as usize;
    let backend = match Backend::new(types, &name, true, Some(&MOVABLE_OPS)).and_then(sys::try_box)
    {
        Ok(b) => b,
        Err(e) => {
            zpr_err!(
                "cannot set up the pool with compressor {}: error {}",
                name.as_str(),
                e.0
            );
            return e.to_c();
        }
    };
    if BACKEND.set(backend).is_err() {
        return sys::EEXIST.to_c();
    }
    *params::COMPRESSOR.get(lock.token()) = Some(name);
    let files = FILES.get(lock.token());
    // NUL-terminated copies of the statistic names, and pointers to them
    // (heap: module init should not put kilobytes on the stack).
    let mut text = alloc::vec::Vec::new();
    let mut starts = alloc::vec::Vec::new();
    for s in stat_names() {
        let start = text.len();
        if text.try_reserve(s.len() + 1).is_err() || starts.try_push(start).is_err() {
            starts.clear();
            break;
        }
        for &b in s.as_bytes() {
            let _ = text.try_push(b);
        }
        let _ = text.try_push(0);
    }
    let mut names = alloc::vec::Vec::new();
    if names.try_reserve_exact(starts.len()).is_ok() {
        for &st in starts.iter() {
            let _ = names.try_push(text[st..].as_ptr().cast::<c_char>());
        }
    }
    // SAFETY: `names` holds pointers to NUL-terminated strings in `text`,
    // which outlives the call (debugfs copies the names).  With no names
    // (allocation failed) only the directory is created.
    files.debugfs = unsafe { ffi::zswap_rs_debugfs_create(names.as_ptr(), names.len() as c_uint) };
    // SAFETY: No preconditions.
    files.sysfs = unsafe { ffi::zswap_rs_sysfs_create() };
    // SAFETY: No preconditions; the callbacks reach the backend through
    // `BACKEND`, which is set.
    if unsafe { ffi::zswap_rs_shrinker_register() } != 0 {
        zpr_warn!("no shrinker: compaction runs only on demand (compact=1)");
    }
    // SAFETY: `FRONTSWAP_OPS` is a static table of valid callbacks that stay
    // callable until `frontswap_unregister_ops` succeeds in exit.
    let r = unsafe { ffi::frontswap_register_ops(&FRONTSWAP_OPS) };
    if r != 0 {
        zpr_err!(
            "cannot register with frontswap (error {}): another backend holds it; boot with zswap.register_frontswap=0",
            r
        );
        teardown(lock.token());
        return if r == -22 { sys::EBUSY.to_c() } else { r };
    }
    zpr_info!(
        "registered as frontswap backend (compressor {}, zbud pool, max_pool_percent {})",
        name.as_str(),
        params::get_u32(&params::KNOBS.max_pool_percent)
    );
    0
}

fn teardown(t: &mut ParamLockToken) {
    // SAFETY: Unregistering waits for running shrinker callbacks; it is a
    // no-op if registration failed (the shrinker list entry is unused).
    unsafe { ffi::zswap_rs_shrinker_unregister() };
    let files = FILES.get(t);
    // SAFETY: The handles came from the create calls (or are null); after
    // removal no debugfs/sysfs callback runs any more.
    unsafe {
        ffi::zswap_rs_sysfs_remove(files.sysfs);
        ffi::zswap_rs_debugfs_remove(files.debugfs);
    }
    files.sysfs = core::ptr::null_mut();
    files.debugfs = core::ptr::null_mut();
    // SAFETY: frontswap no longer calls us (never registered, or
    // unregistered: no call is running or can start), the shrinker and the
    // files are gone (their removal waits for running callbacks), and
    // parameter callbacks are excluded by the parameter lock held via `t`.
    // The `movable_operations` callbacks may still run on pool pages, but
    // each holds an RCU read lock from its `BACKEND.get()` to its return,
    // and we wait for those below before freeing; later ones find `BACKEND`
    // empty.
    let backend = unsafe { BACKEND.take() };
    sys::synchronize_rcu();
    // Dropping the pool releases every page with its movable state cleared
    // under the page lock, so the VM never calls us for them again.
    drop(backend);
}

/// Module exit (`glue.c`).  Only reached when no page is stored: stored
/// pages hold a module reference.
#[no_mangle]
pub extern "C" fn zswap_rs_exit() {
    // Stored pages pin the module, so frontswap holds none of ours now and
    // this succeeds.  If it ever reported pages (a bug), unloading would
    // lose them and free callbacks under frontswap: wait instead.
    let mut tries = 0u32;
    loop {
        // SAFETY: `FRONTSWAP_OPS` was registered by init.
        let r = unsafe { ffi::frontswap_unregister_ops(&FRONTSWAP_OPS) };
        if r == 0 {
            break;
        }
        if tries % 1000 == 0 {
            zpr_err!(
                "BUG: frontswap_unregister_ops: error {} with no page pinned; waiting",
                r
            );
        }
        tries += 1;
        sys::msleep(10);
    }
    let mut lock = ParamLockGuard::lock();
    teardown(lock.token());
    zpr_info!("unregistered");
}
