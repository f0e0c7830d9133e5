// SPDX-License-Identifier: GPL-2.0-only
/*
 * `sectun set`: device settings go through rtnetlink, the same
 * RTM_NEWLINK change `ip link set … type sectun …` sends, so the kernel
 * has a single write path for them.
 */
#include <net/if.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "nl.h"
#include "sectun.h"
#include "settings.h"

static int rtnl_open(struct ctx *c)
{
	if (c->rtnl)
		return 0;
	c->rtnl = nl_open(NETLINK_ROUTE);
	if (!c->rtnl)
		return fail(c, "rtnetlink socket: %s", strerror(errno));
	return 0;
}

/* What an RTM_GETLINK reply says about the device. */
struct link_state {
	int family;		/* of its endpoints, AF_UNSPEC if none is set */
	bool natt;		/* the module reports NAT traversal settings */
};

static int info_data_attr(const struct nlattr *attr, void *data)
{
	struct link_state *ls = data;
	uint16_t len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case IFLA_SECTUN_LOCAL:
	case IFLA_SECTUN_REMOTE:
		if (len == 4)
			ls->family = AF_INET;
		else if (len == 16)
			ls->family = AF_INET6;
		break;
	case IFLA_SECTUN_ENCAP:
	case IFLA_SECTUN_ENCAP_SPORT:
	case IFLA_SECTUN_ENCAP_DPORT:
	case IFLA_SECTUN_KEEPALIVE:
	case IFLA_SECTUN_FLOAT:
		ls->natt = true;
		break;
	}
	return MNL_CB_OK;
}

static int linkinfo_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == IFLA_INFO_DATA)
		mnl_attr_parse_nested(attr, info_data_attr, data);
	return MNL_CB_OK;
}

static int link_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == IFLA_LINKINFO)
		mnl_attr_parse_nested(attr, linkinfo_attr, data);
	return MNL_CB_OK;
}

static int link_reply(const struct nlmsghdr *nlh, void *arg)
{
	mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr, arg);
	return 0;
}

/* The device's settings as the kernel reports them; 0 or a negative errno. */
static int link_state(struct ctx *c, unsigned int ifindex,
		      struct link_state *ls)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;

	memset(ls, 0, sizeof(*ls));
	ls->family = AF_UNSPEC;
	nlh = nl_msg(c->rtnl, RTM_GETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	return nl_request(c->rtnl, nlh, link_reply, ls, 0);
}

/* The family of the device's endpoints now, AF_UNSPEC if none is set. */
static int current_family(struct ctx *c, unsigned int ifindex)
{
	struct link_state ls;

	if (link_state(c, ifindex, &ls))
		return AF_UNSPEC;
	return ls.family;
}

static void put_addr(struct nlmsghdr *nlh, int type, const struct st_addr *a)
{
	mnl_attr_put(nlh, (uint16_t)type, a->len, a->bytes);
}

/*
 * rtnetlink parses IFLA_INFO_DATA leniently: a module that predates NAT
 * traversal ignores its attributes and acks the request.  Such a module
 * does not report them either, which is how it is told apart.
 */
static int check_natt(struct ctx *c, unsigned int ifindex)
{
	struct link_state ls;
	int ret;

	ret = link_state(c, ifindex, &ls);
	if (ret)
		return fail_nl(c, c->rtnl, ret, "reading the settings back");
	if (!ls.natt)
		return fail(c, "the loaded sectun module does not support "
			    "encap, sport, dport, keepalive or float (it "
			    "ignored them; other settings were applied)");
	return 0;
}

int cmd_set(struct ctx *c, int argc, char **argv)
{
	struct st_settings s = { 0 };
	unsigned int ifindex, link = 0;
	struct nlattr *linkinfo, *data;
	int i, ret, cur_family = AF_UNSPEC;
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	const char *dev;
	char err[128];

	if (argc < 1)
		return fail_usage(c, "a device name is required");
	dev = argv[0];
	for (i = 1; i < argc; i += 2) {
		if (st_settings_parse(&s, argv[i], i + 1 < argc ? argv[i + 1] : NULL,
				      err, sizeof(err)))
			return fail_usage(c, "%s", err);
	}
	if (!s.set)
		return fail_usage(c, "nothing to set");
	if (st_settings_check(&s, err, sizeof(err)))
		return fail_usage(c, "%s", err);

	ret = rtnl_open(c);
	if (ret)
		return ret;
	ret = ifcache_index(c, dev, &ifindex);
	if (ret)
		return ret;
	if (s.link_name) {
		ret = ifcache_index(c, s.link_name, &link);
		if (ret)
			return ret;
	}
	s.link = link;

	/* Only a cleared endpoint with no family of its own needs the lookup. */
	if (((s.set & ST_SET_LOCAL) && !s.local.family &&
	     !((s.set & ST_SET_REMOTE) && s.remote.family)) ||
	    ((s.set & ST_SET_REMOTE) && !s.remote.family &&
	     !((s.set & ST_SET_LOCAL) && s.local.family)))
		cur_family = current_family(c, ifindex);
	if (st_settings_finish(&s, cur_family, err, sizeof(err)))
		return fail_usage(c, "%s", err);

	nlh = nl_msg(c->rtnl, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, SECTUN_LINK_KIND);
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	if (s.set & ST_SET_LOCAL)
		put_addr(nlh, IFLA_SECTUN_LOCAL, &s.local);
	if (s.set & ST_SET_REMOTE)
		put_addr(nlh, IFLA_SECTUN_REMOTE, &s.remote);
	if (s.set & ST_SET_LINK)
		mnl_attr_put_u32(nlh, IFLA_SECTUN_LINK, s.link);
	if (s.set & ST_SET_TTL)
		mnl_attr_put_u8(nlh, IFLA_SECTUN_TTL, s.ttl);
	if (s.set & ST_SET_DSCP)
		mnl_attr_put_u8(nlh, IFLA_SECTUN_DSCP, s.dscp);
	if (s.set & ST_SET_DF)
		mnl_attr_put_u8(nlh, IFLA_SECTUN_DF, s.df);
	if (s.set & ST_SET_ENCAP)
		mnl_attr_put_u8(nlh, IFLA_SECTUN_ENCAP, s.encap);
	if (s.set & ST_SET_SPORT)
		mnl_attr_put_u16(nlh, IFLA_SECTUN_ENCAP_SPORT, s.sport);
	if (s.set & ST_SET_DPORT)
		mnl_attr_put_u16(nlh, IFLA_SECTUN_ENCAP_DPORT, s.dport);
	if (s.set & ST_SET_KEEPALIVE)
		mnl_attr_put_u16(nlh, IFLA_SECTUN_KEEPALIVE, s.keepalive);
	if (s.set & ST_SET_FLOAT)
		mnl_attr_put_u8(nlh, IFLA_SECTUN_FLOAT, s.floating);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);

	ret = nl_request(c->rtnl, nlh, NULL, NULL, 0);
	/* rtnetlink's verdict on a device of another kind has no message. */
	if (ret == -EOPNOTSUPP && !c->rtnl->extack[0])
		return fail(c, "%s is not a sectun device (%s)", dev,
			    strerror(EOPNOTSUPP));
	if (ret)
		return fail_nl(c, c->rtnl, ret, NULL);
	if (c->rtnl->warning[0])
		warn(c, "%s", c->rtnl->warning);
	if (s.set & ST_SET_NATT)
		return check_natt(c, ifindex);
	return 0;
}
