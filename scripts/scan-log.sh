#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scan-log.sh LOG: exit 1 and print the first lines of each kernel problem
# report found in a console log (oops, BUG, WARNING, lockdep, KASAN,
# kmemleak, hung task, panic) or a page zswap_rs lost (a load that found
# no entry, index and pool disagreeing, a real decompression failure;
# injected failures say "injected"), a race gate that opened by itself
# (a test that waited longer than the gate), a checker that switched itself
# off (ODEBUG out of memory), and the reports of the checkers that see
# Rust code too: slub_debug ("BUG kmalloc-64 (Not tainted): Poison
# overwritten", no colon after BUG) and page poisoning ("pagealloc:
# memory corruption"); also a console that lost kernel messages ("** N
# printk messages dropped **": any of them may have been a report, so the
# scan cannot vouch for the log) and a kmemleak that disabled itself (it
# sees no leak after that); exit 0 if there is none.  --all (second
# argument): every matching line, not only the first 12 (check-reverts.sh
# tells whose run each report came in).
set -u
pat='(Oops[:]|BUG[:]|kernel BUG at|WARNING[:]|Kernel panic|KASAN[:]|UBSAN[:]|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|lock held when returning|suspicious RCU usage|unreferenced object|blocked for more than|soft lockup|hard LOCKUP|Call Trace[:]|zswap_rs: BUG|zswap_rs: swap entry .* is not stored|zswap_rs: swap entry .* index and pool disagree|zswap_rs: decompression failed for swap entry|zswap_rs: race window .* gate not opened|zswap_rs: accounting slip: |ODEBUG disabled|BUG [^ ]+ [(][^)]*[)]: |pagealloc: (single bit error|memory corruption)|printk messages dropped|kmemleak: Kernel memory leak detector disabled)'
max=12
[ "${2:-}" = --all ] && max=1000000
hits=$(grep -n -E "$pat" "$1" | grep -v 'ZRS-TEST' | head -n $max)
if [ -n "$hits" ]; then
	echo "$hits"
	exit 1
fi
exit 0
