// SPDX-License-Identifier: GPL-2.0-only
/*
 * A tiny streaming JSON writer.  Keys are given with each value (NULL
 * inside arrays); the writer only has to remember, per nesting level,
 * whether a separator is due.  Output is compact (one line, what monitor
 * needs) unless pretty printing was asked for.
 */
#include <inttypes.h>

#include "json.h"

#define JSON_DEPTH	16

static struct {
	FILE *out;
	bool pretty;
	int depth;
	bool need_sep[JSON_DEPTH];
} js = { .depth = 0 };

void json_init(FILE *out, bool pretty)
{
	js.out = out;
	js.pretty = pretty;
	js.depth = 0;
	js.need_sep[0] = false;
}

static void json_indent(void)
{
	int i;

	if (!js.pretty)
		return;
	fputc('\n', js.out);
	for (i = 0; i < js.depth; i++)
		fputs("  ", js.out);
}

static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', js.out);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", js.out);
			break;
		case '\\':
			fputs("\\\\", js.out);
			break;
		case '\n':
			fputs("\\n", js.out);
			break;
		case '\t':
			fputs("\\t", js.out);
			break;
		default:
			if (*p < 0x20)
				fprintf(js.out, "\\u%04x", *p);
			else
				fputc(*p, js.out);
		}
	}
	fputc('"', js.out);
}

/* Separator, indentation and key of the next value. */
static void json_key(const char *key)
{
	if (!js.out)
		js.out = stdout;
	if (js.need_sep[js.depth])
		fputc(',', js.out);
	if (js.depth)
		json_indent();
	js.need_sep[js.depth] = true;
	if (key) {
		json_string(key);
		fputs(js.pretty ? ": " : ":", js.out);
	}
}

static void json_open(const char *key, char c)
{
	json_key(key);
	fputc(c, js.out);
	if (js.depth < JSON_DEPTH - 1)
		js.depth++;
	js.need_sep[js.depth] = false;
}

static void json_close(char c)
{
	bool empty = !js.need_sep[js.depth];

	if (js.depth)
		js.depth--;
	if (!empty)
		json_indent();
	fputc(c, js.out);
}

void json_obj_open(const char *key)
{
	json_open(key, '{');
}

void json_obj_close(void)
{
	json_close('}');
}

void json_arr_open(const char *key)
{
	json_open(key, '[');
}

void json_arr_close(void)
{
	json_close(']');
}

void json_str(const char *key, const char *value)
{
	json_key(key);
	if (value)
		json_string(value);
	else
		fputs("null", js.out);
}

void json_u64(const char *key, uint64_t value)
{
	json_key(key);
	fprintf(js.out, "%" PRIu64, value);
}

void json_bool(const char *key, bool value)
{
	json_key(key);
	fputs(value ? "true" : "false", js.out);
}

void json_null(const char *key)
{
	json_key(key);
	fputs("null", js.out);
}

/* End of one top-level document: a newline, and out it goes. */
void json_end(void)
{
	fputc('\n', js.out ? js.out : stdout);
	fflush(js.out ? js.out : stdout);
	js.depth = 0;
	js.need_sep[0] = false;
}
