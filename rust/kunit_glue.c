// SPDX-License-Identifier: GPL-2.0
/*
 * zswap_rs_kunit.ko: the KUnit suites of zswap_rs, built from the same Rust
 * sources as zswap_rs.ko.  The suites are declared in Rust (sys/kunit.rs)
 * and run when this module loads.  This module never registers with
 * frontswap; it only provides what the shared Rust code links against.
 */
#include <linux/module.h>
#include "glue.h"

struct module *zswap_rs_this_module(void)
{
	return THIS_MODULE;
}

void zswap_rs_param_lock(void)
{
	kernel_param_lock(THIS_MODULE);
}

void zswap_rs_param_unlock(void)
{
	kernel_param_unlock(THIS_MODULE);
}

MODULE_LICENSE("GPL");
MODULE_AUTHOR("zswap-rs developers");
MODULE_DESCRIPTION("KUnit suites of zswap_rs");
