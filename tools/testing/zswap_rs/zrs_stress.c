// SPDX-License-Identifier: GPL-2.0
/*
 * zrs_stress: zswap_rs under concurrent stress (kselftest_harness).
 *
 * Tests (tests.sh runs one per shell test with -t): storm, churn.
 * Environment: ZRS_SECS (storm: seconds at least, default 20), ZRS_WORKERS
 * (storm: worker processes, default one per online CPU), ZRS_POOL_PCT
 * (storm: max_pool_percent during the storm, so that writeback runs all
 * through it; unset: the pool's limit is left alone), ZRS_STORM_RUNNING
 * (storm: a file created once every storm process is started and removed
 * before they are told to stop, so that a shell loop beside it knows the
 * storm is on), ZRS_STORM_UNTIL (storm: its work is not done before this
 * file exists: the shell loop beside it says when it has done its own),
 * ZRS_BACKEND=zswap (churn: the C zswap, for the host's comparison;
 * zrs_lib.h).
 *
 * The fixture restores every module parameter the test changed, also when
 * it ends early.  Worker processes report through their exit status and
 * shared counters; only the test process judges.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "zrs_harness.h"

ZRS_KNOB_FIXTURE(zrs_stress);

/* What each storm worker did, in memory shared with the test process. */
struct storm_tally {
	long long rounds, pages, bytes, corrupted;
};

struct storm_shared {
	long long knob_changes, knob_failures;
	/* Set by the test process once the storm has done its work. */
	volatile int stop;
	struct storm_tally w[];
};

/*
 * Storm worker: the integrity workload on its own region (6144 pages of
 * the mix, its own seeds each round) until stopped.  Exit status: 0, 1 if
 * a round read back corrupted bytes, 2 if it could not map its region.
 */
static void storm_worker(int i, struct storm_shared *sh, struct storm_tally *t)
{
	struct region r;
	char what[64];
	int round = 0;
	size_t bad;

	pin_cpu(i);
	if (region_map(&r, 6144, 0x5700 + i, i + 1)) {
		note("storm worker %d: cannot map its region", i);
		_exit(2);
	}
	while (!sh->stop) {
		r.seed = 0x5700 + (uint64_t)(i + 1) * 100000 + round++;
		region_fill(&r);
		if (pageout(r.mem, r.pages * PAGE)) {
			note("storm worker %d: MADV_PAGEOUT failed: %s", i, strerror(errno));
			_exit(2);
		}
		/* Let compaction and the knob changes work on the stored pages, then read. */
		usleep(200000);
		snprintf(what, sizeof(what), "storm worker %d round %d", i, round);
		bad = region_verify(&r, what, true);
		t->rounds++;
		t->pages += r.pages;
		t->bytes += r.pages * PAGE;
		t->corrupted += bad;
		if (bad)
			_exit(1);
	}
	_exit(0);
}

/* One storm knob write: counted in sh; on success, remembered in state. */
static void storm_knob(struct storm_shared *sh, const char *knob, const char *val, char *state)
{
	int err = knob_set(knob, val);

	if (err) {
		sh->knob_failures++;
		note("storm: %s=%s refused: %s", knob, val, strerror(-err));
		return;
	}
	sh->knob_changes++;
	if (state)
		snprintf(state, 64, "%s", val);
}

/*
 * Storm knob changer: until stopped, every 100-300 ms one change of the
 * cycle compressor lz4, zstd, lzo, enabled N, Y, compact 1, store_thp N,
 * Y.  Every write must succeed.  Leaves compressor=lzo, enabled=Y and
 * store_thp=Y (the fixture then puts back whatever the test began with).
 * Exit status 1 if a write was refused.
 */
static void storm_knobs(struct storm_shared *sh)
{
	static const struct { const char *knob, *val; } cycle[] = {
		{ "compressor", "lz4" }, { "compressor", "zstd" }, { "compressor", "lzo" },
		{ "enabled", "N" }, { "enabled", "Y" }, { "compact", "1" },
		{ "store_thp", "N" }, { "store_thp", "Y" },
	};
	const size_t nr = sizeof(cycle) / sizeof(cycle[0]);
	char comp[64] = "", on[64] = "", thp[64] = "";	/* as last written (64: storm_knob) */
	uint64_t s = 0x4b0b;
	size_t k = 0;

	knob_get("compressor", comp, sizeof(comp));
	knob_get("enabled", on, sizeof(on));
	knob_get("store_thp", thp, sizeof(thp));
	while (!sh->stop) {
		char *state = !strcmp(cycle[k].knob, "compressor") ? comp :
			      !strcmp(cycle[k].knob, "enabled") ? on :
			      !strcmp(cycle[k].knob, "store_thp") ? thp : NULL;

		storm_knob(sh, cycle[k].knob, cycle[k].val, state);
		k = (k + 1) % nr;
		usleep(100000 + rng(&s) % 200001);
	}
	if (strcmp(comp, "lzo"))
		storm_knob(sh, "compressor", "lzo", comp);
	if (strcmp(on, "Y"))
		storm_knob(sh, "enabled", "Y", on);
	if (strcmp(thp, "Y"))
		storm_knob(sh, "store_thp", "Y", thp);
	_exit(sh->knob_failures != 0);
}

/* Storm compaction loop: /proc/sys/vm/compact_memory until stopped. */
static void storm_compaction(struct storm_shared *sh)
{
	int fd;

	while (!sh->stop) {
		fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "1", 1) < 0)
				_exit(3);
			close(fd);
		}
	}
	_exit(0);
}

/*
 * storm: the integrity workload in ZRS_WORKERS processes, each on its own
 * region with its own seeds, while one process writes
 * /proc/sys/vm/compact_memory in a loop (pool pages are migrated under
 * loads, stores and frees) and another changes the knobs (compressor,
 * enabled, compact, store_thp).  Every byte is verified each round.
 *
 * ZRS_SECS is how long the storm runs at least; it then runs on until it
 * has done what it checks (every worker a round, at least 1,000 pool-page
 * migrations, or 100 and some writeback with ZRS_POOL_PCT, and the file
 * ZRS_STORM_UNTIL names exists, if it names one), so a slow host
 * takes longer but never falls short.  The limit (20 x ZRS_SECS, at least
 * 900 s) only turns a storm that cannot get there into a loud failure.
 * Prints a "STORM" figures line for the host.
 */
TEST_F_TIMEOUT(zrs_stress, storm, ZRS_TIMEOUT)
{
	const char *secs_env = getenv("ZRS_SECS"), *workers_env = getenv("ZRS_WORKERS");
	const char *pool_pct = getenv("ZRS_POOL_PCT");
	const char *running = getenv("ZRS_STORM_RUNNING"), *until = getenv("ZRS_STORM_UNTIL");
	int secs = secs_env ? atoi(secs_env) : 20;
	int workers = workers_env && atoi(workers_env) > 0 ? atoi(workers_env) :
			(int)sysconf(_SC_NPROCESSORS_ONLN);
	long long wb0 = zrs_stat("written_back_pages");
	long long mig0 = zrs_stat("migrate_ok"), iso0 = zrs_stat("isolate_ok");
	long long pg0 = vmstat("pgmigrate_success");
	long long rounds = 0, pages = 0, bytes = 0, corrupted = 0, mig, wb;
	long long min_mig = pool_pct ? 100 : 1000;
	struct storm_shared *sh;
	size_t shlen;
	pid_t *kids;
	int *kid_status, i, nkids, status, done = 0;
	char cur[64];
	time_t start, end, limit, now;

	if (pool_pct && !*pool_pct)
		pool_pct = NULL;
	ASSERT_LE(1, workers);
	ASSERT_GE(256, workers);
	nkids = workers + 2;
	shlen = sizeof(*sh) + workers * sizeof(sh->w[0]);
	sh = mmap(NULL, shlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh) TH_LOG("cannot map the shared counters");
	kids = calloc(nkids, sizeof(*kids));
	kid_status = calloc(nkids, sizeof(*kid_status));
	ASSERT_NE(NULL, kids);
	ASSERT_NE(NULL, kid_status);
	note("storm: %d workers, %d s%s%s", workers, secs,
	     pool_pct ? ", max_pool_percent " : "", pool_pct ? pool_pct : "");
	if (pool_pct) {
		/* A small pool: writeback runs all through the storm. */
		ASSERT_EQ(0, knob_set("writeback", "Y"));
		ASSERT_EQ(0, knob_set("max_pool_percent", pool_pct))
			TH_LOG("max_pool_percent=%s refused", pool_pct);
	}
	start = time(NULL);
	end = start + secs;
	limit = start + (secs * 20 > 900 ? secs * 20 : 900);

	/* kids[0]: compaction loop, kids[1]: knob changer, then the workers. */
	kids[0] = fork();
	if (kids[0] == 0)
		storm_compaction(sh);
	kids[1] = fork();
	if (kids[1] == 0)
		storm_knobs(sh);
	for (i = 0; i < workers; i++) {
		kids[2 + i] = fork();
		if (kids[2 + i] == 0)
			storm_worker(i, sh, &sh->w[i]);
	}
	if (running && *running) {
		int fd = open(running, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		EXPECT_LE(0, fd) TH_LOG("cannot create %s: %s", running, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	for (;;) {
		done = zrs_stat("migrate_ok") - mig0 >= min_mig &&
		       (!pool_pct || zrs_stat("written_back_pages") > wb0) &&
		       (!until || !*until || access(until, F_OK) == 0);
		now = time(NULL);
		for (i = 0; i < workers; i++)
			done = done && sh->w[i].rounds >= 1;
		/* A worker that died will not do its round: stop now. */
		for (i = 2; i < nkids; i++)
			if (kids[i] > 0 && waitpid(kids[i], &kid_status[i], WNOHANG) == kids[i]) {
				note("storm: worker %d ended early (status %#x)", i - 2, kid_status[i]);
				kids[i] = 0;	/* reaped: its status is kept */
				now = limit;
			}
		if ((now >= end && done) || now >= limit)
			break;
		sleep(1);
	}
	if (!done)
		note("storm: its work not done after %ld s: failing below", (long)(now - start));
	else if (now > end + 1)
		note("storm: ran %ld s (asked %d) until its work was done", (long)(now - start), secs);
	if (running && *running)
		unlink(running);
	sh->stop = 1;
	for (i = 0; i < nkids; i++) {
		const char *who = i == 0 ? "compaction loop" : i == 1 ? "knob changer" : "worker";

		if (kids[i] < 0) {
			EXPECT_TRUE(0) TH_LOG("fork of the %s (process %d) failed", who, i);
			continue;
		}
		if (kids[i] > 0)
			waitpid(kids[i], &kid_status[i], 0);
		status = kid_status[i];
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("storm %s (process %d) failed (status %#x)", who, i, status);
	}
	for (i = 0; i < workers; i++) {
		struct storm_tally *t = &sh->w[i];

		note("worker %d: %lld rounds, %lld pages verified, %lld corrupted bytes",
		     i, t->rounds, t->pages, t->corrupted);
		EXPECT_LE(1, t->rounds) TH_LOG("worker %d did not complete a round", i);
		rounds += t->rounds;
		pages += t->pages;
		bytes += t->bytes;
		corrupted += t->corrupted;
	}
	mig = zrs_stat("migrate_ok") - mig0;
	wb = zrs_stat("written_back_pages") - wb0;
	note("migrations: migrate_ok +%lld, isolate_ok +%lld, isolate_refused %lld, migrate_eagain %lld, putback %lld; pgmigrate_success +%lld",
	     mig, zrs_stat("isolate_ok") - iso0, zrs_stat("isolate_refused"),
	     zrs_stat("migrate_eagain"), zrs_stat("putback"), vmstat("pgmigrate_success") - pg0);
	note("knobs: %lld changes, %lld refused", sh->knob_changes, sh->knob_failures);
	printf("MIGRATIONS %lld\n", mig);
	tally("migrations %lld\n", mig);
	printf("STORM workers=%d rounds=%lld pages_verified=%lld bytes_verified=%lld corrupted_bytes=%lld migrations=%lld knob_changes=%lld written_back=%lld\n",
	       workers, rounds, pages, bytes, corrupted, mig, sh->knob_changes, wb);
	EXPECT_TRUE(done) TH_LOG("the storm's work was not done by its limit");
	if (pool_pct)
		EXPECT_LT(0LL, wb) TH_LOG("no page written back with max_pool_percent=%s", pool_pct);
	EXPECT_LE(min_mig, mig) TH_LOG("only %lld pool pages migrated", mig);
	EXPECT_EQ(0LL, corrupted);
	EXPECT_EQ(0LL, sh->knob_failures) TH_LOG("knob writes refused");
	EXPECT_LE(1LL, sh->knob_changes) TH_LOG("no knob change made");
	knob_get("compressor", cur, sizeof(cur));
	EXPECT_STREQ("lzo", cur) TH_LOG("compressor after the storm");
	knob_get("enabled", cur, sizeof(cur));
	EXPECT_STREQ("Y", cur) TH_LOG("enabled after the storm");
	munmap(sh, shlen);
	free(kids);
	free(kid_status);
}

/* Fill a page that lzo compresses to about 1500 bytes (two per frame). */
static void fill_1500(unsigned char *p, size_t idx, uint64_t seed)
{
	uint64_t s = seed ^ (idx * 0x100000001b3ULL);
	size_t i;

	for (i = 0; i < 1400 / 8; i++)
		((uint64_t *)p)[i] = rng(&s);
	memset(p + (1400 / 8) * 8, 0x11, PAGE - (1400 / 8) * 8);
	((uint64_t *)p)[0] = idx;
}

/*
 * churn: store pages two per frame, free every other one (half-empty
 * frames), then compact (zswap_rs only) and check that the pool shrank and
 * that every remaining byte is intact.  The premise is checked: most of
 * the pages were stored.  Prints a "CHURN" line for the host's comparison
 * with the C zswap (ZRS_BACKEND=zswap).
 */
TEST_F_TIMEOUT(zrs_stress, churn, ZRS_TIMEOUT)
{
	const char *dir = backend_dir();
	int ours = !strcmp(dir, "zswap_rs");
	size_t n = 8192, i;
	unsigned char *mem, want[PAGE];
	long long pool_before, pool_after, stored0, stored, bad = 0, bad_bytes = 0;

	pin_cpu(-1);
	stored0 = backend_stat(dir, "stored_pages");
	mem = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	for (i = 0; i < n; i++)
		fill_1500(mem + i * PAGE, i, 0xc4);
	PAGEOUT_OR_ASSERT(mem, n * PAGE);
	stored = backend_stat(dir, "stored_pages") - stored0;
	ASSERT_LE((long long)n * 3 / 4, stored) TH_LOG("premise: only %lld of %zu pages stored", stored, n);
	for (i = 0; i < n; i += 2)
		madvise(mem + i * PAGE, PAGE, MADV_DONTNEED);
	pool_before = backend_stat(dir, "pool_total_size") / 4096;
	stored = backend_stat(dir, "stored_pages");
	if (ours) {
		long long c0 = zrs_stat("pages_compacted");

		EXPECT_EQ(0, knob_set("compact", "1")) TH_LOG("compact=1 refused");
		EXPECT_LT(c0, zrs_stat("pages_compacted")) TH_LOG("pages_compacted did not move");
	}
	pool_after = backend_stat(dir, "pool_total_size") / 4096;
	printf("CHURN backend=%s stored=%lld pool_pages_before=%lld pool_pages_after=%lld\n",
	       dir, stored, pool_before, pool_after);
	if (ours)
		EXPECT_GT(pool_before * 6, pool_after * 10)
			TH_LOG("pool did not shrink: %lld -> %lld pages", pool_before, pool_after);
	for (i = 1; i < n; i += 2) {
		size_t j;

		fill_1500(want, i, 0xc4);
		if (!memcmp(mem + i * PAGE, want, PAGE))
			continue;
		bad++;
		for (j = 0; j < PAGE; j++)
			bad_bytes += mem[i * PAGE + j] != want[j];
	}
	tally("verified %zu %lld\n", n / 2, bad_bytes);
	EXPECT_EQ(0LL, bad) TH_LOG("pages corrupted after compaction");
	if (!bad)
		note("churn: %zu remaining pages, 0 corrupted bytes", n / 2);
	munmap(mem, n * PAGE);
}

ZRS_HARNESS_MAIN
