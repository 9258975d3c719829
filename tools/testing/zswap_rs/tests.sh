# SPDX-License-Identifier: GPL-2.0
# In-guest tests of zswap_rs (sourced by lib.sh).  Each test_<name> returns
# 0 on pass.  The lists below are the only ones: `make check` (check.sh)
# reads them from this file.  ALL_TESTS run on every kernel, in order;
# DEBUG_TESTS need the debug kernel (fault injection) and run after them.

ALL_TESTS="kunit integrity thp duplicate exit incompressible compressors knobs limit writeback memcg summary zswapstat swapoff swapoff_cycles duplicate_parallel storm storm_writeback shrinker_writeback stressng churn rmmod_writeback rmmod_cycles late_load"
DEBUG_TESTS="failalloc failstore sigbus"
# Run last, for SOAK seconds (zrs.soak=; make check: SOAK=).
SOAK_TESTS="soak"

# KUnit suites: load the test module, dump every suite's KTAP results.
test_kunit() {
	insmod /zrs/zswap_rs_kunit.ko "$@" || return 1
	for d in /sys/kernel/debug/kunit/*/; do
		s=${d%/}; s=${s##*/}
		echo "ZRS-KTAP-BEGIN $s"
		cat "$d/results"
		echo "ZRS-KTAP-END $s"
	done
	rmmod zswap_rs_kunit
}

test_integrity() { zrs-test integrity 32; }

# Whole 2 MiB THPs swapped out (THP_SWAP).  6.1 does that only to a
# non-rotational swap device (swap clusters), so /dev/vda is declared
# non-rotational and swapped on again for this test, and restored after.
# zswap_rs must reject each 2 MiB folio (reject_thp): every byte comes back.
test_thp() {
	T=/sys/kernel/mm/transparent_hugepage/enabled
	R=/sys/block/vda/queue/rotational
	[ -f $T ] || { echo "  $T missing: kernel without transparent huge pages"; return 1; }
	echo "  transparent_hugepage/enabled: $(cat $T)"
	swapoff /dev/vda || { echo "  swapoff /dev/vda failed"; return 1; }
	if echo 0 > $R && [ "$(cat $R)" = 0 ] && swapon /dev/vda; then
		zrs-test thp 32; rc=$?
		swapoff /dev/vda || { echo "  swapoff /dev/vda (restore) failed"; rc=1; }
	else
		echo "  cannot swap on /dev/vda as a non-rotational device (rotational $(cat $R))"; rc=1
	fi
	echo 1 > $R || { echo "  cannot restore $R to 1"; rc=1; }
	swapon /dev/vda || { echo "  swapon /dev/vda (restore) failed"; rc=1; }
	return $rc
}

test_duplicate() { zrs-test duplicate; }
test_exit() {
	# Start from an empty swap device: no stale slots of earlier tests.
	swapoff /dev/vda && swapon /dev/vda || return 1
	zrs-test exit || return 1
	# Flush the swap slot caches: now nothing may remain.
	swapoff /dev/vda && swapon /dev/vda || return 1
	echo "  after swapoff/swapon: stored_pages $(stat_of stored_pages), pool_pages $(stat_of pool_pages)"
	[ "$(stat_of stored_pages)" -eq 0 ] && [ "$(stat_of pool_pages)" -eq 0 ]
}
test_incompressible() { zrs-test incompressible; }
test_compressors() { zrs-test compressors && echo lzo > $P/compressor; }
test_knobs() { zrs-test knobs; }
test_limit() { zrs-test limit; }
test_writeback() { zrs-test writeback; }
test_summary() { zrs-test summary; }

# zswapstat against the counters it reads: root sees the details, nobody
# the summary; --json and watch mode.
test_zswapstat() {
	zrs-test hold 8 4 0x55 > /tmp/hold.out 2>&1 &
	pid=$!
	while ! grep -q ready /tmp/hold.out; do sleep 0.2; done
	sp=$(stat_of stored_pages)
	wb=$(stat_of written_back_pages)
	json=$(zswapstat --json)
	text=$(zswapstat)
	nobody=$(su -s /bin/sh nobody -c zswapstat 2>&1)
	watch=$(zswapstat -w 1 -n 2 --json | wc -l)
	wait $pid; rc=$?
	echo "$text" | sed 's/^/  /'
	echo "  as nobody:"; echo "$nobody" | sed 's/^/    /'
	ok=0
	echo "$json" | grep -q "\"stored_pages\":$sp[,}]" || { echo "  --json stored_pages differs from debugfs ($sp)"; ok=1; }
	echo "$json" | grep -q "\"written_back_pages\":$wb[,}]" || { echo "  --json written_back_pages differs ($wb)"; ok=1; }
	echo "$text" | grep -q "^stored        $sp pages" || { echo "  text stored differs ($sp)"; ok=1; }
	echo "$text" | grep -q "compressor lzo" || { echo "  no compressor line"; ok=1; }
	echo "$nobody" | grep -q "details need root" || { echo "  nobody: no note about root"; ok=1; }
	echo "$nobody" | grep -q "^stored " || { echo "  nobody: no summary"; ok=1; }
	[ "$watch" -eq 2 ] || { echo "  watch mode printed $watch screens, want 2"; ok=1; }
	[ $rc -eq 0 ] && [ $ok -eq 0 ] && [ "$sp" -gt 0 ]
}

# swapoff in the middle of a workload: every page comes back intact, the
# pool empties, swap goes back on.
test_swapoff() {
	zrs-test hold 24 4 > /tmp/hold.out 2>&1 &
	pid=$!
	while ! grep -q ready /tmp/hold.out; do sleep 0.2; done
	before=$(stat_of stored_pages)
	swapoff /dev/vda || { echo "swapoff failed"; return 1; }
	after=$(stat_of stored_pages)
	wait $pid; rc=$?
	cat /tmp/hold.out
	echo "  stored_pages before swapoff $before, after $after, pool_pages $(stat_of pool_pages)"
	swapon /dev/vda || return 1
	# 6144 pages of the mix, about 3/4 compressible: thousands stored.
	[ $rc -eq 0 ] && [ "$before" -gt 3000 ] && [ "$after" -eq 0 ] && [ "$(stat_of pool_pages)" -eq 0 ]
}

# rmmod in the middle of a workload with thousands of pages stored: every
# page is written back to the swap device first, nothing is lost; the
# module loads again afterwards.
test_rmmod_writeback() {
	zrs-test hold 24 6 0x77 > /tmp/hold.out 2>&1 &
	pid=$!
	while ! grep -q ready /tmp/hold.out; do sleep 0.2; done
	stored=$(stat_of stored_pages)
	out0=$(grep '^pswpout ' /proc/vmstat | cut -d' ' -f2)
	if ! rmmod zswap_rs; then
		echo "  rmmod failed with $stored pages stored"
		wait $pid
		return 1
	fi
	out1=$(grep '^pswpout ' /proc/vmstat | cut -d' ' -f2)
	echo "  rmmod with $stored pages stored: pswpout +$((out1 - out0)); $(dmesg | grep 'wrote .* back' | tail -1 | sed 's/^\[[^]]*\] //')"
	wait $pid; rc=$?
	cat /tmp/hold.out
	zrs_load || return 1
	# Pages already in the swap cache are handed over dirty (written later).
	[ $rc -eq 0 ] && [ "$stored" -gt 1000 ] && [ $((out1 - out0)) -ge $((stored * 9 / 10)) ]
}

# Unload with swap on (nothing stored), reload: the swap area that was
# swapon'ed before the module loaded works.
test_late_load() {
	# Flush the swap slot caches so that nothing stays stored, then unload.
	swapoff /dev/vda && swapon /dev/vda || return 1
	[ "$(stat_of stored_pages)" -eq 0 ] || { echo "  pages still stored"; return 1; }
	rmmod zswap_rs || return 1
	zrs-test hold 4 0 0x33 > /tmp/hold.out 2>&1 || { cat /tmp/hold.out; return 1; }
	echo "  without the module: $(grep corrupted /tmp/hold.out)"
	zrs_load || return 1
	zrs-test integrity 8
}

# Duplicate stores of the same offsets, many times, from several processes.
test_duplicate_parallel() {
	pids=
	for i in 1 2 3 4; do
		zrs-test duplicate shared > /tmp/dup.$i 2>&1 &
		pids="$pids $!"
	done
	rc=0
	for p in $pids; do wait $p || rc=1; done
	cat /tmp/dup.1 /tmp/dup.2 /tmp/dup.3 /tmp/dup.4 | grep -v '^  *$'
	sp=$(stat_of stored_pages); used=$(awk '/SwapTotal/ { t = $2 } /SwapFree/ { f = $2 } END { print (t - f) / 4 }' /proc/meminfo)
	echo "  duplicate_entry $(stat_of duplicate_entry) (frontswap invalidates before storing again); stored_pages $sp, swap slots in use $used"
	[ $rc -eq 0 ] && [ "$sp" -le "$used" ]
}

# swapoff while several processes page, then swapon; three times.
test_swapoff_cycles() {
	for c in 1 2 3; do
		pids=
		for i in 1 2 3; do
			zrs-test hold 12 2 $((c * 16 + i)) > /tmp/hold.$i 2>&1 &
			pids="$pids $!"
		done
		for i in 1 2 3; do
			while ! grep -q ready /tmp/hold.$i; do sleep 0.2; done
		done
		before=$(stat_of stored_pages)
		swapoff /dev/vda || { echo "  swapoff failed (cycle $c)"; return 1; }
		after=$(stat_of stored_pages)
		swapon /dev/vda || return 1
		rc=0
		for p in $pids; do wait $p || rc=1; done
		echo "  cycle $c: stored_pages $before before swapoff, $after after; $(grep -h corrupted /tmp/hold.1 /tmp/hold.2 /tmp/hold.3 | tr -s ' ' | tr '\n' ';')"
		[ $rc -eq 0 ] && [ "$after" -eq 0 ] || return 1
	done
}

# rmmod / insmod while swap is active and processes hold swapped pages:
# every unload writes everything back; three times.
test_rmmod_cycles() {
	for c in 1 2 3; do
		zrs-test hold 16 3 $((c + 0x90)) > /tmp/hold.out 2>&1 &
		pid=$!
		while ! grep -q ready /tmp/hold.out; do sleep 0.2; done
		stored=$(stat_of stored_pages)
		rmmod zswap_rs || { echo "  rmmod failed (cycle $c)"; wait $pid; return 1; }
		zrs_load || { wait $pid; return 1; }
		wait $pid || { cat /tmp/hold.out; return 1; }
		echo "  cycle $c: unloaded with $stored pages stored, reloaded; $(grep corrupted /tmp/hold.out | tr -s ' ')"
	done
}

# shrinker_writeback=Y: under memory pressure the shrinker writes cold
# frames back although the pool is far from its limit (the reclaim worker
# does not run); every byte verified.
test_shrinker_writeback() {
	echo Y > $P/shrinker_writeback || return 1
	echo 60 > $P/max_pool_percent
	wb0=$(stat_of written_back_pages); runs0=$(stat_of reclaim_runs); hit0=$(stat_of pool_limit_hit)
	zrs-test pressure auto 1; rc=$?
	echo N > $P/shrinker_writeback
	echo 20 > $P/max_pool_percent
	wb=$(( $(stat_of written_back_pages) - wb0 )); runs=$(( $(stat_of reclaim_runs) - runs0 ))
	hit=$(( $(stat_of pool_limit_hit) - hit0 ))
	echo "  shrinker_writeback=Y: written_back_pages +$wb, reclaim_runs +$runs, pool_limit_hit +$hit"
	[ $rc -eq 0 ] && [ $wb -gt 0 ] && [ $hit -eq 0 ]
}

# A peer's tool alongside our own: Debian's stress-ng pages (--pageswap,
# --vm with every method and --verify, page-in) while zrs-test checks its
# own data; both must pass and frontswap must have seen the stores.
test_stressng() {
	command -v stress-ng >/dev/null || { echo "  stress-ng not in the guest image"; return 1; }
	st0=$(cat /sys/kernel/debug/frontswap/succ_stores)
	(cd /tmp && stress-ng --pageswap 2 --vm 2 --vm-bytes 96M --vm-method all --verify --page-in \
		-t 20 --metrics-brief > /tmp/sng.out 2>&1; echo $? > /tmp/sng.rc) &
	# Our data only: the exact counter checks of `integrity` assume
	# nobody else swaps meanwhile.
	zrs-test hold 24 10 0x5e; rc=$?
	wait
	src=$(cat /tmp/sng.rc)
	grep -E 'passed|failed|skipped|stressor|metrc|bogo' /tmp/sng.out | sed 's/^stress-ng: //' | head -12
	st=$(( $(cat /sys/kernel/debug/frontswap/succ_stores) - st0 ))
	echo "  stress-ng exit $src, zrs-test exit $rc, frontswap stores +$st"
	[ "$rc" -eq 0 ] && [ "$src" -eq 0 ] && [ "$st" -gt 0 ]
}

# Soak: SOAK seconds (zrs.soak=N on the kernel command line; 0 skips) of
# the storm, half with the default pool, half with a 2% pool (writeback).
test_soak() {
	if [ "${SOAK:-0}" -le 0 ]; then
		echo "  SOAK=0: skipped"
		return 0
	fi
	half=$((SOAK / 2 > 10 ? SOAK / 2 : 10))
	zrs-test storm $half && zrs-test storm $half 0 2
}

# Migration storm: integrity in one process per vCPU under a compact_memory
# loop and knob changes (compressor, enabled, compact).
test_storm() { zrs-test storm 20; }

# The same with a pool of 2% of RAM: writeback all through the storm.
test_storm_writeback() { zrs-test storm 15 0 2; }

# Fragment the pool, compact on demand, verify.
test_churn() { zrs-test churn zswap_rs; }

# The same churn on the C zswap (zrs.mode=zswap), for comparison.
test_churn_zswap() {
	echo 1 > /sys/module/zswap/parameters/enabled
	echo zbud > /sys/module/zswap/parameters/zpool
	zrs-test churn zswap
}

# Allocation failure (debug kernel: fault injection).  kswapd gets
# make-it-fail, so the stores it does under real memory pressure see pool
# page, frame table and index node allocations fail at random; each such
# store is rejected (the page goes to disk) and nothing is lost.  (The
# stack-trace filter that would confine failures to zswap_rs is not
# available on x86_64, and failing the test process itself kills it.)
test_failalloc() {
	F=/sys/kernel/debug/fail_page_alloc
	S=/sys/kernel/debug/failslab
	[ -d $F ] && [ -d $S ] || { echo "  needs the debug kernel (fault injection)"; return 1; }
	for d in $F $S; do
		echo 0 > $d/verbose; echo 1 > $d/interval; echo -1 > $d/times
		echo Y > $d/task-filter; echo N > $d/ignore-gfp-wait
	done
	echo 30 > $F/probability
	echo 10 > $S/probability
	k=$(for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = kswapd0 ] && echo ${p#/proc/}; done)
	[ -n "$k" ] || { echo "  no kswapd0"; return 1; }
	echo 1 > /proc/$k/make-it-fail
	before=$(stat_of reject_alloc_fail)
	zrs-test pressure auto 1
	rc=$?
	echo 0 > /proc/$k/make-it-fail
	echo 0 > $F/probability; echo 0 > $S/probability
	after=$(stat_of reject_alloc_fail)
	echo "  reject_alloc_fail +$((after - before)) under fault injection (kswapd)"
	[ $rc -eq 0 ] && [ "$after" -gt "$before" ]
}

# The module's own allocations fail at 20% (fault injection, debug kernel):
# stores are rejected cleanly, the pages go to the device, nothing lost.
test_failstore() { zrs-test failstore 20; }

# A load that fails (fault injection, debug kernel) raises SIGBUS.
test_sigbus() { zrs-test sigbus; }

# Memory cgroup accounting (cgroup v2): memory.zswap.max holds stores
# back, memory.stat / vmstat / meminfo follow the stores and loads.
test_memcg() { zrs-test memcg zswap_rs; }

# The same on the C zswap with zbud (zrs.mode=zswap), for comparison.
test_memcg_zswap() {
	echo 1 > /sys/module/zswap/parameters/enabled
	echo zbud > /sys/module/zswap/parameters/zpool
	zrs-test memcg zswap
}

# Density of zswap_rs on the standard mix (compared with the C zswap by the host).
test_density() { zrs-test density 32 zswap_rs; }

# The C zswap baseline for the density comparison (zrs.mode=zswap).
test_density_zswap() {
	echo 1 > /sys/module/zswap/parameters/enabled
	echo zbud > /sys/module/zswap/parameters/zpool
	zrs-test density 32 zswap
}

# The over-full workload on zswap_rs and, in another boot, on the C zswap
# with zbud (compared by the host: make check's overfull_vs_zbud).
test_overfull() { zrs-test overfull zswap_rs; }
test_overfull_zswap() {
	echo 1 > /sys/module/zswap/parameters/enabled
	echo zbud > /sys/module/zswap/parameters/zpool
	zrs-test overfull zswap
}

# Harness self-tests (zrs.mode=selftest): these must make the run fail.
test_selftest_fail() { echo "  this test fails on purpose"; return 1; }
# Passes; the run around it must still fail for another reason (CPU count).
test_selftest_ok() { echo "  online CPUs: $(grep -c ^processor /proc/cpuinfo)"; return 0; }
test_selftest_kunit() { test_kunit selftest_fail=1; }
test_selftest_warn() {
	echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT
	return 0
}
