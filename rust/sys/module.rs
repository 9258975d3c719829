// SPDX-License-Identifier: GPL-2.0

//! What keeps the module's code callable: [`TextPin`].
//!
//! Every object through which the kernel may call into this module holds
//! a pin: a frontswap or shrinker registration, the reclaim work, the
//! sysfs and debugfs files, the meminfo source, a page registered movable
//! with our `movable_operations`.  Dropping such an object undoes its
//! registration and then its pin.  Module exit, after its teardown, waits
//! until no pin is left ([`wait_unpinned`]) before it returns and the
//! kernel frees the module's text.
//!
//! Why: leaking is safe Rust (`core::mem::forget`, a reference cycle, a
//! `Box::leak`), and a leaked registration would leave the kernel calling
//! code that unloading frees: a use-after-free that no type can rule out,
//! since 6.1 gives frontswap, shrinkers and movable pages no module owner
//! to pin.  With the pins a leak turns into an `rmmod` that does not
//! return, with a kernel warning that names the count (the safe failure,
//! as for a refused `frontswap_unregister_ops`), and the leaked object's
//! callbacks keep working on a retired backend (`Global` returns nothing).
//!
//! Pins cannot be made outside `sys`: only the objects above hold them.

use core::sync::atomic::{AtomicUsize, Ordering};

/// Objects alive that the kernel may call us through.
static PINS: AtomicUsize = AtomicUsize::new(0);

/// One object through which the kernel may call this module; module exit
/// does not return while one lives.  Held as a field, dropped last (after
/// the object's own `Drop` has unregistered it).
pub(crate) struct TextPin(());

impl TextPin {
    /// A new pin; only `sys`'s registrations make them.
    pub(super) fn new() -> TextPin {
        PINS.fetch_add(1, Ordering::Relaxed);
        TextPin(())
    }
}

impl Drop for TextPin {
    fn drop(&mut self) {
        // Release: what the object did before (its unregistration) is
        // visible to the exit that sees the count fall.
        PINS.fetch_sub(1, Ordering::Release);
    }
}

/// How many pins are alive.
pub(crate) fn live_pins() -> usize {
    PINS.load(Ordering::Acquire)
}

/// A pin for a test (the KUnit module registers nothing it could count).
#[cfg(zrs_kunit)]
pub(crate) fn test_pin() -> TextPin {
    TextPin::new()
}

/// How long [`wait_unpinned`] waits before it warns.
const PIN_PATIENCE_MS: u64 = 5000;

/// Waits until no [`TextPin`] is alive: the last step of module exit.  A
/// pin that outlives the teardown is a leaked registration (a bug): after
/// [`PIN_PATIENCE_MS`] a kernel warning (which fails every test run), then
/// a log line every 10 s, and no return: a hung `rmmod` rather than code
/// freed under the kernel.  May sleep.
#[cfg(not(zrs_kunit))]
pub(crate) fn wait_unpinned() {
    super::task::wait_unbounded(
        PIN_PATIENCE_MS,
        || match live_pins() {
            0 => None,
            n => Some(n as i64),
        },
        |n| {
            super::warn(format_args!(
                "{} objects the kernel may call us through outlived the teardown (leaked); not unloading the code they call",
                n
            ))
        },
        |n| crate::pr_err!("unload: {} leaked registrations; still waiting", n),
    );
}
