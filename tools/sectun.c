// SPDX-License-Identifier: GPL-2.0-only
/*
 * sectun(8): configure sectun route-based IPsec tunnel devices.
 *
 * main(), global options, command dispatch, and the one place that
 * formats messages, so that every error reads
 * "sectun: [line N: ]COMMAND: what went wrong".
 */
#include <net/if.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "nl.h"
#include "sectun.h"
#include "settings.h"

struct command {
	const char *name;
	int (*fn)(struct ctx *c, int argc, char **argv);
};

/* Synopses, for --help and for the hint after a usage error. */
static const struct {
	const char *cmd;
	const char *synopsis;
} synopses[] = {
	{ "show",	"show [DEV]" },
	{ "set",	"set DEV " ST_SETTINGS_SYNOPSIS },
	{ "sa add",	"sa add DEV {in|out} spi SPI {esp|ah} ALG key KEYSPEC\n"
			"\t[esn on|off] [window N] [seq N] [align4]" },
	{ "sa del",	"sa del DEV {in|out} spi SPI [esp|ah]" },
	{ "sa list",	"sa list [DEV]" },
	{ "sa flush",	"sa flush DEV [in|out]" },
	{ "monitor",	"monitor" },
	{ "algs",	"algs [esp|ah]" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: sectun [-j|--json] [-p|--pretty] [-b FILE|--batch FILE]\n"
		"              [-h|--help] [-V|--version] COMMAND ...\n"
		"\n"
		"Commands (the default is show):\n");
	for (i = 0; i < sizeof(synopses) / sizeof(synopses[0]); i++)
		fprintf(f, "  sectun %s\n", synopses[i].synopsis);
	fprintf(f,
		"\n"
		"KEYSPEC := @FILE | @-    a file, or stdin, holding the key in hex\n"
		"SPI     := decimal or 0xHEX\n"
		"ALG     := see `sectun algs`\n"
		"\n"
		"Keys are never accepted on the command line.  See sectun(8).\n");
}

__attribute__((format(printf, 3, 0)))
static void vmsg(struct ctx *c, const char *kind, const char *fmt, va_list ap)
{
	fputs("sectun: ", stderr);
	if (c->lineno)
		fprintf(stderr, "line %lu: ", c->lineno);
	if (c->cmd)
		fprintf(stderr, "%s: ", c->cmd);
	if (kind)
		fputs(kind, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* A runtime failure: report it, return the exit code. */
int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vmsg(c, NULL, fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

void warn(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, "warning: ", fmt, ap);
	va_end(ap);
}

/* A malformed command: report it with the command's synopsis. */
int fail_usage(struct ctx *c, const char *fmt, ...)
{
	const char *synopsis = NULL;
	va_list ap;
	size_t i;

	fflush(stdout);
	va_start(ap, fmt);
	vmsg(c, NULL, fmt, ap);
	va_end(ap);
	if (c->batch)
		return EXIT_USAGE;
	for (i = 0; c->cmd && i < sizeof(synopses) / sizeof(synopses[0]); i++)
		if (!strcmp(c->cmd, synopses[i].cmd))
			synopsis = synopses[i].synopsis;
	if (synopsis)
		fprintf(stderr, "usage: sectun %s\n", synopsis);
	else
		fprintf(stderr, "Try 'sectun --help'.\n");
	return EXIT_USAGE;
}

/* A netlink error: the kernel's own words first, then errno's. */
int fail_nl(struct ctx *c, const struct nl *nl, int err, const char *what)
{
	const char *ext = nl && nl->extack[0] ? nl->extack : NULL;

	if (what && ext)
		return fail(c, "%s: %s (%s)", what, ext, strerror(-err));
	if (what)
		return fail(c, "%s: %s", what, strerror(-err));
	if (ext)
		return fail(c, "%s (%s)", ext, strerror(-err));
	return fail(c, "%s", strerror(-err));
}

/*
 * Device name to ifindex, looked up once per name per run: a batch names
 * the same few devices thousands of times.  Returns 0 or an exit code.
 */
int ifcache_index(struct ctx *c, const char *name, unsigned int *ifindex)
{
	struct ifcache_entry *e;
	unsigned int idx;
	size_t i;

	if (strlen(name) >= IFNAMSIZ)
		return fail_usage(c, "device name too long: %s", name);
	for (i = 0; i < c->ifcache_len; i++) {
		if (!strcmp(c->ifcache[i].name, name)) {
			*ifindex = c->ifcache[i].ifindex;
			return 0;
		}
	}
	idx = if_nametoindex(name);
	if (!idx)
		return fail(c, "no such device: %s", name);
	if (c->ifcache_len == c->ifcache_cap) {
		size_t cap = c->ifcache_cap ? 2 * c->ifcache_cap : 8;

		e = realloc(c->ifcache, cap * sizeof(*e));
		if (!e)
			return fail(c, "%s", strerror(ENOMEM));
		c->ifcache = e;
		c->ifcache_cap = cap;
	}
	e = &c->ifcache[c->ifcache_len++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->ifindex = idx;
	*ifindex = idx;
	return 0;
}

static int cmd_help(struct ctx *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int cmd_monitor_checked(struct ctx *c, int argc, char **argv)
{
	if (c->batch)
		return fail_usage(c, "monitor cannot run in a batch");
	return cmd_monitor(c, argc, argv);
}

static const struct command commands[] = {
	{ "show",	cmd_show },
	{ "set",	cmd_set },
	{ "sa",		cmd_sa },
	{ "monitor",	cmd_monitor_checked },
	{ "algs",	cmd_algs },
	{ "help",	cmd_help },
};

/* Run one command (argv without "sectun"); returns its exit code. */
int dispatch(struct ctx *c, int argc, char **argv)
{
	size_t i;

	c->cmd = NULL;
	if (argc == 0) {
		c->cmd = "show";
		return cmd_show(c, 0, argv);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[0], commands[i].name)) {
			c->cmd = commands[i].name;
			return commands[i].fn(c, argc - 1, argv + 1);
		}
	}
	return fail_usage(c, "unknown command \"%s\"", argv[0]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "pretty",	no_argument,		NULL, 'p' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c = { 0 };
	const char *batch = NULL;
	int opt, ret;

	/* "+": options end at the command, whose own words may look like -x. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+jpb:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = true;
			break;
		case 'p':
			c.pretty = true;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("sectun %s\n", SECTUN_TOOL_VERSION);
			return EXIT_OK;
		default:
			if (optopt == 'b')
				fprintf(stderr, "sectun: -b needs a file name\n");
			else if (optopt)
				fprintf(stderr, "sectun: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "sectun: unknown option %s\n",
					argv[optind - 1]);
			fprintf(stderr, "Try 'sectun --help'.\n");
			return EXIT_USAGE;
		}
	}
	json_init(stdout, c.pretty);

	if (batch) {
		if (optind < argc) {
			fprintf(stderr, "sectun: a command and a batch file (-b) "
				"are mutually exclusive\nTry 'sectun --help'.\n");
			return EXIT_USAGE;
		}
		ret = batch_run(&c, batch);
	} else {
		ret = dispatch(&c, argc - optind, argv + optind);
	}

	nl_close(c.genl);
	nl_close(c.rtnl);
	free(c.ifcache);
	if (fflush(stdout) && !ret) {
		fprintf(stderr, "sectun: writing output: %s\n", strerror(errno));
		ret = EXIT_FAIL;
	}
	return ret;
}
