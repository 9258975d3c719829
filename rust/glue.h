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

/*
 * The module parameters (/sys/module/zswap_rs/parameters/), declared once:
 * X(ID, name, permissions, description).  glue.c makes the parameters from
 * this list, helpers.c the names; Rust takes the ids from the enum
 * (params.rs checks at compile time that it knows every one).
 */
#define ZSWAP_RS_PARAMS(X)						\
	X(ENABLED, enabled, 0644,					\
	  "Accept new pages (Y/N); stored pages stay loadable either way") \
	X(COMPRESSOR, compressor, 0644,					\
	  "Crypto compressor for new pages (lzo, lz4, zstd, deflate, ...)") \
	X(MAX_POOL_PERCENT, max_pool_percent, 0644,			\
	  "Pool limit in percent of RAM (0-100)")			\
	X(ACCEPT_THRESHOLD_PERCENT, accept_threshold_percent, 0644,	\
	  "After hitting the limit, accept again below this percent of it (0-100)") \
	X(SAME_FILLED_PAGES_ENABLED, same_filled_pages_enabled, 0644,	\
	  "Store pages filled with one repeated word without compressing (Y/N)") \
	X(NON_SAME_FILLED_PAGES_ENABLED, non_same_filled_pages_enabled, 0644, \
	  "Store pages that are not same-filled (Y/N)")		\
	X(STORE_INCOMPRESSIBLE, store_incompressible, 0644,		\
	  "Store pages that do not compress as-is in a frame of their own (Y) or reject them (N)") \
	X(COMPACT, compact, 0644,					\
	  "Write 1 to merge half-full pool frames now")		\
	X(WRITEBACK, writeback, 0644,					\
	  "Write back the coldest frames at the pool limit (Y/N); N > 0: write back N frames now") \
	X(SHRINKER_WRITEBACK, shrinker_writeback, 0644,		\
	  "Under memory pressure, also write back cold frames (Y/N)")

enum zswap_rs_param {
#define ZRS_PARAM_ENUM(id, name, perm, desc) ZRS_PARAM_##id,
	ZSWAP_RS_PARAMS(ZRS_PARAM_ENUM)
#undef ZRS_PARAM_ENUM
	ZRS_PARAM_NR,
};

/* helpers.c: the name of parameter @id (NULL if out of range). */
const char *zswap_rs_param_name(unsigned int id);

/* Implemented in Rust (zswap_rs_main.rs). */
int zswap_rs_param_set(unsigned int id, const char *val);
int zswap_rs_param_get(unsigned int id, char *buf);
u64 zswap_rs_stat_get(unsigned int id);
int zswap_rs_summary_show(unsigned int id, char *buf);
int zswap_rs_init(void);
void zswap_rs_exit(void);
void zswap_rs_reclaim_work(void);

/* glue.c (kunit_glue.c: no-ops): the reclaim worker. */
void zswap_rs_reclaim_kick(void);
void zswap_rs_reclaim_cancel(void);

/* glue.c: fault injection for loads (false unless configured). */
bool zswap_rs_should_fail_load(void);
bool zswap_rs_should_fail_alloc(void);

/* Implemented in kunit_glue.c (zswap_rs_kunit.ko only). */
bool zswap_rs_kunit_selftest_fail(void);

/* Implemented in glue.c, called from Rust (sys/debugfs.rs, sysfs.rs, shrinker.rs). */
struct dentry *zswap_rs_debugfs_dir(const char *name);
void zswap_rs_debugfs_stat(struct dentry *dir, const char *name, unsigned int id);
void zswap_rs_debugfs_fault(struct dentry *dir);
void zswap_rs_debugfs_remove(struct dentry *dir);
/* /proc/meminfo totals: glue.c's source calls the Rust side. */
void zswap_rs_meminfo(u64 *pool_bytes, unsigned long *stored_pages);
void zswap_rs_meminfo_set(bool on);
struct kobject *zswap_rs_sysfs_create(void);
void zswap_rs_sysfs_remove(struct kobject *kobj);
struct shrinker;
int zswap_rs_register_shrinker(struct shrinker *s);

#endif /* ZSWAP_RS_GLUE_H */
