// SPDX-License-Identifier: GPL-2.0
/*
 * zrs_memcg: memory cgroup (v2) accounting of the backend
 * (kselftest_harness).  Tests: exclusive_memcg (zswap_rs); memcg, on zswap_rs or, with
 * ZRS_BACKEND=zswap, on the C zswap (zrs.mode=zswap boot); prints the
 * MEMCG line that check.sh's memcg_vs_zbud compares.  The teardown kills
 * the test's children, removes its cgroups, turns swap back on if the
 * test left it off, and puts the knobs back.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>

#include "zrs_harness.h"

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

/* Writes <cgroup>/<file> (cg "": the root): 0 or -errno. */
static int cg_write(const char *cg, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), CGROOT "/%s%s%s", cg, *cg ? "/" : "", file);
	return write_str(path, val);
}

/* cgroup v2 mounted, memory controller on for children; "name" fresh. */
static void cg_setup(struct __test_metadata *_metadata, const char *name)
{
	char path[256];
	int err;

	if (access(CGROOT "/cgroup.controllers", F_OK)) {
		mkdir(CGROOT, 0755);
		ASSERT_EQ(0, mount("none", CGROOT, "cgroup2", 0, NULL))
			TH_LOG("mount cgroup2 on " CGROOT ": %s", strerror(errno));
	}
	err = cg_write("", "cgroup.subtree_control", "+memory");
	ASSERT_EQ(0, err) TH_LOG("+memory in " CGROOT "/cgroup.subtree_control: %s", strerror(-err));
	snprintf(path, sizeof(path), CGROOT "/%s", name);
	rmdir(path);
	ASSERT_EQ(0, mkdir(path, 0755)) TH_LOG("mkdir %s: %s", path, strerror(errno));
}

/* A child in cgroup @cg: pages out @n pages, signals, waits, verifies. */
struct cg_child {
	pid_t pid;
	int ready, go;		/* pipe ends in the parent */
};

/*
 * The child: no ASSERT (it would run the parent's teardown); its exit
 * status says whether it paged out and read back every byte intact.
 */
static void __attribute__((noreturn)) cg_child(const char *cg, size_t n, uint64_t seed,
					       int ready, int go)
{
	struct region reg;
	char pid[32], b = 0;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (cg_write(cg, "cgroup.procs", pid)) {
		note("%s: cannot join the cgroup", cg);
		_exit(1);
	}
	pin_cpu(-1);
	if (region_map(&reg, n, seed, 1) < 0)
		_exit(1);
	region_fill(&reg);
	if (pageout(reg.mem, n * PAGE))
		_exit(1);
	if (write(ready, "r", 1) != 1 || read(go, &b, 1) != 1)
		_exit(1);
	_exit(region_verify(&reg, cg, false) ? 1 : 0);
}

static void cg_child_start(struct __test_metadata *_metadata, struct cg_child *c,
			   const char *cg, size_t n, uint64_t seed)
{
	int r[2], g[2];
	char b = 0;

	ASSERT_EQ(0, pipe(r));
	ASSERT_EQ(0, pipe(g));
	fflush(stdout);
	c->pid = fork();
	ASSERT_LE(0, c->pid) TH_LOG("fork: %s", strerror(errno));
	if (c->pid == 0) {
		close(r[0]);
		close(g[1]);
		cg_child(cg, n, seed, r[1], g[0]);
	}
	close(r[1]);
	close(g[0]);
	c->ready = r[0];
	c->go = g[1];
	ASSERT_EQ(1, read(c->ready, &b, 1)) TH_LOG("child in %s died before paging out", cg);
}

static void cg_child_finish(struct __test_metadata *_metadata, struct cg_child *c, const char *cg)
{
	int st = 0;
	pid_t pid = c->pid;

	ASSERT_EQ(1, write(c->go, "g", 1)) TH_LOG("child in %s gone before go", cg);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	c->pid = 0;
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("child in %s failed (status %#x)", cg, st);
	close(c->go);
	close(c->ready);
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

FIXTURE(zrs_memcg) {
	struct zrs_knobs knobs;
	struct cg_child a, b;
	char swapdev[256];
	int swap_off;		/* the test turned swap off and not on yet */
};

FIXTURE_SETUP(zrs_memcg)
{
	ASSERT_LT(0, zrs_knobs_save(&self->knobs, zrs_module()))
		TH_LOG("no knobs in /sys/module/%s/parameters: module not loaded?", zrs_module());
}

FIXTURE_TEARDOWN(zrs_memcg)
{
	struct cg_child *c[2] = { &self->a, &self->b };
	int i;

	for (i = 0; i < 2; i++)
		if (c[i]->pid > 0) {
			kill(c[i]->pid, SIGKILL);
			waitpid(c[i]->pid, NULL, 0);
		}
	if (self->swap_off)
		EXPECT_EQ(0, swapon(self->swapdev, 0))
			TH_LOG("teardown: swapon %s: %s", self->swapdev, strerror(errno));
	rmdir(CGROOT "/zrs-a");
	rmdir(CGROOT "/zrs-b");
	zrs_knobs_restore(_metadata, &self->knobs);
}

/*
 * memcg: cgroup v2 accounting of the backend.  A child in "zrs-a"
 * (memory.zswap.max 256 KiB) pages out 16 MiB: stores stop at the limit,
 * the rest goes to disk.  A child in "zrs-b" (no limit) pages out 8 MiB:
 * charged separately.  memory.stat, /proc/vmstat and /proc/meminfo must
 * agree with the backend's own counters; every byte comes back; once the
 * children are gone (and the swap slot caches flushed) nothing stays
 * charged.
 */
TEST_F_TIMEOUT(zrs_memcg, memcg, ZRS_TIMEOUT)
{
	const char *dir = backend_dir();
	const long long limit = 256 << 10;
	size_t na = mb_pages("16", 0), nb = mb_pages("8", 0);
	struct cg_fig fa, fb, fa2, fa3, fb3;
	long long out0, in0, psw0, psw1, st0, rej0 = 0, rej = 0, st, stored, kb, kb_pool, pool;
	char lim[32];
	int rs = !strcmp(dir, "zswap_rs"), err;

	cg_setup(_metadata, "zrs-a");
	cg_setup(_metadata, "zrs-b");
	ASSERT_LE(0LL, cg_num("zrs-a", "memory.zswap.max"))
		TH_LOG("no memory.zswap.max: kernel without CONFIG_ZSWAP or cgroup v2 memory controller");
	snprintf(lim, sizeof(lim), "%lld", limit);
	err = cg_write("zrs-a", "memory.zswap.max", lim);
	ASSERT_EQ(0, err) TH_LOG("zrs-a/memory.zswap.max = %s: %s", lim, strerror(-err));
	out0 = vmstat("zswpout");
	in0 = vmstat("zswpin");
	psw0 = vmstat("pswpout");
	st0 = backend_stat(dir, "stored_pages");
	if (rs)
		rej0 = zrs_stat("reject_cgroup");

	/* A: the limit. */
	cg_child_start(_metadata, &self->a, "zrs-a", na, 0xa11ce);
	psw1 = vmstat("pswpout");
	cg_read("zrs-a", &fa);
	if (rs)
		rej = zrs_stat("reject_cgroup") - rej0;
	note("zrs-a (memory.zswap.max %lld): %zu pages paged out; memory.zswap.current %lld, zswap %lld, zswapped %lld, zswpout %lld; pswpout +%lld%s%lld",
	     limit, na, fa.current, fa.zswap, fa.zswapped, fa.zswpout, psw1 - psw0,
	     rs ? ", reject_cgroup +" : "", rs ? rej : 0LL);
	EXPECT_LE(fa.current, limit + (long long)PAGE)
		TH_LOG("zrs-a: memory.zswap.current %lld above the limit %lld (+1 page)", fa.current, limit);
	EXPECT_GE(fa.current, limit - (long long)PAGE)
		TH_LOG("zrs-a: memory.zswap.current %lld: the limit %lld was never reached", fa.current, limit);
	EXPECT_EQ(fa.current, fa.zswap)
		TH_LOG("zrs-a: memory.stat zswap %lld != memory.zswap.current %lld", fa.zswap, fa.current);
	EXPECT_TRUE(fa.zswapped > 0 && fa.zswpout == fa.zswapped)
		TH_LOG("zrs-a: zswpout %lld, zswapped %lld: want equal, > 0", fa.zswpout, fa.zswapped);
	EXPECT_GE(psw1 - psw0 + fa.zswapped, (long long)(na * 95 / 100))
		TH_LOG("zrs-a: %lld to disk + %lld stored of %zu pages", psw1 - psw0, fa.zswapped, na);
	EXPECT_GE(psw1 - psw0, (long long)(na / 2))
		TH_LOG("zrs-a: only %lld pages went to disk: the limit did not hold stores back", psw1 - psw0);
	if (rs)
		EXPECT_LT(0LL, rej) TH_LOG("reject_cgroup did not move");

	/* B: charged separately, A untouched. */
	cg_child_start(_metadata, &self->b, "zrs-b", nb, 0xb0b);
	cg_read("zrs-b", &fb);
	cg_read("zrs-a", &fa2);
	stored = backend_stat(dir, "stored_pages");
	st = stored - st0;
	note("zrs-b (no limit): %zu pages paged out; memory.zswap.current %lld, zswapped %lld, zswpout %lld",
	     nb, fb.current, fb.zswapped, fb.zswpout);
	EXPECT_GE(fb.zswapped, (long long)(nb / 2))
		TH_LOG("zrs-b: only %lld of %zu pages zswapped", fb.zswapped, nb);
	EXPECT_TRUE(fb.zswpout == fb.zswapped && fb.current == fb.zswap)
		TH_LOG("zrs-b: zswpout %lld zswapped %lld, current %lld zswap %lld",
		       fb.zswpout, fb.zswapped, fb.current, fb.zswap);
	EXPECT_TRUE(fa2.current == fa.current && fa2.zswapped == fa.zswapped)
		TH_LOG("zrs-a changed while only zrs-b paged (%lld -> %lld bytes)", fa.current, fa2.current);
	EXPECT_EQ(fa.zswpout + fb.zswpout, vmstat("zswpout") - out0)
		TH_LOG("/proc/vmstat zswpout: the cgroups' %lld + %lld", fa.zswpout, fb.zswpout);
	EXPECT_EQ(fa.zswapped + fb.zswapped, st)
		TH_LOG("%s stored_pages +%lld, the cgroups' zswapped %lld + %lld", dir, st,
		       fa.zswapped, fb.zswapped);
	kb = meminfo("Zswapped");
	EXPECT_EQ(stored * 4, kb)
		TH_LOG("/proc/meminfo Zswapped: %lld kB, %s stored_pages %lld", kb, dir, stored);
	pool = backend_stat(dir, "pool_total_size");
	kb_pool = meminfo("Zswap");
	EXPECT_EQ(pool / 1024, kb_pool)
		TH_LOG("/proc/meminfo Zswap: %lld kB, %s pool_total_size %lld", kb_pool, dir, pool);
	note("/proc/meminfo Zswap: %lld kB, Zswapped: %lld kB", kb_pool, kb);

	/* Read everything back; loads count as zswpin where they belong. */
	cg_child_finish(_metadata, &self->a, "zrs-a");
	cg_child_finish(_metadata, &self->b, "zrs-b");
	cg_read("zrs-a", &fa3);
	cg_read("zrs-b", &fb3);
	note("read back: zswpin zrs-a %lld, zrs-b %lld; /proc/vmstat zswpin +%lld",
	     fa3.zswpin, fb3.zswpin, vmstat("zswpin") - in0);
	EXPECT_TRUE(fa3.zswpin == fa.zswpout && fb3.zswpin == fb.zswpout)
		TH_LOG("zswpin %lld/%lld, zswpout %lld/%lld: every stored page loaded once",
		       fa3.zswpin, fb3.zswpin, fa.zswpout, fb.zswpout);
	EXPECT_EQ(fa3.zswpin + fb3.zswpin, vmstat("zswpin") - in0)
		TH_LOG("/proc/vmstat zswpin: the cgroups' %lld + %lld", fa3.zswpin, fb3.zswpin);

	/* Gone: flush the swap slot caches, nothing may stay charged. */
	ASSERT_TRUE(first_swap(self->swapdev, sizeof(self->swapdev))) TH_LOG("no swap device in /proc/swaps");
	ASSERT_EQ(0, swapoff(self->swapdev)) TH_LOG("swapoff %s: %s", self->swapdev, strerror(errno));
	self->swap_off = 1;
	ASSERT_EQ(0, swapon(self->swapdev, 0)) TH_LOG("swapon %s: %s", self->swapdev, strerror(errno));
	self->swap_off = 0;
	cg_read("zrs-a", &fa3);
	cg_read("zrs-b", &fb3);
	note("after exit and a slot-cache flush: memory.zswap.current zrs-a %lld, zrs-b %lld; zswapped %lld/%lld; %s stored_pages %lld",
	     fa3.current, fb3.current, fa3.zswapped, fb3.zswapped, dir, backend_stat(dir, "stored_pages"));
	EXPECT_TRUE(fa3.current == 0 && fb3.current == 0 && fa3.zswapped == 0 && fb3.zswapped == 0)
		TH_LOG("charges left after the workload exited");
	printf("MEMCG backend=%s a_limit=%lld a_pages=%zu a_current=%lld a_zswapped=%lld a_zswpout=%lld a_zswpin=%lld a_to_disk=%lld b_pages=%zu b_current=%lld b_zswapped=%lld b_zswpout=%lld\n",
	       dir, limit, na, fa.current, fa.zswapped, fa.zswpout, fa3.zswpin, psw1 - psw0, nb,
	       fb.current, fb.zswapped, fb.zswpout);
	fflush(stdout);
}

/*
 * The exclusive_memcg child: joins @cg, pages out @n text pages and, on
 * each "g" from the parent, reads them back (verified: "v", or "x" if a
 * page differs) or pages them out again ("r"), in turns, twice.
 */
static void __attribute__((noreturn)) excl_child(const char *cg, size_t n, int ready, int go)
{
	struct region reg;
	char pid[32], b = 0;
	int round;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (cg_write(cg, "cgroup.procs", pid) || region_map(&reg, n, 0xe4c1, 0) < 0)
		_exit(1);
	pin_cpu(-1);
	for (size_t i = 0; i < n; i++)
		fill_text(reg.mem + i * PAGE, i, reg.seed);
	for (round = 0; round < 2; round++) {
		if (pageout(reg.mem, n * PAGE) || write(ready, "r", 1) != 1 || read(go, &b, 1) != 1)
			_exit(1);
		b = text_verify(reg.mem, n, reg.seed, n) ? 'x' : 'v';
		if (write(ready, &b, 1) != 1 || read(go, &b, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/*
 * exclusive_memcg (zswap_rs): a load that takes its page out of the pool
 * (exclusive_loads=Y) uncharges it from the page's cgroup at once.  A
 * child in "zrs-a" pages out 8 MiB of text and reads it back while it
 * lives: memory.zswap.current and zswapped fall to (nearly) nothing.
 * Then, with exclusive_loads=N, it pages the same pages out again (dirty:
 * each exclusive load dirtied its page) and reads them back: the pool
 * keeps its copies, and the cgroup stays charged for them.  Every byte
 * is compared each time.
 */
TEST_F_TIMEOUT(zrs_memcg, exclusive_memcg, ZRS_TIMEOUT)
{
	size_t n = mb_pages("8", 0);
	struct cg_fig f_out, f_in, n_out, n_in;
	int r[2], g[2], st = 0;
	char b = 0;

	if (strcmp(backend_dir(), "zswap_rs"))
		SKIP(return, "exclusive_loads is zswap_rs's knob");
	cg_setup(_metadata, "zrs-a");
	ASSERT_EQ(0, knob_set("exclusive_loads", "Y"));
	ASSERT_EQ(0, pipe(r));
	ASSERT_EQ(0, pipe(g));
	fflush(stdout);
	self->a.pid = fork();
	ASSERT_LE(0, self->a.pid);
	if (self->a.pid == 0) {
		close(r[0]);
		close(g[1]);
		excl_child("zrs-a", n, r[1], g[0]);
	}
	close(r[1]);
	close(g[0]);

	ASSERT_EQ(1, read(r[0], &b, 1));
	ASSERT_EQ('r', b);
	cg_read("zrs-a", &f_out);
	ASSERT_EQ(1, write(g[1], "g", 1));
	ASSERT_EQ(1, read(r[0], &b, 1));
	EXPECT_EQ('v', b) TH_LOG("pages differ after the exclusive read-back");
	cg_read("zrs-a", &f_in);
	note("exclusive_loads=Y: paged out: memory.zswap.current %lld, zswapped %lld; read back: %lld, %lld",
	     f_out.current, f_out.zswapped, f_in.current, f_in.zswapped);
	/* The premise: most of the 8 MiB is charged to the pool. */
	ASSERT_LE((long long)n / 2, f_out.zswapped) TH_LOG("premise: only %lld pages zswapped", f_out.zswapped);
	EXPECT_GE(f_out.zswapped / 100 + 8, f_in.zswapped)
		TH_LOG("exclusive loads left %lld of %lld pages charged", f_in.zswapped, f_out.zswapped);
	EXPECT_GE(f_out.current / 100 + 8 * (long long)PAGE, f_in.current)
		TH_LOG("exclusive loads left %lld of %lld bytes charged", f_in.current, f_out.current);

	ASSERT_EQ(0, knob_set("exclusive_loads", "N"));
	ASSERT_EQ(1, write(g[1], "g", 1));
	ASSERT_EQ(1, read(r[0], &b, 1));
	ASSERT_EQ('r', b);
	cg_read("zrs-a", &n_out);
	ASSERT_EQ(1, write(g[1], "g", 1));
	ASSERT_EQ(1, read(r[0], &b, 1));
	EXPECT_EQ('v', b) TH_LOG("pages differ after the read-back with exclusive_loads=N");
	cg_read("zrs-a", &n_in);
	note("exclusive_loads=N: paged out again: memory.zswap.current %lld, zswapped %lld; read back: %lld, %lld",
	     n_out.current, n_out.zswapped, n_in.current, n_in.zswapped);
	ASSERT_LE((long long)n / 2, n_out.zswapped) TH_LOG("premise: only %lld pages zswapped again", n_out.zswapped);
	EXPECT_LE(n_out.zswapped * 9 / 10, n_in.zswapped)
		TH_LOG("with exclusive_loads=N the read-back uncharged %lld of %lld pages",
		       n_out.zswapped - n_in.zswapped, n_out.zswapped);
	ASSERT_EQ(1, write(g[1], "g", 1));
	ASSERT_EQ(self->a.pid, waitpid(self->a.pid, &st, 0));
	self->a.pid = 0;
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("child status %#x", st);
	close(r[0]);
	close(g[1]);
}

ZRS_HARNESS_MAIN
