// SPDX-License-Identifier: GPL-2.0

//! Suites `zswap_rs_vdev` (the block device's pages in the pool, on a
//! private backend, without a disk) and `zswap_rs_disksize` (parsing what
//! is written to `disksize`).

use super::pattern;
use crate::backend::{parse_disksize, Backend};
use crate::pool::Layout;
use crate::sys::crypto::AlgName;
use crate::sys::page::Page;
use crate::sys::{Gfp, EINVAL, ERANGE, PAGE_SIZE};
use crate::{
    kunit_assert, kunit_assert_eq, kunit_expect, kunit_suite, kunit_suite_layouts, kunwrap,
};

fn backend(layout: Layout) -> Option<Backend> {
    let b = Backend::new(layout, 2, &AlgName::new(b"lzo").ok()?, None).ok();
    kunit_expect!(b.is_some());
    b
}

fn stat(b: &Backend, name: &str) -> u64 {
    match crate::stats::Stat::ALL.iter().find(|s| s.name() == name) {
        Some(s) => b.stat(*s),
        None => u64::MAX,
    }
}

/// Page contents of kind `k` for seed `seed`: 0 compressible text, 1
/// random (kept whole), 2 zeros, 3 a fill word the index cannot hold.
fn contents(k: u32, seed: u64) -> alloc::vec::Vec<u8> {
    let mut v = alloc::vec::Vec::new();
    let _ = v.try_reserve_exact(PAGE_SIZE);
    let unit = pattern(seed, 64);
    let rnd = pattern(seed, PAGE_SIZE);
    for i in 0..PAGE_SIZE {
        let x = match k {
            0 => unit[i % 64],
            1 => rnd[i],
            2 => 0,
            _ => 0x55,
        };
        let _ = v.try_push(x);
    }
    v
}

fn store(b: &Backend, idx: u64, data: &[u8]) -> bool {
    let mut p = match Page::alloc(Gfp::KERNEL) {
        Some(p) => p,
        None => return false,
    };
    p.with_slice_mut(|s| s.copy_from_slice(data));
    let r = b.vdev_store(idx, &p.as_page_ref());
    r.is_ok()
}

/// Loads device page `idx`; true if it equals `data`.
fn loads_as(b: &Backend, idx: u64, data: &[u8]) -> bool {
    let mut p = match Page::alloc(Gfp::KERNEL) {
        Some(p) => p,
        None => return false,
    };
    p.with_slice_mut(|s| s.fill(0xa5));
    if b.vdev_load(idx, &mut p.as_page_ref()).is_err() {
        return false;
    }
    p.with_slice(|s| s == data)
}

fn pages_round_trip(layout: Layout) {
    let b = kunwrap!(backend(layout));
    for k in 0..4u32 {
        kunit_assert!(store(&b, 10 + k as u64, &contents(k, k as u64 + 1)));
    }
    for k in 0..4u32 {
        kunit_assert!(loads_as(&b, 10 + k as u64, &contents(k, k as u64 + 1)));
    }
    // Never written: zeros.
    kunit_assert!(loads_as(&b, 3, &contents(2, 0)));
    kunit_assert_eq!(stat(&b, "vdev_stored_pages"), 4);
    // Not frontswap's pages.
    kunit_assert_eq!(stat(&b, "stored_pages"), 0);
    // Compressed and whole pages are in the pool; zeros are not.
    kunit_assert!(stat(&b, "pool_pages") >= 2);
    b.vdev_free_range(0, u64::MAX);
    kunit_assert_eq!(stat(&b, "vdev_stored_pages"), 0);
    kunit_assert_eq!(stat(&b, "compressed_bytes"), 0);
    kunit_assert_eq!(stat(&b, "vdev_freed_pages"), 4);
}

fn overwrite_frees_the_old_page(layout: Layout) {
    let b = kunwrap!(backend(layout));
    kunit_assert!(store(&b, 1, &contents(1, 1)));
    kunit_assert!(store(&b, 1, &contents(0, 2)));
    kunit_assert!(loads_as(&b, 1, &contents(0, 2)));
    kunit_assert_eq!(stat(&b, "vdev_stored_pages"), 1);
    // The whole page of the first write is gone.
    kunit_assert_eq!(stat(&b, "frames_whole_page"), 0);
    b.vdev_free(1);
    kunit_assert!(loads_as(&b, 1, &contents(2, 0)));
    kunit_assert_eq!(stat(&b, "vdev_stored_pages"), 0);
    kunit_assert_eq!(stat(&b, "compressed_bytes"), 0);
    // Freeing a page not held changes nothing.
    b.vdev_free(1);
    kunit_assert_eq!(stat(&b, "vdev_freed_pages"), 1);
}

fn free_range_is_exact(layout: Layout) {
    let b = kunwrap!(backend(layout));
    for i in 0..16u64 {
        kunit_assert!(store(&b, i, &contents(0, i + 1)));
    }
    b.vdev_free_range(4, 12);
    for i in 0..16u64 {
        let want = if (4..12).contains(&i) {
            contents(2, 0)
        } else {
            contents(0, i + 1)
        };
        kunit_assert!(loads_as(&b, i, &want));
    }
    kunit_assert_eq!(stat(&b, "vdev_stored_pages"), 8);
    b.vdev_reset(1 << 20);
    kunit_assert_eq!(stat(&b, "vdev_stored_pages"), 0);
    kunit_assert_eq!(stat(&b, "vdev_capacity"), 1 << 20);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
}

/// Compaction moves the device's objects too (it finds their entries by
/// owner): every page still reads back.
fn compaction_moves_device_pages(layout: Layout) {
    let b = kunwrap!(backend(layout));
    let n = 64u64;
    for i in 0..n {
        kunit_assert!(store(&b, i, &contents(0, i + 100)));
    }
    for i in (0..n).step_by(2) {
        b.vdev_free(i);
    }
    let before = stat(&b, "pool_pages");
    b.compact_all();
    kunit_expect!(stat(&b, "pool_pages") <= before);
    for i in (1..n).step_by(2) {
        kunit_assert!(loads_as(&b, i, &contents(0, i + 100)));
    }
    b.vdev_free_range(0, u64::MAX);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
}

kunit_suite_layouts!(
    [VDEV_ZBUD_SUITE, VDEV_ZPACK_SUITE, VDEV_ZCHAIN_SUITE],
    "zswap_rs_vdev",
    [
        pages_round_trip,
        overwrite_frees_the_old_page,
        free_range_is_exact,
        compaction_moves_device_pages,
    ]
);

fn disksize_values() {
    kunit_assert_eq!(parse_disksize(b"1"), Ok(4096));
    kunit_assert_eq!(parse_disksize(b"4096"), Ok(4096));
    kunit_assert_eq!(parse_disksize(b"4097\n"), Ok(8192));
    kunit_assert_eq!(parse_disksize(b" 16K \n"), Ok(16384));
    kunit_assert_eq!(parse_disksize(b"1M"), Ok(1 << 20));
    kunit_assert_eq!(parse_disksize(b"2g"), Ok(2 << 30));
    kunit_assert_eq!(parse_disksize(b"1024T"), Ok(1 << 50));
    kunit_assert_eq!(parse_disksize(b"1073741824"), Ok(1 << 30));
}

fn disksize_refusals() {
    for bad in [
        &b"0"[..],
        b"0K",
        b"",
        b"\n",
        b"abc",
        b"1.5G",
        b"-1",
        b"+1",
        b"1P",
        b"1KB",
        b"K",
        b"1 M",
        b"0x1000",
    ] {
        kunit_assert_eq!(parse_disksize(bad), Err(EINVAL));
    }
    kunit_assert_eq!(parse_disksize(b"1025T"), Err(ERANGE));
    kunit_assert_eq!(parse_disksize(b"18446744073709551616"), Err(ERANGE));
    kunit_assert_eq!(parse_disksize(b"18446744073709551615"), Err(ERANGE));
    kunit_assert_eq!(parse_disksize(b"17179869184G"), Err(ERANGE));
}

kunit_suite!(
    DISKSIZE_SUITE,
    "zswap_rs_disksize",
    [disksize_values, disksize_refusals]
);
