// SPDX-License-Identifier: GPL-2.0

//! Where a store's time goes: one store in [`EVERY`] reads the CPU's clock
//! at the end of each phase and, if it stands, adds each phase's time to
//! its `store_ns_*` counter and counts itself in `store_lap_samples`
//! (`Documentation/performance.rst`, "Where a store's time goes").  The
//! other stores pay one relaxed load of `stores` and a branch.
//!
//! A sampled store that took more than half a millisecond is left out
//! (see [`DISCARD_NS`]).
//!
//! The phases, in order: `entry` (knobs, the swap type's charges, the page's
//! cgroup), `same_filled` (the scan for a repeated word), `sample` (the
//! incompressibility sample), `ctx` (waiting for this CPU's compressor
//! context), `compress`, `pool` (the allocation and copy into a frame),
//! `index` (publishing in the XArray), `account` (statistics, the cgroup
//! charge, the closing check).  A huge page's subpages add to the same
//! phases, and its store counts once.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::stats::Counters;
use crate::sys::task::clock_ns;

/// One store in this many is timed (a power of two).
pub(crate) const EVERY: u64 = 64;

/// A timed store that took longer than this (ns) is left out.
pub(crate) const DISCARD_NS: u64 = 500_000;

/// A phase of a store.
#[derive(Clone, Copy)]
pub(crate) enum Phase {
    Entry,
    SameFilled,
    Sample,
    Ctx,
    Compress,
    Pool,
    Index,
    Account,
}

const PHASES: usize = Phase::Account as usize + 1;

/// Every phase, in order (`ALL[p as usize] == p`).
const ALL: [Phase; PHASES] = [
    Phase::Entry,
    Phase::SameFilled,
    Phase::Sample,
    Phase::Ctx,
    Phase::Compress,
    Phase::Pool,
    Phase::Index,
    Phase::Account,
];

impl Phase {
    fn counter(self, c: &Counters) -> &AtomicU64 {
        match self {
            Phase::Entry => &c.store_ns_entry,
            Phase::SameFilled => &c.store_ns_same_filled,
            Phase::Sample => &c.store_ns_sample,
            Phase::Ctx => &c.store_ns_ctx,
            Phase::Compress => &c.store_ns_compress,
            Phase::Pool => &c.store_ns_pool,
            Phase::Index => &c.store_ns_index,
            Phase::Account => &c.store_ns_account,
        }
    }
}

/// The laps of one timed store (`None` in the others).
pub(crate) struct Laps {
    last: u64,
    ns: [u64; PHASES],
}

impl Laps {
    /// Starts timing this store if it is one of the sample.
    pub(crate) fn start(c: &Counters) -> Option<Laps> {
        if c.stores.load(Ordering::Relaxed) % EVERY != 0 {
            return None;
        }
        Some(Laps {
            last: clock_ns(),
            ns: [0; PHASES],
        })
    }

    /// Ends phase `p` now.  A clock that went backwards (another CPU's,
    /// after a migration) adds nothing.
    pub(crate) fn lap(laps: &mut Option<Laps>, p: Phase) {
        if let Some(l) = laps {
            let now = clock_ns();
            l.ns[p as usize] += now.saturating_sub(l.last);
            l.last = now;
        }
    }

    /// The store stood: adds its laps to the counters, unless it took
    /// longer than [`DISCARD_NS`] in all (an interrupt or a preemption
    /// inside it: one such sample would outweigh hundreds of stores in the
    /// means).
    pub(crate) fn commit(laps: Option<Laps>, c: &Counters) {
        if let Some(l) = laps.filter(|l| l.ns.iter().sum::<u64>() <= DISCARD_NS) {
            for (p, ns) in ALL.iter().zip(l.ns) {
                p.counter(c).fetch_add(ns, Ordering::Relaxed);
            }
            c.store_lap_samples.fetch_add(1, Ordering::Relaxed);
        }
    }
}
