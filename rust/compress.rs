// SPDX-License-Identifier: GPL-2.0

//! Compressors: per-CPU contexts holding one transform per algorithm in use.
//!
//! Every object is tagged with the id of the algorithm that compressed it
//! (its slot in the algorithm table), so switching the `compressor` knob at
//! run time never makes an existing object unreadable: old algorithms keep
//! their transforms.  The table has [`MAX_ALGS`] slots for the module's
//! lifetime; a slot is never reused, which keeps the tag of every stored
//! object valid without any reference counting.
//!
//! Like zswap 6.1, a context is chosen by the current CPU and protected by a
//! mutex: compression may sleep (the pool allocates under it), and a task
//! that migrates to another CPU meanwhile only costs some contention.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::pin::Pin;
use core::sync::atomic::{AtomicU8, Ordering};

use crate::sys::crypto::{AlgName, Comp};
use crate::sys::lock::{LockClass, Mutex};
use crate::sys::{Result, EINVAL, ENOMEM, ENOSPC, PAGE_SIZE};

/// Distinct algorithms a module instance can use over its lifetime.
pub(crate) const MAX_ALGS: usize = 8;
/// Tag of an object stored as-is (not compressed).
pub(crate) const TAG_RAW: u8 = 0xff;

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

    /// Decompresses `src`, written by algorithm `tag`, into `dst`; returns
    /// the decompressed length.  [`TAG_RAW`] objects are copied.
    pub(crate) fn decompress(&mut self, tag: u8, src: &[u8], dst: &mut [u8]) -> Result<usize> {
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
pub(crate) struct Compressors {
    names: Pin<Box<Mutex<[Option<AlgName>; MAX_ALGS]>>>,
    current: AtomicU8,
    ctxs: Vec<Pin<Box<Mutex<Ctx>>>>,
}

impl Compressors {
    /// Contexts for every possible CPU, with `name` as the current
    /// algorithm; may sleep.
    pub(crate) fn new(name: &AlgName) -> Result<Compressors> {
        let n = crate::sys::nr_cpu_ids().max(1);
        let mut ctxs = Vec::new();
        ctxs.try_reserve_exact(n).map_err(|_| ENOMEM)?;
        for _ in 0..n {
            let mut buf = Vec::new();
            buf.try_reserve_exact(2 * PAGE_SIZE).map_err(|_| ENOMEM)?;
            for _ in 0..2 * PAGE_SIZE {
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
            ctxs,
        };
        c.select(name)?;
        Ok(c)
    }

    /// Makes `name` the algorithm for new objects; may sleep.  Objects
    /// written by earlier algorithms stay readable.
    pub(crate) fn select(&self, name: &AlgName) -> Result {
        let mut names = self.names.lock();
        let slot = match names.iter().position(|n| n.as_ref() == Some(name)) {
            Some(s) => s,
            None => {
                let s = names.iter().position(|n| n.is_none()).ok_or(ENOSPC)?;
                for ctx in self.ctxs.iter() {
                    let tfm = Comp::new(name)?;
                    ctx.lock().tfms[s] = Some(tfm);
                }
                names[s] = Some(*name);
                s
            }
        };
        self.current.store(slot as u8, Ordering::Release);
        Ok(())
    }

    /// Runs `f` with this CPU's context and the current algorithm's tag; may sleep.
    pub(crate) fn with_ctx<R>(&self, f: impl FnOnce(&mut Ctx, u8) -> R) -> R {
        let ctx = &self.ctxs[crate::sys::cpu_id() % self.ctxs.len()];
        let mut g = ctx.lock();
        let tag = self.current.load(Ordering::Acquire);
        f(&mut g, tag)
    }
}
