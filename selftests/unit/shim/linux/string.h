/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for the kernel's <linux/string.h>: libc's memset & co. */
#ifndef _SECTUN_SHIM_LINUX_STRING_H
#define _SECTUN_SHIM_LINUX_STRING_H

#include <string.h>

#endif /* _SECTUN_SHIM_LINUX_STRING_H */
