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
//! Several reclaimers run at once (the worker, the shrinker, the
//! `writeback` knob), and a released frame id is reused at once (LIFO):
//! while one reclaimer is still writing back, its frame may go, its id come
//! back for a new frame, and another reclaimer mark that one.  So the mark
//! is a token, not a flag: each `reclaim_begin` draws a new one from a
//! pool-wide sequence (16 bits, never 0), keeps it in the frame's link and
//! in the [`Reclaim`] it returns; releasing the id clears it; and
//! `reclaim_end` acts only if the frame still carries that token, so a
//! late end never clears another reclaimer's mark, relists or touches its
//! frame.  A stale token could match again only after the sequence wrapped
//! exactly onto it for the same id: 65,535 further marks pool-wide (each a
//! frame taken for writeback) while the first reclaimer is still between
//! its begin and its end.
//!
//! While a frame is marked, compaction does not see it (it takes frames
//! from the free lists only), and migration may move its page (handles name
//! frames, not pages) but does not relist it.

use core::sync::atomic::Ordering;

use super::frame::{MAX_SLOTS, MAX_UNIT_SLOTS};
use super::lists::{State, NIL};
use super::unit::Unit;
use super::{Handle, Pool};

/// How many frames from the LRU tail `reclaim_begin` looks at before it
/// gives up (all isolated by the VM right now).
const SCAN: usize = 32;

/// A frame taken for writeback: its objects as (owner, handle), and the
/// token that [`Pool::reclaim_end`] gives back.
#[must_use]
pub(crate) struct Reclaim {
    /// The frame id.
    pub(crate) frame: u32,
    /// The mark this `reclaim_begin` put on the frame (never 0).
    mark: u16,
    /// The frame's objects (at most two in a zbud pool, four in zpack,
    /// four per page of a zchain unit: the device writes that emptying
    /// it costs at most).
    pub(crate) objects: [Option<(u64, Handle)>; MAX_UNIT_SLOTS],
    /// Pool pages the frame's unit had when it was taken (1 but in
    /// zchain): what emptying it frees.
    pub(crate) pages: usize,
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
            if l.state == State::Used && !l.isolated && !l.reclaiming() {
                // Second chance: an object loaded (and kept) since the
                // last look sends its frame to the LRU's head, its marks
                // cleared.  Lock order: pool lock, then frame lock.
                if self.layout.chains() {
                    if !self.unit_second_chance(id) {
                        break;
                    }
                } else {
                    let mut frame = or_broken!(self.frames.get(id), id, None).lock();
                    if !frame.slots.iter().any(|s| s.len != 0 && s.referenced) {
                        break;
                    }
                    for s in frame.slots.iter_mut() {
                        s.referenced = false;
                    }
                    drop(frame);
                }
                inner.lru_touch(id);
                self.moves
                    .reclaim_second_chances
                    .fetch_add(1, Ordering::Relaxed);
                // The hand wraps: past the head it starts at the tail
                // again, where a frame passed over has its marks cleared
                // (a pool whose every frame is referenced still gives one).
                id = match l.lru_prev {
                    NIL => inner.lru_tail,
                    prev => prev,
                };
                continue;
            }
            id = l.lru_prev;
        }
        if id == NIL {
            return None;
        }
        let mut mark = inner.mark_seq.wrapping_add(1);
        if mark == 0 {
            mark = 1;
        }
        let l = or_broken!(inner.links.get_mut(id), id, None);
        if l.state != State::Used || l.isolated || l.reclaiming() {
            return None;
        }
        l.mark = mark;
        inner.mark_seq = mark;
        inner.list_del(id);
        inner.lru_del(id);
        let mut objects = [None; MAX_UNIT_SLOTS];
        if self.layout.chains() {
            // The unit's objects, every member's slots.
            let mut pages = 1;
            if let Some(u) = Unit::lock(&self.frames, id, 0) {
                pages = u.pages();
                for (i, o) in objects.iter_mut().enumerate().take(MAX_SLOTS * pages) {
                    if let Some(s) = u.object(i as u8) {
                        *o = Some((
                            s.owner,
                            Handle {
                                frame: id,
                                slot: i as u8,
                            },
                        ));
                    }
                }
            }
            return Some(Reclaim {
                frame: id,
                mark,
                objects,
                pages,
            });
        }
        let frame = or_broken!(self.frames.get(id), id, None).lock();
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
        Some(Reclaim {
            frame: id,
            mark,
            objects,
            pages: 1,
        })
    }

    /// Whether an object of unit `id` (pool lock held) was loaded and kept
    /// since reclaim last looked; clears the marks (zchain's second
    /// chance).
    fn unit_second_chance(&self, id: u32) -> bool {
        let mut u = match Unit::lock(&self.frames, id, 0) {
            Some(u) => u,
            None => return false,
        };
        let mut any = false;
        for i in 0..MAX_SLOTS * u.pages() {
            if let Some(s) = u.slot_mut(i as u8) {
                any |= s.len != 0 && s.referenced;
                s.referenced = false;
            }
        }
        any
    }

    /// Ends the writeback that `r` began: if its frame still holds an
    /// object, it goes back on the free lists and at the head of the LRU.
    /// True if the frame was released meanwhile (its objects all went: one
    /// pool page freed, or a zombie whose page goes soon).  Never sleeps.
    pub(crate) fn reclaim_end(&self, r: Reclaim) -> bool {
        let frame = r.frame;
        let mut inner = self.inner.lock();
        let l = or_broken!(inner.links.get_mut(frame), frame, false);
        // Released meanwhile: the mark went with the id.  The id may be
        // reused already, unmarked or marked by another reclaimer (another
        // token): that frame is not ours to touch.
        if l.mark != r.mark {
            return true;
        }
        l.mark = 0;
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
