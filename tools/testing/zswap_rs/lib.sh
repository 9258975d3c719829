# SPDX-License-Identifier: GPL-2.0
# Shell helpers of the zswap-rs test guest (sourced by /init).

D=/sys/kernel/debug/zswap_rs
P=/sys/module/zswap_rs/parameters

# zrs_load [PARAM=VALUE ...]: loads zswap_rs, in the pool layout the
# command line asks for (zrs.zpool=, exported as ZRS_ZPOOL by /init);
# ZRS_KO: another build of it (make check-reverts: a fix reverted).
zrs_load() {
	insmod ${ZRS_KO:-/zrs/zswap_rs.ko} ${ZRS_ZPOOL:+zpool=$ZRS_ZPOOL} "$@" || { echo "insmod zswap_rs failed"; return 1; }
}

# zrs.devcheck=READS,WRITE_MB (make bench): the device check first (it
# overwrites the disk).  zrs.nonrot=1: the disk non-rotational before
# swapon (an SSD: 6.1 then allocates swap slots per CPU cluster and swaps
# THPs out whole).
# zrs.diskless=1 (make run ZRS_DISKLESS=1): swap on /dev/zswap_rs0 only,
# sized twice the RAM; /dev/vda stays unused (disk_sectors_written shows
# it).
zrs_swapon() {
	if [ "${ZRS_DISKLESS:-0}" = 1 ]; then
		ram_kb=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)
		echo $((ram_kb * 2))K > /sys/block/zswap_rs0/disksize &&
			mkswap /dev/zswap_rs0 >/dev/null && swapon /dev/zswap_rs0 ||
			{ echo "swapon /dev/zswap_rs0 failed"; return 1; }
		return 0
	fi
	if [ -n "${ZRS_DEVCHECK:-}" ]; then
		/zrs/zrs_devcheck /dev/vda $(echo "$ZRS_DEVCHECK" | tr , ' ') || { echo "zrs_devcheck failed"; return 1; }
	fi
	if [ "${ZRS_NONROT:-0}" = 1 ]; then
		echo 0 > /sys/block/vda/queue/rotational || return 1
	fi
	mkswap /dev/vda >/dev/null && swapon /dev/vda || { echo "swapon /dev/vda failed"; return 1; }
}

stat_of() { cat "$D/$1"; }

# debug_kernel: true on the debug kernel, whose checkers (debug_pagealloc,
# page poisoning, slub_debug, KASAN) make every page allocated, freed,
# swapped out and in several times dearer.
debug_kernel() { grep -qw debug_pagealloc=on /proc/cmdline; }

# meminfo_mb FIELD: /proc/meminfo's FIELD (MemTotal, MemAvailable, ...) in MiB.
meminfo_mb() { awk -v f="$1:" '$1 == f { print int($2 / 1024) }' /proc/meminfo; }

# pressure_mb: a size for `zrs-test pressure` that swaps.  The default
# kernel: "auto" (1.5 x RAM, a good part of it goes to swap).  The debug
# kernel: what is available now plus 96 MiB, so that some 100 MiB go out
# and come back through the pool (the pool's own growth adds to it): the
# paths run under the checkers, and the tests' premises, which they check
# on the counters (something written back, a store that failed), still
# hold, at a third of the time.  The default kernel's run keeps the heavy
# form.
pressure_mb() {
	if debug_kernel; then
		echo $(( $(meminfo_mb MemAvailable) + 96 ))
	else
		echo auto
	fi
}

# The index audit: true unless the module is loaded and holds entries that
# frontswap does not know (read twice: a store in flight counts once).
zrs_audit() {
	[ -f $D/orphan_entries ] || return 0
	[ "$(stat_of orphan_entries)" -eq 0 ] && return 0
	sleep 1
	[ "$(stat_of orphan_entries)" -eq 0 ]
}

# lost_counts: "load_missing decompress_fail" of the loaded module, "0 0"
# without it.  lost_audit NAME BEFORE AFTER: no load may have found its
# entry missing, and no load may have failed other than the failures a
# test injected on purpose (one line each in /tmp/zrs-injected-loads,
# written by zrs_lib.c's failed_load_sigbus).  Counters restart when the
# module is loaded again: then the count since that load is taken.
lost_counts() {
	if [ -f $D/load_missing ]; then
		lm=$(stat_of load_missing 2>/dev/null); df=$(stat_of decompress_fail 2>/dev/null)
		echo "${lm:-0} ${df:-0}"
	else
		echo "0 0"
	fi
}
lost_audit() {
	lm=$(( ${3% *} - ${2% *} )); df=$(( ${3#* } - ${2#* } ))
	[ $lm -lt 0 ] && lm=${3% *}
	[ $df -lt 0 ] && df=${3#* }
	inj=$(cat /tmp/zrs-injected-loads 2>/dev/null | wc -l)
	[ $lm -eq 0 ] && [ $df -le $inj ] && return 0
	echo "# $1: load_missing +$lm, decompress_fail +$df ($inj injected on purpose) during the test: pages were lost"
	return 1
}

# knobs_save FILE / knobs_restore FILE NAME: the shell tests' fixture, as
# zrs_harness.h's is the harness programs': every writable parameter of
# the loaded module and vm.page-cluster, saved before each test; after it,
# each one that changed is written back and named (a test that returned
# early, or restored a hard-coded value, leaves nothing behind).  A write
# that fails fails the test.
knobs_save() {
	: > "$1"
	for f in $P/* /proc/sys/vm/page-cluster; do
		[ -f "$f" ] || continue
		case "${f##*/}" in zpool) continue ;; esac
		echo "$f $(cat "$f" 2>/dev/null)" >> "$1"
	done
}
knobs_restore() {
	ok=0
	while read -r f v; do
		[ -f "$f" ] || continue
		cur=$(cat "$f" 2>/dev/null)
		[ "$cur" = "$v" ] && continue
		if echo "$v" > "$f" 2>/dev/null; then
			echo "# $2: teardown: ${f##*/} restored to $v (the test left $cur)"
		else
			echo "# $2: teardown: cannot restore ${f##*/} to $v (it is $cur)"
			ok=1
		fi
	done < "$1"
	return $ok
}

# work_counts: what went through the module so far, "stores loads" of the
# loaded module's own counters ("0 0" without it) and frontswap's
# "succ_stores loads" (one per call: a huge page stored whole is one).
# work_add BEFORE AFTER: adds one test's deltas to the run's sums
# (w_ms w_ml w_fs w_fl).  The module's counters restart when it is
# loaded again: then the count since that load is taken (never more
# than the test did).
work_counts() {
	ms=0 ml=0
	if [ -f $D/stores ]; then
		ms=$(stat_of stores 2>/dev/null); ml=$(stat_of loads 2>/dev/null)
	fi
	fs=/sys/kernel/debug/frontswap
	fss=$(cat $fs/succ_stores 2>/dev/null); fsl=$(cat $fs/loads 2>/dev/null)
	echo "${ms:-0} ${ml:-0} ${fss:-0} ${fsl:-0}"
}
work_add() {
	set -- $1 $2
	w_ms=$((w_ms + ($5 >= $1 ? $5 - $1 : $5)))
	w_ml=$((w_ml + ($6 >= $2 ? $6 - $2 : $6)))
	w_fs=$((w_fs + $7 - $3))
	w_fl=$((w_fl + $8 - $4))
}

zrs_stats() {
	echo "== zswapstat =="
	zswapstat
	echo "== frontswap (/sys/kernel/debug/frontswap) =="
	for f in /sys/kernel/debug/frontswap/*; do printf '  %-24s %s\n' "${f##*/}" "$(cat "$f")"; done
	if [ -f $D/vdev_capacity ]; then
		echo "== /dev/zswap_rs0 (the module's block device) =="
		for f in vdev_capacity vdev_stored_pages vdev_writes vdev_reads vdev_write_fail vdev_freed_pages; do
			printf '  %-24s %s\n' $f "$(stat_of $f)"
		done
	fi
}

# disk_sectors_written: "NAME SECTORS" for every block device but the
# module's own (RAM) and the kernel's ram-backed ones: sectors written
# since boot (/sys/block/*/stat, field 7).
disk_sectors_written() {
	for b in /sys/block/*; do
		case "${b##*/}" in zswap_rs*|zram*|loop*|ram*) continue ;; esac
		echo "${b##*/} $(awk '{ print $7 }' $b/stat)"
	done
}

# ---- Holding and waiting, for every test: a process that says "ready"
# (wait_ready), a process that must end (gone_within), and the race
# windows (debug kernel; the race tests in tests-race.sh): race_delay is
# a gate that holds a task in a named window of the module until the
# test opens it.  Every wait is for an event; the bounds (RACE_BOUND)
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

# start_ready VAR FILE CMD [ARG...]: starts CMD in the background with its
# output in FILE (emptied first, see wait_ready) and its pid in $VAR, and
# waits until it says "ready"; returns what wait_ready returns.
start_ready() {
	sr_var=$1 sr_out=$2
	shift 2
	: > "$sr_out"
	"$@" > "$sr_out" 2>&1 &
	eval "$sr_var=\$!"
	wait_ready "$sr_out" $!
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

. /zrs/tests.sh
# make bench's guest side (test_bench_rs, test_bench_zswap).
. /zrs/bench.sh

# ktap_nest: a test's output inside the document.  The KTAP of the
# kselftest_harness programs it ran (their plan and result lines) becomes
# its subtest, indented by four spaces; everything else, and the KUnit
# documents the kunit test dumps between ZRS-KTAP-BEGIN and -END, becomes
# "# " diagnostic lines.  The host's parser fails a test reported "ok"
# whose subtests say "not ok".
ktap_nest() {
	awk '/^ZRS-KTAP-BEGIN / { k = 1 }
	     !k && /^(TAP version [0-9]+|KTAP version [0-9]+|1\.\.[0-9]+|(not )?ok [0-9]+ .*)$/ { print "    " $0; fflush(); next }
	     { print "# " $0; fflush() }
	     /^ZRS-KTAP-END / { k = 0 }'
}

# to_channel CMD...: runs CMD, its output copied to the results channel
# (ZRS_CHANNEL, set up by /init) and to the console (for people); returns
# CMD's status.  tee closes the channel last, which waits until the port
# has sent everything, before /init reboots.
to_channel() {
	rm -f /tmp/zrs-channel.rc
	{ "$@"; echo $? > /tmp/zrs-channel.rc; } | tee -a "${ZRS_CHANNEL:-/dev/null}"
	rc=$(cat /tmp/zrs-channel.rc 2>/dev/null)
	return "${rc:-1}"
}

# The in-guest tests as one KTAP document (the format of KUnit and of
# tools/testing/selftests/kselftest.h), framed for the host's parser
# (scripts/ktap.py): a plan, each test's output (ktap_nest: "# "
# diagnostic lines, a harness program's results as a subtest),
# then "ok N name" or "not ok N name".  Returns non-zero if any failed.
run_tests() {
	failed=0
	skipped=0
	w_ms=0; w_ml=0; w_fs=0; w_fl=0
	[ $# -eq 0 ] && set -- $ALL_TESTS
	echo "ZRS-KTAP-BEGIN guest"
	echo "KTAP version 1"
	echo "1..$#"
	n=0
	for name in "$@"; do
		n=$((n + 1))
		echo "# -- test $name"
		if ! type "test_$name" >/dev/null 2>&1; then
			echo "not ok $n $name # no such test"
			failed=$((failed + 1))
			continue
		fi
		# The exit status crosses the pipe through a file, cleared first
		# so that a test that dies without writing it fails.
		rm -f /tmp/zrs-test.rc /tmp/zrs-injected-loads
		lost0=$(lost_counts)
		work0=$(work_counts)
		knobs_save /tmp/zrs-knobs0
		t0=$(cut -d' ' -f1 /proc/uptime)
		{ "test_$name"; echo $? > /tmp/zrs-test.rc; } 2>&1 | ktap_nest
		# Guest time per test (make check lists the slowest).
		echo "# -- time $name $(awk -v a="$t0" '{ printf "%d", $1 - a }' /proc/uptime)"
		# Whatever the test said: no stored entry may be left that
		# frontswap does not know (an orphan is a page that will be
		# written over a reused slot or never freed).
		if ! zrs_audit; then
			echo "# $name: orphan_entries $(stat_of orphan_entries) after the test"
			echo 1 > /tmp/zrs-test.rc
		fi
		lost_audit "$name" "$lost0" "$(lost_counts)" || echo 1 > /tmp/zrs-test.rc
		knobs_restore /tmp/zrs-knobs0 "$name" || echo 1 > /tmp/zrs-test.rc
		work_add "$work0" "$(work_counts)"
		rc=$(cat /tmp/zrs-test.rc 2>/dev/null)
		if [ "$rc" = 0 ]; then
			echo "ok $n $name"
		elif [ "$rc" = 4 ]; then
			# KSFT_SKIP: a kselftest_harness program whose tests all
			# skipped (e.g. no fault injection in this kernel).
			echo "ok $n $name # SKIP"
			skipped=$((skipped + 1))
		else
			echo "not ok $n $name"
			failed=$((failed + 1))
		fi
	done
	echo "# $((n - failed - skipped)) passed, $failed failed, $skipped skipped"
	# What the run verified, over all tests (zrs-test tallies: pages
	# compared, some of which never went through the module), and what
	# went through the module during the tests: its own counts of pages
	# stored and loaded, and frontswap's of successful stores and loads.
	[ -f /tmp/zrs-totals ] || : > /tmp/zrs-totals
	awk -v ms="$w_ms" -v ml="$w_ml" -v fs="$w_fs" -v fl="$w_fl" \
	    '$1 == "verified" { p += $2; c += $3 } $1 == "migrations" { m += $2 }
	     END { printf "# ZRS-TOTALS pages_verified=%.0f bytes_verified=%.0f corrupted_bytes=%.0f storm_migrations=%.0f module_stores=%s module_loads=%s frontswap_stores=%s frontswap_loads=%s\n", p, p * 4096, c, m, ms, ml, fs, fl }' \
		/tmp/zrs-totals
	echo "ZRS-KTAP-END guest"
	[ $failed -eq 0 ]
}
