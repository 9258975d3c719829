/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim (see ../README). */
#ifndef ZRS_SHIM_KERNEL_H
#define ZRS_SHIM_KERNEL_H
#include <linux/types.h>
#include <linux/string.h>

#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
#endif
