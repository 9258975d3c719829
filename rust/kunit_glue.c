// SPDX-License-Identifier: GPL-2.0
/*
 * zswap_rs_kunit.ko: the KUnit suites of zswap_rs, built from the same Rust
 * sources as zswap_rs.ko.  The suites are declared in Rust (sys/kunit.rs)
 * and run when this module loads.  This module never registers with
 * frontswap.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include "helpers.h"
#include "glue.h"

/*
 * Harness self-test: with selftest_fail=1 the zswap_rs_harness suite makes
 * a deliberately broken expectation, which must make `make check` fail.
 * KUnit runs a module's suites before its parameters are parsed (6.1
 * load_module: prepare_coming_module, then parse_args), so the case looks
 * at the raw insmod arguments, which are already saved in mod->args.
 */
static bool selftest_fail;
module_param(selftest_fail, bool, 0444);
MODULE_PARM_DESC(selftest_fail, "Make the harness self-test case fail (Y/N)");

bool zswap_rs_kunit_selftest_fail(void);
bool zswap_rs_kunit_selftest_fail(void)
{
	const char *args = THIS_MODULE->args;

	return selftest_fail || (args && strstr(args, "selftest_fail=1"));
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
void zswap_rs_reclaim_cancel(void) { }

/* Fault injection is the production module's (glue.c); never here. */
bool zswap_rs_should_fail_alloc(void)
{
	return false;
}

bool zswap_rs_should_fail_load(void)
{
	return false;
}

MODULE_LICENSE("GPL");
MODULE_AUTHOR("zswap-rs developers");
MODULE_DESCRIPTION("KUnit suites of zswap_rs");
