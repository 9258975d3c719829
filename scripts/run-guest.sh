#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel in QEMU and run one guest job.
#   run-guest.sh run                 demo workload + stats (make run)
#   run-guest.sh workload PATH       the user's program (make run WORKLOAD=)
#   run-guest.sh shell               interactive (make shell)
#   run-guest.sh check [TESTS]       in-guest tests (used by check.sh)
#   run-guest.sh zswap [TESTS]       same tests against the built-in C zswap
#   run-guest.sh selftest [TESTS]    harness self-tests
#   run-guest.sh reverts DIR         race tests with fixes reverted
#                                    (check-reverts.sh; DIR: plan, .ko)
# Console log: build/guest-<variant>/<job>.log; the results channel (the
# guest's ttyS1, only the test harness writes it; scripts/ktap.py reads
# it): <job>.ktap, removed before each boot.  Exit status: the guest's,
# or 1 if the console shows an oops, BUG, WARNING, lockdep or KASAN report,
# or a panic, or fewer CPUs brought up than asked for; 124 on timeout.
# CPUS=N: vCPUs (default 4 for tests, 2 for run/workload/shell).
# ZRS_ZPOOL: zpool= of every load of zswap_rs in the guest (zbud, zpack,
# zchain).
# ZRS_QEMU: the QEMU binary (harness self-test: one that crashes once).
# ZRS_MEM: guest RAM (default 512M); ZRS_APPEND: more kernel parameters
# (make bench: frontswap.timing=N zrs.bench=...).
# ZRS_DRIVE_FILE: the swap disk's file= instead of a fresh swap.img (make
# bench: nbd+unix:///?socket=..., scripts/nbd-delay.py's modelled device);
# ZRS_DRIVE_OPTS: more -drive options.
# ZRS_DISKLESS=1: swap on the module's /dev/zswap_rs0 only (make run).
# ZRS_CPU: QEMU's -cpu model under TCG (default max,la57=off; see below
# and Documentation/performance.rst, "Calibration").
set -euo pipefail
. "$(dirname "$0")/env.sh"

job=${1:?usage: run-guest.sh run|workload|shell|check|zswap|selftest [args]}
shift
kernel=$ZRS_KOUT/arch/x86/boot/bzImage
base=$ZRS_GUEST/initramfs.cpio.gz
[ -f "$kernel" ] && [ -f "$base" ] || { echo "error: build first (make guest)" >&2; exit 1; }

mem=${ZRS_MEM:-512M}
case "$mem" in *[!0-9MG]*|'') echo "error: ZRS_MEM must be like 512M, not '$mem'" >&2; exit 2 ;; esac
case "$job" in
run|workload|shell) def_cpus=2 ;;
*) def_cpus=4 ;;
esac
cpus=${CPUS:-$def_cpus}
case "$cpus" in ''|*[!0-9]*|0) echo "error: CPUS must be a number of vCPUs >= 1, not '$cpus'" >&2; exit 2 ;; esac
# One socket per vCPU: `-smp N` alone is N cores in one socket, and on a
# kernel without ACPI the firmware's MP table then lists ONE processor (the
# guest boots with 1 CPU).  ZRS_SMP overrides the option (harness self-test).
smp=${ZRS_SMP:-$cpus,sockets=$cpus,cores=1,threads=1}
# Generous: a hang bound, not a speed goal (CI hosts may be 3x slower).
case "$ZRS_VARIANT" in debug) def_timeout=5400 ;; *) def_timeout=2400 ;; esac
# make soak: the soak's own limit (SOAK_LIMIT, default 4 hours) on top, so
# that a slow host fails with the soak's message (how far it got), not
# with a guest timeout.
case "${SOAK_LIMIT:-0}" in *[!0-9]*) echo "error: SOAK_LIMIT must be a number of seconds, not '$SOAK_LIMIT'" >&2; exit 2 ;; esac
[ -n "${SOAK_STORES:-}" ] && def_timeout=$((def_timeout + ${SOAK_LIMIT:-14400}))
timeout_s=${TIMEOUT:-$def_timeout}
case "$timeout_s" in ''|*[!0-9]*) echo "error: TIMEOUT must be a number of seconds, not '$timeout_s'" >&2; exit 2 ;; esac

cmdline="console=ttyS0 panic=-1 oops=panic softlockup_panic=1 printk.time=1 zswap.register_frontswap=0 zrs.mode=$job"
# The debug kernel's checkers that see Rust code too (6.1's KASAN sees C
# only): freed pages unmapped from the direct map (a read of one faults),
# freed pages poisoned (a write to one is reported when it is reused),
# slab objects with red zones and poison (F: sanity checks, Z: red zones,
# P: poison).  Their cost is measured in Documentation/testing.rst.
# ZRS_CHECKERS=0 boots without them (for that measurement).
if [ "$ZRS_VARIANT" = debug ] && [ "${ZRS_CHECKERS:-1}" = 1 ]; then
	cmdline="$cmdline debug_pagealloc=on page_poison=1 slub_debug=FZP"
fi
tests=""
initrd=$base
case "$job" in
run|shell) ;;
workload)
	wl=${1:?usage: run-guest.sh workload PATH}
	[ -f "$wl" ] || { echo "error: WORKLOAD '$wl' does not exist" >&2; exit 2; }
	if head -c 4 "$wl" | grep -q ELF && file "$wl" 2>/dev/null | grep -q dynamic; then
		echo "error: WORKLOAD '$wl' is dynamically linked; the guest has no libraries (build it with -static)" >&2
		exit 2
	fi
	jobdir=$ZRS_GUEST/job
	rm -rf "$jobdir"; mkdir -p "$jobdir/zrs"
	cp "$wl" "$jobdir/zrs/workload"
	(cd "$jobdir" && find . | cpio -o -H newc --quiet | gzip -1) > "$ZRS_GUEST/job.cpio.gz"
	cat "$base" "$ZRS_GUEST/job.cpio.gz" > "$ZRS_GUEST/initramfs-job.cpio.gz"
	initrd=$ZRS_GUEST/initramfs-job.cpio.gz ;;
check|selftest)
	tests=$*
	;;
reverts)
	# make check-reverts: DIR holds plan and the reverted modules; they go
	# to /zrs/reverts in the guest.
	rdir=${1:?usage: run-guest.sh reverts DIR}
	jobdir=$ZRS_GUEST/reverts-job
	rm -rf "$jobdir"; mkdir -p "$jobdir/zrs"
	cp -r "$rdir" "$jobdir/zrs/reverts"
	(cd "$jobdir" && find . | cpio -o -H newc --quiet | gzip -1) > "$ZRS_GUEST/reverts-job.cpio.gz"
	cat "$base" "$ZRS_GUEST/reverts-job.cpio.gz" > "$ZRS_GUEST/initramfs-reverts.cpio.gz"
	initrd=$ZRS_GUEST/initramfs-reverts.cpio.gz ;;
zswap)
	tests=$*
	cmdline=${cmdline/zswap.register_frontswap=0 /} ;;
*) echo "error: unknown job '$job'" >&2; exit 2 ;;
esac
[ -n "$tests" ] && cmdline="$cmdline zrs.tests=$(echo $tests | tr ' ' ,)"
[ -n "${ZRS_APPEND:-}" ] && cmdline="$cmdline $ZRS_APPEND"
# ZRS_ZPOOL: the pool layout every load of zswap_rs in the guest uses.
case "${ZRS_ZPOOL:-}" in
'') ;;
zbud|zpack|zchain) cmdline="$cmdline zrs.zpool=$ZRS_ZPOOL" ;;
*) echo "error: ZRS_ZPOOL must be zbud, zpack or zchain, not '$ZRS_ZPOOL'" >&2; exit 2 ;;
esac
case "${SOAK:-}" in
'') ;;
*[!0-9]*) echo "error: SOAK must be a number of seconds, not '$SOAK'" >&2; exit 2 ;;
*) cmdline="$cmdline zrs.soak=$SOAK" ;;
esac
# ZRS_DISKLESS=1 (make run): swap on /dev/zswap_rs0 only; the demo ends
# with the sectors written to every disk, which must be 0.
case "${ZRS_DISKLESS:-0}" in
0) ;;
1) cmdline="$cmdline zrs.diskless=1" ;;
*) echo "error: ZRS_DISKLESS must be 0 or 1, not '$ZRS_DISKLESS'" >&2; exit 2 ;;
esac
# make soak: a soak bound by work, not time (see tests.sh, test_soak).
for v in SOAK_STORES SOAK_MIGRATIONS SOAK_LIMIT; do
	case "${!v:-}" in
	'') ;;
	*[!0-9]*) echo "error: $v must be a number, not '${!v}'" >&2; exit 2 ;;
	*) cmdline="$cmdline zrs.$(echo $v | tr 'A-Z' 'a-z')=${!v}" ;;
	esac
done

swap=$ZRS_GUEST/swap.img
rm -f "$swap"; truncate -s 512M "$swap"

# -cpu max without LA57: with 5-level paging, 6.1's KASAN reports a "wild
# memory access" (a false positive, before /init) for an interrupt that
# arrives while identify_cpu() has cleared the boot CPU's feature bits
# and not yet read them again (alternatives are not patched yet, so
# pgtable_l5_enabled() reads those bits and KASAN checks a 5-level
# direct-map address against the 4-level shadow layout).  Seen in
# handle_edge_irq during identify_cpu on loaded hosts.
# ZRS_CPU replaces the model (make calibrate compares models; a model
# chosen there should keep la57 off for the reason above).
cpu_model=${ZRS_CPU:-max,la57=off}
case "$cpu_model" in *[!A-Za-z0-9,=._+-]*) echo "error: ZRS_CPU must be a QEMU -cpu model like max,la57=off, not '$cpu_model'" >&2; exit 2 ;; esac
accel=(-accel tcg,thread=multi -cpu "$cpu_model")
use_kvm=0
case "${KVM:-auto}" in
1) use_kvm=1 ;;
auto)
	probe=$ZRS_BUILD/kvm-probe
	if [ -e /dev/kvm ] && [ ! -f "$probe" ]; then
		# KVM is used only if it demonstrably boots this kernel.
		if timeout 30 qemu-system-x86_64 -accel kvm -cpu host -m 256M -smp 1 -kernel "$kernel" \
			-initrd "$base" -append "console=ttyS0 panic=-1 zrs.mode=probe zswap.register_frontswap=0" \
			-display none -serial stdio -monitor none -no-reboot </dev/null 2>/dev/null | grep -q 'ZRS-DONE rc=0'; then
			echo yes > "$probe"
		else
			echo no > "$probe"
		fi
	fi
	[ "$(cat "$probe" 2>/dev/null)" = yes ] && use_kvm=1 ;;
esac
[ $use_kvm = 1 ] && accel=(-accel kvm -cpu host)

log=$ZRS_GUEST/${ZRS_LOG:-$job}.log
ktap=$ZRS_GUEST/${ZRS_LOG:-$job}.ktap
# The second serial port (ttyS1): the results channel, a file of its own.
channel=(-serial "file:$ktap")
qemu=("${ZRS_QEMU:-qemu-system-x86_64}" "${accel[@]}" -m $mem -smp $smp -kernel "$kernel" -initrd "$initrd"
	-drive file="${ZRS_DRIVE_FILE:-$swap}",if=virtio,format=raw,cache=unsafe${ZRS_DRIVE_OPTS:+,$ZRS_DRIVE_OPTS}
	-append "$cmdline" -display none -no-reboot)

echo "  QEMU    $job ($([ $use_kvm = 1 ] && echo KVM || echo "TCG -cpu $cpu_model"), $mem, $cpus vCPUs, timeout ${timeout_s}s) log: $log"
set +e
if [ "$job" = shell ]; then
	rm -f "$ktap"
	"${qemu[@]}" -serial mon:stdio "${channel[@]}" 2>&1 | tee "$log"
	exit 0
fi
# Early-boot watchdog.  Rarely (about once in a few hundred boots, seen on
# the debug kernel), multi-threaded TCG stalls while the kernel brings up
# the secondary vCPUs, before any of our code runs.  A guest that has not
# started /init within ZRS_BOOT_TIMEOUT seconds is killed and booted again
# (at most 3 attempts); each retry is reported.
boot_limit=${ZRS_BOOT_TIMEOUT:-$([ "$ZRS_VARIANT" = debug ] && echo 180 || echo 90)}
# preinit_hit: the line number of the first kernel problem in the log if
# it came before /init ran (or /init never ran); nothing otherwise.
preinit_hit() {
	local init_line first_hit
	init_line=$(grep -n -m1 'Run /init as init process' "$log" | cut -d: -f1)
	first_hit=$("$ZRS_TOP/scripts/scan-log.sh" "$log" | head -n 1 | cut -d: -f1)
	if [ -n "$first_hit" ] && { [ -z "$init_line" ] || [ "$first_hit" -lt "$init_line" ]; }; then
		echo "$first_hit"
	fi
}
# preinit_warn LINE WHEN: says that the guest is booted once more.
preinit_warn() {
	echo "warning: the kernel reported a problem before /init (not zswap_rs's code, which loads after it): $(sed -n "${1}p" "$log.preinit" | cut -c1-120); log kept as $log.preinit; booting once more$2" >&2
}
attempt=1
preinit_retry=0
rm -f "$log".stalled-* "$log.preinit"
while :; do
	: > "$log"
	# No channel file of an earlier boot may count for this one.
	rm -f "$ktap"
	timeout "$timeout_s" "${qemu[@]}" -serial stdio "${channel[@]}" -monitor none </dev/null >"$log" 2>&1 &
	qpid=$!
	tpid=
	if [ "${ZRS_QUIET:-0}" != 1 ]; then
		tail -n +1 -f --pid=$qpid "$log" &
		tpid=$!
	fi
	waited=0
	while kill -0 $qpid 2>/dev/null && ! grep -q 'Run /init as init process' "$log"; do
		if [ $waited -ge "$boot_limit" ]; then
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	if kill -0 $qpid 2>/dev/null && ! grep -q 'Run /init as init process' "$log" && [ $attempt -lt 3 ]; then
		echo "warning: guest boot stalled before /init after ${boot_limit}s (last line: $(tail -n 1 "$log" | tr -d '\r' | cut -c1-100)); booting again (attempt $((attempt + 1)) of 3)" >&2
		kill $qpid 2>/dev/null
		wait $qpid 2>/dev/null
		[ -n "$tpid" ] && wait $tpid 2>/dev/null
		cp "$log" "$log.stalled-$attempt"
		attempt=$((attempt + 1))
		continue
	fi
	# A kernel problem before /init (see below) is known as soon as /init
	# starts: boot again at once rather than after a whole run whose
	# result would be set aside anyway (a debug run is half an hour).
	if [ $preinit_retry -eq 0 ] && kill -0 $qpid 2>/dev/null && grep -q 'Run /init as init process' "$log" &&
	   hit=$(preinit_hit) && [ -n "$hit" ]; then
		kill $qpid 2>/dev/null
		wait $qpid 2>/dev/null
		[ -n "$tpid" ] && wait $tpid 2>/dev/null
		tr -d '\r' < "$log" > "$log.preinit"
		preinit_retry=1
		preinit_warn "$hit" ", at once"
		continue
	fi
	wait $qpid
	qrc=$?
	[ -n "$tpid" ] && wait $tpid 2>/dev/null
	tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"
	# QEMU itself died by a signal before /init (seen once, 2026-12-04: a
	# segfault of TCG QEMU at PCI enumeration, a fresh clone's debug
	# self-test boot beside another make check): nothing of ours had run.
	# Booted again like a stalled boot (at most 3 attempts), its log kept
	# and scanned, the retry reported.
	if [ "$qrc" -gt 128 ] && [ "$qrc" != 124 ] && [ $attempt -lt 3 ] &&
	   ! grep -q 'Run /init as init process' "$log"; then
		echo "warning: QEMU died by signal $((qrc - 128)) before /init (last line: $(tail -n 1 "$log" | cut -c1-100)); booting again (attempt $((attempt + 1)) of 3)" >&2
		cp "$log" "$log.stalled-$attempt"
		attempt=$((attempt + 1))
		continue
	fi
	# A kernel problem reported before /init ran (so before any module of
	# ours was loaded: seen once, a KASAN report in early boot under host
	# load after TSC calibration failed) is not the code under test's.  It
	# is never hidden: its log is kept and named, and the guest is booted
	# once more; a second one fails the run like any other.
	if [ $preinit_retry -eq 0 ] && [ "$qrc" != 124 ] && hit=$(preinit_hit) && [ -n "$hit" ]; then
		preinit_retry=1
		cp "$log" "$log.preinit"
		preinit_warn "$hit" ""
		continue
	fi
	break
done
set -e
# Boots that stalled (or whose QEMU crashed) before /init and were retried:
# their logs are scanned too, and what they show is reported (never
# hidden).  A kernel problem in one counts like a problem before /init
# (above): one is told apart and booted past, a second fails the run.
preinit_problems=$preinit_retry
for s in "$log".stalled-*; do
	[ -e "$s" ] || continue
	if hit=$("$ZRS_TOP/scripts/scan-log.sh" "$s"); then :; else
		echo "warning: retried boot $s also reported (a kernel problem before /init: not zswap_rs's code, which loads after it): $(echo "$hit" | head -n 1 | cut -c1-120)" >&2
		preinit_problems=$((preinit_problems + 1))
	fi
done
if [ $preinit_problems -gt 1 ]; then
	echo "error: the kernel reported a problem before /init in $preinit_problems boots (logs: $(ls "$log".stalled-* "$log".preinit 2>/dev/null | tr '\n' ' '))" >&2
	exit 1
fi
if [ "$qrc" = 124 ]; then
	echo "error: guest timed out after ${timeout_s}s (TIMEOUT=); console log: $log" >&2
	exit 124
fi
if splat=$("$ZRS_TOP/scripts/scan-log.sh" "$log"); then
	:
else
	# Told apart, never excused: a second problem before /init fails the
	# run too, and says where it came.
	[ $preinit_retry = 1 ] && [ -n "$(preinit_hit)" ] &&
		echo "error: the kernel reported a problem before /init again, after a retry (not zswap_rs's code, which loads after it; the first log is $log.preinit)" >&2
	echo "error: kernel reported a problem in the console log ($log):" >&2
	echo "$splat" >&2
	exit 1
fi
# The guest must run on the CPUs it asked for ("smp: Brought up 1 node, 4 CPUs").
up=$(sed -n 's/.*smp: Brought up [0-9]* nodes\{0,1\}, \([0-9]*\) CPUs\{0,1\}.*/\1/p' "$log" | head -n 1)
if [ "${up:-0}" != "$cpus" ]; then
	echo "error: asked for $cpus vCPUs, the guest brought up ${up:-an unknown number of} CPUs (QEMU -smp $smp); console log: $log" >&2
	exit 1
fi
rc=$(sed -n 's/^ZRS-DONE rc=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
if [ -z "$rc" ]; then
	echo "error: guest ended without reporting a result (QEMU status $qrc); console log: $log" >&2
	exit 1
fi
exit "$rc"
