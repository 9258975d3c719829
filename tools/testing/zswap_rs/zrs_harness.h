/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zrs_harness.h: what the zswap_rs test programs add to Linux 6.1's
 * kselftest_harness.h (include/, verbatim).  Include it once, from the
 * program's .c file (it defines the harness's static objects), and end the
 * file with ZRS_HARNESS_MAIN instead of TEST_HARNESS_MAIN.
 *
 * - ZRS_KNOB_FIXTURE(name): a fixture whose setup saves every module
 *   parameter of the backend under test that exists, and whose teardown
 *   writes back each one that differs, also after an ASSERT_* ended the
 *   test early (the harness calls teardown once setup completed).  It does
 *   not run if the harness kills a test at its timeout (SIGKILL).
 * - ZRS_TIMEOUT: every test's timeout.  6.1's default is 30 s, far too
 *   short for a TCG guest; a test past ZRS_TIMEOUT is killed and fails.
 * - ZRS_HARNESS_MAIN: main() with "-t NAME" (repeatable: run only the
 *   tests called NAME or FIXTURE.NAME; an unknown name fails) and "-l"
 *   (list the tests), which 6.1's harness lacks; exits 0 if every test
 *   selected passed or skipped and at least one passed, 4 (KSFT_SKIP) if
 *   all of them skipped, 1 if any failed.
 *
 * SKIP() in 6.1 only marks the test: used in a FIXTURE_SETUP it would not
 * stop the test body from running.  Tests call SKIP() themselves.
 *
 * A test that failed is a failure even if it also SKIP()ped: 6.1's SKIP()
 * sets "passed" and the child then exits as skipped, so an EXPECT_* that
 * failed before it (or a teardown that failed after it) was reported
 * "ok # SKIP".  SKIP() is redefined to keep a failure, and every test runs
 * through zrs_run_test, which turns "skipped but failed" into a failure
 * (the verbatim header is not edited).
 */
#ifndef ZRS_HARNESS_H
#define ZRS_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The verbatim 6.1 header does not build with -Wextra -Werror (an unused
 * parameter of its SIGALRM handler): that one warning is off for it alone.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "include/kselftest_harness.h"
#pragma GCC diagnostic pop
#include "zrs_lib.h"

#undef SKIP
#define SKIP(statement, fmt, ...) do {						\
	snprintf(_metadata->results->reason,					\
		 sizeof(_metadata->results->reason), fmt, ##__VA_ARGS__);	\
	if (TH_LOG_ENABLED) {							\
		fprintf(TH_LOG_STREAM, "#      SKIP      %s%s\n",		\
			_metadata->results->reason,				\
			_metadata->passed ? "" : " (after a failure: FAIL)");	\
	}									\
	_metadata->skip = 1;							\
	_metadata->trigger = 0;							\
	statement;								\
} while (0)

/* The tests' own functions, which zrs_run_test calls. */
static struct {
	struct __test_metadata *t;
	void (*fn)(struct __test_metadata *, struct __fixture_variant_metadata *);
} zrs_tests[512];
static unsigned int zrs_nr_tests;

/* Runs the test (in the harness's child); a failed test that skipped too
 * exits as failed (t->step, at least 1), not as skipped (255). */
static void zrs_run_test(struct __test_metadata *t, struct __fixture_variant_metadata *v)
{
	unsigned int i;

	for (i = 0; i < zrs_nr_tests; i++)
		if (zrs_tests[i].t == t)
			zrs_tests[i].fn(t, v);
	if (t->skip && !t->passed) {
		fprintf(TH_LOG_STREAM, "# %s: failed and skipped: a failure\n", t->name);
		t->skip = 0;
	}
}

#define ZRS_TIMEOUT 3600

/* Every writable setting of zswap_rs, and those of the C zswap. */
static const char *const zrs_knob_names[] = {
	"compressor", "enabled", "max_pool_percent", "accept_threshold_percent",
	"same_filled_pages_enabled", "non_same_filled_pages_enabled",
	"store_incompressible", "writeback", "shrinker_writeback", "zpool", "store_thp",
	"exclusive_loads", "writeback_run",
};
#define ZRS_NR_KNOBS (sizeof(zrs_knob_names) / sizeof(zrs_knob_names[0]))

struct zrs_knobs {
	char dir[128];			/* /sys/module/<module>/parameters */
	char val[ZRS_NR_KNOBS][64];
	int saved[ZRS_NR_KNOBS];
};

/* Saves the knobs of @module that exist; the number saved. */
static inline int zrs_knobs_save(struct zrs_knobs *k, const char *module)
{
	char path[256];
	size_t i;
	int n = 0;

	snprintf(k->dir, sizeof(k->dir), "/sys/module/%s/parameters", module);
	for (i = 0; i < ZRS_NR_KNOBS; i++) {
		snprintf(path, sizeof(path), "%s/%s", k->dir, zrs_knob_names[i]);
		k->saved[i] = !read_str(path, k->val[i], sizeof(k->val[i]));
		n += k->saved[i];
	}
	return n;
}

/* Writes back every saved knob whose value changed; a failed write fails the test. */
static inline void zrs_knobs_restore(struct __test_metadata *_metadata, struct zrs_knobs *k)
{
	char path[256], cur[64];
	size_t i;

	for (i = 0; i < ZRS_NR_KNOBS; i++) {
		int err;

		if (!k->saved[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", k->dir, zrs_knob_names[i]);
		if (!read_str(path, cur, sizeof(cur)) && !strcmp(cur, k->val[i]))
			continue;
		err = write_str(path, k->val[i]);
		EXPECT_EQ(0, err) TH_LOG("teardown: cannot restore %s to '%s': %s",
					 path, k->val[i], strerror(-err));
		if (!err)
			note("teardown: %s restored to %s (was %s)", zrs_knob_names[i], k->val[i], cur);
	}
}

/* The module whose knobs the fixture saves: the backend under test. */
static inline const char *zrs_module(void)
{
	return strcmp(backend_dir(), "zswap") ? "zswap_rs" : "zswap";
}

#define ZRS_KNOB_FIXTURE(name)							\
	FIXTURE(name) {								\
		struct zrs_knobs knobs;						\
	};									\
	FIXTURE_SETUP(name)							\
	{									\
		ASSERT_LT(0, zrs_knobs_save(&self->knobs, zrs_module()))	\
			TH_LOG("no knobs in /sys/module/%s/parameters: module not loaded?", \
			       zrs_module());					\
	}									\
	FIXTURE_TEARDOWN(name)							\
	{									\
		zrs_knobs_restore(_metadata, &self->knobs);			\
	}

/* A region mapped or the test ends (ASSERT). */
#define MAP_OR_ASSERT(r, pages, seed, mix) do {					\
	int __err = region_map((r), (pages), (seed), (mix));			\
	ASSERT_EQ(0, __err) TH_LOG("mmap %zu pages: %s", (size_t)(pages),	\
				   strerror(-__err));				\
} while (0)

#define MAP_HUGE_OR_ASSERT(r, pages, seed, mix) do {				\
	int __err = region_map_huge((r), (pages), (seed), (mix));		\
	ASSERT_EQ(0, __err) TH_LOG("2 MiB-aligned MADV_HUGEPAGE mapping of %zu pages: %s", \
				   (size_t)(pages), strerror(-__err));		\
} while (0)

#define PAGEOUT_OR_ASSERT(p, len) do {						\
	int __err = pageout((p), (len));					\
	ASSERT_EQ(0, __err) TH_LOG("madvise(MADV_PAGEOUT): %s", strerror(-__err)); \
} while (0)

static pid_t zrs_main_pid;

/* All selected tests skipped: exit KSFT_SKIP (the harness would exit 0). */
static void zrs_exit_status(void)
{
	if (getpid() != zrs_main_pid)
		return;
	if (ksft_cnt.ksft_xskip && !ksft_cnt.ksft_pass && !ksft_cnt.ksft_fail &&
	    !ksft_cnt.ksft_error && !ksft_cnt.ksft_xfail && !ksft_cnt.ksft_xpass) {
		printf("# every selected test skipped: exit status %d (KSFT_SKIP)\n", KSFT_SKIP);
		fflush(stdout);
		fflush(stderr);
		_exit(KSFT_SKIP);
	}
}

static inline int zrs_selected(struct __fixture_metadata *f, struct __test_metadata *t,
			       char **sel, int nsel)
{
	char full[256];
	int i;

	snprintf(full, sizeof(full), "%s.%s", f->name, t->name);
	for (i = 0; i < nsel; i++)
		if (!strcmp(sel[i], t->name) || !strcmp(sel[i], full))
			return 1;
	return 0;
}

static inline int zrs_harness_main(int argc, char **argv)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t, *next, *head, *tail;
	char *sel[64];
	int opt, nsel = 0, matched = 0, list = 0;

	while ((opt = getopt(argc, argv, "t:l")) != -1) {
		switch (opt) {
		case 't':
			if (nsel < 64)
				sel[nsel++] = optarg;
			break;
		case 'l':
			list = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-l] [-t TEST]...\n", argv[0]);
			return KSFT_FAIL;
		}
	}
	for (f = __fixture_list; f; f = f->next) {
		if (list)
			for (t = f->tests; t; t = t->next)
				printf("%s.%s\n", f->name, t->name);
		if (list || !nsel)
			continue;
		/* Keep the selected tests, in order (the harness's list shape:
		 * next-linked, head->prev is the tail). */
		head = tail = NULL;
		for (t = f->tests; t; t = next) {
			next = t->next;
			if (!zrs_selected(f, t, sel, nsel))
				continue;
			t->next = NULL;
			if (!head) {
				head = t;
			} else {
				tail->next = t;
				t->prev = tail;
			}
			head->prev = t;
			tail = t;
			matched++;
		}
		f->tests = head;
	}
	if (list)
		return KSFT_PASS;
	if (nsel && !matched) {
		fprintf(stderr, "%s: no test called", argv[0]);
		for (opt = 0; opt < nsel; opt++)
			fprintf(stderr, " %s", sel[opt]);
		fprintf(stderr, " (-l lists them)\n");
		return KSFT_FAIL;
	}
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next) {
			if (zrs_nr_tests == sizeof(zrs_tests) / sizeof(zrs_tests[0])) {
				fprintf(stderr, "%s: more than %u tests\n", argv[0], zrs_nr_tests);
				return KSFT_FAIL;
			}
			zrs_tests[zrs_nr_tests].t = t;
			zrs_tests[zrs_nr_tests++].fn = t->fn;
			t->fn = zrs_run_test;
		}
	zrs_main_pid = getpid();
	atexit(zrs_exit_status);
	return test_harness_run(argc, argv);
}

#define ZRS_HARNESS_MAIN							\
	static void __attribute__((constructor))				\
	__constructor_order_last(void)						\
	{									\
		if (!__constructor_order)					\
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;	\
	}									\
	int main(int argc, char **argv)						\
	{									\
		return zrs_harness_main(argc, argv);				\
	}

#endif
