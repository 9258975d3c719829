/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim (see ../README): the kernel's own lz4.h. */
#include ZRS_LZ4_H
