// SPDX-License-Identifier: GPL-2.0

//! Suites `zswap_rs_migrate_zbud` and `zswap_rs_migrate_zpack`:
//! `movable_operations` callbacks and compaction, in either layout,
//! driven directly on a private pool the way the VM drives them (page
//! reference held, page locked around each callback).

use super::pattern;
use crate::pool::migrate::Migrated;
use crate::pool::{Handle, Layout, Pool};
use crate::sys::movable::MigrateMode;
use crate::sys::page::{Page, PageHold};
use crate::sys::{Gfp, EAGAIN, EINVAL};
use crate::{kunit_assert, kunit_assert_eq, kunit_expect_eq, kunit_suite_layouts, kunwrap};

struct Fixture {
    pool: Pool,
    a: Handle,
    b: Handle,
}

/// A pool with one frame holding two objects (owners 1 and 2).
fn fixture(layout: Layout) -> Option<Fixture> {
    let pool = Pool::new(layout, 1024, None).ok()?;
    let a = pool.alloc(1, 0, &pattern(1, 1500)).ok()?;
    let b = pool.alloc(2, 0, &pattern(2, 1700)).ok()?;
    if !kunit_expect_eq!(a.frame, b.frame) {
        return None;
    }
    Some(Fixture { pool, a, b })
}

fn intact(p: &Pool, h: Handle, owner: u64, len: usize) -> bool {
    super::pool::intact(p, h, owner, len)
}

fn isolate(f: &Fixture, page: &PageHold) -> bool {
    page.with_locked(|lp| f.pool.isolate(lp))
}

/// Migrates `src` into `dst` as the VM does (both locked, `dst` a fresh
/// page nobody else uses, given up by the test).
fn migrate(f: &Fixture, src: &PageHold, dst: Page) -> crate::sys::Result<Migrated> {
    src.with_locked(|s| dst.migrate_into(|d| f.pool.migrate(d, s, MigrateMode::Sync)))
}

fn migrate_moves_both_buddies(layout: Layout) {
    let f = kunwrap!(fixture(layout));
    let src = kunwrap!(f.pool.frame_page_ref(f.a.frame));
    let dst = kunwrap!(Page::alloc(Gfp::KERNEL));
    let dst_ptr = dst.as_ptr() as usize;
    kunit_assert!(isolate(&f, &src));
    kunit_assert_eq!(migrate(&f, &src, dst), Ok(Migrated::Moved));
    kunit_assert_eq!(f.pool.frame_page(f.a.frame), Some(dst_ptr));
    // The handles (what the index holds) did not change.
    kunit_assert!(intact(&f.pool, f.a, 1, 1500));
    kunit_assert!(intact(&f.pool, f.b, 2, 1700));
    let c = f.pool.counts();
    kunit_assert_eq!((c.pages, c.two), (1, 1));
    kunit_assert_eq!(
        f.pool
            .moves
            .migrate_ok
            .load(core::sync::atomic::Ordering::Relaxed),
        1
    );
}

fn isolate_refused_while_frame_busy(layout: Layout) {
    let f = kunwrap!(fixture(layout));
    let src = kunwrap!(f.pool.frame_page_ref(f.a.frame));
    // The VM locks the page first; a load holds the frame meanwhile.
    let r = src.with_locked(|lp| f.pool.with_frame_busy(f.a.frame, || f.pool.isolate(lp)));
    kunit_assert_eq!(r, Some(false));
    kunit_assert!(isolate(&f, &src));
    kunit_assert!(!isolate(&f, &src));
    src.with_locked(|lp| f.pool.putback(lp));
}

fn isolate_refuses_foreign_pages(layout: Layout) {
    let f = kunwrap!(fixture(layout));
    let mut other = kunwrap!(Page::alloc(Gfp::KERNEL));
    other.set_private(f.a.frame as usize);
    kunit_assert!(!other.with_locked(|lp| f.pool.isolate(lp)));
    other.set_private(987654);
    kunit_assert!(!other.with_locked(|lp| f.pool.isolate(lp)));
}

fn putback_relists_the_frame(layout: Layout) {
    let f = kunwrap!(fixture(layout));
    kunit_assert!(f.pool.free(f.b, 2).is_some());
    let src = kunwrap!(f.pool.frame_page_ref(f.a.frame));
    kunit_assert!(isolate(&f, &src));
    // Isolated frames take no new objects.
    let c = kunwrap!(f.pool.alloc(3, 0, &pattern(3, 100)));
    kunit_assert!(c.frame != f.a.frame);
    src.with_locked(|lp| f.pool.putback(lp));
    let d = kunwrap!(f.pool.alloc(4, 0, &pattern(4, 2000)));
    kunit_assert_eq!(d.frame, f.a.frame);
    kunit_assert!(intact(&f.pool, f.a, 1, 1500) && intact(&f.pool, d, 4, 2000));
}

fn free_while_isolated_then_migrate_releases(layout: Layout) {
    let f = kunwrap!(fixture(layout));
    let src = kunwrap!(f.pool.frame_page_ref(f.a.frame));
    kunit_assert!(isolate(&f, &src));
    kunit_assert!(f.pool.free(f.a, 1).is_some() && f.pool.free(f.b, 2).is_some());
    // The emptied frame's page waits for the VM: still counted.
    let c = f.pool.counts();
    kunit_assert_eq!((c.pages, c.zombies), (1, 1));
    let dst = kunwrap!(Page::alloc(Gfp::KERNEL));
    kunit_assert_eq!(migrate(&f, &src, dst), Ok(Migrated::ZombieFreed));
    kunit_assert_eq!(f.pool.frame_page(f.a.frame), None);
    let c = f.pool.counts();
    kunit_assert_eq!((c.pages, c.zombies), (0, 0));
    // The id is free again.
    let c = kunwrap!(f.pool.alloc(5, 0, &pattern(5, 10)));
    kunit_assert_eq!(c.frame, f.a.frame);
}

fn free_while_isolated_then_putback_releases(layout: Layout) {
    let f = kunwrap!(fixture(layout));
    let src = kunwrap!(f.pool.frame_page_ref(f.a.frame));
    kunit_assert!(isolate(&f, &src));
    kunit_assert!(f.pool.free(f.a, 1).is_some());
    kunit_assert!(intact(&f.pool, f.b, 2, 1700));
    kunit_assert!(f.pool.free(f.b, 2).is_some());
    kunit_assert_eq!(f.pool.counts().zombies, 1);
    src.with_locked(|lp| f.pool.putback(lp));
    kunit_assert_eq!(f.pool.frame_page(f.a.frame), None);
    let c = f.pool.counts();
    kunit_assert_eq!((c.pages, c.zombies), (0, 0));
}

fn loads_work_while_isolated_and_after_migration(layout: Layout) {
    let f = kunwrap!(fixture(layout));
    let src = kunwrap!(f.pool.frame_page_ref(f.a.frame));
    kunit_assert!(isolate(&f, &src));
    kunit_assert!(intact(&f.pool, f.a, 1, 1500));
    let dst = kunwrap!(Page::alloc(Gfp::KERNEL));
    kunit_assert_eq!(migrate(&f, &src, dst), Ok(Migrated::Moved));
    kunit_assert!(intact(&f.pool, f.b, 2, 1700));
    // The old page is no longer ours: isolating it again is refused.
    kunit_assert!(!isolate(&f, &src));
}

fn migrate_without_isolation_is_eagain(layout: Layout) {
    let f = kunwrap!(fixture(layout));
    let src = kunwrap!(f.pool.frame_page_ref(f.a.frame));
    let dst = kunwrap!(Page::alloc(Gfp::KERNEL));
    kunit_assert_eq!(migrate(&f, &src, dst), Err(EAGAIN));
    kunit_assert!(intact(&f.pool, f.a, 1, 1500));
}

fn migrate_no_copy_mode_is_refused(layout: Layout) {
    let f = kunwrap!(fixture(layout));
    let src = kunwrap!(f.pool.frame_page_ref(f.a.frame));
    let dst = kunwrap!(Page::alloc(Gfp::KERNEL));
    kunit_assert!(isolate(&f, &src));
    let r =
        src.with_locked(|s| dst.migrate_into(|d| f.pool.migrate(d, s, MigrateMode::SyncNoCopy)));
    kunit_assert_eq!(r, Err(EINVAL));
    src.with_locked(|lp| f.pool.putback(lp));
    kunit_assert!(intact(&f.pool, f.a, 1, 1500));
}

fn compaction_merges_lone_objects(layout: Layout) {
    let pool = kunwrap!(Pool::new(layout, 1024, None));
    let mut hs = [None; 8];
    for i in 0..8u64 {
        hs[i as usize] = Some(kunwrap!(pool.alloc(i, 0, &pattern(i, 1800))));
    }
    kunit_assert_eq!(pool.counts().pages, 4);
    // Free one object of every frame: four half-empty frames.
    for i in (0..8).step_by(2) {
        kunit_assert!(pool.free(hs[i].unwrap(), i as u64).is_some());
    }
    kunit_assert_eq!(pool.counts().one, 4);
    // zbud: two pairs of one-object frames; zpack: the four frames' free
    // space (4 x 2240 bytes, in chunks) is two whole pages.
    kunit_assert_eq!(pool.compactable(), 2);
    let moved = core::cell::RefCell::new([None; 8]);
    let n = pool.compact(100, |owner, from, to| {
        kunit_expect_eq!(Some(from), hs[owner as usize]);
        moved.borrow_mut()[owner as usize] = Some(to);
        true
    });
    kunit_assert_eq!(n, 2);
    let c = pool.counts();
    kunit_assert_eq!((c.pages, c.one, c.two), (2, 0, 2));
    for i in (1..8).step_by(2) {
        let h = kunwrap!(moved.borrow()[i].or(hs[i]));
        kunit_assert!(intact(&pool, h, i as u64, 1800));
    }
    kunit_assert_eq!(
        pool.moves
            .pages_compacted
            .load(core::sync::atomic::Ordering::Relaxed),
        2
    );
}

fn compaction_undoes_when_entry_changed(layout: Layout) {
    let pool = kunwrap!(Pool::new(layout, 1024, None));
    // A (3000) and C (1000) share a frame; B (900) gets its own; freeing C
    // leaves two lone objects, and B fits next to A.
    let a = kunwrap!(pool.alloc(1, 0, &pattern(1, 3000)));
    let c = kunwrap!(pool.alloc(3, 0, &pattern(3, 1000)));
    let b = kunwrap!(pool.alloc(2, 0, &pattern(2, 900)));
    kunit_assert_eq!(a.frame, c.frame);
    kunit_assert!(a.frame != b.frame);
    kunit_assert!(pool.free(c, 3).is_some());
    let n = pool.compact(10, |_, _, _| false);
    kunit_assert_eq!(n, 0);
    kunit_assert_eq!(pool.counts().pages, 2);
    kunit_assert!(intact(&pool, a, 1, 3000) && intact(&pool, b, 2, 900));
    // With the index agreeing, B moves in with A.
    let to = core::cell::Cell::new(None);
    kunit_assert_eq!(
        pool.compact(10, |_, _, t| {
            to.set(Some(t));
            true
        }),
        1
    );
    kunit_assert_eq!(pool.counts().pages, 1);
    kunit_assert_eq!(to.get().map(|t| t.frame), Some(a.frame));
    kunit_assert!(to.get().map_or(false, |t| intact(&pool, t, 2, 900)));
    kunit_assert!(pool.read(b, 2, |_, _| ()).is_none());
}

fn compaction_with_nothing_to_merge(layout: Layout) {
    let pool = kunwrap!(Pool::new(layout, 1024, None));
    kunit_assert_eq!(pool.compact(10, |_, _, _| true), 0);
    let a = kunwrap!(pool.alloc(1, 0, &pattern(1, 3000)));
    let b = kunwrap!(pool.alloc(2, 0, &pattern(2, 3000)));
    kunit_assert_eq!(pool.compact(10, |_, _, _| true), 0);
    kunit_assert!(intact(&pool, a, 1, 3000) && intact(&pool, b, 2, 3000));
}

fn zombie_released_on_next_isolation(layout: Layout) {
    let ok = crate::with_movable_pool(layout, |pool| {
        let a = kunwrap!(pool.alloc(1, 0, &pattern(1, 1000)));
        let hold = kunwrap!(pool.frame_page_ref(a.frame));
        // The last object goes while the VM holds the page lock (it is
        // isolating the page): the page cannot be given up right now.
        kunit_assert!(hold.with_locked(|_| pool.free(a, 1).is_some()));
        // A zombie still counts in the pool's size until its page goes.
        let c = pool.counts();
        kunit_assert_eq!((c.pages, c.zombies), (1, 1));
        kunit_assert_eq!(pool.frame_page(a.frame), Some(hold.as_ptr() as usize));
        // The VM's isolation attempt (page locked) releases it instead.
        kunit_assert!(!hold.with_locked(|lp| pool.isolate(lp)));
        kunit_assert_eq!(pool.frame_page(a.frame), None);
        let c = pool.counts();
        kunit_assert_eq!((c.pages, c.zombies), (0, 0));
        let b = kunwrap!(pool.alloc(2, 0, &pattern(2, 1000)));
        kunit_assert_eq!(b.frame, a.frame);
        kunit_assert!(pool.free(b, 2).is_some());
    });
    kunit_assert!(ok);
}

fn zombie_reaped_by_next_allocation(layout: Layout) {
    let ok = crate::with_movable_pool(layout, |pool| {
        let a = kunwrap!(pool.alloc(1, 0, &pattern(1, 3000)));
        let hold = kunwrap!(pool.frame_page_ref(a.frame));
        kunit_assert!(hold.with_locked(|_| pool.free(a, 1).is_some()));
        kunit_assert_eq!(pool.frame_page(a.frame), Some(hold.as_ptr() as usize));
        // Lock free again: the next allocation releases the zombie first.
        let b = kunwrap!(pool.alloc(2, 0, &pattern(2, 3000)));
        kunit_assert_eq!(b.frame, a.frame);
        kunit_assert!(pool.frame_page(b.frame) != Some(hold.as_ptr() as usize));
        kunit_assert!(intact(pool, b, 2, 3000));
        kunit_assert!(pool.free(b, 2).is_some());
    });
    kunit_assert!(ok);
}

fn zombies_released_when_the_pool_empties(layout: Layout) {
    let ok = crate::with_movable_pool(layout, |pool| {
        let a = kunwrap!(pool.alloc(1, 0, &pattern(1, 3000)));
        let hold = kunwrap!(pool.frame_page_ref(a.frame));
        kunit_assert!(hold.with_locked(|_| pool.free(a, 1).is_some()));
        kunit_assert_eq!(pool.counts().zombies, 1);
        // What swapoff does once its entries are gone (may sleep).
        kunit_assert_eq!(pool.release_zombies(), 1);
        let c = pool.counts();
        kunit_assert_eq!((c.pages, c.zombies), (0, 0));
        kunit_assert_eq!(pool.frame_page(a.frame), None);
        // The old page is not ours any more.
        kunit_assert!(!hold.with_locked(|lp| pool.isolate(lp)));
    });
    kunit_assert!(ok);
}

fn compaction_skips_a_failed_source_for_the_pass(layout: Layout) {
    let pool = kunwrap!(Pool::new(layout, 1024, None));
    // Frame 0 keeps a lone 320-byte object (owner 0, the emptiest frame:
    // compaction's first source); four frames keep a lone 2048-byte object
    // (owners 1-4).  Each partner fills its frame exactly (whole chunks),
    // then goes.
    let h0 = kunwrap!(pool.alloc(0, 0, &pattern(0, 320)));
    let p0 = kunwrap!(pool.alloc(100, 0, &pattern(100, 3776)));
    let mut hs = [h0; 5];
    let mut partners = [p0; 5];
    for i in 1..5u64 {
        hs[i as usize] = kunwrap!(pool.alloc(i, 0, &pattern(i, 2048)));
        partners[i as usize] = kunwrap!(pool.alloc(100 + i, 0, &pattern(100 + i, 2048)));
    }
    for i in 0..5u64 {
        kunit_assert!(pool.free(partners[i as usize], 100 + i).is_some());
    }
    let c = pool.counts();
    kunit_assert_eq!((c.pages, c.one, c.two), (5, 5, 0));
    // Owner 0's entry is being invalidated: its move always fails.
    let tries0 = core::cell::Cell::new(0);
    let moved = core::cell::RefCell::new([None; 5]);
    let n = pool.compact(100, |owner, _, to| {
        if owner == 0 {
            tries0.set(tries0.get() + 1);
            return false;
        }
        moved.borrow_mut()[owner as usize] = Some(to);
        true
    });
    // Owner 0 was tried once; the pass went on and merged the others.
    kunit_assert_eq!(tries0.get(), 1);
    kunit_assert_eq!(n, 2);
    let c = pool.counts();
    kunit_assert_eq!((c.pages, c.one, c.two), (3, 1, 2));
    kunit_assert!(intact(&pool, h0, 0, 320));
    for i in 1..5 {
        let h = moved.borrow()[i].unwrap_or(hs[i]);
        kunit_assert!(intact(&pool, h, i as u64, 2048));
    }
    // The parked frame is listed again: the next pass tries it again.
    kunit_assert_eq!(pool.compact(100, |_, _, _| true), 0);
    kunit_assert_eq!(pool.counts().pages, 3);
}

fn movable_pages_migrate_and_free_cleanly(layout: Layout) {
    let ok = crate::with_movable_pool(layout, |pool| {
        let a = kunwrap!(pool.alloc(1, 0, &pattern(1, 1500)));
        let b = kunwrap!(pool.alloc(2, 0, &pattern(2, 1700)));
        let src = kunwrap!(pool.frame_page_ref(a.frame));
        let dst = kunwrap!(Page::alloc(Gfp::KERNEL));
        kunit_assert!(src.with_locked(|lp| pool.isolate(lp)));
        let r = src.with_locked(|s| dst.migrate_into(|d| pool.migrate(d, s, MigrateMode::Sync)));
        kunit_assert_eq!(r, Ok(Migrated::Moved));
        kunit_assert!(intact(pool, a, 1, 1500) && intact(pool, b, 2, 1700));
        // The old page is not movable any more: isolating it is refused.
        kunit_assert!(!src.with_locked(|lp| pool.isolate(lp)));
        kunit_assert!(pool.free(a, 1).is_some() && pool.free(b, 2).is_some());
    });
    kunit_assert!(ok);
}

/// Every pool page holds a text pin (module exit waits for them): the
/// count follows the pages through migration and falls back when the
/// pool goes; a pin that is leaked stays counted.
fn pool_pages_pin_the_module_text(layout: Layout) {
    use crate::sys::module::{live_pins, test_pin};
    let before = live_pins();
    let ok = crate::with_movable_pool(layout, |pool| {
        let a = kunwrap!(pool.alloc(1, 0, &pattern(1, 1500)));
        let b = kunwrap!(pool.alloc(2, 0, &pattern(2, 3000)));
        let pages = pool.counts().pages as usize;
        kunit_assert!(pages >= 1);
        kunit_assert_eq!(live_pins(), before + pages);
        let src = kunwrap!(pool.frame_page_ref(a.frame));
        let dst = kunwrap!(Page::alloc(Gfp::KERNEL));
        kunit_assert!(src.with_locked(|lp| pool.isolate(lp)));
        let r = src.with_locked(|s| dst.migrate_into(|d| pool.migrate(d, s, MigrateMode::Sync)));
        kunit_assert_eq!(r, Ok(Migrated::Moved));
        // The old page's pin went with it, the new page holds one.
        kunit_assert_eq!(live_pins(), before + pages);
        kunit_assert!(pool.free(a, 1).is_some() && pool.free(b, 2).is_some());
    });
    kunit_assert!(ok);
    kunit_assert_eq!(live_pins(), before);
    let p = test_pin();
    kunit_assert_eq!(live_pins(), before + 1);
    core::mem::forget(p);
    // Leaked: module exit would wait (and warn) instead of returning.
    kunit_assert_eq!(live_pins(), before + 1);
}

kunit_suite_layouts!(
    [
        MIGRATE_ZBUD_SUITE,
        MIGRATE_ZPACK_SUITE,
        MIGRATE_ZCHAIN_SUITE
    ],
    "zswap_rs_migrate",
    [
        migrate_moves_both_buddies,
        isolate_refused_while_frame_busy,
        isolate_refuses_foreign_pages,
        putback_relists_the_frame,
        free_while_isolated_then_migrate_releases,
        free_while_isolated_then_putback_releases,
        loads_work_while_isolated_and_after_migration,
        migrate_without_isolation_is_eagain,
        migrate_no_copy_mode_is_refused,
        compaction_merges_lone_objects,
        compaction_undoes_when_entry_changed,
        compaction_with_nothing_to_merge,
        zombie_released_on_next_isolation,
        zombie_reaped_by_next_allocation,
        zombies_released_when_the_pool_empties,
        compaction_skips_a_failed_source_for_the_pass,
        movable_pages_migrate_and_free_cleanly,
        pool_pages_pin_the_module_text,
    ]
);
