// SPDX-License-Identifier: GPL-2.0

//! Units: one to [`MAX_UNIT_PAGES`] frames whose pages form one address
//! space (`Documentation/design.rst`, "Objects over half a page").  In
//! zbud and zpack every unit is a single frame; a zchain unit chains
//! frames through [`FrameData::next`], each later member naming its head
//! in [`FrameData::head`].
//!
//! # Locking
//!
//! The head's frame lock is the unit's lock: its slots, its members'
//! slots, the member list and every byte of its pages are changed and
//! read only with it held.  [`Unit::lock`] takes it and then each later
//! member's lock, in member order and only with the head's held, each at
//! its own lockdep subclass: the first unit a task locks (depth 0) uses
//! subclasses 0 to 2, a second one (depth 1, compaction's destination) 3
//! to 5, so nested locks of the frame class are always taken in
//! ascending subclass order.  A member's lock guards against nothing the
//! head's lock does not; it is what gives safe code its page and slots
//! (and what the VM's isolation `try_lock`s).  A task holds one unit, or
//! two in compaction (source, then destination), as it held one or two
//! frames before.
//!
//! # Byte ranges
//!
//! A unit's bytes are its pages in member order.  An object may cross
//! the boundary between two pages of its unit, never leave it.  Reads,
//! writes and moves go piece by piece ([`Pieces`]: a range cut at page
//! boundaries); a reader that needs contiguous bytes gets them in place
//! when the range lies in one page, else copied into its scratch buffer
//! ([`Unit::read`]).

use super::frame::{FrameData, Slot, MAX_SLOTS, MAX_UNIT_PAGES, MAX_UNIT_SLOTS, NIL};
use super::lists::broken;
use crate::sys::arena::Arena;
use crate::sys::lock::{Guard, SpinLock, SpinLockBackend};
use crate::sys::movable::MovablePage;
use crate::sys::PAGE_SIZE;

type FrameGuard<'a> = Guard<'a, FrameData, SpinLockBackend>;

// `Unit::lock` spells its member array out; lockdep has 8 subclasses
// (two units of `MAX_UNIT_PAGES` need 6).
const _: () = assert!(MAX_UNIT_PAGES == 3 && 2 * MAX_UNIT_PAGES <= 8);

/// A locked unit: its head's lock and each later member's.
pub(super) struct Unit<'a> {
    members: [Option<FrameGuard<'a>>; MAX_UNIT_PAGES],
    ids: [u32; MAX_UNIT_PAGES],
    /// Members locked (at least 1: the head).
    n: usize,
    /// The lockdep subclass of the head's lock (`depth * MAX_UNIT_PAGES`).
    base: u8,
}

/// A piece of a byte range that lies in one page of a unit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Piece {
    /// The member whose page holds it.
    pub(super) member: usize,
    /// Where it starts in that page.
    pub(super) at: usize,
    /// Where it starts in the range.
    pub(super) from: usize,
    /// Its length.
    pub(super) len: usize,
}

/// The pieces of the range `off..off + len` of a unit's bytes, in order.
pub(super) struct Pieces {
    off: usize,
    len: usize,
    done: usize,
}

impl Pieces {
    pub(super) fn new(off: usize, len: usize) -> Pieces {
        Pieces { off, len, done: 0 }
    }
}

impl Iterator for Pieces {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        if self.done >= self.len {
            return None;
        }
        let pos = self.off.checked_add(self.done)?;
        let at = pos % PAGE_SIZE;
        let len = core::cmp::min(self.len - self.done, PAGE_SIZE - at);
        let p = Piece {
            member: pos / PAGE_SIZE,
            at,
            from: self.done,
            len,
        };
        self.done += len;
        Some(p)
    }
}

impl<'a> Unit<'a> {
    /// Locks the unit that frame `head` heads, at `depth` (0: the first
    /// unit the caller locks; 1: a second one).  `None` if `head` has no
    /// descriptor or is a later member of another unit (a stale handle).
    /// A member list that breaks off (a member that names another head,
    /// or no descriptor) is reported and the unit ends before it, so no
    /// byte beyond is ever reached.
    pub(super) fn lock(
        frames: &'a Arena<SpinLock<FrameData>>,
        head: u32,
        depth: u8,
    ) -> Option<Unit<'a>> {
        let base = depth * MAX_UNIT_PAGES as u8;
        let cell = frames.get(head)?;
        let g = if base == 0 {
            cell.lock()
        } else {
            cell.lock_subclass(base)
        };
        if g.head != NIL {
            return None;
        }
        let mut next = g.next;
        let mut u = Unit {
            members: [Some(g), None, None],
            ids: [head, NIL, NIL],
            n: 1,
            base,
        };
        while next != NIL && u.n < MAX_UNIT_PAGES {
            let cell = match frames.get(next) {
                Some(c) => c,
                None => {
                    broken(next);
                    break;
                }
            };
            let g = cell.lock_subclass(base + u.n as u8);
            if g.head != head {
                crate::pr_err!(
                    "BUG: frame {} in the unit of {} names head {}",
                    next,
                    head,
                    g.head
                );
                break;
            }
            let after = g.next;
            u.members[u.n] = Some(g);
            u.ids[u.n] = next;
            u.n += 1;
            next = after;
        }
        Some(u)
    }

    /// Adds frame `id` (a free id just taken, not in any unit) with `page`
    /// as the unit's last member; gives the page back if the unit has
    /// [`MAX_UNIT_PAGES`] already or `id` has no descriptor.  The caller
    /// holds the pool lock (the member list changes under it and the
    /// head's lock).
    pub(super) fn grow(
        &mut self,
        frames: &'a Arena<SpinLock<FrameData>>,
        id: u32,
        page: MovablePage,
    ) -> core::result::Result<(), MovablePage> {
        if self.n >= MAX_UNIT_PAGES {
            return Err(page);
        }
        let cell = match frames.get(id) {
            Some(c) => c,
            None => return Err(page),
        };
        let mut g = cell.lock_subclass(self.base + self.n as u8);
        g.page = Some(page);
        g.head = self.ids[0];
        g.next = NIL;
        if let Some(last) = self.frame_mut(self.n - 1) {
            last.next = id;
        }
        self.members[self.n] = Some(g);
        self.ids[self.n] = id;
        self.n += 1;
        Ok(())
    }

    /// Unlinks the last member of a unit of two or more pages (its slots
    /// empty and no object's bytes in its page: the caller checked) and
    /// takes its page: (frame id, page), to retire once the unit is
    /// unlocked.  The caller holds the pool lock.
    pub(super) fn detach_last(&mut self) -> Option<(u32, Option<MovablePage>)> {
        if self.n < 2 {
            return None;
        }
        let i = self.n - 1;
        let id = self.ids[i];
        let mut g = self.members[i].take()?;
        g.head = NIL;
        g.next = NIL;
        let page = g.page.take();
        drop(g);
        self.ids[i] = NIL;
        self.n = i;
        if let Some(prev) = self.frame_mut(i - 1) {
            prev.next = NIL;
        }
        Some((id, page))
    }

    /// Takes every member's page and unlinks the members (the unit's last
    /// object is gone): (frame id, page) of each, to retire once the unit
    /// is unlocked.
    pub(super) fn dissolve(mut self) -> [(u32, Option<MovablePage>); MAX_UNIT_PAGES] {
        let mut out = [(NIL, None), (NIL, None), (NIL, None)];
        for (i, o) in out.iter_mut().enumerate().take(self.n) {
            let id = self.ids[i];
            if let Some(f) = self.frame_mut(i) {
                f.head = NIL;
                f.next = NIL;
                *o = (id, f.page.take());
            }
        }
        out
    }

    /// Pages (members) in the unit.
    pub(super) fn pages(&self) -> usize {
        self.n
    }

    /// The frame id of member `i`.
    pub(super) fn id(&self, i: usize) -> Option<u32> {
        self.ids.get(i).copied().filter(|&id| id != NIL)
    }

    /// Member `i`'s frame.
    pub(super) fn frame(&self, i: usize) -> Option<&FrameData> {
        self.members.get(i)?.as_deref()
    }

    /// Member `i`'s frame, to change.
    pub(super) fn frame_mut(&mut self, i: usize) -> Option<&mut FrameData> {
        self.members.get_mut(i)?.as_deref_mut()
    }

    /// Bytes in the unit (its pages').
    pub(super) fn size(&self) -> usize {
        self.n * PAGE_SIZE
    }

    /// Whether the range `off..off + len` lies in the unit.
    pub(super) fn contains(&self, off: usize, len: usize) -> bool {
        off.checked_add(len).map_or(false, |end| end <= self.size())
    }

    /// The object in unit slot `slot` (member `slot / MAX_SLOTS`), if the
    /// slot holds one.
    pub(super) fn object(&self, slot: u8) -> Option<Slot> {
        let s = slot as usize;
        self.frame(s / MAX_SLOTS)?.object((s % MAX_SLOTS) as u8)
    }

    /// Unit slot `slot`, to change.
    pub(super) fn slot_mut(&mut self, slot: u8) -> Option<&mut Slot> {
        let s = slot as usize;
        self.frame_mut(s / MAX_SLOTS)?.slots.get_mut(s % MAX_SLOTS)
    }

    /// Objects in the unit.
    pub(super) fn nr_objects(&self) -> usize {
        (0..self.n)
            .filter_map(|i| self.frame(i))
            .map(|f| f.nr_objects())
            .sum()
    }

    /// Bytes of the unit's objects.
    pub(super) fn used(&self) -> usize {
        (0..self.n)
            .filter_map(|i| self.frame(i))
            .map(|f| f.used())
            .sum()
    }

    /// The unit's objects in byte order, as (offset, length, unit slot);
    /// slot `except` left out.
    pub(super) fn by_offset(
        &self,
        except: Option<usize>,
    ) -> ([(usize, usize, usize); MAX_UNIT_SLOTS], usize) {
        let mut v = [(0, 0, 0); MAX_UNIT_SLOTS];
        let mut n = 0;
        for m in 0..self.n {
            if let Some(f) = self.frame(m) {
                for (i, s) in f.slots.iter().enumerate() {
                    let slot = m * MAX_SLOTS + i;
                    if s.len != 0 && Some(slot) != except {
                        v[n] = (s.off as usize, s.len as usize, slot);
                        n += 1;
                    }
                }
            }
        }
        v[..n].sort_unstable();
        (v, n)
    }

    /// Whether the range `off..off + len` (in the unit) lies in one page.
    pub(super) fn in_one_page(off: usize, len: usize) -> bool {
        len == 0 || off / PAGE_SIZE == (off + len - 1) / PAGE_SIZE
    }

    /// Runs `f` on the bytes `off..off + len` of the unit: in place if
    /// they lie in one page, else copied into `scratch` first (`None` if
    /// `scratch` is too short, or the range is not in the unit or a
    /// member has no page).
    pub(super) fn read<R>(
        &self,
        off: usize,
        len: usize,
        scratch: &mut [u8],
        f: impl FnOnce(&[u8]) -> R,
    ) -> Option<R> {
        if !self.contains(off, len) {
            return None;
        }
        if Unit::in_one_page(off, len) {
            let at = off % PAGE_SIZE;
            let page = self.frame(off / PAGE_SIZE)?.page.as_ref()?;
            return Some(page.with_slice(|p| f(&p[at..at + len])));
        }
        let buf = scratch.get_mut(..len)?;
        if !self.copy_out(off, buf) {
            return None;
        }
        Some(f(buf))
    }

    /// Copies the bytes from `off` on into `out` (all of it); false if the
    /// range is not in the unit or a member has no page (`out` may then be
    /// partly written).
    pub(super) fn copy_out(&self, off: usize, out: &mut [u8]) -> bool {
        if !self.contains(off, out.len()) {
            return false;
        }
        for p in Pieces::new(off, out.len()) {
            let page = match self.frame(p.member).and_then(|f| f.page.as_ref()) {
                Some(page) => page,
                None => return false,
            };
            let dst = &mut out[p.from..p.from + p.len];
            page.with_slice(|s| dst.copy_from_slice(&s[p.at..p.at + p.len]));
        }
        true
    }

    /// Writes `data` at `off`; false if the range is not in the unit or a
    /// member has no page (then possibly written in part).
    pub(super) fn write(&mut self, off: usize, data: &[u8]) -> bool {
        if !self.contains(off, data.len()) {
            return false;
        }
        for p in Pieces::new(off, data.len()) {
            let page = match self.frame_mut(p.member).and_then(|f| f.page.as_mut()) {
                Some(page) => page,
                None => return false,
            };
            let src = &data[p.from..p.from + p.len];
            page.with_slice_mut(|d| d[p.at..p.at + p.len].copy_from_slice(src));
        }
        true
    }

    /// Moves `len` bytes from `from` down to `to` (`to <= from`; the two
    /// ranges may overlap), in pieces that each lie in one source page and
    /// one destination page, lowest first: a piece never writes over
    /// source bytes not yet moved.  False if a range is not in the unit,
    /// `to > from`, or a member has no page (then moved in part).
    pub(super) fn move_down(&mut self, from: usize, to: usize, len: usize) -> bool {
        if to > from || !self.contains(from, len) {
            return false;
        }
        let mut done = 0;
        while done < len {
            let (s, d) = (from + done, to + done);
            let (sm, dm) = (s / PAGE_SIZE, d / PAGE_SIZE);
            let (sa, da) = (s % PAGE_SIZE, d % PAGE_SIZE);
            let l = core::cmp::min(len - done, PAGE_SIZE - core::cmp::max(sa, da));
            let ok = if sm == dm {
                match self.frame_mut(sm).and_then(|f| f.page.as_mut()) {
                    Some(page) => {
                        page.with_slice_mut(|b| b.copy_within(sa..sa + l, da));
                        true
                    }
                    None => false,
                }
            } else {
                // `dm < sm`: two members, borrowed apart.
                let (lo, hi) = self.members.split_at_mut(sm);
                let src = hi
                    .first()
                    .and_then(|g| g.as_ref())
                    .and_then(|f| f.page.as_ref());
                let dst = lo
                    .get_mut(dm)
                    .and_then(|g| g.as_mut())
                    .and_then(|f| f.page.as_mut());
                match (src, dst) {
                    (Some(sp), Some(dp)) => {
                        sp.with_slice(|sb| {
                            dp.with_slice_mut(|db| db[da..da + l].copy_from_slice(&sb[sa..sa + l]))
                        });
                        true
                    }
                    _ => false,
                }
            };
            if !ok {
                return false;
            }
            done += l;
        }
        true
    }
}
