// SPDX-License-Identifier: GPL-2.0

//! zswap_rs: a compressed in-RAM cache for swap pages (frontswap backend).
//!
//! Crate root of `zswap_rs.ko`: the module as one struct, [`ZswapRs`],
//! whose fields are what init set up and whose drop (module exit) tears it
//! down in field order; the frontswap, movable-page and shrinker callbacks
//! as trait implementations; the entry points of the C attribute tables
//! (module parameters, debugfs, sysfs).  The logic is in [`backend`],
//! [`zbud`], [`index`] and [`compress`].  See `Documentation/design.rst`.

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
use stats::Stat;
use sys::crypto::AlgName;
use sys::frontswap::{self, Frontswap};
use sys::global::{CallbackGuard, Global, ParamLockGuard, ParamLockToken, ParamLocked, Published};
use sys::movable::MovableOps;
use sys::page::PageRef;
use sys::shrinker::{self, Shrinker};
use sys::{debugfs, meminfo, sysfs, PageBuf, RcuReadGuard, Result, EEXIST, EIO, ENODEV};
use zbud::{PoolOwner, PoolPages};

/// Log prefix for the `kernel` crate's printing macros.
const __LOG_PREFIX: &[u8] = b"zswap_rs\0";

/// The backend, which the callbacks reach (none of them has a context
/// pointer in 6.1).  Published and retired by [`ZswapRs::backend`].
static BACKEND: Global<Backend> = Global::new();

/// The loaded module: what init set up.  Dropping it (module exit) tears
/// it down in field order: first everything that calls into the backend
/// (each drop waits for its running callbacks), then the backend itself.
struct ZswapRs {
    _frontswap: frontswap::Registration<ZswapRs>,
    _shrinker: Option<shrinker::Registration<ZswapRs>>,
    /// After the two above: nothing queues it any more.
    _reclaim: sys::ReclaimWork,
    _sysfs: Option<sysfs::Summary>,
    _debugfs: Option<debugfs::Dir>,
    /// `/proc/meminfo` stops asking us (after a grace period) before the
    /// backend goes.
    _meminfo: meminfo::Source,
    /// Unpublished, an RCU grace period for the movable-page callbacks,
    /// then freed: the pool gives every page back with its movable state
    /// cleared under the page lock, so the VM never calls us again.
    _backend: Published<Backend>,
}

impl Drop for ZswapRs {
    /// Before the fields go: every stored page is handed to the swap
    /// device, so that frontswap lets the backend go and nothing is lost.
    fn drop(&mut self) {
        let b = self._backend.get();
        let n = b.stored_pages();
        let left = b.close();
        if left != 0 {
            sys::warn(format_args!(
                "{} stored pages could not be written back; waiting for frontswap to let go",
                left
            ));
        } else if n != 0 {
            zpr_info!("wrote {} stored pages back to the swap device", n);
        }
    }
}

/// The module while it is loaded (set by init, taken by exit, both under
/// the parameter lock).
static MODULE: ParamLocked<Option<ZswapRs>> = ParamLocked::new(None);

impl Frontswap for ZswapRs {
    fn init(_g: &CallbackGuard, _ty: u32) {
        // Indexes for every swap type exist from module init on.
    }

    fn store(g: &CallbackGuard, ty: u32, offset: u64, page: &PageRef<'_>) -> Result {
        BACKEND.get(g).ok_or(ENODEV)?.store(ty, offset, page)
    }

    fn load(g: &CallbackGuard, ty: u32, offset: u64, page: &mut PageRef<'_>) -> Result {
        // Frontswap asks only for entries whose store succeeded, and none
        // is ever written back: whatever went wrong, the swap device does
        // not have the data.  `EIO` fails the read (patch 0002).
        BACKEND
            .get(g)
            .ok_or(EIO)?
            .load(ty, offset, page)
            .map_err(|_| EIO)
    }

    fn invalidate_page(g: &CallbackGuard, ty: u32, offset: u64) {
        if let Some(b) = BACKEND.get(g) {
            b.invalidate_page(ty, offset);
        }
    }

    fn invalidate_area(g: &CallbackGuard, ty: u32) {
        if let Some(b) = BACKEND.get(g) {
            b.invalidate_area(ty);
        }
    }
}

/// The pool's pages are movable; their callbacks find it in `BACKEND`.
impl PoolOwner for ZswapRs {
    fn pool(g: &RcuReadGuard) -> Option<&zbud::Pool> {
        BACKEND.get(g).map(|b| &b.pool)
    }
}

/// Compaction under memory pressure.
impl Shrinker for ZswapRs {
    fn count(g: &CallbackGuard) -> u64 {
        let b = match BACKEND.get(g) {
            Some(b) => b,
            None => return 0,
        };
        if params::get_bool(&params::KNOBS.shrinker_writeback) {
            b.pool.compactable().max(b.pool.pages() / 2)
        } else {
            b.pool.compactable()
        }
    }

    fn scan(g: &CallbackGuard, nr: u64, may_io: bool) -> u64 {
        let b = match BACKEND.get(g) {
            Some(b) => b,
            None => return 0,
        };
        let mut freed = b.compact(nr as usize) as u64;
        // Cold frames to the device too, if asked (the shrinker may sleep:
        // 6.1 calls it from reclaim with GFP_KERNEL-capable contexts).
        if freed < nr && may_io && params::get_bool(&params::KNOBS.shrinker_writeback) {
            freed += b.reclaim((nr - freed) as usize) as u64;
        }
        freed
    }
}

// ---- module parameters ----

/// `kernel_param_ops::set` for every parameter (`glue.c`).
///
/// # Safety
///
/// Called by the kernel's parameter code only: with the module's parameter
/// lock held (sysfs writes) or single-threaded during insmod, and `val` a
/// NUL-terminated string valid for the call.
#[no_mangle]
pub unsafe extern "C" fn zswap_rs_param_set(id: c_uint, val: *const c_char) -> c_int {
    let p = match Param::from_id(id) {
        Some(p) => p,
        None => return sys::EINVAL.to_c(),
    };
    // SAFETY: NUL-terminated and valid for the call (function contract).
    let val = unsafe { sys::cstr_bytes(val) };
    // SAFETY: The parameter lock is held (function contract).
    let mut token = unsafe { ParamLockToken::assume_held() };
    // SAFETY: Exit retires `BACKEND` holding the parameter lock, which this
    // callback holds: no retirement can overlap the call.
    let g = unsafe { CallbackGuard::new() };
    match param_set(&g, p, val, &mut token) {
        Ok(()) => 0,
        Err(e) => {
            params::log_refused(p, val, e);
            // Every refused value is an invalid argument to the caller.
            sys::EINVAL.to_c()
        }
    }
}

fn param_set(g: &CallbackGuard, p: Param, val: &[u8], t: &mut ParamLockToken) -> Result {
    match params::parse(p, val)? {
        Value::Compressor(name) => {
            if let Some(b) = BACKEND.get(g) {
                b.comps.select(&name)?;
                zpr_info!("compressor for new pages: {}", name.as_str());
            }
            *params::COMPRESSOR.get(t) = Some(name);
        }
        Value::WriteBackNow(n) => {
            if let Some(b) = BACKEND.get(g) {
                let done = b.reclaim(n as usize);
                zpr_info!("writeback emptied {} of {} frames asked", done, n);
            }
        }
        Value::Trigger => {
            if let Some(b) = BACKEND.get(g) {
                let n = b.compact_all();
                zpr_info!("compaction released {} pool pages", n);
            }
        }
        v => params::apply(p, v),
    }
    Ok(())
}

/// `kernel_param_ops::get` for every parameter (`glue.c`).
///
/// # Safety
///
/// Called by the kernel's parameter code only, with the parameter lock
/// held and `buf` a `PAGE_SIZE` buffer that is ours for the call.
#[no_mangle]
pub unsafe extern "C" fn zswap_rs_param_get(id: c_uint, buf: *mut c_char) -> c_int {
    let p = match Param::from_id(id) {
        Some(p) => p,
        None => return sys::EINVAL.to_c(),
    };
    // SAFETY: A `PAGE_SIZE` buffer that is ours for the call (contract).
    let mut out = unsafe { PageBuf::from_raw(buf) };
    // SAFETY: The parameter lock is held (contract).
    let mut token = unsafe { ParamLockToken::assume_held() };
    params::show(p, &mut token, &mut out);
    out.len()
}

// ---- statistics ----

/// The `Zswap:` and `Zswapped:` totals of `/proc/meminfo` (`glue.c`).
///
/// # Safety
///
/// Called only by the read of the meminfo source that [`ZswapRs`]'s
/// `meminfo::Source` registered, whose unregistration (before `BACKEND`
/// is retired) waits for it; both pointers are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn zswap_rs_meminfo(pool_bytes: *mut u64, stored_pages: *mut c_ulong) {
    // SAFETY: See the function contract.
    let g = unsafe { CallbackGuard::new() };
    let (bytes, pages) = match BACKEND.get(&g) {
        Some(b) => (b.stat(Stat::pool_total_size), b.stat(Stat::stored_pages)),
        None => (0, 0),
    };
    // SAFETY: Valid for writes (function contract).
    unsafe {
        *pool_bytes = bytes;
        *stored_pages = pages as c_ulong;
    }
}

/// debugfs read of statistic `id` (`glue.c`).
///
/// # Safety
///
/// Called only by the read handler of a file of [`ZswapRs`]'s debugfs
/// directory, which holds a reference that the directory's removal (before
/// `BACKEND` is retired) waits for.
#[no_mangle]
pub unsafe extern "C" fn zswap_rs_stat_get(id: c_uint) -> u64 {
    // SAFETY: See the function contract.
    let g = unsafe { CallbackGuard::new() };
    match (Stat::from_id(id), BACKEND.get(&g)) {
        (Some(s), Some(b)) => b.stat(s),
        _ => 0,
    }
}

/// sysfs `show` of the world-readable summary (`glue.c`).
///
/// # Safety
///
/// Called only by the `show` of a file of [`ZswapRs`]'s sysfs summary
/// (whose removal, before `BACKEND` is retired, waits for it), with `buf`
/// a `PAGE_SIZE` buffer that is ours for the call.
#[no_mangle]
pub unsafe extern "C" fn zswap_rs_summary_show(id: c_uint, buf: *mut c_char) -> c_int {
    // SAFETY: A `PAGE_SIZE` buffer that is ours for the call (contract).
    let mut out = unsafe { PageBuf::from_raw(buf) };
    // SAFETY: See the function contract.
    let g = unsafe { CallbackGuard::new() };
    let b = match BACKEND.get(&g) {
        Some(b) => b,
        None => return 0,
    };
    let pages = b.stat(Stat::pool_pages);
    let stored = b.stored_pages();
    let page = sys::PAGE_SIZE as u64;
    let _ = match id {
        0 => writeln!(out, "{}", stored),
        1 => writeln!(out, "{}", pages * page),
        2 => writeln!(out, "{}", stored * page),
        _ => {
            // Swapped bytes per byte of pool memory (same-filled pages count
            // as stored and cost no pool memory).
            let r = stored * page * 100 / (pages.max(1) * page);
            if pages == 0 {
                writeln!(out, "0.00")
            } else {
                writeln!(out, "{}.{:02}", r / 100, r % 100)
            }
        }
    };
    out.len()
}

/// The reclaim worker (`glue.c`), queued when a store finds the pool at
/// its limit.
///
/// # Safety
///
/// Called by the work item only, which [`ZswapRs`] cancels (waiting for a
/// running one) before it retires `BACKEND`.
#[no_mangle]
pub unsafe extern "C" fn zswap_rs_reclaim_work() {
    // SAFETY: See the function contract.
    let g = unsafe { CallbackGuard::new() };
    if let Some(b) = BACKEND.get(&g) {
        b.reclaim_to_threshold();
    }
}

// ---- module init / exit ----

/// Module init (`glue.c`).
#[no_mangle]
pub extern "C" fn zswap_rs_init() -> c_int {
    let mut lock = ParamLockGuard::lock();
    match ZswapRs::new(lock.token()) {
        Ok(m) => {
            *MODULE.get(lock.token()) = Some(m);
            0
        }
        Err(e) => e.to_c(),
    }
}

impl ZswapRs {
    fn new(t: &mut ParamLockToken) -> Result<ZswapRs> {
        let name = match *params::COMPRESSOR.get(t) {
            Some(n) => n,
            None => AlgName::new(params::DEFAULT_COMPRESSOR)?,
        };
        let types = ffi::ZRS_MAX_SWAPFILES as usize;
        let ops = MovableOps::of::<PoolPages<ZswapRs>>();
        // Stored pages do not pin the module: unloading writes them back.
        let backend = Backend::new(types, &name, false, Some(ops))
            .and_then(sys::try_box)
            .map_err(|e| {
                zpr_err!(
                    "cannot set up the pool with compressor {}: error {}",
                    name.as_str(),
                    e.0
                );
                e
            })?;
        // Set up in the reverse of the teardown order: if a step fails,
        // what exists is dropped in teardown order.
        let backend = BACKEND.publish(backend).map_err(|_| EEXIST)?;
        *params::COMPRESSOR.get(t) = Some(name);
        let debugfs = debugfs::Dir::create(b"zswap_rs\0");
        match &debugfs {
            Some(d) => {
                for s in Stat::ALL {
                    d.stat_file(s.c_name(), *s as u32);
                }
                d.fault_attrs();
            }
            None => zpr_warn!("no debugfs: statistics only in /sys/kernel/mm/zswap_rs"),
        }
        let meminfo = meminfo::Source::register();
        let sysfs = sysfs::Summary::create();
        if sysfs.is_none() {
            zpr_warn!("cannot create /sys/kernel/mm/zswap_rs");
        }
        let shrinker = shrinker::Registration::register()
            .map_err(|e| {
                zpr_warn!(
                    "no shrinker (error {}): compaction runs only on demand (compact=1)",
                    e.0
                )
            })
            .ok();
        let frontswap = frontswap::Registration::register().map_err(|e| {
            zpr_err!(
                "cannot register with frontswap (error {}): another backend holds it; boot with zswap.register_frontswap=0",
                e.to_c()
            );
            e
        })?;
        zpr_info!(
            "registered as frontswap backend (compressor {}, zbud pool, max_pool_percent {})",
            name.as_str(),
            params::get_u32(&params::KNOBS.max_pool_percent)
        );
        Ok(ZswapRs {
            _frontswap: frontswap,
            _shrinker: shrinker,
            _reclaim: sys::ReclaimWork::new(),
            _sysfs: sysfs,
            _debugfs: debugfs,
            _meminfo: meminfo,
            _backend: backend,
        })
    }
}

/// Module exit (`glue.c`): writes every stored page back (see
/// [`ZswapRs`]'s drop), then tears down.
#[no_mangle]
pub extern "C" fn zswap_rs_exit() {
    let mut lock = ParamLockGuard::lock();
    let m = MODULE.get(lock.token()).take();
    drop(m);
    zpr_info!("unregistered");
}
