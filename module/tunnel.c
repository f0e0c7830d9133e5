// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tunnel around the transforms.  Transmit: route the outer packet in
 * the underlay (the netns the device was created in) through a dst cache,
 * enforce the path MTU on the inner packet, derive the outer header from
 * the inner one and the settings, hand the packet to the transform, and
 * send what comes out.  Receive: check the inner packet the transform
 * recovered and deliver it on the device through GRO cells.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/dsfield.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ip6_checksum.h>
#include <net/route.h>

#include "ah.h"
#include "esp.h"
#include "tunnel.h"

unsigned int sectun_tunnel_hlen(sa_family_t family)
{
	return family == AF_INET ? sizeof(struct iphdr) :
				   sizeof(struct ipv6hdr);
}

/* Everything in front of the transform's header. */
unsigned int sectun_outer_hlen(const struct sectun_outer *outer)
{
	return sectun_tunnel_hlen(outer->family) +
	       (outer->udp ? sizeof(struct udphdr) : 0);
}

/* The route to @peer, cached per CPU; a held reference or error. */
struct dst_entry *sectun_route(struct sectun_dev *sd, struct sectun_cfg *cfg,
			       struct sectun_peer *peer, u8 proto,
			       union sectun_addr *saddr)
{
	struct dst_cache *cache = &peer->dst_cache;
	struct dst_entry *dst;

	if (cfg->family == AF_INET) {
		struct flowi4 fl4 = {
			.daddr = peer->addr.ip4,
			.saddr = cfg->has_local ? cfg->local.ip4 : 0,
			.flowi4_oif = cfg->link,
			.flowi4_proto = proto,
		};
		struct rtable *rt;

		rt = dst_cache_get_ip4(cache, &saddr->ip4);
		if (rt)
			return &rt->dst;
		rt = ip_route_output_key(sd->net, &fl4);
		if (IS_ERR(rt))
			return ERR_CAST(rt);
		dst = &rt->dst;
		saddr->ip4 = fl4.saddr;
	} else {
		struct flowi6 fl6 = {
			.daddr = peer->addr.ip6,
			.flowi6_oif = cfg->link,
			.flowi6_proto = proto,
		};

		dst = dst_cache_get_ip6(cache, &saddr->ip6);
		if (dst)
			return dst;
		if (cfg->has_local)
			fl6.saddr = cfg->local.ip6;
		dst = ip6_dst_lookup_flow(sd->net, NULL, &fl6, NULL);
		if (IS_ERR(dst))
			return dst;
		saddr->ip6 = fl6.saddr;
	}
	/* Routed back into ourselves: the packet would loop forever. */
	if (dst->dev == sd->dev) {
		dst_release(dst);
		return ERR_PTR(-ELOOP);
	}
	if (cfg->family == AF_INET)
		dst_cache_set_ip4(cache, dst, saddr->ip4);
	else
		dst_cache_set_ip6(cache, dst, &saddr->ip6);
	return dst;
}

/* Bytes after the outer header for an inner packet of @len. */
static unsigned int sectun_xfrm_len(const struct sectun_sa *sa,
				    sa_family_t family, unsigned int len)
{
	if (sa->proto == IPPROTO_AH)
		return sectun_ah_len(sa, family, len);
	return sectun_esp_len(sa, len);
}

/* The largest inner packet whose protected packet fits in @space. */
static unsigned int sectun_xfrm_max_inner(const struct sectun_sa *sa,
					  sa_family_t family,
					  unsigned int space)
{
	if (sa->proto == IPPROTO_AH)
		return sectun_ah_max_inner(sa, family, space);
	return sectun_esp_max_inner(sa, space);
}

enum sectun_pmtu {
	SECTUN_PMTU_FITS,
	SECTUN_PMTU_FRAGMENT,	/* too big, may be: fragment the outer packet */
	SECTUN_PMTU_REFUSED,	/* too big, may not be: the sender was told */
};

/*
 * Does the protected packet fit the path?  If not and the inner packet
 * may not be fragmented, tell its sender the MTU that would fit, as a
 * router would.
 */
static enum sectun_pmtu sectun_tunnel_pmtu(struct sk_buff *skb,
					   struct sectun_sa *sa,
					   struct dst_entry *dst,
					   const struct sectun_outer *outer,
					   __be16 df)
{
	unsigned int hlen = sectun_outer_hlen(outer);
	unsigned int pmtu = dst_mtu(dst), mtu;
	sa_family_t family = outer->family;

	if (likely(hlen + sectun_xfrm_len(sa, family, skb->len) <= pmtu))
		return SECTUN_PMTU_FITS;

	mtu = pmtu > hlen ? sectun_xfrm_max_inner(sa, family, pmtu - hlen) : 0;
	if (skb->protocol == htons(ETH_P_IP)) {
		if (!df)
			return SECTUN_PMTU_FRAGMENT;
		mtu = max(mtu, 68U);
		skb_dst_update_pmtu_no_confirm(skb, mtu);
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(mtu));
		return SECTUN_PMTU_REFUSED;
	}
	/* IPv6 may not go below 1280: fragment the outer packet instead. */
	if (mtu < IPV6_MIN_MTU)
		return SECTUN_PMTU_FRAGMENT;
	skb_dst_update_pmtu_no_confirm(skb, mtu);
	icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	return SECTUN_PMTU_REFUSED;
}

/*
 * Outer header fields from the inner packet and the settings.  ECN is
 * copied, CE included: RFC 6040's normal mode.
 */
static void sectun_outer_fields(const struct sk_buff *skb,
				const struct sectun_cfg *cfg,
				struct sectun_outer *o, __be16 *inner_df)
{
	u8 tos, ttl;

	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		tos = iph->tos;
		ttl = iph->ttl;
		*inner_df = iph->frag_off & htons(IP_DF);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		tos = ipv6_get_dsfield(ip6h);
		ttl = ip6h->hop_limit;
		/* IPv6 is never fragmented on the way: treat as DF. */
		*inner_df = htons(IP_DF);
	}
	if (cfg->dscp == SECTUN_DSCP_COPY)
		o->tos = tos;
	else
		o->tos = (cfg->dscp << 2) | (tos & INET_ECN_MASK);
	o->ttl = cfg->ttl == SECTUN_TTL_INHERIT ? ttl : cfg->ttl;
	switch (cfg->df) {
	case SECTUN_DF_SET:
		o->df = htons(IP_DF);
		break;
	case SECTUN_DF_CLEAR:
		o->df = 0;
		break;
	default:
		o->df = *inner_df;
	}
}

static void sectun_tx_error(struct net_device *dev, struct sk_buff *skb)
{
	DEV_STATS_INC(dev, tx_errors);
	kfree_skb(skb);
}

/*
 * Encapsulate and send @skb with @sa; under RCU, consumes @skb and the
 * caller's reference on @sa.
 */
void sectun_tunnel_xmit(struct sectun_dev *sd, const struct sectun_cfg *cfg,
			struct sectun_sa *sa, struct sk_buff *skb)
{
	struct sectun_peer *peer = rcu_dereference(cfg->peer);
	struct net_device *dev = sd->dev;
	struct sectun_outer outer;
	enum sectun_pmtu fit;
	struct dst_entry *dst;
	__be16 inner_df;

	outer.family = cfg->family;
	/* RFC 3948 carries ESP only; AH SAs are refused on such devices. */
	outer.udp = cfg->encap == SECTUN_ENCAP_UDP && sa->proto == IPPROTO_ESP;
	outer.proto = outer.udp ? IPPROTO_UDP : sa->proto;
	outer.sport = htons(cfg->sport);
	outer.dport = peer->port;
	outer.daddr = peer->addr;
	/* The cache inside is per-CPU and safe to fill from the datapath. */
	dst = sectun_route(sd, (struct sectun_cfg *)cfg, peer, outer.proto,
			   &outer.saddr);
	if (IS_ERR(dst)) {
		DEV_STATS_INC(dev, tx_carrier_errors);
		net_dbg_ratelimited("%s: no route to the remote end: %ld\n",
				    dev->name, PTR_ERR(dst));
		goto err;
	}

	sectun_outer_fields(skb, cfg, &outer, &inner_df);
	/* "df set" refuses what does not fit, even if the inner allows it. */
	fit = sectun_tunnel_pmtu(skb, sa, dst, &outer, inner_df | outer.df);
	if (fit == SECTUN_PMTU_REFUSED) {
		dst_release(dst);
		goto err;
	}

	skb_scrub_packet(skb, !net_eq(sd->net, dev_net(dev)));
	skb_dst_set(skb, dst);
	/* The path MTU is applied above: what is sent anyway may fragment. */
	if (fit == SECTUN_PMTU_FRAGMENT)
		outer.df = 0;
	skb->ignore_df = fit == SECTUN_PMTU_FRAGMENT;
	/* Keepalives wait for an idle path; one store per jiffy at most. */
	if (time_after(jiffies, READ_ONCE(sd->last_tx)))
		WRITE_ONCE(sd->last_tx, jiffies);
	if (sa->proto == IPPROTO_AH)
		sectun_ah_xmit(sa, skb, &outer);
	else
		sectun_esp_xmit(sa, skb, &outer);
	return;

err:
	sectun_tx_error(dev, skb);
	sectun_sa_put(sa);
}

/*
 * Put the outer header in front of the transform's.  Complete but for the
 * length and IPv4 checksum, which ip_local_out() fills in when sending.
 */
void sectun_tunnel_push(struct sk_buff *skb, struct net *net,
			const struct sectun_outer *o)
{
	if (o->udp) {
		/* The IPv6 checksum waits for the payload: sectun_tunnel_out(). */
		struct udphdr *uh = skb_push(skb, sizeof(*uh));

		uh->source = o->sport;
		uh->dest = o->dport;
		uh->len = htons(skb->len);
		uh->check = 0;
	}
	if (o->family == AF_INET) {
		struct iphdr *iph = skb_push(skb, sizeof(*iph));

		skb_reset_network_header(skb);
		iph->version = 4;
		iph->ihl = sizeof(*iph) >> 2;
		iph->tos = o->tos;
		iph->tot_len = 0;
		iph->frag_off = o->df;
		iph->ttl = o->ttl;
		iph->protocol = o->proto;
		iph->check = 0;
		iph->saddr = o->saddr.ip4;
		iph->daddr = o->daddr.ip4;
		ip_select_ident(net, skb, NULL);
		skb->protocol = htons(ETH_P_IP);
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	} else {
		struct ipv6hdr *ip6h = skb_push(skb, sizeof(*ip6h));

		skb_reset_network_header(skb);
		ip6_flow_hdr(ip6h, o->tos, 0);
		ip6h->payload_len = 0;
		ip6h->nexthdr = o->proto;
		ip6h->hop_limit = o->ttl;
		ip6h->saddr = o->saddr.ip6;
		ip6h->daddr = o->daddr.ip6;
		skb->protocol = htons(ETH_P_IPV6);
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	}
}

/*
 * The next outbound sequence number of @sa.  An exhausted SA drops, and
 * says why: RFC 4303 3.3.3 / 4302 3.3.2, a new SA must take over; never
 * wrap.
 */
bool sectun_tunnel_next_seq(struct sectun_sa *sa, u64 *seq)
{
	struct net_device *dev = sa->sd->dev;

	if (likely(sectun_sa_next_seq(sa, seq)))
		return true;
	net_warn_ratelimited("%s: outbound SA 0x%08x: sequence numbers exhausted\n",
			     dev->name, sa->spi);
	sectun_sa_drop(sa, SECTUN_DROP_SEQ_EXHAUSTED);
	DEV_STATS_INC(dev, tx_dropped);
	return false;
}

/*
 * Send a complete outer packet in the underlay @net.  UDP over IPv4 goes
 * without checksum (RFC 3948 2.1); IPv6 requires one (RFC 8200 8.1),
 * left to the device where it can, like every UDP tunnel.
 */
int sectun_tunnel_out(struct net *net, struct sk_buff *skb)
{
	int err;

	/* Not inside net_xmit_eval(): it evaluates its argument twice. */
	if (skb->protocol == htons(ETH_P_IP)) {
		err = ip_local_out(net, NULL, skb);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		if (ip6h->nexthdr == IPPROTO_UDP) {
			skb_set_transport_header(skb, sizeof(*ip6h));
			udp6_set_csum(false, skb, &ip6h->saddr, &ip6h->daddr,
				      skb->len - sizeof(*ip6h));
		}
		err = ip6_local_out(net, NULL, skb);
	}
	return net_xmit_eval(err);
}

/*
 * The transform finished with @err: send the protected packet in the
 * underlay and count it against the inner, or drop it.
 */
void sectun_tunnel_send(struct sectun_sa *sa, struct sk_buff *skb,
			unsigned int inner_len, int err)
{
	struct net_device *dev = sa->sd->dev;

	if (unlikely(err)) {
		net_dbg_ratelimited("%s: %s transform failed: %d\n", dev->name,
				    sa->proto == IPPROTO_AH ? "AH" : "ESP", err);
		sectun_sa_drop(sa, SECTUN_DROP_ERRORS);
		DEV_STATS_INC(dev, tx_errors);
		kfree_skb(skb);
		return;
	}

	if (unlikely(sectun_tunnel_out(sa->sd->net, skb))) {
		DEV_STATS_INC(dev, tx_errors);
		return;
	}
	sectun_sa_count(sa, inner_len);
	dev_sw_netstats_tx_add(dev, 1, inner_len);
}

/* A received packet the transform or this file refused. */
void sectun_tunnel_rx_drop(struct sectun_sa *sa, struct sk_buff *skb,
			   enum sectun_sa_drop why)
{
	struct net_device *dev = sa->sd->dev;

	sectun_sa_drop(sa, why);
	switch (why) {
	case SECTUN_DROP_DUMMY:
		/* Traffic-flow confidentiality filler: nothing went wrong. */
		break;
	case SECTUN_DROP_REPLAY:
		DEV_STATS_INC(dev, rx_dropped);
		break;
	case SECTUN_DROP_INTEGRITY:
		DEV_STATS_INC(dev, rx_crc_errors);
		DEV_STATS_INC(dev, rx_errors);
		break;
	case SECTUN_DROP_MALFORMED:
	case SECTUN_DROP_INNER:
		DEV_STATS_INC(dev, rx_frame_errors);
		DEV_STATS_INC(dev, rx_errors);
		break;
	default:
		DEV_STATS_INC(dev, rx_errors);
	}
	kfree_skb(skb);
}

/*
 * The inner packet's length from its own header: what the transform
 * recovered may carry traffic-flow confidentiality padding after it
 * (RFC 4303 2.7), which is cut; less than the header claims is refused.
 */
static int sectun_inner_len(struct sk_buff *skb, u8 nexthdr, __be16 *proto)
{
	if (nexthdr == IPPROTO_IPIP) {
		const struct iphdr *iph;

		if (!pskb_may_pull(skb, sizeof(*iph)))
			return -EINVAL;
		iph = (const struct iphdr *)skb->data;
		if (iph->version != 4 || iph->ihl < 5 ||
		    ntohs(iph->tot_len) < iph->ihl * 4)
			return -EINVAL;
		*proto = htons(ETH_P_IP);
		return ntohs(iph->tot_len);
	}
	if (nexthdr == IPPROTO_IPV6) {
		const struct ipv6hdr *ip6h;

		if (!pskb_may_pull(skb, sizeof(*ip6h)))
			return -EINVAL;
		ip6h = (const struct ipv6hdr *)skb->data;
		if (ip6h->version != 6)
			return -EINVAL;
		*proto = htons(ETH_P_IPV6);
		return sizeof(*ip6h) + ntohs(ip6h->payload_len);
	}
	return -EINVAL;
}

/*
 * Deliver what the transform recovered and authenticated: an inner
 * packet, next header @nexthdr, that arrived with outer DS field
 * @outer_tos.  Consumes @skb; the caller still holds its SA reference.
 */
void sectun_tunnel_rcv(struct sectun_sa *sa, struct sk_buff *skb, u8 nexthdr,
		       u8 outer_tos)
{
	struct sectun_dev *sd = sa->sd;
	struct net_device *dev = sd->dev;
	__be16 proto = 0;
	int len;

	len = sectun_inner_len(skb, nexthdr, &proto);
	if (len < 0 || len > skb->len || pskb_trim(skb, len)) {
		sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_INNER);
		return;
	}
	skb->protocol = proto;
	skb_reset_network_header(skb);
	skb_reset_mac_header(skb);

	/* RFC 6040 decapsulation; 2: CE outside, not ECN-capable inside. */
	if (INET_ECN_decapsulate(skb, outer_tos,
				 proto == htons(ETH_P_IP) ?
				 ip_hdr(skb)->tos :
				 ipv6_get_dsfield(ipv6_hdr(skb))) > 1) {
		sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_INNER);
		return;
	}

	skb_scrub_packet(skb, !net_eq(sd->net, dev_net(dev)));
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	/*
	 * The ICV proves who sent the bytes, not that the inner sender's
	 * checksums were right: they stay end to end, as with native ESP.
	 */
	skb->ip_summed = CHECKSUM_NONE;

	sectun_sa_count(sa, skb->len);
	len = skb->len;
	if (unlikely(gro_cells_receive(&sd->gro_cells, skb) != NET_RX_SUCCESS)) {
		DEV_STATS_INC(dev, rx_dropped);
		return;
	}
	dev_sw_netstats_rx_add(dev, len);
}

/*
 * The MTU a new device, or one whose endpoints changed, gets: the
 * underlay's MTU toward the remote end less the worst-case overhead of
 * any algorithm, so that whichever SA comes later, nothing it sends needs
 * fragmenting.  Without a remote end there is no underlay to ask.
 */
unsigned int sectun_tunnel_default_mtu(struct sectun_dev *sd,
				       const struct sectun_cfg *cfg)
{
	struct net_device *link = NULL;
	unsigned int mtu = ETH_DATA_LEN;
	struct dst_entry *dst = NULL;

	if (!cfg->has_remote)
		return SECTUN_DEFAULT_MTU;

	if (cfg->link)
		link = __dev_get_by_index(sd->net, cfg->link);
	if (link) {
		mtu = link->mtu;
	} else if (cfg->family == AF_INET) {
		struct flowi4 fl4 = { .daddr = cfg->remote.ip4 };
		struct rtable *rt = ip_route_output_key(sd->net, &fl4);

		if (!IS_ERR(rt))
			dst = &rt->dst;
	} else {
		struct flowi6 fl6 = { .daddr = cfg->remote.ip6 };

		dst = ip6_route_output(sd->net, NULL, &fl6);
		if (dst->error) {
			dst_release(dst);
			dst = NULL;
		}
	}
	if (dst) {
		mtu = dst_mtu(dst);
		dst_release(dst);
	}
	mtu -= sectun_tunnel_hlen(cfg->family) + SECTUN_ESP_MAX_OVERHEAD;
	if (cfg->encap == SECTUN_ENCAP_UDP)
		mtu -= sizeof(struct udphdr);
	return clamp(mtu, (unsigned int)ETH_MIN_MTU, (unsigned int)ETH_DATA_LEN);
}
