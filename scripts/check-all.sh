#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-all (and .ci/run): both kernels, one after the other, each
# built and then tested; fails if either fails.  Prints the time of every
# phase at the end, so that a slow host shows where its time went (CI's
# limit is 90 minutes; the budget this project keeps is 60 on 2 cores),
# and appends them as one row to Documentation/results/check-all.txt
# (RESULTS= another file, RESULTS=/dev/null none), to be committed with
# a note on the host's load if it matters.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
MAKE=${MAKE:-make}
RESULTS=${RESULTS:-$TOP/Documentation/results/check-all.txt}

declare -a names=() secs=() results=() passed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
phase() {
	local name=$1 t0 rc
	shift
	echo "== check-all: $name ($(date -u +%H:%M:%S) UTC)"
	t0=$(date +%s)
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	names+=("$name")
	secs+=($(( $(date +%s) - t0 )))
	results+=("$([ $rc = 0 ] && echo ok || echo FAILED)")
	# make check's closing line, for the row.
	passed+=("$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)")
	return $rc
}
mmss() { printf '%d:%02d' $(( $1 / 60 )) $(( $1 % 60 )); }

start=$(date +%s)
phase "set-up (deps)" $MAKE -C "$TOP" --no-print-directory deps || exit 1
status=()
for v in 0 1; do
	kind=$([ $v = 0 ] && echo default || echo debug)
	if phase "$kind kernel, module, guest: build" $MAKE -C "$TOP" --no-print-directory guest DEBUG=$v; then
		# The comparisons with the C zswap (counters, density) do not
		# depend on the checkers: the default kernel's run has them.
		COMPARE=$((1 - v)) phase "$kind kernel: tests" $MAKE -C "$TOP" --no-print-directory check DEBUG=$v
		rc=$?
		# The race tests' proof, on the default kernel (fast boots; it
		# has the race windows too): each must fail with its fix reverted.
		if [ $v = 0 ]; then
			phase "default kernel: check-reverts" $MAKE -C "$TOP" --no-print-directory check-reverts DEBUG=0
			[ $? = 0 ] || rc=1
		fi
		status+=($rc)
	else
		status+=(1)
	fi
done
total=$(( $(date +%s) - start ))

echo "== check-all: time per phase"
for i in "${!names[@]}"; do
	printf '  %-44s %4d:%02d  %s\n' "${names[$i]}" $(( secs[i] / 60 )) $(( secs[i] % 60 )) "${results[$i]}"
done
printf '  %-44s %4d:%02d  (budget 60:00: %s)\n' "total" $(( total / 60 )) $(( total % 60 )) \
	"$([ $total -le 3600 ] && echo within || echo OVER)"
a=${status[0]}; b=${status[1]}
# One row: date, commit, each phase's time and result, the total, and
# each make check's closing line.
{
	row="$(date -u +%Y-%m-%d)  $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)"
	for i in "${!names[@]}"; do
		key=${names[$i]}
		case $key in
		set-up*) key=setup ;;
		*check-reverts) key=reverts ;;
		*build) key="build-${key%% *}" ;;
		*tests) key="tests-${key%% *}" ;;
		esac
		row="$row  $key $(mmss "${secs[$i]}")$([ "${results[$i]}" = ok ] || echo " FAILED")"
	done
	row="$row  total $(mmss "$total")"
	for p in "${passed[@]}"; do [ -n "$p" ] && row="$row  [$p]"; done
	echo "$row"
} >> "$RESULTS" && echo "check-all: row appended to $RESULTS"
echo "check-all: default kernel $([ $a = 0 ] && echo passed || echo FAILED), debug kernel $([ $b = 0 ] && echo passed || echo FAILED)"
[ $a = 0 ] && [ $b = 0 ]
