// SPDX-License-Identifier: GPL-2.0
/*
 * zrs-test: in-guest test and workload program for zswap_rs.
 *
 * Every subcommand maps anonymous memory, fills it with a mix of data kinds,
 * pushes it to swap (MADV_PAGEOUT, or real memory pressure), reads it back
 * and compares every byte with a regenerated copy.  Counters from
 * /sys/kernel/debug/zswap_rs, /sys/kernel/debug/frontswap and
 * /proc/vmstat are checked against the expected movement.
 *
 * Exit status: 0 pass, 1 fail, 2 usage/setup error.
 * Usage: zrs-test <subcommand> [options]   (zrs-test help)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/swap.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif

#define PAGE 4096UL
#define HPAGE (2UL << 20)

static const char *prog = "zrs-test";
static int failures;

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

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("  ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

/* ---- counters ---- */

static long long read_num(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtoll(buf, NULL, 10);
}

/* A statistic of the backend whose debugfs directory is @dir. */
static long long dstat(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", dir, name);
	return read_num(path);
}

static long long zstat(const char *name)
{
	return dstat("zswap_rs", name);
}

static long long fstat_(const char *name)
{
	return dstat("frontswap", name);
}

/*
 * The number after "name<sep>" at the start of a line of file @path (for
 * /proc/vmstat and memory.stat sep is ' ', for /proc/meminfo ':'; meminfo
 * values are in kB); -1 if there is no such line.
 */
static long long proc_field(const char *path, const char *name, char sep)
{
	char line[256];
	size_t len = strlen(name);
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == sep) {
			v = strtoll(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static long long vmstat(const char *name)
{
	return proc_field("/proc/vmstat", name, ' ');
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

static int param_set(const char *name, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/zswap_rs/parameters/%s", name);
	return write_str(path, val);
}

static int param_get(const char *name, char *buf, size_t len)
{
	char path[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/module/zswap_rs/parameters/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

/* ---- data ---- */

enum kind { K_ZERO, K_WORD, K_TEXT, K_HALF, K_RANDOM, K_NEAR_MAX, K_ONES, K_SPARSE, K_NR };
static const char *const kind_names[K_NR] = {
	"zero", "same-word", "text", "half-random", "random",
	"near-zbud-max", "all-ones", "sparse",
};

static uint64_t rng(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static enum kind page_kind(size_t idx, unsigned int mix)
{
	uint64_t s = idx * 7919 + mix;

	return (enum kind)(rng(&s) % K_NR);
}

/*
 * Fill one page: the content depends only on (idx, seed), so it can be
 * regenerated for comparison.
 */
static void fill_page(unsigned char *p, size_t idx, uint64_t seed, unsigned int mix)
{
	uint64_t s = seed ^ (idx * 0x100000001b3ULL);
	uint64_t *w = (uint64_t *)p;
	enum kind k = page_kind(idx, mix);
	size_t i, rnd;
	static const char *words[] = { "swap ", "page ", "zbud ", "frame ", "rust ",
				       "kernel ", "the ", "offset ", "\n", "xarray " };

	switch (k) {
	case K_ZERO:
		memset(p, 0, PAGE);
		break;
	case K_WORD: {
		uint64_t v = rng(&s) & 0x0fffffffffffffffULL;

		for (i = 0; i < PAGE / 8; i++)
			w[i] = v;
		break;
	}
	case K_ONES:
		memset(p, 0xff, PAGE);
		break;
	case K_TEXT:
		for (i = 0; i < PAGE;) {
			const char *t = words[rng(&s) % 10];
			size_t l = strlen(t);

			if (i + l > PAGE)
				l = PAGE - i;
			memcpy(p + i, t, l);
			i += l;
		}
		break;
	case K_HALF:
	case K_NEAR_MAX:
		/*
		 * K_HALF: 1/2 random bytes.  K_NEAR_MAX: ~3900-4000 random
		 * bytes, so the compressed size lands around zbud's largest
		 * object (3968 bytes with zswap's header).
		 */
		rnd = k == K_HALF ? PAGE / 2 : 3880 + rng(&s) % 160;
		for (i = 0; i < rnd / 8; i++)
			w[i] = rng(&s);
		memset(p + (rnd / 8) * 8, (int)(idx & 0xff), PAGE - (rnd / 8) * 8);
		break;
	case K_RANDOM:
		for (i = 0; i < PAGE / 8; i++)
			w[i] = rng(&s);
		break;
	case K_SPARSE:
		memset(p, 0, PAGE);
		for (i = 0; i < 16; i++)
			w[rng(&s) % (PAGE / 8)] = rng(&s);
		break;
	default:
		break;
	}
	/* Tag every non-uniform page with its index and seed. */
	if (k != K_ZERO && k != K_WORD && k != K_ONES) {
		w[0] = idx;
		w[1] = seed;
	}
}

struct region {
	unsigned char *mem;
	size_t pages;
	uint64_t seed;
	unsigned int mix;
};

static int region_map(struct region *r, size_t pages, uint64_t seed, unsigned int mix)
{
	r->mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->mem == MAP_FAILED) {
		fail("mmap %zu pages: %s", pages, strerror(errno));
		return -1;
	}
	r->pages = pages;
	r->seed = seed;
	r->mix = mix;
	return 0;
}

static void region_fill(struct region *r)
{
	size_t i;

	for (i = 0; i < r->pages; i++)
		fill_page(r->mem + i * PAGE, i, r->seed, r->mix);
}

static int pageout(void *p, size_t len)
{
	if (madvise(p, len, MADV_PAGEOUT)) {
		fail("madvise(MADV_PAGEOUT): %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* region_verify() notes a clean comparison (storm workers turn it off). */
static int verify_notes = 1;

/* Compare every byte; returns the number of corrupted bytes. */
/*
 * Run totals for the host (lib.sh sums them at the end of a guest run):
 * one line per verification or storm, appended by any process.
 */
static void tally(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fd = open("/tmp/zrs-totals", O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, n) < 0)
		n = 0;
	close(fd);
}

static size_t region_verify(struct region *r, const char *what)
{
	unsigned char want[PAGE];
	size_t i, j, bad = 0, badpages = 0;

	for (i = 0; i < r->pages; i++) {
		unsigned char *p = r->mem + i * PAGE;

		fill_page(want, i, r->seed, r->mix);
		if (!memcmp(p, want, PAGE))
			continue;
		badpages++;
		for (j = 0; j < PAGE; j++)
			bad += p[j] != want[j];
		if (badpages <= 3)
			fail("%s: page %zu (%s) differs", what, i,
			     kind_names[page_kind(i, r->mix)]);
	}
	tally("verified %zu %zu\n", r->pages, bad);
	if (bad)
		fail("%s: %zu corrupted bytes in %zu pages", what, bad, badpages);
	else if (verify_notes)
		note("%s: %zu pages, 0 corrupted bytes", what, r->pages);
	return bad;
}

/* Pages of the region currently resident (mincore). */
static size_t resident(struct region *r)
{
	unsigned char *vec = malloc(r->pages);
	size_t i, n = 0;

	if (!vec || mincore(r->mem, r->pages * PAGE, vec)) {
		free(vec);
		return (size_t)-1;
	}
	for (i = 0; i < r->pages; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

/*
 * Swap slots in use, in pages (SwapTotal - SwapFree).  Slots freed by a
 * munmap or exit may wait in the per-CPU swap slot caches before the kernel
 * really frees them (and only then invalidates them in frontswap); they
 * still count as used here.  So at any quiet moment every page zswap_rs
 * holds has a used slot: stored_pages <= swap_used(), with equality when
 * no page went to the swap device.
 */
static long long swap_used(void)
{
	char line[256];
	long long total = -1, free_ = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "SwapTotal: %lld", &total);
		sscanf(line, "SwapFree: %lld", &free_);
	}
	fclose(f);
	return (total - free_) / 4;
}

/* A /proc/meminfo field (in kB for most), -1 if absent. */
static long long meminfo(const char *name)
{
	return proc_field("/proc/meminfo", name, ':');
}

#define EXPECT(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

static size_t mb_pages(const char *arg, size_t def_mb)
{
	size_t mb = arg ? strtoul(arg, NULL, 0) : def_mb;

	return mb * 256;
}

/*
 * Pins this process to one CPU (cpu < 0: the one it runs on).  6.1's
 * MADV_PAGEOUT drains only the local CPU's LRU-add batches, so pages a
 * process faulted in on another CPU it migrated from may not be paged out
 * at all; tests that count what was stored pin themselves first.
 */
static void pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		cpu = sched_getcpu();
	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ---- subcommands ---- */

/*
 * integrity [MB]: mixed data out and back; counters move by what was stored.
 */
static int t_integrity(int argc, char **argv)
{
	struct region r;
	size_t n = mb_pages(argc > 0 ? argv[0] : NULL, 32);
	long long st0 = fstat_("succ_stores"), ld0 = fstat_("loads");
	long long sp0 = zstat("stored_pages"), sf0 = zstat("same_filled_pages");
	long long pswpout0 = vmstat("pswpout");
	long long st, ld, sp;
	long long rejects = zstat("reject_compress_poor") + zstat("pool_limit_hit") + zstat("reject_alloc_fail");

	pin_cpu(-1);
	if (region_map(&r, n, 0x5eed, 1))
		return 1;
	region_fill(&r);
	if (pageout(r.mem, n * PAGE))
		return 1;
	st = fstat_("succ_stores") - st0;
	sp = zstat("stored_pages") - sp0;
	note("paged out %zu pages: %lld frontswap stores, stored_pages +%lld, same_filled +%lld, resident %zu, pswpout +%lld",
	     n, st, sp, zstat("same_filled_pages") - sf0, resident(&r), vmstat("pswpout") - pswpout0);
	rejects = zstat("reject_compress_poor") + zstat("pool_limit_hit") + zstat("reject_alloc_fail") - rejects;
	EXPECT(st + rejects >= (long long)(n * 95 / 100), "only %lld stored + %lld rejected of %zu pages", st, rejects, n);
	EXPECT(st >= (long long)(n * 6 / 10), "only %lld of %zu pages stored", st, n);
	EXPECT(sp == st, "stored_pages moved by %lld, frontswap stored %lld", sp, st);
	EXPECT(zstat("same_filled_pages") - sf0 > 0, "no same-filled page counted");
	EXPECT(zstat("pool_pages") > 0, "pool is empty after storing");
	region_verify(&r, "read back");
	ld = fstat_("loads") - ld0;
	note("read back: %lld frontswap loads", ld);
	EXPECT(ld >= st, "frontswap loads %lld < stores %lld", ld, st);
	munmap(r.mem, n * PAGE);
	sp = zstat("stored_pages");
	note("after munmap: stored_pages %lld, swap slots in use %lld", sp, swap_used());
	EXPECT(sp <= swap_used(), "stored_pages %lld > swap slots in use %lld: leak", sp, swap_used());
	return failures != 0;
}

/*
 * Map pages (a multiple of 512) of anonymous memory 2 MiB-aligned and
 * marked MADV_HUGEPAGE, so that faults on it get transparent huge pages.
 * r->mem is the aligned start; *base and *len are the whole mapping (2 MiB
 * more), for munmap.
 */
static int thp_map(struct region *r, size_t pages, uint64_t seed, unsigned int mix,
		   void **base, size_t *len)
{
	uintptr_t a;

	if (region_map(r, pages + HPAGE / PAGE, seed, mix))
		return -1;
	*base = r->mem;
	*len = r->pages * PAGE;
	a = ((uintptr_t)r->mem + HPAGE - 1) & ~(HPAGE - 1);
	r->mem = (unsigned char *)a;
	r->pages = pages;
	if (madvise(r->mem, pages * PAGE, MADV_HUGEPAGE)) {
		fail("madvise(MADV_HUGEPAGE): %s", strerror(errno));
		munmap(*base, *len);
		return -1;
	}
	return 0;
}

/*
 * One round of thp: fill fresh THPs, page them out whole, read back.
 * Returns -1 if the round could not test anything (no THP obtained).
 */
static int thp_round(int round, size_t n, uint64_t seed)
{
	struct region r;
	void *base;
	size_t len;
	char what[64], rejs[32];
	long long ahp0 = meminfo("AnonHugePages"), ahp;
	long long swp0, fb0, pso0, rej0, sp0, st0, fst0;
	long long swp, fb, pso, rej1, rej = 0, sp;

	if (thp_map(&r, n, seed, 1, &base, &len))
		return -1;
	region_fill(&r);
	ahp = meminfo("AnonHugePages") - ahp0;
	if (ahp0 < 0 || ahp <= 0) {
		fail("round %d: no transparent huge page obtained (AnonHugePages %lld kB before, +%lld kB after filling): the test would prove nothing",
		     round, ahp0, ahp);
		munmap(base, len);
		return -1;
	}
	swp0 = vmstat("thp_swpout");
	fb0 = vmstat("thp_swpout_fallback");
	pso0 = vmstat("pswpout");
	rej0 = zstat("reject_thp");
	sp0 = zstat("stored_pages");
	st0 = fstat_("succ_stores");
	fst0 = fstat_("failed_stores");
	if (pageout(r.mem, n * PAGE)) {
		munmap(base, len);
		return -1;
	}
	swp = vmstat("thp_swpout") - swp0;
	fb = vmstat("thp_swpout_fallback") - fb0;
	pso = vmstat("pswpout") - pso0;
	rej1 = zstat("reject_thp");
	sp = zstat("stored_pages") - sp0;
	if (rej0 < 0 || rej1 < 0) {
		snprintf(rejs, sizeof(rejs), "missing");
	} else {
		rej = rej1 - rej0;
		snprintf(rejs, sizeof(rejs), "+%lld", rej);
	}
	note("thp round %d: %lld MiB in THPs, thp_swpout +%lld, thp_swpout_fallback +%lld, reject_thp %s, pswpout +%lld, stored_pages +%lld",
	     round, ahp / 1024, swp, fb, rejs, pso, sp);
	note("thp round %d: frontswap succ_stores +%lld, failed_stores +%lld; resident %zu of %zu pages",
	     round, fstat_("succ_stores") - st0, fstat_("failed_stores") - fst0, resident(&r), n);
	EXPECT(swp0 >= 0, "no thp_swpout in /proc/vmstat: kernel without THP swap statistics");
	EXPECT(swp >= 1, "thp_swpout did not move (thp_swpout_fallback +%lld): no 2 MiB folio was written to the swap device whole, the test proves nothing; is /dev/vda non-rotational (/sys/block/vda/queue/rotational 0 before swapon)? (a backend that accepts a THP also keeps it from thp_swpout)",
	       fb);
	if (rej0 < 0 || rej1 < 0)
		fail("debugfs counter reject_thp missing: a module that does not reject THPs (the bytes are still compared below)");
	else
		EXPECT(rej >= swp, "reject_thp moved by %lld < thp_swpout %lld: a whole THP reached the swap device without a rejection by zswap_rs",
		       rej, swp);
	snprintf(what, sizeof(what), "thp round %d read back", round);
	region_verify(&r, what);
	munmap(base, len);
	return 0;
}

/*
 * thp [MB]: whole 2 MiB transparent huge pages swapped out (THP_SWAP; the
 * kernel does that only to a non-rotational swap device, which tests.sh
 * arranges).  swap_writepage() hands frontswap the head page of the 2 MiB
 * folio: zswap_rs must reject it (reject_thp), so that all of it goes to
 * the swap device; a backend that stored the first 4 KiB and reported
 * success would return the other 511 subpages as whatever the disk slots
 * hold.  Every byte is compared, in two rounds (fresh THPs, new seed).
 */
static int t_thp(int argc, char **argv)
{
	size_t mb = argc > 0 ? strtoul(argv[0], NULL, 0) : 32;
	size_t n = (mb + 1) / 2 * (HPAGE / PAGE);
	int round;

	pin_cpu(-1);
	if (!n) {
		fprintf(stderr, "%s thp: MB must be at least 1\n", prog);
		return 2;
	}
	for (round = 1; round <= 2; round++)
		if (thp_round(round, n, 0x7497 + round))
			break;
	return failures != 0;
}

/*
 * duplicate: page out, re-dirty half the pages with new content, page out
 * again: the new content must win and the count must not grow.
 */
static int t_duplicate(int argc, char **argv)
{
	struct region r;
	size_t n = 4096, i;
	long long sp0 = zstat("stored_pages"), inv0 = fstat_("invalidates");
	long long sp1;
	/* "shared": other processes store meanwhile; the global counters
	 * cannot be checked against this region (the caller checks them). */
	int alone = !(argc > 0 && !strcmp(argv[0], "shared"));

	pin_cpu(-1);
	if (region_map(&r, n, 0xd00d, 2))
		return 1;
	region_fill(&r);
	pageout(r.mem, n * PAGE);
	sp1 = zstat("stored_pages") - sp0;
	/* Read everything back (swap cache keeps the slot), change odd pages. */
	region_verify(&r, "first read");
	r.seed = 0xd00e;
	for (i = 1; i < n; i += 2)
		fill_page(r.mem + i * PAGE, i, r.seed, r.mix);
	for (i = 0; i < n; i += 2)
		fill_page(r.mem + i * PAGE, i, r.seed, r.mix);
	pageout(r.mem, n * PAGE);
	note("stored after first pageout +%lld, after second +%lld, invalidates +%lld, duplicate_entry %lld",
	     sp1, zstat("stored_pages") - sp0, fstat_("invalidates") - inv0, zstat("duplicate_entry"));
	if (alone)
		EXPECT(zstat("stored_pages") - sp0 <= (long long)n, "stored_pages grew beyond the region: %lld",
		       zstat("stored_pages") - sp0);
	region_verify(&r, "second read");
	munmap(r.mem, n * PAGE);
	if (alone)
		EXPECT(zstat("stored_pages") <= swap_used(), "stored_pages %lld > swap slots in use %lld: leak",
		       zstat("stored_pages"), swap_used());
	return failures != 0;
}

/*
 * exit: a child fills compressible memory, pages it out and exits.
 * Afterwards every page zswap_rs still holds must be one whose swap slot
 * the kernel has not freed yet (per-CPU slot caches, at most 64 per CPU):
 * stored_pages == swap slots in use, exactly, as nothing went to disk.
 * Run it right after swapon (tests.sh does), so no earlier test left
 * slots behind.
 */
static int t_exit(int argc, char **argv)
{
	long long used, sp, pswpout0 = vmstat("pswpout");
	pid_t pid;
	int status;

	pin_cpu(-1);
	(void)argc; (void)argv;
	pid = fork();
	if (pid == 0) {
		struct region r;
		size_t i;

		if (region_map(&r, 8192, 0xe417, 3))
			_exit(1);
		for (i = 0; i < r.pages; i++) {
			memset(r.mem + i * PAGE, 'a' + i % 26, PAGE);
			memcpy(r.mem + i * PAGE + 100, &i, sizeof(i));
		}
		pageout(r.mem, 8192 * PAGE);
		printf("  child: stored_pages %lld, pool_pages %lld\n", zstat("stored_pages"), zstat("pool_pages"));
		_exit(zstat("stored_pages") >= 8000 ? 0 : 3);
	}
	waitpid(pid, &status, 0);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed (status %#x)", status);
	used = swap_used();
	sp = zstat("stored_pages");
	note("after exit: stored_pages %lld, swap slots in use %lld, pool_pages %lld, pswpout +%lld",
	     sp, used, zstat("pool_pages"), vmstat("pswpout") - pswpout0);
	EXPECT(vmstat("pswpout") == pswpout0, "pages went to disk; the exact check needs none");
	/*
	 * Every stored page holds a swap slot.  Not equality: on SMP the
	 * per-CPU swap slot caches also hold slots allocated ahead for the
	 * next swap-outs, which count as used without holding data.
	 */
	EXPECT(sp <= used, "stored_pages %lld > swap slots in use %lld", sp, used);
	EXPECT(sp <= 64 * sysconf(_SC_NPROCESSORS_ONLN), "%lld pages still stored after exit", sp);
	EXPECT(sp > 0 || zstat("pool_pages") == 0, "pool_pages %lld with nothing stored", zstat("pool_pages"));
	return failures != 0;
}

/*
 * hold MB SECONDS: fill and page out, then verify after SECONDS (used to
 * run swapoff or a compressor switch in the middle).  Writes "ready" to
 * stdout once paged out.
 */
static int t_hold(int argc, char **argv)
{
	struct region r;
	size_t n = mb_pages(argc > 0 ? argv[0] : NULL, 16);
	int secs = argc > 1 ? atoi(argv[1]) : 2;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x401d;
	int i;

	pin_cpu(-1);
	if (region_map(&r, n, seed, 4))
		return 1;
	region_fill(&r);
	pageout(r.mem, n * PAGE);
	/*
	 * Rarely (seen once in a full run with THP) MADV_PAGEOUT leaves the
	 * whole region resident, e.g. a THP that could not be split at that
	 * moment; the callers count on most of it being out: try again.
	 */
	for (i = 0; i < 3 && resident(&r) > n / 2; i++) {
		note("hold: %zu of %zu pages still resident; MADV_PAGEOUT again", resident(&r), n);
		usleep(200000);
		pageout(r.mem, n * PAGE);
	}
	note("hold: %zu pages paged out, resident %zu", n, resident(&r));
	printf("ready\n");
	fflush(stdout);
	sleep(secs);
	region_verify(&r, "after hold");
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

	if (region_map(&r, n, 0x9e55, 5))
		return 1;
	for (i = 0; i < rounds; i++) {
		r.seed = 0x9e55 + i;
		region_fill(&r);
		note("round %d: filled %zu MiB, resident %zu MiB, stored_pages %lld, pool %lld KiB",
		     i, n / 256, resident(&r) / 256, zstat("stored_pages"), zstat("pool_total_size") / 1024);
		region_verify(&r, "pressure read back");
	}
	munmap(r.mem, n * PAGE);
	return failures != 0;
}

/*
 * incompressible: random pages are rejected (store_incompressible=N) or
 * stored as-is (Y); either way they come back intact.
 */
static int t_incompressible(int argc, char **argv)
{
	struct region r;
	size_t n = 1024, i;
	long long poor0, inc0, sp0;
	uint64_t s = 42;

	(void)argc; (void)argv;
	if (region_map(&r, n, 1, 0))
		return 1;
	for (i = 0; i < n * PAGE / 8; i++)
		((uint64_t *)r.mem)[i] = rng(&s);
	param_set("store_incompressible", "N");
	poor0 = zstat("reject_compress_poor");
	sp0 = zstat("stored_pages");
	pageout(r.mem, n * PAGE);
	note("store_incompressible=N: reject_compress_poor +%lld, stored +%lld",
	     zstat("reject_compress_poor") - poor0, zstat("stored_pages") - sp0);
	EXPECT(zstat("reject_compress_poor") - poor0 >= (long long)n * 9 / 10, "random pages were not rejected");
	s = 42;
	for (i = 0; i < n * PAGE / 8; i++)
		if (((uint64_t *)r.mem)[i] != rng(&s)) {
			fail("random data corrupted at word %zu", i);
			break;
		}
	/* Dirty again so the next pageout stores them. */
	s = 43;
	for (i = 0; i < n * PAGE / 8; i++)
		((uint64_t *)r.mem)[i] = rng(&s);
	param_set("store_incompressible", "Y");
	inc0 = zstat("incompressible_pages");
	sp0 = zstat("stored_pages");
	pageout(r.mem, n * PAGE);
	note("store_incompressible=Y: incompressible_pages +%lld, stored +%lld, frames_whole_page %lld",
	     zstat("incompressible_pages") - inc0, zstat("stored_pages") - sp0, zstat("frames_whole_page"));
	EXPECT(zstat("incompressible_pages") - inc0 >= (long long)n * 9 / 10, "random pages were not stored as-is");
	s = 43;
	for (i = 0; i < n * PAGE / 8; i++)
		if (((uint64_t *)r.mem)[i] != rng(&s)) {
			fail("as-is data corrupted at word %zu", i);
			break;
		}
	munmap(r.mem, n * PAGE);
	param_set("store_incompressible", "N");
	/* Freed slots may wait in the swap slot caches (see swap_used()). */
	EXPECT(zstat("incompressible_pages") - inc0 <= swap_used(), "incompressible_pages +%lld after munmap > slots in use %lld",
	       zstat("incompressible_pages") - inc0, swap_used());
	return failures != 0;
}

/* compressors: switch lzo -> lz4 -> zstd -> lzo with data of each stored. */
static int t_compressors(int argc, char **argv)
{
	static const char *const algs[] = { "lzo", "lz4", "zstd", "deflate", "lzo" };
	struct region r[5];
	char cur[64];
	size_t i, n = 2048;

	(void)argc; (void)argv;
	for (i = 0; i < 5; i++) {
		int err = param_set("compressor", algs[i]);

		EXPECT(!err, "compressor=%s refused: %s", algs[i], strerror(-err));
		param_get("compressor", cur, sizeof(cur));
		EXPECT(!strcmp(cur, algs[i]), "compressor reads '%s' after writing '%s'", cur, algs[i]);
		if (region_map(&r[i], n, 0xc0 + i, 6))
			return 1;
		region_fill(&r[i]);
		pageout(r[i].mem, n * PAGE);
		note("%s: stored_pages %lld, pool_pages %lld", algs[i], zstat("stored_pages"), zstat("pool_pages"));
	}
	for (i = 0; i < 5; i++) {
		char what[64];

		snprintf(what, sizeof(what), "data compressed with %s", algs[i]);
		region_verify(&r[i], what);
		munmap(r[i].mem, n * PAGE);
	}
	return failures != 0;
}

/* knobs: invalid values are refused with EINVAL and change nothing. */
static int t_knobs(int argc, char **argv)
{
	static const struct { const char *knob, *val; } bad[] = {
		{ "compressor", "no-such-alg" }, { "compressor", "\n" },
		{ "compressor", "lzo-but-a-name-that-is-far-too-long-to-be-real" },
		{ "max_pool_percent", "101" }, { "max_pool_percent", "-1" },
		{ "max_pool_percent", "abc" }, { "max_pool_percent", "\n" },
		{ "accept_threshold_percent", "200" }, { "enabled", "maybe" },
		{ "same_filled_pages_enabled", "2" }, { "store_incompressible", "x" },
	};
	static const char *const knobs[] = { "compressor", "max_pool_percent",
		"accept_threshold_percent", "enabled", "same_filled_pages_enabled",
		"store_incompressible" };
	char before[6][64], after[64];
	size_t i;
	int err;

	(void)argc; (void)argv;
	for (i = 0; i < 6; i++)
		param_get(knobs[i], before[i], sizeof(before[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = param_set(bad[i].knob, bad[i].val);
		EXPECT(err == -EINVAL, "%s='%s' gave %s, want EINVAL", bad[i].knob, bad[i].val,
		       err ? strerror(-err) : "success");
	}
	for (i = 0; i < 6; i++) {
		param_get(knobs[i], after, sizeof(after));
		EXPECT(!strcmp(before[i], after), "%s changed from '%s' to '%s'", knobs[i], before[i], after);
	}
	/* Good values are taken and read back. */
	EXPECT(!param_set("max_pool_percent", "33"), "max_pool_percent=33 refused");
	param_get("max_pool_percent", after, sizeof(after));
	EXPECT(!strcmp(after, "33"), "max_pool_percent reads %s", after);
	param_set("max_pool_percent", before[1]);
	EXPECT(!param_set("enabled", "0"), "enabled=0 refused");
	param_get("enabled", after, sizeof(after));
	EXPECT(!strcmp(after, "N"), "enabled reads %s after 0", after);
	param_set("enabled", "Y");
	/* Read-only files refuse writes. */
	err = write_str("/sys/kernel/mm/zswap_rs/stored_pages", "5");
	EXPECT(err != 0, "write to read-only sysfs stored_pages succeeded");
	err = write_str("/sys/kernel/debug/zswap_rs/stored_pages", "5");
	EXPECT(err != 0, "write to read-only debugfs stored_pages succeeded");
	note("checked %zu invalid values and the read-only files", sizeof(bad) / sizeof(bad[0]));
	return failures != 0;
}

/* limit: with max_pool_percent=1 the pool stops growing; data stays intact. */
static int t_limit(int argc, char **argv)
{
	struct region r;
	size_t n = 16384;
	long long hit0 = zstat("pool_limit_hit"), limit;
	char before[16];

	pin_cpu(-1);
	(void)argc; (void)argv;
	param_get("max_pool_percent", before, sizeof(before));
	/* The limit alone: no writeback (the writeback test covers it). */
	param_set("writeback", "N");
	param_set("max_pool_percent", "1");
	limit = sysconf(_SC_PHYS_PAGES) / 100;
	if (region_map(&r, n, 0x1111, 7))
		return 1;
	region_fill(&r);
	pageout(r.mem, n * PAGE);
	note("pool_pages %lld (limit ~%lld), pool_limit_hit +%lld, pswpout %lld",
	     zstat("pool_pages"), limit, zstat("pool_limit_hit") - hit0, vmstat("pswpout"));
	EXPECT(zstat("pool_limit_hit") > hit0, "pool_limit_hit did not move");
	EXPECT(zstat("pool_pages") <= limit + 1, "pool grew past its limit: %lld > %lld", zstat("pool_pages"), limit);
	region_verify(&r, "limited pool");
	munmap(r.mem, n * PAGE);
	param_set("max_pool_percent", before);
	param_set("writeback", "Y");
	return failures != 0;
}

/*
 * writeback: max_pool_percent=2 and a workload about three times what that
 * pool holds: the coldest frames are written back to the swap device while
 * the pool stays at its limit, and every byte comes back.  Then
 * writeback=N: stores over the limit are rejected and nothing is written
 * back; and writeback=200: 200 frames are written back at once.
 */
static int t_writeback(int argc, char **argv)
{
	long long limit = sysconf(_SC_PHYS_PAGES) * 2 / 100, slack = 64;
	size_t n = limit * 8, i, chunk = 1024;
	long long wb0 = zstat("written_back_pages"), psw0 = vmstat("pswpout");
	long long hit0, wb1, pool, pool1, max_pool = 0;
	char before[16];
	struct region r;

	pin_cpu(-1);
	(void)argc; (void)argv;
	param_get("max_pool_percent", before, sizeof(before));
	EXPECT(!param_set("writeback", "Y"), "writeback=Y refused");
	EXPECT(!param_set("max_pool_percent", "2"), "max_pool_percent=2 refused");
	if (region_map(&r, n, 0x3b4c, 6))
		return 1;
	region_fill(&r);
	for (i = 0; i < n; i += chunk) {
		size_t len = (n - i < chunk ? n - i : chunk) * PAGE;

		pageout(r.mem + i * PAGE, len);
		pool = zstat("pool_pages");
		if (pool > max_pool)
			max_pool = pool;
		usleep(20000);
	}
	sleep(1);
	note("writeback: %zu pages paged out, pool limit %lld pages: pool_pages %lld (max seen %lld), written_back_pages +%lld, pswpout +%lld, pool_limit_hit %lld, reclaim_runs %lld, writeback_fail %lld",
	     n, limit, zstat("pool_pages"), max_pool, zstat("written_back_pages") - wb0,
	     vmstat("pswpout") - psw0, zstat("pool_limit_hit"), zstat("reclaim_runs"),
	     zstat("writeback_fail"));
	EXPECT(zstat("written_back_pages") > wb0, "nothing written back");
	EXPECT(vmstat("pswpout") - psw0 >= zstat("written_back_pages") - wb0,
	       "pswpout rose by less than the pages written back");
	EXPECT(max_pool <= limit + slack, "pool reached %lld pages, limit %lld + slack %lld",
	       max_pool, limit, slack);
	region_verify(&r, "written back / pool");

	/* writeback=N: at the limit stores are rejected, nothing written back. */
	EXPECT(!param_set("writeback", "N"), "writeback=N refused");
	sleep(1);
	wb1 = zstat("written_back_pages");
	hit0 = zstat("pool_limit_hit");
	r.seed++;
	region_fill(&r);
	pageout(r.mem, n * PAGE);
	note("writeback=N: pool_limit_hit +%lld, written_back_pages +%lld",
	     zstat("pool_limit_hit") - hit0, zstat("written_back_pages") - wb1);
	EXPECT(zstat("pool_limit_hit") > hit0, "pool_limit_hit did not move with writeback=N");
	EXPECT(zstat("written_back_pages") == wb1, "pages written back with writeback=N");

	/* writeback=200: that many frames now. */
	pool1 = zstat("pool_pages");
	wb1 = zstat("written_back_pages");
	EXPECT(!param_set("writeback", "200"), "writeback=200 refused");
	note("writeback=200: pool_pages %lld -> %lld, written_back_pages +%lld",
	     pool1, zstat("pool_pages"), zstat("written_back_pages") - wb1);
	EXPECT(pool1 < 200 || pool1 - zstat("pool_pages") >= 150,
	       "writeback=200 freed only %lld pool pages", pool1 - zstat("pool_pages"));
	EXPECT(zstat("written_back_pages") - wb1 >= 200, "writeback=200 wrote back %lld pages",
	       zstat("written_back_pages") - wb1);
	region_verify(&r, "after writeback=N and =200");
	munmap(r.mem, n * PAGE);
	param_set("max_pool_percent", before);
	param_set("writeback", "Y");
	return failures != 0;
}

static long long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * overfull [DEBUGFS-DIR]: the same over-full workload on zswap_rs or on
 * the C zswap (dir "zswap", zrs.mode=zswap): max_pool_percent=2 and eight
 * times what that pool holds, paged out in 4 MiB steps, then read back
 * and verified.  Prints an OVERFULL line (pages written back, stores
 * rejected, wall times, pool size after each step) for the host's table.
 */
static int t_overfull(int argc, char **argv)
{
	const char *dir = argc > 0 ? argv[0] : "zswap_rs";
	const char *mod = strcmp(dir, "zswap") ? "zswap_rs" : "zswap";
	long long limit = sysconf(_SC_PHYS_PAGES) * 2 / 100;
	size_t n = limit * 8, i, chunk = 1024, steps = 0;
	long long wb0 = dstat(dir, "written_back_pages");
	/* Rejected stores, counted alike for both backends by frontswap (6.1
	 * zswap does not count the rejects of its accept hysteresis). */
	long long rej0 = fstat_("failed_stores");
	long long psw0 = vmstat("pswpout"), pool, pool_max = 0, out_ms, in_ms;
	char path[256], before[16], series[4096] = "";
	struct timespec t0;
	struct region r;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/max_pool_percent", mod);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, before, sizeof(before) - 1) <= 0) {
		fail("cannot read %s", path);
		return 1;
	}
	close(fd);
	EXPECT(!write_str(path, "2"), "cannot set %s", path);
	if (region_map(&r, n, 0x0f11, 6))
		return 1;
	region_fill(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i += chunk) {
		size_t len = (n - i < chunk ? n - i : chunk) * PAGE;
		size_t used = strlen(series);

		pageout(r.mem + i * PAGE, len);
		pool = dstat(dir, "pool_total_size") / 4096;
		if (pool > pool_max)
			pool_max = pool;
		if (used + 16 < sizeof(series))
			snprintf(series + used, sizeof(series) - used, "%s%lld", steps ? "," : "", pool);
		steps++;
	}
	out_ms = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	region_verify(&r, "overfull read back");
	in_ms = ms_since(&t0);
	printf("OVERFULL backend=%s pages=%zu limit_pages=%lld written_back=%lld rejected=%lld pswpout=%lld pageout_ms=%lld readback_ms=%lld pool_max_pages=%lld pool_pages=%s\n",
	       dir, n, limit, dstat(dir, "written_back_pages") - wb0,
	       fstat_("failed_stores") - rej0,
	       vmstat("pswpout") - psw0, out_ms, in_ms, pool_max, series);
	munmap(r.mem, n * PAGE);
	write_str(path, before);
	return failures != 0;
}

/* summary: the world-readable sysfs files make sense for a non-root user. */
static int t_summary(int argc, char **argv)
{
	struct region r;
	char buf[64];
	int fd;
	ssize_t len;
	pid_t pid;
	int status;

	(void)argc; (void)argv;
	if (region_map(&r, 2048, 0x5a, 1))
		return 1;
	region_fill(&r);
	pageout(r.mem, 2048 * PAGE);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open("/sys/kernel/mm/zswap_rs/compression_ratio", O_RDONLY);
		if (fd < 0)
			_exit(3);
		len = read(fd, buf, sizeof(buf) - 1);
		buf[len > 0 ? len : 0] = 0;
		printf("  as uid 65534: compression_ratio %s", buf);
		_exit(read_num("/sys/kernel/mm/zswap_rs/stored_pages") > 0 ? 0 : 4);
	}
	waitpid(pid, &status, 0);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "non-root read of summary failed (%#x)", status);
	EXPECT(read_num("/sys/kernel/mm/zswap_rs/pool_total_size") == zstat("pool_total_size"),
	       "sysfs and debugfs pool_total_size disagree");
	region_verify(&r, "summary data");
	munmap(r.mem, 2048 * PAGE);
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

	if (region_map(&r, n, 0xde45, 1))
		return 1;
	region_fill(&r);
	pageout(r.mem, n * PAGE);
	stored = dstat(dir, "stored_pages");
	pool = dstat(dir, "pool_total_size");
	printf("DENSITY backend=%s pages=%zu stored=%lld pool_bytes=%lld\n", dir, n, stored, pool);
	region_verify(&r, "density data");
	munmap(r.mem, n * PAGE);
	return failures != 0;
}

/* What each storm worker did, in memory shared with the parent. */
struct storm_tally {
	long long rounds, pages, bytes, corrupted;
};

struct storm_shared {
	long long knob_changes, knob_failures;
	struct storm_tally w[];
};

/* Storm worker: the integrity workload on its own region until end. */
static void storm_worker(int i, time_t end, struct storm_tally *t)
{
	struct region r;
	char what[64];
	int round = 0;
	size_t bad;

	verify_notes = 0;
	pin_cpu(i);
	if (region_map(&r, 6144, 0x5700 + i, i + 1))
		_exit(2);
	while (time(NULL) < end) {
		r.seed = 0x5700 + (uint64_t)(i + 1) * 100000 + round++;
		region_fill(&r);
		pageout(r.mem, r.pages * PAGE);
		/* Let compaction and the knob changes work on the stored pages, then read. */
		usleep(200000);
		snprintf(what, sizeof(what), "storm worker %d round %d", i, round);
		bad = region_verify(&r, what);
		t->rounds++;
		t->pages += r.pages;
		t->bytes += r.pages * PAGE;
		t->corrupted += bad;
		if (bad)
			_exit(1);
	}
	_exit(failures != 0);
}

/* One storm knob write: counted in sh; on success, remembered in state. */
static void storm_knob(struct storm_shared *sh, const char *knob, const char *val, char *state)
{
	int err = param_set(knob, val);

	if (err) {
		sh->knob_failures++;
		fail("storm: %s=%s refused: %s", knob, val, strerror(-err));
		return;
	}
	sh->knob_changes++;
	if (state)
		snprintf(state, 64, "%s", val);
}

/*
 * Storm knob changer: until end, every 100-300 ms one change of the cycle
 * compressor lz4, zstd, lzo, enabled N, Y, compact 1.  Every write must
 * succeed.  Leaves compressor=lzo and enabled=Y.
 */
static void storm_knobs(time_t end, struct storm_shared *sh)
{
	static const struct { const char *knob, *val; } cycle[] = {
		{ "compressor", "lz4" }, { "compressor", "zstd" }, { "compressor", "lzo" },
		{ "enabled", "N" }, { "enabled", "Y" }, { "compact", "1" },
	};
	const size_t nr = sizeof(cycle) / sizeof(cycle[0]);
	char comp[64] = "", on[64] = "";	/* as last written (64: storm_knob) */
	uint64_t s = 0x4b0b;
	size_t k = 0;

	param_get("compressor", comp, sizeof(comp));
	param_get("enabled", on, sizeof(on));
	while (time(NULL) < end) {
		char *state = !strcmp(cycle[k].knob, "compressor") ? comp :
			      !strcmp(cycle[k].knob, "enabled") ? on : NULL;

		storm_knob(sh, cycle[k].knob, cycle[k].val, state);
		k = (k + 1) % nr;
		usleep(100000 + rng(&s) % 200001);
	}
	if (strcmp(comp, "lzo"))
		storm_knob(sh, "compressor", "lzo", comp);
	if (strcmp(on, "Y"))
		storm_knob(sh, "enabled", "Y", on);
	_exit(sh->knob_failures != 0);
}

/*
 * storm SECS [WORKERS]: the integrity workload in WORKERS processes (one
 * per online CPU by default), each on its own region with its own seeds,
 * while one process writes /proc/sys/vm/compact_memory in a loop (pool
 * pages are migrated under loads, stores and frees) and another changes
 * the knobs (compressor, enabled, compact).  Every byte is verified each
 * round; the migration counters must show thousands of pool-page
 * migrations.  Prints a "STORM" figures line for the host.
 */
static int t_storm(int argc, char **argv)
{
	int secs = argc > 0 ? atoi(argv[0]) : 20;
	int workers = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
	const char *pool_pct = argc > 2 ? argv[2] : NULL;
	long long wb0 = zstat("written_back_pages");
	char pct_before[16];
	long long mig0 = zstat("migrate_ok"), iso0 = zstat("isolate_ok");
	long long pg0 = vmstat("pgmigrate_success");
	long long rounds = 0, pages = 0, bytes = 0, corrupted = 0, mig;
	struct storm_shared *sh;
	size_t shlen;
	pid_t *kids;
	int i, nkids, status, bad = 0;
	char cur[64];
	time_t end;

	if (workers < 1 || workers > 256) {
		fprintf(stderr, "%s storm: WORKERS must be 1..256\n", prog);
		return 2;
	}
	nkids = workers + 2;
	shlen = sizeof(*sh) + workers * sizeof(sh->w[0]);
	sh = mmap(NULL, shlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	kids = calloc(nkids, sizeof(*kids));
	if (sh == MAP_FAILED || !kids) {
		fail("storm: cannot allocate the shared counters");
		return 1;
	}
	note("storm: %d workers, %d s%s%s", workers, secs,
	     pool_pct ? ", max_pool_percent " : "", pool_pct ? pool_pct : "");
	if (pool_pct) {
		/* A small pool: writeback runs all through the storm. */
		param_get("max_pool_percent", pct_before, sizeof(pct_before));
		EXPECT(!param_set("writeback", "Y"), "writeback=Y refused");
		EXPECT(!param_set("max_pool_percent", pool_pct), "max_pool_percent=%s refused", pool_pct);
	}
	end = time(NULL) + secs;

	/* kids[0]: compaction loop, kids[1]: knob changer, then the workers. */
	kids[0] = fork();
	if (kids[0] == 0) {
		int fd;

		while (time(NULL) < end) {
			fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
			if (fd >= 0) {
				if (write(fd, "1", 1) < 0)
					_exit(3);
				close(fd);
			}
		}
		_exit(0);
	}
	kids[1] = fork();
	if (kids[1] == 0)
		storm_knobs(end, sh);
	for (i = 0; i < workers; i++) {
		kids[2 + i] = fork();
		if (kids[2 + i] == 0)
			storm_worker(i, end, &sh->w[i]);
	}
	for (i = 0; i < nkids; i++) {
		const char *who = i == 0 ? "compaction loop" : i == 1 ? "knob changer" : "worker";

		if (kids[i] < 0) {
			fail("storm: fork of the %s (process %d) failed", who, i);
			bad++;
			continue;
		}
		waitpid(kids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fail("storm %s (process %d) failed (status %#x)", who, i, status);
			bad++;
		}
	}
	for (i = 0; i < workers; i++) {
		struct storm_tally *t = &sh->w[i];

		note("worker %d: %lld rounds, %lld pages verified, %lld corrupted bytes",
		     i, t->rounds, t->pages, t->corrupted);
		EXPECT(t->rounds >= 1, "worker %d did not complete a round", i);
		rounds += t->rounds;
		pages += t->pages;
		bytes += t->bytes;
		corrupted += t->corrupted;
	}
	mig = zstat("migrate_ok") - mig0;
	note("migrations: migrate_ok +%lld, isolate_ok +%lld, isolate_refused %lld, migrate_eagain %lld, putback %lld; pgmigrate_success +%lld",
	     mig, zstat("isolate_ok") - iso0, zstat("isolate_refused"),
	     zstat("migrate_eagain"), zstat("putback"), vmstat("pgmigrate_success") - pg0);
	note("knobs: %lld changes, %lld refused", sh->knob_changes, sh->knob_failures);
	printf("MIGRATIONS %lld\n", mig);
	tally("migrations %lld\n", mig);
	if (pool_pct)
		param_set("max_pool_percent", pct_before);
	printf("STORM workers=%d rounds=%lld pages_verified=%lld bytes_verified=%lld corrupted_bytes=%lld migrations=%lld knob_changes=%lld written_back=%lld\n",
	       workers, rounds, pages, bytes, corrupted, mig, sh->knob_changes,
	       zstat("written_back_pages") - wb0);
	if (pool_pct)
		EXPECT(zstat("written_back_pages") > wb0, "no page written back with max_pool_percent=%s", pool_pct);
	EXPECT(mig >= (pool_pct ? 100 : 1000), "only %lld pool pages migrated", mig);
	EXPECT(corrupted == 0, "%lld corrupted bytes", corrupted);
	EXPECT(sh->knob_failures == 0, "%lld knob writes refused", sh->knob_failures);
	EXPECT(sh->knob_changes >= 1, "no knob change made");
	param_get("compressor", cur, sizeof(cur));
	EXPECT(!strcmp(cur, "lzo"), "compressor is '%s' after the storm, want lzo", cur);
	param_get("enabled", cur, sizeof(cur));
	EXPECT(!strcmp(cur, "Y"), "enabled is '%s' after the storm, want Y", cur);
	munmap(sh, shlen);
	free(kids);
	return failures != 0 || bad;
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
 * churn [DEBUGFS-DIR]: store pages two per frame, free every other one
 * (four half-empty frames per four pages), then compact (zswap_rs only)
 * and check the pool shrank and every remaining byte is intact.  Prints
 * "CHURN" lines for the host's comparison with the C zswap.
 */
static int t_churn(int argc, char **argv)
{
	const char *dir = argc > 0 ? argv[0] : "zswap_rs";
	int ours = !strcmp(dir, "zswap_rs");
	size_t n = 8192, i;
	unsigned char *mem, want[PAGE];
	long long pool_before, pool_after, stored, bad = 0;

	mem = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++)
		fill_1500(mem + i * PAGE, i, 0xc4);
	pageout(mem, n * PAGE);
	for (i = 0; i < n; i += 2)
		madvise(mem + i * PAGE, PAGE, MADV_DONTNEED);
	pool_before = dstat(dir, "pool_total_size") / 4096;
	stored = dstat(dir, "stored_pages");
	if (ours) {
		EXPECT(!param_set("compact", "1"), "compact=1 refused");
		EXPECT(zstat("pages_compacted") > 0, "pages_compacted did not move");
	}
	pool_after = dstat(dir, "pool_total_size") / 4096;
	printf("CHURN backend=%s stored=%lld pool_pages_before=%lld pool_pages_after=%lld\n",
	       dir, stored, pool_before, pool_after);
	if (ours)
		EXPECT(pool_after * 10 < pool_before * 6, "pool did not shrink: %lld -> %lld pages", pool_before, pool_after);
	for (i = 1; i < n; i += 2) {
		fill_1500(want, i, 0xc4);
		if (memcmp(mem + i * PAGE, want, PAGE))
			bad++;
	}
	EXPECT(!bad, "%lld pages corrupted after compaction", bad);
	if (!bad)
		note("churn: %zu remaining pages, 0 corrupted bytes", n / 2);
	munmap(mem, n * PAGE);
	return failures != 0;
}

/*
 * failstore [PERCENT]: fault injection (debug kernel:
 * /sys/kernel/debug/zswap_rs/fail_alloc, filtered to this task) fails the
 * pool allocation of PERCENT% (default 20) of the stores this task's
 * MADV_PAGEOUT makes: each is rejected (reject_alloc_fail), its page goes
 * to the swap device, and every byte comes back.  kmemleak, scanned at the
 * end of the debug run, checks that nothing leaks.
 */
static int t_failstore(int argc, char **argv)
{
	const char *a = "/sys/kernel/debug/zswap_rs/fail_alloc";
	const char *pct = argc > 0 ? argv[0] : "20";
	long long rej0 = zstat("reject_alloc_fail"), st0 = fstat_("succ_stores");
	long long fs0 = fstat_("failed_stores"), rej, st, fs;
	char path[256];
	struct region r;
	size_t n = 8192;

	if (access(a, F_OK)) {
		fail("%s missing: needs the debug kernel (fault injection)", a);
		return 1;
	}
	if (region_map(&r, n, 0xfa11, 3))
		return 1;
	region_fill(&r);
#define FATTR(f, v) do { snprintf(path, sizeof(path), "%s/" f, a); \
		EXPECT(!write_str(path, v), "cannot set %s", path); } while (0)
	FATTR("verbose", "0");
	FATTR("task-filter", "Y");
	FATTR("interval", "1");
	FATTR("times", "-1");
	FATTR("probability", pct);
	EXPECT(!write_str("/proc/self/make-it-fail", "1"), "cannot set make-it-fail");
	pageout(r.mem, n * PAGE);
	write_str("/proc/self/make-it-fail", "0");
	FATTR("probability", "0");
	rej = zstat("reject_alloc_fail") - rej0;
	st = fstat_("succ_stores") - st0;
	fs = fstat_("failed_stores") - fs0;
	note("failstore: fail_alloc at %s%%: %lld stores, %lld failed, reject_alloc_fail +%lld",
	     pct, st + fs, fs, rej);
	EXPECT(rej > 0, "no store failed by injection");
	EXPECT(rej * 100 >= (st + fs) * atoi(pct) / 4,
	       "only %lld of %lld stores failed at %s%%", rej, st + fs, pct);
	EXPECT(fs >= rej, "frontswap saw %lld failed stores, fewer than the %lld injected", fs, rej);
	region_verify(&r, "after injected store failures");
	munmap(r.mem, n * PAGE);
	return failures != 0;
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(sigbus_jmp, 1);
}

/*
 * sigbus: a stored page that cannot be reproduced must fail visibly, never
 * come back as garbage.  Fault injection (debug kernel:
 * /sys/kernel/debug/zswap_rs/fail_load, filtered to this task) fails one
 * load as a decompression failure would: touching that page raises SIGBUS,
 * decompress_fail moves by one, every other page reads back intact.
 */
static int t_sigbus(int argc, char **argv)
{
	const char *a = "/sys/kernel/debug/zswap_rs/fail_load";
	char path[256];
	struct region r;
	size_t n = 64, i;
	long long df0 = zstat("decompress_fail");
	volatile int got_bus = 0;
	unsigned char want[PAGE];
	size_t bad = 0;

	(void)argc; (void)argv;
	if (access(a, F_OK)) {
		fail("%s missing: needs the debug kernel (fault injection)", a);
		return 1;
	}
	if (region_map(&r, n, 0xb05, 0))
		return 1;
	for (i = 0; i < n; i++) {
		memset(r.mem + i * PAGE, 'a' + i % 26, PAGE);
		memcpy(r.mem + i * PAGE + 64, &i, sizeof(i));
	}
	pageout(r.mem, n * PAGE);
#define ATTR(f, v) do { snprintf(path, sizeof(path), "%s/" f, a); \
		EXPECT(!write_str(path, v), "cannot set %s", path); } while (0)
	ATTR("verbose", "0");
	ATTR("task-filter", "Y");
	ATTR("interval", "1");
	ATTR("times", "1");
	ATTR("probability", "100");
	EXPECT(!write_str("/proc/self/make-it-fail", "1"), "cannot set make-it-fail");
	signal(SIGBUS, on_sigbus);
	if (sigsetjmp(sigbus_jmp, 1) == 0) {
		volatile unsigned char c = r.mem[0];

		(void)c;
	} else {
		got_bus = 1;
	}
	signal(SIGBUS, SIG_DFL);
	write_str("/proc/self/make-it-fail", "0");
	ATTR("probability", "0");
	EXPECT(got_bus, "reading the page whose load failed did not raise SIGBUS");
	EXPECT(zstat("decompress_fail") == df0 + 1, "decompress_fail moved by %lld, want 1",
	       zstat("decompress_fail") - df0);
	for (i = 1; i < n; i++) {
		memset(want, 'a' + i % 26, PAGE);
		memcpy(want + 64, &i, sizeof(i));
		bad += memcmp(r.mem + i * PAGE, want, PAGE) != 0;
	}
	EXPECT(!bad, "%zu other pages corrupted", bad);
	note("SIGBUS on the failed page: %s; decompress_fail +%lld; %zu other pages intact",
	     got_bus ? "yes" : "no", zstat("decompress_fail") - df0, n - 1 - bad);
	munmap(r.mem, n * PAGE);
	return failures != 0;
}

/* ---- memory cgroups (cgroup v2) ---- */

#define CGROOT "/sys/fs/cgroup"

/* A field of <cgroup>/memory.stat, or the number in <cgroup>/<file>. */
static long long cg_stat(const char *cg, const char *field)
{
	char path[256];

	snprintf(path, sizeof(path), CGROOT "/%s/memory.stat", cg);
	return proc_field(path, field, ' ');
}

static long long cg_num(const char *cg, const char *file)
{
	char path[256];

	snprintf(path, sizeof(path), CGROOT "/%s/%s", cg, file);
	return read_num(path);
}

static int cg_write(const char *cg, const char *file, const char *val)
{
	char path[256];
	int err;

	snprintf(path, sizeof(path), CGROOT "/%s%s%s", cg, *cg ? "/" : "", file);
	err = write_str(path, val);
	if (err)
		fail("write '%s' to %s: %s", val, path, strerror(-err));
	return err;
}

/* cgroup v2 mounted, memory controller on for children; "name" fresh. */
static int cg_setup(const char *name)
{
	char path[256];

	if (access(CGROOT "/cgroup.controllers", F_OK)) {
		mkdir(CGROOT, 0755);
		if (mount("none", CGROOT, "cgroup2", 0, NULL)) {
			fail("mount cgroup2 on " CGROOT ": %s", strerror(errno));
			return -1;
		}
	}
	if (cg_write("", "cgroup.subtree_control", "+memory"))
		return -1;
	snprintf(path, sizeof(path), CGROOT "/%s", name);
	rmdir(path);
	if (mkdir(path, 0755)) {
		fail("mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The first swap device in /proc/swaps, for swapoff + swapon. */
static int first_swap(char *dev, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/swaps", "r");
	int ok = 0;

	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f) &&
	    sscanf(line, "%255s", dev) == 1 && strlen(dev) < len)
		ok = 1;
	fclose(f);
	return ok;
}

/* A child in cgroup @cg: pages out @n pages, signals, waits, verifies. */
struct cg_child {
	pid_t pid;
	int ready, go;		/* pipe ends in the parent */
};

static int cg_child_start(struct cg_child *c, const char *cg, size_t n, uint64_t seed)
{
	int r[2], g[2];
	char pid[32], b = 0;

	if (pipe(r) || pipe(g)) {
		fail("pipe: %s", strerror(errno));
		return -1;
	}
	c->pid = fork();
	if (c->pid < 0) {
		fail("fork: %s", strerror(errno));
		return -1;
	}
	if (c->pid == 0) {
		struct region reg;

		close(r[0]);
		close(g[1]);
		failures = 0;	/* the parent's count is not ours */
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (cg_write(cg, "cgroup.procs", pid))
			_exit(1);
		pin_cpu(-1);
		if (region_map(&reg, n, seed, 1))
			_exit(1);
		region_fill(&reg);
		pageout(reg.mem, n * PAGE);
		if (write(r[1], "r", 1) != 1 || read(g[0], &b, 1) != 1)
			_exit(1);
		region_verify(&reg, cg);
		_exit(failures != 0);
	}
	close(r[1]);
	close(g[0]);
	c->ready = r[0];
	c->go = g[1];
	if (read(c->ready, &b, 1) != 1) {
		fail("child in %s died before paging out", cg);
		return -1;
	}
	return 0;
}

static int cg_child_finish(struct cg_child *c, const char *cg)
{
	int st = 0;

	if (write(c->go, "g", 1) != 1 || waitpid(c->pid, &st, 0) != c->pid ||
	    !WIFEXITED(st) || WEXITSTATUS(st)) {
		fail("child in %s failed (status %#x)", cg, st);
		return -1;
	}
	close(c->go);
	close(c->ready);
	return 0;
}

struct cg_fig {
	long long zswap, zswapped, zswpout, zswpin, current;
};

/*
 * memory.zswap.current first: reading it flushes the cgroup's statistics
 * (memory.stat alone may lag behind by a per-CPU batch).  memory.stat
 * shows zswapped in bytes; kept here in pages.
 */
static void cg_read(const char *cg, struct cg_fig *f)
{
	f->current = cg_num(cg, "memory.zswap.current");
	f->zswap = cg_stat(cg, "zswap");
	f->zswapped = cg_stat(cg, "zswapped");
	if (f->zswapped > 0)
		f->zswapped /= (long long)PAGE;
	f->zswpout = cg_stat(cg, "zswpout");
	f->zswpin = cg_stat(cg, "zswpin");
}

/*
 * memcg [DEBUGFS-DIR]: cgroup v2 accounting of the backend (zswap_rs, or
 * the C zswap with "zswap").  A child in "zrs-a" (memory.zswap.max 256
 * KiB) pages out 16 MiB: stores stop at the limit, the rest goes to disk.
 * A child in "zrs-b" (no limit) pages out 8 MiB: charged separately.
 * memory.stat, /proc/vmstat and /proc/meminfo must agree with the
 * backend's own counters; every byte comes back; once the children are
 * gone (and the swap slot caches flushed) nothing stays charged.
 */
static int t_memcg(int argc, char **argv)
{
	const char *dir = argc > 0 ? argv[0] : "zswap_rs";
	const long long limit = 256 << 10;
	size_t na = mb_pages("16", 0), nb = mb_pages("8", 0);
	struct cg_child a, b;
	struct cg_fig fa, fb, fa2, fa3, fb3;
	long long out0, in0, psw0, psw1, st0, rej0 = 0, rej = 0, st, stored, kb, kb_pool, pool;
	char lim[32], dev[256];
	int rs = !strcmp(dir, "zswap_rs");

	if (cg_setup("zrs-a") || cg_setup("zrs-b"))
		return 1;
	if (cg_num("zrs-a", "memory.zswap.max") < 0) {
		fail("no memory.zswap.max: kernel without CONFIG_ZSWAP or cgroup v2 memory controller");
		return 1;
	}
	snprintf(lim, sizeof(lim), "%lld", limit);
	if (cg_write("zrs-a", "memory.zswap.max", lim))
		return 1;
	out0 = vmstat("zswpout");
	in0 = vmstat("zswpin");
	psw0 = vmstat("pswpout");
	st0 = dstat(dir, "stored_pages");
	if (rs)
		rej0 = zstat("reject_cgroup");

	/* A: the limit. */
	if (cg_child_start(&a, "zrs-a", na, 0xa11ce))
		return 1;
	psw1 = vmstat("pswpout");
	cg_read("zrs-a", &fa);
	if (rs)
		rej = zstat("reject_cgroup") - rej0;
	note("zrs-a (memory.zswap.max %lld): %zu pages paged out; memory.zswap.current %lld, zswap %lld, zswapped %lld, zswpout %lld; pswpout +%lld%s%lld",
	     limit, na, fa.current, fa.zswap, fa.zswapped, fa.zswpout, psw1 - psw0,
	     rs ? ", reject_cgroup +" : "", rs ? rej : 0LL);
	EXPECT(fa.current <= limit + (long long)PAGE, "zrs-a: memory.zswap.current %lld above the limit %lld (+1 page)", fa.current, limit);
	EXPECT(fa.current >= limit - (long long)PAGE, "zrs-a: memory.zswap.current %lld: the limit %lld was never reached", fa.current, limit);
	EXPECT(fa.zswap == fa.current, "zrs-a: memory.stat zswap %lld != memory.zswap.current %lld", fa.zswap, fa.current);
	EXPECT(fa.zswapped > 0 && fa.zswpout == fa.zswapped, "zrs-a: zswpout %lld, zswapped %lld: want equal, > 0", fa.zswpout, fa.zswapped);
	EXPECT(psw1 - psw0 + fa.zswapped >= (long long)(na * 95 / 100), "zrs-a: %lld to disk + %lld stored of %zu pages", psw1 - psw0, fa.zswapped, na);
	EXPECT(psw1 - psw0 >= (long long)(na / 2), "zrs-a: only %lld pages went to disk: the limit did not hold stores back", psw1 - psw0);
	if (rs)
		EXPECT(rej > 0, "reject_cgroup did not move");

	/* B: charged separately, A untouched. */
	if (cg_child_start(&b, "zrs-b", nb, 0xb0b))
		return 1;
	cg_read("zrs-b", &fb);
	cg_read("zrs-a", &fa2);
	stored = dstat(dir, "stored_pages");
	st = stored - st0;
	note("zrs-b (no limit): %zu pages paged out; memory.zswap.current %lld, zswapped %lld, zswpout %lld", nb, fb.current, fb.zswapped, fb.zswpout);
	EXPECT(fb.zswapped >= (long long)(nb / 2), "zrs-b: only %lld of %zu pages zswapped", fb.zswapped, nb);
	EXPECT(fb.zswpout == fb.zswapped && fb.current == fb.zswap, "zrs-b: zswpout %lld zswapped %lld, current %lld zswap %lld", fb.zswpout, fb.zswapped, fb.current, fb.zswap);
	EXPECT(fa2.current == fa.current && fa2.zswapped == fa.zswapped, "zrs-a changed while only zrs-b paged (%lld -> %lld bytes)", fa.current, fa2.current);
	EXPECT(vmstat("zswpout") - out0 == fa.zswpout + fb.zswpout, "/proc/vmstat zswpout +%lld, the cgroups' %lld + %lld", vmstat("zswpout") - out0, fa.zswpout, fb.zswpout);
	EXPECT(st == fa.zswapped + fb.zswapped, "%s stored_pages +%lld, the cgroups' zswapped %lld + %lld", dir, st, fa.zswapped, fb.zswapped);
	kb = meminfo("Zswapped");
	EXPECT(kb == stored * 4, "/proc/meminfo Zswapped: %lld kB, %s stored_pages %lld", kb, dir, stored);
	pool = dstat(dir, "pool_total_size");
	kb_pool = meminfo("Zswap");
	EXPECT(kb_pool == pool / 1024, "/proc/meminfo Zswap: %lld kB, %s pool_total_size %lld", kb_pool, dir, pool);
	note("/proc/meminfo Zswap: %lld kB, Zswapped: %lld kB", kb_pool, kb);

	/* Read everything back; loads count as zswpin where they belong. */
	if (cg_child_finish(&a, "zrs-a") || cg_child_finish(&b, "zrs-b"))
		return 1;
	cg_read("zrs-a", &fa3);
	cg_read("zrs-b", &fb3);
	note("read back: zswpin zrs-a %lld, zrs-b %lld; /proc/vmstat zswpin +%lld", fa3.zswpin, fb3.zswpin, vmstat("zswpin") - in0);
	EXPECT(fa3.zswpin == fa.zswpout && fb3.zswpin == fb.zswpout, "zswpin %lld/%lld, zswpout %lld/%lld: every stored page loaded once", fa3.zswpin, fb3.zswpin, fa.zswpout, fb.zswpout);
	EXPECT(vmstat("zswpin") - in0 == fa3.zswpin + fb3.zswpin, "/proc/vmstat zswpin +%lld, the cgroups' %lld + %lld", vmstat("zswpin") - in0, fa3.zswpin, fb3.zswpin);

	/* Gone: flush the swap slot caches, nothing may stay charged. */
	if (!first_swap(dev, sizeof(dev)) || swapoff(dev) || swapon(dev, 0)) {
		fail("swapoff/swapon of the swap device: %s", strerror(errno));
		return 1;
	}
	cg_read("zrs-a", &fa3);
	cg_read("zrs-b", &fb3);
	note("after exit and a slot-cache flush: memory.zswap.current zrs-a %lld, zrs-b %lld; zswapped %lld/%lld; %s stored_pages %lld",
	     fa3.current, fb3.current, fa3.zswapped, fb3.zswapped, dir, dstat(dir, "stored_pages"));
	EXPECT(fa3.current == 0 && fb3.current == 0 && fa3.zswapped == 0 && fb3.zswapped == 0, "charges left after the workload exited");
	printf("MEMCG backend=%s a_limit=%lld a_pages=%zu a_current=%lld a_zswapped=%lld a_zswpout=%lld a_zswpin=%lld a_to_disk=%lld b_pages=%zu b_current=%lld b_zswapped=%lld b_zswpout=%lld\n",
	       dir, limit, na, fa.current, fa.zswapped, fa.zswpout, fa3.zswpin, psw1 - psw0, nb, fb.current, fb.zswapped, fb.zswpout);
	rmdir(CGROOT "/zrs-a");
	rmdir(CGROOT "/zrs-b");
	return failures != 0;
}

/* ---- benchmark workloads (make bench; tools/testing/bench/) ---- */

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
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
static void backend_size(const char *dir, long long *stored, long long *pool)
{
	*stored = dstat(dir, "stored_pages");
	*pool = dstat(dir, "pool_total_size");
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
			if (region_map(&r, n / procs, 0xbe00 + p, 1))
				_exit(1);
			if (read(go[0], &b, 1) != 1)
				_exit(1);
			for (k = 0; k < rounds; k++) {
				long long t0, t1, t2;

				r.seed = 0xbe00 + p + 0x100 * k;
				region_fill(&r);
				t0 = now_ns();
				pageout(r.mem, r.pages * PAGE);
				t1 = now_ns();
				if (k == rounds - 1 && p == 0)
					backend_size(dir, &res[p].stored, &res[p].pool);
				touch_pages(r.mem, r.pages);
				t2 = now_ns();
				res[p].out_ns += t1 - t0;
				res[p].in_ns += t2 - t1;
			}
			verify_notes = 0;
			res[p].corrupted = region_verify(&r, "w1");
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

	if (region_map(&r, n, 0x3e2, 1))
		return 1;
	t0 = now_ns();
	region_fill(&r);
	t1 = now_ns();
	backend_size(dir, &stored, &pool);
	verify_notes = 0;
	bad = region_verify(&r, "w2");
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

	if (region_map(&a, n, 0xc3a, 1) || region_map(&b2, n / 2, 0xc3b, 1))
		return 1;
	region_fill(&a);
	region_fill(&b2);
	t0 = now_ns();
	pageout(a.mem, n * PAGE);
	t1 = now_ns();
	for (i = 0; i < n; i += 2)
		madvise(a.mem + i * PAGE, PAGE, MADV_DONTNEED);
	t2 = now_ns();
	pageout(b2.mem, b2.pages * PAGE);
	t3 = now_ns();
	backend_size(dir, &stored, &pool);
	t4 = now_ns();
	if (!strcmp(dir, "zswap_rs"))
		EXPECT(!param_set("compact", "1"), "compact=1 refused");
	t5 = now_ns();
	backend_size(dir, &stored_c, &pool_c);
	for (i = 1; i < n; i += 2) {
		fill_page(want, i, a.seed, a.mix);
		bad += memcmp(a.mem + i * PAGE, want, PAGE) != 0;
	}
	verify_notes = 0;
	bad += region_verify(&b2, "w3");
	EXPECT(!bad, "W3: %zu corrupted", bad);
	printf("BENCH %s wl=w3 pages=%zu store1_ns=%lld free_ns=%lld store2_ns=%lld stored=%lld pool_bytes=%lld compact_ns=%lld pool_bytes_compacted=%lld corrupted=%zu\n",
	       bench_label(), n + n / 2, t1 - t0, t2 - t1, t3 - t2, stored, pool, t5 - t4, pool_c, bad);
	munmap(a.mem, n * PAGE);
	munmap(b2.mem, b2.pages * PAGE);
	return failures != 0;
}

/* cdata MB FILE: writes the W1 data (first round, process 0) to FILE. */
static int bench_cdata(size_t n, const char *file)
{
	struct region r;
	int fd = open(file, O_WRONLY);
	size_t i;

	if (fd < 0 || region_map(&r, n, 0xbe00, 1)) {
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
	if (!strcmp(w, "cdata") && argc >= 3)
		return bench_cdata(mb_pages(argv[1], 0), argv[2]);
	if (!strcmp(w, "pctl") && argc >= 4)
		return bench_pctl(argv[1], argv[2], argv[3]);
	fprintf(stderr, "usage: zrs-test bench w1 DIR MB ROUNDS | w4 DIR MB ROUNDS PROCS | w2 DIR MB | w3 DIR MB | cdata MB FILE | pctl OP FILE WL\n");
	return 2;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "integrity", t_integrity, "[MB]  mixed data out via MADV_PAGEOUT and back, counters" },
	{ "thp", t_thp, "[MB]  whole 2 MiB THPs swapped out (non-rotational swap): rejected, every byte back" },
	{ "duplicate", t_duplicate, "[shared]  re-dirty and page out again" },
	{ "exit", t_exit, "      stored pages and pool return to 0 when the user exits" },
	{ "hold", t_hold, "[MB] [SECS] [SEED]  page out, wait, verify" },
	{ "pressure", t_pressure, "[MB|auto] [ROUNDS]  real memory pressure, verify (demo workload)" },
	{ "incompressible", t_incompressible, "  reject or store as-is" },
	{ "compressors", t_compressors, "  switch compressors with data stored" },
	{ "knobs", t_knobs, "      invalid knob values get EINVAL" },
	{ "limit", t_limit, "      max_pool_percent is honoured" },
	{ "writeback", t_writeback, "  writeback at the pool limit, the writeback knob" },
	{ "overfull", t_overfull, "[DEBUGFS-DIR]  over-full pool: writeback, rejects, times (A/B)" },
	{ "summary", t_summary, "      world-readable sysfs summary" },
	{ "density", t_density, "[MB] [DEBUGFS-DIR]  pool bytes per stored page" },
	{ "storm", t_storm, "[SECS] [WORKERS] [POOL%]  integrity per CPU under compaction and knob changes (migration storm)" },
	{ "failstore", t_failstore, "[PERCENT]  injected pool allocation failures (debug kernel)" },
	{ "sigbus", t_sigbus, "      an unreadable stored page raises SIGBUS (debug kernel)" },
	{ "memcg", t_memcg, "[DEBUGFS-DIR]  cgroup v2: memory.zswap.max, memory.stat, vmstat and meminfo accounting" },
	{ "bench", t_bench, "w1|w2|w3|cdata|pctl ...  benchmark workloads (make bench)" },
	{ "churn", t_churn, "[DEBUGFS-DIR]  fragment the pool, compact, verify" },
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
