// SPDX-License-Identifier: GPL-2.0
/*
 * hostbench: make bench's compression microbenchmark (zrs_cbench.ko) on
 * the host, natively, for scripts/calibrate.sh (issue 30).
 *
 * Under TCG every guest instruction is emulated, but not all of them
 * equally slowly: a REP string instruction runs one iteration per pass
 * through its translation block.  The guest's memcpy (rep movsb when the
 * CPU model advertises ERMS) may then cost as much as an lzo
 * decompression, where on hardware it costs a few percent of one.  This
 * program measures the hardware side of that comparison: the kernel's
 * own lib/lzo and lib/lz4 (compiled from build/linux at build time, with
 * the shim headers in host-shim/, -O2 and the kernel's code generation
 * flags: see scripts/calibrate.sh) and a 4 KiB copy, over the very pages
 * make bench's W1 swaps and zrs_cbench times in the guest (zrs_lib's
 * fill_page(), seed 0xbe00, mix 1: what `zrs-test bench cdata MB` writes),
 * in zrs_cbench's order: per page, compress, decompress, compare, copy.
 *
 * The copy is timed twice: an inline `rep movsb` (the kernel's memcpy on
 * an x86-64 with ERMS, memcpy_erms) and libc's memcpy.
 *
 *   hostbench [-m MB] [-p PASSES] [-f FILE]
 *
 * -m: W1's size (default 32, make bench's BENCH_W1_MB); -p: passes over
 * the set (default 5); -f: read the pages from FILE (a dump of the
 * guest's, e.g. `zrs-test bench cdata MB FILE`) instead of generating
 * them; -d: also write the pages to FILE (to compare with the guest's).
 * A first pass warms the caches and is not counted.  Output, one line per
 * pass (the mean per page in ns, the clock's own cost, clock_ns, taken off
 * every figure; lzo_bytes, lz4_bytes: the compressed bytes of the set, as
 * zrs_cbench's bytes_out) and one with the median of the passes, op by op:
 *
 *   HOSTBENCH pass=N pages=.. lzo_comp=.. lzo_decomp=.. lz4_comp=..
 *             lz4_decomp=.. copy_movsb=.. copy_libc=.. clock_ns=..
 *             lzo_bytes=.. lz4_bytes=..
 *   HOSTBENCH pass=median ...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/lz4.h>
#include <linux/lzo.h>

#include "zrs_lib.h"

/* The kernel's memcpy_erms (arch/x86/lib/memcpy_64.S). */
static inline void copy_movsb(void *dst, const void *src, size_t n)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

/* libc's memcpy through a pointer, so that no constant size is inlined. */
static void *(*volatile libc_memcpy)(void *, const void *, size_t) = memcpy;

static inline uint64_t ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* The mean cost of one ns() call, measured back to back. */
static double clock_cost(void)
{
	const int n = 200000;
	uint64_t t0 = ns(), t;
	int i;

	for (i = 0; i < n; i++)
		t = ns();
	return (double)(t - t0) / n;
}

enum { LZO_C, LZO_D, LZ4_C, LZ4_D, CP_MOVSB, CP_LIBC, NOPS };
static const char *const names[NOPS] = {
	"lzo_comp", "lzo_decomp", "lz4_comp", "lz4_decomp", "copy_movsb", "copy_libc",
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void die(const char *what)
{
	fprintf(stderr, "hostbench: %s\n", what);
	exit(1);
}

int main(int argc, char **argv)
{
	size_t mb = 32, n, i;
	int passes = 5, opt, p, k;
	const char *file = NULL, *dump = NULL;
	size_t bytes[2] = { 0, 0 };
	double *per;
	unsigned char *data, *cbuf, *back, *copy;
	void *lzo_wrk, *lz4_wrk;
	double clk, med[NOPS];

	while ((opt = getopt(argc, argv, "m:p:f:d:")) != -1) {
		switch (opt) {
		case 'm': mb = strtoul(optarg, NULL, 0); break;
		case 'p': passes = atoi(optarg); break;
		case 'f': file = optarg; break;
		case 'd': dump = optarg; break;
		default:
			fprintf(stderr, "usage: hostbench [-m MB] [-p PASSES] [-f FILE] [-d FILE]\n");
			return 2;
		}
	}
	if (!mb || passes < 1)
		die("-m and -p must be at least 1");
	n = mb_pages(NULL, mb);
	data = aligned_alloc(PAGE, n * PAGE);
	cbuf = aligned_alloc(PAGE, 2 * PAGE);
	back = aligned_alloc(PAGE, PAGE);
	copy = aligned_alloc(PAGE, PAGE);
	lzo_wrk = malloc(LZO1X_MEM_COMPRESS);
	lz4_wrk = malloc(LZ4_MEM_COMPRESS);
	per = calloc((size_t)NOPS * passes, sizeof(*per));
	if (!per || !data || !cbuf || !back || !copy || !lzo_wrk || !lz4_wrk)
		die("out of memory");
	if (file) {
		int fd = open(file, O_RDONLY);
		ssize_t got = fd < 0 ? -1 : read(fd, data, n * PAGE);

		if (got != (ssize_t)(n * PAGE))
			die("cannot read MB MiB of pages from the -f file");
		close(fd);
	} else {
		/* zrs-test bench cdata: region_map(.., 0xbe00, 1) + region_fill(). */
		for (i = 0; i < n; i++)
			fill_page(data + i * PAGE, i, 0xbe00, 1);
	}
	if (dump) {
		FILE *f = fopen(dump, "w");

		if (!f || fwrite(data, PAGE, n, f) != n || fclose(f))
			die("cannot write the -d file");
	}
	clk = clock_cost();
	/* Pass 0 warms the caches and the branch predictors: not counted. */
	for (p = 0; p <= passes; p++) {
		double t[NOPS] = { 0 };

		for (i = 0; i < n; i++) {
			const unsigned char *src = data + i * PAGE;
			size_t clen = 2 * PAGE, dlen = PAGE;
			uint64_t a, b, c;
			int l4;

			/* zrs_cbench's order: compress, decompress, compare, copy. */
			a = ns();
			if (lzo1x_1_compress_safe(src, PAGE, cbuf, &clen, lzo_wrk) != LZO_E_OK)
				die("lzo compression failed");
			b = ns();
			if (lzo1x_decompress_safe(cbuf, clen, back, &dlen) != LZO_E_OK || dlen != PAGE)
				die("lzo decompression failed");
			c = ns();
			if (memcmp(back, src, PAGE))
				die("lzo round trip differs");
			bytes[0] += clen;
			t[LZO_C] += b - a;
			t[LZO_D] += c - b;
			a = ns();
			copy_movsb(copy, src, PAGE);
			b = ns();
			libc_memcpy(copy, src, PAGE);
			c = ns();
			t[CP_MOVSB] += b - a;
			t[CP_LIBC] += c - b;

			a = ns();
			l4 = LZ4_compress_default((const char *)src, (char *)cbuf, PAGE, 2 * PAGE, lz4_wrk);
			b = ns();
			if (l4 <= 0 || LZ4_decompress_safe((const char *)cbuf, (char *)back, l4, PAGE) != PAGE)
				die("lz4 round trip failed");
			c = ns();
			if (memcmp(back, src, PAGE))
				die("lz4 round trip differs");
			bytes[1] += l4;
			t[LZ4_C] += b - a;
			t[LZ4_D] += c - b;
		}
		if (!p) {
			bytes[0] = bytes[1] = 0;
			continue;
		}
		printf("HOSTBENCH pass=%d pages=%zu", p, n);
		for (k = 0; k < NOPS; k++) {
			double v = t[k] / n - clk;

			printf(" %s=%.0f", names[k], v);
			per[k * passes + p - 1] = v;
		}
		printf(" clock_ns=%.1f lzo_bytes=%zu lz4_bytes=%zu\n", clk, bytes[0], bytes[1]);
		bytes[0] = bytes[1] = 0;
	}
	printf("HOSTBENCH pass=median pages=%zu", n);
	for (k = 0; k < NOPS; k++) {
		qsort(per + k * passes, passes, sizeof(*per), cmp_double);
		med[k] = per[k * passes + passes / 2];
		printf(" %s=%.0f", names[k], med[k]);
	}
	printf(" clock_ns=%.1f\n", clk);
	printf("  copy : compress : decompress (rep movsb copy = 1): lzo 1 : %.1f : %.1f, lz4 1 : %.1f : %.1f\n",
	       med[LZO_C] / med[CP_MOVSB], med[LZO_D] / med[CP_MOVSB],
	       med[LZ4_C] / med[CP_MOVSB], med[LZ4_D] / med[CP_MOVSB]);
	return 0;
}
