// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_zchain`: the zchain layout (being built, not offered by
//! `zpool=` yet) on a private pool: units that grow by a page for objects
//! over half a page, objects across page boundaries through alloc, read,
//! a slide and free, and small objects placed as zpack places them.

use super::pattern;
use super::pool::pool_in;
use crate::index::Entry;
use crate::pool::{Handle, Layout, Pool};
use crate::sys::PAGE_SIZE;
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

kunit_suite!(
    ZCHAIN_SUITE,
    "zswap_rs_zchain",
    [
        objects_over_half_a_page_grow_a_unit,
        a_slide_crosses_pages,
        small_objects_pack_as_zpack,
        unit_slots_beyond_four,
        mixed_rounds_stay_intact,
    ]
);
