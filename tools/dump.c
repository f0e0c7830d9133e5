// SPDX-License-Identifier: GPL-2.0-only
/*
 * DEV_GET and SA_GET: requests, and parsing the replies into dev_info and
 * sa_info.  Unknown attributes are skipped and malformed ones ignored,
 * so a newer kernel that appends attributes still works.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "dump.h"
#include "nl.h"

static int stats_attr(const struct nlattr *attr, void *data)
{
	struct sa_info *sa = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > SECTUN_STATS_A_MAX || type == SECTUN_STATS_A_PAD)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
		sa->stats[type] = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static int sa_attr(const struct nlattr *attr, void *data)
{
	struct sa_info *sa = data;

	switch (mnl_attr_get_type(attr)) {
	case SECTUN_SA_A_DIR:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			sa->dir = mnl_attr_get_u8(attr);
		break;
	case SECTUN_SA_A_SPI:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			sa->spi = mnl_attr_get_u32(attr);
		break;
	case SECTUN_SA_A_PROTO:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			sa->proto = mnl_attr_get_u8(attr);
		break;
	case SECTUN_SA_A_ALG:
		if (mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
			snprintf(sa->alg, sizeof(sa->alg), "%.*s",
				 (int)strnlen(mnl_attr_get_payload(attr),
					      mnl_attr_get_payload_len(attr)),
				 (const char *)mnl_attr_get_payload(attr));
		break;
	case SECTUN_SA_A_ESN:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			sa->esn = mnl_attr_get_u8(attr);
		break;
	case SECTUN_SA_A_WINDOW:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			sa->window = mnl_attr_get_u32(attr);
		break;
	case SECTUN_SA_A_SEQ:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
			sa->seq = mnl_attr_get_u64(attr);
		break;
	case SECTUN_SA_A_ACTIVE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			sa->active = mnl_attr_get_u8(attr);
		break;
	case SECTUN_SA_A_STATS:
		mnl_attr_parse_nested(attr, stats_attr, sa);
		break;
	case SECTUN_SA_A_ALIGN4:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0) {
			sa->align4 = mnl_attr_get_u8(attr);
			sa->has_align4 = true;
		}
		break;
	}
	return MNL_CB_OK;
}

static void copy_name(char *dst, const struct nlattr *attr)
{
	const char *s = mnl_attr_get_payload(attr);

	snprintf(dst, IF_NAMESIZE, "%.*s",
		 (int)strnlen(s, mnl_attr_get_payload_len(attr)), s);
}

static int sa_top_attr(const struct nlattr *attr, void *data)
{
	struct sa_info *sa = data;

	switch (mnl_attr_get_type(attr)) {
	case SECTUN_A_IFINDEX:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			sa->ifindex = mnl_attr_get_u32(attr);
		break;
	case SECTUN_A_IFNAME:
		copy_name(sa->ifname, attr);
		break;
	case SECTUN_A_SA:
		mnl_attr_parse_nested(attr, sa_attr, sa);
		break;
	}
	return MNL_CB_OK;
}

/* One SA_GET reply or SA_NEW/SA_DEL event. */
int sa_parse(const struct nlmsghdr *nlh, struct sa_info *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), sa_top_attr, sa) < 0)
		return -EBADMSG;
	if (!sa->ifname[0] && sa->ifindex)
		if_indextoname(sa->ifindex, sa->ifname);
	return 0;
}

static int settings_attr(const struct nlattr *attr, void *data)
{
	struct dev_info *d = data;
	uint16_t len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case IFLA_SECTUN_LOCAL:
		if (len == 4 || len == 16) {
			memcpy(d->local, mnl_attr_get_payload(attr), len);
			d->local_len = (uint8_t)len;
		}
		break;
	case IFLA_SECTUN_REMOTE:
		if (len == 4 || len == 16) {
			memcpy(d->remote, mnl_attr_get_payload(attr), len);
			d->remote_len = (uint8_t)len;
		}
		break;
	case IFLA_SECTUN_LINK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			d->link = mnl_attr_get_u32(attr);
		break;
	case IFLA_SECTUN_TTL:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			d->ttl = mnl_attr_get_u8(attr);
		break;
	case IFLA_SECTUN_DSCP:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			d->dscp = mnl_attr_get_u8(attr);
		break;
	case IFLA_SECTUN_DF:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
			d->df = mnl_attr_get_u8(attr);
		break;
	case IFLA_SECTUN_ENCAP:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0) {
			d->encap = mnl_attr_get_u8(attr);
			d->has_encap = true;
		}
		break;
	case IFLA_SECTUN_ENCAP_SPORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0) {
			d->sport = mnl_attr_get_u16(attr);
			d->has_sport = true;
		}
		break;
	case IFLA_SECTUN_ENCAP_DPORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0) {
			d->dport = mnl_attr_get_u16(attr);
			d->has_dport = true;
		}
		break;
	case IFLA_SECTUN_KEEPALIVE:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0) {
			d->keepalive = mnl_attr_get_u16(attr);
			d->has_keepalive = true;
		}
		break;
	case IFLA_SECTUN_FLOAT:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0) {
			d->floating = mnl_attr_get_u8(attr);
			d->has_float = true;
		}
		break;
	}
	return MNL_CB_OK;
}

static int dev_stats_attr(const struct nlattr *attr, void *data)
{
	struct dev_info *d = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > SECTUN_DEV_STATS_A_MAX || type == SECTUN_DEV_STATS_A_PAD)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) == 0) {
		d->dev_stats[type] = mnl_attr_get_u64(attr);
		d->dev_stats_sent |= 1u << type;
	}
	return MNL_CB_OK;
}

static int dev_attr(const struct nlattr *attr, void *data)
{
	struct dev_info *d = data;

	switch (mnl_attr_get_type(attr)) {
	case SECTUN_DEV_A_SETTINGS:
		mnl_attr_parse_nested(attr, settings_attr, d);
		break;
	case SECTUN_DEV_A_ACTIVE_SPI:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			d->active_spi = mnl_attr_get_u32(attr);
		break;
	case SECTUN_DEV_A_SA_COUNT:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			d->sa_count = mnl_attr_get_u32(attr);
		break;
	case SECTUN_DEV_A_ENDPOINT: {
		uint16_t len = mnl_attr_get_payload_len(attr);

		if (len == 4 || len == 16) {
			memcpy(d->endpoint, mnl_attr_get_payload(attr), len);
			d->endpoint_len = (uint8_t)len;
		}
		break;
	}
	case SECTUN_DEV_A_ENDPOINT_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0) {
			d->endpoint_port = mnl_attr_get_u16(attr);
			d->has_endpoint_port = true;
		}
		break;
	case SECTUN_DEV_A_STATS:
		mnl_attr_parse_nested(attr, dev_stats_attr, d);
		break;
	}
	return MNL_CB_OK;
}

static int dev_top_attr(const struct nlattr *attr, void *data)
{
	struct dev_info *d = data;

	switch (mnl_attr_get_type(attr)) {
	case SECTUN_A_IFINDEX:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			d->ifindex = mnl_attr_get_u32(attr);
		break;
	case SECTUN_A_IFNAME:
		copy_name(d->name, attr);
		break;
	case SECTUN_A_DEV:
		mnl_attr_parse_nested(attr, dev_attr, d);
		break;
	}
	return MNL_CB_OK;
}

/* One DEV_GET reply or ENDPOINT_CHANGED event. */
int dev_parse(const struct nlmsghdr *nlh, struct dev_info *d)
{
	memset(d, 0, sizeof(*d));
	d->ttl = SECTUN_TTL_DEFAULT;
	d->dscp = SECTUN_DSCP_COPY;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), dev_top_attr, d) < 0)
		return -EBADMSG;
	if (!d->name[0] && d->ifindex)
		if_indextoname(d->ifindex, d->name);
	return 0;
}

struct dev_list {
	struct dev_info *devs;
	size_t n, cap;
};

static int dev_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct dev_list *l = arg;
	struct dev_info *d;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4;

		d = realloc(l->devs, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		l->devs = d;
		l->cap = cap;
	}
	d = &l->devs[l->n];
	if (dev_parse(nlh, d))
		return -EBADMSG;
	l->n++;
	return 0;
}

/*
 * The device @name, or every sectun device of the netns when @name is
 * NULL.  Returns 0 or an exit code (reported).
 */
int dev_get(struct ctx *c, const char *name, struct dev_info **devs,
	    size_t *ndevs)
{
	struct dev_list l = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	if (name && strlen(name) >= IF_NAMESIZE)
		return fail_usage(c, "device name too long: %s", name);
	ret = genl_open(c);
	if (ret)
		return ret;
	nlh = genl_msg(c, SECTUN_CMD_DEV_GET, name ? 0 : NLM_F_DUMP);
	if (name)
		genl_put_dev(nlh, name);
	ret = nl_request(c->genl, nlh, dev_reply, &l, 0);
	if (ret) {
		free(l.devs);
		return fail_nl(c, c->genl, ret, NULL);
	}
	*devs = l.devs;
	*ndevs = l.n;
	return 0;
}

static int sa_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct dev_info *d = arg;
	struct sa_info *sa;

	sa = realloc(d->sas, (d->nsas + 1) * sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	d->sas = sa;
	if (sa_parse(nlh, &d->sas[d->nsas]))
		return -EBADMSG;
	if (!d->sas[d->nsas].ifname[0])
		snprintf(d->sas[d->nsas].ifname, IF_NAMESIZE, "%s", d->name);
	d->nsas++;
	return 0;
}

/*
 * Fill @dev's SAs from a dump filtered by its ifindex.  Returns 0 or a
 * negative errno, unreported: callers decide what an error means.
 */
int sa_get(struct ctx *c, struct dev_info *dev)
{
	struct nlmsghdr *nlh;

	nlh = genl_msg(c, SECTUN_CMD_SA_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, SECTUN_A_IFINDEX, dev->ifindex);
	return nl_request(c->genl, nlh, sa_reply, dev, 0);
}

void devs_free(struct dev_info *devs, size_t ndevs)
{
	size_t i;

	for (i = 0; i < ndevs; i++)
		free(devs[i].sas);
	free(devs);
}
