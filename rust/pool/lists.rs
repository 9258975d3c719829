// SPDX-License-Identifier: GPL-2.0

//! The pool's lists, all under the pool lock: free lists by free space
//! (one per 64-byte chunk of room left), the frame LRU, the free frame ids
//! and the zombie frames; per frame a [`Link`] with its state.

use crate::sys::arena::Arena;
use crate::sys::lock::{Guard, SpinLockBackend};
use crate::sys::{sub_or_warn, PAGE_SIZE};

/// Free-space unit of the free lists, in bytes.
pub(crate) const CHUNK: usize = 64;
/// Number of free lists (free space `0..PAGE_SIZE` in [`CHUNK`]s).
pub(crate) const NLISTS: usize = PAGE_SIZE / CHUNK;

/// No frame (the end of a list).
pub(super) use super::frame::NIL;
/// On no free list (`Link::list`).
pub(super) const UNLISTED: u8 = u8::MAX;

/// Reports a frame id without a descriptor: the pool's own bookkeeping is
/// broken (it only hands out ids of installed table blocks).
#[cold]
pub(super) fn broken(id: u32) {
    crate::pr_err!("BUG: frame id {} has no descriptor", id);
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
    pub(super) fn frame_changed(&mut self, from: (usize, bool), to: (usize, bool)) {
        if let Some(c) = self.frames_with(from.0, from.1) {
            sub_or_warn(c, 1, "frames_with_n_objects");
        }
        if let Some(c) = self.frames_with(to.0, to.1) {
            *c += 1;
        }
    }
}

/// State of a frame id, under the pool lock.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum State {
    /// On the free-id list.
    Free,
    /// Holds a page and objects (up to the layout's number).
    Used,
    /// No objects left, but its page still waits to be released (see the
    /// module documentation); on the zombie list unless isolated.
    Zombie,
}

/// Pool-lock-protected per-frame links.
#[derive(Clone, Copy)]
pub(super) struct Link {
    pub(super) prev: u32,
    pub(super) next: u32,
    /// The frame LRU (used frames; most recently stored at the head).
    pub(super) lru_prev: u32,
    pub(super) lru_next: u32,
    pub(super) list: u8,
    /// Free bytes when it was listed (exact; `list` is this in chunks).
    pub(super) free: u16,
    pub(super) state: State,
    /// The VM has isolated the frame's page for migration.
    pub(super) isolated: bool,
    /// On the LRU.
    pub(super) on_lru: bool,
    /// Writeback took the frame (off the free lists and the LRU): the
    /// token of that `reclaim_begin` (never 0), or 0.  Cleared whenever
    /// the id is released ([`Link::NEW`]), so a reclaimer whose frame went
    /// and whose id was reused and marked by another reclaimer holds a
    /// token that no longer matches (see `reclaim.rs`).
    pub(super) mark: u16,
}

// The metadata per frame that `Documentation/performance.rst` counts.
const _: () = assert!(core::mem::size_of::<Link>() == 24);

impl Link {
    pub(super) const NEW: Link = Link {
        prev: NIL,
        next: NIL,
        lru_prev: NIL,
        lru_next: NIL,
        list: UNLISTED,
        free: 0,
        state: State::Free,
        isolated: false,
        on_lru: false,
        mark: 0,
    };

    /// Writeback holds the frame.
    pub(super) fn reclaiming(&self) -> bool {
        self.mark != 0
    }
}

/// The pool lock held.
pub(super) type InnerGuard<'a> = Guard<'a, Inner, SpinLockBackend>;

pub(super) struct Inner {
    pub(super) links: Arena<Link>,
    pub(super) heads: [u32; NLISTS],
    /// Bit `i` set iff list `i` is not empty.
    pub(super) nonempty: u64,
    pub(super) free_ids: u32,
    /// Zombie frames waiting for their page to be released (singly linked
    /// through `Link::next`).
    pub(super) zombies: u32,
    /// The frame LRU: most recently stored at the head, writeback takes
    /// from the tail.
    pub(super) lru_head: u32,
    pub(super) lru_tail: u32,
    /// Free space of the listed frames, in bytes rounded down to chunks.
    pub(super) listed_free: u64,
    pub(super) counts: Counts,
    /// Bumped whenever a frame is (re)listed: by every store and free
    /// that leaves a frame in use, and by compaction.
    pub(super) gen: u64,
    /// `gen` when a compaction pass last tried every listed frame and
    /// could neither move an object nor free a frame: until the lists
    /// change again, there is nothing to compact (`compactable` says 0).
    pub(super) futile_gen: u64,
    /// The last reclaim mark handed out (`Link::mark`; wraps, skips 0).
    pub(super) mark_seq: u16,
}

const _: () = assert!(NLISTS == 64);

impl Inner {
    pub(super) fn list_add(&mut self, id: u32, free: usize) {
        self.gen = self.gen.wrapping_add(1);
        // A zchain unit may have more than a page free: the top list
        // holds every frame or unit with room for any object.
        let l = core::cmp::min(free / CHUNK, NLISTS - 1);
        let free = core::cmp::min(free, u16::MAX as usize);
        if l == 0 {
            // Less than a chunk free: no object would fit; keep it off the lists.
            return;
        }
        let head = self.heads[l];
        let link = or_broken!(self.links.get_mut(id), id, ());
        link.prev = NIL;
        link.next = head;
        link.list = l as u8;
        link.free = free as u16;
        if head != NIL {
            or_broken!(self.links.get_mut(head), head, ()).prev = id;
        }
        self.heads[l] = id;
        self.nonempty |= 1 << l;
        self.listed_free += (l * CHUNK) as u64;
    }

    pub(super) fn list_del(&mut self, id: u32) {
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
        sub_or_warn(
            &mut self.listed_free,
            (list as usize * CHUNK) as u64,
            "listed_free",
        );
    }

    /// Takes the listed frame with the least free space that fits `len`:
    /// the first of the lowest non-empty list that surely fits; with
    /// `exact` (zpack), first the first frame of the list below that if it
    /// has the bytes (a list holds frames whose free space rounds down to
    /// it; zbud keeps C zbud's chunk rounding).
    pub(super) fn take_fit(&mut self, len: usize, exact: bool) -> Option<u32> {
        let need = (len + CHUNK - 1) / CHUNK;
        if need >= NLISTS {
            return None;
        }
        if exact && need > 1 {
            let id = self.heads[need - 1];
            if id != NIL && or_broken!(self.links.get_mut(id), id, None).free as usize >= len {
                self.list_del(id);
                return Some(id);
            }
        }
        let mask = self.nonempty & !((1u64 << need) - 1);
        if mask == 0 {
            return None;
        }
        let id = self.heads[mask.trailing_zeros() as usize];
        self.list_del(id);
        Some(id)
    }

    pub(super) fn pop_free_id(&mut self) -> Option<u32> {
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
    pub(super) fn lru_touch(&mut self, id: u32) {
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
    pub(super) fn lru_del(&mut self, id: u32) {
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

    pub(super) fn push_free_id(&mut self, id: u32) {
        self.lru_del(id);
        let next = self.free_ids;
        *or_broken!(self.links.get_mut(id), id, ()) = Link { next, ..Link::NEW };
        self.free_ids = id;
    }

    pub(super) fn push_zombie(&mut self, id: u32) {
        self.lru_del(id);
        let next = self.zombies;
        *or_broken!(self.links.get_mut(id), id, ()) = Link {
            next,
            state: State::Zombie,
            ..Link::NEW
        };
        self.zombies = id;
    }

    /// Takes the listed frame with the most free space (fewest bytes).
    pub(super) fn take_emptiest(&mut self) -> Option<u32> {
        if self.nonempty == 0 {
            return None;
        }
        let id = self.heads[63 - self.nonempty.leading_zeros() as usize];
        self.list_del(id);
        Some(id)
    }
}
