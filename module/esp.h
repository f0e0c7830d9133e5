/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ESP, RFC 4303, tunnel mode: the transform between the inner packet and
 * the outer header.
 */
#ifndef _SECTUN_ESP_H
#define _SECTUN_ESP_H

#include <linux/skbuff.h>

struct sectun_outer;
struct sectun_sa;

unsigned int sectun_esp_len(const struct sectun_sa *sa, unsigned int len);
unsigned int sectun_esp_max_inner(const struct sectun_sa *sa,
				  unsigned int space);
void sectun_esp_xmit(struct sectun_sa *sa, struct sk_buff *skb,
		     const struct sectun_outer *outer);
void sectun_esp_rcv(struct sectun_sa *sa, struct sk_buff *skb, u8 outer_tos);

#endif /* _SECTUN_ESP_H */
