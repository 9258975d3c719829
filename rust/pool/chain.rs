// SPDX-License-Identifier: GPL-2.0

//! The zchain layout's objects: [`Pool::alloc`], [`Pool::free`] and
//! [`Pool::read`] for units of chained frames (`unit.rs`;
//! `Documentation/design.rst`, "Objects over half a page").
//!
//! Every unit starts as a zpack frame.  A new object takes the tightest
//! listed unit with room (the free lists index a unit's free bytes, more
//! than a page of them on the top list), placed first-gap over the unit's
//! bytes, sliding the others down across page boundaries if the room is
//! split.  If no unit has room and the object is over half a page, the
//! listed unit with the most room that a page more makes fit grows by a
//! page (at most [`MAX_UNIT_PAGES`] pages, [`MAX_SLOTS`] slots per page;
//! [`GROW_SCAN`] units looked at), else a new frame starts.  A unit is listed while it has a free slot and a
//! chunk free; the LRU links heads.  A free that leaves the objects in one
//! page less, the last member's slots empty, slides them down and gives
//! that page back (`shrink`); when the last object goes, every member
//! is released.  Compaction (`Pool::move_object_unit`) and reclaim
//! (`reclaim.rs`) work on whole units (see design.rst, "What is built,
//! and how it differs").

use core::sync::atomic::Ordering;

use super::frame::{Claim, Slot, MAX_SLOTS, MAX_UNIT_PAGES, NIL};
use super::layout::MAX_OBJECT;
use super::lists::{Inner, InnerGuard, State, CHUNK};
use super::unit::Unit;
use super::{Freed, Handle, Pool};
use crate::sys::movable::MovablePage;
use crate::sys::{sub_or_warn, Result, EINVAL, PAGE_SIZE};

/// Listed units a store looks at for one to grow (`take_growable`).
const GROW_SCAN: usize = 16;

impl Pool {
    /// zchain's [`Pool::alloc`] (`data` is 1 to `PAGE_SIZE` bytes).
    pub(super) fn alloc_chain(&self, owner: u64, tag: u8, data: &[u8]) -> Result<Handle> {
        let len = data.len();
        {
            let mut inner = self.inner.lock();
            if inner.zombies != NIL {
                self.reap_zombies(&mut inner);
            }
            if let Some(head) = inner.take_fit(len, true) {
                return self.place(inner, head, None, owner, tag, data);
            }
        }
        // No unit has room: a page, for a unit to grow by or a new frame.
        let (mut inner, id, page) = self.new_page(len, false)?;
        if len > PAGE_SIZE / 2 && len < MAX_OBJECT {
            if let Some(head) = self.take_growable(&mut inner, len) {
                return self.place(inner, head, Some((id, page)), owner, tag, data);
            }
        }
        // A new frame: a unit of one page.
        let mut page = page;
        page.set_private(id as usize);
        {
            let mut f = or_broken!(self.frames.get(id), id, Err(EINVAL)).lock();
            f.page = Some(page);
            f.head = NIL;
            f.next = NIL;
        }
        self.pages.fetch_add(1, Ordering::Relaxed);
        self.place(inner, id, None, owner, tag, data)
    }

    /// Takes the listed unit with the most room that one more page would
    /// make fit `len` bytes, off the lists (pool lock held): the lists
    /// from the top down, at most [`GROW_SCAN`] units looked at (units of
    /// three pages, which cannot grow, sit on the top lists too).
    fn take_growable(&self, inner: &mut Inner, len: usize) -> Option<u32> {
        let mut seen = 0;
        let mut mask = inner.nonempty;
        while mask != 0 {
            let l = 63 - mask.leading_zeros() as usize;
            mask &= !(1u64 << l);
            let mut id = inner.heads[l];
            while id != NIL {
                if self.grows_to_fit(id, len) {
                    inner.list_del(id);
                    return Some(id);
                }
                seen += 1;
                if seen >= GROW_SCAN {
                    return None;
                }
                id = or_broken!(inner.links.get_mut(id), id, None).next;
            }
        }
        None
    }

    /// Whether unit `head` (pool lock held) could take a page more and
    /// then have room for `len` bytes.
    fn grows_to_fit(&self, head: u32, len: usize) -> bool {
        match Unit::lock(&self.frames, head, 0) {
            Some(u) => {
                u.pages() < MAX_UNIT_PAGES
                    && u.nr_objects() < MAX_SLOTS * (u.pages() + 1)
                    && u.size() + PAGE_SIZE - u.used() >= len
            }
            None => false,
        }
    }

    /// Places `data` in unit `head` (taken off the lists, or new), grown
    /// first by `grow` (a free id just taken and its page) if given;
    /// claims the slot and slides under the pool lock and the unit lock,
    /// copies under the unit lock alone, then relists the unit.
    fn place(
        &self,
        mut inner: InnerGuard<'_>,
        head: u32,
        grow: Option<(u32, MovablePage)>,
        owner: u64,
        tag: u8,
        data: &[u8],
    ) -> Result<Handle> {
        let len = data.len();
        let mut u = match Unit::lock(&self.frames, head, 0) {
            Some(u) => u,
            None => {
                crate::pr_err!("BUG: frame {} taken for a store heads no unit", head);
                return Err(EINVAL);
            }
        };
        if let Some((id, mut page)) = grow {
            page.set_private(id as usize);
            match u.grow(&self.frames, id, page) {
                Ok(()) => {
                    self.pages.fetch_add(1, Ordering::Relaxed);
                }
                Err(page) => {
                    crate::pr_err!("BUG: unit {} could not grow", head);
                    drop(u);
                    inner.push_free_id(id);
                    self.relist_unit(&mut inner, head);
                    drop(inner);
                    self.drop_page(page);
                    return Err(EINVAL);
                }
            }
        }
        let n = u.nr_objects();
        let c = match claim(&mut u, owner, tag, len) {
            Some(c) => c,
            None => {
                drop(u);
                crate::pr_err!("BUG: unit {} has no room for {} bytes", head, len);
                self.relist_unit(&mut inner, head);
                return Err(EINVAL);
            }
        };
        inner
            .counts
            .frame_changed((n, false), (n + 1, len == MAX_OBJECT));
        inner.counts.bytes += len as u64;
        inner.lru_touch(head);
        // The slide and the copy need only the unit lock.
        drop(inner);
        if c.slide && !slide(&mut u, Some(c.slot as usize)) {
            // Reported; the new object's range may overlap an object
            // that did not move: give the slot back, nothing written.
            *u.slot_mut(c.slot).ok_or(EINVAL)? = Slot::default();
            drop(u);
            let mut inner = self.inner.lock();
            inner
                .counts
                .frame_changed((n + 1, len == MAX_OBJECT), (n, false));
            sub_or_warn(&mut inner.counts.bytes, len as u64, "compressed_bytes");
            self.relist_unit(&mut inner, head);
            return Err(EINVAL);
        }
        let off = u.object(c.slot).map_or(usize::MAX, |s| s.off as usize);
        if !u.write(off, data) {
            crate::pr_err!("BUG: unit {} slot {} outside its bytes", head, c.slot);
        }
        drop(u);
        let mut inner = self.inner.lock();
        self.relist_unit(&mut inner, head);
        Ok(Handle {
            frame: head,
            slot: c.slot,
        })
    }

    /// zchain's [`Pool::free`].
    pub(super) fn free_chain(&self, h: Handle, owner: u64) -> Option<Freed> {
        let mut inner = self.inner.lock();
        let mut u = Unit::lock(&self.frames, h.frame, 0)?;
        let s = u.object(h.slot).filter(|s| s.owner == owner)?;
        let len = s.len as usize;
        // At least 1: the object was just found in it.
        let n = u.nr_objects();
        *u.slot_mut(h.slot)? = Slot::default();
        sub_or_warn(&mut inner.counts.bytes, len as u64, "compressed_bytes");
        inner
            .counts
            .frame_changed((n, len == MAX_OBJECT), (n - 1, false));
        if n == 1 {
            // The unit is empty: release every member.
            let members = u.dissolve();
            let mut release = [None, None, None];
            for (r, (id, page)) in release.iter_mut().zip(members) {
                if id != NIL {
                    *r = self.retire(&mut inner, id, page);
                }
            }
            drop(inner);
            drop(release);
        } else {
            // Fewer pages hold the rest now, perhaps: the last one goes.
            let gone = shrink(&mut u);
            drop(u);
            let release = match gone {
                Some((id, page)) => self.retire(&mut inner, id, page),
                None => None,
            };
            self.relist_unit(&mut inner, h.frame);
            drop(inner);
            drop(release);
        }
        Some(Freed { tag: s.tag, len })
    }

    /// zchain's [`Pool::read`]: `f` gets the object's bytes in place if
    /// they lie in one page, else copied into `scratch` (`None` if it is
    /// too short).  Under the unit lock only: `f` must not sleep.
    pub(crate) fn read_spanning<R>(
        &self,
        h: Handle,
        owner: u64,
        scratch: &mut [u8],
        f: impl FnOnce(&[u8], u8) -> R,
    ) -> Option<R> {
        let u = Unit::lock(&self.frames, h.frame, 0)?;
        let s = u.object(h.slot).filter(|s| s.owner == owner)?;
        u.read(s.off as usize, s.len as usize, scratch, |b| f(b, s.tag))
    }

    /// zchain's [`Pool::mark_referenced`].
    pub(super) fn mark_referenced_chain(&self, h: Handle, owner: u64) {
        if let Some(mut u) = Unit::lock(&self.frames, h.frame, 0) {
            if let Some(s) = u.slot_mut(h.slot) {
                if s.len != 0 && s.owner == owner {
                    s.referenced = true;
                }
            }
        }
    }

    /// Puts the unit that frame `id` belongs to (pool lock held) on the
    /// free list its free space says, or on none: no free slot or less
    /// than a chunk free, not in use, held by writeback, or a member
    /// isolated by the VM.
    pub(super) fn relist_unit(&self, inner: &mut Inner, id: u32) {
        let head = match self.frames.get(id) {
            Some(f) => {
                let h = f.lock().head;
                if h == NIL {
                    id
                } else {
                    h
                }
            }
            None => return,
        };
        let (n, used, size, ids) = match Unit::lock(&self.frames, head, 0) {
            Some(u) => {
                let mut ids = [NIL; MAX_UNIT_PAGES];
                for (i, m) in ids.iter_mut().enumerate() {
                    *m = u.id(i).unwrap_or(NIL);
                }
                (u.nr_objects(), u.used(), u.size(), ids)
            }
            None => return,
        };
        inner.list_del(head);
        let l = *or_broken!(inner.links.get_mut(head), head, ());
        if l.state != State::Used || l.reclaiming() {
            return;
        }
        for &m in ids.iter().filter(|&&m| m != NIL) {
            if or_broken!(inner.links.get_mut(m), m, ()).isolated {
                return;
            }
        }
        let pages = size / PAGE_SIZE;
        // (A whole-page object fills its one-page unit: never listed.)
        if n >= 1 && n < MAX_SLOTS * pages && size.saturating_sub(used) >= CHUNK {
            inner.list_add(head, size - used);
        }
    }

    /// zchain's compaction move: the object in slot `from` of unit `src`
    /// into unit `dst` (pool lock held, both off the lists, `dst` with
    /// room), under both units' locks (source first, the destination as
    /// a second unit), piece by piece across either unit's pages.
    /// `Some(objects dst held before)` if it moved and the index follows
    /// it; `None` if nothing changed (a slide that made room stays).
    pub(super) fn move_object_unit(
        &self,
        src: u32,
        from: u8,
        dst: u32,
        relocate: &impl Fn(u64, Handle, Handle) -> bool,
    ) -> Option<usize> {
        let mut su = Unit::lock(&self.frames, src, 0)?;
        let mut du = Unit::lock(&self.frames, dst, 1)?;
        let s = su.object(from)?;
        let (soff, len) = (s.off as usize, s.len as usize);
        let dn = du.nr_objects();
        let c = match claim(&mut du, s.owner, s.tag, len) {
            Some(c) => c,
            None => {
                crate::pr_err!("BUG: listed unit {} has no room for {} bytes", dst, len);
                return None;
            }
        };
        if c.slide && !slide(&mut du, Some(c.slot as usize)) {
            *du.slot_mut(c.slot)? = Slot::default();
            return None;
        }
        let doff = du.object(c.slot).map_or(usize::MAX, |d| d.off as usize);
        let mut copied = su.contains(soff, len);
        for p in super::unit::Pieces::new(soff, len) {
            if !copied {
                break;
            }
            copied = match su.frame(p.member).and_then(|f| f.page.as_ref()) {
                Some(page) => page.with_slice(|b| du.write(doff + p.from, &b[p.at..p.at + p.len])),
                None => false,
            };
        }
        let hfrom = Handle {
            frame: src,
            slot: from,
        };
        let hto = Handle {
            frame: dst,
            slot: c.slot,
        };
        // The index entry moves only once the bytes are in place.
        if !copied || !relocate(s.owner, hfrom, hto) {
            if !copied {
                crate::pr_err!("BUG: unit {} or {} lacks a page", src, dst);
            }
            *du.slot_mut(c.slot)? = Slot::default();
            return None;
        }
        *su.slot_mut(from)? = Slot::default();
        Some(dn)
    }

    /// Test hook: where object `h` starts in its unit's bytes (zchain).
    #[cfg(zrs_kunit)]
    pub(crate) fn unit_object_offset(&self, h: Handle) -> Option<usize> {
        let u = Unit::lock(&self.frames, h.frame, 0)?;
        Some(u.object(h.slot)?.off as usize)
    }
}

/// Claims the lowest free slot of unit `u` for a `len`-byte object and
/// gives it an offset: the first gap that holds it, or (`slide`) where the
/// free bytes start once the others slid down.  The caller holds the pool
/// lock.
fn claim(u: &mut Unit<'_>, owner: u64, tag: u8, len: usize) -> Option<Claim> {
    let slots = MAX_SLOTS * u.pages();
    let free = (0..slots).find(|&i| u.object(i as u8).is_none())?;
    if u.used() + len > u.size() {
        return None;
    }
    let (off, slide) = match gap(u, len) {
        Some(off) => (off, false),
        None => (u.used(), true),
    };
    if off + len > u.size() {
        return None;
    }
    // INVARIANT: In the unit's bytes and, by the room check and the gap
    // search, over no object; or (`slide`) not once the others slid.
    *u.slot_mut(free as u8)? = Slot {
        owner,
        off: off as u16,
        len: len as u16,
        tag,
        referenced: false,
    };
    Some(Claim {
        slot: free as u8,
        slide,
    })
}

/// The start of the first gap of at least `len` bytes in `u`, if any.
fn gap(u: &Unit<'_>, len: usize) -> Option<usize> {
    let (objs, n) = u.by_offset(None);
    let mut at = 0;
    for &(off, l, _) in &objs[..n] {
        if off.saturating_sub(at) >= len {
            return Some(at);
        }
        at = at.max(off + l);
    }
    if u.size().saturating_sub(at) >= len {
        Some(at)
    } else {
        None
    }
}

/// If the objects of unit `u` (two pages or more) fit in one page less
/// and its last member's slots are empty (a claim takes the lowest free
/// slot, which keeps the high ones free), slides them down and unlinks
/// that member: its id and page, to retire once the unit is unlocked.
/// The caller holds the pool lock.
fn shrink(u: &mut Unit<'_>) -> Option<(u32, Option<MovablePage>)> {
    let k = u.pages();
    if k < 2 || u.frame(k - 1)?.nr_objects() != 0 || u.used() > (k - 1) * PAGE_SIZE {
        return None;
    }
    if !slide(u, None) {
        return None;
    }
    // Every object below the last page now (checked, not assumed: its
    // bytes would go with the page).
    let (objs, n) = u.by_offset(None);
    if objs[..n]
        .iter()
        .any(|&(off, len, _)| off + len > (k - 1) * PAGE_SIZE)
    {
        crate::pr_err!("BUG: a unit slid down still reaches its last page");
        return None;
    }
    u.detach_last()
}

/// Moves every object of `u` but slot `except` down to close the gaps,
/// across page boundaries (bytes and offsets); false if a move failed
/// (reported; the objects moved so far stay where they went, their
/// offsets with them).
fn slide(u: &mut Unit<'_>, except: Option<usize>) -> bool {
    let (objs, n) = u.by_offset(except);
    let mut at = 0;
    for &(off, len, i) in &objs[..n] {
        if off != at {
            if !u.move_down(off, at, len) {
                crate::pr_err!("BUG: a slide from {} to {} failed", off, at);
                return false;
            }
            if let Some(s) = u.slot_mut(i as u8) {
                // INVARIANT: Moved to `at`, past the objects placed.
                s.off = at as u16;
            }
        }
        at += len;
    }
    true
}
