/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim (see ../README): __ffs and __fls as on x86-64 (bsf, bsr). */
#ifndef ZRS_SHIM_BITOPS_H
#define ZRS_SHIM_BITOPS_H
#include <linux/types.h>
static __always_inline unsigned long __ffs(unsigned long w)
{
	return __builtin_ctzl(w);
}
static __always_inline unsigned long __fls(unsigned long w)
{
	return BITS_PER_LONG - 1 - __builtin_clzl(w);
}
#endif
