// SPDX-License-Identifier: GPL-2.0
/*
 * zrs_integrity: data integrity tests of zswap_rs (kselftest_harness).
 * Each test maps anonymous memory, fills it with the mix of data kinds
 * (zrs_lib), pushes it to swap with MADV_PAGEOUT, reads it back, compares
 * every byte and checks the counters of /sys/kernel/debug/zswap_rs,
 * /sys/kernel/debug/frontswap and /proc/vmstat against the movement.
 *
 * Tests (tests.sh runs one per shell test with -t): integrity, thp,
 * thp_swapoff, duplicate, exit, incompressible, pageout_remote, compressors,
 * exclusive.
 * Environment:
 * ZRS_MB (integrity: MiB, default 32; thp: default 32), ZRS_SHARED=1
 * (duplicate: other processes store meanwhile, so the global counters
 * are not checked against this region; the shell checks them).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/wait.h>

#include "zrs_harness.h"

ZRS_KNOB_FIXTURE(zrs_integrity);

/* integrity: mixed data out and back; counters move by what was stored. */
TEST_F_TIMEOUT(zrs_integrity, integrity, ZRS_TIMEOUT)
{
	struct region r;
	size_t n = mb_pages(getenv("ZRS_MB"), 32);
	long long st0 = frontswap_stat("succ_stores"), ld0 = frontswap_stat("loads");
	long long sp0 = zrs_stat("stored_pages"), sf0 = zrs_stat("same_filled_pages");
	long long pswpout0 = vmstat("pswpout");
	long long st, ld, sp, used;
	long long rejects = zrs_stat("reject_compress_poor") + zrs_stat("pool_limit_hit") +
			    zrs_stat("reject_alloc_fail");

	pin_cpu(-1);
	MAP_OR_ASSERT(&r, n, 0x5eed, 1);
	region_fill(&r);
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	st = frontswap_stat("succ_stores") - st0;
	sp = zrs_stat("stored_pages") - sp0;
	note("paged out %zu pages: %lld frontswap stores, stored_pages +%lld, same_filled +%lld, resident %zu, pswpout +%lld",
	     n, st, sp, zrs_stat("same_filled_pages") - sf0, resident(&r), vmstat("pswpout") - pswpout0);
	rejects = zrs_stat("reject_compress_poor") + zrs_stat("pool_limit_hit") +
		  zrs_stat("reject_alloc_fail") - rejects;
	EXPECT_GE(st + rejects, (long long)(n * 95 / 100))
		TH_LOG("only %lld stored + %lld rejected of %zu pages", st, rejects, n);
	EXPECT_GE(st, (long long)(n * 6 / 10)) TH_LOG("only %lld of %zu pages stored", st, n);
	EXPECT_EQ(sp, st) TH_LOG("stored_pages moved by %lld, frontswap stored %lld", sp, st);
	EXPECT_LT(0LL, zrs_stat("same_filled_pages") - sf0) TH_LOG("no same-filled page counted");
	EXPECT_LT(0LL, zrs_stat("pool_pages")) TH_LOG("pool is empty after storing");
	EXPECT_EQ((size_t)0, region_verify(&r, "read back", false));
	ld = frontswap_stat("loads") - ld0;
	note("read back: %lld frontswap loads", ld);
	EXPECT_GE(ld, st) TH_LOG("frontswap loads %lld < stores %lld", ld, st);
	munmap(r.mem, n * PAGE);
	sp = zrs_stat("stored_pages");
	used = swap_used();
	note("after munmap: stored_pages %lld, swap slots in use %lld", sp, used);
	EXPECT_LE(sp, used) TH_LOG("stored_pages %lld > swap slots in use %lld: leak", sp, used);
}

enum thp_mode {
	THP_TEXT,	/* compressible pages only: nothing may reach the device */
	THP_MIX,	/* the standard mix, random pages included */
	THP_OFF,	/* store_thp=N: every whole THP goes to the device */
};
static const char *const thp_mode_names[] = { "text", "mix", "store_thp=N" };

/*
 * One round of thp: fill fresh THPs (2 MiB-aligned, MADV_HUGEPAGE), page
 * them out whole, read back, compare every byte.
 */
static void thp_round(struct __test_metadata *_metadata, int round, size_t n, uint64_t seed,
		      enum thp_mode mode)
{
	struct region r;
	size_t i, bad;
	char what[64];
	long long ahp0 = meminfo("AnonHugePages"), ahp;
	long long swp0, fb0, pso0, psi0, rej0, sth0, sp0, st0;
	long long swp, fb, pso, psi, rej, sth, sp, st;

	MAP_HUGE_OR_ASSERT(&r, n, seed, 1);
	if (mode == THP_TEXT)
		for (i = 0; i < n; i++)
			fill_text(r.mem + i * PAGE, i, seed);
	else
		region_fill(&r);
	ahp = meminfo("AnonHugePages") - ahp0;
	ASSERT_TRUE(ahp0 >= 0 && ahp > 0)
		TH_LOG("round %d: no transparent huge page obtained (AnonHugePages %lld kB before, +%lld kB after filling): the test would prove nothing",
		       round, ahp0, ahp);
	ASSERT_EQ(0, knob_set("store_thp", mode == THP_OFF ? "N" : "Y"));
	swp0 = vmstat("thp_swpout");
	fb0 = vmstat("thp_swpout_fallback");
	pso0 = vmstat("pswpout");
	psi0 = vmstat("pswpin");
	rej0 = zrs_stat("reject_thp");
	sth0 = zrs_stat("stored_thp");
	sp0 = zrs_stat("stored_pages");
	st0 = frontswap_stat("succ_stores");
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	swp = vmstat("thp_swpout") - swp0;
	fb = vmstat("thp_swpout_fallback") - fb0;
	pso = vmstat("pswpout") - pso0;
	rej = zrs_stat("reject_thp") - rej0;
	sth = zrs_stat("stored_thp") - sth0;
	sp = zrs_stat("stored_pages") - sp0;
	st = frontswap_stat("succ_stores") - st0;
	note("thp round %d (%s): %lld MiB in THPs; stored_thp +%lld, reject_thp +%lld, thp_swpout +%lld, thp_swpout_fallback +%lld; pswpout +%lld, stored_pages +%lld, frontswap succ_stores +%lld; resident %zu of %zu pages",
	     round, thp_mode_names[mode], ahp / 1024, sth, rej, swp, fb, pso, sp, st, resident(&r), n);
	ASSERT_TRUE(sth0 >= 0 && rej0 >= 0)
		TH_LOG("debugfs counters stored_thp/reject_thp missing");
	if (mode == THP_OFF) {
		/* The premise: whole THPs reached swap_writepage(). */
		EXPECT_LE(1LL, swp)
			TH_LOG("thp_swpout did not move (thp_swpout_fallback +%lld): no 2 MiB folio was written to the swap device whole, the test proves nothing; is /dev/vda non-rotational (/sys/block/vda/queue/rotational 0 before swapon)?",
			       fb);
		EXPECT_GE(rej, swp)
			TH_LOG("reject_thp moved by %lld < thp_swpout %lld: a whole THP reached the swap device without a rejection by zswap_rs",
			       rej, swp);
		EXPECT_EQ(0LL, sth) TH_LOG("stored_thp moved with store_thp=N");
	} else {
		/*
		 * The premise: whole THPs were handed to frontswap (a stored
		 * one never reaches thp_swpout) and zswap_rs took them.
		 */
		EXPECT_LE(1LL, sth)
			TH_LOG("stored_thp did not move (thp_swpout +%lld, thp_swpout_fallback +%lld, reject_thp +%lld): no 2 MiB folio was stored whole, the test proves nothing; is /dev/vda non-rotational?",
			       swp, fb, rej);
		EXPECT_EQ(0LL, rej) TH_LOG("a huge page was refused although the pool is far from its limit");
		EXPECT_EQ(0LL, swp) TH_LOG("whole THPs went to the swap device");
		EXPECT_GE(sp, sth * (long long)(HPAGE / PAGE))
			TH_LOG("stored_pages +%lld < 512 per stored THP (%lld)", sp, sth);
		EXPECT_GE(st, sth * (long long)(HPAGE / PAGE))
			TH_LOG("frontswap succ_stores +%lld < 512 per stored THP: not every subpage slot is marked", st);
		if (mode == THP_TEXT)
			EXPECT_EQ(0LL, pso) TH_LOG("compressible data: %lld pages written to the swap device", pso);
	}
	snprintf(what, sizeof(what), "thp round %d read back", round);
	if (mode == THP_TEXT) {
		long long exl0 = zrs_stat("exclusive_loads"), sp1 = zrs_stat("stored_pages"), exl;

		bad = text_verify(r.mem, n, seed, (size_t)-1);
		exl = zrs_stat("exclusive_loads") - exl0;
		note("%s: %zu pages, %zu differ; exclusive_loads +%lld, stored_pages %lld -> %lld",
		     what, n, bad, exl, sp1, zrs_stat("stored_pages"));
		EXPECT_EQ((size_t)0, bad);
		/* exclusive_loads=Y (the fixture's default): each subpage
		 * swapped in through the swap cache leaves the pool. */
		EXPECT_LE(sth * (long long)(HPAGE / PAGE), exl)
			TH_LOG("%lld THPs stored whole, but only %lld exclusive loads", sth, exl);
		EXPECT_GE(sp1 - sth * (long long)(HPAGE / PAGE) + 64, zrs_stat("stored_pages"))
			TH_LOG("the subpages read back stayed stored");
	} else {
		EXPECT_EQ((size_t)0, region_verify(&r, what, false));
	}
	psi = vmstat("pswpin") - psi0;
	note("thp round %d: pswpin +%lld while reading back", round, psi);
	if (mode == THP_TEXT)
		EXPECT_EQ(0LL, psi) TH_LOG("compressible data: %lld pages read from the swap device", psi);
	munmap(r.mem, r.pages * PAGE);
}

/*
 * thp: whole 2 MiB transparent huge pages swapped out (THP_SWAP; the
 * kernel does that only to a non-rotational swap device, which tests.sh
 * arranges).  swap_writepage() hands frontswap the head page of the 2 MiB
 * folio; with patch 9 frontswap marks all 512 slots when the backend
 * stores it, and zswap_rs stores every subpage (store_thp=Y, default).
 * Compressible data then never touches the device, out or in; the mix
 * (random pages kept uncompressed) is stored whole too; with store_thp=N
 * each whole THP is refused and goes to the device (reject_thp), as in
 * zswap.  Every byte is compared in every round (fresh THPs, new seed).
 */
TEST_F_TIMEOUT(zrs_integrity, thp, ZRS_TIMEOUT)
{
	const char *env = getenv("ZRS_MB");
	size_t mb = env ? strtoul(env, NULL, 0) : 32;
	size_t n = (mb + 1) / 2 * (HPAGE / PAGE);

	pin_cpu(-1);
	ASSERT_LT((size_t)0, n) TH_LOG("ZRS_MB must be at least 1");
	thp_round(_metadata, 1, n, 0x7498, THP_TEXT);
	thp_round(_metadata, 2, n, 0x7499, THP_MIX);
	thp_round(_metadata, 3, n, 0x749a, THP_OFF);
}

/*
 * thp_swapoff: huge pages stored whole (THP swap arranged by tests.sh),
 * then swapoff of the device under them: 6.1 reads every slot back as a
 * single page (from zswap_rs), the area's entries are invalidated, the
 * pool empties; swapon again, and every byte is compared.
 */
TEST_F_TIMEOUT(zrs_integrity, thp_swapoff, ZRS_TIMEOUT)
{
	size_t n = 16 * (HPAGE / PAGE);
	char dev[256];
	struct region r;
	long long sth0 = zrs_stat("stored_thp"), sth, sp, exl0, exl;
	int err;

	ASSERT_TRUE(first_swap(dev, sizeof(dev))) TH_LOG("no active swap device");
	MAP_HUGE_OR_ASSERT(&r, n, 0x7450, 2);
	region_fill(&r);
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	sth = zrs_stat("stored_thp") - sth0;
	sp = zrs_stat("stored_pages");
	/* The premise: huge pages are in the pool when swapoff starts. */
	ASSERT_LE(1LL, sth) TH_LOG("no huge page stored whole (stored_thp +%lld)", sth);
	exl0 = zrs_stat("exclusive_loads");
	err = swapoff(dev) ? -errno : 0;
	exl = zrs_stat("exclusive_loads") - exl0;
	note("thp_swapoff: stored_thp +%lld, stored_pages %lld; swapoff %s: %s; stored_pages after %lld, pool_pages %lld; exclusive_loads +%lld",
	     sth, sp, dev, err ? strerror(-err) : "ok", zrs_stat("stored_pages"),
	     zrs_stat("pool_pages"), exl);
	EXPECT_EQ(0, err);
	/* Swapoff reads every page into the swap cache: with exclusive
	 * loads (the default) each stored subpage leaves the pool there,
	 * before the area's invalidate. */
	EXPECT_LE(sth * (long long)(HPAGE / PAGE), exl)
		TH_LOG("swapoff loaded %lld pages exclusively, %lld THPs were stored", exl, sth);
	EXPECT_EQ(0LL, zrs_stat("stored_pages"));
	EXPECT_EQ(0LL, zrs_stat("pool_pages"));
	err = swapon(dev, 0) ? -errno : 0;
	EXPECT_EQ(0, err) TH_LOG("swapon %s: %s", dev, strerror(-err));
	EXPECT_EQ((size_t)0, region_verify(&r, "after swapoff", false));
	munmap(r.mem, r.pages * PAGE);
}

/* This process's pages in swap (VmSwap), or -1. */
static long long vm_swap_pages(void)
{
	long long kb = proc_field("/proc/self/status", "VmSwap", ':');

	return kb < 0 ? -1 : kb / 4;
}

/*
 * duplicate: page out, read back (each page stays in the swap cache with
 * its slot, its entry in the module too), write new content into every
 * page (6.1 reuses an exclusive anonymous page in place: it keeps its
 * slot), page out again: the new content must win and the count must not
 * grow.  The premise, checked: both pageouts stored pages in the module
 * (at least a quarter of the region each: three kinds in four of the
 * mix compress).  Alone, it is also checked that the second pageout
 * stored over the slots that held entries: frontswap drops the old entry
 * of a duplicate store through the backend's invalidate_page without
 * counting it in its "invalidates", so during the second pageout
 *   succ_stores - invalidates - stored_pages - written_back_pages
 * (their deltas) is the number of entries dropped by duplicate stores;
 * it must reach 3/4 of the pages the first pageout stored.  Lower bounds
 * on global counters: they hold with other processes storing too.
 */
TEST_F_TIMEOUT(zrs_integrity, duplicate, ZRS_TIMEOUT)
{
	struct region r;
	size_t n = 4096, i;
	long long sp0 = zrs_stat("stored_pages"), inv0 = frontswap_stat("invalidates");
	long long sp1, grew, sp, used, st0, st1, st2, swapped;
	long long st1b, inv1, inv2, wb1, wb2, spa1, spa2, dups;
	const char *shared = getenv("ZRS_SHARED");
	/* Shared: other processes store meanwhile; the global counters
	 * cannot be checked against this region (the caller checks them). */
	int alone = !(shared && !strcmp(shared, "1"));

	pin_cpu(-1);
	/* Duplicate stores need entries that outlive their load (the fixture
	 * puts the knob back). */
	ASSERT_EQ(0, knob_set("exclusive_loads", "N"));
	MAP_OR_ASSERT(&r, n, 0xd00d, 2);
	region_fill(&r);
	st0 = frontswap_stat("succ_stores");
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	/* This region's own premise, which holds with peers too: swapped
	 * out (its rejected pages, written to the device, may stay in the
	 * swap cache a while, so residency would not say it). */
	swapped = vm_swap_pages();
	EXPECT_LE((long long)n * 3 / 4, swapped)
		TH_LOG("premise: %lld of %zu pages swapped out by the first pageout", swapped, n);
	st1 = frontswap_stat("succ_stores");
	sp1 = zrs_stat("stored_pages") - sp0;
	/* Read everything back (swap cache keeps the slot), change every page: odd ones first. */
	EXPECT_EQ((size_t)0, region_verify(&r, "first read", false));
	r.seed = 0xd00e;
	for (i = 1; i < n; i += 2)
		fill_page(r.mem + i * PAGE, i, r.seed, r.mix);
	for (i = 0; i < n; i += 2)
		fill_page(r.mem + i * PAGE, i, r.seed, r.mix);
	inv1 = frontswap_stat("invalidates");
	wb1 = zrs_stat("written_back_pages");
	spa1 = zrs_stat("stored_pages");
	st1b = frontswap_stat("succ_stores");
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	st2 = frontswap_stat("succ_stores");
	spa2 = zrs_stat("stored_pages");
	wb2 = zrs_stat("written_back_pages");
	inv2 = frontswap_stat("invalidates");
	swapped = vm_swap_pages();
	EXPECT_LE((long long)n * 3 / 4, swapped)
		TH_LOG("premise: %lld of %zu pages swapped out by the second pageout", swapped, n);
	grew = zrs_stat("stored_pages") - sp0;
	dups = (st2 - st1b) - (inv2 - inv1) - (spa2 - spa1) - (wb2 - wb1);
	note("stored after first pageout +%lld, after second +%lld, invalidates +%lld, duplicate_entry %lld, module stores +%lld then +%lld; second pageout: entries dropped by duplicate stores %lld (succ_stores +%lld, invalidates +%lld, stored_pages %+lld, written_back_pages +%lld)",
	     sp1, grew, frontswap_stat("invalidates") - inv0, zrs_stat("duplicate_entry"),
	     st1 - st0, st2 - st1, dups, st2 - st1b, inv2 - inv1, spa2 - spa1, wb2 - wb1);
	EXPECT_LE((long long)n / 4, st1 - st0) TH_LOG("premise: the first pageout stored %lld pages", st1 - st0);
	EXPECT_LE((long long)n / 4, st2 - st1) TH_LOG("premise: the second pageout stored %lld pages", st2 - st1);
	if (alone) {
		EXPECT_LE(grew, (long long)n) TH_LOG("stored_pages grew beyond the region: %lld", grew);
		EXPECT_LE((st1 - st0) * 3 / 4, dups)
			TH_LOG("the second pageout stored over %lld slots that held entries, of %lld stored by the first: the same offsets were not stored twice",
			       dups, st1 - st0);
	}
	EXPECT_EQ((size_t)0, region_verify(&r, "second read", false));
	munmap(r.mem, n * PAGE);
	if (alone) {
		sp = zrs_stat("stored_pages");
		used = swap_used();
		EXPECT_LE(sp, used) TH_LOG("stored_pages %lld > swap slots in use %lld: leak", sp, used);
	}
}

/*
 * exit: a child fills compressible memory, pages it out and exits.
 * Afterwards every page zswap_rs still holds must be one whose swap slot
 * the kernel has not freed yet (per-CPU slot caches, at most 64 per CPU),
 * as nothing went to disk.  Run it right after swapon (tests.sh does), so
 * no earlier test left slots behind.
 */
TEST_F_TIMEOUT(zrs_integrity, exit, ZRS_TIMEOUT)
{
	long long used, sp, pool, pswpout0 = vmstat("pswpout");
	pid_t pid;
	int status = 0;

	pin_cpu(-1);
	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		/* The child: no ASSERT (it would run the parent's teardown). */
		struct region r;
		size_t i;

		if (region_map(&r, 8192, 0xe417, 3))
			_exit(1);
		for (i = 0; i < r.pages; i++) {
			memset(r.mem + i * PAGE, 'a' + i % 26, PAGE);
			memcpy(r.mem + i * PAGE + 100, &i, sizeof(i));
		}
		if (pageout(r.mem, 8192 * PAGE))
			_exit(2);
		printf("  child: stored_pages %lld, pool_pages %lld\n", zrs_stat("stored_pages"),
		       zrs_stat("pool_pages"));
		fflush(stdout);
		_exit(zrs_stat("stored_pages") >= 8000 ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child failed (status %#x)", status);
	used = swap_used();
	sp = zrs_stat("stored_pages");
	note("after exit: stored_pages %lld, swap slots in use %lld, pool_pages %lld, pswpout +%lld",
	     sp, used, zrs_stat("pool_pages"), vmstat("pswpout") - pswpout0);
	EXPECT_EQ(pswpout0, vmstat("pswpout")) TH_LOG("pages went to disk; the exact check needs none");
	/*
	 * Every stored page holds a swap slot.  Not equality: on SMP the
	 * per-CPU swap slot caches also hold slots allocated ahead for the
	 * next swap-outs, which count as used without holding data.
	 */
	EXPECT_LE(sp, used) TH_LOG("stored_pages %lld > swap slots in use %lld", sp, used);
	EXPECT_LE(sp, 64 * sysconf(_SC_NPROCESSORS_ONLN)) TH_LOG("%lld pages still stored after exit", sp);
	pool = zrs_stat("pool_pages");
	EXPECT_TRUE(sp > 0 || pool == 0) TH_LOG("pool_pages %lld with nothing stored", pool);
}

/* Fills @n pages with random words from seed @s. */
static void fill_random(unsigned char *mem, size_t n, uint64_t s)
{
	size_t i;

	for (i = 0; i < n * PAGE / 8; i++)
		((uint64_t *)mem)[i] = rng(&s);
}

/* The first word of @n random pages (seed @s) that differs; -1 if none. */
static long long random_differs(unsigned char *mem, size_t n, uint64_t s)
{
	size_t i;

	for (i = 0; i < n * PAGE / 8; i++)
		if (((uint64_t *)mem)[i] != rng(&s))
			return (long long)i;
	return -1;
}

/*
 * incompressible: random pages are rejected (store_incompressible=N) or
 * stored as-is (Y); either way they come back intact.
 */
TEST_F_TIMEOUT(zrs_integrity, incompressible, ZRS_TIMEOUT)
{
	/* The two arms: the knob, the counter that must take the pages. */
	static const struct {
		const char *knob, *counter, *what;
		uint64_t seed;
	} arms[] = {
		{ "N", "reject_compress_poor", "rejected", 42 },
		{ "Y", "incompressible_pages", "stored as-is", 43 },
	};
	struct region r;
	size_t n = 1024, a;
	long long c0, inc0 = 0, sp0, d, inc, used;

	MAP_OR_ASSERT(&r, n, 1, 0);
	for (a = 0; a < sizeof(arms) / sizeof(arms[0]); a++) {
		/* Dirty (again) so that this pageout stores them. */
		fill_random(r.mem, n, arms[a].seed);
		ASSERT_EQ(0, knob_set("store_incompressible", arms[a].knob));
		c0 = zrs_stat(arms[a].counter);
		if (!strcmp(arms[a].counter, "incompressible_pages"))
			inc0 = c0;
		sp0 = zrs_stat("stored_pages");
		PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
		d = zrs_stat(arms[a].counter) - c0;
		note("store_incompressible=%s: %s +%lld, stored +%lld, frames_whole_page %lld",
		     arms[a].knob, arms[a].counter, d, zrs_stat("stored_pages") - sp0,
		     zrs_stat("frames_whole_page"));
		EXPECT_GE(d, (long long)n * 9 / 10) TH_LOG("random pages were not %s", arms[a].what);
		EXPECT_EQ(-1LL, random_differs(r.mem, n, arms[a].seed))
			TH_LOG("random data corrupted (store_incompressible=%s)", arms[a].knob);
	}
	munmap(r.mem, n * PAGE);
	ASSERT_EQ(0, knob_set("store_incompressible", "N"));
	/* Freed slots may wait in the swap slot caches (see swap_used()). */
	inc = zrs_stat("incompressible_pages") - inc0;
	used = swap_used();
	EXPECT_LE(inc, used) TH_LOG("incompressible_pages +%lld after munmap > slots in use %lld", inc, used);
}

/*
 * pageout_remote: pages faulted in on one CPU and paged out from another
 * all leave.  6.1's MADV_PAGEOUT drains only the local CPU's LRU-add
 * batch, so a plain madvise from the second CPU passes over the last
 * pages the first one faulted in (pageout_here: noted, not asserted; it
 * is kernel behaviour).  pageout() runs on each CPU and must leave none
 * resident: a test that assumes "all paged out" (sigbus) failed on a
 * host where the scheduler moved it between fill and pageout.
 */
TEST_F_TIMEOUT(zrs_integrity, pageout_remote, ZRS_TIMEOUT)
{
	size_t n = 64, i, left;
	long long st0 = frontswap_stat("succ_stores"), st;
	struct region r;
	cpu_set_t set;
	int a = -1, b = -1, cpu;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (cpu = 0; cpu < CPU_SETSIZE && b < 0; cpu++)
		if (CPU_ISSET(cpu, &set))
			*(a < 0 ? &a : &b) = cpu;
	if (b < 0)
		SKIP(return, "pageout_remote: needs two CPUs");
	MAP_OR_ASSERT(&r, n, 0x4e30, 0);
	ASSERT_EQ(0, pin_cpu(b));
	for (i = 0; i < n; i++)
		fill_text(r.mem + i * PAGE, i, 0x4e30);
	ASSERT_EQ(0, pin_cpu(a));
	ASSERT_EQ(0, pageout_here(r.mem, n * PAGE));
	left = resident(&r);
	note("pageout_remote: filled on CPU %d, one MADV_PAGEOUT on CPU %d: %zu of %zu pages left resident",
	     b, a, left, n);
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	st = frontswap_stat("succ_stores") - st0;
	note("pageout_remote: after pageout(): resident %zu, frontswap stores +%lld", resident(&r), st);
	EXPECT_EQ((size_t)0, resident(&r)) TH_LOG("pageout() left pages resident");
	EXPECT_LE((long long)n, st) TH_LOG("only %lld of %zu compressible pages stored", st, n);
	EXPECT_EQ((size_t)0, text_verify(r.mem, n, 0x4e30, (size_t)-1));
	munmap(r.mem, n * PAGE);
}

/* compressors: switch lzo -> lz4 -> zstd -> deflate -> lzo with data of each stored. */
TEST_F_TIMEOUT(zrs_integrity, compressors, ZRS_TIMEOUT)
{
	static const char *const algs[] = { "lzo", "lz4", "zstd", "deflate", "lzo-rle", "lzo" };
	const size_t nalgs = sizeof(algs) / sizeof(algs[0]);
	struct region r[sizeof(algs) / sizeof(algs[0])];
	char cur[64];
	size_t i, n = 2048;

	pin_cpu(-1);
	for (i = 0; i < nalgs; i++) {
		int err = knob_set("compressor", algs[i]);
		long long sp0, stored;

		EXPECT_EQ(0, err) TH_LOG("compressor=%s refused: %s", algs[i], strerror(-err));
		ASSERT_EQ(0, knob_get("compressor", cur, sizeof(cur)));
		EXPECT_STREQ(algs[i], cur) TH_LOG("compressor reads '%s' after writing '%s'", cur, algs[i]);
		MAP_OR_ASSERT(&r[i], n, 0xc0 + i, 6);
		region_fill(&r[i]);
		sp0 = zrs_stat("stored_pages");
		PAGEOUT_OR_ASSERT(r[i].mem, n * PAGE);
		stored = zrs_stat("stored_pages") - sp0;
		/* The premise: pages of this compressor are in the pool. */
		EXPECT_GE(stored, (long long)n / 4)
			TH_LOG("%s: only %lld of %zu pages stored", algs[i], stored, n);
		note("%s: stored_pages %lld, pool_pages %lld", algs[i], zrs_stat("stored_pages"),
		     zrs_stat("pool_pages"));
	}
	for (i = 0; i < nalgs; i++) {
		char what[64];

		snprintf(what, sizeof(what), "data compressed with %s", algs[i]);
		EXPECT_EQ((size_t)0, region_verify(&r[i], what, false));
		munmap(r[i].mem, n * PAGE);
	}
}

/*
 * exclusive: loads into the swap cache drop the module's copy
 * (exclusive_loads=Y, patch 0010).  Text pages (all compress) are paged
 * out and read back: every page stored is loaded once, exclusive_loads
 * moves by as much and stored_pages goes back down; the pages are dirty,
 * so a second pageout of the unchanged pages stores them again.  Entries
 * shared after a fork (swap count 2) keep their copy, and so does every
 * load with exclusive_loads=N.  Every byte is compared each time.
 */
static void text_fill(unsigned char *mem, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		fill_text(mem + i * PAGE, i, seed);
}

TEST_F_TIMEOUT(zrs_integrity, exclusive, ZRS_TIMEOUT)
{
	size_t n = 2048;
	uint64_t seed = 0xe8c1;
	unsigned char *mem;
	long long st0, sp0, ex0, st, sp, ex, cb0;
	int go[2], status;
	pid_t child;
	char c = 'g';

	pin_cpu(-1);
	ASSERT_EQ(0, knob_set("exclusive_loads", "Y"));
	mem = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	text_fill(mem, n, seed);

	/* 1. Out and back: every stored page leaves the pool as it is loaded. */
	st0 = frontswap_stat("succ_stores"), sp0 = zrs_stat("stored_pages");
	ex0 = zrs_stat("exclusive_loads");
	PAGEOUT_OR_ASSERT(mem, n * PAGE);
	st = frontswap_stat("succ_stores") - st0;
	cb0 = zrs_stat("compressed_bytes");
	EXPECT_LE((long long)n * 9 / 10, st) TH_LOG("premise: only %lld of %zu pages stored", st, n);
	EXPECT_EQ((size_t)0, text_verify(mem, n, seed, (size_t)-1));
	ex = zrs_stat("exclusive_loads") - ex0;
	sp = zrs_stat("stored_pages") - sp0;
	note("exclusive_loads=Y: stored %lld, read back: exclusive_loads +%lld, stored_pages %+lld, compressed_bytes %lld -> %lld",
	     st, ex, sp, cb0, zrs_stat("compressed_bytes"));
	EXPECT_LE(st, ex) TH_LOG("%lld stored pages read back, %lld loads were exclusive", st, ex);
	EXPECT_GE((long long)n / 100, sp) TH_LOG("stored_pages still %+lld after reading every page", sp);

	/* 2. The pages are dirty now: paged out unchanged, they are stored again. */
	st0 = frontswap_stat("succ_stores");
	PAGEOUT_OR_ASSERT(mem, n * PAGE);
	st = frontswap_stat("succ_stores") - st0;
	note("second pageout of the unchanged pages: stored %lld", st);
	EXPECT_LE((long long)n * 9 / 10, st) TH_LOG("only %lld of %zu dirty pages stored again", st, n);

	/* 3. Shared after fork (swap count 2): loads keep the copy. */
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(text_verify(mem, n, seed, (size_t)-1) ? 1 : 0);
	}
	close(go[0]);
	ex0 = zrs_stat("exclusive_loads"), sp0 = zrs_stat("stored_pages");
	EXPECT_EQ((size_t)0, text_verify(mem, n, seed, (size_t)-1));
	ex = zrs_stat("exclusive_loads") - ex0;
	sp = zrs_stat("stored_pages") - sp0;
	note("shared with a child: read back, exclusive_loads +%lld, stored_pages %+lld", ex, sp);
	EXPECT_EQ(0LL, ex) TH_LOG("%lld loads of shared entries dropped the copy", ex);
	EXPECT_LE(-(long long)n / 100, sp) TH_LOG("stored_pages fell by %lld reading shared entries", -sp);
	EXPECT_EQ(1, (int)write(go[1], &c, 1));
	close(go[1]);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the child read %s", WIFEXITED(status) && WEXITSTATUS(status) == 1 ? "corrupted pages" : "nothing (failed)");

	/* 4. exclusive_loads=N: every load keeps its copy (6.1 semantics). */
	ASSERT_EQ(0, knob_set("exclusive_loads", "N"));
	seed = 0xe8c2;
	text_fill(mem, n, seed);
	PAGEOUT_OR_ASSERT(mem, n * PAGE);
	ex0 = zrs_stat("exclusive_loads"), sp0 = zrs_stat("stored_pages");
	EXPECT_EQ((size_t)0, text_verify(mem, n, seed, (size_t)-1));
	ex = zrs_stat("exclusive_loads") - ex0;
	sp = zrs_stat("stored_pages") - sp0;
	note("exclusive_loads=N: read back, exclusive_loads +%lld, stored_pages %+lld", ex, sp);
	EXPECT_EQ(0LL, ex);
	EXPECT_LE(-(long long)n / 100, sp) TH_LOG("stored_pages fell by %lld with exclusive_loads=N", -sp);
	munmap(mem, n * PAGE);
}

ZRS_HARNESS_MAIN
