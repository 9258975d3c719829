# SPDX-License-Identifier: GPL-2.0
# Shell helpers of the zswap-rs test guest (sourced by /init).

D=/sys/kernel/debug/zswap_rs
P=/sys/module/zswap_rs/parameters

zrs_load() {
	insmod /zrs/zswap_rs.ko "$@" || { echo "insmod zswap_rs failed"; return 1; }
}

zrs_swapon() {
	mkswap /dev/vda >/dev/null && swapon /dev/vda || { echo "swapon /dev/vda failed"; return 1; }
}

stat_of() { cat "$D/$1"; }

zrs_stats() {
	echo "== zswap_rs pool statistics (/sys/kernel/debug/zswap_rs) =="
	for f in "$D"/*; do printf '  %-24s %s\n' "${f##*/}" "$(cat "$f")"; done
	echo "== summary (/sys/kernel/mm/zswap_rs, world-readable) =="
	for f in /sys/kernel/mm/zswap_rs/*; do printf '  %-24s %s\n' "${f##*/}" "$(cat "$f")"; done
	echo "== frontswap (/sys/kernel/debug/frontswap) =="
	for f in /sys/kernel/debug/frontswap/*; do printf '  %-24s %s\n' "${f##*/}" "$(cat "$f")"; done
	echo "== knobs (/sys/module/zswap_rs/parameters) =="
	for f in "$P"/*; do [ -r "$f" ] && printf '  %-30s %s\n' "${f##*/}" "$(cat "$f")"; done
}

# One test: prints ZRS-TEST <name> PASS|FAIL for the host to count.
t() {
	name=$1; shift
	echo "-- test $name"
	if "$@"; then
		echo "ZRS-TEST $name PASS"
	else
		echo "ZRS-TEST $name FAIL"
		failed=$((failed + 1))
	fi
}

. /zrs/tests.sh

run_tests() {
	failed=0
	[ $# -eq 0 ] && set -- $ALL_TESTS
	for name in "$@"; do
		type "test_$name" >/dev/null 2>&1 || { echo "ZRS-TEST $name FAIL (no such test)"; failed=$((failed + 1)); continue; }
		t "$name" "test_$name"
	done
	[ $failed -eq 0 ]
}
