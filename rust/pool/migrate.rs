// SPDX-License-Identifier: GPL-2.0

//! zbud pool pages as movable pages: `movable_operations` callbacks.
//!
//! With `ops` set, pool pages are allocated `__GFP_MOVABLE` and registered
//! with `__SetPageMovable`; `page->private` holds the frame id.
//!
//! * `isolate` (VM holds the page lock): refused unless the page is the
//!   current page of a live frame whose frame lock is free right now (a load
//!   or a copy is in progress otherwise); takes the frame off the free lists
//!   and marks it isolated.  Loads and frees keep working on isolated frames.
//! * `migrate`: under the pool lock and the frame lock, copies the page,
//!   takes a reference on the new page, registers it movable, points the
//!   frame at it, clears the old page's movable state and drops our old
//!   reference.  The index never changes: handles name frames.  A frame
//!   whose objects were all freed while it was isolated (a *zombie*) is
//!   just released.
//! * `putback`: relists the frame (or releases a zombie).
//! * A page leaves the pool only after `__ClearPageMovable` under its page
//!   lock.  Freeing runs in atomic context, so it uses `trylock_page`; if
//!   that fails (the VM is isolating the page right now) the frame stays a
//!   zombie, and the next allocation, compaction, putback or migration
//!   releases it.

use core::sync::atomic::Ordering;

use super::layout::MAX_OBJECT;
use super::lists::{Inner, State, NIL};
use super::Pool;
use core::marker::PhantomData;

use crate::sys::movable::{LockedPage, MigrationTarget};
use crate::sys::movable::{MigrateMode, Movable};
use crate::sys::rcu::Guard;
use crate::sys::{sub_or_warn, Result, EAGAIN, EINVAL, PAGE_SIZE};

/// Where the movable-page callbacks of a pool find it: the owner's global,
/// looked up under the callback's read-side section (`sys::rcu`).
pub(crate) trait PoolOwner: 'static {
    /// The pool, if it is (still) published.
    fn pool(g: &Guard) -> Option<&Pool>;
}

/// The [`Movable`] callbacks of the pool that `T` publishes (use
/// `MovableOps::of::<PoolPages<T>>()` for its pages).
pub(crate) struct PoolPages<T: PoolOwner>(PhantomData<T>);

impl<T: PoolOwner> Movable for PoolPages<T> {
    fn isolate(g: &Guard, page: &LockedPage<'_>) -> bool {
        T::pool(g).map_or(false, |p| p.isolate(page))
    }

    fn migrate(
        g: &Guard,
        dst: MigrationTarget<'_>,
        src: &LockedPage<'_>,
        mode: MigrateMode,
    ) -> Result {
        match T::pool(g) {
            Some(p) => p.migrate(dst, src, mode).map(|_| ()),
            // The pool is going away: the VM retries, then puts back.
            None => Err(EAGAIN),
        }
    }

    fn putback(g: &Guard, page: &LockedPage<'_>) {
        if let Some(p) = T::pool(g) {
            p.putback(page);
        }
    }
}

/// Outcome of [`Pool::migrate`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Migrated {
    /// The frame now lives in the new page.
    Moved,
    /// The frame was a zombie (emptied while isolated): its page was
    /// given up instead.
    ZombieFreed,
}

impl Pool {
    /// The frame id a pool page names, if it is the live page of a frame
    /// (pool lock held).
    fn frame_of(&self, inner: &mut Inner, page: &LockedPage<'_>) -> Option<u32> {
        let id = u32::try_from(page.private()).ok()?;
        let state = inner.links.get_mut(id)?.state;
        if state == State::Free {
            return None;
        }
        let frame = self.frames.get(id)?.lock();
        match frame.page.as_ref() {
            Some(p) if page.is(p) => Some(id),
            _ => None,
        }
    }

    /// `movable_operations::isolate_page` (the VM holds the page lock).
    pub(crate) fn isolate(&self, page: &LockedPage<'_>) -> bool {
        let ok = self.try_isolate(page);
        let c = if ok {
            &self.moves.isolate_ok
        } else {
            &self.moves.isolate_refused
        };
        c.fetch_add(1, Ordering::Relaxed);
        ok
    }

    fn try_isolate(&self, page: &LockedPage<'_>) -> bool {
        let mut inner = self.inner.lock();
        let id = match u32::try_from(page.private()) {
            Ok(id) => id,
            Err(_) => return false,
        };
        match inner.links.get_mut(id) {
            Some(l) if l.state == State::Used && !l.isolated => {}
            Some(l) if l.state == State::Zombie && !l.isolated => {
                // A page whose release found its lock busy: the VM holds
                // the lock now, so release it here (and refuse).
                self.release_zombie(&mut inner, id, page);
                return false;
            }
            // Free, already isolated, or not ours.
            _ => return false,
        }
        // A load (or a copy) holds the frame right now: busy, refuse
        // rather than wait (the VM retries later).
        let frame = match or_broken!(self.frames.get(id), id, false).try_lock() {
            Some(frame) => frame,
            None => return false,
        };
        if !frame.page.as_ref().map_or(false, |p| page.is(p)) {
            return false;
        }
        // A later member of a zchain unit: its unit leaves the lists
        // (`relist_unit` keeps it off while a member is isolated).
        let head = if frame.head == NIL { id } else { frame.head };
        drop(frame);
        inner.list_del(head);
        or_broken!(inner.links.get_mut(id), id, false).isolated = true;
        true
    }

    /// Releases zombie `id` (on the zombie list) whose page the VM holds
    /// locked as `page`.
    fn release_zombie(&self, inner: &mut Inner, id: u32, page: &LockedPage<'_>) {
        let mut frame = or_broken!(self.frames.get(id), id, ()).lock();
        if !frame.page.as_ref().map_or(false, |p| page.is(p)) {
            return;
        }
        let old = frame.page.take();
        drop(frame);
        sub_or_warn(&mut inner.counts.zombies, 1, "zombies");
        // Unlink from the (short, singly linked) zombie list.
        let mut prev = NIL;
        let mut cur = inner.zombies;
        while cur != NIL && cur != id {
            prev = cur;
            cur = or_broken!(inner.links.get_mut(cur), cur, ()).next;
        }
        if cur == id {
            let next = or_broken!(inner.links.get_mut(id), id, ()).next;
            if prev == NIL {
                inner.zombies = next;
            } else {
                or_broken!(inner.links.get_mut(prev), prev, ()).next = next;
            }
        }
        inner.push_free_id(id);
        if let Some(old) = old {
            page.release(old);
            self.page_gone();
        }
    }

    /// `movable_operations::migrate_page`: moves frame of `src` into `dst`
    /// (both locked by the VM).  `EAGAIN`: not isolated by us (lost a race);
    /// `EINVAL`: `MIGRATE_SYNC_NO_COPY`, which cannot work for a pool page.
    pub(crate) fn migrate(
        &self,
        dst: MigrationTarget<'_>,
        src: &LockedPage<'_>,
        mode: MigrateMode,
    ) -> Result<Migrated> {
        let r = self.try_migrate(dst, src, mode);
        let c = match r {
            Ok(_) => &self.moves.migrate_ok,
            Err(EAGAIN) => &self.moves.migrate_eagain,
            Err(_) => &self.moves.migrate_fail,
        };
        c.fetch_add(1, Ordering::Relaxed);
        r
    }

    fn try_migrate(
        &self,
        dst: MigrationTarget<'_>,
        src: &LockedPage<'_>,
        mode: MigrateMode,
    ) -> Result<Migrated> {
        if mode == MigrateMode::SyncNoCopy {
            return Err(EINVAL);
        }
        let mut inner = self.inner.lock();
        let id = self.frame_of(&mut inner, src).ok_or(EAGAIN)?;
        let l = *or_broken!(inner.links.get_mut(id), id, Err(EAGAIN));
        if !l.isolated {
            return Err(EAGAIN);
        }
        let mut frame = or_broken!(self.frames.get(id), id, Err(EAGAIN)).lock();
        let old = frame.page.take().ok_or(EAGAIN)?;
        if l.state == State::Zombie {
            drop(frame);
            inner.push_free_id(id);
            sub_or_warn(&mut inner.counts.zombies, 1, "zombies");
            drop(inner);
            src.release(old);
            self.page_gone();
            return Ok(Migrated::ZombieFreed);
        }
        // Nothing may fail once the target is adopted: the VM would put
        // a page we now own back on its free list.
        frame.page = Some(dst.adopt(&old, id as usize, self.ops));
        drop(frame);
        if let Some(l) = inner.links.get_mut(id) {
            l.isolated = false;
        }
        self.relist(&mut inner, id);
        drop(inner);
        src.release(old);
        Ok(Migrated::Moved)
    }

    /// Puts a used frame back on the free list matching its free space.
    /// (Not a frame that writeback holds: it relists it when done.)
    pub(super) fn relist(&self, inner: &mut Inner, id: u32) {
        if self.layout.chains() {
            return self.relist_unit(inner, id);
        }
        let frame = or_broken!(self.frames.get(id), id, ()).lock();
        let (n, used) = (frame.nr_objects(), frame.used());
        drop(frame);
        self.list_frame(inner, id, n, used);
    }

    /// Puts frame `id`, which holds `n` objects of `used` bytes, on the
    /// free list its free space says, or on none: full (as many objects as
    /// the layout allows, or less than a chunk free), held by the VM
    /// (putback lists it) or by writeback (which lists it when done), or
    /// not in use.
    pub(super) fn list_frame(&self, inner: &mut Inner, id: u32, n: usize, used: usize) {
        inner.list_del(id);
        let l = *or_broken!(inner.links.get_mut(id), id, ());
        if l.state != State::Used || l.isolated || l.reclaiming() {
            return;
        }
        if n >= 1 && n < self.layout.slots() && used < MAX_OBJECT {
            inner.list_add(id, PAGE_SIZE - used);
        }
    }

    /// `movable_operations::putback_page` (the VM holds the page lock).
    pub(crate) fn putback(&self, page: &LockedPage<'_>) {
        self.moves.putback.fetch_add(1, Ordering::Relaxed);
        let mut inner = self.inner.lock();
        let id = match self.frame_of(&mut inner, page) {
            Some(id) => id,
            None => return,
        };
        if !or_broken!(inner.links.get_mut(id), id, ()).isolated {
            return;
        }
        if or_broken!(inner.links.get_mut(id), id, ()).state == State::Zombie {
            let old = or_broken!(self.frames.get(id), id, ()).lock().page.take();
            inner.push_free_id(id);
            sub_or_warn(&mut inner.counts.zombies, 1, "zombies");
            drop(inner);
            if let Some(old) = old {
                page.release(old);
                self.page_gone();
            }
            return;
        }
        or_broken!(inner.links.get_mut(id), id, ()).isolated = false;
        self.relist(&mut inner, id);
    }
}
