// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_zpack`: where the zpack layout places objects (up to
//! four per frame at byte granularity, sliding to close gaps), and what
//! compaction and reclaim do with frames of more than two objects.

use super::pool::{alloc, intact, pool_in};
use crate::pool::{Handle, Layout, Pool, MAX_SLOTS};
use crate::{kunit_assert, kunit_assert_eq, kunit_expect_eq, kunit_suite, kunwrap};

fn pool() -> Option<Pool> {
    pool_in(Layout::Zpack)
}

fn four_objects_share_a_frame() {
    let p = kunwrap!(pool());
    let mut hs = [None; MAX_SLOTS];
    for (i, h) in hs.iter_mut().enumerate() {
        *h = alloc(&p, i as u64 + 1, 1000);
    }
    for (i, h) in hs.iter().enumerate() {
        let h = kunwrap!(*h);
        kunit_assert_eq!(h.slot as usize, i);
        kunit_assert!(Some(h.frame) == hs[0].map(|h| h.frame));
        kunit_assert!(intact(&p, h, i as u64 + 1, 1000));
    }
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.one, c.four, c.bytes), (1, 0, 1, 4000));
    // 96 bytes free, but no fifth slot: a new frame.
    let e = kunwrap!(alloc(&p, 9, 50));
    kunit_assert!(Some(e.frame) != hs[0].map(|h| h.frame));
    kunit_assert_eq!(p.counts().pages, 2);
    for (i, h) in hs.iter().enumerate() {
        kunit_assert!(p.free(kunwrap!(*h), i as u64 + 1).is_some());
    }
    kunit_assert!(p.free(e, 9).is_some());
    kunit_assert_eq!(p.counts().pages, 0);
}

fn objects_pack_to_the_byte() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 1365));
    let b = kunwrap!(alloc(&p, 2, 1365));
    let c = kunwrap!(alloc(&p, 3, 1366));
    kunit_assert!(a.frame == b.frame && b.frame == c.frame);
    kunit_assert_eq!(p.counts().three, 1);
    // Full to the last byte: off the free lists, a 1-byte object goes
    // elsewhere.
    let d = kunwrap!(alloc(&p, 4, 1));
    kunit_assert!(d.frame != a.frame);
    kunit_assert!(intact(&p, a, 1, 1365) && intact(&p, b, 2, 1365) && intact(&p, c, 3, 1366));
    for (h, o) in [(a, 1), (b, 2), (c, 3), (d, 4)] {
        kunit_assert!(p.free(h, o).is_some());
    }
}

fn split_free_space_slides_objects() {
    let p = kunwrap!(pool());
    let hs = [
        kunwrap!(alloc(&p, 1, 1000)),
        kunwrap!(alloc(&p, 2, 1000)),
        kunwrap!(alloc(&p, 3, 1000)),
        kunwrap!(alloc(&p, 4, 1000)),
    ];
    // Free 2 and 4: 2096 bytes free, in gaps of 1000 and 1096.
    kunit_assert!(p.free(hs[1], 2).is_some() && p.free(hs[3], 4).is_some());
    // 1500 fits no gap: objects 1 and 3 slide down, it goes after them.
    kunit_assert_eq!(p.object_offset(hs[2]), Some(2000));
    let e = kunwrap!(alloc(&p, 5, 1500));
    kunit_assert_eq!(e.frame, hs[0].frame);
    kunit_assert_eq!(p.object_offset(hs[2]), Some(1000));
    kunit_assert_eq!(p.object_offset(e), Some(2000));
    kunit_assert_eq!(p.counts().pages, 1);
    kunit_assert!(intact(&p, hs[0], 1, 1000));
    kunit_assert!(intact(&p, hs[2], 3, 1000));
    kunit_assert!(intact(&p, e, 5, 1500));
    // The 596 bytes left are one run: a 596-byte object fits as well.
    let f = kunwrap!(alloc(&p, 6, 596));
    kunit_assert_eq!(f.frame, hs[0].frame);
    kunit_assert!(intact(&p, hs[0], 1, 1000) && intact(&p, hs[2], 3, 1000));
    kunit_assert!(intact(&p, e, 5, 1500) && intact(&p, f, 6, 596));
    for (h, o) in [(hs[0], 1), (hs[2], 3), (e, 5), (f, 6)] {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

fn a_gap_is_reused_in_place() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 1200));
    let b = kunwrap!(alloc(&p, 2, 1200));
    let c = kunwrap!(alloc(&p, 3, 1200));
    kunit_assert!(p.free(b, 2).is_some());
    kunit_assert_eq!(p.object_offset(c), Some(2400));
    let d = kunwrap!(alloc(&p, 4, 1100));
    // Same frame, the slot b left, in b's gap; nothing slid.
    kunit_assert_eq!((d.frame, d.slot), (b.frame, b.slot));
    kunit_assert_eq!(p.object_offset(d), Some(1200));
    kunit_assert_eq!(p.object_offset(a), Some(0));
    kunit_assert_eq!(p.object_offset(c), Some(2400));
    kunit_assert!(intact(&p, a, 1, 1200) && intact(&p, c, 3, 1200) && intact(&p, d, 4, 1100));
    for (h, o) in [(a, 1), (c, 3), (d, 4)] {
        kunit_assert!(p.free(h, o).is_some());
    }
}

fn best_fit_picks_tightest_frame() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 3000)); // frame A: 1096 free
    let b = kunwrap!(alloc(&p, 2, 1500)); // new frame B (1500 > 1096): 2596 free
    kunit_assert!(a.frame != b.frame);
    // 1000 fits both; A is the tighter.
    let c = kunwrap!(alloc(&p, 3, 1000));
    kunit_assert_eq!(c.frame, a.frame);
    // 500 fits only B now (A has 96 free).
    let d = kunwrap!(alloc(&p, 4, 500));
    kunit_assert_eq!(d.frame, b.frame);
    for (h, o) in [(a, 1), (b, 2), (c, 3), (d, 4)] {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

/// Three frames of four 900-byte objects each, thinned to one object per
/// frame; compaction must leave one frame holding all three.
fn compaction_repacks_sparse_frames() {
    let p = kunwrap!(pool());
    let mut hs: [Option<Handle>; 12] = [None; 12];
    for (i, h) in hs.iter_mut().enumerate() {
        *h = alloc(&p, i as u64, 900);
    }
    kunit_assert_eq!(p.counts().pages, 3);
    for i in 0..12 {
        if i % 4 != 0 {
            kunit_assert!(p.free(kunwrap!(hs[i]), i as u64).is_some());
        }
    }
    kunit_assert_eq!(p.counts().one, 3);
    kunit_assert!(p.compactable() >= 1);
    let moved = core::cell::RefCell::new([None; 12]);
    let n = p.compact(100, |owner, from, to| {
        if hs[owner as usize] != Some(from) && moved.borrow()[owner as usize] != Some(from) {
            return false;
        }
        moved.borrow_mut()[owner as usize] = Some(to);
        true
    });
    kunit_assert_eq!(n, 2);
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.one, c.three), (1, 0, 1));
    for i in [0usize, 4, 8] {
        let h = kunwrap!(moved.borrow()[i].or(hs[i]));
        kunit_assert!(intact(&p, h, i as u64, 900));
        kunit_assert!(p.free(h, i as u64).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

/// The sparsest frame's one object fits a fuller frame: it moves there and
/// its frame is released.
fn compaction_moves_what_fits() {
    let p = kunwrap!(pool());
    // Frame X: 3500 + 500 (96 free).  Frame Y: 2000 + 1500 (596 free).
    let x1 = kunwrap!(alloc(&p, 1, 3500));
    let x2 = kunwrap!(alloc(&p, 2, 500));
    let y1 = kunwrap!(alloc(&p, 3, 2000));
    let y2 = kunwrap!(alloc(&p, 4, 1500));
    kunit_assert!(x1.frame == x2.frame && y1.frame == y2.frame && x1.frame != y1.frame);
    // Free x1: X holds 500 (3596 free), the emptiest; its 500 fits Y.
    kunit_assert!(p.free(x1, 1).is_some());
    let to = core::cell::Cell::new(None);
    let n = p.compact(10, |o, _, t| {
        to.set(Some(t));
        kunit_expect_eq!(o, 2)
    });
    kunit_assert_eq!(n, 1);
    let t = kunwrap!(to.get());
    kunit_assert_eq!(t.frame, y1.frame);
    kunit_assert!(intact(&p, t, 2, 500) && intact(&p, y1, 3, 2000) && intact(&p, y2, 4, 1500));
    kunit_assert_eq!(p.counts().pages, 1);
    for (h, o) in [(t, 2), (y1, 3), (y2, 4)] {
        kunit_assert!(p.free(h, o).is_some());
    }
}

/// A frame of which only some objects fit elsewhere: those move, the rest
/// stays, the frame is relisted, nothing is lost and the counts follow.
fn compaction_moves_part_of_a_frame() {
    let p = kunwrap!(pool());
    // S: 2100 + 100 (1896 free), X: 3900 (196 free): only S's 100 fits X.
    let s1 = kunwrap!(alloc(&p, 1, 2100));
    let s2 = kunwrap!(alloc(&p, 2, 100));
    let x = kunwrap!(alloc(&p, 3, 3900));
    kunit_assert!(s1.frame == s2.frame && x.frame != s1.frame);
    let to = core::cell::Cell::new(None);
    let n = p.compact(10, |o, _, t| {
        to.set(Some(t));
        kunit_expect_eq!(o, 2)
    });
    kunit_assert_eq!(n, 0);
    let t = kunwrap!(to.get());
    kunit_assert_eq!(t.frame, x.frame);
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.one, c.two, c.bytes), (2, 1, 1, 6100));
    kunit_assert!(intact(&p, s1, 1, 2100) && intact(&p, t, 2, 100) && intact(&p, x, 3, 3900));
    kunit_assert!(p.read(s2, 2, |_, _| ()).is_none());
    // S is listed again: a 1800-byte object goes into it.
    let y = kunwrap!(alloc(&p, 4, 1800));
    kunit_assert_eq!(y.frame, s1.frame);
    for (h, o) in [(s1, 1), (t, 2), (x, 3), (y, 4)] {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

/// A move whose target had to slide its objects to make room, then undone
/// (the index entry changed): the target's objects are intact where they
/// slid to, the source keeps its object, the counts are as before.
fn compaction_undo_after_a_slide() {
    let p = kunwrap!(pool());
    let d1 = kunwrap!(alloc(&p, 1, 1000));
    let d2 = kunwrap!(alloc(&p, 2, 1000));
    let d3 = kunwrap!(alloc(&p, 3, 1000));
    let s = kunwrap!(alloc(&p, 4, 1500));
    kunit_assert!(d1.frame == d2.frame && d2.frame == d3.frame && s.frame != d1.frame);
    // D: objects at 0 and 2000, its 2096 free bytes in gaps of 1000 and
    // 1096; S (2596 free) is the sparsest, its 1500 fits D only by a slide.
    kunit_assert!(p.free(d2, 2).is_some());
    let before = p.counts();
    kunit_assert_eq!(p.compact(10, |_, _, _| false), 0);
    let c = p.counts();
    kunit_assert_eq!(
        (c.pages, c.one, c.two, c.bytes),
        (before.pages, before.one, before.two, before.bytes)
    );
    kunit_assert_eq!(p.object_offset(d3), Some(1000));
    kunit_assert!(intact(&p, d1, 1, 1000) && intact(&p, d3, 3, 1000) && intact(&p, s, 4, 1500));
    // With the index agreeing, it moves and S's page goes.
    let to = core::cell::Cell::new(None);
    kunit_assert_eq!(
        p.compact(10, |_, _, t| {
            to.set(Some(t));
            true
        }),
        1
    );
    let t = kunwrap!(to.get());
    kunit_assert_eq!(t.frame, d1.frame);
    kunit_assert!(intact(&p, d1, 1, 1000) && intact(&p, d3, 3, 1000) && intact(&p, t, 4, 1500));
    for (h, o) in [(d1, 1), (d3, 3), (t, 4)] {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

fn reclaim_names_every_object() {
    let p = kunwrap!(pool());
    let hs = [
        kunwrap!(alloc(&p, 1, 700)),
        kunwrap!(alloc(&p, 2, 800)),
        kunwrap!(alloc(&p, 3, 900)),
        kunwrap!(alloc(&p, 4, 1000)),
    ];
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r.frame, hs[0].frame);
    kunit_assert!(r.objects[4..].iter().all(|o| o.is_none()));
    kunit_assert_eq!(
        r.objects[..4],
        [
            Some((1, hs[0])),
            Some((2, hs[1])),
            Some((3, hs[2])),
            Some((4, hs[3]))
        ]
    );
    // Four writes empty the page.
    for (i, h) in hs.iter().enumerate() {
        kunit_assert!(p.free(*h, i as u64 + 1).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
    p.reclaim_end(r);
    kunit_assert_eq!(p.lru_order().len(), 0);
}

fn reclaimed_frame_takes_no_new_objects() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 1000));
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r.frame, a.frame);
    // Off the free lists while writeback holds it.
    let b = kunwrap!(alloc(&p, 2, 1000));
    kunit_assert!(b.frame != a.frame);
    p.reclaim_end(r);
    // Back on them: both have 3096 free; the one back from writeback is
    // listed last, at the head of its list, so it is taken first.
    let c = kunwrap!(alloc(&p, 3, 1000));
    kunit_assert_eq!(c.frame, a.frame);
    for (h, o) in [(a, 1), (b, 2), (c, 3)] {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

/// Five frames of one 3,100-byte object each: about a page of free space
/// on the lists, but no gap takes any of the objects.  A compaction pass
/// moves and frees nothing, and from then on `compactable` (the
/// shrinker's count) says 0, until a store changes the lists.
fn futile_compaction_counts_zero() {
    let p = kunwrap!(pool());
    let mut hs = [None; 5];
    for (i, h) in hs.iter_mut().enumerate() {
        *h = alloc(&p, i as u64 + 1, 3100);
    }
    kunit_assert_eq!(p.counts().pages, 5);
    kunit_assert!(p.compactable() >= 1);
    kunit_assert_eq!(p.compact(100, |_, _, _| true), 0);
    kunit_assert_eq!(p.counts().pages, 5);
    kunit_expect_eq!(p.compactable(), 0);
    // A second pass finds the same, and says so again.
    kunit_assert_eq!(p.compact(100, |_, _, _| true), 0);
    kunit_expect_eq!(p.compactable(), 0);
    // A store into one of the gaps changes the lists: worth another look.
    let small = kunwrap!(alloc(&p, 9, 100));
    kunit_expect_eq!(p.counts().pages, 5);
    kunit_assert!(p.compactable() >= 1);
    kunit_assert!(p.free(small, 9).is_some());
    for (i, h) in hs.iter().enumerate() {
        kunit_assert!(p.free(kunwrap!(*h), i as u64 + 1).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

kunit_suite!(
    ZPACK_SUITE,
    "zswap_rs_zpack",
    [
        four_objects_share_a_frame,
        objects_pack_to_the_byte,
        split_free_space_slides_objects,
        a_gap_is_reused_in_place,
        best_fit_picks_tightest_frame,
        compaction_repacks_sparse_frames,
        compaction_moves_what_fits,
        compaction_moves_part_of_a_frame,
        compaction_undo_after_a_slide,
        reclaim_names_every_object,
        reclaimed_frame_takes_no_new_objects,
        futile_compaction_counts_zero,
    ]
);
