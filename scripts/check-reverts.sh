#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-reverts: the race tests prove themselves.  For every patch in
# tools/testing/zswap_rs/reverts/ (each names the fix it takes out, the
# tests that must catch it and the layouts its race depends on):
#   1. the module is built with the patch applied, in a scratch copy
#      (build/reverts-<variant>/<name>);
#   2. in as few boots as it takes (one, unless a reverted module wedges
#      the guest), each named test runs once with the module as it is
#      (the control: it must pass) and once with each revert (it must
#      fail, hit its hang bound, or make the kernel report a problem),
#      with the same hang bound (RACE_BOUND, default 30 s here);
#   3. one line per revert and test and layout:
#        revert N-name: TEST [layout] failed as expected (...)
#        revert N-name: TEST [layout] PASSED - the test no longer proves its fix
#      and "reverts: K of K caught".  Anything not caught, a control that
#      fails, or a patch that no longer applies fails the run.
# Needs a kernel with the race windows (CONFIG_FAULT_INJECTION_DEBUG_FS:
# both kernels have it; check-all uses the default one, whose boots are
# fast).  REVERTS="1-free-slot ..." runs a subset.
set -uo pipefail
. "$(dirname "$0")/env.sh"

rdir=$ZRS_TOP/tools/testing/zswap_rs/reverts
out=$ZRS_BUILD/reverts-$ZRS_VARIANT
mod=$ZRS_BUILD/module-$ZRS_VARIANT
plan=$out/guest
bound=${RACE_BOUND:-30}
case "$bound" in ''|*[!0-9]*) echo "error: RACE_BOUND must be seconds, not '$bound'" >&2; exit 2 ;; esac
[ -f "$mod/zswap_rs.ko" ] || { echo "error: build first (make guest)" >&2; exit 1; }

# The sources under test: what the table will say it ran.
commit=$(git -C "$ZRS_TOP" describe --always --dirty 2>/dev/null || echo unknown)
t_start=$(date +%s)
bad=0
problem() { echo "  $*"; bad=$((bad + 1)); }
# meta PATCH KEY: the value of "KEY: ..." in the patch's header.
meta() { sed -n "/^diff --git/q; s/^$2: *//p" "$1" | head -n 1; }

rm -rf "$plan"
mkdir -p "$plan"
: > "$plan/plan"
declare -A control_done=()
patches=()
for p in "$rdir"/*.patch; do
	name=$(basename "$p" .patch)
	if [ -n "${REVERTS:-}" ] && [[ " $REVERTS " != *" $name "* ]]; then
		continue
	fi
	patches+=("$p")
done
[ ${#patches[@]} -gt 0 ] || { echo "error: no revert patches selected" >&2; exit 2; }

echo "== check-reverts: building the module with each fix reverted ($ZRS_VARIANT kernel)"
for p in "${patches[@]}"; do
	name=$(basename "$p" .patch)
	tests=$(meta "$p" Tests)
	layouts=$(meta "$p" Layouts)
	if [ -z "$tests" ] || [ -z "$layouts" ]; then
		problem "revert $name: no 'Tests:' or 'Layouts:' line in its header"
		continue
	fi
	d=$out/$name
	mkdir -p "$d"
	# The module's sources as they are (objects of an earlier run kept:
	# only what the patch touches is built again), then the patch.
	rsync -a --delete --filter='P *.o' --filter='P .*.cmd' --filter='P *_generated.rs' \
		--filter='P *.ko' --filter='P *.mod*' --filter='P *.d' --filter='P modules.order' \
		--filter='P Module.symvers' --filter='P *.rmeta' \
		--exclude='*.o' --exclude='.*.cmd' "$ZRS_TOP/Kbuild" "$ZRS_TOP/rust" "$d/"
	# Only zswap_rs.ko: the KUnit and bench modules are not under test.
	sed -i 's/^obj-m := .*/obj-m := zswap_rs.o/' "$d/Kbuild"
	if ! out_p=$(cd "$d" && patch -p1 --forward --quiet < "$p" 2>&1); then
		problem "revert $name: does not apply to today's sources ($(echo "$out_p" | head -n 2 | tr '\n' ' '))"
		continue
	fi
	t0=$(date +%s)
	if ! "${ZRS_KMAKE[@]}" M="$d" -j"$ZRS_JOBS" modules >"$d/build.log" 2>&1; then
		grep -E -A5 'error' "$d/build.log" | head -n 20 | sed 's/^/      /'
		problem "revert $name: the module does not build with it (log: $d/build.log)"
		continue
	fi
	echo "  built $name ($(( $(date +%s) - t0 )) s)"
	cp "$d/zswap_rs.ko" "$plan/$name.ko"
	for t in $tests; do
		for l in $layouts; do
			if [ -z "${control_done[$t $l]:-}" ]; then
				echo "control - $t $l" >> "$plan/plan"
				control_done[$t $l]=1
			fi
			echo "revert $name $t $l" >> "$plan/plan"
		done
	done
done

n=$(wc -l < "$plan/plan")
[ "$n" -gt 0 ] || { echo "reverts: 0 of 0 caught"; echo "error: nothing to run" >&2; exit 1; }

# 2. The boots: from run 1 until every run has a result.
echo "== check-reverts: $n runs (controls and reverts), RACE_BOUND=${bound}s"
declare -A result=() why=()
# This run's boots only (an earlier run's logs would answer for them).
rm -f "$ZRS_GUEST"/reverts-[0-9]*.log "$ZRS_GUEST"/reverts-[0-9]*.ktap "$ZRS_GUEST"/reverts-[0-9]*.out
from=1
boot=0
while [ "$from" -le "$n" ]; do
	boot=$((boot + 1))
	job=reverts-$boot
	left=$((n - from + 1))
	ZRS_LOG=$job ZRS_QUIET=1 TIMEOUT=$((left * (6 * bound + 240) + 300)) \
		ZRS_APPEND="zrs.revert_from=$from zrs.race_bound=$bound" \
		"$ZRS_TOP/scripts/run-guest.sh" reverts "$plan" >"$ZRS_GUEST/$job.out" 2>&1
	log=$ZRS_GUEST/$job.log
	chan=$ZRS_GUEST/$job.ktap
	# The results from the results channel (ttyS1: no kernel message can
	# split a line there); which run began last, too.
	last=
	while read -r tag i rest; do
		case "$tag" in
		ZRS-REVERT-BEGIN) last=$i ;;
		ZRS-REVERT-RESULT) [[ "$rest" =~ ^rc=([0-9]+|hang)$ ]] && result[$i]=${BASH_REMATCH[1]} ;;
		esac
	done < <(grep -E '^ZRS-REVERT-(BEGIN [0-9]+ [a-z]+ [^ ]+ [a-z_]+ [a-z]+|RESULT [0-9]+ rc=([0-9]+|hang))$' "$chan" 2>/dev/null)
	# Line numbers of the runs on the console (its copy), to tell whose
	# run a kernel report came in; a marker a kernel message mangled there
	# leaves a report unowned, which fails the check (never a pass).
	declare -A begin_line=() end_line=()
	while IFS=: read -r ln rest; do
		set -- $rest
		case "$1" in
		ZRS-REVERT-BEGIN) begin_line[$2]=$ln ;;
		ZRS-REVERT-RESULT) end_line[$2]=$ln ;;
		esac
	done < <(grep -n -E '^ZRS-REVERT-(BEGIN|RESULT) [0-9]+ ' "$log")
	# Kernel reports (oops, WARN, lockdep, KASAN, panic; scan-log.sh).
	while IFS=: read -r ln text; do
		[ -n "$ln" ] || continue
		owner=
		for i in "${!begin_line[@]}"; do
			if [ "$ln" -gt "${begin_line[$i]}" ] && { [ -z "${end_line[$i]:-}" ] || [ "$ln" -lt "${end_line[$i]}" ]; }; then
				owner=$i
			fi
		done
		if [ -n "$owner" ]; then
			[ -n "${why[$owner]:-}" ] || why[$owner]="kernel: $(echo "$text" | cut -c1-80)"
		else
			problem "boot $boot: a kernel report outside any run: $(echo "$text" | cut -c1-100) (log: $log)"
		fi
	done < <("$ZRS_TOP/scripts/scan-log.sh" "$log" --all 2>/dev/null)
	# Where to go on: after the last run that began (its result, if it
	# has none, is that the guest died or hung in it).
	if grep -q '^ZRS-REVERT-ALL-DONE$' "$chan" 2>/dev/null; then
		break
	fi
	if [ -z "$last" ] || [ "$last" -lt "$from" ]; then
		problem "boot $boot: no run began (see $ZRS_GUEST/$job.out, $log and $chan)"
		tail -n 3 "$ZRS_GUEST/$job.out" | sed 's/^/      /'
		break
	fi
	[ -n "${result[$last]:-}" ] || result[$last]=died
	from=$((last + 1))
	unset begin_line end_line
done

# summary I: what run I's test said last (its closing "#   " line), from
# the results channel of the boot that ran it.
summary() {
	local l
	for l in "$ZRS_GUEST"/reverts-*.ktap; do
		awk -v b="ZRS-REVERT-BEGIN $1 " -v e="ZRS-REVERT-RESULT $1 " '
			index($0, b) == 1 { on = 1; s = ""; next }
			index($0, e) == 1 { if (on && s != "") { print s; found = 1 }; on = 0 }
			on && /^#   / { s = substr($0, 5) }
			END { exit !found }' "$l" && return 0
	done
	return 0
}

# 3. The verdicts, and the table for Documentation/testing.rst.
table=$out/table.rst
{
	echo "Generated by \`\`make check-reverts\`\` on $(date -u +%Y-%m-%d), commit"
	echo "$commit, $ZRS_VARIANT kernel, RACE_BOUND=${bound} s, $(( ($(date +%s) - t_start) / 60 )) min in $boot boot(s)."
	echo
} > "$table"
rows=()
caught=0
total=0
i=0
while read -r kind name test layout; do
	i=$((i + 1))
	r=${result[$i]:-none}
	w=${why[$i]:-}
	said=$(summary $i | cut -c1-160)
	rows+=("$kind|$name|$test|$layout|$r${w:+ ($w)}|$said")
	if [ "$kind" = control ]; then
		if [ "$r" = 0 ] && [ -z "$w" ]; then
			echo "  control: $test [$layout] passed with the fix"
		else
			problem "control: $test [$layout] FAILED with the fix (result $r${w:+, $w}); see $ZRS_GUEST/reverts-*.log"
		fi
		continue
	fi
	total=$((total + 1))
	case "$r" in
	0)
		if [ -n "$w" ]; then
			echo "  revert $name: $test [$layout] failed as expected ($w)"
			caught=$((caught + 1))
		else
			problem "revert $name: $test [$layout] PASSED - the test no longer proves its fix"
		fi ;;
	none) problem "revert $name: $test [$layout] has no result (the boot never reached it)" ;;
	hang) echo "  revert $name: $test [$layout] failed as expected (hit its hang bound${w:+; $w})"; caught=$((caught + 1)) ;;
	died) echo "  revert $name: $test [$layout] failed as expected (the guest died or hung in it${w:+; $w})"; caught=$((caught + 1)) ;;
	*) echo "  revert $name: $test [$layout] failed as expected (exit $r${w:+; $w})"; caught=$((caught + 1)) ;;
	esac
	[ -n "$said" ] && echo "      $said"
done < "$plan/plan"
python3 - "${rows[@]}" >> "$table" <<'PY'
import sys
rows = [r.split('|', 5) for r in sys.argv[1:]]
head = ('run', 'test [layout]', 'result', 'what the test said last')
body = []
for kind, name, test, layout, r, said in rows:
    who = 'with the fix' if kind == 'control' else 'revert ' + name
    first, _, rest = r.partition(' ')
    res = {'0': 'passed', 'hang': 'hang bound', 'died': 'guest died',
           'none': 'no result'}.get(first, 'exit ' + first)
    if rest:
        res += ' ' + rest
    body.append((who, f'{test} [{layout}]', res, said.replace('`', "'") or '-'))
w = [max(len(x[i]) for x in body + [head]) for i in range(4)]
line = '  '.join('=' * n for n in w)
print(line)
print('  '.join(h.ljust(n) for h, n in zip(head, w)).rstrip())
print(line)
for b in body:
    print('  '.join(c.ljust(n) for c, n in zip(b, w)).rstrip())
print(line)
PY
echo "reverts: $caught of $total caught ($boot boot(s)); table: $table"
[ $bad -eq 0 ] && [ $caught -eq $total ] && [ $total -gt 0 ]
