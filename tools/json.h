/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny streaming JSON writer for sectun's -j output.
 */
#ifndef SECTUN_JSON_H
#define SECTUN_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void json_init(FILE *out, bool pretty);
void json_obj_open(const char *key);
void json_obj_close(void);
void json_arr_open(const char *key);
void json_arr_close(void);
void json_str(const char *key, const char *value);	/* NULL: null */
void json_u64(const char *key, uint64_t value);
void json_bool(const char *key, bool value);
void json_null(const char *key);
void json_end(void);

#endif /* SECTUN_JSON_H */
