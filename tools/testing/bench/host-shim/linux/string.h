/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim (see ../README): libc's memcpy, memmove, memset. */
#ifndef ZRS_SHIM_STRING_H
#define ZRS_SHIM_STRING_H
#include <string.h>
#endif
