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
#include <linux/netlink.h>
#include <linux/version.h>
#include <net/genetlink.h>

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

/*
 * Formatted extack messages arrived after 6.1, whose extack only carries
 * a pointer to a constant string: there, @literal says the same in general
 * terms.
 */
#ifdef NL_SET_ERR_MSG_FMT
#define SECTUN_ERR_FMT(extack, literal, fmt, ...) do {			\
	(void)(literal);						\
	NL_SET_ERR_MSG_FMT(extack, fmt, ##__VA_ARGS__);			\
} while (0)
#else
#define SECTUN_ERR_FMT(extack, literal, fmt, ...) do {			\
	(void)(fmt);							\
	NL_SET_ERR_MSG(extack, literal);				\
} while (0)
#endif

/* 6.2 reworked genl dumps around split ops; the parsed attributes moved. */
static inline struct nlattr **sectun_compat_dump_attrs(struct netlink_callback *cb)
{
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * 6.3 changed crypto completion callbacks to receive the request's data
 * pointer rather than the request.  SECTUN_CRYPTO_DONE(name, fn) defines
 * callback @name calling void fn(void *data, int err) on either kernel.
 */
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
#define SECTUN_CRYPTO_DONE(name, fn)					\
static void name(void *data, int err)					\
{									\
	fn(data, err);							\
}
#else
#define SECTUN_CRYPTO_DONE(name, fn)					\
static void name(struct crypto_async_request *req, int err)		\
{									\
	fn(req->data, err);						\
}
#endif

/*
 * Before 6.3, cryptd handed the caller's own AEAD request to the inner
 * algorithm, and every new cryptd(aead) instance failed its self-test with
 * a WARNING: force_async cannot work there.
 */
#define SECTUN_COMPAT_CRYPTD_AEAD \
	(KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE)

#endif /* _SECTUN_COMPAT_H */
