// SPDX-License-Identifier: GPL-2.0
/*
 * zrs_faults: zswap_rs under fault injection (kselftest_harness; the
 * debug kernel).  Tests: failstore, thp_failhalf, sigbus.  Without the module's fault
 * attributes (/sys/kernel/debug/zswap_rs/fail_alloc, fail_load: a kernel
 * without CONFIG_FAULT_INJECTION_DEBUG_FS, or a module built without
 * them) a test is skipped, not failed.  The teardown disarms the
 * injection and puts the knobs back, also when a test ends early.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "zrs_harness.h"

#define FAIL_ALLOC ZRS_DEBUGFS "/fail_alloc"
#define FAIL_LOAD ZRS_DEBUGFS "/fail_load"

FIXTURE(zrs_faults) {
	struct zrs_knobs knobs;
};

FIXTURE_SETUP(zrs_faults)
{
	ASSERT_LT(0, zrs_knobs_save(&self->knobs, "zswap_rs"))
		TH_LOG("no knobs in " ZRS_PARAMS ": module not loaded?");
}

FIXTURE_TEARDOWN(zrs_faults)
{
	/* This process's fault injection off; then the knobs. */
	write_str("/proc/self/make-it-fail", "0");
	if (!access(FAIL_ALLOC, F_OK))
		EXPECT_EQ(0, fault_attr_set(FAIL_ALLOC, "probability", "0"));
	if (!access(FAIL_LOAD, F_OK))
		EXPECT_EQ(0, fault_attr_set(FAIL_LOAD, "probability", "0"));
	zrs_knobs_restore(_metadata, &self->knobs);
}

/* Sets a fault attribute; a failure fails the test (not fatal). */
#define FATTR(dir, attr, val) do {						\
	int __err = fault_attr_set((dir), (attr), (val));			\
	EXPECT_EQ(0, __err) TH_LOG("cannot set %s/%s: %s", (dir), (attr),	\
				   strerror(-__err));				\
} while (0)

/*
 * failstore: fault injection (fail_alloc, filtered to this task) fails the
 * pool allocation of 20% (ZRS_PERCENT) of the stores this task's
 * MADV_PAGEOUT makes: each is rejected (reject_alloc_fail), its page goes
 * to the swap device, and every byte comes back.  kmemleak, scanned at the
 * end of the debug run, checks that nothing leaks.
 */
TEST_F_TIMEOUT(zrs_faults, failstore, ZRS_TIMEOUT)
{
	const char *pct = getenv("ZRS_PERCENT") ? getenv("ZRS_PERCENT") : "20";
	long long rej0 = zrs_stat("reject_alloc_fail"), st0 = frontswap_stat("succ_stores");
	long long fs0 = frontswap_stat("failed_stores"), rej, st, fs;
	struct region r;
	size_t n = 8192;
	int err;

	if (access(FAIL_ALLOC, F_OK))
		SKIP(return, "failstore: %s missing: needs the debug kernel (fault injection)", FAIL_ALLOC);
	MAP_OR_ASSERT(&r, n, 0xfa11, 3);
	region_fill(&r);
	FATTR(FAIL_ALLOC, "verbose", "0");
	FATTR(FAIL_ALLOC, "task-filter", "Y");
	FATTR(FAIL_ALLOC, "interval", "1");
	FATTR(FAIL_ALLOC, "times", "-1");
	FATTR(FAIL_ALLOC, "probability", pct);
	err = write_str("/proc/self/make-it-fail", "1");
	EXPECT_EQ(0, err) TH_LOG("cannot set make-it-fail: %s", strerror(-err));
	err = pageout(r.mem, n * PAGE);
	write_str("/proc/self/make-it-fail", "0");
	FATTR(FAIL_ALLOC, "probability", "0");
	ASSERT_EQ(0, err) TH_LOG("madvise(MADV_PAGEOUT): %s", strerror(-err));
	rej = zrs_stat("reject_alloc_fail") - rej0;
	st = frontswap_stat("succ_stores") - st0;
	fs = frontswap_stat("failed_stores") - fs0;
	note("failstore: fail_alloc at %s%%: %lld stores, %lld failed, reject_alloc_fail +%lld",
	     pct, st + fs, fs, rej);
	EXPECT_LT(0LL, rej) TH_LOG("no store failed by injection");
	EXPECT_GE(rej * 100, (st + fs) * atoi(pct) / 4)
		TH_LOG("only %lld of %lld stores failed at %s%%", rej, st + fs, pct);
	EXPECT_GE(fs, rej) TH_LOG("frontswap saw %lld failed stores, fewer than the %lld injected", fs, rej);
	EXPECT_EQ((size_t)0, region_verify(&r, "after injected store failures", false));
	munmap(r.mem, n * PAGE);
}

/*
 * thp_failhalf: a huge page whose store fails halfway (THP swap arranged
 * by tests.sh).  fail_alloc (filtered to this task) lets 299 allocations
 * through and fails the 300th, inside the first huge page's store
 * (compressible subpages: one allocation each): the subpages stored
 * before it are taken back, that folio goes to the swap device whole
 * (reject_thp, thp_swpout), the others are stored whole, no entry is
 * left behind, and every byte comes back.
 */
TEST_F_TIMEOUT(zrs_faults, thp_failhalf, ZRS_TIMEOUT)
{
	size_t n = 8 * (HPAGE / PAGE), i, bad;
	long long rej0 = zrs_stat("reject_alloc_fail"), thr0 = zrs_stat("reject_thp");
	long long sth0 = zrs_stat("stored_thp"), swp0 = vmstat("thp_swpout");
	long long sp0 = zrs_stat("stored_pages"), st0 = frontswap_stat("succ_stores");
	long long rej, thr, sth, swp, sp, st;
	struct region r;
	unsigned char *mem;
	int err;

	if (access(FAIL_ALLOC, F_OK))
		SKIP(return, "thp_failhalf: %s missing: needs the debug kernel (fault injection)", FAIL_ALLOC);
	MAP_HUGE_OR_ASSERT(&r, n, 0x7fa1, 0);
	mem = r.mem;
	for (i = 0; i < n; i++)
		fill_text(mem + i * PAGE, i, 0x7fa1);
	ASSERT_EQ(0, knob_set("store_thp", "Y"));
	FATTR(FAIL_ALLOC, "verbose", "0");
	FATTR(FAIL_ALLOC, "task-filter", "Y");
	FATTR(FAIL_ALLOC, "interval", "1");
	FATTR(FAIL_ALLOC, "space", "300");
	FATTR(FAIL_ALLOC, "times", "1");
	FATTR(FAIL_ALLOC, "probability", "100");
	err = write_str("/proc/self/make-it-fail", "1");
	EXPECT_EQ(0, err) TH_LOG("cannot set make-it-fail: %s", strerror(-err));
	err = pageout(mem, n * PAGE);
	write_str("/proc/self/make-it-fail", "0");
	FATTR(FAIL_ALLOC, "probability", "0");
	FATTR(FAIL_ALLOC, "space", "0");
	ASSERT_EQ(0, err) TH_LOG("madvise(MADV_PAGEOUT): %s", strerror(-err));
	rej = zrs_stat("reject_alloc_fail") - rej0;
	thr = zrs_stat("reject_thp") - thr0;
	sth = zrs_stat("stored_thp") - sth0;
	swp = vmstat("thp_swpout") - swp0;
	sp = zrs_stat("stored_pages") - sp0;
	st = frontswap_stat("succ_stores") - st0;
	note("thp_failhalf: reject_alloc_fail +%lld, reject_thp +%lld, stored_thp +%lld, thp_swpout +%lld, stored_pages +%lld, frontswap succ_stores +%lld, orphan_entries %lld",
	     rej, thr, sth, swp, sp, st, zrs_stat("orphan_entries"));
	/* The premise: the one injected failure hit a huge page's store. */
	EXPECT_EQ(1LL, rej);
	EXPECT_EQ(1LL, thr) TH_LOG("the failure did not land in a huge page's store");
	EXPECT_EQ(1LL, swp) TH_LOG("the refused huge page did not go to the device whole");
	EXPECT_LE(1LL, sth);
	/* Nothing of the refused folio stays: every stored page is marked. */
	EXPECT_EQ(st, sp) TH_LOG("stored_pages +%lld but frontswap marked %lld", sp, st);
	EXPECT_EQ(0LL, zrs_stat("orphan_entries"));
	bad = text_verify(mem, n, 0x7fa1, (size_t)-1);
	note("thp_failhalf: %zu of %zu pages differ", bad, n);
	EXPECT_EQ((size_t)0, bad);
	munmap(mem, n * PAGE);
}

/*
 * sigbus: a stored page that cannot be reproduced must fail visibly, never
 * come back as garbage.  Fault injection (fail_load, filtered to this
 * task) fails one load as a decompression failure would: touching that
 * page raises SIGBUS, decompress_fail moves by one, every other page
 * reads back intact.  The premise is checked, not assumed: the injected
 * failure must have been taken (fail_load's "times" ran down).  A page
 * that came back without a load by this task (brought in by another
 * task first) is verified like the others, and the next one is tried,
 * up to four.
 */
TEST_F_TIMEOUT(zrs_faults, sigbus, ZRS_TIMEOUT)
{
	struct region r;
	size_t n = 64, i, bad = 0, victim = n, tries;
	long long df0 = zrs_stat("decompress_fail"), df, sp0;
	int got_bus = 0, fired = 0, err;
	unsigned char want[PAGE];

	if (access(FAIL_LOAD, F_OK))
		SKIP(return, "sigbus: %s missing: needs the debug kernel (fault injection)", FAIL_LOAD);
	MAP_OR_ASSERT(&r, n, 0xb05, 0);
	for (i = 0; i < n; i++) {
		memset(r.mem + i * PAGE, 'a' + i % 26, PAGE);
		memcpy(r.mem + i * PAGE + 64, &i, sizeof(i));
	}
	sp0 = zrs_stat("stored_pages");
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	/* MADV_PAGEOUT may skip a page it finds busy: ask again (as hold does). */
	for (i = 0; i < 3 && resident(&r); i++) {
		usleep(200000);
		PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	}
	/* The premise: the pages are in zswap_rs, not resident or on disk. */
	note("sigbus: %zu pages paged out: stored_pages +%lld, resident %zu", n,
	     zrs_stat("stored_pages") - sp0, resident(&r));
	ASSERT_EQ((size_t)0, resident(&r)) TH_LOG("pages still resident (or in the swap cache)");
	for (tries = 0; tries < 4 && !fired; tries++) {
		i = tries * 16;
		err = failed_load_sigbus(r.mem + i * PAGE, &got_bus, &fired);
		EXPECT_EQ(0, err) TH_LOG("cannot arm fail_load: %s", strerror(-err));
		if (fired)
			victim = i;
		else
			note("sigbus: page %zu came back without a load by this task (SIGBUS %s); trying the next",
			     i, got_bus ? "yes" : "no");
	}
	/* The premise of what follows: a load of this task was made to fail. */
	ASSERT_TRUE(fired) TH_LOG("the injected load failure was never taken in %zu tries", tries);
	EXPECT_TRUE(got_bus) TH_LOG("reading the page whose load failed did not raise SIGBUS");
	df = zrs_stat("decompress_fail") - df0;
	EXPECT_EQ(1LL, df) TH_LOG("decompress_fail moved by %lld, want 1", df);
	for (i = 0; i < n; i++) {
		if (i == victim)
			continue;
		memset(want, 'a' + i % 26, PAGE);
		memcpy(want + 64, &i, sizeof(i));
		bad += memcmp(r.mem + i * PAGE, want, PAGE) != 0;
	}
	EXPECT_EQ((size_t)0, bad) TH_LOG("%zu other pages corrupted", bad);
	note("SIGBUS on the failed page (%zu, try %zu): %s; decompress_fail +%lld; %zu other pages intact",
	     victim, tries, got_bus ? "yes" : "no", zrs_stat("decompress_fail") - df0, n - 1 - bad);
	munmap(r.mem, n * PAGE);
}

ZRS_HARNESS_MAIN
