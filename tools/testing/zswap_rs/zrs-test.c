// SPDX-License-Identifier: GPL-2.0
/*
 * zrs-test: the in-guest workload tool of zswap_rs.
 *
 * The workloads that shell tests orchestrate (tests.sh, bench.sh, /init):
 * they run in the background, say "ready", wait for go files, print
 * figure lines (DENSITY, BENCH ...) for the host, and exit
 * 0 (pass), 1 (fail), 2 (usage/setup error) or 4 (skipped: the kernel
 * lacks what it needs, as kselftest's KSFT_SKIP).  Each maps anonymous
 * memory, fills it with a mix of data kinds (zrs_lib), pushes it to swap
 * (MADV_PAGEOUT, or real memory pressure), reads it back and compares
 * every byte with a regenerated copy.
 *
 * The self-contained tests are kselftest_harness programs: zrs_integrity,
 * zrs_knobs, zrs_writeback, zrs_memcg, zrs_faults, zrs_stress (see
 * Documentation/testing.rst).
 *
 * Usage: zrs-test <subcommand> [options]   (zrs-test help)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zrs_lib.h"

static const char *prog = "zrs-test";
/* Failures of this workload (its exit status). */
static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("  FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	failures++;
}

#define EXPECT(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* verify() notes a clean comparison (storm workers turn it off). */
static int verify_notes = 1;

/* Compare every byte (zrs_lib's region_verify); returns the corrupted bytes. */
static size_t verify(struct region *r, const char *what)
{
	size_t bad = region_verify(r, what, !verify_notes);

	if (bad)
		fail("%s: %zu corrupted bytes", what, bad);
	return bad;
}

static int map(struct region *r, size_t pages, uint64_t seed, unsigned int mix)
{
	int err = region_map(r, pages, seed, mix);

	if (err)
		fail("mmap %zu pages: %s", pages, strerror(-err));
	return err;
}

static int map_huge(struct region *r, size_t pages, uint64_t seed, unsigned int mix)
{
	int err = region_map_huge(r, pages, seed, mix);

	if (err)
		fail("2 MiB-aligned MADV_HUGEPAGE mapping of %zu pages: %s", pages, strerror(-err));
	return err;
}

static int page_out(void *p, size_t len)
{
	int err = pageout(p, len);

	if (err)
		fail("madvise(MADV_PAGEOUT): %s", strerror(-err));
	return err;
}

/* ---- workloads ---- */

/*
 * hold MB SECONDS: fill and page out, then verify after SECONDS (used to
 * run swapoff or a compressor switch in the middle).  Writes "ready" to
 * stdout once paged out.
 */
static int t_hold(int argc, char **argv)
{
	struct region r;
	size_t n = mb_pages(argc > 0 ? argv[0] : NULL, 16);
	int go = argc > 1 && !strcmp(argv[1], "go");
	int secs = argc > 1 && !go ? atoi(argv[1]) : 2;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x401d;
	int i;

	pin_cpu(-1);
	if (map(&r, n, seed, 4))
		return 1;
	region_fill(&r);
	page_out(r.mem, n * PAGE);
	/*
	 * Rarely (seen once in a full run with THP) MADV_PAGEOUT leaves the
	 * whole region resident, e.g. a THP that could not be split at that
	 * moment; the callers count on most of it being out: try again.
	 */
	for (i = 0; i < 3 && resident(&r) > n / 2; i++) {
		note("hold: %zu of %zu pages still resident; MADV_PAGEOUT again", resident(&r), n);
		usleep(200000);
		page_out(r.mem, n * PAGE);
	}
	note("hold: %zu pages paged out, resident %zu", n, resident(&r));
	/*
	 * The premise of every caller: most of the region is out.  Only with
	 * zswap_rs loaded: pages written to the swap device stay in the swap
	 * cache (resident to mincore) until their I/O ends and reclaim comes
	 * again, while a store to zswap_rs lets them go at once.
	 */
	if (!access("/sys/kernel/debug/zswap_rs/stored_pages", F_OK))
		EXPECT(resident(&r) <= n / 2, "hold: %zu of %zu pages still resident after %d tries",
		       resident(&r), n, i + 1);
	printf("ready\n");
	fflush(stdout);
	if (go)
		wait_go();
	else
		sleep(secs);
	verify(&r, "after hold");
	return failures != 0;
}

/*
 * pressure MB [ROUNDS]: real memory pressure (no madvise): touch MB of
 * mixed data in a loop, verify every round.  The demo workload.
 */
static int t_pressure(int argc, char **argv)
{
	struct region r;
	size_t n;
	int rounds = argc > 1 ? atoi(argv[1]) : 2, i;

	/* "auto": 1.5 x RAM, so that a good part must go to swap. */
	if (argc > 0 && !strcmp(argv[0], "auto"))
		n = sysconf(_SC_PHYS_PAGES) * 3 / 2;
	else
		n = mb_pages(argc > 0 ? argv[0] : NULL, 192);

	if (map(&r, n, 0x9e55, 5))
		return 1;
	for (i = 0; i < rounds; i++) {
		r.seed = 0x9e55 + i;
		region_fill(&r);
		note("round %d: filled %zu MiB, resident %zu MiB, stored_pages %lld, pool %lld KiB",
		     i, n / 256, resident(&r) / 256, zrs_stat("stored_pages"), zrs_stat("pool_total_size") / 1024);
		verify(&r, "pressure read back");
	}
	munmap(r.mem, n * PAGE);
	return failures != 0;
}

/*
 * density MB: store the standard mix and print pool pages per stored
 * page, for whichever backend is active (zswap_rs or the C zswap).
 */
static int t_density(int argc, char **argv)
{
	struct region r;
	size_t n = mb_pages(argc > 0 ? argv[0] : NULL, 32);
	const char *dir = argc > 1 ? argv[1] : "zswap_rs";
	long long stored, pool;

	if (map(&r, n, 0xde45, 1))
		return 1;
	region_fill(&r);
	page_out(r.mem, n * PAGE);
	stored = backend_stat(dir, "stored_pages");
	pool = backend_stat(dir, "pool_total_size");
	printf("DENSITY backend=%s pages=%zu stored=%lld pool_bytes=%lld\n", dir, n, stored, pool);
	verify(&r, "density data");
	munmap(r.mem, n * PAGE);
	return failures != 0;
}

/*
 * thphold MB [SEED]: fill MB of transparent huge pages (2 MiB-aligned,
 * MADV_HUGEPAGE) with the mix, page them out, require that zswap_rs
 * stored some whole (stored_thp: the caller arranged THP swap), say
 * "ready", wait for go, verify every byte, and say how many pages the
 * verify read from the swap device (pswpin: written back meanwhile).
 */
static int t_thphold(int argc, char **argv)
{
	struct region r;
	size_t n = mb_pages(argc > 0 ? argv[0] : NULL, 16);
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x7417;
	long long sth0 = zrs_stat("stored_thp"), sth, psi0;
	long long rej0 = zrs_stat("reject_thp"), swp0 = vmstat("thp_swpout");
	long long fb0 = vmstat("thp_swpout_fallback");

	if (map_huge(&r, n, seed, 5))
		return 1;
	n = r.pages;
	region_fill(&r);
	page_out(r.mem, n * PAGE);
	sth = zrs_stat("stored_thp") - sth0;
	note("thphold: %zu pages in THPs paged out, stored_thp +%lld, reject_thp +%lld, thp_swpout +%lld, thp_swpout_fallback +%lld, AnonHugePages %lld kB, resident %zu",
	     n, sth, zrs_stat("reject_thp") - rej0, vmstat("thp_swpout") - swp0,
	     vmstat("thp_swpout_fallback") - fb0, meminfo("AnonHugePages"), resident(&r));
	EXPECT(sth0 >= 0 && sth >= 1, "thphold: no huge page stored whole (stored_thp +%lld)", sth);
	printf("ready\n");
	fflush(stdout);
	wait_go();
	psi0 = vmstat("pswpin");
	verify(&r, "after thphold");
	printf("THPHOLD stored_thp=%lld pswpin=%lld\n", sth, vmstat("pswpin") - psi0);
	munmap(r.mem, n * PAGE);
	return failures != 0;
}

/*
 * Maps PAGES pages of fill_text(SEED) and pages them out from CPU 0 (the
 * CPU whose swap slot cache the race tests reason about); NULL if mmap
 * fails.
 */
static unsigned char *text_pageout(size_t n, uint64_t seed)
{
	unsigned char *mem;
	size_t i;

	pin_cpu(0);
	mem = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	for (i = 0; i < n; i++)
		fill_text(mem + i * PAGE, i, seed);
	page_out(mem, n * PAGE);
	return mem;
}

/*
 * storeexit PAGES SEED: page out PAGES distinct compressible pages on one
 * CPU, check that zswap_rs stored them, exit.  Their slots are then free
 * but their release waits in this CPU's swap slot cache (fewer than 64
 * pages: the cache does not flush), so the entries stay, dead.
 */
static int t_storeexit(int argc, char **argv)
{
	size_t n = argc > 0 ? strtoul(argv[0], NULL, 0) : 32;
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x5e;
	long long sp0 = zrs_stat("stored_pages");

	if (!text_pageout(n, seed))
		return 2;
	note("storeexit: %zu pages paged out, stored_pages %lld -> %lld", n, sp0,
	     zrs_stat("stored_pages"));
	EXPECT(zrs_stat("stored_pages") - sp0 >= (long long)n * 3 / 4,
	       "only %lld of %zu pages stored: the test's premise is missing",
	       zrs_stat("stored_pages") - sp0, n);
	return failures != 0;
}

/*
 * texthold PAGES SEED: page out PAGES distinct compressible pages, say
 * "ready", wait for go, verify every byte.
 */
static int t_texthold(int argc, char **argv)
{
	size_t n = argc > 0 ? strtoul(argv[0], NULL, 0) : 1024, bad;
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x7e;
	long long sp0 = zrs_stat("stored_pages");
	unsigned char *mem = text_pageout(n, seed);

	if (!mem)
		return 2;
	note("texthold: %zu pages paged out, stored_pages +%lld", n, zrs_stat("stored_pages") - sp0);
	printf("ready\n");
	fflush(stdout);
	wait_go();
	bad = text_verify(mem, n, seed, (size_t)-1);
	EXPECT(!bad, "%zu of %zu pages corrupted", bad, n);
	note("texthold: %zu of %zu pages intact", n - bad, n);
	munmap(mem, n * PAGE);
	return failures != 0;
}

/*
 * dupfail: one distinct page paged out (stored) and read back (it stays
 * in the swap cache with its slot: frontswap still holds the entry); says
 * "ready".  Once GO_FILE "1" exists: writes new content into the page
 * and pages it out again with the module's next allocation made to fail
 * (fail_alloc, this task only): frontswap invalidates the old entry, the
 * duplicate store is refused and the page goes to the device.  Says
 * "stored again", waits for go, and checks that the new content came
 * back (see race_dup_failstore).
 */
static int t_dupfail(int argc, char **argv)
{
	const char *a = "/sys/kernel/debug/zswap_rs/fail_alloc";
	static const char *const attrs[][2] = {
		{ "verbose", "0" }, { "task-filter", "Y" }, { "interval", "1" },
		{ "times", "1" }, { "space", "0" }, { "probability", "100" },
	};
	const uint64_t seed = 0x3d00, seed2 = 0x3d01;
	unsigned char *mem, want[PAGE];
	size_t i;

	(void)argc; (void)argv;
	if (access(a, F_OK)) {
		printf("SKIP: %s missing: needs the debug kernel (fault injection)\n", a);
		return 4;
	}
	pin_cpu(0);
	mem = text_pageout(1, seed);
	if (!mem)
		return 2;
	fill_text(want, 0, seed);
	EXPECT(!memcmp(mem, want, PAGE), "the first read back is corrupted");
	printf("ready\n");
	fflush(stdout);
	wait_file(GO_FILE "1");
	fill_text(mem, 0, seed2);
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (fault_attr_set(a, attrs[i][0], attrs[i][1]))
			fail("cannot set %s/%s", a, attrs[i][0]);
	if (write_str("/proc/self/make-it-fail", "1"))
		fail("cannot set make-it-fail");
	page_out(mem, PAGE);
	write_str("/proc/self/make-it-fail", "0");
	fault_attr_set(a, "probability", "0");
	printf("stored again\n");
	fflush(stdout);
	wait_go();
	fill_text(want, 0, seed2);
	EXPECT(!memcmp(mem, want, PAGE), "the page did not come back with its new content");
	note("dupfail: the new content %s", memcmp(mem, want, PAGE) ? "is LOST" : "came back");
	return failures != 0;
}

/*
 * undopair: two pages that compress to about 1425 bytes each (one zbud
 * frame, about 1250 bytes left) and 68 zero pages (same-filled: no frame)
 * paged out on CPU 0; says "ready"; once GO_FILE "1" exists, unmaps the
 * second page and the zero pages (69 frees on this CPU flush its swap slot
 * cache, so the second page's entry is invalidated now: the frame keeps
 * one object and about 2650 bytes of room) and says "freed"; once GO_FILE
 * exists, verifies the first page.
 */
static int t_undopair(int argc, char **argv)
{
	const size_t n = 70;
	const uint64_t seed = 1ULL << 62;
	unsigned char *mem, want[PAGE];
	long long sp0 = zrs_stat("stored_pages");
	size_t i;

	(void)argc; (void)argv;
	pin_cpu(0);
	mem = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 2;
	fill_text(mem, 0, seed);
	fill_text(mem + PAGE, 1, seed);
	for (i = 2; i < n; i++)
		memset(mem + i * PAGE, 0, PAGE);
	page_out(mem, n * PAGE);
	note("undopair: %zu pages paged out, stored_pages +%lld", n, zrs_stat("stored_pages") - sp0);
	EXPECT(zrs_stat("stored_pages") - sp0 >= (long long)n - 2, "not stored: the premise is missing");
	printf("ready\n");
	fflush(stdout);
	while (access(GO_FILE "1", F_OK))
		usleep(50000);
	munmap(mem + PAGE, (n - 1) * PAGE);
	printf("freed\n");
	fflush(stdout);
	wait_go();
	fill_text(want, 0, seed);
	EXPECT(!memcmp(mem, want, PAGE), "the first page is corrupted");
	return failures != 0;
}

/*
 * sigbushold PAGES: page out PAGES distinct pages, make the load of page 0
 * fail (fail_load, this task only), catch the SIGBUS and keep the mapping:
 * page 0 now sits in the swap cache without its data for as long as this
 * process lives, and zswap_rs cannot write its entry back.  Says "ready",
 * waits for go, verifies every other page.
 */
static int t_sigbushold(int argc, char **argv)
{
	const char *a = "/sys/kernel/debug/zswap_rs/fail_load";
	size_t n = argc > 0 ? strtoul(argv[0], NULL, 0) : 64, bad;
	uint64_t seed = 0x51b;
	int got_bus = 0, fired = 0;
	unsigned char *mem;

	if (access(a, F_OK)) {
		printf("SKIP: %s missing: needs the debug kernel (fault injection)\n", a);
		return 4;
	}
	mem = text_pageout(n, seed);
	if (!mem)
		return 2;
	{
		struct region rr = { .mem = mem, .pages = n };

		EXPECT(resident(&rr) < n / 4, "%zu of %zu pages still resident", resident(&rr), n);
	}
	if (failed_load_sigbus(mem, &got_bus, &fired))
		fail("cannot arm the fault injection of %s", a);
	EXPECT(fired, "the injected load failure was not taken (page 0 came back another way)");
	EXPECT(got_bus, "reading the page whose load failed did not raise SIGBUS");
	printf("ready\n");
	fflush(stdout);
	wait_go();
	bad = text_verify(mem, n, seed, 0);
	EXPECT(!bad, "%zu of %zu other pages corrupted", bad, n - 1);
	note("sigbushold: SIGBUS %s; %zu of %zu other pages intact", got_bus ? "yes" : "no",
	     n - 1 - bad, n - 1);
	return failures != 0;
}

/* ---- benchmark workloads (make bench; tools/testing/bench/) ---- */

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
static void backend_size(const char *dir, long long *stored, long long *pool)
{
	*stored = backend_stat(dir, "stored_pages");
	*pool = backend_stat(dir, "pool_total_size");
}

static const char *bench_label(void)
{
	static char l[128];
	const char *arm = getenv("ZRS_ARM"), *comp = getenv("ZRS_COMP");

	snprintf(l, sizeof(l), "arm=%s comp=%s", arm ? arm : "?", comp ? comp : "?");
	return l;
}

/* What one W1 process measured, shared with the parent. */
struct w1_res {
	long long out_ns, in_ns, stored, pool, corrupted;
};

/*
 * W1 (PROCS 1) and W4 (one process per CPU): PROCS processes, each with
 * MB/PROCS of the mixed data; ROUNDS times: re-dirty (new seed, not
 * timed), MADV_PAGEOUT (timed: swap-out), read one byte per page (timed:
 * swap-in).  Verified byte for byte after the last round.
 */
static int bench_w1(const char *wl, const char *dir, size_t n, int rounds, int procs)
{
	struct w1_res *res = mmap(NULL, sizeof(*res) * procs, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int go[2], p, st, bad = 0;
	long long out = 0, in = 0, corrupted = 0;
	char b;

	if (res == MAP_FAILED || pipe(go)) {
		fail("mmap/pipe: %s", strerror(errno));
		return 1;
	}
	for (p = 0; p < procs; p++) {
		if (fork() == 0) {
			struct region r;
			int k;

			close(go[1]);
			pin_cpu(p);
			if (map(&r, n / procs, 0xbe00 + p, 1))
				_exit(1);
			if (read(go[0], &b, 1) != 1)
				_exit(1);
			for (k = 0; k < rounds; k++) {
				long long t0, t1, t2;

				r.seed = 0xbe00 + p + 0x100 * k;
				region_fill(&r);
				t0 = now_ns();
				page_out(r.mem, r.pages * PAGE);
				t1 = now_ns();
				if (k == rounds - 1 && p == 0)
					backend_size(dir, &res[p].stored, &res[p].pool);
				touch_pages(r.mem, r.pages);
				t2 = now_ns();
				res[p].out_ns += t1 - t0;
				res[p].in_ns += t2 - t1;
			}
			verify_notes = 0;
			res[p].corrupted = verify(&r, "w1");
			_exit(0);
		}
	}
	close(go[0]);
	for (p = 0; p < procs; p++)
		if (write(go[1], "g", 1) != 1)
			bad = 1;
	close(go[1]);
	for (p = 0; p < procs; p++)
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad = 1;
	for (p = 0; p < procs; p++) {
		out = res[p].out_ns > out ? res[p].out_ns : out;
		in = res[p].in_ns > in ? res[p].in_ns : in;
		corrupted += res[p].corrupted;
	}
	EXPECT(!bad, "a W1 process failed");
	EXPECT(!corrupted, "W1: %lld corrupted bytes", corrupted);
	printf("BENCH %s wl=%s procs=%d pages=%zu rounds=%d out_ns=%lld in_ns=%lld stored=%lld pool_bytes=%lld corrupted=%lld\n",
	       bench_label(), wl, procs, n / procs * procs, rounds, out, in,
	       res[0].stored, res[0].pool, corrupted);
	munmap(res, sizeof(*res) * procs);
	return failures != 0;
}

/*
 * W2: usemem-like.  One allocation of MB (more than RAM) filled in order
 * with the mixed data (timed: global memory pressure swaps the start out
 * while the end is written), then read back and compared in order (timed).
 */
static int bench_w2(const char *dir, size_t n)
{
	struct region r;
	long long t0, t1, t2, stored, pool;
	size_t bad;

	if (map(&r, n, 0x3e2, 1))
		return 1;
	t0 = now_ns();
	region_fill(&r);
	t1 = now_ns();
	backend_size(dir, &stored, &pool);
	verify_notes = 0;
	bad = verify(&r, "w2");
	t2 = now_ns();
	printf("BENCH %s wl=w2 pages=%zu fill_ns=%lld read_ns=%lld stored=%lld pool_bytes=%lld corrupted=%zu\n",
	       bench_label(), n, t1 - t0, t2 - t1, stored, pool, bad);
	munmap(r.mem, n * PAGE);
	return failures != 0;
}

/*
 * W3: churn.  Store a region (timed), free every other page, store a
 * second region (timed), then compact where the arm can (zswap_rs:
 * compact=1, timed).  Density after the churn and after compaction; both
 * regions verified.
 */
static int bench_w3(const char *dir, size_t n)
{
	struct region a, b2;
	long long t0, t1, t2, t3, t4, t5, stored, pool, stored_c, pool_c;
	size_t i, bad = 0;
	unsigned char want[PAGE];

	if (map(&a, n, 0xc3a, 1) || map(&b2, n / 2, 0xc3b, 1))
		return 1;
	region_fill(&a);
	region_fill(&b2);
	t0 = now_ns();
	page_out(a.mem, n * PAGE);
	t1 = now_ns();
	for (i = 0; i < n; i += 2)
		madvise(a.mem + i * PAGE, PAGE, MADV_DONTNEED);
	t2 = now_ns();
	page_out(b2.mem, b2.pages * PAGE);
	t3 = now_ns();
	backend_size(dir, &stored, &pool);
	t4 = now_ns();
	if (!strcmp(dir, "zswap_rs"))
		EXPECT(!knob_set("compact", "1"), "compact=1 refused");
	t5 = now_ns();
	backend_size(dir, &stored_c, &pool_c);
	for (i = 1; i < n; i += 2) {
		fill_page(want, i, a.seed, a.mix);
		bad += memcmp(a.mem + i * PAGE, want, PAGE) != 0;
	}
	verify_notes = 0;
	bad += verify(&b2, "w3");
	EXPECT(!bad, "W3: %zu corrupted", bad);
	printf("BENCH %s wl=w3 pages=%zu store1_ns=%lld free_ns=%lld store2_ns=%lld stored=%lld pool_bytes=%lld compact_ns=%lld pool_bytes_compacted=%lld corrupted=%zu\n",
	       bench_label(), n + n / 2, t1 - t0, t2 - t1, t3 - t2, stored, pool, t5 - t4, pool_c, bad);
	munmap(a.mem, n * PAGE);
	munmap(b2.mem, b2.pages * PAGE);
	return failures != 0;
}

/*
 * THP: MB of the mixed data in transparent huge pages (2 MiB-aligned,
 * MADV_HUGEPAGE), paged out (timed; the caller arranged THP swap, so each
 * 2 MiB folio reaches frontswap whole), then read back (timed, one fault
 * per 4 KiB page: 6.1 swaps a THP back in as single pages) and verified.
 * An arm that refuses huge pages (zswap) sends them to the device whole.
 */
static int bench_thp(const char *dir, size_t n)
{
	struct region r;
	long long t0, t1, t2, stored, pool, ahp0, ahp, whole0, whole, fb0;
	size_t bad;

	if (n == 0 || map_huge(&r, n, 0x7b, 1))
		return 1;
	n = r.pages;
	ahp0 = meminfo("AnonHugePages");
	region_fill(&r);
	/* The premise, reported: how much of it is in THPs, and how many went out whole. */
	ahp = meminfo("AnonHugePages") - ahp0;
	whole0 = vmstat("thp_swpout") + (zrs_stat("stored_thp") > 0 ? zrs_stat("stored_thp") : 0);
	fb0 = vmstat("thp_swpout_fallback");
	t0 = now_ns();
	page_out(r.mem, n * PAGE);
	t1 = now_ns();
	whole = vmstat("thp_swpout") + (zrs_stat("stored_thp") > 0 ? zrs_stat("stored_thp") : 0) - whole0;
	backend_size(dir, &stored, &pool);
	touch_pages(r.mem, n);
	t2 = now_ns();
	verify_notes = 0;
	bad = verify(&r, "thp");
	printf("BENCH %s wl=thp pages=%zu out_ns=%lld in_ns=%lld stored=%lld pool_bytes=%lld thp_pages=%lld thp_whole=%lld thp_fallback=%lld corrupted=%zu\n",
	       bench_label(), n, t1 - t0, t2 - t1, stored, pool, ahp / 4, whole,
	       vmstat("thp_swpout_fallback") - fb0, bad);
	munmap(r.mem, n * PAGE);
	return failures != 0;
}

/*
 * W5: an application under memory pressure.  A working set of MB (more
 * than RAM) of the mixed data, then a fixed amount of work: ACCESSES page
 * accesses, 80% of them to the hottest 20% of the pages, one in five a
 * write (the page is refilled with its next version), every read checked
 * against the page's current version.  The same sequence in every arm (a
 * fixed seed), so every arm does the same work; the access phase is
 * timed, and every page is verified at the end.
 */
static int bench_w5(const char *dir, size_t n, size_t accesses)
{
	struct region r;
	unsigned char *ver, want[PAGE];
	uint64_t s = 0x5eed5eed5eedULL;
	size_t hot = n / 5, i, p, bad = 0;
	long long t0, t1, stored, pool;

	if (n < 10 || map(&r, n, 0x5e5, 1))
		return 1;
	ver = calloc(n, 1);
	if (!ver) {
		fail("calloc %zu", n);
		return 1;
	}
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
	backend_size(dir, &stored, &pool);
	for (p = 0; p < n; p++) {
		fill_page(want, p, r.seed + 0x10000ULL * ver[p], r.mix);
		bad += memcmp(r.mem + p * PAGE, want, PAGE) != 0;
	}
	EXPECT(!bad, "W5: %zu corrupted pages", bad);
	printf("BENCH %s wl=w5 pages=%zu accesses=%zu run_ns=%lld stored=%lld pool_bytes=%lld corrupted=%zu\n",
	       bench_label(), n, accesses, t1 - t0, stored, pool, bad);
	free(ver);
	munmap(r.mem, n * PAGE);
	return failures != 0;
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
 * kinds DIR PAGES: what each arm does with each kind of page: PAGES pages
 * of one kind at a time (the mix's eight kinds, then three periodic
 * record layouts), paged out; frontswap's stores that succeeded and
 * failed (rejected: to the device) counted; every page verified.
 */
static int bench_kinds(const char *dir, size_t n)
{
	static const char *const recs[] = { "records16", "records32", "records64" };
	unsigned char want[PAGE];
	int k;

	(void)dir;
	for (k = 0; k < K_NR + 3; k++) {
		struct region r;
		long long st0, fl0;
		size_t i, bad = 0;

		if (map(&r, n, 0x4b1d + k, 0))
			return 1;
		for (i = 0; i < n; i++) {
			if (k < K_NR)
				fill_page_kind(r.mem + i * PAGE, i, r.seed, k);
			else
				fill_records(r.mem + i * PAGE, i, r.seed, k - K_NR);
		}
		st0 = frontswap_stat("succ_stores");
		fl0 = frontswap_stat("failed_stores");
		page_out(r.mem, n * PAGE);
		printf("BENCHKIND %s pagekind=%s pages=%zu stored=%lld rejected=%lld\n", bench_label(),
		       k < K_NR ? kind_names[k] : recs[k - K_NR], n,
		       frontswap_stat("succ_stores") - st0, frontswap_stat("failed_stores") - fl0);
		for (i = 0; i < n; i++) {
			if (k < K_NR)
				fill_page_kind(want, i, r.seed, k);
			else
				fill_records(want, i, r.seed, k - K_NR);
			bad += memcmp(r.mem + i * PAGE, want, PAGE) != 0;
		}
		EXPECT(!bad, "kinds: %zu corrupted %s pages", bad, k < K_NR ? kind_names[k] : recs[k - K_NR]);
		munmap(r.mem, n * PAGE);
	}
	return failures != 0;
}

/* cdata MB FILE: writes the W1 data (first round, process 0) to FILE. */
static int bench_cdata(size_t n, const char *file)
{
	struct region r;
	int fd = open(file, O_WRONLY);
	size_t i;

	if (fd < 0 || map(&r, n, 0xbe00, 1)) {
		fail("open %s: %s", file, strerror(errno));
		return 1;
	}
	region_fill(&r);
	for (i = 0; i < n; i++)
		if (write(fd, r.mem + i * PAGE, PAGE) != (ssize_t)PAGE) {
			fail("write %s: %s", file, strerror(errno));
			break;
		}
	close(fd);
	munmap(r.mem, n * PAGE);
	return failures != 0;
}

static int cmp_u32(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/*
 * pctl OP FILE WL: the per-call times (ns, one per line) in FILE as one
 * line: count, mean, percentiles 50/90/99/99.9, and 1..99 for the plots.
 */
static int bench_pctl(const char *op, const char *file, const char *wl)
{
	FILE *f = fopen(file, "r");
	unsigned int *v = NULL, x;
	size_t n = 0, cap = 0, i;
	double sum = 0;

	if (!f) {
		fail("open %s: %s", file, strerror(errno));
		return 1;
	}
	while (fscanf(f, "%u", &x) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				return 1;
		}
		v[n++] = x;
		sum += x;
	}
	fclose(f);
	printf("BENCHLAT %s wl=%s op=%s n=%zu", bench_label(), wl, op, n);
	if (n) {
		qsort(v, n, sizeof(*v), cmp_u32);
		printf(" mean=%.0f p50=%u p90=%u p99=%u p999=%u cdf=", sum / n, v[n / 2],
		       v[n * 90 / 100], v[n * 99 / 100], v[n * 999 / 1000]);
		for (i = 1; i < 100; i++)
			printf("%u%s", v[n * i / 100], i < 99 ? "," : "");
	}
	printf("\n");
	free(v);
	return 0;
}

/*
 * bench w1 DIR MB ROUNDS | w4 DIR MB ROUNDS PROCS | w2 DIR MB | w3 DIR MB | cdata MB FILE |
 * pctl OP FILE WL.  ZRS_ARM and ZRS_COMP label the output lines.
 */
static int t_bench(int argc, char **argv)
{
	const char *w = argc > 0 ? argv[0] : "";

	if (!strcmp(w, "w1") && argc >= 4)
		return bench_w1(w, argv[1], mb_pages(argv[2], 0), atoi(argv[3]), 1);
	if (!strcmp(w, "w4") && argc >= 5)
		return bench_w1(w, argv[1], mb_pages(argv[2], 0), atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(w, "w2") && argc >= 3)
		return bench_w2(argv[1], mb_pages(argv[2], 0));
	if (!strcmp(w, "w3") && argc >= 3)
		return bench_w3(argv[1], mb_pages(argv[2], 0));
	if (!strcmp(w, "thp") && argc >= 3)
		return bench_thp(argv[1], mb_pages(argv[2], 0));
	if (!strcmp(w, "kinds") && argc >= 3)
		return bench_kinds(argv[1], strtoul(argv[2], NULL, 10));
	if (!strcmp(w, "w5") && argc >= 4)
		return bench_w5(argv[1], mb_pages(argv[2], 0), strtoul(argv[3], NULL, 10));
	if (!strcmp(w, "cdata") && argc >= 3)
		return bench_cdata(mb_pages(argv[1], 0), argv[2]);
	if (!strcmp(w, "pctl") && argc >= 4)
		return bench_pctl(argv[1], argv[2], argv[3]);
	fprintf(stderr, "usage: zrs-test bench w1 DIR MB ROUNDS | w4 DIR MB ROUNDS PROCS | w2 DIR MB | w3 DIR MB | w5 DIR MB ACCESSES | thp DIR MB | kinds DIR PAGES | cdata MB FILE | pctl OP FILE WL\n");
	return 2;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "hold", t_hold, "[MB] [SECS|go] [SEED]  page out, wait (SECS, or until " GO_FILE " exists), verify" },
	{ "thphold", t_thphold, "[MB] [SEED]  huge pages out (stored whole), wait for go, verify; THPHOLD line" },
	{ "storeexit", t_storeexit, "[PAGES] [SEED]  page out distinct pages on CPU 0 and exit (dead slots)" },
	{ "texthold", t_texthold, "[PAGES] [SEED]  page out distinct pages, wait for go, verify (SEED bit 63: tiny objects)" },
	{ "dupfail", t_dupfail, "       a re-dirtied page's duplicate store fails (fault injection; see race_dup_failstore)" },
	{ "undopair", t_undopair, "      one frame of two objects; frees one on go1 (see race_store_undo)" },
	{ "sigbushold", t_sigbushold, "[PAGES]  one page's load fails (SIGBUS caught, page kept), wait for go, verify the rest (debug kernel)" },
	{ "pressure", t_pressure, "[MB|auto] [ROUNDS]  real memory pressure, verify (demo workload)" },
	{ "density", t_density, "[MB] [DEBUGFS-DIR]  pool bytes per stored page" },
	{ "bench", t_bench, "w1|w2|w3|cdata|pctl ...  benchmark workloads (make bench)" },
};

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || !strcmp(argv[1], "help")) {
		printf("usage: %s <subcommand> [args]\n", prog);
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			printf("  %-15s %s\n", cmds[i].name, cmds[i].help);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "%s: unknown subcommand '%s'\n", prog, argv[1]);
	return 2;
}
