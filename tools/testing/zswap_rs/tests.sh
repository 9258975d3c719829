# SPDX-License-Identifier: GPL-2.0
# In-guest tests of zswap_rs (sourced by lib.sh).  Each test_<name> returns
# 0 on pass.  The lists below are the only ones: `make check` (check.sh)
# reads them from this file.  ALL_TESTS run on every kernel, in order;
# DEBUG_TESTS need the debug kernel (fault injection) and run after them.
#
# The self-contained tests are kselftest_harness programs (zrs_integrity,
# zrs_knobs, zrs_writeback, zrs_memcg, zrs_faults, zrs_stress, zrs_bench; -t NAME runs one test,
# -l lists them): their KTAP results become the shell test's subtest (the
# rest of their output "# " lines, lib.sh's ktap_nest), and its result is
# the program's exit status (0 pass, 1 fail, 4 skipped:
# lib.sh reports "ok N name # SKIP").  The workloads the shell
# orchestrates stay subcommands of zrs-test.

ALL_TESTS="kunit integrity thp thp_swapoff thp_storm thp_memcg duplicate exclusive exit incompressible pageout_remote compressors knobs limit writeback writeback_runs memcg exclusive_memcg summary zswapstat swapoff swapoff_cycles duplicate_parallel storm storm_writeback shrinker_writeback stressng churn rmmod_writeback rmmod_cycles rmmod_orphan late_load cpu_hotplug writeback_swapoff shrinker_pressure zram_swap vdev_integrity vdev_disksize vdev_blockio vdev_pressure vdev_oom race_harness"
DEBUG_TESTS="failalloc failstore thp_failstore sigbus race_free_slot race_free_slot_aba race_store_undo race_writeback_swapin race_unload_busy race_unload_store race_writeback_give_up race_sync_io race_exclusive_writeback race_memcg_gone race_dup_failstore"
# Not run on the debug kernel (make check names them): shrinker_writeback
# (real pressure under the checkers costs minutes; shrinker_pressure runs
# the same paths there and checks its claim, pool_limit_hit +0, as well);
# vdev_pressure (117 guest seconds there; vdev_integrity runs the
# device's paths under the checkers, and its claims, no pool limit and
# no writeback for the device's swap area, are the default kernel's).
DEBUG_SKIP="shrinker_writeback vdev_pressure"
# Run last, for SOAK seconds (zrs.soak=; make check: SOAK=).
SOAK_TESTS="soak"
# Run once more in a second boot whose zswap_rs is loaded with
# zpool=zpack (the default boot uses zbud): integrity, migration and
# compaction (storm), writeback, memcg, unload, swapoff; on the debug
# kernel the race tests and injected failures too.
ZPACK_TESTS="integrity thp duplicate exclusive incompressible knobs writeback writeback_runs memcg exclusive_memcg storm storm_writeback churn swapoff_cycles rmmod_writeback rmmod_cycles writeback_swapoff vdev_integrity"
ZPACK_DEBUG_TESTS="failstore race_free_slot race_free_slot_aba race_store_undo race_writeback_swapin race_unload_busy race_unload_store race_exclusive_writeback race_memcg_gone"

# The tests, one file per area.
for f in /zrs/tests-*.sh; do
	. "$f"
done
