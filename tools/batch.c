// SPDX-License-Identifier: GPL-2.0-only
/*
 * Batch mode (-b FILE): one command per line, applied in order over one
 * netlink socket, stopping at the first failure.  A batch file may hold
 * inline keys, so its lines are wiped after use and never quoted back in
 * messages: errors name the line number only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sectun.h"

#define BATCH_MAX_ARGS	64

/* Split on blanks; a word starting with '#' starts a comment. */
static int tokenize(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			return argc;
		if (argc == max)
			return -1;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

int batch_run(struct ctx *c, const char *path)
{
	/* Our own stdio buffer, so that it too can be wiped. */
	static char iobuf[BUFSIZ];
	char *line = NULL, *argv[BATCH_MAX_ARGS + 1];
	size_t cap = 0;
	struct stat st;
	ssize_t len;
	int argc, ret = 0;
	FILE *f;

	c->batch = true;
	c->batch_path = path;
	if (!strcmp(path, "-")) {
		f = stdin;
		c->batch_stdin = true;
		c->batch_path = "(stdin)";
	} else {
		f = fopen(path, "re");
		if (!f)
			return fail(c, "batch file %s: %s", path, strerror(errno));
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_IRWXO))
		c->batch_world = true;

	while ((len = getline(&line, &cap, f)) >= 0) {
		c->lineno++;
		c->cmd = NULL;
		argc = tokenize(line, argv, BATCH_MAX_ARGS);
		if (argc < 0)
			ret = fail_usage(c, "more than %d words", BATCH_MAX_ARGS);
		else if (argc > 0)
			ret = dispatch(c, argc, argv);
		explicit_bzero(line, (size_t)len);
		if (ret)
			break;
	}
	if (!ret && ferror(f)) {
		c->cmd = NULL;
		c->lineno = 0;
		ret = fail(c, "reading batch file %s: %s", c->batch_path,
			   strerror(errno));
	}
	if (line)
		explicit_bzero(line, cap);
	free(line);
	/* stdin keeps pointing at iobuf, but nothing reads it any more. */
	if (f != stdin)
		fclose(f);
	explicit_bzero(iobuf, sizeof(iobuf));
	return ret;
}
