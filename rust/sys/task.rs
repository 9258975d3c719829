// SPDX-License-Identifier: GPL-2.0

//! The running task and CPU: sleeping, rescheduling, time, CPU ids and
//! memory size (upstream's `kernel::task`, `kernel::delay`,
//! `kernel::time`).

use crate::sys::bindings as ffi;

/// Sleeps for about `ms` milliseconds.
pub(crate) fn msleep(ms: u32) {
    // SAFETY: Sleepable context (callers: module exit).
    unsafe { ffi::zswap_rs_msleep(ms) };
}

/// Module exit's wait for something the kernel holds (frontswap's pages,
/// objects that may call us): polls `pending` every 10 ms until it
/// returns `None`.  A refusal that lasts is a bug that would become a
/// use-after-free of the module's code if exit went on, so it never gives
/// up: after `patience_ms` a kernel WARNING (which the test harness fails
/// on) made by `warn` from the last `Some` value, then `log` every 10 s.
/// May sleep.
pub(crate) fn wait_unbounded(
    patience_ms: u64,
    mut pending: impl FnMut() -> Option<i64>,
    warn: impl Fn(i64),
    log: impl Fn(i64),
) {
    // In ms; u64 and saturating: a u32 would overflow (a BUG with overflow
    // checks) after 49.7 days of a stuck unload.
    let mut waited = 0u64;
    while let Some(v) = pending() {
        if waited == patience_ms {
            warn(v);
        } else if waited > patience_ms && waited % 10_000 == 0 {
            log(v);
        }
        msleep(10);
        waited = waited.saturating_add(10);
    }
}

/// Milliseconds since boot (jiffies; for log pacing, never for a decision
/// about correctness).
pub(crate) fn now_ms() -> u64 {
    // SAFETY: Reads `jiffies`; any context.
    unsafe { ffi::zswap_rs_jiffies_ms() as u64 }
}

/// This CPU's clock in nanoseconds (`local_clock()`): differences taken on
/// one CPU within a short span time a piece of code; never for a decision
/// about correctness.
pub(crate) fn clock_ns() -> u64 {
    // SAFETY: No preconditions; any context.
    unsafe { ffi::zswap_rs_local_clock() }
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
