// SPDX-License-Identifier: GPL-2.0-only
/*
 * Keys never come from the command line, where ps(1), /proc/PID/cmdline
 * and shell history would see them: KEYSPEC is @FILE or @- (stdin), and
 * only a batch file (itself protected like a key file) may hold 0xHEX.
 * Key text is read with read(2), not stdio, so that no copy stays behind
 * in a buffer this file cannot wipe; every buffer is wiped after use.
 * Messages describe what is wrong with a key, never its content.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "keyfile.h"

/* Generous: 128 bytes of key as hex, spaced out and commented by nobody. */
#define KEY_TEXT_MAX	4096

static int hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool is_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	       ch == '\v' || ch == '\f';
}

/*
 * Hex digits, optionally after one leading 0x, with any whitespace
 * around and between them; no digits at all only if @empty_ok.  Returns
 * 0, or -1 with the reason in @why.
 */
static int hex_decode(const char *text, size_t len, uint8_t *out,
		      size_t outmax, size_t *outlen, bool empty_ok,
		      char *why, size_t whylen)
{
	size_t i = 0, digits = 0, line = 1, col = 0;
	int hi = 0, v;

	while (i < len && is_space((unsigned char)text[i]))
		i++;
	if (i + 1 < len && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X'))
		i += 2;
	/* Lines and columns of the original text, for the message. */
	for (size_t j = 0; j < i; j++) {
		col++;
		if (text[j] == '\n') {
			line++;
			col = 0;
		}
	}

	for (; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		col++;
		if (ch == '\n') {
			line++;
			col = 0;
			continue;
		}
		if (is_space(ch))
			continue;
		v = hexval(ch);
		if (v < 0) {
			snprintf(why, whylen,
				 "invalid character at line %zu, column %zu "
				 "(only hex digits, an optional 0x prefix and "
				 "whitespace are allowed)", line, col);
			return -1;
		}
		if (digits / 2 >= outmax) {
			snprintf(why, whylen, "longer than %zu bytes", outmax);
			return -1;
		}
		if (digits % 2)
			out[digits / 2] = (uint8_t)(hi << 4 | v);
		else
			hi = v;
		digits++;
	}
	explicit_bzero(&hi, sizeof(hi));
	if (!digits && !empty_ok) {
		snprintf(why, whylen, "no hex digits");
		return -1;
	}
	if (digits % 2) {
		snprintf(why, whylen, "odd number of hex digits (%zu)", digits);
		return -1;
	}
	*outlen = digits / 2;
	return 0;
}

/* Read all of @fd into @buf.  Returns the length, or -1 with errno set. */
static ssize_t read_all(int fd, char *buf, size_t len)
{
	size_t used = 0;

	for (;;) {
		ssize_t n = read(fd, buf + used, len - used);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return (ssize_t)used;
		used += (size_t)n;
		if (used == len) {
			errno = EFBIG;
			return -1;
		}
	}
}

static int key_text(struct ctx *c, const char *path, char *text,
		    size_t textlen, size_t *len, char *what, size_t whatlen)
{
	struct stat st;
	ssize_t n;
	int fd;

	if (!strcmp(path, "-")) {
		snprintf(what, whatlen, "key from stdin");
		fd = STDIN_FILENO;
	} else {
		snprintf(what, whatlen, "key file %s", path);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return fail(c, "%s: %s", what, strerror(errno));
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_IRWXO))
		warn(c, "%s is accessible by other users (mode %04o)",
		     what, (unsigned int)(st.st_mode & 07777));

	n = read_all(fd, text, textlen);
	if (fd != STDIN_FILENO)
		close(fd);
	if (n < 0) {
		if (errno == EFBIG)
			return fail(c, "%s: longer than %zu characters", what,
				    textlen - 1);
		return fail(c, "%s: %s", what, strerror(errno));
	}
	*len = (size_t)n;
	return 0;
}

/*
 * Check the form of a KEYSPEC before anything else is done.  Returns 0 or
 * an exit code; a key typed on the command line is wiped from argv.
 */
int key_spec_check(struct ctx *c, char *spec)
{
	if (spec[0] == '@') {
		if (!spec[1])
			return fail_usage(c, "key @ needs a file name (or @- for stdin)");
		if (!strcmp(spec, "@-") && c->batch_stdin)
			return fail_usage(c, "key @-: stdin is the batch file; "
					  "use key @FILE or key 0xHEX");
		return 0;
	}
	if (c->batch) {
		if (spec[0] == '0' && (spec[1] == 'x' || spec[1] == 'X'))
			return 0;
		return fail_usage(c, "key must be @FILE, @- or 0xHEX");
	}
	/* Too late to keep it out of shell history, but not out of ps(1). */
	explicit_bzero(spec, strlen(spec));
	return fail_usage(c, "keys are not accepted on the command line: "
			  "put the key (hex) in a file and use key @FILE, "
			  "or key @- to read it from stdin");
}

/*
 * Decode the key @spec (checked by key_spec_check()) names into @key
 * (SECTUN_KEY_MAX bytes) and check it has @alg's KEYMAT length.
 * Returns 0 or an exit code (reported).
 */
int key_load(struct ctx *c, char *spec, const struct alg_info *alg,
	     uint8_t *key, size_t *keylen)
{
	char text[KEY_TEXT_MAX], what[300], why[160];
	size_t len = 0;
	int ret;

	if (spec[0] == '@') {
		ret = key_text(c, spec + 1, text, sizeof(text), &len,
			       what, sizeof(what));
		if (ret)
			goto out;
	} else {
		snprintf(what, sizeof(what), "inline key");
		if (c->batch_world && !c->batch_warned) {
			c->batch_warned = true;
			warn(c, "batch file %s holds keys and is accessible by other users",
			     c->batch_path);
		}
		len = strlen(spec);
		if (len >= sizeof(text)) {
			ret = fail(c, "inline key: longer than %zu characters",
				   sizeof(text) - 1);
			goto out;
		}
		memcpy(text, spec, len);
	}

	/* A keyless algorithm takes an empty key (file, stdin or 0x). */
	if (hex_decode(text, len, key, SECTUN_KEY_MAX, keylen, !alg->keylen,
		       why, sizeof(why))) {
		ret = fail(c, "%s: %s", what, why);
		goto out;
	}
	ret = 0;
	if (*keylen != alg->keylen) {
		ret = fail(c, "key length %zu does not match %s (%u bytes)",
			   *keylen, alg->name, alg->keylen);
	}
out:
	explicit_bzero(text, sizeof(text));
	if (ret)
		explicit_bzero(key, SECTUN_KEY_MAX);
	return ret;
}
