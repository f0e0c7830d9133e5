// SPDX-License-Identifier: GPL-2.0-only
/*
 * `sectun monitor`: the sectun events group, one line (or one JSON
 * object) per event, until SIGINT or SIGTERM.  SA events read like the
 * commands that would cause them: "sa add st0 out esp spi 0x1001 …";
 * a peer that floated reads "endpoint-changed st0 endpoint ADDR port N".
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include <linux/genetlink.h>

#include "dump.h"
#include "json.h"
#include "nl.h"
#include "settings.h"
#include "show.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* SECTUN_CMD_ENDPOINT_CHANGED: the port only when the kernel sent one. */
static void endpoint_event(struct ctx *c, const struct nlmsghdr *nlh)
{
	struct dev_info d;
	char addr[64];
	const char *s;

	if (dev_parse(nlh, &d))
		return;
	s = st_addr_str(d.endpoint, d.endpoint_len, addr, sizeof(addr));
	if (c->json) {
		json_obj_open(NULL);
		json_str("event", "endpoint-changed");
		json_str("dev", d.name);
		json_u64("ifindex", d.ifindex);
		json_str("endpoint", s);
		if (d.has_endpoint_port)
			json_u64("endpoint_port", d.endpoint_port);
		json_obj_close();
		json_end();
		return;
	}
	printf("endpoint-changed %s endpoint %s", d.name[0] ? d.name : "?",
	       s ? s : "(none)");
	if (d.has_endpoint_port)
		printf(" port %u", d.endpoint_port);
	putchar('\n');
	fflush(stdout);
}

static int event(const struct nlmsghdr *nlh, void *arg)
{
	struct ctx *c = arg;
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const char *name;
	struct sa_info sa;

	if (nlh->nlmsg_type != c->family ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return 0;
	switch (genl->cmd) {
	case SECTUN_CMD_SA_NEW:
		name = "add";
		break;
	case SECTUN_CMD_SA_DEL:
		name = "del";
		break;
	case SECTUN_CMD_ENDPOINT_CHANGED:
		endpoint_event(c, nlh);
		return 0;
	default:
		/* Events this version does not know yet: say they happened. */
		if (c->json) {
			json_obj_open(NULL);
			json_str("event", "unknown");
			json_u64("cmd", genl->cmd);
			json_obj_close();
			json_end();
		} else {
			printf("event %u\n", genl->cmd);
			fflush(stdout);
		}
		return 0;
	}

	if (sa_parse(nlh, &sa))
		return 0;
	if (c->json) {
		json_obj_open(NULL);
		json_str("event", name);
		json_str("dev", sa.ifname);
		json_u64("ifindex", sa.ifindex);
		sa_json_fields(&sa);
		json_obj_close();
		json_end();
	} else {
		printf("sa %s ", name);
		sa_print_line(&sa);
		fflush(stdout);
	}
	return 0;
}

int cmd_monitor(struct ctx *c, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;
	int ret;

	(void)argv;
	if (argc)
		return fail_usage(c, "too many arguments");
	ret = genl_open(c);
	if (ret)
		return ret;
	if (!c->events_group)
		return fail(c, "the kernel's sectun family has no \"%s\" group",
			    SECTUN_MCGRP_EVENTS);
	ret = nl_join(c->genl, c->events_group);
	if (ret)
		return fail_nl(c, NULL, ret, "joining the events group");

	/* Blocked except while waiting: see nl_listen(). */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	for (;;) {
		ret = nl_listen(c->genl, event, c, &stop);
		if (ret != -ENOBUFS)
			break;
		warn(c, "events were lost (receive buffer overrun)");
	}
	if (ret)
		return fail_nl(c, NULL, ret, NULL);
	return 0;
}
