// SPDX-License-Identifier: GPL-2.0

//! The pool: compressed objects in page frames, in one of three layouts.
//!
//! A *frame* is one pool page plus a descriptor in the frame table
//! ([`Arena`]).  The descriptor lives outside the page, so the whole page
//! holds data and objects are placed with byte precision.  Each object has
//! a *slot* in its frame's descriptor (owner, offset, length, tag).
//!
//! Objects are laid out in one of three layouts, [`Layout::Zbud`] (at
//! most two objects per frame, one at each end of the page; the default),
//! [`Layout::Zpack`] (at most four, anywhere in the page): `layout.rs`
//! holds every decision that differs between these two; and
//! [`Layout::Zchain`], zpack frames chained into units of up to three
//! pages for objects over half a page (`unit.rs`, `chain.rs`; `alloc`,
//! `free`, `read` and relisting dispatch to it).
//!
//! Frames that could take another object sit on free lists indexed by
//! their free space in 64-byte chunks ([`CHUNK`]); an allocation takes the
//! frame with the least free space that fits (first non-empty list at or
//! above the chunks it needs).  Full frames are on no list.
//!
//! A [`Handle`] is (frame id, slot): it never encodes a page address, so a
//! frame's page can be replaced (migration) without touching the index.
//! Each object slot records its owner (the swap entry), so a handle can be
//! validated and a frame can find its index entries (compaction).
//!
//! # Locking
//!
//! * `Pool::inner` (pool lock, spinlock): free lists, free frame ids,
//!   frame states, counters, and which slots of a frame hold an object
//!   (slots are claimed and emptied under both locks).
//! * The frame lock (spinlock in each frame descriptor): the frame's page
//!   pointer, its object slots (offsets too) and the page contents.
//!
//! Where these sit among the module's other locks (the page lock, the
//! compression mutex, the XArray lock, ...) is stated once, in
//! `Documentation/design.rst` ("Locking order").  Readers ([`Pool::read`])
//! take only the frame lock; nothing sleeps under either lock.
//!
//! Files, each using only those listed before it (and this file only
//! those before `objects`): [`frame`] what a frame holds; [`lists`] the
//! free lists, the LRU, the free ids and the counters; [`layout`] the two
//! layouts' decisions; here the pool, its frames and giving frames up
//! (zombies); [`objects`] alloc, free and read; [`migrate`] the
//! movable-page callbacks (`isolate`, `migrate`, `putback`); [`compact`]
//! emptying sparse frames into fuller ones; [`reclaim`] taking the
//! coldest frame for writeback.

use alloc::boxed::Box;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::sys::arena::Arena;
use crate::sys::lock::{LockClass, SpinLock};
use crate::sys::movable::MovableOps;
use crate::sys::movable::MovablePage;
use crate::sys::{sub_or_warn, Gfp, Result};
use frame::FrameData;
use lists::{Inner, State, NIL, NLISTS};

#[cfg(zrs_kunit)]
pub(crate) use frame::MAX_SLOTS;
pub(crate) use frame::MAX_UNIT_SLOTS;
pub(crate) use layout::{Layout, MAX_COMPRESSED};
pub(crate) use lists::Counts;
#[cfg(zrs_kunit)]
pub(crate) use lists::CHUNK;

/// Unwraps `$lookup` (the descriptor or link of frame `$id`); if there is
/// none (a broken invariant: the pool only hands out ids of installed
/// table blocks), reports it and returns `$ret` from the enclosing
/// function, so a VM callback fails its operation instead of panicking.
///
/// A macro that returns from its caller, on purpose: it stands for
/// `let Some(x) = $lookup else { broken($id); return $ret; }`, which
/// needs let-else (Rust 1.65; the 6.1 toolchain is 1.63).  The callers
/// return different types (`bool`, `Option`, counts, `()`), so a helper
/// with `?` would not serve them all.  The name says what it does.
macro_rules! or_broken {
    ($lookup:expr, $id:expr, $ret:expr) => {
        match $lookup {
            Some(x) => x,
            None => {
                $crate::pool::lists::broken($id);
                #[allow(clippy::unused_unit)]
                return $ret;
            }
        }
    };
}

// After the macros: the submodules use them.  In the order of the
// files' dependencies (see above).
mod chain;
mod compact;
mod frame;
mod layout;
mod lists;
pub(crate) mod migrate;
mod objects;
mod reclaim;
mod unit;

/// Names an object in the pool.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Handle {
    /// Frame id.
    pub(crate) frame: u32,
    /// Slot in the frame, below [`MAX_SLOTS`] (zbud: 0 is the first
    /// buddy, 1 the last).
    pub(crate) slot: u8,
}

/// What [`Pool::free`] freed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Freed {
    /// The caller's tag.
    pub(crate) tag: u8,
    /// The object's length in bytes.
    pub(crate) len: usize,
}

/// Migration, compaction and reclaim counters.
#[derive(Default)]
pub(crate) struct MoveStats {
    /// Pages the VM isolated.
    pub(crate) isolate_ok: AtomicU64,
    /// Isolations we refused (frame busy, being freed, not ours).
    pub(crate) isolate_refused: AtomicU64,
    /// Pages migrated (including zombies released by migration).
    pub(crate) migrate_ok: AtomicU64,
    /// Migrations answered with -EAGAIN.
    pub(crate) migrate_eagain: AtomicU64,
    /// Migrations refused for good.
    pub(crate) migrate_fail: AtomicU64,
    /// Isolated pages given back.
    pub(crate) putback: AtomicU64,
    /// Frames emptied and released by compaction.
    pub(crate) pages_compacted: AtomicU64,
    /// Frames reclaim passed over once because an object in them was
    /// loaded (and kept) since it last looked.
    pub(crate) reclaim_second_chances: AtomicU64,
    /// Stores whose best-fitting frame was locked (a load reading it): a
    /// new frame instead of a wait with the pool lock held.
    pub(crate) store_frame_busy: AtomicU64,
    /// Test hook: the next store finds its best-fitting frame busy (a real
    /// busy frame needs another CPU holding its lock, and a store made
    /// under a frame lock may not allocate its new page).
    #[cfg(zrs_kunit)]
    pub(crate) force_frame_busy: core::sync::atomic::AtomicBool,
}

/// A pool (zbud or zpack layout).
pub(crate) struct Pool {
    layout: Layout,
    frames: Arena<SpinLock<FrameData>>,
    inner: Pin<Box<SpinLock<Inner>>>,
    page_gfp: Gfp,
    /// Movable-page callbacks; `None`: pages are not movable (private
    /// test pools, whose migration callbacks the tests call directly).
    ops: Option<&'static MovableOps>,
    /// Migration and compaction counters.
    pub(crate) moves: MoveStats,
    /// Pages in the pool, zombies included (a page counts until it is
    /// given back); changed under the pool lock, read without it.
    pages: AtomicU64,
}

impl Pool {
    /// A pool in `layout` of at most `max_pages` frames whose pages are
    /// movable through `ops` (if given); may sleep.
    pub(crate) fn new(
        layout: Layout,
        max_pages: usize,
        ops: Option<&'static MovableOps>,
    ) -> Result<Pool> {
        let inner = Inner {
            links: Arena::new(max_pages)?,
            heads: [NIL; NLISTS],
            nonempty: 0,
            free_ids: NIL,
            zombies: NIL,
            lru_head: NIL,
            lru_tail: NIL,
            listed_free: 0,
            gen: 0,
            futile_gen: u64::MAX,
            mark_seq: 0,
            counts: Counts::default(),
        };
        Ok(Pool {
            layout,
            frames: Arena::new(max_pages)?,
            inner: SpinLock::new_boxed(inner, LockClass::Pool)?,
            page_gfp: if ops.is_some() {
                Gfp::STORE.movable()
            } else {
                Gfp::STORE
            },
            ops,
            moves: MoveStats::default(),
            pages: AtomicU64::new(0),
        })
    }

    /// Empties frame `id` (pool lock held, its objects already gone):
    /// releases the id, or makes it a zombie if its page cannot be given
    /// up right now.  Returns the page to drop after the lock, if any (a
    /// plain page: a movable one is given up here or becomes a zombie).
    fn retire(&self, inner: &mut Inner, id: u32, page: Option<MovablePage>) -> Option<MovablePage> {
        inner.list_del(id);
        inner.lru_del(id);
        let page = match page {
            Some(p) => p,
            None => {
                inner.push_free_id(id);
                return None;
            }
        };
        if or_broken!(inner.links.get_mut(id), id, None).isolated {
            // The VM holds the page: migrate or putback releases it.
            or_broken!(self.frames.get(id), id, None).lock().page = Some(page);
            or_broken!(inner.links.get_mut(id), id, None).state = State::Zombie;
            inner.counts.zombies += 1;
            return None;
        }
        if self.ops.is_none() {
            inner.push_free_id(id);
            self.page_gone();
            return Some(page);
        }
        match page.try_release() {
            Ok(()) => {
                inner.push_free_id(id);
                self.page_gone();
            }
            Err(page) => {
                or_broken!(self.frames.get(id), id, None).lock().page = Some(page);
                inner.push_zombie(id);
                inner.counts.zombies += 1;
            }
        }
        None
    }

    /// A page left the pool (given back to the page allocator or the VM).
    fn page_gone(&self) {
        self.pages.fetch_sub(1, Ordering::Relaxed);
    }

    /// Releases zombie frames whose page lock is free now (never sleeps).
    fn reap_zombies(&self, inner: &mut Inner) {
        // Only a pool with movable pages has zombies.
        if self.ops.is_none() {
            return;
        }
        let mut id = inner.zombies;
        inner.zombies = NIL;
        while id != NIL {
            let next = or_broken!(inner.links.get_mut(id), id, ()).next;
            let page = or_broken!(self.frames.get(id), id, ()).lock().page.take();
            match page.map(|p| p.try_release()) {
                Some(Err(p)) => {
                    or_broken!(self.frames.get(id), id, ()).lock().page = Some(p);
                    inner.push_zombie(id);
                }
                Some(Ok(())) => {
                    inner.push_free_id(id);
                    sub_or_warn(&mut inner.counts.zombies, 1, "zombies");
                    self.page_gone();
                }
                None => {
                    inner.push_free_id(id);
                    sub_or_warn(&mut inner.counts.zombies, 1, "zombies");
                }
            }
            id = next;
        }
    }

    /// Releases every zombie frame on the zombie list, waiting for each
    /// page lock; may sleep (swapoff, module exit, compaction on demand).
    /// Zombies the VM holds isolated are released by its migrate or
    /// putback call instead.
    pub(crate) fn release_zombies(&self) -> usize {
        let mut n = 0;
        loop {
            let page = {
                let mut inner = self.inner.lock();
                let id = inner.zombies;
                if id == NIL {
                    break;
                }
                inner.zombies = or_broken!(inner.links.get_mut(id), id, n).next;
                sub_or_warn(&mut inner.counts.zombies, 1, "zombies");
                let page = or_broken!(self.frames.get(id), id, n).lock().page.take();
                // The id may be reused at once: the old page still names it
                // in `private`, but isolation checks the frame's page
                // identity under the frame lock, so it is refused.
                inner.push_free_id(id);
                page
            };
            if let Some(p) = page {
                // Not under the pool lock: `lock_page` sleeps, and the VM
                // takes the pool lock with the page lock held.
                self.drop_page(p);
                self.page_gone();
                n += 1;
            }
        }
        n
    }

    /// Current counters.
    pub(crate) fn counts(&self) -> Counts {
        let mut c = self.inner.lock().counts;
        c.pages = self.pages();
        c
    }

    /// Pages in the pool, without taking the pool lock (the store path's
    /// limit check).
    pub(crate) fn pages(&self) -> u64 {
        self.pages.load(Ordering::Relaxed)
    }

    /// Gives a page back: a movable one after clearing its movable state
    /// under its page lock (may sleep), a plain one at once.
    fn drop_page(&self, page: MovablePage) {
        page.release();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Give every page back with its movable state cleared under the page
        // lock (we may sleep here: module exit or test teardown), so that
        // the VM never calls into this module's text once it is gone.
        let n = self.frames.len();
        for id in 0..n as u32 {
            let page = self.frames.get(id).and_then(|f| f.lock().page.take());
            if let Some(p) = page {
                self.drop_page(p);
            }
        }
    }
}

impl Pool {
    /// Test hook: flips one byte of object `h` in place (simulates memory
    /// corruption); false if `h` is not a live object.
    #[cfg(zrs_kunit)]
    pub(crate) fn corrupt(&self, h: Handle, at: usize) -> bool {
        let cell = match self.frames.get(h.frame) {
            Some(c) => c,
            None => return false,
        };
        let mut frame = cell.lock();
        let s = match frame.object(h.slot) {
            Some(s) => s,
            None => return false,
        };
        let off = s.off as usize + at % s.len as usize;
        match frame.page.as_mut() {
            Some(p) => p.with_slice_mut(|b| b[off] ^= 0x5a),
            None => return false,
        }
        true
    }

    /// Test hook: an accounting slip, made by hand: under the pool lock, a
    /// frame counted as going from `from` objects to `from - 1` (though
    /// no such frame is counted) and a zombie released that is not
    /// counted, as a bookkeeping bug would.
    #[cfg(zrs_kunit)]
    pub(crate) fn slip_counts(&self, from: usize) {
        let mut inner = self.inner.lock();
        inner
            .counts
            .frame_changed((from, false), (from.saturating_sub(1), false));
        sub_or_warn(&mut inner.counts.zombies, 1, "zombies");
    }

    /// Test hook: where object `h` starts in its page.
    #[cfg(zrs_kunit)]
    pub(crate) fn object_offset(&self, h: Handle) -> Option<usize> {
        let frame = self.frames.get(h.frame)?.lock();
        Some(frame.object(h.slot)?.off as usize)
    }

    /// Test hook: the page pointer of frame `id` (identity only).
    #[cfg(zrs_kunit)]
    pub(crate) fn frame_page(&self, id: u32) -> Option<usize> {
        let frame = self.frames.get(id)?.lock();
        frame.page.as_ref().map(|p| p.as_ptr() as usize)
    }

    /// Test hook: a reference to frame `id`'s page, as the VM takes one
    /// before isolating.
    #[cfg(zrs_kunit)]
    pub(crate) fn frame_page_ref(&self, id: u32) -> Option<crate::sys::page::PageHold> {
        let frame = self.frames.get(id)?.lock();
        frame.page.as_ref().map(|p| p.hold())
    }

    /// Test hook: a unit of `pages` frames (1 to `MAX_UNIT_PAGES`) built
    /// by hand: pages allocated, members linked, no objects, on no free
    /// list and not on the LRU (nothing else finds it); its head's id.
    /// [`Pool::unit_release`] gives it back.
    #[cfg(zrs_kunit)]
    pub(crate) fn unit_build(&self, pages: usize) -> Option<u32> {
        use crate::sys::page::Page;
        use frame::MAX_UNIT_PAGES;
        if pages == 0 || pages > MAX_UNIT_PAGES {
            return None;
        }
        let mut ids = [NIL; MAX_UNIT_PAGES];
        for slot in ids.iter_mut().take(pages) {
            self.reserve_id().ok()?;
            let mut page = match self.ops {
                Some(ops) => ops.alloc(self.page_gfp),
                None => Page::alloc(self.page_gfp).map(MovablePage::plain),
            }?;
            let mut inner = self.inner.lock();
            let id = inner.pop_free_id()?;
            page.set_private(id as usize);
            self.frames.get(id)?.lock().page = Some(page);
            self.pages.fetch_add(1, Ordering::Relaxed);
            *slot = id;
        }
        // Linked under the pool lock and each frame's own lock (nobody
        // else knows these frames yet, so not as a unit).
        let _inner = self.inner.lock();
        for i in 0..pages {
            let mut f = self.frames.get(ids[i])?.lock();
            f.head = if i == 0 { NIL } else { ids[0] };
            f.next = if i + 1 < pages { ids[i + 1] } else { NIL };
        }
        Some(ids[0])
    }

    /// Test hook: gives back a unit [`Pool::unit_build`] made.
    #[cfg(zrs_kunit)]
    pub(crate) fn unit_release(&self, head: u32) {
        use frame::MAX_UNIT_PAGES;
        let mut drop_after = [None, None, None];
        let mut inner = self.inner.lock();
        let mut id = head;
        for d in drop_after.iter_mut().take(MAX_UNIT_PAGES) {
            if id == NIL {
                break;
            }
            let (page, next) = {
                let mut f = or_broken!(self.frames.get(id), id, ()).lock();
                let next = f.next;
                f.head = NIL;
                f.next = NIL;
                (f.page.take(), next)
            };
            *d = self.retire(&mut inner, id, page);
            id = next;
        }
        drop(inner);
        drop(drop_after);
    }

    /// Test hook: pages in the unit that frame `head` heads; `None` if it
    /// heads none.
    #[cfg(zrs_kunit)]
    pub(crate) fn unit_pages(&self, head: u32) -> Option<usize> {
        unit::Unit::lock(&self.frames, head, 0).map(|u| u.pages())
    }

    /// Test hook: member `i` of the unit that frame `head` heads.
    #[cfg(zrs_kunit)]
    pub(crate) fn unit_member(&self, head: u32, i: usize) -> Option<u32> {
        unit::Unit::lock(&self.frames, head, 0)?.id(i)
    }

    /// Test hook: writes `data` at `off` in the unit `head` heads.
    #[cfg(zrs_kunit)]
    pub(crate) fn unit_write(&self, head: u32, off: usize, data: &[u8]) -> bool {
        unit::Unit::lock(&self.frames, head, 0).map_or(false, |mut u| u.write(off, data))
    }

    /// Test hook: reads `out.len()` bytes at `off` of the unit `head`
    /// heads as a load would (`scratch` for a range across pages); whether
    /// they were read in place.
    #[cfg(zrs_kunit)]
    pub(crate) fn unit_read(
        &self,
        head: u32,
        off: usize,
        out: &mut [u8],
        scratch: &mut [u8],
    ) -> Option<bool> {
        let u = unit::Unit::lock(&self.frames, head, 0)?;
        let len = out.len();
        u.read(off, len, scratch, |b| out.copy_from_slice(b))?;
        Some(unit::Unit::in_one_page(off, len))
    }

    /// Test hook: moves `len` bytes of the unit `head` heads from `from`
    /// down to `to`.
    #[cfg(zrs_kunit)]
    pub(crate) fn unit_move_down(&self, head: u32, from: usize, to: usize, len: usize) -> bool {
        unit::Unit::lock(&self.frames, head, 0).map_or(false, |mut u| u.move_down(from, to, len))
    }

    /// Test hook: locks unit `a`, then unit `b` as a second unit (as
    /// compaction holds its source and destination), and copies `len`
    /// bytes from `off` in `a` to `to` in `b` through `scratch`; the
    /// units' page counts.
    #[cfg(zrs_kunit)]
    pub(crate) fn unit_copy_between(
        &self,
        a: u32,
        b: u32,
        off: usize,
        to: usize,
        scratch: &mut [u8],
    ) -> Option<(usize, usize)> {
        let ua = unit::Unit::lock(&self.frames, a, 0)?;
        let mut ub = unit::Unit::lock(&self.frames, b, 1)?;
        if !ua.copy_out(off, scratch) || !ub.write(to, scratch) {
            return None;
        }
        Some((ua.pages(), ub.pages()))
    }

    /// Test hook: runs `f` while frame `id`'s lock is held as if by a load
    /// on another CPU.
    #[cfg(zrs_kunit)]
    pub(crate) fn with_frame_busy<R>(&self, id: u32, f: impl FnOnce() -> R) -> Option<R> {
        Some(self.frames.get(id)?.held_elsewhere(f))
    }
}
