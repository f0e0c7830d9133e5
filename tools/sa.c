// SPDX-License-Identifier: GPL-2.0-only
/*
 * `sectun sa add|del|flush` (and `sa list`, in show.c): SAs over the
 * sectun genl family.  Everything that can be checked here is checked
 * before a key is read or a message sent.
 */
#include <net/if.h>
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "algs.h"
#include "keyfile.h"
#include "nl.h"
#include "parse.h"
#include "sectun.h"

struct sa_args {
	const char *dev;
	uint8_t dir;
	uint8_t proto;
	bool has_spi;
	uint32_t spi;
	const char *alg;
	char *key;
	bool has_esn;
	uint8_t esn;
	bool has_window;
	uint32_t window;
	bool has_seq;
	uint64_t seq;
	bool align4;
};

/* Which keywords a command takes. */
enum {
	SA_ALG		= 1 << 0,	/* esp/ah take ALG (add), else bare */
	SA_KEY		= 1 << 1,
	SA_EXTRA	= 1 << 2,	/* esn, window, seq, align4 */
	SA_NO_SPI	= 1 << 3,	/* flush: direction only */
};

static int check_dev(struct ctx *c, const char *dev)
{
	if (strlen(dev) >= IF_NAMESIZE)
		return fail_usage(c, "device name too long: %s", dev);
	return 0;
}

static int need_value(struct ctx *c, int i, int argc, char **argv)
{
	if (i + 1 >= argc)
		return fail_usage(c, "%s needs a value", argv[i]);
	return 0;
}

/*
 * DEV, then keywords in any order.  Returns 0 or an exit code.  A key
 * given on the command line is refused here, before anything else
 * happens, and wiped from argv.
 */
static int sa_parse_args(struct ctx *c, int argc, char **argv,
			 unsigned int accept, struct sa_args *a)
{
	uint64_t n;
	int i, ret;

	memset(a, 0, sizeof(*a));
	if (argc < 1 || !strcmp(argv[0], "in") || !strcmp(argv[0], "out"))
		return fail_usage(c, "a device name is required");
	a->dev = argv[0];
	ret = check_dev(c, a->dev);
	if (ret)
		return ret;

	for (i = 1; i < argc; i++) {
		const char *kw = argv[i];

		if (!strcmp(kw, "in") || !strcmp(kw, "out")) {
			if (a->dir)
				return fail_usage(c, "direction given twice");
			a->dir = kw[0] == 'i' ? SECTUN_DIR_IN : SECTUN_DIR_OUT;
		} else if (!(accept & SA_NO_SPI) &&
			   (!strcmp(kw, "esp") || !strcmp(kw, "ah"))) {
			if (a->proto)
				return fail_usage(c, "protocol given twice");
			a->proto = kw[0] == 'e' ? IPPROTO_ESP : IPPROTO_AH;
			if (accept & SA_ALG) {
				ret = need_value(c, i, argc, argv);
				if (ret)
					return ret;
				a->alg = argv[++i];
			}
		} else if (!(accept & SA_NO_SPI) && !strcmp(kw, "spi")) {
			ret = need_value(c, i, argc, argv);
			if (ret)
				return ret;
			if (a->has_spi)
				return fail_usage(c, "spi given twice");
			if (st_parse_u64(argv[++i], UINT32_MAX, &n) ||
			    n < SECTUN_SPI_MIN)
				return fail_usage(c, "spi must be %u..4294967295 "
						  "(decimal or 0xHEX; 1..255 are "
						  "reserved), not \"%s\"",
						  SECTUN_SPI_MIN, argv[i]);
			a->has_spi = true;
			a->spi = (uint32_t)n;
		} else if ((accept & SA_KEY) && !strcmp(kw, "key")) {
			ret = need_value(c, i, argc, argv);
			if (ret)
				return ret;
			if (a->key)
				return fail_usage(c, "key given twice");
			a->key = argv[++i];
			ret = key_spec_check(c, a->key);
			if (ret)
				return ret;
		} else if ((accept & SA_EXTRA) && !strcmp(kw, "esn")) {
			ret = need_value(c, i, argc, argv);
			if (ret)
				return ret;
			if (a->has_esn)
				return fail_usage(c, "esn given twice");
			i++;
			if (strcmp(argv[i], "on") && strcmp(argv[i], "off"))
				return fail_usage(c, "esn must be on or off, not \"%s\"",
						  argv[i]);
			a->has_esn = true;
			a->esn = !strcmp(argv[i], "on");
		} else if ((accept & SA_EXTRA) && !strcmp(kw, "window")) {
			ret = need_value(c, i, argc, argv);
			if (ret)
				return ret;
			if (a->has_window)
				return fail_usage(c, "window given twice");
			if (st_parse_u64(argv[++i], UINT32_MAX, &n))
				return fail_usage(c, "window must be a number, not \"%s\"",
						  argv[i]);
			a->has_window = true;
			a->window = (uint32_t)n;
		} else if ((accept & SA_EXTRA) && !strcmp(kw, "seq")) {
			ret = need_value(c, i, argc, argv);
			if (ret)
				return ret;
			if (a->has_seq)
				return fail_usage(c, "seq given twice");
			if (st_parse_u64(argv[++i], UINT64_MAX, &n))
				return fail_usage(c, "seq must be a number, not \"%s\"",
						  argv[i]);
			a->has_seq = true;
			a->seq = n;
		} else if ((accept & SA_EXTRA) && !strcmp(kw, "align4")) {
			if (a->align4)
				return fail_usage(c, "align4 given twice");
			a->align4 = true;
		} else {
			return fail_usage(c, "unknown keyword \"%s\"", kw);
		}
	}

	if (accept & SA_NO_SPI)
		return 0;
	if (!a->dir)
		return fail_usage(c, "a direction (in or out) is required");
	if (!a->has_spi)
		return fail_usage(c, "spi SPI is required");
	if ((accept & SA_ALG) && !a->proto)
		return fail_usage(c, "esp ALG or ah ALG is required");
	/* Whether a key is required depends on the algorithm: cmd_sa_add(). */
	if (a->align4 && a->proto != IPPROTO_AH)
		return fail_usage(c, "align4 applies to AH SAs only, not to esp");
	return 0;
}

static int check_alg(struct ctx *c, const struct sa_args *a,
		     struct alg_info *alg)
{
	char names[1024];
	int ret;

	ret = alg_lookup(a->alg, a->proto, alg);
	if (ret == -EPROTONOSUPPORT) {
		alg_names(IPPROTO_AH, names, sizeof(names));
		return fail_usage(c, "AH needs an integrity-only algorithm: %s",
				  names);
	}
	if (ret) {
		alg_names(a->proto, names, sizeof(names));
		if (a->proto == IPPROTO_ESP &&
		    alg_lookup(a->alg, IPPROTO_AH, alg) == 0)
			return fail_usage(c, "unknown ESP algorithm \"%s\" "
					  "(integrity only is null-%s); valid: %s",
					  a->alg, a->alg, names);
		return fail_usage(c, "unknown %s algorithm \"%s\"; valid: %s",
				  a->proto == IPPROTO_ESP ? "ESP" : "AH",
				  a->alg, names);
	}
	return 0;
}

static int sa_send(struct ctx *c, struct nlmsghdr *nlh, unsigned int flags)
{
	int ret;

	ret = nl_request(c->genl, nlh, NULL, NULL, flags);
	if (ret)
		return fail_nl(c, c->genl, ret, NULL);
	if (c->genl->warning[0])
		warn(c, "%s", c->genl->warning);
	return 0;
}

static int cmd_sa_add(struct ctx *c, int argc, char **argv)
{
	uint8_t key[SECTUN_KEY_MAX];
	struct alg_info alg;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct sa_args a;
	size_t keylen;
	int ret;

	ret = sa_parse_args(c, argc, argv, SA_ALG | SA_KEY | SA_EXTRA, &a);
	if (ret)
		return ret;
	ret = check_alg(c, &a, &alg);
	if (ret)
		return ret;
	/* Only a keyless algorithm (null, for benchmarks) goes without. */
	if (!a.key && alg.keylen)
		return fail_usage(c, "key @FILE (or key @-) is required");
	/* Before the key is read: a missing module must not eat stdin. */
	ret = genl_open(c);
	if (ret)
		return ret;
	keylen = 0;
	if (a.key) {
		ret = key_load(c, a.key, &alg, key, &keylen);
		if (ret)
			return ret;
	}

	nlh = genl_msg(c, SECTUN_CMD_SA_NEW, 0);
	genl_put_dev(nlh, a.dev);
	nest = mnl_attr_nest_start(nlh, SECTUN_A_SA);
	mnl_attr_put_u8(nlh, SECTUN_SA_A_DIR, a.dir);
	mnl_attr_put_u32(nlh, SECTUN_SA_A_SPI, a.spi);
	mnl_attr_put_u8(nlh, SECTUN_SA_A_PROTO, a.proto);
	mnl_attr_put_strz(nlh, SECTUN_SA_A_ALG, alg.name);
	mnl_attr_put(nlh, SECTUN_SA_A_KEY, keylen, key);
	explicit_bzero(key, sizeof(key));
	if (a.has_esn)
		mnl_attr_put_u8(nlh, SECTUN_SA_A_ESN, a.esn);
	if (a.has_window)
		mnl_attr_put_u32(nlh, SECTUN_SA_A_WINDOW, a.window);
	if (a.has_seq)
		mnl_attr_put_u64(nlh, SECTUN_SA_A_SEQ, a.seq);
	if (a.align4)
		mnl_attr_put_u8(nlh, SECTUN_SA_A_ALIGN4, 1);
	mnl_attr_nest_end(nlh, nest);

	/* NL_WIPE: the request, and any echo of it, hold the key. */
	return sa_send(c, nlh, NL_WIPE);
}

static int cmd_sa_del(struct ctx *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct sa_args a;
	int ret;

	ret = sa_parse_args(c, argc, argv, 0, &a);
	if (ret)
		return ret;
	ret = genl_open(c);
	if (ret)
		return ret;

	nlh = genl_msg(c, SECTUN_CMD_SA_DEL, 0);
	genl_put_dev(nlh, a.dev);
	nest = mnl_attr_nest_start(nlh, SECTUN_A_SA);
	mnl_attr_put_u8(nlh, SECTUN_SA_A_DIR, a.dir);
	mnl_attr_put_u32(nlh, SECTUN_SA_A_SPI, a.spi);
	if (a.proto)
		mnl_attr_put_u8(nlh, SECTUN_SA_A_PROTO, a.proto);
	mnl_attr_nest_end(nlh, nest);
	return sa_send(c, nlh, 0);
}

static int cmd_sa_flush(struct ctx *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct sa_args a;
	int ret;

	ret = sa_parse_args(c, argc, argv, SA_NO_SPI, &a);
	if (ret)
		return ret;
	ret = genl_open(c);
	if (ret)
		return ret;

	nlh = genl_msg(c, SECTUN_CMD_SA_FLUSH, 0);
	genl_put_dev(nlh, a.dev);
	if (a.dir) {
		nest = mnl_attr_nest_start(nlh, SECTUN_A_SA);
		mnl_attr_put_u8(nlh, SECTUN_SA_A_DIR, a.dir);
		mnl_attr_nest_end(nlh, nest);
	}
	return sa_send(c, nlh, 0);
}

int cmd_sa(struct ctx *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		const char *cmd;
		int (*fn)(struct ctx *c, int argc, char **argv);
	} subs[] = {
		{ "add",	"sa add",	cmd_sa_add },
		{ "del",	"sa del",	cmd_sa_del },
		{ "list",	"sa list",	cmd_sa_list },
		{ "flush",	"sa flush",	cmd_sa_flush },
	};
	size_t i;

	if (argc == 0) {
		c->cmd = "sa list";
		return cmd_sa_list(c, 0, argv);
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (!strcmp(argv[0], subs[i].name)) {
			c->cmd = subs[i].cmd;
			return subs[i].fn(c, argc - 1, argv + 1);
		}
	}
	return fail_usage(c, "unknown command \"sa %s\" (add, del, list or flush)",
			  argv[0]);
}
