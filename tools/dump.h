/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the kernel reports about devices and SAs, parsed into plain
 * structs so that text, JSON and event output share one reading of it.
 */
#ifndef SECTUN_DUMP_H
#define SECTUN_DUMP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "sectun.h"

struct sa_info {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	uint8_t dir;			/* enum sectun_dir */
	uint8_t proto;			/* IPPROTO_ESP or IPPROTO_AH */
	uint32_t spi;
	char alg[SECTUN_ALG_NAME_MAX];
	bool esn;
	bool active;
	bool has_align4;		/* the kernel sent SECTUN_SA_A_ALIGN4 */
	bool align4;
	uint32_t window;
	uint64_t seq;
	uint64_t stats[SECTUN_STATS_A_MAX + 1];	/* by SECTUN_STATS_A_* */
};

struct dev_info {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	uint8_t local[16];
	uint8_t remote[16];
	uint8_t local_len;		/* 0: unset */
	uint8_t remote_len;
	uint32_t link;
	uint8_t ttl;
	uint8_t dscp;
	uint8_t df;
	/*
	 * NAT traversal and device counters: a module that predates them
	 * sends none of these, so each says whether it was sent.
	 */
	bool has_encap, has_sport, has_dport, has_keepalive, has_float;
	uint8_t encap;			/* enum sectun_encap */
	uint16_t sport;
	uint16_t dport;
	uint16_t keepalive;
	uint8_t floating;
	uint8_t endpoint[16];
	uint8_t endpoint_len;		/* 0: not sent */
	bool has_endpoint_port;
	uint16_t endpoint_port;
	uint32_t dev_stats_sent;	/* bit n: SECTUN_DEV_STATS_A n was sent */
	uint64_t dev_stats[SECTUN_DEV_STATS_A_MAX + 1];
	uint32_t active_spi;		/* 0: none */
	uint32_t sa_count;
	struct sa_info *sas;
	size_t nsas;
};

int sa_parse(const struct nlmsghdr *nlh, struct sa_info *sa);
int dev_parse(const struct nlmsghdr *nlh, struct dev_info *d);
int dev_get(struct ctx *c, const char *name, struct dev_info **devs,
	    size_t *ndevs);
int sa_get(struct ctx *c, struct dev_info *dev);
void devs_free(struct dev_info *devs, size_t ndevs);

#endif /* SECTUN_DUMP_H */
