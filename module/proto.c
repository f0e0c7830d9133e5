// SPDX-License-Identifier: GPL-2.0-only
/*
 * Receive demultiplexing: sectun registers with the xfrm4/xfrm6 protocol
 * handler chains for ESP, with a priority above ip_vti's (100) and
 * xfrm interfaces', so it sees each packet first and passes on, with
 * -EINVAL, every SPI that is not one of its own.  vti, xfrmi and the
 * native xfrm stack keep working in the same kernel, even in the same
 * netns.
 *
 * The chains call all four hooks for every packet of the protocol, also
 * for native IPsec's: each hook must decline what is not sectun's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/dsfield.h>
#include <net/esp.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "esp.h"
#include "sa.h"
#include "sectun.h"

#define SECTUN_XFRM_PRIORITY	200

static int sectun_esp4_rcv(struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sectun_sa *sa;

	if (!pskb_may_pull(skb, sizeof(struct ip_esp_hdr)))
		return -EINVAL;
	sa = sectun_sa_lookup(dev_net(skb->dev), SECTUN_DIR_IN,
			      ntohl(ip_esp_hdr(skb)->spi), IPPROTO_ESP,
			      AF_INET, &iph->daddr);
	if (!sa)
		return -EINVAL;
	sectun_esp_rcv(sa, skb, ipv4_get_dsfield(iph));
	return 0;
}

static int sectun_esp6_rcv(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct sectun_sa *sa;

	if (!pskb_may_pull(skb, sizeof(struct ip_esp_hdr)))
		return -EINVAL;
	sa = sectun_sa_lookup(dev_net(skb->dev), SECTUN_DIR_IN,
			      ntohl(ip_esp_hdr(skb)->spi), IPPROTO_ESP,
			      AF_INET6, &ip6h->daddr);
	if (!sa)
		return -EINVAL;
	sectun_esp_rcv(sa, skb, ipv6_get_dsfield(ip6h));
	return 0;
}

/* Native NAT-T (xfrm4_rcv_encap): never sectun's, which has its own. */
static int sectun_input_handler(struct sk_buff *skb, int nexthdr, __be32 spi,
				int encap_type)
{
	return -EINVAL;
}

/* After native xfrm input: not ours; 1 lets vti and xfrmi see it. */
static int sectun_cb_handler(struct sk_buff *skb, int err)
{
	return 1;
}

/*
 * An ICMP error about a packet one of our outbound SAs sent: learn the
 * underlay path MTU or redirect, as esp4_err does for native states.
 * Non-zero hands the error on.  @skb->data is the offending IP header.
 */
static int sectun_esp4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct ip_esp_hdr *esph;
	struct net *net = dev_net(skb->dev);
	struct sectun_sa *sa;

	switch (icmp_hdr(skb)->type) {
	case ICMP_DEST_UNREACH:
		if (icmp_hdr(skb)->code != ICMP_FRAG_NEEDED)
			return -ENOENT;
		break;
	case ICMP_REDIRECT:
		break;
	default:
		return -ENOENT;
	}
	esph = (const struct ip_esp_hdr *)(skb->data + (iph->ihl << 2));
	sa = sectun_sa_lookup(net, SECTUN_DIR_OUT, ntohl(esph->spi),
			      IPPROTO_ESP, AF_INET, &iph->daddr);
	if (!sa)
		return -ENOENT;
	if (icmp_hdr(skb)->type == ICMP_DEST_UNREACH)
		ipv4_update_pmtu(skb, net, info, 0, IPPROTO_ESP);
	else
		ipv4_redirect(skb, net, 0, IPPROTO_ESP);
	sectun_sa_put(sa);
	return 0;
}

static int sectun_esp6_err(struct sk_buff *skb, struct inet6_skb_parm *opt,
			   u8 type, u8 code, int offset, __be32 info)
{
	const struct ipv6hdr *ip6h = (const struct ipv6hdr *)skb->data;
	const struct ip_esp_hdr *esph;
	struct net *net = dev_net(skb->dev);
	struct sectun_sa *sa;

	if (type != ICMPV6_PKT_TOOBIG && type != NDISC_REDIRECT)
		return -ENOENT;
	esph = (const struct ip_esp_hdr *)(skb->data + offset);
	sa = sectun_sa_lookup(net, SECTUN_DIR_OUT, ntohl(esph->spi),
			      IPPROTO_ESP, AF_INET6, &ip6h->daddr);
	if (!sa)
		return -ENOENT;
	if (type == NDISC_REDIRECT)
		ip6_redirect(skb, net, 0, 0, sock_net_uid(net, NULL));
	else
		ip6_update_pmtu(skb, net, info, 0, 0, sock_net_uid(net, NULL));
	sectun_sa_put(sa);
	return 0;
}

static struct xfrm4_protocol sectun_esp4_protocol __read_mostly = {
	.handler	= sectun_esp4_rcv,
	.input_handler	= sectun_input_handler,
	.cb_handler	= sectun_cb_handler,
	.err_handler	= sectun_esp4_err,
	.priority	= SECTUN_XFRM_PRIORITY,
};

static struct xfrm6_protocol sectun_esp6_protocol __read_mostly = {
	.handler	= sectun_esp6_rcv,
	.input_handler	= sectun_input_handler,
	.cb_handler	= sectun_cb_handler,
	.err_handler	= sectun_esp6_err,
	.priority	= SECTUN_XFRM_PRIORITY,
};

int sectun_proto_init(void)
{
	int err;

	err = xfrm4_protocol_register(&sectun_esp4_protocol, IPPROTO_ESP);
	if (err) {
		pr_err("cannot register for IPv4 ESP: %d\n", err);
		return err;
	}
	err = xfrm6_protocol_register(&sectun_esp6_protocol, IPPROTO_ESP);
	if (err) {
		pr_err("cannot register for IPv6 ESP: %d\n", err);
		xfrm4_protocol_deregister(&sectun_esp4_protocol, IPPROTO_ESP);
		return err;
	}
	return 0;
}

void sectun_proto_uninit(void)
{
	xfrm6_protocol_deregister(&sectun_esp6_protocol, IPPROTO_ESP);
	xfrm4_protocol_deregister(&sectun_esp4_protocol, IPPROTO_ESP);
}
