// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sectun netdevice: rtnl link kind "sectun", its settings (the
 * IFLA_SECTUN_* attributes, the one write path for device configuration),
 * and the transmit entry point.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/icmp.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "encap.h"
#include "objcount.h"
#include "sa.h"
#include "sectun.h"
#include "tunnel.h"

/*
 * Worst case per-packet overhead: outer IPv6 header, UDP encapsulation,
 * and the worst ESP algorithm.
 */
#define SECTUN_MAX_OVERHEAD	(sizeof(struct ipv6hdr) + 8 + \
				 SECTUN_ESP_MAX_OVERHEAD)

static void sectun_cfg_free(struct sectun_cfg *cfg)
{
	/* Nobody floats it any more: readers are gone, or never were. */
	sectun_peer_free(rcu_dereference_protected(cfg->peer, true));
	kfree(cfg);
}

static void sectun_cfg_free_rcu(struct rcu_head *rcu)
{
	sectun_cfg_free(container_of(rcu, struct sectun_cfg, rcu));
}

static const struct nla_policy sectun_link_policy[IFLA_SECTUN_MAX + 1] = {
	[IFLA_SECTUN_LOCAL]	= { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[IFLA_SECTUN_REMOTE]	= { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[IFLA_SECTUN_LINK]	= { .type = NLA_U32 },
	[IFLA_SECTUN_TTL]	= { .type = NLA_U8 },
	[IFLA_SECTUN_DSCP]	= { .type = NLA_U8 },
	[IFLA_SECTUN_DF]	= NLA_POLICY_MAX(NLA_U8, SECTUN_DF_MAX),
	[IFLA_SECTUN_ENCAP]	= NLA_POLICY_MAX(NLA_U8, SECTUN_ENCAP_MAX),
	[IFLA_SECTUN_ENCAP_SPORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[IFLA_SECTUN_ENCAP_DPORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[IFLA_SECTUN_KEEPALIVE]	= { .type = NLA_U16 },
	[IFLA_SECTUN_FLOAT]	= NLA_POLICY_MAX(NLA_U8, 1),
};

bool sectun_is_sectun(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &sectun_link_ops;
}

static bool sectun_addr_is_any(sa_family_t family, const union sectun_addr *a)
{
	return family == AF_INET ? a->ip4 == htonl(INADDR_ANY) :
				   ipv6_addr_any(&a->ip6);
}

/*
 * Parse one address attribute into @addr/@set.  Its length picks the
 * family; an all-zero address clears the setting and, being of no family,
 * does not constrain the other address.  Messages are literals: 6.1's
 * extack cannot carry a formatted one from rtnetlink.
 */
static int sectun_parse_addr(const struct nlattr *attr, union sectun_addr *addr,
			     bool *set, sa_family_t *family,
			     struct netlink_ext_ack *extack)
{
	bool unicast;

	memset(addr, 0, sizeof(*addr));
	if (nla_len(attr) == sizeof(struct in_addr)) {
		*family = AF_INET;
		addr->ip4 = nla_get_in_addr(attr);
		unicast = !ipv4_is_multicast(addr->ip4) &&
			  !ipv4_is_lbcast(addr->ip4);
	} else if (nla_len(attr) == sizeof(struct in6_addr)) {
		*family = AF_INET6;
		addr->ip6 = nla_get_in6_addr(attr);
		unicast = !ipv6_addr_is_multicast(&addr->ip6);
	} else {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	if (!unicast) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "tunnel endpoint address must be unicast");
		return -EINVAL;
	}
	*set = !sectun_addr_is_any(*family, addr);
	if (!*set)
		*family = AF_UNSPEC;
	return 0;
}

/*
 * Build the settings that result from applying @data to @old (NULL: the
 * defaults).  Nothing is changed on error, so a rejected request leaves
 * the device exactly as it was.
 */
static struct sectun_cfg *sectun_cfg_build(struct net *net,
					   const struct sectun_cfg *old,
					   struct nlattr *data[],
					   struct netlink_ext_ack *extack)
{
	sa_family_t local_family = 0, remote_family = 0;
	struct sectun_cfg *cfg;
	int err = -EINVAL;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return ERR_PTR(-ENOMEM);

	if (old) {
		memcpy(cfg, old, sizeof(*cfg));
		/* Not the old one's: a new snapshot starts with an empty cache. */
		RCU_INIT_POINTER(cfg->peer, NULL);
	} else {
		cfg->ttl = SECTUN_TTL_DEFAULT;
		cfg->dscp = SECTUN_DSCP_COPY;
		cfg->df = SECTUN_DF_COPY;
		cfg->encap = SECTUN_ENCAP_NONE;
		cfg->sport = SECTUN_ENCAP_PORT_DEFAULT;
		cfg->dport = SECTUN_ENCAP_PORT_DEFAULT;
	}
	if (!data)
		goto peer;

	if (data[IFLA_SECTUN_LOCAL] &&
	    sectun_parse_addr(data[IFLA_SECTUN_LOCAL], &cfg->local,
			      &cfg->has_local, &local_family, extack))
		goto err;
	if (data[IFLA_SECTUN_REMOTE] &&
	    sectun_parse_addr(data[IFLA_SECTUN_REMOTE], &cfg->remote,
			      &cfg->has_remote, &remote_family, extack))
		goto err;

	/*
	 * An address given in this request decides the family; an address
	 * kept from before must then agree with it.
	 */
	if (local_family && remote_family && local_family != remote_family) {
		NL_SET_ERR_MSG(extack,
			       "local and remote addresses must be of the same family");
		goto err;
	}
	if (local_family || remote_family) {
		sa_family_t family = local_family ?: remote_family;

		if (!local_family && cfg->has_local && cfg->family != family) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_SECTUN_REMOTE],
					    "remote address family differs from the local address");
			goto err;
		}
		if (!remote_family && cfg->has_remote && cfg->family != family) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_SECTUN_LOCAL],
					    "local address family differs from the remote address");
			goto err;
		}
		cfg->family = family;
	}
	if (!cfg->has_local && !cfg->has_remote)
		cfg->family = AF_UNSPEC;

	if (data[IFLA_SECTUN_LINK]) {
		u32 link = nla_get_u32(data[IFLA_SECTUN_LINK]);

		if (link > INT_MAX || (link && !__dev_get_by_index(net, link))) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_SECTUN_LINK],
					    "no such underlay device");
			err = -ENODEV;
			goto err;
		}
		cfg->link = link;
	}
	if (data[IFLA_SECTUN_TTL])
		cfg->ttl = nla_get_u8(data[IFLA_SECTUN_TTL]);
	if (data[IFLA_SECTUN_DSCP]) {
		u8 dscp = nla_get_u8(data[IFLA_SECTUN_DSCP]);

		if (dscp > 63 && dscp != SECTUN_DSCP_COPY) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_SECTUN_DSCP],
					    "DSCP must be 0..63, or 255 to copy it from the inner packet");
			goto err;
		}
		cfg->dscp = dscp;
	}
	if (data[IFLA_SECTUN_DF])
		cfg->df = nla_get_u8(data[IFLA_SECTUN_DF]);
	if (data[IFLA_SECTUN_ENCAP])
		cfg->encap = nla_get_u8(data[IFLA_SECTUN_ENCAP]);
	if (data[IFLA_SECTUN_ENCAP_SPORT])
		cfg->sport = nla_get_u16(data[IFLA_SECTUN_ENCAP_SPORT]);
	if (data[IFLA_SECTUN_ENCAP_DPORT])
		cfg->dport = nla_get_u16(data[IFLA_SECTUN_ENCAP_DPORT]);
	if (data[IFLA_SECTUN_KEEPALIVE])
		cfg->keepalive = nla_get_u16(data[IFLA_SECTUN_KEEPALIVE]);
	if (data[IFLA_SECTUN_FLOAT]) {
		cfg->float_on = nla_get_u8(data[IFLA_SECTUN_FLOAT]);
		cfg->float_set = true;
	}
peer:
	/* Unless told otherwise, a peer behind NAT may move: follow it. */
	if (!cfg->float_set)
		cfg->float_on = cfg->encap == SECTUN_ENCAP_UDP;
	if (cfg->has_remote) {
		struct sectun_peer *peer;

		err = -ENOMEM;
		peer = sectun_peer_new(&cfg->remote,
				       cfg->encap == SECTUN_ENCAP_UDP ?
				       htons(cfg->dport) : 0, GFP_KERNEL);
		if (!peer)
			goto err;
		RCU_INIT_POINTER(cfg->peer, peer);
	}
	return cfg;

err:
	sectun_cfg_free(cfg);
	return ERR_PTR(err);
}

static int sectun_put_addr(struct sk_buff *skb, int type, sa_family_t family,
			   const union sectun_addr *addr)
{
	if (family == AF_INET)
		return nla_put_in_addr(skb, type, addr->ip4);
	return nla_put_in6_addr(skb, type, &addr->ip6);
}

int sectun_cfg_fill(struct sk_buff *skb, const struct sectun_cfg *cfg)
{
	if (cfg->has_local &&
	    sectun_put_addr(skb, IFLA_SECTUN_LOCAL, cfg->family, &cfg->local))
		return -EMSGSIZE;
	if (cfg->has_remote &&
	    sectun_put_addr(skb, IFLA_SECTUN_REMOTE, cfg->family, &cfg->remote))
		return -EMSGSIZE;
	if (nla_put_u32(skb, IFLA_SECTUN_LINK, cfg->link) ||
	    nla_put_u8(skb, IFLA_SECTUN_TTL, cfg->ttl) ||
	    nla_put_u8(skb, IFLA_SECTUN_DSCP, cfg->dscp) ||
	    nla_put_u8(skb, IFLA_SECTUN_DF, cfg->df) ||
	    nla_put_u8(skb, IFLA_SECTUN_ENCAP, cfg->encap) ||
	    nla_put_u16(skb, IFLA_SECTUN_ENCAP_SPORT, cfg->sport) ||
	    nla_put_u16(skb, IFLA_SECTUN_ENCAP_DPORT, cfg->dport) ||
	    nla_put_u16(skb, IFLA_SECTUN_KEEPALIVE, cfg->keepalive) ||
	    nla_put_u8(skb, IFLA_SECTUN_FLOAT, cfg->float_on))
		return -EMSGSIZE;
	return 0;
}

/*
 * What a settings change may not do to the device's SAs, and to other
 * devices'; under rtnl.
 */
static int sectun_cfg_check(struct sectun_dev *sd, const struct sectun_cfg *cfg,
			    struct netlink_ext_ack *extack)
{
	if (sectun_sa_local_conflict(sd, cfg)) {
		NL_SET_ERR_MSG(extack,
			       "new local address would make an inbound SPI ambiguous with another device");
		return -EEXIST;
	}
	if (cfg->encap == SECTUN_ENCAP_UDP &&
	    sectun_sa_dev_has_proto(sd, IPPROTO_AH)) {
		NL_SET_ERR_MSG(extack,
			       "AH cannot be carried in UDP (RFC 3948): delete the device's AH SAs first");
		return -EINVAL;
	}
	return 0;
}

/*
 * A change that keeps the configured peer keeps where it floated to: a
 * TTL change must not send traffic back to a NAT mapping that is gone.
 */
static void sectun_cfg_keep_float(struct sectun_dev *sd,
				  const struct sectun_cfg *old,
				  struct sectun_cfg *cfg)
{
	struct sectun_peer *peer = rtnl_dereference(cfg->peer);
	union sectun_addr addr;
	__be16 port;

	if (!peer || !old->has_remote || old->family != cfg->family ||
	    memcmp(&old->remote, &cfg->remote, sizeof(cfg->remote)) ||
	    old->encap != cfg->encap || old->dport != cfg->dport)
		return;
	if (sectun_encap_peer_get(sd, old, &addr, &port)) {
		peer->addr = addr;
		peer->port = port;
	}
}

/*
 * Tell the inner sender why its packet went nowhere, as a router with no
 * route would, so that ping and TCP fail fast instead of timing out.
 */
static void sectun_tx_unreachable(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
}

static bool sectun_tx_valid_ip(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return pskb_network_may_pull(skb, sizeof(struct iphdr)) &&
		       ip_hdr(skb)->version == 4;
	if (skb->protocol == htons(ETH_P_IPV6))
		return pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) &&
		       ipv6_hdr(skb)->version == 6;
	return false;
}

static netdev_tx_t sectun_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct sectun_dev *sd = netdev_priv(dev);
	const struct sectun_cfg *cfg;
	struct sectun_sa *sa;

	if (unlikely(!sectun_tx_valid_ip(skb))) {
		DEV_STATS_INC(dev, tx_errors);
		goto drop;
	}

	rcu_read_lock();
	cfg = rcu_dereference(sd->cfg);
	sa = rcu_dereference(sd->tx_sa);
	/* A replaced SA may be on its way out: the packet needs a live one. */
	if (likely(sa && cfg->has_remote && refcount_inc_not_zero(&sa->refcnt))) {
		sectun_tunnel_xmit(sd, cfg, sa, skb);
		rcu_read_unlock();
		return NETDEV_TX_OK;
	}
	rcu_read_unlock();

	/* Nothing may leave in clear text: no SA or no peer, no packet. */
	DEV_STATS_INC(dev, tx_dropped);
	sectun_tx_unreachable(skb);
drop:
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/* Unregistration, under rtnl: the SAs go with the device. */
static void sectun_uninit(struct net_device *dev)
{
	struct sectun_dev *sd = netdev_priv(dev);

	sectun_sa_flush_dev(sd, 0);
	sectun_encap_uninit_dev(sd);
}

static const struct net_device_ops sectun_netdev_ops = {
	.ndo_uninit		= sectun_uninit,
	.ndo_start_xmit		= sectun_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

static const struct device_type sectun_device_type = {
	.name = SECTUN_LINK_KIND,
};

static void sectun_destruct(struct net_device *dev)
{
	struct sectun_dev *sd = netdev_priv(dev);

	gro_cells_destroy(&sd->gro_cells);
	/* Readers are gone: the device is unregistered and RCU has passed. */
	sectun_cfg_free(rcu_dereference_protected(sd->cfg, true));
	free_percpu(dev->tstats);
	sectun_obj_destroyed(SECTUN_OBJ_DEV);
}

static void sectun_setup(struct net_device *dev)
{
	struct sectun_dev *sd = netdev_priv(dev);

	dev->netdev_ops = &sectun_netdev_ops;
	dev->header_ops = &ip_tunnel_header_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = LL_MAX_HEADER + sizeof(struct ipv6hdr) + 8 +
			       8 + 16;
	dev->needed_tailroom = 15 + 2 + 32;
	dev->mtu = SECTUN_DEFAULT_MTU;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - SECTUN_MAX_OVERHEAD;
	dev->needs_free_netdev = true;
	sectun_compat_set_lltx(dev);
	SET_NETDEV_DEVTYPE(dev, &sectun_device_type);
	/* ICMP errors for the inner sender need the inner route. */
	netif_keep_dst(dev);

	memset(sd, 0, sizeof(*sd));
	sd->dev = dev;
	INIT_LIST_HEAD(&sd->net_node);
	INIT_LIST_HEAD(&sd->sas);
	sectun_encap_init_dev(sd);
}

static int sectun_validate(struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
				    "sectun devices have no link-layer address");
		return -EINVAL;
	}
	return 0;
}

static int sectun_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct sectun_dev *sd = netdev_priv(dev);
	struct sectun_cfg *cfg;
	int err;

	cfg = sectun_cfg_build(src_net, NULL, data, extack);
	if (IS_ERR(cfg))
		return PTR_ERR(cfg);
	RCU_INIT_POINTER(sd->cfg, cfg);
	sd->net = src_net;

	err = sectun_encap_update(sd, cfg, extack);
	if (err)
		goto err_free_cfg;

	err = -ENOMEM;
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		goto err_encap;

	err = gro_cells_init(&sd->gro_cells, dev);
	if (err)
		goto err_free_stats;

	if (!tb[IFLA_MTU]) {
		sd->auto_mtu = sectun_tunnel_default_mtu(sd, cfg);
		dev->mtu = sd->auto_mtu;
	}

	err = register_netdevice(dev);
	if (err)
		goto err_gro_cells;

	list_add(&sd->net_node, &sectun_pernet(src_net)->devs);
	/*
	 * Only now: register_netdevice() calls the destructor itself on some
	 * of its error paths, and the unwinding above owns those.
	 */
	dev->priv_destructor = sectun_destruct;
	sectun_obj_created(SECTUN_OBJ_DEV);
	sectun_keepalive_update(sd, cfg);
	return 0;

err_gro_cells:
	gro_cells_destroy(&sd->gro_cells);
err_free_stats:
	free_percpu(dev->tstats);
	dev->tstats = NULL;
err_encap:
	sectun_encap_detach(sd);
err_free_cfg:
	RCU_INIT_POINTER(sd->cfg, NULL);
	sectun_cfg_free(cfg);
	return err;
}

static int sectun_changelink(struct net_device *dev, struct nlattr *tb[],
			     struct nlattr *data[],
			     struct netlink_ext_ack *extack)
{
	struct sectun_dev *sd = netdev_priv(dev);
	struct sectun_cfg *old, *cfg;

	int err;

	old = rtnl_dereference(sd->cfg);
	cfg = sectun_cfg_build(sd->net, old, data, extack);
	if (IS_ERR(cfg))
		return PTR_ERR(cfg);
	err = sectun_cfg_check(sd, cfg, extack);
	if (!err)
		err = sectun_encap_update(sd, cfg, extack);
	if (err) {
		sectun_cfg_free(cfg);
		return err;
	}
	sectun_cfg_keep_float(sd, old, cfg);
	rcu_assign_pointer(sd->cfg, cfg);
	call_rcu(&old->rcu, sectun_cfg_free_rcu);
	sectun_keepalive_update(sd, cfg);

	/*
	 * An MTU the user chose stays; one sectun derived follows the
	 * endpoints (and only them: a TTL change must not move the MTU).
	 */
	if (data && (data[IFLA_SECTUN_LOCAL] || data[IFLA_SECTUN_REMOTE] ||
		     data[IFLA_SECTUN_LINK] || data[IFLA_SECTUN_ENCAP]) &&
	    !tb[IFLA_MTU] && dev->mtu == sd->auto_mtu) {
		unsigned int mtu = sectun_tunnel_default_mtu(sd, cfg);

		if (mtu != dev->mtu && !dev_set_mtu(dev, mtu))
			sd->auto_mtu = mtu;
	}
	return 0;
}

static void sectun_dellink(struct net_device *dev, struct list_head *head)
{
	struct sectun_dev *sd = netdev_priv(dev);

	/* Idempotent: both netns teardown paths may get here for one device. */
	list_del_init(&sd->net_node);
	unregister_netdevice_queue(dev, head);
}

static size_t sectun_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(struct in6_addr)) +	/* LOCAL */
	       nla_total_size(sizeof(struct in6_addr)) +	/* REMOTE */
	       nla_total_size(sizeof(u32)) +			/* LINK */
	       nla_total_size(sizeof(u8)) +			/* TTL */
	       nla_total_size(sizeof(u8)) +			/* DSCP */
	       nla_total_size(sizeof(u8)) +			/* DF */
	       nla_total_size(sizeof(u8)) +			/* ENCAP */
	       nla_total_size(sizeof(u16)) +			/* ENCAP_SPORT */
	       nla_total_size(sizeof(u16)) +			/* ENCAP_DPORT */
	       nla_total_size(sizeof(u16)) +			/* KEEPALIVE */
	       nla_total_size(sizeof(u8));			/* FLOAT */
}

static int sectun_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct sectun_dev *sd = netdev_priv(dev);

	return sectun_cfg_fill(skb, rtnl_dereference(sd->cfg));
}

static struct net *sectun_get_link_net(const struct net_device *dev)
{
	struct sectun_dev *sd = netdev_priv(dev);

	return sd->net;
}

struct rtnl_link_ops sectun_link_ops __read_mostly = {
	.kind		= SECTUN_LINK_KIND,
	.maxtype	= IFLA_SECTUN_MAX,
	.policy		= sectun_link_policy,
	.priv_size	= sizeof(struct sectun_dev),
	.setup		= sectun_setup,
	.validate	= sectun_validate,
	.newlink	= sectun_newlink,
	.changelink	= sectun_changelink,
	.dellink	= sectun_dellink,
	.get_size	= sectun_get_size,
	.fill_info	= sectun_fill_info,
	.get_link_net	= sectun_get_link_net,
};

/* Delete every device whose outer side lives in the dying @net. */
void sectun_device_kill_net(struct net *net, struct list_head *kill_list)
{
	struct sectun_net *sn = sectun_pernet(net);
	struct sectun_dev *sd, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(sd, tmp, &sn->devs, net_node)
		sectun_dellink(sd->dev, kill_list);
}

int sectun_device_init(void)
{
	return rtnl_link_register(&sectun_link_ops);
}

void sectun_device_uninit(void)
{
	rtnl_link_unregister(&sectun_link_ops);
}
