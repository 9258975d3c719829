// SPDX-License-Identifier: GPL-2.0
/* The C helpers, linked into zswap_rs_kunit.ko as well. */
#include "helpers.c"
