// SPDX-License-Identifier: GPL-2.0
/*
 * zrs_lib: helpers shared by the in-guest test programs of zswap_rs
 * (see zrs_lib.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "zrs_lib.h"

/*
 * Line-buffered stdout in every program: the harness runs each test in a
 * child that ends with _exit() or abort() (no stdio flush), and the shell
 * reads "ready" lines while a workload runs.
 */
static void __attribute__((constructor)) zrs_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* ---- output ---- */

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("  ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

void tally(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	fd = open("/tmp/zrs-totals", O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, n) < 0)
		n = 0;
	close(fd);
}

/* ---- counters ---- */

long long read_num(const char *path)
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

long long backend_stat(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", dir, name);
	return read_num(path);
}

long long zrs_stat(const char *name)
{
	return backend_stat("zswap_rs", name);
}

long long frontswap_stat(const char *name)
{
	return backend_stat("frontswap", name);
}

long long proc_field(const char *path, const char *name, char sep)
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

long long vmstat(const char *name)
{
	return proc_field("/proc/vmstat", name, ' ');
}

long long meminfo(const char *name)
{
	return proc_field("/proc/meminfo", name, ':');
}

const char *bench_label(void)
{
	static char l[128];
	const char *arm = getenv("ZRS_ARM"), *comp = getenv("ZRS_COMP");

	snprintf(l, sizeof(l), "arm=%s comp=%s", arm ? arm : "?", comp ? comp : "?");
	return l;
}

long long swap_used(void)
{
	char line[256];
	long long total = -1, free_kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "SwapTotal: %lld", &total);
		sscanf(line, "SwapFree: %lld", &free_kb);
	}
	fclose(f);
	return (total - free_kb) / 4;
}

int first_swap(char *dev, size_t len)
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

/* ---- files and knobs ---- */

int write_str(const char *path, const char *val)
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

int read_str(const char *path, char *buf, size_t len)
{
	int fd;
	ssize_t n;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

int knob_set(const char *name, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), ZRS_PARAMS "/%s", name);
	return write_str(path, val);
}

int knob_get(const char *name, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), ZRS_PARAMS "/%s", name);
	return read_str(path, buf, len);
}

const char *backend_dir(void)
{
	const char *b = getenv("ZRS_BACKEND");

	return b && *b ? b : "zswap_rs";
}

int fault_attr_set(const char *dir, const char *attr, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	return write_str(path, val);
}

/* ---- data ---- */

const char *const kind_names[K_NR] = {
	"zero", "same-word", "text", "half-random", "random",
	"near-zbud-max", "all-ones", "sparse",
};

uint64_t rng(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

enum kind page_kind(size_t idx, unsigned int mix)
{
	uint64_t s = idx * 7919 + mix;

	return (enum kind)(rng(&s) % K_NR);
}

/* A page of words from a small vocabulary (lzo: about half a page). */
static void fill_words(unsigned char *p, uint64_t *s)
{
	static const char *words[] = { "swap ", "page ", "zbud ", "frame ", "rust ",
				       "kernel ", "the ", "offset ", "\n", "xarray " };
	size_t i, l;

	for (i = 0; i < PAGE; i += l) {
		const char *t = words[rng(s) % 10];

		l = strlen(t);
		if (i + l > PAGE)
			l = PAGE - i;
		memcpy(p + i, t, l);
	}
}

const char *const mid_kind_names[MK_NR] = { "records", "half-filled", "log-text", "text+random",
					     "text" };

enum mid_kind mid_kind(size_t idx)
{
	uint64_t s = idx * 7919 + MIX_MID;
	unsigned int r = rng(&s) % 20;

	/* 6 : 5 : 4 : 3 : 2 (30, 25, 20, 15, 10%). */
	return r < 6 ? MK_RECORDS : r < 11 ? MK_HALF_FILLED : r < 15 ? MK_LOG_TEXT :
	       r < 18 ? MK_TEXT_RANDOM : MK_TEXT;
}

/* n random bytes at p. */
static void fill_random(unsigned char *p, size_t n, uint64_t *s)
{
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t v = rng(s);

		memcpy(p + i, &v, 8);
	}
	for (; i < n; i++)
		p[i] = (unsigned char)rng(s);
}

/* Lines of a kernel log with random numbers in them (page-cache text). */
static void fill_log(unsigned char *p, uint64_t *s)
{
	static const char *const msgs[] = { "zswap_rs: store", "zswap_rs: load", "kswapd0: reclaim",
					    "ext4: writeback", "nvme0n1: complete", "kworker: flush" };
	char line[160];
	size_t at = 0, l;

	while (at < PAGE) {
		uint64_t a = rng(s), b = rng(s);

		l = (size_t)snprintf(line, sizeof(line), "[%5u.%06u] %s pid %u addr %016llx len %u\n",
				     (unsigned int)(a % 100000), (unsigned int)(a >> 40) % 1000000,
				     msgs[(a >> 20) % 6], (unsigned int)(b % 65536),
				     (unsigned long long)(b ^ (b << 13)), (unsigned int)(a >> 8) % 4096);
		if (at + l > PAGE)
			l = PAGE - at;
		memcpy(p + at, line, l);
		at += l;
	}
}

void fill_mid(unsigned char *p, size_t idx, uint64_t seed)
{
	uint64_t s = seed ^ (idx * 0x100000001b3ULL) ^ 0x6d1d6d1dULL;
	size_t i, n;

	switch (mid_kind(idx)) {
	case MK_RECORDS:
		/*
		 * 64-byte records, each with n random bytes (pointers, keys,
		 * counters: n the same for the whole page, 30 to 59) and zero
		 * padding: about 64 x (n + 3) bytes compressed.
		 */
		n = 30 + rng(&s) % 30;
		memset(p, 0, PAGE);
		for (i = 0; i < PAGE; i += 64)
			fill_random(p + i, n, &s);
		break;
	case MK_HALF_FILLED:
		/* A buffer filled to 2 to 3.9 KiB, zero after. */
		n = 2048 + rng(&s) % 1900;
		fill_random(p, n, &s);
		memset(p + n, 0, PAGE - n);
		break;
	case MK_LOG_TEXT:
		fill_log(p, &s);
		break;
	case MK_TEXT_RANDOM:
		/* Text of a small vocabulary, then 1 to 2.9 KiB of random bytes. */
		n = 1024 + rng(&s) % 1900;
		fill_words(p, &s);
		fill_random(p + PAGE - n, n, &s);
		break;
	case MK_TEXT:
		/* Text of a small vocabulary (the objects below 2 KiB). */
		fill_words(p, &s);
		break;
	default:
		break;
	}
	memcpy(p, &idx, sizeof(idx));
	memcpy(p + 8, &seed, sizeof(seed));
}

void fill_page(unsigned char *p, size_t idx, uint64_t seed, unsigned int mix)
{
	if (mix == MIX_MID)
		fill_mid(p, idx, seed);
	else
		fill_page_kind(p, idx, seed, page_kind(idx, mix));
}

void fill_page_kind(unsigned char *p, size_t idx, uint64_t seed, enum kind k)
{
	uint64_t s = seed ^ (idx * 0x100000001b3ULL);
	uint64_t *w = (uint64_t *)p;
	size_t i, rnd;

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
		fill_words(p, &s);
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

void fill_text(unsigned char *p, size_t idx, uint64_t seed)
{
	uint64_t s = seed ^ (idx * 0x100000001b3ULL);
	size_t i;

	if ((seed >> 60) == 1) {
		/* Same-filled with a word the index holds (no pool object). */
		uint64_t v = 0x0101010101010101ULL * (1 + idx % 63);

		for (i = 0; i < PAGE / 8; i++)
			((uint64_t *)p)[i] = v;
		return;
	}
	if ((seed >> 61) & 3) {
		/* R random bytes then a constant: compresses to about R + 25. */
		size_t r = (seed >> 62) & 1 ? 1400 : 1300;

		if (!(seed >> 63)) {
			for (i = 0; i < r / 8; i++)
				((uint64_t *)p)[i] = rng(&s);
			memset(p + (r / 8) * 8, 0x22, PAGE - (r / 8) * 8);
			memcpy(p, &idx, sizeof(idx));
			return;
		}
	}
	if (seed >> 63) {
		for (i = 0; i < PAGE; i += 16) {
			memcpy(p + i, &idx, 8);
			memcpy(p + i + 8, &seed, 8);
		}
		return;
	}
	fill_words(p, &s);
	memcpy(p, &idx, sizeof(idx));
	memcpy(p + 8, &seed, sizeof(seed));
}

size_t text_verify(unsigned char *mem, size_t n, uint64_t seed, size_t skip)
{
	unsigned char want[PAGE];
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		if (i == skip)
			continue;
		fill_text(want, i, seed);
		if (memcmp(mem + i * PAGE, want, PAGE)) {
			if (bad < 4)
				note("page %zu of %zu differs (first word %#llx, want %#llx)", i, n,
				     (unsigned long long)*(uint64_t *)(mem + i * PAGE),
				     (unsigned long long)*(uint64_t *)want);
			bad++;
		}
	}
	return bad;
}

int region_map(struct region *r, size_t pages, uint64_t seed, unsigned int mix)
{
	r->mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->mem == MAP_FAILED) {
		int err = -errno;

		r->mem = NULL;
		return err;
	}
	r->pages = pages;
	r->seed = seed;
	r->mix = mix;
	return 0;
}

int region_map_huge(struct region *r, size_t pages, uint64_t seed, unsigned int mix)
{
	const size_t hp = HPAGE / PAGE;
	unsigned char *p, *a, *end;
	int err;

	pages = (pages + hp - 1) / hp * hp;
	err = region_map(r, pages + hp, seed, mix);
	if (err)
		return err;
	p = r->mem;
	end = p + (pages + hp) * PAGE;
	a = (unsigned char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (a > p)
		munmap(p, a - p);
	if (end > a + pages * PAGE)
		munmap(a + pages * PAGE, end - (a + pages * PAGE));
	r->mem = a;
	r->pages = pages;
	if (madvise(a, pages * PAGE, MADV_HUGEPAGE)) {
		err = -errno;
		munmap(a, pages * PAGE);
		r->mem = NULL;
		return err;
	}
	return 0;
}

void region_fill(struct region *r)
{
	size_t i;

	for (i = 0; i < r->pages; i++)
		fill_page(r->mem + i * PAGE, i, r->seed, r->mix);
}

int pageout_here(void *p, size_t len)
{
	return madvise(p, len, MADV_PAGEOUT) ? -errno : 0;
}

/*
 * 6.1's madvise_pageout() drains only the local CPU's LRU-add batch
 * (lru_add_drain()), and isolate_lru_page() passes over a page still in
 * another CPU's batch: up to 14 pages a thread faulted in on the CPU it
 * then left stay resident however often it asks again from the new one
 * (that CPU's batch drains only when the CPU adds more pages).  So the
 * madvise runs once on each online CPU, whatever the thread's affinity
 * (a pinned test may have faulted its pages in before it was pinned),
 * which drains each batch before its pages are isolated; the thread's
 * affinity is put back.  Pages already paged out cost the later passes a
 * page-table walk.
 */
int pageout(void *p, size_t len)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t old, one;
	int cpu, err = 0, passes = 0;

	if (cpus < 1 || cpus > CPU_SETSIZE || sched_getaffinity(0, sizeof(old), &old))
		return pageout_here(p, len);
	for (cpu = 0; cpu < cpus && !err; cpu++) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;	/* offline (cpu_hotplug), or not ours */
		passes++;
		err = pageout_here(p, len);
	}
	sched_setaffinity(0, sizeof(old), &old);
	return passes ? err : pageout_here(p, len);
}

size_t region_verify(struct region *r, const char *what, bool quiet)
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
			note("%s: page %zu (%s) differs", what, i,
			     r->mix == MIX_MID ? mid_kind_names[mid_kind(i)] :
						 kind_names[page_kind(i, r->mix)]);
	}
	tally("verified %zu %zu\n", r->pages, bad);
	if (bad)
		note("%s: %zu corrupted bytes in %zu pages", what, bad, badpages);
	else if (!quiet)
		note("%s: %zu pages, 0 corrupted bytes", what, r->pages);
	return bad;
}

size_t resident(struct region *r)
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

size_t mb_pages(const char *arg, size_t def_mb)
{
	size_t mb = arg ? strtoul(arg, NULL, 0) : def_mb;

	return mb * 256;
}

int pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		cpu = sched_getcpu();
	if (cpu < 0)
		return -errno;
	CPU_ZERO(&set);
	CPU_SET(cpu % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

void wait_file(const char *path)
{
	while (access(path, F_OK))
		usleep(50000);
}

void wait_go(void)
{
	wait_file(GO_FILE);
}

long long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(sigbus_jmp, 1);
}

int failed_load_sigbus(volatile unsigned char *p, int *got_bus, int *fired)
{
	const char *a = ZRS_DEBUGFS "/fail_load";
	static const char *const attrs[][2] = {
		{ "verbose", "0" }, { "task-filter", "Y" }, { "interval", "1" },
		{ "times", "1" }, { "probability", "100" },
	};
	char pc[16] = "";
	volatile int bus = 0;
	volatile int err = 0;
	int e;
	size_t i;

	/*
	 * No swap readahead while the page is read: with it, this fault
	 * could load a neighbour first (the injected failure would land on
	 * that page), and another task's readahead could bring the page
	 * into the swap cache before this task faults on it.
	 */
	if (read_str("/proc/sys/vm/page-cluster", pc, sizeof(pc)) == 0)
		write_str("/proc/sys/vm/page-cluster", "0");
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		e = fault_attr_set(a, attrs[i][0], attrs[i][1]);
		if (e) {
			note("cannot set %s/%s: %s", a, attrs[i][0], strerror(-e));
			if (!err)
				err = e;
		}
	}
	e = write_str("/proc/self/make-it-fail", "1");
	if (e) {
		note("cannot set /proc/self/make-it-fail: %s", strerror(-e));
		if (!err)
			err = e;
	}
	signal(SIGBUS, on_sigbus);
	if (sigsetjmp(sigbus_jmp, 1) == 0) {
		volatile unsigned char c = p[0];

		(void)c;
	} else {
		bus = 1;
	}
	signal(SIGBUS, SIG_DFL);
	write_str("/proc/self/make-it-fail", "0");
	fault_attr_set(a, "probability", "0");
	if (*pc)
		write_str("/proc/sys/vm/page-cluster", pc);
	/* "times" counts down once per injected failure: 0 means it fired. */
	*fired = read_num(ZRS_DEBUGFS "/fail_load/times") == 0;
	*got_bus = bus;
	/* The harness's lost-page audit (lib.sh) allows one decompress_fail
	 * per failure injected on purpose, and no other. */
	if (*fired) {
		FILE *f = fopen(INJECTED_LOADS, "a");

		if (f) {
			fputs("1\n", f);
			fclose(f);
		}
	}
	return err;
}
