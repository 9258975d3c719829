// SPDX-License-Identifier: GPL-2.0
/*
 * zswap_rs C glue: module entry points, parameter/debugfs/sysfs tables.
 * See glue.h.  Each handler forwards to Rust by id.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/shrinker.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <linux/swap.h>
#include "glue.h"

/* ---- module parameters ---- */

static int zrs_param_set(const char *val, const struct kernel_param *kp)
{
	return zswap_rs_param_set((unsigned long)kp->arg, val);
}

static int zrs_param_get(char *buf, const struct kernel_param *kp)
{
	return zswap_rs_param_get((unsigned long)kp->arg, buf);
}

static const struct kernel_param_ops zrs_param_ops = {
	.set = zrs_param_set,
	.get = zrs_param_get,
};

#define ZRS_PARAM(id, name, perm, desc)					\
	module_param_cb(name, &zrs_param_ops, (void *)(unsigned long)ZRS_PARAM_##id, perm); \
	MODULE_PARM_DESC(name, desc);
ZSWAP_RS_PARAMS(ZRS_PARAM)
#undef ZRS_PARAM

/* ---- fault injection: /sys/kernel/debug/zswap_rs/fail_<name> ---- */

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/* One fault attribute per ZSWAP_RS_FAULTS entry (glue.h says what each does). */
static struct fault_attr zrs_faults[ZRS_FAULT_NR] = {
#define ZRS_FAULT_ATTR(id, nm, desc) [ZRS_FAULT_##id] = FAULT_ATTR_INITIALIZER,
	ZSWAP_RS_FAULTS(ZRS_FAULT_ATTR)
#undef ZRS_FAULT_ATTR
};

static const char *const zrs_fault_names[ZRS_FAULT_NR] = {
#define ZRS_FAULT_NAME(id, nm, desc) [ZRS_FAULT_##id] = "fail_" #nm,
	ZSWAP_RS_FAULTS(ZRS_FAULT_NAME)
#undef ZRS_FAULT_NAME
};

bool zswap_rs_should_fail(unsigned int id)
{
	return id < ZRS_FAULT_NR && should_fail(&zrs_faults[id], 1);
}

/* ---- race windows: /sys/kernel/debug/zswap_rs/race_delay ---- */

static const char *const zrs_race_names[ZRS_RACE_NR] = {
#define ZRS_RACE_NAME(id, nm, desc) [ZRS_RACE_##id] = #nm,
	ZSWAP_RS_RACE_POINTS(ZRS_RACE_NAME)
#undef ZRS_RACE_NAME
};
/*
 * Per window: whether it is armed (a task that enters it waits, at most
 * ZRS_RACE_GATE_MAX, until the test opens it), how many more entries it
 * holds (-1: every one), how many times a task was held in it (a test
 * checks that its window really was entered), and the pid of the last
 * task held (a test checks whose work it holds).
 */
#define ZRS_RACE_GATE_MAX (300 * HZ)
static bool zrs_race_armed[ZRS_RACE_NR];
static atomic_t zrs_race_left[ZRS_RACE_NR];
static atomic_long_t zrs_race_hits[ZRS_RACE_NR];
static pid_t zrs_race_pid[ZRS_RACE_NR];
static DECLARE_WAIT_QUEUE_HEAD(zrs_race_wq);

void zswap_rs_race_window(unsigned int id)
{
	if (id >= ZRS_RACE_NR || likely(!READ_ONCE(zrs_race_armed[id])))
		return;
	might_sleep();
	if (!atomic_add_unless(&zrs_race_left[id], -1, 0))
		return;
	WRITE_ONCE(zrs_race_pid[id], task_pid_nr(current));
	atomic_long_inc(&zrs_race_hits[id]);
	if (!wait_event_timeout(zrs_race_wq, !READ_ONCE(zrs_race_armed[id]),
				ZRS_RACE_GATE_MAX))
		pr_warn("zswap_rs: race window %s: gate not opened in %d s; going on\n",
			zrs_race_names[id], ZRS_RACE_GATE_MAX / HZ);
}

/* One line per window: "name gate|open left hits pid". */
static int zrs_race_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < ZRS_RACE_NR; i++)
		seq_printf(m, "%s %s %d %ld %d\n", zrs_race_names[i],
			   READ_ONCE(zrs_race_armed[i]) ? "gate" : "open",
			   atomic_read(&zrs_race_left[i]),
			   atomic_long_read(&zrs_race_hits[i]),
			   READ_ONCE(zrs_race_pid[i]));
	return 0;
}

static int zrs_race_open(struct inode *inode, struct file *file)
{
	return single_open(file, zrs_race_show, NULL);
}

/*
 * "NAME gate [TIMES]" arms window NAME for TIMES entries (default: every
 * one); "NAME open" opens it (held tasks go on); "reset" opens every
 * window and zeroes the counts.  An unknown NAME is -ENOENT, anything
 * else -EINVAL: a test's write that arms nothing fails.
 */
static ssize_t zrs_race_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	char buf[80], name[32], arg[16];
	int i, n, times = -1;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sysfs_streq(buf, "reset")) {
		for (i = 0; i < ZRS_RACE_NR; i++) {
			WRITE_ONCE(zrs_race_armed[i], false);
			atomic_set(&zrs_race_left[i], 0);
			atomic_long_set(&zrs_race_hits[i], 0);
			WRITE_ONCE(zrs_race_pid[i], 0);
		}
		wake_up_all(&zrs_race_wq);
		return len;
	}
	n = sscanf(buf, "%31s %15s %d", name, arg, &times);
	if (n < 2 || times < -1 || times == 0)
		return -EINVAL;
	for (i = 0; i < ZRS_RACE_NR; i++) {
		if (strcmp(name, zrs_race_names[i]))
			continue;
		if (!strcmp(arg, "open") && n == 2) {
			WRITE_ONCE(zrs_race_armed[i], false);
			wake_up_all(&zrs_race_wq);
			return len;
		}
		if (strcmp(arg, "gate"))
			return -EINVAL;
		atomic_set(&zrs_race_left[i], times);
		WRITE_ONCE(zrs_race_armed[i], true);
		return len;
	}
	return -ENOENT;
}

/*
 * No .owner: a test must open and close windows while the module is being
 * unloaded (its exit runs through them), when taking a module reference
 * fails.  debugfs's full proxy keeps that safe: removing the file (module
 * exit, before the text goes) waits for calls in flight and fails later
 * ones, and single_release is the kernel's.
 */
static const struct file_operations zrs_race_fops = {
	.open = zrs_race_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = zrs_race_write,
};

void zswap_rs_debugfs_fault(struct dentry *dir)
{
	unsigned int i;

	for (i = 0; i < ZRS_FAULT_NR; i++)
		fault_create_debugfs_attr(zrs_fault_names[i], dir, &zrs_faults[i]);
	debugfs_create_file("race_delay", 0600, dir, NULL, &zrs_race_fops);
}
#else
void zswap_rs_race_window(unsigned int id)
{
}

bool zswap_rs_should_fail(unsigned int id)
{
	return false;
}

void zswap_rs_debugfs_fault(struct dentry *dir)
{
}
#endif

/* ---- debugfs: /sys/kernel/debug/zswap_rs/<stat> ---- */

static int zrs_stat_get(void *data, u64 *val)
{
	*val = zswap_rs_stat_get((unsigned long)data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(zrs_stat_fops, zrs_stat_get, NULL, "%llu\n");

struct dentry *zswap_rs_debugfs_dir(const char *name)
{
	struct dentry *dir;

	if (!debugfs_initialized())
		return NULL;
	dir = debugfs_create_dir(name, NULL);
	return IS_ERR(dir) ? NULL : dir;
}

void zswap_rs_debugfs_stat(struct dentry *dir, const char *name, unsigned int id)
{
	debugfs_create_file_unsafe(name, 0444, dir, (void *)(unsigned long)id,
				   &zrs_stat_fops);
}

void zswap_rs_debugfs_remove(struct dentry *dir)
{
	debugfs_remove_recursive(dir);
}

/* ---- sysfs: /sys/kernel/mm/zswap_rs/<summary>, world-readable ---- */

struct zrs_attr {
	struct kobj_attribute attr;
	unsigned int id;
};

static ssize_t zrs_summary_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return zswap_rs_summary_show(container_of(attr, struct zrs_attr, attr)->id,
				     buf);
}

#define ZRS_SUMMARY(_name, _id) \
	static struct zrs_attr zrs_attr_##_name = { \
		.attr = __ATTR(_name, 0444, zrs_summary_show, NULL), .id = _id }

ZRS_SUMMARY(stored_pages, ZRS_SUM_STORED_PAGES);
ZRS_SUMMARY(pool_total_size, ZRS_SUM_POOL_TOTAL_SIZE);
ZRS_SUMMARY(stored_bytes, ZRS_SUM_STORED_BYTES);
ZRS_SUMMARY(compression_ratio, ZRS_SUM_COMPRESSION_RATIO);

static struct attribute *zrs_summary_attrs[] = {
	&zrs_attr_stored_pages.attr.attr,
	&zrs_attr_pool_total_size.attr.attr,
	&zrs_attr_stored_bytes.attr.attr,
	&zrs_attr_compression_ratio.attr.attr,
	NULL,
};

static const struct attribute_group zrs_summary_group = {
	.attrs = zrs_summary_attrs,
};

struct kobject *zswap_rs_sysfs_create(void)
{
	struct kobject *kobj = kobject_create_and_add("zswap_rs", mm_kobj);

	if (!kobj)
		return NULL;
	if (sysfs_create_group(kobj, &zrs_summary_group)) {
		kobject_put(kobj);
		return NULL;
	}
	return kobj;
}

void zswap_rs_sysfs_remove(struct kobject *kobj)
{
	if (kobj) {
		sysfs_remove_group(kobj, &zrs_summary_group);
		kobject_put(kobj);
	}
}

/* ---- /proc/meminfo Zswap: and Zswapped: (patch 7) ---- */

static void zrs_meminfo_read(u64 *pool_bytes, unsigned long *stored_pages)
{
	zswap_rs_meminfo(pool_bytes, stored_pages);
}

static const struct zswap_meminfo_source zrs_meminfo = {
	.read = zrs_meminfo_read,
};

void zswap_rs_meminfo_set(bool on)
{
	/* Clearing waits for an RCU grace period: no read() runs after. */
	zswap_set_meminfo_source(on ? &zrs_meminfo : NULL);
}

/* ---- the reclaim worker (writeback at the pool limit) ---- */

static void zrs_reclaim_fn(struct work_struct *work)
{
	zswap_rs_reclaim_work();
}
static DECLARE_WORK(zrs_reclaim_work, zrs_reclaim_fn);
/*
 * Set while a sys::ReclaimWork lives: a kick queues the work only then.
 * A kick checks it and queues inside an RCU read-side section, and the
 * cancel clears it and waits for a grace period before cancelling, so no
 * kick can queue the work after the cancel (nor after module exit).
 */
static bool zrs_reclaim_enabled;

void zswap_rs_reclaim_enable(void)
{
	WRITE_ONCE(zrs_reclaim_enabled, true);
}

void zswap_rs_reclaim_kick(void)
{
	rcu_read_lock();
	if (READ_ONCE(zrs_reclaim_enabled))
		queue_work(system_unbound_wq, &zrs_reclaim_work);
	rcu_read_unlock();
}

void zswap_rs_reclaim_cancel(void)
{
	WRITE_ONCE(zrs_reclaim_enabled, false);
	synchronize_rcu();
	cancel_work_sync(&zrs_reclaim_work);
}

/* ---- shrinker (the callbacks are Rust's: sys/shrinker.rs) ---- */

int zswap_rs_register_shrinker(struct shrinker *s)
{
	return register_shrinker(s, "zswap_rs");
}

/* ---- entry points ---- */

static int __init zrs_module_init(void)
{
	return zswap_rs_init();
}

static void __exit zrs_module_exit(void)
{
	zswap_rs_exit();
}

module_init(zrs_module_init);
module_exit(zrs_module_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("zswap-rs developers");
MODULE_DESCRIPTION("Compressed in-RAM cache for swap pages (frontswap backend in Rust)");
