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
	ZRS_SWAPCACHE_OWN_DISK,
};
int zswap_rs_swapcache_get(unsigned int type, unsigned long offset,
			   struct page **out);
void zswap_rs_swapcache_read_back(struct page *page);
void zswap_rs_swapcache_write(struct page *page);
void zswap_rs_wait_on_page_writeback(struct page *page);
int zswap_rs_frontswap_register(const struct frontswap_ops *ops);
int zswap_rs_frontswap_unregister(const struct frontswap_ops *ops);
int zswap_rs_swap_count(unsigned int type, unsigned long offset);
bool zswap_rs_swap_on_own_disk(unsigned int type, unsigned long offset);
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

/*
 * Block devices (sys/block.rs): a bio-based disk whose callbacks are a
 * Rust ops table, found through disk->private_data; the C
 * block_device_operations (owner THIS_MODULE) and the disk's sysfs
 * attributes are static tables here that forward to it.
 */
struct bio;
struct block_device;
struct gendisk;
struct mempool_s;

/* The disk's own sysfs attributes (/sys/block/<name>/<attr>), by id. */
enum zswap_rs_disk_attr {
	ZRS_DISK_ATTR_DISKSIZE,
	ZRS_DISK_ATTR_NR,
};

struct zswap_rs_blk_ops {
	void (*submit_bio)(struct bio *bio);
	int (*open)(struct gendisk *disk);
	void (*release)(struct gendisk *disk);
	void (*swap_slot_free_notify)(struct gendisk *disk, unsigned long index);
	int (*attr_show)(struct gendisk *disk, unsigned int id, char *buf);
	int (*attr_store)(struct gendisk *disk, unsigned int id, const char *buf,
			  size_t len);
};

struct zswap_rs_disk_limits {
	unsigned int logical_block_size;
	unsigned int physical_block_size;
	bool rotational;
	bool discard;
};

struct gendisk *zswap_rs_disk_alloc(const struct zswap_rs_blk_ops *ops,
				    const char *name,
				    const struct zswap_rs_disk_limits *lim);
int zswap_rs_disk_add(struct gendisk *disk);
void zswap_rs_disk_del(struct gendisk *disk);
void zswap_rs_disk_put(struct gendisk *disk);
unsigned long long zswap_rs_disk_capacity(struct gendisk *disk);
void zswap_rs_disk_set_capacity(struct gendisk *disk, unsigned long long sectors);
int zswap_rs_disk_lock_unopened(struct gendisk *disk);
void zswap_rs_disk_unlock(struct gendisk *disk);

/* What a bio asks (zswap_rs_bio_op). */
enum zswap_rs_bio_op {
	ZRS_BIO_READ,
	ZRS_BIO_WRITE,
	ZRS_BIO_DISCARD,
	ZRS_BIO_WRITE_ZEROES,
	ZRS_BIO_FLUSH,
	ZRS_BIO_OTHER,
};
unsigned int zswap_rs_bio_op(struct bio *bio);
unsigned long long zswap_rs_bio_sector(struct bio *bio);
unsigned int zswap_rs_bio_size(struct bio *bio);
/* One single-page segment of the bio's data; false at the end. */
bool zswap_rs_bio_next_segment(struct bio *bio, struct page **page,
			       unsigned int *offset, unsigned int *len);
void zswap_rs_bio_endio(struct bio *bio, int err);
unsigned long zswap_rs_bio_start_acct(struct bio *bio);
void zswap_rs_bio_end_acct(struct bio *bio, unsigned long start);
void zswap_rs_memcpy_from_page(void *to, struct page *page, size_t offset,
			       size_t len);
void zswap_rs_memcpy_to_page(struct page *page, size_t offset, const void *from,
			     size_t len);

/* Page mempools (bounce pages that a sleeping allocation always gets). */
struct mempool_s *zswap_rs_page_mempool_create(int min_nr);
void zswap_rs_mempool_destroy(struct mempool_s *pool);
struct page *zswap_rs_mempool_alloc_page(struct mempool_s *pool, gfp_t gfp);
void zswap_rs_mempool_free_page(struct mempool_s *pool, struct page *page);

/* An implicit GFP_NOIO scope (memalloc_noio_save/restore). */
unsigned int zswap_rs_memalloc_noio_save(void);
void zswap_rs_memalloc_noio_restore(unsigned int flags);

/* The parameter lock of the module this copy is linked into. */
void zswap_rs_param_lock(void);
void zswap_rs_param_unlock(void);

#endif /* ZSWAP_RS_HELPERS_H */
