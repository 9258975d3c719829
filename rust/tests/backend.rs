// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_backend`: store/load/invalidate and their accounting,
//! on a private backend (never registered with frontswap).

use core::sync::atomic::Ordering;

use super::pattern;
use crate::backend::Backend;
use crate::index::{Entry, SwapKey};
use crate::params::KNOBS;
use crate::pool::Layout;
use crate::sys::crypto::AlgName;
use crate::sys::frontswap::ExclusiveLoad;
use crate::sys::page::Page;
use crate::sys::{Gfp, EINVAL, EIO, PAGE_SIZE};
use crate::{kunit_assert, kunit_assert_eq, kunit_expect, kunit_suite_layouts, kunwrap};

fn backend(layout: Layout) -> Option<Backend> {
    let b = Backend::new(layout, 2, &AlgName::new(b"lzo").ok()?, None).ok();
    kunit_expect!(b.is_some());
    b
}

fn page_with(data: &[u8]) -> Option<Page> {
    let mut p = Page::alloc(Gfp::KERNEL)?;
    p.with_slice_mut(|b| b.copy_from_slice(data));
    Some(p)
}

fn text(seed: u64) -> alloc::vec::Vec<u8> {
    // Compressible: a short random pattern repeated.
    let unit = pattern(seed, 64);
    let mut v = alloc::vec::Vec::new();
    let _ = v.try_reserve_exact(PAGE_SIZE);
    while v.len() < PAGE_SIZE {
        let _ = v.try_push(unit[v.len() % 64]);
    }
    v
}

/// The pool handle the index holds at (`ty`, `off`), if it is an object.
fn object_at(b: &Backend, ty: u32, off: u64) -> Option<crate::pool::Handle> {
    match b.index.lookup(SwapKey::new(ty, off))? {
        Entry::Object(h) => Some(h),
        _ => None,
    }
}

fn store(b: &Backend, ty: u32, off: u64, data: &[u8]) -> bool {
    let mut p = match page_with(data) {
        Some(p) => p,
        None => return false,
    };
    let r = b.store(ty, off, &mut p.as_page_ref());
    r.is_ok()
}

fn load(b: &Backend, ty: u32, off: u64) -> Result<alloc::vec::Vec<u8>, crate::sys::Errno> {
    let mut p = Page::alloc(Gfp::KERNEL).ok_or(crate::sys::ENOMEM)?;
    b.load(ty, off, &mut p.as_page_ref(), ExclusiveLoad::refused())?;
    let mut v = alloc::vec::Vec::new();
    let _ = v.try_reserve_exact(PAGE_SIZE);
    p.with_slice(|s| {
        s.iter().for_each(|&x| {
            let _ = v.try_push(x);
        })
    });
    Ok(v)
}

fn stat(b: &Backend, name: &str) -> u64 {
    match crate::stats::Stat::ALL.iter().find(|s| s.name() == name) {
        Some(s) => b.stat(*s),
        None => u64::MAX,
    }
}

fn store_then_load_round_trips(layout: Layout) {
    let b = kunwrap!(backend(layout));
    let d = text(1);
    kunit_assert!(store(&b, 0, 100, &d));
    kunit_assert_eq!(stat(&b, "stored_pages"), 1);
    kunit_assert_eq!(stat(&b, "stores"), 1);
    kunit_assert_eq!(stat(&b, "pool_pages"), 1);
    kunit_assert_eq!(load(&b, 0, 100).map(|v| v == d), Ok(true));
    // Loads are not exclusive (6.1 semantics): load again.
    kunit_assert_eq!(load(&b, 0, 100).map(|v| v == d), Ok(true));
    kunit_assert_eq!(stat(&b, "loads"), 2);
    b.invalidate_page(0, 100);
}

fn same_filled_pages_use_no_pool(layout: Layout) {
    let b = kunwrap!(backend(layout));
    let mut d = [0u8; PAGE_SIZE];
    kunit_assert!(store(&b, 0, 1, &d));
    for c in d.chunks_exact_mut(8) {
        c.copy_from_slice(&0xffff_ffff_0000_0001u64.to_ne_bytes());
    }
    kunit_assert!(store(&b, 0, 2, &d));
    kunit_assert_eq!(stat(&b, "same_filled_pages"), 2);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
    kunit_assert_eq!(load(&b, 0, 2).map(|v| v[..] == d[..]), Ok(true));
    kunit_assert_eq!(load(&b, 0, 1).map(|v| v.iter().all(|&x| x == 0)), Ok(true));
    b.invalidate_page(0, 1);
    b.invalidate_page(0, 2);
    kunit_assert_eq!(stat(&b, "same_filled_pages"), 0);
    kunit_assert_eq!(stat(&b, "stored_pages"), 0);
}

fn unencodable_fill_is_an_eight_byte_object(layout: Layout) {
    let b = kunwrap!(backend(layout));
    let mut d = [0u8; PAGE_SIZE];
    for c in d.chunks_exact_mut(8) {
        c.copy_from_slice(&0x5555_5555_5555_5555u64.to_ne_bytes());
    }
    kunit_assert!(store(&b, 0, 3, &d));
    // Not compressed: the word itself, 8 bytes, in the pool.
    kunit_assert_eq!(stat(&b, "same_filled_pages"), 1);
    kunit_assert_eq!(stat(&b, "compressed_bytes"), 8);
    kunit_assert_eq!(stat(&b, "pool_pages"), 1);
    kunit_assert_eq!(load(&b, 0, 3).map(|v| v[..] == d[..]), Ok(true));
    b.invalidate_page(0, 3);
    kunit_assert_eq!(stat(&b, "same_filled_pages"), 0);
    kunit_assert_eq!(stat(&b, "compressed_bytes"), 0);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
}

fn invalidate_page_frees_exactly_one(layout: Layout) {
    let b = kunwrap!(backend(layout));
    kunit_assert!(store(&b, 0, 1, &text(1)) && store(&b, 0, 2, &text(2)));
    b.invalidate_page(0, 1);
    kunit_assert_eq!(stat(&b, "stored_pages"), 1);
    kunit_assert_eq!(load(&b, 0, 1).map(|_| ()), Err(EIO));
    kunit_assert_eq!(load(&b, 0, 2).map(|v| v == text(2)), Ok(true));
    // Invalidating something absent is harmless.
    b.invalidate_page(0, 1);
    b.invalidate_page(1, 2);
    kunit_assert_eq!(stat(&b, "stored_pages"), 1);
    b.invalidate_page(0, 2);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
}

fn invalidate_area_frees_that_type_only(layout: Layout) {
    let b = kunwrap!(backend(layout));
    for off in 0..100u64 {
        kunit_assert!(store(&b, 0, off * 3, &text(off)));
    }
    kunit_assert!(store(&b, 1, 7, &text(7)));
    kunit_assert_eq!(stat(&b, "stored_pages"), 101);
    b.invalidate_area(0);
    kunit_assert_eq!(stat(&b, "stored_pages"), 1);
    kunit_assert_eq!(load(&b, 1, 7).map(|v| v == text(7)), Ok(true));
    b.invalidate_area(1);
    kunit_assert_eq!(stat(&b, "stored_pages"), 0);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
}

fn duplicate_store_replaces(layout: Layout) {
    let b = kunwrap!(backend(layout));
    kunit_assert!(store(&b, 0, 9, &text(1)));
    kunit_assert!(store(&b, 0, 9, &text(2)));
    kunit_assert_eq!(stat(&b, "duplicate_entry"), 1);
    kunit_assert_eq!(stat(&b, "stored_pages"), 1);
    kunit_assert_eq!(load(&b, 0, 9).map(|v| v == text(2)), Ok(true));
    b.invalidate_page(0, 9);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
}

fn incompressible_rejected_or_stored_as_is(layout: Layout) {
    let b = kunwrap!(backend(layout));
    let d = pattern(3, PAGE_SIZE);
    KNOBS.store_incompressible.store(false, Ordering::Relaxed);
    kunit_assert!(!store(&b, 0, 1, &d));
    kunit_assert_eq!(stat(&b, "reject_compress_poor"), 1);
    kunit_assert_eq!(stat(&b, "stored_pages"), 0);
    KNOBS.store_incompressible.store(true, Ordering::Relaxed);
    kunit_assert!(store(&b, 0, 1, &d));
    KNOBS.store_incompressible.store(false, Ordering::Relaxed);
    kunit_assert_eq!(stat(&b, "incompressible_pages"), 1);
    kunit_assert_eq!(stat(&b, "frames_whole_page"), 1);
    kunit_assert_eq!(load(&b, 0, 1).map(|v| v == d), Ok(true));
    b.invalidate_page(0, 1);
    kunit_assert_eq!(stat(&b, "incompressible_pages"), 0);
}

fn disabled_rejects_new_pages_keeps_old(layout: Layout) {
    let b = kunwrap!(backend(layout));
    kunit_assert!(store(&b, 0, 1, &text(1)));
    KNOBS.enabled.store(false, Ordering::Relaxed);
    kunit_assert!(!store(&b, 0, 2, &text(2)));
    KNOBS.enabled.store(true, Ordering::Relaxed);
    kunit_assert_eq!(stat(&b, "reject_disabled"), 1);
    kunit_assert_eq!(load(&b, 0, 1).map(|v| v == text(1)), Ok(true));
    b.invalidate_page(0, 1);
}

fn pool_limit_rejects(layout: Layout) {
    let b = kunwrap!(backend(layout));
    let old = KNOBS.max_pool_percent.load(Ordering::Relaxed);
    KNOBS.max_pool_percent.store(0, Ordering::Relaxed);
    kunit_assert!(!store(&b, 0, 1, &text(1)));
    // Same-filled pages need no pool memory: still accepted.
    kunit_assert!(store(&b, 0, 2, &[0u8; PAGE_SIZE]));
    KNOBS.max_pool_percent.store(old, Ordering::Relaxed);
    kunit_assert_eq!(stat(&b, "pool_limit_hit"), 1);
    kunit_assert_eq!(stat(&b, "stored_pages"), 1);
    b.invalidate_page(0, 2);
}

fn missing_page_is_eio(layout: Layout) {
    // Frontswap asks only for what was stored: a missing entry is a lost
    // page, and reading the never-written device slot would be garbage.
    let b = kunwrap!(backend(layout));
    kunit_assert_eq!(load(&b, 0, 12345).map(|_| ()), Err(EIO));
    kunit_assert_eq!(load(&b, 31, 1).map(|_| ()), Err(EIO));
    kunit_assert_eq!(stat(&b, "load_missing"), 2);
    kunit_assert_eq!(stat(&b, "loads"), 0);
}

/// A compound page of two base pages (the smallest THP-like folio), with
/// `a` in its first subpage and `b` in its second.
fn compound_with(a: &[u8], b: &[u8]) -> Option<Page> {
    let mut p = Page::alloc_compound(Gfp::KERNEL, 1)?;
    {
        let mut r = p.as_page_ref();
        r.subpage(0).with_slice_mut(|d| d.copy_from_slice(a));
        r.subpage(1).with_slice_mut(|d| d.copy_from_slice(b));
    }
    Some(p)
}

/// A compound page of 2^`order` base pages, subpage `i` holding `f(i)`.
fn compound_of(order: u32, f: impl Fn(usize) -> alloc::vec::Vec<u8>) -> Option<Page> {
    let mut p = Page::alloc_compound(Gfp::KERNEL, order)?;
    {
        let mut r = p.as_page_ref();
        for i in 0..1usize << order {
            let d = f(i);
            r.subpage(i).with_slice_mut(|s| s.copy_from_slice(&d));
        }
    }
    Some(p)
}

fn compound_pages_are_stored_as_subpages(layout: Layout) {
    // The head page of a THP being swapped out whole: each subpage at
    // offset + i (patch 9 marks every slot); one that does not compress
    // is kept as it is although store_incompressible is N: one in
    // THP_RAW_SHARE may be (here 2 of 32, then 1 of 2).
    let b = kunwrap!(backend(layout));
    let random = pattern(77, PAGE_SIZE);
    let mut big = kunwrap!(compound_of(5, |i| if i % 16 == 1 {
        pattern(100 + i as u64, PAGE_SIZE)
    } else {
        text(200 + i as u64)
    }));
    kunit_assert!(b.store(0, 100, &mut big.as_page_ref()).is_ok());
    kunit_assert_eq!(stat(&b, "stored_pages"), 32);
    kunit_assert_eq!(stat(&b, "incompressible_pages"), 2);
    for i in 0..32u64 {
        let want = if i % 16 == 1 {
            pattern(100 + i, PAGE_SIZE)
        } else {
            text(200 + i)
        };
        kunit_assert!(kunwrap!(load(&b, 0, 100 + i).ok()) == want);
        b.invalidate_page(0, 100 + i);
    }
    kunit_assert_eq!(stat(&b, "stored_pages"), 0);
    let mut thp = kunwrap!(compound_with(&text(9), &random));
    kunit_assert!(b.store(0, 9, &mut thp.as_page_ref()).is_ok());
    kunit_assert_eq!(stat(&b, "reject_thp"), 0);
    kunit_assert_eq!(stat(&b, "incompressible_pages"), 1);
    kunit_assert_eq!(stat(&b, "stored_pages"), 2);
    kunit_assert_eq!(stat(&b, "stores"), 34);
    kunit_assert_eq!(stat(&b, "stored_thp"), 2);
    kunit_assert!(kunwrap!(load(&b, 0, 9).ok()) == text(9));
    kunit_assert!(kunwrap!(load(&b, 0, 10).ok()) == random);
    // Each slot goes on its own, as 6.1 frees them.
    b.invalidate_page(0, 9);
    kunit_assert_eq!(stat(&b, "stored_pages"), 1);
    kunit_assert!(kunwrap!(load(&b, 0, 10).ok()) == random);
    b.invalidate_page(0, 10);
    kunit_assert_eq!(stat(&b, "stored_pages"), 0);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
}

fn compound_store_is_all_or_nothing(layout: Layout) {
    // The first subpage is stored (same-filled), the second refused
    // (non-same-filled pages disabled): the first goes again, nothing
    // stays, and the folio counts in reject_thp besides its reason.
    let b = kunwrap!(backend(layout));
    let mut thp = kunwrap!(compound_with(&[0u8; PAGE_SIZE], &text(3)));
    KNOBS
        .non_same_filled_pages_enabled
        .store(false, Ordering::Relaxed);
    let r = b.store(0, 20, &mut thp.as_page_ref());
    KNOBS
        .non_same_filled_pages_enabled
        .store(true, Ordering::Relaxed);
    kunit_assert!(r.is_err());
    kunit_assert_eq!(stat(&b, "stored_pages"), 0);
    kunit_assert_eq!(stat(&b, "same_filled_pages"), 0);
    kunit_assert_eq!(stat(&b, "reject_disabled"), 1);
    kunit_assert_eq!(stat(&b, "reject_thp"), 1);
    kunit_assert_eq!(stat(&b, "stored_thp"), 0);
    // The undone first subpage is not a store; it is what the failure
    // cost.
    kunit_assert_eq!(stat(&b, "stores"), 0);
    kunit_assert_eq!(stat(&b, "thp_subpages_undone"), 1);
    kunit_assert!(b.index.lookup(SwapKey::new(0, 20)).is_none());
    kunit_assert!(b.index.lookup(SwapKey::new(0, 21)).is_none());
    // The same folio stores once the knob allows it.
    kunit_assert!(b.store(0, 20, &mut thp.as_page_ref()).is_ok());
    kunit_assert_eq!(stat(&b, "stored_pages"), 2);
    kunit_assert!(kunwrap!(load(&b, 0, 21).ok()) == text(3));
}

fn incompressible_thp_is_refused_early(layout: Layout) {
    // A folio of random data saves nothing: with store_incompressible=N
    // it is refused once more than one subpage in THP_RAW_SHARE would be
    // kept as it is: after one subpage kept and the rest sampled, not
    // after half of them compressed and copied; nothing stays.
    let b = kunwrap!(backend(layout));
    let mut thp = kunwrap!(compound_of(4, |i| pattern(300 + i as u64, PAGE_SIZE)));
    kunit_assert!(b.store(0, 40, &mut thp.as_page_ref()).is_err());
    kunit_assert_eq!(stat(&b, "reject_thp"), 1);
    kunit_assert_eq!(stat(&b, "reject_compress_poor"), 1);
    // One subpage went through the store (sampled, kept, taken back).
    kunit_assert_eq!(stat(&b, "incompressible_sampled"), 1);
    kunit_assert_eq!(stat(&b, "thp_subpages_undone"), 1);
    kunit_assert_eq!(stat(&b, "stored_pages"), 0);
    kunit_assert_eq!(stat(&b, "incompressible_pages"), 0);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
    kunit_assert_eq!(stat(&b, "stores"), 0);
    for i in 0..16u64 {
        kunit_assert!(b.index.lookup(SwapKey::new(0, 40 + i)).is_none());
    }
    // store_incompressible=Y is honoured as for base pages: all 16 kept.
    KNOBS.store_incompressible.store(true, Ordering::Relaxed);
    let r = b.store(0, 40, &mut thp.as_page_ref());
    KNOBS.store_incompressible.store(false, Ordering::Relaxed);
    kunit_assert!(r.is_ok());
    kunit_assert_eq!(stat(&b, "incompressible_pages"), 16);
    kunit_assert!(kunwrap!(load(&b, 0, 55).ok()) == pattern(315, PAGE_SIZE));
}

fn compound_pages_are_rejected_with_store_thp_off(layout: Layout) {
    // store_thp=N: the folio goes to the swap device whole, as in zswap.
    let b = kunwrap!(backend(layout));
    let mut thp = kunwrap!(compound_with(&text(9), &text(10)));
    KNOBS.store_thp.store(false, Ordering::Relaxed);
    let r = b.store(0, 9, &mut thp.as_page_ref());
    KNOBS.store_thp.store(true, Ordering::Relaxed);
    kunit_assert_eq!(r, Err(EINVAL));
    kunit_assert_eq!(stat(&b, "reject_thp"), 1);
    kunit_assert_eq!(stat(&b, "stored_pages"), 0);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
    kunit_assert!(b.index.lookup(SwapKey::new(0, 9)).is_none());
}

fn unused_compressor_transforms_are_freed(layout: Layout) {
    let b = kunwrap!(backend(layout));
    let lzo = kunwrap!(AlgName::new(b"lzo"));
    let lz4 = kunwrap!(AlgName::new(b"lz4"));
    // The test kernel has lz4 built in (CONFIG_CRYPTO_LZ4=y): without it
    // this case would check nothing, so a missing lz4 is a failure.
    kunit_assert!(lz4.exists());
    kunit_assert!(store(&b, 0, 1, &text(1)));
    kunit_assert!(b.comps.select(&lz4).is_ok());
    // lzo still has an object: both algorithms stay loaded.
    kunit_assert_eq!(b.comps.loaded(), 2);
    kunit_assert!(store(&b, 0, 2, &text(2)));
    kunit_assert_eq!(load(&b, 0, 1).ok(), Some(text(1)));
    b.invalidate_page(0, 1);
    // Nothing uses lzo any more: a later pass frees its transforms.
    kunit_assert_eq!(b.comps.release_unused(), 1);
    kunit_assert_eq!(b.comps.loaded(), 1);
    kunit_assert_eq!(load(&b, 0, 2).ok(), Some(text(2)));
    // Switching more often than there are slots works while the old
    // algorithms hold nothing.
    for i in 0..20 {
        let name = if i % 2 == 0 { &lzo } else { &lz4 };
        kunit_assert!(b.comps.select(name).is_ok());
    }
    // lz4 (selected, and holding page 2) is all that is left: each switch
    // back freed lzo again.
    kunit_assert_eq!(b.comps.loaded(), 1);
    kunit_assert_eq!(load(&b, 0, 2).ok(), Some(text(2)));
    b.invalidate_page(0, 2);
    // The selected algorithm is never freed.
    kunit_assert_eq!(b.comps.release_unused(), 0);
    kunit_assert_eq!(b.comps.loaded(), 1);
}

fn corrupt_object_fails_with_eio_never_garbage(layout: Layout) {
    let b = kunwrap!(backend(layout));
    kunit_assert!(store(&b, 0, 5, &text(5)));
    let h = kunwrap!(object_at(&b, 0, 5));
    // Corrupt the stream's first bytes (lzo's header/literal run).
    kunit_assert!(b.pool.corrupt(h, 0) && b.pool.corrupt(h, 1) && b.pool.corrupt(h, 2));
    let r = load(&b, 0, 5);
    // Either the decompressor notices (EIO), or by chance it produced a
    // full page: then it must not be presented as this page's data unless
    // it is identical (it cannot be, the stream changed).
    kunit_assert_eq!(r.as_ref().map(|v| *v == text(5)).unwrap_or(false), false);
    kunit_assert_eq!(r.map(|_| ()), Err(EIO));
    kunit_assert_eq!(stat(&b, "decompress_fail"), 1);
    b.invalidate_page(0, 5);
    kunit_assert_eq!(stat(&b, "pool_pages"), 0);
}

fn owner_key_matches_index(layout: Layout) {
    let b = kunwrap!(backend(layout));
    kunit_assert!(store(&b, 1, 77, &text(77)));
    let h = kunwrap!(object_at(&b, 1, 77));
    kunit_assert_eq!(
        b.pool
            .read(h, SwapKey::new(1, 77).owner(), |d, _| d.len() < PAGE_SIZE),
        Some(true)
    );
    kunit_assert_eq!(b.pool.read(h, SwapKey::new(0, 77).owner(), |_, _| ()), None);
    b.invalidate_page(1, 77);
}

/// Loads (`ty`, `off`) with frontswap's offer of an exclusive load:
/// the data and whether the backend accepted.
fn load_offered(b: &Backend, ty: u32, off: u64) -> Option<(alloc::vec::Vec<u8>, bool)> {
    let mut p = Page::alloc(Gfp::KERNEL)?;
    let mut taken = false;
    b.load(
        ty,
        off,
        &mut p.as_page_ref(),
        ExclusiveLoad::offer(&mut taken),
    )
    .ok()?;
    let mut v = alloc::vec::Vec::new();
    v.try_reserve_exact(PAGE_SIZE).ok()?;
    p.with_slice(|s| {
        s.iter().for_each(|&x| {
            let _ = v.try_push(x);
        })
    });
    Some((v, taken))
}

fn exclusive_load_drops_the_entry(layout: Layout) {
    let b = kunwrap!(backend(layout));
    kunit_assert!(store(&b, 0, 1, &text(1)));
    kunit_assert!(store(&b, 0, 2, &[0x5au8; PAGE_SIZE]));
    kunit_assert!(store(&b, 0, 3, &text(3)));
    let pages = stat(&b, "pool_pages");
    // Offered: the object and the fill word go with the load.
    kunit_assert_eq!(
        load_offered(&b, 0, 1).map(|(v, t)| (v == text(1), t)),
        Some((true, true))
    );
    kunit_assert_eq!(
        load_offered(&b, 0, 2).map(|(v, t)| (v.iter().all(|&x| x == 0x5a), t)),
        Some((true, true))
    );
    kunit_assert_eq!(stat(&b, "exclusive_loads"), 2);
    kunit_assert_eq!(stat(&b, "stored_pages"), 1);
    kunit_assert!(b.index.lookup(SwapKey::new(0, 1)).is_none());
    kunit_assert!(b.index.lookup(SwapKey::new(0, 2)).is_none());
    kunit_assert!(stat(&b, "compressed_bytes") > 0);
    kunit_assert!(stat(&b, "pool_pages") <= pages);
    // Not offered (a page outside the swap cache): the entry stays.
    kunit_assert_eq!(load(&b, 0, 3).map(|v| v == text(3)), Ok(true));
    kunit_assert_eq!(stat(&b, "stored_pages"), 1);
    // Offered with the knob off: the entry stays, the offer is declined.
    KNOBS.exclusive_loads.store(false, Ordering::Relaxed);
    let r = load_offered(&b, 0, 3);
    KNOBS.exclusive_loads.store(true, Ordering::Relaxed);
    kunit_assert_eq!(r.map(|(v, t)| (v == text(3), t)), Some((true, false)));
    kunit_assert_eq!(stat(&b, "stored_pages"), 1);
    kunit_assert_eq!(stat(&b, "exclusive_loads"), 2);
    kunit_assert_eq!(stat(&b, "loads"), 4);
    // A load after the exclusive one finds nothing: a lost page, EIO.
    kunit_assert_eq!(load(&b, 0, 1).map(|_| ()), Err(EIO));
    b.invalidate_page(0, 3);
    kunit_assert_eq!(stat(&b, "stored_pages"), 0);
    kunit_assert_eq!(stat(&b, "compressed_bytes"), 0);
}

kunit_suite_layouts!(
    [
        BACKEND_ZBUD_SUITE,
        BACKEND_ZPACK_SUITE,
        BACKEND_ZCHAIN_SUITE
    ],
    "zswap_rs_backend",
    [
        store_then_load_round_trips,
        same_filled_pages_use_no_pool,
        unencodable_fill_is_an_eight_byte_object,
        invalidate_page_frees_exactly_one,
        invalidate_area_frees_that_type_only,
        duplicate_store_replaces,
        incompressible_rejected_or_stored_as_is,
        disabled_rejects_new_pages_keeps_old,
        pool_limit_rejects,
        missing_page_is_eio,
        exclusive_load_drops_the_entry,
        compound_pages_are_stored_as_subpages,
        compound_store_is_all_or_nothing,
        incompressible_thp_is_refused_early,
        compound_pages_are_rejected_with_store_thp_off,
        unused_compressor_transforms_are_freed,
        corrupt_object_fails_with_eio_never_garbage,
        owner_key_matches_index,
    ]
);
