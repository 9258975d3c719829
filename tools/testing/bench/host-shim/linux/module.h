/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim (see ../README): module metadata is dropped. */
#ifndef ZRS_SHIM_MODULE_H
#define ZRS_SHIM_MODULE_H
#include <linux/kernel.h>
#define EXPORT_SYMBOL(s) extern int zrs_shim_unused
#define EXPORT_SYMBOL_GPL(s) extern int zrs_shim_unused
#define MODULE_LICENSE(s) extern int zrs_shim_unused
#define MODULE_DESCRIPTION(s) extern int zrs_shim_unused
#endif
