/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers of zswap_rs: one wrapper per static inline function or macro
 * the Rust code needs (bindgen cannot call those), plus the C glue that is
 * far simpler in C than in Rust on 6.1 (module parameters, debugfs and
 * sysfs attribute tables).  No logic lives here.
 */
#ifndef ZSWAP_RS_HELPERS_H
#define ZSWAP_RS_HELPERS_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/spinlock_types.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>

struct frontswap_ops;

struct xarray;
struct page;
struct crypto_comp;
struct lock_class_key;
struct module;

/* XArray */
void zswap_rs_xa_init(struct xarray *xa);
int zswap_rs_xa_err(void *entry);
void *zswap_rs_xa_cmpxchg(struct xarray *xa, unsigned long index, void *old,
			  void *entry, gfp_t gfp);

/*
 * Memory cgroup accounting of stored pages (patch 6 exports what these
 * call).  A "charges" XArray maps a swap offset to the struct obj_cgroup
 * the page is charged to, holding one reference each.
 */
struct obj_cgroup;
struct obj_cgroup *zswap_rs_objcg_of_page(struct page *page);
bool zswap_rs_objcg_may_zswap(struct obj_cgroup *objcg);
void zswap_rs_objcg_put(struct obj_cgroup *objcg);
void zswap_rs_objcg_get(struct obj_cgroup *objcg);
int zswap_rs_charge(struct xarray *xa, unsigned long index,
		    struct obj_cgroup *objcg, size_t size, gfp_t gfp);
bool zswap_rs_uncharge(struct xarray *xa, unsigned long index, size_t size);
void zswap_rs_count_event(struct xarray *xa, unsigned long index, bool out);
unsigned long zswap_rs_charges_destroy(struct xarray *xa);

/* Locks: one lockdep class per role. */
enum zswap_rs_lock_class {
	ZRS_LOCK_POOL,
	ZRS_LOCK_FRAME,
	ZRS_LOCK_COMP_CTX,
	ZRS_LOCK_STATE,
	ZRS_LOCK_NR,
};
void zswap_rs_spin_lock_init(spinlock_t *lock, unsigned int class_id);
void zswap_rs_spin_lock(spinlock_t *lock);
void zswap_rs_spin_lock_nested(spinlock_t *lock, int subclass);
void zswap_rs_spin_unlock(spinlock_t *lock);
bool zswap_rs_spin_trylock(spinlock_t *lock);
void zswap_rs_mutex_init(struct mutex *lock, unsigned int class_id);
void zswap_rs_mutex_lock(struct mutex *lock);
void zswap_rs_mutex_unlock(struct mutex *lock);
bool zswap_rs_mutex_trylock(struct mutex *lock);

/* zswap_rs_kunit.ko only (kunit_glue.c): test hooks. */
void zswap_rs_kunit_arch_spin_lock(spinlock_t *lock);
void zswap_rs_kunit_arch_spin_unlock(spinlock_t *lock);

/* Pages */
struct page *zswap_rs_alloc_page(gfp_t gfp);
void *zswap_rs_kmap_local_page(struct page *page);
void zswap_rs_kunmap_local(void *addr);
void zswap_rs_get_page(struct page *page);
void zswap_rs_put_page(struct page *page);
bool zswap_rs_trylock_page(struct page *page);
bool zswap_rs_page_movable_registered(struct page *page);
void zswap_rs_lock_page(struct page *page);
void zswap_rs_unlock_page(struct page *page);
unsigned long zswap_rs_page_private(struct page *page);
void zswap_rs_set_page_private(struct page *page, unsigned long private);
unsigned long zswap_rs_totalram_pages(void);
unsigned int zswap_rs_page_nr(struct page *page);
struct page *zswap_rs_nth_page(struct page *page, unsigned int n);
bool zswap_rs_frontswap_stores_thp(void);
struct page *zswap_rs_alloc_compound(gfp_t gfp, unsigned int order);

/* Memory: kvzalloc (kmalloc, falling back to vmalloc for large sizes) */
void *zswap_rs_kvzalloc(size_t size, gfp_t gfp);
void zswap_rs_kvfree(void *p);

/* Swap cache (writeback) */
enum zswap_rs_swapcache {
	ZRS_SWAPCACHE_NEW,
	ZRS_SWAPCACHE_EXISTS,
	ZRS_SWAPCACHE_GONE,
	ZRS_SWAPCACHE_BUSY,
	ZRS_SWAPCACHE_SYNC_IO,
};
int zswap_rs_swapcache_get(unsigned int type, unsigned long offset,
			   struct page **out);
void zswap_rs_swapcache_read_back(struct page *page);
void zswap_rs_swapcache_write(struct page *page);
void zswap_rs_wait_on_page_writeback(struct page *page);
int zswap_rs_frontswap_register(const struct frontswap_ops *ops);
int zswap_rs_frontswap_unregister(const struct frontswap_ops *ops);
int zswap_rs_swap_count(unsigned int type, unsigned long offset);
bool zswap_rs_invalidate_if_free(unsigned int type, unsigned long offset);
int zswap_rs_frontswap_test(unsigned int type, unsigned long offset);
int zswap_rs_swapcache_holds(struct page *page, unsigned int type,
			     unsigned long offset);
void zswap_rs_set_page_dirty(struct page *page);
void zswap_rs_frontswap_writeback_done(unsigned int type, unsigned long offset);

/* Crypto */
struct crypto_comp *zswap_rs_crypto_alloc_comp(const char *name);
void zswap_rs_crypto_free_comp(struct crypto_comp *tfm);
bool zswap_rs_crypto_has_comp(const char *name);
long zswap_rs_ptr_err(const void *ptr);

/* CPU, scheduling, RCU */
unsigned int zswap_rs_cpu_id(void);
unsigned int zswap_rs_nr_cpu_ids(void);
void zswap_rs_cond_resched(void);
bool zswap_rs_ratelimit(void);
int zswap_rs_srcu_read_lock(void);
void zswap_rs_srcu_read_unlock(int idx);
void zswap_rs_synchronize_srcu(void);
void zswap_rs_msleep(unsigned int ms);
unsigned long zswap_rs_jiffies_ms(void);
/* local_clock(): this CPU's nanosecond clock (for timing a sample of stores). */
u64 zswap_rs_local_clock(void);
void zswap_rs_warn(const void *args);

/* The parameter lock of the module this copy is linked into. */
void zswap_rs_param_lock(void);
void zswap_rs_param_unlock(void);

#endif /* ZSWAP_RS_HELPERS_H */
