// SPDX-License-Identifier: GPL-2.0
/*
 * zswap_rs_kunit.ko: the KUnit suites of zswap_rs, built from the same Rust
 * sources as zswap_rs.ko.  The suites are declared in Rust (sys/kunit.rs)
 * and run when this module loads.  This module never registers with
 * frontswap.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include "helpers.h"
#include "glue.h"

/*
 * Harness self-tests, each switched on by an insmod argument:
 * selftest_fail=1: the zswap_rs_harness suite makes a deliberately broken
 * expectation, which must make `make check` fail; selftest_uaf=1: it reads
 * a freed page from Rust, which the debug guest (debug_pagealloc=on) must
 * catch; selftest_slab=1: it writes to a freed slab object from Rust, which
 * slub_debug's poisoning (slub_debug=FZP) must report.  KUnit runs a module's suites before its parameters are parsed
 * (6.1 load_module: prepare_coming_module, then parse_args), so the cases
 * look at the raw insmod arguments, already saved in mod->args; the
 * parameters exist so that insmod accepts the arguments (and shows them).
 */
static bool zrs_insmod_arg(const char *arg)
{
	const char *args = THIS_MODULE->args;

	return args && strstr(args, arg);
}

#define ZRS_SELFTEST_SWITCH(name, desc)					\
	static bool name;						\
	module_param(name, bool, 0444);					\
	MODULE_PARM_DESC(name, desc);					\
	bool zswap_rs_kunit_##name(void);				\
	bool zswap_rs_kunit_##name(void)				\
	{								\
		return name || zrs_insmod_arg(#name "=1");		\
	}

ZRS_SELFTEST_SWITCH(selftest_fail, "Make the harness self-test case fail (Y/N)")
ZRS_SELFTEST_SWITCH(selftest_uaf, "Make the harness self-test read a freed page (Y/N)")
ZRS_SELFTEST_SWITCH(selftest_slab, "Make the harness self-test write to a freed slab object (Y/N)")

/*
 * selftest_slab's objects: 64 bytes from a cache of their own, so that
 * nobody else takes the object the test frees, and the next allocation
 * hands that object back: slub_debug checks its poison then.  The cache
 * is never destroyed (the self-test's boot fails by design; a cache that
 * reported corruption keeps its objects marked in use anyway); its name
 * is copied by kmem_cache_create.  A keeper object, allocated first and
 * never freed, keeps the slab from ever being empty (see below).
 */
static struct kmem_cache *zrs_selftest_cache;
static void *zrs_selftest_keeper;

void *zswap_rs_kunit_selftest_obj_alloc(void)
{
	if (!zrs_selftest_cache) {
		zrs_selftest_cache = kmem_cache_create("zswap_rs_selftest", 64, 0, 0, NULL);
		if (!zrs_selftest_cache)
			return NULL;
		zrs_selftest_keeper = kmem_cache_alloc(zrs_selftest_cache, GFP_KERNEL);
		if (!zrs_selftest_keeper)
			return NULL;
	}
	return kmem_cache_alloc(zrs_selftest_cache, GFP_KERNEL);
}

/*
 * The debug kernel's KASAN quarantines a freed object: SLUB poisons it
 * and puts it back on its slab's freelist only when the quarantine lets
 * it go (and a write to it meanwhile is overwritten by that poisoning).
 * Shrinking the cache flushes this cache's quarantine
 * (kasan_cache_shrink), so the object is poisoned and first on the
 * freelist when this returns; the keeper keeps its slab from being
 * discarded as empty (debug_pagealloc would unmap it).
 */
void zswap_rs_kunit_selftest_obj_free(void *obj)
{
	kmem_cache_free(zrs_selftest_cache, obj);
	kmem_cache_shrink(zrs_selftest_cache);
}

/*
 * Take the lock below lockdep and spinlock debugging, the way a holder on
 * another CPU looks to a trylock here (KUnit cases cannot easily run a
 * second thread).
 */
void zswap_rs_kunit_arch_spin_lock(spinlock_t *lock)
{
	preempt_disable();
	arch_spin_lock(&lock->rlock.raw_lock);
}

void zswap_rs_kunit_arch_spin_unlock(spinlock_t *lock)
{
	arch_spin_unlock(&lock->rlock.raw_lock);
	preempt_enable();
}

/* The reclaim worker is the production module's: tests call reclaim. */
void zswap_rs_reclaim_kick(void) { }
void zswap_rs_race_window(unsigned int id) { }
void zswap_rs_reclaim_cancel(void) { }

/* Fault injection is the production module's (glue.c); never here. */
bool zswap_rs_should_fail(unsigned int id)
{
	return false;
}

MODULE_LICENSE("GPL");
MODULE_AUTHOR("zswap-rs developers");
MODULE_DESCRIPTION("KUnit suites of zswap_rs");
