// SPDX-License-Identifier: GPL-2.0

//! Suite `zswap_rs_compress`: compressors through the crypto API.

use super::pattern;
use crate::compress::{Compressors, TAG_RAW};
use crate::content::looks_incompressible;
use crate::sys::crypto::{AlgName, Comp};
use crate::sys::PAGE_SIZE;
use crate::{kunit_assert, kunit_assert_eq, kunit_suite, kunwrap};

fn text_page() -> alloc::vec::Vec<u8> {
    let words: [&[u8]; 5] = [b"swap ", b"page ", b"frame ", b"offset ", b"\n"];
    let mut v = alloc::vec::Vec::new();
    let _ = v.try_reserve_exact(PAGE_SIZE);
    let mut i = 0u64;
    while v.len() < PAGE_SIZE {
        for &b in words[(i * 7 % 5) as usize] {
            if v.len() < PAGE_SIZE {
                let _ = v.try_push(b);
            }
        }
        i += 1;
    }
    v
}

fn round_trip(alg: &[u8]) {
    let name = kunwrap!(AlgName::new(alg));
    let mut c = kunwrap!(Comp::new(&name));
    let src = text_page();
    let mut buf = [0u8; 2 * PAGE_SIZE];
    let n = kunwrap!(c.compress(&src, &mut buf));
    kunit_assert!(n > 0 && n < PAGE_SIZE / 2);
    let mut out = [0u8; PAGE_SIZE];
    kunit_assert_eq!(c.decompress(&buf[..n], &mut out), Ok(PAGE_SIZE));
    kunit_assert!(out[..] == src[..]);
}

fn lzo_round_trip() {
    round_trip(b"lzo")
}
fn lz4_round_trip() {
    round_trip(b"lz4")
}
fn zstd_round_trip() {
    round_trip(b"zstd")
}
fn deflate_round_trip() {
    round_trip(b"deflate")
}

fn random_data_does_not_shrink() {
    let mut c = kunwrap!(Comp::new(&AlgName::new(b"lzo").unwrap()));
    let src = pattern(99, PAGE_SIZE);
    let mut buf = [0u8; 2 * PAGE_SIZE];
    // lzo never fails on a page with twice its size of room: it expands
    // random data (to about PAGE_SIZE + PAGE_SIZE / 16).  An error is a
    // failure, not "did not shrink".
    let n = kunwrap!(c.compress(&src, &mut buf));
    kunit_assert!(n >= PAGE_SIZE);
}

/// A page whose first `random` bytes are random and the rest text.
fn mixed_page(seed: u64, random: usize) -> alloc::vec::Vec<u8> {
    let mut v = text_page();
    v[..random].copy_from_slice(&pattern(seed, random));
    v
}

fn quick_incompressibility_test() {
    let mut c = kunwrap!(Comp::new(&AlgName::new(b"lzo").unwrap()));
    let mut buf = [0u8; 2 * PAGE_SIZE];
    // Random pages are caught (the test is statistical: nearly all).
    let caught = (0..64)
        .filter(|&s| looks_incompressible(&pattern(1000 + s, PAGE_SIZE)))
        .count();
    kunit_assert!(caught >= 60);
    // What compresses well is never flagged: text, zeros, half-random, a
    // random block repeated.
    kunit_assert!(!looks_incompressible(&text_page()));
    let mut zeros = alloc::vec::Vec::new();
    let _ = zeros.try_reserve_exact(PAGE_SIZE);
    for _ in 0..PAGE_SIZE {
        let _ = zeros.try_push(0u8);
    }
    kunit_assert!(!looks_incompressible(&zeros));
    for s in 0..16 {
        kunit_assert!(!looks_incompressible(&mixed_page(s, PAGE_SIZE / 2)));
        let mut rep = pattern(s, PAGE_SIZE / 2);
        let _ = rep.try_reserve_exact(PAGE_SIZE / 2);
        for b in pattern(s, PAGE_SIZE / 2) {
            let _ = rep.try_push(b);
        }
        kunit_assert!(!looks_incompressible(&rep));
    }
    // Whatever it flags, lzo could not have shrunk by more than 15%.
    for s in 0..8u64 {
        for pct in (50..=100).step_by(5) {
            let page = mixed_page(s * 100 + pct as u64, PAGE_SIZE * pct / 100);
            if looks_incompressible(&page) {
                let n = c.compress(&page, &mut buf).unwrap_or(PAGE_SIZE);
                kunit_assert!(n > PAGE_SIZE * 85 / 100);
            }
        }
    }
}

/// A page of `rec`-byte records: a random 8-byte key at byte `key_at` of
/// each, the other bytes `fill` (0, or a constant), as hash tables and
/// index arrays lay memory out.
fn records_page(seed: u64, rec: usize, key_at: usize, fill: u8) -> alloc::vec::Vec<u8> {
    let keys = pattern(seed, PAGE_SIZE);
    let mut v = alloc::vec::Vec::new();
    let _ = v.try_reserve_exact(PAGE_SIZE);
    for i in 0..PAGE_SIZE {
        let (r, o) = (i / rec, i % rec);
        let in_key = o >= key_at && o < key_at + 8;
        let _ = v.try_push(if in_key {
            keys[r * 8 + o - key_at]
        } else {
            fill
        });
    }
    v
}

/// The pre-check's blind spot (issue 21): with one sample per 64-byte
/// block at a fixed position, records whose size divides 64 were sampled
/// on their random keys only and rejected, though lzo shrinks them a good
/// deal.  No page that lzo saves 10% or more on may be flagged.
fn periodic_records_are_not_flagged() {
    let mut c = kunwrap!(Comp::new(&AlgName::new(b"lzo").unwrap()));
    let mut buf = [0u8; 2 * PAGE_SIZE];
    let mut worth_storing = 0;
    for (seed, &rec) in [16usize, 24, 32, 48, 64, 128, 256].iter().enumerate() {
        for key_at in [0, 4, 8] {
            if key_at + 8 > rec {
                continue;
            }
            for fill in [0u8, 0x5a] {
                let page = records_page(seed as u64 * 31 + key_at as u64, rec, key_at, fill);
                let n = c.compress(&page, &mut buf).unwrap_or(PAGE_SIZE);
                if n <= PAGE_SIZE * 90 / 100 {
                    worth_storing += 1;
                    kunit_assert!(!looks_incompressible(&page));
                }
            }
        }
    }
    // The premise: these layouts do compress (otherwise the test checks
    // nothing).
    kunit_assert!(worth_storing >= 30);
    // Really incompressible pages are still caught.
    let caught = (0..64u64)
        .filter(|&s| looks_incompressible(&pattern(7000 + s, PAGE_SIZE)))
        .count();
    kunit_assert!(caught >= 60);
}

fn truncated_input_fails_to_decompress() {
    let mut c = kunwrap!(Comp::new(&AlgName::new(b"lzo").unwrap()));
    let src = text_page();
    let mut buf = [0u8; 2 * PAGE_SIZE];
    let n = kunwrap!(c.compress(&src, &mut buf));
    let mut out = [0u8; PAGE_SIZE];
    let r = c.decompress(&buf[..n / 2], &mut out);
    kunit_assert!(r.map_or(true, |len| len != PAGE_SIZE));
}

fn raw_tag_copies() {
    let comps = kunwrap!(Compressors::new(&AlgName::new(b"lzo").unwrap()));
    let src = pattern(5, PAGE_SIZE);
    let mut out = [0u8; PAGE_SIZE];
    let r = comps.with_ctx(|ctx, _| ctx.split().0.decompress(TAG_RAW, &src, &mut out));
    kunit_assert_eq!(r, Ok(PAGE_SIZE));
    kunit_assert!(out[..] == src[..]);
    let r = comps.with_ctx(|ctx, _| ctx.split().0.decompress(TAG_RAW, &src[..100], &mut out));
    kunit_assert!(r.is_err());
}

fn unknown_compressor_is_refused() {
    let n = kunwrap!(AlgName::new(b"no-such-compressor"));
    kunit_assert!(!n.exists());
    kunit_assert!(Comp::new(&n).is_err());
    kunit_assert!(AlgName::new(b"lzo").unwrap().exists());
}

fn names_are_validated() {
    kunit_assert!(AlgName::new(b"").is_err());
    kunit_assert!(AlgName::new(b"\n").is_err());
    kunit_assert!(AlgName::new(&[b'a'; 33]).is_err());
    kunit_assert!(AlgName::new(b"lz\04").is_err());
    kunit_assert_eq!(
        AlgName::new(b"lz4\n").map(|n| n.as_bytes() == b"lz4"),
        Ok(true)
    );
}

fn switching_keeps_old_objects_readable() {
    let comps = kunwrap!(Compressors::new(&AlgName::new(b"lzo").unwrap()));
    let src = text_page();
    let mut stored = [0u8; PAGE_SIZE];
    let r = comps.with_ctx(|ctx, tag| {
        let d = ctx.compress(tag, &src).ok()?;
        stored[..d.len()].copy_from_slice(d);
        Some((d.len(), tag))
    });
    // As the backend does once the object is in the pool: lzo has a
    // stored object, so switching away keeps its transforms.
    if let Some((_, tag)) = r {
        comps.with_ctx(|_, _| comps.stored(tag));
    }
    let (len, tag) = kunwrap!(r);
    kunit_assert!(comps.select(&AlgName::new(b"zstd").unwrap()).is_ok());
    let tag2 = comps.with_ctx(|_, t| t);
    kunit_assert!(tag2 != tag);
    let mut out = [0u8; PAGE_SIZE];
    kunit_assert_eq!(
        comps.with_ctx(|ctx, _| ctx.split().0.decompress(tag, &stored[..len], &mut out)),
        Ok(PAGE_SIZE)
    );
    kunit_assert!(out[..] == src[..]);
    // Selecting lzo again reuses its slot.
    kunit_assert!(comps.select(&AlgName::new(b"lzo").unwrap()).is_ok());
    kunit_assert_eq!(comps.with_ctx(|_, t| t), tag);
    // zstd never stored anything: switching back freed it.
    kunit_assert_eq!(comps.loaded(), 1);
    comps.freed(tag);
}

fn same_filled_detection() {
    let mut p = [0u8; PAGE_SIZE];
    kunit_assert_eq!(crate::content::same_filled(&p), Some(0));
    for c in p.chunks_exact_mut(8) {
        c.copy_from_slice(&0x1234_5678_9abc_def0u64.to_ne_bytes());
    }
    kunit_assert_eq!(crate::content::same_filled(&p), Some(0x1234_5678_9abc_def0));
    p[PAGE_SIZE - 1] ^= 1;
    kunit_assert_eq!(crate::content::same_filled(&p), None);
}

kunit_suite!(
    COMPRESS_SUITE,
    "zswap_rs_compress",
    [
        lzo_round_trip,
        lz4_round_trip,
        zstd_round_trip,
        deflate_round_trip,
        random_data_does_not_shrink,
        quick_incompressibility_test,
        periodic_records_are_not_flagged,
        truncated_input_fails_to_decompress,
        raw_tag_copies,
        unknown_compressor_is_refused,
        names_are_validated,
        switching_keeps_old_objects_readable,
        same_filled_detection,
    ]
);
