// SPDX-License-Identifier: GPL-2.0

//! KUnit suites (see `sys/kunit.rs` for how they are declared).

mod backend;
mod compress;
mod harness;
mod index;
mod migrate;
mod params;
mod pool;
mod unit;
mod vdev;
mod zbud;
mod zchain;
mod zpack;

/// A deterministic byte pattern for object `seed` of length `len`.
pub(crate) fn pattern(seed: u64, len: usize) -> alloc::vec::Vec<u8> {
    let mut v = alloc::vec::Vec::new();
    let _ = v.try_reserve_exact(len);
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for _ in 0..len {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let _ = v.try_push(s as u8);
    }
    v
}
