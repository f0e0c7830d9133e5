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
struct sectun_udp;

#define SECTUN_DEFAULT_MTU	1400

/* Outer address; family lives in struct sectun_cfg. */
union sectun_addr {
	__be32 ip4;
	struct in6_addr ip6;
};

/*
 * Where packets go: the configured remote end, or where an authenticated
 * peer floated to.  Replaced whole, never changed in place, and with it
 * the route cached toward it.
 */
struct sectun_peer {
	union sectun_addr addr;
	__be16 port;			/* UDP destination with encap udp */
	struct dst_cache dst_cache;
	struct rcu_head rcu;
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
	u8 encap;			/* enum sectun_encap */
	bool float_on;			/* follow an authenticated peer */
	bool float_set;			/* ... as the user said, not by default */
	u16 sport;			/* encap udp: our port */
	u16 dport;			/* encap udp: the configured peer's */
	u16 keepalive;			/* seconds, 0 = off */
	/*
	 * The one part that changes after publication: floating replaces
	 * it, under sectun_dev.float_lock.  Set exactly when has_remote.
	 * A new snapshot gets a new one, so that a route looked up for old
	 * settings can never be cached for new ones.
	 */
	struct sectun_peer __rcu *peer;
	struct rcu_head rcu;
};

/* Counters of a device outside any SA. */
struct sectun_dev_stats {
	atomic64_t keepalive_tx;
	atomic64_t keepalive_rx;
	atomic64_t non_esp;
	atomic64_t floats;
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

	/* NAT traversal, encap.c. */
	struct sectun_udp __rcu *udp;	/* encap udp socket; rtnl writers */
	spinlock_t float_lock;		/* serializes peer replacement */
	unsigned long last_tx;		/* jiffies: keepalives wait for idle */
	struct timer_list keepalive_timer;
	struct sectun_dev_stats stats;
};

#define SECTUN_SA_HASH_BITS	10

/* Per-netns state of the creating (outer) side. */
struct sectun_net {
	struct list_head devs;		/* devices created here, under rtnl */
	/* Inbound SAs of those devices by SPI: RCU readers, rtnl writers. */
	DECLARE_HASHTABLE(sa_in, SECTUN_SA_HASH_BITS);
	/* Outbound SAs by SPI, for ICMP errors about what we sent. */
	DECLARE_HASHTABLE(sa_out, SECTUN_SA_HASH_BITS);
	struct list_head udp_socks;	/* struct sectun_udp, under rtnl */
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
void sectun_genl_dev_notify(struct sectun_dev *sd, u8 cmd);

#endif /* _SECTUN_H */
