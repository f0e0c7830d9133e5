// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stand-in for ../nl.c that talks to files instead of the kernel, so
 * that the whole tool runs on a host without the sectun module: linked
 * into sectun-fake (make -C tools sectun-fake) for cli_test.py.
 *
 * $SECTUN_FAKE_DIR holds the conversation.  Requests are numbered from 1
 * in the order sent (the generic netlink family lookup excepted: it is
 * answered here, family id FAKE_FAMILY with an "events" group):
 *
 *   req.N      written: request N exactly as sent (netlink header first)
 *   reply.N    read: data messages (concatenated, netlink headers) passed
 *              to the request's callback, as the kernel's replies would be
 *   error.N    read: "ERRNO[ EXTACK MESSAGE]": the request fails so
 *   warning.N  read: an extack message that comes with a successful ack
 *   events     read: messages `monitor` receives, then it stops
 *   nofamily   exists: the sectun family is not registered (-ENOENT)
 *
 * Sequence numbers and port ids are not checked: every reply answers the
 * request it is numbered after.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/sectun.h>

#include "../nl.h"

#define FAKE_FAMILY	0x1d
#define FAKE_GROUP	7
#define FAKE_TXLEN	8192

static unsigned int fake_seq;

/* The bus tells a genl controller request from an RTM_NEWLINK (both 16). */
struct fake_nl {
	struct nl nl;
	int bus;
};

static const char *fake_dir(void)
{
	const char *dir = getenv("SECTUN_FAKE_DIR");

	if (!dir) {
		fprintf(stderr, "nl_fake: SECTUN_FAKE_DIR is not set\n");
		exit(99);
	}
	return dir;
}

/* The contents of DIR/NAME (NUL-terminated), or NULL if it does not exist. */
static char *fake_read(const char *name, size_t *len)
{
	char path[4096];
	struct stat st;
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fake_dir(), name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !(buf = calloc(1, (size_t)st.st_size + 1))) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	return buf;
}

static void fake_write(const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fake_dir(), name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "nl_fake: cannot write %s\n", path);
		exit(99);
	}
}

struct nl *nl_open(int bus)
{
	struct fake_nl *f;

	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->bus = bus;
	f->nl.txlen = FAKE_TXLEN;
	f->nl.tx = calloc(1, f->nl.txlen);
	f->nl.portid = 4242;
	if (!f->nl.tx) {
		free(f);
		return NULL;
	}
	return &f->nl;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	free(nl->tx);
	free((struct fake_nl *)nl);
}

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(nl->tx, 0, MNL_ALIGN(sizeof(*nlh)) + 64);
	nlh = mnl_nlmsg_put_header(nl->tx);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* CTRL_CMD_GETFAMILY "sectun": id and the events group. */
static int fake_family(nl_data_cb cb, void *arg)
{
	char buf[512];
	struct genlmsghdr *genl;
	struct nlattr *grps, *grp;
	struct nlmsghdr *nlh;
	size_t len;
	char *none;

	none = fake_read("nofamily", &len);
	if (none) {
		free(none);
		return -ENOENT;
	}
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_NEWFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SECTUN_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAKE_FAMILY);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, SECTUN_MCGRP_EVENTS);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, FAKE_GROUP);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, grps);
	return cb ? cb(nlh, arg) : 0;
}

/* Pass each message of @buf to @cb; the first callback error wins. */
static int fake_feed(const char *buf, size_t len, nl_data_cb cb, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int rem = (int)len, err;

	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE || !cb)
			continue;
		err = cb(nlh, arg);
		if (err)
			return err;
	}
	if (rem) {
		fprintf(stderr, "nl_fake: %d stray bytes in a reply file\n", rem);
		exit(99);
	}
	return 0;
}

int nl_request(struct nl *nl, struct nlmsghdr *nlh, nl_data_cb cb,
	       void *arg, unsigned int flags)
{
	char name[32];
	char *buf;
	size_t len;
	int err = 0;

	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	nl->extack[0] = '\0';
	nl->warning[0] = '\0';

	if (((struct fake_nl *)nl)->bus == NETLINK_GENERIC &&
	    nlh->nlmsg_type == GENL_ID_CTRL) {
		err = fake_family(cb, arg);
		goto out;
	}

	fake_seq++;
	snprintf(name, sizeof(name), "req.%u", fake_seq);
	fake_write(name, nlh, nlh->nlmsg_len);

	snprintf(name, sizeof(name), "error.%u", fake_seq);
	buf = fake_read(name, &len);
	if (buf) {
		char *msg = NULL;
		long e = strtol(buf, &msg, 10);

		while (*msg == ' ')
			msg++;
		msg[strcspn(msg, "\n")] = '\0';
		snprintf(nl->extack, sizeof(nl->extack), "%s", msg);
		free(buf);
		err = -(int)e;
		goto out;
	}
	snprintf(name, sizeof(name), "reply.%u", fake_seq);
	buf = fake_read(name, &len);
	if (buf) {
		err = fake_feed(buf, len, cb, arg);
		free(buf);
		if (err)
			goto out;
	}
	snprintf(name, sizeof(name), "warning.%u", fake_seq);
	buf = fake_read(name, &len);
	if (buf) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(nl->warning, sizeof(nl->warning), "%s", buf);
		free(buf);
	}
out:
	if (flags & NL_WIPE)
		explicit_bzero(nl->tx, nlh->nlmsg_len);
	return err;
}

int nl_join(struct nl *nl, uint32_t group)
{
	(void)nl;
	return group == FAKE_GROUP ? 0 : -EINVAL;
}

int nl_listen(struct nl *nl, nl_data_cb cb, void *arg,
	      const volatile sig_atomic_t *stop)
{
	char *buf;
	size_t len;
	int err;

	(void)nl;
	(void)stop;
	buf = fake_read("events", &len);
	if (!buf)
		return 0;
	err = fake_feed(buf, len, cb, arg);
	free(buf);
	return err;
}
