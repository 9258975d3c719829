// SPDX-License-Identifier: GPL-2.0

//! Objects: [`Pool::alloc`] (the fullest frame with room, or a new page),
//! [`Pool::free`] and [`Pool::read`].

use core::sync::atomic::Ordering;

use super::lists::Link;
use super::{Buddy, FrameData, Freed, Handle, Pool, Slot, MAX_OBJECT, NIL};
use crate::sys::arena::{Block, DirPage};
use crate::sys::lock::LockClass;
use crate::sys::page::Page;
use crate::sys::{Gfp, Result, EINVAL, ENOMEM, ENOSPC, PAGE_SIZE};

impl Pool {
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
                let mut frame = cell.lock();
                let buddy = if frame.slots[0].len == 0 {
                    Buddy::First
                } else {
                    Buddy::Last
                };
                debug_assert!(frame.nr_objects() == 1 && frame.used() + len <= PAGE_SIZE);
                inner.counts.one -= 1;
                inner.counts.two += 1;
                inner.counts.bytes += len as u64;
                inner.lru_touch(id);
                // The copy needs only the frame lock: other stores go on.
                drop(inner);
                write_slot(&mut frame, buddy, owner, tag, data);
                return Ok(Handle { frame: id, buddy });
            }
        }
        // No frame has room: start a new one.
        self.reserve_id()?;
        let mut page = match self.ops {
            Some(ops) => ops.alloc(self.page_gfp),
            None => Page::alloc(self.page_gfp),
        }
        .ok_or(ENOMEM)?;
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
        let mut frame = cell.lock();
        frame.page = Some(page);
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
        write_slot(&mut frame, Buddy::First, owner, tag, data);
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
        let mut frame = cell.lock();
        let s = frame.slots[h.buddy as usize];
        if s.len == 0 || s.owner != owner {
            return None;
        }
        let len = s.len as usize;
        frame.slots[h.buddy as usize] = Slot::default();
        let other = frame.slots[h.buddy.other() as usize].len as usize;
        let page = if other == 0 { frame.page.take() } else { None };
        drop(frame);
        inner.counts.bytes -= len as u64;
        let mut release = None;
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
        let frame = self.frames.get(h.frame)?.lock();
        let s = frame.slots[h.buddy as usize];
        if s.len == 0 || s.owner != owner {
            return None;
        }
        let off = frame.offset(h.buddy);
        let page = frame.page.as_ref()?;
        Some(page.with_slice(|p| f(&p[off..off + s.len as usize], s.tag)))
    }
}

fn write_slot(frame: &mut FrameData, b: Buddy, owner: u64, tag: u8, data: &[u8]) {
    frame.slots[b as usize] = Slot {
        owner,
        len: data.len() as u16,
        tag,
    };
    let off = frame.offset(b);
    if let Some(page) = frame.page.as_mut() {
        page.with_slice_mut(|p| p[off..off + data.len()].copy_from_slice(data));
    }
}
