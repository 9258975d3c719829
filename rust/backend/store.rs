// SPDX-License-Identifier: GPL-2.0

//! Store: a page compressed into the pool (or kept as its fill word) and
//! published in the index, charged to its cgroup; undone if the module
//! started going away meanwhile.

use core::sync::atomic::Ordering;

use super::laps::{Laps, Phase};
use super::Backend;
use crate::compress::{TAG_FILL, TAG_RAW};
use crate::content::{looks_incompressible, same_filled, worth_storing};
use crate::index::{Entry, SwapKey};
use crate::params::{get_bool, get_u32, KNOBS};
use crate::pool::Handle;
use crate::stats::inc;
use crate::sys::debug::{inject, Fault};
use crate::sys::memcg::{Charges, ObjCgroup};
use crate::sys::page::{frontswap_stores_thp, PageRef};
use crate::sys::{Errno, Gfp, RaceWindow, EINVAL, ENODEV, ENOMEM, ENOSPC};

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

/// A huge page is stored only if it saves memory: with
/// `store_incompressible=N`, at most one subpage in this many may be kept
/// uncompressed (256 of a 2 MiB folio's 512: with the rest compressed to
/// a third, the folio still takes a third less room); one more, and the
/// folio goes to the swap device whole (the subpages stored so far are
/// taken back).  The first subpage kept as it is makes the store sample
/// the rest, so a folio of random data is refused after one copy and 512
/// samples (a fraction of a compression each), instead of filling 512
/// pool pages that save nothing.
pub(crate) const THP_RAW_SHARE: usize = 2;

impl Backend {
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

    /// The pool limit for a page of `key`: none for a swap area on our own
    /// disk (`/dev/zswap_rs0`), which would take a refused page into this
    /// pool anyway (as a write, after a wasted refusal, and a reclaim
    /// kick that can write nothing back).
    fn pool_full_for(&self, key: SwapKey) -> bool {
        !crate::sys::swapcache::on_own_disk(key.ty(), key.offset()) && self.pool_full()
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

    /// Stores `page` at (`ty`, `offset`): a base page, or the head page of
    /// a THP swapped out whole, whose subpages go to `offset + i`, all or
    /// none.  A refused THP also counts in `reject_thp`.
    pub(crate) fn store(
        &self,
        ty: u32,
        offset: u64,
        page: &mut PageRef<'_>,
    ) -> core::result::Result<(), Errno> {
        let huge = page.nr_pages() > 1;
        self.try_store(ty, offset, page).map_err(|r| {
            self.count_reject(r);
            if huge && r != Reject::Thp {
                self.count_reject(Reject::Thp);
            }
            r.errno()
        })
    }

    fn try_store(
        &self,
        ty: u32,
        offset: u64,
        page: &mut PageRef<'_>,
    ) -> core::result::Result<(), Reject> {
        let mut laps = Laps::start(&self.stats);
        let nr = page.nr_pages();
        // 6.1 with THP_SWAP hands us the head page of a 2 MiB folio and
        // takes success to mean all 512 subpages are stored.  Frontswap
        // marks all their slots only with patch 9 (otherwise the tail
        // slots would be read from the device): without it, or with
        // `store_thp=N`, refuse (as zswap does), so the folio is written
        // to the swap device whole.
        if nr > 1 && !(get_bool(&KNOBS.store_thp) && frontswap_stores_thp()) {
            return Err(Reject::Thp);
        }
        if !get_bool(&KNOBS.enabled) || self.closing.load(Ordering::Relaxed) {
            return Err(Reject::Disabled);
        }
        // Only a swap type has charges (the block device's type is not one).
        let charges = self.index.charges(ty).ok_or(Reject::BadType)?;
        // The page's cgroup, as zswap does it: refused before any work
        // when at `memory.zswap.max`, charged once stored (a THP: each
        // subpage, as zswap 6.13 charges a large folio).
        let cg = ObjCgroup::of_page(page);
        if let Some(cg) = &cg {
            if !cg.may_zswap() {
                return Err(Reject::Cgroup);
            }
        }
        // How many subpages of a huge page may be kept uncompressed with
        // `store_incompressible=N` (with Y, any number, as for base pages).
        let knob = get_bool(&KNOBS.store_incompressible);
        let mut raw_left = if nr > 1 { nr / THP_RAW_SHARE } else { 0 };
        let mut scanned = false;
        Laps::lap(&mut laps, Phase::Entry);
        for i in 0..nr {
            let key = SwapKey::new(ty, offset + i as u64);
            let mut r = self.store_one(
                charges,
                key,
                &page.subpage(i),
                cg.as_ref(),
                &mut raw_left,
                &mut laps,
            );
            // The first subpage kept as it is: do the rest (by the sample
            // test, a fraction of a compression each) leave the folio
            // within its share?  If not, refuse it now, not after
            // compressing and copying up to half of it.
            if r == Ok(true) && !knob && !scanned {
                scanned = true;
                let more = (i + 1..nr)
                    .filter(|&j| page.subpage(j).with_slice(looks_incompressible))
                    .count();
                if more > raw_left {
                    self.undo_store(key, None);
                    inc(&self.stats.thp_subpages_undone);
                    r = Err(Reject::CompressPoor);
                }
            }
            if let Err(r) = r {
                // All or nothing: the subpages stored so far go again.
                // The caller's lock on the folio excludes every other
                // store, load, invalidate and writeback of their slots.
                for j in 0..i {
                    self.undo_store(SwapKey::new(ty, offset + j as u64), None);
                }
                // What the failure cost: the work on these was lost.
                self.stats
                    .thp_subpages_undone
                    .fetch_add(i as u64, Ordering::Relaxed);
                return Err(r);
            }
        }
        // The module may be going away: it set `closing`, then scans the
        // index.  Either that scan sees these entries (and waits for our
        // page lock to take them over), or this sees `closing` and takes
        // them back (the store fails, the page goes to the device,
        // frontswap never knew it).
        core::sync::atomic::fence(Ordering::SeqCst);
        if self.closing.load(Ordering::SeqCst) {
            for i in 0..nr {
                self.undo_store(SwapKey::new(ty, offset + i as u64), None);
            }
            return Err(Reject::Disabled);
        }
        // Counted only for a store that stands (an undone one counts
        // nothing), per cgroup and in /proc/vmstat, per base page.
        for i in 0..nr {
            charges.count_zswpout(offset + i as u64);
        }
        self.stats.stores.fetch_add(nr as u64, Ordering::Relaxed);
        if nr > 1 {
            inc(&self.stats.stored_thp);
        }
        Laps::lap(&mut laps, Phase::Account);
        Laps::commit(laps, &self.stats);
        Ok(())
    }

    /// Stores one base page at `key` (whose swap type's cgroup records are
    /// `charges`) and publishes it in the index, charged to `cg`;
    /// the caller checks `closing` afterwards.  `raw_left`: how many more
    /// subpages of a THP may be kept uncompressed although
    /// `store_incompressible` is N (so that a little random data does not
    /// send the whole folio to the device; see [`THP_RAW_SHARE`]).  True
    /// if the page was kept uncompressed.
    fn store_one(
        &self,
        charges: &Charges,
        key: SwapKey,
        page: &PageRef<'_>,
        cg: Option<&ObjCgroup>,
        raw_left: &mut usize,
        laps: &mut Option<Laps>,
    ) -> core::result::Result<bool, Reject> {
        let offset = key.offset();
        let word = if get_bool(&KNOBS.same_filled_pages_enabled) {
            page.with_slice(same_filled)
        } else {
            None
        };
        Laps::lap(laps, Phase::SameFilled);
        let mut incompressible = false;
        let mut size = 0;
        let entry = match (word.and_then(Entry::filled), word) {
            (Some(e), _) => e,
            // A fill word the index cannot hold: 8 bytes in the pool, no
            // compression (charged 0 bytes, like any same-filled page).
            (None, Some(w)) => {
                if self.pool_full_for(key) {
                    return Err(Reject::PoolLimit);
                }
                if inject(Fault::Alloc) {
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
                if self.pool_full_for(key) {
                    return Err(Reject::PoolLimit);
                }
                let (h, raw, len) = self.compress_and_alloc(key, page, raw_left, false, laps)?;
                incompressible = raw;
                size = len;
                Entry::Object(h)
            }
        };
        self.stored.fetch_add(1, Ordering::Relaxed);
        // `fail_index` fails the insertion as a node allocation would.
        let published = if inject(Fault::Index) {
            Err(ENOMEM)
        } else {
            self.index.insert(key, entry, Gfp::STORE)
        };
        Laps::lap(laps, Phase::Index);
        match published {
            Ok(old) => {
                if let Some(old) = old {
                    // Frontswap invalidates before storing again, so this
                    // only happens if that contract changes; keep it correct.
                    inc(&self.stats.duplicate_entry);
                    self.release(key, old);
                }
            }
            Err(_) => {
                self.stored.fetch_sub(1, Ordering::Relaxed);
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
        crate::sys::race_window(RaceWindow::StorePublish);
        // Charged once published: releasing a duplicate above uncharged
        // the old entry's record, and `release` from here on finds ours.
        if let Some(cg) = cg {
            // `fail_charge` fails it as a record allocation would.
            let r = if inject(Fault::Charge) {
                Err(())
            } else {
                charges
                    .charge(offset, cg.clone(), size, Gfp::STORE)
                    .map_err(|_| ())
            };
            if r.is_err() {
                self.undo_store(key, Some(entry));
                return Err(Reject::Alloc);
            }
        }
        Laps::lap(laps, Phase::Account);
        Ok(incompressible)
    }

    /// Takes back the entry a failed store published at `key`.  The store
    /// holds the page lock of the slot, so whatever the index holds there
    /// is this store's own entry, perhaps moved by compaction meanwhile:
    /// it is erased as it is now, never compared with the value the store
    /// published (which would leave a moved entry behind as an orphan
    /// with no frontswap bit, to be written over a reused slot later).
    /// `published`, if the caller knows it, is what the store published:
    /// an entry found moved counts in `store_undo_moved`.  True if there
    /// was an entry.
    fn undo_store(&self, key: SwapKey, published: Option<Entry>) -> bool {
        crate::sys::race_window(RaceWindow::StoreUndo);
        match self.erase_release(key) {
            Some(e) => {
                if published.map_or(false, |p| p != e) {
                    inc(&self.stats.store_undo_moved);
                }
                true
            }
            None => false,
        }
    }

    /// Compresses `page` and allocates its object (kept whole if it does
    /// not compress and `raw_left` allows); `whole_from_reserves`: see
    /// `Pool::alloc_with`.  The object, whether it is whole, its length.
    pub(super) fn compress_and_alloc(
        &self,
        key: SwapKey,
        page: &PageRef<'_>,
        raw_left: &mut usize,
        whole_from_reserves: bool,
        laps: &mut Option<Laps>,
    ) -> core::result::Result<(Handle, bool, usize), Reject> {
        let knob = get_bool(&KNOBS.store_incompressible);
        let incompressible_ok = knob || *raw_left > 0;
        page.with_slice(|src| {
            // Most incompressible pages are told apart by a sample, for a
            // fraction of the cost of failing to compress them.
            let quick = looks_incompressible(src);
            Laps::lap(laps, Phase::Sample);
            if quick {
                inc(&self.stats.incompressible_sampled);
                if !incompressible_ok {
                    return Err(Reject::CompressPoor);
                }
            }
            self.comps.with_ctx(|ctx, tag| {
                Laps::lap(laps, Phase::Ctx);
                let compressed = if quick {
                    Err(ENOSPC)
                } else {
                    ctx.compress(tag, src)
                };
                Laps::lap(laps, Phase::Compress);
                let (data, tag) = match compressed {
                    Ok(d) if worth_storing(d.len()) => (d, tag),
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
                if inject(Fault::Alloc) {
                    return Err(Reject::Alloc);
                }
                let h = self
                    .pool
                    .alloc_with(key.owner(), tag, data, whole_from_reserves)
                    .map_err(|_| Reject::Alloc)?;
                Laps::lap(laps, Phase::Pool);
                // Counted under the context lock (see `Compressors`).
                self.comps.stored(tag);
                if tag == TAG_RAW && !knob {
                    *raw_left -= 1;
                }
                Ok((h, tag == TAG_RAW, data.len()))
            })
        })
    }
}
