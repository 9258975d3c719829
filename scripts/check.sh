#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every KUnit case and every in-guest test, plus the harness
# self-tests.  Prints one line per test and a closing "N passed, N failed";
# exits non-zero on any failure, missing result, oops, WARN or lockdep report.
#   TESTS="integrity swapoff"   run a subset (in-guest test names, or "kunit",
#                               "density", "selftest")
#   COMPARE=0                   leave out the side-by-side runs against the
#                               C zswap (density, *_vs_zbud): check-all does
#                               on the debug kernel, where they would only
#                               repeat the default kernel's comparison
set -uo pipefail
. "$(dirname "$0")/env.sh"

passed=0
failed=0
declare -a failures=() skipped=()
pass() { printf '  %-44s ok\n' "$1"; passed=$((passed + 1)); }
fail() { printf '  %-44s FAILED%s\n' "$1" "${2:+ ($2)}"; failed=$((failed + 1)); failures+=("$1"); }
# field NAME LINE: the number after " NAME=" in a KEY=VALUE line.
field() { echo " $2" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }

# The in-guest test lists live in tests.sh only.
lists=$(grep -E '^(ALL|DEBUG|SOAK|ZPACK|ZPACK_DEBUG)_(TESTS|SKIP)="[a-z_ ]*"$' "$ZRS_TOP/tools/testing/zswap_rs/tests.sh")
eval "$lists"
all_guest=$ALL_TESTS
# Fault injection exists only in the debug kernel; DEBUG_SKIP does not
# run there (said below, with the reason in tests.sh).
if [ "$ZRS_VARIANT" = debug ]; then
	all_guest=$(for t in $ALL_TESTS; do [[ " $DEBUG_SKIP " == *" $t "* ]] || echo $t; done | tr '\n' ' ')
	all_guest="$all_guest $DEBUG_TESTS"
fi
all_guest="$all_guest $SOAK_TESTS"
# The soak: SOAK seconds of storms in make check and check-all (short:
# they must fit CI's budget on a slow host), or, in `make soak`, storms
# until the module stored SOAK_STORES pages and migrated SOAK_MIGRATIONS
# pool pages (10^6 and 10^4 on the debug kernel: the gate, checked below
# on the module's own counters; any other run says it did not check it).
# SOAK= overrides the seconds.
case "$ZRS_VARIANT" in debug) def_soak=30 ;; *) def_soak=20 ;; esac
export SOAK=${SOAK:-$def_soak}
compare="density churn_vs_zbud overfull_vs_zbud memcg_vs_zbud"
[ "${COMPARE:-1}" = 0 ] && compare=""
want=${TESTS:-$all_guest $compare selftest}
guest_tests=""
host_tests="density churn_vs_zbud overfull_vs_zbud memcg_vs_zbud selftest"
for t in $want; do
	case " $all_guest " in
	*" $t "*) guest_tests="$guest_tests $t" ;;
	*) case " $host_tests " in
	   *" $t "*) ;;
	   *) echo "error: TESTS: no test '$t' for the $ZRS_VARIANT kernel (in-guest: $all_guest; host: $host_tests)" >&2
	      exit 2 ;;
	   esac ;;
	esac
done

# The KUnit results (from a boot's results channel): every case, and a
# closed, complete result set of every suite compiled into the module,
# whose names are read out of zswap_rs_kunit.ko itself (its
# .kunit_test_suites section), not from the sources.
kunit_ko=$ZRS_BUILD/module-$ZRS_VARIANT/zswap_rs_kunit.ko
ko_suites() {
	local s
	s=$(python3 "$ZRS_TOP/scripts/ktap.py" --ko-suites "$kunit_ko" 2>&1 | tr '\n' ' ')
	case "$s" in
	zswap_rs_*) echo "$s" ;;
	*) echo "ko_suites: no KUnit suite found in $kunit_ko: $s" >&2 ;;
	esac
}
ktap_kunit() {
	local chan=$1 n=0 suites
	suites=$(ko_suites) || true
	[ -n "$suites" ] || fail "kunit: suites of zswap_rs_kunit.ko" "none found in $kunit_ko"
	python3 "$ZRS_TOP/scripts/ktap.py" --expect "$suites" --kunit "$chan" > "$ZRS_GUEST/kunit.txt"
	while read -r status name; do
		n=$((n + 1))
		case "$status" in
		ok) pass "$name" ;;
		*) fail "$name" "$status" ;;
		esac
	done < "$ZRS_GUEST/kunit.txt"
	[ $n -gt 0 ] || fail "kunit" "no KUnit results (suite crashed or missing)"
}

# 0. Host-side checks of the sources.
if [ -z "${TESTS:-}" ]; then
	echo "== source checks"
	if out=$(python3 "$ZRS_TOP/scripts/check-unsafe.py"); then
		pass "unsafe only in rust/sys, each with // SAFETY:"
	else
		fail "unsafe only in rust/sys, each with // SAFETY:" "$(echo "$out" | head -3 | tr '\n' ' ')"
	fi
	if out=$(python3 "$ZRS_TOP/scripts/check-docs.py"); then
		pass "every knob and statistic documented (guide + ABI)"
	else
		fail "every knob and statistic documented (guide + ABI)" "$(echo "$out" | head -3 | tr '\n' ' ')"
	fi
	# The sys layer's safe API: misuses that must not compile (a property
	# of the sources: checked once, with the default kernel's build).
	if [ "$ZRS_VARIANT" = default ]; then
		if out=$("$ZRS_TOP/scripts/check-compile-fail.sh" 2>&1); then
			pass "misuses of the sys layer's safe API do not compile"
		else
			fail "misuses of the sys layer's safe API do not compile" "$(echo "$out" | grep FAIL | head -3 | tr '\n' ' ')"
		fi
	fi
	# The race tests' proof (testing.rst): each revert patch must still
	# apply to today's sources, or "fails without the fix" has rotted.
	bad=""
	for r in "$ZRS_TOP"/tools/testing/zswap_rs/reverts/*.patch; do
		git -C "$ZRS_TOP" apply --check "$r" 2>/dev/null || bad="$bad ${r##*/}"
	done
	if [ -z "$bad" ]; then
		pass "race-test revert patches apply to the sources"
	else
		fail "race-test revert patches apply to the sources" "regenerate:$bad"
	fi
	if out=$(python3 "$ZRS_TOP/scripts/gen-patches-doc.py" --check); then
		pass "Documentation/patches.rst matches the patch headers"
	else
		fail "Documentation/patches.rst matches the patch headers" "$out"
	fi
	if command -v sphinx-build >/dev/null; then
		if out=$(sphinx-build -q -W -b html "$ZRS_TOP/Documentation" "$ZRS_BUILD/htmldocs" 2>&1); then
			pass "Documentation renders (Sphinx, no warnings)"
		else
			fail "Documentation renders (Sphinx, no warnings)" "$(echo "$out" | head -2 | tr '\n' ' ')"
		fi
	else
		# deps.sh installs python3-sphinx: missing is a failure.
		fail "Documentation renders (Sphinx, no warnings)" "sphinx-build missing (scripts/deps.sh installs python3-sphinx)"
	fi
	# Debian's cargo and rustfmt are installed by deps.sh: missing is a
	# failure, not a note.
	if out=$(cd "$ZRS_TOP/tools/zswapstat" && "${ZRS_CARGO[@]}" test --offline --quiet 2>&1); then
		pass "zswapstat unit tests (cargo test, Debian's cargo)"
	else
		fail "zswapstat unit tests (cargo test, Debian's cargo)" "$(echo "$out" | tail -3 | tr '\n' ' ')"
	fi
	if "$ZRS_RUSTFMT" --config-path "$ZRS_TOP/.rustfmt.toml" --check "$ZRS_TOP/rust/zswap_rs_main.rs" \
		"$ZRS_TOP/rust/zswap_rs_kunit.rs" "$ZRS_TOP/tools/zswapstat/src/main.rs" >/dev/null 2>&1; then
		pass "rustfmt clean (Debian's rustfmt)"
	else
		fail "rustfmt clean (Debian's rustfmt)" "run 'make fmt' ($ZRS_RUSTFMT)"
	fi
fi

# 1. The in-guest tests, in one boot; then the layout tests again in a boot
# whose zswap_rs uses zpool=zpack.
# guest_pass JOB ZPOOL TESTS...: one boot (log build/guest-*/JOB.log), a
# result line per test (named "test [zpack]" for the zpack boot).
guest_pass() {
	local job=$1 zpool=$2 failed0=$failed
	shift 2
	local tests="$*" rc
	echo "== in-guest tests ($ZRS_VARIANT kernel${zpool:+, zpool=$zpool})"
	[ -z "$zpool" ] && [ "$ZRS_VARIANT" = debug ] && [ -z "${TESTS:-}" ] &&
		echo "   not run on the debug kernel (DEBUG_SKIP in tests.sh, with the reason): $DEBUG_SKIP"
	ZRS_ZPOOL=$zpool ZRS_LOG=$job ZRS_QUIET=1 "$ZRS_TOP/scripts/run-guest.sh" check $tests >"$ZRS_GUEST/$job.out" 2>&1
	rc=$?
	guest_results "$job" "$zpool" $tests
	# Boots retried (stalled before /init, or a kernel problem before
	# /init): shown whatever the result, never hidden.
	grep -E '^warning' "$ZRS_GUEST/$job.out" | sed 's/^/      retried: /'
	if [ $rc -ne 0 ] && [ $failed -eq $failed0 ]; then
		fail "guest run${zpool:+ [$zpool]}" "exit status $rc"
	fi
	if [ $rc -ne 0 ]; then
		grep -E '^error' "$ZRS_GUEST/$job.out" | sed 's/^/      /'
	fi
}

# guest_results JOB ZPOOL TESTS...: the results of one boot, read from its
# results channel (build/guest-*/JOB.ktap) only: a result line per test,
# every KUnit case, the totals; the console log is named, never parsed
# for results.  A missing channel or a document that is not closed fails.
guest_results() {
	local job=$1 zpool=$2
	shift 2
	local tests="$*" t n status log chan slow totals pv cb mg st ld gate work moved km
	log=$ZRS_GUEST/$job.log
	chan=$ZRS_GUEST/$job.ktap
	# The guest's KTAP document: one result per test, in order.
	python3 "$ZRS_TOP/scripts/ktap.py" --guest "$chan" > "$ZRS_GUEST/$job.txt"
	# What ktap.py says about the document itself (no channel, not
	# closed, a malformed line), beyond a test without a result (below).
	while read -r status n; do
		case "$n" in
		"(in-guest test "*) ;;
		"("*) fail "results${zpool:+ [$zpool]}: $n" "$status: $chan" ;;
		esac
	done < "$ZRS_GUEST/$job.txt"
	for t in $tests; do
		status=$(awk -v t="$t" '$2 == t { print $1; exit }' "$ZRS_GUEST/$job.txt")
		n="$t${zpool:+ [$zpool]}"
		case "$status" in
		ok) pass "$n" ;;
		FAIL)
			fail "$n" "see $log"
			sed -n "/^# -- test $t\$/,/^\(not \)\{0,1\}ok [0-9]* $t\$/p" "$chan" |
				sed 's/^# /      /' | head -n 20 ;;
		# A harness program whose tests all skipped (exit 4; e.g. no
		# fault injection): shown, neither passed nor failed.  The
		# debug kernel is built to have what DEBUG_TESTS need, so a
		# skip there is a failure (a lost config option, not a choice).
		skip)
			if [ "$ZRS_VARIANT" = debug ] && [[ " $DEBUG_TESTS " == *" $t "* ]]; then
				fail "$n" "skipped on the debug kernel, which must have what it needs (see $log)"
			else
				printf '  %-44s skipped (see %s)\n' "$n" "$log"
				skipped+=("$n")
			fi ;;
		*) fail "$n" "no result: the guest stopped early" ;;
		esac
		[ "$t" = kunit ] && ktap_kunit "$chan"
	done
	# Where the guest's time went (guest clock, seconds): the slowest tests.
	slow=$(awk '$1 == "#" && $2 == "--" && $3 == "time" { print $5, $4 }' "$chan" 2>/dev/null |
		sort -rn | head -n 8 | awk '{ printf "%s%s %ss", (NR > 1 ? ", " : ""), $2, $1 }')
	[ -n "$slow" ] && echo "      slowest (guest s): $slow"
	# Figures of the parallel storm (pages verified, migrations, corruption).
	grep -h '^# STORM ' "$chan" 2>/dev/null | sed 's/^# /      /'
	# What the whole run verified.  No totals line is a failure: the
	# checks below would otherwise be skipped without a word.
	totals=$(grep -h '^# ZRS-TOTALS ' "$chan" 2>/dev/null | tail -1 | sed 's/^# //')
	[ -n "$totals" ] || fail "totals${zpool:+ [$zpool]}" "no ZRS-TOTALS line in $chan"
	if [ -n "$totals" ]; then
		echo "      $totals"
		pv=$(field pages_verified "$totals")
		cb=$(field corrupted_bytes "$totals")
		mg=$(field storm_migrations "$totals")
		st=$(field module_stores "$totals")
		ld=$(field module_loads "$totals")
		if [ "${cb:-1}" = 0 ]; then pass "totals${zpool:+ [$zpool]}: 0 corrupted bytes in $pv verified pages"; else fail "totals${zpool:+ [$zpool]}: corrupted bytes" "$cb"; fi
		# A run that verified nothing, or whose pages never went
		# through the module during its tests, proved nothing.  A full
		# run must show all three; a selection (TESTS=) at least one,
		# unless it is only tests that move no page of their own
		# (KUnit's pools are its own; knobs).  Some tests alone verify
		# no page (exit: its child exits) or load none.
		work=""
		for t in $tests; do
			case " kunit knobs " in *" $t "*) ;; *) work=yes ;; esac
		done
		moved=""
		if [ -z "${TESTS:-}" ]; then
			[ "${pv:-0}" -gt 0 ] && [ "${st:-0}" -gt 0 ] && [ "${ld:-0}" -gt 0 ] && moved=yes
		elif [ -n "$work" ]; then
			[ "${pv:-0}" -gt 0 ] || [ "${st:-0}" -gt 0 ] || [ "${ld:-0}" -gt 0 ] && moved=yes
		else
			moved=n/a
		fi
		if [ "$moved" = yes ]; then
			pass "totals${zpool:+ [$zpool]}: the module stored $st and loaded $ld pages"
		elif [ -z "$moved" ]; then
			fail "totals${zpool:+ [$zpool]}: pages went through the module" "${pv:-0} verified, ${st:-0} stored, ${ld:-0} loaded"
		fi
		if [ -z "$zpool" ] && [ -n "${SOAK_STORES:-}" ]; then
			gate="the module stored >= $SOAK_STORES pages, migrated >= ${SOAK_MIGRATIONS:-0} pool pages"
			if [ "${st:-0}" -ge "$SOAK_STORES" ] && [ "${mg:-0}" -ge "${SOAK_MIGRATIONS:-0}" ]; then
				pass "totals: $gate ($st, $mg)"
			else
				fail "totals: $gate" "$st stored, $mg migrated"
			fi
			# make soak's row in the results file (RESULTS_SOAK=/dev/null: none).
			echo "$(date -u +%Y-%m-%d)  $(git -C "$ZRS_TOP" describe --always --dirty 2>/dev/null || echo unknown)  $ZRS_VARIANT  $totals" \
				>> "${RESULTS_SOAK:-$ZRS_TOP/Documentation/results/soak.txt}"
		elif [ -z "$zpool" ] && [ "$ZRS_VARIANT" = debug ]; then
			echo "      (the debug gate, 10^6 pages stored by the module and 10^4 pool-page migrations, is NOT checked: it is make soak's; this run had a ${SOAK}s soak${TESTS:+, TESTS set})"
		fi
	fi
	# A kernel with kmemleak (the debug kernel): the scan the guest asks
	# for at the end must have run; a kmemleak that disabled itself
	# refuses it (and reports no leak).  ZRS_KMEMLEAK=1: the self-test.
	if [ "${ZRS_KMEMLEAK:-}" = 1 ] || grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "$ZRS_KOUT/.config" 2>/dev/null; then
		km=$(grep -h '^ZRS-KMEMLEAK ' "$chan" 2>/dev/null | tail -1)
		if [ "$km" = "ZRS-KMEMLEAK scan ok" ]; then
			pass "kmemleak${zpool:+ [$zpool]}: scanned at the end of the run"
		else
			fail "kmemleak${zpool:+ [$zpool]}: scanned at the end of the run" "${km:-no ZRS-KMEMLEAK line in $chan}"
		fi
	fi
}

[ -n "$guest_tests" ] && guest_pass check "" $guest_tests
# The layout boots: ZPACK_TESTS (and ZPACK_DEBUG_TESTS on the debug
# kernel) that this run selected, in a boot per layout of ZRS_LAYOUTS
# (default zpack; ZRS_LAYOUTS="zpack zchain" adds the zchain layout's).
zpack_tests=""
zpack_list=$ZPACK_TESTS
[ "$ZRS_VARIANT" = debug ] && zpack_list="$zpack_list $ZPACK_DEBUG_TESTS"
for t in $zpack_list; do
	[[ " $guest_tests " == *" $t "* ]] && zpack_tests="$zpack_tests $t"
done
for layout in ${ZRS_LAYOUTS:-zpack}; do
	case $layout in
	zpack|zchain) ;;
	*) fail "layout boot" "ZRS_LAYOUTS: unknown layout '$layout'"; continue ;;
	esac
	[ -n "$zpack_tests" ] && guest_pass check-$layout $layout $zpack_tests
done

# A/B boots on the same kernel: zswap_rs running in-guest test $2, then the
# built-in C zswap + zbud running $3; sets $rs and $c to the last line each
# printed that starts with $1, or fails test $4 and returns 1.
ab_boots() {
	local marker=$1 rs_test=$2 c_test=$3 name=$4 rc1 rc2
	ZRS_LOG=$rs_test-rs ZRS_QUIET=1 "$ZRS_TOP/scripts/run-guest.sh" check "$rs_test" >"$ZRS_GUEST/$rs_test-rs.out" 2>&1; rc1=$?
	ZRS_LOG=$rs_test-zswap ZRS_QUIET=1 "$ZRS_TOP/scripts/run-guest.sh" zswap "$c_test" >"$ZRS_GUEST/$rs_test-zswap.out" 2>&1; rc2=$?
	grep -hE '^warning' "$ZRS_GUEST/$rs_test-rs.out" "$ZRS_GUEST/$rs_test-zswap.out" | sed 's/^/      retried: /'
	rs=$(grep "^# $marker" "$ZRS_GUEST/$rs_test-rs.ktap" 2>/dev/null | tail -1 | sed 's/^# //')
	c=$(grep "^# $marker" "$ZRS_GUEST/$rs_test-zswap.ktap" 2>/dev/null | tail -1 | sed 's/^# //')
	echo "      $rs"
	echo "      $c"
	if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ] || [ -z "$rs" ] || [ -z "$c" ]; then
		fail "$name" "a run failed ($rc1/$rc2; logs $ZRS_GUEST/$rs_test-*.log)"
		return 1
	fi
}

# verdict NAME OK DETAIL: pass or fail NAME with DETAIL.
verdict() { if [ "$2" = ok ]; then pass "$1 ($3)"; else fail "$1" "$3"; fi; }

# 2. Density against the built-in C zswap + zbud on the same data.
if [[ " $want " == *" density "* ]]; then
	echo "== density: zswap_rs vs zswap (C) + zbud, same data, same kernel"
	if ab_boots DENSITY density density_zswap "density vs zswap+zbud"; then
		# Stored pages per pool page, each backend on identical data.
		verdict=$(python3 - "$rs" "$c" <<'PY'
import sys
def kv(s): return dict(x.split('=') for x in s.split()[1:])
a, b = kv(sys.argv[1]), kv(sys.argv[2])
ra = int(a['stored']) * 4096 / max(int(a['pool_bytes']), 1)
rb = int(b['stored']) * 4096 / max(int(b['pool_bytes']), 1)
print(f"{'ok' if ra >= rb else 'worse'} zswap_rs {ra:.2f} vs zswap+zbud {rb:.2f} stored pages per pool page (ratio {ra/rb:.2f})")
PY
)
		echo "      $verdict"
		case "$verdict" in ok*) pass "density vs zswap+zbud" ;; *) fail "density vs zswap+zbud" "$verdict" ;; esac
	fi
fi

# 2b. Churn: the same fragmentation on both; zswap_rs compacts, zbud cannot.
if [[ " $want " == *" churn_vs_zbud "* ]]; then
	echo "== churn: pool pages after freeing every other entry, zswap_rs (compacted) vs zswap (C) + zbud"
	if ab_boots CHURN churn churn_zswap "churn: fewer pool pages than zbud"; then
		a=$(field pool_pages_after "$rs"); b=$(field pool_pages_after "$c")
		[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] && r=ok || r=no
		verdict "churn: fewer pool pages than zbud" $r "${a:-?} vs ${b:-?}"
	fi
fi

# 2c. Over-full pool: writeback on both, every byte verified in each boot.
if [[ " $want " == *" overfull_vs_zbud "* ]]; then
	echo "== over-full pool (2% of RAM, 8x that paged out): zswap_rs vs zswap (C) + zbud"
	if ab_boots OVERFULL overfull overfull_zswap "over-full pool: both verified, zswap_rs writes back"; then
		wb=$(field written_back "$rs")
		[ "${wb:-0}" -gt 0 ] && r=ok || r=no
		verdict "over-full pool: both verified, zswap_rs writes back" $r "written_back=${wb:-?}"
	fi
fi

# 2d. Memory cgroups: the same cgroup workload, each boot checks its own
# accounting; side by side, the figures must tell the same story.
if [[ " $want " == *" memcg_vs_zbud "* ]]; then
	echo "== memory cgroups: zswap_rs vs zswap (C) + zbud, same workload"
	if ab_boots MEMCG memcg memcg_zswap "memcg: accounting matches zswap+zbud"; then
		verdict=$(python3 - "$rs" "$c" <<'PY'
import sys
def kv(s): return {k: int(v) if v.lstrip('-').isdigit() else v for k, v in (x.split('=') for x in s.split()[1:])}
a, b = kv(sys.argv[1]), kv(sys.argv[2])
bad = []
for name, r in (('zswap_rs', a), ('zswap', b)):
    if not r['a_current'] <= r['a_limit'] + 4096:
        bad.append(f"{name} over the limit")
# Same compressor, same data: both charge the compressed length, so the
# unlimited cgroup's stored pages agree closely, and both fill the limit.
if abs(a['b_zswapped'] - b['b_zswapped']) > 0.05 * max(b['b_zswapped'], 1):
    bad.append(f"zrs-b zswapped {a['b_zswapped']} vs {b['b_zswapped']}")
if abs(a['b_current'] - b['b_current']) > 0.10 * max(b['b_current'], 1):
    bad.append(f"zrs-b bytes {a['b_current']} vs {b['b_current']}")
print(('ok' if not bad else 'differ: ' + '; '.join(bad)) +
      f" (zrs-a at limit: {a['a_current']} vs {b['a_current']} bytes, {a['a_zswapped']} vs {b['a_zswapped']} pages;"
      f" zrs-b: {a['b_zswapped']} vs {b['b_zswapped']} pages, {a['b_current']} vs {b['b_current']} bytes)")
PY
)
		echo "      $verdict"
		case "$verdict" in ok*) pass "memcg: accounting matches zswap+zbud" ;; *) fail "memcg: accounting matches zswap+zbud" "$verdict" ;; esac
	fi
fi

# 3. The harness itself must catch a failing test and a kernel WARN.
if [[ " $want " == *" selftest "* ]]; then
	echo "== harness self-tests (each boot must FAIL, but the retried QEMU crash)"
	# The boots below test the harness, not the kernel: check-all's debug
	# run (COMPARE=0) leaves them to the default kernel's run, as it does
	# the comparisons; the checkers' own self-tests (debug) always run.
	if [ "${COMPARE:-1}" != 0 ] || [ "$ZRS_VARIANT" = default ]; then
		ZRS_LOG=selftest-fail ZRS_QUIET=1 "$ZRS_TOP/scripts/run-guest.sh" selftest selftest_fail >/dev/null 2>&1
		src=$?
		# Failed, and because of that test (its KTAP result), not a crash or a
		# timeout that would make any run fail.
		sresult=$(python3 "$ZRS_TOP/scripts/ktap.py" --guest "$ZRS_GUEST/selftest-fail.ktap" 2>/dev/null |
			awk '$2 == "selftest_fail" { print $1 }')
		if [ $src -ne 0 ] && [ "$sresult" = FAIL ]; then
			pass "harness: failing test fails the run"
		else
			fail "harness: failing test fails the run" "exit $src, selftest_fail result '${sresult:-none}'"
		fi
		ZRS_LOG=selftest-warn ZRS_QUIET=1 "$ZRS_TOP/scripts/run-guest.sh" selftest selftest_warn >"$ZRS_GUEST/selftest.out" 2>&1
		if [ $? -ne 0 ] && grep -q 'WARNING' "$ZRS_GUEST/selftest.out"; then
			pass "harness: kernel WARN fails the run"
		else
			fail "harness: kernel WARN fails the run"
		fi
		# The QEMU/MP-table trap: `-smp 4` without sockets= boots ONE CPU.
		ZRS_SMP=4 CPUS=4 ZRS_LOG=selftest-cpus ZRS_QUIET=1 "$ZRS_TOP/scripts/run-guest.sh" selftest selftest_ok >"$ZRS_GUEST/selftest-cpus.out" 2>&1
		if [ $? -ne 0 ] && grep -q 'asked for 4 vCPUs, the guest brought up 1 CPUs' "$ZRS_GUEST/selftest-cpus.out"; then
			pass "harness: fewer CPUs than asked fails the run"
		else
			fail "harness: fewer CPUs than asked fails the run" "$(tail -1 "$ZRS_GUEST/selftest-cpus.out")"
		fi
		ZRS_LOG=selftest-kunit ZRS_QUIET=1 "$ZRS_TOP/scripts/run-guest.sh" selftest selftest_kunit >/dev/null 2>&1
		res=$(python3 "$ZRS_TOP/scripts/ktap.py" --expect "$(ko_suites)" --kunit "$ZRS_GUEST/selftest-kunit.ktap" | grep -v '^ok')
		# The shell test (test_kunit) must fail too, not return rmmod's status.
		kres=$(python3 "$ZRS_TOP/scripts/ktap.py" --guest "$ZRS_GUEST/selftest-kunit.ktap" | awk '$2 == "selftest_kunit" { print $1 }')
		if [ "$res" = "FAIL kunit: zswap_rs_harness.deliberate_failure_when_asked" ] && [ "$kres" = FAIL ]; then
			pass "harness: broken KUnit expectation is a failure"
		else
			fail "harness: broken KUnit expectation is a failure" "got: ${res:-no failure}; test_kunit: ${kres:-no result}"
		fi
		# A kernel problem before /init: the guest is booted again at once
		# (the first log kept), and the same problem again fails the run.  The
		# "problem" is a WARNING: in the kernel command line, which the kernel
		# prints first thing.
		ZRS_LOG=selftest-preinit ZRS_QUIET=1 ZRS_APPEND="zrs.selftest=WARNING:" \
			"$ZRS_TOP/scripts/run-guest.sh" selftest selftest_ok >"$ZRS_GUEST/selftest-preinit.out" 2>&1
		src=$?
		if [ $src -ne 0 ] && grep -q 'booting once more, at once' "$ZRS_GUEST/selftest-preinit.out" &&
		   [ -s "$ZRS_GUEST/selftest-preinit.log.preinit" ] &&
		   ! grep -q 'ZRS-DONE' "$ZRS_GUEST/selftest-preinit.log.preinit"; then
			pass "harness: problem before /init reboots at once, twice fails"
		else
			fail "harness: problem before /init reboots at once, twice fails" "exit $src, $(tail -1 "$ZRS_GUEST/selftest-preinit.out")"
		fi
		# QEMU itself dying by a signal before /init (a TCG segfault seen once
		# on a loaded host) is booted again and reported; the result is the
		# retried boot's.  The "QEMU" here kills itself with SIGSEGV once.
		w=$ZRS_GUEST/qemu-crash-once
		rm -f "$w.done"
		printf '#!/bin/sh\nif [ ! -e "%s.done" ]; then : > "%s.done"; kill -SEGV $$; fi\nexec qemu-system-x86_64 "$@"\n' "$w" "$w" > "$w"
		chmod +x "$w"
		ZRS_LOG=selftest-crash ZRS_QUIET=1 ZRS_QEMU=$w \
			"$ZRS_TOP/scripts/run-guest.sh" selftest selftest_ok >"$ZRS_GUEST/selftest-crash.out" 2>&1
		src=$?
		if [ $src -eq 0 ] && [ -e "$w.done" ] &&
		   grep -q 'QEMU died by signal 11 before /init' "$ZRS_GUEST/selftest-crash.out"; then
			pass "harness: QEMU crash before /init boots again, reported"
		else
			fail "harness: QEMU crash before /init boots again, reported" "exit $src, $(tail -1 "$ZRS_GUEST/selftest-crash.out")"
		fi
	else
		echo "   (the kernel-independent harness boots ran with the default kernel: COMPARE=0)"
	fi
	# The debug guest's checkers see a use-after-free in Rust code (which
	# 6.1's KASAN does not instrument): a freed page read from a KUnit
	# case must stop the run there (the RIP names use_after_free_when_asked,
	# where the helper is inlined).
	if [ "$ZRS_VARIANT" = debug ]; then
		ZRS_LOG=selftest-uaf ZRS_QUIET=1 "$ZRS_TOP/scripts/run-guest.sh" selftest selftest_uaf >/dev/null 2>&1
		src=$?
		ulog=$ZRS_GUEST/selftest-uaf.log
		if [ $src -ne 0 ] && grep -q 'BUG: unable to handle page fault' "$ulog" &&
		   grep -A30 'BUG: unable to handle page fault' "$ulog" | grep -q 'use_after_free'; then
			pass "harness: Rust use-after-free of a pool page caught"
		else
			fail "harness: Rust use-after-free of a pool page caught" "exit $src, $(grep -m1 -o 'BUG: [^]]*\|read a freed page.*' "$ulog" || echo 'no report')"
		fi
		# A Rust write to a freed slab object (a cache of its own, so
		# the next allocation hands that object back): slub_debug's
		# poisoning must report it, and the log scan fail the run.
		ZRS_LOG=selftest-slab ZRS_QUIET=1 "$ZRS_TOP/scripts/run-guest.sh" selftest selftest_slab >/dev/null 2>&1
		src=$?
		slog=$ZRS_GUEST/selftest-slab.log
		if [ $src -ne 0 ] && grep -q 'BUG zswap_rs_selftest (.*): Poison overwritten' "$slog"; then
			pass "harness: Rust write to a freed slab object caught"
		else
			fail "harness: Rust write to a freed slab object caught" "exit $src, $(grep -m1 -o 'BUG zswap_rs_selftest[^]]*' "$slog" || echo 'no report')"
		fi
	fi
	if printf 'x\n[ 1.0] possible circular locking dependency detected\n' > "$ZRS_GUEST/fake.log" &&
	   ! "$ZRS_TOP/scripts/scan-log.sh" "$ZRS_GUEST/fake.log" >/dev/null &&
	   printf 'clean\n' > "$ZRS_GUEST/fake.log" && "$ZRS_TOP/scripts/scan-log.sh" "$ZRS_GUEST/fake.log"; then
		pass "harness: lockdep report detected, clean log passes"
	else
		fail "harness: lockdep report detected, clean log passes"
	fi
	# The module's own lost-page messages (rust/backend/load.rs) and an
	# accounting slip (sys::sub_or_warn) fail a run; its report of a
	# failure injected on purpose does not, nor the KUnit module's slip
	# made by hand (its prefix is zswap_rs_kunit).
	lost_ok=1
	for msg in 'zswap_rs: accounting slip: pool pages 3 - 4 would go below 0; kept at 0 (reported once)' \
		   'zswap_rs: swap entry 0:0x1f is not stored; failing the read' \
		   'zswap_rs: swap entry 0:0x1f: index and pool disagree; failing the read' \
		   'zswap_rs: decompression failed for swap entry 0:0x1f (Err(-22)); failing the read'; do
		printf '[ 2.0] %s\n' "$msg" > "$ZRS_GUEST/fake.log"
		"$ZRS_TOP/scripts/scan-log.sh" "$ZRS_GUEST/fake.log" >/dev/null && lost_ok=0
	done
	printf '[ 2.0] zswap_rs: injected load failure for swap entry 0:0x1f; failing the read\n[ 2.1] zswap_rs_kunit: accounting slip: pool pages 3 - 4 would go below 0; kept at 0 (reported once)\n' > "$ZRS_GUEST/fake.log"
	"$ZRS_TOP/scripts/scan-log.sh" "$ZRS_GUEST/fake.log" >/dev/null || lost_ok=0
	if [ $lost_ok = 1 ]; then
		pass "harness: the module's lost-page and accounting-slip messages fail the run, an injected failure does not"
	else
		fail "harness: the module's lost-page and accounting-slip messages fail the run, an injected failure does not"
	fi
	# A console that lost messages, a kmemleak that disabled itself.
	lost_ok=1
	for msg in '** 12 printk messages dropped **' '[ 2.0] kmemleak: Kernel memory leak detector disabled'; do
		printf '%s\n' "$msg" > "$ZRS_GUEST/fake.log"
		"$ZRS_TOP/scripts/scan-log.sh" "$ZRS_GUEST/fake.log" >/dev/null && lost_ok=0
	done
	if [ $lost_ok = 1 ]; then
		pass "harness: printk messages dropped, kmemleak disabled fail the run"
	else
		fail "harness: printk messages dropped, kmemleak disabled fail the run"
	fi
	if python3 "$ZRS_TOP/scripts/ktap.py" --selftest; then
		pass "harness: KTAP parser (crash, missing, failed, skipped; split, glued, unclosed)"
	else
		fail "harness: KTAP parser (crash, missing, failed, skipped; split, glued, unclosed)"
	fi
	# check.sh's own rules on fake results channels (no guest): a boot
	# without a channel file, a document without its totals line, a
	# kmemleak scan that did not run fail; the same document whole passes.
	fake_doc() {
		printf 'ZRS-KTAP-BEGIN guest\nKTAP version 1\n1..1\nok 1 knobs\n'
		[ "$1" = nototals ] ||
			printf '# ZRS-TOTALS pages_verified=1 bytes_verified=4096 corrupted_bytes=0 storm_migrations=0 module_stores=1 module_loads=1 frontswap_stores=1 frontswap_loads=1\n'
		printf 'ZRS-KTAP-END guest\n'
		[ "$1" = nokmemleak ] || printf 'ZRS-KMEMLEAK scan ok\n'
	}
	rm -f "$ZRS_GUEST/fake-none.ktap"
	for f in whole nototals nokmemleak; do fake_doc $f > "$ZRS_GUEST/fake-$f.ktap"; done
	judged() { (ZRS_KMEMLEAK=1 TESTS= guest_results "fake-$1" "" knobs) 2>&1; }
	out_whole=$(judged whole)
	out_none=$(judged none)
	out_tot=$(judged nototals)
	out_km=$(judged nokmemleak)
	why=""
	echo "$out_whole" | grep -q FAILED && why="$why the whole document failed;"
	echo "$out_none" | grep -q '^  knobs  *FAILED' &&
		echo "$out_none" | grep -q 'no results channel.*FAILED' || why="$why no channel file did not fail;"
	echo "$out_tot" | grep -q '^  totals  *FAILED' || why="$why no totals line did not fail;"
	echo "$out_km" | grep -q '^  kmemleak: scanned at the end of the run  *FAILED' || why="$why no kmemleak scan did not fail;"
	if [ -z "$why" ]; then
		pass "harness: no channel, no totals, no kmemleak scan fail"
	else
		fail "harness: no channel, no totals, no kmemleak scan fail" "${why# }"
	fi
	# The KUnit suites come from the module: kunit_suite! makes one,
	# kunit_suite_layouts! one per layout, each named *_SUITE in its first
	# argument (the grep of the sources missed those).
	if [ -f "$kunit_ko" ]; then
		declared=$(( $(cat "$ZRS_TOP"/rust/tests/*.rs | grep -c '^kunit_suite!(') +
			$(cat "$ZRS_TOP"/rust/tests/*.rs | awk '/^kunit_suite_layouts!\(/ { on = 1; next }
				on { n += gsub(/[A-Z0-9_]+_SUITE/, ""); if ($0 ~ /\]/) on = 0 }
				END { print n + 0 }') ))
		found=$(ko_suites | wc -w)
		if [ "$found" -eq "$declared" ] && [ "$found" -gt 0 ]; then
			pass "harness: KUnit suites read from zswap_rs_kunit.ko ($found)"
		else
			fail "harness: KUnit suites read from zswap_rs_kunit.ko" "$found found, $declared declared in rust/tests"
		fi
	fi
	# A kselftest_harness test that fails an EXPECT and then SKIPs (or
	# SKIPs and then fails) is a failure (zrs_harness.h), a plain SKIP a
	# skip.  Built for the host: the harness logic only.
	h=$ZRS_GUEST/skipfail
	t=$ZRS_TOP/tools/testing/zswap_rs
	printf '%s\n' '#include "zrs_harness.h"' \
		'TEST(fails_then_skips) { EXPECT_EQ(1, 2); SKIP(return, "after a failure"); }' \
		'TEST(skips_then_fails) { SKIP(, "before a failure"); EXPECT_EQ(1, 2); }' \
		'TEST(skips) { SKIP(return, "plain"); }' 'ZRS_HARNESS_MAIN' > "$h.c"
	if gcc -O1 -Wall -Wno-unused-parameter -I"$t" -o "$h" "$h.c" "$t/zrs_lib.c" 2>"$h.err"; then
		"$h" > "$h.out" 2>&1
		src=$?
		if [ $src = 1 ] && grep -q '^not ok 1 global.fails_then_skips$' "$h.out" &&
		   grep -q '^not ok 2 global.skips_then_fails$' "$h.out" && grep -q '^ok 3 # SKIP plain$' "$h.out"; then
			pass "harness: a failed test that also SKIPs is a failure"
		else
			fail "harness: a failed test that also SKIPs is a failure" "exit $src, $(grep -E '^(not )?ok' "$h.out" | tr '\n' ';')"
		fi
	else
		fail "harness: a failed test that also SKIPs is a failure" "cannot build: $(head -2 "$h.err" | tr '\n' ' ')"
	fi
fi

[ ${#skipped[@]} -eq 0 ] || echo "(${#skipped[@]} skipped, counted neither way: ${skipped[*]})"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
