# SPDX-License-Identifier: GPL-2.0
# In-guest tests of the module's block device, /dev/zswap_rs0 (sourced by
# tests.sh): swap on it alone, every byte back, nothing written to a disk;
# disksize's input and its refusal while swapped on; rmmod refused while
# swapped on; plain block I/O (reads of unwritten pages, discard).

V=/sys/block/zswap_rs0

# vdev_on SIZE: swap on /dev/zswap_rs0 (of SIZE, default 512M) instead of
# /dev/vda; vdev_off: back.
vdev_on() {
	[ -b /dev/zswap_rs0 ] && [ -f $V/disksize ] || { echo "  no /dev/zswap_rs0 or $V/disksize"; return 1; }
	swapoff /dev/vda || return 1
	echo "${1:-512M}" > $V/disksize && mkswap /dev/zswap_rs0 >/dev/null && swapon /dev/zswap_rs0 && return 0
	echo "  cannot swap on /dev/zswap_rs0"
	swapon /dev/vda
	return 1
}
# vdev_off also empties the device (it kept the swap header: vdev_left
# says how many pages it held after swapoff), so that no later test finds
# the device's objects in the pool (race_setup checks for an empty pool).
vdev_off() {
	vo=0
	swapoff /dev/zswap_rs0 || { echo "  swapoff /dev/zswap_rs0 failed"; vo=1; }
	vdev_left=$(stat_of vdev_stored_pages)
	blkdiscard /dev/zswap_rs0 || { echo "  blkdiscard /dev/zswap_rs0 failed"; vo=1; }
	[ "$(stat_of vdev_stored_pages)" -eq 0 ] || { echo "  the device holds $(stat_of vdev_stored_pages) pages after a discard of all of it"; vo=1; }
	swapon /dev/vda || { echo "  swapon /dev/vda failed"; vo=1; }
	return $vo
}

# Sectors written to /dev/vda so far (/sys/block/vda/stat, field 7).
vda_written() { awk '{ print $7 }' /sys/block/vda/stat; }

# Swap on /dev/zswap_rs0 only: the integrity test (frontswap's stores on
# the device's swap type), then the same mixed data with frontswap
# refusing everything (enabled=N: every page goes to the device as a
# write, and comes back as a read), then with frontswap on and
# store_incompressible=N (the incompressible share goes to the device);
# then writeback of every frame, which must write nothing back (the
# device would store the pages again in the same pool).
# Every byte verified each time; 0 sectors written to /dev/vda; after
# swapoff the device holds the swap header only (swap freed every slot).
test_vdev_integrity() {
	vdev_on 512M || return 1
	w0=$(vda_written); dw0=$(stat_of vdev_writes); dr0=$(stat_of vdev_reads)
	ok=yes
	zrs_integrity -t integrity || { echo "  integrity on /dev/zswap_rs0 failed"; ok=no; }
	echo N > $P/enabled
	zrs-test hold 48 1 0x7d01 || { echo "  hold with frontswap off failed"; ok=no; }
	dw1=$(stat_of vdev_writes); dr1=$(stat_of vdev_reads)
	echo Y > $P/enabled
	echo N > $P/store_incompressible
	st0=$(stat_of stores)
	zrs-test hold 48 1 0x7d02 || { echo "  hold with frontswap on failed"; ok=no; }
	st=$(( $(stat_of stores) - st0 ))
	dw2=$(stat_of vdev_writes); dr2=$(stat_of vdev_reads)
	wf=$(stat_of vdev_write_fail)
	echo "  frontswap off: device writes +$((dw1 - dw0)), reads +$((dr1 - dr0)); on: module stores +$st, device writes +$((dw2 - dw1)), reads +$((dr2 - dr1)); write failures $wf; pool $(stat_of pool_pages) pages"
	[ $((dw1 - dw0)) -ge 4096 ] && [ $((dr1 - dr0)) -ge 4096 ] || { echo "  the device did not take the swap-outs"; ok=no; }
	[ $st -ge 1024 ] && [ $((dw2 - dw1)) -ge 32 ] || { echo "  frontswap and the device did not share the second run"; ok=no; }
	# Writeback of every frame while frontswap holds pages of the
	# device's swap area: nothing is written (the device would keep the
	# page in the same pool), each refusal counted.
	rm -f /tmp/zrs-go
	wb0=$(stat_of written_back_pages); wbf0=$(stat_of writeback_fail); dw3=$(stat_of vdev_writes)
	if start_ready h /tmp/v.out zrs-test texthold 2048 0x7d04; then
		echo 100000 > $P/writeback
		wb=$(( $(stat_of written_back_pages) - wb0 )); wbf=$(( $(stat_of writeback_fail) - wbf0 ))
		dw=$(( $(stat_of vdev_writes) - dw3 ))
		touch /tmp/zrs-go
		wait $h || ok=no
		cat /tmp/v.out
		echo "  writeback of every frame: written_back_pages +$wb, writeback_fail +$wbf, device writes +$dw"
		[ $wb -eq 0 ] && [ $wbf -ge 1 ] || ok=no
	else
		ok=no
	fi
	rm -f /tmp/zrs-go
	vdev_off || ok=no
	left=$vdev_left
	w=$(( $(vda_written) - w0 ))
	echo "  after swapoff: device holds $left pages; sectors written to /dev/vda meanwhile: $w"
	[ "$left" -eq 1 ] || ok=no
	[ "$w" -eq 0 ] || ok=no
	[ $ok = yes ]
}

# disksize: bytes with an optional suffix, rounded up to a page; 0,
# garbage, a too large size are refused and change nothing; a new size
# while swapped on is refused (EBUSY) and the swap goes on working;
# rmmod is refused while swapped on, and works (freeing the device's
# pages) once it is not.
test_vdev_disksize() {
	[ -f $V/disksize ] || { echo "  no $V/disksize"; return 1; }
	ok=yes
	echo 12345 > $V/disksize || ok=no
	[ "$(cat $V/disksize)" = 16384 ] || { echo "  12345 gave $(cat $V/disksize)"; ok=no; }
	[ "$(cat $V/size)" = 32 ] || { echo "  size $(cat $V/size) sectors, not 32"; ok=no; }
	echo 64M > $V/disksize || ok=no
	for bad in 0 0K garbage "" 1.5G -4096 1P 2048T 99999999999999999999; do
		if echo "$bad" > $V/disksize 2>/dev/null; then
			echo "  disksize accepted '$bad'"; ok=no
		fi
		[ "$(cat $V/disksize)" = 67108864 ] || { echo "  '$bad' changed disksize to $(cat $V/disksize)"; ok=no; }
	done
	vdev_on 64M || return 1
	err=$( (echo 128M > $V/disksize) 2>&1 ) && { echo "  resize while swapped on accepted"; ok=no; }
	echo "  resize while swapped on: $err"
	echo "$err" | grep -qi busy || ok=no
	[ "$(cat $V/disksize)" = 67108864 ] || { echo "  disksize now $(cat $V/disksize)"; ok=no; }
	if rmmod zswap_rs 2>/dev/null; then
		echo "  rmmod succeeded while swapped on"; ok=no
		zrs_load
	fi
	lsmod | grep -q '^zswap_rs ' || { echo "  zswap_rs is gone"; return 1; }
	echo N > $P/enabled
	zrs-test hold 16 1 0x7d03 || { echo "  swap after the refused resize failed"; ok=no; }
	echo Y > $P/enabled
	swapoff /dev/zswap_rs0 || ok=no
	held=$(stat_of vdev_stored_pages)
	rmmod zswap_rs || { echo "  rmmod after swapoff failed"; ok=no; }
	lsmod | grep -q '^zswap_rs ' || zrs_load || return 1
	[ -b /dev/zswap_rs0 ] && [ "$(cat $V/disksize)" = 0 ] || { echo "  the reloaded device is not empty"; ok=no; }
	swapon /dev/vda || ok=no
	echo "  rmmod with $held device pages held after swapoff: done; reloaded"
	[ $ok = yes ]
}

# Plain block I/O: unwritten pages read as zeros; pages written with dd
# read back identical (text, random and zero pages); a discard frees them
# (zeros again); swap's slot-free notification frees only what it names.
test_vdev_blockio() {
	[ -f $V/disksize ] || { echo "  no $V/disksize"; return 1; }
	ok=yes
	echo 16M > $V/disksize || return 1
	dd if=/dev/zero of=/tmp/z.bin bs=4096 count=256 2>/dev/null
	dd if=/dev/zswap_rs0 of=/tmp/r.bin bs=4096 count=256 2>/dev/null
	cmp /tmp/z.bin /tmp/r.bin || { echo "  unwritten pages are not zeros"; ok=no; }
	{ cat /zrs/*.sh; head -c 8192 /dev/zero; head -c 262144 /dev/urandom
	  for i in 1 2 3 4 5 6 7 8 9 10; do cat /zrs/*.sh; done; } | head -c 1048576 > /tmp/w.bin
	[ "$(stat -c %s /tmp/w.bin)" = 1048576 ] || { echo "  test data is $(stat -c %s /tmp/w.bin) bytes"; return 1; }
	s0=$(stat_of vdev_stored_pages)
	dd if=/tmp/w.bin of=/dev/zswap_rs0 bs=65536 seek=16 conv=fsync 2>/dev/null || { echo "  dd write failed"; ok=no; }
	# Drop the page cache of the device: the reads below come from the module.
	echo 3 > /proc/sys/vm/drop_caches
	dd if=/dev/zswap_rs0 of=/tmp/r.bin bs=65536 skip=16 count=16 2>/dev/null
	cmp /tmp/w.bin /tmp/r.bin || { echo "  data read back differs"; ok=no; }
	held=$(( $(stat_of vdev_stored_pages) - s0 ))
	echo "  1 MiB written at 1 MiB: device holds +$held pages (pool $(stat_of pool_pages) pages)"
	[ $held -eq 256 ] || ok=no
	if command -v blkdiscard >/dev/null; then
		blkdiscard /dev/zswap_rs0 || { echo "  blkdiscard failed"; ok=no; }
		echo 3 > /proc/sys/vm/drop_caches
		dd if=/dev/zswap_rs0 of=/tmp/r.bin bs=65536 skip=16 count=16 2>/dev/null
		head -c 1048576 /dev/zero | cmp - /tmp/r.bin || { echo "  discarded pages are not zeros"; ok=no; }
		echo "  after blkdiscard: device holds $(stat_of vdev_stored_pages) pages"
		[ "$(stat_of vdev_stored_pages)" -eq 0 ] || ok=no
	fi
	rm -f /tmp/z.bin /tmp/r.bin /tmp/w.bin
	[ $ok = yes ]
}

# Real memory pressure (no madvise) with /dev/zswap_rs0 the only swap
# device: the demo's mixed data at 1.5x RAM (pressure_mb: less on the
# debug kernel), one round, every byte verified; frontswap's stores to the device's swap area are not refused
# at the pool limit (pool_limit_hit +0: the device would take them into
# the same pool anyway) and writeback is not tried; 0 sectors written to
# /dev/vda.
test_vdev_pressure() {
	vdev_on 1G || return 1
	w0=$(vda_written); lim0=$(stat_of pool_limit_hit); rr0=$(stat_of reclaim_runs)
	dw0=$(stat_of vdev_writes); wf0=$(stat_of vdev_write_fail)
	zrs-test pressure $(pressure_mb) 1; rc=$?
	lim=$(( $(stat_of pool_limit_hit) - lim0 )); rr=$(( $(stat_of reclaim_runs) - rr0 ))
	dw=$(( $(stat_of vdev_writes) - dw0 )); wf=$(( $(stat_of vdev_write_fail) - wf0 ))
	vdev_off || rc=1
	w=$(( $(vda_written) - w0 ))
	echo "  device writes +$dw (failed, kept dirty: +$wf); pool_limit_hit +$lim, reclaim_runs +$rr; sectors written to /dev/vda: $w"
	[ $rc -eq 0 ] && [ $dw -ge 1024 ] && [ $lim -eq 0 ] && [ $rr -eq 0 ] && [ $w -eq 0 ]
}

# A workload that does not fit: RAM + 16 MiB against a 64 MiB /dev/zswap_rs0,
# the only swap device.  The OOM killer, not a hang, ends it: the
# workload dies of SIGKILL within a bound, the kernel log says "Out of
# memory: Killed process <its pid>", and the log of that time holds no
# other problem report (scan-log.sh, the host's own scanner, on the
# guest's log with the OOM killer's report cut out: its stack dump would
# match "Call Trace:").  The OOM report is kept off the console (console
# loglevel 4 while the workload runs: it is pr_warn and KERN_DEFAULT, the
# kill line pr_err), the log keeps all of it.  The premise, that swap
# filled up: the module took at least 90 % of the device's slots (stores
# plus device writes).  After: swapoff works, 0 sectors to /dev/vda.
test_vdev_oom() {
	vdev_on 64M || return 1
	ok=yes
	w0=$(vda_written); st0=$(stat_of stores); dw0=$(stat_of vdev_writes)
	slots=$(( $(awk '$1 == "/dev/zswap_rs0" { print $3 }' /proc/swaps) / 4 ))
	adj=$(cat /proc/$$/oom_score_adj); lv=$(awk '{ print $1 }' /proc/sys/kernel/printk)
	echo -1000 > /proc/$$/oom_score_adj
	tag="vdev_oom mark $$.$(uptime_s)"
	rlog "$tag"
	echo 4 > /proc/sys/kernel/printk
	: > /tmp/oom.out
	# RAM plus 16 MiB: more than RAM and the device hold (the pool's
	# own pages come out of RAM), less than RAM plus swap, which the
	# kernel's overcommit heuristic would refuse at mmap.
	mb=$(( $(meminfo_mb MemTotal) + 16 ))
	sh -c "echo 1000 > /proc/self/oom_score_adj && exec zrs-test pressure $mb 1" > /tmp/oom.out 2>&1 &
	p=$!
	gone_within $p 1200 || { echo "  the workload did not end within 1200 s"; ok=no; kill -9 $p; }
	wait $p; rc=$?
	echo $lv > /proc/sys/kernel/printk
	echo $adj > /proc/$$/oom_score_adj
	st=$(( $(stat_of stores) - st0 )); dw=$(( $(stat_of vdev_writes) - dw0 ))
	dmesg | sed -n "/$tag/,\$p" > /tmp/oom.log
	[ -s /tmp/oom.log ] || { echo "  the kernel log lost the test's mark"; ok=no; }
	killed=$(grep -c "Out of memory: Killed process $p " /tmp/oom.log)
	sed '/invoked oom-killer/,/Out of memory: Killed process/d' /tmp/oom.log > /tmp/oom.rest
	problems=$(sh /zrs/scan-log.sh /tmp/oom.rest) || { echo "  problem reports beside the OOM kill:"; echo "$problems" | sed 's/^/    /'; ok=no; }
	vdev_off || ok=no
	w=$(( $(vda_written) - w0 ))
	echo "  workload exit $rc (137: SIGKILL); OOM kills of it in the log: $killed; module stores +$st, device writes +$dw of $slots slots; device held $vdev_left pages after swapoff; sectors written to /dev/vda: $w"
	[ $rc -eq 137 ] && [ "$killed" -ge 1 ] || { tail -3 /tmp/oom.out; ok=no; }
	[ $((st + dw)) -ge $((slots * 9 / 10)) ] || { echo "  swap did not fill: the test proved nothing"; ok=no; }
	[ "$w" -eq 0 ] || ok=no
	rm -f /tmp/oom.out /tmp/oom.log /tmp/oom.rest
	[ $ok = yes ]
}
