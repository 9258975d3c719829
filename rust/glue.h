/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C glue of the zswap_rs module: module init/exit, module parameters,
 * debugfs and sysfs attribute tables.  The values and the policy live in
 * Rust; these tables only route a file or parameter to its Rust handler.
 */
#ifndef ZSWAP_RS_GLUE_H
#define ZSWAP_RS_GLUE_H

#include <linux/types.h>

struct dentry;
struct kobject;
struct module;

/* Module parameters (/sys/module/zswap_rs/parameters/), by id. */
enum zswap_rs_param {
	ZRS_PARAM_ENABLED,
	ZRS_PARAM_COMPRESSOR,
	ZRS_PARAM_MAX_POOL_PERCENT,
	ZRS_PARAM_ACCEPT_THRESHOLD_PERCENT,
	ZRS_PARAM_SAME_FILLED_PAGES_ENABLED,
	ZRS_PARAM_NON_SAME_FILLED_PAGES_ENABLED,
	ZRS_PARAM_STORE_INCOMPRESSIBLE,
	ZRS_PARAM_COMPACT,
	ZRS_PARAM_NR,
};

/* Implemented in Rust (params.rs, stats.rs, zswap_rs_main.rs). */
int zswap_rs_param_set(unsigned int id, const char *val);
int zswap_rs_param_get(unsigned int id, char *buf);
u64 zswap_rs_stat_get(unsigned int id);
int zswap_rs_summary_show(unsigned int id, char *buf);
int zswap_rs_init(void);
unsigned long zswap_rs_shrink_count(void);
unsigned long zswap_rs_shrink_scan(unsigned long nr);
void zswap_rs_exit(void);

/* glue.c: fault injection for loads (false unless configured). */
bool zswap_rs_should_fail_load(void);

/* Implemented in kunit_glue.c (zswap_rs_kunit.ko only). */
bool zswap_rs_kunit_selftest_fail(void);

/* Implemented in glue.c, called from Rust. */
struct dentry *zswap_rs_debugfs_create(const char *const *names,
				       unsigned int nr);
void zswap_rs_debugfs_remove(struct dentry *dir);
struct kobject *zswap_rs_sysfs_create(void);
void zswap_rs_sysfs_remove(struct kobject *kobj);
int zswap_rs_shrinker_register(void);
void zswap_rs_shrinker_unregister(void);

#endif /* ZSWAP_RS_GLUE_H */
