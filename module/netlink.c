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

#include "sectun.h"

static const struct nla_policy sectun_policy[SECTUN_A_MAX + 1] = {
	[SECTUN_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[SECTUN_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
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

/* Caller holds rtnl or the RCU read lock. */
static int sectun_dev_fill(struct sk_buff *skb, struct net_device *dev,
			   u32 portid, u32 seq, int flags)
{
	struct sectun_dev *sd = netdev_priv(dev);
	struct nlattr *nest, *settings;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &sectun_genl_family, flags,
			  SECTUN_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(skb, SECTUN_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, SECTUN_A_IFNAME, dev->name))
		goto err;

	nest = nla_nest_start(skb, SECTUN_A_DEV);
	if (!nest)
		goto err;
	settings = nla_nest_start(skb, SECTUN_DEV_A_SETTINGS);
	if (!settings ||
	    sectun_cfg_fill(skb, rcu_dereference_rtnl(sd->cfg)))
		goto err;
	nla_nest_end(skb, settings);
	if (nla_put_u32(skb, SECTUN_DEV_A_SA_COUNT, 0))
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

static const struct genl_ops sectun_genl_ops[] = {
	{
		.cmd	= SECTUN_CMD_DEV_GET,
		.doit	= sectun_nl_dev_get_doit,
		.dumpit	= sectun_nl_dev_get_dumpit,
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
