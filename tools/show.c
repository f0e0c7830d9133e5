// SPDX-License-Identifier: GPL-2.0-only
/*
 * `sectun show` and `sectun sa list`: devices and their SAs, as text in
 * the manner of `wg show`, as one line per SA, or as JSON.  Keys are never
 * printed: the kernel never returns them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "json.h"
#include "settings.h"
#include "show.h"

/* JSON names of the per-SA counters, by SECTUN_STATS_A_*. */
static const char *const stat_names[SECTUN_STATS_A_MAX + 1] = {
	[SECTUN_STATS_A_PACKETS]	= "packets",
	[SECTUN_STATS_A_BYTES]		= "bytes",
	[SECTUN_STATS_A_REPLAY]		= "replay",
	[SECTUN_STATS_A_INTEGRITY]	= "integrity",
	[SECTUN_STATS_A_MALFORMED]	= "malformed",
	[SECTUN_STATS_A_INNER]		= "inner",
	[SECTUN_STATS_A_SEQ_EXHAUSTED]	= "seq_exhausted",
	[SECTUN_STATS_A_ERRORS]		= "errors",
	[SECTUN_STATS_A_DUMMY]		= "dummy",
	[SECTUN_STATS_A_LAST_USED]	= "last_used",
};

/* Drop reasons, in the order the text output lists them. */
static const int drop_stats[] = {
	SECTUN_STATS_A_REPLAY, SECTUN_STATS_A_INTEGRITY,
	SECTUN_STATS_A_MALFORMED, SECTUN_STATS_A_INNER,
	SECTUN_STATS_A_SEQ_EXHAUSTED, SECTUN_STATS_A_ERRORS,
	SECTUN_STATS_A_DUMMY,
};

const char *dir_str(uint8_t dir)
{
	switch (dir) {
	case SECTUN_DIR_IN:
		return "in";
	case SECTUN_DIR_OUT:
		return "out";
	}
	return "unknown";
}

const char *proto_str(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	}
	return "unknown";
}

/*
 * `sa list` and monitor: "DEV DIR PROTO spi 0xSPI ALG …", one line; new
 * fields go at the end.
 */
void sa_print_line(const struct sa_info *sa)
{
	printf("%s %s %s spi 0x%x %s esn %s window %u seq %" PRIu64 "%s%s\n",
	       sa->ifname[0] ? sa->ifname : "?", dir_str(sa->dir),
	       proto_str(sa->proto), sa->spi, sa->alg[0] ? sa->alg : "?",
	       sa->esn ? "on" : "off", sa->window, sa->seq,
	       sa->active ? " active" : "", sa->align4 ? " align4" : "");
}

/* An SA's members, into the JSON object the caller has opened. */
void sa_json_fields(const struct sa_info *sa)
{
	size_t i;

	json_str("dir", dir_str(sa->dir));
	json_u64("spi", sa->spi);
	json_str("proto", proto_str(sa->proto));
	json_str("alg", sa->alg);
	json_bool("active", sa->active);
	json_bool("esn", sa->esn);
	json_u64("window", sa->window);
	json_u64("seq", sa->seq);
	if (sa->has_align4)
		json_bool("align4", sa->align4);
	for (i = 0; i <= SECTUN_STATS_A_MAX; i++)
		if (stat_names[i])
			json_u64(stat_names[i], sa->stats[i]);
}

static void print_bytes(uint64_t b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b / 1024;
	int u = 0;

	if (b < 1024) {
		printf("%" PRIu64 " B", b);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	printf("%.2f %s", v, units[u]);
}

/* "1 hour, 2 minutes, 3 seconds ago", as wg(8) says it. */
static void print_ago(uint64_t when)
{
	static const struct {
		const char *name;
		uint64_t secs;
	} units[] = {
		{ "day", 86400 }, { "hour", 3600 }, { "minute", 60 },
		{ "second", 1 },
	};
	uint64_t now = (uint64_t)time(NULL), left;
	bool first = true;
	size_t i;

	if (!when) {
		printf("never");
		return;
	}
	if (when >= now) {
		printf("now");
		return;
	}
	left = now - when;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t n = left / units[i].secs;

		if (!n)
			continue;
		left -= n * units[i].secs;
		printf("%s%" PRIu64 " %s%s", first ? "" : ", ", n,
		       units[i].name, n == 1 ? "" : "s");
		first = false;
	}
	printf(" ago");
}

static void sa_print_text(const struct sa_info *sa)
{
	bool first = true;
	size_t i;

	printf("\n  sa: %s %s spi 0x%x%s\n", dir_str(sa->dir),
	       proto_str(sa->proto), sa->spi, sa->active ? " (active)" : "");
	printf("    algorithm: %s\n", sa->alg);
	if (sa->has_align4 && (sa->proto == IPPROTO_AH || sa->align4))
		printf("    align4: %s\n", sa->align4 ? "on" : "off");
	printf("    esn: %s\n", sa->esn ? "on" : "off");
	if (sa->dir == SECTUN_DIR_IN) {
		printf("    replay window: %u\n", sa->window);
		printf("    highest sequence: %" PRIu64 "\n", sa->seq);
	} else {
		printf("    next sequence: %" PRIu64 "\n", sa->seq);
	}
	printf("    transfer: %" PRIu64 " packets, ",
	       sa->stats[SECTUN_STATS_A_PACKETS]);
	print_bytes(sa->stats[SECTUN_STATS_A_BYTES]);
	printf("\n    last used: ");
	print_ago(sa->stats[SECTUN_STATS_A_LAST_USED]);
	putchar('\n');
	for (i = 0; i < sizeof(drop_stats) / sizeof(drop_stats[0]); i++) {
		uint64_t n = sa->stats[drop_stats[i]];

		if (!n)
			continue;
		printf("%s%" PRIu64 " %s", first ? "    dropped: " : ", ", n,
		       stat_names[drop_stats[i]]);
		first = false;
	}
	if (!first)
		putchar('\n');
}

static const char *link_name(uint32_t link, char *buf)
{
	if (!link)
		return NULL;
	if (!if_indextoname(link, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", link);
	return buf;
}

/* JSON names of the device counters, by SECTUN_DEV_STATS_A_*. */
static const char *const dev_stat_names[SECTUN_DEV_STATS_A_MAX + 1] = {
	[SECTUN_DEV_STATS_A_KEEPALIVE_TX]	= "keepalive_tx",
	[SECTUN_DEV_STATS_A_KEEPALIVE_RX]	= "keepalive_rx",
	[SECTUN_DEV_STATS_A_NON_ESP]		= "non_esp",
	[SECTUN_DEV_STATS_A_FLOATS]		= "floats",
};

/* Their text names, in `sectun show`'s "counters:" line. */
static const char *const dev_stat_text[SECTUN_DEV_STATS_A_MAX + 1] = {
	[SECTUN_DEV_STATS_A_KEEPALIVE_TX]	= "keepalive tx",
	[SECTUN_DEV_STATS_A_KEEPALIVE_RX]	= "keepalive rx",
	[SECTUN_DEV_STATS_A_NON_ESP]		= "non-esp",
	[SECTUN_DEV_STATS_A_FLOATS]		= "floats",
};

/*
 * A module that knows NAT traversal always reports encap; one that
 * predates it reports none of its settings, and no endpoint either.
 */
static bool dev_knows_natt(const struct dev_info *d)
{
	return d->has_encap;
}

/* The endpoint port means something only with UDP encapsulation. */
static bool dev_has_endpoint_port(const struct dev_info *d)
{
	return d->has_endpoint_port &&
	       (!d->has_encap || d->encap == SECTUN_ENCAP_UDP);
}

/* The ports are settings of UDP encapsulation only. */
static bool dev_shows_ports(const struct dev_info *d)
{
	return d->has_encap && d->encap == SECTUN_ENCAP_UDP;
}

static void dev_print_natt_text(const struct dev_info *d)
{
	char addr[64];
	const char *s;
	bool first = true;
	size_t i;

	if (d->has_encap) {
		printf("  encap: %s", st_encap_str(d->encap));
		if (dev_shows_ports(d) && d->has_sport)
			printf(", sport %u", d->sport);
		if (dev_shows_ports(d) && d->has_dport)
			printf(", dport %u", d->dport);
		putchar('\n');
	}
	if (d->has_keepalive) {
		if (d->keepalive)
			printf("  keepalive: %u seconds\n", d->keepalive);
		else
			printf("  keepalive: off\n");
	}
	if (d->has_float)
		printf("  float: %s\n", d->floating ? "on" : "off");
	s = st_addr_str(d->endpoint, d->endpoint_len, addr, sizeof(addr));
	if (s) {
		printf("  endpoint: %s", s);
		if (dev_has_endpoint_port(d))
			printf(" port %u", d->endpoint_port);
		putchar('\n');
	} else if (dev_knows_natt(d)) {
		printf("  endpoint: (none)\n");
	}
	for (i = 0; i <= SECTUN_DEV_STATS_A_MAX; i++) {
		if (!dev_stat_text[i] || !(d->dev_stats_sent & (1u << i)))
			continue;
		printf("%s%s %" PRIu64, first ? "  counters: " : ", ",
		       dev_stat_text[i], d->dev_stats[i]);
		first = false;
	}
	if (!first)
		putchar('\n');
}

static void dev_print_natt_json(const struct dev_info *d)
{
	char addr[64];
	size_t i;

	if (d->has_encap)
		json_str("encap", st_encap_str(d->encap));
	if (d->has_sport)
		json_u64("sport", d->sport);
	if (d->has_dport)
		json_u64("dport", d->dport);
	if (d->has_keepalive)
		json_u64("keepalive", d->keepalive);
	if (d->has_float)
		json_bool("float", d->floating);
	if (d->endpoint_len || dev_knows_natt(d))
		json_str("endpoint", st_addr_str(d->endpoint, d->endpoint_len,
						 addr, sizeof(addr)));
	if (dev_has_endpoint_port(d))
		json_u64("endpoint_port", d->endpoint_port);
	for (i = 0; i <= SECTUN_DEV_STATS_A_MAX; i++)
		if (dev_stat_names[i] && (d->dev_stats_sent & (1u << i)))
			json_u64(dev_stat_names[i], d->dev_stats[i]);
}

static void dev_print_text(const struct dev_info *d, bool first)
{
	char addr[64], num[8], ifname[IF_NAMESIZE];
	const char *s;
	size_t i;

	printf("%sinterface: %s\n", first ? "" : "\n", d->name);
	s = st_addr_str(d->local, d->local_len, addr, sizeof(addr));
	printf("  local: %s\n", s ? s : "(any)");
	s = st_addr_str(d->remote, d->remote_len, addr, sizeof(addr));
	printf("  remote: %s\n", s ? s : "(none)");
	s = link_name(d->link, ifname);
	printf("  underlay: %s\n", s ? s : "(any)");
	printf("  ttl: %s\n", st_ttl_str(d->ttl, num, sizeof(num)));
	printf("  dscp: %s\n", st_dscp_str(d->dscp, num, sizeof(num)));
	printf("  df: %s\n", st_df_str(d->df));
	dev_print_natt_text(d);
	if (d->active_spi)
		printf("  active outbound sa: spi 0x%x\n", d->active_spi);
	else
		printf("  active outbound sa: (none)\n");
	for (i = 0; i < d->nsas; i++)
		sa_print_text(&d->sas[i]);
}

static void dev_print_json(const struct dev_info *d)
{
	char addr[64], num[8], ifname[IF_NAMESIZE];
	size_t i;

	json_obj_open(NULL);
	json_str("name", d->name);
	json_u64("ifindex", d->ifindex);
	json_str("local", st_addr_str(d->local, d->local_len, addr, sizeof(addr)));
	json_str("remote", st_addr_str(d->remote, d->remote_len, addr, sizeof(addr)));
	json_str("dev", link_name(d->link, ifname));
	json_u64("link", d->link);
	if (d->ttl == SECTUN_TTL_INHERIT)
		json_str("ttl", st_ttl_str(d->ttl, num, sizeof(num)));
	else
		json_u64("ttl", d->ttl);
	if (d->dscp == SECTUN_DSCP_COPY)
		json_str("dscp", st_dscp_str(d->dscp, num, sizeof(num)));
	else
		json_u64("dscp", d->dscp);
	json_str("df", st_df_str(d->df));
	dev_print_natt_json(d);
	if (d->active_spi)
		json_u64("active_spi", d->active_spi);
	else
		json_null("active_spi");
	json_u64("sa_count", d->sa_count);
	json_arr_open("sas");
	for (i = 0; i < d->nsas; i++) {
		json_obj_open(NULL);
		sa_json_fields(&d->sas[i]);
		json_obj_close();
	}
	json_arr_close();
	json_obj_close();
}

/*
 * The devices (@name, or all) with their SAs.  @need_sas: whether a kernel
 * that cannot list SAs is an error (sa list) or just shows none (show).
 */
static int devs_with_sas(struct ctx *c, const char *name, bool need_sas,
			 struct dev_info **devs, size_t *ndevs)
{
	size_t i;
	int ret;

	ret = dev_get(c, name, devs, ndevs);
	if (ret)
		return ret;
	for (i = 0; i < *ndevs; i++) {
		ret = sa_get(c, &(*devs)[i]);
		if (ret == -EOPNOTSUPP && !need_sas)
			continue;
		if (ret) {
			ret = fail_nl(c, c->genl, ret, NULL);
			devs_free(*devs, *ndevs);
			return ret;
		}
	}
	return 0;
}

int cmd_show(struct ctx *c, int argc, char **argv)
{
	struct dev_info *devs = NULL;
	size_t ndevs = 0, i;
	int ret;

	if (argc > 1)
		return fail_usage(c, "too many arguments");
	ret = devs_with_sas(c, argc ? argv[0] : NULL, false, &devs, &ndevs);
	if (ret)
		return ret;
	if (c->json) {
		json_arr_open(NULL);
		for (i = 0; i < ndevs; i++)
			dev_print_json(&devs[i]);
		json_arr_close();
		json_end();
	} else {
		for (i = 0; i < ndevs; i++)
			dev_print_text(&devs[i], i == 0);
	}
	devs_free(devs, ndevs);
	return 0;
}

int cmd_sa_list(struct ctx *c, int argc, char **argv)
{
	struct dev_info *devs = NULL;
	size_t ndevs = 0, i, j;
	int ret;

	if (argc > 1)
		return fail_usage(c, "too many arguments");
	ret = devs_with_sas(c, argc ? argv[0] : NULL, true, &devs, &ndevs);
	if (ret)
		return ret;
	if (c->json)
		json_arr_open(NULL);
	for (i = 0; i < ndevs; i++) {
		for (j = 0; j < devs[i].nsas; j++) {
			const struct sa_info *sa = &devs[i].sas[j];

			if (c->json) {
				json_obj_open(NULL);
				json_str("dev", sa->ifname);
				json_u64("ifindex", devs[i].ifindex);
				sa_json_fields(sa);
				json_obj_close();
			} else {
				sa_print_line(sa);
			}
		}
	}
	if (c->json) {
		json_arr_close();
		json_end();
	}
	devs_free(devs, ndevs);
	return 0;
}
