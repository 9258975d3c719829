# SPDX-License-Identifier: GPL-2.0
# In-guest tests (sourced by tests.sh): race classes from zswap's and
# zsmalloc's history, without a window of ours.

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
	start_ready h /tmp/z.out zrs-test texthold 2048 0x2b || { zram_off; return 1; }
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
	start_ready h /tmp/z2.out zrs-test texthold 512 0x2c || { zram_off; return 1; }
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
	start_ready h /tmp/hold.out zrs-test hold 24 go 0x3b || return 1
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
	# A third of RAM each.  The debug kernel: a third each of what is
	# available plus 48 MiB (its checkers make every page of thrashing
	# dear: a third of RAM each cost 581 guest seconds there, ten times
	# any other test, with a second guest beside it); the pool's own
	# growth adds to the pressure, the forced shrink below still finds
	# pages to write back, and the default kernel keeps the heavy form.
	if debug_kernel; then
		mb=$(( ($(meminfo_mb MemAvailable) + 48) / 3 ))
	else
		mb=$(( $(meminfo_mb MemTotal) / 3 ))
	fi
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
