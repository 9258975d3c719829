// SPDX-License-Identifier: GPL-2.0
/*
 * zrs_bench: the measuring workloads (kselftest_harness), for make bench
 * (tools/testing/bench/bench.sh) and make check's density comparison.
 * Each pages out the mixed data (zrs_lib), prints one figure line for the
 * host (DENSITY, BENCH, BENCHKIND: scripts/bench-report.py, check.sh),
 * reads everything back and fails on any corrupted byte.  The backend is
 * ZRS_BACKEND (zswap_rs, or zswap for the C zswap in a zrs.mode=zswap
 * boot); ZRS_ARM and ZRS_COMP label the lines.
 *
 * Tests and their environment:
 *   density  ZRS_MB (32)
 *   w1       ZRS_MB (64), ZRS_ROUNDS (3): one process
 *   w4       ZRS_MB, ZRS_ROUNDS, ZRS_PROCS (the online CPUs): one per CPU
 *   w6       ZRS_MB (64), ZRS_ROUNDS (3): W1 on W6's data (MIX_MID: objects
 *            of 2 to 4 KiB)
 *   w2       ZRS_MB (more than RAM): global memory pressure
 *   w3       ZRS_MB: churn and compaction
 *   thp      ZRS_MB: huge pages swapped out whole (the caller sets THP swap up)
 *   w5       ZRS_MB, ZRS_ACCESSES (2 x pages): a skewed application
 *   kinds    ZRS_PAGES (512): each kind of page alone
 * The fixture puts the backend's knobs back as they were.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>

#include "zrs_harness.h"

ZRS_KNOB_FIXTURE(zrs_bench);

/* An unsigned number from the environment, or @def. */
static size_t env_num(const char *name, size_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static size_t env_pages(size_t def_mb)
{
	return mb_pages(getenv("ZRS_MB"), def_mb);
}

/* Reads one byte of every page: each swapped-out page is faulted back in. */
static unsigned long touch_pages(unsigned char *mem, size_t pages)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i < pages; i++)
		sum += *(volatile unsigned char *)(mem + i * PAGE);
	return sum;
}

/* The arm's stored pages and pool bytes (debugfs dir of the backend). */
static void backend_size(long long *stored, long long *pool)
{
	*stored = backend_stat(backend_dir(), "stored_pages");
	*pool = backend_stat(backend_dir(), "pool_total_size");
}

/*
 * density: store the standard mix and print pool pages per stored page,
 * for whichever backend is active (check.sh compares zswap_rs with the C
 * zswap + zbud).
 */
TEST_F_TIMEOUT(zrs_bench, density, ZRS_TIMEOUT)
{
	size_t n = env_pages(32);
	long long stored, pool;
	struct region r;

	MAP_OR_ASSERT(&r, n, 0xde45, 1);
	region_fill(&r);
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	backend_size(&stored, &pool);
	printf("DENSITY backend=%s pages=%zu stored=%lld pool_bytes=%lld\n", backend_dir(), n,
	       stored, pool);
	fflush(stdout);
	EXPECT_EQ((size_t)0, region_verify(&r, "density data", false));
	munmap(r.mem, n * PAGE);
}

/* What one W1 process measured, shared with the parent. */
struct w1_res {
	long long out_ns, in_ns, stored, pool, corrupted;
	/* zswap_rs only (-1 for the C zswap): object bytes, frames by objects. */
	long long cbytes, frames[4];
	int failed;
};

/* zswap_rs's pool by objects per frame, and its object bytes; -1 elsewhere. */
static void backend_frames(struct w1_res *res)
{
	static const char *const names[4] = { "frames_one_object", "frames_two_objects",
					      "frames_three_objects", "frames_four_objects" };
	int i;

	res->cbytes = backend_stat(backend_dir(), "compressed_bytes");
	for (i = 0; i < 4; i++)
		res->frames[i] = backend_stat(backend_dir(), names[i]);
}

/*
 * W1 (procs 1) and W4 (one process per CPU): procs processes, each with
 * n/procs pages of the mixed data; rounds times: re-dirty (new seed, not
 * timed), MADV_PAGEOUT (timed: swap-out), read one byte per page (timed:
 * swap-in).  Verified byte for byte after the last round.  The processes
 * report through shared memory; only the test process judges.  W6 is W1
 * on other data (mix MIX_MID); the pool is measured after the last
 * round's swap-out, whose pages (process 0's, seed 0xbe00 + 0x100 x
 * (rounds - 1)) are what `zrs-test bench cdata MB FILE w6 ROUNDS` writes.
 */
static void bench_w1(struct __test_metadata *_metadata, const char *wl, size_t n, int rounds,
		     int procs, unsigned int mix)
{
	struct w1_res *res = mmap(NULL, sizeof(*res) * procs, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int go[2], p, st, died = 0;
	long long out = 0, in = 0, corrupted = 0, failed = 0;
	char b;

	ASSERT_NE(MAP_FAILED, res) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(0, pipe(go)) TH_LOG("pipe: %s", strerror(errno));
	for (p = 0; p < procs; p++) {
		if (fork() == 0) {
			struct region r;
			int k;

			close(go[1]);
			pin_cpu(p);
			if (region_map(&r, n / procs, 0xbe00 + p, mix) || read(go[0], &b, 1) != 1)
				_exit(1);
			for (k = 0; k < rounds; k++) {
				long long t0, t1, t2;

				r.seed = 0xbe00 + p + 0x100 * k;
				region_fill(&r);
				t0 = now_ns();
				if (pageout(r.mem, r.pages * PAGE))
					res[p].failed = 1;
				t1 = now_ns();
				if (k == rounds - 1 && p == 0) {
					backend_size(&res[p].stored, &res[p].pool);
					backend_frames(&res[p]);
				}
				touch_pages(r.mem, r.pages);
				t2 = now_ns();
				res[p].out_ns += t1 - t0;
				res[p].in_ns += t2 - t1;
			}
			res[p].corrupted = region_verify(&r, wl, true);
			_exit(0);
		}
	}
	close(go[0]);
	for (p = 0; p < procs; p++)
		if (write(go[1], "g", 1) != 1)
			died = 1;
	close(go[1]);
	for (p = 0; p < procs; p++)
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			died++;
	for (p = 0; p < procs; p++) {
		out = res[p].out_ns > out ? res[p].out_ns : out;
		in = res[p].in_ns > in ? res[p].in_ns : in;
		corrupted += res[p].corrupted;
		failed += res[p].failed;
	}
	printf("BENCH %s wl=%s procs=%d pages=%zu rounds=%d out_ns=%lld in_ns=%lld stored=%lld pool_bytes=%lld",
	       bench_label(), wl, procs, n / procs * procs, rounds, out, in, res[0].stored,
	       res[0].pool);
	if (res[0].cbytes >= 0)
		printf(" compressed_bytes=%lld frames=%lld/%lld/%lld/%lld", res[0].cbytes,
		       res[0].frames[0], res[0].frames[1], res[0].frames[2], res[0].frames[3]);
	printf(" corrupted=%lld\n", corrupted);
	fflush(stdout);
	EXPECT_EQ(0, died) TH_LOG("%s: %d processes failed", wl, died);
	EXPECT_EQ(0LL, failed) TH_LOG("%s: MADV_PAGEOUT failed in %lld processes", wl, failed);
	EXPECT_EQ(0LL, corrupted) TH_LOG("%s: %lld corrupted bytes", wl, corrupted);
	munmap(res, sizeof(*res) * procs);
}

TEST_F_TIMEOUT(zrs_bench, w1, ZRS_TIMEOUT)
{
	bench_w1(_metadata, "w1", env_pages(64), env_num("ZRS_ROUNDS", 3), 1, 1);
}

TEST_F_TIMEOUT(zrs_bench, w4, ZRS_TIMEOUT)
{
	int procs = env_num("ZRS_PROCS", sysconf(_SC_NPROCESSORS_ONLN));

	ASSERT_LT(0, procs);
	bench_w1(_metadata, "w4", env_pages(64), env_num("ZRS_ROUNDS", 3), procs, 1);
}

TEST_F_TIMEOUT(zrs_bench, w6, ZRS_TIMEOUT)
{
	bench_w1(_metadata, "w6", env_pages(64), env_num("ZRS_ROUNDS", 3), 1, MIX_MID);
}

/*
 * W2: usemem-like.  One allocation of ZRS_MB (more than RAM) filled in
 * order with the mixed data (timed: global memory pressure swaps the start
 * out while the end is written), then read back and compared in order
 * (timed).
 */
TEST_F_TIMEOUT(zrs_bench, w2, ZRS_TIMEOUT)
{
	size_t n = env_pages(64), bad;
	long long t0, t1, t2, stored, pool;
	struct region r;

	MAP_OR_ASSERT(&r, n, 0x3e2, 1);
	t0 = now_ns();
	region_fill(&r);
	t1 = now_ns();
	backend_size(&stored, &pool);
	bad = region_verify(&r, "w2", true);
	t2 = now_ns();
	printf("BENCH %s wl=w2 pages=%zu fill_ns=%lld read_ns=%lld stored=%lld pool_bytes=%lld corrupted=%zu\n",
	       bench_label(), n, t1 - t0, t2 - t1, stored, pool, bad);
	fflush(stdout);
	EXPECT_EQ((size_t)0, bad);
	munmap(r.mem, n * PAGE);
}

/*
 * W3: churn.  Store a region (timed), free every other page, store a
 * second region (timed), then compact where the arm can (zswap_rs:
 * compact=1, timed).  Density after the churn and after compaction; both
 * regions verified.
 */
TEST_F_TIMEOUT(zrs_bench, w3, ZRS_TIMEOUT)
{
	size_t n = env_pages(64), i, bad = 0;
	long long t0, t1, t2, t3, t4, t5, stored, pool, stored_c, pool_c;
	unsigned char want[PAGE];
	struct region a, b2;

	MAP_OR_ASSERT(&a, n, 0xc3a, 1);
	MAP_OR_ASSERT(&b2, n / 2, 0xc3b, 1);
	region_fill(&a);
	region_fill(&b2);
	t0 = now_ns();
	PAGEOUT_OR_ASSERT(a.mem, n * PAGE);
	t1 = now_ns();
	for (i = 0; i < n; i += 2)
		madvise(a.mem + i * PAGE, PAGE, MADV_DONTNEED);
	t2 = now_ns();
	PAGEOUT_OR_ASSERT(b2.mem, b2.pages * PAGE);
	t3 = now_ns();
	backend_size(&stored, &pool);
	t4 = now_ns();
	if (!strcmp(backend_dir(), "zswap_rs"))
		EXPECT_EQ(0, knob_set("compact", "1")) TH_LOG("compact=1 refused");
	t5 = now_ns();
	backend_size(&stored_c, &pool_c);
	for (i = 1; i < n; i += 2) {
		fill_page(want, i, a.seed, a.mix);
		bad += memcmp(a.mem + i * PAGE, want, PAGE) != 0;
	}
	EXPECT_EQ((size_t)0, bad) TH_LOG("w3: %zu corrupted pages of the first region", bad);
	bad += region_verify(&b2, "w3", true);
	printf("BENCH %s wl=w3 pages=%zu store1_ns=%lld free_ns=%lld store2_ns=%lld stored=%lld pool_bytes=%lld compact_ns=%lld pool_bytes_compacted=%lld corrupted=%zu\n",
	       bench_label(), n + n / 2, t1 - t0, t2 - t1, t3 - t2, stored, pool, t5 - t4, pool_c,
	       bad);
	fflush(stdout);
	EXPECT_EQ((size_t)0, bad);
	munmap(a.mem, n * PAGE);
	munmap(b2.mem, b2.pages * PAGE);
}

/*
 * THP: ZRS_MB of the mixed data in transparent huge pages (2 MiB-aligned,
 * MADV_HUGEPAGE), paged out (timed; the caller arranged THP swap, so each
 * 2 MiB folio reaches frontswap whole), then read back (timed, one fault
 * per 4 KiB page: 6.1 swaps a THP back in as single pages) and verified.
 * An arm that refuses huge pages (zswap) sends them to the device whole.
 */
TEST_F_TIMEOUT(zrs_bench, thp, ZRS_TIMEOUT)
{
	size_t n = env_pages(64), bad;
	long long t0, t1, t2, stored, pool, ahp0, ahp, whole0, whole, fb0;
	struct region r;

	ASSERT_LT((size_t)0, n);
	MAP_HUGE_OR_ASSERT(&r, n, 0x7b, 1);
	n = r.pages;
	ahp0 = meminfo("AnonHugePages");
	region_fill(&r);
	/* The premise, reported: how much of it is in THPs, and how many went out whole. */
	ahp = meminfo("AnonHugePages") - ahp0;
	whole0 = vmstat("thp_swpout") + (zrs_stat("stored_thp") > 0 ? zrs_stat("stored_thp") : 0);
	fb0 = vmstat("thp_swpout_fallback");
	t0 = now_ns();
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	t1 = now_ns();
	whole = vmstat("thp_swpout") + (zrs_stat("stored_thp") > 0 ? zrs_stat("stored_thp") : 0) -
		whole0;
	backend_size(&stored, &pool);
	touch_pages(r.mem, n);
	t2 = now_ns();
	bad = region_verify(&r, "thp", true);
	printf("BENCH %s wl=thp pages=%zu out_ns=%lld in_ns=%lld stored=%lld pool_bytes=%lld thp_pages=%lld thp_whole=%lld thp_fallback=%lld corrupted=%zu\n",
	       bench_label(), n, t1 - t0, t2 - t1, stored, pool, ahp / 4, whole,
	       vmstat("thp_swpout_fallback") - fb0, bad);
	fflush(stdout);
	EXPECT_EQ((size_t)0, bad);
	munmap(r.mem, n * PAGE);
}

/*
 * W5: an application under memory pressure.  A working set of ZRS_MB
 * (more than RAM) of the mixed data, then a fixed amount of work:
 * ZRS_ACCESSES page accesses, 80% of them to the hottest 20% of the pages,
 * one in five a write (the page is refilled with its next version), every
 * read checked against the page's current version.  The same sequence in
 * every arm (a fixed seed), so every arm does the same work; the access
 * phase is timed, and every page is verified at the end.
 */
TEST_F_TIMEOUT(zrs_bench, w5, ZRS_TIMEOUT)
{
	size_t n = env_pages(64), accesses = env_num("ZRS_ACCESSES", 2 * n);
	size_t hot = n / 5, i, p, bad = 0;
	uint64_t s = 0x5eed5eed5eedULL;
	unsigned char *ver, want[PAGE];
	long long t0, t1, stored, pool;
	struct region r;

	ASSERT_LE((size_t)10, n);
	MAP_OR_ASSERT(&r, n, 0x5e5, 1);
	ver = calloc(n, 1);
	ASSERT_NE(NULL, ver) TH_LOG("calloc %zu", n);
	region_fill(&r);
	t0 = now_ns();
	for (i = 0; i < accesses; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		p = (s % 10 < 8) ? (s >> 8) % hot : hot + (s >> 8) % (n - hot);
		if ((s >> 4) % 5 == 0) {
			ver[p]++;
			fill_page(r.mem + p * PAGE, p, r.seed + 0x10000ULL * ver[p], r.mix);
		} else {
			fill_page(want, p, r.seed + 0x10000ULL * ver[p], r.mix);
			bad += memcmp(r.mem + p * PAGE, want, PAGE) != 0;
		}
	}
	t1 = now_ns();
	backend_size(&stored, &pool);
	for (p = 0; p < n; p++) {
		fill_page(want, p, r.seed + 0x10000ULL * ver[p], r.mix);
		bad += memcmp(r.mem + p * PAGE, want, PAGE) != 0;
	}
	printf("BENCH %s wl=w5 pages=%zu accesses=%zu run_ns=%lld stored=%lld pool_bytes=%lld corrupted=%zu\n",
	       bench_label(), n, accesses, t1 - t0, stored, pool, bad);
	fflush(stdout);
	EXPECT_EQ((size_t)0, bad) TH_LOG("w5: %zu corrupted pages", bad);
	free(ver);
	munmap(r.mem, n * PAGE);
}

/*
 * A page of record kind @rec (K_NR + 0..2): arrays of 16-, 32- or 64-byte
 * records, a random 8-byte key and constant fields in each (hash tables,
 * index arrays): compressible, but periodic.
 */
static void fill_records(unsigned char *p, size_t idx, uint64_t seed, int rec)
{
	size_t size = 16u << rec, i;
	uint64_t s = seed ^ (idx * 0x100000001b3ULL);

	memset(p, 0x11 * (rec + 1), PAGE);
	for (i = 0; i < PAGE; i += size) {
		uint64_t k = rng(&s);

		memcpy(p + i, &k, 8);
	}
}

/*
 * kinds: what each arm does with each kind of page: ZRS_PAGES pages of one
 * kind at a time (the mix's eight kinds, then three periodic record
 * layouts), paged out; frontswap's stores that succeeded and failed
 * (rejected: to the device) counted; every page verified.
 */
TEST_F_TIMEOUT(zrs_bench, kinds, ZRS_TIMEOUT)
{
	static const char *const recs[] = { "records16", "records32", "records64" };
	size_t n = env_num("ZRS_PAGES", 512);
	unsigned char want[PAGE];
	int k;

	for (k = 0; k < K_NR + 3; k++) {
		const char *kind = k < K_NR ? kind_names[k] : recs[k - K_NR];
		long long st0, fl0;
		size_t i, bad = 0;
		struct region r;

		MAP_OR_ASSERT(&r, n, 0x4b1d + k, 0);
		for (i = 0; i < n; i++) {
			if (k < K_NR)
				fill_page_kind(r.mem + i * PAGE, i, r.seed, k);
			else
				fill_records(r.mem + i * PAGE, i, r.seed, k - K_NR);
		}
		st0 = frontswap_stat("succ_stores");
		fl0 = frontswap_stat("failed_stores");
		PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
		printf("BENCHKIND %s pagekind=%s pages=%zu stored=%lld rejected=%lld\n", bench_label(),
		       kind, n, frontswap_stat("succ_stores") - st0,
		       frontswap_stat("failed_stores") - fl0);
		fflush(stdout);
		for (i = 0; i < n; i++) {
			if (k < K_NR)
				fill_page_kind(want, i, r.seed, k);
			else
				fill_records(want, i, r.seed, k - K_NR);
			bad += memcmp(r.mem + i * PAGE, want, PAGE) != 0;
		}
		EXPECT_EQ((size_t)0, bad) TH_LOG("kinds: %zu corrupted %s pages", bad, kind);
		munmap(r.mem, n * PAGE);
	}
}

ZRS_HARNESS_MAIN
