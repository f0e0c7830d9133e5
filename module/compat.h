/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernel versions sectun supports (Debian's
 * 6.1 and 6.12 LTS kernels and later) lives here, behind one wrapper each,
 * so the rest of the module reads like code for a single kernel.  Prefer
 * testing for the feature itself over comparing version numbers: distribution
 * kernels backport.
 */
#ifndef _SECTUN_COMPAT_H
#define _SECTUN_COMPAT_H

#include <linux/netdevice.h>
#include <linux/version.h>

/*
 * 6.12 moved "lockless TX" from the NETIF_F_LLTX feature bit to the
 * dev->lltx private flag.
 */
static inline void sectun_compat_set_lltx(struct net_device *dev)
{
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

#endif /* _SECTUN_COMPAT_H */
