#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# scripts/calibrate.sh, in the guest (run-guest.sh workload): zrs_cbench
# over make bench's W1 pages (zrs-test bench cdata), with lzo and then lz4,
# PASSES runs each; every result line gets "pass=N".  zrs.calib=MB,PASSES
# on the kernel command line (default 32,3).  Also prints which of the
# CPU features that choose the kernel's memcpy/memset the guest kernel
# uses (/proc/cpuinfo: erms, fsrm, rep_good) and an md5sum of the pages
# (the host's must match).
mb=32 passes=3
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	zrs.calib=*) v=${arg#zrs.calib=}; mb=${v%,*}; passes=${v#*,} ;;
	esac
done
# Console: no kernel messages between the result lines.
dmesg -n 1
flags=$(grep -m1 '^flags' /proc/cpuinfo)
have() { case " ${flags#*:} " in *" $1 "*) echo 1 ;; *) echo 0 ;; esac; }
echo "CALIBCPU model=\"$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')\" family=$(grep -m1 '^cpu family' /proc/cpuinfo | sed 's/.*: //') modelnr=$(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | sed 's/.*: //') erms=$(have erms) fsrm=$(have fsrm) rep_good=$(have rep_good)"
: > /tmp/pages
zrs-test bench cdata "$mb" /tmp/pages || exit 1
echo "CALIBDATA mb=$mb md5=$(md5sum /tmp/pages | cut -d' ' -f1)"
rm -f /tmp/pages
for alg in lzo lz4; do
	[ -d /sys/module/zrs_cbench ] && rmmod zrs_cbench
	insmod /zrs/zrs_cbench.ko alg=$alg || exit 1
	zrs-test bench cdata "$mb" /sys/kernel/debug/zrs_cbench/pages || exit 1
	p=1
	while [ $p -le "$passes" ]; do
		grep -E '^(CBENCH|CCOPY) ' /sys/kernel/debug/zrs_cbench/result | sed -E "s/^(CBENCH|CCOPY) /\1 pass=$p /"
		p=$((p + 1))
	done
	rmmod zrs_cbench || exit 1
done
