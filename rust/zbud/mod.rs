// SPDX-License-Identifier: GPL-2.0

//! The pool: compressed objects in page frames, in one of two layouts.
//!
//! A *frame* is one pool page plus a descriptor in the frame table
//! ([`Arena`]).  The descriptor lives outside the page, so the whole page
//! holds data and objects are placed with byte precision.  Each object has
//! a *slot* in its frame's descriptor (owner, offset, length, tag).
//!
//! * [`Layout::Zbud`] (the default): at most two objects per frame.  Slot 0,
//!   the first buddy, starts at byte 0 of the page; slot 1, the last buddy,
//!   ends at byte `PAGE_SIZE`; the free space is the gap between them.  Two
//!   objects share a frame whenever their lengths add up to `PAGE_SIZE`.
//! * [`Layout::Zpack`]: at most four objects per frame ([`MAX_SLOTS`]),
//!   anywhere in the page.  A new object goes into the first gap that
//!   holds it; if the frame has the room but no gap does, its objects
//!   slide to the start of the page first (under the frame lock, which
//!   every reader holds: a handle names a slot, not an offset).  Emptying
//!   a frame never takes more than four objects.
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
//! Files: here the pool, its frames and giving frames up (zombies);
//! [`objects`] alloc, free and read; [`lists`] the free lists, the LRU and
//! the free ids; [`migrate`] the movable-page callbacks (`isolate`,
//! `migrate`, `putback`); [`compact`] emptying sparse frames into fuller
//! ones; [`reclaim`] taking the coldest frame for writeback.

use alloc::boxed::Box;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::sys::arena::Arena;
use crate::sys::lock::{LockClass, SpinLock};
use crate::sys::movable::MovableOps;
use crate::sys::movable::MovablePage;
use crate::sys::{sub_or_warn, Gfp, Result, PAGE_SIZE};
use lists::{Inner, State};

/// Free-space unit of the free lists, in bytes.
pub(crate) const CHUNK: usize = 64;
/// Number of free lists (free space `0..PAGE_SIZE` in [`CHUNK`]s).
pub(crate) const NLISTS: usize = PAGE_SIZE / CHUNK;
/// Largest object: a whole page (stored as-is).
pub(crate) const MAX_OBJECT: usize = PAGE_SIZE;
/// Largest *compressed* object worth storing: a bigger one leaves less
/// than two chunks for a buddy and saves under 3% of a page.  The same
/// limit as zswap 6.1 on zbud (3968 bytes incl. its 8-byte header).
pub(crate) const MAX_COMPRESSED: usize = PAGE_SIZE - 2 * CHUNK;

const NIL: u32 = u32::MAX;
const UNLISTED: u8 = u8::MAX;

/// Reports a frame id without a descriptor: the pool's own bookkeeping is
/// broken (it only hands out ids of installed table blocks).
#[cold]
fn broken(id: u32) {
    crate::pr_err!("BUG: frame id {} has no descriptor", id);
}

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
                $crate::zbud::broken($id);
                #[allow(clippy::unused_unit)]
                return $ret;
            }
        }
    };
}

// After the macros: the submodules use them.
mod compact;
mod lists;
mod migrate;
mod objects;
mod reclaim;

#[cfg(zrs_kunit)]
pub(crate) use migrate::Migrated;
pub(crate) use migrate::{PoolOwner, PoolPages};

/// Most objects a frame holds (in any layout).
pub(crate) const MAX_SLOTS: usize = 4;
// The index entry keeps a slot in two bits (`index.rs`).
const _: () = assert!(MAX_SLOTS <= 4);

/// How objects are laid out in a pool page (fixed for a pool's life).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Layout {
    /// Two objects per frame, one at each end (the default).
    Zbud,
    /// Up to [`MAX_SLOTS`] objects per frame, packed at byte granularity.
    Zpack,
}

impl Layout {
    /// Every layout.
    pub(crate) const ALL: [Layout; 2] = [Layout::Zbud, Layout::Zpack];

    /// Objects a frame of this layout holds at most.
    pub(crate) fn slots(self) -> usize {
        match self {
            Layout::Zbud => 2,
            Layout::Zpack => MAX_SLOTS,
        }
    }

    /// The name the `zpool` parameter uses.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Layout::Zbud => "zbud",
            Layout::Zpack => "zpack",
        }
    }

    /// The layout called `name`.
    pub(crate) fn from_name(name: &[u8]) -> Option<Layout> {
        Layout::ALL
            .iter()
            .copied()
            .find(|l| l.name().as_bytes() == name)
    }
}

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

/// One object slot of a frame.
#[derive(Clone, Copy, Default)]
struct Slot {
    /// Who stored the object (opaque to the pool; the swap entry).
    owner: u64,
    /// Where the object starts in the page.
    off: u16,
    /// Length in bytes; 0 when the slot is empty.
    len: u16,
    /// Caller's tag (the compressor id).
    tag: u8,
}

/// What the frame lock protects.
///
/// # Invariants
///
/// `page` is `Some` iff at least one slot is non-empty; every object lies
/// in the page (`off + len <= PAGE_SIZE`) and no two overlap; in a zbud
/// frame only slots 0 and 1 are used, slot 0 at offset 0 and slot 1
/// ending at `PAGE_SIZE`.
pub(crate) struct FrameData {
    page: Option<MovablePage>,
    slots: [Slot; MAX_SLOTS],
}

// The metadata per frame that `Documentation/performance.rst` counts.
const _: () = assert!(core::mem::size_of::<FrameData>() == 72);

impl FrameData {
    const EMPTY: FrameData = FrameData {
        page: None,
        slots: [Slot {
            owner: 0,
            off: 0,
            len: 0,
            tag: 0,
        }; MAX_SLOTS],
    };

    fn nr_objects(&self) -> usize {
        self.slots.iter().filter(|s| s.len != 0).count()
    }

    /// The object in `slot`, if the slot holds one.
    fn object(&self, slot: u8) -> Option<Slot> {
        self.slots
            .get(slot as usize)
            .copied()
            .filter(|s| s.len != 0)
    }

    fn used(&self) -> usize {
        self.slots.iter().map(|s| s.len as usize).sum()
    }

    /// Claims a slot for a `len`-byte object and gives it an offset; the
    /// caller has checked that the frame has room (`used() + len <=
    /// PAGE_SIZE`, fewer objects than the layout allows).  In a zpack
    /// frame whose free bytes are split between gaps, the offset is where
    /// the free space starts once the other objects slid to the start of
    /// the page, and the [`Claim`] says the slide is still to be done:
    /// [`FrameData::settle`] does it, under the same hold of the frame lock
    /// (until then the new object's range may overlap old positions, which
    /// nobody can see).  The bytes are the caller's to write after that,
    /// still under this lock.
    fn claim(&mut self, layout: Layout, owner: u64, tag: u8, len: usize) -> Option<Claim> {
        let free = (0..layout.slots()).find(|&i| self.slots[i].len == 0)?;
        let (off, slide) = match layout {
            Layout::Zbud if free == 0 => (0, false),
            Layout::Zbud => (PAGE_SIZE - len, false),
            Layout::Zpack => match self.gap(len) {
                Some(off) => (off, false),
                None => (self.used(), true),
            },
        };
        if off + len > PAGE_SIZE {
            return None;
        }
        // INVARIANT: `off + len` is in the page and, by the caller's room
        // check and the gap search, overlaps no object; or (`slide`) it
        // will not once `settle` has moved the others below `used()`.
        self.slots[free] = Slot {
            owner,
            off: off as u16,
            len: len as u16,
            tag,
        };
        Some(Claim {
            slot: free as u8,
            slide,
        })
    }

    /// Completes a claim: slides the other objects if it needs that.
    fn settle(&mut self, c: Claim) {
        if c.slide {
            self.slide(Some(c.slot as usize));
        }
    }

    /// The objects in page order, as (offset, length, slot); slot `except`
    /// left out.
    fn by_offset(&self, except: Option<usize>) -> ([(usize, usize, usize); MAX_SLOTS], usize) {
        let mut v = [(0, 0, 0); MAX_SLOTS];
        let mut n = 0;
        for (i, s) in self.slots.iter().enumerate() {
            if s.len != 0 && Some(i) != except {
                v[n] = (s.off as usize, s.len as usize, i);
                n += 1;
            }
        }
        v[..n].sort_unstable();
        (v, n)
    }

    /// The start of the first gap of at least `len` bytes, if any.
    fn gap(&self, len: usize) -> Option<usize> {
        let (objs, n) = self.by_offset(None);
        let mut at = 0;
        for &(off, l, _) in &objs[..n] {
            // Objects do not overlap (invariant), so `off >= at`.  Should
            // they ever, this finds no gap there and goes on past both,
            // rather than a BUG under the frame lock: the new object goes
            // elsewhere.  (`PAGE_SIZE - at` below stays plain: `off + len
            // <= PAGE_SIZE` is what keeps every access in the page.)
            if off.saturating_sub(at) >= len {
                return Some(at);
            }
            at = at.max(off + l);
        }
        if PAGE_SIZE - at >= len {
            Some(at)
        } else {
            None
        }
    }

    /// Moves every object but slot `except` down to close the gaps (bytes
    /// and offsets).
    fn slide(&mut self, except: Option<usize>) {
        let (objs, n) = self.by_offset(except);
        let mut at = 0;
        for &(off, len, i) in &objs[..n] {
            if off != at {
                if let Some(p) = self.page.as_mut() {
                    // Downwards, in page order: never over an object not
                    // yet moved.
                    p.with_slice_mut(|b| b.copy_within(off..off + len, at));
                }
                // INVARIANT: Moved to `at`, past the objects already placed.
                self.slots[i].off = at as u16;
            }
            at += len;
        }
    }
}

/// A slot claimed in a frame ([`FrameData::claim`]).
#[derive(Clone, Copy)]
#[must_use]
struct Claim {
    slot: u8,
    /// The other objects must slide first ([`FrameData::settle`]).
    slide: bool,
}

/// Migration and compaction counters.
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
}

/// Counters kept under the pool lock (`pages` is kept in an atomic and
/// filled in by [`Pool::counts`]).
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Counts {
    /// Pages in the pool.
    pub(crate) pages: u64,
    /// Frames with one object (not a whole page).
    pub(crate) one: u64,
    /// Frames with two objects.
    pub(crate) two: u64,
    /// Frames with three objects (zpack only).
    pub(crate) three: u64,
    /// Frames with four objects (zpack only).
    pub(crate) four: u64,
    /// Frames holding one whole-page object.
    pub(crate) whole: u64,
    /// Bytes of all objects.
    pub(crate) bytes: u64,
    /// Emptied frames whose page waits to be released (counted in `pages`).
    pub(crate) zombies: u64,
}

impl Counts {
    /// The counter of frames holding `n` objects (`whole`: one object of
    /// a whole page); `None` for an empty frame, which no counter holds.
    fn frames_with(&mut self, n: usize, whole: bool) -> Option<&mut u64> {
        match n {
            _ if whole => Some(&mut self.whole),
            1 => Some(&mut self.one),
            2 => Some(&mut self.two),
            3 => Some(&mut self.three),
            4 => Some(&mut self.four),
            _ => None,
        }
    }

    /// A frame went from `from` objects to `to` (`whole` before and after:
    /// whether a whole-page object is all it holds).
    fn frame_changed(&mut self, from: (usize, bool), to: (usize, bool)) {
        if let Some(c) = self.frames_with(from.0, from.1) {
            sub_or_warn(c, 1, "frames_with_n_objects");
        }
        if let Some(c) = self.frames_with(to.0, to.1) {
            *c += 1;
        }
    }
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

    /// Test hook: runs `f` while frame `id`'s lock is held as if by a load
    /// on another CPU.
    #[cfg(zrs_kunit)]
    pub(crate) fn with_frame_busy<R>(&self, id: u32, f: impl FnOnce() -> R) -> Option<R> {
        Some(self.frames.get(id)?.held_elsewhere(f))
    }
}
