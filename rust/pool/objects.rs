// SPDX-License-Identifier: GPL-2.0

//! Objects: [`Pool::alloc`] (the fullest frame with room, or a new page),
//! [`Pool::free`] and [`Pool::read`], in either layout (the frame places
//! the object: [`Layout::claim`]).

use core::sync::atomic::Ordering;

use super::frame::{FrameData, Slot};
use super::layout::{Layout, MAX_OBJECT};
use super::lists::{InnerGuard, Link, NIL};
use super::{Freed, Handle, Pool};
use crate::sys::arena::{Block, DirPage};
use crate::sys::lock::LockClass;
use crate::sys::movable::MovablePage;
use crate::sys::page::Page;
use crate::sys::{sub_or_warn, Gfp, Result, EINVAL, ENOMEM, ENOSPC};

impl Pool {
    /// Makes sure a free frame id exists, growing the frame table by a
    /// block if needed; called without locks (may sleep).  Table memory is
    /// slab memory: never `__GFP_MOVABLE`.
    pub(super) fn reserve_id(&self) -> Result {
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
            let frames = Block::try_new_locks(gfp, LockClass::Frame, |_| FrameData::EMPTY)?;
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
                crate::pr_err!("BUG: frame table out of step ({} vs {})", base, lbase);
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
        self.alloc_with(owner, tag, data, false)
    }

    /// [`Pool::alloc`], and with `whole_from_reserves`, a whole-page
    /// object may take its page from the memory reserves that its caller
    /// (reclaim) may use: for a caller whose page is freed as soon as it
    /// is stored (the block device's write: the page would otherwise stay
    /// in memory, as it is), as zram's whole pages do.
    pub(crate) fn alloc_with(
        &self,
        owner: u64,
        tag: u8,
        data: &[u8],
        whole_from_reserves: bool,
    ) -> Result<Handle> {
        let len = data.len();
        if len == 0 || len > MAX_OBJECT {
            return Err(crate::sys::EINVAL);
        }
        if self.layout.chains() {
            return self.alloc_chain(owner, tag, data);
        }
        {
            let mut inner = self.inner.lock();
            if inner.zombies != NIL {
                self.reap_zombies(&mut inner);
            }
            if let Some(id) = inner.take_fit(len, self.layout.split_free_space()) {
                let cell = or_broken!(self.frames.get(id), id, Err(EINVAL));
                // Never wait for a frame lock with the pool lock held: a
                // load decompressing from this frame would hold up every
                // store and free meanwhile.  A busy frame goes back on its
                // list as it was (nothing changes its objects while it is
                // off the lists and the pool lock is held), and the object
                // starts a new frame.
                #[cfg(zrs_kunit)]
                let forced = self.moves.force_frame_busy.swap(false, Ordering::Relaxed);
                #[cfg(not(zrs_kunit))]
                let forced = false;
                let mut frame = match cell.try_lock().filter(|_| !forced) {
                    Some(f) => f,
                    None => {
                        let free = or_broken!(inner.links.get_mut(id), id, Err(EINVAL)).free;
                        inner.list_add(id, free as usize);
                        self.moves.store_frame_busy.fetch_add(1, Ordering::Relaxed);
                        drop(inner);
                        return self.alloc_new_frame(owner, tag, data, whole_from_reserves);
                    }
                };
                let (n, used) = (frame.nr_objects(), frame.used());
                // A listed frame holds fewer objects than the layout
                // allows and has room for `len` (`take_fit`).
                if let Some(c) = self.layout.claim(&mut frame, owner, tag, len) {
                    inner.counts.frame_changed((n, false), (n + 1, false));
                    inner.counts.bytes += len as u64;
                    inner.lru_touch(id);
                    // zbud: the frame is full now, `list_frame` only makes
                    // sure.  zpack: it may have room for more, but goes back
                    // on the lists only after the copy (below), so that no
                    // store waits for this one's copy on the frame lock with
                    // the pool lock held.
                    if self.layout.lists_before_copy() {
                        self.list_frame(&mut inner, id, n + 1, used + len);
                    }
                    // The slide and the copy need only the frame lock: other
                    // stores go on.
                    drop(inner);
                    Layout::settle(&mut frame, c);
                    write_data(&mut frame, c.slot, data);
                    drop(frame);
                    self.relist_after_copy(id);
                    return Ok(Handle {
                        frame: id,
                        slot: c.slot,
                    });
                }
                drop(frame);
                crate::pr_err!("BUG: listed frame {} has no room for {} bytes", id, len);
                self.relist(&mut inner, id);
            }
        }
        self.alloc_new_frame(owner, tag, data, whole_from_reserves)
    }

    /// A page for an object of `len` bytes and a free frame id, returned
    /// with the pool lock held (the lock is not held on entry; reserving
    /// the id and allocating the page may sleep).  A whole-page object (a
    /// page kept uncompressed) saves no memory: its page may not come from
    /// the reserves that reclaim (the store's caller) may otherwise use,
    /// unless the caller says the page it stores goes at once
    /// (`whole_from_reserves`).
    pub(super) fn new_page(
        &self,
        len: usize,
        whole_from_reserves: bool,
    ) -> Result<(InnerGuard<'_>, u32, MovablePage)> {
        self.reserve_id()?;
        let gfp = if len == MAX_OBJECT && !whole_from_reserves {
            self.page_gfp.no_memalloc()
        } else {
            self.page_gfp
        };
        let page = match self.ops {
            Some(ops) => ops.alloc(gfp),
            None => Page::alloc(gfp).map(MovablePage::plain),
        }
        .ok_or(ENOMEM)?;
        let mut inner = self.inner.lock();
        match inner.pop_free_id() {
            Some(id) => Ok((inner, id, page)),
            // Raced with other stores for the reserved ids; rare: give up.
            None => {
                drop(inner);
                self.drop_page(page);
                Err(ENOMEM)
            }
        }
    }

    /// Puts the object in a new frame (the pool lock not held).
    fn alloc_new_frame(
        &self,
        owner: u64,
        tag: u8,
        data: &[u8],
        whole_from_reserves: bool,
    ) -> Result<Handle> {
        let len = data.len();
        // No frame has room (or the one with room is busy): start a new one.
        let (mut inner, id, mut page) = self.new_page(len, whole_from_reserves)?;
        page.set_private(id as usize);
        let cell = or_broken!(self.frames.get(id), id, Err(EINVAL));
        let mut frame = cell.lock();
        frame.page = Some(page);
        self.pages.fetch_add(1, Ordering::Relaxed);
        // An empty frame: slot 0 at offset 0, in either layout.
        let c = match self.layout.claim(&mut frame, owner, tag, len) {
            Some(c) => c,
            None => {
                crate::pr_err!("BUG: empty frame {} refused {} bytes", id, len);
                let page = frame.page.take();
                drop(frame);
                if let Some(p) = self.retire(&mut inner, id, page) {
                    drop(p);
                }
                return Err(EINVAL);
            }
        };
        inner.counts.bytes += len as u64;
        inner
            .counts
            .frame_changed((0, false), (1, len == MAX_OBJECT));
        inner.lru_touch(id);
        // zbud: listed already, a store that takes this frame for its last
        // buddy waits on the frame lock until our copy is done.  zpack:
        // listed after the copy (see above).
        if self.layout.lists_before_copy() {
            self.list_frame(&mut inner, id, 1, len);
        }
        drop(inner);
        Layout::settle(&mut frame, c);
        write_data(&mut frame, c.slot, data);
        drop(frame);
        self.relist_after_copy(id);
        Ok(Handle {
            frame: id,
            slot: c.slot,
        })
    }

    /// After a zpack store's copy: the frame goes back on the free lists if
    /// it has room (and nobody else took it meanwhile: `list_frame` checks
    /// writeback, isolation and its state).  Nothing for zbud, which listed
    /// it before the copy.
    fn relist_after_copy(&self, id: u32) {
        if !self.layout.lists_before_copy() {
            let mut inner = self.inner.lock();
            self.relist(&mut inner, id);
        }
    }

    /// Frees the object `h`, which must belong to `owner`, and returns its
    /// tag and length; `None` (and nothing changed) if it does not.  Never
    /// sleeps.
    pub(crate) fn free(&self, h: Handle, owner: u64) -> Option<Freed> {
        if self.layout.chains() {
            return self.free_chain(h, owner);
        }
        let mut inner = self.inner.lock();
        let cell = self.frames.get(h.frame)?;
        let mut frame = cell.lock();
        let s = frame.object(h.slot).filter(|s| s.owner == owner)?;
        let len = s.len as usize;
        // At least 1: the object was just found in it, under its lock (so
        // `n - 1` below stays plain arithmetic).
        let n = frame.nr_objects();
        frame.slots[h.slot as usize] = Slot::default();
        let used = frame.used();
        let page = if n == 1 { frame.page.take() } else { None };
        drop(frame);
        sub_or_warn(&mut inner.counts.bytes, len as u64, "compressed_bytes");
        inner
            .counts
            .frame_changed((n, len == MAX_OBJECT), (n - 1, false));
        let mut release = None;
        if n == 1 {
            // The frame is empty: release its id and page.
            release = self.retire(&mut inner, h.frame, page);
        } else {
            // Room again: the frame goes on the free list its free space
            // says (unless the VM has it isolated, putback lists it; or
            // writeback has it, which lists it when done).
            self.list_frame(&mut inner, h.frame, n - 1, used);
        }
        drop(inner);
        drop(release);
        Some(Freed { tag: s.tag, len })
    }

    /// Runs `f` on the bytes and tag of object `h` if it belongs to `owner`,
    /// under the frame lock only: `f` must not sleep (no allocation).
    pub(crate) fn read<R>(
        &self,
        h: Handle,
        owner: u64,
        f: impl FnOnce(&[u8], u8) -> R,
    ) -> Option<R> {
        if self.layout.chains() {
            // No scratch buffer: an object across two pages is not read
            // (`read_spanning` is the zchain reader).
            return self.read_spanning(h, owner, &mut [], f);
        }
        let frame = self.frames.get(h.frame)?.lock();
        let s = frame.object(h.slot).filter(|s| s.owner == owner)?;
        let off = s.off as usize;
        let page = frame.page.as_ref()?;
        Some(page.with_slice(|p| f(&p[off..off + s.len as usize], s.tag)))
    }
}

impl Pool {
    /// As [`Pool::read`], with `scratch` for an object that lies across
    /// two pages of a zchain unit (copied there first; zbud and zpack read
    /// every object in place and never touch it).
    pub(crate) fn read_with<R>(
        &self,
        h: Handle,
        owner: u64,
        scratch: &mut [u8],
        f: impl FnOnce(&[u8], u8) -> R,
    ) -> Option<R> {
        if self.layout.chains() {
            return self.read_spanning(h, owner, scratch, f);
        }
        self.read(h, owner, f)
    }

    /// Marks the object at `h` (if `owner`'s) referenced: a load kept it,
    /// so reclaim passes its frame over once (second chance).  Never
    /// sleeps.
    pub(crate) fn mark_referenced(&self, h: Handle, owner: u64) {
        if self.layout.chains() {
            return self.mark_referenced_chain(h, owner);
        }
        if let Some(cell) = self.frames.get(h.frame) {
            let mut frame = cell.lock();
            if let Some(s) = frame.slots.get_mut(h.slot as usize) {
                if s.len != 0 && s.owner == owner {
                    s.referenced = true;
                }
            }
        }
    }
}

/// Writes the bytes of the object just claimed in `slot` (frame lock held
/// since the claim).
fn write_data(frame: &mut FrameData, slot: u8, data: &[u8]) {
    let off = frame.slots[slot as usize].off as usize;
    if let Some(page) = frame.page.as_mut() {
        page.with_slice_mut(|p| p[off..off + data.len()].copy_from_slice(data));
    }
}
