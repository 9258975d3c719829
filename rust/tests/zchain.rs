// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_zchain`: the zchain layout (being built, not offered by
//! `zpool=` yet) on a private pool: units that grow by a page for objects
//! over half a page, objects across page boundaries through alloc, read,
//! a slide and free, and small objects placed as zpack places them.

use super::pattern;
use super::pool::pool_in;
use crate::index::Entry;
use crate::pool::migrate::Migrated;
use crate::pool::{Handle, Layout, Pool};
use crate::sys::movable::MigrateMode;
use crate::sys::page::Page;
use crate::sys::{Gfp, PAGE_SIZE};
use crate::{kunit_assert, kunit_assert_eq, kunit_expect, kunit_suite, kunwrap};
use alloc::vec::Vec;

fn pool() -> Option<Pool> {
    pool_in(Layout::Zchain)
}

fn alloc(p: &Pool, owner: u64, len: usize) -> Option<Handle> {
    let r = p.alloc(owner, 0, &pattern(owner, len));
    kunit_expect!(r.is_ok());
    r.ok()
}

/// Whether object `h` holds `owner`'s pattern, read as a load would (with
/// a scratch buffer for an object across pages).
fn intact(p: &Pool, h: Handle, owner: u64, len: usize) -> bool {
    let want = pattern(owner, len);
    let mut scratch = Vec::new();
    let _ = scratch.try_reserve_exact(PAGE_SIZE);
    for _ in 0..PAGE_SIZE {
        let _ = scratch.try_push(0u8);
    }
    p.read_spanning(h, owner, &mut scratch, |b, _| b == &want[..]) == Some(true)
}

/// Three objects of 2,600 bytes: one per page in zpack, three in two
/// pages here, the second across the boundary; a fourth grows the unit
/// to three pages, a fifth starts a new frame.
fn objects_over_half_a_page_grow_a_unit() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 2600));
    kunit_assert_eq!(p.counts().pages, 1);
    let b = kunwrap!(alloc(&p, 2, 2600));
    kunit_assert_eq!(b.frame, a.frame);
    kunit_assert_eq!(p.unit_pages(a.frame), Some(2));
    kunit_assert_eq!(p.unit_object_offset(b), Some(2600));
    let c = kunwrap!(alloc(&p, 3, 2600));
    kunit_assert_eq!(c.frame, a.frame);
    kunit_assert_eq!(p.counts().pages, 2);
    let d = kunwrap!(alloc(&p, 4, 2600));
    kunit_assert_eq!(d.frame, a.frame);
    kunit_assert_eq!(p.unit_pages(a.frame), Some(3));
    kunit_assert_eq!(p.counts().pages, 3);
    // Across the second boundary.
    kunit_assert_eq!(p.unit_object_offset(d), Some(7800));
    let e = kunwrap!(alloc(&p, 5, 2600));
    kunit_assert!(e.frame != a.frame);
    kunit_assert_eq!(p.counts().pages, 4);
    for (h, o) in [(a, 1), (b, 2), (c, 3), (d, 4), (e, 5)] {
        kunit_assert!(intact(&p, h, o, 2600));
    }
    // Without scratch, a spanning object is not read (the plain reader).
    kunit_assert_eq!(p.read(b, 2, |_, _| ()), None);
    kunit_assert!(p.read(a, 1, |_, _| ()).is_some());
    for (h, o) in [(a, 1), (b, 2), (c, 3), (d, 4), (e, 5)] {
        kunit_assert_eq!(p.free(h, o).map(|f| f.len), Some(2600));
    }
    let cn = p.counts();
    kunit_assert_eq!((cn.pages, cn.bytes), (0, 0));
}

/// A free from the middle, then an object that fits no gap: the others
/// slide down across the page boundary, every byte intact.
fn a_slide_crosses_pages() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 2600));
    let b = kunwrap!(alloc(&p, 2, 2600));
    let c = kunwrap!(alloc(&p, 3, 2600));
    kunit_assert!(a.frame == b.frame && b.frame == c.frame);
    kunit_assert_eq!(p.unit_object_offset(c), Some(5200));
    kunit_assert!(p.free(b, 2).is_some());
    // 2,992 bytes free in gaps of 2,600 and 392: 2,800 fits neither.
    let d = kunwrap!(alloc(&p, 4, 2800));
    kunit_assert_eq!(d.frame, a.frame);
    kunit_assert_eq!(p.unit_pages(a.frame), Some(2));
    kunit_assert_eq!(p.unit_object_offset(c), Some(2600));
    kunit_assert_eq!(p.unit_object_offset(d), Some(5200));
    kunit_assert!(intact(&p, a, 1, 2600));
    kunit_assert!(intact(&p, c, 3, 2600));
    kunit_assert!(intact(&p, d, 4, 2800));
    for (h, o) in [(a, 1), (c, 3), (d, 4)] {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

/// Objects up to half a page never grow a unit: four share a frame as in
/// zpack, and a fifth starts a new one.
fn small_objects_pack_as_zpack() {
    let p = kunwrap!(pool());
    let mut hs = [None; 4];
    for (i, h) in hs.iter_mut().enumerate() {
        *h = alloc(&p, i as u64 + 1, 1000);
    }
    let f0 = kunwrap!(hs[0]).frame;
    for h in hs.iter() {
        kunit_assert_eq!(kunwrap!(*h).frame, f0);
    }
    let e = kunwrap!(alloc(&p, 9, 2000));
    kunit_assert!(e.frame != f0);
    kunit_assert_eq!(p.unit_pages(f0), Some(1));
    kunit_assert_eq!(p.counts().pages, 2);
    for (i, h) in hs.iter().enumerate() {
        kunit_assert!(intact(&p, kunwrap!(*h), i as u64 + 1, 1000));
        kunit_assert!(p.free(kunwrap!(*h), i as u64 + 1).is_some());
    }
    kunit_assert!(p.free(e, 9).is_some());
    kunit_assert_eq!(p.counts().pages, 0);
}

/// A unit of three pages takes slots beyond the head's four; their
/// handles go through the index entry and back, and a handle naming a
/// later member, or a slot of another owner, finds nothing.
fn unit_slots_beyond_four() {
    let p = kunwrap!(pool());
    // 3,000 then 2,100 (grows to two pages), then small ones into the
    // unit's room until its slots are used.
    let big = kunwrap!(alloc(&p, 1, 3000));
    let grow = kunwrap!(alloc(&p, 2, 2100));
    kunit_assert_eq!(grow.frame, big.frame);
    let mut hs = Vec::new();
    let _ = hs.try_reserve_exact(8);
    for o in 3..9u64 {
        let h = kunwrap!(alloc(&p, o, 500));
        let _ = hs.try_push((h, o));
    }
    kunit_assert!(hs.iter().all(|(h, _)| h.frame == big.frame));
    kunit_assert!(hs.iter().any(|(h, _)| h.slot as usize >= 4));
    for &(h, o) in hs.iter() {
        kunit_assert_eq!(Entry::decode(Entry::Object(h).encode()), Entry::Object(h));
        kunit_assert!(intact(&p, h, o, 500));
    }
    let m1 = kunwrap!(p.unit_member(big.frame, 1));
    let stale = Handle {
        frame: m1,
        slot: hs[0].0.slot,
    };
    kunit_assert!(p.free(stale, hs[0].1).is_none());
    kunit_assert!(p.free(hs[0].0, 99).is_none());
    kunit_assert!(intact(&p, big, 1, 3000) && intact(&p, grow, 2, 2100));
    for &(h, o) in hs.iter() {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert!(p.free(big, 1).is_some() && p.free(grow, 2).is_some());
    kunit_assert_eq!(p.counts().pages, 0);
}

/// Many objects of mixed sizes over half a page, freed and stored again
/// in rounds: every object intact after each round, the pool empty at
/// the end, and fewer pages than one per object.
fn mixed_rounds_stay_intact() {
    let p = kunwrap!(pool());
    const N: usize = 48;
    let mut hs: Vec<Option<(Handle, u64, usize)>> = Vec::new();
    let _ = hs.try_reserve_exact(N);
    for i in 0..N {
        let len = 2049 + (i * 397) % 1900;
        let o = i as u64 + 1;
        let _ = hs.try_push(alloc(&p, o, len).map(|h| (h, o, len)));
    }
    kunit_assert!(hs.iter().all(|h| h.is_some()));
    kunit_assert!((p.counts().pages as usize) < N);
    for round in 0..3u64 {
        for (i, slot) in hs.iter_mut().enumerate() {
            if (i as u64 + round) % 3 == 0 {
                let (h, o, _) = kunwrap!(*slot);
                kunit_assert!(p.free(h, o).is_some());
                let o = o + 1000 * (round + 1);
                let len = 2049 + ((i + round as usize * 7) * 613) % 1900;
                *slot = alloc(&p, o, len).map(|h| (h, o, len));
            }
        }
        for s in hs.iter() {
            let (h, o, len) = kunwrap!(*s);
            kunit_assert!(intact(&p, h, o, len));
        }
    }
    for s in hs.iter() {
        let (h, o, _) = kunwrap!(*s);
        kunit_assert!(p.free(h, o).is_some());
    }
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.bytes), (0, 0));
}

/// Isolates frame `id`'s page and migrates it into a fresh page as the
/// VM does; the new page's address.
fn migrate_frame(p: &Pool, id: u32) -> Option<usize> {
    let src = p.frame_page_ref(id)?;
    let dst = Page::alloc(Gfp::KERNEL)?;
    let dst_ptr = dst.as_ptr() as usize;
    if !src.with_locked(|lp| p.isolate(lp)) {
        return None;
    }
    let r = src.with_locked(|s| dst.migrate_into(|d| p.migrate(d, s, MigrateMode::Sync)));
    if r != Ok(Migrated::Moved) {
        return None;
    }
    Some(dst_ptr)
}

/// A unit of two pages with an object across the boundary: either page
/// migrates (the member's under its own lock), the handles stay, every
/// object reads back; a member held by a reader refuses isolation; an
/// isolated member keeps its unit off the free lists until putback.
fn spanning_objects_migrate_with_either_page() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 2600));
    let b = kunwrap!(alloc(&p, 2, 2600));
    let c = kunwrap!(alloc(&p, 3, 2600));
    let head = a.frame;
    kunit_assert!(b.frame == head && c.frame == head);
    let m1 = kunwrap!(p.unit_member(head, 1));
    // Busy: a reader of the unit holds every member's lock.
    let src = kunwrap!(p.frame_page_ref(m1));
    let r = src.with_locked(|lp| p.with_frame_busy(m1, || p.isolate(lp)));
    kunit_assert_eq!(r, Some(false));
    for id in [m1, head] {
        let to = kunwrap!(migrate_frame(&p, id));
        kunit_assert_eq!(p.frame_page(id), Some(to));
        for (h, o) in [(a, 1), (b, 2), (c, 3)] {
            kunit_assert!(intact(&p, h, o, 2600));
        }
    }
    kunit_assert_eq!(p.counts().pages, 2);
    // Isolated member: the unit takes no new object until putback.
    let src = kunwrap!(p.frame_page_ref(m1));
    kunit_assert!(src.with_locked(|lp| p.isolate(lp)));
    let d = kunwrap!(alloc(&p, 4, 300));
    kunit_assert!(d.frame != head);
    src.with_locked(|lp| p.putback(lp));
    let e = kunwrap!(alloc(&p, 5, 200));
    kunit_assert_eq!(e.frame, head);
    for (h, o, l) in [
        (a, 1, 2600),
        (b, 2, 2600),
        (c, 3, 2600),
        (d, 4, 300),
        (e, 5, 200),
    ] {
        kunit_assert!(intact(&p, h, o, l));
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

/// The unit empties while a member's page is isolated: that member
/// becomes a zombie, and the VM's migration releases it.
fn a_unit_emptied_while_a_member_is_isolated() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 2600));
    let b = kunwrap!(alloc(&p, 2, 2600));
    let m1 = kunwrap!(p.unit_member(a.frame, 1));
    let src = kunwrap!(p.frame_page_ref(m1));
    kunit_assert!(src.with_locked(|lp| p.isolate(lp)));
    kunit_assert!(p.free(a, 1).is_some() && p.free(b, 2).is_some());
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.zombies), (1, 1));
    let dst = kunwrap!(Page::alloc(Gfp::KERNEL));
    let r = src.with_locked(|s| dst.migrate_into(|d| p.migrate(d, s, MigrateMode::Sync)));
    kunit_assert_eq!(r, Ok(Migrated::ZombieFreed));
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.zombies), (0, 0));
}

/// A unit of two pages and five objects, one in a later member's slot.
fn five_in_two_pages(p: &Pool) -> Option<[(Handle, u64, usize); 5]> {
    let mut v = [(Handle { frame: 0, slot: 0 }, 0, 0); 5];
    for (i, &len) in [2600usize, 2600, 2600, 300, 50].iter().enumerate() {
        let o = i as u64 + 1;
        v[i] = (alloc(p, o, len)?, o, len);
    }
    if !kunit_expect!(v.iter().all(|(h, _, _)| h.frame == v[0].0.frame)) {
        return None;
    }
    if !kunit_expect!(v[4].0.slot == 4) {
        return None;
    }
    Some(v)
}

/// Reclaim takes a unit whole: it names every object (a later member's
/// slot too) and what emptying it frees (two pages); a unit taken gets no
/// new object; when all are freed, `reclaim_end` reports it released.
fn reclaim_takes_a_whole_unit() {
    let p = kunwrap!(pool());
    let v = kunwrap!(five_in_two_pages(&p));
    let head = v[0].0.frame;
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!((r.frame, r.pages), (head, 2));
    kunit_assert_eq!(r.objects.iter().flatten().count(), 5);
    for &(h, o, _) in v.iter() {
        kunit_assert!(r
            .objects
            .iter()
            .flatten()
            .any(|&(ro, rh)| ro == o && rh == h));
    }
    let x = kunwrap!(alloc(&p, 9, 20));
    kunit_assert!(x.frame != head);
    for &(h, o, len) in v.iter() {
        kunit_assert!(intact(&p, h, o, len));
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert!(p.reclaim_end(r));
    kunit_assert_eq!(p.counts().pages, 1);
    kunit_assert!(p.free(x, 9).is_some());
    kunit_assert_eq!(p.counts().pages, 0);
}

/// A load that keeps an object in a later member's slot gives the whole
/// unit its second chance.
fn second_chance_sees_every_member() {
    let p = kunwrap!(pool());
    let v = kunwrap!(five_in_two_pages(&p));
    p.mark_referenced(v[4].0, 5);
    // Passed over once (the mark is on a later member), then taken: the
    // hand wraps to the tail, where the unit's marks are cleared.
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(
        p.moves
            .reclaim_second_chances
            .load(core::sync::atomic::Ordering::Relaxed),
        1
    );
    kunit_assert_eq!(r.frame, v[0].0.frame);
    kunit_assert!(!p.reclaim_end(r));
    for &(h, o, _) in v.iter() {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

/// Compaction empties a two-page unit whose object lies across its
/// page boundary (kept from shrinking by a small object in its second
/// page's slots) into a unit with room: both objects read back at their
/// new handles, both pages go; a first pass whose moves the index
/// refuses leaves everything as it was.
fn compaction_moves_a_spanning_object() {
    let p = kunwrap!(pool());
    // The destination first: four objects in three pages, two of them
    // freed later (it then shrinks to two pages with 2,992 bytes free).
    let mut xs = [None; 4];
    for (i, x) in xs.iter_mut().enumerate() {
        *x = alloc(&p, 100 + i as u64, 2600);
    }
    let x: [Handle; 4] = [
        kunwrap!(xs[0]),
        kunwrap!(xs[1]),
        kunwrap!(xs[2]),
        kunwrap!(xs[3]),
    ];
    let u2 = x[0].frame;
    kunit_assert_eq!(p.unit_pages(u2), Some(3));
    // The source: five objects in two pages, the fifth in slot 4.
    let v = kunwrap!(five_in_two_pages(&p));
    let u1 = v[0].0.frame;
    kunit_assert!(u1 != u2);
    for i in [0usize, 2, 3] {
        kunit_assert!(p.free(v[i].0, v[i].1).is_some());
    }
    kunit_assert!(p.free(x[0], 100).is_some() && p.free(x[1], 101).is_some());
    kunit_assert_eq!((p.unit_pages(u1), p.unit_pages(u2)), (Some(2), Some(2)));
    kunit_assert_eq!(p.unit_object_offset(v[1].0), Some(2600));
    kunit_assert_eq!(p.counts().pages, 4);
    // First refused by the index: nothing moves, nothing is freed.
    kunit_assert_eq!(p.compact(10, |_, _, _| false), 0);
    kunit_assert!(intact(&p, v[1].0, 2, 2600) && intact(&p, v[4].0, 5, 50));
    kunit_assert_eq!(p.counts().pages, 4);
    let moved = [core::cell::Cell::new(None), core::cell::Cell::new(None)];
    let n = p.compact(10, |owner, from, to| {
        for (k, &(h, o, _)) in [v[1], v[4]].iter().enumerate() {
            if owner == o && from == h {
                moved[k].set(Some(to));
            }
        }
        true
    });
    kunit_assert_eq!(n, 1);
    let (t2, t5) = (kunwrap!(moved[0].get()), kunwrap!(moved[1].get()));
    kunit_assert!(t2.frame == u2 && t5.frame == u2);
    kunit_assert_eq!(p.counts().pages, 2);
    kunit_assert!(intact(&p, t2, 2, 2600) && intact(&p, t5, 5, 50));
    kunit_assert!(intact(&p, x[2], 102, 2600) && intact(&p, x[3], 103, 2600));
    kunit_assert!(p.free(v[1].0, 2).is_none());
    for (h, o) in [(t2, 2), (t5, 5), (x[2], 102), (x[3], 103)] {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

/// A free that leaves a unit's objects in one page less, its last
/// member's slots empty, slides them down across the boundary and gives
/// that page back; a small object in the last member's slots keeps it.
fn a_unit_shrinks_when_its_last_page_empties() {
    let p = kunwrap!(pool());
    let mut hs = [None; 4];
    for (i, h) in hs.iter_mut().enumerate() {
        *h = alloc(&p, i as u64 + 1, 2600);
    }
    let h: [Handle; 4] = [
        kunwrap!(hs[0]),
        kunwrap!(hs[1]),
        kunwrap!(hs[2]),
        kunwrap!(hs[3]),
    ];
    let head = h[0].frame;
    kunit_assert_eq!(p.unit_pages(head), Some(3));
    kunit_assert!(p.free(h[0], 1).is_some());
    kunit_assert_eq!(p.unit_pages(head), Some(2));
    kunit_assert_eq!(p.counts().pages, 2);
    kunit_assert_eq!(
        (
            p.unit_object_offset(h[1]),
            p.unit_object_offset(h[2]),
            p.unit_object_offset(h[3])
        ),
        (Some(0), Some(2600), Some(5200))
    );
    for i in 1..4 {
        kunit_assert!(intact(&p, h[i], i as u64 + 1, 2600));
    }
    kunit_assert!(p.free(h[2], 3).is_some());
    kunit_assert_eq!(p.unit_pages(head), Some(2));
    kunit_assert!(p.free(h[1], 2).is_some());
    kunit_assert_eq!(p.unit_pages(head), Some(1));
    kunit_assert_eq!(p.unit_object_offset(h[3]), Some(0));
    kunit_assert!(intact(&p, h[3], 4, 2600));
    kunit_assert!(p.free(h[3], 4).is_some());
    kunit_assert_eq!(p.counts().pages, 0);
    // Slot 4 (the second page's) held: no shrink however little is left.
    let v = kunwrap!(five_in_two_pages(&p));
    for &(h, o, _) in v[..4].iter() {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.unit_pages(v[4].0.frame), Some(2));
    kunit_assert!(intact(&p, v[4].0, 5, 50));
    kunit_assert!(p.free(v[4].0, 5).is_some());
    kunit_assert_eq!(p.counts().pages, 0);
}

/// The page a shrink gives up is isolated by the VM: it becomes a
/// zombie, and the VM's migration releases it; the object slid out of
/// it reads back.
fn a_shrink_of_an_isolated_page_leaves_a_zombie() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 2600));
    let b = kunwrap!(alloc(&p, 2, 3000));
    let c = kunwrap!(alloc(&p, 3, 2000));
    kunit_assert!(b.frame == a.frame && c.frame == a.frame);
    let m1 = kunwrap!(p.unit_member(a.frame, 1));
    let src = kunwrap!(p.frame_page_ref(m1));
    kunit_assert!(src.with_locked(|lp| p.isolate(lp)));
    kunit_assert!(p.free(a, 1).is_some());
    kunit_assert!(p.free(c, 3).is_some());
    kunit_assert_eq!(p.unit_pages(a.frame), Some(1));
    let n = p.counts();
    kunit_assert_eq!((n.pages, n.zombies), (2, 1));
    kunit_assert!(intact(&p, b, 2, 3000));
    let dst = kunwrap!(Page::alloc(Gfp::KERNEL));
    let r = src.with_locked(|s| dst.migrate_into(|d| p.migrate(d, s, MigrateMode::Sync)));
    kunit_assert_eq!(r, Ok(Migrated::ZombieFreed));
    kunit_assert!(intact(&p, b, 2, 3000));
    kunit_assert!(p.free(b, 2).is_some());
    let n = p.counts();
    kunit_assert_eq!((n.pages, n.zombies), (0, 0));
}

/// Mostly small objects with some over half a page, as a swap-out of
/// mixed data stores them: never more than four objects per pool page
/// (the bound reclaim's writes rest on), every object intact.
fn at_most_four_objects_per_page() {
    let p = kunwrap!(pool());
    four_per_page(&p);
}

/// The same on a pool whose pages are movable.
fn at_most_four_objects_per_movable_page() {
    kunit_assert!(crate::with_movable_pool(Layout::Zchain, four_per_page));
}

fn four_per_page(p: &Pool) {
    const N: usize = 600;
    let mut hs: Vec<(Handle, u64, usize)> = Vec::new();
    let _ = hs.try_reserve_exact(N);
    for i in 0..N {
        let r = (i * 2654435761) % 1000;
        let len = if r < 150 { 2049 + r * 12 } else { 100 + r };
        let o = i as u64 + 1;
        let h = kunwrap!(alloc(p, o, len));
        let _ = hs.try_push((h, o, len));
        kunit_assert!(4 * p.counts().pages as usize >= hs.len());
    }
    for &(h, o, len) in hs.iter() {
        kunit_assert!(intact(p, h, o, len));
    }
    for &(h, o, _) in hs.iter() {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

kunit_suite!(
    ZCHAIN_SUITE,
    "zswap_rs_zchain",
    [
        objects_over_half_a_page_grow_a_unit,
        a_slide_crosses_pages,
        small_objects_pack_as_zpack,
        unit_slots_beyond_four,
        mixed_rounds_stay_intact,
        spanning_objects_migrate_with_either_page,
        a_unit_emptied_while_a_member_is_isolated,
        reclaim_takes_a_whole_unit,
        second_chance_sees_every_member,
        compaction_moves_a_spanning_object,
        a_unit_shrinks_when_its_last_page_empties,
        a_shrink_of_an_isolated_page_leaves_a_zombie,
        at_most_four_objects_per_page,
        at_most_four_objects_per_movable_page,
    ]
);
