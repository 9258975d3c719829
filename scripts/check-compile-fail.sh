#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile-fail checks of the sys layer's safe API: each case of
# rust/compile_fail.rs is a misuse that must be a compile error with the
# error code it names; the `control` case (a correct use) must build, so
# that a failure means the misuse, not a broken harness.  Builds only
# rust/zswap_rs_main.o of a copy of the module (with the module's flags,
# plus --cfg zrs_compile_fail="<case>") against the default test kernel.
# Prints one line per case and "compile-fail: N of N refused"; exit 1 if
# any misuse compiled or failed for another reason.
set -euo pipefail
. "$(dirname "$0")/env.sh"

[ -f "$ZRS_KOUT/Module.symvers" ] || { echo "error: no test kernel in $ZRS_KOUT; run 'make kernel'" >&2; exit 1; }
# case:expected error code
CASES=(
	rcu_guard_forge:E0451
	rcu_read_outside_sys:E0603
	swap_write_unfilled:E0061
	swap_filled_forge:E0451
	movable_as_plain_page:E0308
	movable_page_unwrapped:E0616
)
out=$ZRS_BUILD/compile-fail
mkdir -p "$out"
rsync -a --delete --exclude='*.o' --exclude='.*.cmd' "$ZRS_TOP/Kbuild" "$ZRS_TOP/rust" "$out/"
mkdir -p "$out/tools/testing/bench"
cp -p "$ZRS_TOP/tools/testing/bench/zrs_cbench.c" "$out/tools/testing/bench/"

build() { # case -> build log on stdout; status of the build
	rm -f "$out/rust/zswap_rs_main.o"
	"${ZRS_KMAKE[@]}" M="$out" KRUSTFLAGS="--cfg zrs_compile_fail --cfg 'zrs_compile_fail=\"$1\"'" \
		rust/zswap_rs_main.o 2>&1
}

fail=0
if log=$(build control); then
	echo "compile-fail: control builds"
else
	echo "$log" | grep -E -A8 '^error' | head -n 30 >&2
	echo "compile-fail: FAIL: the control case does not build: the harness is broken" >&2
	exit 1
fi
ok=0
for c in "${CASES[@]}"; do
	name=${c%%:*} code=${c##*:}
	if log=$(build "$name"); then
		echo "compile-fail: FAIL: $name compiled (a misuse the types should refuse)"
		fail=1
	elif echo "$log" | grep -q "error\[$code\]"; then
		echo "compile-fail: $name refused ($code)"
		ok=$((ok + 1))
	else
		echo "$log" | grep -E -A8 '^error' | head -n 20
		echo "compile-fail: FAIL: $name failed, but not with $code"
		fail=1
	fi
done
echo "compile-fail: $ok of ${#CASES[@]} refused"
exit $fail
