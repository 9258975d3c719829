// SPDX-License-Identifier: GPL-2.0

//! Printing (upstream's `kernel::print`): [`printk`] and the `pr_*!`
//! macros, the module-wide ratelimit, `WARN()`, and [`sub_or_warn`] for
//! figures that only account.

use core::fmt;

use crate::sys::bindings as ffi;

/// Log levels for [`printk`]: the `KERN_*` prefix and the kernel crate's
/// `"%s: %pA"` format (the `%s` is the crate's `__LOG_PREFIX`), with a
/// newline.
pub(crate) mod level {
    use super::Level;
    // INVARIANT: Each is NUL-terminated and takes a `%s` and a `%pA`.
    pub(crate) const ERR: Level = Level(b"\x013%s: %pA\n\0");
    pub(crate) const WARNING: Level = Level(b"\x014%s: %pA\n\0");
    pub(crate) const INFO: Level = Level(b"\x016%s: %pA\n\0");
}

/// A log level's format (see [`level`]; no other can be made).
///
/// # Invariants
///
/// A NUL-terminated `printk` format taking a `%s` and a `%pA`.
#[derive(Clone, Copy)]
pub(crate) struct Level(&'static [u8]);

/// Prints `args` at `level`, after `prefix` (the crate's name,
/// NUL-terminated: `__LOG_PREFIX`; `?` if it is not NUL-terminated).
pub(crate) fn printk(level: Level, prefix: &'static [u8], args: fmt::Arguments<'_>) {
    let prefix: &'static [u8] = if prefix.last() == Some(&0) {
        prefix
    } else {
        b"?\0"
    };
    // SAFETY: `level.0` is a NUL-terminated format whose `%s` consumes
    // `prefix` (NUL-terminated, checked above) and whose `%pA` consumes a
    // pointer to `fmt::Arguments` (`rust_fmt_argument` in vmlinux)
    // (invariant of `Level`); all outlive the call.
    unsafe {
        ffi::_printk(
            level.0.as_ptr().cast(),
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
        $crate::sys::print::printk($crate::sys::print::level::ERR, $crate::__LOG_PREFIX, format_args!($($arg)*))
    };
}
/// `pr_warn` with Rust formatting.
#[macro_export]
macro_rules! pr_warn {
    ($($arg:tt)*) => {
        $crate::sys::print::printk($crate::sys::print::level::WARNING, $crate::__LOG_PREFIX, format_args!($($arg)*))
    };
}
/// `pr_info` with Rust formatting.
#[macro_export]
macro_rules! pr_info {
    ($($arg:tt)*) => {
        $crate::sys::print::printk($crate::sys::print::level::INFO, $crate::__LOG_PREFIX, format_args!($($arg)*))
    };
}

/// `__ratelimit()` on one module-wide ratelimit state (10 messages per 5 s).
pub(crate) fn ratelimit() -> bool {
    // SAFETY: No preconditions.
    unsafe { ffi::zswap_rs_ratelimit() }
}

/// `WARN()` with Rust formatting: a kernel WARNING with a backtrace.
pub(crate) fn warn(args: fmt::Arguments<'_>) {
    // SAFETY: The helper's format has one `%pA`, which consumes a pointer
    // to `fmt::Arguments` that outlives the call.
    unsafe { ffi::zswap_rs_warn(&args as *const fmt::Arguments<'_> as *const core::ffi::c_void) };
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
