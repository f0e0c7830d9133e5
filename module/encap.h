/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NAT traversal (RFC 3948): the UDP socket, keepalives, peer floating.
 */
#ifndef _SECTUN_ENCAP_H
#define _SECTUN_ENCAP_H

#include <linux/skbuff.h>

#include "sectun.h"

struct netlink_ext_ack;

struct sectun_peer *sectun_peer_new(const union sectun_addr *addr,
				    __be16 port, gfp_t gfp);
void sectun_peer_free(struct sectun_peer *peer);
bool sectun_encap_peer_get(struct sectun_dev *sd, const struct sectun_cfg *cfg,
			   union sectun_addr *addr, __be16 *port);

int sectun_encap_update(struct sectun_dev *sd, const struct sectun_cfg *cfg,
			struct netlink_ext_ack *extack);
void sectun_encap_detach(struct sectun_dev *sd);
void sectun_encap_port_stats(struct sectun_dev *sd, u64 *keepalive_rx,
			     u64 *non_esp);
void sectun_encap_float(struct sectun_sa *sa, struct sk_buff *skb);

void sectun_keepalive_update(struct sectun_dev *sd,
			     const struct sectun_cfg *cfg);
void sectun_encap_init_dev(struct sectun_dev *sd);
void sectun_encap_uninit_dev(struct sectun_dev *sd);

#endif /* _SECTUN_ENCAP_H */
