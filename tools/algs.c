// SPDX-License-Identifier: GPL-2.0-only
/*
 * Algorithm names and KEYMAT lengths (Documentation: the table in
 * ARCHITECTURE.md and sectun.8).  The kernel has the authoritative table;
 * this copy exists so that a wrong key length or a typo is caught before
 * a key is sent, with a message that lists what would have worked.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "algs.h"
#include "json.h"
#include "sectun.h"

struct alg_part {
	const char *name;
	unsigned int keylen;
};

/* Combined-mode ciphers: key plus 4-byte salt. */
static const struct alg_part aead[] = {
	{ "aes128gcm16", 16 + 4 }, { "aes128gcm12", 16 + 4 },
	{ "aes128gcm8", 16 + 4 },
	{ "aes256gcm16", 32 + 4 }, { "aes256gcm12", 32 + 4 },
	{ "aes256gcm8", 32 + 4 },
	{ "chacha20poly1305", 32 + 4 },
	{ "aes128gmac", 16 + 4 }, { "aes256gmac", 32 + 4 },
};

/* Encryption of the ENC-INTEG names; CTR keys carry a 4-byte nonce. */
static const struct alg_part enc[] = {
	{ "aes128", 16 }, { "aes256", 32 },
	{ "aes128ctr", 16 + 4 }, { "aes256ctr", 32 + 4 },
	{ "null", 0 },
};

/* HMAC keys: as long as the hash output (RFC 2104 practice, RFC 4868). */
static const struct alg_part integ[] = {
	{ "sha1", 20 }, { "sha256", 32 }, { "sha384", 48 }, { "sha512", 64 },
	{ "md5", 16 },
};

/*
 * ESP with no encryption and no integrity, for measuring the datapath
 * alone: the kernel refuses it unless sectun was loaded with benchmark=1,
 * and says so.  Accepted here so that the kernel's message is the one the
 * user sees; listed only when the loaded module offers it.
 */
#define ALG_NULL		"null"
#define BENCHMARK_PARAM		"/sys/module/sectun/parameters/benchmark"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static bool benchmark_mode(void)
{
	FILE *f = fopen(BENCHMARK_PARAM, "re");
	int ch;

	if (!f)
		return false;
	ch = fgetc(f);
	fclose(f);
	return ch == 'Y';
}

static const struct alg_part *part_find(const struct alg_part *t, size_t n,
					const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(t[i].name) == len && !strncmp(t[i].name, name, len))
			return &t[i];
	return NULL;
}

static const struct alg_part *esp_combo(const char *name, unsigned int *keylen)
{
	const struct alg_part *e, *h;
	const char *dash = strchr(name, '-');

	if (!dash)
		return NULL;
	e = part_find(enc, N(enc), name, (size_t)(dash - name));
	h = part_find(integ, N(integ), dash + 1, strlen(dash + 1));
	if (!e || !h)
		return NULL;
	*keylen = e->keylen + h->keylen;
	return h;
}

/*
 * Returns 0 with *out filled, -ENOENT for an unknown name, or
 * -EPROTONOSUPPORT for an ESP name given for AH.
 */
int alg_lookup(const char *name, int proto, struct alg_info *out)
{
	const struct alg_part *p;
	unsigned int keylen;

	if (strlen(name) >= sizeof(out->name))
		return -ENOENT;
	if (proto == IPPROTO_AH) {
		p = part_find(integ, N(integ), name, strlen(name));
		if (p) {
			snprintf(out->name, sizeof(out->name), "%s", name);
			out->keylen = p->keylen;
			return 0;
		}
		if (part_find(aead, N(aead), name, strlen(name)) ||
		    esp_combo(name, &keylen))
			return -EPROTONOSUPPORT;
		return -ENOENT;
	}

	p = part_find(aead, N(aead), name, strlen(name));
	if (p)
		keylen = p->keylen;
	else if (!strcmp(name, ALG_NULL))
		keylen = 0;
	else if (!esp_combo(name, &keylen))
		return -ENOENT;
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->keylen = keylen;
	return 0;
}

/* Call @fn for every name valid for @proto, in documentation order. */
int alg_foreach(int proto, int (*fn)(const struct alg_info *, void *),
		void *arg)
{
	struct alg_info a;
	size_t i, j;
	int ret;

	if (proto == IPPROTO_AH) {
		for (i = 0; i < N(integ); i++) {
			snprintf(a.name, sizeof(a.name), "%s", integ[i].name);
			a.keylen = integ[i].keylen;
			ret = fn(&a, arg);
			if (ret)
				return ret;
		}
		return 0;
	}
	for (i = 0; i < N(aead); i++) {
		snprintf(a.name, sizeof(a.name), "%s", aead[i].name);
		a.keylen = aead[i].keylen;
		ret = fn(&a, arg);
		if (ret)
			return ret;
	}
	for (i = 0; i < N(enc); i++) {
		for (j = 0; j < N(integ); j++) {
			snprintf(a.name, sizeof(a.name), "%s-%s",
				 enc[i].name, integ[j].name);
			a.keylen = enc[i].keylen + integ[j].keylen;
			ret = fn(&a, arg);
			if (ret)
				return ret;
		}
	}
	if (benchmark_mode()) {
		snprintf(a.name, sizeof(a.name), "%s", ALG_NULL);
		a.keylen = 0;
		return fn(&a, arg);
	}
	return 0;
}

struct names_buf {
	char *buf;
	size_t len;
	size_t used;
};

static int names_add(const struct alg_info *a, void *arg)
{
	struct names_buf *nb = arg;
	int n;

	if (nb->used >= nb->len)
		return 0;
	n = snprintf(nb->buf + nb->used, nb->len - nb->used, "%s%s",
		     nb->used ? " " : "", a->name);
	if (n > 0)
		nb->used += (size_t)n;
	return 0;
}

/* The valid names for @proto, space separated (for error messages). */
void alg_names(int proto, char *buf, size_t len)
{
	struct names_buf nb = { buf, len, 0 };

	buf[0] = '\0';
	alg_foreach(proto, names_add, &nb);
}

struct algs_out {
	const char *proto;
	bool json;
};

static int algs_print(const struct alg_info *a, void *arg)
{
	struct algs_out *o = arg;

	if (o->json) {
		json_obj_open(NULL);
		json_str("proto", o->proto);
		json_str("name", a->name);
		json_u64("key_bytes", a->keylen);
		if (!strcmp(a->name, ALG_NULL))
			json_bool("benchmark_only", true);
		json_obj_close();
	} else {
		printf("%s %s %u\n", o->proto, a->name, a->keylen);
	}
	return 0;
}

/* `sectun algs [esp|ah]`: every accepted name with its KEYMAT length. */
int cmd_algs(struct ctx *c, int argc, char **argv)
{
	bool esp = true, ah = true;
	struct algs_out o = { .json = c->json };

	if (argc > 1)
		return fail_usage(c, "too many arguments");
	if (argc == 1) {
		if (!strcmp(argv[0], "esp"))
			ah = false;
		else if (!strcmp(argv[0], "ah"))
			esp = false;
		else
			return fail_usage(c, "expected esp or ah, not \"%s\"",
					  argv[0]);
	}
	if (c->json)
		json_arr_open(NULL);
	if (esp) {
		o.proto = "esp";
		alg_foreach(IPPROTO_ESP, algs_print, &o);
	}
	if (ah) {
		o.proto = "ah";
		alg_foreach(IPPROTO_AH, algs_print, &o);
	}
	if (c->json) {
		json_arr_close();
		json_end();
	}
	return 0;
}
