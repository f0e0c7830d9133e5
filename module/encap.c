// SPDX-License-Identifier: GPL-2.0-only
/*
 * NAT traversal: ESP in UDP (RFC 3948), NAT keepalives, and peers that
 * float to a new address or port.
 *
 * Receive: one kernel UDP tunnel socket per (netns, address family,
 * port), bound to the wildcard address and shared by every device of
 * that netns that uses the port; the first device to need it creates it,
 * the last one releases it.  Its encap_rcv consumes everything: 1-byte
 * 0xFF keepalives silently, packets with the non-ESP marker (IKE) counted
 * and dropped, ESP handed to the same decapsulation as plain ESP.  The
 * port is therefore not the IKE daemon's: sectun owns its socket rather
 * than taking one over from userspace, so that a tunnel works without any
 * daemon, from static keys.
 *
 * Transmit is tunnel.c's: it adds the UDP header when the settings say so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/esp.h>
#include <net/ip6_checksum.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "compat.h"
#include "encap.h"
#include "esp.h"
#include "sa.h"
#include "tunnel.h"

/* RFC 3948 2.3 and 2.2. */
#define SECTUN_NATT_KEEPALIVE	0xff
#define SECTUN_NON_ESP_MARKER	4

struct sectun_udp {
	struct list_head node;		/* sectun_net.udp_socks */
	struct socket *sock;
	sa_family_t family;
	u16 port;
	unsigned int users;		/* devices using it, under rtnl */
	atomic64_t keepalive_rx;
	atomic64_t non_esp;
};

struct sectun_peer *sectun_peer_new(const union sectun_addr *addr,
				    __be16 port, gfp_t gfp)
{
	struct sectun_peer *peer;

	peer = kzalloc(sizeof(*peer), gfp);
	if (!peer)
		return NULL;
	if (dst_cache_init(&peer->dst_cache, gfp)) {
		kfree(peer);
		return NULL;
	}
	peer->addr = *addr;
	peer->port = port;
	return peer;
}

void sectun_peer_free(struct sectun_peer *peer)
{
	if (!peer)
		return;
	dst_cache_destroy(&peer->dst_cache);
	kfree(peer);
}

static void sectun_peer_free_rcu(struct rcu_head *rcu)
{
	sectun_peer_free(container_of(rcu, struct sectun_peer, rcu));
}

static bool sectun_udp_needed(const struct sectun_cfg *cfg)
{
	return cfg->encap == SECTUN_ENCAP_UDP && cfg->family != AF_UNSPEC;
}

/*
 * A packet for the socket: data at the UDP header, checksum verified by
 * the UDP layer.  Always consumed (0): nobody reads the socket.
 */
static int sectun_udp_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct sectun_udp *u = rcu_dereference_sk_user_data(sk);
	unsigned int hlen = sizeof(struct udphdr);
	struct sectun_sa *sa;
	const void *daddr;
	u8 buf[8];
	const u8 *p;
	u8 tos;

	if (!u || skb->len <= hlen)
		goto drop;
	p = skb_header_pointer(skb, hlen, min(skb->len - hlen, 8U), buf);
	if (!p)
		goto drop;
	if (skb->len == hlen + 1 && p[0] == SECTUN_NATT_KEEPALIVE) {
		atomic64_inc(&u->keepalive_rx);
		consume_skb(skb);
		return 0;
	}
	if (skb->len >= hlen + SECTUN_NON_ESP_MARKER &&
	    !memchr_inv(p, 0, SECTUN_NON_ESP_MARKER)) {
		atomic64_inc(&u->non_esp);
		goto drop;
	}
	if (skb->len < hlen + sizeof(struct ip_esp_hdr))
		goto drop;

	if (skb->protocol == htons(ETH_P_IP)) {
		daddr = &ip_hdr(skb)->daddr;
		tos = ipv4_get_dsfield(ip_hdr(skb));
	} else {
		daddr = &ipv6_hdr(skb)->daddr;
		tos = ipv6_get_dsfield(ipv6_hdr(skb));
	}
	sa = sectun_sa_lookup(sock_net(sk), SECTUN_DIR_IN,
			      ntohl(((const struct ip_esp_hdr *)(p))->spi),
			      IPPROTO_ESP, u->family, daddr);
	if (!sa)
		goto drop;
	/* The UDP header stays the transport header: floating reads it. */
	skb_reset_transport_header(skb);
	if (!pskb_may_pull(skb, hlen + sizeof(struct ip_esp_hdr))) {
		sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_MALFORMED);
		sectun_sa_put(sa);
		return 0;
	}
	__skb_pull(skb, hlen);
	sectun_esp_rcv(sa, skb, tos);
	return 0;

drop:
	kfree_skb(skb);
	return 0;
}

static struct sectun_udp *sectun_udp_create(struct net *net,
					    sa_family_t family, u16 port,
					    struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.encap_type = UDP_ENCAP_ESPINUDP,
		.encap_rcv = sectun_udp_encap_rcv,
	};
	struct udp_port_cfg pcfg = {
		.family = family,
		.local_udp_port = htons(port),
		/* The IPv4 socket of the port is another one. */
		.ipv6_v6only = 1,
	};
	struct sectun_udp *u;
	int err;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return ERR_PTR(-ENOMEM);
	if (family == AF_INET)
		pcfg.local_ip.s_addr = htonl(INADDR_ANY);
	else
		pcfg.local_ip6 = in6addr_any;
	err = udp_sock_create(net, &pcfg, &u->sock);
	if (err) {
		if (err == -EADDRINUSE)
			SECTUN_ERR_FMT(extack, "UDP port is in use by another socket",
				       "UDP port %u (%s) is in use by another socket",
				       port, family == AF_INET ? "IPv4" : "IPv6");
		else
			NL_SET_ERR_MSG(extack, "cannot create the UDP socket");
		kfree(u);
		return ERR_PTR(err);
	}
	u->family = family;
	u->port = port;
	tcfg.sk_user_data = u;
	setup_udp_tunnel_sock(net, u->sock, &tcfg);
	list_add(&u->node, &sectun_pernet(net)->udp_socks);
	return u;
}

static struct sectun_udp *sectun_udp_get(struct net *net, sa_family_t family,
					 u16 port,
					 struct netlink_ext_ack *extack)
{
	struct sectun_udp *u;

	list_for_each_entry(u, &sectun_pernet(net)->udp_socks, node) {
		if (u->family == family && u->port == port) {
			u->users++;
			return u;
		}
	}
	u = sectun_udp_create(net, family, port, extack);
	if (!IS_ERR(u))
		u->users = 1;
	return u;
}

/* Under rtnl; may sleep until packets in flight left the socket. */
static void sectun_udp_put(struct sectun_udp *u)
{
	if (!u || --u->users)
		return;
	list_del(&u->node);
	/* Waits for RCU: no encap_rcv or reader of @u is left after it. */
	udp_tunnel_sock_release(u->sock);
	kfree(u);
}

/*
 * Make the device use the socket @cfg needs, if any.  On error nothing
 * changed.  Under rtnl.
 */
int sectun_encap_update(struct sectun_dev *sd, const struct sectun_cfg *cfg,
			struct netlink_ext_ack *extack)
{
	struct sectun_udp *old = rtnl_dereference(sd->udp), *u = NULL;

	if (sectun_udp_needed(cfg)) {
		if (old && old->family == cfg->family && old->port == cfg->sport)
			return 0;
		u = sectun_udp_get(sd->net, cfg->family, cfg->sport, extack);
		if (IS_ERR(u))
			return PTR_ERR(u);
	}
	rcu_assign_pointer(sd->udp, u);
	sectun_udp_put(old);
	return 0;
}

void sectun_encap_detach(struct sectun_dev *sd)
{
	struct sectun_udp *old = rtnl_dereference(sd->udp);

	RCU_INIT_POINTER(sd->udp, NULL);
	sectun_udp_put(old);
}

/* The port's counters, shared by the devices on it; under RCU or rtnl. */
void sectun_encap_port_stats(struct sectun_dev *sd, u64 *keepalive_rx,
			     u64 *non_esp)
{
	struct sectun_udp *u = rcu_dereference_rtnl(sd->udp);

	*keepalive_rx = u ? atomic64_read(&u->keepalive_rx) : 0;
	*non_esp = u ? atomic64_read(&u->non_esp) : 0;
}

/*
 * Peer floating: @skb, received on inbound @sa, is authentic and not a
 * replay (RFC 3948 3.5 leaves the policy to the implementation; this is
 * what a NAT rebinding needs and what nobody without the key can cause).
 * Under RCU, in softirq.
 */
void sectun_encap_float(struct sectun_sa *sa, struct sk_buff *skb)
{
	struct sectun_dev *sd = sa->sd;
	struct sectun_peer *peer, *new;
	union sectun_addr src = {};
	struct sectun_cfg *cfg;
	__be16 sport = 0;
	bool udp, want_udp;

	cfg = rcu_dereference(sd->cfg);
	if (!cfg->float_on || !cfg->has_remote)
		return;
	/* The UDP path left the UDP header as the transport header. */
	udp = skb_transport_header(skb) + sizeof(struct udphdr) == skb->data &&
	      skb_transport_header(skb) > skb_network_header(skb);
	want_udp = cfg->encap == SECTUN_ENCAP_UDP;
	if (udp != want_udp)
		return;
	if (udp)
		sport = udp_hdr(skb)->source;
	if (skb->protocol == htons(ETH_P_IP) && cfg->family == AF_INET)
		src.ip4 = ip_hdr(skb)->saddr;
	else if (skb->protocol == htons(ETH_P_IPV6) && cfg->family == AF_INET6)
		src.ip6 = ipv6_hdr(skb)->saddr;
	else
		return;

	peer = rcu_dereference(cfg->peer);
	if (likely(peer->port == sport && !memcmp(&peer->addr, &src, sizeof(src))))
		return;

	spin_lock(&sd->float_lock);
	peer = rcu_dereference_protected(cfg->peer,
					 lockdep_is_held(&sd->float_lock));
	if (peer->port == sport && !memcmp(&peer->addr, &src, sizeof(src))) {
		spin_unlock(&sd->float_lock);
		return;
	}
	new = sectun_peer_new(&src, sport, GFP_ATOMIC);
	if (!new) {
		spin_unlock(&sd->float_lock);
		return;
	}
	rcu_assign_pointer(cfg->peer, new);
	spin_unlock(&sd->float_lock);
	call_rcu(&peer->rcu, sectun_peer_free_rcu);

	atomic64_inc(&sd->stats.floats);
	if (cfg->family == AF_INET)
		net_info_ratelimited("%s: peer moved to %pI4:%u\n",
				     sd->dev->name, &src.ip4, ntohs(sport));
	else
		net_info_ratelimited("%s: peer moved to [%pI6c]:%u\n",
				     sd->dev->name, &src.ip6, ntohs(sport));
	sectun_genl_dev_notify(sd, SECTUN_CMD_ENDPOINT_CHANGED);
}

/* A copy of @cfg's current peer (address and port), under rtnl. */
bool sectun_encap_peer_get(struct sectun_dev *sd, const struct sectun_cfg *cfg,
			   union sectun_addr *addr, __be16 *port)
{
	const struct sectun_peer *peer;

	spin_lock_bh(&sd->float_lock);
	peer = rcu_dereference_protected(cfg->peer,
					 lockdep_is_held(&sd->float_lock));
	if (peer) {
		*addr = peer->addr;
		*port = peer->port;
	}
	spin_unlock_bh(&sd->float_lock);
	return peer;
}

/* Send one NAT keepalive (RFC 3948 2.3) to the current peer. */
static void sectun_keepalive_send(struct sectun_dev *sd,
				  struct sectun_cfg *cfg)
{
	struct sectun_peer *peer = rcu_dereference(cfg->peer);
	struct sectun_outer outer = {
		.family = cfg->family,
		.proto = IPPROTO_UDP,
		.udp = true,
		.sport = htons(cfg->sport),
		.dport = peer->port,
		.daddr = peer->addr,
		.ttl = cfg->ttl == SECTUN_TTL_INHERIT ? SECTUN_TTL_DEFAULT :
							cfg->ttl,
		.tos = cfg->dscp == SECTUN_DSCP_COPY ? 0 : cfg->dscp << 2,
		.df = cfg->df == SECTUN_DF_SET ? htons(IP_DF) : 0,
	};
	struct dst_entry *dst;
	struct sk_buff *skb;

	dst = sectun_route(sd, cfg, peer, IPPROTO_UDP, &outer.saddr);
	if (IS_ERR(dst))
		return;
	skb = alloc_skb(LL_RESERVED_SPACE(dst->dev) + sizeof(struct ipv6hdr) +
			sizeof(struct udphdr) + 1, GFP_ATOMIC);
	if (!skb) {
		dst_release(dst);
		return;
	}
	skb_reserve(skb, LL_RESERVED_SPACE(dst->dev) +
			 sizeof(struct ipv6hdr) + sizeof(struct udphdr));
	skb_put_u8(skb, SECTUN_NATT_KEEPALIVE);
	skb_dst_set(skb, dst);
	sectun_tunnel_push(skb, sd->net, &outer);
	if (!sectun_tunnel_out(sd->net, skb))
		atomic64_inc(&sd->stats.keepalive_tx);
	WRITE_ONCE(sd->last_tx, jiffies);
}

static void sectun_keepalive_timer(struct timer_list *t)
{
	struct sectun_dev *sd = from_timer(sd, t, keepalive_timer);
	unsigned long interval, idle;
	struct sectun_cfg *cfg;

	rcu_read_lock();
	cfg = rcu_dereference(sd->cfg);
	if (!cfg->keepalive || cfg->encap != SECTUN_ENCAP_UDP ||
	    !cfg->has_remote) {
		rcu_read_unlock();
		return;
	}
	interval = cfg->keepalive * HZ;
	idle = jiffies - READ_ONCE(sd->last_tx);
	if (idle >= interval) {
		sectun_keepalive_send(sd, cfg);
		idle = 0;
	}
	mod_timer(&sd->keepalive_timer, jiffies + interval - idle);
	rcu_read_unlock();
}

/* Start or stop keepalives for the settings just published; under rtnl. */
void sectun_keepalive_update(struct sectun_dev *sd,
			     const struct sectun_cfg *cfg)
{
	if (cfg->keepalive && cfg->encap == SECTUN_ENCAP_UDP &&
	    cfg->has_remote)
		mod_timer(&sd->keepalive_timer, jiffies + cfg->keepalive * HZ);
	else
		del_timer_sync(&sd->keepalive_timer);
}

void sectun_encap_init_dev(struct sectun_dev *sd)
{
	spin_lock_init(&sd->float_lock);
	timer_setup(&sd->keepalive_timer, sectun_keepalive_timer, 0);
	sd->last_tx = jiffies;
}

/* The device is going: no more keepalives, no more socket.  rtnl. */
void sectun_encap_uninit_dev(struct sectun_dev *sd)
{
	del_timer_sync(&sd->keepalive_timer);
	sectun_encap_detach(sd);
}
