// SPDX-License-Identifier: GPL-2.0

//! Statistics, declared once: the [`statistics!`] invocation below makes
//! the event counters (atomics, updated racily like zswap's), the [`Stat`]
//! ids and their debugfs file names (static, NUL-terminated), and is what
//! `scripts/check-docs.py` reads to require documentation for each.

use core::sync::atomic::{AtomicU64, Ordering};

macro_rules! statistics {
    (counters: [$($c:ident),* $(,)?], derived: [$($d:ident),* $(,)?] $(,)?) => {
        /// Event counters.
        #[derive(Default)]
        pub(crate) struct Counters {
            $(pub(crate) $c: AtomicU64,)*
        }

        /// A statistic (a debugfs file): the counters, then the values
        /// derived from the pool on each read.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub(crate) enum Stat {
            $(
                #[doc = concat!("Counter `", stringify!($c), "`.")]
                $c,
            )*
            $(
                #[doc = concat!("Derived `", stringify!($d), "`.")]
                $d,
            )*
        }

        impl Stat {
            /// Every statistic, in id order.
            pub(crate) const ALL: &'static [Stat] = &[$(Stat::$c,)* $(Stat::$d,)*];

            /// The debugfs file name, NUL-terminated.
            pub(crate) const fn c_name(self) -> &'static [u8] {
                match self {
                    $(Stat::$c => concat!(stringify!($c), "\0").as_bytes(),)*
                    $(Stat::$d => concat!(stringify!($d), "\0").as_bytes(),)*
                }
            }

            /// The counter behind this statistic, if it is one.
            pub(crate) fn counter(self, c: &Counters) -> Option<&AtomicU64> {
                match self {
                    $(Stat::$c => Some(&c.$c),)*
                    _ => None,
                }
            }
        }
    };
}

statistics! {
    counters: [
        // zswap 6.1 names, same meaning.
        pool_limit_hit,
        reject_reclaim_fail,
        reject_alloc_fail,
        reject_compress_poor,
        written_back_pages,
        duplicate_entry,
        // Ours.
        reject_compress_fail,
        reject_disabled,
        reject_thp,
        reject_cgroup,
        decompress_fail,
        load_missing,
        incompressible_pages,
        incompressible_sampled,
        same_filled_pages,
        loads,
        writeback_fail,
        reclaim_runs,
    ],
    derived: [
        stored_pages,
        pool_total_size,
        pool_pages,
        compressed_bytes,
        frames_one_object,
        frames_two_objects,
        frames_whole_page,
        zombie_pages,
        isolate_ok,
        isolate_refused,
        migrate_ok,
        migrate_eagain,
        migrate_fail,
        putback,
        pages_compacted,
    ],
}

impl Stat {
    /// The statistic with debugfs id `id` (its index in [`Stat::ALL`]).
    pub(crate) fn from_id(id: u32) -> Option<Stat> {
        Stat::ALL.get(id as usize).copied()
    }

    /// The name, without the NUL.
    #[cfg(zrs_kunit)]
    pub(crate) fn name(self) -> &'static str {
        let n = self.c_name();
        core::str::from_utf8(&n[..n.len() - 1]).unwrap_or("")
    }
}

/// Increments a counter.
pub(crate) fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Decrements a counter.
pub(crate) fn dec(c: &AtomicU64) {
    c.fetch_sub(1, Ordering::Relaxed);
}
