// SPDX-License-Identifier: GPL-2.0

//! Writeback (an entry handed to the swap device), reclaim (the least
//! recently used frame written back: at the pool limit, from the shrinker,
//! on demand) and the unload that writes everything back.
//!
//! The protocol is argued in `Documentation/design.rst` ("Writeback and
//! unload").  In short: an entry is only ever dropped by writeback while
//! its locked swap-cache page excludes every store, load and invalidate
//! of it, or by frontswap's own invalidate under the swap device's lock
//! (a slot found free, `swapcache::invalidate_if_free`).  Nothing here
//! compares an index value to decide that an entry is "still ours": under
//! the page lock it is ours whatever compaction did to its handle.

use core::sync::atomic::Ordering;

use super::read::{EntryPage, Read};
use super::Backend;
use crate::index::{Entry, SwapKey, DEV_TYPE};
use crate::params::{get_bool, get_u32, KNOBS};
use crate::pool::MAX_UNIT_SLOTS;
use crate::stats::inc;
use crate::sys::debug::{inject, Fault};
use crate::sys::swapcache::{self, Filled, Handover, Lookup, NewSwapPage, WrittenPage};
use crate::sys::{race_window, RaceWindow, Result};

/// What became of an entry that writeback tried to hand to the device.
pub(crate) enum Outcome {
    /// Written (the write is submitted; the page, if we hold it, can be
    /// waited for) or handed to its swap-cache page: gone from the pool.
    Written(Option<WrittenPage>),
    /// Not ours any more (freed, or the slot was free and frontswap
    /// invalidated it).
    Gone,
    /// Could not be done now; the entry stays.
    Busy(Busy),
}

/// Why writeback left an entry where it was.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Busy {
    /// A page is in the swap cache for the entry and we were not asked
    /// to take it over (reclaim: zswap's "exists" case).
    InUse,
    /// No swap-cache page could be had: no memory, the page's cgroup at
    /// its limit, the entry being swapped in by another task, a swapoff.
    NoSwapPage,
    /// The entry's swap-cache page does not hold its data: a read of it
    /// failed, and its owner has not let it go yet.
    Unreadable,
    /// Our object cannot be decompressed (its load fails with `EIO`
    /// too): it stays until its owner lets the slot go or swapoff.
    Corrupt,
    /// The swap device does synchronous I/O (zram): its swap-ins bypass
    /// the swap cache, so writeback could race with them.
    SyncIo,
    /// A page of the module's block device (`vdev.rs`), or an entry of
    /// a swap area on that device: nothing behind it to be written to
    /// (the device keeps what is written in this pool); it stays until
    /// overwritten, discarded or its slot is freed.
    Device,
}

/// Entries the unload is still waiting for, by reason.
#[derive(Default)]
struct Waiting {
    in_use: u64,
    no_swap_page: u64,
    unreadable: u64,
    corrupt: u64,
    sync_io: u64,
}

impl Waiting {
    fn add(&mut self, b: Busy) {
        let c = match b {
            Busy::InUse => &mut self.in_use,
            Busy::NoSwapPage => &mut self.no_swap_page,
            Busy::Unreadable => &mut self.unreadable,
            Busy::Corrupt => &mut self.corrupt,
            Busy::SyncIo => &mut self.sync_io,
            // Never met by the unload: it walks swap types only, and runs
            // only when nobody has the disk open (no swap area on it).
            Busy::Device => &mut self.in_use,
        };
        *c += 1;
    }

    fn total(&self) -> u64 {
        self.in_use + self.no_swap_page + self.unreadable + self.corrupt + self.sync_io
    }
}

/// What the unload did with the entries it found, for its log line and
/// the tests that check that every stored page is accounted for.
#[derive(Default, Clone, Copy)]
pub(crate) struct Unloaded {
    /// Written to the swap device from a swap-cache page of our own.
    pub(crate) written: u64,
    /// Handed (dirty) to a page already in the swap cache, which reclaim
    /// writes out later or its owner uses as it is.
    pub(crate) handed: u64,
    /// Gone meanwhile: freed by their owners, invalidated as a free slot,
    /// or written back by reclaim.
    pub(crate) gone: u64,
    /// Of those gone, orphans dropped as lost (`Backend::drop_orphan`).
    pub(crate) orphans: u64,
}

/// Writes in flight that the unload lets pile up before it waits for
/// them: the drain turns compressed objects into whole pages in the swap
/// cache, and a large pool written back at once could exhaust memory.
const UNLOAD_BATCH: usize = 32;

/// How often (ms) the unload says what it is still waiting for.
const UNLOAD_LOG_MS: u64 = 10_000;

impl Backend {
    /// Hands the entry at `key` to the swap device; `expect` is the entry
    /// as the caller found it (the frame reclaim chose, or the unload's
    /// scan).  May sleep.  With `take_existing`, a page already in the
    /// swap cache for the entry takes the data over (marked dirty, so
    /// reclaim writes it out); without, that entry is busy (as in zswap).
    pub(crate) fn writeback(&self, key: SwapKey, expect: Entry, take_existing: bool) -> Outcome {
        if key.ty() == DEV_TYPE {
            return Outcome::Busy(Busy::Device);
        }
        let off = key.offset();
        if self.index.lookup(key) != Some(expect) {
            return Outcome::Gone;
        }
        race_window(RaceWindow::WritebackLookup);
        let mut page = match swapcache::lookup(key.ty(), off) {
            Lookup::New(p) => p,
            Lookup::Busy => return Outcome::Busy(Busy::NoSwapPage),
            Lookup::SyncIo => return Outcome::Busy(Busy::SyncIo),
            Lookup::Gone => {
                // The slot was free: the entry is dead, but only frontswap
                // may drop it, under the swap device's lock (its release
                // and any reuse of the slot are excluded there); it calls
                // our `invalidate_page`.  Dropping it here, under no lock,
                // could drop (or clear the bit of) a new page stored in
                // the reused slot meanwhile.
                race_window(RaceWindow::WritebackFreeSlot);
                if !swapcache::invalidate_if_free(key.ty(), off) {
                    return Outcome::Busy(Busy::NoSwapPage);
                }
                // Frontswap invalidated the slot, calling our
                // `invalidate_page`, if its bit was set.  If the entry is
                // still here with the bit clear, frontswap never will: an
                // orphan, which the unload would otherwise meet as "gone"
                // on every pass, for ever.
                if self.closing.load(Ordering::SeqCst) {
                    self.drop_orphan(key, expect);
                }
                return Outcome::Gone;
            }
            Lookup::Exists(p) => {
                if !take_existing {
                    return Outcome::Busy(Busy::InUse);
                }
                // Under the page lock (inside `take_over`) whatever the
                // index holds at `off` is this slot's entry.
                let r = p.take_over(|| self.erase_release(key).is_some());
                return match r {
                    Handover::Done => {
                        inc(&self.stats.written_back_pages);
                        Outcome::Written(None)
                    }
                    Handover::Unreadable => Outcome::Busy(Busy::Unreadable),
                    // Freed meanwhile, or the page left the swap cache
                    // (the next look makes a new one).
                    Handover::NotOurs => match self.index.lookup(key) {
                        None => Outcome::Gone,
                        Some(_) => Outcome::Busy(Busy::InUse),
                    },
                };
            }
            // A swap area on our own disk: it would store the page again
            // in this pool (no page was taken).
            Lookup::OwnDisk => return Outcome::Busy(Busy::Device),
        };
        // The page is locked in the swap cache: no load, store or
        // invalidate of this entry can run until we let it go, and the
        // entry at `off` changes only by compaction moving its object
        // (which `read_entry` follows).
        // `fail_writeback`: found, but as if it could not be decompressed.
        let unreadable = inject(Fault::Writeback);
        let filled = match self.read_entry(key, &mut page, |_| unreadable) {
            Read::Filled(f, _) => f,
            r => {
                // Let the page go without the entry's data: it reads it
                // as a swap-in would (see `NewSwapPage`'s drop).
                race_window(RaceWindow::WritebackGiveUp);
                drop(page);
                return match r {
                    // Freed before we locked the page (our page then
                    // belongs to a later use of the slot, and is read
                    // like a swap-in).
                    Read::Missing => Outcome::Gone,
                    // Not reproducible (its load fails with EIO too) or
                    // moving without end (or gone after a move, which the
                    // page lock rules out): keep it.
                    _ => Outcome::Busy(Busy::Corrupt),
                };
            }
        };
        race_window(RaceWindow::WritebackErase);
        if self.erase_release(key).is_none() {
            // Cannot happen under the page lock; keep the page unwritten.
            return Outcome::Gone;
        }
        inc(&self.stats.written_back_pages);
        Outcome::Written(Some(page.write(filled)))
    }

    /// The unload found the slot of the entry at `key` free, and frontswap
    /// invalidated it: if the index still holds `expect` there and the
    /// slot's frontswap bit is clear, nothing will ever invalidate the
    /// entry (an orphan: a bug elsewhere).  It is dropped as lost,
    /// counted (`orphans_dropped`) and logged once per load, so that the
    /// unload ends.  Only while closing: stores are refused then, and one
    /// that was already running when the unload began holds its page in
    /// the swap cache, so the slot is not free; should the slot be reused
    /// between the invalidate and this check, the store into it is being
    /// undone (`closing`), and its undo finds nothing left to take back.
    /// Never sleeps.
    fn drop_orphan(&self, key: SwapKey, expect: Entry) {
        let off = key.offset();
        if self.index.lookup(key) != Some(expect)
            || swapcache::frontswap_has(key.ty(), off) != Some(false)
        {
            return;
        }
        if !self.index.erase_if(key, expect) {
            return;
        }
        self.release(key, expect);
        inc(&self.stats.orphans_dropped);
        if !self.orphan_logged.swap(true, Ordering::Relaxed) {
            crate::pr_err!(
                "writeback: orphan entry {}:{:#x} (slot free, frontswap bit clear: nothing would ever invalidate it) dropped as lost; orphans_dropped counts any more",
                key.ty(),
                off
            );
        }
    }

    /// Writes back the least recently used frame (at most two objects in
    /// a zbud pool, four in zpack; one pool page freed when all go) and,
    /// with `writeback_run` > 1, the stored neighbours of each of its
    /// objects in the aligned window of that many swap slots, in
    /// ascending slot order: inside the caller's plug, adjacent slots
    /// merge into one device request, and a later swap-in's readahead
    /// finds the window on the device in one run instead of scattered
    /// between the pages the pool keeps (see `Documentation/design.rst`,
    /// "Writeback in runs").  True if the frame was emptied.  May sleep.
    pub(crate) fn reclaim_one(&self) -> bool {
        let r = match self.pool.reclaim_begin() {
            Some(r) => r,
            None => return false,
        };
        let run = u64::from(get_u32(&KNOBS.writeback_run).max(1));
        // The victims, by swap slot: a window holding two of them is
        // written once, in order.
        let mut victims = [None; MAX_UNIT_SLOTS];
        for (v, o) in victims.iter_mut().zip(r.objects.iter()) {
            *v = o.map(|(owner, h)| (SwapKey::from_owner(owner), Entry::Object(h)));
        }
        victims.sort_unstable_by_key(|v| v.map(|(k, _)| k.owner()));
        let (mut emptied, mut writes) = (true, 0);
        let mut done_window = None;
        for (key, _) in victims.iter().flatten().copied() {
            let base = key.offset() & !(run - 1);
            if done_window == Some((key.ty(), base)) {
                continue;
            }
            done_window = Some((key.ty(), base));
            for off in base..base + run {
                let k = SwapKey::new(key.ty(), off);
                let victim = victims.iter().flatten().find(|(vk, _)| *vk == k);
                if let Some((_, expect)) = victim {
                    match self.writeback(k, *expect, false) {
                        Outcome::Written(_) => writes += 1,
                        Outcome::Gone => {}
                        Outcome::Busy(_) => {
                            inc(&self.stats.writeback_fail);
                            emptied = false;
                        }
                    }
                } else if let Some(e) = self.run_neighbour(k) {
                    // A neighbour that cannot go now stays, as it was.
                    if let Outcome::Written(_) = self.writeback(k, e, false) {
                        inc(&self.stats.writeback_run_pages);
                    }
                }
            }
        }
        // Emptied means released: an object whose store was still running
        // when the frame was taken (not in the index yet) counts as gone
        // above, but keeps the frame.
        let r_pages = r.pages;
        emptied &= self.pool.reclaim_end(r);
        // What each freed page cost in device writes (its own objects; the
        // neighbours written with them free room in other frames).  A
        // zchain unit of k pages shares its writes out: writes mod k pages
        // at ceil(writes / k), the others at the floor (the counts add up
        // to the writes; a page whose share is 0 is counted nowhere).
        if emptied {
            let s = &self.stats;
            let pages = r_pages.max(1);
            for i in 0..pages {
                let share = writes / pages + usize::from(i < writes % pages);
                match share {
                    1 => inc(&s.reclaim_pages_1_write),
                    2 => inc(&s.reclaim_pages_2_writes),
                    3 => inc(&s.reclaim_pages_3_writes),
                    4 => inc(&s.reclaim_pages_4_writes),
                    _ => {}
                }
            }
        }
        emptied
    }

    /// The entry at `key` if it is an object that writeback in runs should
    /// take along with a victim: in the pool (a same-filled page kept as
    /// an index value costs no pool room, and would cost a device write).
    fn run_neighbour(&self, key: SwapKey) -> Option<Entry> {
        match self.index.lookup(key)? {
            e @ Entry::Object(_) => Some(e),
            Entry::Filled(_) => None,
        }
    }

    /// Writes back up to `n` frames (the `writeback` knob, the shrinker);
    /// returns how many were emptied.  Stops early once every frame was
    /// tried without one being emptied (a frame that cannot go now goes
    /// back to the LRU's head, so another pass would only meet the same
    /// ones: on a synchronous-I/O device, say, every one).  May sleep.
    pub(crate) fn reclaim(&self, n: usize) -> usize {
        swapcache::plugged(|| {
            let mut done = 0;
            let mut failed = 0u64;
            for _ in 0..n {
                let pages = self.pool.pages();
                if pages == 0 || failed >= pages {
                    break;
                }
                if self.reclaim_one() {
                    done += 1;
                    failed = 0;
                } else {
                    failed += 1;
                }
                crate::sys::cond_resched();
            }
            done
        })
    }

    /// The reclaim worker: writes back until the pool is below
    /// `accept_threshold_percent` of its limit.  May sleep.
    pub(crate) fn reclaim_to_threshold(&self) {
        inc(&self.stats.reclaim_runs);
        let max = Self::limit_pages(get_u32(&KNOBS.max_pool_percent));
        let thr = max * get_u32(&KNOBS.accept_threshold_percent) as u64 / 100;
        let mut failures = 0;
        let mut freed = 0u64;
        swapcache::plugged(|| {
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
        });
        if freed == 0 {
            inc(&self.stats.reject_reclaim_fail);
        }
    }

    /// Module exit: refuses new stores and hands every stored page to the
    /// swap device, waiting (with backoff) for entries that cannot go yet
    /// and saying what it waits for every 10 s.  Returns once nothing is
    /// stored.  At most [`UNLOAD_BATCH`] writes are in flight at a time.
    /// May sleep, for as long as an entry cannot be written back: the
    /// caller must not hold a lock that anything else needs meanwhile.
    /// Says what became of the entries it found.
    pub(crate) fn close(&self) -> Unloaded {
        self.closing.store(true, Ordering::SeqCst);
        core::sync::atomic::fence(Ordering::SeqCst);
        race_window(RaceWindow::UnloadScan);
        let start = crate::sys::task::now_ms();
        let mut logged = start;
        let mut backoff = 1u32;
        let mut batch: [Option<WrittenPage>; UNLOAD_BATCH] = [(); UNLOAD_BATCH].map(|_| None);
        let mut queued = 0;
        let mut done = Unloaded::default();
        let orphans0 = self.stats.orphans_dropped.load(Ordering::Relaxed);
        loop {
            let mut waiting = Waiting::default();
            let mut progress = false;
            self.index.walk(|key, e| {
                match self.writeback(key, e, true) {
                    Outcome::Written(None) => {
                        progress = true;
                        done.handed += 1;
                    }
                    Outcome::Written(Some(p)) => {
                        progress = true;
                        done.written += 1;
                        batch[queued] = Some(p);
                        queued += 1;
                        if queued == UNLOAD_BATCH {
                            wait_all(&mut batch);
                            queued = 0;
                        }
                    }
                    Outcome::Gone => {
                        progress = true;
                        // Or its object moved since the walk read it: the
                        // next pass meets it again.
                        if self.index.lookup(key).is_none() {
                            done.gone += 1;
                        }
                    }
                    Outcome::Busy(b) => waiting.add(b),
                }
                crate::sys::cond_resched();
            });
            wait_all(&mut batch);
            queued = 0;
            if self.stored_pages() == 0 {
                done.orphans = self
                    .stats
                    .orphans_dropped
                    .load(Ordering::Relaxed)
                    .wrapping_sub(orphans0);
                return done;
            }
            let now = crate::sys::task::now_ms();
            if now.wrapping_sub(logged) >= UNLOAD_LOG_MS {
                logged = now;
                crate::pr_warn!(
                    "unload: waiting {} s for {} stored pages: {} busy in the swap cache, {} without a swap-cache page (no memory, cgroup limit, swap-in or swapoff in progress), {} whose read failed, {} unreadable, {} on a synchronous-I/O device (swapoff it)",
                    now.wrapping_sub(start) / 1000,
                    self.stored_pages(),
                    waiting.in_use,
                    waiting.no_swap_page,
                    waiting.unreadable,
                    waiting.corrupt,
                    waiting.sync_io
                );
            }
            if progress || waiting.total() == 0 {
                backoff = 1;
            } else {
                backoff = (backoff * 2).min(1000);
            }
            crate::sys::task::msleep(backoff);
        }
    }
}

/// Waits for (and drops) every write in `batch`.
fn wait_all(batch: &mut [Option<WrittenPage>]) {
    for p in batch.iter_mut() {
        if let Some(p) = p.take() {
            p.wait();
        }
    }
}

/// Writeback's page: a new swap-cache page, whose proof of being filled in
/// full its write needs.
impl EntryPage for NewSwapPage {
    type Filled = Filled;

    fn fill_words(&mut self, w: u64) -> Filled {
        NewSwapPage::fill_words(self, w)
    }

    fn fill_from(
        &mut self,
        read: impl FnOnce(&mut [u8]) -> Option<Result<usize>>,
    ) -> Option<core::result::Result<Filled, Result<usize>>> {
        let mut wrote = 0;
        // `fill_with` zeroes the page first; its error is `read`'s
        // (`None`: the object moved), or none if `read` wrote less than
        // the page.
        let r = self.fill_with(|dst| match read(dst) {
            Some(Ok(n)) => {
                wrote = n;
                Ok(n)
            }
            Some(Err(e)) => Err(Some(e)),
            None => Err(None),
        });
        match r {
            Ok(f) => Some(Ok(f)),
            Err(Some(None)) => None,
            Err(Some(Some(e))) => Some(Err(Err(e))),
            Err(None) => Some(Err(Ok(wrote))),
        }
    }
}
