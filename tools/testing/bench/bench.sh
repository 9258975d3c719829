# SPDX-License-Identifier: GPL-2.0
# make bench, in the guest (sourced by lib.sh).  Each boot runs every
# workload on each arm it can host: zswap_rs (bench_rs), or the built-in C
# zswap with zbud, zsmalloc and z3fold (bench_zswap, switched at run time).
# Every figure is printed as a BENCH / BENCHLAT / CBENCH line, which
# scripts/bench.sh collects from the console log.
#
# zrs.bench=W1MB,ROUNDS,W2MB,W3MB,COMPS,WLS (lists joined by +) sizes
# the run; frontswap.timing=N (patch 8) must be on the command line.

bench_conf() {
	set -- $(echo "${BENCH:-32,3,320,16,lzo+lz4}" | tr , ' ')
	W1MB=$1 ROUNDS=$2 W2MB=$3 W3MB=$4 COMPS=$(echo "$5" | tr + ' ') WLS=$(echo "${6:-w1+w4+w3+w2}" | tr + ' ')
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
	sed "s/^CBENCH /CBENCH arm=$ZRS_ARM /" /sys/kernel/debug/zrs_cbench/result
}

# The workloads on the current arm ($ZRS_ARM, $ZRS_COMP); debugfs dir $1.
bench_workloads() {
	dir=$1 rc=0
	for wl in $WLS; do
		bench_flush || return 1
		case $wl in
		w1) zrs-test bench w1 "$dir" "$W1MB" "$ROUNDS" || rc=1 ;;
		w4) zrs-test bench w4 "$dir" "$W1MB" "$ROUNDS" "$(grep -c ^processor /proc/cpuinfo)" || rc=1 ;;
		w3) zrs-test bench w3 "$dir" "$W3MB" || rc=1 ;;
		w2) zrs-test bench w2 "$dir" "$W2MB" || rc=1 ;;
		*) echo "  unknown workload $wl"; return 1 ;;
		esac
		bench_lat $wl
	done
	bench_flush
	return $rc
}

test_bench_rs() {
	bench_conf || return 1
	rc=0
	for c in $COMPS; do
		export ZRS_ARM=zswap_rs ZRS_COMP=$c
		echo "$c" > $P/compressor || return 1
		bench_workloads zswap_rs || rc=1
		case " $WLS " in *" w1 "*) bench_cbench "$c" || rc=1 ;; esac
	done
	echo lzo > $P/compressor
	return $rc
}

test_bench_zswap() {
	bench_conf || return 1
	Z=/sys/module/zswap/parameters
	echo 1 > $Z/enabled || return 1
	rc=0
	for c in $COMPS; do
		for pool in zbud zsmalloc z3fold; do
			export ZRS_ARM=zswap+$pool ZRS_COMP=$c
			echo "$pool" > $Z/zpool && echo "$c" > $Z/compressor || { echo "  cannot select $pool/$c"; return 1; }
			bench_workloads zswap || rc=1
		done
	done
	return $rc
}
