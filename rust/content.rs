// SPDX-License-Identifier: GPL-2.0

//! Judging a page's content before it is stored, in one place: whether it
//! is one repeated word ([`same_filled`]: then the index entry holds the
//! word and the pool nothing), whether it looks incompressible
//! ([`looks_incompressible`]: then no compression is tried), and whether
//! its compressed form is worth a pool object ([`worth_storing`]).

use crate::pool::MAX_COMPRESSED;

/// Returns the fill word if every word of `buf` equals the first one.
pub(crate) fn same_filled(buf: &[u8]) -> Option<u64> {
    let mut words = buf.chunks_exact(8).map(|w| {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        u64::from_ne_bytes(a)
    });
    let first = words.next()?;
    if words.all(|w| w == first) {
        Some(first)
    } else {
        None
    }
}

/// A cheap test for pages that will not compress, run before a
/// compression attempt: about 1 page in 8 of real swap is already
/// compressed or encrypted, and LZ compressors spend as long failing on it
/// as they spend on a page that compresses.
///
/// Samples 64 chunks of 8 bytes, one in each 64-byte block of the page,
/// at a position within the block that moves by 8 bytes from block to
/// block (0, 8, ..., 56, then again), so that every 8-byte position class
/// of a record layout is sampled: arrays of 16-, 32- or 64-byte records
/// with a random key and zero or constant fields (hash tables, index
/// arrays) show their constant fields, where one fixed position per block
/// would see only the keys.  The page looks incompressible if no two
/// chunks are equal (no repetition an LZ compressor could use) and the
/// 512 sampled bytes take at least 210 of the 256 byte values (uniformly
/// random bytes give about 221).  Pages that are at least about 85% random
/// pass the test; lzo saves at most a few percent on them.  A page flagged
/// wrongly is only rejected (or stored as-is), never lost.
///
/// Most pages are clearly compressible, and the sample stops early for
/// them: after the first [`EARLY_CHUNKS`] chunks (128 bytes, the first
/// kilobyte of the page), fewer than [`EARLY_DISTINCT`] byte values means
/// compressible.  Uniformly random bytes give about 100 values in 128
/// (a standard deviation of about 4), so the early answer never turns a
/// random page into a compression attempt; it can only do so for a page
/// whose first kilobyte is regular and whose rest is random, which then
/// costs one compression attempt, as it did before the sampler existed.
/// Chunks sampled before the early answer (a quarter of the sample).
const EARLY_CHUNKS: usize = 16;

/// Fewer distinct byte values than this in the first [`EARLY_CHUNKS`]
/// chunks: compressible, without sampling the rest.
const EARLY_DISTINCT: u32 = 64;

pub(crate) fn looks_incompressible(page: &[u8]) -> bool {
    const CHUNKS: usize = 64;
    if page.len() < CHUNKS * 64 {
        return false;
    }
    let stride = page.len() / CHUNKS;
    let mut seen = [0u64; 4];
    let mut chunks = [0u64; CHUNKS];
    for (i, c) in chunks.iter_mut().enumerate() {
        let at = i * stride + (i % 8) * 8;
        let mut w = [0u8; 8];
        w.copy_from_slice(&page[at..at + 8]);
        for b in w {
            seen[(b >> 6) as usize] |= 1 << (b & 63);
        }
        *c = u64::from_ne_bytes(w);
        if i + 1 == EARLY_CHUNKS
            && seen.iter().map(|w| w.count_ones()).sum::<u32>() < EARLY_DISTINCT
        {
            return false;
        }
    }
    let distinct: u32 = seen.iter().map(|w| w.count_ones()).sum();
    if distinct < 210 {
        return false;
    }
    chunks.sort_unstable();
    chunks.windows(2).all(|p| p[0] != p[1])
}

/// Whether a page compressed to `len` bytes is worth storing compressed:
/// not above [`MAX_COMPRESSED`] (a bigger object leaves less than two
/// chunks for a buddy and saves under 3% of a page).
pub(crate) fn worth_storing(len: usize) -> bool {
    len <= MAX_COMPRESSED
}
