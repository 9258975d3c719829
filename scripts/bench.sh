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
# w6 w3 w2 w5 thp kinds"; W6 is W1's size and rounds on objects of 2 to 4
# KiB), BENCH_DEVICE (fast: no modelled-SSD boots),
# BENCH_SSD_US (80), BENCH_SSD_WRITE_MBPS (500), BENCH_SSD_READ_MBPS
# (2000), BENCH_NATIVE_LZO_NS (the host's lzo decompression of a W1 page:
# build/calibrate/host.txt, else 1044), BENCH_DEVCHECK (the device check's
# READS,WRITE_MB: 300,16), BENCH_TSC_KHZ (the guest's TSC frequency: the
# host's).  QUICK=1: one rep, lzo, zbud only, no W4 or
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

main_wls=w1+w4+w6+w3+w2+w5+thp+kinds
if [ "${QUICK:-0}" = 1 ]; then
	: "${REPS:=1}" "${BENCH_W1_MB:=16}" "${BENCH_ROUNDS:=2}" "${BENCH_W3_MB:=8}" "${BENCH_COMPS:=lzo}"
	: "${BENCH_MEM:=192M}" "${BENCH_W2_MB:=240}" "${BENCH_ZPOOLS:=zbud}"
	BENCH_SCALING=${BENCH_SCALING-}
	main_wls=w1+w6+w3+w2+w5+thp+kinds
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
rm -f "$out"/*.log "$out"/*.nbd "$out"/device-model.txt "$out"/bench-results.inc
# Clock: multi-threaded TCG's vCPU TSCs fail the kernel's sync check, and
# this guest (no ACPI, so no HPET or PM timer) then falls back to jiffies:
# 4 ms resolution.  The TSC is one host clock for all vCPUs; tell the
# kernel to use it.
clock=tsc=reliable
# Under host load the guest's calibration of the TSC against the PIT fails
# often (the boot is then repeated, and on a busy host may fail 3 times in
# a row).  The guest's TSC under TCG is the host's: give the kernel its
# frequency (tsc_early_khz, the host's "cpu MHz" when its TSC is
# constant; BENCH_TSC_KHZ overrides, 0 for none), and it skips the
# calibration.
tsc_khz=${BENCH_TSC_KHZ:-}
if [ -z "$tsc_khz" ] && grep -qw constant_tsc /proc/cpuinfo; then
	tsc_khz=$(awk -F': ' '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
fi
case "${tsc_khz:-0}" in 0|*[!0-9]*) ;; *) clock="$clock tsc_early_khz=$tsc_khz" ;; esac
# Room for every call of the biggest workload (W2: all of it may be stored).
samples=$(( (w2 > w1 * rounds ? w2 : w1 * rounds) * 256 + 65536 ))

# The modelled device (nbd_start READ_US WRITE_MBPS LOG): scripts/nbd-delay.py
# serving a fresh sparse image on a socket; nbd_drive is the guest's
# -drive file=, nbd_stop ends it (its NBDSTATS lines are in LOG.nbd).
nbd_pid=
nbd_start() {
	local sock=$out/nbd.sock
	rm -f "$sock" "$out/$3.nbd"
	/usr/bin/python3 "$ZRS_TOP/scripts/nbd-delay.py" "$sock" "$out/nbd-swap.img" 512 "$1" "$ssd_read_set" "$2" "$out/$3.nbd" &
	nbd_pid=$!
	local i
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -S "$sock" ] || { echo "error: nbd-delay.py did not start" >&2; exit 1; }
	nbd_drive="nbd+unix:///?socket=$sock"
}
nbd_stop() {
	[ -n "$nbd_pid" ] || return 0
	kill "$nbd_pid" 2>/dev/null || true
	wait "$nbd_pid" 2>/dev/null || true
	nbd_pid=
}
trap nbd_stop EXIT

# The device check of every boot (zrs_devcheck before mkswap): random
# 4 KiB O_DIRECT reads at queue depth one, then a sequential write.
devcheck=${BENCH_DEVCHECK:-300,16}

boot() { # boot REP ARM CPUS WLS [DEVICE]
	local rep=$1 arm=$2 cpus=$3 wls=$4 dev=${5:-} job test rc
	case $arm in rs) job=check test=bench_rs ;; *) job=zswap test=bench_zswap ;; esac
	local log=bench-r$rep-$arm-c$cpus${dev:+-$dev}
	echo "  rep $rep/$reps: $([ $arm = rs ] && echo "zswap_rs: ${rspools//+/, }" || echo "zswap (C): ${zpools//+/, }"), $cpus vCPUs, workloads ${wls//+/ }${dev:+, $dev device model ($ssd_read_us us per read, $ssd_write_tgt MB/s writes)}"
	local try drive= append=
	if [ "$dev" = ssd ]; then
		nbd_start "$ssd_delay_us" "$ssd_write_set" "$log"
		drive=$nbd_drive append=" zrs.nonrot=1"
	fi
	for try in 1 2 3; do
		set +e
		CPUS=$cpus TIMEOUT=${TIMEOUT:-5400} ZRS_MEM=$mem ZRS_LOG=$log ZRS_QUIET=1 ZRS_DRIVE_FILE=$drive \
			ZRS_APPEND="frontswap.timing=$samples zrs.bench=$w1,$rounds,$w2,$w3,$comps,$wls,$rep,$zpools,$rspools zrs.devcheck=$devcheck$append $clock" \
			"$ZRS_TOP/scripts/run-guest.sh" $job $test > "$out/$log.out" 2>&1
		rc=$?
		set -e
		# Under host load the guest may fail to calibrate the TSC against
		# the PIT and fall back to jiffies: those timings are worthless.
		grep -q 'Switched to clocksource tsc' "$ZRS_GUEST/$log.log" && break
		echo "    the guest fell back to the jiffies clock ($(grep -a -m1 'tsc: Marking' "$ZRS_GUEST/$log.log" | sed 's/.*tsc: //')); booting again"
		[ $try = 3 ] && { echo "error: no TSC clocksource in 3 boots" >&2; exit 1; }
	done
	nbd_stop
	cp "$ZRS_GUEST/$log.log" "$out/$log.log"
	if [ $rc -ne 0 ]; then
		echo "error: benchmark boot failed (status $rc): $out/$log.log" >&2
		grep -E '^# (# )? *FAIL|^ *not ok|^error' "$out/$log.log" "$out/$log.out" | head -5 >&2
		exit 1
	fi
}

# What the results table (bench-results.inc) says about this run.
echo "BENCHMETA date=$(date -u +%Y-%m-%d) commit=$(git -C "$ZRS_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ZRS_TOP" diff --quiet HEAD 2>/dev/null || echo +dirty) cpu=$ZRS_CPU reps=$reps host=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //; s/ /_/g')_x$(nproc) load_start=$(cut -d' ' -f1 /proc/loadavg)" > "$out/meta.txt"
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
# a real machine a 4 KiB SSD read at queue depth one costs BENCH_SSD_US
# (80 us: an NVMe drive, fio's 4 KiB random read at QD1, including the
# kernel's own path) and lzo decompresses a page in about 1 us.  So the
# SSD model scales the SSD's figures by this host's emulation slowdown,
# measured by the bench itself: zrs_cbench's mean lzo decompression of
# the W1 pages in the zswap_rs boots against the host's own, over the same
# pages (make calibrate's HOSTBENCH median in build/calibrate/host.txt,
# else BENCH_NATIVE_LZO_NS: 1044 ns, make calibrate on the 2-core AMD EPYC
# host, 2026-12-07).  Target in the guest: a 4 KiB read at QD1 costs
# BENCH_SSD_US x slowdown; sequential writes run at BENCH_SSD_WRITE_MBPS
# (500 MB/s: a SATA SSD, or a TLC NVMe drive past its SLC cache) /
# slowdown, and a read's bytes past 4 KiB (readahead) at
# BENCH_SSD_READ_MBPS (2000 MB/s, an NVMe drive's sequential read) /
# slowdown.  scripts/nbd-delay.py charges that on the host's clock, reads
# less what the emulated path costs by itself: measured first in a boot through
# the same server charging nothing (a calibration boot before each rep's
# SSD boots).  Every SSD boot then checks the result (DEVCHECK) against
# the target.
ssd_us=${BENCH_SSD_US:-80} ssd_wmbps=${BENCH_SSD_WRITE_MBPS:-500} ssd_rmbps=${BENCH_SSD_READ_MBPS:-2000} ssd_read_set=0
native_ns=${BENCH_NATIVE_LZO_NS:-}
if [ -z "$native_ns" ] && [ -f "$ZRS_BUILD/calibrate/host.txt" ]; then
	native_ns=$(sed -n 's/^HOSTBENCH pass=median.* lzo_decomp=\([0-9]*\).*/\1/p' "$ZRS_BUILD/calibrate/host.txt")
fi
native_ns=${native_ns:-1044}
if [ "${BENCH_DEVICE:-both}" != fast ]; then
	dec=$(grep -h '^# CBENCH .*alg=lzo' "$out"/bench-r*-rs-c4.log | sed -n 's/.* decomp_mean=\([0-9]*\).*/\1/p' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
	[ -n "$dec" ] || { echo "error: no lzo CBENCH line to scale the device model by (BENCH_COMPS must include lzo, or BENCH_DEVICE=fast)" >&2; exit 1; }
	slow=$(awk -v d="$dec" -v n="$native_ns" 'BEGIN { printf "%.2f", d / n }')
	ssd_read_us=$(awk -v s="$slow" -v u="$ssd_us" 'BEGIN { printf "%d", s * u }')
	ssd_write_tgt=$(awk -v s="$slow" -v w="$ssd_wmbps" 'BEGIN { printf "%.1f", w / s }')
	ssd_read_set=$(awk -v s="$slow" -v r="$ssd_rmbps" 'BEGIN { printf "%.1f", r / s }')
	# The calibration boot, before each rep's SSD boots (the host's speed
	# drifts): the emulated path alone (the server charging nothing), its
	# device check only.
	devcal() { # devcal REP
		local log=bench-devcal-r$1 try base base_us base_w
		echo "  rep $1/$reps: device model calibration, the NBD path with no charge"
		nbd_start 0 0 "$log"
		for try in 1 2 3; do
			set +e
			CPUS=4 ZRS_MEM=$mem ZRS_LOG=$log ZRS_QUIET=1 ZRS_DRIVE_FILE=$nbd_drive \
				ZRS_APPEND="zrs.devcheck=$devcheck zrs.nonrot=1 $clock" \
				"$ZRS_TOP/scripts/run-guest.sh" workload "$ZRS_TOP/tools/testing/bench/devcheck-guest.sh" > "$out/$log.out" 2>&1
			set -e
			grep -q 'Switched to clocksource tsc' "$ZRS_GUEST/$log.log" && break
			[ $try = 3 ] && { echo "error: no TSC clocksource in 3 boots" >&2; exit 1; }
		done
		nbd_stop
		cp "$ZRS_GUEST/$log.log" "$out/$log.log"
		base=$(grep -a -h -m1 '^DEVCHECK' "$out/$log.log") || { echo "error: no DEVCHECK line in $out/$log.log" >&2; exit 1; }
		base_us=$(echo "$base" | sed 's/.* read_us_p50=\([0-9]*\).*/\1/')
		base_w=$(echo "$base" | sed 's/.* write_mbps=\([0-9.]*\).*/\1/')
		# What the server adds per read: the target less the path's own
		# cost (a read at queue depth one pays both, one after the other).
		# A path dearer than the target: no charge, and the device check
		# says by how much the model misses.  Writes: the target bandwidth
		# itself, nothing taken off: with several requests in flight (swap
		# out, the device check's four writers) the path overlaps the
		# server's one-after-the-other bandwidth.
		ssd_delay_us=$(awk -v t="$ssd_read_us" -v b="$base_us" 'BEGIN { d = t - b; printf "%d", (d > 0 ? d : 0) }')
		ssd_write_set=$ssd_write_tgt
		echo "DEVICE-MODEL model=ssd rep=$1 ssd_us=$ssd_us ssd_write_mbps=$ssd_wmbps ssd_read_mbps=$ssd_rmbps native_lzo_ns=$native_ns tcg_lzo_ns=$dec slowdown=$slow target_read_us=$ssd_read_us target_write_mbps=$ssd_write_tgt path_read_us=$base_us path_write_mbps=$base_w charge_read_us=$ssd_delay_us charge_write_mbps=$ssd_write_set charge_read_mbps=$ssd_read_set" | tee -a "$out/device-model.txt"
	}
	for rep in $(seq 1 "$reps"); do
		devcal "$rep"
		if [ $((rep % 2)) = 1 ]; then order="rs zswap"; else order="zswap rs"; fi
		for arm in $order; do
			boot "$rep" "$arm" 4 w2+w5+thp ssd
		done
	done
fi
sed -i "s/\$/ load_end=$(cut -d' ' -f1 /proc/loadavg)/" "$out/meta.txt"
echo "== $(( $(date +%s) - t0 )) s of boots; report:"
# Debian's python3, where deps.sh installs matplotlib (a python3 earlier
# on PATH, pyenv say, would have no plots).
/usr/bin/python3 "$ZRS_TOP/scripts/bench-report.py" "$out"
