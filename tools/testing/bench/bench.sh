# SPDX-License-Identifier: GPL-2.0
# make bench, in the guest (sourced by lib.sh).  Each boot runs every
# workload on each arm it can host: zswap_rs (bench_rs), or the built-in C
# zswap with zbud, zsmalloc and z3fold (bench_zswap, switched at run time).
# Every figure is printed as a BENCH / BENCHLAT / CBENCH line, which
# scripts/bench.sh collects from the console log.
#
# zrs.bench=W1MB,ROUNDS,W2MB,W3MB,COMPS,WLS,REP,ZPOOLS,RSPOOLS (lists
# joined by +; RSPOOLS: zswap_rs's layouts, each loaded in turn) sizes the
# run; frontswap.timing=N (patch 8) must be on the command line.

bench_conf() {
	set -- $(echo "${BENCH:-32,3,320,16,lzo+lz4}" | tr , ' ')
	W1MB=$1 ROUNDS=$2 W2MB=$3 W3MB=$4 COMPS=$(echo "$5" | tr + ' ') WLS=$(echo "${6:-w1+w4+w6+w3+w2+w5+thp+kinds}" | tr + ' ')
	REP=${7:-1} ZPOOLS=$(echo "${8:-zbud+zsmalloc+z3fold}" | tr + ' ')
	RSPOOLS=$(echo "${9:-zbud+zpack}" | tr + ' ')
	# Console: warnings and worse only, so that info messages (knob
	# changes) do not split the result lines.
	dmesg -n 5
	T=/sys/kernel/debug/frontswap/timing
	[ -d $T ] || { echo "  no $T: boot with frontswap.timing=N (patch 8)"; return 1; }
}

# Nothing stored, slot caches flushed, timers reset.
bench_flush() {
	swapoff /dev/vda && swapon /dev/vda || return 1
	echo 1 > $T/reset
}

# bench_thp_swap on|off: /dev/vda swapped on as a non-rotational device
# (6.1 swaps a THP out whole only then), or back as it was (zrs.nonrot=1,
# the SSD model: non-rotational throughout).
bench_thp_swap() {
	swapoff /dev/vda || return 1
	echo $([ $1 = on ] || [ "${ZRS_NONROT:-0}" = 1 ] && echo 0 || echo 1) > /sys/block/vda/queue/rotational || return 1
	swapon /dev/vda && echo 1 > $T/reset
}

# What a workload did, counted the same way for every arm: frontswap's
# stores that succeeded and failed (rejected), its loads, the swap
# device's page writes and reads (pswpout, pswpin) and the requests that
# carried them (dev_reads, dev_writes from /sys/block/vda/stat: what the
# modelled SSD's throttle, which limits requests, charges for; swap
# readahead and writeback clustering put several pages in one), and the
# arm's own reject counters by reason (r_<name>).  bench_io_start before
# the workload, bench_io WL after it prints a BENCHIO line.
bench_io_snap() {
	F=/sys/kernel/debug/frontswap
	echo "stored $(cat $F/succ_stores)"
	echo "rejected $(cat $F/failed_stores)"
	echo "loads $(cat $F/loads)"
	awk '$1 == "pswpout" || $1 == "pswpin"' /proc/vmstat
	awk '{ print "dev_reads", $1; print "dev_writes", $5 }' /sys/block/vda/stat
	# (zswap_rs's incompressible_sampled: the part of reject_compress_poor
	# its sampled pre-check refused without compressing.)
	for f in /sys/kernel/debug/$BENCH_DIR/reject_* /sys/kernel/debug/$BENCH_DIR/pool_limit_hit \
		/sys/kernel/debug/$BENCH_DIR/incompressible_sampled; do
		[ -f "$f" ] && echo "r_${f##*/} $(cat "$f")"
	done
	# zswap_rs: pool pages writeback emptied, by the device writes each
	# cost; pages written back, neighbours of a victim (writeback_run)
	# among them; where a sample of stores spent its time (store_ns_*).
	for f in /sys/kernel/debug/$BENCH_DIR/reclaim_pages_* /sys/kernel/debug/$BENCH_DIR/written_back_pages \
		 /sys/kernel/debug/$BENCH_DIR/writeback_run_pages /sys/kernel/debug/$BENCH_DIR/store_lap_samples \
		 /sys/kernel/debug/$BENCH_DIR/store_ns_*; do
		[ -f "$f" ] && echo "w_${f##*/} $(cat "$f")"
	done
}
bench_io_start() { bench_io_snap > /tmp/bench-io.0; }
bench_io() {
	bench_io_snap > /tmp/bench-io.1
	echo "BENCHIO arm=$ZRS_ARM comp=$ZRS_COMP wl=$1 $(awk 'NR == FNR { a[$1] = $2; next } { printf "%s=%d ", $1, $2 - a[$1] }' /tmp/bench-io.0 /tmp/bench-io.1)"
}

# Per-call times of the last workload.
bench_lat() {
	zrs-test bench pctl store $T/store "$1"
	zrs-test bench pctl store_fail $T/store_fail "$1"
	zrs-test bench pctl load $T/load "$1"
}

# The pure compression cost of the W1 pages with compressor $1.
bench_cbench() {
	[ -d /sys/module/zrs_cbench ] && rmmod zrs_cbench
	insmod /zrs/zrs_cbench.ko alg="$1" || return 1
	zrs-test bench cdata "$W1MB" /sys/kernel/debug/zrs_cbench/pages || return 1
	sed -E "s/^(CBENCH|CSIZES|CLIMITS|CBTIME|CCOPY) /\1 arm=$ZRS_ARM /" /sys/kernel/debug/zrs_cbench/result
	# Its buffers (64 MiB vmalloc) would shrink the next workloads' RAM:
	# every arm runs its workloads without it.
	rmmod zrs_cbench
}

# The compressed lengths of W6's pages (its last round, the pages whose
# pool W6 measures) with compressor $1: the CSIZES, CLIMITS and CBTIME
# lines only, marked wl=w6 (the CBENCH line stays W1's: the device model
# is scaled by it).
bench_cbench_w6() {
	[ -d /sys/module/zrs_cbench ] && rmmod zrs_cbench
	insmod /zrs/zrs_cbench.ko alg="$1" || return 1
	zrs-test bench cdata "$W1MB" /sys/kernel/debug/zrs_cbench/pages w6 "$ROUNDS" || return 1
	sed -nE "s/^(CSIZES|CLIMITS|CBTIME) /\1 arm=$ZRS_ARM wl=w6 /p" /sys/kernel/debug/zrs_cbench/result
	rmmod zrs_cbench
}

# bench_run TEST: one of zrs_bench's tests on the current arm (the backend
# of $dir), its environment set by the caller.
bench_run() { ZRS_BACKEND=$dir zrs_bench -t "$1"; }

# The workloads on the current arm ($ZRS_ARM, $ZRS_COMP); debugfs dir $1.
bench_workloads() {
	dir=$1 rc=0
	BENCH_DIR=$dir
	for wl in $WLS; do
		bench_flush || return 1
		bench_io_start
		case $wl in
		w1) ZRS_MB=$W1MB ZRS_ROUNDS=$ROUNDS bench_run w1 || rc=1 ;;
		w4) ZRS_MB=$W1MB ZRS_ROUNDS=$ROUNDS ZRS_PROCS=$(grep -c ^processor /proc/cpuinfo) bench_run w4 || rc=1 ;;
		# W1 on objects of 2 to 4 KiB (zrs_lib's fill_mid), W1's size.
		w6) ZRS_MB=$W1MB ZRS_ROUNDS=$ROUNDS bench_run w6 || rc=1 ;;
		w3) ZRS_MB=$W3MB bench_run w3 || rc=1 ;;
		w2) ZRS_MB=$W2MB bench_run w2 || rc=1 ;;
		# Stored vs rejected per kind of page (512 pages of each).
		kinds) ZRS_PAGES=512 bench_run kinds || rc=1 ;;
		# The skewed application: W2's size, twice as many accesses as pages.
		w5) ZRS_MB=$W2MB ZRS_ACCESSES=$((W2MB * 256 * 2)) bench_run w5 || rc=1 ;;
		# Huge pages swapped out whole (THP_SWAP needs a non-rotational
		# device): W1's size.
		# Compaction first: after W2 and W5 (more than RAM) free memory
		# is fragmented and THPs would not form.
		thp) echo 1 > /proc/sys/vm/compact_memory
		     bench_thp_swap on && { ZRS_MB=$W1MB bench_run thp || rc=1; } ;;
		*) echo "  unknown workload $wl"; return 1 ;;
		esac
		bench_io $wl
		bench_lat $wl
		[ $wl = thp ] && { bench_thp_swap off || return 1; }
	done
	bench_flush
	return $rc
}

# rotate N WORDS...: the words rotated left by N-1 (the arms take turns in
# an order that rotates with the rep, so that none always runs first in a
# fresh boot).
rotate() {
	n=$1
	shift
	i=1
	while [ $i -lt "$n" ]; do
		first=$1
		shift
		set -- "$@" "$first"
		i=$((i + 1))
	done
	echo "$*"
}

# zswap_rs in each of its layouts (RSPOOLS), reloaded with zpool= for each:
# arm "zswap_rs" (zbud, the default) and "zswap_rs+zpack".
test_bench_rs() {
	bench_conf || return 1
	rc=0
	for l in $(rotate "$REP" $RSPOOLS); do
		if [ "$(cat $P/zpool)" != "$l" ]; then
			rmmod zswap_rs && ZRS_ZPOOL=$l zrs_load || { echo "  cannot load zswap_rs with zpool=$l"; return 1; }
		fi
		arm=zswap_rs
		[ "$l" = zbud ] || arm=zswap_rs+$l
		for c in $COMPS; do
			export ZRS_ARM=$arm ZRS_COMP=$c
			echo "$c" > $P/compressor || return 1
			bench_workloads zswap_rs || rc=1
			# Pure compression of the W1 pages, beside every arm (the
			# guest's speed drifts within a boot: each arm's floor is
			# timed right after its own workloads).
			case " $WLS " in *" w1 "*) bench_cbench "$c" || rc=1 ;; esac
			case " $WLS " in *" w6 "*) bench_cbench_w6 "$c" || rc=1 ;; esac
		done
		echo lzo > $P/compressor
	done
	return $rc
}

test_bench_zswap() {
	bench_conf || return 1
	Z=/sys/module/zswap/parameters
	echo 1 > $Z/enabled || return 1
	rc=0
	pools=$(rotate "$REP" $ZPOOLS)
	for c in $COMPS; do
		for pool in $pools; do
			export ZRS_ARM=zswap+$pool ZRS_COMP=$c
			echo "$pool" > $Z/zpool && echo "$c" > $Z/compressor || { echo "  cannot select $pool/$c"; return 1; }
			bench_workloads zswap || rc=1
			case " $WLS " in *" w1 "*) bench_cbench "$c" || rc=1 ;; esac
			case " $WLS " in *" w6 "*) bench_cbench_w6 "$c" || rc=1 ;; esac
		done
	done
	return $rc
}
