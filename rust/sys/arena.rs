// SPDX-License-Identifier: GPL-2.0

//! A grow-only table of objects with stable addresses, indexed by `u32`.
//!
//! The zbud frame table lives here: a frame id (the "handle" stored in the
//! index) maps to a frame descriptor whose address never changes and which
//! is never freed while the table lives, so a reader that got an id from the
//! index may look it up without any pool-wide lock.  Blocks of [`BLOCK`]
//! objects are allocated as the pool grows (by the caller, outside spinlocks)
//! and installed with one atomic pointer store.

use alloc::vec::Vec;
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use super::{Gfp, Result, ENOMEM, ENOSPC};
use crate::ffi;

/// Objects per block.
pub(crate) const BLOCK: usize = 64;

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

impl<T> Block<T> {
    /// Allocates a block with `gfp` and fills it with `make(i)`.
    pub(crate) fn try_new(gfp: Gfp, mut make: impl FnMut(usize) -> T) -> Result<Block<T>> {
        let size = core::mem::size_of::<T>() * BLOCK;
        assert!(core::mem::align_of::<T>() <= 8 && size > 0);
        // SAFETY: `__kmalloc` may be called with any size and a `gfp` valid
        // for the caller's context; kmalloc memory is 8-byte aligned at least.
        let raw = unsafe { ffi::__kmalloc(size, gfp.0) }.cast::<T>();
        let ptr = NonNull::new(raw).ok_or(ENOMEM)?;
        for i in 0..BLOCK {
            // SAFETY: `i < BLOCK`, so the slot is inside the allocation.
            unsafe { ptr.as_ptr().add(i).write(make(i)) };
        }
        // INVARIANT: All `BLOCK` objects were written above.
        Ok(Block { ptr })
    }

    /// Pinned access to each object (for in-place initialisation of locks):
    /// a block's objects never move.
    pub(crate) fn for_each_pinned(&mut self, mut f: impl FnMut(usize, Pin<&mut T>)) {
        for i in 0..BLOCK {
            // SAFETY: In bounds and initialised (invariant); `&mut self`
            // makes this the only access.  The objects are never moved out
            // of the block (not by `Block`, not by `Arena`), so pinning holds.
            f(i, unsafe {
                Pin::new_unchecked(&mut *self.ptr.as_ptr().add(i))
            });
        }
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

/// The table.
///
/// # Invariants
///
/// `dir[0..len]` are non-null pointers to installed blocks, owned by the
/// arena, never moved or freed before the arena is dropped; `dir[len..]`
/// are null.
pub(crate) struct Arena<T> {
    dir: Vec<AtomicPtr<T>>,
    len: AtomicUsize,
}

// SAFETY: Shared access hands out `&T` to several threads: needs `T: Sync`;
// dropping the arena drops `T`s, possibly on another thread: `T: Send`.
unsafe impl<T: Send + Sync> Sync for Arena<T> {}
// SAFETY: As above.
unsafe impl<T: Send> Send for Arena<T> {}

impl<T> Arena<T> {
    /// A table for at most `max` objects (rounded up to whole blocks); the
    /// directory is allocated now (`GFP_KERNEL`), the blocks later.
    pub(crate) fn new(max: usize) -> Result<Arena<T>> {
        let nblocks = (max + BLOCK - 1) / BLOCK;
        let mut dir = Vec::new();
        dir.try_reserve_exact(nblocks).map_err(|_| ENOMEM)?;
        for _ in 0..nblocks {
            dir.try_push(AtomicPtr::new(ptr::null_mut()))
                .map_err(|_| ENOMEM)?;
        }
        // INVARIANT: No block installed yet, every pointer is null.
        Ok(Arena {
            dir,
            len: AtomicUsize::new(0),
        })
    }

    /// Number of ids in use so far (installed blocks × [`BLOCK`]).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire) * BLOCK
    }

    /// True if another block can be installed.
    pub(crate) fn can_grow(&self) -> bool {
        self.len.load(Ordering::Acquire) < self.dir.len()
    }

    /// The object with id `id`, if its block is installed.
    pub(crate) fn get(&self, id: u32) -> Option<&T> {
        let id = id as usize;
        let p = self.dir.get(id / BLOCK)?.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: Non-null directory entries point to installed blocks that
        // live as long as `self` (invariant), and `id % BLOCK` is in bounds.
        Some(unsafe { &*p.add(id % BLOCK) })
    }

    /// Exclusive access to object `id`.
    pub(crate) fn get_mut(&mut self, id: u32) -> Option<&mut T> {
        let id = id as usize;
        let p = self.dir.get(id / BLOCK)?.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: As in `get`; `&mut self` makes this the only access.
        Some(unsafe { &mut *p.add(id % BLOCK) })
    }

    /// Installs `block` as the next block; returns the id of its first
    /// object.  Callers serialise growth (the pool lock).
    pub(crate) fn install(&self, block: Block<T>) -> Result<u32> {
        let n = self.len.load(Ordering::Acquire);
        let slot = self.dir.get(n).ok_or(ENOSPC)?;
        let p = block.ptr.as_ptr();
        if slot
            .compare_exchange(ptr::null_mut(), p, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // Growth is serialised by the caller; losing a race is a bug.
            return Err(ENOSPC);
        }
        // Ownership moved into the directory.
        core::mem::forget(block);
        // INVARIANT: `dir[n]` is now installed and `len` covers it.
        self.len.store(n + 1, Ordering::Release);
        Ok((n * BLOCK) as u32)
    }
}

impl<T> Drop for Arena<T> {
    fn drop(&mut self) {
        let n = *self.len.get_mut();
        for e in self.dir[..n].iter_mut() {
            let p = *e.get_mut();
            // INVARIANT: Give the block back to a `Block`, which drops it.
            drop(Block {
                ptr: NonNull::new(p).expect("installed block"),
            });
        }
    }
}
