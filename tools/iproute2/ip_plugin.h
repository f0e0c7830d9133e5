/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The part of iproute2's internal API a link plugin uses, declared here
 * because no package ships iproute2's headers.  These layouts and
 * prototypes MUST match the ip(8) that loads the plugin: they are those
 * of iproute2 6.1 (Debian 12), ip/ip_common.h, include/json_print.h,
 * include/color.h and include/libnetlink.h.  ip(8) exports the functions
 * dynamically (nm -D /usr/sbin/ip).
 */
#ifndef SECTUN_IP_PLUGIN_H
#define SECTUN_IP_PLUGIN_H

#include <stdbool.h>
#include <stdio.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/types.h>

/* ip/ip_common.h: ip(8) links the struct into its list through ->next. */
struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *lu, int argc, char **argv,
			 struct nlmsghdr *n);
	void (*print_opt)(struct link_util *lu, FILE *f, struct rtattr *tb[]);
	void (*print_xstats)(struct link_util *lu, FILE *f,
			     struct rtattr *xstats);
	void (*print_help)(struct link_util *lu, int argc, char **argv,
			   FILE *f);
	int (*parse_ifla_xstats)(struct link_util *lu, int argc, char **argv);
	int (*print_ifla_xstats)(struct nlmsghdr *n, void *arg);
};

/*
 * ip/ip_common.h passes this to addattr*() as the room in its request
 * (struct iplink_req's buf), as iproute2's own link plugins do.
 */
#define IP_PLUGIN_REQ_ROOM	1024

/* include/json_print.h */
enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 4,
};

/*
 * include/color.h: only COLOR_NONE is used.  6.1's enum puts it after
 * the six real colours; measured: 528 of the 571 print_color_string()
 * calls in Debian's /usr/sbin/ip pass 6.
 */
enum color_attr {
	COLOR_NONE = 6,
};

int print_color_string(enum output_type t, enum color_attr color,
		       const char *key, const char *fmt, const char *value);
int print_color_uint(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, unsigned int value);
int print_color_null(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, const char *value);
bool is_json_context(void);

/* include/libnetlink.h */
int addattr8(struct nlmsghdr *n, int maxlen, int type, __u8 data);
int addattr32(struct nlmsghdr *n, int maxlen, int type, __u32 data);
int addattr_l(struct nlmsghdr *n, int maxlen, int type, const void *data,
	      int alen);

#endif /* SECTUN_IP_PLUGIN_H */
