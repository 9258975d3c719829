/* SPDX-License-Identifier: GPL-2.0 */
/* Host shim (see ../README): the kernel's types and compiler macros. */
#ifndef ZRS_SHIM_TYPES_H
#define ZRS_SHIM_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* The kernel's byte order macros (x86-64): little endian only. */
#undef __BIG_ENDIAN
#undef __LITTLE_ENDIAN
#define __LITTLE_ENDIAN 1234

#undef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#define noinline __attribute__((__noinline__))
#define __packed __attribute__((__packed__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define fallthrough __attribute__((__fallthrough__))
#define BITS_PER_LONG 64
#endif
