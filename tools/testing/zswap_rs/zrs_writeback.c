// SPDX-License-Identifier: GPL-2.0
/*
 * zrs_writeback: writeback at the pool limit (kselftest_harness).
 * Tests: writeback (zswap_rs), writeback_runs (zswap_rs), overfull (zswap_rs, or with
 * ZRS_BACKEND=zswap the C zswap in a zrs.mode=zswap boot: prints the
 * OVERFULL line that check.sh's overfull_vs_zbud compares).  The fixture
 * puts the backend's knobs back as they were.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>

#include "zrs_harness.h"

ZRS_KNOB_FIXTURE(zrs_writeback);

/*
 * writeback: max_pool_percent=2 and a workload about three times what that
 * pool holds: the coldest frames are written back to the swap device while
 * the pool stays at its limit, and every byte comes back.  Then
 * writeback=N: stores over the limit are rejected and nothing is written
 * back; and writeback=200: 200 frames are written back at once.  No
 * assertion depends on how fast the host is: the premise (the pool
 * reached its limit) is checked, then the test waits for the reclaim
 * worker's writeback with a hang bound only (HANG_S), and after
 * writeback=N it allows the one frame (two objects) that a worker may
 * have been writing when the knob changed.
 */
#define HANG_S 300

static const char *const reclaim_stats[] = { "reclaim_pages_1_write", "reclaim_pages_2_writes",
					     "reclaim_pages_3_writes", "reclaim_pages_4_writes" };

/* The reclaim_pages_N counters: pool pages writeback emptied with N writes. */
static void reclaim_pages(long long c[4])
{
	int i;

	for (i = 0; i < 4; i++)
		c[i] = zrs_stat(reclaim_stats[i]);
}

/* Objects a frame of the loaded layout holds at most (zpool). */
static int layout_slots(void)
{
	char v[16] = "";

	knob_get("zpool", v, sizeof(v));
	if (!strcmp(v, "zchain"))
		return 12;	/* a unit of three pages */
	return strcmp(v, "zpack") ? 2 : 4;
}

/* The writeback_run knob (swap slots per writeback window). */
static int writeback_run(void)
{
	char v[16] = "";

	knob_get("writeback_run", v, sizeof(v));
	return atoi(v) > 0 ? atoi(v) : 1;
}

/* Write requests and sectors completed on the first swap device so far
 * (/sys/block/<dev>/stat, fields 5 and 7), once none is in flight (a hang
 * bound of 300 s). */
static int disk_writes(long long *ios, long long *sectors)
{
	char dev[256], path[300];
	long long f[7], rd = 1, wr = 1;
	const char *name;
	FILE *fp;
	int n, t;

	if (!first_swap(dev, sizeof(dev)))
		return -1;
	name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	snprintf(path, sizeof(path), "/sys/block/%s/inflight", name);
	for (t = 0; t < 30000 && (rd || wr); t++) {
		fp = fopen(path, "r");
		if (!fp || fscanf(fp, "%lld %lld", &rd, &wr) != 2)
			rd = wr = 0;
		if (fp)
			fclose(fp);
		if (rd || wr)
			usleep(10000);
	}
	snprintf(path, sizeof(path), "/sys/block/%s/stat", name);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	n = fscanf(fp, "%lld %lld %lld %lld %lld %lld %lld", &f[0], &f[1], &f[2], &f[3], &f[4],
		   &f[5], &f[6]);
	fclose(fp);
	if (n != 7)
		return -1;
	*ios = f[4];
	*sectors = f[6];
	return 0;
}

/* One writeback=@frames with writeback_run=@run: pages written, neighbours
 * among them, and the device's write requests and pages meanwhile. */
struct wb_round {
	long long wb, run, ios, pages;
};

static int writeback_round(const char *run, const char *frames, struct wb_round *w)
{
	long long wb0 = zrs_stat("written_back_pages"), run0 = zrs_stat("writeback_run_pages");
	long long io0, sec0, io1, sec1;

	if (knob_set("writeback_run", run) || disk_writes(&io0, &sec0) ||
	    knob_set("writeback", frames) || disk_writes(&io1, &sec1))
		return -1;
	w->wb = zrs_stat("written_back_pages") - wb0;
	w->run = zrs_stat("writeback_run_pages") - run0;
	w->ios = io1 - io0;
	w->pages = (sec1 - sec0) / 8;
	note("writeback_run=%s, writeback=%s: written_back_pages +%lld, writeback_run_pages +%lld; device: %lld pages in %lld write requests (%.2f per request)",
	     run, frames, w->wb, w->run, w->pages, w->ios,
	     w->ios ? (double)w->pages / w->ios : 0.0);
	return 0;
}

/*
 * writeback_runs: writeback writes a victim's stored neighbours in its
 * aligned window of writeback_run swap slots, in ascending order inside
 * one plug, so they reach the device as one request.  The pool is set up
 * so that its least recently used frames name slots two apart, with the
 * slots between them stored in younger frames (as after any mix of
 * swap-ins and swap-outs): 2048 text pages A paged out (consecutive
 * slots), A's odd pages read back (exclusive loads drop them: a hole
 * beside each even one; vm.page-cluster=0 so that no readahead loads an
 * even one), 1024 pages B paged out (they fill the holes: the frames with
 * A's even pages are touched in B's order), A's odd pages paged out again
 * (to their old slots, in new frames).  writeback=32 with writeback_run=1
 * writes the victims alone: A's are two slots apart (fewer than 2.5 pages
 * per device write request; writeback_run_pages +0).  writeback=32 with
 * writeback_run=8 writes whole windows: at least 4 pages per request (8
 * when every window is whole), writeback_run_pages moves.  Every byte is
 * read back.  No timing: the device's request counters are state.
 */
TEST_F_TIMEOUT(zrs_writeback, writeback_runs, ZRS_TIMEOUT)
{
	size_t n = 2048, m = 1024, i;
	struct wb_round one, eight;
	char cluster[16] = "";
	volatile unsigned char sink = 0;
	struct region a, b;

	pin_cpu(-1);
	ASSERT_EQ(0, read_str("/proc/sys/vm/page-cluster", cluster, sizeof(cluster)));
	ASSERT_EQ(0, write_str("/proc/sys/vm/page-cluster", "0"));
	ASSERT_EQ(0, knob_set("writeback", "Y"));
	ASSERT_EQ(0, knob_set("exclusive_loads", "Y"));
	MAP_OR_ASSERT(&a, n, 0x5ea, 0);
	MAP_OR_ASSERT(&b, m, 0x5eb, 0);
	for (i = 0; i < n; i++)
		fill_text(a.mem + i * PAGE, i, a.seed);
	for (i = 0; i < m; i++)
		fill_text(b.mem + i * PAGE, i, b.seed);
	PAGEOUT_OR_ASSERT(a.mem, n * PAGE);
	for (i = 1; i < n; i += 2)
		sink += a.mem[i * PAGE];
	PAGEOUT_OR_ASSERT(b.mem, m * PAGE);
	for (i = 1; i < n; i += 2)
		PAGEOUT_OR_ASSERT(a.mem + i * PAGE, PAGE);
	ASSERT_LE((long long)(n + m) * 9 / 10, zrs_stat("stored_pages"))
		TH_LOG("premise: only %lld pages stored of %zu", zrs_stat("stored_pages"), n + m);

	EXPECT_EQ(0, writeback_round("1", "32", &one));
	EXPECT_EQ(0, writeback_round("8", "32", &eight));
	EXPECT_EQ(0, write_str("/proc/sys/vm/page-cluster", cluster));
	EXPECT_LE(32LL, one.wb);
	EXPECT_EQ(0LL, one.run) TH_LOG("neighbours written with writeback_run=1");
	EXPECT_LT(2 * one.pages, 5 * one.ios)
		TH_LOG("premise: the victims alone already merge (%lld pages in %lld requests)",
		       one.pages, one.ios);
	EXPECT_LT(0LL, eight.run) TH_LOG("no neighbour written with writeback_run=8");
	EXPECT_LE(eight.wb, 32LL * layout_slots() * 8) TH_LOG("more than a window per victim");
	EXPECT_LE(4 * eight.ios, eight.pages)
		TH_LOG("%lld pages in %lld write requests: windows not merged", eight.pages, eight.ios);
	EXPECT_EQ((size_t)0, text_verify(a.mem, n, a.seed, n)) TH_LOG("pages of A differ");
	EXPECT_EQ((size_t)0, text_verify(b.mem, m, b.seed, m)) TH_LOG("pages of B differ");
	munmap(a.mem, n * PAGE);
	munmap(b.mem, m * PAGE);
}

TEST_F_TIMEOUT(zrs_writeback, writeback, ZRS_TIMEOUT)
{
	long long limit = sysconf(_SC_PHYS_PAGES) * 2 / 100, slack = 64;
	/* Eight times the limit fills a zbud or zpack pool (zpack just: at
	 * most 2,495 pool pages of 2,513 on 2026-12-07); zchain packs this
	 * data denser and stayed under the limit (2,305 pool pages after
	 * 14,081 pages stored), so it gets twelve times. */
	size_t n = limit * (layout_slots() > 4 ? 12 : 8), i, chunk = 1024;
	long long wb0 = zrs_stat("written_back_pages"), psw0 = vmstat("pswpout");
	long long hit0, wb1, wb, pool, pool1, pool2, max_pool = 0;
	long long hit_fill = zrs_stat("pool_limit_hit");
	long long rp0[4], rp1[4], freed = 0, writes = 0;
	int slots = layout_slots() * writeback_run();
	struct region r;
	int t;

	pin_cpu(-1);
	/* The premise: the pool starts well under the limit (tests.sh swaps
	 * off first), so that what it holds and writes back is this test's. */
	ASSERT_GT(limit / 4, zrs_stat("pool_pages"))
		TH_LOG("premise: the pool already holds %lld pages, limit %lld (swapoff/swapon first)",
		       zrs_stat("pool_pages"), limit);
	EXPECT_EQ(0, knob_set("writeback", "Y")) TH_LOG("writeback=Y refused");
	EXPECT_EQ(0, knob_set("max_pool_percent", "2")) TH_LOG("max_pool_percent=2 refused");
	MAP_OR_ASSERT(&r, n, 0x3b4c, 6);
	region_fill(&r);
	for (i = 0; i < n; i += chunk) {
		size_t len = (n - i < chunk ? n - i : chunk) * PAGE;

		PAGEOUT_OR_ASSERT(r.mem + i * PAGE, len);
		pool = zrs_stat("pool_pages");
		if (pool > max_pool)
			max_pool = pool;
		usleep(20000);
	}
	/* The premise: the pool reached its limit (so the worker was queued). */
	ASSERT_LT(hit_fill, zrs_stat("pool_limit_hit"))
		TH_LOG("premise: the pool never reached its limit (%lld pages)", limit);
	for (t = 0; t < HANG_S * 10 && zrs_stat("written_back_pages") == wb0; t++)
		usleep(100000);
	wb = zrs_stat("written_back_pages") - wb0;
	note("writeback: %zu pages paged out, pool limit %lld pages: pool_pages %lld (max seen %lld), written_back_pages +%lld, pswpout +%lld, pool_limit_hit %lld, reclaim_runs %lld, writeback_fail %lld",
	     n, limit, zrs_stat("pool_pages"), max_pool, wb,
	     vmstat("pswpout") - psw0, zrs_stat("pool_limit_hit"), zrs_stat("reclaim_runs"),
	     zrs_stat("writeback_fail"));
	EXPECT_LT(0LL, wb) TH_LOG("nothing written back in %d s (a hang bound)", HANG_S);
	EXPECT_GE(vmstat("pswpout") - psw0, wb) TH_LOG("pswpout rose by less than the pages written back");
	EXPECT_LE(max_pool, limit + slack)
		TH_LOG("pool reached %lld pages, limit %lld + slack %lld", max_pool, limit, slack);
	EXPECT_EQ((size_t)0, region_verify(&r, "written back / pool", false));

	/* writeback=N: at the limit stores are rejected, nothing written back. */
	EXPECT_EQ(0, knob_set("writeback", "N")) TH_LOG("writeback=N refused");
	wb1 = zrs_stat("written_back_pages");
	hit0 = zrs_stat("pool_limit_hit");
	r.seed++;
	region_fill(&r);
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	note("writeback=N: pool_limit_hit +%lld, written_back_pages +%lld",
	     zrs_stat("pool_limit_hit") - hit0, zrs_stat("written_back_pages") - wb1);
	EXPECT_LT(hit0, zrs_stat("pool_limit_hit")) TH_LOG("pool_limit_hit did not move with writeback=N");
	/* A worker checks the knob before each frame: at most the frame it
	 * was writing when the knob changed (two objects, four with zpack,
	 * each with the neighbours of its writeback_run window) follows it. */
	EXPECT_GE(wb1 + slots, zrs_stat("written_back_pages"))
		TH_LOG("%lld pages written back with writeback=N", zrs_stat("written_back_pages") - wb1);

	/* writeback=200: that many frames now. */
	pool1 = zrs_stat("pool_pages");
	wb1 = zrs_stat("written_back_pages");
	reclaim_pages(rp0);
	EXPECT_EQ(0, knob_set("writeback", "200")) TH_LOG("writeback=200 refused");
	pool2 = zrs_stat("pool_pages");
	wb = zrs_stat("written_back_pages") - wb1;
	reclaim_pages(rp1);
	for (t = 0; t < 4; t++) {
		freed += rp1[t] - rp0[t];
		writes += (t + 1) * (rp1[t] - rp0[t]);
	}
	note("writeback=200: pool_pages %lld -> %lld, written_back_pages +%lld; pool pages emptied by 1/2/3/4 writes +%lld/+%lld/+%lld/+%lld",
	     pool1, pool2, wb, rp1[0] - rp0[0], rp1[1] - rp0[1], rp1[2] - rp0[2], rp1[3] - rp0[3]);
	/* Every page emptied is counted by the writes it cost (at most the
	 * layout's objects per frame), and those writes are pages written. */
	EXPECT_TRUE(pool1 < 200 || freed >= 150) TH_LOG("reclaim_pages_* counted %lld pages emptied", freed);
	EXPECT_LE(writes, wb) TH_LOG("reclaim_pages_* count %lld writes, written_back_pages +%lld", writes, wb);
	/* (zbud: nothing emptied with 3 or 4 writes.) */
	EXPECT_EQ(0LL, layout_slots() == 2 ? rp1[2] - rp0[2] + rp1[3] - rp0[3] : 0)
		TH_LOG("pages emptied with 3 or 4 writes with %d objects per frame", layout_slots());
	EXPECT_TRUE(pool1 < 200 || pool1 - pool2 >= 150)
		TH_LOG("writeback=200 freed only %lld pool pages", pool1 - pool2);
	EXPECT_LE(200LL, wb) TH_LOG("writeback=200 wrote back %lld pages", wb);
	EXPECT_EQ((size_t)0, region_verify(&r, "after writeback=N and =200", false));
	munmap(r.mem, n * PAGE);
}

/*
 * overfull: the same over-full workload on zswap_rs or on the C zswap
 * (ZRS_BACKEND=zswap, zrs.mode=zswap): max_pool_percent=2 and eight times
 * what that pool holds, paged out in 4 MiB steps, then read back and
 * verified.  Prints an OVERFULL line (pages written back, stores
 * rejected, wall times, pool size after each step) for the host's table.
 */
TEST_F_TIMEOUT(zrs_writeback, overfull, ZRS_TIMEOUT)
{
	const char *dir = backend_dir();
	long long limit = sysconf(_SC_PHYS_PAGES) * 2 / 100;
	size_t n = limit * 8, i, chunk = 1024, steps = 0, bad;
	long long wb0 = backend_stat(dir, "written_back_pages");
	/* Rejected stores, counted alike for both backends by frontswap (6.1
	 * zswap does not count the rejects of its accept hysteresis). */
	long long rej0 = frontswap_stat("failed_stores");
	long long psw0 = vmstat("pswpout"), pool, pool_max = 0, out_ms, in_ms;
	char path[256], series[4096] = "";
	struct timespec t0;
	struct region r;
	int err;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/max_pool_percent", zrs_module());
	err = write_str(path, "2");
	EXPECT_EQ(0, err) TH_LOG("cannot set %s: %s", path, strerror(-err));
	MAP_OR_ASSERT(&r, n, 0x0f11, 6);
	region_fill(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i += chunk) {
		size_t len = (n - i < chunk ? n - i : chunk) * PAGE;
		size_t used = strlen(series);

		PAGEOUT_OR_ASSERT(r.mem + i * PAGE, len);
		pool = backend_stat(dir, "pool_total_size") / 4096;
		if (pool > pool_max)
			pool_max = pool;
		if (used + 16 < sizeof(series))
			snprintf(series + used, sizeof(series) - used, "%s%lld", steps ? "," : "", pool);
		steps++;
	}
	out_ms = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bad = region_verify(&r, "overfull read back", false);
	in_ms = ms_since(&t0);
	printf("OVERFULL backend=%s pages=%zu limit_pages=%lld written_back=%lld rejected=%lld pswpout=%lld pageout_ms=%lld readback_ms=%lld pool_max_pages=%lld pool_pages=%s\n",
	       dir, n, limit, backend_stat(dir, "written_back_pages") - wb0,
	       frontswap_stat("failed_stores") - rej0,
	       vmstat("pswpout") - psw0, out_ms, in_ms, pool_max, series);
	fflush(stdout);
	EXPECT_EQ((size_t)0, bad);
	munmap(r.mem, n * PAGE);
}

ZRS_HARNESS_MAIN
