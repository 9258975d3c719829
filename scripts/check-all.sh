#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-all (and .ci/run): both kernels, one after the other, each
# built and then tested; fails if either fails.  Prints the time of every
# phase at the end, so that a slow host shows where its time went (CI's
# limit is 90 minutes; the budget this project keeps is 60 on 2 cores).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
MAKE=${MAKE:-make}

declare -a names=() secs=() results=()
phase() {
	local name=$1 t0 rc
	shift
	echo "== check-all: $name ($(date -u +%H:%M:%S) UTC)"
	t0=$(date +%s)
	"$@"
	rc=$?
	names+=("$name")
	secs+=($(( $(date +%s) - t0 )))
	results+=("$([ $rc = 0 ] && echo ok || echo FAILED)")
	return $rc
}

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
echo "check-all: default kernel $([ $a = 0 ] && echo passed || echo FAILED), debug kernel $([ $b = 0 ] && echo passed || echo FAILED)"
[ $a = 0 ] && [ $b = 0 ]
