/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Input of the module-private bindgen run (see Kbuild): the C API zswap_rs
 * uses beyond the 6.1 `kernel::bindings` crate.
 */
#include <linux/mm.h>
#include <linux/blkdev.h>
#include <linux/crypto.h>
#include <linux/debugfs.h>
#include <linux/frontswap.h>
#include <linux/kobject.h>
#include <linux/migrate.h>
#include <linux/shrinker.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>
#include <linux/swap.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>
#include "helpers.h"
#include "glue.h"

/* bindgen cannot evaluate these macros; export them as constants. */
const gfp_t ZRS_GFP_KERNEL = GFP_KERNEL;
const gfp_t ZRS_GFP_NOWAIT = GFP_NOWAIT;
const gfp_t ZRS_GFP_NOIO = GFP_NOIO;
const gfp_t ZRS_GFP_MOVABLE = __GFP_MOVABLE;
const gfp_t ZRS_GFP_NORETRY = __GFP_NORETRY;
const gfp_t ZRS_GFP_NOWARN = __GFP_NOWARN;
const gfp_t ZRS_GFP_ZERO = __GFP_ZERO;
const gfp_t ZRS_GFP_NOMEMALLOC = __GFP_NOMEMALLOC;
const gfp_t ZRS_GFP_IO = __GFP_IO;
const gfp_t ZRS_GFP_FS = __GFP_FS;
const unsigned long ZRS_PAGE_SIZE = PAGE_SIZE;
const unsigned int ZRS_MAX_SWAPFILES = MAX_SWAPFILES;
const xa_mark_t ZRS_XA_PRESENT = XA_PRESENT;
const int ZRS_DEFAULT_SEEKS = DEFAULT_SEEKS;
const unsigned int ZRS_DISK_NAME_LEN = DISK_NAME_LEN;
