// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_zbud`: where the zbud layout places objects (cases for
//! both layouts are in `pool.rs`, the zpack layout's own in `zpack.rs`).

use super::pool::{alloc, intact, pool_in};
use crate::pool::{Layout, Pool, CHUNK};
use crate::{kunit_assert, kunit_assert_eq, kunit_suite, kunwrap};

fn pool() -> Option<Pool> {
    pool_in(Layout::Zbud)
}

fn first_object_goes_first() {
    let p = kunwrap!(pool());
    let h = kunwrap!(alloc(&p, 1, 1000));
    kunit_assert_eq!(h.slot, 0);
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.one, c.two, c.bytes), (1, 1, 0, 1000));
    kunit_assert!(p.free(h, 1).is_some());
}

fn second_object_goes_last_in_same_frame() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 1000));
    let b = kunwrap!(alloc(&p, 2, 2000));
    kunit_assert_eq!(b.slot, 1);
    kunit_assert_eq!(a.frame, b.frame);
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.one, c.two), (1, 0, 1));
    kunit_assert!(intact(&p, a, 1, 1000));
    kunit_assert!(intact(&p, b, 2, 2000));
    p.free(a, 1);
    p.free(b, 2);
}

fn byte_exact_fit_shares_a_frame() {
    // C zbud rounds to 64-byte chunks and keeps a header chunk: 2048 + 2048
    // would not share there.  Here the descriptor is off-page.
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 2048));
    let b = kunwrap!(alloc(&p, 2, 2048));
    kunit_assert_eq!(a.frame, b.frame);
    kunit_assert_eq!(p.counts().pages, 1);
    kunit_assert!(intact(&p, a, 1, 2048) && intact(&p, b, 2, 2048));
    p.free(a, 1);
    p.free(b, 2);
}

fn overflow_starts_new_frame() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 2049));
    let b = kunwrap!(alloc(&p, 2, 2048));
    kunit_assert!(a.frame != b.frame);
    kunit_assert_eq!(p.counts().pages, 2);
    p.free(a, 1);
    p.free(b, 2);
}

fn free_first_keeps_last() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 1500));
    let b = kunwrap!(alloc(&p, 2, 1500));
    kunit_assert!(p.free(a, 1).is_some());
    kunit_assert!(intact(&p, b, 2, 1500));
    let c = p.counts();
    kunit_assert_eq!((c.pages, c.one, c.two), (1, 1, 0));
    kunit_assert!(p.read(a, 1, |_, _| ()).is_none());
    p.free(b, 2);
}

fn best_fit_picks_tightest_frame() {
    let p = kunwrap!(pool());
    let roomy = kunwrap!(alloc(&p, 1, 1000)); // 3096 free
    let tight = kunwrap!(alloc(&p, 2, 3000)); // 1096 free (new frame: 3000 + 1000 > 4096? no: 4000 fits!)
                                              // 3000 fits next to 1000, so both share; make the tight frame separately.
    kunit_assert_eq!(tight.frame, roomy.frame);
    let x = kunwrap!(alloc(&p, 3, 3100)); // new frame, 996 free
    let y = kunwrap!(alloc(&p, 4, 1200)); // new frame, 2896 free
    kunit_assert!(x.frame != y.frame);
    // 900 bytes: fits both x's frame (996 free) and y's (2896): tightest is x.
    let z = kunwrap!(alloc(&p, 5, 900));
    kunit_assert_eq!(z.frame, x.frame);
    kunit_assert_eq!(z.slot, 1);
    for (h, o) in [(roomy, 1), (tight, 2), (x, 3), (y, 4), (z, 5)] {
        kunit_assert!(p.free(h, o).is_some());
    }
    kunit_assert_eq!(p.counts().pages, 0);
}

fn relisted_after_free_and_reused() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 2000));
    let b = kunwrap!(alloc(&p, 2, 2000));
    kunit_assert!(p.free(a, 1).is_some());
    let c = kunwrap!(alloc(&p, 3, 1900));
    kunit_assert_eq!(c.frame, b.frame);
    kunit_assert_eq!(c.slot, 0);
    kunit_assert_eq!(p.counts().pages, 1);
    kunit_assert!(intact(&p, b, 2, 2000) && intact(&p, c, 3, 1900));
    p.free(b, 2);
    p.free(c, 3);
}

fn chunk_boundaries_fit() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 4096 - CHUNK));
    let b = kunwrap!(alloc(&p, 2, CHUNK));
    kunit_assert_eq!(a.frame, b.frame);
    // Full now: a 1-byte object needs a new frame.
    let c = kunwrap!(alloc(&p, 3, 1));
    kunit_assert!(c.frame != a.frame);
    kunit_assert!(intact(&p, a, 1, 4096 - CHUNK) && intact(&p, b, 2, CHUNK) && intact(&p, c, 3, 1));
    p.free(a, 1);
    p.free(b, 2);
    p.free(c, 3);
}

fn less_than_a_chunk_free_is_not_listed() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 4096 - 10)); // 10 bytes free: unlisted
    let b = kunwrap!(alloc(&p, 2, 5)); // would fit, but goes to a new frame
    kunit_assert!(a.frame != b.frame);
    p.free(a, 1);
    p.free(b, 2);
}

fn lru_follows_stores() {
    let p = kunwrap!(pool());
    // Three frames (3000-byte objects do not pair, a 2000-byte one takes
    // only a 1500-byte buddy), oldest first.
    let a = kunwrap!(alloc(&p, 1, 2000));
    let b = kunwrap!(alloc(&p, 2, 3000));
    let c = kunwrap!(alloc(&p, 3, 3000));
    kunit_assert_eq!(&p.lru_order()[..], &[a.frame, b.frame, c.frame][..]);
    // A store into frame a (the only one with room) makes it the most recent.
    let d = kunwrap!(alloc(&p, 4, 1500));
    kunit_assert_eq!(d.frame, a.frame);
    kunit_assert_eq!(&p.lru_order()[..], &[b.frame, c.frame, a.frame][..]);
    // Frees take frames off it.
    kunit_assert!(p.free(c, 3).is_some());
    kunit_assert_eq!(&p.lru_order()[..], &[b.frame, a.frame][..]);
    p.free(a, 1);
    p.free(b, 2);
    p.free(d, 4);
    kunit_assert_eq!(p.lru_order().len(), 0);
}

fn reclaim_takes_the_coldest_frame() {
    let p = kunwrap!(pool());
    let a = kunwrap!(alloc(&p, 1, 1500));
    let b = kunwrap!(alloc(&p, 2, 3500));
    let r = kunwrap!(p.reclaim_begin());
    kunit_assert_eq!(r.frame, a.frame);
    kunit_assert_eq!(r.objects[..4], [Some((1, a)), None, None, None]);
    // Taken: off the free lists (a small store goes elsewhere) and the LRU.
    let c = kunwrap!(alloc(&p, 3, 100));
    kunit_assert!(c.frame != a.frame);
    kunit_assert!(!p.lru_order().contains(&a.frame));
    kunit_assert!(p.reclaim_begin().map(|r| r.frame) != Some(a.frame));
    // Not written back: it returns, most recent, and takes objects again.
    p.reclaim_end(r);
    kunit_assert_eq!(p.lru_order().last().copied(), Some(a.frame));
    let d = kunwrap!(alloc(&p, 4, 2000));
    kunit_assert_eq!(d.frame, a.frame);
    kunit_assert!(intact(&p, a, 1, 1500) && intact(&p, d, 4, 2000));
    for (h, o) in [(a, 1), (b, 2), (c, 3), (d, 4)] {
        kunit_assert!(p.free(h, o).is_some());
    }
}

kunit_suite!(
    ZBUD_SUITE,
    "zswap_rs_zbud",
    [
        first_object_goes_first,
        second_object_goes_last_in_same_frame,
        byte_exact_fit_shares_a_frame,
        overflow_starts_new_frame,
        free_first_keeps_last,
        best_fit_picks_tightest_frame,
        relisted_after_free_and_reused,
        chunk_boundaries_fit,
        less_than_a_chunk_free_is_not_listed,
        lru_follows_stores,
        reclaim_takes_the_coldest_frame,
    ]
);
