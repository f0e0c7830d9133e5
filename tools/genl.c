// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic netlink side: resolving the "sectun" family and its events
 * group once per run, and the message header every sectun request shares.
 */
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>

#include "nl.h"
#include "sectun.h"

struct family {
	uint16_t id;
	uint32_t group;
};

static int family_group_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = attr;
	else if (type == CTRL_ATTR_MCAST_GRP_ID &&
		 mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int family_attr(const struct nlattr *attr, void *data)
{
	struct family *f = data;
	const struct nlattr *grp;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			f->id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		mnl_attr_for_each_nested(grp, attr) {
			const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };

			mnl_attr_parse_nested(grp, family_group_attr, tb);
			if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
			    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
				    SECTUN_MCGRP_EVENTS))
				f->group = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
		}
		break;
	}
	return MNL_CB_OK;
}

static int family_reply(const struct nlmsghdr *nlh, void *arg)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr, arg);
	return 0;
}

/*
 * Open the genl socket and resolve the family, once: a batch of thousands
 * of lines pays for this a single time.  Returns 0 or an exit code.
 */
int genl_open(struct ctx *c)
{
	struct family f = { 0 };
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;
	int err;

	if (c->family)
		return 0;
	if (!c->genl) {
		c->genl = nl_open(NETLINK_GENERIC);
		if (!c->genl)
			return fail(c, "generic netlink socket: %s",
				    strerror(errno));
	}

	nlh = nl_msg(c->genl, GENL_ID_CTRL, 0);
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SECTUN_GENL_NAME);

	err = nl_request(c->genl, nlh, family_reply, &f, 0);
	if (err == -ENOENT)
		return fail(c, "the sectun kernel module is not loaded "
			    "(no generic netlink family \"%s\")",
			    SECTUN_GENL_NAME);
	if (err)
		return fail_nl(c, c->genl, err,
			       "resolving the sectun netlink family");
	if (!f.id)
		return fail(c, "the kernel did not name the sectun family id");
	c->family = f.id;
	c->events_group = f.group;
	return 0;
}

/* Start a sectun request in the genl socket's buffer (genl_open() first). */
struct nlmsghdr *genl_msg(struct ctx *c, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;

	nlh = nl_msg(c->genl, c->family, flags);
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = SECTUN_GENL_VERSION;
	return nlh;
}

/*
 * Name the device by name: the kernel resolves it in the caller's netns,
 * which saves a lookup per line in a batch.
 */
void genl_put_dev(struct nlmsghdr *nlh, const char *dev)
{
	mnl_attr_put_strz(nlh, SECTUN_A_IFNAME, dev);
}
