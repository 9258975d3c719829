#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: zswap_rs against the kernel's own zswap (zbud, zsmalloc,
# z3fold) on the same patched kernel, in alternating boots (A B A B ...):
# each rep boots zswap_rs once and the C zswap once (its three zpools
# switched at run time inside that boot), with lzo and lz4, 4 vCPUs, and
# for the scaling workload W4 also 1 and 2 vCPUs.  Per-call times come
# from frontswap itself (patch 8: frontswap.timing), the same code for
# every arm; zrs_cbench.ko times pure compression of the same pages.
#
# Output: build/bench/{results.json,results.csv,report.md,*.png}, the
# report (markdown) on stdout.  Absolute times under TCG mean little:
# read the ratios to zswap+zbud.
#
# Variables: REPS (default 5), BENCH_W1_MB (32), BENCH_ROUNDS (3),
# BENCH_W2_MB (320, with a 256 MiB guest: 1.25x RAM), BENCH_W3_MB (16),
# BENCH_COMPS ("lzo lz4"), BENCH_SCALING ("1 2"; extra vCPU counts for
# W4, 4 is in every boot; "" for none), BENCH_MEM (256M).
set -euo pipefail
. "$(dirname "$0")/env.sh"

reps=${REPS:-5}
w1=${BENCH_W1_MB:-32} rounds=${BENCH_ROUNDS:-3} w2=${BENCH_W2_MB:-320} w3=${BENCH_W3_MB:-16}
comps=$(echo ${BENCH_COMPS:-lzo lz4} | tr ' ' +)
scaling=${BENCH_SCALING-1 2}
mem=${BENCH_MEM:-256M}
for v in "$reps" "$w1" "$rounds" "$w2" "$w3"; do
	case "$v" in ''|*[!0-9]*) echo "error: REPS and BENCH_*_MB/ROUNDS must be numbers" >&2; exit 2 ;; esac
done
out=$ZRS_BUILD/bench
mkdir -p "$out"
rm -f "$out"/*.log
# Clock: multi-threaded TCG's vCPU TSCs fail the kernel's sync check, and
# this guest (no ACPI, so no HPET or PM timer) then falls back to jiffies:
# 4 ms resolution.  The TSC is one host clock for all vCPUs; tell the
# kernel to use it.
clock=tsc=reliable
# Room for every call of the biggest workload (W2: all of it may be stored).
samples=$(( (w2 > w1 * rounds ? w2 : w1 * rounds) * 256 + 65536 ))

boot() { # boot REP ARM CPUS WLS
	local rep=$1 arm=$2 cpus=$3 wls=$4 job test rc
	case $arm in rs) job=check test=bench_rs ;; *) job=zswap test=bench_zswap ;; esac
	local log=bench-r$rep-$arm-c$cpus
	echo "  rep $rep/$reps: $([ $arm = rs ] && echo zswap_rs || echo 'zswap (C): zbud, zsmalloc, z3fold'), $cpus vCPUs, workloads ${wls//+/ }"
	local try
	for try in 1 2 3; do
		set +e
		CPUS=$cpus TIMEOUT=${TIMEOUT:-5400} ZRS_MEM=$mem ZRS_LOG=$log ZRS_QUIET=1 \
			ZRS_APPEND="frontswap.timing=$samples zrs.bench=$w1,$rounds,$w2,$w3,$comps,$wls $clock" \
			"$ZRS_TOP/scripts/run-guest.sh" $job $test > "$out/$log.out" 2>&1
		rc=$?
		set -e
		# Under host load the guest may fail to calibrate the TSC against
		# the PIT and fall back to jiffies: those timings are worthless.
		grep -q 'Switched to clocksource tsc' "$ZRS_GUEST/$log.log" && break
		echo "    the guest fell back to the jiffies clock ($(grep -a -m1 'tsc: Marking' "$ZRS_GUEST/$log.log" | sed 's/.*tsc: //')); booting again"
		[ $try = 3 ] && { echo "error: no TSC clocksource in 3 boots" >&2; exit 1; }
	done
	cp "$ZRS_GUEST/$log.log" "$out/$log.log"
	if [ $rc -ne 0 ]; then
		echo "error: benchmark boot failed (status $rc): $out/$log.log" >&2
		grep -E '^# +FAIL|^error' "$out/$log.log" "$out/$log.out" | head -5 >&2
		exit 1
	fi
}

echo "== make bench: $reps reps, W1 ${w1} MiB x $rounds rounds, W2 ${w2} MiB, W3 ${w3} MiB, guest $mem, compressors ${comps//+/ }"
t0=$(date +%s)
for rep in $(seq 1 "$reps"); do
	# Alternate which arm boots first.
	if [ $((rep % 2)) = 1 ]; then order="rs zswap"; else order="zswap rs"; fi
	for arm in $order; do
		boot "$rep" "$arm" 4 w1+w4+w3+w2
	done
	for c in $scaling; do
		for arm in $order; do
			boot "$rep" "$arm" "$c" w4
		done
	done
done
echo "== $(( $(date +%s) - t0 )) s of boots; report:"
python3 "$ZRS_TOP/scripts/bench-report.py" "$out"
