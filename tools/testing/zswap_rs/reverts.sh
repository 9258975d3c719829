# SPDX-License-Identifier: GPL-2.0
# make check-reverts, the guest's side (sourced by /init in zrs.mode=reverts).
#
# /zrs/reverts/plan has one run per line, "KIND NAME TEST LAYOUT": KIND
# "control" runs TEST with the module as it is (/zrs/zswap_rs.ko), KIND
# "revert" with the module built with revert patch NAME applied
# (/zrs/reverts/NAME.ko); LAYOUT is its zpool=.  Runs start at line
# zrs.revert_from= (the host boots again after a run that wedged the
# guest).  Each run prints
#   ZRS-REVERT-BEGIN I KIND NAME TEST LAYOUT
#   ZRS-REVERT-RESULT I rc=N|hang
# and, when the module cannot be swapped for the next run (a reverted
# module that cannot be unloaded), ZRS-REVERT-STUCK I; the guest then
# ends, and the host boots it again from run I + 1.  The host judges
# (scripts/check-reverts.sh).

# rev_swap KO LAYOUT: swap off, unload what is loaded, load KO with
# zpool=LAYOUT, swap on; each step bounded (a reverted module may hang
# its own unload: that ends this boot, not the check).
rev_swap() {
	for dev in $(awk 'NR > 1 { print $1 }' /proc/swaps); do
		rev_bounded 120 swapoff "$dev" || return 1
	done
	if lsmod | grep -q '^zswap_rs '; then
		rev_bounded 120 rmmod zswap_rs || return 1
	fi
	ZRS_KO=$1 ZRS_ZPOOL=$2 zrs_load || return 1
	zrs_swapon
}

# rev_bounded SECS CMD...: CMD's status, or 124 if it did not end within
# SECS (it is left where it hangs).
rev_bounded() {
	secs=$1
	shift
	"$@" &
	bp=$!
	t=$(uptime_s)
	while kill -0 $bp 2>/dev/null; do
		[ $(( $(uptime_s) - t )) -ge "$secs" ] && { echo "# reverts: '$*' still running after ${secs}s"; return 124; }
		sleep 0.2
	done
	wait $bp
}

# rev_stuck I: run I left the guest in no state to go on: says so and
# ends the boot from here (a task left hanging may hold the results
# channel's pipe open for ever, so /init's own end would never come).
# The pause lets the serial port send what is queued.
rev_stuck() {
	echo "ZRS-REVERT-STUCK $1"
	sleep 2
	finish 0
	exit 0
}

run_reverts() {
	from=1
	for arg in $(cat /proc/cmdline); do
		case "$arg" in zrs.revert_from=*) from=${arg#zrs.revert_from=} ;; esac
	done
	# A run's own bounds are RACE_BOUND each; the longest test waits for
	# at most six in a row.  Past that (plus set-up) it is a hang.
	limit=$((6 * RACE_BOUND + 120))
	i=0
	cur=
	while read -r kind name test layout; do
		i=$((i + 1))
		[ $i -lt "$from" ] && continue
		ko=/zrs/zswap_rs.ko
		[ "$kind" = revert ] && ko=/zrs/reverts/$name.ko
		if [ "$cur" != "$ko $layout" ]; then
			rev_swap $ko $layout || rev_stuck $i
			cur="$ko $layout"
		fi
		echo "ZRS-REVERT-BEGIN $i $kind $name $test $layout"
		# The test as make check runs it (run_tests: its audits and its
		# knob fixture), with its KTAP document on the console only.
		rm -f /tmp/zrs-test.rc
		( ZRS_KO=$ko ZRS_ZPOOL=$layout run_tests "$test" ) &
		tp=$!
		t=$(uptime_s)
		rc=
		failed_at=
		while kill -0 $tp 2>/dev/null; do
			[ $(( $(uptime_s) - t )) -ge $limit ] && { rc=hang; break; }
			# The test failed, and what run_tests does after it (its
			# audits, the knob fixture) hangs: a reverted module may
			# hold the parameter lock for ever.  The verdict is in.
			if [ -z "$failed_at" ] && [ -s /tmp/zrs-test.rc ] && [ "$(cat /tmp/zrs-test.rc)" != 0 ]; then
				failed_at=$(uptime_s)
			fi
			if [ -n "$failed_at" ] && [ $(( $(uptime_s) - failed_at )) -ge 30 ]; then
				rc=$(cat /tmp/zrs-test.rc)
				echo "# reverts: the test failed (exit $rc); what follows it hangs"
				break
			fi
			sleep 0.5
		done
		[ -z "$rc" ] && { wait $tp; rc=$?; }
		echo "ZRS-REVERT-RESULT $i rc=$rc"
		kill -0 $tp 2>/dev/null && rev_stuck $i
		# A reverted module may have left the guest in no state for the
		# next run (its own unload hangs): the next run swaps it first.
		lsmod | grep -q '^zswap_rs ' || cur=
	done < /zrs/reverts/plan
	echo "ZRS-REVERT-ALL-DONE"
}
