#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build zswap_rs.ko, zswap_rs_kunit.ko (and make bench's zrs_cbench.ko)
# against the test kernel.  The
# sources are mirrored into build/module-<variant> so that the default and
# the debug kernel each keep their own objects (and the tree stays clean).
set -euo pipefail
. "$(dirname "$0")/env.sh"

[ -f "$ZRS_KOUT/Module.symvers" ] || { echo "error: no test kernel in $ZRS_KOUT; run 'make kernel'" >&2; exit 1; }
out=$ZRS_BUILD/module-$ZRS_VARIANT
mkdir -p "$out"
rsync -a --delete --filter='P *.o' --filter='P .*.cmd' --filter='P *_generated.rs' \
	--filter='P *.ko' --filter='P *.mod*' --filter='P *.d' --filter='P modules.order' \
	--filter='P Module.symvers' --filter='P *.rmeta' \
	--exclude='*.o' --exclude='.*.cmd' "$ZRS_TOP/Kbuild" "$ZRS_TOP/rust" "$out/"
# make bench's compression microbenchmark module (C).
mkdir -p "$out/tools/testing/bench"
cp -p "$ZRS_TOP/tools/testing/bench/zrs_cbench.c" "$out/tools/testing/bench/"
log=$out/build.log
if ! "${ZRS_KMAKE[@]}" M="$out" -j"$ZRS_JOBS" modules >"$log" 2>&1; then
	grep -E -A5 '^(error|warning)|error:|Error' "$log" | head -n 60 >&2
	echo "error: module build failed (full log: $log)" >&2
	exit 1
fi
if grep -E '^(warning|error)' "$log" | grep -v 'too new' >/dev/null; then
	grep -E -A5 '^warning' "$log" | head -n 40 >&2
	echo "error: the module build has warnings (full log: $log)" >&2
	exit 1
fi
echo "  MODULE  $out/zswap_rs.ko $out/zswap_rs_kunit.ko $out/zrs_cbench.ko"
