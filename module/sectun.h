/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared definitions of the sectun module: the device's private data and
 * the interfaces between the module's files.
 */
#ifndef _SECTUN_H
#define _SECTUN_H

#include <linux/hashtable.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <net/dst_cache.h>
#include <net/gro_cells.h>
#include <net/netlink.h>
#include <net/netns/generic.h>

#include <linux/sectun.h>

struct sectun_sa;

#define SECTUN_DEFAULT_MTU	1400

/* Outer address; family lives in struct sectun_cfg. */
union sectun_addr {
	__be32 ip4;
	struct in6_addr ip6;
};

/*
 * Device settings.  Immutable once published: a change builds a new copy
 * under rtnl and swaps the RCU pointer, so the datapath reads one
 * consistent snapshot without locks.
 */
struct sectun_cfg {
	sa_family_t family;		/* AF_UNSPEC until an address is set */
	bool has_local;
	bool has_remote;
	union sectun_addr local;
	union sectun_addr remote;
	int link;			/* underlay ifindex in the creating netns */
	u8 ttl;				/* SECTUN_TTL_INHERIT or 1..255 */
	u8 dscp;			/* SECTUN_DSCP_COPY or 0..63 */
	u8 df;				/* enum sectun_df */
	/*
	 * The underlay route to remote.  Part of the snapshot so that a
	 * route looked up for old settings can never be cached for new ones.
	 */
	struct dst_cache dst_cache;
	struct rcu_head rcu;
};

struct sectun_dev {
	struct net_device *dev;
	/*
	 * The netns the device was created in.  Its outer side (routing,
	 * sockets, SPI lookup) stays there when the device moves; not a
	 * counted reference: the pernet exit deletes the device first.
	 */
	struct net *net;
	struct list_head net_node;	/* sectun_net.devs, under rtnl */
	struct sectun_cfg __rcu *cfg;
	struct sectun_sa __rcu *tx_sa;	/* active outbound SA, or none */
	struct list_head sas;		/* every SA of the device, under rtnl */
	unsigned int sa_count;
	struct gro_cells gro_cells;
	/*
	 * The MTU sectun last derived from the underlay, under rtnl.  While
	 * the device's MTU still equals it, the user has not chosen one and
	 * a settings change may derive it again.
	 */
	unsigned int auto_mtu;
};

#define SECTUN_SA_HASH_BITS	10

/* Per-netns state of the creating (outer) side. */
struct sectun_net {
	struct list_head devs;		/* devices created here, under rtnl */
	/* Inbound SAs of those devices by SPI: RCU readers, rtnl writers. */
	DECLARE_HASHTABLE(sa_in, SECTUN_SA_HASH_BITS);
	/* Outbound SAs by SPI, for ICMP errors about what we sent. */
	DECLARE_HASHTABLE(sa_out, SECTUN_SA_HASH_BITS);
};

extern unsigned int sectun_net_id;
extern struct rtnl_link_ops sectun_link_ops;

static inline struct sectun_net *sectun_pernet(const struct net *net)
{
	return net_generic(net, sectun_net_id);
}

/* device.c */
int sectun_device_init(void);
void sectun_device_uninit(void);
void sectun_device_kill_net(struct net *net, struct list_head *kill_list);
bool sectun_is_sectun(const struct net_device *dev);
int sectun_cfg_fill(struct sk_buff *skb, const struct sectun_cfg *cfg);

/* proto.c */
int sectun_proto_init(void);
void sectun_proto_uninit(void);

/* netlink.c */
int sectun_genl_init(void);
void sectun_genl_uninit(void);
void sectun_genl_sa_notify(struct sectun_sa *sa, u8 cmd);

#endif /* _SECTUN_H */
