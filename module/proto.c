// SPDX-License-Identifier: GPL-2.0-only
/*
 * Receive demultiplexing: sectun registers with the xfrm4/xfrm6 protocol
 * handler chains for ESP and AH, with a priority above ip_vti's (100) and
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

#include "ah.h"
#include "esp.h"
#include "sa.h"
#include "sectun.h"

#define SECTUN_XFRM_PRIORITY	200

/* The SPI of an ESP or AH header at @hdr. */
static u32 sectun_spi(const void *hdr, u8 proto)
{
	if (proto == IPPROTO_AH)
		return ntohl(((const struct ip_auth_hdr *)hdr)->spi);
	return ntohl(((const struct ip_esp_hdr *)hdr)->spi);
}

/* Enough of the header for the SPI: AH's is behind two other fields. */
static bool sectun_pull_spi(struct sk_buff *skb, u8 proto)
{
	return pskb_may_pull(skb, proto == IPPROTO_AH ?
				  offsetofend(struct ip_auth_hdr, spi) :
				  sizeof(struct ip_esp_hdr));
}

/* Ours: hand it to the transform, which consumes it and the reference. */
static void sectun_xfrm_rcv(struct sectun_sa *sa, struct sk_buff *skb,
			    u8 outer_tos)
{
	if (sa->proto == IPPROTO_AH)
		sectun_ah_rcv(sa, skb, outer_tos);
	else
		sectun_esp_rcv(sa, skb, outer_tos);
}

static int sectun_rcv4(struct sk_buff *skb, u8 proto)
{
	struct sectun_sa *sa;

	if (!sectun_pull_spi(skb, proto))
		return -EINVAL;
	sa = sectun_sa_lookup(dev_net(skb->dev), SECTUN_DIR_IN,
			      sectun_spi(skb->data, proto), proto, AF_INET,
			      &ip_hdr(skb)->daddr);
	if (!sa)
		return -EINVAL;
	sectun_xfrm_rcv(sa, skb, ipv4_get_dsfield(ip_hdr(skb)));
	return 0;
}

static int sectun_rcv6(struct sk_buff *skb, u8 proto)
{
	struct sectun_sa *sa;

	if (!sectun_pull_spi(skb, proto))
		return -EINVAL;
	sa = sectun_sa_lookup(dev_net(skb->dev), SECTUN_DIR_IN,
			      sectun_spi(skb->data, proto), proto, AF_INET6,
			      &ipv6_hdr(skb)->daddr);
	if (!sa)
		return -EINVAL;
	sectun_xfrm_rcv(sa, skb, ipv6_get_dsfield(ipv6_hdr(skb)));
	return 0;
}

static int sectun_esp4_rcv(struct sk_buff *skb)
{
	return sectun_rcv4(skb, IPPROTO_ESP);
}

static int sectun_ah4_rcv(struct sk_buff *skb)
{
	return sectun_rcv4(skb, IPPROTO_AH);
}

static int sectun_esp6_rcv(struct sk_buff *skb)
{
	return sectun_rcv6(skb, IPPROTO_ESP);
}

static int sectun_ah6_rcv(struct sk_buff *skb)
{
	return sectun_rcv6(skb, IPPROTO_AH);
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
 * underlay path MTU or redirect, as esp4_err and ah4_err do for native
 * states.  Non-zero hands the error on.  @skb->data is the offending IP
 * header; ICMP quotes at least the 8 bytes after it, SPI included.
 */
static int sectun_err4(struct sk_buff *skb, u32 info, u8 proto)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
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
	sa = sectun_sa_lookup(net, SECTUN_DIR_OUT,
			      sectun_spi(skb->data + (iph->ihl << 2), proto),
			      proto, AF_INET, &iph->daddr);
	if (!sa)
		return -ENOENT;
	if (icmp_hdr(skb)->type == ICMP_DEST_UNREACH)
		ipv4_update_pmtu(skb, net, info, 0, proto);
	else
		ipv4_redirect(skb, net, 0, proto);
	sectun_sa_put(sa);
	return 0;
}

static int sectun_err6(struct sk_buff *skb, u8 type, int offset, __be32 info,
		       u8 proto)
{
	const struct ipv6hdr *ip6h = (const struct ipv6hdr *)skb->data;
	struct net *net = dev_net(skb->dev);
	struct sectun_sa *sa;

	if (type != ICMPV6_PKT_TOOBIG && type != NDISC_REDIRECT)
		return -ENOENT;
	sa = sectun_sa_lookup(net, SECTUN_DIR_OUT,
			      sectun_spi(skb->data + offset, proto), proto,
			      AF_INET6, &ip6h->daddr);
	if (!sa)
		return -ENOENT;
	if (type == NDISC_REDIRECT)
		ip6_redirect(skb, net, 0, 0, sock_net_uid(net, NULL));
	else
		ip6_update_pmtu(skb, net, info, 0, 0, sock_net_uid(net, NULL));
	sectun_sa_put(sa);
	return 0;
}

static int sectun_esp4_err(struct sk_buff *skb, u32 info)
{
	return sectun_err4(skb, info, IPPROTO_ESP);
}

static int sectun_ah4_err(struct sk_buff *skb, u32 info)
{
	return sectun_err4(skb, info, IPPROTO_AH);
}

static int sectun_esp6_err(struct sk_buff *skb, struct inet6_skb_parm *opt,
			   u8 type, u8 code, int offset, __be32 info)
{
	return sectun_err6(skb, type, offset, info, IPPROTO_ESP);
}

static int sectun_ah6_err(struct sk_buff *skb, struct inet6_skb_parm *opt,
			  u8 type, u8 code, int offset, __be32 info)
{
	return sectun_err6(skb, type, offset, info, IPPROTO_AH);
}

static struct xfrm4_protocol sectun_esp4_protocol __read_mostly = {
	.handler	= sectun_esp4_rcv,
	.input_handler	= sectun_input_handler,
	.cb_handler	= sectun_cb_handler,
	.err_handler	= sectun_esp4_err,
	.priority	= SECTUN_XFRM_PRIORITY,
};

static struct xfrm4_protocol sectun_ah4_protocol __read_mostly = {
	.handler	= sectun_ah4_rcv,
	.input_handler	= sectun_input_handler,
	.cb_handler	= sectun_cb_handler,
	.err_handler	= sectun_ah4_err,
	.priority	= SECTUN_XFRM_PRIORITY,
};

static struct xfrm6_protocol sectun_esp6_protocol __read_mostly = {
	.handler	= sectun_esp6_rcv,
	.input_handler	= sectun_input_handler,
	.cb_handler	= sectun_cb_handler,
	.err_handler	= sectun_esp6_err,
	.priority	= SECTUN_XFRM_PRIORITY,
};

static struct xfrm6_protocol sectun_ah6_protocol __read_mostly = {
	.handler	= sectun_ah6_rcv,
	.input_handler	= sectun_input_handler,
	.cb_handler	= sectun_cb_handler,
	.err_handler	= sectun_ah6_err,
	.priority	= SECTUN_XFRM_PRIORITY,
};

/* Registered in this order, unwound in reverse. */
static const struct {
	u8 proto;
	struct xfrm4_protocol *p4;
	struct xfrm6_protocol *p6;
	const char *what;
} sectun_protocols[] = {
	{ IPPROTO_ESP, &sectun_esp4_protocol, NULL, "IPv4 ESP" },
	{ IPPROTO_AH, &sectun_ah4_protocol, NULL, "IPv4 AH" },
	{ IPPROTO_ESP, NULL, &sectun_esp6_protocol, "IPv6 ESP" },
	{ IPPROTO_AH, NULL, &sectun_ah6_protocol, "IPv6 AH" },
};

static void sectun_proto_deregister(unsigned int n)
{
	while (n--) {
		if (sectun_protocols[n].p4)
			xfrm4_protocol_deregister(sectun_protocols[n].p4,
						  sectun_protocols[n].proto);
		else
			xfrm6_protocol_deregister(sectun_protocols[n].p6,
						  sectun_protocols[n].proto);
	}
}

int sectun_proto_init(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(sectun_protocols); i++) {
		if (sectun_protocols[i].p4)
			err = xfrm4_protocol_register(sectun_protocols[i].p4,
						      sectun_protocols[i].proto);
		else
			err = xfrm6_protocol_register(sectun_protocols[i].p6,
						      sectun_protocols[i].proto);
		if (err) {
			pr_err("cannot register for %s: %d\n",
			       sectun_protocols[i].what, err);
			sectun_proto_deregister(i);
			return err;
		}
	}
	return 0;
}

void sectun_proto_uninit(void)
{
	sectun_proto_deregister(ARRAY_SIZE(sectun_protocols));
}
