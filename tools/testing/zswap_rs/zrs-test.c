// SPDX-License-Identifier: GPL-2.0
/*
 * zrs-test: the in-guest workload tool of zswap_rs.
 *
 * The workloads that shell tests orchestrate (tests.sh, /init): they run
 * in the background, say "ready", wait for go files, and exit
 * 0 (pass), 1 (fail), 2 (usage/setup error) or 4 (skipped: the kernel
 * lacks what it needs, as kselftest's KSFT_SKIP).  Each maps anonymous
 * memory, fills it with a mix of data kinds (zrs_lib), pushes it to swap
 * (MADV_PAGEOUT, or real memory pressure), reads it back and compares
 * every byte with a regenerated copy.
 *
 * The self-contained tests are kselftest_harness programs: zrs_integrity,
 * zrs_knobs, zrs_writeback, zrs_memcg, zrs_faults, zrs_stress, and the
 * measuring workloads zrs_bench (see Documentation/testing.rst).
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

/* Compare every byte (zrs_lib's region_verify); returns the corrupted bytes. */
static size_t verify(struct region *r, const char *what)
{
	size_t bad = region_verify(r, what, false);

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
 * pressure MB [ROUNDS [go]]: real memory pressure (no madvise): touch MB of
 * mixed data in a loop, verify every round.  The demo workload.  With go:
 * after the last round's fill, say "ready" and wait for the go file before
 * verifying (the caller acts while the memory is under pressure).
 */
static int t_pressure(int argc, char **argv)
{
	struct region r;
	size_t n;
	int rounds = argc > 1 ? atoi(argv[1]) : 2, i;
	int go = argc > 2 && !strcmp(argv[2], "go");

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
		if (go && i == rounds - 1) {
			printf("ready\n");
			fflush(stdout);
			wait_go();
		}
		verify(&r, "pressure read back");
	}
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

/*
 * cdata MB FILE [w6 ROUNDS]: writes the W1 data (first round, process 0)
 * to FILE; with w6, W6's data of its last round (zrs_bench's bench_w1:
 * the pages whose pool it measures).
 */
static int bench_cdata(size_t n, const char *file, uint64_t seed, unsigned int mix)
{
	struct region r;
	int fd = open(file, O_WRONLY);
	size_t i;

	if (fd < 0 || map(&r, n, seed, mix)) {
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
 * bench cdata MB FILE | pctl OP FILE WL: make bench's helpers (the
 * measuring workloads are zrs_bench's tests).  ZRS_ARM and ZRS_COMP label
 * the output lines.
 */
static int t_bench(int argc, char **argv)
{
	const char *w = argc > 0 ? argv[0] : "";

	if (!strcmp(w, "cdata") && argc >= 5 && !strcmp(argv[3], "w6"))
		return bench_cdata(mb_pages(argv[1], 0), argv[2],
				   0xbe00 + 0x100 * (strtoul(argv[4], NULL, 0) - 1), MIX_MID);
	if (!strcmp(w, "cdata") && argc >= 3)
		return bench_cdata(mb_pages(argv[1], 0), argv[2], 0xbe00, 1);
	if (!strcmp(w, "pctl") && argc >= 4)
		return bench_pctl(argv[1], argv[2], argv[3]);
	fprintf(stderr, "usage: zrs-test bench cdata MB FILE [w6 ROUNDS] | pctl OP FILE WL\n");
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
	{ "pressure", t_pressure, "[MB|auto] [ROUNDS [go]]  real memory pressure, verify (demo workload)" },
	{ "bench", t_bench, "cdata|pctl ...  make bench's helpers (its workloads: zrs_bench)" },
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
