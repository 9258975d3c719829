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
	  "Under memory pressure, also write back cold frames (Y/N)")	\
	X(STORE_THP, store_thp, 0644,					\
	  "Store a huge page swapped out whole as its subpages (Y) or send it to the swap device (N)") \
	X(EXCLUSIVE_LOADS, exclusive_loads, 0644,			\
	  "Drop a page from the pool when a swap-in loads it into the swap cache (Y/N)") \
	X(WRITEBACK_RUN, writeback_run, 0644,				\
	  "Writeback also writes the stored neighbours of each victim in its aligned window of this many swap slots (a power of two, 1-256; 1: the victim alone)") \
	X(ZPOOL, zpool, 0444,						\
	  "Pool layout, set when the module is loaded: zbud (two objects per pool page), zpack (up to four, packed) or zchain (zpack frames that grow to units of up to three pages for objects over half a page)")

enum zswap_rs_param {
#define ZRS_PARAM_ENUM(id, name, perm, desc) ZRS_PARAM_##id,
	ZSWAP_RS_PARAMS(ZRS_PARAM_ENUM)
#undef ZRS_PARAM_ENUM
	ZRS_PARAM_NR,
};

/* helpers.c: the name of parameter @id (NULL if out of range). */
const char *zswap_rs_param_name(unsigned int id);

/* The files of the world-readable summary, /sys/kernel/mm/zswap_rs/. */
enum zswap_rs_summary {
	ZRS_SUM_STORED_PAGES,
	ZRS_SUM_POOL_TOTAL_SIZE,
	ZRS_SUM_STORED_BYTES,
	ZRS_SUM_COMPRESSION_RATIO,
};

/* Implemented in Rust (sys/entry.rs, emitted in zswap_rs_main.rs). */
int zswap_rs_param_set(unsigned int id, const char *val);
int zswap_rs_param_get(unsigned int id, char *buf);
u64 zswap_rs_stat_get(unsigned int id);
int zswap_rs_summary_show(unsigned int id, char *buf);
int zswap_rs_init(void);
void zswap_rs_exit(void);
void zswap_rs_reclaim_work(void);

/* glue.c (kunit_glue.c: no-ops): the reclaim worker. */
void zswap_rs_reclaim_enable(void);
void zswap_rs_reclaim_kick(void);
void zswap_rs_reclaim_cancel(void);

/*
 * Faults that a test can inject (kernels with
 * CONFIG_FAULT_INJECTION_DEBUG_FS: the file fail_<name> in the module's
 * debugfs directory, with the standard fault attributes: probability,
 * interval, times, ...), declared once: X(ID, name, description).
 */
#define ZSWAP_RS_FAULTS(X)						\
	X(LOAD, load,							\
	  "a load fails, as a decompression failure would")		\
	X(ALLOC, alloc,							\
	  "the store's pool allocation fails, as a page, frame-table or " \
	  "index allocation failure would: the module's own allocations " \
	  "only, unlike failslab/fail_page_alloc, whose stack-trace filter " \
	  "x86-64 lacks")						\
	X(CHARGE, charge,						\
	  "the store's cgroup charge record fails, as an XArray node "	\
	  "allocation failure would: the store is undone after publishing") \
	X(INDEX, index,							\
	  "the store's index insertion fails, as an XArray node "	\
	  "allocation failure would, after the pool allocation succeeded: " \
	  "the object is freed again; with fail_alloc and fail_charge, every " \
	  "allocation of the store path fails under real memory pressure " \
	  "without failslab, which also fails the swap cache's own node " \
	  "allocations (6.1's add_to_swap_cache() can then leave an empty " \
	  "XArray node behind: a VM_WARN_ON_ONCE at the next swapoff)")	\
	X(WRITEBACK, writeback,						\
	  "writeback fails to fill the new swap-cache page of an entry, as " \
	  "if its object could not be decompressed: the entry stays, and " \
	  "the page is let go without the entry's data")		\
	X(INVALIDATE, invalidate,					\
	  "test-only: frontswap's invalidate of an entry keeps it, as a " \
	  "lost invalidate would: the index keeps an orphan that nothing " \
	  "will ever invalidate (the unload must still end: it drops such " \
	  "an entry as lost)")

enum zswap_rs_fault {
#define ZRS_FAULT_ENUM(id, name, desc) ZRS_FAULT_##id,
	ZSWAP_RS_FAULTS(ZRS_FAULT_ENUM)
#undef ZRS_FAULT_ENUM
	ZRS_FAULT_NR,
};

/* glue.c (kunit_glue.c: false): whether fault @id fires now. */
bool zswap_rs_should_fail(unsigned int id);

/*
 * Race windows that a test can hold open (kernels with
 * CONFIG_FAULT_INJECTION_DEBUG_FS: the race_delay file in the module's
 * debugfs directory), declared once: X(ID, name, description).  A task
 * that enters an armed window waits there (it sleeps: every window is
 * where the code may sleep) until the test opens it.  Every window is
 * used by a race test, and every race test has a revert patch that makes
 * it fail (tools/testing/zswap_rs/reverts/, make check-reverts).
 */
#define ZSWAP_RS_RACE_POINTS(X)						\
	X(WRITEBACK_LOOKUP, writeback_lookup,		\
	  "writeback: between the index lookup and the swap-cache lookup") \
	X(WRITEBACK_FREE_SLOT, writeback_free_slot,		\
	  "writeback: the slot was found free, before it is dealt with") \
	X(WRITEBACK_ERASE, writeback_erase,		\
	  "writeback: page locked and filled, before the entry is erased") \
	X(WRITEBACK_GIVE_UP, writeback_give_up,		\
	  "writeback: a new swap-cache page it could not fill, before it lets it go") \
	X(STORE_PUBLISH, store_publish,		\
	  "store: entry published, before it is charged")		\
	X(STORE_UNDO, store_undo,		\
	  "store: before a failed store is undone")			\
	X(LOAD_LOOKUP, load_lookup,		\
	  "load: between the index lookup and reading the object")	\
	X(UNLOAD_SCAN, unload_scan,		\
	  "unload: stores refused, before the index is scanned")

enum zswap_rs_race_point {
#define ZRS_RACE_ENUM(id, name, desc) ZRS_RACE_##id,
	ZSWAP_RS_RACE_POINTS(ZRS_RACE_ENUM)
#undef ZRS_RACE_ENUM
	ZRS_RACE_NR,
};

/* glue.c (kunit_glue.c: no-op): stretch window @id if a test asked to. */
void zswap_rs_race_window(unsigned int id);

/* Implemented in kunit_glue.c (zswap_rs_kunit.ko only). */
bool zswap_rs_kunit_selftest_fail(void);
bool zswap_rs_kunit_selftest_uaf(void);
bool zswap_rs_kunit_selftest_slab(void);
void *zswap_rs_kunit_selftest_obj_alloc(void);
void zswap_rs_kunit_selftest_obj_free(void *obj);

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
