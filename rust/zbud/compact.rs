// SPDX-License-Identifier: GPL-2.0

//! Compaction: merging frames that hold one object each.

use core::sync::atomic::Ordering;

use super::{Buddy, Handle, Pool, Slot, NIL};

impl Pool {
    /// Frames that compaction could free: pairs of one-object frames.
    pub(crate) fn compactable(&self) -> u64 {
        self.inner.lock().counts.one / 2
    }

    /// Merges one-object frames: moves the smallest lone objects into the
    /// tightest frames they fit, releasing the emptied frames; at most
    /// `budget` moves.  `relocate(owner, from, to)` must re-point the index
    /// entry of `owner` from `from` to `to` if it still names `from`, and
    /// must not sleep.  Returns the number of frames released.
    ///
    /// A source frame whose move is undone (its entry is being invalidated)
    /// is parked for the rest of the pass, so the pass goes on with other
    /// frames instead of retrying the same pair.
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
        for _ in 0..budget {
            let src = match inner.take_emptiest() {
                Some(id) => id,
                None => break,
            };
            let (len, from) = {
                let frame = or_broken!(self.frames.get(src), src, freed).lock();
                let b = if frame.slots[0].len != 0 {
                    Buddy::First
                } else {
                    Buddy::Last
                };
                (frame.slots[b as usize].len as usize, b)
            };
            let dst = match inner.take_fit(len) {
                Some(id) => id,
                None => {
                    // The smallest lone object fits nowhere: nothing will.
                    self.relist(&mut inner, src);
                    break;
                }
            };
            if self.move_object(src, from, dst, len, &relocate) {
                inner.counts.one -= 2;
                inner.counts.two += 1;
                let page = or_broken!(self.frames.get(src), src, freed)
                    .lock()
                    .page
                    .take();
                if let Some(p) = self.retire(&mut inner, src, page) {
                    // Not movable (test pools): plain put_page is fine here.
                    drop(p);
                }
                freed += 1;
            } else {
                self.relist(&mut inner, dst);
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
        drop(inner);
        self.moves
            .pages_compacted
            .fetch_add(freed as u64, Ordering::Relaxed);
        freed
    }

    /// Moves the `len`-byte object in buddy `from` of frame `src` into
    /// frame `dst` (pool lock held, both frames off the lists).  True if
    /// it moved and the index follows it; false if nothing changed.
    fn move_object(
        &self,
        src: u32,
        from: Buddy,
        dst: u32,
        len: usize,
        relocate: &impl Fn(u64, Handle, Handle) -> bool,
    ) -> bool {
        let mut sfd = or_broken!(self.frames.get(src), src, false).lock();
        let mut dfd = or_broken!(self.frames.get(dst), dst, false).lock_nested();
        let to = if dfd.slots[0].len == 0 {
            Buddy::First
        } else {
            Buddy::Last
        };
        let slot = sfd.slots[from as usize];
        let soff = sfd.offset(from);
        dfd.slots[to as usize] = slot;
        let doff = dfd.offset(to);
        let copied = match (sfd.page.as_ref(), dfd.page.as_mut()) {
            (Some(sp), Some(dp)) => {
                sp.with_slice(|s| {
                    dp.with_slice_mut(|d| d[doff..doff + len].copy_from_slice(&s[soff..soff + len]))
                });
                true
            }
            _ => false,
        };
        let hfrom = Handle {
            frame: src,
            buddy: from,
        };
        let hto = Handle {
            frame: dst,
            buddy: to,
        };
        // The index entry moves only once the bytes are in place.
        if !copied || !relocate(slot.owner, hfrom, hto) {
            if !copied {
                crate::pr_err!("BUG: frame {} or {} has objects but no page", src, dst);
            }
            // No page to copy, or the entry changed under us (being
            // invalidated): undo.
            dfd.slots[to as usize] = Slot::default();
            return false;
        }
        sfd.slots[from as usize] = Slot::default();
        true
    }
}
