// SPDX-License-Identifier: GPL-2.0

//! The frontswap backend: store, load, invalidate over the index and pool.
//!
//! # Locking (outermost first)
//!
//! 1. per-CPU compression context mutex (store, load; may sleep)
//! 2. pool lock (`zbud`)
//! 3. frame lock(s) (`zbud`)
//! 4. XArray lock (inside the XArray calls)
//!
//! Loads take no pool-wide lock: the XArray lookup is lockless (RCU) and
//! the object is read under its frame lock.  Frontswap itself serialises
//! store, load and invalidate of one swap entry (the swap-cache page lock
//! and the swap map), so an entry found by a load cannot be freed under
//! it; entries that *move* (compaction) are re-validated by owner.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::compress::{looks_incompressible, Compressors, TAG_FILL, TAG_RAW};
use crate::index::{same_filled, Entry, Index, SwapKey};
use crate::params::{get_bool, get_u32, KNOBS};
use crate::stats::{dec, inc, Counters, Stat};
use crate::sys::crypto::AlgName;
use crate::sys::lock::{LockClass, SpinLock};
use crate::sys::memcg::{self, ObjCgroup};
use crate::sys::movable::MovableOps;
use crate::sys::page::PageRef;
use crate::sys::swapcache;
use crate::sys::{Errno, Gfp, Result, EINVAL, EIO, ENODEV, ENOMEM, ENOSPC, PAGE_SIZE};
use crate::zbud::{Handle, Pool, MAX_COMPRESSED};

/// What became of an entry that writeback tried to hand to the device.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Writeback {
    /// Written (or handed to its swap-cache page): gone from the pool.
    Written,
    /// Not ours any more (freed, moved, or the slot is gone).
    Gone,
    /// Could not be done now (the page is busy in the swap cache, no
    /// memory, or unreadable); the entry stays.
    Busy,
}
use alloc::boxed::Box;
use core::pin::Pin;

/// What freeing an entry gave back (the kind decides its accounting).
enum Released {
    /// A same-filled page (fill word in the index, or an 8-byte object).
    Filled,
    /// A page stored as-is, of this size.
    Raw(usize),
    /// A compressed object of this size.
    Compressed(usize),
    /// Nothing (the object was not in the pool: reported).
    Nothing,
}

/// Why a store did not happen (each has its own counter).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Reject {
    /// `enabled` is N, or the page kind is disabled.
    Disabled,
    /// The pool is at its limit.
    PoolLimit,
    /// The page does not compress and `store_incompressible` is N.
    CompressPoor,
    /// The compressor failed.
    CompressFail,
    /// No memory for a pool page, a frame or an index node.
    Alloc,
    /// Swap type out of range.
    BadType,
    /// A compound page (the head of a THP being swapped out whole): the
    /// caller lends 2 MiB, which a frontswap backend cannot take.  The
    /// whole folio goes to the swap device.
    Thp,
    /// The page's memory cgroup (or an ancestor) is at its
    /// `memory.zswap.max`.
    Cgroup,
}

impl Reject {
    fn errno(self) -> Errno {
        match self {
            Reject::Disabled => ENODEV,
            Reject::PoolLimit | Reject::Alloc | Reject::Cgroup => ENOMEM,
            Reject::CompressPoor => ENOSPC,
            Reject::CompressFail | Reject::BadType | Reject::Thp => EINVAL,
        }
    }
}

/// Holds a module reference while any page is stored, so `rmmod` fails
/// with "in use" instead of dropping pages.  The count is an atomic; only
/// the 0 -> 1 and 1 -> 0 transitions (which take and drop the module
/// reference) go through a spinlock, so they are serialised with each other
/// and the module reference is held exactly while the count is non-zero.
pub(crate) struct Pins {
    count: AtomicU64,
    transitions: Pin<Box<SpinLock<()>>>,
    hold_module: bool,
}

impl Pins {
    fn new(hold_module: bool) -> Result<Pins> {
        Ok(Pins {
            count: AtomicU64::new(0),
            transitions: SpinLock::new_boxed((), LockClass::Pin)?,
            hold_module,
        })
    }

    /// Adds `delta` unless the count is `avoid` (lock-free fast path).
    fn add_unless(&self, delta: i64, avoid: u64) -> bool {
        let mut c = self.count.load(Ordering::Relaxed);
        while c != avoid {
            let n = (c as i64 + delta) as u64;
            match self
                .count
                .compare_exchange_weak(c, n, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(cur) => c = cur,
            }
        }
        false
    }

    /// Counts a new stored page; false if the module is going away.
    fn get(&self) -> bool {
        if self.add_unless(1, 0) {
            return true;
        }
        let _t = self.transitions.lock();
        if self.add_unless(1, 0) {
            return true;
        }
        // 0 -> 1 only happens here, under the lock (the lock-free paths
        // never move the count away from 0).
        if self.hold_module && !crate::sys::ThisModule::try_get() {
            return false;
        }
        self.count.store(1, Ordering::Release);
        true
    }

    fn put(&self) {
        if self.add_unless(-1, 1) {
            return;
        }
        let _t = self.transitions.lock();
        loop {
            // A lock-free `get` may raise the count from 1 meanwhile:
            // 1 -> 0 must be a compare-and-swap.
            if self
                .count
                .compare_exchange(1, 0, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                break;
            }
            if self.add_unless(-1, 1) {
                return;
            }
        }
        if self.hold_module {
            crate::sys::ThisModule::put();
        }
    }

    /// Pages currently counted.
    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

/// The backend state.
pub(crate) struct Backend {
    // Drop order matters: the pool goes first, releasing every page under
    // its page lock (see `zswap_rs_main.rs`, `teardown`).
    pub(crate) pool: Pool,
    pub(crate) index: Index,
    pub(crate) comps: Compressors,
    pub(crate) stats: Counters,
    pins: Pins,
    /// Set when the pool hit its limit; cleared below the accept threshold.
    full: core::sync::atomic::AtomicBool,
    /// Set when the module is going away: stores are refused (and undone
    /// if they raced with it) while everything is written back.
    closing: core::sync::atomic::AtomicBool,
}

impl Backend {
    /// A backend for `types` swap types, compressing with `comp`.  With
    /// `hold_module`, stored pages pin the module.  May sleep.
    pub(crate) fn new(
        types: usize,
        comp: &AlgName,
        hold_module: bool,
        ops: Option<&'static MovableOps>,
    ) -> Result<Backend> {
        let max_pages = crate::sys::totalram_pages() as usize;
        Ok(Backend {
            pool: Pool::new(max_pages, ops)?,
            index: Index::new(types)?,
            comps: Compressors::new(comp)?,
            stats: Counters::default(),
            pins: Pins::new(hold_module)?,
            full: core::sync::atomic::AtomicBool::new(false),
            closing: core::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Pages currently stored.
    pub(crate) fn stored_pages(&self) -> u64 {
        self.pins.count()
    }

    fn limit_pages(pct: u32) -> u64 {
        crate::sys::totalram_pages() * pct as u64 / 100
    }

    /// zswap's limit and hysteresis: once full, refuse until the pool falls
    /// below `accept_threshold_percent` of the limit.
    fn pool_full(&self) -> bool {
        let pages = self.pool.pages();
        let max = Self::limit_pages(get_u32(&KNOBS.max_pool_percent));
        if pages >= max {
            self.full.store(true, Ordering::Relaxed);
            // Make room: the worker writes the coldest frames back until
            // the pool is below the accept threshold.
            if get_bool(&KNOBS.writeback) {
                crate::sys::reclaim_kick();
            }
            return true;
        }
        if self.full.load(Ordering::Relaxed) {
            let thr = max * get_u32(&KNOBS.accept_threshold_percent) as u64 / 100;
            if pages >= thr {
                return true;
            }
            self.full.store(false, Ordering::Relaxed);
        }
        false
    }

    fn count_reject(&self, r: Reject) {
        let s = &self.stats;
        inc(match r {
            Reject::Disabled | Reject::BadType => &s.reject_disabled,
            Reject::PoolLimit => &s.pool_limit_hit,
            Reject::CompressPoor => &s.reject_compress_poor,
            Reject::CompressFail => &s.reject_compress_fail,
            Reject::Alloc => &s.reject_alloc_fail,
            Reject::Thp => &s.reject_thp,
            Reject::Cgroup => &s.reject_cgroup,
        });
    }

    /// Stores `page` at (`ty`, `offset`).
    pub(crate) fn store(
        &self,
        ty: u32,
        offset: u64,
        page: &PageRef<'_>,
    ) -> core::result::Result<(), Errno> {
        self.try_store(ty, offset, page).map_err(|r| {
            self.count_reject(r);
            r.errno()
        })
    }

    fn try_store(
        &self,
        ty: u32,
        offset: u64,
        page: &PageRef<'_>,
    ) -> core::result::Result<(), Reject> {
        // 6.1 with THP_SWAP hands us the head page of a 2 MiB folio and
        // takes success to mean all 512 subpages are stored: refuse (as
        // zswap does), so the folio is written to the swap device whole.
        if page.is_compound() {
            return Err(Reject::Thp);
        }
        if !get_bool(&KNOBS.enabled) || self.closing.load(Ordering::Relaxed) {
            return Err(Reject::Disabled);
        }
        let area = self.index.area(ty).ok_or(Reject::BadType)?;
        let charges = self.index.charges(ty).ok_or(Reject::BadType)?;
        let key = SwapKey::new(ty, offset);
        // The page's cgroup, as zswap does it: refused before any work
        // when at `memory.zswap.max`, charged once stored.
        let cg = ObjCgroup::of_page(page);
        if let Some(cg) = &cg {
            if !cg.may_zswap() {
                return Err(Reject::Cgroup);
            }
        }
        let word = if get_bool(&KNOBS.same_filled_pages_enabled) {
            page.with_slice(same_filled)
        } else {
            None
        };
        let mut incompressible = false;
        let mut size = 0;
        let entry = match (word.and_then(Entry::filled), word) {
            (Some(e), _) => e,
            // A fill word the index cannot hold: 8 bytes in the pool, no
            // compression (charged 0 bytes, like any same-filled page).
            (None, Some(w)) => {
                if self.pool_full() {
                    return Err(Reject::PoolLimit);
                }
                if crate::sys::inject_alloc_failure() {
                    return Err(Reject::Alloc);
                }
                let h = self
                    .pool
                    .alloc(key.owner(), TAG_FILL, &w.to_ne_bytes())
                    .map_err(|_| Reject::Alloc)?;
                Entry::Object(h)
            }
            (None, None) => {
                if !get_bool(&KNOBS.non_same_filled_pages_enabled) {
                    return Err(Reject::Disabled);
                }
                if self.pool_full() {
                    return Err(Reject::PoolLimit);
                }
                let (h, raw, len) = self.compress_and_alloc(key, page)?;
                incompressible = raw;
                size = len;
                Entry::Object(h)
            }
        };
        if !self.pins.get() {
            let _ = self.free_entry(key, entry);
            return Err(Reject::Disabled);
        }
        match area.store(offset, entry.encode(), Gfp::STORE) {
            Ok(old) => {
                if let Some(old) = old {
                    // Frontswap invalidates before storing again, so this
                    // only happens if that contract changes; keep it correct.
                    inc(&self.stats.duplicate_entry);
                    self.release(key, Entry::decode(old));
                }
            }
            Err(_) => {
                self.pins.put();
                let _ = self.free_entry(key, entry);
                return Err(Reject::Alloc);
            }
        }
        // Same-filled: a fill word in the index or an 8-byte object.
        if word.is_some() {
            inc(&self.stats.same_filled_pages);
        }
        if incompressible {
            inc(&self.stats.incompressible_pages);
        }
        // Charged once published: releasing a duplicate above uncharged
        // the old entry's record, and `release` from here on finds ours.
        let charged = match cg {
            Some(cg) => match charges.charge(offset, cg, size, Gfp::STORE) {
                Ok(()) => true,
                Err(_) => {
                    if area.erase_if(offset, entry.encode()) {
                        self.release(key, entry);
                    }
                    return Err(Reject::Alloc);
                }
            },
            None => false,
        };
        // The module may be going away: it set `closing`, then scans the
        // index.  Either that scan sees this entry, or this sees `closing`
        // and takes the entry back (the store fails, the page goes to the
        // device, frontswap never knew it).
        core::sync::atomic::fence(Ordering::SeqCst);
        if self.closing.load(Ordering::SeqCst) {
            if area.erase_if(offset, entry.encode()) {
                self.release(key, entry);
            } else if charged {
                // Taken by the unload before we charged: drop our record.
                charges.uncharge(offset, size);
            }
            return Err(Reject::Disabled);
        }
        memcg::count_zswpout();
        Ok(())
    }

    fn compress_and_alloc(
        &self,
        key: SwapKey,
        page: &PageRef<'_>,
    ) -> core::result::Result<(Handle, bool, usize), Reject> {
        let incompressible_ok = get_bool(&KNOBS.store_incompressible);
        page.with_slice(|src| {
            // Most incompressible pages are told apart by a sample, for a
            // fraction of the cost of failing to compress them.
            let quick = looks_incompressible(src);
            if quick {
                inc(&self.stats.incompressible_sampled);
                if !incompressible_ok {
                    return Err(Reject::CompressPoor);
                }
            }
            self.comps.with_ctx(|ctx, tag| {
                let compressed = if quick {
                    Err(ENOSPC)
                } else {
                    ctx.compress(tag, src)
                };
                let (data, tag) = match compressed {
                    Ok(d) if d.len() <= MAX_COMPRESSED => (d, tag),
                    // Too big to be worth it (or the compressor ran out of
                    // room): incompressible.
                    Ok(_) | Err(ENOSPC) => {
                        if !incompressible_ok {
                            return Err(Reject::CompressPoor);
                        }
                        (src, TAG_RAW)
                    }
                    Err(_) => return Err(Reject::CompressFail),
                };
                if crate::sys::inject_alloc_failure() {
                    return Err(Reject::Alloc);
                }
                let h = self
                    .pool
                    .alloc(key.owner(), tag, data)
                    .map_err(|_| Reject::Alloc)?;
                // Counted under the context lock (see `Compressors`).
                self.comps.stored(tag);
                Ok((h, tag == TAG_RAW, data.len()))
            })
        })
    }

    /// Frees an entry's pool object (if any); returns what it was.
    fn free_entry(&self, key: SwapKey, e: Entry) -> Released {
        if let Entry::Object(h) = e {
            match self.pool.free(h, key.owner()) {
                Some(f) => {
                    self.comps.freed(f.tag);
                    return match f.tag {
                        TAG_RAW => Released::Raw(f.len),
                        TAG_FILL => Released::Filled,
                        _ => Released::Compressed(f.len),
                    };
                }
                None => crate::zpr_err!(
                    "BUG: handle {:?} of swap entry {}:{:#x} not in the pool",
                    h,
                    key.ty(),
                    key.offset()
                ),
            }
        }
        match e {
            Entry::Filled(_) => Released::Filled,
            Entry::Object(_) => Released::Nothing,
        }
    }

    /// Frees a published entry and its accounting, including its cgroup
    /// charge.
    fn release(&self, key: SwapKey, e: Entry) {
        // The size the store charged: the object's, 0 for a same-filled page.
        let size = match self.free_entry(key, e) {
            Released::Filled => {
                dec(&self.stats.same_filled_pages);
                0
            }
            Released::Raw(n) => {
                dec(&self.stats.incompressible_pages);
                n
            }
            Released::Compressed(n) => n,
            Released::Nothing => 0,
        };
        if let Some(c) = self.index.charges(key.ty()) {
            c.uncharge(key.offset(), size);
        }
        self.pins.put();
    }

    /// Loads (`ty`, `offset`) into `page`.  `EIO`: the page cannot be
    /// reproduced (never garbage).  Frontswap only asks for entries whose
    /// store succeeded, and nothing is ever written back to the device, so
    /// an entry that is not here is lost too: `EIO`, counted in
    /// `load_missing`.
    pub(crate) fn load(&self, ty: u32, offset: u64, page: &mut PageRef<'_>) -> Result {
        let area = match self.index.area(ty) {
            Some(a) => a,
            None => return Err(self.missing(ty, offset)),
        };
        let key = SwapKey::new(ty, offset);
        // An object that compaction moves between the lookup and the read
        // fails the owner check; look it up again.
        for _ in 0..16 {
            let e = match area.load(offset) {
                Some(v) => Entry::decode(v),
                None => return Err(self.missing(ty, offset)),
            };
            let h = match e {
                Entry::Filled(w) => {
                    page.with_slice_mut(|dst| {
                        for c in dst.chunks_exact_mut(8) {
                            c.copy_from_slice(&w.to_ne_bytes());
                        }
                    });
                    inc(&self.stats.loads);
                    self.count_load(ty, offset);
                    return Ok(());
                }
                Entry::Object(h) => h,
            };
            if crate::sys::inject_load_failure() {
                inc(&self.stats.decompress_fail);
                crate::zpr_err!(
                    "injected load failure for swap entry {}:{:#x}; failing the read",
                    ty,
                    offset
                );
                return Err(EIO);
            }
            let r = page.with_slice_mut(|dst| {
                self.comps.with_ctx(|ctx, _| {
                    self.pool
                        .read(h, key.owner(), |src, tag| ctx.decompress(tag, src, dst))
                })
            });
            match r {
                None => continue,
                Some(Ok(n)) if n == PAGE_SIZE => {
                    inc(&self.stats.loads);
                    self.count_load(ty, offset);
                    return Ok(());
                }
                Some(res) => {
                    inc(&self.stats.decompress_fail);
                    if crate::sys::ratelimit() {
                        crate::zpr_err!(
                            "decompression failed for swap entry {}:{:#x} ({:?}); failing the read",
                            ty,
                            offset,
                            res
                        );
                    }
                    return Err(EIO);
                }
            }
        }
        crate::zpr_err!(
            "swap entry {}:{:#x}: index and pool disagree; failing the read",
            ty,
            offset
        );
        inc(&self.stats.decompress_fail);
        Err(EIO)
    }

    /// `zswpin`, globally and for the page's cgroup.
    fn count_load(&self, ty: u32, offset: u64) {
        if let Some(c) = self.index.charges(ty) {
            c.count_zswpin(offset);
        }
    }

    /// A load found no entry: count it and fail the read.
    fn missing(&self, ty: u32, offset: u64) -> Errno {
        inc(&self.stats.load_missing);
        if crate::sys::ratelimit() {
            crate::zpr_err!(
                "swap entry {}:{:#x} is not stored; failing the read",
                ty,
                offset
            );
        }
        EIO
    }

    /// Drops (`ty`, `offset`).  Never sleeps.
    pub(crate) fn invalidate_page(&self, ty: u32, offset: u64) {
        if let Some(area) = self.index.area(ty) {
            if let Some(v) = area.erase(offset) {
                self.release(SwapKey::new(ty, offset), Entry::decode(v));
            }
        }
    }

    /// Drops every page of swap type `ty` (swapoff).  May sleep.
    pub(crate) fn invalidate_area(&self, ty: u32) {
        let area = match self.index.area(ty) {
            Some(a) => a,
            None => return,
        };
        let mut n = 0u32;
        while let Some((offset, _)) = area.find(0) {
            if let Some(v) = area.erase(offset) {
                self.release(SwapKey::new(ty, offset), Entry::decode(v));
            }
            n += 1;
            if n % 64 == 0 {
                crate::sys::cond_resched();
            }
        }
        // The pool may be empty now: give back pages whose release had to
        // wait, and transforms of algorithms nothing uses any more.
        self.pool.release_zombies();
        self.comps.release_unused();
    }

    /// Merges half-full frames, at most `budget` moves; returns frames
    /// released.  Never sleeps.
    pub(crate) fn compact(&self, budget: usize) -> usize {
        self.pool.compact(budget, |owner, from, to| {
            let key = SwapKey::from_owner(owner);
            let area = match self.index.area(key.ty()) {
                Some(a) => a,
                None => return false,
            };
            let old = Entry::Object(from).encode();
            // Replacing an existing entry never allocates.
            area.cmpxchg(
                key.offset(),
                Some(old),
                Entry::Object(to).encode(),
                Gfp::NOWAIT,
            ) == Ok(Some(old))
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

    /// Hands the entry at `key`, which must still be `expect` (encoded), to
    /// the swap device; may sleep.  With `take_existing`, a page already in
    /// the swap cache for the entry takes the data over (marked dirty, so
    /// reclaim writes it out); without, that entry is busy (as in zswap).
    pub(crate) fn writeback(&self, key: SwapKey, expect: u64, take_existing: bool) -> Writeback {
        let area = match self.index.area(key.ty()) {
            Some(a) => a,
            None => return Writeback::Gone,
        };
        let off = key.offset();
        if area.load(off) != Some(expect) {
            return Writeback::Gone;
        }
        let entry = Entry::decode(expect);
        let mut page = match swapcache::lookup(key.ty(), off) {
            swapcache::Lookup::New(p) => p,
            swapcache::Lookup::Busy => return Writeback::Busy,
            swapcache::Lookup::Gone => {
                // The slot is free: the entry is dead and nobody will load
                // it; drop it now rather than when the slot cache flushes.
                if area.erase_if(off, expect) {
                    self.release(key, entry);
                    swapcache::forget_dead(key.ty(), off);
                }
                return Writeback::Gone;
            }
            swapcache::Lookup::Exists(p) => {
                if !take_existing {
                    return Writeback::Busy;
                }
                // Locked inside `take_over`: the entry is ours to drop if
                // it is still `expect`.
                let taken = p.take_over(|| {
                    if area.erase_if(off, expect) {
                        self.release(key, entry);
                        true
                    } else {
                        false
                    }
                });
                if taken {
                    inc(&self.stats.written_back_pages);
                    return Writeback::Written;
                }
                return Writeback::Busy;
            }
        };
        // The page is locked in the swap cache: no load, store or
        // invalidate of this entry can run until we let it go.
        if area.load(off) != Some(expect) {
            // Freed (or moved by compaction) before we locked it.
            return Writeback::Gone;
        }
        let filled = match entry {
            Entry::Filled(w) => {
                page.with_slice_mut(|d| {
                    for c in d.chunks_exact_mut(8) {
                        c.copy_from_slice(&w.to_ne_bytes());
                    }
                });
                true
            }
            Entry::Object(h) => {
                let r = page.with_slice_mut(|dst| {
                    self.comps.with_ctx(|ctx, _| {
                        self.pool
                            .read(h, key.owner(), |src, tag| ctx.decompress(tag, src, dst))
                    })
                });
                r == Some(Ok(PAGE_SIZE))
            }
        };
        if !filled || !area.erase_if(off, expect) {
            // Not reproducible (decompress_fail on its next load) or gone:
            // keep what we have; the page leaves the swap cache again.
            return Writeback::Busy;
        }
        self.release(key, entry);
        inc(&self.stats.written_back_pages);
        page.write();
        Writeback::Written
    }

    /// Writes back the least recently used frame (at most two objects;
    /// one pool page freed when both go); true if it was emptied.  May
    /// sleep.
    pub(crate) fn reclaim_one(&self) -> bool {
        let r = match self.pool.reclaim_begin() {
            Some(r) => r,
            None => return false,
        };
        let mut emptied = true;
        for (owner, h) in r.objects.iter().flatten() {
            let key = SwapKey::from_owner(*owner);
            match self.writeback(key, Entry::Object(*h).encode(), false) {
                Writeback::Written | Writeback::Gone => {}
                Writeback::Busy => {
                    inc(&self.stats.writeback_fail);
                    emptied = false;
                }
            }
        }
        self.pool.reclaim_end(r.frame);
        emptied
    }

    /// Writes back up to `n` frames (the `writeback` knob, the shrinker);
    /// returns how many were emptied.  May sleep.
    pub(crate) fn reclaim(&self, n: usize) -> usize {
        let mut done = 0;
        for _ in 0..n {
            if self.pool.counts().pages == 0 {
                break;
            }
            if self.reclaim_one() {
                done += 1;
            }
            crate::sys::cond_resched();
        }
        done
    }

    /// The reclaim worker: writes back until the pool is below
    /// `accept_threshold_percent` of its limit.  May sleep.
    pub(crate) fn reclaim_to_threshold(&self) {
        inc(&self.stats.reclaim_runs);
        let max = Self::limit_pages(get_u32(&KNOBS.max_pool_percent));
        let thr = max * get_u32(&KNOBS.accept_threshold_percent) as u64 / 100;
        let mut failures = 0;
        let mut freed = 0u64;
        while self.pool.pages() >= thr && get_bool(&KNOBS.writeback) {
            if self.reclaim_one() {
                freed += 1;
                failures = 0;
            } else {
                failures += 1;
                if failures >= 16 {
                    break;
                }
            }
            crate::sys::cond_resched();
        }
        if freed == 0 {
            inc(&self.stats.reject_reclaim_fail);
        }
    }

    /// Module exit: refuses new stores and hands every stored page to the
    /// swap device.  Returns the pages that could not be handed over
    /// (0 unless something is badly wrong).  May sleep.
    pub(crate) fn close(&self) -> u64 {
        self.closing.store(true, Ordering::SeqCst);
        core::sync::atomic::fence(Ordering::SeqCst);
        for pass in 0..200u32 {
            let mut left = 0u64;
            for ty in 0..self.index.types() {
                let area = match self.index.area(ty) {
                    Some(a) => a,
                    None => continue,
                };
                let mut start = 0;
                while let Some((off, v)) = area.find(start) {
                    start = off + 1;
                    if let Writeback::Busy = self.writeback(SwapKey::new(ty, off), v, true) {
                        left += 1;
                    }
                    crate::sys::cond_resched();
                }
            }
            if left == 0 && self.stored_pages() == 0 {
                return 0;
            }
            if pass % 50 == 49 {
                crate::zpr_warn!("unload: {} pages not written back yet; retrying", left);
            }
            crate::sys::msleep(10);
        }
        self.stored_pages()
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
            Stat::stored_pages => self.pins.count(),
            Stat::pool_total_size => c.pages * PAGE_SIZE as u64,
            Stat::pool_pages => c.pages,
            Stat::compressed_bytes => c.bytes,
            Stat::frames_one_object => c.one,
            Stat::frames_two_objects => c.two,
            Stat::frames_whole_page => c.whole,
            Stat::zombie_pages => c.zombies,
            Stat::isolate_ok => get(&m.isolate_ok),
            Stat::isolate_refused => get(&m.isolate_refused),
            Stat::migrate_ok => get(&m.migrate_ok),
            Stat::migrate_eagain => get(&m.migrate_eagain),
            Stat::migrate_fail => get(&m.migrate_fail),
            Stat::putback => get(&m.putback),
            Stat::pages_compacted => get(&m.pages_compacted),
            // Counters, answered above.
            _ => 0,
        }
    }
}
