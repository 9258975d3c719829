// SPDX-License-Identifier: GPL-2.0

//! Reclaim: the frame LRU and the choice of what writeback frees.
//!
//! Used frames are on an LRU, the most recently stored at the head.
//! [`Pool::reclaim_begin`] takes the least recently used frame that the VM
//! does not hold isolated, off the free lists (no new object goes into it)
//! and off the LRU, marks it, and names its objects; the caller writes
//! them back (each through the index and the swap cache, which serialise
//! it against loads, stores and invalidates of the entry) and frees them;
//! when the last one goes, the frame and its page are released as on any
//! free.  [`Pool::reclaim_end`] puts back a frame that still holds an
//! object (a writeback that could not be done now).
//!
//! While a frame is marked, compaction does not see it (it takes frames
//! from the free lists only), and migration may move its page (handles name
//! frames, not pages) but does not relist it.

use super::{Handle, Pool, State, MAX_SLOTS, NIL};

/// How many frames from the LRU tail `reclaim_begin` looks at before it
/// gives up (all isolated by the VM right now).
const SCAN: usize = 32;

/// A frame taken for writeback: its objects as (owner, handle).
pub(crate) struct Reclaim {
    /// The frame id.
    pub(crate) frame: u32,
    /// The frame's objects (at most two in a zbud pool, four in zpack:
    /// the device writes that emptying this page costs at most).
    pub(crate) objects: [Option<(u64, Handle)>; MAX_SLOTS],
}

impl Pool {
    /// Takes the least recently used frame for writeback (see the module
    /// documentation); `None` if there is none to take.  Never sleeps.
    pub(crate) fn reclaim_begin(&self) -> Option<Reclaim> {
        let mut inner = self.inner.lock();
        let mut id = inner.lru_tail;
        for _ in 0..SCAN {
            if id == NIL {
                return None;
            }
            let l = *or_broken!(inner.links.get_mut(id), id, None);
            if l.state == State::Used && !l.isolated && !l.reclaiming {
                break;
            }
            id = l.lru_prev;
        }
        if id == NIL {
            return None;
        }
        let l = or_broken!(inner.links.get_mut(id), id, None);
        if l.state != State::Used || l.isolated || l.reclaiming {
            return None;
        }
        l.reclaiming = true;
        inner.list_del(id);
        inner.lru_del(id);
        let frame = or_broken!(self.frames.get(id), id, None).lock();
        let mut objects = [None; MAX_SLOTS];
        for (i, s) in frame.slots.iter().enumerate() {
            if s.len != 0 {
                objects[i] = Some((
                    s.owner,
                    Handle {
                        frame: id,
                        slot: i as u8,
                    },
                ));
            }
        }
        Some(Reclaim { frame: id, objects })
    }

    /// Ends writeback of `frame`: if it still holds an object, it goes back
    /// on the free lists and at the head of the LRU.  True if the frame
    /// was released meanwhile (its objects all went: one pool page freed,
    /// or a zombie whose page goes soon).  Never sleeps.
    pub(crate) fn reclaim_end(&self, frame: u32) -> bool {
        let mut inner = self.inner.lock();
        let l = or_broken!(inner.links.get_mut(frame), frame, false);
        // Released meanwhile (the id may even be reused: its new frame is
        // not marked).
        if !l.reclaiming {
            return true;
        }
        l.reclaiming = false;
        if l.state != State::Used {
            return true;
        }
        inner.lru_touch(frame);
        if !or_broken!(inner.links.get_mut(frame), frame, false).isolated {
            self.relist(&mut inner, frame);
        }
        false
    }

    /// Frames on the LRU, least recently used first (test hook).
    #[cfg(zrs_kunit)]
    pub(crate) fn lru_order(&self) -> alloc::vec::Vec<u32> {
        // Allocate before the spinlock (at most 256 frames in the tests).
        let mut v = alloc::vec::Vec::new();
        let _ = v.try_reserve_exact(256);
        let mut inner = self.inner.lock();
        let mut id = inner.lru_tail;
        while id != NIL && v.len() < v.capacity() {
            let _ = v.try_push(id);
            id = match inner.links.get_mut(id) {
                Some(l) => l.lru_prev,
                None => NIL,
            };
        }
        v
    }
}
