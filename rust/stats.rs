// SPDX-License-Identifier: GPL-2.0

//! Statistics, declared once: the [`statistics!`] invocation below makes
//! the event counters (atomics, updated racily like zswap's), the [`Stat`]
//! ids and their debugfs file names (static, NUL-terminated), and is what
//! `scripts/check-docs.py` reads to require documentation for each.

use core::sync::atomic::{AtomicU64, Ordering};

macro_rules! statistics {
    (
        counters: [$($cv:ident => $c:ident),* $(,)?],
        derived: [$($dv:ident => $d:ident),* $(,)?] $(,)?
    ) => {
        /// Event counters.
        #[derive(Default)]
        pub(crate) struct Counters {
            $(pub(crate) $c: AtomicU64,)*
        }

        /// A statistic (a debugfs file): the counters, then the values
        /// derived from the pool on each read.
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub(crate) enum Stat {
            $(
                #[doc = concat!("Counter `", stringify!($c), "`.")]
                $cv,
            )*
            $(
                #[doc = concat!("Derived `", stringify!($d), "`.")]
                $dv,
            )*
        }

        impl Stat {
            /// Every statistic, in id order.
            pub(crate) const ALL: &'static [Stat] = &[$(Stat::$cv,)* $(Stat::$dv,)*];

            /// The debugfs file name, NUL-terminated.
            pub(crate) const fn c_name(self) -> &'static [u8] {
                match self {
                    $(Stat::$cv => concat!(stringify!($c), "\0").as_bytes(),)*
                    $(Stat::$dv => concat!(stringify!($d), "\0").as_bytes(),)*
                }
            }

            /// The counter behind this statistic, if it is one.
            pub(crate) fn counter(self, c: &Counters) -> Option<&AtomicU64> {
                match self {
                    $(Stat::$cv => Some(&c.$c),)*
                    _ => None,
                }
            }
        }
    };
}

statistics! {
    counters: [
        // zswap 6.1 names, same meaning.
        PoolLimitHit => pool_limit_hit,
        RejectReclaimFail => reject_reclaim_fail,
        RejectAllocFail => reject_alloc_fail,
        RejectCompressPoor => reject_compress_poor,
        WrittenBackPages => written_back_pages,
        DuplicateEntry => duplicate_entry,
        // Ours.
        RejectCompressFail => reject_compress_fail,
        RejectDisabled => reject_disabled,
        RejectThp => reject_thp,
        StoredThp => stored_thp,
        RejectCgroup => reject_cgroup,
        DecompressFail => decompress_fail,
        LoadMissing => load_missing,
        IncompressiblePages => incompressible_pages,
        IncompressibleSampled => incompressible_sampled,
        SameFilledPages => same_filled_pages,
        Stores => stores,
        Loads => loads,
        ExclusiveLoads => exclusive_loads,
        WritebackFail => writeback_fail,
        ReclaimRuns => reclaim_runs,
        ReclaimPages1Write => reclaim_pages_1_write,
        ReclaimPages2Writes => reclaim_pages_2_writes,
        ReclaimPages3Writes => reclaim_pages_3_writes,
        ReclaimPages4Writes => reclaim_pages_4_writes,
        WritebackRunPages => writeback_run_pages,
        StoreUndoMoved => store_undo_moved,
        ThpSubpagesUndone => thp_subpages_undone,
        OrphansDropped => orphans_dropped,
        // Where a sample of stores spent its time (backend/laps.rs).
        StoreLapSamples => store_lap_samples,
        StoreNsEntry => store_ns_entry,
        StoreNsSameFilled => store_ns_same_filled,
        StoreNsSample => store_ns_sample,
        StoreNsCtx => store_ns_ctx,
        StoreNsCompress => store_ns_compress,
        StoreNsPool => store_ns_pool,
        StoreNsIndex => store_ns_index,
        StoreNsAccount => store_ns_account,
        // The block device (/dev/zswap_rs0).
        VdevReads => vdev_reads,
        VdevWrites => vdev_writes,
        VdevWriteFail => vdev_write_fail,
        VdevFreedPages => vdev_freed_pages,
    ],
    derived: [
        StoredPages => stored_pages,
        PoolTotalSize => pool_total_size,
        PoolPages => pool_pages,
        CompressedBytes => compressed_bytes,
        FramesOneObject => frames_one_object,
        FramesTwoObjects => frames_two_objects,
        FramesThreeObjects => frames_three_objects,
        FramesFourObjects => frames_four_objects,
        FramesWholePage => frames_whole_page,
        ZombiePages => zombie_pages,
        IsolateOk => isolate_ok,
        IsolateRefused => isolate_refused,
        MigrateOk => migrate_ok,
        MigrateEagain => migrate_eagain,
        MigrateFail => migrate_fail,
        Putback => putback,
        PagesCompacted => pages_compacted,
        ReclaimSecondChances => reclaim_second_chances,
        StoreFrameBusy => store_frame_busy,
        OrphanEntries => orphan_entries,
        AccountingSlips => accounting_slips,
        VdevCapacity => vdev_capacity,
        VdevStoredPages => vdev_stored_pages,
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
