// SPDX-License-Identifier: GPL-2.0
/*
 * zrs_knobs: the module parameters and the summary files of zswap_rs
 * (kselftest_harness).  Tests: knobs, limit, summary.  The fixture puts
 * every knob back as it was, also when a test ends early.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "zrs_harness.h"

ZRS_KNOB_FIXTURE(zrs_knobs);

/* knobs: invalid values are refused with EINVAL and change nothing. */
TEST_F_TIMEOUT(zrs_knobs, knobs, ZRS_TIMEOUT)
{
	static const struct { const char *knob, *val; } bad[] = {
		{ "compressor", "no-such-alg" }, { "compressor", "\n" },
		{ "compressor", "lzo-but-a-name-that-is-far-too-long-to-be-real" },
		{ "max_pool_percent", "101" }, { "max_pool_percent", "-1" },
		{ "max_pool_percent", "abc" }, { "max_pool_percent", "\n" },
		{ "accept_threshold_percent", "200" }, { "enabled", "maybe" },
		{ "same_filled_pages_enabled", "2" }, { "store_incompressible", "x" },
		{ "store_thp", "2" },
	};
	static const char *const knobs[] = { "compressor", "max_pool_percent",
		"accept_threshold_percent", "enabled", "same_filled_pages_enabled",
		"store_incompressible", "store_thp" };
	const size_t nk = sizeof(knobs) / sizeof(knobs[0]);
	char before[sizeof(knobs) / sizeof(knobs[0])][64], after[64];
	size_t i;
	int err;

	for (i = 0; i < nk; i++) {
		err = knob_get(knobs[i], before[i], sizeof(before[i]));
		ASSERT_EQ(0, err) TH_LOG("cannot read knob %zu: %s", i, strerror(-err));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = knob_set(bad[i].knob, bad[i].val);
		EXPECT_EQ(-EINVAL, err) TH_LOG("%s='%s' gave %s, want EINVAL", bad[i].knob,
					       bad[i].val, err ? strerror(-err) : "success");
	}
	for (i = 0; i < nk; i++) {
		ASSERT_EQ(0, knob_get(knobs[i], after, sizeof(after)));
		EXPECT_STREQ(before[i], after) TH_LOG("%s changed from '%s' to '%s'", knobs[i],
						      before[i], after);
	}
	/* Good values are taken and read back. */
	EXPECT_EQ(0, knob_set("max_pool_percent", "33")) TH_LOG("max_pool_percent=33 refused");
	ASSERT_EQ(0, knob_get("max_pool_percent", after, sizeof(after)));
	EXPECT_STREQ("33", after) TH_LOG("max_pool_percent reads %s", after);
	EXPECT_EQ(0, knob_set("max_pool_percent", before[1]));
	EXPECT_EQ(0, knob_set("enabled", "0")) TH_LOG("enabled=0 refused");
	ASSERT_EQ(0, knob_get("enabled", after, sizeof(after)));
	EXPECT_STREQ("N", after) TH_LOG("enabled reads %s after 0", after);
	EXPECT_EQ(0, knob_set("enabled", "Y"));
	/* Read-only files refuse writes. */
	err = write_str("/sys/kernel/mm/zswap_rs/stored_pages", "5");
	EXPECT_NE(0, err) TH_LOG("write to read-only sysfs stored_pages succeeded");
	err = write_str(ZRS_DEBUGFS "/stored_pages", "5");
	EXPECT_NE(0, err) TH_LOG("write to read-only debugfs stored_pages succeeded");
	/* The pool layout is fixed while the module is loaded (0444). */
	ASSERT_EQ(0, knob_get("zpool", before[0], sizeof(before[0])));
	EXPECT_TRUE(!strcmp(before[0], "zbud") || !strcmp(before[0], "zpack") ||
		    !strcmp(before[0], "zchain"))
		TH_LOG("zpool reads '%s'", before[0]);
	err = knob_set("zpool", strcmp(before[0], "zbud") ? "zbud" : "zpack");
	EXPECT_NE(0, err) TH_LOG("zpool changed while loaded");
	ASSERT_EQ(0, knob_get("zpool", after, sizeof(after)));
	EXPECT_STREQ(before[0], after) TH_LOG("zpool changed from '%s' to '%s'", before[0], after);
	if (getenv("ZRS_ZPOOL"))
		EXPECT_STREQ(getenv("ZRS_ZPOOL"), after) TH_LOG("loaded with zpool=%s, reads %s",
							      getenv("ZRS_ZPOOL"), after);
	note("checked %zu invalid values and the read-only files", sizeof(bad) / sizeof(bad[0]));
}

/* limit: with max_pool_percent=1 the pool stops growing; data stays intact. */
TEST_F_TIMEOUT(zrs_knobs, limit, ZRS_TIMEOUT)
{
	struct region r;
	size_t n = 16384;
	long long hit0 = zrs_stat("pool_limit_hit"), limit, pool;

	pin_cpu(-1);
	/* The limit alone: no writeback (the writeback test covers it). */
	ASSERT_EQ(0, knob_set("writeback", "N"));
	ASSERT_EQ(0, knob_set("max_pool_percent", "1"));
	limit = sysconf(_SC_PHYS_PAGES) / 100;
	MAP_OR_ASSERT(&r, n, 0x1111, 7);
	region_fill(&r);
	PAGEOUT_OR_ASSERT(r.mem, n * PAGE);
	pool = zrs_stat("pool_pages");
	note("pool_pages %lld (limit ~%lld), pool_limit_hit +%lld, pswpout %lld",
	     pool, limit, zrs_stat("pool_limit_hit") - hit0, vmstat("pswpout"));
	EXPECT_LT(hit0, zrs_stat("pool_limit_hit")) TH_LOG("pool_limit_hit did not move");
	EXPECT_LE(pool, limit + 1) TH_LOG("pool grew past its limit: %lld > %lld", pool, limit);
	EXPECT_EQ((size_t)0, region_verify(&r, "limited pool", false));
	munmap(r.mem, n * PAGE);
}

/* summary: the world-readable sysfs files make sense for a non-root user. */
TEST_F_TIMEOUT(zrs_knobs, summary, ZRS_TIMEOUT)
{
	struct region r;
	pid_t pid;
	int status = 0;

	MAP_OR_ASSERT(&r, 2048, 0x5a, 1);
	region_fill(&r);
	PAGEOUT_OR_ASSERT(r.mem, 2048 * PAGE);
	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(errno));
	if (pid == 0) {
		/* The child: no ASSERT (it would run the parent's teardown). */
		char buf[64];
		ssize_t len;
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open("/sys/kernel/mm/zswap_rs/compression_ratio", O_RDONLY);
		if (fd < 0)
			_exit(3);
		len = read(fd, buf, sizeof(buf) - 1);
		buf[len > 0 ? len : 0] = 0;
		printf("  as uid 65534: compression_ratio %s", buf);
		fflush(stdout);
		_exit(read_num("/sys/kernel/mm/zswap_rs/stored_pages") > 0 ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("non-root read of summary failed (%#x)", status);
	EXPECT_EQ(zrs_stat("pool_total_size"), read_num("/sys/kernel/mm/zswap_rs/pool_total_size"))
		TH_LOG("sysfs and debugfs pool_total_size disagree");
	EXPECT_EQ((size_t)0, region_verify(&r, "summary data", false));
	munmap(r.mem, 2048 * PAGE);
}

ZRS_HARNESS_MAIN
