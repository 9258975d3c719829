// SPDX-License-Identifier: GPL-2.0

//! The frontswap backend: the index, the pool and the compressors of one
//! loaded module, one file per operation: `store.rs`, `load.rs`,
//! `invalidate.rs`, and `writeback.rs` (writeback, reclaim, unload);
//! `read.rs` reads an entry into a page for a load, the block device
//! (`vdev.rs`) and writeback.  Here: the state, freeing an entry with its
//! accounting, compaction and the statistics.
//!
//! The lock order is in `Documentation/design.rst` ("Locking"), the
//! protocols in "Storing and loading" and "Writeback and unload".  The one
//! fact every operation relies on: frontswap serialises store, load and
//! invalidate of one swap entry (the swap-cache page lock and the swap
//! map), so under that lock the entry at an offset changes only by
//! compaction or migration moving its object, which keeps its data; an
//! object that moves between a lookup and a read fails the owner check and
//! is looked up again.

mod invalidate;
mod laps;
mod load;
mod read;
mod store;
mod vdev;
// Writeback needs the production module's swap-cache patches and its
// unload; the KUnit module tests the pool's reclaim order instead.
#[cfg(not(zrs_kunit))]
pub(crate) mod writeback;

use core::sync::atomic::{AtomicU64, Ordering};

use crate::compress::{Compressors, TAG_FILL, TAG_RAW};
use crate::index::{Entry, Index, SwapKey};
use crate::pool::{Layout, Pool};
use crate::stats::{dec, Counters, Stat};
use crate::sys::crypto::AlgName;
use crate::sys::movable::MovableOps;
use crate::sys::{Result, PAGE_SIZE};
pub(crate) use vdev::{parse_disksize, Vdev};

/// What freeing an entry gave back (the kind decides its accounting).
enum FreedEntry {
    /// A same-filled page (fill word in the index, or an 8-byte object).
    Filled,
    /// A page stored as-is, of this size.
    Raw(usize),
    /// A compressed object of this size.
    Compressed(usize),
    /// Nothing (the object was not in the pool: reported).
    Nothing,
}

/// The backend state.
pub(crate) struct Backend {
    // Drop order matters: the pool goes first, releasing every page under
    // its page lock (see `ZswapRs` in `zswap_rs_main.rs`).
    pub(crate) pool: Pool,
    pub(crate) index: Index,
    pub(crate) comps: Compressors,
    pub(crate) stats: Counters,
    /// Pages stored (entries in the index, same-filled ones included).
    stored: AtomicU64,
    /// Set when the pool hit its limit; cleared below the accept threshold.
    full: core::sync::atomic::AtomicBool,
    /// Set when the module is going away: stores are refused (and undone
    /// if they raced with it) while everything is written back.
    pub(crate) closing: core::sync::atomic::AtomicBool,
    /// An orphan entry was dropped and logged (`writeback.rs`): the log
    /// line comes once per load.
    #[cfg_attr(zrs_kunit, allow(dead_code))]
    orphan_logged: core::sync::atomic::AtomicBool,
    /// The block device's state (its pages are in `pool`, its entries in
    /// `index`: `vdev.rs`).
    pub(crate) vdev: Vdev,
}

impl Drop for Backend {
    /// The device's pages go before the pool (which expects to be empty
    /// of them); the disk is gone by now (the module drops it first).
    fn drop(&mut self) {
        self.vdev_free_range(0, u64::MAX);
    }
}

impl Backend {
    /// A backend for `types` swap types with a pool in `layout`,
    /// compressing with `comp`, whose
    /// pool pages are movable with `ops`.  Stored pages do not pin the
    /// module: its exit writes them back (`writeback.rs`).  May sleep.
    pub(crate) fn new(
        layout: Layout,
        types: usize,
        comp: &AlgName,
        ops: Option<&'static MovableOps>,
    ) -> Result<Backend> {
        let max_pages = crate::sys::totalram_pages() as usize;
        Ok(Backend {
            pool: Pool::new(layout, max_pages, ops)?,
            index: Index::new(types)?,
            comps: Compressors::new(comp)?,
            stats: Counters::default(),
            stored: AtomicU64::new(0),
            full: core::sync::atomic::AtomicBool::new(false),
            closing: core::sync::atomic::AtomicBool::new(false),
            orphan_logged: core::sync::atomic::AtomicBool::new(false),
            vdev: Vdev::new()?,
        })
    }

    /// Pages currently stored.
    pub(crate) fn stored_pages(&self) -> u64 {
        self.stored.load(Ordering::Relaxed)
    }

    pub(crate) fn limit_pages(pct: u32) -> u64 {
        crate::sys::totalram_pages() * pct as u64 / 100
    }

    /// Frees an entry's pool object (if any); returns what it was.
    fn free_entry(&self, key: SwapKey, e: Entry) -> FreedEntry {
        if let Entry::Object(h) = e {
            match self.pool.free(h, key.owner()) {
                Some(f) => {
                    self.comps.freed(f.tag);
                    return match f.tag {
                        TAG_RAW => FreedEntry::Raw(f.len),
                        TAG_FILL => FreedEntry::Filled,
                        _ => FreedEntry::Compressed(f.len),
                    };
                }
                None => crate::pr_err!(
                    "BUG: handle {:?} of swap entry {}:{:#x} not in the pool",
                    h,
                    key.ty(),
                    key.offset()
                ),
            }
        }
        match e {
            Entry::Filled(_) => FreedEntry::Filled,
            Entry::Object(_) => FreedEntry::Nothing,
        }
    }

    /// Erases the entry at `key`, whatever it is now, and releases it
    /// ([`Backend::release`]); the entry erased, if there was one.  Of
    /// several callers racing for one entry, the one whose erase takes it
    /// releases it.  Never sleeps.
    pub(crate) fn erase_release(&self, key: SwapKey) -> Option<Entry> {
        let e = self.index.erase(key)?;
        self.release(key, e);
        Some(e)
    }

    /// Frees a published entry and its accounting, including its cgroup
    /// charge.
    pub(crate) fn release(&self, key: SwapKey, e: Entry) {
        // The size the store charged: the object's, 0 for a same-filled page.
        let size = match self.free_entry(key, e) {
            FreedEntry::Filled => {
                dec(&self.stats.same_filled_pages);
                0
            }
            FreedEntry::Raw(n) => {
                dec(&self.stats.incompressible_pages);
                n
            }
            FreedEntry::Compressed(n) => n,
            FreedEntry::Nothing => 0,
        };
        if let Some(c) = self.index.charges(key.ty()) {
            c.uncharge(key.offset(), size);
        }
        self.stored.fetch_sub(1, Ordering::Relaxed);
    }

    /// Empties sparse frames into fuller ones, at most `budget` source
    /// frames tried; returns frames released.  Never sleeps.
    pub(crate) fn compact(&self, budget: usize) -> usize {
        self.pool.compact(budget, |owner, from, to| {
            // Only if the entry still names the old place (an invalidate
            // may be waiting for the pool lock to free it).
            self.index.replace(
                SwapKey::from_owner(owner),
                Entry::Object(from),
                Entry::Object(to),
            )
        })
    }

    /// Compacts until nothing more can be merged; may sleep (between batches).
    pub(crate) fn compact_all(&self) -> usize {
        let mut total = 0;
        loop {
            let n = self.compact(64);
            total += n;
            if n == 0 {
                return total;
            }
            crate::sys::cond_resched();
        }
    }

    /// Entries whose frontswap bit is clear (or whose slot does not
    /// exist): nobody will load or invalidate them, and writeback would
    /// write them over whatever uses the slot next.  An audit, walking the
    /// whole index; an entry whose store is still running counts too, so
    /// it means something only when nothing is being stored.  May sleep.
    fn orphan_entries(&self) -> u64 {
        let (mut n, mut seen) = (0, 0u64);
        self.index.walk(|key, _| {
            if crate::sys::swapcache::frontswap_has(key.ty(), key.offset()) != Some(true) {
                n += 1;
            }
            seen += 1;
            if seen % 256 == 0 {
                crate::sys::cond_resched();
            }
        });
        n
    }

    /// The value of statistic `s`.
    pub(crate) fn stat(&self, s: Stat) -> u64 {
        if let Some(c) = s.counter(&self.stats) {
            return c.load(Ordering::Relaxed);
        }
        let c = self.pool.counts();
        let m = &self.pool.moves;
        let get = |a: &core::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        match s {
            Stat::StoredPages => self.stored_pages(),
            Stat::PoolTotalSize => c.pages * PAGE_SIZE as u64,
            Stat::PoolPages => c.pages,
            Stat::CompressedBytes => c.bytes,
            Stat::FramesOneObject => c.one,
            Stat::FramesTwoObjects => c.two,
            Stat::FramesThreeObjects => c.three,
            Stat::FramesFourObjects => c.four,
            Stat::FramesWholePage => c.whole,
            Stat::ZombiePages => c.zombies,
            Stat::IsolateOk => get(&m.isolate_ok),
            Stat::IsolateRefused => get(&m.isolate_refused),
            Stat::MigrateOk => get(&m.migrate_ok),
            Stat::MigrateEagain => get(&m.migrate_eagain),
            Stat::MigrateFail => get(&m.migrate_fail),
            Stat::Putback => get(&m.putback),
            Stat::PagesCompacted => get(&m.pages_compacted),
            Stat::ReclaimSecondChances => get(&m.reclaim_second_chances),
            Stat::StoreFrameBusy => get(&m.store_frame_busy),
            Stat::OrphanEntries => self.orphan_entries(),
            Stat::AccountingSlips => crate::sys::accounting_slips(),
            Stat::VdevCapacity => self.vdev.capacity(),
            Stat::VdevStoredPages => self.vdev.stored(),
            // Counters, answered above.
            _ => 0,
        }
    }
}
