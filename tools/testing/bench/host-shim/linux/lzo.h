/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim (see ../README): the kernel's own lzo.h. */
#include ZRS_LZO_H
