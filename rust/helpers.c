// SPDX-License-Identifier: GPL-2.0
/*
 * zswap_rs C helpers: wrappers for static inline functions and macros.
 * See helpers.h.  Every function has the same shape: call the inline.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/crypto.h>
#include <linux/err.h>
#include <linux/mempool.h>
#include <linux/sched/mm.h>
#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/vmstat.h>
#include <linux/mm.h>
#include <linux/migrate.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/srcu.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <linux/frontswap.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/writeback.h>
/* __read_swap_cache_async, __swap_writepage, swap_readpage (exported
 * by patch 0004; declared in the mm-internal header). */
#include <../mm/swap.h>
#include "helpers.h"
#include "glue.h"

void zswap_rs_xa_init(struct xarray *xa) { xa_init(xa); }
int zswap_rs_xa_err(void *entry) { return xa_err(entry); }
void *zswap_rs_xa_cmpxchg(struct xarray *xa, unsigned long index, void *old,
			  void *entry, gfp_t gfp)
{
	return xa_cmpxchg(xa, index, old, entry, gfp);
}

/* Memory cgroup accounting, as zswap 6.1 does it (mm/zswap.c). */
struct obj_cgroup *zswap_rs_objcg_of_page(struct page *page)
{
	return get_obj_cgroup_from_page(page);
}

bool zswap_rs_objcg_may_zswap(struct obj_cgroup *objcg)
{
	return obj_cgroup_may_zswap(objcg);
}

void zswap_rs_objcg_put(struct obj_cgroup *objcg)
{
	obj_cgroup_put(objcg);
}

void zswap_rs_objcg_get(struct obj_cgroup *objcg)
{
	obj_cgroup_get(objcg);
}

/*
 * Records @objcg (its reference moves in) for the page at @index and
 * charges @size bytes to it.  On error nothing changed and the caller
 * still owns the reference.  The slot must be empty.
 */
int zswap_rs_charge(struct xarray *xa, unsigned long index,
		    struct obj_cgroup *objcg, size_t size, gfp_t gfp)
{
	void *old = xa_cmpxchg(xa, index, NULL, objcg, gfp);

	if (xa_is_err(old))
		return xa_err(old);
	if (WARN_ON_ONCE(old))
		return -EEXIST;
	obj_cgroup_charge_zswap(objcg, size);
	return 0;
}

/* Drops the record at @index, if any, uncharging @size bytes. */
bool zswap_rs_uncharge(struct xarray *xa, unsigned long index, size_t size)
{
	struct obj_cgroup *objcg;

	/*
	 * No cgroup in use: skip the lock.  A record for @index was made by
	 * the store of this entry, which happened before this release.
	 */
	if (xa_empty(xa))
		return false;
	objcg = xa_erase(xa, index);
	if (!objcg)
		return false;
	obj_cgroup_uncharge_zswap(objcg, size);
	obj_cgroup_put(objcg);
	return true;
}

/*
 * ZSWPOUT (@out: a store that stands) or ZSWPIN (a load), globally and for
 * the cgroup recorded at @index.
 */
void zswap_rs_count_event(struct xarray *xa, unsigned long index, bool out)
{
	enum vm_event_item item = out ? ZSWPOUT : ZSWPIN;
	struct obj_cgroup *objcg;

	count_vm_event(item);
	if (xa_empty(xa))
		return;
	/* Under the lock, so that the record cannot be put meanwhile. */
	xa_lock(xa);
	objcg = xa_load(xa, index);
	if (objcg)
		count_objcg_event(objcg, item);
	xa_unlock(xa);
}

/*
 * Puts the references of records still present (none after a clean
 * teardown; their charges cannot be undone without the sizes) and frees
 * the XArray.  Returns how many there were.
 */
unsigned long zswap_rs_charges_destroy(struct xarray *xa)
{
	struct obj_cgroup *objcg;
	unsigned long index, n = 0;

	xa_for_each(xa, index, objcg) {
		obj_cgroup_put(objcg);
		n++;
	}
	xa_destroy(xa);
	return n;
}

static struct lock_class_key zrs_lock_keys[ZRS_LOCK_NR];
static const char *const zrs_lock_names[ZRS_LOCK_NR] = {
	[ZRS_LOCK_POOL] = "zswap_rs_pool",
	[ZRS_LOCK_FRAME] = "zswap_rs_frame",
	[ZRS_LOCK_COMP_CTX] = "zswap_rs_comp_ctx",
	[ZRS_LOCK_STATE] = "zswap_rs_state",
};

void zswap_rs_spin_lock_init(spinlock_t *lock, unsigned int class_id)
{
	if (WARN_ON(class_id >= ZRS_LOCK_NR))
		class_id = 0;
#ifdef CONFIG_DEBUG_SPINLOCK
	__raw_spin_lock_init(spinlock_check(lock), zrs_lock_names[class_id],
			     &zrs_lock_keys[class_id], LD_WAIT_CONFIG);
#else
	spin_lock_init(lock);
#endif
}
void zswap_rs_spin_lock(spinlock_t *lock) { spin_lock(lock); }
void zswap_rs_spin_lock_nested(spinlock_t *lock, int subclass)
{
	spin_lock_nested(lock, subclass);
}
void zswap_rs_spin_unlock(spinlock_t *lock) { spin_unlock(lock); }
bool zswap_rs_spin_trylock(spinlock_t *lock) { return spin_trylock(lock); }
void zswap_rs_mutex_init(struct mutex *lock, unsigned int class_id)
{
	if (WARN_ON(class_id >= ZRS_LOCK_NR))
		class_id = 0;
	__mutex_init(lock, zrs_lock_names[class_id], &zrs_lock_keys[class_id]);
}
/* mutex_lock is a macro with CONFIG_DEBUG_LOCK_ALLOC. */
void zswap_rs_mutex_lock(struct mutex *lock) { mutex_lock(lock); }
void zswap_rs_mutex_unlock(struct mutex *lock) { mutex_unlock(lock); }
bool zswap_rs_mutex_trylock(struct mutex *lock) { return mutex_trylock(lock); }

struct page *zswap_rs_alloc_page(gfp_t gfp) { return alloc_page(gfp); }
void *zswap_rs_kmap_local_page(struct page *page) { return kmap_local_page(page); }
void zswap_rs_kunmap_local(void *addr) { kunmap_local(addr); }
void zswap_rs_get_page(struct page *page) { get_page(page); }
void zswap_rs_put_page(struct page *page) { put_page(page); }
bool zswap_rs_trylock_page(struct page *page) { return trylock_page(page); }
/* PageMovable() without its page-lock assertion, for a page whose movable
 * state only its owner changes (rust/sys/movable.rs: MovablePage). */
bool zswap_rs_page_movable_registered(struct page *page)
{
	return __PageMovable(page) && page_movable_ops(page) != NULL;
}
void zswap_rs_lock_page(struct page *page) { lock_page(page); }
void zswap_rs_unlock_page(struct page *page) { unlock_page(page); }
unsigned long zswap_rs_page_private(struct page *page) { return page_private(page); }
void zswap_rs_set_page_private(struct page *page, unsigned long private)
{
	set_page_private(page, private);
}
unsigned long zswap_rs_totalram_pages(void) { return totalram_pages(); }
/* Pages in the folio of @page when it is its head (1 for a base page). */
/* 1 for a tail page (thp_nr_pages() would VM_BUG_ON it), else its folio's size. */
unsigned int zswap_rs_page_nr(struct page *page)
{
	return PageTail(page) ? 1 : thp_nr_pages(page);
}
struct page *zswap_rs_nth_page(struct page *page, unsigned int n) { return nth_page(page, n); }

/*
 * True if this kernel's frontswap sets the bits of all of a THP's slots
 * when a backend stores it (our patch 9): only then may a compound page
 * be accepted.  Decided when the module is built against the kernel tree.
 */
bool zswap_rs_frontswap_stores_thp(void)
{
#ifdef FRONTSWAP_STORES_THP
	return true;
#else
	return false;
#endif
}
struct page *zswap_rs_alloc_compound(gfp_t gfp, unsigned int order)
{
	return alloc_pages(gfp | __GFP_COMP, order);
}
void *zswap_rs_kvzalloc(size_t size, gfp_t gfp) { return kvzalloc(size, gfp); }
void zswap_rs_kvfree(void *p) { kvfree(p); }

struct crypto_comp *zswap_rs_crypto_alloc_comp(const char *name)
{
	return crypto_alloc_comp(name, 0, 0);
}
void zswap_rs_crypto_free_comp(struct crypto_comp *tfm) { crypto_free_comp(tfm); }
bool zswap_rs_crypto_has_comp(const char *name) { return crypto_has_comp(name, 0, 0); }
long zswap_rs_ptr_err(const void *ptr) { return IS_ERR(ptr) ? PTR_ERR(ptr) : 0; }

unsigned int zswap_rs_cpu_id(void) { return raw_smp_processor_id(); }
unsigned int zswap_rs_nr_cpu_ids(void) { return nr_cpu_ids; }
void zswap_rs_cond_resched(void) { cond_resched(); }
bool zswap_rs_ratelimit(void)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);
	return __ratelimit(&rs);
}
/* The read side of the movable-page callbacks (rust/sys/rcu.rs): SRCU, so
 * that a sleep inside cannot end the section early. */
DEFINE_STATIC_SRCU(zswap_rs_srcu);
int zswap_rs_srcu_read_lock(void) { return srcu_read_lock(&zswap_rs_srcu); }
void zswap_rs_srcu_read_unlock(int idx) { srcu_read_unlock(&zswap_rs_srcu, idx); }
void zswap_rs_synchronize_srcu(void) { synchronize_srcu(&zswap_rs_srcu); }
void zswap_rs_msleep(unsigned int ms) { msleep(ms); }
unsigned long zswap_rs_jiffies_ms(void) { return jiffies_to_msecs(jiffies); }
u64 zswap_rs_local_clock(void) { return local_clock(); }
void zswap_rs_warn(const void *args) { WARN(1, "zswap_rs: %pA\n", args); }

static const char *const zrs_param_names[ZRS_PARAM_NR] = {
#define ZRS_PARAM_NAME(id, name, perm, desc) [ZRS_PARAM_##id] = #name,
	ZSWAP_RS_PARAMS(ZRS_PARAM_NAME)
#undef ZRS_PARAM_NAME
};

const char *zswap_rs_param_name(unsigned int id)
{
	return id < ZRS_PARAM_NR ? zrs_param_names[id] : NULL;
}

/*
 * Swap-cache pages for writeback (patches 0004, 0005).  Returns
 * ZRS_SWAPCACHE_NEW with *out a new page, locked and in the swap cache
 * (not uptodate), ZRS_SWAPCACHE_EXISTS with *out the existing page
 * (referenced, not locked), ZRS_SWAPCACHE_GONE (the slot is free: the
 * entry is dead, its release pending in a swap slot cache) or
 * ZRS_SWAPCACHE_BUSY (no memory, or a race: try again later).
 */
static const struct block_device_operations zrs_bd_fops;

int zswap_rs_swapcache_get(unsigned int type, unsigned long offset,
			   struct page **out)
{
	swp_entry_t entry = swp_entry(type, offset);
	struct swap_info_struct *si;
	bool new, sync;
	bool own;
	struct page *page;

	*out = NULL;
	si = get_swap_device(entry);
	if (!si)
		return ZRS_SWAPCACHE_BUSY;
	/*
	 * Our own disk (/dev/zswap_rs0) keeps what is written to it in the
	 * same pool: writing an entry back there frees nothing.  si->bdev is
	 * stable while get_swap_device() holds the area (swapoff waits).
	 */
	own = si->bdev && si->bdev->bd_disk->fops == &zrs_bd_fops;
	/*
	 * A device with synchronous I/O (zram) is swapped in without the
	 * swap cache when the entry has one reference (do_swap_page() in
	 * 6.1): holding the swap-cache page would not exclude that load.
	 */
	sync = data_race(si->flags & SWP_SYNCHRONOUS_IO);
	put_swap_device(si);
	if (sync)
		return ZRS_SWAPCACHE_SYNC_IO;
	if (own)
		return ZRS_SWAPCACHE_OWN_DISK;
	/*
	 * skip_if_exists (patch 0004): an entry whose SWAP_HAS_CACHE is set
	 * with no page in the swap cache yet is being swapped in by a task
	 * that may be waiting for us (our caller may be its direct reclaim).
	 */
	page = __read_swap_cache_async(entry, GFP_KERNEL, NULL, 0, &new, true);
	*out = page;
	if (page)
		return new ? ZRS_SWAPCACHE_NEW : ZRS_SWAPCACHE_EXISTS;
	/* A free slot (its entry is dead), no memory, or busy: try again. */
	return __swp_swapcount(entry) ? ZRS_SWAPCACHE_BUSY :
					ZRS_SWAPCACHE_GONE;
}

/*
 * A new swap-cache page that writeback locked but could not fill: it is
 * read as a swap-in reads it (frontswap, else the device; unlocked when
 * the read completes), and our reference dropped.  Taking it out of the
 * swap cache unfilled instead would not be safe: swapoff's
 * unuse_pte_range() may have found it and wait for its lock, and
 * unuse_pte() puts a swap-in error entry in place of a page that is not
 * uptodate, so the owner would lose a page whose data is intact.
 */
void zswap_rs_swapcache_read_back(struct page *page)
{
	swap_readpage(page, false, NULL);
	put_page(page);
}

void zswap_rs_swapcache_write(struct page *page)
{
	struct writeback_control wbc = { .sync_mode = WB_SYNC_NONE };

	SetPageUptodate(page);
	/* Rotate it to the tail of the inactive list once written. */
	SetPageReclaim(page);
	__swap_writepage(page, &wbc);
}

void zswap_rs_wait_on_page_writeback(struct page *page)
{
	wait_on_page_writeback(page);
}

/* 1 if frontswap's bit for the slot is set, 0 if not, -1 if no such slot. */
int zswap_rs_frontswap_test(unsigned int type, unsigned long offset)
{
	struct swap_info_struct *si = get_swap_device(swp_entry(type, offset));
	int r;

	if (!si)
		return -1;
	r = si->frontswap_map && test_bit(offset, si->frontswap_map);
	put_swap_device(si);
	return r;
}

/* True if the swap area of (type, offset) is on our own disk (/dev/zswap_rs0). */
bool zswap_rs_swap_on_own_disk(unsigned int type, unsigned long offset)
{
	struct swap_info_struct *si = get_swap_device(swp_entry(type, offset));
	bool own;

	if (!si)
		return false;
	/* si->bdev is stable while get_swap_device() holds the area. */
	own = si->bdev && si->bdev->bd_disk->fops == &zrs_bd_fops;
	put_swap_device(si);
	return own;
}

/* How many references the swap entry has (0: free or no such entry). */
int zswap_rs_swap_count(unsigned int type, unsigned long offset)
{
	return __swp_swapcount(swp_entry(type, offset));
}

/*
 * The frontswap ops this module registered.  Patch 0005's calls take the
 * caller's ops and refuse any but the registered backend's, so that no
 * other module can drop frontswap pages; only this file knows ours.  Set
 * before registering (writeback may start at once), cleared on a failed
 * register and after a successful unregister.
 */
static const struct frontswap_ops *zrs_registered_ops;

int zswap_rs_frontswap_register(const struct frontswap_ops *ops)
{
	int r;

	WRITE_ONCE(zrs_registered_ops, ops);
	r = frontswap_register_ops(ops);
	if (r)
		WRITE_ONCE(zrs_registered_ops, NULL);
	return r;
}

int zswap_rs_frontswap_unregister(const struct frontswap_ops *ops)
{
	int r = frontswap_unregister_ops(ops);

	if (!r)
		WRITE_ONCE(zrs_registered_ops, NULL);
	return r;
}

bool zswap_rs_invalidate_if_free(unsigned int type, unsigned long offset)
{
	return frontswap_invalidate_if_free(READ_ONCE(zrs_registered_ops),
					    type, offset);
}

/*
 * An existing swap-cache page of (type, offset), locked by the caller:
 * 0 if it still is that entry's page and holds its data (uptodate), 1 if
 * it is the entry's page but does not hold the data (a read failed or has
 * not completed), 2 if it is not the entry's page any more.
 */
int zswap_rs_swapcache_holds(struct page *page, unsigned int type,
			     unsigned long offset)
{
	if (!PageSwapCache(page) || page_private(page) != swp_entry(type, offset).val)
		return 2;
	return PageUptodate(page) ? 0 : 1;
}

void zswap_rs_set_page_dirty(struct page *page) { set_page_dirty(page); }

void zswap_rs_frontswap_writeback_done(unsigned int type, unsigned long offset)
{
	frontswap_writeback_done(READ_ONCE(zrs_registered_ops), type, offset);
}

/* THIS_MODULE: each module links its own copy of this file. */
void zswap_rs_param_lock(void) { kernel_param_lock(THIS_MODULE); }
void zswap_rs_param_unlock(void) { kernel_param_unlock(THIS_MODULE); }

/* ---- Block devices (sys/block.rs) ---- */

static const struct zswap_rs_blk_ops *zrs_disk_ops(struct gendisk *disk)
{
	return disk->private_data;
}

static void zrs_bd_submit_bio(struct bio *bio)
{
	zrs_disk_ops(bio->bi_bdev->bd_disk)->submit_bio(bio);
}

static int zrs_bd_open(struct block_device *bdev, fmode_t mode)
{
	return zrs_disk_ops(bdev->bd_disk)->open(bdev->bd_disk);
}

static void zrs_bd_release(struct gendisk *disk, fmode_t mode)
{
	zrs_disk_ops(disk)->release(disk);
}

/* Called under the swap device's lock (atomic context). */
static void zrs_bd_slot_free(struct block_device *bdev, unsigned long index)
{
	zrs_disk_ops(bdev->bd_disk)->swap_slot_free_notify(bdev->bd_disk, index);
}

/*
 * The owner pins the module while the disk is open (so rmmod is refused
 * while it is swapped on or mounted).
 */
static const struct block_device_operations zrs_bd_fops = {
	.owner = THIS_MODULE,
	.submit_bio = zrs_bd_submit_bio,
	.open = zrs_bd_open,
	.release = zrs_bd_release,
	.swap_slot_free_notify = zrs_bd_slot_free,
};

struct zrs_disk_attr {
	struct device_attribute attr;
	unsigned int id;
};

static ssize_t zrs_disk_attr_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct gendisk *disk = dev_to_disk(dev);

	return zrs_disk_ops(disk)->attr_show(disk,
		container_of(attr, struct zrs_disk_attr, attr)->id, buf);
}

static ssize_t zrs_disk_attr_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t len)
{
	struct gendisk *disk = dev_to_disk(dev);
	int r = zrs_disk_ops(disk)->attr_store(disk,
		container_of(attr, struct zrs_disk_attr, attr)->id, buf, len);

	return r < 0 ? r : len;
}

static struct zrs_disk_attr zrs_disk_attr_disksize = {
	.attr = __ATTR(disksize, 0644, zrs_disk_attr_show, zrs_disk_attr_store),
	.id = ZRS_DISK_ATTR_DISKSIZE,
};

static struct attribute *zrs_disk_attrs[] = {
	&zrs_disk_attr_disksize.attr.attr,
	NULL,
};

static const struct attribute_group zrs_disk_group = {
	.attrs = zrs_disk_attrs,
};

static const struct attribute_group *zrs_disk_groups[] = {
	&zrs_disk_group,
	NULL,
};

struct gendisk *zswap_rs_disk_alloc(const struct zswap_rs_blk_ops *ops,
				    const char *name,
				    const struct zswap_rs_disk_limits *lim)
{
	struct gendisk *disk = blk_alloc_disk(NUMA_NO_NODE);
	struct request_queue *q;

	if (!disk)
		return NULL;
	/* major 0, minors 0: device_add_disk() allocates an extended dev_t. */
	disk->flags |= GENHD_FL_NO_PART;
	disk->fops = &zrs_bd_fops;
	disk->private_data = (void *)ops;
	strscpy(disk->disk_name, name, DISK_NAME_LEN);
	set_capacity(disk, 0);
	q = disk->queue;
	blk_queue_logical_block_size(q, lim->logical_block_size);
	blk_queue_physical_block_size(q, lim->physical_block_size);
	blk_queue_io_min(q, lim->physical_block_size);
	blk_queue_io_opt(q, lim->physical_block_size);
	if (!lim->rotational)
		blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_clear(QUEUE_FLAG_ADD_RANDOM, q);
	/* Pages are not modified while we compress them (page cache users). */
	blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, q);
	if (lim->discard) {
		q->limits.discard_granularity = lim->physical_block_size;
		blk_queue_max_discard_sectors(q, UINT_MAX);
		blk_queue_max_write_zeroes_sectors(q, UINT_MAX);
	}
	return disk;
}

int zswap_rs_disk_add(struct gendisk *disk)
{
	return device_add_disk(NULL, disk, zrs_disk_groups);
}

void zswap_rs_disk_del(struct gendisk *disk) { del_gendisk(disk); }
void zswap_rs_disk_put(struct gendisk *disk) { put_disk(disk); }

unsigned long long zswap_rs_disk_capacity(struct gendisk *disk)
{
	return get_capacity(disk);
}

void zswap_rs_disk_set_capacity(struct gendisk *disk, unsigned long long sectors)
{
	set_capacity_and_notify(disk, sectors);
}

/* 0 with disk->open_mutex held and nobody holding the disk open; -EBUSY. */
int zswap_rs_disk_lock_unopened(struct gendisk *disk)
{
	mutex_lock(&disk->open_mutex);
	if (disk_openers(disk)) {
		mutex_unlock(&disk->open_mutex);
		return -EBUSY;
	}
	return 0;
}

void zswap_rs_disk_unlock(struct gendisk *disk)
{
	mutex_unlock(&disk->open_mutex);
}

unsigned int zswap_rs_bio_op(struct bio *bio)
{
	switch (bio_op(bio)) {
	case REQ_OP_READ:
		return ZRS_BIO_READ;
	case REQ_OP_WRITE:
		return ZRS_BIO_WRITE;
	case REQ_OP_DISCARD:
		return ZRS_BIO_DISCARD;
	case REQ_OP_WRITE_ZEROES:
		return ZRS_BIO_WRITE_ZEROES;
	case REQ_OP_FLUSH:
		return ZRS_BIO_FLUSH;
	default:
		return ZRS_BIO_OTHER;
	}
}

unsigned long long zswap_rs_bio_sector(struct bio *bio)
{
	return bio->bi_iter.bi_sector;
}

unsigned int zswap_rs_bio_size(struct bio *bio)
{
	return bio->bi_iter.bi_size;
}

/* bio_for_each_segment(), one step at a time; consumes bio->bi_iter. */
bool zswap_rs_bio_next_segment(struct bio *bio, struct page **page,
			       unsigned int *offset, unsigned int *len)
{
	struct bio_vec bv;

	if (!bio->bi_iter.bi_size)
		return false;
	bv = bio_iter_iovec(bio, bio->bi_iter);
	*page = bv.bv_page;
	*offset = bv.bv_offset;
	*len = bv.bv_len;
	bio_advance_iter_single(bio, &bio->bi_iter, bv.bv_len);
	return true;
}

void zswap_rs_bio_endio(struct bio *bio, int err)
{
	bio->bi_status = errno_to_blk_status(err);
	bio_endio(bio);
}

unsigned long zswap_rs_bio_start_acct(struct bio *bio)
{
	return bio_start_io_acct(bio);
}

void zswap_rs_bio_end_acct(struct bio *bio, unsigned long start)
{
	bio_end_io_acct(bio, start);
}

void zswap_rs_memcpy_from_page(void *to, struct page *page, size_t offset,
			       size_t len)
{
	memcpy_from_page(to, page, offset, len);
}

void zswap_rs_memcpy_to_page(struct page *page, size_t offset, const void *from,
			     size_t len)
{
	memcpy_to_page(page, offset, from, len);
}

struct mempool_s *zswap_rs_page_mempool_create(int min_nr)
{
	return mempool_create_page_pool(min_nr, 0);
}

void zswap_rs_mempool_destroy(struct mempool_s *pool) { mempool_destroy(pool); }

struct page *zswap_rs_mempool_alloc_page(struct mempool_s *pool, gfp_t gfp)
{
	return mempool_alloc(pool, gfp);
}

void zswap_rs_mempool_free_page(struct mempool_s *pool, struct page *page)
{
	mempool_free(page, pool);
}

unsigned int zswap_rs_memalloc_noio_save(void) { return memalloc_noio_save(); }
void zswap_rs_memalloc_noio_restore(unsigned int flags) { memalloc_noio_restore(flags); }
