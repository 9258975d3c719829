#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make calibrate (issue 30): how far the TCG guest's costs are from the
# host's, per operation, and which QEMU CPU model brings the guest's
# proportions nearest the host's.
#
# 1. Host: tools/testing/bench/hostbench.c, built with the kernel's own
#    lib/lzo and lib/lz4 from build/linux (the test kernel's compiler,
#    clang, at -O2 with the kernel's code generation flags; shim headers
#    in tools/testing/bench/host-shim), times per page lzo and lz4
#    compression and decompression and a 4 KiB copy (rep movsb: the
#    kernel's memcpy with ERMS; and libc's memcpy) over make bench's W1
#    pages.
# 2. Guest: for each CPU model, one boot (run-guest.sh workload with
#    tools/testing/bench/calib-guest.sh; ZRS_CPU=model) runs zrs_cbench
#    over the same pages (lzo, lz4; its CCOPY line: the kernel's memcpy of
#    each page).
# 3. The table (scripts/calibrate-report.py): per model the guest's mean
#    per operation, guest/host per operation, and the copy : compress :
#    decompress proportions on both.
#
# Output: build/calibrate/{host.txt,calib-N.log,report.txt}; the report
# on stdout.
# Variables: CALIB_MB (W1's size, default 32 as make bench), CALIB_PASSES
# (guest runs per compressor, default 3), CALIB_HOST_PASSES (10),
# CALIB_CPUS (the -cpu models, separated by spaces; default below),
# CPUS (vCPUs of the guests, default 1: the measurement is one thread).
set -euo pipefail
. "$(dirname "$0")/env.sh"

mb=${CALIB_MB:-32} passes=${CALIB_PASSES:-3} hpasses=${CALIB_HOST_PASSES:-10}
for v in "$mb" "$passes" "$hpasses"; do
	case "$v" in ''|*[!0-9]*|0) echo "error: CALIB_MB and CALIB_*PASSES must be numbers >= 1" >&2; exit 2 ;; esac
done
# The models: today's default (ERMS: the kernel's memcpy/memset are rep
# movsb/stosb), without ERMS/FSRM (REP_GOOD: rep movsq/stosq), the same
# with a K8 model number below the one 6.1 sets REP_GOOD for (neither:
# the kernel's unrolled move loops), and named models of both vendors.
models=${CALIB_CPUS:-"max,la57=off max,la57=off,erms=off,fsrm=off max,la57=off,erms=off,fsrm=off,model=1 Skylake-Client-v4 qemu64 kvm64"}
out=$ZRS_BUILD/calibrate
mkdir -p "$out"
rm -f "$out"/calib-*.log "$out"/calib-*.out "$out"/calib-*.cpu

# 1. The host.
K=$ZRS_SRC
b=$ZRS_TOP/tools/testing/bench
defs=(-DCONFIG_X86_64 -DCONFIG_64BIT -DCONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS
	"-DZRS_LZO_H=\"$K/include/linux/lzo.h\"" "-DZRS_LZ4_H=\"$K/include/linux/lz4.h\"")
# The kernel's flags for lib/ (build/kernel-default/lib/lzo/.lzo1x_compress.o.cmd)
# that change code generation, less those only a kernel can use
# (-mcmodel=kernel, -nostdinc, the kernel's include files).
kflags=(-O2 -std=gnu11 -fno-strict-aliasing -fno-common -fno-strict-overflow
	-fno-delete-null-pointer-checks -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx
	-mno-red-zone -mtune=generic -falign-loops=1 -fcf-protection=none
	-fomit-frame-pointer -ftrivial-auto-var-init=zero
	-enable-trivial-auto-var-init-zero-knowing-it-will-be-removed-from-clang
	-fstack-protector-strong)
cc=clang
objs=()
mkdir -p "$out/obj"
for f in lzo/lzo1x_compress_safe.c lzo/lzo1x_decompress_safe.c lz4/lz4_compress.c lz4/lz4_decompress.c; do
	[ -f "$K/lib/$f" ] || { echo "error: $K/lib/$f missing (make kernel)" >&2; exit 1; }
	o=$out/obj/$(basename "$f" .c).o
	"$cc" "${kflags[@]}" -Wall -Werror -I"$b/host-shim" "${defs[@]}" -c -o "$o" "$K/lib/$f"
	objs+=("$o")
done
# The page generator with the guest programs' compiler (build-guest.sh:
# gcc -O2): fill_page()'s sparse pages evaluate two rng() calls in one
# expression (w[rng(&s) % ..] = rng(&s)), in an order C leaves open, and
# gcc and clang take them in different orders.  The pages' md5sum is
# compared with the guest's in the report.
gcc -O2 -Wall -Wextra -Werror -I"$b/host-shim" -I"$ZRS_TOP/tools/testing/zswap_rs" "${defs[@]}" \
	-o "$out/hostbench" "$b/hostbench.c" "$ZRS_TOP/tools/testing/zswap_rs/zrs_lib.c" "${objs[@]}"
echo "== host: $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'), $(uname -r); hostbench -m $mb -p $hpasses"
"$out/hostbench" -m "$mb" -p "$hpasses" -d "$out/pages" | tee "$out/host.txt"
echo "HOSTDATA mb=$mb md5=$(md5sum "$out/pages" | cut -d' ' -f1)" >> "$out/host.txt"
echo "HOSTCPU model=\"$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')\" erms=$(grep -m1 -c -w erms /proc/cpuinfo) fsrm=$(grep -m1 -c -w fsrm /proc/cpuinfo)" >> "$out/host.txt"
rm -f "$out/pages"

# 2. The guests, one boot per model.
i=0
for m in $models; do
	i=$((i + 1))
	echo "== guest $i: -cpu $m"
	echo "$m" > "$out/calib-$i.cpu"
	for try in 1 2 3; do
		set +e
		ZRS_CPU=$m CPUS=${CPUS:-1} ZRS_QUIET=1 ZRS_LOG=calib-$i TIMEOUT=${TIMEOUT:-1200} \
			ZRS_APPEND="tsc=reliable zrs.calib=$mb,$passes" \
			"$ZRS_TOP/scripts/run-guest.sh" workload "$b/calib-guest.sh" > "$out/calib-$i.out" 2>&1
		rc=$?
		set -e
		# As in make bench: a guest whose TSC calibration against the
		# PIT failed runs on jiffies (4 ms): its times are worthless.
		grep -q 'Switched to clocksource tsc' "$ZRS_GUEST/calib-$i.log" && break
		echo "  the guest fell back to the jiffies clock; booting again"
		[ $try = 3 ] && rc=1
	done
	cp "$ZRS_GUEST/calib-$i.log" "$out/calib-$i.log" 2>/dev/null || :
	if [ $rc -ne 0 ]; then
		echo "  boot failed (status $rc; $out/calib-$i.out, $out/calib-$i.log): skipped"
		rm -f "$out/calib-$i.log"
		tail -n 3 "$out/calib-$i.out" | sed 's/^/    /'
		continue
	fi
	grep -a -h '^CALIBCPU' "$out/calib-$i.log" | sed 's/^/  /'
done

# 3. The table.
/usr/bin/python3 "$ZRS_TOP/scripts/calibrate-report.py" "$out" | tee "$out/report.txt"
