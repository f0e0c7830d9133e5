/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tunnel around the transforms: outer IPv4/IPv6 header, underlay
 * routing and path MTU, and delivery of inner packets on the device.
 */
#ifndef _SECTUN_TUNNEL_H
#define _SECTUN_TUNNEL_H

#include <linux/skbuff.h>

#include "sa.h"
#include "sectun.h"

/* One packet's outer header, decided before the transform runs. */
struct sectun_outer {
	sa_family_t family;
	u8 proto;			/* IPPROTO_ESP, _AH, or _UDP */
	u8 tos;				/* DSCP and ECN */
	u8 ttl;
	bool udp;			/* ESP in UDP, RFC 3948 */
	__be16 df;			/* IPv4: IP_DF or 0 */
	__be16 sport;			/* udp */
	__be16 dport;			/* udp */
	union sectun_addr saddr;
	union sectun_addr daddr;
};

/*
 * Worst case of every ESP algorithm: header, IV, padding, trailer, ICV.
 * AH's (12 + 32, padded to 48) is below it.
 */
#define SECTUN_ESP_MAX_OVERHEAD	(8 + 16 + 15 + 2 + 32)

void sectun_tunnel_xmit(struct sectun_dev *sd, const struct sectun_cfg *cfg,
			struct sectun_sa *sa, struct sk_buff *skb);
bool sectun_tunnel_next_seq(struct sectun_sa *sa, u64 *seq);
unsigned int sectun_tunnel_hlen(sa_family_t family);
unsigned int sectun_outer_hlen(const struct sectun_outer *outer);
struct dst_entry *sectun_route(struct sectun_dev *sd, struct sectun_cfg *cfg,
			       struct sectun_peer *peer, u8 proto,
			       union sectun_addr *saddr);
void sectun_tunnel_push(struct sk_buff *skb, struct net *net,
			const struct sectun_outer *outer);
int sectun_tunnel_out(struct net *net, struct sk_buff *skb);
void sectun_tunnel_send(struct sectun_sa *sa, struct sk_buff *skb,
			unsigned int inner_len, int err);
void sectun_tunnel_rcv(struct sectun_sa *sa, struct sk_buff *skb, u8 nexthdr,
		       u8 outer_tos);
void sectun_tunnel_rx_drop(struct sectun_sa *sa, struct sk_buff *skb,
			   enum sectun_sa_drop why);
unsigned int sectun_tunnel_default_mtu(struct sectun_dev *sd,
				       const struct sectun_cfg *cfg);

#endif /* _SECTUN_TUNNEL_H */
