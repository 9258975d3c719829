// SPDX-License-Identifier: GPL-2.0
/*
 * zswap_rs C helpers: wrappers for static inline functions and macros.
 * See helpers.h.  Every function has the same shape: call the inline.
 */
#include <linux/crypto.h>
#include <linux/err.h>
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
int zswap_rs_swapcache_get(unsigned int type, unsigned long offset,
			   struct page **out)
{
	swp_entry_t entry = swp_entry(type, offset);
	struct swap_info_struct *si;
	bool new, sync;
	struct page *page;

	*out = NULL;
	si = get_swap_device(entry);
	if (!si)
		return ZRS_SWAPCACHE_BUSY;
	/*
	 * A device with synchronous I/O (zram) is swapped in without the
	 * swap cache when the entry has one reference (do_swap_page() in
	 * 6.1): holding the swap-cache page would not exclude that load.
	 */
	sync = data_race(si->flags & SWP_SYNCHRONOUS_IO);
	put_swap_device(si);
	if (sync)
		return ZRS_SWAPCACHE_SYNC_IO;
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
