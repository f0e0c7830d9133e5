/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AH, RFC 4302, tunnel mode: the transform between the inner packet and
 * the outer header.
 */
#ifndef _SECTUN_AH_H
#define _SECTUN_AH_H

#include <linux/skbuff.h>

struct sectun_outer;
struct sectun_sa;

unsigned int sectun_ah_len(const struct sectun_sa *sa, sa_family_t family,
			   unsigned int len);
unsigned int sectun_ah_max_inner(const struct sectun_sa *sa,
				 sa_family_t family, unsigned int space);
void sectun_ah_xmit(struct sectun_sa *sa, struct sk_buff *skb,
		    const struct sectun_outer *outer);
void sectun_ah_rcv(struct sectun_sa *sa, struct sk_buff *skb, u8 outer_tos);

#endif /* _SECTUN_AH_H */
