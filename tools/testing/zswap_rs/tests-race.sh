# SPDX-License-Identifier: GPL-2.0
# In-guest tests (sourced by tests.sh): the race tests (debug kernel), each
# holding a named window of the module open (lib.sh: race_arm, race_open,
# race_wait_hits, wait_ready).

# The race helpers' own rules (a self-test: each check fails if its rule
# is gone): an unknown window fails race_wait_hits at once (it once
# compared "" with -lt and returned success) and race_arm; a write that
# would arm nothing is refused by the module; arming is read back; every
# window the test list uses exists; reset opens and zeroes everything.
test_race_harness() {
	[ -f $RACE ] || { echo "  SKIP: needs a kernel with CONFIG_FAULT_INJECTION_DEBUG_FS (race_delay)"; return 4; }
	ok=0
	echo reset > $RACE || return 1
	t0=$(uptime_s)
	race_wait_hits no_such_window 1 && { echo "  race_wait_hits accepted an unknown window"; ok=1; }
	[ $(( $(uptime_s) - t0 )) -lt 10 ] || { echo "  race_wait_hits took its bound on an unknown window"; ok=1; }
	race_arm no_such_window && { echo "  race_arm accepted an unknown window"; ok=1; }
	for bad in "no_such_window gate" "writeback_lookup" "writeback_lookup 100" "writeback_lookup gate 0" \
		   "writeback_lookup gate -2" "writeback_lookup open 1"; do
		echo "$bad" > $RACE 2>/dev/null && { echo "  race_delay accepted '$bad'"; ok=1; }
	done
	[ "$(race_field writeback_lookup 2)" = open ] || { echo "  a refused write armed writeback_lookup"; ok=1; }
	# Every window a race test arms or waits for exists in this module.
	used=
	for w in $(cat /zrs/tests*.sh | grep -v -e 'echo' -e '^[[:space:]]*#' | grep -o 'race_\(arm\|open\|wait_hits\|pid\) [a-z_]*' |
		   awk '{ print $2 }' | sort -u); do
		case "$w" in no_such_window) continue ;; esac
		race_field "$w" 1 >/dev/null || { echo "  a race test uses window '$w', which the module lacks"; ok=1; }
		used="$used $w"
	done
	# ... and every window of the module is used by one (or removed).
	for w in $(awk '{ print $1 }' $RACE); do
		case " $used " in *" $w "*) ;; *) echo "  window '$w' is used by no race test"; ok=1 ;; esac
	done
	race_arm store_undo || ok=1
	[ "$(race_field store_undo 2) $(race_field store_undo 3)" = "gate 1" ] || { echo "  store_undo not armed"; ok=1; }
	echo reset > $RACE
	[ "$(awk '$2 != "open" || $3 != 0 || $4 != 0' $RACE)" = "" ] || { echo "  reset left a window armed or counted"; ok=1; }
	echo "  race_delay: $(wc -l < $RACE) windows; unknown names and malformed writes refused"
	return $ok
}

race_setup() {
	[ -f $RACE ] || { echo "  SKIP: needs a kernel with CONFIG_FAULT_INJECTION_DEBUG_FS (race_delay)"; return 4; }
	echo reset > $RACE || return 1
	rm -f /tmp/zrs-go
	# A fresh swap area: an empty pool, slots allocated from the start.
	swapoff /dev/vda && swapon /dev/vda || return 1
	# The scenarios count pool pages and place objects in frames: an
	# earlier test that left objects in the pool (the block device's,
	# say) would change where they land.  Say so rather than fail later.
	cb=$(stat_of compressed_bytes)
	[ "$cb" -eq 0 ] || { echo "  the pool is not empty at the start: compressed_bytes $cb, pool_pages $(stat_of pool_pages), vdev_stored_pages $(stat_of vdev_stored_pages)"; return 1; }
}

# race_cgroup NAME: a memory cgroup (v2) $CG/NAME for a race test.
race_cgroup() {
	CG=/sys/fs/cgroup
	[ -f $CG/cgroup.controllers ] || mount -t cgroup2 none $CG || return 1
	echo +memory > $CG/cgroup.subtree_control 2>/dev/null
	mkdir -p $CG/$1
}

race_cleanup() {
	echo reset > $RACE
	touch /tmp/zrs-go
	echo Y > $P/writeback
	echo Y > $P/exclusive_loads
}

# Defect: writeback found a slot free and dropped its entry (and cleared
# its frontswap bit) under no lock, while the slot could be released and
# reused by a new page.  The window: writeback has found the slot free.
# Meanwhile the slot is released (swapoff drains the slot caches) and
# reused (swapon, a new process pages out 512 distinct pages of tiny objects from the
# first slot on).  Then writeback goes on: it must leave the new pages
# alone (the old code cleared the bit of the page now in the slot: its
# swap-in read a device slot never written, and its entry stayed behind).
test_race_free_slot() {
	free_slot_race race_free_slot 32 0x5e 2 512 0x100000000000007e || return $?
	echo "  $dead dead entries; writeback held with a free slot while it was released and reused by $stored stored pages (found in use: writeback_fail +$wbf); orphan_entries $orphans"
	[ $rc -eq 0 ] && [ "$dead" -ge 24 ] && [ "$stored" -ge 256 ] && [ "$orphans" -eq 0 ] && [ "$wbf" -ge 1 ]
}

# free_slot_race NAME DEAD SEED FRAMES NEW NEWSEED: the scenario of both
# free-slot tests.  DEAD pages of SEED stored by a process that exits
# (their release waits in a swap slot cache); writeback of FRAMES frames,
# held at writeback_free_slot on the first; swapoff and swapon release
# and reuse the slots; a new process pages out NEW pages of NEWSEED and
# holds them; the gate opens.  Sets dead, pp (pool pages with the dead
# entries), stored, wbf (writeback_fail delta: the slot found in use),
# orphans and rc (the new process's verify); returns non-zero only if
# the scenario itself could not be driven.
free_slot_race() {
	race_setup || return $?
	echo N > $P/writeback
	rlog "$1: storeexit"
	zrs-test storeexit $2 $3 || { race_cleanup; return 1; }
	dead=$(stat_of stored_pages); pp=$(stat_of pool_pages)
	rlog "$1: $dead dead entries; gate, writeback"
	race_arm writeback_free_slot || { race_cleanup; return 1; }
	wbf0=$(stat_of writeback_fail)
	echo $4 > $P/writeback &
	wb=$!
	race_wait_hits writeback_free_slot 1 || { race_cleanup; return 1; }
	rlog "$1: in the window; swapoff, swapon"
	swapoff /dev/vda && swapon /dev/vda || { race_cleanup; return 1; }
	rlog "$1: texthold"
	start_ready th /tmp/th.out zrs-test texthold $5 $6 || { race_cleanup; return 1; }
	stored=$(stat_of stored_pages)
	rlog "$1: $stored stored; open"
	race_open writeback_free_slot
	gone_within $wb $RACE_BOUND || { echo "  writeback did not return"; race_cleanup; return 1; }
	wbf=$(( $(stat_of writeback_fail) - wbf0 ))
	orphans=$(stat_of orphan_entries)
	touch /tmp/zrs-go
	wait $th; rc=$?
	cat /tmp/th.out
	race_cleanup
	return 0
}

# Defect, the erase half: writeback that found a slot free erased the
# entry if it still held the value found before.  A value is a pool
# handle (frame id, slot), and freed frame ids are reused last-in
# first-out: a new page in the reused slot can have the very same value.
# So: one dead frame (two pages, the pool otherwise empty), writeback of
# it held with the slot found free; the slot is released (swapoff frees
# the frame) and reused by a process that pages out the same data, whose
# first pages land in that frame id and slots again.  Then writeback goes
# on: it must leave the new pages alone (the old code erased the new
# entry and cleared its bit: the page read back as zeros).  The premise
# is checked on the fixed code's own answer: it found the slot in use
# (writeback_fail +1).
test_race_free_slot_aba() {
	free_slot_race race_free_slot_aba 2 0x5f 1 16 0x5f || return $?
	echo "  $dead dead entries in $pp pool page(s); writeback held with a free slot while it was reused by the same data: writeback_fail +$wbf; orphan_entries $orphans"
	[ $rc -eq 0 ] && [ "$dead" -eq 2 ] && [ "$pp" -eq 1 ] && [ "$orphans" -eq 0 ] && [ "$wbf" -ge 1 ]
}

# Defect: a store undone after compaction moved its object left the
# moved entry behind (an orphan, no frontswap bit).  The window: a store
# whose cgroup charge failed (fault injection), before its undo.  The pool
# holds one frame with two objects of about 1425 bytes (undopair); the
# store's object (about 1325 bytes) fits in neither's room, so it gets a
# frame of its own.  In the window one of the pair is freed, and
# compaction moves the store's object (now the smallest lone one) into
# the frame that has room.
test_race_store_undo() {
	race_setup || return $?
	[ -d $D/fail_charge ] || { echo "  SKIP: needs the debug kernel (fail_charge)"; return 4; }
	race_cgroup zrs-undo || return 1
	rm -f /tmp/zrs-go1
	start_ready a /tmp/a.out zrs-test undopair || { race_cleanup; return 1; }
	c0=$(stat_of pages_compacted); um0=$(stat_of store_undo_moved)
	F=$D/fail_charge
	echo 0 > $F/verbose; echo 1 > $F/interval; echo 1 > $F/times; echo 100 > $F/probability
	race_arm store_undo || { race_cleanup; return 1; }
	# One page from the cgroup: its charge fails, its undo waits.
	: > /tmp/b.out
	sh -c "echo \$\$ > $CG/zrs-undo/cgroup.procs && exec zrs-test texthold 1 0x2000000000000000" > /tmp/b.out 2>&1 &
	b=$!
	race_wait_hits store_undo 1 || { race_cleanup; return 1; }
	rlog "race_store_undo: in the window; free one of the pair, compact"
	touch /tmp/zrs-go1
	while ! grep -q freed /tmp/a.out; do kill -0 $a 2>/dev/null || break; sleep 0.2; done
	echo 1 > $P/compact
	moved=$(( $(stat_of pages_compacted) - c0 ))
	rlog "race_store_undo: compaction released $moved; open"
	race_open store_undo
	echo 0 > $F/probability
	wait_ready /tmp/b.out $b || { race_cleanup; return 1; }
	# The premise: compaction moved the held store's own object (the undo
	# found its entry changed), not the other of the pair.
	um=$(( $(stat_of store_undo_moved) - um0 ))
	orphans=$(stat_of orphan_entries)
	touch /tmp/zrs-go
	wait $a; ra=$?
	wait $b; rb=$?
	cat /tmp/a.out /tmp/b.out
	zc=$(cat $CG/zrs-undo/memory.zswap.current)
	zo=$(awk '$1 == "zswpout" { print $2 }' $CG/zrs-undo/memory.stat)
	echo "  undone store: compaction released $moved frame(s) in its window, the store's own object moved: store_undo_moved +$um; orphan_entries $orphans; cgroup zswap.current $zc, zswpout $zo"
	race_cleanup
	rm -f /tmp/zrs-go1
	rmdir $CG/zrs-undo
	[ $ra -eq 0 ] && [ $rb -eq 0 ] && [ $moved -ge 1 ] && [ $um -eq 1 ] && [ "$orphans" -eq 0 ] && [ "$zc" -eq 0 ] && [ "$zo" -eq 0 ]
}

# Defect: writeback (the shrinker, a writeback=N write, unload) waited
# without end for an entry that another task is swapping in, which may be
# waiting for the writeback (its own direct reclaim runs the shrinker).
# The window: a task swapping in entry E has set SWAP_HAS_CACHE and is
# charging its page to its cgroup (at memory.max), whose reclaim pages out
# and so calls our store; that store is held at its publish window.
# Meanwhile writeback of every frame (E's among them) must not wait for
# it, and must count E (and the held store's entry) as busy.
test_race_writeback_swapin() {
	race_setup || return $?
	race_cgroup zrs-swapin || return 1
	pc=$(cat /proc/sys/vm/page-cluster)
	echo 0 > /proc/sys/vm/page-cluster
	echo N > $P/writeback
	# Distinct compressible pages: every entry is a pool object (a
	# same-filled page's entry has no frame, and writeback never meets it).
	start_ready h /tmp/h.out sh -c "echo \$\$ > $CG/zrs-swapin/cgroup.procs && exec zrs-test texthold 512 0x5a" || { echo $pc > /proc/sys/vm/page-cluster; race_cleanup; return 1; }
	# Just above its usage (a limit below it would make this write reclaim,
	# and with nothing to reclaim yet, OOM-kill the task): after a few
	# swap-ins every charge reclaims (and so stores) first.
	echo $(( $(cat $CG/zrs-swapin/memory.current) + 65536 )) > $CG/zrs-swapin/memory.max
	race_arm store_publish || { race_cleanup; return 1; }
	touch /tmp/zrs-go
	race_wait_hits store_publish 1 || {
		echo max > $CG/zrs-swapin/memory.max; echo $pc > /proc/sys/vm/page-cluster
		race_cleanup; wait $h; rmdir $CG/zrs-swapin; return 1
	}
	# The swap-in is held in its charge's reclaim now.  Writeback's own
	# swap-cache pages are charged to the entries' cgroup too: at the
	# limit, they would OOM-kill the workload (seen on the default
	# kernel).  The held task stays held whatever the limit is now.
	echo max > $CG/zrs-swapin/memory.max
	# The premise: the store held is the workload's own (the reclaim of
	# its swap-in's charge), not some other task's page-out.
	held=$(race_pid store_publish)
	# Every frame, so the one holding the entry being swapped in too.
	wbf0=$(stat_of writeback_fail)
	echo 100000 > $P/writeback &
	wb=$!
	# Under the gate's own limit (300 s, then it opens by itself and logs
	# "gate not opened", which fails the run): a hang shows as a hang.
	if gone_within $wb $RACE_BOUND; then back=yes; else back=no; fi
	fails=$(( $(stat_of writeback_fail) - wbf0 ))
	race_open store_publish
	gone_within $wb $RACE_BOUND || echo "  writeback still waiting after the gate opened"
	echo max > $CG/zrs-swapin/memory.max
	wait $h; rc=$?
	cat /tmp/h.out
	echo $pc > /proc/sys/vm/page-cluster
	echo "  writeback of every frame returned while a swap-in of one of their entries was held (pid $held, the workload $h): $back; writeback_fail +$fails"
	race_cleanup
	rmdir $CG/zrs-swapin
	[ $rc -eq 0 ] && [ "$held" = "$h" ] && [ $back = yes ] && [ $fails -ge 1 ]
}

# rmmod_waiting: rmmod in the background (its pid in $rm) with pages it
# cannot write back yet; waits (at most 300 s) until the unload says in
# the log what it waits for.  said=yes if it did.
rmmod_waiting() {
	n0=$(dmesg | grep -c 'unload: waiting')
	rmmod zswap_rs > /tmp/rmmod.out 2>&1 &
	rm=$!
	t=$(uptime_s); said=no
	while kill -0 $rm 2>/dev/null && [ $(( $(uptime_s) - t )) -lt $RACE_BOUND ]; do
		[ "$(dmesg | grep -c 'unload: waiting')" -gt $n0 ] && { said=yes; break; }
		sleep 0.5
	done
}

# Defect: an unload that met a page it could not write back gave up after
# 2 s and then waited without end for frontswap, holding the parameter
# lock.  The page: its load failed (fault injection) and its owner caught
# the SIGBUS and keeps the mapping, so the page sits in the swap cache
# without its data.  The unload must wait for it, say so, keep the
# parameters readable, and finish once the owner exits.
test_race_unload_busy() {
	race_setup || return $?
	start_ready sb /tmp/sb.out zrs-test sigbushold 64 || { rc=$?; race_cleanup; return $rc; }
	stored=$(stat_of stored_pages)
	rmmod_waiting
	kill -0 $rm 2>/dev/null && early=no || early=yes
	cat $P/enabled > /tmp/param.out 2>&1 &
	pr=$!
	if gone_within $pr $RACE_BOUND; then readable=yes; else readable=no; fi
	dmesg | grep 'unload: waiting' | tail -1 | sed 's/^\[[^]]*\] /  /'
	touch /tmp/zrs-go
	wait $sb; rc=$?
	cat /tmp/sb.out
	if gone_within $rm $RACE_BOUND; then wait $rm; rmrc=$?; else rmrc=hang; fi
	echo "  rmmod with $stored pages stored, one unreadable: returned early $early, said it waits $said, parameters readable meanwhile $readable, rmmod after the owner exited: $rmrc"
	# A module whose unload hangs holds its parameters: no clean-up can
	# run (make check-reverts boots again after this).
	[ "$rmrc" = hang ] && return 1
	lsmod | grep -q '^zswap_rs ' || zrs_load || return 1
	race_cleanup
	[ $rc -eq 0 ] && [ $early = no ] && [ $said = yes ] && [ $readable = yes ] && [ "$rmrc" = 0 ]
}

# Defect: writeback that could not fill the new swap-cache page of an
# entry took the page out of the swap cache again, unfilled and not
# uptodate.  swapoff's unuse_pte_range() may hold that page by then (it
# found it in the swap cache and waits for its lock), and 6.1's
# unuse_pte() maps no page that is not uptodate: it puts a swap-in error
# entry in the pte and frees the slot, so the owner gets SIGBUS for a page
# whose data was intact (in the pool, or on the device).  The window:
# writeback failed to fill the page (fail_writeback, as if the object
# could not be decompressed), before it lets the page go (writeback_give_up);
# meanwhile swapoff runs until it waits for that page's lock.  Then the
# page must be read as a swap-in would (reverts/7-writeback-give-up.patch).
test_race_writeback_give_up() {
	race_setup || return $?
	F=$D/fail_writeback
	[ -d $F ] || { echo "  SKIP: needs the debug kernel (fail_writeback)"; return 4; }
	pc=$(cat /proc/sys/vm/page-cluster)
	# One page per swap-in, so that swapoff reads each entry itself.
	echo 0 > /proc/sys/vm/page-cluster
	echo N > $P/writeback
	start_ready h /tmp/h.out zrs-test texthold 512 0x6b || { echo $pc > /proc/sys/vm/page-cluster; race_cleanup; return 1; }
	echo 0 > $F/verbose; echo 1 > $F/interval; echo 1 > $F/times; echo 100 > $F/probability
	race_arm writeback_give_up || { race_cleanup; return 1; }
	wbf0=$(stat_of writeback_fail)
	echo 1 > $P/writeback &
	wb=$!
	race_wait_hits writeback_give_up 1 || {
		echo 0 > $F/probability; echo $pc > /proc/sys/vm/page-cluster; race_cleanup; wait $h; return 1
	}
	rlog "race_writeback_give_up: in the window; swapoff"
	swapoff /dev/vda > /tmp/so.out 2>&1 &
	so=$!
	# The premise: swapoff waits for the page writeback holds locked in
	# its window.  Its wait channel is a page-bit wait, for the lock or
	# for writeback to the device (6.1's unuse_pte_range() waits for
	# both), and the same the next time it is looked at (a wait that
	# passes is not this one); no page may be under writeback then
	# (nr_writeback 0: the texthold pages are all in the pool, so the only
	# bit it can wait for is the lock), and writeback still held.
	waited=no; t=$(uptime_s); seen=0
	while kill -0 $so 2>/dev/null && [ $(( $(uptime_s) - t )) -lt $RACE_BOUND ]; do
		case "$(cat /proc/$so/wchan 2>/dev/null)" in
		*folio_wait_bit*|*wait_on_page_bit*)
			seen=$((seen + 1))
			if [ $seen -ge 3 ] && [ "$(awk '$1 == "nr_writeback" { print $2 }' /proc/vmstat)" = 0 ] &&
			   kill -0 $wb 2>/dev/null; then
				waited=yes; break
			fi ;;
		*) seen=0 ;;
		esac
		sleep 0.2
	done
	rlog "race_writeback_give_up: swapoff waits for the page: $waited; open"
	race_open writeback_give_up
	echo 0 > $F/probability
	gone_within $wb $RACE_BOUND || echo "  writeback did not return"
	fails=$(( $(stat_of writeback_fail) - wbf0 ))
	if gone_within $so $((2 * RACE_BOUND)); then wait $so; src=$?; else src=timeout; fi
	cat /tmp/so.out
	swapon /dev/vda
	touch /tmp/zrs-go
	wait $h; rc=$?
	cat /tmp/h.out
	echo $pc > /proc/sys/vm/page-cluster
	echo "  swapoff waited for the page writeback could not fill: $waited; writeback_fail +$fails; swapoff: $src; texthold exit $rc"
	race_cleanup
	[ $rc -eq 0 ] && [ $waited = yes ] && [ $fails -ge 1 ] && [ "$src" = 0 ]
}

# Race class of SWP_SYNCHRONOUS_IO (zram underneath): a swap-in from such a
# device skips the swap cache (do_swap_page() in 6.1), so no swap-cache
# page that writeback could lock excludes it.  The window: a swap-in held
# in its load between the index lookup and reading the object
# (load_lookup).  Meanwhile writeback of every frame runs; it must leave
# these entries alone (had it written the held entry back, the load would
# find it gone: EIO, SIGBUS, a lost page; reverts/6-sync-io.patch).
test_race_sync_io() {
	race_setup || return $?
	zram_on || { race_cleanup; return 1; }
	pc=$(cat /proc/sys/vm/page-cluster)
	echo 0 > /proc/sys/vm/page-cluster
	start_ready h /tmp/s.out zrs-test texthold 64 0x2d || { race_cleanup; zram_off; return 1; }
	stored=$(stat_of stored_pages)
	wb0=$(stat_of written_back_pages); wbf0=$(stat_of writeback_fail); lm0=$(stat_of load_missing)
	race_arm load_lookup || { race_cleanup; return 1; }
	touch /tmp/zrs-go
	race_wait_hits load_lookup 1 || { race_cleanup; zram_off; return 1; }
	rlog "race_sync_io: a swap-in held in its load; writeback of every frame"
	echo 100000 > $P/writeback &
	wb=$!
	gone_within $wb $RACE_BOUND && back=yes || back=no  # under the gate's 300 s
	wbn=$(( $(stat_of written_back_pages) - wb0 )); wbf=$(( $(stat_of writeback_fail) - wbf0 ))
	rlog "race_sync_io: written back $wbn, refused $wbf; open"
	race_open load_lookup
	wait $h; rc=$?
	cat /tmp/s.out
	lm=$(( $(stat_of load_missing) - lm0 ))
	echo $pc > /proc/sys/vm/page-cluster
	race_cleanup
	zram_off
	echo "  on zram, $stored stored, one swap-in held in its load: writeback returned $back, written_back_pages +$wbn, writeback_fail +$wbf, load_missing +$lm"
	[ $rc -eq 0 ] && [ "$stored" -ge 48 ] && [ $back = yes ] && [ $wbn -eq 0 ] && [ $wbf -ge 1 ] && [ $lm -eq 0 ]
}

# Race class: an exclusive load (exclusive_loads=Y, a swap-cache page)
# against writeback of its entry.  The window: a swap-in held in its load
# between the index lookup and reading the object (load_lookup), its
# swap-cache page locked.  Meanwhile writeback of every frame runs (in
# runs of 8 slots, so the held entry is met as a victim or a neighbour):
# it must skip the held entry (its page exists: writeback_fail), not wait
# for the page lock the load holds, and write the rest back.  Then the
# load goes on, finds its object, and drops the entry itself (an
# exclusive load); every byte comes back, no load is missing.
# (reverts/10-exclusive-writeback.patch: reclaim hands the data to an
# existing swap-cache page, as the unload does, and so waits for the
# held load's page lock: writeback does not return while the load is
# held.)
test_race_exclusive_writeback() {
	race_setup || return $?
	pc=$(cat /proc/sys/vm/page-cluster)
	echo 0 > /proc/sys/vm/page-cluster
	echo N > $P/writeback
	echo Y > $P/exclusive_loads
	start_ready h /tmp/x.out zrs-test texthold 64 0x2e || { echo $pc > /proc/sys/vm/page-cluster; race_cleanup; return 1; }
	stored=$(stat_of stored_pages)
	wb0=$(stat_of written_back_pages); wbf0=$(stat_of writeback_fail); lm0=$(stat_of load_missing)
	race_arm load_lookup || { echo $pc > /proc/sys/vm/page-cluster; race_cleanup; return 1; }
	touch /tmp/zrs-go
	race_wait_hits load_lookup 1 || { echo $pc > /proc/sys/vm/page-cluster; race_cleanup; wait $h; return 1; }
	held=$(race_pid load_lookup)
	ex0=$(stat_of exclusive_loads)
	rlog "race_exclusive_writeback: a swap-in held in its load; writeback of every frame"
	echo 100000 > $P/writeback &
	wb=$!
	gone_within $wb $RACE_BOUND && back=yes || back=no  # under the gate's 300 s
	wbn=$(( $(stat_of written_back_pages) - wb0 )); wbf=$(( $(stat_of writeback_fail) - wbf0 ))
	rlog "race_exclusive_writeback: written back $wbn, busy $wbf; open"
	race_open load_lookup
	gone_within $wb $RACE_BOUND || echo "  writeback still waiting after the gate opened"
	wait $h; rc=$?
	cat /tmp/x.out
	ex=$(( $(stat_of exclusive_loads) - ex0 ))
	lm=$(( $(stat_of load_missing) - lm0 ))
	echo $pc > /proc/sys/vm/page-cluster
	race_cleanup
	echo "  $stored stored, one swap-in held in its load (pid $held, the workload $h): writeback returned $back, written_back_pages +$wbn, writeback_fail +$wbf; after: exclusive_loads +$ex, load_missing +$lm"
	[ $rc -eq 0 ] && [ "$stored" -ge 48 ] && [ "$held" = "$h" ] && [ $back = yes ] &&
		[ $wbn -ge $((stored / 2)) ] && [ $wbf -ge 1 ] && [ $ex -ge 1 ] && [ $lm -eq 0 ]
}

# Race class: a memory cgroup removed while its pages are stored and
# being written back.  Its pages stay charged to its obj_cgroup, which
# moves to the parent when the cgroup goes offline.  The window: writeback
# of a frame of the cgroup's pages, page filled, before the entry is
# erased and uncharged (writeback_erase); the cgroup is removed in it.
# Then the rest of the pages are loaded (zswpin through the reparented
# charge) and freed: the parent must end at 0 bytes, every byte back, no
# WARN.
test_race_memcg_gone() {
	race_setup || return $?
	race_cgroup zrs-parent || return 1
	echo +memory > $CG/zrs-parent/cgroup.subtree_control
	mkdir -p $CG/zrs-parent/zrs-gone
	start_ready h /tmp/g.out sh -c "echo \$\$ > $CG/zrs-parent/zrs-gone/cgroup.procs && exec zrs-test texthold 64 0x3c" || { race_cleanup; return 1; }
	zc=$(cat $CG/zrs-parent/zrs-gone/memory.zswap.current)
	# The workload leaves the cgroup; its stored pages stay charged to it.
	echo $h > $CG/cgroup.procs
	race_arm writeback_erase || { race_cleanup; return 1; }
	wb0=$(stat_of written_back_pages)
	echo 4 > $P/writeback &
	wb=$!
	race_wait_hits writeback_erase 1 || { race_cleanup; return 1; }
	rmdir $CG/zrs-parent/zrs-gone && gone=yes || gone=no
	rlog "race_memcg_gone: cgroup removed ($gone) in the window; open"
	race_open writeback_erase
	gone_within $wb $RACE_BOUND && back=yes || back=no
	wbn=$(( $(stat_of written_back_pages) - wb0 ))
	mid=$(cat $CG/zrs-parent/memory.zswap.current)
	touch /tmp/zrs-go
	wait $h; rc=$?
	cat /tmp/g.out
	# The freed slots wait in the per-CPU slot caches: flush them.
	swapoff /dev/vda && swapon /dev/vda
	end=$(cat $CG/zrs-parent/memory.zswap.current)
	race_cleanup
	rmdir $CG/zrs-parent
	echo "  cgroup charged $zc bytes, removed while a writeback was held: $gone; written back $wbn (returned $back); parent $mid bytes after, $end bytes once the pages were freed"
	[ $rc -eq 0 ] && [ "$zc" -gt 0 ] && [ $gone = yes ] && [ $back = yes ] && [ $wbn -ge 1 ] && [ "$mid" -gt 0 ] && [ "$end" -eq 0 ]
}

# Race class: a duplicate store that fails while the old entry is being
# written back.  One page, stored, read back (it stays in the swap cache,
# the entry too); writeback of its frame is held between the index
# lookup and the swap-cache lookup (writeback_lookup).  In the window the
# page gets new content and is paged out again with the module's next
# allocation made to fail: frontswap invalidates the old entry, the store
# is refused and the page goes to the device.  The writeback must not
# write the old content anywhere: the new content must come back, no
# entry may stay behind.
test_race_dup_failstore() {
	race_setup || return $?
	echo N > $P/writeback
	# A duplicate store needs an entry that outlives its load.
	echo N > $P/exclusive_loads
	rm -f /tmp/zrs-go1
	start_ready h /tmp/d.out zrs-test dupfail || { rc=$?; race_cleanup; return $rc; }
	rf0=$(stat_of reject_alloc_fail); out0=$(grep '^pswpout ' /proc/vmstat | cut -d' ' -f2)
	race_arm writeback_lookup || { race_cleanup; return 1; }
	echo 1 > $P/writeback &
	wb=$!
	race_wait_hits writeback_lookup 1 || { cat /tmp/d.out; race_cleanup; return 1; }
	rlog "race_dup_failstore: writeback held; new content, failing store"
	touch /tmp/zrs-go1
	while ! grep -q "stored again" /tmp/d.out; do kill -0 $h 2>/dev/null || break; sleep 0.2; done
	rf=$(( $(stat_of reject_alloc_fail) - rf0 )); out=$(( $(grep '^pswpout ' /proc/vmstat | cut -d' ' -f2) - out0 ))
	rlog "race_dup_failstore: reject_alloc_fail +$rf; open"
	race_open writeback_lookup
	gone_within $wb $RACE_BOUND && back=yes || back=no
	orphans=$(stat_of orphan_entries)
	touch /tmp/zrs-go
	wait $h; rc=$?
	cat /tmp/d.out
	race_cleanup
	rm -f /tmp/zrs-go1
	echo "  duplicate store refused by injection (reject_alloc_fail +$rf, pswpout +$out) while writeback of the old entry was held; writeback returned $back; orphan_entries $orphans"
	[ $rc -eq 0 ] && [ $rf -eq 1 ] && [ $out -ge 1 ] && [ $back = yes ] && [ "$orphans" -eq 0 ]
}

# Defect: a store that the unload made undo itself after it had charged
# its cgroup still counted zswpout for that cgroup.  Two windows: a store
# from a cgroup, its entry published, before the charge (store_publish);
# rmmod, stores refused, before its scan (unload_scan).  With both held,
# the store goes on: it charges, sees the unload, takes its entry back.
# The cgroup must show 0 zswpout and 0 bytes, the page must come back
# from the device, and the unload must finish.
test_race_unload_store() {
	race_setup || return $?
	race_cgroup zrs-unload || return 1
	race_arm store_publish || { race_cleanup; return 1; }
	race_arm unload_scan || { race_cleanup; return 1; }
	: > /tmp/u.out
	sh -c "echo \$\$ > $CG/zrs-unload/cgroup.procs && exec zrs-test texthold 1 0x33" > /tmp/u.out 2>&1 &
	u=$!
	race_wait_hits store_publish 1 || { race_cleanup; return 1; }
	held=$(race_pid store_publish)
	rmmod zswap_rs &
	rm=$!
	race_wait_hits unload_scan 1 || { echo reset > $RACE; wait $rm; zrs_load; race_cleanup; return 1; }
	rlog "race_unload_store: both held; the store goes on"
	race_open store_publish
	wait_ready /tmp/u.out $u; ready=$?
	zo=$(awk '$1 == "zswpout" { print $2 }' $CG/zrs-unload/memory.stat)
	zc=$(cat $CG/zrs-unload/memory.zswap.current)
	race_open unload_scan
	gone_within $rm $RACE_BOUND; rmrc=$?
	wait $rm; rmrc2=$?
	touch /tmp/zrs-go
	wait $u; rc=$?
	cat /tmp/u.out
	echo "  store of pid $held (the workload $u) undone by the unload after its charge: cgroup zswpout $zo, zswap.current $zc; rmmod exit $rmrc2"
	lsmod | grep -q '^zswap_rs ' || zrs_load || return 1
	race_cleanup
	rmdir $CG/zrs-unload
	[ $ready -eq 0 ] && [ $rc -eq 0 ] && [ "$held" = "$u" ] && [ $rmrc -eq 0 ] && [ $rmrc2 -eq 0 ] && [ "$zo" -eq 0 ] && [ "$zc" -eq 0 ]
}
