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
//! Order: page lock (held by the VM around `movable_operations`), then the
//! pool lock, then frame lock(s) (two frame locks: source first, the second
//! with lockdep subclass 1; only compaction nests them, under the pool
//! lock), then the XArray lock (compaction re-points index entries).
//! Readers ([`Pool::read`]) take only the frame lock.  Nothing sleeps under
//! either lock.
//!
//! Movable pages: [`migrate`] (`isolate`, `migrate`, `putback` and the
//! zombie frames); merging half-full frames: [`compact`].

use alloc::boxed::Box;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::sys::arena::{Arena, Block, DirPage};
use crate::sys::lock::{LockClass, SpinLock};
use crate::sys::movable::MovableOps;
use crate::sys::page::Page;
use crate::sys::{Gfp, Result, EINVAL, ENOMEM, ENOSPC, PAGE_SIZE};

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
    crate::zpr_err!("BUG: frame id {} has no descriptor", id);
}

/// Unwraps `$lookup` (the descriptor or link of frame `$id`); if there is
/// none (a broken invariant: the pool only hands out ids of installed
/// table blocks), reports it and returns `$ret` from the enclosing
/// function, so a VM callback fails its operation instead of panicking.
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
mod migrate;
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

/// State of a frame id, under the pool lock.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// On the free-id list.
    Free,
    /// Holds a page and one or two objects.
    Used,
    /// No objects left, but its page still waits to be released (see the
    /// module documentation); on the zombie list unless isolated.
    Zombie,
}

/// Pool-lock-protected per-frame links.
#[derive(Clone, Copy)]
struct Link {
    prev: u32,
    next: u32,
    /// The frame LRU (used frames; most recently stored at the head).
    lru_prev: u32,
    lru_next: u32,
    list: u8,
    state: State,
    /// The VM has isolated the frame's page for migration.
    isolated: bool,
    /// On the LRU.
    on_lru: bool,
    /// Writeback took the frame (off the free lists and the LRU).
    reclaiming: bool,
}

impl Link {
    const NEW: Link = Link {
        prev: NIL,
        next: NIL,
        lru_prev: NIL,
        lru_next: NIL,
        list: UNLISTED,
        state: State::Free,
        isolated: false,
        on_lru: false,
        reclaiming: false,
    };
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

struct Inner {
    links: Arena<Link>,
    heads: [u32; NLISTS],
    /// Bit `i` set iff list `i` is not empty.
    nonempty: u64,
    free_ids: u32,
    /// Zombie frames waiting for their page to be released (singly linked
    /// through `Link::next`).
    zombies: u32,
    /// The frame LRU: most recently stored at the head, writeback takes
    /// from the tail.
    lru_head: u32,
    lru_tail: u32,
    counts: Counts,
}

const _: () = assert!(NLISTS == 64);

impl Inner {
    fn list_add(&mut self, id: u32, free: usize) {
        let l = free / CHUNK;
        if l == 0 {
            // Less than a chunk free: no object would fit; keep it off the lists.
            return;
        }
        let head = self.heads[l];
        let link = or_broken!(self.links.get_mut(id), id, ());
        link.prev = NIL;
        link.next = head;
        link.list = l as u8;
        if head != NIL {
            or_broken!(self.links.get_mut(head), head, ()).prev = id;
        }
        self.heads[l] = id;
        self.nonempty |= 1 << l;
    }

    fn list_del(&mut self, id: u32) {
        let Link {
            prev, next, list, ..
        } = *or_broken!(self.links.get_mut(id), id, ());
        if list == UNLISTED {
            return;
        }
        if prev != NIL {
            or_broken!(self.links.get_mut(prev), prev, ()).next = next;
        } else {
            self.heads[list as usize] = next;
            if next == NIL {
                self.nonempty &= !(1 << list);
            }
        }
        if next != NIL {
            or_broken!(self.links.get_mut(next), next, ()).prev = prev;
        }
        let l = or_broken!(self.links.get_mut(id), id, ());
        l.prev = NIL;
        l.next = NIL;
        l.list = UNLISTED;
    }

    /// Takes the listed frame with the least free space that fits `len`.
    fn take_fit(&mut self, len: usize) -> Option<u32> {
        let need = (len + CHUNK - 1) / CHUNK;
        if need >= NLISTS {
            return None;
        }
        let mask = self.nonempty & !((1u64 << need) - 1);
        if mask == 0 {
            return None;
        }
        let id = self.heads[mask.trailing_zeros() as usize];
        self.list_del(id);
        Some(id)
    }

    fn pop_free_id(&mut self) -> Option<u32> {
        let id = self.free_ids;
        if id == NIL {
            return None;
        }
        let l = or_broken!(self.links.get_mut(id), id, None);
        debug_assert!(l.state == State::Free);
        let next = l.next;
        *l = Link {
            state: State::Used,
            ..Link::NEW
        };
        self.free_ids = next;
        Some(id)
    }

    /// Puts used frame `id` at the head of the LRU (most recently stored).
    fn lru_touch(&mut self, id: u32) {
        self.lru_del(id);
        let head = self.lru_head;
        let l = or_broken!(self.links.get_mut(id), id, ());
        l.lru_prev = NIL;
        l.lru_next = head;
        l.on_lru = true;
        if head != NIL {
            or_broken!(self.links.get_mut(head), head, ()).lru_prev = id;
        } else {
            self.lru_tail = id;
        }
        self.lru_head = id;
    }

    /// Takes frame `id` off the LRU (if it is on it).
    fn lru_del(&mut self, id: u32) {
        let l = *or_broken!(self.links.get_mut(id), id, ());
        if !l.on_lru {
            return;
        }
        if l.lru_prev != NIL {
            or_broken!(self.links.get_mut(l.lru_prev), l.lru_prev, ()).lru_next = l.lru_next;
        } else {
            self.lru_head = l.lru_next;
        }
        if l.lru_next != NIL {
            or_broken!(self.links.get_mut(l.lru_next), l.lru_next, ()).lru_prev = l.lru_prev;
        } else {
            self.lru_tail = l.lru_prev;
        }
        let l = or_broken!(self.links.get_mut(id), id, ());
        l.lru_prev = NIL;
        l.lru_next = NIL;
        l.on_lru = false;
    }

    fn push_free_id(&mut self, id: u32) {
        self.lru_del(id);
        let next = self.free_ids;
        *or_broken!(self.links.get_mut(id), id, ()) = Link { next, ..Link::NEW };
        self.free_ids = id;
    }

    fn push_zombie(&mut self, id: u32) {
        self.lru_del(id);
        let next = self.zombies;
        *or_broken!(self.links.get_mut(id), id, ()) = Link {
            next,
            state: State::Zombie,
            ..Link::NEW
        };
        self.zombies = id;
    }

    /// Takes the listed frame with the most free space (smallest object).
    fn take_emptiest(&mut self) -> Option<u32> {
        if self.nonempty == 0 {
            return None;
        }
        let id = self.heads[63 - self.nonempty.leading_zeros() as usize];
        self.list_del(id);
        Some(id)
    }
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

/// What happens to an emptied frame's page (decided under the pool lock,
/// carried out after it).
enum Release {
    Nothing,
    /// Drop the page (not movable: plain `put_page`; movable: clear first).
    Page(Page),
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
    /// up right now.  Returns what to drop after the lock.
    fn retire(&self, inner: &mut Inner, id: u32, page: Option<Page>) -> Release {
        inner.list_del(id);
        inner.lru_del(id);
        let page = match page {
            Some(p) => p,
            None => {
                inner.push_free_id(id);
                return Release::Nothing;
            }
        };
        if or_broken!(inner.links.get_mut(id), id, Release::Nothing).isolated {
            // The VM holds the page: migrate or putback releases it.
            or_broken!(self.frames.get(id), id, Release::Nothing)
                .lock()
                .page = Some(page);
            or_broken!(inner.links.get_mut(id), id, Release::Nothing).state = State::Zombie;
            inner.counts.zombies += 1;
            return Release::Nothing;
        }
        if self.ops.is_none() {
            inner.push_free_id(id);
            self.page_gone();
            return Release::Page(page);
        }
        match page.try_release_movable() {
            Ok(()) => {
                inner.push_free_id(id);
                self.page_gone();
            }
            Err(page) => {
                or_broken!(self.frames.get(id), id, Release::Nothing)
                    .lock()
                    .page = Some(page);
                inner.push_zombie(id);
                inner.counts.zombies += 1;
            }
        }
        Release::Nothing
    }

    /// A page left the pool (given back to the page allocator or the VM).
    fn page_gone(&self) {
        self.pages.fetch_sub(1, Ordering::Relaxed);
    }

    /// Releases zombie frames whose page lock is free now (never sleeps).
    fn reap_zombies(&self, inner: &mut Inner) {
        let mut id = inner.zombies;
        inner.zombies = NIL;
        while id != NIL {
            let next = or_broken!(inner.links.get_mut(id), id, ()).next;
            let page = or_broken!(self.frames.get(id), id, ()).lock().page.take();
            match page.map(|p| p.try_release_movable()) {
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
                p.release_movable();
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

    /// Makes sure a free frame id exists, growing the frame table by a
    /// block if needed; called without locks (may sleep).  Table memory is
    /// slab memory: never `__GFP_MOVABLE`.
    fn reserve_id(&self) -> Result {
        // A retry is needed only if another thread installed a block that
        // started a new directory page meanwhile, and then used up its ids.
        for _ in 0..4 {
            let (frames_dir, links_dir) = {
                let inner = self.inner.lock();
                if inner.free_ids != NIL {
                    return Ok(());
                }
                if !self.frames.can_grow() {
                    return Err(ENOSPC);
                }
                (self.frames.needs_dir(), inner.links.needs_dir())
            };
            let gfp = Gfp::STORE;
            let frames = Block::try_new_locks(gfp, LockClass::Frame, |_| FrameData {
                page: None,
                slots: [Slot::default(); 2],
            })?;
            let links = Block::try_new(gfp, |_| Link::NEW)?;
            let mut fdir = if frames_dir {
                Some(DirPage::try_new(gfp)?)
            } else {
                None
            };
            let mut ldir = if links_dir {
                Some(DirPage::try_new(gfp)?)
            } else {
                None
            };
            // Declared last: unlocked before the unused blocks are freed.
            let mut inner = self.inner.lock();
            if inner.free_ids != NIL {
                // Somebody else grew the table meanwhile.
                return Ok(());
            }
            if (self.frames.needs_dir() && fdir.is_none())
                || (inner.links.needs_dir() && ldir.is_none())
            {
                continue;
            }
            // Both tables always have the same length (installed together,
            // under the pool lock), so both installs succeed or neither.
            let base = self.frames.install(frames, &mut fdir)?;
            let lbase = inner.links.install(links, &mut ldir)?;
            if base != lbase {
                crate::zpr_err!("BUG: frame table out of step ({} vs {})", base, lbase);
                return Err(EINVAL);
            }
            for i in (0..crate::sys::arena::BLOCK as u32).rev() {
                inner.push_free_id(base + i);
            }
            return Ok(());
        }
        Err(ENOMEM)
    }

    /// Stores `data` (1 to `PAGE_SIZE` bytes) for `owner` with `tag`.
    /// May sleep (allocates a page when no frame has room).
    pub(crate) fn alloc(&self, owner: u64, tag: u8, data: &[u8]) -> Result<Handle> {
        let len = data.len();
        if len == 0 || len > MAX_OBJECT {
            return Err(crate::sys::EINVAL);
        }
        {
            let mut inner = self.inner.lock();
            if inner.zombies != NIL {
                self.reap_zombies(&mut inner);
            }
            if let Some(id) = inner.take_fit(len) {
                let cell = or_broken!(self.frames.get(id), id, Err(EINVAL));
                let mut fd = cell.lock();
                let buddy = if fd.slots[0].len == 0 {
                    Buddy::First
                } else {
                    Buddy::Last
                };
                debug_assert!(fd.nr_objects() == 1 && fd.used() + len <= PAGE_SIZE);
                inner.counts.one -= 1;
                inner.counts.two += 1;
                inner.counts.bytes += len as u64;
                inner.lru_touch(id);
                // The copy needs only the frame lock: other stores go on.
                drop(inner);
                write_slot(&mut fd, buddy, owner, tag, data);
                return Ok(Handle { frame: id, buddy });
            }
        }
        // No frame has room: start a new one.
        self.reserve_id()?;
        let mut page = Page::alloc_movable(self.page_gfp, self.ops).ok_or(ENOMEM)?;
        let mut inner = self.inner.lock();
        let id = match inner.pop_free_id() {
            Some(id) => id,
            // Raced with other stores for the reserved ids; rare: give up.
            None => {
                drop(inner);
                self.drop_page(page);
                return Err(ENOMEM);
            }
        };
        page.set_private(id as usize);
        let cell = or_broken!(self.frames.get(id), id, Err(EINVAL));
        let mut fd = cell.lock();
        fd.page = Some(page);
        self.pages.fetch_add(1, Ordering::Relaxed);
        inner.counts.bytes += len as u64;
        inner.lru_touch(id);
        if len == MAX_OBJECT {
            inner.counts.whole += 1;
        } else {
            inner.counts.one += 1;
            inner.list_add(id, PAGE_SIZE - len);
        }
        // Listed already: a store that takes this frame for its last buddy
        // waits on the frame lock until our copy is done.
        drop(inner);
        write_slot(&mut fd, Buddy::First, owner, tag, data);
        Ok(Handle {
            frame: id,
            buddy: Buddy::First,
        })
    }

    /// Frees the object `h`, which must belong to `owner`, and returns its
    /// tag and length; `None` (and nothing changed) if it does not.  Never
    /// sleeps.
    pub(crate) fn free(&self, h: Handle, owner: u64) -> Option<Freed> {
        let mut inner = self.inner.lock();
        let cell = match self.frames.get(h.frame) {
            Some(c) => c,
            None => return None,
        };
        let mut fd = cell.lock();
        let s = fd.slots[h.buddy as usize];
        if s.len == 0 || s.owner != owner {
            return None;
        }
        let len = s.len as usize;
        fd.slots[h.buddy as usize] = Slot::default();
        let other = fd.slots[h.buddy.other() as usize].len as usize;
        let page = if other == 0 { fd.page.take() } else { None };
        drop(fd);
        inner.counts.bytes -= len as u64;
        let mut release = Release::Nothing;
        if other == 0 {
            // The frame is empty: release its id and page.
            if len == MAX_OBJECT {
                inner.counts.whole -= 1;
            } else {
                inner.counts.one -= 1;
            }
            release = self.retire(&mut inner, h.frame, page);
        } else {
            // Two objects became one: the frame goes on a free list
            // (unless the VM has it isolated, putback lists it; or
            // writeback has it, which lists it when done).
            inner.counts.two -= 1;
            inner.counts.one += 1;
            let l = or_broken!(inner.links.get_mut(h.frame), h.frame, None);
            if !l.isolated && !l.reclaiming {
                inner.list_add(h.frame, PAGE_SIZE - other);
            }
        }
        drop(inner);
        if let Release::Page(p) = release {
            drop(p);
        }
        Some(Freed { tag: s.tag, len })
    }

    fn drop_page(&self, page: Page) {
        if self.ops.is_some() {
            page.release_movable();
        } else {
            drop(page);
        }
    }

    /// Runs `f` on the bytes and tag of object `h` if it belongs to `owner`,
    /// under the frame lock only: `f` must not sleep (no allocation).
    pub(crate) fn read<R>(
        &self,
        h: Handle,
        owner: u64,
        f: impl FnOnce(&[u8], u8) -> R,
    ) -> Option<R> {
        let fd = self.frames.get(h.frame)?.lock();
        let s = fd.slots[h.buddy as usize];
        if s.len == 0 || s.owner != owner {
            return None;
        }
        let off = fd.offset(h.buddy);
        let page = fd.page.as_ref()?;
        Some(page.with_slice(|p| f(&p[off..off + s.len as usize], s.tag)))
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
        let mut fd = cell.lock();
        let s = fd.slots[h.buddy as usize];
        if s.len == 0 {
            return false;
        }
        let off = fd.offset(h.buddy) + at % s.len as usize;
        match fd.page.as_mut() {
            Some(p) => p.with_slice_mut(|b| b[off] ^= 0x5a),
            None => return false,
        }
        true
    }

    /// Test hook: the page pointer of frame `id` (identity only).
    #[cfg(zrs_kunit)]
    pub(crate) fn frame_page(&self, id: u32) -> Option<usize> {
        let fd = self.frames.get(id)?.lock();
        fd.page.as_ref().map(|p| p.as_ptr() as usize)
    }

    /// Test hook: a reference to frame `id`'s page, as the VM takes one
    /// before isolating.
    #[cfg(zrs_kunit)]
    pub(crate) fn frame_page_ref(&self, id: u32) -> Option<crate::sys::page::PageHold> {
        let fd = self.frames.get(id)?.lock();
        fd.page.as_ref().map(|p| p.hold())
    }

    /// Test hook: runs `f` while frame `id`'s lock is held as if by a load
    /// on another CPU.
    #[cfg(zrs_kunit)]
    pub(crate) fn with_frame_busy<R>(&self, id: u32, f: impl FnOnce() -> R) -> Option<R> {
        Some(self.frames.get(id)?.held_elsewhere(f))
    }
}

fn write_slot(fd: &mut FrameData, b: Buddy, owner: u64, tag: u8, data: &[u8]) {
    fd.slots[b as usize] = Slot {
        owner,
        len: data.len() as u16,
        tag,
    };
    let off = fd.offset(b);
    if let Some(page) = fd.page.as_mut() {
        page.with_slice_mut(|p| p[off..off + data.len()].copy_from_slice(data));
    }
}
