// SPDX-License-Identifier: GPL-2.0

//! Statistics: event counters (atomics, updated racily like zswap's) and
//! the list of debugfs files, in id order.

use core::sync::atomic::{AtomicU64, Ordering};

macro_rules! counters {
    ($($name:ident,)*) => {
        /// Event counters.
        #[derive(Default)]
        pub(crate) struct Counters {
            $(pub(crate) $name: AtomicU64,)*
        }

        impl Counters {
            /// Counter names, in id order.
            pub(crate) const NAMES: &'static [&'static str] = &[$(stringify!($name),)*];

            /// The counter with id `id`.
            pub(crate) fn get(&self, id: usize) -> Option<u64> {
                let all = [$(&self.$name,)*];
                all.get(id).map(|c| c.load(Ordering::Relaxed))
            }
        }
    };
}

counters! {
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
    decompress_fail,
    incompressible_pages,
    same_filled_pages,
    loads,
    reject_thp,
    load_missing,
}

/// Values derived on each read, after the counters.
pub(crate) const DERIVED_STATS: &[&str] = &[
    "stored_pages",
    "pool_total_size",
    "pool_pages",
    "compressed_bytes",
    "frames_one_object",
    "frames_two_objects",
    "frames_whole_page",
    "zombie_pages",
    "isolate_ok",
    "isolate_refused",
    "migrate_ok",
    "migrate_eagain",
    "migrate_fail",
    "putback",
    "pages_compacted",
];

/// Increments a counter.
pub(crate) fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Decrements a counter.
pub(crate) fn dec(c: &AtomicU64) {
    c.fetch_sub(1, Ordering::Relaxed);
}
