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
# W4, 4 is in every boot; "" for none), BENCH_MEM (256M), BENCH_ZPOOLS
# ("zbud zsmalloc z3fold"), BENCH_RS_ZPOOLS (zswap_rs's layouts, "zbud
# zpack", each loaded in turn in the zswap_rs boot), BENCH_WLS (the main boots' workloads, "w1 w4
# w3 w2 w5 thp kinds"), BENCH_DEVICE (fast: no modelled-SSD boots).  QUICK=1: one rep, lzo, zbud only, no W4 or
# scaling boots, a 192 MiB guest with W2/W5 at 240 MiB, W1 16 MiB x 2
# rounds, W3 8 MiB (a smoke run of the whole pipeline, report and plots
# included; its figures are not the documented ones).
set -euo pipefail
. "$(dirname "$0")/env.sh"

# The guests' CPU model (make calibrate; Documentation/performance.rst,
# "Calibration"): without ERMS and FSRM, and with a K8 model number below
# the one from which 6.1 sets REP_GOOD, the guest kernel's memcpy and
# memset are its move loops instead of REP string instructions, which TCG
# runs one iteration at a time.  Measured: a 4 KiB copy is then about 4x
# the host's share of an lzo decompression, against 37x with -cpu max
# (the default of the other jobs).  ZRS_CPU overrides it.
export ZRS_CPU=${ZRS_CPU:-max,la57=off,erms=off,fsrm=off,model=1}

main_wls=w1+w4+w3+w2+w5+thp+kinds
if [ "${QUICK:-0}" = 1 ]; then
	: "${REPS:=1}" "${BENCH_W1_MB:=16}" "${BENCH_ROUNDS:=2}" "${BENCH_W3_MB:=8}" "${BENCH_COMPS:=lzo}"
	: "${BENCH_MEM:=192M}" "${BENCH_W2_MB:=240}" "${BENCH_ZPOOLS:=zbud}"
	BENCH_SCALING=${BENCH_SCALING-}
	main_wls=w1+w3+w2+w5+thp+kinds
fi
main_wls=$(echo ${BENCH_WLS:-$main_wls} | tr ' ' +)

reps=${REPS:-5}
w1=${BENCH_W1_MB:-32} rounds=${BENCH_ROUNDS:-3} w2=${BENCH_W2_MB:-320} w3=${BENCH_W3_MB:-16}
comps=$(echo ${BENCH_COMPS:-lzo lz4} | tr ' ' +)
zpools=$(echo ${BENCH_ZPOOLS:-zbud zsmalloc z3fold} | tr ' ' +)
rspools=$(echo ${BENCH_RS_ZPOOLS:-zbud zpack} | tr ' ' +)
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

boot() { # boot REP ARM CPUS WLS [DEVICE]
	local rep=$1 arm=$2 cpus=$3 wls=$4 dev=${5:-} job test rc
	case $arm in rs) job=check test=bench_rs ;; *) job=zswap test=bench_zswap ;; esac
	local log=bench-r$rep-$arm-c$cpus${dev:+-$dev}
	echo "  rep $rep/$reps: $([ $arm = rs ] && echo "zswap_rs: ${rspools//+/, }" || echo "zswap (C): ${zpools//+/, }"), $cpus vCPUs, workloads ${wls//+/ }${dev:+, $dev device model ($ssd_iops IOPS)}"
	local try
	for try in 1 2 3; do
		set +e
		CPUS=$cpus TIMEOUT=${TIMEOUT:-5400} ZRS_MEM=$mem ZRS_LOG=$log ZRS_QUIET=1 \
			ZRS_DRIVE_OPTS=$([ "$dev" = ssd ] && echo "throttling.iops-total=$ssd_iops") \
			ZRS_APPEND="frontswap.timing=$samples zrs.bench=$w1,$rounds,$w2,$w3,$comps,$wls,$rep,$zpools,$rspools $clock" \
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
		grep -E '^# (# )? *FAIL|^ *not ok|^error' "$out/$log.log" "$out/$log.out" | head -5 >&2
		exit 1
	fi
}

echo "== make bench: $reps reps, W1 ${w1} MiB x $rounds rounds, W2 ${w2} MiB, W3 ${w3} MiB, guest $mem, compressors ${comps//+/ }, -cpu $ZRS_CPU"
t0=$(date +%s)
for rep in $(seq 1 "$reps"); do
	# Alternate which arm boots first.
	if [ $((rep % 2)) = 1 ]; then order="rs zswap"; else order="zswap rs"; fi
	for arm in $order; do
		boot "$rep" "$arm" 4 $main_wls
	done
	for c in $scaling; do
		for arm in $order; do
			boot "$rep" "$arm" "$c" w4
		done
	done
done
# The device model.  Under TCG the swap device is the host's page cache
# behind virtio: nearly free, while emulated (de)compression is slow.  On
# a real machine a 4 KiB SSD read costs tens of microseconds and lzo
# decompresses a page in a few.  Scale a documented SSD latency by this
# host's emulation slowdown, measured by the bench itself: zrs_cbench's
# mean lzo decompression of the W1 pages here against lzo1x's published
# native speed (lzbench, x86-64 server class: about 1 GB/s, so 4 KiB in
# about 4 us).  The swap device of the W2, W5 and THP boots is then throttled
# to one I/O per scaled latency (QEMU's throttling.iops-total).
ssd_us=${BENCH_SSD_US:-80} native_ns=${BENCH_NATIVE_LZO_NS:-4000}
if [ "${BENCH_DEVICE:-both}" != fast ]; then
	dec=$(grep -h '^# CBENCH .*alg=lzo' "$out"/bench-r*-rs-c4.log | sed -n 's/.* decomp_mean=\([0-9]*\).*/\1/p' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
	[ -n "$dec" ] || { echo "error: no lzo CBENCH line to scale the device model by (BENCH_COMPS must include lzo, or BENCH_DEVICE=fast)" >&2; exit 1; }
	slow=$(awk -v d="$dec" -v n="$native_ns" 'BEGIN { printf "%.1f", d / n }')
	lat_us=$(awk -v s="$slow" -v u="$ssd_us" 'BEGIN { printf "%d", s * u }')
	ssd_iops=$(awk -v l="$lat_us" 'BEGIN { v = 1e6 / l; printf "%d", v < 1 ? 1 : v }')
	echo "DEVICE-MODEL ssd_us=$ssd_us native_lzo_ns=$native_ns tcg_lzo_ns=$dec slowdown=$slow scaled_latency_us=$lat_us iops=$ssd_iops" | tee "$out/device-model.txt"
	for rep in $(seq 1 "$reps"); do
		if [ $((rep % 2)) = 1 ]; then order="rs zswap"; else order="zswap rs"; fi
		for arm in $order; do
			boot "$rep" "$arm" 4 w2+w5+thp ssd
		done
	done
fi
echo "== $(( $(date +%s) - t0 )) s of boots; report:"
# Debian's python3, where deps.sh installs matplotlib (a python3 earlier
# on PATH, pyenv say, would have no plots).
/usr/bin/python3 "$ZRS_TOP/scripts/bench-report.py" "$out"
