# SPDX-License-Identifier: GPL-2.0
# In-guest tests (sourced by tests.sh): memory pressure and long runs -
# the shrinker, stress-ng, storms, the soak, churn.

# shrinker_writeback=Y: under memory pressure the shrinker writes cold
# frames back although the pool is far from its limit (the reclaim worker
# does not run); every byte verified.
test_shrinker_writeback() {
	echo Y > $P/shrinker_writeback || return 1
	echo 60 > $P/max_pool_percent
	wb0=$(stat_of written_back_pages); runs0=$(stat_of reclaim_runs); hit0=$(stat_of pool_limit_hit)
	rm -f /tmp/zrs-go
	rc=0
	start_ready pid /tmp/sw.out zrs-test pressure $(pressure_mb) 1 go || rc=1
	shrink_held $pid
	touch /tmp/zrs-go
	wait $pid || rc=1
	grep -v '^ready$' /tmp/sw.out
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
