# SPDX-License-Identifier: GPL-2.0
# In-guest tests (sourced by tests.sh): swapoff, unload and reload with
# pages held, duplicate stores, orphans.

# swapoff in the middle of a workload: every page comes back intact, the
# pool empties, swap goes back on.
test_swapoff() {
	rm -f /tmp/zrs-go
	start_ready pid /tmp/hold.out zrs-test hold 24 go || return 1
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
	start_ready pid /tmp/hold.out zrs-test hold 24 go 0x77 || return 1
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
		start_ready pid /tmp/hold.out zrs-test hold 16 go $((c + 0x90)) || return 1
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
	start_ready pid /tmp/hold.out zrs-test hold 8 600 0x5c || return 1
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
