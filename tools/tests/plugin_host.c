// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stands in for ip(8) around iproute2/link_sectun.so, so that the plugin's
 * parse_opt and print_opt run on a host without the sectun module: it
 * exports the ip(8) helpers the plugin calls (declared in
 * ../iproute2/ip_plugin.h), dlopens the plugin and calls it.
 *
 *   plugin-host PLUGIN parse WORDS...
 *	parse_opt(WORDS); prints each attribute it added as "TYPE HEX",
 *	or exits 1 when the plugin refused the words
 *   plugin-host PLUGIN print [json] < ATTRIBUTES
 *	print_opt() over "TYPE HEX" lines; prints ip(8)'s text, or with
 *	json the members as KEY=VALUE lines (strings quoted, null bare)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip_plugin.h"

static bool json;

__attribute__((visibility("default")))
bool is_json_context(void)
{
	return json;
}

/*
 * ip(8) prints with the plugin's own format strings, and so does this:
 * they are the plugin's, not input.
 */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static bool shows(enum output_type t, const char *key, const char *fmt)
{
	if (json)
		return (t & (PRINT_JSON | PRINT_ANY)) && key;
	return (t & (PRINT_FP | PRINT_ANY)) && fmt;
}

__attribute__((visibility("default")))
int print_color_string(enum output_type t, enum color_attr color,
		       const char *key, const char *fmt, const char *value)
{
	(void)color;
	if (!shows(t, key, fmt))
		return 0;
	if (json)
		printf("%s=\"%s\"\n", key, value ? value : "");
	else
		printf(fmt, value ? value : "");
	return 0;
}

__attribute__((visibility("default")))
int print_color_uint(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, unsigned int value)
{
	(void)color;
	if (!shows(t, key, fmt))
		return 0;
	if (json)
		printf("%s=%u\n", key, value);
	else
		printf(fmt, value);
	return 0;
}

__attribute__((visibility("default")))
int print_color_null(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, const char *value)
{
	(void)color;
	if (!shows(t, key, fmt))
		return 0;
	if (json)
		printf("%s=null\n", key);
	else
		printf(fmt, value ? value : "");
	return 0;
}

__attribute__((visibility("default")))
int addattr_l(struct nlmsghdr *n, int maxlen, int type, const void *data,
	      int alen)
{
	int len = RTA_LENGTH(alen);
	struct rtattr *rta;

	if ((int)NLMSG_ALIGN(n->nlmsg_len) + (int)RTA_ALIGN(len) > maxlen)
		return -1;
	rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)len;
	if (alen)
		memcpy(RTA_DATA(rta), data, (size_t)alen);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(len);
	return 0;
}

__attribute__((visibility("default")))
int addattr8(struct nlmsghdr *n, int maxlen, int type, __u8 data)
{
	return addattr_l(n, maxlen, type, &data, sizeof(data));
}

__attribute__((visibility("default")))
int addattr32(struct nlmsghdr *n, int maxlen, int type, __u32 data)
{
	return addattr_l(n, maxlen, type, &data, sizeof(data));
}

static int parse(struct link_util *lu, int argc, char **argv)
{
	static union {
		struct nlmsghdr n;
		char buf[IP_PLUGIN_REQ_ROOM];
	} req;
	struct rtattr *rta;
	int len, i;

	req.n.nlmsg_len = NLMSG_LENGTH(0);
	if (lu->parse_opt(lu, argc, argv, &req.n))
		return 1;
	rta = (struct rtattr *)NLMSG_DATA(&req.n);
	len = (int)req.n.nlmsg_len - NLMSG_LENGTH(0);
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		printf("%u ", rta->rta_type);
		for (i = 0; i < (int)RTA_PAYLOAD(rta); i++)
			printf("%02x", ((unsigned char *)RTA_DATA(rta))[i]);
		putchar('\n');
	}
	return 0;
}

static int print(struct link_util *lu)
{
	static char attrs[64][64];
	struct rtattr **tb;
	unsigned int type, n = 0;
	char hex[256];

	tb = calloc((size_t)lu->maxattr + 1, sizeof(*tb));
	if (!tb)
		return 2;
	while (n < 64 && scanf("%u %255s", &type, hex) == 2) {
		struct rtattr *rta = (struct rtattr *)attrs[n++];
		size_t i, len = strlen(hex) / 2;

		if (type > (unsigned int)lu->maxattr ||
		    len > sizeof(attrs[0]) - RTA_LENGTH(0))
			return 2;
		rta->rta_type = (unsigned short)type;
		rta->rta_len = (unsigned short)RTA_LENGTH(len);
		for (i = 0; i < len; i++) {
			char byte[3] = { hex[2 * i], hex[2 * i + 1], '\0' };

			((unsigned char *)RTA_DATA(rta))[i] =
				(unsigned char)strtoul(byte, NULL, 16);
		}
		tb[type] = rta;
	}
	lu->print_opt(lu, stdout, tb);
	if (!json)
		putchar('\n');
	free(tb);
	return 0;
}

int main(int argc, char **argv)
{
	struct link_util *lu;
	void *h;

	if (argc < 3) {
		fprintf(stderr, "usage: plugin-host PLUGIN parse|print ...\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "plugin-host: %s\n", dlerror());
		return 2;
	}
	lu = dlsym(h, "sectun_link_util");
	if (!lu) {
		fprintf(stderr, "plugin-host: no sectun_link_util\n");
		return 2;
	}
	if (!strcmp(argv[2], "parse"))
		return parse(lu, argc - 3, argv + 3);
	if (!strcmp(argv[2], "print")) {
		json = argc > 3 && !strcmp(argv[3], "json");
		return print(lu);
	}
	return 2;
}
