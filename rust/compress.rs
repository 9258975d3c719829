// SPDX-License-Identifier: GPL-2.0

//! Compressors: per-CPU contexts holding one transform per algorithm in use.
//!
//! Every object is tagged with the id of the algorithm that compressed it
//! (its slot in the algorithm table), so switching the `compressor` knob at
//! run time never makes an existing object unreadable: an old algorithm
//! keeps its transforms while objects it wrote are stored.  Each slot
//! counts its stored objects; once an algorithm that is no longer selected
//! has none left, its per-CPU transforms are freed and the slot can be
//! reused ([`Compressors::release_unused`], run at every switch and at
//! swapoff).
//!
//! Like zswap 6.1, a context is chosen by the current CPU and protected by a
//! mutex: compression may sleep (the pool allocates under it), and a task
//! that migrates to another CPU meanwhile only costs some contention.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use crate::sys::crypto::{AlgName, Comp};
use crate::sys::lock::{LockClass, Mutex};
use crate::sys::{Result, EINVAL, ENOMEM, ENOSPC, PAGE_SIZE};

/// Distinct algorithms a module instance can use over its lifetime.
pub(crate) const MAX_ALGS: usize = 8;
/// Tag of an object stored as-is (not compressed).
pub(crate) const TAG_RAW: u8 = 0xff;
/// Tag of an 8-byte object holding the fill word of a same-filled page
/// whose word does not fit an index entry.
pub(crate) const TAG_FILL: u8 = 0xfe;

/// A per-CPU compression context.
pub(crate) struct Ctx {
    tfms: [Option<Comp>; MAX_ALGS],
    /// Output buffer: two pages, as compressors may expand their input.
    buf: Vec<u8>,
}

impl Ctx {
    /// Compresses `src` with algorithm `tag`; the result borrows the context buffer.
    pub(crate) fn compress(&mut self, tag: u8, src: &[u8]) -> Result<&[u8]> {
        let Ctx { tfms, buf } = self;
        let tfm = tfms
            .get_mut(tag as usize)
            .and_then(|t| t.as_mut())
            .ok_or(EINVAL)?;
        let n = tfm.compress(src, buf)?;
        Ok(&buf[..n])
    }

    /// The context's decompressor and its output buffer (two pages), apart:
    /// a load uses the buffer as scratch for a pool object that lies across
    /// two pages (zchain), which it gathers there before decompressing.
    pub(crate) fn split(&mut self) -> (Decompressor<'_>, &mut [u8]) {
        let Ctx { tfms, buf } = self;
        (Decompressor { tfms }, &mut buf[..])
    }
}

/// A context's transforms, without its buffer ([`Ctx::split`]).
pub(crate) struct Decompressor<'a> {
    tfms: &'a mut [Option<Comp>; MAX_ALGS],
}

impl Decompressor<'_> {
    /// Decompresses `src`, written by algorithm `tag`, into `dst`; returns
    /// the decompressed length.  [`TAG_RAW`] objects are copied,
    /// [`TAG_FILL`] objects repeated.
    pub(crate) fn decompress(&mut self, tag: u8, src: &[u8], dst: &mut [u8]) -> Result<usize> {
        if tag == TAG_FILL {
            if src.len() != 8 || dst.len() % 8 != 0 {
                return Err(EINVAL);
            }
            for c in dst.chunks_exact_mut(8) {
                c.copy_from_slice(src);
            }
            return Ok(dst.len());
        }
        if tag == TAG_RAW {
            if src.len() != dst.len() {
                return Err(EINVAL);
            }
            dst.copy_from_slice(src);
            return Ok(src.len());
        }
        let tfm = self
            .tfms
            .get_mut(tag as usize)
            .and_then(|t| t.as_mut())
            .ok_or(EINVAL)?;
        tfm.decompress(src, dst)
    }
}

/// The algorithm table and the per-CPU contexts.
///
/// # Invariants
///
/// A slot with stored objects (`objects[s] > 0`) has its name set and a
/// transform in every context; `current` names a slot with a name set.
/// Objects are counted (`stored`) with the context lock held that
/// compressed them, so a pass over all context locks after `current`
/// moved away from a slot sees every object that slot will ever have.
pub(crate) struct Compressors {
    names: Pin<Box<Mutex<[Option<AlgName>; MAX_ALGS]>>>,
    current: AtomicU8,
    objects: [AtomicU64; MAX_ALGS],
    ctxs: Vec<Pin<Box<Mutex<Ctx>>>>,
}

impl Compressors {
    /// Each context's output buffer: room for any page's worst case.
    const BUF: usize = 2 * PAGE_SIZE;

    /// Contexts for every possible CPU, with `name` as the current
    /// algorithm; may sleep.
    pub(crate) fn new(name: &AlgName) -> Result<Compressors> {
        let n = crate::sys::nr_cpu_ids().max(1);
        let mut ctxs = Vec::new();
        ctxs.try_reserve_exact(n).map_err(|_| ENOMEM)?;
        for _ in 0..n {
            let mut buf = Vec::new();
            buf.try_reserve_exact(Self::BUF).map_err(|_| ENOMEM)?;
            for _ in 0..Self::BUF {
                buf.try_push(0).map_err(|_| ENOMEM)?;
            }
            let ctx = Ctx {
                tfms: Default::default(),
                buf,
            };
            ctxs.try_push(Mutex::new_boxed(ctx, LockClass::CompCtx)?)
                .map_err(|_| ENOMEM)?;
        }
        let c = Compressors {
            names: Mutex::new_boxed(Default::default(), LockClass::State)?,
            current: AtomicU8::new(0),
            objects: Default::default(),
            ctxs,
        };
        c.select(name)?;
        Ok(c)
    }

    /// Makes `name` the algorithm for new objects; may sleep.  Objects
    /// written by earlier algorithms stay readable.  `ENOSPC`: all
    /// [`MAX_ALGS`] slots hold algorithms with stored objects.
    pub(crate) fn select(&self, name: &AlgName) -> Result {
        let mut names = self.names.lock();
        let slot = match names.iter().position(|n| n.as_ref() == Some(name)) {
            Some(s) => s,
            None => {
                if !names.iter().any(|n| n.is_none()) {
                    self.release_unused_locked(&mut names);
                }
                let s = names.iter().position(|n| n.is_none()).ok_or(ENOSPC)?;
                // Allocate every transform before installing any.
                let mut tfms = Vec::new();
                tfms.try_reserve_exact(self.ctxs.len())
                    .map_err(|_| ENOMEM)?;
                for _ in self.ctxs.iter() {
                    tfms.try_push(Comp::new(name)?).map_err(|_| ENOMEM)?;
                }
                for (ctx, tfm) in self.ctxs.iter().zip(tfms) {
                    ctx.lock().tfms[s] = Some(tfm);
                }
                names[s] = Some(*name);
                s
            }
        };
        self.current.store(slot as u8, Ordering::Release);
        self.release_unused_locked(&mut names);
        Ok(())
    }

    /// Frees the transforms of algorithms that are not selected and have
    /// no stored objects left; returns how many were freed.  May sleep.
    pub(crate) fn release_unused(&self) -> usize {
        let mut names = self.names.lock();
        self.release_unused_locked(&mut names)
    }

    /// Slots not selected, with a name and no stored objects, as a bitmask.
    fn idle(&self, names: &[Option<AlgName>; MAX_ALGS]) -> u32 {
        let current = self.current.load(Ordering::Acquire) as usize;
        (0..MAX_ALGS)
            .filter(|&s| {
                s != current && names[s].is_some() && self.objects[s].load(Ordering::Acquire) == 0
            })
            .fold(0, |m, s| m | 1 << s)
    }

    fn release_unused_locked(&self, names: &mut [Option<AlgName>; MAX_ALGS]) -> usize {
        if self.idle(names) == 0 {
            return 0;
        }
        // Wait out stores that read the old `current` before it changed:
        // each counts its object before releasing its context lock.
        for ctx in self.ctxs.iter() {
            drop(ctx.lock());
        }
        let idle = self.idle(names);
        for s in 0..MAX_ALGS {
            if idle & (1 << s) == 0 {
                continue;
            }
            // No store uses slot `s` any more and no object needs it.
            for ctx in self.ctxs.iter() {
                let old = ctx.lock().tfms[s].take();
                drop(old);
            }
            names[s] = None;
        }
        idle.count_ones() as usize
    }

    /// Algorithms with transforms allocated (selected or with objects).
    #[cfg(zrs_kunit)]
    pub(crate) fn loaded(&self) -> usize {
        self.names.lock().iter().filter(|n| n.is_some()).count()
    }

    /// Counts a stored object written with `tag`; call it inside the
    /// [`Compressors::with_ctx`] that compressed it.
    pub(crate) fn stored(&self, tag: u8) {
        if let Some(c) = self.objects.get(tag as usize) {
            c.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Counts a freed object that was written with `tag`.
    pub(crate) fn freed(&self, tag: u8) {
        if let Some(c) = self.objects.get(tag as usize) {
            c.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Runs `f` with this CPU's context and the current algorithm's tag; may sleep.
    pub(crate) fn with_ctx<R>(&self, f: impl FnOnce(&mut Ctx, u8) -> R) -> R {
        let ctx = &self.ctxs[crate::sys::cpu_id() % self.ctxs.len()];
        let mut g = ctx.lock();
        let tag = self.current.load(Ordering::Acquire);
        f(&mut g, tag)
    }
}

const _: () = assert!(Compressors::BUF >= crate::sys::crypto::compress_bound(PAGE_SIZE));
