// SPDX-License-Identifier: GPL-2.0

//! zswap_rs: a compressed in-RAM cache for swap pages (frontswap backend).
//!
//! Crate root of `zswap_rs.ko`: the module as one struct, [`ZswapRs`],
//! whose fields are what init set up and whose `Drop` (module exit) tears
//! it down in an explicit order; the frontswap, movable-page and shrinker callbacks
//! as trait implementations; the entry points of the C attribute tables
//! (module parameters, debugfs, sysfs).  The logic is in [`backend`],
//! [`writeback`], [`pool`], [`index`] and [`compress`].  See `Documentation/design.rst`.

mod backend;
// Misuses that must not compile (scripts/check-compile-fail.sh).
#[cfg(zrs_compile_fail)]
mod compile_fail;
mod compress;
mod content;
mod index;
mod params;
mod stats;
mod sys;

mod pool;

use core::ffi::c_int;
use core::fmt::Write;

use backend::Backend;
use params::{Param, Value};
use pool::migrate::{PoolOwner, PoolPages};
use stats::Stat;
use sys::block::{self, Bio, DiskAttr, DiskRef};
use sys::crypto::AlgName;
use sys::entry::{self, MeminfoTotals, SummaryFile};
use sys::error::EEXIST;
use sys::frontswap::{self, ExclusiveLoad, Frontswap};
use sys::global::{CallbackGuard, Global, ParamLockGuard, ParamLockToken, ParamLocked, Published};
use sys::movable::MovableOps;
use sys::page::PageRef;
use sys::shrinker::{self, Shrinker};
use sys::swapcache;
use sys::{debugfs, meminfo, rcu, sysfs, Errno, PageBuf, Result, EBUSY, EIO, ENODEV};

/// Log prefix of the printing macros (`pr_info!` and the others in `sys`).
const __LOG_PREFIX: &[u8] = b"zswap_rs\0";

/// The backend, which the callbacks reach (none of them has a context
/// pointer in 6.1).  Published and retired by [`ZswapRs::backend`].
static BACKEND: Global<Backend> = Global::new();

/// The loaded module: what init set up.  Dropping it (module exit) tears
/// it down in the order its `Drop` spells out, whatever the order of the
/// fields: first everything that calls into the backend (each drop waits
/// for its running callbacks), then the backend itself.  The `Drop`
/// names every field (a new field does not compile until it is placed in
/// that order).
struct ZswapRs {
    /// `/dev/zswap_rs0` (`backend/vdev.rs`); removed first: an open disk
    /// pins the module, so at exit nobody has it open, and `del_gendisk`
    /// waits for bios in flight and for its sysfs callbacks.
    vdev: Option<block::GenDisk<ZswapRs>>,
    /// Taken by [`ZswapRs::drain`] once nothing is stored.
    frontswap: Option<frontswap::Registration<ZswapRs>>,
    shrinker: Option<shrinker::Registration<ZswapRs>>,
    /// Cancelled after the two above: nothing queues it any more.
    reclaim: Option<sys::ReclaimWork>,
    sysfs: Option<sysfs::Summary>,
    debugfs: Option<debugfs::Dir>,
    /// `/proc/meminfo` stops asking us (after a grace period) before the
    /// backend goes.
    meminfo: Option<meminfo::Source>,
    /// Unpublished, the movable-page callbacks waited for, then freed: the
    /// pool gives every page back with its movable state cleared under the
    /// page lock, so the VM never calls us again.  Always `Some` until the
    /// module's `Drop`.
    backend: Option<Published<Backend>>,
}

impl ZswapRs {
    /// The first half of module exit, run without the parameter lock (so
    /// that reading or writing a parameter never waits for it): every
    /// stored page is handed to the swap device, however long that takes
    /// (`Backend::close` says in the log what it waits for), then
    /// frontswap lets the backend go.  Idempotent.
    fn drain(&mut self) {
        if self.frontswap.is_none() {
            return;
        }
        if let Some(b) = &self.backend {
            let b = b.get();
            let n = b.stored_pages();
            let u = b.close();
            if n != 0 {
                pr_info!(
                    "unload: {} stored pages: {} written to the swap device, {} handed to swap-cache pages, {} gone meanwhile; {} more left without it (swapoff, or freed by their owners while it waited); {} orphans dropped as lost",
                    n,
                    u.written,
                    u.handed,
                    u.gone,
                    n.saturating_sub(u.written + u.handed + u.gone),
                    u.orphans
                );
            }
        }
        // Unregisters: waits for callbacks in flight.
        self.frontswap = None;
    }
}

impl Drop for ZswapRs {
    /// The teardown order (field order does not matter): what calls into
    /// the backend, each waiting for its running callbacks, and only then
    /// the backend, which the callbacks' `CallbackGuard`s rely on.
    fn drop(&mut self) {
        self.drain();
        // Every field, by name: a new one must be placed here.
        let ZswapRs {
            vdev,
            frontswap,
            shrinker,
            reclaim,
            sysfs,
            debugfs,
            meminfo,
            backend,
        } = self;
        // No bio and no attribute callback runs after this; its pages
        // are freed with the backend.
        *vdev = None;
        *frontswap = None;
        *shrinker = None;
        // After frontswap (stores) and the shrinker: nothing queues it.
        *reclaim = None;
        *sysfs = None;
        *debugfs = None;
        *meminfo = None;
        // Last: retired after every registration whose callbacks read it.
        *backend = None;
    }
}

/// The module while it is loaded (set by init, taken by exit, both under
/// the parameter lock).
static MODULE: ParamLocked<Option<ZswapRs>> = ParamLocked::new(None);

impl Frontswap for ZswapRs {
    fn init(_g: &CallbackGuard, _ty: u32) {
        // Indexes for every swap type exist from module init on.
    }

    fn store(g: &CallbackGuard, ty: u32, offset: u64, page: &mut PageRef<'_>) -> Result {
        BACKEND.get(g).ok_or(ENODEV)?.store(ty, offset, page)
    }

    fn load(
        g: &CallbackGuard,
        ty: u32,
        offset: u64,
        page: &mut PageRef<'_>,
        excl: ExclusiveLoad<'_>,
    ) -> Result {
        // Frontswap asks only for entries whose bit is set, and writeback
        // clears the bit before it lets an entry go: whatever went wrong,
        // the swap device does not have the data.  `EIO` fails the read
        // (patch 0002).
        //
        // An entry that other tasks still reference (after a fork) keeps
        // its copy: the swap-cache page may be evicted again before they
        // fault, and a clean page is dropped, not compressed again.
        // (The count is asked only when the offer could be taken.)
        let excl = if excl.offered()
            && params::get_bool(&params::KNOBS.exclusive_loads)
            && swapcache::swap_count(ty, offset) > 1
        {
            ExclusiveLoad::refused()
        } else {
            excl
        };
        BACKEND
            .get(g)
            .ok_or(EIO)?
            .load(ty, offset, page, excl)
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

/// `/dev/zswap_rs0`: its pages are in the backend's pool.
impl block::Operations for ZswapRs {
    fn submit_bio(g: &CallbackGuard, bio: &mut Bio<'_>) -> Result {
        BACKEND.get(g).ok_or(EIO)?.vdev_submit(bio)
    }

    fn swap_slot_free_notify(g: &CallbackGuard, index: u64) {
        if let Some(b) = BACKEND.get(g) {
            b.vdev_free(index);
        }
    }

    fn attr_show(g: &CallbackGuard, disk: &DiskRef<'_>, attr: DiskAttr, out: &mut PageBuf<'_>) {
        let _ = match attr {
            DiskAttr::Disksize => match BACKEND.get(g) {
                Some(b) => writeln!(out, "{}", b.vdev.capacity()),
                None => writeln!(out, "{}", disk.capacity_sectors() * block::SECTOR_SIZE),
            },
        };
    }

    /// `disksize`: bytes, with an optional K, M, G or T suffix; sets the
    /// capacity and drops whatever the device held, only while nobody
    /// has the disk open (`EBUSY`: swapped on, mounted, open).
    fn attr_store(g: &CallbackGuard, disk: &DiskRef<'_>, attr: DiskAttr, val: &[u8]) -> Result {
        let b = BACKEND.get(g).ok_or(ENODEV)?;
        match attr {
            DiskAttr::Disksize => {
                let bytes = backend::parse_disksize(val)?;
                disk.with_unopened(|| {
                    b.vdev_reset(bytes);
                    disk.set_capacity_sectors(bytes / block::SECTOR_SIZE);
                })?;
                pr_info!("zswap_rs0: disksize {} bytes", bytes);
                Ok(())
            }
        }
    }
}

/// The pool's pages are movable; their callbacks find it in `BACKEND`.
impl PoolOwner for ZswapRs {
    fn pool(g: &rcu::Guard) -> Option<&pool::Pool> {
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

// ---- module parameters, statistics, reclaim work (sys::entry) ----

entry_points!(ZswapRs);

impl entry::CId for Param {
    fn from_id(id: u32) -> Option<Param> {
        Param::from_id(id)
    }
}

impl entry::CId for Stat {
    fn from_id(id: u32) -> Option<Stat> {
        Stat::from_id(id)
    }
}

impl entry::Params for ZswapRs {
    type Id = Param;

    fn set(g: &CallbackGuard, p: Param, val: &[u8], t: &mut ParamLockToken) -> Result {
        match params::parse(p, val)? {
            Value::Compressor(name) => {
                if let Some(b) = BACKEND.get(g) {
                    b.comps.select(&name)?;
                    pr_info!("compressor for new pages: {}", name.as_str());
                }
                *params::COMPRESSOR.get(t) = Some(name);
            }
            Value::WriteBackNow(n) => {
                if let Some(b) = BACKEND.get(g) {
                    let done = b.reclaim(n as usize);
                    pr_info!("writeback emptied {} of {} frames asked", done, n);
                }
            }
            Value::Zpool(layout) => {
                // The pool exists from load to unload in one layout.
                if BACKEND.get(g).is_some() {
                    return Err(EBUSY);
                }
                *params::ZPOOL.get(t) = layout;
            }
            Value::Trigger => {
                if let Some(b) = BACKEND.get(g) {
                    let n = b.compact_all();
                    pr_info!("compaction released {} pool pages", n);
                }
            }
            v => params::apply(p, v),
        }
        Ok(())
    }

    fn refused(p: Param, val: &[u8], e: Errno) {
        params::log_refused(p, val, e);
    }

    fn get(p: Param, t: &mut ParamLockToken, out: &mut PageBuf<'_>) {
        params::show(p, t, out);
    }
}

impl entry::Statistics for ZswapRs {
    type Id = Stat;

    fn stat(g: &CallbackGuard, s: Stat) -> u64 {
        BACKEND.get(g).map_or(0, |b| b.stat(s))
    }

    fn summary(g: &CallbackGuard, file: SummaryFile, out: &mut PageBuf<'_>) {
        let b = match BACKEND.get(g) {
            Some(b) => b,
            None => return,
        };
        let pages = b.stat(Stat::PoolPages);
        let stored = b.stored_pages();
        let page = sys::PAGE_SIZE as u64;
        let _ = match file {
            SummaryFile::StoredPages => writeln!(out, "{}", stored),
            SummaryFile::PoolTotalSize => writeln!(out, "{}", pages * page),
            SummaryFile::StoredBytes => writeln!(out, "{}", stored * page),
            SummaryFile::CompressionRatio => {
                // Swapped bytes per byte of pool memory (same-filled pages
                // count as stored and cost no pool memory).
                let r = stored * page * 100 / (pages.max(1) * page);
                if pages == 0 {
                    writeln!(out, "0.00")
                } else {
                    writeln!(out, "{}.{:02}", r / 100, r % 100)
                }
            }
        };
    }

    fn meminfo(g: &CallbackGuard) -> MeminfoTotals {
        BACKEND
            .get(g)
            .map_or(MeminfoTotals::default(), |b| MeminfoTotals {
                pool_bytes: b.stat(Stat::PoolTotalSize),
                stored_pages: b.stat(Stat::StoredPages),
            })
    }
}

/// The reclaim worker, queued when a store finds the pool at its limit.
impl entry::ReclaimWorker for ZswapRs {
    fn run(g: &CallbackGuard) {
        if let Some(b) = BACKEND.get(g) {
            b.reclaim_to_threshold();
        }
    }
}

// ---- module init / exit ----
//
// Why not `module!`: 6.1's `module!` (rust/macros/module.rs) has no module
// parameters (they came with later kernels), so the knobs are declared in
// C (`glue.c`, `module_param_cb` with our ops), and `module_init` has to be
// there too: the parameters' ops and the debugfs files live in the same C
// object as the entry points, and the KUnit module (a second `.ko` built
// from the same Rust sources) replaces `glue.c` with `kunit_glue.c`.  The
// two functions below are what `module!`'s `init_module`/`cleanup_module`
// would be: construct the module object (`ZswapRs::new`) and drop it,
// both under the parameter lock.

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
        let types = sys::bindings::ZRS_MAX_SWAPFILES as usize;
        let ops = MovableOps::of::<PoolPages<ZswapRs>>();
        // Stored pages do not pin the module: unloading writes them back.
        let layout = *params::ZPOOL.get(t);
        let backend = Backend::new(layout, types, &name, Some(ops))
            .and_then(sys::try_box)
            .map_err(|e| {
                pr_err!(
                    "cannot set up the {} pool with compressor {}: error {}",
                    layout.name(),
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
            None => pr_warn!("no debugfs: statistics only in /sys/kernel/mm/zswap_rs"),
        }
        let meminfo = meminfo::Source::register();
        let sysfs = sysfs::Summary::create();
        if sysfs.is_none() {
            pr_warn!("cannot create /sys/kernel/mm/zswap_rs");
        }
        let shrinker = shrinker::Registration::register()
            .map_err(|e| {
                pr_warn!(
                    "no shrinker (error {}): compaction runs only on demand (compact=1)",
                    e.0
                )
            })
            .ok();
        let frontswap = frontswap::Registration::register().map_err(|e| {
            pr_err!(
                "cannot register with frontswap (error {}): another backend holds it; boot with zswap.register_frontswap=0",
                e.to_c()
            );
            e
        })?;
        pr_info!(
            "registered as frontswap backend (compressor {}, {} pool, max_pool_percent {})",
            name.as_str(),
            layout.name(),
            params::get_u32(&params::KNOBS.max_pool_percent)
        );
        // The block device, last: its bios reach the backend at once.
        let vdev = block::GenDiskBuilder::new()
            .logical_block_size(sys::PAGE_SIZE as u32)
            .and_then(|b| b.physical_block_size(sys::PAGE_SIZE as u32))
            .map(|b| b.rotational(false).discard(true))
            .and_then(|b| b.build::<ZswapRs>(b"zswap_rs0\0"))
            .map_err(|e| pr_warn!("no /dev/zswap_rs0 (error {})", e.to_c()))
            .ok();
        Ok(ZswapRs {
            vdev,
            frontswap: Some(frontswap),
            shrinker,
            reclaim: Some(sys::ReclaimWork::new()),
            sysfs,
            debugfs,
            meminfo: Some(meminfo),
            backend: Some(backend),
        })
    }
}

/// Module exit (`glue.c`): takes the module out under the parameter
/// lock, writes every stored page back and leaves frontswap without it
/// ([`ZswapRs::drain`]: parameter reads and writes go on meanwhile, on the
/// backend that is still published), then tears down under the lock (the
/// backend is retired there, which the parameter callbacks rely on).
#[no_mangle]
pub extern "C" fn zswap_rs_exit() {
    let mut m = {
        let mut lock = ParamLockGuard::lock();
        MODULE.get(lock.token()).take()
    };
    if let Some(m) = &mut m {
        m.drain();
    }
    let lock = ParamLockGuard::lock();
    drop(m);
    drop(lock);
    // Whatever the kernel may still call us through (a leaked
    // registration or movable page: a bug) keeps the code loaded.
    sys::module::wait_unpinned();
    pr_info!("unregistered");
}
