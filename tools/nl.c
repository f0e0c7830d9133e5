// SPDX-License-Identifier: GPL-2.0-only
/*
 * Netlink round trips on top of libmnl.  libmnl's own callback runner
 * turns an error ack into errno and loses the kernel's extack message,
 * which is most of what an operator needs to know, so acks, errors and
 * dump ends are handled here.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include "nl.h"

#define NL_TXLEN	8192
/*
 * The kernel sizes dump messages after the largest buffer the reader has
 * offered, up to 32 KiB; a bigger buffer never truncates one.
 */
#define NL_RXLEN	65536

struct nl *nl_open(int bus)
{
	struct nl *nl;
	int one = 1;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return NULL;
	nl->txlen = NL_TXLEN;
	nl->rxlen = NL_RXLEN;
	nl->tx = calloc(1, nl->txlen);
	nl->rx = calloc(1, nl->rxlen);
	if (!nl->tx || !nl->rx)
		goto err;

	nl->sk = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sk)
		goto err;
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (uint32_t)time(NULL);

	/*
	 * Extended acks carry the reason for a rejection.  Capped acks keep
	 * the kernel from echoing the request, and with it any key, back.
	 * Both are best effort: old kernels simply lack them.
	 */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;

err:
	nl_close(nl);
	return NULL;
}

void nl_close(struct nl *nl)
{
	int saved = errno;

	if (!nl)
		return;
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl->tx);
	free(nl->rx);
	free(nl);
	errno = saved;
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

struct ext_ack {
	const char *msg;
	uint32_t miss_type;
	bool has_miss;
};

static int ext_ack_attr(const struct nlattr *attr, void *data)
{
	struct ext_ack *ea = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			ea->msg = mnl_attr_get_str(attr);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			ea->miss_type = mnl_attr_get_u32(attr);
			ea->has_miss = true;
		}
		break;
	}
	return MNL_CB_OK;
}

/* Copy the extack message (if any) of an error/ack or done message. */
static void ext_ack_copy(const struct nlmsghdr *nlh, unsigned int offset,
			 char *buf, size_t len)
{
	struct ext_ack ea = { 0 };

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (offset > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, offset, ext_ack_attr, &ea);
	if (ea.msg)
		snprintf(buf, len, "%s", ea.msg);
	else if (ea.has_miss)
		snprintf(buf, len, "missing attribute %u", ea.miss_type);
}

/*
 * Handle one buffer of replies to @seq.  Returns true when the reply is
 * complete; *err is the kernel's verdict, *cberr the first callback error.
 */
static bool nl_walk(struct nl *nl, size_t len, uint32_t seq, nl_data_cb cb,
		    void *arg, int *cberr, int *err)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->rx;
	int rem = (int)len;

	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		/* Leftovers of an earlier, abandoned request. */
		if (nlh->nlmsg_seq != seq ||
		    (nlh->nlmsg_pid && nlh->nlmsg_pid != nl->portid))
			continue;

		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_OVERRUN:
			*err = -ENOBUFS;
			return true;
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			unsigned int off = sizeof(*e);

			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
				*err = -EBADMSG;
				return true;
			}
			/* Uncapped, the TLVs follow the echoed request. */
			if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
			    e->msg.nlmsg_len >= sizeof(struct nlmsghdr))
				off += e->msg.nlmsg_len -
				       (unsigned int)sizeof(struct nlmsghdr);
			if (e->error) {
				*err = e->error;
				ext_ack_copy(nlh, off, nl->extack,
					     sizeof(nl->extack));
			} else {
				ext_ack_copy(nlh, off, nl->warning,
					     sizeof(nl->warning));
			}
			return true;
		}
		case NLMSG_DONE: {
			int e = 0;

			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
				memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
			if (e) {
				*err = e;
				ext_ack_copy(nlh, sizeof(int), nl->extack,
					     sizeof(nl->extack));
			}
			return true;
		}
		default:
			if (cb && !*cberr)
				*cberr = cb(nlh, arg);
			/* A plain reply without NLM_F_MULTI still gets an ack. */
			break;
		}
	}
	return false;
}

/*
 * Send @nlh (built in nl->tx) and read the reply to its end: the ack of a
 * request, or NLMSG_DONE of a dump.  Returns 0 or a negative errno; the
 * kernel's explanation, if it gave one, is in nl->extack.
 */
int nl_request(struct nl *nl, struct nlmsghdr *nlh, nl_data_cb cb,
	       void *arg, unsigned int flags)
{
	size_t txused = nlh->nlmsg_len;
	int err = 0, cberr = 0;
	uint32_t seq;
	ssize_t ret;

	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	seq = ++nl->seq;
	nlh->nlmsg_seq = seq;
	nl->extack[0] = '\0';
	nl->warning[0] = '\0';

	ret = mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len);
	if (ret < 0)
		err = -errno;
	if (flags & NL_WIPE)
		explicit_bzero(nl->tx, txused);
	if (err)
		return err;

	for (;;) {
		bool done;

		ret = mnl_socket_recvfrom(nl->sk, nl->rx, nl->rxlen);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		done = nl_walk(nl, (size_t)ret, seq, cb, arg, &cberr, &err);
		/* Without NETLINK_CAP_ACK an error ack echoes the request. */
		if (flags & NL_WIPE)
			explicit_bzero(nl->rx, (size_t)ret);
		if (done)
			break;
	}
	return err ? err : cberr;
}

int nl_join(struct nl *nl, uint32_t group)
{
	int size = 4 << 20;

	if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return -errno;
	/* Bursts (a batch of thousands of SAs) should not overrun us. */
	setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUF,
		   &size, sizeof(size));
	return 0;
}

/*
 * Pass every message of the groups joined to @cb until *stop is set by a
 * signal.  The caller blocks its stop signals; they are let in only while
 * waiting, so none is lost between the check and the wait.  Returns 0
 * when stopped, or a negative errno (-ENOBUFS: events were lost, the
 * caller may say so and call again).
 */
int nl_listen(struct nl *nl, nl_data_cb cb, void *arg,
	      const volatile sig_atomic_t *stop)
{
	struct pollfd pfd = {
		.fd = mnl_socket_get_fd(nl->sk),
		.events = POLLIN,
	};
	sigset_t waitmask;

	sigemptyset(&waitmask);
	while (!*stop) {
		const struct nlmsghdr *nlh;
		ssize_t ret;
		int rem, err;

		ret = ppoll(&pfd, 1, NULL, &waitmask);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ret = recv(pfd.fd, nl->rx, nl->rxlen, MSG_DONTWAIT);
		if (ret < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		nlh = (const struct nlmsghdr *)nl->rx;
		rem = (int)ret;
		for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			err = cb(nlh, arg);
			if (err)
				return err;
		}
	}
	return 0;
}
