/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zrs_lib: helpers shared by the in-guest test programs of zswap_rs (the
 * kselftest_harness programs zrs_*.c and the workload tool zrs-test.c).
 *
 * Helpers report what they found and return an error (a negative errno,
 * or -1 for "no such counter"); the caller decides what is a failure.
 */
#ifndef ZRS_LIB_H
#define ZRS_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif

#define PAGE 4096UL
#define HPAGE (2UL << 20)

#define ZRS_DEBUGFS "/sys/kernel/debug/zswap_rs"
#define ZRS_PARAMS "/sys/module/zswap_rs/parameters"

/*
 * Waits until the shell says go (creates GO_FILE): tests that order
 * events wait for the event, never for a time.  The shell bounds the run.
 */
#define GO_FILE "/tmp/zrs-go"

/* ---- output ---- */

/* "  " + the message + newline on stdout, flushed. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Run totals for the host (lib.sh sums them at the end of a guest run):
 * one line per verification or storm, appended by any process.
 */
void tally(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- counters ---- */

/* The number in file @path; -1 if it cannot be read. */
long long read_num(const char *path);
/* A statistic of the backend whose debugfs directory is @dir. */
long long backend_stat(const char *dir, const char *name);
/* A statistic of zswap_rs (/sys/kernel/debug/zswap_rs/@name). */
long long zrs_stat(const char *name);
/* A statistic of frontswap (/sys/kernel/debug/frontswap/@name). */
long long frontswap_stat(const char *name);
/*
 * The number after "name<sep>" at the start of a line of file @path (for
 * /proc/vmstat and memory.stat sep is ' ', for /proc/meminfo ':'; meminfo
 * values are in kB); -1 if there is no such line.
 */
long long proc_field(const char *path, const char *name, char sep);
long long vmstat(const char *name);
/* A /proc/meminfo field (in kB for most), -1 if absent. */
long long meminfo(const char *name);
/* "arm=ZRS_ARM comp=ZRS_COMP": the label of make bench's figure lines. */
const char *bench_label(void);
/*
 * Swap slots in use, in pages (SwapTotal - SwapFree).  Slots freed by a
 * munmap or exit may wait in the per-CPU swap slot caches before the kernel
 * really frees them (and only then invalidates them in frontswap); they
 * still count as used here.  So at any quiet moment every page zswap_rs
 * holds has a used slot: stored_pages <= swap_used(), with equality when
 * no page went to the swap device.
 */
long long swap_used(void);
/* The first swap device in /proc/swaps (for swapoff + swapon); 1 if found. */
int first_swap(char *dev, size_t len);

/* ---- files and knobs ---- */

/* Writes @val to @path: 0 or -errno. */
int write_str(const char *path, const char *val);
/* Reads @path into @buf, one trailing newline removed: 0 or -errno. */
int read_str(const char *path, char *buf, size_t len);
/* A module parameter of zswap_rs (/sys/module/zswap_rs/parameters/@name). */
int knob_set(const char *name, const char *val);
int knob_get(const char *name, char *buf, size_t len);
/*
 * The backend under test: $ZRS_BACKEND, "zswap_rs" (default) or "zswap"
 * (the C zswap, zrs.mode=zswap); its debugfs directory and module name.
 */
const char *backend_dir(void);
/* A fault-injection attribute: @dir/@attr = @val; 0 or -errno. */
int fault_attr_set(const char *dir, const char *attr, const char *val);

/* ---- data ---- */

enum kind { K_ZERO, K_WORD, K_TEXT, K_HALF, K_RANDOM, K_NEAR_MAX, K_ONES, K_SPARSE, K_NR };
extern const char *const kind_names[K_NR];

/* splitmix64 */
uint64_t rng(uint64_t *s);
enum kind page_kind(size_t idx, unsigned int mix);
/*
 * Fill one page of the standard mix: the content depends only on (idx,
 * seed, mix), so it can be regenerated for comparison.
 */
void fill_page(unsigned char *p, size_t idx, uint64_t seed, unsigned int mix);
/* The same, for a page of kind @k (whatever the mix would choose). */
void fill_page_kind(unsigned char *p, size_t idx, uint64_t seed, enum kind k);
/*
 * W6's data (make bench), the mix MIX_MID of fill_page(): pages that
 * compress to between half a page and a page (most lzo and lz4 objects
 * 2 to 4 KiB), of five kinds: arrays of 64-byte records with 30 to 59
 * random bytes each (30%), buffers filled to 2 to 3.9 KiB with random
 * bytes (25%), kernel-log text with random numbers (20%), text followed
 * by 1 to 2.9 KiB of random bytes (15%), and text alone (10%: objects of
 * 1 to 2 KiB).  No same-filled page.
 */
#define MIX_MID 0x6d1du
enum mid_kind { MK_RECORDS, MK_HALF_FILLED, MK_LOG_TEXT, MK_TEXT_RANDOM, MK_TEXT, MK_NR };
extern const char *const mid_kind_names[MK_NR];
enum mid_kind mid_kind(size_t idx);
void fill_mid(unsigned char *p, size_t idx, uint64_t seed);
/*
 * A compressible page that is different for every (idx, seed); with
 * seed bit 63 set, a tiny one (a 16-byte pattern: compresses to a few
 * dozen bytes, and is not same-filled); with bit 62 (63 clear), one that
 * compresses to about 1425 bytes, with bit 61 (62, 63 clear) about 1325;
 * with only bit 60 of the top four, a same-filled page of a word that the
 * index holds (no pool object: writeback never touches its entry).
 */
void fill_text(unsigned char *p, size_t idx, uint64_t seed);
/* Pages of fill_text() that differ from what they should hold (page @skip not compared). */
size_t text_verify(unsigned char *mem, size_t n, uint64_t seed, size_t skip);

struct region {
	unsigned char *mem;
	size_t pages;
	uint64_t seed;
	unsigned int mix;
};

/* Maps @pages of anonymous memory: 0 or -errno (r->mem NULL then). */
int region_map(struct region *r, size_t pages, uint64_t seed, unsigned int mix);
/*
 * The same for transparent huge pages: @pages rounded up to whole 2 MiB,
 * mapped 2 MiB-aligned (the slack around it unmapped, so munmap(r->mem,
 * r->pages * PAGE) frees it all) and advised MADV_HUGEPAGE.  0 or -errno.
 */
int region_map_huge(struct region *r, size_t pages, uint64_t seed, unsigned int mix);
void region_fill(struct region *r);
/*
 * Compares every byte with a regenerated copy and returns the number of
 * corrupted bytes.  Prints the first differing pages and, if any, the
 * total ("<what>: N corrupted bytes in M pages"); a clean comparison is
 * noted ("<what>: N pages, 0 corrupted bytes") unless @quiet.  Tallies
 * the pages for the run totals.
 */
size_t region_verify(struct region *r, const char *what, bool quiet);
/* Pages of the region currently resident (mincore); (size_t)-1 on error. */
size_t resident(struct region *r);
/*
 * MADV_PAGEOUT, once on each online CPU (see zrs_lib.c:
 * a page still in another CPU's LRU-add batch is otherwise skipped):
 * 0 or -errno.
 */
int pageout(void *p, size_t len);
/* One MADV_PAGEOUT on the CPU the thread runs on: 0 or -errno. */
int pageout_here(void *p, size_t len);

/* MB (a decimal/hex string, or @def_mb if NULL) in pages. */
size_t mb_pages(const char *arg, size_t def_mb);

/*
 * Pins this process to one CPU (cpu < 0: the one it runs on), or reports
 * failure: 0 or -errno.  Tests that count what one pageout stored pin
 * themselves first, so that no page of theirs sits in another CPU's
 * LRU-add batch at all (pageout() copes with that too).
 */
int pin_cpu(int cpu);

/* Waits until @path exists (GO_FILE: the shell's go). */
void wait_file(const char *path);
void wait_go(void);

long long ms_since(const struct timespec *t0);
long long now_ns(void);

/* One line per load failure injected on purpose (see lib.sh, lost_audit). */
#define INJECTED_LOADS "/tmp/zrs-injected-loads"
/*
 * Reads the stored page at @p with its load made to fail (zswap_rs's
 * fail_load fault attribute, this task only, once; swap readahead off
 * meanwhile).  Returns 0 and sets *got_bus (1 if the read raised SIGBUS:
 * caught, the mapping stays, and the page sits in the swap cache without
 * its data) and *fired (1 if the injected failure was taken: a load by
 * this task reached zswap_rs; 0 means the page did not come from the
 * pool, e.g. something else had brought it back first), or -errno if the
 * fault injection could not be armed (*got_bus and *fired still set: the
 * read is done anyway).  The injection is disarmed before it returns.
 */
int failed_load_sigbus(volatile unsigned char *p, int *got_bus, int *fired);

#endif
