// SPDX-License-Identifier: GPL-2.0

//! Block devices: the [`Operations`] trait, its C ops table, a disk built
//! by a [`GenDiskBuilder`] and owned by a [`GenDisk`], the [`Bio`]s it is
//! handed, and bounce pages that a sleeping allocation always gets
//! ([`BouncePool`]).
//!
//! C header: `include/linux/blkdev.h`, `include/linux/bio.h`.
//!
//! The shape is upstream's Rust block layer (`kernel::block::mq`, the
//! model driver `drivers/block/rnull.rs`): an `Operations` trait whose
//! functions the C table calls through generic trampolines, a
//! `GenDiskBuilder` that sets the queue limits and builds a `GenDisk`,
//! which removes the disk when dropped.  One difference, argued here: the
//! disk is **bio-based** (`block_device_operations::submit_bio`, as zram
//! and brd are in 6.1), not blk-mq with a tag set and `queue_rq`:
//!
//! * The device is synchronous and in memory: every bio is served in the
//!   submitter's context and completed before `submit_bio` returns.  blk-mq
//!   would add a request allocation, a tag and a dispatch per I/O, and
//!   nothing it offers (scheduling, merging, per-queue hardware contexts,
//!   timeouts) applies to a RAM device.
//! * Swap-out runs in reclaim.  A bio-based driver is called in the
//!   submitter's task with no request to allocate, so the write path's
//!   only allocations are the pool's own, made under an implicit
//!   `GFP_NOIO` scope ([`super::alloc::noio`]).  A blk-mq driver would
//!   also wait for a free tag in reclaim.
//! * Our store path may sleep (the per-CPU compression context is a
//!   mutex): `queue_rq` may only sleep with `BLK_MQ_F_BLOCKING`, which on
//!   6.1 moves dispatch to SRCU-protected contexts, and in exchange gives
//!   nothing this device needs.
//! * 6.1's C block layer has no Rust abstraction at all; upstream's
//!   `mq` module depends on later core changes (`blk_mq_alloc_disk` with
//!   queue limits, the `Request` refcount in the PDU), while the bio-based
//!   calls used here (`blk_alloc_disk`, `device_add_disk`, `bio_endio`)
//!   are stable 6.1 exports.
//!
//! The callbacks find the ops table in `disk->private_data`; the C side
//! (`helpers.c`) holds the one `block_device_operations` (owner
//! `THIS_MODULE`: an open disk pins the module, so `rmmod` is refused
//! while it is swapped on) and the disk's sysfs attributes
//! ([`DiskAttr`]), both forwarding to that table.

use core::ffi::{c_char, c_int, c_uint, c_ulong};
use core::marker::PhantomData;
use core::ptr::NonNull;

use super::global::CallbackGuard;
use super::module::TextPin;
use super::page::PageRef;
use super::str::PageBuf;
use super::{Gfp, Result, EINVAL, ENOMEM, PAGE_SIZE};
use crate::sys::bindings as ffi;

/// Bytes per sector (the block layer's unit, whatever the block size).
pub(crate) const SECTOR_SIZE: u64 = 512;

/// A bio-based block device driver.  The functions are called through
/// the disk's C table while the [`GenDisk`] lives (its drop waits for
/// them: `del_gendisk` drains the queue and removes the sysfs files).
pub(crate) trait Operations: 'static {
    /// Serves `bio`; the result completes it (`Err`: the bio fails with
    /// the errno's block status).  Runs in the submitter's task and may
    /// sleep; its allocations must not recurse into I/O (swap-out calls
    /// it from reclaim).
    fn submit_bio(g: &CallbackGuard, bio: &mut Bio<'_>) -> Result;
    /// The disk was opened (under the disk's `open_mutex`); an error
    /// refuses the open.
    fn open(_g: &CallbackGuard) -> Result {
        Ok(())
    }
    /// The disk was closed (under the disk's `open_mutex`).
    fn release(_g: &CallbackGuard) {}
    /// Swap freed the slot at page `index` of the disk (atomic context:
    /// the swap device's spinlock is held; must not sleep).
    fn swap_slot_free_notify(g: &CallbackGuard, index: u64);
    /// Shows attribute `attr` of `disk` (`/sys/block/<name>/<attr>`).
    fn attr_show(g: &CallbackGuard, disk: &DiskRef<'_>, attr: DiskAttr, out: &mut PageBuf<'_>);
    /// Stores `val` (the bytes written) into attribute `attr` of `disk`.
    fn attr_store(g: &CallbackGuard, disk: &DiskRef<'_>, attr: DiskAttr, val: &[u8]) -> Result;
}

/// The disk's own sysfs attributes (helpers.h's `enum zswap_rs_disk_attr`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub(crate) enum DiskAttr {
    /// `disksize`: the capacity in bytes.
    Disksize = ffi::zswap_rs_disk_attr_ZRS_DISK_ATTR_DISKSIZE,
}

impl DiskAttr {
    fn from_id(id: u32) -> Option<DiskAttr> {
        [DiskAttr::Disksize].into_iter().find(|a| *a as u32 == id)
    }
}

/// What a [`Bio`] asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BioOp {
    /// `REQ_OP_READ`.
    Read,
    /// `REQ_OP_WRITE`.
    Write,
    /// `REQ_OP_DISCARD`.
    Discard,
    /// `REQ_OP_WRITE_ZEROES`.
    WriteZeroes,
    /// `REQ_OP_FLUSH` (an empty flush).
    Flush,
    /// Anything else (secure erase, zone operations...).
    Other,
}

/// A bio being served, lent to [`Operations::submit_bio`] for the call;
/// the trampoline completes it afterwards.
///
/// # Invariants
///
/// `ptr` is a bio submitted to our disk and not completed yet, valid for
/// `'a`; nobody else touches its iterator meanwhile.
pub(crate) struct Bio<'a> {
    ptr: NonNull<ffi::bio>,
    _p: PhantomData<&'a mut ffi::bio>,
}

impl<'a> Bio<'a> {
    /// The operation.
    pub(crate) fn op(&self) -> BioOp {
        // SAFETY: A valid bio (invariant); reads its flags.
        match unsafe { ffi::zswap_rs_bio_op(self.ptr.as_ptr()) } {
            ffi::zswap_rs_bio_op_ZRS_BIO_READ => BioOp::Read,
            ffi::zswap_rs_bio_op_ZRS_BIO_WRITE => BioOp::Write,
            ffi::zswap_rs_bio_op_ZRS_BIO_DISCARD => BioOp::Discard,
            ffi::zswap_rs_bio_op_ZRS_BIO_WRITE_ZEROES => BioOp::WriteZeroes,
            ffi::zswap_rs_bio_op_ZRS_BIO_FLUSH => BioOp::Flush,
            _ => BioOp::Other,
        }
    }

    /// The first sector not yet consumed by [`Bio::next_segment`].
    pub(crate) fn sector(&self) -> u64 {
        // SAFETY: A valid bio (invariant).
        unsafe { ffi::zswap_rs_bio_sector(self.ptr.as_ptr()) }
    }

    /// Bytes not yet consumed by [`Bio::next_segment`] (for a discard:
    /// the range's length).
    pub(crate) fn size(&self) -> u64 {
        // SAFETY: A valid bio (invariant).
        unsafe { ffi::zswap_rs_bio_size(self.ptr.as_ptr()) as u64 }
    }

    /// The next segment of the bio's data (a piece of one page), in
    /// device order (`bio_for_each_segment`); consumes it, so
    /// [`Bio::sector`] and [`Bio::size`] then describe what is left.
    pub(crate) fn next_segment(&mut self) -> Option<Segment<'_>> {
        let mut page = core::ptr::null_mut();
        let (mut offset, mut len) = (0, 0);
        // SAFETY: A valid bio whose iterator is ours (invariant); the out
        // pointers are valid locals.
        let more = unsafe {
            ffi::zswap_rs_bio_next_segment(self.ptr.as_ptr(), &mut page, &mut offset, &mut len)
        };
        if !more {
            return None;
        }
        // INVARIANT: `bio_iter_iovec` gives a page of the bio and a range
        // within that page (a single-page segment).
        Some(Segment {
            page: NonNull::new(page)?,
            offset: offset as usize,
            len: len as usize,
            _p: PhantomData,
        })
    }
}

/// One single-page piece of a [`Bio`]'s data buffer.  Its bytes are
/// copied, never lent as a Rust slice: a bio's pages may be mapped by
/// others meanwhile (a direct-I/O buffer in user memory), so they are
/// accessed only by `memcpy`, as the kernel's own drivers do.
///
/// # Invariants
///
/// `page` is a page of the bio's buffer, referenced for the bio's
/// lifetime; `offset + len <= PAGE_SIZE`.
pub(crate) struct Segment<'b> {
    page: NonNull<ffi::page>,
    offset: usize,
    len: usize,
    _p: PhantomData<&'b mut ()>,
}

impl Segment<'_> {
    /// Offset of the segment within its page.
    pub(crate) fn offset(&self) -> usize {
        self.offset
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Copies the segment's bytes to `dst`, which must be exactly as long
    /// (panics otherwise).
    pub(crate) fn copy_to(&self, dst: &mut [u8]) {
        assert_eq!(dst.len(), self.len);
        // SAFETY: The page is valid and `offset + len` lies within it
        // (invariant); `dst` is valid for `len` bytes of writes.
        unsafe {
            ffi::zswap_rs_memcpy_from_page(
                dst.as_mut_ptr().cast(),
                self.page.as_ptr(),
                self.offset,
                self.len,
            )
        };
    }

    /// Copies `src`, exactly as long as the segment (panics otherwise),
    /// into the segment.
    pub(crate) fn copy_from(&mut self, src: &[u8]) {
        assert_eq!(src.len(), self.len);
        // SAFETY: The page is valid and `offset + len` lies within it
        // (invariant); `src` is valid for `len` bytes of reads.  Others
        // may read the page meanwhile (a read bio's buffer is the
        // submitter's until completion), which a `memcpy` allows.
        unsafe {
            ffi::zswap_rs_memcpy_to_page(
                self.page.as_ptr(),
                self.offset,
                src.as_ptr().cast(),
                self.len,
            )
        };
    }
}

/// A disk lent to an attribute callback.
///
/// # Invariants
///
/// `ptr` is a live disk of ours, valid for `'a`.
pub(crate) struct DiskRef<'a> {
    ptr: NonNull<ffi::gendisk>,
    _p: PhantomData<&'a ffi::gendisk>,
}

impl DiskRef<'_> {
    /// The capacity in sectors.
    pub(crate) fn capacity_sectors(&self) -> u64 {
        // SAFETY: A live disk (invariant).
        unsafe { ffi::zswap_rs_disk_capacity(self.ptr.as_ptr()) }
    }

    /// Sets the capacity (`set_capacity_and_notify`: a uevent says so).
    pub(crate) fn set_capacity_sectors(&self, sectors: u64) {
        // SAFETY: A live disk (invariant); the capacity may change at any
        // time (the block layer reads it under its own seqcount).
        unsafe { ffi::zswap_rs_disk_set_capacity(self.ptr.as_ptr(), sectors) }
    }

    /// Runs `f` while nobody holds the disk open and nobody can open it
    /// (under the disk's `open_mutex`); `EBUSY` if it is open (swapped
    /// on, mounted, opened by a program).  May sleep; `f` must not open
    /// the disk.
    pub(crate) fn with_unopened<R>(&self, f: impl FnOnce() -> R) -> Result<R> {
        // SAFETY: A live disk (invariant); on success the mutex is held.
        super::to_result(unsafe { ffi::zswap_rs_disk_lock_unopened(self.ptr.as_ptr()) })?;
        let r = f();
        // SAFETY: Held since the call above, by this task.
        unsafe { ffi::zswap_rs_disk_unlock(self.ptr.as_ptr()) };
        Ok(r)
    }
}

/// The C ops table of `T`.
struct VTable<T: Operations>(PhantomData<T>);

impl<T: Operations> VTable<T> {
    /// # Safety
    ///
    /// Called by the block layer only, for a bio submitted to a disk that
    /// a [`GenDisk`] of `T` created, not completed yet.
    unsafe extern "C" fn submit_bio(bio: *mut ffi::bio) {
        let ptr = match NonNull::new(bio) {
            Some(p) => p,
            None => return,
        };
        let g = CallbackGuard::new();
        // SAFETY: The block layer passes a valid bio that is ours until
        // we complete it; its accounting starts before anything else.
        let start = unsafe { ffi::zswap_rs_bio_start_acct(ptr.as_ptr()) };
        // INVARIANT: Ours until completed below, which happens only after
        // the borrow ends.
        let r = T::submit_bio(
            &g,
            &mut Bio {
                ptr,
                _p: PhantomData,
            },
        );
        let err = match r {
            Ok(()) => 0,
            Err(e) => e.to_c(),
        };
        // SAFETY: Still ours; completed exactly once, here (the `Bio`
        // borrowed by `T` is gone).
        unsafe {
            ffi::zswap_rs_bio_end_acct(ptr.as_ptr(), start);
            ffi::zswap_rs_bio_endio(ptr.as_ptr(), err);
        }
    }

    /// # Safety
    ///
    /// Called by the block layer only (`open`, under `open_mutex`).
    unsafe extern "C" fn open(_disk: *mut ffi::gendisk) -> c_int {
        let g = CallbackGuard::new();
        super::from_result(T::open(&g))
    }

    /// # Safety
    ///
    /// Called by the block layer only (`release`, under `open_mutex`).
    unsafe extern "C" fn release(_disk: *mut ffi::gendisk) {
        let g = CallbackGuard::new();
        T::release(&g);
    }

    /// # Safety
    ///
    /// Called by swap only, under the swap device's lock.
    unsafe extern "C" fn swap_slot_free_notify(_disk: *mut ffi::gendisk, index: c_ulong) {
        let g = CallbackGuard::new();
        T::swap_slot_free_notify(&g, index as u64);
    }

    /// # Safety
    ///
    /// Called by sysfs only, for an attribute of a live disk of ours
    /// (`del_gendisk` removes the files and waits for their callbacks),
    /// with `buf` a `PAGE_SIZE` buffer that is ours for the call.
    unsafe extern "C" fn attr_show(disk: *mut ffi::gendisk, id: c_uint, buf: *mut c_char) -> c_int {
        let g = CallbackGuard::new();
        // SAFETY: A `PAGE_SIZE` buffer, ours for the call (contract).
        let mut out = unsafe { PageBuf::from_raw(buf) };
        if let (Some(ptr), Some(attr)) = (NonNull::new(disk), DiskAttr::from_id(id)) {
            // INVARIANT: A live disk for the call (contract).
            let d = DiskRef {
                ptr,
                _p: PhantomData,
            };
            T::attr_show(&g, &d, attr, &mut out);
        }
        out.len()
    }

    /// # Safety
    ///
    /// Called by sysfs only, for an attribute of a live disk of ours,
    /// with `buf` valid for `len` bytes of reads for the call.
    unsafe extern "C" fn attr_store(
        disk: *mut ffi::gendisk,
        id: c_uint,
        buf: *const c_char,
        len: usize,
    ) -> c_int {
        let g = CallbackGuard::new();
        let (ptr, attr) = match (NonNull::new(disk), DiskAttr::from_id(id)) {
            (Some(p), Some(a)) => (p, a),
            _ => return EINVAL.to_c(),
        };
        if buf.is_null() {
            return EINVAL.to_c();
        }
        // SAFETY: Valid for `len` bytes of reads for the call (contract),
        // and sysfs does not change them meanwhile.
        let val = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
        // INVARIANT: A live disk for the call (contract).
        let d = DiskRef {
            ptr,
            _p: PhantomData,
        };
        super::from_result(T::attr_store(&g, &d, attr, val))
    }

    const OPS: ffi::zswap_rs_blk_ops = ffi::zswap_rs_blk_ops {
        submit_bio: Some(Self::submit_bio),
        open: Some(Self::open),
        release: Some(Self::release),
        swap_slot_free_notify: Some(Self::swap_slot_free_notify),
        attr_show: Some(Self::attr_show),
        attr_store: Some(Self::attr_store),
    };

    const fn build() -> &'static ffi::zswap_rs_blk_ops {
        &Self::OPS
    }
}

/// Queue limits and flags of a disk to build (upstream's
/// `GenDiskBuilder`): logical and physical block size, rotational,
/// discard (and write-zeroes) support.
pub(crate) struct GenDiskBuilder {
    logical_block_size: u32,
    physical_block_size: u32,
    rotational: bool,
    discard: bool,
}

impl GenDiskBuilder {
    /// Defaults: 512-byte blocks, rotational, no discard.
    pub(crate) fn new() -> Self {
        GenDiskBuilder {
            logical_block_size: SECTOR_SIZE as u32,
            physical_block_size: SECTOR_SIZE as u32,
            rotational: true,
            discard: false,
        }
    }

    fn check_block_size(size: u32) -> Result {
        if size.is_power_of_two() && (SECTOR_SIZE as u32..=PAGE_SIZE as u32).contains(&size) {
            Ok(())
        } else {
            Err(EINVAL)
        }
    }

    /// The logical block size: a power of two from 512 to `PAGE_SIZE`
    /// (`EINVAL` otherwise).
    pub(crate) fn logical_block_size(mut self, size: u32) -> Result<Self> {
        Self::check_block_size(size)?;
        self.logical_block_size = size;
        Ok(self)
    }

    /// The physical block size (also the minimal and optimal I/O size and
    /// the discard granularity): as the logical one.
    pub(crate) fn physical_block_size(mut self, size: u32) -> Result<Self> {
        Self::check_block_size(size)?;
        self.physical_block_size = size;
        Ok(self)
    }

    /// Rotational (`false`: `QUEUE_FLAG_NONROT`, which gives swap its
    /// clusters and whole-THP swap-out).
    pub(crate) fn rotational(mut self, rotational: bool) -> Self {
        self.rotational = rotational;
        self
    }

    /// Discard and write-zeroes of any length.
    pub(crate) fn discard(mut self, discard: bool) -> Self {
        self.discard = discard;
        self
    }

    /// Creates disk `name` (NUL-terminated, below `DISK_NAME_LEN`) with
    /// capacity 0, served by `T`, and adds it (`/dev/<name>`,
    /// `/sys/block/<name>`, with the attributes of [`DiskAttr`]).  May
    /// sleep.
    pub(crate) fn build<T: Operations>(self, name: &'static [u8]) -> Result<GenDisk<T>> {
        if self.physical_block_size < self.logical_block_size {
            return Err(EINVAL);
        }
        match name.iter().position(|&b| b == 0) {
            Some(n) if n + 1 == name.len() && n > 0 && n < ffi::ZRS_DISK_NAME_LEN as usize => {}
            _ => return Err(EINVAL),
        }
        let lim = ffi::zswap_rs_disk_limits {
            logical_block_size: self.logical_block_size,
            physical_block_size: self.physical_block_size,
            rotational: self.rotational,
            discard: self.discard,
        };
        // SAFETY: The table is a `'static` of callbacks valid for as long
        // as the module is loaded, which the disk's open count and
        // `GenDisk` (a `TextPin`) guarantee; `name` is NUL-terminated;
        // `lim` is valid for the call.
        let ptr = NonNull::new(unsafe {
            ffi::zswap_rs_disk_alloc(VTable::<T>::build(), name.as_ptr().cast(), &lim)
        })
        .ok_or(ENOMEM)?;
        // SAFETY: A disk allocated above, not added yet.
        let r = super::to_result(unsafe { ffi::zswap_rs_disk_add(ptr.as_ptr()) });
        if let Err(e) = r {
            // SAFETY: Allocated, not added (add failed): put_disk frees it.
            unsafe { ffi::zswap_rs_disk_put(ptr.as_ptr()) };
            return Err(e);
        }
        // INVARIANT: Allocated and added, ours.
        Ok(GenDisk {
            ptr,
            _pin: TextPin::new(),
            _p: PhantomData,
        })
    }
}

/// A disk served by `T`, removed and released when dropped.
///
/// # Invariants
///
/// `ptr` is a disk this object allocated and added, with `T`'s table.
pub(crate) struct GenDisk<T: Operations> {
    ptr: NonNull<ffi::gendisk>,
    _pin: TextPin,
    _p: PhantomData<T>,
}

// SAFETY: The disk is a kernel object usable from any thread; this
// handle only removes it.
unsafe impl<T: Operations> Send for GenDisk<T> {}
// SAFETY: `&GenDisk` only reads and sets the capacity, which the block
// layer synchronises.
unsafe impl<T: Operations> Sync for GenDisk<T> {}

impl<T: Operations> Drop for GenDisk<T> {
    /// Removes the disk: `del_gendisk` waits for bios in flight and
    /// removes the sysfs files (waiting for their callbacks); then drops
    /// our reference.  May sleep.
    fn drop(&mut self) {
        // SAFETY: Added by `build` (invariant), removed once, here.
        unsafe {
            ffi::zswap_rs_disk_del(self.ptr.as_ptr());
            ffi::zswap_rs_disk_put(self.ptr.as_ptr());
        }
    }
}

/// A reserve of pages for bouncing a bio's data (`mempool`): a sleeping
/// allocation from it always succeeds, waiting for a page to come back
/// if the reserve is in use and memory is short, so a read never fails
/// for want of a buffer.
///
/// # Invariants
///
/// `pool` is a page mempool created by [`BouncePool::new`], ours.
pub(crate) struct BouncePool {
    pool: NonNull<ffi::mempool_s>,
}

// SAFETY: A mempool has its own locking.
unsafe impl Send for BouncePool {}
// SAFETY: As above: alloc and free may run concurrently.
unsafe impl Sync for BouncePool {}

impl BouncePool {
    /// A pool that keeps `reserve` order-0 pages.  May sleep.
    pub(crate) fn new(reserve: usize) -> Result<BouncePool> {
        let n = c_int::try_from(reserve).map_err(|_| EINVAL)?;
        // SAFETY: No preconditions; may sleep (caller).
        let pool = NonNull::new(unsafe { ffi::zswap_rs_page_mempool_create(n) }).ok_or(ENOMEM)?;
        // INVARIANT: Created above.
        Ok(BouncePool { pool })
    }

    /// A page, with `GFP_NOIO` (the caller may sleep; never fails, at
    /// worst waits for another user to give one back: each user holds
    /// at most one at a time, and gives it back without needing another).
    pub(crate) fn get(&self) -> BouncePage<'_> {
        loop {
            // SAFETY: Our pool (invariant); a sleeping allocation.
            let p = unsafe { ffi::zswap_rs_mempool_alloc_page(self.pool.as_ptr(), Gfp::NOIO.0) };
            if let Some(page) = NonNull::new(p) {
                // INVARIANT: A page from this pool, ours alone.
                return BouncePage { page, pool: self };
            }
        }
    }
}

impl Drop for BouncePool {
    fn drop(&mut self) {
        // SAFETY: Ours (invariant); every page came back (each
        // `BouncePage` borrows the pool).
        unsafe { ffi::zswap_rs_mempool_destroy(self.pool.as_ptr()) };
    }
}

/// A page from a [`BouncePool`], given back when dropped.
///
/// # Invariants
///
/// `page` came from `pool` and is accessed only through this object.
pub(crate) struct BouncePage<'a> {
    page: NonNull<ffi::page>,
    pool: &'a BouncePool,
}

impl BouncePage<'_> {
    /// Lends the page as a [`PageRef`] (its contents are ours alone).
    pub(crate) fn as_page_ref(&mut self) -> PageRef<'_> {
        // SAFETY: Valid and accessed only through `self` (invariant),
        // which the result borrows mutably.
        unsafe { PageRef::from_raw(self.page.as_ptr()) }.expect("a mempool page is not NULL")
    }
}

impl Drop for BouncePage<'_> {
    fn drop(&mut self) {
        // SAFETY: The page came from this pool (invariant), given back once.
        unsafe { ffi::zswap_rs_mempool_free_page(self.pool.pool.as_ptr(), self.page.as_ptr()) };
    }
}
