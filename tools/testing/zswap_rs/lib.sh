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
	echo "== zswapstat =="
	zswapstat
	echo "== frontswap (/sys/kernel/debug/frontswap) =="
	for f in /sys/kernel/debug/frontswap/*; do printf '  %-24s %s\n' "${f##*/}" "$(cat "$f")"; done
}

. /zrs/tests.sh
# make bench's guest side (test_bench_rs, test_bench_zswap).
. /zrs/bench.sh

# The in-guest tests as one KTAP document (the format of KUnit and of
# tools/testing/selftests/kselftest.h), framed for the host's parser
# (scripts/ktap.py): a plan, each test's output as "# " diagnostic lines,
# then "ok N name" or "not ok N name".  Returns non-zero if any failed.
run_tests() {
	failed=0
	[ $# -eq 0 ] && set -- $ALL_TESTS
	echo "ZRS-KTAP-BEGIN guest"
	echo "KTAP version 1"
	echo "1..$#"
	n=0
	for name in "$@"; do
		n=$((n + 1))
		echo "# -- test $name"
		if ! type "test_$name" >/dev/null 2>&1; then
			echo "not ok $n $name # no such test"
			failed=$((failed + 1))
			continue
		fi
		# The exit status crosses the pipe through a file.
		{ "test_$name"; echo $? > /tmp/zrs-test.rc; } 2>&1 | sed 's/^/# /'
		if [ "$(cat /tmp/zrs-test.rc 2>/dev/null)" = 0 ]; then
			echo "ok $n $name"
		else
			echo "not ok $n $name"
			failed=$((failed + 1))
		fi
	done
	echo "# $((n - failed)) passed, $failed failed"
	# What the run verified, over all tests (zrs-test tallies).
	awk '$1 == "verified" { p += $2; c += $3 } $1 == "migrations" { m += $2 }
	     END { printf "# ZRS-TOTALS pages_verified=%.0f bytes_verified=%.0f corrupted_bytes=%.0f storm_migrations=%.0f\n", p, p * 4096, c, m }' \
		/tmp/zrs-totals 2>/dev/null || echo "# ZRS-TOTALS pages_verified=0 bytes_verified=0 corrupted_bytes=0 storm_migrations=0"
	echo "ZRS-KTAP-END guest"
	[ $failed -eq 0 ]
}
