// SPDX-License-Identifier: GPL-2.0-only
/*
 * iproute2 link plugin for kind "sectun": ip(8) dlopens link_sectun.so
 * from its library directory (or $IP_LIB_DIR) and uses sectun_link_util
 * to parse `ip link add|set … type sectun …` and to print the settings in
 * `ip -d link show`.  The keywords are sectun(8)'s `set` keywords, parsed
 * by the same code (../settings.c).
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/sectun.h>

#include "ip_plugin.h"
#include "settings.h"

static void explain(FILE *f)
{
	fprintf(f,
		"Usage: ... sectun [local ADDR] [remote ADDR] [dev UNDERLAY]\n"
		"                  [ttl N|inherit] [dscp copy|N] [df copy|set|clear]\n"
		"                  [encap udp|none] [sport PORT] [dport PORT]\n"
		"                  [keepalive SECONDS] [float on|off]\n"
		"\n"
		"Where: ADDR     := IPv4 or IPv6 address, or any\n"
		"       UNDERLAY := device name, or none\n"
		"       N        := ttl 1..255, dscp 0..63 (decimal or 0xHEX)\n"
		"       PORT     := UDP port 1..65535, with encap udp (default 4500)\n"
		"       SECONDS  := 0..65535, 0 = no NAT keepalives\n"
		"\n"
		"Security associations are managed with sectun(8).\n");
}

static int sectun_parse_opt(struct link_util *lu, int argc, char **argv,
			    struct nlmsghdr *n)
{
	struct st_settings s = { 0 };
	char err[128];

	(void)lu;
	while (argc > 0) {
		if (!strcmp(*argv, "help")) {
			explain(stdout);
			return -1;
		}
		if (st_settings_parse(&s, argv[0], argc > 1 ? argv[1] : NULL,
				      err, sizeof(err))) {
			fprintf(stderr, "sectun: %s\n", err);
			explain(stderr);
			return -1;
		}
		argc -= 2;
		argv += 2;
	}

	if (s.link_name) {
		s.link = if_nametoindex(s.link_name);
		if (!s.link) {
			fprintf(stderr, "sectun: no such underlay device \"%s\"\n",
				s.link_name);
			return -1;
		}
	}
	/*
	 * A cleared endpoint with no family of its own goes out as IPv4; the
	 * plugin has no cheap way to ask the device for its current family.
	 */
	if (st_settings_finish(&s, AF_UNSPEC, err, sizeof(err))) {
		fprintf(stderr, "sectun: %s\n", err);
		return -1;
	}

	if (s.set & ST_SET_LOCAL)
		addattr_l(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_LOCAL,
			  s.local.bytes, s.local.len);
	if (s.set & ST_SET_REMOTE)
		addattr_l(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_REMOTE,
			  s.remote.bytes, s.remote.len);
	if (s.set & ST_SET_LINK)
		addattr32(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_LINK, s.link);
	if (s.set & ST_SET_TTL)
		addattr8(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_TTL, s.ttl);
	if (s.set & ST_SET_DSCP)
		addattr8(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_DSCP, s.dscp);
	if (s.set & ST_SET_DF)
		addattr8(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_DF, s.df);
	if (s.set & ST_SET_ENCAP)
		addattr8(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_ENCAP, s.encap);
	/* u16 through addattr_l: no ip(8) export beyond those declared. */
	if (s.set & ST_SET_SPORT)
		addattr_l(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_ENCAP_SPORT,
			  &s.sport, sizeof(s.sport));
	if (s.set & ST_SET_DPORT)
		addattr_l(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_ENCAP_DPORT,
			  &s.dport, sizeof(s.dport));
	if (s.set & ST_SET_KEEPALIVE)
		addattr_l(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_KEEPALIVE,
			  &s.keepalive, sizeof(s.keepalive));
	if (s.set & ST_SET_FLOAT)
		addattr8(n, IP_PLUGIN_REQ_ROOM, IFLA_SECTUN_FLOAT, s.floating);
	return 0;
}

/* Text: "local any"; JSON: null, as sectun -j show has it. */
static void print_addr(struct rtattr *attr, const char *key)
{
	char buf[INET6_ADDRSTRLEN + 1], fmt[32];
	const char *s = NULL;

	if (attr)
		s = st_addr_str(RTA_DATA(attr), RTA_PAYLOAD(attr), buf,
				sizeof(buf));
	snprintf(fmt, sizeof(fmt), "%s %%s ", key);
	if (s) {
		print_color_string(PRINT_ANY, COLOR_NONE, key, fmt, s);
	} else {
		print_color_string(PRINT_FP, COLOR_NONE, NULL, fmt, "any");
		print_color_null(PRINT_JSON, COLOR_NONE, key, NULL, NULL);
	}
}

static bool get_u8(struct rtattr *attr, __u8 *v)
{
	if (!attr || RTA_PAYLOAD(attr) < sizeof(*v))
		return false;
	*v = *(__u8 *)RTA_DATA(attr);
	return true;
}

static bool get_u16(struct rtattr *attr, __u16 *v)
{
	if (!attr || RTA_PAYLOAD(attr) < sizeof(*v))
		return false;
	memcpy(v, RTA_DATA(attr), sizeof(*v));
	return true;
}

/*
 * NAT traversal, printed so that the line can be typed back: the ports
 * only with encap udp (the parser refuses them with encap none).  A
 * module that predates NAT traversal sends none of it.
 */
static void print_natt(struct rtattr *tb[])
{
	bool udp = true;
	__u16 port;
	__u8 v;

	if (get_u8(tb[IFLA_SECTUN_ENCAP], &v)) {
		udp = v == SECTUN_ENCAP_UDP;
		print_color_string(PRINT_ANY, COLOR_NONE, "encap", "encap %s ",
				   st_encap_str(v));
	}
	if (udp && get_u16(tb[IFLA_SECTUN_ENCAP_SPORT], &port))
		print_color_uint(PRINT_ANY, COLOR_NONE, "sport", "sport %u ",
				 port);
	if (udp && get_u16(tb[IFLA_SECTUN_ENCAP_DPORT], &port))
		print_color_uint(PRINT_ANY, COLOR_NONE, "dport", "dport %u ",
				 port);
	if (get_u16(tb[IFLA_SECTUN_KEEPALIVE], &port))
		print_color_uint(PRINT_ANY, COLOR_NONE, "keepalive",
				 "keepalive %u ", port);
	if (get_u8(tb[IFLA_SECTUN_FLOAT], &v))
		print_color_string(PRINT_ANY, COLOR_NONE, "float", "float %s ",
				   v ? "on" : "off");
}

static void sectun_print_opt(struct link_util *lu, FILE *f,
			     struct rtattr *tb[])
{
	char name[IF_NAMESIZE];
	__u32 link = 0;
	__u8 v;

	(void)lu;
	(void)f;
	if (!tb)
		return;

	print_addr(tb[IFLA_SECTUN_LOCAL], "local");
	print_addr(tb[IFLA_SECTUN_REMOTE], "remote");

	if (tb[IFLA_SECTUN_LINK] && RTA_PAYLOAD(tb[IFLA_SECTUN_LINK]) >= sizeof(link))
		memcpy(&link, RTA_DATA(tb[IFLA_SECTUN_LINK]), sizeof(link));
	if (link) {
		if (!if_indextoname(link, name))
			snprintf(name, sizeof(name), "if%u", link);
		print_color_string(PRINT_ANY, COLOR_NONE, "link", "dev %s ", name);
	} else {
		print_color_null(PRINT_JSON, COLOR_NONE, "link", NULL, NULL);
	}

	if (get_u8(tb[IFLA_SECTUN_TTL], &v)) {
		if (v == SECTUN_TTL_INHERIT)
			print_color_string(PRINT_ANY, COLOR_NONE, "ttl", "ttl %s ",
					   "inherit");
		else
			print_color_uint(PRINT_ANY, COLOR_NONE, "ttl", "ttl %u ", v);
	}
	if (get_u8(tb[IFLA_SECTUN_DSCP], &v)) {
		if (v == SECTUN_DSCP_COPY)
			print_color_string(PRINT_ANY, COLOR_NONE, "dscp",
					   "dscp %s ", "copy");
		else
			print_color_uint(PRINT_ANY, COLOR_NONE, "dscp", "dscp %u ",
					 v);
	}
	if (get_u8(tb[IFLA_SECTUN_DF], &v))
		print_color_string(PRINT_ANY, COLOR_NONE, "df", "df %s ",
				   st_df_str(v));
	print_natt(tb);
}

static void sectun_print_help(struct link_util *lu, int argc, char **argv,
			      FILE *f)
{
	(void)lu;
	(void)argc;
	(void)argv;
	explain(f);
}

/* Not const: ip(8) chains it into its list of link kinds. */
__attribute__((visibility("default")))
struct link_util sectun_link_util = {
	.id		= SECTUN_LINK_KIND,
	.maxattr	= IFLA_SECTUN_MAX,
	.parse_opt	= sectun_parse_opt,
	.print_opt	= sectun_print_opt,
	.print_help	= sectun_print_help,
};
