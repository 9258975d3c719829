// SPDX-License-Identifier: GPL-2.0

//! zbud: at most two compressed objects per page frame.
//!
//! A *frame* is one pool page plus a descriptor in the frame table
//! ([`Arena`]).  The first buddy starts at byte 0 of the page, the last
//! buddy ends at byte `PAGE_SIZE`; the free space is the gap between them.
//! Unlike C zbud the descriptor lives outside the page, so the whole page
//! holds data and objects are placed with byte precision: two objects
//! share a frame whenever their lengths add up to at most `PAGE_SIZE`.
//!
//! Frames holding one object sit on free lists indexed by their free space
//! in 64-byte chunks ([`CHUNK`]); an allocation takes the frame with the
//! least free space that fits (first non-empty list at or above the chunks
//! it needs).  Frames holding two objects are on no list.
//!
//! A [`Handle`] is (frame id, buddy): it never encodes a page address, so a
//! frame's page can be replaced (migration) without touching the index.
//! Each object slot records its owner (the swap entry), so a handle can be
//! validated and a frame can find its index entries (compaction).
//!
//! # Locking
//!
//! * `Pool::inner` (pool lock, spinlock): free lists, free frame ids,
//!   frame states and counters.
//! * The frame lock (spinlock in each frame descriptor): the frame's page
//!   pointer, its object slots and the page contents.
//!
//! Where these sit among the module's other locks (the page lock, the
//! compression mutex, the XArray lock, ...) is stated once, in
//! `Documentation/design.rst` ("Locking order").  Readers ([`Pool::read`])
//! take only the frame lock; nothing sleeps under either lock.
//!
//! Files: here the pool, its frames and giving frames up (zombies);
//! [`objects`] alloc, free and read; [`lists`] the free lists, the LRU and
//! the free ids; [`migrate`] the movable-page callbacks (`isolate`,
//! `migrate`, `putback`); [`compact`] merging half-full frames;
//! [`reclaim`] taking the coldest frame for writeback.

use alloc::boxed::Box;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::sys::arena::Arena;
use crate::sys::lock::{LockClass, SpinLock};
use crate::sys::movable::MovableOps;
use crate::sys::page::Page;
use crate::sys::{Gfp, Result, PAGE_SIZE};
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

/// Which end of the frame an object occupies.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Buddy {
    /// Starts at byte 0.
    First = 0,
    /// Ends at byte `PAGE_SIZE`.
    Last = 1,
}

impl Buddy {
    fn other(self) -> Buddy {
        match self {
            Buddy::First => Buddy::Last,
            Buddy::Last => Buddy::First,
        }
    }
}

/// Names an object in the pool.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Handle {
    /// Frame id.
    pub(crate) frame: u32,
    /// Position in the frame.
    pub(crate) buddy: Buddy,
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
    /// Length in bytes; 0 when the slot is empty.
    len: u16,
    /// Caller's tag (the compressor id).
    tag: u8,
}

/// What the frame lock protects.
///
/// # Invariants
///
/// `page` is `Some` iff at least one slot is non-empty; the two objects do
/// not overlap: `slots[0].len + slots[1].len <= PAGE_SIZE`.
pub(crate) struct FrameData {
    page: Option<Page>,
    slots: [Slot; 2],
}

impl FrameData {
    fn offset(&self, b: Buddy) -> usize {
        match b {
            Buddy::First => 0,
            Buddy::Last => PAGE_SIZE - self.slots[1].len as usize,
        }
    }

    fn nr_objects(&self) -> usize {
        self.slots.iter().filter(|s| s.len != 0).count()
    }

    fn used(&self) -> usize {
        self.slots[0].len as usize + self.slots[1].len as usize
    }
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
    /// Frames with one object that could take a buddy.
    pub(crate) one: u64,
    /// Frames with two objects.
    pub(crate) two: u64,
    /// Frames holding one whole-page object.
    pub(crate) whole: u64,
    /// Bytes of all objects.
    pub(crate) bytes: u64,
    /// Emptied frames whose page waits to be released (counted in `pages`).
    pub(crate) zombies: u64,
}

/// A zbud pool.
pub(crate) struct Pool {
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
    /// A pool of at most `max_pages` frames whose pages are movable through
    /// `ops` (if given); may sleep.
    pub(crate) fn new(max_pages: usize, ops: Option<&'static MovableOps>) -> Result<Pool> {
        let inner = Inner {
            links: Arena::new(max_pages)?,
            heads: [NIL; NLISTS],
            nonempty: 0,
            free_ids: NIL,
            zombies: NIL,
            lru_head: NIL,
            lru_tail: NIL,
            counts: Counts::default(),
        };
        Ok(Pool {
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
    fn retire(&self, inner: &mut Inner, id: u32, page: Option<Page>) -> Option<Page> {
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
        let ops = match self.ops {
            Some(ops) => ops,
            None => {
                inner.push_free_id(id);
                self.page_gone();
                return Some(page);
            }
        };
        match ops.try_release(page) {
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
        let ops = match self.ops {
            Some(ops) => ops,
            None => return,
        };
        let mut id = inner.zombies;
        inner.zombies = NIL;
        while id != NIL {
            let next = or_broken!(inner.links.get_mut(id), id, ()).next;
            let page = or_broken!(self.frames.get(id), id, ()).lock().page.take();
            match page.map(|p| ops.try_release(p)) {
                Some(Err(p)) => {
                    or_broken!(self.frames.get(id), id, ()).lock().page = Some(p);
                    inner.push_zombie(id);
                }
                Some(Ok(())) => {
                    inner.push_free_id(id);
                    inner.counts.zombies -= 1;
                    self.page_gone();
                }
                None => {
                    inner.push_free_id(id);
                    inner.counts.zombies -= 1;
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
                inner.counts.zombies -= 1;
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
    fn drop_page(&self, page: Page) {
        match self.ops {
            Some(ops) => ops.release(page),
            None => drop(page),
        }
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
        let s = frame.slots[h.buddy as usize];
        if s.len == 0 {
            return false;
        }
        let off = frame.offset(h.buddy) + at % s.len as usize;
        match frame.page.as_mut() {
            Some(p) => p.with_slice_mut(|b| b[off] ^= 0x5a),
            None => return false,
        }
        true
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
