// SPDX-License-Identifier: GPL-2.0
/*
 * zrs_cbench: the pure cost of compression, for make bench.
 *
 * Times crypto_comp_compress() and crypto_comp_decompress() of the same
 * pages the benchmark swaps (zrs-test bench cdata writes them to
 * /sys/kernel/debug/zrs_cbench/pages), with the same crypto API calls both
 * zswap 6.1 and zswap_rs make, in the same guest: the floor under any
 * backend's store and load.  Reading /sys/kernel/debug/zrs_cbench/result
 * runs it:
 *
 *   CBENCH alg=lzo pages=N comp_mean=.. comp_p50=.. comp_p90=.. comp_p99=..
 *          decomp_mean=.. decomp_p50=.. ... bytes_out=..
 *   CSIZES alg=lzo pages=N same=S h=c0,c1,...,c64
 *   CBTIME alg=lzo pages=N same=S same_c=.. same_d=.. c=t0,...,t64 d=t0,...
 *   CCOPY alg=lzo pages=N copy_mean=.. copy_p50=.. copy_p90=.. copy_p99=..
 *         copy_len=4096 clock_ns=..
 *
 * The second line is what a pool layout is judged by: S same-filled pages
 * (every 8-byte word equal: no compression in zswap_rs or zswap; zswap_rs
 * keeps most fill words in its index, a few as 8-byte objects), and for
 * the others the histogram of compressed lengths in 64-byte buckets
 * (bucket k: lengths k*64 to k*64+63; bucket 64: 4096 and more).
 *
 *   CLIMITS alg=lzo pages=N le3960=.. le3968=.. le4088=.. le4096=..
 *
 * CLIMITS: how many of the (not same-filled) pages compressed to at most
 * each pool's largest object, to the byte (the histogram's 64-byte
 * buckets cannot say): zswap 6.1 on zbud takes 3960 bytes of data (its
 * 8-byte header inside the 3968-byte limit), zswap_rs 3968 (both
 * layouts), z3fold 4088, zsmalloc 4096.
 *
 * CBTIME: the compression (c) and decompression (d) nanoseconds summed
 * per bucket of that histogram, and over the same-filled pages: the floor
 * of an arm over the very pages it stores (make bench's report).
 *
 * The last line times the kernel's memcpy() of each page (copy_len bytes,
 * after its round trip, so the page is in the cache), as zswap's copies
 * through its scratch buffers and into the pool run it: its cost depends
 * on the CPU model (rep movsb with ERMS, rep movsq with REP_GOOD, a loop
 * of moves otherwise), and under TCG a REP string instruction is emulated
 * one iteration at a time (scripts/calibrate.sh compares it with the
 * host).  clock_ns: the mean cost of one ktime_get_ns(), which every
 * figure includes once.
 *
 * Module parameters: alg (crypto name, default lzo), max_pages (default
 * 16384), copy_len (default 4096, at most PAGE_SIZE).  For another
 * compressor or other pages, load it again.
 */
#include <linux/crypto.h>
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

static char *alg = "lzo";
module_param(alg, charp, 0644);
MODULE_PARM_DESC(alg, "crypto compressor to time (lzo, lz4, zstd, ...)");
static unsigned int max_pages = 16384;
module_param(max_pages, uint, 0444);
MODULE_PARM_DESC(max_pages, "room for this many pages of data");
/* Not a constant: the copy is a call of the kernel's memcpy(), not inlined. */
static unsigned int copy_len = PAGE_SIZE;
module_param(copy_len, uint, 0644);
MODULE_PARM_DESC(copy_len, "bytes of each page the copy timing copies (at most PAGE_SIZE)");

static u8 *data;
/* The copy's destination (global: the copy cannot be optimised away). */
static u8 *copy_dst;
static size_t nbytes;
static DEFINE_MUTEX(lock);
static struct dentry *dir;

static ssize_t pages_write(struct file *f, const char __user *buf, size_t len, loff_t *ppos)
{
	size_t room;

	mutex_lock(&lock);
	room = (size_t)max_pages * PAGE_SIZE - nbytes;
	len = min(len, room);
	if (len && copy_from_user(data + nbytes, buf, len)) {
		mutex_unlock(&lock);
		return -EFAULT;
	}
	nbytes += len;
	mutex_unlock(&lock);
	return len ? len : -ENOSPC;
}

static const struct file_operations pages_fops = {
	.write = pages_write,
};

/* Compressed-length histogram of the last run (under lock). */
#define NBUCKETS (PAGE_SIZE / 64 + 1)
static unsigned int hist[NBUCKETS];
static size_t same;
/*
 * Compression and decompression time summed per bucket of the same
 * histogram (and over the same-filled pages): the report takes the floor
 * of an arm over the classes of pages that arm stores (CBTIME line).
 */
static u64 csum[NBUCKETS], dsum[NBUCKETS], same_c, same_d;
/* The CLIMITS line: objects of at most limits[i] bytes. */
static const unsigned int limits[] = { 3960, 3968, 4088, 4096 };
static size_t under[ARRAY_SIZE(limits)];

/* Every 8-byte word equal: a same-filled page, which no pool stores. */
static bool same_filled(const u8 *p)
{
	const u64 *w = (const u64 *)p;
	size_t i;

	for (i = 1; i < PAGE_SIZE / sizeof(u64); i++)
		if (w[i] != w[0])
			return false;
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static void show_dist(struct seq_file *m, const char *name, u32 *v, size_t n)
{
	u64 sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += v[i];
	sort(v, n, sizeof(*v), cmp_u32, NULL);
	seq_printf(m, " %s_mean=%llu %s_p50=%u %s_p90=%u %s_p99=%u", name, n ? sum / n : 0,
		   name, v[n / 2], name, v[n * 90 / 100], name, v[n * 99 / 100]);
}

static int result_show(struct seq_file *m, void *unused)
{
	struct crypto_comp *tfm;
	size_t n, i, out = 0, clen = min_t(size_t, copy_len, PAGE_SIZE);
	u32 *ct, *dt, *pt = NULL;
	u64 clk0, clk = 0;
	u8 *dst, *back;
	int ret = 0;

	mutex_lock(&lock);
	n = nbytes / PAGE_SIZE;
	if (!n) {
		seq_puts(m, "CBENCH no data: write pages to /sys/kernel/debug/zrs_cbench/pages\n");
		goto out;
	}
	tfm = crypto_alloc_comp(alg, 0, 0);
	if (IS_ERR(tfm)) {
		ret = PTR_ERR(tfm);
		goto out;
	}
	ct = kvmalloc_array(n, sizeof(u32), GFP_KERNEL);
	dt = kvmalloc_array(n, sizeof(u32), GFP_KERNEL);
	dst = kmalloc(2 * PAGE_SIZE, GFP_KERNEL);
	back = kmalloc(PAGE_SIZE, GFP_KERNEL);
	pt = kvmalloc_array(n, sizeof(u32), GFP_KERNEL);
	copy_dst = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!ct || !dt || !dst || !back || !pt || !copy_dst) {
		ret = -ENOMEM;
		goto free;
	}
	memset(hist, 0, sizeof(hist));
	memset(csum, 0, sizeof(csum));
	memset(dsum, 0, sizeof(dsum));
	memset(under, 0, sizeof(under));
	same = 0;
	same_c = 0;
	same_d = 0;
	/* The clock's own cost: 1000 back-to-back reads. */
	clk0 = ktime_get_ns();
	for (i = 0; i < 1000; i++)
		clk = ktime_get_ns();
	clk = (clk - clk0) / 1000;
	for (i = 0; i < n; i++) {
		unsigned int dlen = 2 * PAGE_SIZE, blen = PAGE_SIZE;
		u64 t0, t1, t2, t3;
		int r;

		t0 = ktime_get_ns();
		r = crypto_comp_compress(tfm, data + i * PAGE_SIZE, PAGE_SIZE, dst, &dlen);
		t1 = ktime_get_ns();
		if (!r)
			r = crypto_comp_decompress(tfm, dst, dlen, back, &blen);
		t2 = ktime_get_ns();
		if (r || blen != PAGE_SIZE || memcmp(back, data + i * PAGE_SIZE, PAGE_SIZE)) {
			seq_printf(m, "CBENCH alg=%s page %zu: round trip failed (%d)\n", alg, i, r);
			goto free;
		}
		ct[i] = t1 - t0;
		dt[i] = t2 - t1;
		t2 = ktime_get_ns();
		memcpy(copy_dst, data + i * PAGE_SIZE, clen);
		t3 = ktime_get_ns();
		pt[i] = t3 - t2;
		out += dlen;
		if (same_filled(data + i * PAGE_SIZE)) {
			same++;
			same_c += ct[i];
			same_d += dt[i];
		} else {
			unsigned int b = min_t(unsigned int, dlen / 64, NBUCKETS - 1), j;

			for (j = 0; j < ARRAY_SIZE(limits); j++)
				under[j] += dlen <= limits[j];

			hist[b]++;
			csum[b] += ct[i];
			dsum[b] += dt[i];
		}
		cond_resched();
	}
	seq_printf(m, "CBENCH alg=%s pages=%zu", alg, n);
	show_dist(m, "comp", ct, n);
	show_dist(m, "decomp", dt, n);
	seq_printf(m, " bytes_out=%zu\n", out);
	seq_printf(m, "CSIZES alg=%s pages=%zu same=%zu h=", alg, n, same);
	for (i = 0; i < NBUCKETS; i++)
		seq_printf(m, "%s%u", i ? "," : "", hist[i]);
	seq_putc(m, '\n');
	seq_printf(m, "CLIMITS alg=%s pages=%zu", alg, n);
	for (i = 0; i < ARRAY_SIZE(limits); i++)
		seq_printf(m, " le%u=%zu", limits[i], under[i]);
	seq_putc(m, '\n');
	seq_printf(m, "CBTIME alg=%s pages=%zu same=%zu same_c=%llu same_d=%llu c=", alg, n, same, same_c, same_d);
	for (i = 0; i < NBUCKETS; i++)
		seq_printf(m, "%s%llu", i ? "," : "", csum[i]);
	seq_puts(m, " d=");
	for (i = 0; i < NBUCKETS; i++)
		seq_printf(m, "%s%llu", i ? "," : "", dsum[i]);
	seq_putc(m, '\n');
	seq_printf(m, "CCOPY alg=%s pages=%zu", alg, n);
	show_dist(m, "copy", pt, n);
	seq_printf(m, " copy_len=%zu clock_ns=%llu\n", clen, clk);
free:
	kfree(copy_dst);
	copy_dst = NULL;
	kvfree(pt);
	kfree(back);
	kfree(dst);
	kvfree(dt);
	kvfree(ct);
	crypto_free_comp(tfm);
out:
	mutex_unlock(&lock);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(result);

static int __init cbench_init(void)
{
	data = vmalloc(array_size(max_pages, PAGE_SIZE));
	if (!data)
		return -ENOMEM;
	dir = debugfs_create_dir("zrs_cbench", NULL);
	debugfs_create_file("pages", 0200, dir, NULL, &pages_fops);
	debugfs_create_file("result", 0400, dir, NULL, &result_fops);
	return 0;
}

static void __exit cbench_exit(void)
{
	debugfs_remove_recursive(dir);
	vfree(data);
}

module_init(cbench_init);
module_exit(cbench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("zswap-rs benchmark: pure compression cost of the benchmark's pages");
