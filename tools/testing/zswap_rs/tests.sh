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

ALL_TESTS="kunit integrity thp thp_swapoff thp_storm thp_memcg duplicate exclusive exit incompressible pageout_remote compressors knobs limit writeback memcg summary zswapstat swapoff swapoff_cycles duplicate_parallel storm storm_writeback shrinker_writeback stressng churn rmmod_writeback rmmod_cycles rmmod_orphan late_load cpu_hotplug writeback_swapoff shrinker_pressure zram_swap race_harness"
DEBUG_TESTS="failalloc failstore thp_failstore sigbus race_free_slot race_free_slot_aba race_store_undo race_writeback_swapin race_unload_busy race_unload_store race_writeback_give_up race_sync_io race_memcg_gone race_dup_failstore"
# Not run on the debug kernel (make check names them): shrinker_writeback
# (real pressure under the checkers costs minutes; shrinker_pressure runs
# the same paths there and checks its claim, pool_limit_hit +0, as well).
DEBUG_SKIP="shrinker_writeback"
# Run last, for SOAK seconds (zrs.soak=; make check: SOAK=).
SOAK_TESTS="soak"
# Run once more in a second boot whose zswap_rs is loaded with
# zpool=zpack (the default boot uses zbud): integrity, migration and
# compaction (storm), writeback, memcg, unload, swapoff; on the debug
# kernel the race tests and injected failures too.
ZPACK_TESTS="integrity thp duplicate exclusive incompressible knobs writeback memcg storm storm_writeback churn swapoff_cycles rmmod_writeback rmmod_cycles writeback_swapoff"
ZPACK_DEBUG_TESTS="failstore race_free_slot race_free_slot_aba race_store_undo race_writeback_swapin race_unload_busy race_unload_store race_memcg_gone"

# KUnit suites: load the test module, name the suites KUnit registered
# (the host requires each suite compiled into the module among them, each
# with a complete result set), dump every suite's KTAP results.  Fails on
# any "not ok" of a case or a suite, or on no suite at all.
test_kunit() {
	insmod /zrs/zswap_rs_kunit.ko "$@" || return 1
	suites=
	for d in /sys/kernel/debug/kunit/*/; do
		[ -f "$d/results" ] || continue
		s=${d%/}; suites="$suites ${s##*/}"
	done
	echo "ZRS-KUNIT-SUITES$suites"
	krc=0
	[ -n "$suites" ] || { echo "  no KUnit suite registered"; krc=1; }
	for s in $suites; do
		r=/sys/kernel/debug/kunit/$s/results
		echo "ZRS-KTAP-BEGIN $s"
		cat "$r" || krc=1
		echo "ZRS-KTAP-END $s"
		grep -q '^ *not ok ' "$r" && krc=1
	done
	rmmod zswap_rs_kunit || krc=1
	return $krc
}

test_integrity() { zrs_integrity -t integrity; }

# thp_swap CMD...: runs CMD with /dev/vda swapped on as a non-rotational
# device (6.1 swaps a THP out whole, THP_SWAP, only to such a device: swap
# clusters), then puts the device back as it was.
thp_swap() {
	thp_t=/sys/kernel/mm/transparent_hugepage/enabled
	thp_r=/sys/block/vda/queue/rotational
	[ -f $thp_t ] || { echo "  $thp_t missing: kernel without transparent huge pages"; return 1; }
	echo "  transparent_hugepage/enabled: $(cat $thp_t)"
	swapoff /dev/vda || { echo "  swapoff /dev/vda failed"; return 1; }
	if echo 0 > $thp_r && [ "$(cat $thp_r)" = 0 ] && swapon /dev/vda; then
		"$@"; rc=$?
		swapoff /dev/vda || { echo "  swapoff /dev/vda (restore) failed"; rc=1; }
	else
		echo "  cannot swap on /dev/vda as a non-rotational device (rotational $(cat $thp_r))"; rc=1
	fi
	echo 1 > $thp_r || { echo "  cannot restore $thp_r to 1"; rc=1; }
	swapon /dev/vda || { echo "  swapon /dev/vda (restore) failed"; rc=1; }
	return $rc
}

# Whole 2 MiB THPs swapped out: zswap_rs stores each as its 512 subpages
# (patch 9 marks every slot); compressible data never reaches the device;
# with store_thp=N each goes to the device whole.  Every byte compared.
test_thp() { thp_swap zrs_integrity -t thp; }

# swapoff with huge pages stored whole: every subpage comes back.
test_thp_swapoff() { thp_swap zrs_integrity -t thp_swapoff; }

# Huge pages stored whole, then a storm with a 2 % pool (writeback from
# the cold end, where they are), migration and knob changes (store_thp
# among them; the storm's own regions are THPs too): every byte of the
# held huge pages comes back.  The premise: some of their subpages were
# written back.  The storm's own entries are gone when it ends, so
# stored_pages then is what is left of the held ones (plus slots waiting
# in slot caches): what it fell by is a lower bound of the held subpages
# written back, and it must be at least a quarter of them (the held
# pages are the pool's coldest, and they alone fill more than the 2 %
# pool: writeback must take a good part of them, whatever the host's
# speed).  (pswpin does not show it: a page written back stays in the
# swap cache while memory is plentiful, and the verify finds it there.)
test_thp_storm() { thp_swap thp_storm; }
thp_storm() {
	rm -f /tmp/zrs-go
	: > /tmp/th.out
	zrs-test thphold 32 0x7e1 > /tmp/th.out 2>&1 &
	h=$!
	wait_ready /tmp/th.out $h || return 1
	sp0=$(stat_of stored_pages)
	ZRS_SECS=15 ZRS_POOL_PCT=2 zrs_stress -t storm; src=$?
	sp1=$(stat_of stored_pages)
	touch /tmp/zrs-go
	wait $h; rc=$?
	rm -f /tmp/zrs-go
	cat /tmp/th.out
	echo "  stored_pages with the huge pages held: $sp0 before the storm, $sp1 after it: at least $((sp0 - sp1)) of the held subpages written back (want a quarter, $((sp0 / 4)))"
	[ $((sp0 - sp1)) -ge $((sp0 / 4)) ] || echo "  less than a quarter of the held subpages was written back"
	[ $rc -eq 0 ] && [ $src -eq 0 ] && [ "$sp0" -ge 4096 ] && [ $((sp0 - sp1)) -ge $((sp0 / 4)) ]
}

# Huge pages stored whole from a memory cgroup: charged per subpage, as
# zswap 6.13 charges a large folio (memory.stat zswpout moves by 512 per
# stored huge page, zswapped by 4 KiB per stored subpage, and
# memory.zswap.current holds their compressed bytes); a charge per folio
# instead would show 1 and 4 KiB.
test_thp_memcg() { thp_swap thp_memcg; }
thp_memcg() {
	race_cgroup zrs-thp || return 1
	G=$CG/zrs-thp
	rm -f /tmp/zrs-go
	sth0=$(stat_of stored_thp)
	: > /tmp/tm.out
	sh -c "echo \$\$ > $G/cgroup.procs && exec zrs-test thphold 16 0x7c1" > /tmp/tm.out 2>&1 &
	h=$!
	wait_ready /tmp/tm.out $h || { rmdir $G; return 1; }
	sth=$(( $(stat_of stored_thp) - sth0 ))
	out=$(awk '$1 == "zswpout" { print $2 }' $G/memory.stat)
	zd=$(awk '$1 == "zswapped" { print $2 }' $G/memory.stat)
	cur=$(cat $G/memory.zswap.current)
	touch /tmp/zrs-go
	wait $h; rc=$?
	rm -f /tmp/zrs-go
	cat /tmp/tm.out
	echo "  cgroup zrs-thp: stored_thp +$sth; memory.stat zswpout $out, zswapped $zd bytes; memory.zswap.current $cur"
	rmdir $G
	[ $rc -eq 0 ] && [ "$sth" -ge 1 ] && [ "${out:-0}" -ge $((sth * 512)) ] &&
		[ "${zd:-0}" -ge $((sth * 512 * 4096)) ] && [ "${cur:-0}" -gt 0 ]
}

# A huge page whose store fails halfway (fault injection): all or nothing.
test_thp_failstore() { thp_swap zrs_faults -t thp_failhalf; }

test_duplicate() { zrs_integrity -t duplicate; }
test_exclusive() { zrs_integrity -t exclusive; }
test_exit() {
	# Start from an empty swap device: no stale slots of earlier tests.
	swapoff /dev/vda && swapon /dev/vda || return 1
	zrs_integrity -t exit || return 1
	# Flush the swap slot caches: now nothing may remain.
	swapoff /dev/vda && swapon /dev/vda || return 1
	echo "  after swapoff/swapon: stored_pages $(stat_of stored_pages), pool_pages $(stat_of pool_pages)"
	[ "$(stat_of stored_pages)" -eq 0 ] && [ "$(stat_of pool_pages)" -eq 0 ]
}
test_incompressible() { zrs_integrity -t incompressible; }
test_pageout_remote() { zrs_integrity -t pageout_remote; }
# The fixture puts the compressor back as it was (lzo), also on a failure.
test_compressors() { zrs_integrity -t compressors; }
test_knobs() { zrs_knobs -t knobs; }
test_limit() { zrs_knobs -t limit; }
# It starts from an empty pool: pages an earlier test left in the pool (a
# tmpfs file, the shell's own pages swapped out under pressure) would take
# part of its 2% limit and of writeback=200 (swapoff reads them back).
test_writeback() {
	swapoff /dev/vda && swapon /dev/vda || return 1
	zrs_writeback -t writeback
}
test_summary() { zrs_knobs -t summary; }

# zswapstat against the counters it reads: root sees the details, nobody
# the summary; --json and watch mode.
test_zswapstat() {
	# The workload holds its pages (go) while the counters are compared.
	rm -f /tmp/zrs-go
	: > /tmp/hold.out
	zrs-test hold 8 go 0x55 > /tmp/hold.out 2>&1 &
	pid=$!
	wait_ready /tmp/hold.out $pid || return 1
	sp=$(stat_of stored_pages)
	wb=$(stat_of written_back_pages)
	json=$(zswapstat --json)
	text=$(zswapstat)
	nobody=$(su -s /bin/sh nobody -c zswapstat 2>&1)
	watch=$(zswapstat -w 1 -n 2 --json | wc -l)
	touch /tmp/zrs-go
	wait $pid; rc=$?
	rm -f /tmp/zrs-go
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
	rm -f /tmp/zrs-go
	: > /tmp/hold.out
	zrs-test hold 24 go > /tmp/hold.out 2>&1 &
	pid=$!
	wait_ready /tmp/hold.out $pid || return 1
	before=$(stat_of stored_pages)
	# The workload reads its pages back (go) while swapoff brings them in.
	swapoff /dev/vda &
	so=$!
	touch /tmp/zrs-go
	wait $so || { echo "swapoff failed"; wait $pid; return 1; }
	after=$(stat_of stored_pages)
	wait $pid; rc=$?
	rm -f /tmp/zrs-go
	cat /tmp/hold.out
	echo "  stored_pages before swapoff $before, after $after, pool_pages $(stat_of pool_pages)"
	swapon /dev/vda || return 1
	# 6144 pages of the mix, about 3/4 compressible: thousands stored.
	[ $rc -eq 0 ] && [ "$before" -gt 3000 ] && [ "$after" -eq 0 ] && [ "$(stat_of pool_pages)" -eq 0 ]
}

# rmmod in the middle of a workload with thousands of pages stored: every
# page is written back to the swap device first, nothing is lost; the
# module loads again afterwards.  The workload waits for go until the
# module is back, so that nothing swaps in while it unloads (how much a
# concurrent swap-in takes from the unload is the host's speed, not the
# module's behaviour).
test_rmmod_writeback() {
	rm -f /tmp/zrs-go
	: > /tmp/hold.out
	zrs-test hold 24 go 0x77 > /tmp/hold.out 2>&1 &
	pid=$!
	wait_ready /tmp/hold.out $pid || return 1
	stored=$(stat_of stored_pages)
	out0=$(grep '^pswpout ' /proc/vmstat | cut -d' ' -f2)
	mark=$(log_mark rmmod_writeback)
	rmmod zswap_rs; rrc=$?
	out1=$(grep '^pswpout ' /proc/vmstat | cut -d' ' -f2)
	zrs_load; lrc=$?
	touch /tmp/zrs-go
	wait $pid; rc=$?
	rm -f /tmp/zrs-go
	cat /tmp/hold.out
	[ $rrc -eq 0 ] || { echo "  rmmod failed with $stored pages stored"; return 1; }
	echo "  rmmod with $stored pages stored: pswpout +$((out1 - out0))"
	[ $rc -eq 0 ] && [ $lrc -eq 0 ] && [ "$stored" -gt 1000 ] && unload_accounted "$mark" "$stored" $((out1 - out0))
}

# log_mark NAME: writes a line of its own to the kernel log and prints it:
# what dmesg shows after it is new (dmesg_since).  Used instead of
# counting lines before and after, which a wrap of the 128 KiB log
# buffer would falsify.
log_mark() {
	m="zswap_rs test: mark $1 at $(cut -d' ' -f1 /proc/uptime)"
	echo "$m" > /dev/kmsg
	echo "$m"
}
# dmesg_since MARK: the kernel log lines after the line MARK (none if
# MARK is not in the log).
dmesg_since() { dmesg | awk -v m="$1" 'f { print } !f && index($0, m) { f = 1 }'; }

# unload_accounted MARK STORED PSWPOUT: the unload's log line accounts
# for every page stored when rmmod began (written + handed to swap-cache
# pages + gone meanwhile >= STORED; more only if something stored or
# moved meanwhile), the device saw each write (pswpout grew by at least
# the written count), and with the workload idle most were written by the
# unload itself (the premise of the tests that call it).  The line must
# be this unload's: exactly one since MARK (log_mark, called before
# rmmod), none before it taken for it.
unload_accounted() {
	lines=$(dmesg_since "$1" | grep 'zswap_rs: unload: [0-9]* stored pages: ')
	n=$(printf '%s' "$lines" | grep -c 'unload: ')
	line=$(printf '%s\n' "$lines" | tail -1)
	shift
	echo "  ${line#*zswap_rs: }"
	[ "$n" -eq 1 ] || { echo "  $n unload lines in the log since rmmod began, want 1"; return 1; }
	set -- "$1" "$2" $(echo "$line" | sed -n 's/.*unload: \([0-9]*\) stored pages: \([0-9]*\) written .*, \([0-9]*\) handed .*, \([0-9]*\) gone.*/\1 \2 \3 \4/p')
	[ $# -eq 6 ] || { echo "  no unload line in the log"; return 1; }
	[ $(($4 + $5 + $6)) -ge "$1" ] || { echo "  $1 pages stored, the unload accounts for $(($4 + $5 + $6))"; return 1; }
	[ "$2" -ge "$4" ] || { echo "  pswpout +$2 < $4 pages written"; return 1; }
	[ "$4" -ge $(($1 / 2)) ] || { echo "  only $4 of $1 pages written by the unload"; return 1; }
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
	ZRS_MB=8 zrs_integrity -t integrity
}

# Duplicate stores of the same offsets, many times, from several processes.
test_duplicate_parallel() {
	pids=
	for i in 1 2 3 4; do
		ZRS_SHARED=1 zrs_integrity -t duplicate > /tmp/dup.$i 2>&1 &
		pids="$pids $!"
	done
	rc=0
	for p in $pids; do wait $p || rc=1; done
	cat /tmp/dup.1 /tmp/dup.2 /tmp/dup.3 /tmp/dup.4 | grep -v '^  *$'
	sp=$(stat_of stored_pages); used=$(awk '/SwapTotal/ { t = $2 } /SwapFree/ { f = $2 } END { print (t - f) / 4 }' /proc/meminfo)
	echo "  duplicate_entry $(stat_of duplicate_entry) (frontswap invalidates before storing again); stored_pages $sp, swap slots in use $used"
	[ $rc -eq 0 ] && [ "$sp" -le "$used" ]
}

# swapoff while several processes hold swapped pages, then swapon; three
# times.  The processes verify once swap is back on (go), so that what
# is stored when swapoff starts does not depend on the host's speed.
test_swapoff_cycles() {
	for c in 1 2 3; do
		rm -f /tmp/zrs-go
		pids=
		for i in 1 2 3; do
			: > /tmp/hold.$i
			zrs-test hold 12 go $((c * 16 + i)) > /tmp/hold.$i 2>&1 &
			pids="$pids $!"
		done
		set -- $pids
		for i in 1 2 3; do
			eval "p=\${$i}"
			wait_ready /tmp/hold.$i $p || { touch /tmp/zrs-go; return 1; }
		done
		before=$(stat_of stored_pages)
		swapoff /dev/vda; soff=$?
		after=$(stat_of stored_pages)
		swapon /dev/vda; son=$?
		touch /tmp/zrs-go
		rc=0
		for p in $pids; do wait $p || rc=1; done
		rm -f /tmp/zrs-go
		echo "  cycle $c: stored_pages $before before swapoff, $after after; $(grep -h corrupted /tmp/hold.1 /tmp/hold.2 /tmp/hold.3 | tr -s ' ' | tr '\n' ';')"
		[ $soff -eq 0 ] && [ $son -eq 0 ] || { echo "  swapoff exit $soff, swapon exit $son (cycle $c)"; return 1; }
		# The premise: swapoff had thousands of stored pages to bring in.
		[ "$before" -gt 1000 ] || { echo "  only $before pages stored before swapoff (cycle $c)"; return 1; }
		[ $rc -eq 0 ] && [ "$after" -eq 0 ] || return 1
	done
}

# rmmod / insmod while swap is active and processes hold swapped pages:
# every unload writes everything back; three times.
test_rmmod_cycles() {
	for c in 1 2 3; do
		rm -f /tmp/zrs-go
		: > /tmp/hold.out
		zrs-test hold 16 go $((c + 0x90)) > /tmp/hold.out 2>&1 &
		pid=$!
		wait_ready /tmp/hold.out $pid || return 1
		stored=$(stat_of stored_pages)
		wb0=$(grep '^pswpout ' /proc/vmstat | cut -d' ' -f2)
		mark=$(log_mark "rmmod_cycles $c")
		rmmod zswap_rs; rrc=$?
		wb=$(( $(grep '^pswpout ' /proc/vmstat | cut -d' ' -f2) - wb0 ))
		zrs_load; lrc=$?
		touch /tmp/zrs-go
		wait $pid; rc=$?
		rm -f /tmp/zrs-go
		[ $rc -eq 0 ] || cat /tmp/hold.out
		[ $rrc -eq 0 ] || { echo "  rmmod failed (cycle $c)"; return 1; }
		echo "  cycle $c: unloaded with $stored pages stored (pswpout +$wb), reloaded; $(grep corrupted /tmp/hold.out | tr -s ' ')"
		# The premise: the unload had pages to write back.
		[ "$stored" -gt 1000 ] || { echo "  only $stored pages stored before rmmod (cycle $c)"; return 1; }
		[ $rc -eq 0 ] && [ $lrc -eq 0 ] && unload_accounted "$mark" "$stored" $wb || return 1
	done
}

# An orphan entry (issue 32, item 2): fail_invalidate makes frontswap's
# invalidate of a few entries keep them (a lost invalidate, made by hand),
# then their owner exits: their slots are free, their frontswap bits
# clear, and nothing will ever invalidate them.  The unload must still
# end, within a bound (it used to meet them as "gone" on every pass, for
# ever, and rmmod could not be killed): each dropped as lost, one log line,
# counted in its unload line.
test_rmmod_orphan() {
	F=$D/fail_invalidate
	[ -d $F ] || { echo "  SKIP: no fault injection (fail_invalidate)"; return 4; }
	: > /tmp/hold.out
	zrs-test hold 8 600 0x5c > /tmp/hold.out 2>&1 &
	pid=$!
	wait_ready /tmp/hold.out $pid || return 1
	stored=$(stat_of stored_pages)
	echo 0 > $F/verbose; echo 1 > $F/interval; echo 5 > $F/times; echo 100 > $F/probability
	# Its slots reach frontswap's invalidate in batches of 64 (the swap
	# slot caches), most of them at once: the first 5 are lost.
	kill -9 $pid; wait $pid 2>/dev/null
	echo 0 > $F/probability
	orphans=$(stat_of orphan_entries)
	left=$(stat_of stored_pages)
	echo "  $stored pages stored, owner killed: $left left, orphan_entries $orphans"
	[ "$orphans" -ge 1 ] || { echo "  no orphan made: the test proves nothing"; return 1; }
	mark=$(log_mark rmmod_orphan)
	rmmod zswap_rs & r=$!
	i=0
	while kill -0 $r 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 $r 2>/dev/null; then
		echo "  rmmod still running after 60 s with $orphans orphan entries: the unload livelocks"
		return 1
	fi
	wait $r; rrc=$?
	zrs_load; lrc=$?
	[ $rrc -eq 0 ] || { echo "  rmmod failed"; return 1; }
	log=$(dmesg_since "$mark")
	n=$(printf '%s\n' "$log" | grep -c 'zswap_rs: writeback: orphan entry')
	dropped=$(printf '%s\n' "$log" | sed -n 's/.*; \([0-9]*\) orphans dropped as lost.*/\1/p')
	echo "  unloaded in $((i / 10)) s: ${dropped:-no} orphans dropped as lost, $n orphan log line(s)"
	[ "$n" -eq 1 ] || { echo "  want one orphan log line"; return 1; }
	[ "${dropped:-0}" -eq "$orphans" ] || { echo "  $orphans orphan entries, ${dropped:-0} dropped"; return 1; }
	[ $lrc -eq 0 ]
}

# shrinker_writeback=Y: under memory pressure the shrinker writes cold
# frames back although the pool is far from its limit (the reclaim worker
# does not run); every byte verified.
test_shrinker_writeback() {
	echo Y > $P/shrinker_writeback || return 1
	echo 60 > $P/max_pool_percent
	wb0=$(stat_of written_back_pages); runs0=$(stat_of reclaim_runs); hit0=$(stat_of pool_limit_hit)
	rm -f /tmp/zrs-go
	: > /tmp/sw.out
	zrs-test pressure $(pressure_mb) 1 go > /tmp/sw.out 2>&1 &
	pid=$!
	rc=0
	wait_ready /tmp/sw.out $pid || rc=1
	shrink_held $pid
	touch /tmp/zrs-go
	wait $pid || rc=1
	cat /tmp/sw.out | grep -v '^ready$'
	echo N > $P/shrinker_writeback
	echo 20 > $P/max_pool_percent
	wb=$(( $(stat_of written_back_pages) - wb0 )); runs=$(( $(stat_of reclaim_runs) - runs0 ))
	hit=$(( $(stat_of pool_limit_hit) - hit0 ))
	echo "  shrinker_writeback=Y: written_back_pages +$wb, reclaim_runs +$runs, pool_limit_hit +$hit; $SHRINK_CALLS shrinker calls forced with the pool non-empty"
	[ $rc -eq 0 ] && [ "$SHRINK_CALLS" -gt 0 ] && [ $wb -gt 0 ] && [ $hit -eq 0 ]
}

# shrink_held PID...: the PIDs hold their memory (filled past RAM, not
# yet read back: the pool holds part of it, reclaim is under way).  Make
# the kernel call every shrinker (drop_caches=2 walks them at priority 0,
# GFP_KERNEL, in this shell's context) until written_back_pages moves,
# at most SHRINK_MAX (5) times, each only while the pool holds pages.
# How often reclaim itself reaches our shrinker depends on the host's
# speed and the kernel's batching; the processes hold until we are done,
# so "the shrinker wrote back under pressure" is a driven state, whatever
# the speed.  Sets SHRINK_CALLS to the number of forced calls.
shrink_held() {
	SHRINK_CALLS=0
	sh_wb0=$(stat_of written_back_pages)
	while [ $SHRINK_CALLS -lt ${SHRINK_MAX:-5} ] && [ "$(stat_of stored_pages)" -gt 0 ]; do
		echo 2 > /proc/sys/vm/drop_caches
		SHRINK_CALLS=$((SHRINK_CALLS + 1))
		[ "$(stat_of written_back_pages)" -gt "$sh_wb0" ] && break
	done
	for p in "$@"; do kill -0 $p 2>/dev/null || echo "  process $p ended before the shrinker calls"; done
}

# A peer's tool alongside our own: Debian's stress-ng pages (--pageswap,
# --vm with every method and --verify, page-in) while zrs-test checks its
# own data.  Bound by work, not time: the pageswap instances page out
# SNG_PAGES pages between them (--pageswap-ops: one page per bogo op,
# read back and checked by --verify; stress-ng shares a stressor's ops
# among its instances) and the vm instances do SNG_VM_OPS bogo ops; -t
# only bounds a hang.  stress-ng's own verdict must be clean: exit 0,
# "successful run completed", no "fail:" line (a --verify mismatch is
# one), and both stressors did all their ops (its YAML metrics).  And the
# pages went through the module: its stores and its loads each moved by
# at least the pages pageswap paged out, which zrs-test's pages (6,144;
# on the debug kernel, whose checkers make each page dearer, all three
# figures are halved) alone cannot make up.
SNG_PAGES=8192
SNG_VM_OPS=20000
SNG_HOLD_MB=24
test_stressng() {
	command -v stress-ng >/dev/null || { echo "  stress-ng not in the guest image"; return 1; }
	if debug_kernel; then SNG_PAGES=4096; SNG_VM_OPS=10000; SNG_HOLD_MB=12; fi
	w0=$(work_counts)
	rm -f /tmp/sng.yaml
	(cd /tmp && stress-ng --pageswap 2 --pageswap-ops $SNG_PAGES --vm 2 --vm-bytes 96M --vm-ops $SNG_VM_OPS \
		--vm-method all --verify --page-in -t 600 --metrics-brief -Y /tmp/sng.yaml > /tmp/sng.out 2>&1
	 echo $? > /tmp/sng.rc) &
	sng=$!
	# Our data only: the exact counter checks of `integrity` assume
	# nobody else swaps meanwhile.
	zrs-test hold $SNG_HOLD_MB 10 0x5e; rc=$?
	wait $sng
	src=$(cat /tmp/sng.rc)
	set -- $w0 $(work_counts)
	ms=$(($5 - $1)); ml=$(($6 - $2)); fs=$(($7 - $3)); fl=$(($8 - $4))
	grep -E 'fail|metrc|completed|untrustworthy|bit errors' /tmp/sng.out | sed 's/^stress-ng: //' | head -12
	# Bogo ops per stressor, from the YAML metrics (summed over instances).
	ps=$(awk '/stressor: pageswap/ { f = 1 } f && /bogo-ops:/ { print $2; exit }' /tmp/sng.yaml 2>/dev/null)
	vm=$(awk '/stressor: vm$/ { f = 1 } f && /bogo-ops:/ { print $2; exit }' /tmp/sng.yaml 2>/dev/null)
	verdict=$(grep -o 'unsuccessful run completed\|successful run completed' /tmp/sng.out | tail -1)
	fails=$(grep -c ' fail: ' /tmp/sng.out)
	echo "  stress-ng exit $src: '$verdict', $fails fail lines; pageswap $ps bogo ops (want $SNG_PAGES), vm $vm (want $SNG_VM_OPS); zrs-test exit $rc"
	echo "  module stores +$ms, loads +$ml; frontswap stores +$fs, loads +$fl (want each of the module's >= $SNG_PAGES)"
	ok=yes
	[ "$src" = 0 ] && [ "$verdict" = "successful run completed" ] && [ "$fails" -eq 0 ] || { echo "  stress-ng reports a failure"; ok=no; }
	[ "${ps:-0}" -ge $SNG_PAGES ] && [ "${vm:-0}" -ge $SNG_VM_OPS ] || { echo "  stress-ng did not do all its work"; ok=no; }
	[ "$ms" -ge $SNG_PAGES ] && [ "$ml" -ge $SNG_PAGES ] || { echo "  too little went through the module"; ok=no; }
	[ $ok = yes ] && [ "$rc" -eq 0 ]
}

# Soak: storms, alternately with the default pool and with a 2% pool
# (writeback).  Bound by work when SOAK_STORES is set (make soak): until
# the module stored SOAK_STORES pages (frontswap's succ_stores) and
# migrated SOAK_MIGRATIONS pool pages (migrate_ok), however long that
# takes on this host, up to SOAK_LIMIT seconds (default 4 hours), past
# which it fails saying how far it got.  Otherwise bound by time: SOAK
# seconds (zrs.soak=N on the kernel command line; 0 skips).
test_soak() {
	if [ -n "${SOAK_STORES:-}" ]; then
		soak_until_work_done
		return
	fi
	if [ "${SOAK:-0}" -le 0 ]; then
		echo "  SOAK=0: skipped"
		return 0
	fi
	half=$((SOAK / 2 > 10 ? SOAK / 2 : 10))
	ZRS_SECS=$half zrs_stress -t storm && ZRS_SECS=$half ZRS_POOL_PCT=2 zrs_stress -t storm
}

soak_until_work_done() {
	fs=/sys/kernel/debug/frontswap
	want_st=$SOAK_STORES; want_mg=${SOAK_MIGRATIONS:-0}; limit=${SOAK_LIMIT:-14400}
	st0=$(cat $fs/succ_stores); mg0=$(stat_of migrate_ok); t0=$(uptime_s); i=0
	while :; do
		st=$(( $(cat $fs/succ_stores) - st0 )); mg=$(( $(stat_of migrate_ok) - mg0 ))
		el=$(( $(uptime_s) - t0 ))
		[ "$st" -ge "$want_st" ] && [ "$mg" -ge "$want_mg" ] && break
		if [ "$el" -gt "$limit" ]; then
			echo "  soak: the ${limit}s limit passed with $st of $want_st stores and $mg of $want_mg migrations done"
			return 1
		fi
		if [ $((i % 2)) = 0 ]; then ZRS_SECS=60 zrs_stress -t storm || return 1; else ZRS_SECS=60 ZRS_POOL_PCT=2 zrs_stress -t storm || return 1; fi
		i=$((i + 1))
	done
	echo "  soak: the module stored $st pages and migrated $mg pool pages in $i storms (${el}s; targets $want_st and $want_mg)"
}

# Migration storm: integrity in one process per vCPU under a compact_memory
# loop and knob changes (compressor, enabled, compact).
test_storm() { ZRS_SECS=20 zrs_stress -t storm; }

# The same with a pool of 2% of RAM: writeback all through the storm.
test_storm_writeback() { ZRS_SECS=15 ZRS_POOL_PCT=2 zrs_stress -t storm; }

# Fragment the pool, compact on demand, verify.
test_churn() { zrs_stress -t churn; }

# The same churn on the C zswap (zrs.mode=zswap), for comparison.
test_churn_zswap() {
	echo 1 > /sys/module/zswap/parameters/enabled
	echo zbud > /sys/module/zswap/parameters/zpool
	ZRS_BACKEND=zswap zrs_stress -t churn
}

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

# ---- Race tests (debug kernel): each stretches a named window of the
# module with race_delay (a gate that holds a task in the window until
# the test opens it), drives the interleaving that window allows, and
# checks what a user sees.  Every wait is for an event; the bounds (RACE_BOUND)
# only turn a hang into a failure.  See Documentation/testing.rst.

# The race windows' control file.  (A global name of its own: thp_swap
# once set $R for its own use, and every race test after a THP test wrote
# its gates into /sys/block/vda/queue/rotational, unchecked.)
RACE=$D/race_delay
# RACE_BOUND: seconds a race test waits for an event before it calls the
# wait a hang.  Under the gate's own limit (glue.c: a held task goes on by
# itself after 300 s and logs "gate not opened", which fails the run).
# make check-reverts sets it lower, for the run with the fix and the run
# with it reverted alike.
RACE_BOUND=${RACE_BOUND:-240}

# rlog MSG: a step of a race test, in the kernel log too (with its time).
rlog() { echo "zswap_rs test: $*" > /dev/kmsg; }

# race_field WINDOW N: field N of WINDOW's line in race_delay ("name
# gate|open left hits pid"); fails, saying so, for a window that does not
# exist.
race_field() {
	awk -v n="$1" -v f="$2" '$1 == n { print $f; found = 1 } END { exit !found }' $RACE 2>/dev/null ||
		{ echo "  no race window '$1' in $RACE" >&2; return 1; }
}

# race_hits WINDOW: how many times a task was held in WINDOW.
race_hits() { race_field "$1" 4; }

# race_pid WINDOW: the pid of the last task held in WINDOW.
race_pid() { race_field "$1" 5; }

# race_arm WINDOW: arms WINDOW for one entry, and checks that it is.
race_arm() {
	echo "$1 gate 1" > $RACE 2>/dev/null &&
		[ "$(race_field "$1" 2) $(race_field "$1" 3)" = "gate 1" ] ||
		{ echo "  cannot arm race window '$1'"; rlog "cannot arm window $1"; return 1; }
}

# race_open WINDOW: opens WINDOW (a held task goes on), and checks it.
race_open() {
	echo "$1 open" > $RACE 2>/dev/null && [ "$(race_field "$1" 2)" = open ] ||
		{ echo "  cannot open race window '$1'"; return 1; }
}

# race_wait_hits WINDOW N: waits until WINDOW held a task N times; fails
# for an unknown window, or after RACE_BOUND seconds.
race_wait_hits() {
	rw_t=$(uptime_s)
	while :; do
		# (Names of their own: the tests' $h and $t are their pids and times.)
		rw_hits=$(race_hits "$1") || return 1
		[ "$rw_hits" -ge "$2" ] && return 0
		[ $(( $(uptime_s) - rw_t )) -gt $RACE_BOUND ] && { echo "  window $1 was never entered"; rlog "window $1 never entered"; return 1; }
		sleep 0.2
	done
}

# Seconds since boot.
uptime_s() { cut -d. -f1 /proc/uptime; }

# wait_ready FILE PID: waits until the zrs-test behind PID says "ready".
# The caller empties FILE (": > FILE") before it starts PID: the
# background job's own "> FILE" runs in the child, after the fork, and a
# grep that comes first would find the "ready" of the file's previous
# writer (rmmod_cycles met exactly this on a loaded host: it unloaded the
# module while the new hold was still paging out).
# Returns 1 if PID exited first, 4 if it exited with 4 (it skipped: the
# kernel lacks what it needs, e.g. fault injection).
wait_ready() {
	while ! grep -q ready "$1" 2>/dev/null; do
		if ! kill -0 "$2" 2>/dev/null; then
			cat "$1"
			wait "$2"
			[ $? -eq 4 ] && return 4
			echo "  exited before it was ready"
			return 1
		fi
		sleep 0.1
	done
}

# gone_within PID SECONDS: true if PID ends within SECONDS (a hang bound).
gone_within() {
	t=$(uptime_s)
	while kill -0 "$1" 2>/dev/null; do
		[ $(( $(uptime_s) - t )) -gt $2 ] && return 1
		sleep 0.2
	done
	return 0
}

# The race helpers' own rules (a self-test: each check fails if its rule
# is gone): an unknown window fails race_wait_hits at once (it once
# compared "" with -lt and returned success) and race_arm; a write that
# would arm nothing is refused by the module; arming is read back; every
# window the test list uses exists; reset opens and zeroes everything.
test_race_harness() {
	[ -f $RACE ] || { echo "  SKIP: needs a kernel with CONFIG_FAULT_INJECTION_DEBUG_FS (race_delay)"; return 4; }
	ok=0
	echo reset > $RACE || return 1
	t0=$(uptime_s)
	race_wait_hits no_such_window 1 && { echo "  race_wait_hits accepted an unknown window"; ok=1; }
	[ $(( $(uptime_s) - t0 )) -lt 10 ] || { echo "  race_wait_hits took its bound on an unknown window"; ok=1; }
	race_arm no_such_window && { echo "  race_arm accepted an unknown window"; ok=1; }
	for bad in "no_such_window gate" "writeback_lookup" "writeback_lookup 100" "writeback_lookup gate 0" \
		   "writeback_lookup gate -2" "writeback_lookup open 1"; do
		echo "$bad" > $RACE 2>/dev/null && { echo "  race_delay accepted '$bad'"; ok=1; }
	done
	[ "$(race_field writeback_lookup 2)" = open ] || { echo "  a refused write armed writeback_lookup"; ok=1; }
	# Every window a race test arms or waits for exists in this module.
	used=
	for w in $(grep -v -e 'echo' -e '^[[:space:]]*#' /zrs/tests.sh | grep -o 'race_\(arm\|open\|wait_hits\|pid\) [a-z_]*' |
		   awk '{ print $2 }' | sort -u); do
		case "$w" in no_such_window) continue ;; esac
		race_field "$w" 1 >/dev/null || { echo "  a race test uses window '$w', which the module lacks"; ok=1; }
		used="$used $w"
	done
	# ... and every window of the module is used by one (or removed).
	for w in $(awk '{ print $1 }' $RACE); do
		case " $used " in *" $w "*) ;; *) echo "  window '$w' is used by no race test"; ok=1 ;; esac
	done
	race_arm store_undo || ok=1
	[ "$(race_field store_undo 2) $(race_field store_undo 3)" = "gate 1" ] || { echo "  store_undo not armed"; ok=1; }
	echo reset > $RACE
	[ "$(awk '$2 != "open" || $3 != 0 || $4 != 0' $RACE)" = "" ] || { echo "  reset left a window armed or counted"; ok=1; }
	echo "  race_delay: $(wc -l < $RACE) windows; unknown names and malformed writes refused"
	return $ok
}

race_setup() {
	[ -f $RACE ] || { echo "  SKIP: needs a kernel with CONFIG_FAULT_INJECTION_DEBUG_FS (race_delay)"; return 4; }
	echo reset > $RACE || return 1
	rm -f /tmp/zrs-go
	# A fresh swap area: an empty pool, slots allocated from the start.
	swapoff /dev/vda && swapon /dev/vda
}

# race_cgroup NAME: a memory cgroup (v2) $CG/NAME for a race test.
race_cgroup() {
	CG=/sys/fs/cgroup
	[ -f $CG/cgroup.controllers ] || mount -t cgroup2 none $CG || return 1
	echo +memory > $CG/cgroup.subtree_control 2>/dev/null
	mkdir -p $CG/$1
}

race_cleanup() {
	echo reset > $RACE
	touch /tmp/zrs-go
	echo Y > $P/writeback
}

# Defect: writeback found a slot free and dropped its entry (and cleared
# its frontswap bit) under no lock, while the slot could be released and
# reused by a new page.  The window: writeback has found the slot free.
# Meanwhile the slot is released (swapoff drains the slot caches) and
# reused (swapon, a new process pages out 512 distinct pages of tiny objects from the
# first slot on).  Then writeback goes on: it must leave the new pages
# alone (the old code cleared the bit of the page now in the slot: its
# swap-in read a device slot never written, and its entry stayed behind).
test_race_free_slot() {
	free_slot_race race_free_slot 32 0x5e 2 512 0x100000000000007e || return $?
	echo "  $dead dead entries; writeback held with a free slot while it was released and reused by $stored stored pages (found in use: writeback_fail +$wbf); orphan_entries $orphans"
	[ $rc -eq 0 ] && [ "$dead" -ge 24 ] && [ "$stored" -ge 256 ] && [ "$orphans" -eq 0 ] && [ "$wbf" -ge 1 ]
}

# free_slot_race NAME DEAD SEED FRAMES NEW NEWSEED: the scenario of both
# free-slot tests.  DEAD pages of SEED stored by a process that exits
# (their release waits in a swap slot cache); writeback of FRAMES frames,
# held at writeback_free_slot on the first; swapoff and swapon release
# and reuse the slots; a new process pages out NEW pages of NEWSEED and
# holds them; the gate opens.  Sets dead, pp (pool pages with the dead
# entries), stored, wbf (writeback_fail delta: the slot found in use),
# orphans and rc (the new process's verify); returns non-zero only if
# the scenario itself could not be driven.
free_slot_race() {
	race_setup || return $?
	echo N > $P/writeback
	rlog "$1: storeexit"
	zrs-test storeexit $2 $3 || { race_cleanup; return 1; }
	dead=$(stat_of stored_pages); pp=$(stat_of pool_pages)
	rlog "$1: $dead dead entries; gate, writeback"
	race_arm writeback_free_slot || { race_cleanup; return 1; }
	wbf0=$(stat_of writeback_fail)
	echo $4 > $P/writeback &
	wb=$!
	race_wait_hits writeback_free_slot 1 || { race_cleanup; return 1; }
	rlog "$1: in the window; swapoff, swapon"
	swapoff /dev/vda && swapon /dev/vda || { race_cleanup; return 1; }
	rlog "$1: texthold"
	: > /tmp/th.out
	zrs-test texthold $5 $6 > /tmp/th.out 2>&1 &
	th=$!
	wait_ready /tmp/th.out $th || { race_cleanup; return 1; }
	stored=$(stat_of stored_pages)
	rlog "$1: $stored stored; open"
	race_open writeback_free_slot
	gone_within $wb $RACE_BOUND || { echo "  writeback did not return"; race_cleanup; return 1; }
	wbf=$(( $(stat_of writeback_fail) - wbf0 ))
	orphans=$(stat_of orphan_entries)
	touch /tmp/zrs-go
	wait $th; rc=$?
	cat /tmp/th.out
	race_cleanup
	return 0
}

# Defect, the erase half: writeback that found a slot free erased the
# entry if it still held the value found before.  A value is a pool
# handle (frame id, slot), and freed frame ids are reused last-in
# first-out: a new page in the reused slot can have the very same value.
# So: one dead frame (two pages, the pool otherwise empty), writeback of
# it held with the slot found free; the slot is released (swapoff frees
# the frame) and reused by a process that pages out the same data, whose
# first pages land in that frame id and slots again.  Then writeback goes
# on: it must leave the new pages alone (the old code erased the new
# entry and cleared its bit: the page read back as zeros).  The premise
# is checked on the fixed code's own answer: it found the slot in use
# (writeback_fail +1).
test_race_free_slot_aba() {
	free_slot_race race_free_slot_aba 2 0x5f 1 16 0x5f || return $?
	echo "  $dead dead entries in $pp pool page(s); writeback held with a free slot while it was reused by the same data: writeback_fail +$wbf; orphan_entries $orphans"
	[ $rc -eq 0 ] && [ "$dead" -eq 2 ] && [ "$pp" -eq 1 ] && [ "$orphans" -eq 0 ] && [ "$wbf" -ge 1 ]
}

# Defect: a store undone after compaction moved its object left the
# moved entry behind (an orphan, no frontswap bit).  The window: a store
# whose cgroup charge failed (fault injection), before its undo.  The pool
# holds one frame with two objects of about 1425 bytes (undopair); the
# store's object (about 1325 bytes) fits in neither's room, so it gets a
# frame of its own.  In the window one of the pair is freed, and
# compaction moves the store's object (now the smallest lone one) into
# the frame that has room.
test_race_store_undo() {
	race_setup || return $?
	[ -d $D/fail_charge ] || { echo "  SKIP: needs the debug kernel (fail_charge)"; return 4; }
	race_cgroup zrs-undo || return 1
	rm -f /tmp/zrs-go1
	: > /tmp/a.out
	zrs-test undopair > /tmp/a.out 2>&1 &
	a=$!
	wait_ready /tmp/a.out $a || { race_cleanup; return 1; }
	c0=$(stat_of pages_compacted); um0=$(stat_of store_undo_moved)
	F=$D/fail_charge
	echo 0 > $F/verbose; echo 1 > $F/interval; echo 1 > $F/times; echo 100 > $F/probability
	race_arm store_undo || { race_cleanup; return 1; }
	# One page from the cgroup: its charge fails, its undo waits.
	: > /tmp/b.out
	sh -c "echo \$\$ > $CG/zrs-undo/cgroup.procs && exec zrs-test texthold 1 0x2000000000000000" > /tmp/b.out 2>&1 &
	b=$!
	race_wait_hits store_undo 1 || { race_cleanup; return 1; }
	rlog "race_store_undo: in the window; free one of the pair, compact"
	touch /tmp/zrs-go1
	while ! grep -q freed /tmp/a.out; do kill -0 $a 2>/dev/null || break; sleep 0.2; done
	echo 1 > $P/compact
	moved=$(( $(stat_of pages_compacted) - c0 ))
	rlog "race_store_undo: compaction released $moved; open"
	race_open store_undo
	echo 0 > $F/probability
	wait_ready /tmp/b.out $b || { race_cleanup; return 1; }
	# The premise: compaction moved the held store's own object (the undo
	# found its entry changed), not the other of the pair.
	um=$(( $(stat_of store_undo_moved) - um0 ))
	orphans=$(stat_of orphan_entries)
	touch /tmp/zrs-go
	wait $a; ra=$?
	wait $b; rb=$?
	cat /tmp/a.out /tmp/b.out
	zc=$(cat $CG/zrs-undo/memory.zswap.current)
	zo=$(awk '$1 == "zswpout" { print $2 }' $CG/zrs-undo/memory.stat)
	echo "  undone store: compaction released $moved frame(s) in its window, the store's own object moved: store_undo_moved +$um; orphan_entries $orphans; cgroup zswap.current $zc, zswpout $zo"
	race_cleanup
	rm -f /tmp/zrs-go1
	rmdir $CG/zrs-undo
	[ $ra -eq 0 ] && [ $rb -eq 0 ] && [ $moved -ge 1 ] && [ $um -eq 1 ] && [ "$orphans" -eq 0 ] && [ "$zc" -eq 0 ] && [ "$zo" -eq 0 ]
}

# Defect: writeback (the shrinker, a writeback=N write, unload) waited
# without end for an entry that another task is swapping in, which may be
# waiting for the writeback (its own direct reclaim runs the shrinker).
# The window: a task swapping in entry E has set SWAP_HAS_CACHE and is
# charging its page to its cgroup (at memory.max), whose reclaim pages out
# and so calls our store; that store is held at its publish window.
# Meanwhile writeback of every frame (E's among them) must not wait for
# it, and must count E (and the held store's entry) as busy.
test_race_writeback_swapin() {
	race_setup || return $?
	race_cgroup zrs-swapin || return 1
	pc=$(cat /proc/sys/vm/page-cluster)
	echo 0 > /proc/sys/vm/page-cluster
	echo N > $P/writeback
	# Distinct compressible pages: every entry is a pool object (a
	# same-filled page's entry has no frame, and writeback never meets it).
	: > /tmp/h.out
	sh -c "echo \$\$ > $CG/zrs-swapin/cgroup.procs && exec zrs-test texthold 512 0x5a" > /tmp/h.out 2>&1 &
	h=$!
	wait_ready /tmp/h.out $h || { echo $pc > /proc/sys/vm/page-cluster; race_cleanup; return 1; }
	# Just above its usage (a limit below it would make this write reclaim,
	# and with nothing to reclaim yet, OOM-kill the task): after a few
	# swap-ins every charge reclaims (and so stores) first.
	echo $(( $(cat $CG/zrs-swapin/memory.current) + 65536 )) > $CG/zrs-swapin/memory.max
	race_arm store_publish || { race_cleanup; return 1; }
	touch /tmp/zrs-go
	race_wait_hits store_publish 1 || {
		echo max > $CG/zrs-swapin/memory.max; echo $pc > /proc/sys/vm/page-cluster
		race_cleanup; wait $h; rmdir $CG/zrs-swapin; return 1
	}
	# The swap-in is held in its charge's reclaim now.  Writeback's own
	# swap-cache pages are charged to the entries' cgroup too: at the
	# limit, they would OOM-kill the workload (seen on the default
	# kernel).  The held task stays held whatever the limit is now.
	echo max > $CG/zrs-swapin/memory.max
	# The premise: the store held is the workload's own (the reclaim of
	# its swap-in's charge), not some other task's page-out.
	held=$(race_pid store_publish)
	# Every frame, so the one holding the entry being swapped in too.
	wbf0=$(stat_of writeback_fail)
	echo 100000 > $P/writeback &
	wb=$!
	# Under the gate's own limit (300 s, then it opens by itself and logs
	# "gate not opened", which fails the run): a hang shows as a hang.
	if gone_within $wb $RACE_BOUND; then back=yes; else back=no; fi
	fails=$(( $(stat_of writeback_fail) - wbf0 ))
	race_open store_publish
	gone_within $wb $RACE_BOUND || echo "  writeback still waiting after the gate opened"
	echo max > $CG/zrs-swapin/memory.max
	wait $h; rc=$?
	cat /tmp/h.out
	echo $pc > /proc/sys/vm/page-cluster
	echo "  writeback of every frame returned while a swap-in of one of their entries was held (pid $held, the workload $h): $back; writeback_fail +$fails"
	race_cleanup
	rmdir $CG/zrs-swapin
	[ $rc -eq 0 ] && [ "$held" = "$h" ] && [ $back = yes ] && [ $fails -ge 1 ]
}

# rmmod_waiting: rmmod in the background (its pid in $rm) with pages it
# cannot write back yet; waits (at most 300 s) until the unload says in
# the log what it waits for.  said=yes if it did.
rmmod_waiting() {
	n0=$(dmesg | grep -c 'unload: waiting')
	rmmod zswap_rs > /tmp/rmmod.out 2>&1 &
	rm=$!
	t=$(uptime_s); said=no
	while kill -0 $rm 2>/dev/null && [ $(( $(uptime_s) - t )) -lt $RACE_BOUND ]; do
		[ "$(dmesg | grep -c 'unload: waiting')" -gt $n0 ] && { said=yes; break; }
		sleep 0.5
	done
}

# Defect: an unload that met a page it could not write back gave up after
# 2 s and then waited without end for frontswap, holding the parameter
# lock.  The page: its load failed (fault injection) and its owner caught
# the SIGBUS and keeps the mapping, so the page sits in the swap cache
# without its data.  The unload must wait for it, say so, keep the
# parameters readable, and finish once the owner exits.
test_race_unload_busy() {
	race_setup || return $?
	: > /tmp/sb.out
	zrs-test sigbushold 64 > /tmp/sb.out 2>&1 &
	sb=$!
	wait_ready /tmp/sb.out $sb || { rc=$?; race_cleanup; return $rc; }
	stored=$(stat_of stored_pages)
	rmmod_waiting
	kill -0 $rm 2>/dev/null && early=no || early=yes
	cat $P/enabled > /tmp/param.out 2>&1 &
	pr=$!
	if gone_within $pr $RACE_BOUND; then readable=yes; else readable=no; fi
	dmesg | grep 'unload: waiting' | tail -1 | sed 's/^\[[^]]*\] /  /'
	touch /tmp/zrs-go
	wait $sb; rc=$?
	cat /tmp/sb.out
	if gone_within $rm $RACE_BOUND; then wait $rm; rmrc=$?; else rmrc=hang; fi
	echo "  rmmod with $stored pages stored, one unreadable: returned early $early, said it waits $said, parameters readable meanwhile $readable, rmmod after the owner exited: $rmrc"
	# A module whose unload hangs holds its parameters: no clean-up can
	# run (make check-reverts boots again after this).
	[ "$rmrc" = hang ] && return 1
	lsmod | grep -q '^zswap_rs ' || zrs_load || return 1
	race_cleanup
	[ $rc -eq 0 ] && [ $early = no ] && [ $said = yes ] && [ $readable = yes ] && [ "$rmrc" = 0 ]
}

# Defect: writeback that could not fill the new swap-cache page of an
# entry took the page out of the swap cache again, unfilled and not
# uptodate.  swapoff's unuse_pte_range() may hold that page by then (it
# found it in the swap cache and waits for its lock), and 6.1's
# unuse_pte() maps no page that is not uptodate: it puts a swap-in error
# entry in the pte and frees the slot, so the owner gets SIGBUS for a page
# whose data was intact (in the pool, or on the device).  The window:
# writeback failed to fill the page (fail_writeback, as if the object
# could not be decompressed), before it lets the page go (writeback_give_up);
# meanwhile swapoff runs until it waits for that page's lock.  Then the
# page must be read as a swap-in would (reverts/7-writeback-give-up.patch).
test_race_writeback_give_up() {
	race_setup || return $?
	F=$D/fail_writeback
	[ -d $F ] || { echo "  SKIP: needs the debug kernel (fail_writeback)"; return 4; }
	pc=$(cat /proc/sys/vm/page-cluster)
	# One page per swap-in, so that swapoff reads each entry itself.
	echo 0 > /proc/sys/vm/page-cluster
	echo N > $P/writeback
	: > /tmp/h.out
	zrs-test texthold 512 0x6b > /tmp/h.out 2>&1 &
	h=$!
	wait_ready /tmp/h.out $h || { echo $pc > /proc/sys/vm/page-cluster; race_cleanup; return 1; }
	echo 0 > $F/verbose; echo 1 > $F/interval; echo 1 > $F/times; echo 100 > $F/probability
	race_arm writeback_give_up || { race_cleanup; return 1; }
	wbf0=$(stat_of writeback_fail)
	echo 1 > $P/writeback &
	wb=$!
	race_wait_hits writeback_give_up 1 || {
		echo 0 > $F/probability; echo $pc > /proc/sys/vm/page-cluster; race_cleanup; wait $h; return 1
	}
	rlog "race_writeback_give_up: in the window; swapoff"
	swapoff /dev/vda > /tmp/so.out 2>&1 &
	so=$!
	# The premise: swapoff waits for the page writeback holds locked in
	# its window.  Its wait channel is a page-bit wait, for the lock or
	# for writeback to the device (6.1's unuse_pte_range() waits for
	# both), and the same the next time it is looked at (a wait that
	# passes is not this one); no page may be under writeback then
	# (nr_writeback 0: the texthold pages are all in the pool, so the only
	# bit it can wait for is the lock), and writeback still held.
	waited=no; t=$(uptime_s); seen=0
	while kill -0 $so 2>/dev/null && [ $(( $(uptime_s) - t )) -lt $RACE_BOUND ]; do
		case "$(cat /proc/$so/wchan 2>/dev/null)" in
		*folio_wait_bit*|*wait_on_page_bit*)
			seen=$((seen + 1))
			if [ $seen -ge 3 ] && [ "$(awk '$1 == "nr_writeback" { print $2 }' /proc/vmstat)" = 0 ] &&
			   kill -0 $wb 2>/dev/null; then
				waited=yes; break
			fi ;;
		*) seen=0 ;;
		esac
		sleep 0.2
	done
	rlog "race_writeback_give_up: swapoff waits for the page: $waited; open"
	race_open writeback_give_up
	echo 0 > $F/probability
	gone_within $wb $RACE_BOUND || echo "  writeback did not return"
	fails=$(( $(stat_of writeback_fail) - wbf0 ))
	if gone_within $so $((2 * RACE_BOUND)); then wait $so; src=$?; else src=timeout; fi
	cat /tmp/so.out
	swapon /dev/vda
	touch /tmp/zrs-go
	wait $h; rc=$?
	cat /tmp/h.out
	echo $pc > /proc/sys/vm/page-cluster
	echo "  swapoff waited for the page writeback could not fill: $waited; writeback_fail +$fails; swapoff: $src; texthold exit $rc"
	race_cleanup
	[ $rc -eq 0 ] && [ $waited = yes ] && [ $fails -ge 1 ] && [ "$src" = 0 ]
}

# Race class of SWP_SYNCHRONOUS_IO (zram underneath): a swap-in from such a
# device skips the swap cache (do_swap_page() in 6.1), so no swap-cache
# page that writeback could lock excludes it.  The window: a swap-in held
# in its load between the index lookup and reading the object
# (load_lookup).  Meanwhile writeback of every frame runs; it must leave
# these entries alone (had it written the held entry back, the load would
# find it gone: EIO, SIGBUS, a lost page; reverts/6-sync-io.patch).
test_race_sync_io() {
	race_setup || return $?
	zram_on || { race_cleanup; return 1; }
	pc=$(cat /proc/sys/vm/page-cluster)
	echo 0 > /proc/sys/vm/page-cluster
	: > /tmp/s.out
	zrs-test texthold 64 0x2d > /tmp/s.out 2>&1 &
	h=$!
	wait_ready /tmp/s.out $h || { race_cleanup; zram_off; return 1; }
	stored=$(stat_of stored_pages)
	wb0=$(stat_of written_back_pages); wbf0=$(stat_of writeback_fail); lm0=$(stat_of load_missing)
	race_arm load_lookup || { race_cleanup; return 1; }
	touch /tmp/zrs-go
	race_wait_hits load_lookup 1 || { race_cleanup; zram_off; return 1; }
	rlog "race_sync_io: a swap-in held in its load; writeback of every frame"
	echo 100000 > $P/writeback &
	wb=$!
	gone_within $wb $RACE_BOUND && back=yes || back=no  # under the gate's 300 s
	wbn=$(( $(stat_of written_back_pages) - wb0 )); wbf=$(( $(stat_of writeback_fail) - wbf0 ))
	rlog "race_sync_io: written back $wbn, refused $wbf; open"
	race_open load_lookup
	wait $h; rc=$?
	cat /tmp/s.out
	lm=$(( $(stat_of load_missing) - lm0 ))
	echo $pc > /proc/sys/vm/page-cluster
	race_cleanup
	zram_off
	echo "  on zram, $stored stored, one swap-in held in its load: writeback returned $back, written_back_pages +$wbn, writeback_fail +$wbf, load_missing +$lm"
	[ $rc -eq 0 ] && [ "$stored" -ge 48 ] && [ $back = yes ] && [ $wbn -eq 0 ] && [ $wbf -ge 1 ] && [ $lm -eq 0 ]
}

# Race class: a memory cgroup removed while its pages are stored and
# being written back.  Its pages stay charged to its obj_cgroup, which
# moves to the parent when the cgroup goes offline.  The window: writeback
# of a frame of the cgroup's pages, page filled, before the entry is
# erased and uncharged (writeback_erase); the cgroup is removed in it.
# Then the rest of the pages are loaded (zswpin through the reparented
# charge) and freed: the parent must end at 0 bytes, every byte back, no
# WARN.
test_race_memcg_gone() {
	race_setup || return $?
	race_cgroup zrs-parent || return 1
	echo +memory > $CG/zrs-parent/cgroup.subtree_control
	mkdir -p $CG/zrs-parent/zrs-gone
	: > /tmp/g.out
	sh -c "echo \$\$ > $CG/zrs-parent/zrs-gone/cgroup.procs && exec zrs-test texthold 64 0x3c" > /tmp/g.out 2>&1 &
	h=$!
	wait_ready /tmp/g.out $h || { race_cleanup; return 1; }
	zc=$(cat $CG/zrs-parent/zrs-gone/memory.zswap.current)
	# The workload leaves the cgroup; its stored pages stay charged to it.
	echo $h > $CG/cgroup.procs
	race_arm writeback_erase || { race_cleanup; return 1; }
	wb0=$(stat_of written_back_pages)
	echo 4 > $P/writeback &
	wb=$!
	race_wait_hits writeback_erase 1 || { race_cleanup; return 1; }
	rmdir $CG/zrs-parent/zrs-gone && gone=yes || gone=no
	rlog "race_memcg_gone: cgroup removed ($gone) in the window; open"
	race_open writeback_erase
	gone_within $wb $RACE_BOUND && back=yes || back=no
	wbn=$(( $(stat_of written_back_pages) - wb0 ))
	mid=$(cat $CG/zrs-parent/memory.zswap.current)
	touch /tmp/zrs-go
	wait $h; rc=$?
	cat /tmp/g.out
	# The freed slots wait in the per-CPU slot caches: flush them.
	swapoff /dev/vda && swapon /dev/vda
	end=$(cat $CG/zrs-parent/memory.zswap.current)
	race_cleanup
	rmdir $CG/zrs-parent
	echo "  cgroup charged $zc bytes, removed while a writeback was held: $gone; written back $wbn (returned $back); parent $mid bytes after, $end bytes once the pages were freed"
	[ $rc -eq 0 ] && [ "$zc" -gt 0 ] && [ $gone = yes ] && [ $back = yes ] && [ $wbn -ge 1 ] && [ "$mid" -gt 0 ] && [ "$end" -eq 0 ]
}

# Race class: a duplicate store that fails while the old entry is being
# written back.  One page, stored, read back (it stays in the swap cache,
# the entry too); writeback of its frame is held between the index
# lookup and the swap-cache lookup (writeback_lookup).  In the window the
# page gets new content and is paged out again with the module's next
# allocation made to fail: frontswap invalidates the old entry, the store
# is refused and the page goes to the device.  The writeback must not
# write the old content anywhere: the new content must come back, no
# entry may stay behind.
test_race_dup_failstore() {
	race_setup || return $?
	echo N > $P/writeback
	rm -f /tmp/zrs-go1
	: > /tmp/d.out
	zrs-test dupfail > /tmp/d.out 2>&1 &
	h=$!
	wait_ready /tmp/d.out $h || { rc=$?; race_cleanup; return $rc; }
	rf0=$(stat_of reject_alloc_fail); out0=$(grep '^pswpout ' /proc/vmstat | cut -d' ' -f2)
	race_arm writeback_lookup || { race_cleanup; return 1; }
	echo 1 > $P/writeback &
	wb=$!
	race_wait_hits writeback_lookup 1 || { cat /tmp/d.out; race_cleanup; return 1; }
	rlog "race_dup_failstore: writeback held; new content, failing store"
	touch /tmp/zrs-go1
	while ! grep -q "stored again" /tmp/d.out; do kill -0 $h 2>/dev/null || break; sleep 0.2; done
	rf=$(( $(stat_of reject_alloc_fail) - rf0 )); out=$(( $(grep '^pswpout ' /proc/vmstat | cut -d' ' -f2) - out0 ))
	rlog "race_dup_failstore: reject_alloc_fail +$rf; open"
	race_open writeback_lookup
	gone_within $wb $RACE_BOUND && back=yes || back=no
	orphans=$(stat_of orphan_entries)
	touch /tmp/zrs-go
	wait $h; rc=$?
	cat /tmp/d.out
	race_cleanup
	rm -f /tmp/zrs-go1
	echo "  duplicate store refused by injection (reject_alloc_fail +$rf, pswpout +$out) while writeback of the old entry was held; writeback returned $back; orphan_entries $orphans"
	[ $rc -eq 0 ] && [ $rf -eq 1 ] && [ $out -ge 1 ] && [ $back = yes ] && [ "$orphans" -eq 0 ]
}

# ---- Race classes from zswap's and zsmalloc's history (no window of our
# own needed: the kernel's side is wide enough to hit every run).

# zram_on / zram_off: swap on zram0 (SWP_SYNCHRONOUS_IO) instead of
# /dev/vda, and back.
zram_on() {
	Z=/sys/block/zram0
	[ -d $Z ] || { echo "  no /sys/block/zram0 (CONFIG_ZRAM)"; return 1; }
	swapoff /dev/vda || return 1
	echo 1 > $Z/reset
	echo 128M > $Z/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 && return 0
	echo "  cannot swap on zram0"
	swapon /dev/vda
	return 1
}
zram_off() {
	swapoff /dev/zram0 2>/dev/null
	echo 1 > /sys/block/zram0/reset
	swapon /dev/vda
}

# zram underneath (SWP_SYNCHRONOUS_IO: a swap-in skips the swap cache and
# reads through frontswap straight into a new page).  zswap_rs stores and
# loads as on a disk, and leaves these entries to their owners: writeback
# of every frame writes nothing (each refusal counted in writeback_fail);
# rmmod with pages stored waits, says why ("synchronous-I/O device"), and
# finishes when swapoff takes the pages back.  Every byte verified.
test_zram_swap() {
	zram_on || return 1
	rm -f /tmp/zrs-go
	ld0=$(stat_of loads); wb0=$(stat_of written_back_pages); wbf0=$(stat_of writeback_fail)
	: > /tmp/z.out
	zrs-test texthold 2048 0x2b > /tmp/z.out 2>&1 &
	h=$!
	wait_ready /tmp/z.out $h || { zram_off; return 1; }
	stored=$(stat_of stored_pages)
	echo 100000 > $P/writeback
	wb=$(( $(stat_of written_back_pages) - wb0 )); wbf=$(( $(stat_of writeback_fail) - wbf0 ))
	touch /tmp/zrs-go
	wait $h; rc=$?
	rm -f /tmp/zrs-go
	cat /tmp/z.out
	ld=$(( $(stat_of loads) - ld0 ))
	echo "  on zram: $stored stored; writeback of every frame: written_back_pages +$wb, writeback_fail +$wbf; read back: loads +$ld"
	ok=yes
	[ $rc -eq 0 ] && [ "$stored" -ge 1024 ] && [ $wb -eq 0 ] && [ $wbf -ge 1 ] && [ $ld -ge 1024 ] || ok=no
	# rmmod with pages stored on zram: it waits and says why; swapoff
	# takes the pages back, and the unload finishes.
	: > /tmp/z2.out
	zrs-test texthold 512 0x2c > /tmp/z2.out 2>&1 &
	h=$!
	wait_ready /tmp/z2.out $h || { zram_off; return 1; }
	stored2=$(stat_of stored_pages)
	rmmod_waiting
	dmesg | grep 'unload: waiting' | tail -1 | sed 's/^\[[^]]*\] /  /'
	dmesg | grep 'unload: waiting' | tail -1 | grep -q ' [1-9][0-9]* on a synchronous-I/O device' || said=no
	swapoff /dev/zram0; soff=$?
	if gone_within $rm 300; then wait $rm; rmrc=$?; else rmrc=hang; fi
	zram_off
	lsmod | grep -q '^zswap_rs ' || zrs_load || return 1
	touch /tmp/zrs-go
	wait $h; rc2=$?
	rm -f /tmp/zrs-go
	cat /tmp/z2.out
	echo "  rmmod with $stored2 pages stored on zram: said it waits for them $said, swapoff exit $soff, rmmod $rmrc"
	[ $ok = yes ] && [ "$stored2" -ge 256 ] && [ $said = yes ] && [ $soff -eq 0 ] && [ "$rmrc" = 0 ] && [ $rc2 -eq 0 ]
}

# CPU hotplug during a storm: CPUs 1.. go offline and online in a loop
# while every worker pages in and out (the per-CPU compression contexts
# and their buffers were zswap's hotplug bugs).  Every byte verified.
# Driven, not timed: the loop counts a round (every hotpluggable CPU taken
# offline and brought back once) only while the storm says it is running
# (ZRS_STORM_RUNNING, created once its processes are started), and the
# storm does not end before the loop has done HP_ROUNDS rounds
# (ZRS_STORM_UNTIL), so the rounds counted all fell inside the storm; the
# module's stores moved across them (the storm paged through them).
HP_ROUNDS=3
test_cpu_hotplug() {
	ls /sys/devices/system/cpu/cpu1/online >/dev/null 2>&1 || { echo "  no hotpluggable CPU 1"; return 1; }
	rm -f /tmp/hp.stop /tmp/hp.count /tmp/hp.on /tmp/hp.enough /tmp/hp.stores
	(
		n=0
		# Rounds start once the storm runs.
		while [ ! -e /tmp/hp.on ] && [ ! -e /tmp/hp.stop ]; do sleep 0.1; done
		while [ ! -e /tmp/hp.stop ]; do
			s0=$(stat_of stores)
			ok=1
			for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
				echo 0 > $c && echo 1 > $c || ok=0
			done
			# Counted only if the storm still ran when the round ended
			# (it removes hp.on before it stops its workers).
			if [ $ok -eq 1 ] && [ -e /tmp/hp.on ] && [ $n -lt $HP_ROUNDS ]; then
				n=$((n + 1))
				echo $n > /tmp/hp.count
				[ $n -eq 1 ] && echo $s0 > /tmp/hp.stores
				if [ $n -eq $HP_ROUNDS ]; then
					echo $(( $(stat_of stores) - $(cat /tmp/hp.stores) )) > /tmp/hp.stores
					touch /tmp/hp.enough
				fi
			else
				# A round that failed or ended with the storm does
				# not count: start again.
				[ $n -lt $HP_ROUNDS ] && n=0 && echo 0 > /tmp/hp.count
			fi
			# Paced: each offline stops every CPU (stop_machine);
			# back to back they starve the storm, which then never
			# gets its work done on a fast host.
			sleep 1
		done
	) &
	hp=$!
	ZRS_STORM_RUNNING=/tmp/hp.on ZRS_STORM_UNTIL=/tmp/hp.enough ZRS_SECS=20 ZRS_WORKERS=4 \
		zrs_stress -t storm; rc=$?
	touch /tmp/hp.stop
	gone_within $hp 300 || { echo "  hotplug loop stuck"; rc=1; }
	for c in /sys/devices/system/cpu/cpu[1-9]*/online; do echo 1 > $c; done
	rounds=$(cat /tmp/hp.count 2>/dev/null || echo 0)
	stores=0
	[ "$rounds" -ge $HP_ROUNDS ] && stores=$(cat /tmp/hp.stores)
	cpus=$(ls -d /sys/devices/system/cpu/cpu[1-9]*/online | wc -l)
	echo "  $rounds rounds of $cpus CPUs offline/online while the storm ran (want $HP_ROUNDS); module stores during them +$stores; online now: $(cat /sys/devices/system/cpu/online)"
	[ $rc -eq 0 ] && [ "$rounds" -ge $HP_ROUNDS ] && [ "$stores" -gt 0 ]
}

# Writeback racing swapoff: a large writeback request runs while swapoff
# brings every page in and invalidates the area.  Every byte back, the
# pool empty after, swap back on.  The overlap is checked, not assumed:
# swapoff starts once writeback has written its first pages; once
# swapoff is seen bringing pages in (frontswap loads +16: nothing else
# swaps in meanwhile, the workload waits for go), writeback must still
# be running (its writer process alive and written_back_pages moving
# after that moment).  The loops that watch use shell builtins only
# (read, kill -0): no fork between a counter moving and its being seen.
test_writeback_swapoff() {
	rm -f /tmp/zrs-go
	: > /tmp/hold.out
	zrs-test hold 24 go 0x3b > /tmp/hold.out 2>&1 &
	h=$!
	wait_ready /tmp/hold.out $h || return 1
	fl=/sys/kernel/debug/frontswap/loads
	stored=$(stat_of stored_pages); wb0=$(stat_of written_back_pages)
	echo 100000 > $P/writeback &
	wb=$!
	# Writeback has begun.
	while read v < $D/written_back_pages; [ "$v" -le "$wb0" ] && kill -0 $wb 2>/dev/null; do :; done
	read wb1 < $D/written_back_pages
	read fl0 < $fl
	swapoff /dev/vda &
	so=$!
	# swapoff has begun bringing pages in; then, is writeback still at it?
	while read v < $fl; [ $((v - fl0)) -lt 16 ] && kill -0 $so 2>/dev/null; do :; done
	read v < $fl
	fl1=$((v - fl0))
	read wb2 < $D/written_back_pages
	kill -0 $wb 2>/dev/null && wb_alive=yes || wb_alive=no
	wait $so; soff=$?
	gone_within $wb 300 || { echo "  writeback did not return"; return 1; }
	wb3=$(stat_of written_back_pages)
	after=$(stat_of stored_pages)
	swapon /dev/vda || return 1
	touch /tmp/zrs-go
	wait $h; rc=$?
	cat /tmp/hold.out
	echo "  $stored stored; writeback wrote $((wb1 - wb0)) before swapoff started, $((wb2 - wb1)) more until swapoff was seen loading (frontswap loads +$fl1), then $((wb3 - wb2)) more while both ran (writeback still running then: $wb_alive); swapoff exit $soff; stored_pages after swapoff $after"
	rm -f /tmp/zrs-go
	ok=yes
	[ "$fl1" -ge 16 ] && [ $wb_alive = yes ] && [ $((wb3 - wb2)) -ge 1 ] ||
		{ echo "  writeback and swapoff did not overlap: the test proved nothing"; ok=no; }
	[ $ok = yes ] && [ $rc -eq 0 ] && [ $soff -eq 0 ] && [ "$stored" -gt 1000 ] && [ "$after" -eq 0 ]
}

# shrinker_writeback=Y under heavy pressure from several processes at
# once (a third of RAM each), paging in and out; while all three hold
# their filled memory, the shrinker is also called (shrink_held) so that
# it writes back on any host, whatever its speed: all finish (a bounded wait; the debug kernel's hung-task detector
# panics on a task stuck in D state), byte-exact, and something was
# written back (the premise).
test_shrinker_pressure() {
	echo Y > $P/shrinker_writeback || return 1
	echo 60 > $P/max_pool_percent
	wb0=$(stat_of written_back_pages); hit0=$(stat_of pool_limit_hit)
	# A third of RAM each.
	mb=$(( $(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024 / 3 ))
	pids=
	rm -f /tmp/zrs-go
	for i in 1 2 3; do
		: > /tmp/sp.$i
		zrs-test pressure $mb 1 go > /tmp/sp.$i 2>&1 &
		pids="$pids $!"
	done
	rc=0
	i=0
	for p in $pids; do
		i=$((i + 1))
		wait_ready /tmp/sp.$i $p || rc=1
	done
	# All three hold their memory (filled, not read back): shrink now.
	# A process stuck in D state is caught by the bounded wait below.
	shrink_held $pids
	touch /tmp/zrs-go
	for p in $pids; do
		gone_within $p 1800 || { echo "  process $p stuck"; rc=1; continue; }
		wait $p || rc=1
	done
	echo N > $P/shrinker_writeback
	echo 20 > $P/max_pool_percent
	grep -h "read back" /tmp/sp.1 /tmp/sp.2 /tmp/sp.3 | tail -3
	wb=$(( $(stat_of written_back_pages) - wb0 )); hit=$(( $(stat_of pool_limit_hit) - hit0 ))
	echo "  3 processes x $mb MiB, shrinker_writeback=Y: written_back_pages +$wb, pool_limit_hit +$hit; $SHRINK_CALLS shrinker calls forced while they held their memory"
	[ $rc -eq 0 ] && [ $wb -gt 0 ] || return 1
	# The debug kernel skips shrinker_writeback: its claim, that the
	# shrinker wrote back with the pool below its limit, is checked here.
	! debug_kernel || [ $hit -eq 0 ]
}

# Defect: a store that the unload made undo itself after it had charged
# its cgroup still counted zswpout for that cgroup.  Two windows: a store
# from a cgroup, its entry published, before the charge (store_publish);
# rmmod, stores refused, before its scan (unload_scan).  With both held,
# the store goes on: it charges, sees the unload, takes its entry back.
# The cgroup must show 0 zswpout and 0 bytes, the page must come back
# from the device, and the unload must finish.
test_race_unload_store() {
	race_setup || return $?
	race_cgroup zrs-unload || return 1
	race_arm store_publish || { race_cleanup; return 1; }
	race_arm unload_scan || { race_cleanup; return 1; }
	: > /tmp/u.out
	sh -c "echo \$\$ > $CG/zrs-unload/cgroup.procs && exec zrs-test texthold 1 0x33" > /tmp/u.out 2>&1 &
	u=$!
	race_wait_hits store_publish 1 || { race_cleanup; return 1; }
	held=$(race_pid store_publish)
	rmmod zswap_rs &
	rm=$!
	race_wait_hits unload_scan 1 || { echo reset > $RACE; wait $rm; zrs_load; race_cleanup; return 1; }
	rlog "race_unload_store: both held; the store goes on"
	race_open store_publish
	wait_ready /tmp/u.out $u; ready=$?
	zo=$(awk '$1 == "zswpout" { print $2 }' $CG/zrs-unload/memory.stat)
	zc=$(cat $CG/zrs-unload/memory.zswap.current)
	race_open unload_scan
	gone_within $rm $RACE_BOUND; rmrc=$?
	wait $rm; rmrc2=$?
	touch /tmp/zrs-go
	wait $u; rc=$?
	cat /tmp/u.out
	echo "  store of pid $held (the workload $u) undone by the unload after its charge: cgroup zswpout $zo, zswap.current $zc; rmmod exit $rmrc2"
	lsmod | grep -q '^zswap_rs ' || zrs_load || return 1
	race_cleanup
	rmdir $CG/zrs-unload
	[ $ready -eq 0 ] && [ $rc -eq 0 ] && [ "$held" = "$u" ] && [ $rmrc -eq 0 ] && [ $rmrc2 -eq 0 ] && [ "$zo" -eq 0 ] && [ "$zc" -eq 0 ]
}
