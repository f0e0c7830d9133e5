// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink family "sectun": policies, operations and the events
 * multicast group.  Documented in Documentation/netlink/specs/sectun.yaml.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/netlink.h>

#include "compat.h"
#include "encap.h"
#include "sa.h"
#include "sectun.h"

/*
 * Ranges that deserve a specific message (SPI, window, sequence number)
 * are checked by hand; read-only attributes are rejected on input.
 */
static const struct nla_policy sectun_stats_policy[SECTUN_STATS_A_MAX + 1] = {
	[SECTUN_STATS_A_PACKETS ... SECTUN_STATS_A_MAX] = { .type = NLA_REJECT },
};

static const struct nla_policy sectun_sa_policy[SECTUN_SA_A_MAX + 1] = {
	[SECTUN_SA_A_DIR]	= NLA_POLICY_RANGE(NLA_U8, SECTUN_DIR_IN,
						   SECTUN_DIR_OUT),
	[SECTUN_SA_A_SPI]	= { .type = NLA_U32 },
	[SECTUN_SA_A_PROTO]	= { .type = NLA_U8 },
	[SECTUN_SA_A_ALG]	= { .type = NLA_NUL_STRING,
				    .len = SECTUN_ALG_NAME_MAX - 1 },
	[SECTUN_SA_A_KEY]	= { .type = NLA_BINARY, .len = SECTUN_KEY_MAX },
	[SECTUN_SA_A_ESN]	= NLA_POLICY_MAX(NLA_U8, 1),
	[SECTUN_SA_A_WINDOW]	= { .type = NLA_U32 },
	[SECTUN_SA_A_SEQ]	= { .type = NLA_U64 },
	[SECTUN_SA_A_ACTIVE]	= { .type = NLA_REJECT },
	[SECTUN_SA_A_STATS]	= NLA_POLICY_NESTED(sectun_stats_policy),
	[SECTUN_SA_A_ALIGN4]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy sectun_policy[SECTUN_A_MAX + 1] = {
	[SECTUN_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[SECTUN_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[SECTUN_A_DEV]		= { .type = NLA_REJECT },
	[SECTUN_A_SA]		= NLA_POLICY_NESTED(sectun_sa_policy),
};

static const struct genl_multicast_group sectun_mcgrps[] = {
	{ .name = SECTUN_MCGRP_EVENTS },
};

static struct genl_family sectun_genl_family;

/*
 * Find the device a request names, in the caller's netns: the inner side,
 * where the operator sees the interface.  Caller holds rtnl.
 */
static struct net_device *sectun_genl_dev(struct net *net,
					  struct nlattr **attrs,
					  struct netlink_ext_ack *extack)
{
	struct net_device *dev;

	ASSERT_RTNL();
	if (attrs[SECTUN_A_IFINDEX]) {
		dev = __dev_get_by_index(net,
					 nla_get_u32(attrs[SECTUN_A_IFINDEX]));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[SECTUN_A_IFINDEX],
					    "no such device");
			return ERR_PTR(-ENODEV);
		}
		if (attrs[SECTUN_A_IFNAME] &&
		    nla_strcmp(attrs[SECTUN_A_IFNAME], dev->name)) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[SECTUN_A_IFNAME],
					    "interface name and index name different devices");
			return ERR_PTR(-EINVAL);
		}
	} else if (attrs[SECTUN_A_IFNAME]) {
		dev = __dev_get_by_name(net, nla_data(attrs[SECTUN_A_IFNAME]));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[SECTUN_A_IFNAME],
					    "no such device");
			return ERR_PTR(-ENODEV);
		}
	} else {
		NL_SET_ERR_MSG(extack, "a device (ifindex or ifname) is required");
		return ERR_PTR(-EINVAL);
	}
	if (!sectun_is_sectun(dev)) {
		NL_SET_ERR_MSG(extack, "not a sectun device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

/*
 * Start a reply or notification about @dev: genl header, then the device's
 * index and name, which every sectun message carries at the top level.
 */
static void *sectun_msg_start(struct sk_buff *skb, struct net_device *dev,
			      u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &sectun_genl_family, flags, cmd);
	if (!hdr)
		return NULL;
	if (nla_put_u32(skb, SECTUN_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, SECTUN_A_IFNAME, dev->name)) {
		genlmsg_cancel(skb, hdr);
		return NULL;
	}
	return hdr;
}

/* Where the device sends now; under rtnl or RCU. */
static int sectun_dev_fill_endpoint(struct sk_buff *skb, struct sectun_dev *sd)
{
	const struct sectun_cfg *cfg = rcu_dereference_rtnl(sd->cfg);
	const struct sectun_peer *peer;
	int err;

	rcu_read_lock();
	peer = rcu_dereference(cfg->peer);
	if (!peer) {
		rcu_read_unlock();
		return 0;
	}
	if (cfg->family == AF_INET)
		err = nla_put_in_addr(skb, SECTUN_DEV_A_ENDPOINT, peer->addr.ip4);
	else
		err = nla_put_in6_addr(skb, SECTUN_DEV_A_ENDPOINT,
				       &peer->addr.ip6);
	if (!err && cfg->encap == SECTUN_ENCAP_UDP)
		err = nla_put_u16(skb, SECTUN_DEV_A_ENDPOINT_PORT,
				  ntohs(peer->port));
	rcu_read_unlock();
	return err;
}

static int sectun_dev_fill_stats(struct sk_buff *skb, struct sectun_dev *sd)
{
	struct nlattr *nest;
	u64 ka_rx, non_esp;

	sectun_encap_port_stats(sd, &ka_rx, &non_esp);
	nest = nla_nest_start(skb, SECTUN_DEV_A_STATS);
	if (!nest ||
	    nla_put_u64_64bit(skb, SECTUN_DEV_STATS_A_KEEPALIVE_TX,
			      atomic64_read(&sd->stats.keepalive_tx),
			      SECTUN_DEV_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SECTUN_DEV_STATS_A_KEEPALIVE_RX, ka_rx,
			      SECTUN_DEV_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SECTUN_DEV_STATS_A_NON_ESP, non_esp,
			      SECTUN_DEV_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SECTUN_DEV_STATS_A_FLOATS,
			      atomic64_read(&sd->stats.floats),
			      SECTUN_DEV_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Caller holds rtnl or the RCU read lock. */
static int sectun_dev_fill(struct sk_buff *skb, struct net_device *dev,
			   u32 portid, u32 seq, int flags)
{
	struct sectun_dev *sd = netdev_priv(dev);
	struct nlattr *nest, *settings;
	struct sectun_sa *tx_sa;
	void *hdr;

	hdr = sectun_msg_start(skb, dev, portid, seq, flags,
			       SECTUN_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;

	nest = nla_nest_start(skb, SECTUN_A_DEV);
	if (!nest)
		goto err;
	settings = nla_nest_start(skb, SECTUN_DEV_A_SETTINGS);
	if (!settings ||
	    sectun_cfg_fill(skb, rcu_dereference_rtnl(sd->cfg)))
		goto err;
	nla_nest_end(skb, settings);
	if (nla_put_u32(skb, SECTUN_DEV_A_SA_COUNT, READ_ONCE(sd->sa_count)))
		goto err;
	tx_sa = rcu_dereference_rtnl(sd->tx_sa);
	if (tx_sa && nla_put_u32(skb, SECTUN_DEV_A_ACTIVE_SPI, tx_sa->spi))
		goto err;
	if (sectun_dev_fill_endpoint(skb, sd) || sectun_dev_fill_stats(skb, sd))
		goto err;
	nla_nest_end(skb, nest);

	genlmsg_end(skb, hdr);
	return 0;

err:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int sectun_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	struct sk_buff *msg;
	int err;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	dev = sectun_genl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto err_unlock;
	}
	err = sectun_dev_fill(msg, dev, info->snd_portid, info->snd_seq, 0);
	if (err)
		goto err_unlock;
	rtnl_unlock();

	return genlmsg_reply(msg, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(msg);
	return err;
}

/* cb->args[0]: how many sectun devices earlier parts of the dump sent. */
static int sectun_nl_dev_get_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	long skip = cb->args[0], idx = 0;
	struct net_device *dev;
	int err = 0;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (!sectun_is_sectun(dev))
			continue;
		if (idx++ < skip)
			continue;
		err = sectun_dev_fill(skb, dev, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err) {
			idx--;
			break;
		}
	}
	rcu_read_unlock();
	cb->args[0] = idx;

	/* A full buffer is not an error: the dump continues in a new one. */
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int sectun_sa_fill_stats(struct sk_buff *skb, const struct sectun_sa *sa)
{
	static const u8 drop_attr[__SECTUN_DROP_MAX] = {
		[SECTUN_DROP_REPLAY]		= SECTUN_STATS_A_REPLAY,
		[SECTUN_DROP_INTEGRITY]		= SECTUN_STATS_A_INTEGRITY,
		[SECTUN_DROP_MALFORMED]		= SECTUN_STATS_A_MALFORMED,
		[SECTUN_DROP_INNER]		= SECTUN_STATS_A_INNER,
		[SECTUN_DROP_SEQ_EXHAUSTED]	= SECTUN_STATS_A_SEQ_EXHAUSTED,
		[SECTUN_DROP_ERRORS]		= SECTUN_STATS_A_ERRORS,
		[SECTUN_DROP_DUMMY]		= SECTUN_STATS_A_DUMMY,
	};
	struct nlattr *nest;
	u64 packets, bytes;
	int i;

	nest = nla_nest_start(skb, SECTUN_SA_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	sectun_sa_stats_read(sa, &packets, &bytes);
	if (nla_put_u64_64bit(skb, SECTUN_STATS_A_PACKETS, packets,
			      SECTUN_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SECTUN_STATS_A_BYTES, bytes,
			      SECTUN_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SECTUN_STATS_A_LAST_USED,
			      READ_ONCE(sa->last_used), SECTUN_STATS_A_PAD))
		return -EMSGSIZE;
	for (i = 0; i < __SECTUN_DROP_MAX; i++)
		if (nla_put_u64_64bit(skb, drop_attr[i],
				      atomic64_read(&sa->drops[i]),
				      SECTUN_STATS_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Everything about an SA but its key, which never leaves the kernel. */
static int sectun_sa_fill(struct sk_buff *skb, struct sectun_sa *sa,
			  u32 portid, u32 seq, int flags, u8 cmd)
{
	struct nlattr *nest;
	void *hdr;

	hdr = sectun_msg_start(skb, sa->sd->dev, portid, seq, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, SECTUN_A_SA);
	if (!nest)
		goto err;
	if (nla_put_u8(skb, SECTUN_SA_A_DIR, sa->dir) ||
	    nla_put_u32(skb, SECTUN_SA_A_SPI, sa->spi) ||
	    nla_put_u8(skb, SECTUN_SA_A_PROTO, sa->proto) ||
	    nla_put_string(skb, SECTUN_SA_A_ALG, sa->alg->name) ||
	    nla_put_u8(skb, SECTUN_SA_A_ESN, sa->esn) ||
	    nla_put_u32(skb, SECTUN_SA_A_WINDOW, sa->window) ||
	    nla_put_u64_64bit(skb, SECTUN_SA_A_SEQ, sectun_sa_seq(sa),
			      SECTUN_SA_A_PAD) ||
	    nla_put_u8(skb, SECTUN_SA_A_ACTIVE, sectun_sa_active(sa)) ||
	    (sa->proto == IPPROTO_AH &&
	     nla_put_u8(skb, SECTUN_SA_A_ALIGN4, sa->align4)) ||
	    sectun_sa_fill_stats(skb, sa))
		goto err;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

err:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * Something about @sd changed on its own (the peer floated): tell
 * listeners, from any context.  @cmd: an event command.
 */
void sectun_genl_dev_notify(struct sectun_dev *sd, u8 cmd)
{
	struct net *net = dev_net(sd->dev);
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&sectun_genl_family, net, 0))
		return;
	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = sectun_msg_start(msg, sd->dev, 0, 0, 0, cmd);
	if (!hdr)
		goto err;
	nest = nla_nest_start(msg, SECTUN_A_DEV);
	rcu_read_lock();
	if (!nest || sectun_dev_fill_endpoint(msg, sd)) {
		rcu_read_unlock();
		goto err;
	}
	rcu_read_unlock();
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&sectun_genl_family, net, msg, 0, 0,
				GFP_ATOMIC);
	return;
err:
	nlmsg_free(msg);
}

/* SA added or deleted: tell listeners where the operator sees the device. */
void sectun_genl_sa_notify(struct sectun_sa *sa, u8 cmd)
{
	struct net *net = dev_net(sa->sd->dev);
	struct sk_buff *msg;

	if (!genl_has_listeners(&sectun_genl_family, net, 0))
		return;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (sectun_sa_fill(msg, sa, 0, 0, 0, cmd)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&sectun_genl_family, net, msg, 0, 0,
				GFP_KERNEL);
}

static int sectun_sa_parse(struct genl_info *info, struct nlattr **sa_attrs)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, SECTUN_A_SA))
		return -EINVAL;
	err = nla_parse_nested(sa_attrs, SECTUN_SA_A_MAX,
			       info->attrs[SECTUN_A_SA], sectun_sa_policy,
			       info->extack);
	if (err)
		return err;
	if (!sa_attrs[SECTUN_SA_A_DIR]) {
		NL_SET_ERR_MSG(info->extack, "SA direction (in/out) is required");
		return -EINVAL;
	}
	if (!sa_attrs[SECTUN_SA_A_SPI]) {
		NL_SET_ERR_MSG(info->extack, "SPI is required");
		return -EINVAL;
	}
	return 0;
}

/* 0: any protocol; IPPROTO_ESP/AH; -EINVAL with extack on junk. */
static int sectun_sa_proto(struct genl_info *info, struct nlattr **sa_attrs,
			   bool required)
{
	u8 proto;

	if (!sa_attrs[SECTUN_SA_A_PROTO]) {
		if (!required)
			return 0;
		NL_SET_ERR_MSG(info->extack, "SA protocol (esp/ah) is required");
		return -EINVAL;
	}
	proto = nla_get_u8(sa_attrs[SECTUN_SA_A_PROTO]);
	if (proto != IPPROTO_ESP && proto != IPPROTO_AH) {
		NL_SET_ERR_MSG_ATTR(info->extack, sa_attrs[SECTUN_SA_A_PROTO],
				    "SA protocol must be ESP (50) or AH (51)");
		return -EINVAL;
	}
	return proto;
}

static int sectun_sa_params(struct genl_info *info, struct nlattr **a,
			    struct sectun_sa_params *p)
{
	struct netlink_ext_ack *extack = info->extack;
	const char *alg_name;
	u64 seq_max;
	int proto;

	p->dir = nla_get_u8(a[SECTUN_SA_A_DIR]);
	p->spi = nla_get_u32(a[SECTUN_SA_A_SPI]);
	if (p->spi < SECTUN_SPI_MIN) {
		SECTUN_ERR_FMT(extack, "SPIs 0..255 are reserved (RFC 4303)",
			       "SPI 0x%x is reserved (RFC 4303: 0..255)", p->spi);
		return -EINVAL;
	}
	proto = sectun_sa_proto(info, a, true);
	if (proto < 0)
		return proto;
	p->proto = proto;

	if (!a[SECTUN_SA_A_ALG]) {
		NL_SET_ERR_MSG(extack, "algorithm is required");
		return -EINVAL;
	}
	alg_name = nla_data(a[SECTUN_SA_A_ALG]);
	p->alg = sectun_alg_find(alg_name, p->proto);
	if (!p->alg) {
		if (p->proto == IPPROTO_AH && sectun_alg_find(alg_name, IPPROTO_ESP))
			NL_SET_ERR_MSG_ATTR(extack, a[SECTUN_SA_A_ALG],
					    "AH needs an integrity-only algorithm: sha1 sha256 sha384 sha512 md5");
		else
			SECTUN_ERR_FMT(extack, "unknown algorithm",
				       "unknown %s algorithm '%s'",
				       p->proto == IPPROTO_AH ? "AH" : "ESP",
				       alg_name);
		return -EINVAL;
	}

	if (!a[SECTUN_SA_A_KEY]) {
		NL_SET_ERR_MSG(extack, "key is required");
		return -EINVAL;
	}
	p->key = nla_data(a[SECTUN_SA_A_KEY]);
	p->keylen = nla_len(a[SECTUN_SA_A_KEY]);
	if (p->keylen != sectun_alg_keylen(p->alg)) {
		SECTUN_ERR_FMT(extack, "key length does not match the algorithm",
			       "key length %u does not match %s (%u bytes)",
			       p->keylen, p->alg->name,
			       sectun_alg_keylen(p->alg));
		return -EINVAL;
	}

	p->esn = a[SECTUN_SA_A_ESN] && nla_get_u8(a[SECTUN_SA_A_ESN]);
	p->align4 = a[SECTUN_SA_A_ALIGN4] && nla_get_u8(a[SECTUN_SA_A_ALIGN4]);
	if (p->align4 && p->proto != IPPROTO_AH) {
		NL_SET_ERR_MSG_ATTR(extack, a[SECTUN_SA_A_ALIGN4],
				    "align4 applies to AH only: ESP has no ICV padding");
		return -EINVAL;
	}
	p->window = SECTUN_REPLAY_WINDOW_DEFAULT;
	if (a[SECTUN_SA_A_WINDOW])
		p->window = nla_get_u32(a[SECTUN_SA_A_WINDOW]);
	if (p->window > SECTUN_REPLAY_WINDOW_MAX) {
		SECTUN_ERR_FMT(extack, "replay window larger than 4096",
			       "replay window %u larger than the maximum %u",
			       p->window, SECTUN_REPLAY_WINDOW_MAX);
		return -EINVAL;
	}

	p->seq = p->dir == SECTUN_DIR_OUT ? 1 : 0;
	if (a[SECTUN_SA_A_SEQ])
		p->seq = nla_get_u64(a[SECTUN_SA_A_SEQ]);
	seq_max = p->esn ? U64_MAX : U32_MAX;
	if (p->seq > seq_max) {
		NL_SET_ERR_MSG_ATTR(extack, a[SECTUN_SA_A_SEQ],
				    "sequence number above 2^32-1 needs ESN");
		return -EINVAL;
	}
	if (p->dir == SECTUN_DIR_OUT && !p->seq) {
		NL_SET_ERR_MSG_ATTR(extack, a[SECTUN_SA_A_SEQ],
				    "outbound sequence numbers start at 1");
		return -EINVAL;
	}
	return 0;
}

static int sectun_nl_sa_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *a[SECTUN_SA_A_MAX + 1];
	struct sectun_sa_params p = {};
	struct net_device *dev;
	struct sectun_sa *sa;
	int err;

	err = sectun_sa_parse(info, a);
	if (err)
		return err;
	err = sectun_sa_params(info, a, &p);
	if (!err) {
		/* Transforms first: may load crypto modules, not under rtnl. */
		sa = sectun_sa_create(&p, info->extack);
		if (IS_ERR(sa))
			err = PTR_ERR(sa);
	}
	/* The request's copy of the key is not needed any more. */
	if (a[SECTUN_SA_A_KEY])
		memzero_explicit(nla_data(a[SECTUN_SA_A_KEY]),
				 nla_len(a[SECTUN_SA_A_KEY]));
	if (err)
		return err;

	rtnl_lock();
	dev = sectun_genl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto err_unlock;
	}
	err = sectun_sa_link(netdev_priv(dev), sa, info->extack);
	if (err)
		goto err_unlock;
	sectun_genl_sa_notify(sa, SECTUN_CMD_SA_NEW);
	rtnl_unlock();
	return 0;

err_unlock:
	rtnl_unlock();
	sectun_sa_destroy_unlinked(sa);
	return err;
}

/* Caller holds rtnl. */
static struct sectun_sa *sectun_nl_sa_lookup(struct genl_info *info,
					     struct nlattr **a)
{
	struct netlink_ext_ack *extack = info->extack;
	struct sectun_sa *esp, *ah, *sa;
	struct net_device *dev;
	struct sectun_dev *sd;
	u8 dir;
	u32 spi;
	int proto;

	proto = sectun_sa_proto(info, a, false);
	if (proto < 0)
		return ERR_PTR(proto);
	dev = sectun_genl_dev(genl_info_net(info), info->attrs, extack);
	if (IS_ERR(dev))
		return ERR_CAST(dev);
	sd = netdev_priv(dev);
	dir = nla_get_u8(a[SECTUN_SA_A_DIR]);
	spi = nla_get_u32(a[SECTUN_SA_A_SPI]);

	esp = proto != IPPROTO_AH ? sectun_sa_find_dev(sd, dir, spi, IPPROTO_ESP) : NULL;
	ah = proto != IPPROTO_ESP ? sectun_sa_find_dev(sd, dir, spi, IPPROTO_AH) : NULL;
	if (esp && ah) {
		SECTUN_ERR_FMT(extack, "ESP and AH SAs share this SPI: give the protocol",
			       "SPI 0x%x names an ESP and an AH SA: give the protocol",
			       spi);
		return ERR_PTR(-EINVAL);
	}
	sa = esp ?: ah;
	if (!sa) {
		SECTUN_ERR_FMT(extack, "no such SA",
			       "no %s SA with SPI 0x%x on %s",
			       dir == SECTUN_DIR_IN ? "inbound" : "outbound",
			       spi, dev->name);
		return ERR_PTR(-ENOENT);
	}
	return sa;
}

static int sectun_nl_sa_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *a[SECTUN_SA_A_MAX + 1];
	struct sectun_sa *sa;
	int err;

	err = sectun_sa_parse(info, a);
	if (err)
		return err;
	rtnl_lock();
	sa = sectun_nl_sa_lookup(info, a);
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
	} else {
		sectun_genl_sa_notify(sa, SECTUN_CMD_SA_DEL);
		sectun_sa_unlink(sa);
	}
	rtnl_unlock();
	return err;
}

static int sectun_nl_sa_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *a[SECTUN_SA_A_MAX + 1];
	struct sectun_sa *sa;
	struct sk_buff *msg;
	int err;

	err = sectun_sa_parse(info, a);
	if (err)
		return err;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	sa = sectun_nl_sa_lookup(info, a);
	if (IS_ERR(sa))
		err = PTR_ERR(sa);
	else
		err = sectun_sa_fill(msg, sa, info->snd_portid, info->snd_seq,
				     0, SECTUN_CMD_SA_GET);
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Dump the SAs of one device (IFINDEX/IFNAME given) or of every sectun
 * device of the netns.  cb->args[0]: devices finished, cb->args[1]: SAs
 * of the current device already sent.
 */
static int sectun_nl_sa_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct nlattr **attrs = sectun_compat_dump_attrs(cb);
	struct net *net = sock_net(cb->skb->sk);
	long dev_skip = cb->args[0], sa_skip = cb->args[1];
	long dev_idx = 0, sa_idx = 0;
	struct net_device *dev, *only = NULL;
	struct sectun_dev *sd;
	struct sectun_sa *sa;
	int err = 0;

	rtnl_lock();
	if (attrs[SECTUN_A_IFINDEX] || attrs[SECTUN_A_IFNAME]) {
		only = sectun_genl_dev(net, attrs, cb->extack);
		if (IS_ERR(only)) {
			err = PTR_ERR(only);
			goto out;
		}
	}
	for_each_netdev(net, dev) {
		if (!sectun_is_sectun(dev) || (only && dev != only))
			continue;
		if (dev_idx < dev_skip) {
			dev_idx++;
			continue;
		}
		sa_idx = 0;
		sd = netdev_priv(dev);
		list_for_each_entry(sa, &sd->sas, dev_node) {
			if (sa_idx < sa_skip) {
				sa_idx++;
				continue;
			}
			err = sectun_sa_fill(skb, sa, NETLINK_CB(cb->skb).portid,
					     cb->nlh->nlmsg_seq, NLM_F_MULTI,
					     SECTUN_CMD_SA_GET);
			if (err)
				goto out;
			sa_idx++;
		}
		dev_idx++;
		sa_skip = 0;
		sa_idx = 0;
	}
out:
	rtnl_unlock();
	cb->args[0] = dev_idx;
	cb->args[1] = sa_idx;
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int sectun_nl_sa_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *a[SECTUN_SA_A_MAX + 1] = {};
	struct net_device *dev;
	u8 dir = 0;
	int err;

	if (info->attrs[SECTUN_A_SA]) {
		err = nla_parse_nested(a, SECTUN_SA_A_MAX,
				       info->attrs[SECTUN_A_SA],
				       sectun_sa_policy, info->extack);
		if (err)
			return err;
		if (a[SECTUN_SA_A_DIR])
			dir = nla_get_u8(a[SECTUN_SA_A_DIR]);
	}
	rtnl_lock();
	dev = sectun_genl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
	} else {
		sectun_sa_flush_dev(netdev_priv(dev), dir);
		err = 0;
	}
	rtnl_unlock();
	return err;
}

static const struct genl_ops sectun_genl_ops[] = {
	{
		.cmd	= SECTUN_CMD_DEV_GET,
		.doit	= sectun_nl_dev_get_doit,
		.dumpit	= sectun_nl_dev_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= SECTUN_CMD_SA_NEW,
		.doit	= sectun_nl_sa_new_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= SECTUN_CMD_SA_DEL,
		.doit	= sectun_nl_sa_del_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= SECTUN_CMD_SA_GET,
		.doit	= sectun_nl_sa_get_doit,
		.dumpit	= sectun_nl_sa_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= SECTUN_CMD_SA_FLUSH,
		.doit	= sectun_nl_sa_flush_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family sectun_genl_family __ro_after_init = {
	.name		= SECTUN_GENL_NAME,
	.version	= SECTUN_GENL_VERSION,
	.maxattr	= SECTUN_A_MAX,
	.policy		= sectun_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= sectun_genl_ops,
	.n_ops		= ARRAY_SIZE(sectun_genl_ops),
	.mcgrps		= sectun_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(sectun_mcgrps),
};

int __init sectun_genl_init(void)
{
	return genl_register_family(&sectun_genl_family);
}

void sectun_genl_uninit(void)
{
	genl_unregister_family(&sectun_genl_family);
}
