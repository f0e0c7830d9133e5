/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace stand-in for the kernel's <linux/types.h>: just what the
 * module's pure files (replay.c) use, so they build unchanged in the unit
 * tests.  Add to it only what such a file really needs.
 */
#ifndef _SECTUN_SHIM_LINUX_TYPES_H
#define _SECTUN_SHIM_LINUX_TYPES_H

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

#endif /* _SECTUN_SHIM_LINUX_TYPES_H */
