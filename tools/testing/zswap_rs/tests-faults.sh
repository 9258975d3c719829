# SPDX-License-Identifier: GPL-2.0
# In-guest tests (sourced by tests.sh): injected failures, cgroups, and the
# comparisons with the C zswap (density, over-full pool); the harness's
# own self-tests.

# Allocation failure (debug kernel: fault injection).  kswapd gets
# make-it-fail, so the stores it does under real memory pressure see their
# pool allocation and their index insertion fail at random (the module's
# fault points); each such store is rejected (the page goes to disk) and
# nothing is lost.  (The stack-trace filter that would confine failslab to
# zswap_rs is not available on x86_64, and failing the test process
# itself kills it.)
test_failalloc() {
	D=/sys/kernel/debug/zswap_rs
	[ -d $D/fail_alloc ] && [ -d $D/fail_index ] || { echo "  SKIP: needs the debug kernel (fault injection)"; return 4; }
	# The module's own fault points, not failslab/fail_page_alloc: those
	# also fail kswapd's swap cache node allocations, and 6.1's
	# add_to_swap_cache() can leave an empty XArray node behind when the
	# second of two fails, which the next swapoff reports as a WARNING in
	# exit_swap_address_space() (mm/swap_state.c:704): seen once, on
	# 2026-12-04, at the swapoff after this test.
	for a in fail_alloc fail_index; do
		echo 0 > $D/$a/verbose; echo 1 > $D/$a/interval
		echo 1000000 > $D/$a/times; echo Y > $D/$a/task-filter
	done
	k=$(for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = kswapd0 ] && echo ${p#/proc/}; done)
	[ -n "$k" ] || { echo "  no kswapd0"; return 1; }
	echo 30 > $D/fail_alloc/probability
	echo 10 > $D/fail_index/probability
	echo 1 > /proc/$k/make-it-fail
	before=$(stat_of reject_alloc_fail)
	zrs-test pressure $(pressure_mb) 1
	rc=$?
	echo 0 > /proc/$k/make-it-fail
	echo 0 > $D/fail_alloc/probability; echo 0 > $D/fail_index/probability
	after=$(stat_of reject_alloc_fail)
	na=$((1000000 - $(cat $D/fail_alloc/times))); ni=$((1000000 - $(cat $D/fail_index/times)))
	echo -1 > $D/fail_alloc/times; echo -1 > $D/fail_index/times
	echo "  reject_alloc_fail +$((after - before)) under fault injection (kswapd): pool allocations failed $na, index insertions failed $ni"
	# Both kinds happened, and each was a rejected store (a real
	# allocation failure under this pressure is one too).
	[ $rc -eq 0 ] && [ "$na" -gt 0 ] && [ "$ni" -gt 0 ] && [ $((after - before)) -ge $((na + ni)) ]
}

# The module's own allocations fail at 20% (fault injection, debug kernel):
# stores are rejected cleanly, the pages go to the device, nothing lost.
# Without the module's fault attributes the harness skips (exit 4).
test_failstore() { ZRS_PERCENT=20 zrs_faults -t failstore; }

# A load that fails (fault injection, debug kernel) raises SIGBUS.
test_sigbus() { zrs_faults -t sigbus; }

# Memory cgroup accounting (cgroup v2): memory.zswap.max holds stores
# back, memory.stat / vmstat / meminfo follow the stores and loads.
test_memcg() { zrs_memcg -t memcg; }
# An exclusive load uncharges its page from the cgroup at once (and with
# exclusive_loads=N the charge stays).
test_exclusive_memcg() { zrs_memcg -t exclusive_memcg; }

# The same on the C zswap with zbud (zrs.mode=zswap), for comparison.
test_memcg_zswap() {
	echo 1 > /sys/module/zswap/parameters/enabled
	echo zbud > /sys/module/zswap/parameters/zpool
	ZRS_BACKEND=zswap zrs_memcg -t memcg
}

# Density of zswap_rs on the standard mix (compared with the C zswap by the host).
test_density() { ZRS_MB=32 zrs_bench -t density; }

# The C zswap baseline for the density comparison (zrs.mode=zswap).
test_density_zswap() {
	echo 1 > /sys/module/zswap/parameters/enabled
	echo zbud > /sys/module/zswap/parameters/zpool
	ZRS_BACKEND=zswap ZRS_MB=32 zrs_bench -t density
}

# The over-full workload on zswap_rs and, in another boot, on the C zswap
# with zbud (compared by the host: make check's overfull_vs_zbud).
test_overfull() { zrs_writeback -t overfull; }
test_overfull_zswap() {
	echo 1 > /sys/module/zswap/parameters/enabled
	echo zbud > /sys/module/zswap/parameters/zpool
	ZRS_BACKEND=zswap zrs_writeback -t overfull
}

# Harness self-tests (zrs.mode=selftest): these must make the run fail.
test_selftest_fail() { echo "  this test fails on purpose"; return 1; }
# Passes; the run around it must still fail for another reason (CPU count).
test_selftest_ok() { echo "  online CPUs: $(grep -c ^processor /proc/cpuinfo)"; return 0; }
test_selftest_kunit() { test_kunit selftest_fail=1; }
test_selftest_uaf() { test_kunit selftest_uaf=1; }
test_selftest_slab() { test_kunit selftest_slab=1; }
test_selftest_warn() {
	echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT
	return 0
}
