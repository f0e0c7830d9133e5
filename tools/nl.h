/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A netlink socket that does request/ack and dump round trips and keeps
 * the kernel's extended ack message (libmnl's mnl_cb_run() drops it).
 */
#ifndef SECTUN_NL_H
#define SECTUN_NL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* Data message callback: 0 to go on, a negative errno to fail the request. */
typedef int (*nl_data_cb)(const struct nlmsghdr *nlh, void *arg);

/* nl_request() flags */
#define NL_WIPE		0x1	/* the request holds key material */

struct nl {
	struct mnl_socket *sk;
	uint32_t portid;
	uint32_t seq;
	char *tx;
	char *rx;
	size_t txlen;
	size_t rxlen;
	char extack[256];	/* message of the last reply, "" if none */
	char warning[256];	/* extack message of a successful ack */
};

struct nl *nl_open(int bus);
void nl_close(struct nl *nl);
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags);
int nl_request(struct nl *nl, struct nlmsghdr *nlh, nl_data_cb cb,
	       void *arg, unsigned int flags);
int nl_join(struct nl *nl, uint32_t group);
int nl_listen(struct nl *nl, nl_data_cb cb, void *arg,
	      const volatile sig_atomic_t *stop);

#endif /* SECTUN_NL_H */
