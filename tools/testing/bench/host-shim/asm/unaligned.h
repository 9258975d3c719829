/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host shim (see ../README): unaligned access as the kernel's
 * asm-generic/unaligned.h does it (a packed struct member), little endian.
 */
#ifndef ZRS_SHIM_UNALIGNED_H
#define ZRS_SHIM_UNALIGNED_H
#include <linux/types.h>

#define __get_unaligned_t(type, ptr) ({						\
	const struct { type x; } __packed *__pptr = (typeof(__pptr))(ptr);	\
	__pptr->x;								\
})
#define __put_unaligned_t(type, val, ptr) do {					\
	struct { type x; } __packed *__pptr = (typeof(__pptr))(ptr);		\
	__pptr->x = (val);							\
} while (0)
#define get_unaligned(ptr) __get_unaligned_t(typeof(*(ptr)), (ptr))
#define put_unaligned(val, ptr) __put_unaligned_t(typeof(*(ptr)), (val), (ptr))

static __always_inline u16 get_unaligned_le16(const void *p)
{
	return __get_unaligned_t(u16, p);
}
static __always_inline u32 get_unaligned_le32(const void *p)
{
	return __get_unaligned_t(u32, p);
}
static __always_inline void put_unaligned_le16(u16 val, void *p)
{
	__put_unaligned_t(u16, val, p);
}
static __always_inline void put_unaligned_le32(u32 val, void *p)
{
	__put_unaligned_t(u32, val, p);
}
#endif
