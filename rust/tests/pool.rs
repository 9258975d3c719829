// SPDX-License-Identifier: GPL-2.0

//! Suites `zswap_rs_pool_zbud` and `zswap_rs_pool_zpack`: the allocator
//! on a private pool, cases that hold for either layout, and the helpers
//! the layouts' own cases share (where each layout places objects:
//! `zbud.rs`, `zpack.rs`).

use super::pattern;
use crate::pool::{Handle, Layout, Pool};
use crate::{kunit_assert, kunit_assert_eq, kunit_expect, kunit_suite_layouts, kunwrap};
use core::sync::atomic::Ordering;

/// A private pool in `layout`.
pub(super) fn pool_in(layout: Layout) -> Option<Pool> {
    let p = Pool::new(layout, 4096, None).ok();
    kunit_expect!(p.is_some());
    p
}

pub(super) fn alloc(p: &Pool, owner: u64, len: usize) -> Option<Handle> {
    let r = p.alloc(owner, 0, &pattern(owner, len));
    kunit_expect!(r.is_ok());
    r.ok()
}

pub(super) fn intact(p: &Pool, h: Handle, owner: u64, len: usize) -> bool {
    // Computed outside: `read` runs its closure under a spinlock.  The
    // scratch buffer is for a zchain object across two pages (a load's is
    // its compression context's).
    let want = pattern(owner, len);
    let mut scratch = pattern(0, crate::sys::PAGE_SIZE);
    p.read_with(h, owner, &mut scratch, |b, _| b == &want[..]) == Some(true)
}

fn free_both_releases_page(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    let a = kunwrap!(alloc(&p, 1, 100));
    let b = kunwrap!(alloc(&p, 2, 100));
    p.free(b, 2);
    p.free(a, 1);
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.one, c.two, c.whole, c.bytes), (0, 0, 0, 0, 0));
}

fn whole_page_object_stands_alone(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    let w = kunwrap!(alloc(&p, 1, 4096));
    let s = kunwrap!(alloc(&p, 2, 10));
    kunit_assert!(w.frame != s.frame);
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.whole, c.one), (2, 1, 1));
    kunit_assert!(intact(&p, w, 1, 4096));
    p.free(w, 1);
    kunit_assert_eq!(p.counts().whole, 0);
    p.free(s, 2);
}

fn sizes_out_of_range_rejected(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    kunit_assert!(p.alloc(1, 0, &[]).is_err());
    kunit_assert!(p.alloc(1, 0, &pattern(1, 4097)).is_err());
    kunit_assert_eq!(p.counts().pages, 0);
}

fn wrong_owner_is_refused(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    let a = kunwrap!(alloc(&p, 7, 300));
    kunit_assert!(p.free(a, 8).is_none());
    kunit_assert!(p.read(a, 8, |_, _| ()).is_none());
    kunit_assert!(intact(&p, a, 7, 300));
    let other = Handle {
        frame: a.frame,
        slot: 1,
    };
    kunit_assert!(p.free(other, 7).is_none());
    // What was freed: the length is what the cgroup charge is undone with.
    kunit_assert_eq!(p.free(a, 7).map(|f| f.len), Some(300));
    kunit_assert!(p.free(a, 7).is_none());
}

fn frame_ids_are_reused(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    let a = kunwrap!(alloc(&p, 1, 3000));
    p.free(a, 1);
    let b = kunwrap!(alloc(&p, 2, 3000));
    kunit_assert_eq!(a.frame, b.frame);
    p.free(b, 2);
}

fn table_grows_past_one_block(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    let mut hs = alloc::vec::Vec::new();
    for i in 0..200u64 {
        match p.alloc(i, 0, &pattern(i, 3000)) {
            Ok(h) => {
                let _ = hs.try_push((h, i));
            }
            Err(_) => {
                kunit_assert!(false);
                break;
            }
        }
    }
    // One 3,000-byte object per page, but in zchain units (four in three
    // pages).
    if layout == Layout::Zchain {
        kunit_assert_eq!(p.counts().pages, 150);
    } else {
        kunit_assert_eq!(p.counts().pages, 200);
    }
    kunit_assert!(hs
        .iter()
        .any(|(h, _)| h.frame >= crate::sys::arena::BLOCK as u32 * 2));
    kunit_assert!(hs.iter().all(|&(h, i)| intact(&p, h, i, 3000)));
    for (h, i) in hs {
        p.free(h, i);
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

fn churn_accounting_returns_to_zero(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    let mut hs = alloc::vec::Vec::new();
    let mut bytes = 0u64;
    // Every allocation must succeed: at most 300 frames of a 4096-frame
    // pool (a pool that refused them all would otherwise pass, with
    // nothing to count).
    for i in 0..300u64 {
        let len = 1 + ((i * 2654435761) % 4095) as usize;
        let h = kunwrap!(p.alloc(i, 0, &pattern(i, len)));
        bytes += len as u64;
        kunit_assert!(hs.try_push((h, i, len)).is_ok());
    }
    kunit_assert_eq!(hs.len(), 300);
    kunit_assert_eq!(p.counts().bytes, bytes);
    let c = p.counts();
    // zchain counts units by objects, and leaves out units of more than
    // four: neither sum is the pool's.
    if layout != Layout::Zchain {
        kunit_assert_eq!(c.one + c.two + c.three + c.four + c.whole, c.pages);
        kunit_assert_eq!(
            c.one + 2 * c.two + 3 * c.three + 4 * c.four + c.whole,
            hs.len() as u64
        );
    }
    // Free every other object, store new ones into the holes (a zpack
    // frame slides its objects to take them), check all, free all.
    for &(h, i, _) in hs.iter().step_by(2) {
        kunit_assert!(p.free(h, i).is_some());
    }
    let mut more = alloc::vec::Vec::new();
    for i in 1000..1150u64 {
        let len = 1 + ((i * 2654435761) % 2000) as usize;
        let h = kunwrap!(p.alloc(i, 0, &pattern(i, len)));
        kunit_assert!(more.try_push((h, i, len)).is_ok());
    }
    kunit_assert_eq!(more.len(), 150);
    kunit_assert!(hs
        .iter()
        .skip(1)
        .step_by(2)
        .chain(more.iter())
        .all(|&(h, i, l)| intact(&p, h, i, l)));
    for &(h, i, _) in hs.iter().skip(1).step_by(2).chain(more.iter()) {
        kunit_assert!(p.free(h, i).is_some());
    }
    let c = p.counts();
    kunit_assert_eq!(
        (c.pages, c.one, c.two, c.three, c.four, c.whole, c.bytes),
        (0, 0, 0, 0, 0, 0, 0)
    );
}

fn tag_is_kept_per_object(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    let a = kunwrap!(p.alloc(1, 3, &pattern(1, 500)));
    let b = kunwrap!(p.alloc(2, 7, &pattern(2, 500)));
    kunit_assert_eq!(p.read(a, 1, |_, t| t), Some(3));
    kunit_assert_eq!(p.read(b, 2, |_, t| t), Some(7));
    p.free(a, 1);
    p.free(b, 2);
}

fn frame_table_for_a_huge_machine(layout: Layout) {
    use crate::sys::arena::{Arena, Block, DirPage, BLOCK, DIR, MAX_OBJECTS};
    use crate::sys::{Gfp, EAGAIN};
    // The largest table (2^32 frames: a 16 TiB machine's pool) costs a
    // 1 MiB top array up front, nothing else until it grows.
    let a = kunwrap!(Arena::<u64>::new(MAX_OBJECTS));
    let blocks = DIR + 88;
    for b in 0..blocks {
        let blk = kunwrap!(Block::try_new(Gfp::KERNEL, |i| (b * BLOCK + i) as u64));
        let mut dir = None;
        if a.needs_dir() {
            // A block that starts a directory page needs one.
            if b == DIR {
                let extra = kunwrap!(Block::try_new(Gfp::KERNEL, |_| 0u64));
                kunit_assert_eq!(a.install(extra, &mut None), Err(EAGAIN));
            }
            dir = DirPage::try_new(Gfp::KERNEL).ok();
        }
        kunit_assert_eq!(a.install(blk, &mut dir), Ok((b * BLOCK) as u32));
    }
    kunit_assert_eq!(a.len(), blocks * BLOCK);
    let mut bad = 0;
    for id in 0..blocks * BLOCK {
        if a.get(id as u32).copied() != Some(id as u64) {
            bad += 1;
        }
    }
    kunit_assert_eq!(bad, 0);
    kunit_assert!(a.get((blocks * BLOCK) as u32).is_none());
    kunit_assert!(a.get(u32::MAX).is_none());
    // A pool sized for such a machine starts and works.
    let p = kunwrap!(Pool::new(layout, MAX_OBJECTS, None));
    let h = kunwrap!(alloc(&p, 1, 1000));
    kunit_assert!(intact(&p, h, 1, 1000));
    kunit_assert!(p.free(h, 1).is_some());
}

fn reclaimed_frame_is_released_and_reused_cleanly(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    let a = kunwrap!(alloc(&p, 1, 1500));
    let b = kunwrap!(alloc(&p, 2, 1500));
    kunit_assert_eq!(a.frame, b.frame);
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r.objects[..4], [Some((1, a)), Some((2, b)), None, None]);
    // Both written back: the frame goes, its id is free for the next store.
    kunit_assert!(p.free(a, 1).is_some() && p.free(b, 2).is_some());
    kunit_assert_eq!(p.counts().pages, 0);
    let c = kunwrap!(alloc(&p, 3, 1000));
    kunit_assert_eq!(c.frame, r.frame);
    // The late `reclaim_end` must not touch the new frame (no double listing).
    p.reclaim_end(r);
    let d = kunwrap!(alloc(&p, 4, 1000));
    kunit_assert_eq!(d.frame, c.frame);
    kunit_assert_eq!(p.counts().pages, 1);
    kunit_assert_eq!(&p.lru_order()[..], &[c.frame][..]);
    p.free(c, 3);
    p.free(d, 4);
}

/// Two reclaimers and a reused frame id (issue 32, item 1): the first
/// one's frame is emptied and released, a store gets the same id (LIFO)
/// for a new frame, the second reclaimer marks that one; then the first
/// one's `reclaim_end` comes late.  It must leave the second one's mark
/// alone: the new frame stays off the LRU and the free lists until the
/// second one ends, and each end reports what became of its own frame.
fn late_reclaim_end_spares_a_reused_id(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    // R1 (the worker) takes frame F and writes its one object back.
    let a = kunwrap!(alloc(&p, 1, 1500));
    let r1 = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r1.frame, a.frame);
    kunit_assert!(p.free(a, 1).is_some());
    kunit_assert_eq!(p.counts().pages, 0);
    // A store gets the id again; R2 (the shrinker) takes the new frame.
    let b = kunwrap!(alloc(&p, 2, 1500));
    kunit_assert_eq!(b.frame, a.frame);
    let r2 = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r2.frame, b.frame);
    kunit_assert_eq!(r2.objects[..4], [Some((2, b)), None, None, None]);
    // R1's late end: its own frame was released (a freed page, which is
    // what reclaim counts), and R2's frame is not touched.
    kunit_assert!(p.reclaim_end(r1));
    kunit_assert!(!p.lru_order().contains(&b.frame));
    // Still R2's: no store goes into it, no other reclaimer takes it.
    let c = kunwrap!(alloc(&p, 3, 1000));
    kunit_assert!(c.frame != b.frame);
    let r3 = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r3.frame, c.frame);
    kunit_assert!(!p.reclaim_end(r3));
    let n = p.counts();
    kunit_assert_eq!((n.pages, n.one, n.bytes), (2, 2, 2500));
    // R2 could not write b back: not freed, its frame returns (most
    // recent) and takes objects again (the tightest fit for 1000 bytes).
    kunit_assert!(!p.reclaim_end(r2));
    kunit_assert_eq!(p.lru_order().last().copied(), Some(b.frame));
    let d = kunwrap!(alloc(&p, 4, 1000));
    kunit_assert_eq!(d.frame, b.frame);
    kunit_assert!(intact(&p, b, 2, 1500) && intact(&p, d, 4, 1000));
    for (h, o) in [(b, 2), (c, 3), (d, 4)] {
        kunit_assert!(p.free(h, o).is_some());
    }
    let n = p.counts();
    kunit_assert_eq!((n.pages, n.one, n.two, n.bytes), (0, 0, 0, 0));
    kunit_assert_eq!(p.lru_order().len(), 0);
}

/// Second chance: a frame with an object loaded (and kept) since reclaim
/// last looked is passed over once, goes to the LRU's head with its marks
/// cleared, and is taken the next time round.
fn referenced_frame_gets_a_second_chance(layout: Layout) {
    let p = kunwrap!(pool_in(layout));
    // Three frames of one whole-page-ish object each, oldest first (in
    // zchain whole pages: objects over half a page would share units).
    let len = if layout == Layout::Zchain { 4096 } else { 3000 };
    let a = kunwrap!(alloc(&p, 1, len));
    let b = kunwrap!(alloc(&p, 2, len));
    let c = kunwrap!(alloc(&p, 3, len));
    kunit_assert!(a.frame != b.frame && b.frame != c.frame);
    kunit_assert_eq!(&p.lru_order()[..], &[a.frame, b.frame, c.frame][..]);
    // A mark with the wrong owner is refused.
    p.mark_referenced(a, 9);
    p.mark_referenced(b, 2);
    let chances = p.moves.reclaim_second_chances.load(Ordering::Relaxed);
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r.frame, a.frame);
    kunit_assert!(!p.reclaim_end(r));
    // a went to the head; b is the tail now, referenced: passed over.
    kunit_assert_eq!(&p.lru_order()[..], &[b.frame, c.frame, a.frame][..]);
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r.frame, c.frame);
    kunit_assert_eq!(
        p.moves.reclaim_second_chances.load(Ordering::Relaxed),
        chances + 1
    );
    kunit_assert!(!p.reclaim_end(r));
    kunit_assert_eq!(&p.lru_order()[..], &[a.frame, b.frame, c.frame][..]);
    // Its mark is spent: taken next.
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r.frame, a.frame);
    kunit_assert!(!p.reclaim_end(r));
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r.frame, b.frame);
    kunit_assert!(!p.reclaim_end(r));
    for (h, o) in [(a, 1), (b, 2), (c, 3)] {
        kunit_assert!(intact(&p, h, o, len));
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
    // One frame, referenced: passed over once, then taken (the hand wraps).
    let a = kunwrap!(alloc(&p, 1, 3000));
    p.mark_referenced(a, 1);
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r.frame, a.frame);
    kunit_assert!(!p.reclaim_end(r));
    kunit_assert!(p.free(a, 1).is_some());
}

/// A store never waits for a frame lock with the pool lock held: one whose
/// best-fitting frame is locked (forced here: the lock held by another CPU,
/// a load reading from it) goes to a new frame, counted in
/// `store_frame_busy`, and the busy frame stays on its list as it was.
fn store_skips_a_busy_frame(layout: Layout) {
    // zchain's stores take their own path (`alloc_chain`).
    if layout == Layout::Zchain {
        return;
    }
    let p = kunwrap!(pool_in(layout));
    let a = kunwrap!(alloc(&p, 1, 1000));
    let busy = p.moves.store_frame_busy.load(Ordering::Relaxed);
    p.moves.force_frame_busy.store(true, Ordering::Relaxed);
    let b = kunwrap!(alloc(&p, 2, 1000));
    kunit_assert!(b.frame != a.frame);
    kunit_assert_eq!(p.moves.store_frame_busy.load(Ordering::Relaxed), busy + 1);
    kunit_assert_eq!(p.counts().pages, 2);
    // a's frame is still listed with its room: two more objects of 1000
    // bytes fit into the two frames (zbud: one each), no third page.
    let c = kunwrap!(alloc(&p, 3, 1000));
    let d = kunwrap!(alloc(&p, 4, 1000));
    kunit_assert!([a.frame, b.frame].contains(&c.frame) && [a.frame, b.frame].contains(&d.frame));
    kunit_assert_eq!(p.counts().pages, 2);
    for (h, o) in [(a, 1), (b, 2), (c, 3), (d, 4)] {
        kunit_assert!(intact(&p, h, o, 1000));
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

/// Overflow checks are on in the test kernel (`CONFIG_RUST_OVERFLOW_CHECKS`):
/// a counter that would go below 0 must saturate and be reported
/// (issue 32, item 7), not BUG under the pool lock.
fn underflowing_counter_saturates_and_reports(layout: Layout) {
    let mut c = 5u64;
    kunit_assert!(!crate::sys::sub_or_warn(&mut c, 3, "test"));
    kunit_assert_eq!(c, 2);
    let slips = crate::sys::accounting_slips();
    kunit_assert!(crate::sys::sub_or_warn(&mut c, 3, "test"));
    kunit_assert_eq!(c, 0);
    kunit_assert_eq!(crate::sys::accounting_slips(), slips + 1);
    // In the pool, under its lock: `four` and `zombies` are 0 in an empty
    // pool; the slip leaves them at 0, counted, and the pool works on.
    let p = kunwrap!(pool_in(layout));
    p.slip_counts(4);
    let n = p.counts();
    kunit_assert_eq!((n.four, n.zombies), (0, 0));
    kunit_assert_eq!(crate::sys::accounting_slips(), slips + 3);
    let h = kunwrap!(alloc(&p, 1, 1000));
    kunit_assert!(intact(&p, h, 1, 1000));
    kunit_assert!(p.free(h, 1).is_some());
    kunit_assert_eq!(p.counts().pages, 0);
}

kunit_suite_layouts!(
    [POOL_ZBUD_SUITE, POOL_ZPACK_SUITE, POOL_ZCHAIN_SUITE],
    "zswap_rs_pool",
    [
        sizes_out_of_range_rejected,
        referenced_frame_gets_a_second_chance,
        store_skips_a_busy_frame,
        wrong_owner_is_refused,
        frame_ids_are_reused,
        table_grows_past_one_block,
        churn_accounting_returns_to_zero,
        tag_is_kept_per_object,
        frame_table_for_a_huge_machine,
        reclaimed_frame_is_released_and_reused_cleanly,
        late_reclaim_end_spares_a_reused_id,
        underflowing_counter_saturates_and_reports,
        free_both_releases_page,
        whole_page_object_stands_alone,
    ]
);
