# SPDX-License-Identifier: GPL-2.0
# In-guest tests (sourced by tests.sh): pages through the module - KUnit,
# integrity of every kind of page, THPs, knobs, limits, writeback, the
# summary files.

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
	start_ready h /tmp/th.out zrs-test thphold 32 0x7e1 || return 1
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
	start_ready h /tmp/tm.out sh -c "echo \$\$ > $G/cgroup.procs && exec zrs-test thphold 16 0x7c1" || { rmdir $G; return 1; }
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
# Writeback in runs of adjacent swap slots: the device's write requests
# per page written back, with writeback_run=1 and 8 (an empty pool first).
test_writeback_runs() {
	swapoff /dev/vda && swapon /dev/vda || return 1
	zrs_writeback -t writeback_runs
}
test_summary() { zrs_knobs -t summary; }

# zswapstat against the counters it reads: root sees the details, nobody
# the summary; --json and watch mode.
test_zswapstat() {
	# The workload holds its pages (go) while the counters are compared.
	rm -f /tmp/zrs-go
	start_ready pid /tmp/hold.out zrs-test hold 8 go 0x55 || return 1
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
