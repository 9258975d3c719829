// SPDX-License-Identifier: GPL-2.0

//! Compaction: emptying the sparsest frames into the fullest ones that
//! have room.

use core::sync::atomic::Ordering;

use super::frame::{Slot, MAX_SLOTS, MAX_UNIT_SLOTS};
use super::layout::Layout;
use super::lists::NIL;
use super::unit::Unit;
use super::{Handle, Pool};

impl Pool {
    /// About how many frames compaction could free: zbud, pairs of
    /// one-object frames; zpack, the free space of the listed frames in
    /// whole pages.  0 after a pass that tried every listed frame and
    /// could neither move nor free anything, until the lists change (a
    /// store or a free), so that the shrinker does not ask again and
    /// again for work that cannot be done.
    pub(crate) fn compactable(&self) -> u64 {
        let inner = self.inner.lock();
        if inner.futile_gen == inner.gen {
            return 0;
        }
        self.layout.compactable(&inner.counts, inner.listed_free)
    }

    /// Empties listed frames, the sparsest first, by moving each of their
    /// objects into the tightest other frame it fits; releases the emptied
    /// frames; at most `budget` frames tried.  `relocate(owner, from, to)`
    /// must re-point the index entry of `owner` from `from` to `to` if it
    /// still names `from`, and must not sleep.  Returns the number of
    /// frames released.
    ///
    /// A source frame that could not be emptied (an object fits nowhere,
    /// or its move is undone because its entry is being invalidated) is
    /// parked for the rest of the pass, so the pass goes on with other
    /// frames instead of retrying the same ones.
    pub(crate) fn compact(
        &self,
        budget: usize,
        relocate: impl Fn(u64, Handle, Handle) -> bool,
    ) -> usize {
        let mut freed = 0;
        let mut inner = self.inner.lock();
        if inner.zombies != NIL {
            self.reap_zombies(&mut inner);
        }
        // Frames taken off the lists for this pass (chained through
        // `Link::next`); the pool lock is held throughout, so nobody else
        // sees them unlisted.
        let mut parked = NIL;
        // Every listed frame tried (or, in zbud, none could go), nothing
        // moved and nothing freed: a futile pass.
        let (mut exhausted, mut moves) = (false, 0);
        for _ in 0..budget {
            let src = match inner.take_emptiest() {
                Some(id) => id,
                None => {
                    exhausted = true;
                    break;
                }
            };
            // Its objects, smallest first.
            let (mut objs, n) = if self.layout.chains() {
                match Unit::lock(&self.frames, src, 0) {
                    Some(u) => u.by_offset(None),
                    None => ([(0, 0, 0); MAX_UNIT_SLOTS], 0),
                }
            } else {
                let (o, n) = or_broken!(self.frames.get(src), src, freed)
                    .lock()
                    .by_offset(None);
                let mut all = [(0, 0, 0); MAX_UNIT_SLOTS];
                all[..MAX_SLOTS].copy_from_slice(&o);
                (all, n)
            };
            objs[..n].sort_unstable_by_key(|&(_, len, slot)| (len, slot));
            let (mut left, mut no_room) = (n, false);
            for &(_, len, slot) in &objs[..n] {
                let dst = match inner.take_fit(len, self.layout.split_free_space()) {
                    Some(id) => id,
                    None => {
                        no_room = true;
                        break;
                    }
                };
                let moved = self.move_object(src, slot as u8, dst, &relocate);
                self.relist(&mut inner, dst);
                match moved {
                    Some(dn) => {
                        moves += 1;
                        inner.counts.frame_changed((dn, false), (dn + 1, false));
                        inner.counts.frame_changed((left, false), (left - 1, false));
                        left -= 1;
                    }
                    None => break,
                }
            }
            if left == 0 && self.layout.chains() {
                // Every member of the emptied unit goes.
                if let Some(u) = Unit::lock(&self.frames, src, 0) {
                    for (id, page) in u.dissolve() {
                        if id != NIL {
                            if let Some(p) = self.retire(&mut inner, id, page) {
                                drop(p);
                            }
                        }
                    }
                }
                freed += 1;
            } else if left == 0 {
                let page = or_broken!(self.frames.get(src), src, freed)
                    .lock()
                    .page
                    .take();
                if let Some(p) = self.retire(&mut inner, src, page) {
                    // Not movable (test pools): plain put_page is fine here.
                    drop(p);
                }
                freed += 1;
            } else if no_room && left == n && self.layout.compaction_stops_at_a_misfit() {
                // Not even its lone object fits anywhere, and the frames
                // left on the lists hold bigger ones: stop here.  (A zpack
                // frame with more bytes may still hold smaller objects:
                // parked, and the pass goes on.)
                self.relist(&mut inner, src);
                exhausted = true;
                break;
            } else {
                or_broken!(inner.links.get_mut(src), src, freed).next = parked;
                parked = src;
            }
        }
        while parked != NIL {
            let next = or_broken!(inner.links.get_mut(parked), parked, freed).next;
            or_broken!(inner.links.get_mut(parked), parked, freed).next = NIL;
            self.relist(&mut inner, parked);
            parked = next;
        }
        if exhausted && moves == 0 && freed == 0 {
            inner.futile_gen = inner.gen;
        }
        drop(inner);
        self.moves
            .pages_compacted
            .fetch_add(freed as u64, Ordering::Relaxed);
        freed
    }

    /// Moves the object in slot `from` of frame `src` into frame `dst`
    /// (pool lock held, both frames off the lists, `dst` with room for
    /// it).  `Some(objects dst held before)` if it moved and the index
    /// follows it; `None` if nothing changed.
    fn move_object(
        &self,
        src: u32,
        from: u8,
        dst: u32,
        relocate: &impl Fn(u64, Handle, Handle) -> bool,
    ) -> Option<usize> {
        if self.layout.chains() {
            return self.move_object_unit(src, from, dst, relocate);
        }
        let mut sfd = or_broken!(self.frames.get(src), src, None).lock();
        let mut dfd = or_broken!(self.frames.get(dst), dst, None).lock_nested();
        let slot = sfd.slots[from as usize];
        let len = slot.len as usize;
        let dn = dfd.nr_objects();
        if dfd.page.is_none() || sfd.page.is_none() {
            crate::pr_err!("BUG: frame {} or {} has objects but no page", src, dst);
            return None;
        }
        let to = match self.layout.claim(&mut dfd, slot.owner, slot.tag, len) {
            Some(c) => {
                Layout::settle(&mut dfd, c);
                c.slot
            }
            None => {
                crate::pr_err!("BUG: listed frame {} has no room for {} bytes", dst, len);
                return None;
            }
        };
        let (soff, doff) = (slot.off as usize, dfd.slots[to as usize].off as usize);
        if let (Some(sp), Some(dp)) = (sfd.page.as_ref(), dfd.page.as_mut()) {
            sp.with_slice(|s| {
                dp.with_slice_mut(|d| d[doff..doff + len].copy_from_slice(&s[soff..soff + len]))
            });
        }
        let hfrom = Handle {
            frame: src,
            slot: from,
        };
        let hto = Handle {
            frame: dst,
            slot: to,
        };
        // The index entry moves only once the bytes are in place.
        if !relocate(slot.owner, hfrom, hto) {
            // The entry changed under us (being invalidated): undo.  (A
            // slide that made room stays: it moved no object of another
            // frame.)
            dfd.slots[to as usize] = Slot::default();
            return None;
        }
        sfd.slots[from as usize] = Slot::default();
        Some(dn)
    }
}
