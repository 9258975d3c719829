// SPDX-License-Identifier: GPL-2.0

//! The module's block device, `/dev/zswap_rs0`: a disk of `disksize`
//! bytes (0 until set) whose pages live in the same pool as the
//! frontswap entries, compressed through the same per-CPU contexts (or
//! kept whole when they do not compress), keyed by page index in their
//! own XArray ([`DEV_TYPE`]).  Swapped on, it takes what frontswap
//! refused (incompressible pages with `store_incompressible=N`, the pool
//! at its limit, a cgroup at `memory.zswap.max`, THPs): nothing reaches
//! a disk.  Unwritten pages read as zeros; a discard, a write-zeroes and
//! swap's slot-free notification free pages.  See
//! `Documentation/design.rst`, "The block device".

use core::sync::atomic::{AtomicU64, Ordering};

use super::read::{Corrupt, Read};
use super::Backend;
use crate::content::same_filled;
use crate::index::{Entry, SwapKey, DEV_TYPE};
use crate::stats::inc;
use crate::sys::block::{Bio, BioOp, BouncePool, Segment, SECTOR_SIZE};
use crate::sys::error::EOPNOTSUPP;
use crate::sys::page::PageRef;
use crate::sys::{Errno, Gfp, Result, EINVAL, EIO, ENOMEM, ERANGE, PAGE_SIZE};

/// Largest `disksize` accepted (1 PiB): page indexes stay far below the
/// index's 56-bit offsets, and sector counts never overflow.
pub(crate) const MAX_DISKSIZE: u64 = 1 << 50;

/// Bounce pages kept in reserve (each bio holds at most one at a time).
const BOUNCE_RESERVE: usize = 4;

/// The device's state beside the index and the pool.
pub(crate) struct Vdev {
    /// The capacity in bytes (a multiple of `PAGE_SIZE`); changed only
    /// while the disk is not open.
    capacity: AtomicU64,
    /// Pages held (entries in the device's XArray).
    stored: AtomicU64,
    /// Every page a bio moves is copied through one of these: the bio's
    /// own pages may be mapped by others (see `sys::block::Segment`).
    bounce: BouncePool,
}

impl Vdev {
    /// A device of capacity 0.  May sleep.
    pub(crate) fn new() -> Result<Vdev> {
        Ok(Vdev {
            capacity: AtomicU64::new(0),
            stored: AtomicU64::new(0),
            bounce: BouncePool::new(BOUNCE_RESERVE)?,
        })
    }

    /// The capacity in bytes.
    pub(crate) fn capacity(&self) -> u64 {
        self.capacity.load(Ordering::Relaxed)
    }

    /// Pages held.
    pub(crate) fn stored(&self) -> u64 {
        self.stored.load(Ordering::Relaxed)
    }
}

/// Parses what is written to `disksize`: a decimal number of bytes with
/// an optional suffix K, M, G or T (powers of 1024, either case; an
/// optional trailing B or iB is not accepted), surrounding whitespace
/// allowed; rounded up to a whole page.  `EINVAL` for 0, garbage or an
/// empty string, `ERANGE` above [`MAX_DISKSIZE`].
pub(crate) fn parse_disksize(v: &[u8]) -> Result<u64> {
    let start = v.iter().position(|b| !b.is_ascii_whitespace());
    let end = v.iter().rposition(|b| !b.is_ascii_whitespace());
    let s = match (start, end) {
        (Some(a), Some(b)) => &v[a..=b],
        _ => return Err(EINVAL),
    };
    let (digits, shift) = match s.last() {
        Some(b'k' | b'K') => (&s[..s.len() - 1], 10),
        Some(b'm' | b'M') => (&s[..s.len() - 1], 20),
        Some(b'g' | b'G') => (&s[..s.len() - 1], 30),
        Some(b't' | b'T') => (&s[..s.len() - 1], 40),
        _ => (s, 0),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(EINVAL);
    }
    let mut n: u64 = 0;
    for d in digits {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add((d - b'0') as u64))
            .ok_or(ERANGE)?;
    }
    if n == 0 {
        return Err(EINVAL);
    }
    let bytes = n.checked_mul(1 << shift).ok_or(ERANGE)?;
    let page = PAGE_SIZE as u64;
    let bytes = bytes.checked_add(page - 1).ok_or(ERANGE)? / page * page;
    if bytes > MAX_DISKSIZE {
        return Err(ERANGE);
    }
    Ok(bytes)
}

impl Backend {
    /// Serves a bio of the device.  Reads and writes move whole pages
    /// (the disk's logical block size is `PAGE_SIZE`, so every segment is
    /// one whole page; anything else fails with `EIO`, never a partial
    /// store).  A write that cannot be stored fails with `EIO`: the
    /// writer keeps its page (swap leaves it dirty in the swap cache).
    pub(crate) fn vdev_submit(&self, bio: &mut Bio<'_>) -> Result {
        let start = bio.sector().checked_mul(SECTOR_SIZE).ok_or(EIO)?;
        let end = start.checked_add(bio.size()).ok_or(EIO)?;
        // The block layer checks against the disk's capacity already;
        // ours is the same number, changed only while nobody has it open.
        if end > self.vdev.capacity() {
            return Err(EIO);
        }
        match bio.op() {
            BioOp::Read => {
                let mut pos = start;
                while let Some(mut seg) = bio.next_segment() {
                    let idx = page_index(pos, &seg)?;
                    self.vdev_read(idx, &mut seg)?;
                    pos += PAGE_SIZE as u64;
                }
                Ok(())
            }
            // No allocation on the write path may start I/O: swap-out
            // calls us from reclaim, and the I/O could come back here.
            BioOp::Write => crate::sys::alloc::noio(|| {
                let mut pos = start;
                while let Some(seg) = bio.next_segment() {
                    let idx = page_index(pos, &seg)?;
                    self.vdev_write(idx, &seg)?;
                    pos += PAGE_SIZE as u64;
                }
                Ok(())
            }),
            BioOp::Discard | BioOp::WriteZeroes => {
                // Only whole pages are freed (the discard granularity is a
                // page, so that is every page of the range).
                let page = PAGE_SIZE as u64;
                self.vdev_free_range((start + page - 1) / page, end / page);
                Ok(())
            }
            // Nothing is cached on the way to memory.
            BioOp::Flush => Ok(()),
            BioOp::Other => Err(EOPNOTSUPP),
        }
    }

    /// Reads page `idx` into `seg`.
    fn vdev_read(&self, idx: u64, seg: &mut Segment<'_>) -> Result {
        let mut bounce = self.vdev.bounce.get();
        let mut page = bounce.as_page_ref();
        self.vdev_load(idx, &mut page)?;
        page.with_slice(|s| seg.copy_from(s));
        inc(&self.stats.vdev_reads);
        Ok(())
    }

    /// Stores `seg` as page `idx`.
    fn vdev_write(&self, idx: u64, seg: &Segment<'_>) -> Result {
        let mut bounce = self.vdev.bounce.get();
        let mut page = bounce.as_page_ref();
        page.with_slice_mut(|d| seg.copy_to(d));
        match self.vdev_store(idx, &page) {
            Ok(()) => {
                inc(&self.stats.vdev_writes);
                Ok(())
            }
            Err(e) => {
                inc(&self.stats.vdev_write_fail);
                if crate::sys::ratelimit() {
                    crate::pr_warn!(
                        "zswap_rs0: page {} not stored (error {}); the write fails, the writer keeps its data",
                        idx,
                        e.to_c()
                    );
                }
                Err(EIO)
            }
        }
    }

    /// Fills `page` with device page `idx`: zeros if it was never
    /// written (or was freed).  `EIO` if its object cannot be read back.
    pub(crate) fn vdev_load(&self, idx: u64, page: &mut PageRef<'_>) -> Result {
        // A concurrent write may replace the object under the read, as
        // compaction may move it: the entry is looked up again.
        match self.read_entry(SwapKey::new(DEV_TYPE, idx), page, |_| false) {
            Read::Filled((), _) => return Ok(()),
            // Never written, or freed (a discard, perhaps under the read).
            Read::Missing | Read::Vanished => {
                page.with_slice_mut(|d| d.fill(0));
                return Ok(());
            }
            Read::Corrupt(Corrupt::Failed(res)) => crate::pr_err!(
                "zswap_rs0: decompression failed for page {} ({:?}); failing the read",
                idx,
                res
            ),
            // Moving on every lookup (never refused: no `before_read`).
            Read::Corrupt(_) => crate::pr_err!(
                "zswap_rs0: page {}: index and pool disagree; failing the read",
                idx
            ),
        }
        inc(&self.stats.decompress_fail);
        Err(EIO)
    }

    /// Stores `page` as device page `idx` (replacing what was there, which
    /// is freed).  A same-filled page whose word the index can hold costs
    /// no pool memory; any other page is compressed into the pool, or kept
    /// whole if it does not compress.  The pool limit does not apply (a
    /// page the device refused would stay in memory anyway, uncompressed).
    /// Needs a `GFP_NOIO` scope if called on the write path.
    pub(crate) fn vdev_store(
        &self,
        idx: u64,
        page: &PageRef<'_>,
    ) -> core::result::Result<(), Errno> {
        let key = SwapKey::new(DEV_TYPE, idx);
        let entry = match page.with_slice(same_filled).and_then(Entry::filled) {
            Some(e) => e,
            None => {
                // Any number of pages may be kept whole, and from the
                // reserves if the caller is reclaim: the written page is
                // freed as soon as the write completes (synchronously),
                // while a refused one would stay in memory as it is.
                let mut raw_left = usize::MAX;
                let (h, _, _) = self
                    .compress_and_alloc(key, page, &mut raw_left, true, &mut None)
                    .map_err(|_| ENOMEM)?;
                Entry::Object(h)
            }
        };
        // Counted before it is published: a discard that erases it at
        // once must not take the count below zero.
        self.vdev.stored.fetch_add(1, Ordering::Relaxed);
        match self.index.insert(key, entry, Gfp::STORE) {
            Ok(Some(old)) => self.vdev_release(key, old),
            Ok(None) => {}
            Err(e) => {
                self.vdev.stored.fetch_sub(1, Ordering::Relaxed);
                let _ = self.free_entry(key, entry);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Frees an entry erased from the device's XArray.
    fn vdev_release(&self, key: SwapKey, e: Entry) {
        let _ = self.free_entry(key, e);
        self.vdev.stored.fetch_sub(1, Ordering::Relaxed);
    }

    /// Frees device page `idx`, if it is held (swap freed its slot).
    /// Never sleeps.
    pub(crate) fn vdev_free(&self, idx: u64) {
        let key = SwapKey::new(DEV_TYPE, idx);
        if let Some(e) = self.index.erase(key) {
            self.vdev_release(key, e);
            inc(&self.stats.vdev_freed_pages);
        }
    }

    /// Frees the device pages from `first` up to (not including) `end`.
    /// May sleep.
    pub(crate) fn vdev_free_range(&self, first: u64, end: u64) {
        let mut from = first;
        let mut n = 0u64;
        while let Some((key, _)) = self.index.find(DEV_TYPE, from) {
            let idx = key.offset();
            if idx >= end {
                break;
            }
            self.vdev_free(idx);
            from = idx + 1;
            n += 1;
            if n % 64 == 0 {
                crate::sys::cond_resched();
            }
        }
    }

    /// Drops every page and sets the capacity to `bytes` (a multiple of
    /// `PAGE_SIZE`).  Only while the disk is not open (no I/O runs).
    /// May sleep.
    pub(crate) fn vdev_reset(&self, bytes: u64) {
        self.vdev.capacity.store(0, Ordering::Relaxed);
        self.vdev_free_range(0, u64::MAX);
        self.vdev.capacity.store(bytes, Ordering::Relaxed);
    }
}

/// The page index of a segment at byte `pos` of the device: only whole,
/// aligned pages (what a 4 KiB logical block size gives).
fn page_index(pos: u64, seg: &Segment<'_>) -> Result<u64> {
    let page = PAGE_SIZE as u64;
    if pos % page != 0 || seg.offset() != 0 || seg.len() != PAGE_SIZE {
        if crate::sys::ratelimit() {
            crate::pr_err!(
                "zswap_rs0: I/O at byte {} of {} bytes is not a whole page; failed",
                pos,
                seg.len()
            );
        }
        return Err(EIO);
    }
    Ok(pos / page)
}
