/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device settings (the IFLA_SECTUN_* attributes): one grammar for
 * `sectun set` and `ip link … type sectun`, and one way to print them.
 */
#ifndef SECTUN_SETTINGS_H
#define SECTUN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ST_SETTINGS_SYNOPSIS \
	"[local ADDR] [remote ADDR] [dev UNDERLAY] [ttl N|inherit]\n" \
	"\t[dscp copy|N] [df copy|set|clear] [encap udp|none]\n" \
	"\t[sport PORT] [dport PORT] [keepalive SECONDS] [float on|off]"

enum {
	ST_SET_LOCAL	= 1 << 0,
	ST_SET_REMOTE	= 1 << 1,
	ST_SET_LINK	= 1 << 2,
	ST_SET_TTL	= 1 << 3,
	ST_SET_DSCP	= 1 << 4,
	ST_SET_DF	= 1 << 5,
	ST_SET_ENCAP	= 1 << 6,
	ST_SET_SPORT	= 1 << 7,
	ST_SET_DPORT	= 1 << 8,
	ST_SET_KEEPALIVE = 1 << 9,
	ST_SET_FLOAT	= 1 << 10,
};

/* The settings a module without NAT traversal does not know. */
#define ST_SET_NATT	(ST_SET_ENCAP | ST_SET_SPORT | ST_SET_DPORT | \
			 ST_SET_KEEPALIVE | ST_SET_FLOAT)

struct st_addr {
	int family;		/* AF_INET, AF_INET6, or AF_UNSPEC for "any" */
	unsigned char len;	/* 4 or 16; decided by st_settings_finish() */
	unsigned char bytes[16];
};

struct st_settings {
	unsigned int set;	/* ST_SET_* given */
	struct st_addr local;
	struct st_addr remote;
	const char *link_name;	/* NULL for "none"; the caller resolves it */
	uint32_t link;
	uint8_t ttl;
	uint8_t dscp;
	uint8_t df;
	uint8_t encap;		/* enum sectun_encap */
	uint16_t sport;		/* host byte order */
	uint16_t dport;
	uint16_t keepalive;	/* seconds, 0 = off */
	uint8_t floating;	/* IFLA_SECTUN_FLOAT: 0 or 1 */
};

int st_settings_parse(struct st_settings *s, const char *kw, const char *val,
		      char *err, size_t errlen);
bool st_settings_keyword(const char *kw);
int st_settings_check(const struct st_settings *s, char *err, size_t errlen);
int st_settings_finish(struct st_settings *s, int cur_family,
		       char *err, size_t errlen);

const char *st_ttl_str(unsigned int ttl, char *buf, size_t len);
const char *st_dscp_str(unsigned int dscp, char *buf, size_t len);
const char *st_df_str(unsigned int df);
const char *st_encap_str(unsigned int encap);
const char *st_addr_str(const void *data, size_t len, char *buf, size_t buflen);

#endif /* SECTUN_SETTINGS_H */
