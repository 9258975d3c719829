/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim (see ../README). */
#include <linux/types.h>
