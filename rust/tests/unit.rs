// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_unit`: units of frames whose pages form one address
//! space (the zchain layout's building block, `pool/unit.rs`), on units
//! built by hand: byte ranges written, read and moved across page
//! boundaries, the member list, and two units locked as compaction holds
//! them.

use super::pattern;
use super::pool::{alloc, pool_in};
use crate::pool::Layout;
use crate::sys::PAGE_SIZE;
use crate::{kunit_assert, kunit_assert_eq, kunit_suite, kunwrap};
use alloc::vec::Vec;

/// A zeroed buffer of `len` bytes (allocated outside any lock).
fn zeroed(len: usize) -> Vec<u8> {
    let mut v = Vec::new();
    let _ = v.try_reserve_exact(len);
    for _ in 0..len {
        let _ = v.try_push(0);
    }
    v
}

/// The whole of unit `head`'s bytes.
fn contents(p: &crate::pool::Pool, head: u32, pages: usize) -> Option<Vec<u8>> {
    let mut out = zeroed(pages * PAGE_SIZE);
    let mut scratch = zeroed(pages * PAGE_SIZE);
    p.unit_read(head, 0, &mut out, &mut scratch)?;
    Some(out)
}

/// Whether unit `head` holds exactly `want` (compared here, not printed:
/// a failure names the case and line, not 12 KiB of bytes).
fn holds(p: &crate::pool::Pool, head: u32, pages: usize, want: &[u8]) -> bool {
    contents(p, head, pages).map_or(false, |c| c[..] == want[..])
}

fn a_unit_chains_its_members() {
    let p = kunwrap!(pool_in(Layout::Zpack));
    let head = kunwrap!(p.unit_build(3));
    kunit_assert_eq!(p.counts().pages, 3);
    kunit_assert_eq!(p.unit_pages(head), Some(3));
    let m1 = kunwrap!(p.unit_member(head, 1));
    let m2 = kunwrap!(p.unit_member(head, 2));
    kunit_assert!(m1 != head && m2 != head && m1 != m2);
    kunit_assert_eq!(p.unit_member(head, 3), None);
    // A later member heads nothing: a handle naming it is stale.
    kunit_assert_eq!(p.unit_pages(m1), None);
    kunit_assert_eq!(p.unit_pages(m2), None);
    p.unit_release(head);
    kunit_assert_eq!(p.counts().pages, 0);
}

fn a_frame_is_a_unit_of_one() {
    let p = kunwrap!(pool_in(Layout::Zpack));
    let h = kunwrap!(alloc(&p, 1, 1000));
    kunit_assert_eq!(p.unit_pages(h.frame), Some(1));
    kunit_assert_eq!(p.unit_member(h.frame, 0), Some(h.frame));
    kunit_assert_eq!(p.unit_member(h.frame, 1), None);
    kunit_assert!(p.free(h, 1).is_some());
}

fn ranges_cross_page_boundaries() {
    let p = kunwrap!(pool_in(Layout::Zpack));
    let head = kunwrap!(p.unit_build(3));
    let size = 3 * PAGE_SIZE;
    let want = pattern(7, size);
    // Written in uneven pieces, some across a boundary.
    let mut at = 0;
    for step in [1000usize, 3500, 100, 4000, 3, 1685].iter().cycle() {
        if at >= size {
            break;
        }
        let l = core::cmp::min(*step, size - at);
        kunit_assert!(p.unit_write(head, at, &want[at..at + l]));
        at += l;
    }
    kunit_assert!(holds(&p, head, 3, &want));
    let mut scratch = zeroed(PAGE_SIZE);
    // (offset, length, read in place)
    for &(off, len, in_place) in &[
        (100usize, 1000usize, true),
        (4000, 200, false),
        (4096, 4096, true),
        (8000, 392, false),
        (0, 4096, true),
        (4095, 2, false),
        (8191, 1, true),
        (6000, 3968, false),
    ] {
        let mut out = zeroed(len);
        kunit_assert_eq!(
            p.unit_read(head, off, &mut out, &mut scratch),
            Some(in_place)
        );
        kunit_assert!(out[..] == want[off..off + len]);
    }
    // Out of the unit, or a scratch buffer too short for a split range:
    // refused, nothing read.
    let mut out = zeroed(300);
    kunit_assert_eq!(p.unit_read(head, size - 200, &mut out, &mut scratch), None);
    kunit_assert!(!p.unit_write(head, size - 200, &want[..300]));
    let mut small = zeroed(100);
    kunit_assert_eq!(p.unit_read(head, 4000, &mut out, &mut small), None);
    // Nothing changed by the refused write.
    kunit_assert!(holds(&p, head, 3, &want));
    p.unit_release(head);
    kunit_assert_eq!(p.counts().pages, 0);
}

fn moves_down_across_pages() {
    let p = kunwrap!(pool_in(Layout::Zpack));
    let head = kunwrap!(p.unit_build(3));
    let size = 3 * PAGE_SIZE;
    let mut model = pattern(11, size);
    kunit_assert!(p.unit_write(head, 0, &model));
    // (from, to, len): across one boundary, two, overlapping, abutting.
    for &(from, to, len) in &[
        (5000usize, 100usize, 3000usize),
        (9000, 4000, 3000),
        (4500, 4000, 4000),
        (8190, 8180, 4000),
        (4096, 0, 8192),
        (3000, 3000, 5000),
        (12000, 1, 288),
    ] {
        kunit_assert!(p.unit_move_down(head, from, to, len));
        model.copy_within(from..from + len, to);
        kunit_assert!(holds(&p, head, 3, &model));
    }
    // Upwards, or out of the unit: refused, nothing moved.
    kunit_assert!(!p.unit_move_down(head, 100, 200, 10));
    kunit_assert!(!p.unit_move_down(head, size - 10, 0, 11));
    kunit_assert!(holds(&p, head, 3, &model));
    p.unit_release(head);
}

fn two_units_lock_in_order() {
    let p = kunwrap!(pool_in(Layout::Zpack));
    let a = kunwrap!(p.unit_build(3));
    let b = kunwrap!(p.unit_build(2));
    let want = pattern(5, 3 * PAGE_SIZE);
    kunit_assert!(p.unit_write(a, 0, &want));
    // 3,000 bytes across a's first boundary into b across its only one;
    // beyond b's end refused.
    let mut scratch = zeroed(3000);
    kunit_assert_eq!(
        p.unit_copy_between(a, b, 3000, 3500, &mut scratch),
        Some((3, 2))
    );
    kunit_assert_eq!(p.unit_copy_between(a, b, 0, 6000, &mut scratch), None);
    let mut out = zeroed(3000);
    let mut s2 = zeroed(3000);
    kunit_assert_eq!(p.unit_read(b, 3500, &mut out, &mut s2), Some(false));
    kunit_assert!(out[..] == want[3000..6000]);
    p.unit_release(a);
    p.unit_release(b);
    kunit_assert_eq!(p.counts().pages, 0);
}

kunit_suite!(
    UNIT_SUITE,
    "zswap_rs_unit",
    [
        a_unit_chains_its_members,
        a_frame_is_a_unit_of_one,
        ranges_cross_page_boundaries,
        moves_down_across_pages,
        two_units_lock_in_order,
    ]
);
