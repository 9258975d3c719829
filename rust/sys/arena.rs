// SPDX-License-Identifier: GPL-2.0

//! A grow-only table of objects with stable addresses, indexed by `u32`.
//!
//! The zbud frame table lives here: a frame id (the "handle" stored in the
//! index) maps to a frame descriptor whose address never changes and which
//! is never freed while the table lives, so a reader that got an id from the
//! index may look it up without any pool-wide lock.  Blocks of [`BLOCK`]
//! objects are allocated as the pool grows (by the caller, outside spinlocks)
//! and installed with one atomic pointer store.
//!
//! The directory has two levels, so that its size follows what the pool
//! really uses rather than what it could reach: a *top* array with one
//! pointer per [`DIR`] blocks, sized for the table's maximum at creation
//! (`kvzalloc`: 8 bytes per 128 MiB of pool pages, 1 MiB for the largest
//! table of 2^32 frames), and directory pages of [`DIR`] block pointers
//! allocated as blocks are installed.  A 512 MiB machine needs a 32-byte
//! top array and one directory page; a 16 TiB machine a 1 MiB top array.

use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use super::lock::{LockClass, SpinLock};
use super::{Gfp, Result, EAGAIN, ENOMEM, ENOSPC, PAGE_SIZE};
use crate::sys::bindings as ffi;

/// Objects per block.
pub(crate) const BLOCK: usize = 64;
/// Block pointers per directory page.
pub(crate) const DIR: usize = PAGE_SIZE / core::mem::size_of::<usize>();
/// Largest number of objects a table can have (ids are `u32`).
pub(crate) const MAX_OBJECTS: usize = 1 << 32;

/// One block of [`BLOCK`] initialised objects, not yet installed.
///
/// # Invariants
///
/// `ptr` points to a `kmalloc`ed array of `BLOCK` initialised `T`s owned
/// by this object.
pub(crate) struct Block<T> {
    ptr: NonNull<T>,
}

// SAFETY: A block owns its `T`s like a `Box<[T]>` does.
unsafe impl<T: Send> Send for Block<T> {}

/// Allocates `size` bytes with `gfp` (never `__GFP_MOVABLE`: slab memory
/// must not sit in movable page blocks).
fn kmalloc(size: usize, gfp: Gfp) -> Result<NonNull<u8>> {
    // SAFETY: `__kmalloc` may be called with any size and a `gfp` valid for
    // the caller's context; kmalloc memory is 8-byte aligned at least.
    let raw = unsafe { ffi::__kmalloc(size, gfp.without_movable().0) };
    NonNull::new(raw.cast::<u8>()).ok_or(ENOMEM)
}

impl<T> Block<T> {
    /// Allocates a block with `gfp` and fills it with `make(i)`.
    pub(crate) fn try_new(gfp: Gfp, mut make: impl FnMut(usize) -> T) -> Result<Block<T>> {
        let size = core::mem::size_of::<T>()
            .checked_mul(BLOCK)
            .ok_or(crate::sys::EINVAL)?;
        if core::mem::align_of::<T>() > 8 || size == 0 {
            return Err(crate::sys::EINVAL);
        }
        let ptr = kmalloc(size, gfp)?.cast::<T>();
        for i in 0..BLOCK {
            // SAFETY: `i < BLOCK`, so the slot is inside the allocation.
            unsafe { ptr.as_ptr().add(i).write(make(i)) };
        }
        // INVARIANT: All `BLOCK` objects were written above.
        Ok(Block { ptr })
    }
}

impl<T> Block<SpinLock<T>> {
    /// A block of initialised spinlocks of class `class` around `make(i)`.
    pub(crate) fn try_new_locks(
        gfp: Gfp,
        class: LockClass,
        mut make: impl FnMut(usize) -> T,
    ) -> Result<Block<SpinLock<T>>> {
        // SAFETY: Every lock is initialised below, in place, before the
        // block is returned (and its objects never move: `Block`, `Arena`).
        let b = Block::try_new(gfp, |i| unsafe { SpinLock::new_uninit(make(i)) })?;
        for i in 0..BLOCK {
            // SAFETY: In bounds and initialised (invariant); we own the block
            // exclusively, and its objects are never moved (pinning holds).
            let lock = unsafe { Pin::new_unchecked(&mut *b.ptr.as_ptr().add(i)) };
            lock.init(class);
        }
        Ok(b)
    }
}

impl<T> Drop for Block<T> {
    fn drop(&mut self) {
        for i in 0..BLOCK {
            // SAFETY: Initialised and owned (invariant); dropped once.
            unsafe { ptr::drop_in_place(self.ptr.as_ptr().add(i)) };
        }
        // SAFETY: Allocated with `__kmalloc` (invariant).
        unsafe { ffi::kfree(self.ptr.as_ptr().cast()) };
    }
}

/// A directory page: [`DIR`] block pointers.
type Dir<T> = [AtomicPtr<T>; DIR];

/// The table.
///
/// # Invariants
///
/// `top` points to a `kvzalloc`ed array of `ntop` pointers, owned by the
/// arena.  Each non-null `top[i]` points to a `kmalloc`ed [`Dir`] owned by
/// the arena; each non-null pointer in a `Dir` points to an installed
/// block.  Blocks `0..len` are installed (their `top` and `Dir` entries are
/// non-null), the others are not; nothing installed is moved or freed
/// before the arena is dropped.
pub(crate) struct Arena<T> {
    top: NonNull<AtomicPtr<Dir<T>>>,
    ntop: usize,
    max_blocks: usize,
    len: AtomicUsize,
}

// SAFETY: Shared access hands out `&T` to several threads: needs `T: Sync`;
// dropping the arena drops `T`s, possibly on another thread: `T: Send`.
unsafe impl<T: Send + Sync> Sync for Arena<T> {}
// SAFETY: As above.
unsafe impl<T: Send> Send for Arena<T> {}

impl<T> Arena<T> {
    /// A table for at most `max` objects (rounded up to whole blocks, at
    /// most [`MAX_OBJECTS`]); only the top array is allocated now
    /// (`GFP_KERNEL`), directory pages and blocks as the table grows.
    pub(crate) fn new(max: usize) -> Result<Arena<T>> {
        let max_blocks = (max.min(MAX_OBJECTS) + BLOCK - 1) / BLOCK;
        let ntop = ((max_blocks + DIR - 1) / DIR).max(1);
        let size = ntop * core::mem::size_of::<AtomicPtr<Dir<T>>>();
        // SAFETY: `kvzalloc` may be called with any size in sleepable
        // context (`GFP_KERNEL`: callers are module init and tests).
        let raw = unsafe { ffi::zswap_rs_kvzalloc(size, Gfp::KERNEL.0) };
        let top = NonNull::new(raw.cast::<AtomicPtr<Dir<T>>>()).ok_or(ENOMEM)?;
        // INVARIANT: A zeroed array of `ntop` null pointers, nothing installed.
        Ok(Arena {
            top,
            ntop,
            max_blocks,
            len: AtomicUsize::new(0),
        })
    }

    fn top(&self) -> &[AtomicPtr<Dir<T>>] {
        // SAFETY: `top` holds `ntop` initialised (zeroed = null) atomics for
        // the arena's lifetime (invariant).
        unsafe { core::slice::from_raw_parts(self.top.as_ptr(), self.ntop) }
    }

    fn dir(&self, block: usize) -> Option<&Dir<T>> {
        let d = self.top().get(block / DIR)?.load(Ordering::Acquire);
        // SAFETY: Non-null top entries point to directory pages owned by the
        // arena and never freed before it (invariant).
        unsafe { d.as_ref() }
    }

    /// Number of ids in use so far (installed blocks × [`BLOCK`]).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire) * BLOCK
    }

    /// True if another block can be installed.
    pub(crate) fn can_grow(&self) -> bool {
        self.len.load(Ordering::Acquire) < self.max_blocks
    }

    /// The object with id `id`, if its block is installed.
    pub(crate) fn get(&self, id: u32) -> Option<&T> {
        let id = id as usize;
        let p = self.dir(id / BLOCK)?[(id / BLOCK) % DIR].load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: Non-null directory entries point to installed blocks that
        // live as long as `self` (invariant), and `id % BLOCK` is in bounds.
        Some(unsafe { &*p.add(id % BLOCK) })
    }

    /// Exclusive access to object `id`.
    pub(crate) fn get_mut(&mut self, id: u32) -> Option<&mut T> {
        let p = self.get(id)? as *const T as *mut T;
        // SAFETY: An installed object (as in `get`); `&mut self` makes this
        // the only access.
        Some(unsafe { &mut *p })
    }

    /// True if installing the next block needs a new directory page
    /// (pass one to [`Arena::install`]).
    pub(crate) fn needs_dir(&self) -> bool {
        let n = self.len.load(Ordering::Acquire);
        n < self.max_blocks && self.dir(n).is_none()
    }

    /// Installs `block` as the next block; returns the id of its first
    /// object.  Callers serialise installs (the pool lock).  If the block
    /// needs a new directory page it is taken from `dir`.  Errors (the
    /// block is dropped): `EAGAIN`, a directory page is needed and `dir` is
    /// empty; `ENOSPC`, the table is full.  Never sleeps.
    pub(crate) fn install(&self, block: Block<T>, dir: &mut Option<DirPage>) -> Result<u32> {
        let n = self.len.load(Ordering::Acquire);
        if n >= self.max_blocks {
            return Err(ENOSPC);
        }
        let d = match self.dir(n) {
            Some(d) => d,
            None => {
                let page = dir.take().ok_or(EAGAIN)?;
                let p = page.ptr.as_ptr().cast::<Dir<T>>();
                // Ownership moves into the top array.
                core::mem::forget(page);
                // INVARIANT: A zeroed directory page, now owned by the arena
                // (installs are serialised, so the entry was null).
                self.top()[n / DIR].store(p, Ordering::Release);
                // SAFETY: Just installed; valid for the arena's lifetime.
                unsafe { &*p }
            }
        };
        let p = block.ptr.as_ptr();
        if d[n % DIR]
            .compare_exchange(ptr::null_mut(), p, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // Installs are serialised by the caller; losing a race is a bug.
            return Err(ENOSPC);
        }
        // Ownership moved into the directory.
        core::mem::forget(block);
        // INVARIANT: Block `n` is now installed and `len` covers it.
        self.len.store(n + 1, Ordering::Release);
        Ok((n * BLOCK) as u32)
    }
}

/// A zeroed directory page for [`Arena::install`], allocated beforehand
/// (outside the spinlock that serialises installs).
///
/// # Invariants
///
/// `ptr` points to a zeroed `kmalloc`ed page owned by this object.
pub(crate) struct DirPage {
    ptr: NonNull<u8>,
}

// SAFETY: Plain memory owned by the object.
unsafe impl Send for DirPage {}

impl DirPage {
    /// Allocates one with `gfp`.
    pub(crate) fn try_new(gfp: Gfp) -> Result<DirPage> {
        const _: () = assert!(core::mem::size_of::<[AtomicPtr<u8>; DIR]>() == PAGE_SIZE);
        // INVARIANT: Zeroed (`__GFP_ZERO`) and ours.
        Ok(DirPage {
            ptr: kmalloc(PAGE_SIZE, gfp.zeroed())?,
        })
    }
}

impl Drop for DirPage {
    fn drop(&mut self) {
        // SAFETY: Allocated with `__kmalloc` and owned (invariant).
        unsafe { ffi::kfree(self.ptr.as_ptr().cast()) };
    }
}

impl<T> Drop for Arena<T> {
    fn drop(&mut self) {
        let n = *self.len.get_mut();
        for b in 0..n {
            if let Some(dir) = self.dir(b) {
                let p = dir[b % DIR].swap(ptr::null_mut(), Ordering::Relaxed);
                if let Some(ptr) = NonNull::new(p) {
                    // INVARIANT: Give the block back to a `Block`, which drops it.
                    drop(Block { ptr });
                }
            }
        }
        for t in self.top() {
            let d = t.swap(ptr::null_mut(), Ordering::Relaxed);
            if !d.is_null() {
                // SAFETY: A directory page allocated with `__kmalloc` and
                // owned by the arena (invariant); no block is left in it.
                unsafe { ffi::kfree(d.cast()) };
            }
        }
        // SAFETY: Allocated with `kvzalloc` in `new` (invariant).
        unsafe { ffi::zswap_rs_kvfree(self.top.as_ptr().cast()) };
    }
}
