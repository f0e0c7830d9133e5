// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device settings grammar, shared by `sectun set` and the iproute2 plugin
 * so that both accept exactly the same words.  No netlink here: callers
 * emit the attributes with their own library (libmnl, iproute2's).
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/sectun.h>

#include "parse.h"
#include "settings.h"

static const char *const df_names[] = {
	[SECTUN_DF_COPY]	= "copy",
	[SECTUN_DF_SET]		= "set",
	[SECTUN_DF_CLEAR]	= "clear",
};

static const char *const encap_names[] = {
	[SECTUN_ENCAP_NONE]	= "none",
	[SECTUN_ENCAP_UDP]	= "udp",
};

static bool all_zero(const unsigned char *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/*
 * "any" and the all-zero literals clear the endpoint.  They are kept
 * family-less until st_settings_finish(): the kernel checks the family
 * of every address it is given, so a cleared endpoint must be sent in
 * the tunnel's family.
 */
static int parse_addr(struct st_addr *a, const char *val)
{
	memset(a, 0, sizeof(*a));
	if (!strcmp(val, "any"))
		return 0;
	if (inet_pton(AF_INET, val, a->bytes) == 1) {
		a->family = AF_INET;
		a->len = 4;
	} else if (inet_pton(AF_INET6, val, a->bytes) == 1) {
		a->family = AF_INET6;
		a->len = 16;
	} else {
		return -1;
	}
	if (all_zero(a->bytes, a->len)) {
		a->family = AF_UNSPEC;
		a->len = 0;
	}
	return 0;
}

bool st_settings_keyword(const char *kw)
{
	static const char *const words[] = {
		"local", "remote", "dev", "ttl", "dscp", "df",
		"encap", "sport", "dport", "keepalive", "float",
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(kw, words[i]))
			return true;
	return false;
}

/*
 * Apply one "keyword value" pair.  Returns 0, or -1 with a message in
 * @err (the caller adds its own prefix).
 */
int st_settings_parse(struct st_settings *s, const char *kw, const char *val,
		      char *err, size_t errlen)
{
	unsigned int bit;
	uint64_t n;

	if (!strcmp(kw, "local"))
		bit = ST_SET_LOCAL;
	else if (!strcmp(kw, "remote"))
		bit = ST_SET_REMOTE;
	else if (!strcmp(kw, "dev"))
		bit = ST_SET_LINK;
	else if (!strcmp(kw, "ttl"))
		bit = ST_SET_TTL;
	else if (!strcmp(kw, "dscp"))
		bit = ST_SET_DSCP;
	else if (!strcmp(kw, "df"))
		bit = ST_SET_DF;
	else if (!strcmp(kw, "encap"))
		bit = ST_SET_ENCAP;
	else if (!strcmp(kw, "sport"))
		bit = ST_SET_SPORT;
	else if (!strcmp(kw, "dport"))
		bit = ST_SET_DPORT;
	else if (!strcmp(kw, "keepalive"))
		bit = ST_SET_KEEPALIVE;
	else if (!strcmp(kw, "float"))
		bit = ST_SET_FLOAT;
	else {
		snprintf(err, errlen, "unknown keyword \"%s\"", kw);
		return -1;
	}
	if (!val) {
		snprintf(err, errlen, "%s needs a value", kw);
		return -1;
	}
	if (s->set & bit) {
		snprintf(err, errlen, "%s given twice", kw);
		return -1;
	}
	s->set |= bit;

	switch (bit) {
	case ST_SET_LOCAL:
	case ST_SET_REMOTE:
		if (parse_addr(bit == ST_SET_LOCAL ? &s->local : &s->remote,
			       val)) {
			snprintf(err, errlen,
				 "%s: \"%s\" is not an IPv4 or IPv6 address",
				 kw, val);
			return -1;
		}
		break;
	case ST_SET_LINK:
		s->link = 0;
		s->link_name = strcmp(val, "none") ? val : NULL;
		break;
	case ST_SET_TTL:
		if (!strcmp(val, "inherit")) {
			s->ttl = SECTUN_TTL_INHERIT;
		} else if (st_parse_u64(val, 255, &n) || n == 0) {
			snprintf(err, errlen,
				 "ttl must be 1..255 or inherit, not \"%s\"",
				 val);
			return -1;
		} else {
			s->ttl = (uint8_t)n;
		}
		break;
	case ST_SET_DSCP:
		if (!strcmp(val, "copy")) {
			s->dscp = SECTUN_DSCP_COPY;
		} else if (st_parse_u64(val, 63, &n)) {
			snprintf(err, errlen,
				 "dscp must be 0..63 or copy, not \"%s\"", val);
			return -1;
		} else {
			s->dscp = (uint8_t)n;
		}
		break;
	case ST_SET_DF:
		for (n = 0; n <= SECTUN_DF_MAX; n++)
			if (!strcmp(val, df_names[n]))
				break;
		if (n > SECTUN_DF_MAX) {
			snprintf(err, errlen,
				 "df must be copy, set or clear, not \"%s\"",
				 val);
			return -1;
		}
		s->df = (uint8_t)n;
		break;
	case ST_SET_ENCAP:
		for (n = 0; n <= SECTUN_ENCAP_MAX; n++)
			if (!strcmp(val, encap_names[n]))
				break;
		if (n > SECTUN_ENCAP_MAX) {
			snprintf(err, errlen,
				 "encap must be udp or none, not \"%s\"", val);
			return -1;
		}
		s->encap = (uint8_t)n;
		break;
	case ST_SET_SPORT:
	case ST_SET_DPORT:
		if (st_parse_u64(val, 65535, &n) || n == 0) {
			snprintf(err, errlen,
				 "%s must be a UDP port 1..65535, not \"%s\"",
				 kw, val);
			return -1;
		}
		if (bit == ST_SET_SPORT)
			s->sport = (uint16_t)n;
		else
			s->dport = (uint16_t)n;
		break;
	case ST_SET_KEEPALIVE:
		if (st_parse_u64(val, 65535, &n)) {
			snprintf(err, errlen,
				 "keepalive must be 0..65535 seconds (0 = off), not \"%s\"",
				 val);
			return -1;
		}
		s->keepalive = (uint16_t)n;
		break;
	case ST_SET_FLOAT:
		if (strcmp(val, "on") && strcmp(val, "off")) {
			snprintf(err, errlen,
				 "float must be on or off, not \"%s\"", val);
			return -1;
		}
		s->floating = !strcmp(val, "on");
		break;
	}
	return 0;
}

/*
 * What only the whole request can tell, before anything is looked up.
 * Returns 0, or -1 with a message in @err.
 */
int st_settings_check(const struct st_settings *s, char *err, size_t errlen)
{
	/* Ports only mean something to UDP encapsulation. */
	if ((s->set & ST_SET_ENCAP) && s->encap == SECTUN_ENCAP_NONE &&
	    (s->set & (ST_SET_SPORT | ST_SET_DPORT))) {
		snprintf(err, errlen, "%s needs encap udp, not encap none",
			 (s->set & ST_SET_SPORT) ? "sport" : "dport");
		return -1;
	}
	return 0;
}

/*
 * st_settings_check(), then give cleared endpoints a family: the other
 * address of this request, else the device's current one (@cur_family,
 * AF_UNSPEC if unknown), else IPv4.
 */
int st_settings_finish(struct st_settings *s, int cur_family,
		       char *err, size_t errlen)
{
	int family = AF_UNSPEC;

	if (st_settings_check(s, err, errlen))
		return -1;

	if ((s->set & ST_SET_LOCAL) && (s->set & ST_SET_REMOTE) &&
	    s->local.family && s->remote.family &&
	    s->local.family != s->remote.family) {
		snprintf(err, errlen,
			 "local and remote addresses must be of the same family");
		return -1;
	}
	if ((s->set & ST_SET_LOCAL) && s->local.family)
		family = s->local.family;
	else if ((s->set & ST_SET_REMOTE) && s->remote.family)
		family = s->remote.family;
	else if (cur_family == AF_INET || cur_family == AF_INET6)
		family = cur_family;
	else
		family = AF_INET;

	if ((s->set & ST_SET_LOCAL) && !s->local.family)
		s->local.len = family == AF_INET6 ? 16 : 4;
	if ((s->set & ST_SET_REMOTE) && !s->remote.family)
		s->remote.len = family == AF_INET6 ? 16 : 4;
	return 0;
}

const char *st_ttl_str(unsigned int ttl, char *buf, size_t len)
{
	if (ttl == SECTUN_TTL_INHERIT)
		return "inherit";
	snprintf(buf, len, "%u", ttl);
	return buf;
}

const char *st_dscp_str(unsigned int dscp, char *buf, size_t len)
{
	if (dscp == SECTUN_DSCP_COPY)
		return "copy";
	snprintf(buf, len, "%u", dscp);
	return buf;
}

const char *st_df_str(unsigned int df)
{
	return df <= SECTUN_DF_MAX ? df_names[df] : "unknown";
}

const char *st_encap_str(unsigned int encap)
{
	return encap <= SECTUN_ENCAP_MAX ? encap_names[encap] : "unknown";
}

/* An address attribute as text; NULL when absent, malformed or all-zero. */
const char *st_addr_str(const void *data, size_t len, char *buf, size_t buflen)
{
	if (!data || all_zero(data, len))
		return NULL;
	if (len == 4)
		return inet_ntop(AF_INET, data, buf, (socklen_t)buflen);
	if (len == 16)
		return inet_ntop(AF_INET6, data, buf, (socklen_t)buflen);
	return NULL;
}
