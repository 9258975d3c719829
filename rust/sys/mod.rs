// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the 6.1 C API that zswap_rs needs.
//!
//! This is the only layer with `unsafe` code (besides the `extern "C"`
//! entry points in the crate roots).  The 6.1 `kernel` crate offers almost
//! nothing (allocator, printing, `Error` with only `ENOMEM`), so the
//! wrappers here sit on module-private bindings (`crate::ffi`) and the C
//! helpers in `helpers.c`.

pub(crate) mod arena;
pub(crate) mod crypto;
// The C entry points of glue.c, which the KUnit module does not link.
#[cfg(not(zrs_kunit))]
pub(crate) mod entry;
// debugfs and sysfs files of the production module only (their C side is
// in glue.c, which the KUnit module does not link).
#[cfg(not(zrs_kunit))]
pub(crate) mod debugfs;
pub(crate) mod frontswap;
pub(crate) mod global;
#[cfg(zrs_kunit)]
pub(crate) mod kunit;
pub(crate) mod lock;
pub(crate) mod memcg;
#[cfg(not(zrs_kunit))]
pub(crate) mod meminfo;
pub(crate) mod movable;
pub(crate) mod page;
pub(crate) mod rcu;
pub(crate) mod shrinker;
pub(crate) mod swapcache;
#[cfg(not(zrs_kunit))]
pub(crate) mod sysfs;
pub(crate) mod xarray;

use core::ffi::c_int;
use core::fmt;

use crate::ffi;

/// A kernel error number (positive value; the C return value is its negation).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Errno(pub(crate) c_int);

impl Errno {
    /// The value to return to C (`-errno`).
    pub(crate) fn to_c(self) -> c_int {
        -self.0
    }
}

/// The errno values zswap_rs returns or passes on, from the kernel's
/// headers (bindgen).
macro_rules! errnos {
    ($($name:ident),*) => {
        $(
            #[doc = concat!("`-", stringify!($name), "`.")]
            pub(crate) const $name: Errno = Errno(ffi::$name as c_int);
        )*
    };
}
errnos!(EAGAIN, EIO, ENOMEM, EBUSY, EEXIST, ENODEV, EINVAL, ENOSPC, ENOENT, ERANGE);

/// Result type of the sys layer and above.
pub(crate) type Result<T = ()> = core::result::Result<T, Errno>;

/// Page size in bytes.
pub(crate) const PAGE_SIZE: usize = 4096;

const _: () = assert!(ffi::ZRS_PAGE_SIZE as usize == PAGE_SIZE);

/// GFP flags.
#[derive(Clone, Copy)]
pub(crate) struct Gfp(pub(crate) ffi::gfp_t);

impl Gfp {
    /// `GFP_KERNEL`: may sleep and reclaim.
    pub(crate) const KERNEL: Gfp = Gfp(ffi::ZRS_GFP_KERNEL);
    /// `GFP_NOWAIT`: never sleeps (wakes kswapd).
    pub(crate) const NOWAIT: Gfp = Gfp(ffi::ZRS_GFP_NOWAIT);
    /// What zswap uses on the store path: may sleep, but no retries, no
    /// warnings, wakes kswapd.
    pub(crate) const STORE: Gfp =
        Gfp(ffi::ZRS_GFP_KERNEL | ffi::ZRS_GFP_NORETRY | ffi::ZRS_GFP_NOWARN);
    /// Add `__GFP_MOVABLE`.
    pub(crate) const fn movable(self) -> Gfp {
        Gfp(self.0 | ffi::ZRS_GFP_MOVABLE)
    }
    /// Without `__GFP_MOVABLE` (for slab allocations).
    pub(crate) const fn without_movable(self) -> Gfp {
        Gfp(self.0 & !ffi::ZRS_GFP_MOVABLE)
    }
    /// Add `__GFP_ZERO`.
    pub(crate) const fn zeroed(self) -> Gfp {
        Gfp(self.0 | ffi::ZRS_GFP_ZERO)
    }
    /// Add `__GFP_NOMEMALLOC`: never from the emergency reserves, even
    /// under `PF_MEMALLOC` (the store path runs in reclaim).
    pub(crate) const fn no_memalloc(self) -> Gfp {
        Gfp(self.0 | ffi::ZRS_GFP_NOMEMALLOC)
    }
}

/// Log levels for [`printk`]: the `KERN_*` prefix and the kernel crate's
/// `"%s: %pA"` format (the `%s` is the crate's `__LOG_PREFIX`), with a
/// newline.
pub(crate) mod level {
    pub(crate) const ERR: &[u8] = b"\x013%s: %pA\n\0";
    pub(crate) const WARNING: &[u8] = b"\x014%s: %pA\n\0";
    pub(crate) const INFO: &[u8] = b"\x016%s: %pA\n\0";
}

/// Prints `args` at the level given by `fmt` (one of [`level`]), after
/// `prefix` (a NUL-terminated crate name: `__LOG_PREFIX`).
pub(crate) fn printk(fmt: &'static [u8], prefix: &'static [u8], args: fmt::Arguments<'_>) {
    // SAFETY: `fmt` is one of the NUL-terminated `level` strings, whose
    // `%s` consumes `prefix` (NUL-terminated: every `__LOG_PREFIX` is a
    // byte string literal ending in `\0`) and whose `%pA` consumes a
    // pointer to `fmt::Arguments` (`rust_fmt_argument` in vmlinux); both
    // outlive the call.
    unsafe {
        ffi::_printk(
            fmt.as_ptr().cast(),
            prefix.as_ptr(),
            &args as *const fmt::Arguments<'_> as *const core::ffi::c_void,
        )
    };
}

// The printing macros, named and shaped as upstream's `kernel::pr_*!`
// (the crate's `__LOG_PREFIX` names the module, so zswap_rs_kunit.ko logs
// as itself).  6.1's `kernel` crate has only `pr_emerg!` and `pr_info!`,
// without a newline in their format; a port to a later kernel deletes
// these three.

/// `pr_err` with Rust formatting.
#[macro_export]
macro_rules! pr_err {
    ($($arg:tt)*) => {
        $crate::sys::printk($crate::sys::level::ERR, $crate::__LOG_PREFIX, format_args!($($arg)*))
    };
}
/// `pr_warn` with Rust formatting.
#[macro_export]
macro_rules! pr_warn {
    ($($arg:tt)*) => {
        $crate::sys::printk($crate::sys::level::WARNING, $crate::__LOG_PREFIX, format_args!($($arg)*))
    };
}
/// `pr_info` with Rust formatting.
#[macro_export]
macro_rules! pr_info {
    ($($arg:tt)*) => {
        $crate::sys::printk($crate::sys::level::INFO, $crate::__LOG_PREFIX, format_args!($($arg)*))
    };
}

/// `__ratelimit()` on one module-wide ratelimit state (10 messages per 5 s).
pub(crate) fn ratelimit() -> bool {
    // SAFETY: No preconditions.
    unsafe { ffi::zswap_rs_ratelimit() }
}

/// True if fault injection asks this store's pool allocation to fail
/// (`fail_alloc` in the module's debugfs directory; debug kernels only).
pub(crate) fn inject_alloc_failure() -> bool {
    // SAFETY: No preconditions.
    unsafe { ffi::zswap_rs_should_fail_alloc() }
}

/// True if fault injection asks this store's cgroup charge record to fail
/// (`fail_charge` in the module's debugfs directory; debug kernels only).
pub(crate) fn inject_charge_failure() -> bool {
    // SAFETY: No preconditions.
    unsafe { ffi::zswap_rs_should_fail_charge() }
}

/// True if fault injection asks this store's index insertion to fail
/// (`fail_index` in the module's debugfs directory; debug kernels only).
pub(crate) fn inject_index_failure() -> bool {
    // SAFETY: No preconditions.
    unsafe { ffi::zswap_rs_should_fail_index() }
}

/// True if fault injection asks writeback to fail filling its page, as if
/// the object could not be decompressed (`fail_writeback` in the module's
/// debugfs directory; debug kernels only).
pub(crate) fn inject_writeback_failure() -> bool {
    // SAFETY: No preconditions.
    unsafe { ffi::zswap_rs_should_fail_writeback() }
}

/// True if fault injection asks this invalidate to keep its entry, as a
/// lost invalidate would (`fail_invalidate` in the module's debugfs
/// directory; test-only: it makes an orphan entry).  Never sleeps.
pub(crate) fn inject_lost_invalidate() -> bool {
    // SAFETY: No preconditions.
    unsafe { ffi::zswap_rs_should_fail_invalidate() }
}

/// True if fault injection asks this load to fail (`fail_load` in the
/// module's debugfs directory; debug kernels only).
pub(crate) fn inject_load_failure() -> bool {
    // SAFETY: No preconditions.
    unsafe { ffi::zswap_rs_should_fail_load() }
}

/// Sleeps for about `ms` milliseconds.
pub(crate) fn msleep(ms: u32) {
    // SAFETY: Sleepable context (callers: module exit).
    unsafe { ffi::zswap_rs_msleep(ms) };
}

/// Milliseconds since boot (jiffies; for log pacing, never for a decision
/// about correctness).
pub(crate) fn now_ms() -> u64 {
    // SAFETY: Reads `jiffies`; any context.
    unsafe { ffi::zswap_rs_jiffies_ms() as u64 }
}

/// A race window that a test can hold open (`glue.h`,
/// `ZSWAP_RS_RACE_POINTS`; the `race_delay` file of the module's debugfs
/// directory where the kernel has `CONFIG_FAULT_INJECTION_DEBUG_FS`, a
/// no-op elsewhere).  An armed window sleeps: call it only where the
/// caller may sleep.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub(crate) enum RaceWindow {
    /// Writeback, between the index lookup and the swap-cache lookup.
    WritebackLookup = ffi::zswap_rs_race_point_ZRS_RACE_WRITEBACK_LOOKUP as u32,
    /// Writeback, the slot was found free, before it is dealt with.
    WritebackFreeSlot = ffi::zswap_rs_race_point_ZRS_RACE_WRITEBACK_FREE_SLOT as u32,
    /// Writeback, page locked and filled, before the entry is erased.
    WritebackErase = ffi::zswap_rs_race_point_ZRS_RACE_WRITEBACK_ERASE as u32,
    /// Writeback, a new swap-cache page it could not fill, before it lets
    /// the page go.
    WritebackGiveUp = ffi::zswap_rs_race_point_ZRS_RACE_WRITEBACK_GIVE_UP as u32,
    /// Store, entry published, before it is charged.
    StorePublish = ffi::zswap_rs_race_point_ZRS_RACE_STORE_PUBLISH as u32,
    /// Store, before a failed store is undone.
    StoreUndo = ffi::zswap_rs_race_point_ZRS_RACE_STORE_UNDO as u32,
    /// Load, between the index lookup and reading the object.
    LoadLookup = ffi::zswap_rs_race_point_ZRS_RACE_LOAD_LOOKUP as u32,
    /// Unload, stores refused, before the index is scanned.
    UnloadScan = ffi::zswap_rs_race_point_ZRS_RACE_UNLOAD_SCAN as u32,
}

const _: () = assert!(ffi::zswap_rs_race_point_ZRS_RACE_NR as usize == 8);

/// Stretches window `w` if a test asked to (debug kernels only).
pub(crate) fn race_window(w: RaceWindow) {
    // SAFETY: The id is in range (enum); every call site may sleep (see
    // [`RaceWindow`]; `might_sleep` checks it on debug kernels).
    unsafe { ffi::zswap_rs_race_window(w as u32) };
}

/// The id of the CPU we run on (may change right after; only a hint).
pub(crate) fn cpu_id() -> usize {
    // SAFETY: No preconditions (`raw_smp_processor_id`).
    unsafe { ffi::zswap_rs_cpu_id() as usize }
}

/// `nr_cpu_ids`.
pub(crate) fn nr_cpu_ids() -> usize {
    // SAFETY: No preconditions.
    unsafe { ffi::zswap_rs_nr_cpu_ids() as usize }
}

/// `totalram_pages()`.
pub(crate) fn totalram_pages() -> u64 {
    // SAFETY: No preconditions.
    unsafe { ffi::zswap_rs_totalram_pages() as u64 }
}

/// `cond_resched()`; only call where sleeping is allowed.
pub(crate) fn cond_resched() {
    // SAFETY: Callers are in process context without spinlocks (documented
    // requirement; `might_sleep` checks it on debug kernels).
    unsafe { ffi::zswap_rs_cond_resched() }
}

/// A C object embedded in a Rust one and touched only by C, through
/// [`Opaque::get`] (upstream's `kernel::types::Opaque`, which 6.1's
/// `kernel` crate does not have yet): zero bytes until its C init function
/// runs on it in place, never moved afterwards (`!Unpin`: it lives behind
/// a `Pin`).
#[repr(transparent)]
pub(crate) struct Opaque<T> {
    value: core::cell::UnsafeCell<core::mem::MaybeUninit<T>>,
    _pin: core::marker::PhantomPinned,
}

impl<T> Opaque<T> {
    /// All zeroes, for its C init function to initialise in place.
    pub(crate) fn zeroed() -> Self {
        Opaque {
            value: core::cell::UnsafeCell::new(core::mem::MaybeUninit::zeroed()),
            _pin: core::marker::PhantomPinned,
        }
    }

    /// The raw pointer C functions take.
    pub(crate) const fn get(&self) -> *mut T {
        self.value.get() as *mut T
    }
}

/// Fallible allocation of a `Box` (6.1 has no `Box::try_new` without
/// unstable features); uses the kernel allocator (`GFP_KERNEL`), so only
/// call it where sleeping is allowed.
pub(crate) fn try_box<T>(value: T) -> Result<alloc::boxed::Box<T>> {
    let layout = core::alloc::Layout::new::<T>();
    if layout.size() == 0 {
        // SAFETY: For zero-sized types a dangling, aligned pointer is a valid box.
        return Ok(unsafe {
            alloc::boxed::Box::from_raw(core::ptr::NonNull::<T>::dangling().as_ptr())
        });
    }
    // SAFETY: `layout` has non-zero size.
    let ptr = unsafe { alloc::alloc::alloc(layout) }.cast::<T>();
    if ptr.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `ptr` is valid for writes of `T` and properly aligned.
    unsafe { ptr.write(value) };
    // SAFETY: `ptr` came from the global allocator with `Layout::new::<T>()`
    // and holds an initialised `T`.
    Ok(unsafe { alloc::boxed::Box::from_raw(ptr) })
}

/// Writes a formatted string into a C buffer of `PAGE_SIZE` bytes (sysfs
/// `show`, `kernel_param_ops::get`); returns the length written.
pub(crate) struct PageBuf<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> PageBuf<'a> {
    /// Wraps the `PAGE_SIZE` buffer at `buf`.
    ///
    /// # Safety
    ///
    /// `buf` must be valid for writes of `PAGE_SIZE` bytes for `'a`, and not
    /// be accessed otherwise during `'a`.
    pub(crate) unsafe fn from_raw(buf: *mut core::ffi::c_char) -> Self {
        // SAFETY: Guaranteed by the caller.
        let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE) };
        PageBuf { buf, len: 0 }
    }

    /// Bytes written so far, as a C return value.
    pub(crate) fn len(&self) -> c_int {
        self.len as c_int
    }
}

impl fmt::Write for PageBuf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - 1 - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        self.buf[self.len] = 0;
        if n < s.len() {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// `v` without trailing newlines and spaces (how sysfs values arrive).
pub(crate) fn trim_line(v: &[u8]) -> &[u8] {
    let mut end = v.len();
    while end > 0 && (v[end - 1] == b'\n' || v[end - 1] == b' ') {
        end -= 1;
    }
    &v[..end]
}

/// A C string handed to us (module parameter value), as bytes without the NUL.
///
/// # Safety
///
/// `s` must be a valid NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn cstr_bytes<'a>(s: *const core::ffi::c_char) -> &'a [u8] {
    let mut n = 0;
    // SAFETY: `s` is NUL-terminated (caller), so every byte up to and
    // including the NUL is readable.
    while unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    // SAFETY: The `n` bytes before the NUL are readable for `'a` (caller).
    unsafe { core::slice::from_raw_parts(s.cast::<u8>(), n) }
}

/// The name of module parameter `id` (`glue.h`), `"?"` if out of range.
pub(crate) fn param_name(id: u32) -> &'static str {
    // SAFETY: No preconditions; returns NULL or a static string.
    let p = unsafe { ffi::zswap_rs_param_name(id) };
    if p.is_null() {
        return "?";
    }
    // SAFETY: A NUL-terminated string literal in the module's rodata.
    let b = unsafe { cstr_bytes(p) };
    core::str::from_utf8(b).unwrap_or("?")
}

/// `0` or a negative errno from C, as a [`Result`].
pub(crate) fn to_result(r: c_int) -> Result {
    if r < 0 {
        Err(Errno(-r))
    } else {
        Ok(())
    }
}

/// A [`Result`] as C wants it: `0` or a negative errno.
pub(crate) fn from_result(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_c(),
    }
}

/// Accounting slips [`sub_or_warn`] caught since the module loaded.
static SLIPS: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
/// Whether [`sub_or_warn`] has reported one already (once per load).
static SLIP_REPORTED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// `*c -= n` for a figure that only accounts (the pool's frame, byte and
/// zombie counts, the listed free space): nothing that memory safety or
/// the module's progress rests on.  An underflow there is an accounting
/// slip - a bug, but not one worth the machine: with
/// `CONFIG_RUST_OVERFLOW_CHECKS=y` a plain `-=` would be a kernel BUG,
/// usually under the pool lock or `si->lock`.  Instead `*c` saturates at
/// 0, the slip is counted ([`accounting_slips`]) and reported once per
/// module load (`pr_err`, with `what` and the values), and the caller goes
/// on.  True if it underflowed.  Never sleeps.
///
/// Not for genuine invariants whose violation must stop the kernel
/// (offsets and lengths inside a page, object counts of a frame just
/// read under its lock): those keep plain arithmetic, which panics.
pub(crate) fn sub_or_warn(c: &mut u64, n: u64, what: &str) -> bool {
    use core::sync::atomic::Ordering;
    match c.checked_sub(n) {
        Some(v) => {
            *c = v;
            false
        }
        None => {
            SLIPS.fetch_add(1, Ordering::Relaxed);
            if !SLIP_REPORTED.swap(true, Ordering::Relaxed) {
                crate::pr_err!(
                    "accounting slip: {} {} - {} would go below 0; kept at 0 (reported once)",
                    what,
                    *c,
                    n
                );
            }
            *c = 0;
            true
        }
    }
}

/// How many accounting slips [`sub_or_warn`] caught since the module
/// loaded.
pub(crate) fn accounting_slips() -> u64 {
    SLIPS.load(core::sync::atomic::Ordering::Relaxed)
}

/// `WARN()` with Rust formatting: a kernel WARNING with a backtrace.
pub(crate) fn warn(args: fmt::Arguments<'_>) {
    // SAFETY: The helper's format has one `%pA`, which consumes a pointer
    // to `fmt::Arguments` that outlives the call.
    unsafe { ffi::zswap_rs_warn(&args as *const fmt::Arguments<'_> as *const core::ffi::c_void) };
}

/// Queues the reclaim worker (`glue.c`; a no-op in the KUnit module).
pub(crate) fn reclaim_kick() {
    // SAFETY: No preconditions; queueing a queued work item is a no-op.
    unsafe { ffi::zswap_rs_reclaim_kick() }
}

/// The reclaim worker of the production module; dropping this cancels it
/// and waits for a running one.
#[cfg(not(zrs_kunit))]
pub(crate) struct ReclaimWork(());

#[cfg(not(zrs_kunit))]
impl ReclaimWork {
    /// The worker may run from now on (it is a static work item).
    pub(crate) fn new() -> ReclaimWork {
        ReclaimWork(())
    }
}

#[cfg(not(zrs_kunit))]
impl Drop for ReclaimWork {
    fn drop(&mut self) {
        // SAFETY: Sleepable (module exit); the owner drops this only after
        // nothing can queue the work any more.
        unsafe { ffi::zswap_rs_reclaim_cancel() }
    }
}
