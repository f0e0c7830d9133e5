/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sectun(8): declarations shared by the tool's files.
 */
#ifndef SECTUN_TOOL_H
#define SECTUN_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/sectun.h>

#define SECTUN_TOOL_VERSION	"0.1"

/* Exit codes (documented in sectun.8). */
enum {
	EXIT_OK		= 0,
	EXIT_FAIL	= 1,	/* runtime or kernel error */
	EXIT_USAGE	= 2,	/* bad command line or batch line */
};

struct nl;

struct ifcache_entry {
	char name[16];
	unsigned int ifindex;
};

/* Everything one invocation (or one batch run) shares between commands. */
struct ctx {
	bool json;
	bool pretty;
	bool batch;		/* inline `key 0xHEX` allowed, errors name lines */
	bool batch_stdin;	/* the batch comes from stdin: `key @-` can't */
	bool batch_world;	/* the batch file is world-accessible */
	bool batch_warned;
	unsigned long lineno;	/* batch line being run, 0 outside a batch */
	const char *cmd;	/* "sa add": the prefix of messages */
	const char *batch_path;

	/* Opened on first use and kept for the whole batch. */
	struct nl *genl;
	struct nl *rtnl;
	uint16_t family;	/* genl family id, 0 until resolved */
	uint32_t events_group;

	struct ifcache_entry *ifcache;
	size_t ifcache_len, ifcache_cap;
};

/* sectun.c */
int fail(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int fail_usage(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int fail_nl(struct ctx *c, const struct nl *nl, int err, const char *what);
void warn(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int dispatch(struct ctx *c, int argc, char **argv);
int ifcache_index(struct ctx *c, const char *name, unsigned int *ifindex);

/* genl.c */
int genl_open(struct ctx *c);
struct nlmsghdr *genl_msg(struct ctx *c, uint8_t cmd, uint16_t flags);
void genl_put_dev(struct nlmsghdr *nlh, const char *dev);

/* rtnl.c */
int cmd_set(struct ctx *c, int argc, char **argv);

/* sa.c */
int cmd_sa(struct ctx *c, int argc, char **argv);

/* show.c */
int cmd_show(struct ctx *c, int argc, char **argv);
int cmd_sa_list(struct ctx *c, int argc, char **argv);

/* monitor.c */
int cmd_monitor(struct ctx *c, int argc, char **argv);

/* batch.c */
int batch_run(struct ctx *c, const char *path);

/* algs.c */
int cmd_algs(struct ctx *c, int argc, char **argv);

#endif /* SECTUN_TOOL_H */
