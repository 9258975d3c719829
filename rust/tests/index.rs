// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_index`: entry encoding and the per-type XArrays.

use crate::index::{Entry, Index, SwapKey, DEV_TYPE};
use crate::pool::{Handle, MAX_UNIT_SLOTS};
use crate::sys::xarray::{XArray, MAX_VALUE};
use crate::sys::Gfp;
use crate::{kunit_assert, kunit_assert_eq, kunit_suite, kunwrap};

fn object_entries_round_trip() {
    for &frame in &[0u32, 1, 63, 64, 12345, u32::MAX - 1] {
        for slot in 0..MAX_UNIT_SLOTS as u8 {
            let e = Entry::Object(Handle { frame, slot });
            kunit_assert!(e.encode() <= MAX_VALUE);
            kunit_assert_eq!(Entry::decode(e.encode()), e);
        }
    }
}

fn filled_entries_round_trip() {
    for &w in &[
        0u64,
        u64::MAX,
        1,
        0x0101_0101_0101_0101,
        0x1fff_ffff_ffff_ffff,
        0xe000_0000_0000_0000,
        0xdead_beef,
    ] {
        let e = Entry::filled(w);
        kunit_assert_eq!(e, Some(Entry::Filled(w)));
        if let Some(e) = e {
            kunit_assert!(e.encode() <= MAX_VALUE);
            kunit_assert_eq!(Entry::decode(e.encode()), e);
        }
    }
}

fn unencodable_fill_words_are_refused() {
    // Top three bits not all equal: does not fit 62 bits sign-extended.
    for &w in &[
        0x8000_0000_0000_0000u64,
        0x4000_0000_0000_0000,
        0x2000_0000_0000_0000,
        0x5555_5555_5555_5555,
        0xaaaa_aaaa_aaaa_aaaa,
    ] {
        kunit_assert_eq!(Entry::filled(w), None);
    }
}

fn kinds_never_collide() {
    let o = Entry::Object(Handle { frame: 5, slot: 1 }).encode();
    let f = Entry::Filled(5).encode();
    kunit_assert!(o != f);
    kunit_assert_eq!(o & 1, 0);
    kunit_assert_eq!(f & 1, 1);
}

fn owners_distinguish_types() {
    kunit_assert!(SwapKey::new(0, 5) != SwapKey::new(1, 5));
    kunit_assert!(SwapKey::new(3, 0) != SwapKey::new(0, 3));
    // Taken apart again, and through the pool's owner tag.
    for (ty, off) in [(0u32, 0u64), (2, 0x1234), (31, (1 << 50) - 1), (255, 7)] {
        let k = SwapKey::from_owner(SwapKey::new(ty, off).owner());
        kunit_assert_eq!((k.ty(), k.offset()), (ty, off));
    }
}

fn xarray_store_load_erase() {
    let xa = kunwrap!(XArray::new_boxed());
    kunit_assert_eq!(xa.load(10), None);
    kunit_assert_eq!(xa.store(10, 77, Gfp::KERNEL), Ok(None));
    kunit_assert_eq!(xa.load(10), Some(77));
    kunit_assert_eq!(xa.erase(10), Some(77));
    kunit_assert_eq!(xa.load(10), None);
    kunit_assert_eq!(xa.erase(10), None);
}

fn xarray_store_replaces_and_returns_old() {
    let xa = kunwrap!(XArray::new_boxed());
    kunit_assert_eq!(xa.store(1 << 40, 1, Gfp::KERNEL), Ok(None));
    kunit_assert_eq!(xa.store(1 << 40, 2, Gfp::KERNEL), Ok(Some(1)));
    kunit_assert_eq!(xa.load(1 << 40), Some(2));
    kunit_assert_eq!(xa.store(3, MAX_VALUE, Gfp::KERNEL), Ok(None));
    kunit_assert_eq!(xa.load(3), Some(MAX_VALUE));
}

fn xarray_cmpxchg() {
    let xa = kunwrap!(XArray::new_boxed());
    kunit_assert_eq!(xa.cmpxchg(5, None, 9, Gfp::KERNEL), Ok(None));
    kunit_assert_eq!(xa.cmpxchg(5, Some(8), 10, Gfp::KERNEL), Ok(Some(9)));
    kunit_assert_eq!(xa.load(5), Some(9));
    kunit_assert_eq!(xa.cmpxchg(5, Some(9), 10, Gfp::KERNEL), Ok(Some(9)));
    kunit_assert_eq!(xa.load(5), Some(10));
}

fn xarray_find_walks_in_order() {
    let xa = kunwrap!(XArray::new_boxed());
    for &i in &[900u64, 3, 70000, 64] {
        let _ = xa.store(i, i + 1, Gfp::KERNEL);
    }
    let mut seen = [0u64; 4];
    let mut n = 0;
    let mut next = 0;
    while let Some((i, v)) = xa.find(next) {
        kunit_assert_eq!(v, i + 1);
        if n < 4 {
            seen[n] = i;
        }
        n += 1;
        next = i + 1;
    }
    kunit_assert_eq!(n, 4);
    kunit_assert_eq!(seen, [3, 64, 900, 70000]);
}

fn per_type_areas_are_independent() {
    let ix = kunwrap!(Index::new(4));
    let (a, b) = (Entry::Filled(1), Entry::Filled(2));
    kunit_assert_eq!(ix.insert(SwapKey::new(1, 42), a, Gfp::KERNEL), Ok(None));
    kunit_assert_eq!(ix.insert(SwapKey::new(2, 42), b, Gfp::KERNEL), Ok(None));
    kunit_assert_eq!(ix.lookup(SwapKey::new(0, 42)), None);
    kunit_assert_eq!(ix.lookup(SwapKey::new(1, 42)), Some(a));
    kunit_assert_eq!(ix.lookup(SwapKey::new(2, 42)), Some(b));
    kunit_assert!(!ix.has_type(4));
    kunit_assert!(ix.insert(SwapKey::new(4, 42), a, Gfp::KERNEL).is_err());
    kunit_assert_eq!(ix.lookup(SwapKey::new(4, 42)), None);
    // The block device's pages are a type of their own.
    kunit_assert!(ix.has_type(DEV_TYPE));
    kunit_assert_eq!(ix.lookup(SwapKey::new(DEV_TYPE, 42)), None);
}

fn entries_change_by_key() {
    let ix = kunwrap!(Index::new(1));
    let k = SwapKey::new(0, 7);
    let o = Entry::Object(Handle { frame: 3, slot: 1 });
    let moved = Entry::Object(Handle { frame: 4, slot: 0 });
    let f = Entry::Filled(u64::MAX);
    kunit_assert_eq!(ix.insert(k, o, Gfp::KERNEL), Ok(None));
    // Replace and erase_if compare with the entry there now.
    kunit_assert!(!ix.replace(k, f, moved));
    kunit_assert!(ix.replace(k, o, moved));
    kunit_assert_eq!(ix.lookup(k), Some(moved));
    kunit_assert!(!ix.erase_if(k, o));
    kunit_assert_eq!(ix.insert(k, f, Gfp::KERNEL), Ok(Some(moved)));
    kunit_assert_eq!(ix.find(0, 0), Some((k, f)));
    kunit_assert_eq!(ix.find(0, 8), None);
    kunit_assert!(ix.erase_if(k, f));
    kunit_assert_eq!(ix.erase(k), None);
    kunit_assert!(!ix.replace(k, f, o));
    kunit_assert_eq!(ix.lookup(k), None);
}

kunit_suite!(
    INDEX_SUITE,
    "zswap_rs_index",
    [
        object_entries_round_trip,
        filled_entries_round_trip,
        unencodable_fill_words_are_refused,
        kinds_never_collide,
        owners_distinguish_types,
        xarray_store_load_erase,
        xarray_store_replaces_and_returns_old,
        xarray_cmpxchg,
        xarray_find_walks_in_order,
        per_type_areas_are_independent,
        entries_change_by_key,
    ]
);
